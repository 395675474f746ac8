package registry

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/outbox"
)

// checkLink checks a link as asked and completes its kind: a parent is a
// mother or a father; a guardian is a guardian; a foster parent any of the
// three; a guardian's or a foster parent's link names the act that made it.
func checkLink(in *registryapi.LinkInput) []errs.FieldError {
	var fe []errs.FieldError
	if in.Kind == "" {
		in.Kind = registryapi.KindParent
	}
	in.Document = strings.TrimSpace(in.Document)
	switch {
	case registryapi.RepresentationKinds[in.Kind] == "":
		fe = append(fe, errs.FieldError{Field: "kind", Code: errs.Enum, Message: "parent, guardian или foster"})
	case !slices.Contains([]string{"mother", "father", "guardian"}, in.Relation):
		fe = append(fe, errs.FieldError{Field: "relation", Code: errs.Enum, Message: "mother, father или guardian"})
	case in.Kind == registryapi.KindParent && in.Relation == "guardian":
		fe = append(fe, errs.FieldError{Field: "relation", Code: errs.Enum, Message: "родитель — мать или отец; опекун — kind guardian"})
	case in.Kind == registryapi.KindGuardian && in.Relation != "guardian":
		fe = append(fe, errs.FieldError{Field: "relation", Code: errs.Enum, Message: "у опекуна relation guardian"})
	}
	switch n := utf8.RuneCountInString(in.Document); {
	case in.Kind != registryapi.KindParent && n < 3:
		fe = append(fe, errs.FieldError{Field: "document", Code: errs.Required, Message: "укажите акт органа опеки: номер и дату"})
	case n > 500:
		fe = append(fe, errs.FieldError{Field: "document", Code: errs.Length, Message: "до 500 символов"})
	}
	if in.ParentID == in.ChildID {
		fe = append(fe, errs.FieldError{Field: "child_id", Code: registryapi.ReasonSelf, Message: "человек не может быть своим родителем"})
	}
	return fe
}

// createPlacement: POST /api/registry/care-placements — the guardianship
// authority places a child in the care of an organisation for orphans by
// its act; the organisation then represents the child. Checked against the
// child's territory and the organisation's; audited in the child's log.
func (f *Function) createPlacement(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in registryapi.CarePlacementInput
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	in.Document = strings.TrimSpace(in.Document)
	if n := utf8.RuneCountInString(in.Document); n < 3 || n > 500 {
		fe = append(fe, errs.FieldError{Field: "document", Code: errs.Required, Message: "укажите акт органа опеки: номер и дату (до 500 символов)"})
	}
	starts, err := time.Parse(time.DateOnly, in.StartsOn)
	if err != nil {
		fe = append(fe, errs.FieldError{Field: "starts_on", Code: errs.Format, Message: "дата: ГГГГ-ММ-ДД"})
	}
	if len(fe) > 0 {
		return errs.Fields("устройство не прошло проверку", fe...)
	}
	child, err := targetOfPerson(ctx, f.db, in.ChildID, f.Time())
	if err != nil {
		return err
	}
	// A child who studies somewhere is the territory's where the child
	// studies; one who studies nowhere (a baby, a child just found) belongs
	// to no territory until placed, and the authority of the organisation's
	// territory places the child.
	if len(child.OrganisationIDs) == 0 {
		var known bool
		if err := f.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM registry.people WHERE id = $1)`, in.ChildID).Scan(&known); err != nil {
			return err
		}
		if !known {
			return errs.Fields("устройство не прошло проверку", errs.FieldError{Field: "child_id", Code: errs.Unknown, Message: "ребёнка нет в реестре"})
		}
	} else if err := Rules.Require(ctx, PermWardWrite, child); err != nil {
		return err
	}
	o, err := f.organisation(ctx, f.db, in.OrganisationID)
	if err != nil {
		return errs.Fields("устройство не прошло проверку", errs.FieldError{Field: "organisation_id", Code: errs.Unknown, Message: "организации нет в реестре"})
	}
	if err := Rules.Require(ctx, PermWardWrite, targetOfOrganisation(o)); err != nil {
		return err
	}
	p := registryapi.CarePlacement{ID: uuid.Must(uuid.NewV7()), ChildID: in.ChildID, OrganisationID: o.ID, Document: in.Document,
		StartsOn: starts.Format(time.DateOnly), CreatedAt: f.Time()}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO registry.care_placements (id, child_id, organisation_id, document, starts_on) VALUES ($1, $2, $3, $4, $5)`,
			p.ID, p.ChildID, p.OrganisationID, p.Document, starts); err != nil {
			return err
		}
		if err := f.auditPerson(r, tx, in.ChildID, "create", "registry.care-placement", []string{"representatives"}); err != nil {
			return err
		}
		_, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: registryapi.EventCarePlacementCreated, Source: source, Subject: p.ChildID.String(),
			Data: registryapi.CarePlacementEvent{PlacementID: p.ID.String(), ChildID: p.ChildID.String(), OrganisationID: p.OrganisationID.String(), StartsOn: p.StartsOn}})
		return err
	})
	return httpx.Reply(w, http.StatusCreated, p, err)
}

