package registry

import (
	"testing"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

func TestOrganisationRequisitesAreChecked(t *testing.T) {
	for _, c := range []struct {
		inn, ogrn string
		ok        bool
	}{
		{"4205000016", "1024200000010", true},
		{"7707083893", "1027700132195", true}, // Sberbank
		{"4205000017", "1024200000011", false},
		{"420500001", "102420000001", false},
		{"42050000a6", "10242000000a0", false},
	} {
		in := registryapi.OrganisationInput{Kind: "school", FullName: "Школа", ShortName: "Школа", INN: c.inn, OGRN: c.ogrn, MunicipalityID: &uuid.UUID{}}
		fe := validateOrganisation(&in)
		if (len(fe) == 0) != c.ok {
			t.Errorf("INN %s / OGRN %s: want valid=%v", c.inn, c.ogrn, c.ok)
		}
	}
}

// What an organisation publishes about itself is checked field by field:
// a phone as people write it, an e-mail, a site with its scheme, a
// licence with its number and a date not in the future.
func TestOrganisationCardIsChecked(t *testing.T) {
	base := func() registryapi.OrganisationInput {
		return registryapi.OrganisationInput{Kind: "school", FullName: "Школа", ShortName: "Школа", INN: "4205000016", OGRN: "1024200000010",
			MunicipalityID: &uuid.UUID{}, Phone: "+7 (3842) 36-12-45", Email: "school1@kemerovo.example", Website: "https://school1.example",
			Licence: &registryapi.Licence{Number: "Л035-01226-42/00123456", Date: "2016-03-01", Issuer: "Министерство образования Кузбасса"}}
	}
	if in := base(); len(validateOrganisation(&in)) != 0 {
		t.Fatalf("a proper card refused: %+v", validateOrganisation(&in))
	}
	for field, spoil := range map[string]func(*registryapi.OrganisationInput){
		"phone":          func(in *registryapi.OrganisationInput) { in.Phone = "звоните в школу" },
		"email":          func(in *registryapi.OrganisationInput) { in.Email = "school1.example" },
		"website":        func(in *registryapi.OrganisationInput) { in.Website = "javascript:alert(1)" },
		"licence.number": func(in *registryapi.OrganisationInput) { in.Licence.Number = "" },
		"licence.date":   func(in *registryapi.OrganisationInput) { in.Licence.Date = "2099-01-01" },
	} {
		in := base()
		spoil(&in)
		fe := validateOrganisation(&in)
		if len(fe) != 1 || fe[0].Field != field {
			t.Errorf("%s spoilt: %+v", field, fe)
		}
	}
}
