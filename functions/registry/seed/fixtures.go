package seed

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/functions/registry"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/pdata"
)

// Fixtures are the development identities the seed must contain.
type Fixtures = *fixtures.Set

// reserveFixtureSNILS keeps generated people off the fixtures' SNILS.
func (l *loader) reserveFixtureSNILS(fx Fixtures) error {
	if fx == nil {
		return nil
	}
	for _, i := range fx.Identities {
		d, err := pdata.NormalizeSNILS(i.SNILS)
		if err != nil {
			return fmt.Errorf("seed: fixture %s: %w", i.Login, err)
		}
		l.usedSNILS[d] = true
	}
	return nil
}

// fixtureOrganisations adds the fixture organisations and classes before the
// synthetic ones, so that generated organisations with the same code are the
// fixture ones and gain their classes and pupils around the fixture people.
func (l *loader) fixtureOrganisations(reg *region, fx Fixtures) error {
	if fx == nil {
		return nil
	}
	for _, o := range fx.Organisations {
		var mun *uuid.UUID
		if o.Municipality != "" {
			id, ok := reg.municipality[o.Municipality]
			if !ok {
				return fmt.Errorf("seed: fixture organisation %s: municipality %q is not in this scale", o.Code, o.Municipality)
			}
			mun = &id
		}
		id := newID()
		reg.org[o.Code] = id
		l.organisations = append(l.organisations, append([]any{id, o.Code, o.Kind, o.FullName, o.ShortName, o.INN, o.OGRN, o.Address, mun},
			card(len(l.organisations), o.Code, o.Kind, o.INN)...))
	}
	for _, c := range fx.Classes {
		org := reg.org[c.Organisation]
		var grade *int
		if c.Grade > 0 {
			g := c.Grade
			grade = &g
		}
		l.addClass(reg, org, c.Organisation, c.Name, c.Kind, grade, nil, nil)
	}
	return nil
}

// fixturePeople adds every fixture identity with exactly the data of its ESIA
// token, its memberships and its children. Accounts are not pre-linked: the first
// login matches them, as in production.
func (l *loader) fixturePeople(reg *region, fx Fixtures) error {
	if fx == nil {
		return nil
	}
	ids := map[string]uuid.UUID{}
	for _, i := range fx.Identities {
		in := registryapi.PersonInput{
			FamilyName: i.FamilyName, GivenName: i.GivenName, MiddleName: i.MiddleName, BirthDate: i.BirthDate,
			Gender: i.Gender, SNILS: i.SNILS, Email: i.Email, Phone: i.Phone, ConfirmNotDuplicate: true,
			Document: &registryapi.Document{Type: i.Document.Type, Series: i.Document.Series, Number: i.Document.Number},
		}
		id, err := l.person(in, nil)
		if err != nil {
			return err
		}
		ids[i.Login] = id
		for _, r := range i.Roles {
			org, ok := reg.org[r.Organisation]
			if !ok {
				return fmt.Errorf("seed: fixture %s: organisation %s", i.Login, r.Organisation)
			}
			var class *uuid.UUID
			if r.Class != "" {
				c, ok := reg.class[r.Organisation+"/"+r.Class]
				if !ok {
					return fmt.Errorf("seed: fixture %s: class %s", i.Login, r.Class)
				}
				class = &c
			}
			if r.Role == "student" {
				l.enroll(id, org, class)
				continue
			}
			if r.Role == "director" { // one director: the fixture takes the made-up one's place
				l.staff = slices.DeleteFunc(l.staff, func(row []any) bool { return row[2] == any(org) && row[3] == "director" })
			}
			l.addStaff(id, org, r.Role, class, "")
		}
	}
	for _, i := range fx.Identities {
		relation := "father"
		if i.Gender == "F" {
			relation = "mother"
		}
		for _, c := range i.Children {
			l.links = append(l.links, []any{newID(), ids[i.Login], ids[c], relation, "parent", "", "import"})
		}
		for _, wd := range i.Wards {
			l.links = append(l.links, []any{newID(), ids[i.Login], ids[wd.Child], "guardian", wd.Kind, wd.Document, "import"})
		}
	}
	l.fixtures = ids
	return l.fixtureWaiting(reg, fx, ids)
}

// fixtureWaiting adds the fixture children of pre-school age who study
// nowhere to the children waiting for a kindergarten, in the municipality
// where their brothers and sisters study, with the fixture parent's account.
func (l *loader) fixtureWaiting(reg *region, fx Fixtures, ids map[string]uuid.UUID) error {
	studies := map[string]uuid.UUID{} // login → organisation
	for _, i := range fx.Identities {
		if b, err := time.Parse(time.DateOnly, i.BirthDate); err == nil {
			l.births[ids[i.Login]] = b
		}
		for _, r := range i.Roles {
			if r.Role == "student" {
				studies[i.Login] = reg.org[r.Organisation]
			}
		}
	}
	for _, parent := range fx.Identities {
		var at []uuid.UUID
		for _, c := range parent.Children {
			if org, ok := studies[c]; ok {
				at = append(at, org)
			}
		}
		for _, c := range parent.Children {
			child, _ := fx.Identity(c)
			birth := l.births[ids[c]]
			if _, ok := studies[c]; ok || birth.IsZero() || registry.AgeOn(birth, l.today) >= 7 {
				continue
			}
			digits, err := pdata.NormalizeSNILS(child.SNILS)
			if err != nil {
				return fmt.Errorf("seed: fixture %s: %w", c, err)
			}
			w := registryapi.SeededChild{ID: ids[c], Parent: ids[parent.Login], ParentSubject: parent.OID, BirthDate: birth,
				SNILSHash: l.p.Hash("snils", digits), SiblingsAt: at}
			w.Municipality = l.municipalityOf(at)
			l.waiting = append(l.waiting, w)
		}
	}
	return nil
}

// municipalityOf is the municipality of the first of orgs, or the first
// municipality.
func (l *loader) municipalityOf(orgs []uuid.UUID) uuid.UUID {
	for _, o := range l.organisations {
		if len(orgs) > 0 && o[0] == orgs[0] {
			if m, ok := o[8].(*uuid.UUID); ok && m != nil {
				return *m
			}
		}
	}
	return l.municipalities[0][0].(uuid.UUID)
}