// pupilCard: GET /api/registry/people/{id}/card — a pupil's name, birth
// date and where the pupil studies now, for the juvenile-affairs
// commission and the guardianship authority of the municipality where the
// pupil studies or, for a child in an organisation's care, is placed; the
// read is in the pupil's audit log.
func (f *Function) pupilCard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := uuidParam("id", r.PathValue("id"))
	if err != nil {
		return err
	}
	target, err := targetOfPerson(ctx, f.db, id, f.Time())
	if err != nil {
		return err
	}
	// The territory's bodies only, never by an organisation: where the
	// pupil studies, and where a child in an organisation's care is placed.
	target.OrganisationIDs, target.ClassIDs = nil, nil
	rows, err := f.db.Query(ctx, `SELECT DISTINCT o.municipality_id::text FROM registry.care_placements c
		JOIN registry.organisations o ON o.id = c.organisation_id
		WHERE c.child_id = $1 AND o.municipality_id IS NOT NULL AND c.starts_on <= $2 AND (c.ends_on IS NULL OR c.ends_on >= $2)`, id, kuzbass.Date(f.Time()))
	if err != nil {
		return err
	}
	placed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	target.MunicipalityIDs = append(target.MunicipalityIDs, placed...)
	g, err := Rules.Grant(ctx, PermPupilCard, target)
	if err != nil {
		return err
	}
	var out registryapi.PupilCard
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		p, err := f.person(ctx, tx, id, false)
		if err != nil {
			return err
		}
		out = registryapi.PupilCard{ID: id, FullName: p.FullName(), BirthDate: p.BirthDate}
		if out.Studies, err = placements(ctx, tx, id, f.Time()); err != nil {
			return err
		}
		e := f.auditEntry(r, id, "read", "registry.pupil-card", []string{"name", "birth_date", "placement"})
		e.ActorRole, e.Purpose = string(g.Role), "prevention"
		return appendAudit(ctx, tx, e)
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// wards: GET /api/registry/wards[?municipality=] — the children under the
// guardianship authority's acts (a guardian's or a foster parent's link,
// an organisation's care now) who study or are placed in the
// municipality, each with the card, the representatives and the
// placements; for its guardianship officials. Each child listed is a read
// in its audit log.
func (f *Function) wards(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var mun uuid.UUID
	if s := r.URL.Query().Get("municipality"); s != "" {
		m, err := uuid.Parse(s)
		if err != nil {
			return errs.Fields("неверный запрос", errs.FieldError{Field: "municipality", Code: errs.Format, Message: "идентификатор муниципалитета"})
		}
		mun = m
	} else if ms := Rules.Reach(ctx, PermWardRead).Municipalities; len(ms) == 1 {
		mun = uuid.MustParse(ms[0])
	} else {
		return errs.Fields("неверный запрос", errs.FieldError{Field: "municipality", Code: errs.Required, Message: "укажите муниципалитет"})
	}
	g, err := Rules.Grant(ctx, PermWardRead, access.Target{MunicipalityIDs: []string{mun.String()}})
	if err != nil {
		return err
	}
	day := f.Time()
	out := []registryapi.Ward{}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH w AS (
				SELECT child_id FROM registry.parent_links WHERE kind IN ('guardian', 'foster')
				UNION SELECT child_id FROM registry.care_placements WHERE starts_on <= $2 AND (ends_on IS NULL OR ends_on >= $2))
			SELECT w.child_id FROM w JOIN registry.people p ON p.id = w.child_id
			WHERE EXISTS (SELECT 1 FROM registry.enrollments e JOIN registry.organisations o ON o.id = e.organisation_id
				WHERE e.person_id = w.child_id AND o.municipality_id = $1 AND e.starts_on <= $2 AND (e.ends_on IS NULL OR e.ends_on >= $2))
			   OR EXISTS (SELECT 1 FROM registry.care_placements c JOIN registry.organisations o ON o.id = c.organisation_id
				WHERE c.child_id = w.child_id AND o.municipality_id = $1 AND c.starts_on <= $2 AND (c.ends_on IS NULL OR c.ends_on >= $2))
			ORDER BY p.family_name, p.given_name, w.child_id`, mun, day)
		if err != nil {
			return err
		}
		children, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		for _, id := range children {
			p, err := f.person(ctx, tx, id, false)
			if err != nil {
				return err
			}
			wd := registryapi.Ward{Child: registryapi.PupilCard{ID: id, FullName: p.FullName(), BirthDate: p.BirthDate},
				Representatives: []registryapi.Representative{}, Placements: []registryapi.WardPlacement{}}
			if wd.Child.Studies, err = placements(ctx, tx, id, day); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT l.parent_id, p.family_name || ' ' || p.given_name || coalesce(' ' || nullif(p.middle_name, ''), ''), l.kind, l.document
				FROM registry.parent_links l JOIN registry.people p ON p.id = l.parent_id
				WHERE l.child_id = $1 AND l.kind IN ('guardian', 'foster') ORDER BY l.created_at`, id)
			if err != nil {
				return err
			}
			if wd.Representatives, err = pgx.CollectRows(rows, pgx.RowToStructByPos[registryapi.Representative]); err != nil {
				return err
			}
			rows, err = tx.Query(ctx, `SELECT c.organisation_id, o.short_name, c.document, to_char(c.starts_on, 'YYYY-MM-DD')
				FROM registry.care_placements c JOIN registry.organisations o ON o.id = c.organisation_id
				WHERE c.child_id = $1 AND c.starts_on <= $2 AND (c.ends_on IS NULL OR c.ends_on >= $2) ORDER BY c.starts_on`, id, day)
			if err != nil {
				return err
			}
			if wd.Placements, err = pgx.CollectRows(rows, pgx.RowToStructByPos[registryapi.WardPlacement]); err != nil {
				return err
			}
			if wd.Representatives == nil {
				wd.Representatives = []registryapi.Representative{}
			}
			if wd.Placements == nil {
				wd.Placements = []registryapi.WardPlacement{}
			}
			e := f.auditEntry(r, id, "read", "registry.ward", []string{"name", "birth_date", "placement", "representatives"})
			e.ActorRole, e.Purpose = string(g.Role), "guardianship"
			if err := appendAudit(ctx, tx, e); err != nil {
				return err
			}
			out = append(out, wd)
		}
		return nil
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}
