package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

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

// grantsSQL reads everything grants are made of for one person (the "me" CTE,
// completed by the caller) in one round trip: staff roles, enrollments and —
// for a trusted account, $3 — children, each with the child's SNILS hash so
// that a caller can tell whether the children an ESIA token lists are all
// linked already. Rows come in the order grants are listed: staff by role and
// organisation, enrollments newest first, children by birth date.
const grantsSQL = `
SELECT 1 AS part, me.id, s.role, s.organisation_id::text, coalesce(o.municipality_id::text, ''), s.class_id::text,
       o.short_name, coalesce(c.name, ''), NULL::bytea, '', s.role AS k1, o.short_name AS k2, 0 AS k3
FROM me
JOIN registry.staff s ON s.person_id = me.id
JOIN registry.organisations o ON o.id = s.organisation_id
LEFT JOIN registry.classes c ON c.id = s.class_id
WHERE s.starts_on <= $2 AND (s.ends_on IS NULL OR s.ends_on >= $2) AND o.status <> 'closed'
UNION ALL
SELECT 2, me.id, 'student', e.organisation_id::text, coalesce(o.municipality_id::text, ''), NULL,
       o.short_name, '', NULL, '', '', '', date '2000-01-01' - e.starts_on
FROM me
JOIN registry.enrollments e ON e.person_id = me.id
JOIN registry.organisations o ON o.id = e.organisation_id
WHERE e.starts_on <= $2 AND (e.ends_on IS NULL OR e.ends_on >= $2)
UNION ALL
SELECT 3, me.id, 'parent', l.child_id::text, '', NULL,
       p.family_name || ' ' || p.given_name, '', p.snils_hash, to_char(p.birth_date, 'YYYY-MM-DD'), '', '', p.birth_date - date '2000-01-01'
FROM me
JOIN registry.parent_links l ON l.parent_id = me.id
JOIN registry.people p ON p.id = l.child_id
WHERE $3
UNION ALL
SELECT 0, me.id, '', '', '', NULL, '', '', NULL, '', '', '', 0 FROM me
ORDER BY 1, 11, 12, 13`

// grantsOf derives the grants of person from memberships valid on day. Child
// grants need a trusted (confirmed) ESIA account.
func grantsOf(ctx context.Context, q querier, person uuid.UUID, trusted bool, day time.Time) (*access.Grants, error) {
	g, _, err := readGrants(ctx, q, `WITH me AS (SELECT $1::uuid AS id) `, person, trusted, day)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// linkedGrants derives the grants of the person an ESIA account is already
// linked to, in one statement. ok is false when the account is linked to
// nobody. childHashes are the SNILS hashes of the children the grants name.
func linkedGrants(ctx context.Context, q querier, oid string, trusted bool, day time.Time) (g *access.Grants, childHashes [][]byte, ok bool, err error) {
	g, childHashes, err = readGrants(ctx, q, `WITH me AS (SELECT id FROM registry.people WHERE esia_oid = $1) `, oid, trusted, day)
	if err != nil || g == nil {
		return nil, nil, false, err
	}
	return g, childHashes, true, nil
}

// readGrants runs grantsSQL with the "me" CTE me; it returns nil grants when
// me names nobody.
func readGrants(ctx context.Context, q querier, me string, who any, trusted bool, day time.Time) (*access.Grants, [][]byte, error) {
	rows, err := q.Query(ctx, me+grantsSQL, who, day, trusted)
	if err != nil {
		return nil, nil, fmt.Errorf("grants: %w", err)
	}
	defer rows.Close()
	var g *access.Grants
	var childHashes [][]byte
	for rows.Next() {
		var (
			part                                       int
			person                                     uuid.UUID
			role, scopeID, mun, name, className, birth string
			class                                      *string
			snilsHash                                  []byte
			k1, k2                                     string
			k3                                         int
		)
		if err := rows.Scan(&part, &person, &role, &scopeID, &mun, &class, &name, &className, &snilsHash, &birth, &k1, &k2, &k3); err != nil {
			return nil, nil, fmt.Errorf("grants: %w", err)
		}
		switch part {
		case 0:
			g = &access.Grants{PersonID: person.String(), Trusted: trusted}
			g.Grants = append(g.Grants, access.Grant{Role: access.Person, Scope: access.Self, ScopeID: person.String(), Label: "Мой профиль"})
		case 1:
			scope, id := staffScope(role, scopeID, mun, class)
			label := registryapi.RoleTitles[role] + " — " + name
			if className != "" {
				label += ", " + className
			}
			g.Grants = append(g.Grants, access.Grant{
				Role: access.Role(role), Scope: scope, ScopeID: id,
				OrganisationID: scopeID, MunicipalityID: mun, Label: label,
			})
		case 2:
			g.Grants = append(g.Grants, access.Grant{
				Role: access.Student, Scope: access.Self, ScopeID: person.String(),
				OrganisationID: scopeID, MunicipalityID: mun, Label: "Обучающийся — " + name,
			})
		case 3:
			g.Grants = append(g.Grants, access.Grant{Role: access.Parent, Scope: access.Child, ScopeID: scopeID, Label: "Родитель — " + name, BirthDate: birth})
			childHashes = append(childHashes, snilsHash)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("grants: %w", err)
	}
	return g, childHashes, nil
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
func targetOfOrganisation(o registryapi.Organisation) access.Target {
	t := access.Target{OrganisationIDs: []string{o.ID.String()}}
	if o.MunicipalityID != nil {
		t.MunicipalityIDs = []string{o.MunicipalityID.String()}
	}
	return t
}
