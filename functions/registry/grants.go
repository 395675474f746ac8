package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/access"
)

// querier is what read queries need: a pool, a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// staffScope maps a staff role to the scope it reaches.
func staffScope(role, orgID, municipalityID string, classID *string) (access.Scope, string) {
	switch role {
	case "ministry_official":
		return access.Region, ""
	case "municipal_official", "guardianship_official", "kdn_official":
		return access.Municipality, municipalityID
	case "class_teacher":
		if classID != nil {
			return access.Class, *classID
		}
	}
	return access.Organisation, orgID
}

// grantsOf derives the grants of person from memberships valid on day. Child
// grants need a trusted (confirmed) ESIA account.
func grantsOf(ctx context.Context, q querier, person uuid.UUID, trusted bool, day time.Time) (*access.Grants, error) {
	g := &access.Grants{PersonID: person.String(), Trusted: trusted}
	g.Grants = append(g.Grants, access.Grant{Role: access.Person, Scope: access.Self, ScopeID: person.String(), Label: "Мой профиль"})

	rows, err := q.Query(ctx, `
		SELECT s.role, s.organisation_id::text, coalesce(o.municipality_id::text, ''), s.class_id::text,
		       o.short_name, coalesce(c.name, '')
		FROM registry.staff s
		JOIN registry.organisations o ON o.id = s.organisation_id
		LEFT JOIN registry.classes c ON c.id = s.class_id
		WHERE s.person_id = $1 AND s.starts_on <= $2 AND (s.ends_on IS NULL OR s.ends_on >= $2)
		  AND o.status <> 'closed'
		ORDER BY s.role, o.short_name`, person, day)
	if err != nil {
		return nil, fmt.Errorf("grants: staff: %w", err)
	}
	for rows.Next() {
		var role, org, mun, orgName, className string
		var class *string
		if err := rows.Scan(&role, &org, &mun, &class, &orgName, &className); err != nil {
			return nil, err
		}
		scope, id := staffScope(role, org, mun, class)
		label := roleTitles[role] + " — " + orgName
		if className != "" {
			label += ", " + className
		}
		g.Grants = append(g.Grants, access.Grant{
			Role: access.Role(role), Scope: scope, ScopeID: id,
			OrganisationID: org, MunicipalityID: mun, Label: label,
		})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q.Query(ctx, `
		SELECT e.organisation_id::text, coalesce(o.municipality_id::text, ''), o.short_name
		FROM registry.enrollments e JOIN registry.organisations o ON o.id = e.organisation_id
		WHERE e.person_id = $1 AND e.starts_on <= $2 AND (e.ends_on IS NULL OR e.ends_on >= $2)
		ORDER BY e.starts_on DESC`, person, day)
	if err != nil {
		return nil, fmt.Errorf("grants: enrollments: %w", err)
	}
	for rows.Next() {
		var org, mun, orgName string
		if err := rows.Scan(&org, &mun, &orgName); err != nil {
			return nil, err
		}
		g.Grants = append(g.Grants, access.Grant{
			Role: access.Student, Scope: access.Self, ScopeID: person.String(),
			OrganisationID: org, MunicipalityID: mun, Label: "Обучающийся — " + orgName,
		})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	if !trusted {
		return g, nil
	}
	rows, err = q.Query(ctx, `
		SELECT l.child_id::text, p.family_name || ' ' || p.given_name, to_char(p.birth_date, 'YYYY-MM-DD')
		FROM registry.parent_links l JOIN registry.people p ON p.id = l.child_id
		WHERE l.parent_id = $1 ORDER BY p.birth_date`, person)
	if err != nil {
		return nil, fmt.Errorf("grants: children: %w", err)
	}
	for rows.Next() {
		var child, name, birth string
		if err := rows.Scan(&child, &name, &birth); err != nil {
			return nil, err
		}
		g.Grants = append(g.Grants, access.Grant{Role: access.Parent, Scope: access.Child, ScopeID: child, Label: "Родитель — " + name, BirthDate: birth})
	}
	return g, rows.Err()
}

var roleTitles = map[string]string{
	"director": "Директор", "deputy_director": "Заместитель директора", "teacher": "Учитель",
	"class_teacher": "Классный руководитель", "clerk": "Делопроизводитель", "official": "Сотрудник",
	"ministry_official": "Министерство образования Кузбасса", "municipal_official": "Орган управления образованием",
	"guardianship_official": "Орган опеки и попечительства", "kdn_official": "Комиссия по делам несовершеннолетних",
}

// targetOfPerson collects what a person belongs to on day: own id, the
// organisations, classes and municipalities of enrollments and staff roles.
func targetOfPerson(ctx context.Context, q querier, person uuid.UUID, day time.Time) (access.Target, error) {
	t := access.Target{PersonID: person.String()}
	rows, err := q.Query(ctx, `
		SELECT e.organisation_id::text, coalesce(e.class_id::text, ''), coalesce(o.municipality_id::text, '')
		FROM registry.enrollments e JOIN registry.organisations o ON o.id = e.organisation_id
		WHERE e.person_id = $1 AND e.starts_on <= $2 AND (e.ends_on IS NULL OR e.ends_on >= $2)
		UNION ALL
		SELECT s.organisation_id::text, coalesce(s.class_id::text, ''), coalesce(o.municipality_id::text, '')
		FROM registry.staff s JOIN registry.organisations o ON o.id = s.organisation_id
		WHERE s.person_id = $1 AND s.starts_on <= $2 AND (s.ends_on IS NULL OR s.ends_on >= $2)`, person, day)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var org, class, mun string
		if err := rows.Scan(&org, &class, &mun); err != nil {
			return t, err
		}
		t.OrganisationIDs = append(t.OrganisationIDs, org)
		if class != "" {
			t.ClassIDs = append(t.ClassIDs, class)
		}
		if mun != "" {
			t.MunicipalityIDs = append(t.MunicipalityIDs, mun)
		}
	}
	return t, rows.Err()
}

// targetOfOrganisation is what an organisation belongs to.
func targetOfOrganisation(o Organisation) access.Target {
	t := access.Target{OrganisationIDs: []string{o.ID.String()}}
	if o.MunicipalityID != nil {
		t.MunicipalityIDs = []string{o.MunicipalityID.String()}
	}
	return t
}
