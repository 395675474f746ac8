package kdn

import (
	"net/http"
	"time"

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

// export: GET /api/kdn/export?municipality= — the commission's cases as a
// federal prevention system takes them (kdnapi.Export): no names, no
// statements, no decisions' texts. Each exported case is an export in its
// pupil's audit log.
func (f *Function) export(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	reach := Rules.Reach(ctx, PermCase)
	munis := access.IDs(reach.Municipalities)
	var mun uuid.UUID
	switch s := r.URL.Query().Get("municipality"); {
	case s != "":
		m, err := uuid.Parse(s)
		if err != nil {
			return errs.Fields("неверный запрос", field("municipality", errs.Format, "идентификатор муниципалитета"))
		}
		mun = m
	case len(munis) == 1:
		mun = munis[0]
	default:
		return errs.Fields("неверный запрос", field("municipality", errs.Required, "укажите муниципалитет"))
	}
	g, err := Rules.Grant(ctx, PermCase, access.Target{MunicipalityIDs: []string{mun.String()}, ByOffice: []access.Role{access.KDNOfficial}})
	if err != nil {
		return errs.User(errs.NotFound, "муниципалитет не найден среди ваших")
	}
	if f.registry == nil {
		return errs.User(errs.Unavailable, "реестр недоступен: выгрузка позже")
	}
	orgs, err := f.registry.AllOrganisations(ctx, registryapi.OrganisationFilter{Municipality: mun})
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	out := kdnapi.Export{Format: "eko-kdn-export/1", MunicipalityID: mun, GeneratedAt: f.Time().UTC(), Cases: []kdnapi.ExportCase{}}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+caseColumns+` FROM kdn.cases WHERE organisation_id = ANY($1) ORDER BY opened_at`, ids)
		if err != nil {
			return err
		}
		cases, err := pgx.CollectRows(rows, scanCase)
		if err != nil {
			return err
		}
		entries := make([]audit.Entry, 0, len(cases))
		for i := range cases {
			c := &cases[i]
			if err := withDetails(ctx, tx, c); err != nil {
				return err
			}
			x := kdnapi.ExportCase{CaseID: c.ID, PupilID: c.PupilID, OrganisationID: c.OrganisationID, OpenedAt: c.OpenedAt, Reason: c.Reason,
				State: c.State, ClosedAt: c.ClosedAt, Signals: []kdnapi.ExportSignal{}, Decisions: []kdnapi.ExportDecision{}, Reports: len(c.Reports)}
			for _, s := range c.Signals {
				x.Signals = append(x.Signals, kdnapi.ExportSignal{Kind: s.Kind, At: s.At, From: s.From, To: s.To, Absences: s.Absences,
					Unexcused: s.Unexcused, Lessons: s.Lessons, Days: s.Days})
			}
			for _, d := range c.Decisions {
				x.Decisions = append(x.Decisions, kdnapi.ExportDecision{MeetingOn: d.MeetingOn, Measures: d.Measures})
			}
			out.Cases = append(out.Cases, x)
			e := audit.FromRequest(r)
			e.ActorRole, e.SubjectPersonID, e.Action, e.Object, e.Fields, e.Purpose = string(g.Role), c.PupilID, audit.ActionExport, "kdn.case",
				[]string{"case"}, "prevention system"
			entries = append(entries, e)
		}
		return audit.AppendMany(ctx, tx, entries)
	})
	w.Header().Set("Content-Disposition", `attachment; filename="kdn-`+mun.String()[:8]+"-"+time.Now().Format("20060102")+`.json"`)
	return httpx.Reply(w, http.StatusOK, out, err)
}
