package registry

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// maxCountedOrganisations bounds one counts request: the region's
// organisations fit in one.
const maxCountedOrganisations = 5000

// counts: POST /api/registry/counts — the organisations' numbers as of a
// day (today when not named): pupils by grade, by age in full years, of
// them girls, and staff by role, for whoever may read each organisation's
// classes. Numbers only: nothing of a person is read out or audited. One
// organisation the caller may not read refuses the whole request.
func (f *Function) counts(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in registryapi.CountsRequest
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	day := kuzbass.Date(f.Time())
	if in.AsOf != "" {
		d, err := time.Parse(time.DateOnly, in.AsOf)
		if err != nil {
			return errs.Fields("неверная дата", errs.FieldError{Field: "as_of", Code: errs.Format, Message: "дата: ГГГГ-ММ-ДД"})
		}
		day = d
	}
	switch n := len(in.Organisations); {
	case n == 0:
		return errs.Fields("чьи числа", errs.FieldError{Field: "organisations", Code: errs.Required, Message: "укажите организации"})
	case n > maxCountedOrganisations:
		return errs.Fields("слишком много организаций", errs.FieldError{Field: "organisations", Code: errs.Range, Message: "не больше 5000 организаций за раз"})
	}
	out := make(map[uuid.UUID]*registryapi.OrganisationCounts, len(in.Organisations))
	list := make([]registryapi.OrganisationCounts, 0, len(in.Organisations))
	rows, err := f.db.Query(ctx, `SELECT `+orgColumns+` FROM registry.organisations WHERE id = ANY($1)`, in.Organisations)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOrganisation(rows)
		if err != nil {
			return err
		}
		if err := Rules.Require(ctx, PermClassRead, targetOfOrganisation(o)); err != nil {
			return err
		}
		out[o.ID] = &registryapi.OrganisationCounts{OrganisationID: o.ID, AsOf: day.Format(time.DateOnly),
			Pupils: []registryapi.PupilCount{}, Staff: map[string]int{}}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range in.Organisations {
		if out[id] == nil {
			return errs.E(errs.NotFound, "organisation %s not found", id)
		}
	}
	ids := make([]uuid.UUID, 0, len(out))
	for id := range out {
		ids = append(ids, id)
	}
	rows, err = f.db.Query(ctx, `SELECT e.organisation_id, c.grade, date_part('year', age($2::date, p.birth_date))::int, p.gender, count(*)
		FROM registry.enrollments e JOIN registry.people p ON p.id = e.person_id LEFT JOIN registry.classes c ON c.id = e.class_id
		WHERE e.organisation_id = ANY($1) AND e.starts_on <= $2 AND (e.ends_on IS NULL OR e.ends_on >= $2)
		GROUP BY 1, 2, 3, 4 ORDER BY 1, 2 NULLS LAST, 3, 4`, ids, day)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var org uuid.UUID
		var pc registryapi.PupilCount
		if err := rows.Scan(&org, &pc.Grade, &pc.Age, &pc.Gender, &pc.N); err != nil {
			return err
		}
		out[org].Pupils = append(out[org].Pupils, pc)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = f.db.Query(ctx, `SELECT organisation_id, role, count(DISTINCT person_id) FROM registry.staff
		WHERE organisation_id = ANY($1) AND starts_on <= $2 AND (ends_on IS NULL OR ends_on >= $2) GROUP BY 1, 2`, ids, day)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var org uuid.UUID
		var role string
		var n int
		if err := rows.Scan(&org, &role, &n); err != nil {
			return err
		}
		out[org].Staff[role] = n
	}
	for _, id := range in.Organisations {
		if oc := out[id]; oc != nil {
			list = append(list, *oc)
			out[id] = nil // named twice: counted once
		}
	}
	return httpx.Reply(w, http.StatusOK, list, rows.Err())
}
