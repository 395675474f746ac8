package submitapplication

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// maxCounted bounds one counts request: the region's organisations fit in
// one.
const maxCounted = 5000

// counts: POST /api/submit-application/counts {organisations, from, to} —
// each organisation's services in numbers: the children waiting in its
// kindergarten queues now, by age band (all who named it, those who named
// it first), and the applications addressed to it received in the span by
// service, status and channel, with how their deadlines went. Numbers only
// (collect-report prefills from them). Each organisation is checked against
// the caller's reach (the region; its municipality; its own staff); one
// out of reach refuses the whole request.
func (f *Function) counts(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.CountsRequest
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	switch n := len(in.Organisations); {
	case n == 0:
		fe = append(fe, errs.FieldError{Field: "organisations", Code: errs.Required, Message: "укажите организации"})
	case n > maxCounted:
		fe = append(fe, errs.FieldError{Field: "organisations", Code: errs.Range, Message: "не больше 5000 за раз"})
	}
	to := kuzbass.Date(time.Now())
	from := to.AddDate(0, 0, -29)
	for _, d := range []struct {
		name, v string
		at      *time.Time
	}{{"from", in.From, &from}, {"to", in.To, &to}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.v)
		if err != nil {
			fe = append(fe, errs.FieldError{Field: d.name, Code: errs.Format, Message: "дата: ГГГГ-ММ-ДД"})
			continue
		}
		*d.at = t
	}
	if to.Before(from) || to.Sub(from) > 400*24*time.Hour {
		fe = append(fe, errs.FieldError{Field: "to", Code: errs.Range, Message: "период: не длиннее 400 дней, конец не раньше начала"})
	}
	if len(fe) > 0 {
		return errs.Fields("неверный запрос", fe...)
	}
	// Where each organisation is, as the registry says (one list, not a
	// call per organisation).
	all, err := f.orgs.registry.AllOrganisations(ctx, registryapi.OrganisationFilter{})
	if err != nil {
		return err
	}
	municipality := make(map[uuid.UUID]*uuid.UUID, len(all))
	for _, o := range all {
		municipality[o.ID] = o.MunicipalityID
	}
	out := make([]submitapplicationapi.OrganisationCounts, 0, len(in.Organisations))
	at := map[uuid.UUID]int{}
	for _, id := range in.Organisations {
		if _, seen := at[id]; seen {
			continue
		}
		t := access.Target{OrganisationIDs: []string{id.String()}}
		if m := municipality[id]; m != nil {
			t.MunicipalityIDs = []string{m.String()}
		}
		if err := Rules.Require(ctx, PermCounts, t); err != nil {
			return err
		}
		at[id] = len(out)
		out = append(out, submitapplicationapi.OrganisationCounts{OrganisationID: id, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
			Queue: []submitapplicationapi.QueueBand{}, Applications: []submitapplicationapi.ApplicationCount{}})
	}
	rows, err := f.db.Query(ctx, `SELECT kindergarten_id, age_band, count(*), count(*) FILTER (WHERE preference = 1)
		FROM applications.queue_positions WHERE kindergarten_id = ANY($1) GROUP BY 1, 2 ORDER BY 1, 2`, in.Organisations)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k uuid.UUID
		var b submitapplicationapi.QueueBand
		if err := rows.Scan(&k, &b.AgeBand, &b.All, &b.FirstChoice); err != nil {
			return err
		}
		out[at[k]].Queue = append(out[at[k]].Queue, b)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = f.db.Query(ctx, `SELECT o, a.service, a.status, a.channel, count(*),
		    count(*) FILTER (WHERE a.decided_at IS NOT NULL AND a.decided_at <= a.deadline),
		    count(*) FILTER (WHERE a.decided_at IS NOT NULL AND a.decided_at > a.deadline),
		    count(*) FILTER (WHERE a.decided_at IS NULL AND a.status = ANY($4::text[]) AND a.deadline < now())
		FROM applications.applications a CROSS JOIN LATERAL unnest(a.organisation_ids) o
		WHERE o = ANY($1) AND a.received_at >= ($2::date)::timestamp AT TIME ZONE 'Asia/Novokuznetsk'
		  AND a.received_at < ($3::date + 1)::timestamp AT TIME ZONE 'Asia/Novokuznetsk'
		GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, in.Organisations, from, to, statusStrings(undecided))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k uuid.UUID
		var c submitapplicationapi.ApplicationCount
		if err := rows.Scan(&k, &c.Service, &c.Status, &c.Channel, &c.Received, &c.DecidedInTime, &c.DecidedLate, &c.OpenOverdue); err != nil {
			return err
		}
		out[at[k]].Applications = append(out[at[k]].Applications, c)
	}
	return httpx.Reply(w, http.StatusOK, out, rows.Err())
}
