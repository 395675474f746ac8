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
