package kdn

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	kdnapi "github.com/kuzbass/eko/functions/kdn/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

var theCase = errs.User(errs.NotFound, "дело не найдено среди ваших")

const caseColumns = `id, pupil_id, organisation_id, municipality_id, state, reason, version, opened_at, closed_at, outcome`

func scanCase(row pgx.CollectableRow) (kdnapi.Case, error) {
	var c kdnapi.Case
	err := row.Scan(&c.ID, &c.PupilID, &c.OrganisationID, &c.MunicipalityID, &c.State, &c.Reason, &c.Version, &c.OpenedAt, &c.ClosedAt, &c.Outcome)
	return c, err
}

// loadCase is case id (nil when there is none), locked for the step when lock.
func loadCase(ctx context.Context, tx pgx.Tx, id uuid.UUID, lock bool) (*kdnapi.Case, error) {
	sql := `SELECT ` + caseColumns + ` FROM kdn.cases WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, err := tx.Query(ctx, sql, id)
	if err != nil {
		return nil, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCase)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &c, err
}

// withDetails adds the case's signals, decisions and reports.
func withDetails(ctx context.Context, tx pgx.Tx, c *kdnapi.Case) error {
	rows, err := tx.Query(ctx, `SELECT kind, at, by, coalesce(data->>'statement', ''), coalesce(data->>'from', ''), coalesce(data->>'to', ''),
		    coalesce((data->>'absences')::int, 0), coalesce((data->>'unexcused')::int, 0), coalesce((data->>'lessons')::int, 0),
		    coalesce((data->>'days')::int, 0)
		FROM kdn.signals WHERE case_id = $1 ORDER BY id`, c.ID)
	if err != nil {
		return err
	}
	if c.Signals, err = pgx.CollectRows(rows, pgx.RowToStructByPos[kdnapi.Signal]); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT to_char(meeting_on, 'YYYY-MM-DD'), text, measures, by, at FROM kdn.decisions WHERE case_id = $1 ORDER BY id`, c.ID)
	if err != nil {
		return err
	}
	if c.Decisions, err = pgx.CollectRows(rows, pgx.RowToStructByPos[kdnapi.Decision]); err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT text, by, at FROM kdn.reports WHERE case_id = $1 ORDER BY id`, c.ID)
	if err != nil {
		return err
	}
	c.Reports, err = pgx.CollectRows(rows, pgx.RowToStructByPos[kdnapi.Report])
	return err
}

// commission is the target of a case as its municipality's commission
// reaches it; school, as its school's administration does.
func commission(c *kdnapi.Case) access.Target {
	t := access.Target{ByOffice: []access.Role{access.KDNOfficial}}
	if c.MunicipalityID != nil {
		t.MunicipalityIDs = []string{c.MunicipalityID.String()}
	}
	return t
}

func school(c *kdnapi.Case) access.Target {
	return access.Target{OrganisationIDs: []string{c.OrganisationID.String()}}
}

// place learns where the case's school is from the registry (with the
// caller's token) the first time an official reaches for it.
func (f *Function) place(ctx context.Context, tx pgx.Tx, c *kdnapi.Case) error {
	if c.MunicipalityID != nil {
		return nil
	}
	if f.registry == nil {
		return errs.User(errs.Unavailable, "реестр недоступен: дело откроется позже")
	}
	o, err := f.registry.Organisation(ctx, c.OrganisationID)
	if err != nil {
		return err
	}
	if o.MunicipalityID == nil {
		return nil
	}
	c.MunicipalityID = o.MunicipalityID
	_, err = tx.Exec(ctx, `UPDATE kdn.cases SET municipality_id = $2 WHERE id = $1 AND municipality_id IS NULL`, c.ID, *o.MunicipalityID)
	return err
}

// reached is the role under which the caller reaches c: the commission's,
// or the school's administration's; theCase otherwise.
func (f *Function) reached(ctx context.Context, tx pgx.Tx, c *kdnapi.Case) (access.Role, error) {
	if g, err := Rules.Grant(ctx, PermRefer, school(c)); err == nil {
		return g.Role, nil
	}
	if Rules.Reach(ctx, PermCase).None() {
		return "", theCase
	}
	if err := f.place(ctx, tx, c); err != nil {
		return "", err
	}
	g, err := Rules.Grant(ctx, PermCase, commission(c))
	if err != nil {
		return "", theCase
	}
	return g.Role, nil
}

// audited records in the pupil's log what the caller did with the case.
func audited(r *http.Request, tx pgx.Tx, c *kdnapi.Case, role access.Role, action, object string) error {
	e := audit.FromRequest(r)
	if e.ActorSubject == "" {
		e.ActorSubject = "system:" + Name
	}
	e.ActorRole, e.SubjectPersonID, e.Action, e.Object = string(role), c.PupilID, action, object
	e.Fields, e.Purpose = []string{"case"}, "kdn"
	return audit.Append(r.Context(), tx, e)
}

// caseByID: GET /api/kdn/cases/{id} — the case with its signals, decisions
// and reports, for its commission or its school; the read is in the
// pupil's audit log.
func (f *Function) caseByID(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	if err := f.policy.Load(ctx); err != nil {
		return err
	}
	var out *kdnapi.Case
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		c, err := loadCase(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if c == nil {
			return theCase
		}
		role, err := f.reached(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := withDetails(ctx, tx, c); err != nil {
			return err
		}
		if c.Pupil, err = f.pupil(ctx, c, role); err != nil {
			return err
		}
		out = c
		return audited(r, tx, c, role, audit.ActionRead, "kdn.case")
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// cases: GET /api/kdn/cases — the cases the caller reaches: a commission's
// official its municipality's (the registry names the municipality's
// organisations), a school's administration its pupils'; open ones first.
// Each listed case is a read in its pupil's audit log.
func (f *Function) cases(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := f.policy.Load(ctx); err != nil {
		return err
	}
	commissions, schools := Rules.Reach(ctx, PermCase), Rules.Reach(ctx, PermRefer)
	if commissions.None() && schools.None() {
		return errs.E(errs.Forbidden, "the cases are the commissions' and the schools' administrations'")
	}
	orgs := append([]string(nil), schools.Organisations...)
	for _, m := range access.IDs(commissions.Municipalities) {
		if f.registry == nil {
			return errs.User(errs.Unavailable, "реестр недоступен: список дел откроется позже")
		}
		list, err := f.registry.AllOrganisations(ctx, registryapi.OrganisationFilter{Municipality: m})
		if err != nil {
			return err
		}
		for _, o := range list {
			orgs = append(orgs, o.ID.String())
		}
	}
	var out []kdnapi.Case
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+caseColumns+` FROM kdn.cases WHERE organisation_id::text = ANY($1)
			ORDER BY state = 'closed', opened_at DESC LIMIT 500`, orgs)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, scanCase); err != nil {
			return err
		}
		entries := make([]audit.Entry, 0, len(out))
		for i := range out {
			role := access.KDNOfficial
			if g, err := Rules.Grant(ctx, PermRefer, school(&out[i])); err == nil {
				role = g.Role
			}
			e := audit.FromRequest(r)
			e.ActorRole, e.SubjectPersonID, e.Action, e.Object, e.Fields, e.Purpose = string(role), out[i].PupilID, audit.ActionRead, "kdn.cases",
				[]string{"case"}, "kdn"
			entries = append(entries, e)
		}
		return audit.AppendMany(ctx, tx, entries)
	})
	if out == nil {
		out = []kdnapi.Case{}
	}
	return httpx.Reply(w, http.StatusOK, out, err)
}

// myAccess: GET /api/kdn/access.
func (f *Function) myAccess(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	err := f.policy.Load(ctx)
	return httpx.Reply(w, http.StatusOK, kdnapi.Access{Commission: !Rules.Reach(ctx, PermCase).None(), Refers: !Rules.Reach(ctx, PermRefer).None()}, err)
}

// pupil is the case's pupil as the registry shows the reader: the
// commission through the pupil's card (its territory's prevention bodies'),
// the school through its pupil's record. Nothing when the registry does
// not answer: the case still opens.
func (f *Function) pupil(ctx context.Context, c *kdnapi.Case, role access.Role) (*kdnapi.Pupil, error) {
	if f.registry == nil {
		return nil, nil
	}
	if role == access.KDNOfficial {
		card, err := f.registry.PupilCard(ctx, c.PupilID)
		if err != nil {
			return nil, nil
		}
		p := &kdnapi.Pupil{FullName: card.FullName, BirthDate: card.BirthDate}
		for _, s := range card.Studies {
			if s.OrganisationID == c.OrganisationID {
				p.School, p.Class = s.OrganisationName, s.ClassName
			}
		}
		return p, nil
	}
	person, err := f.registry.Person(ctx, c.PupilID)
	if err != nil {
		return nil, nil
	}
	return &kdnapi.Pupil{FullName: person.FullName(), BirthDate: person.BirthDate}, nil
}
