package submitapplication

import (
	"net/http"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// maxCountedQueues bounds one queue-counts request: the region's
// kindergartens fit in one.
const maxCountedQueues = 5000

// queueCounts: POST /api/submit-application/queue-counts — how many
// children wait in each named kindergarten's queues now, by age band, all
// who named it and those who named it first: numbers only (collect-report
// prefills from them). Each kindergarten is checked against the caller's
// reach (the region; its municipality; its own staff); one out of reach
// refuses the whole request.
func (f *Function) queueCounts(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.QueueCountsRequest
	if err := httpx.DecodeJSON(w, r, &in, 256<<10); err != nil {
		return err
	}
	switch n := len(in.Organisations); {
	case n == 0:
		return errs.Fields("чьи очереди", errs.FieldError{Field: "organisations", Code: errs.Required, Message: "укажите детские сады"})
	case n > maxCountedQueues:
		return errs.Fields("слишком много организаций", errs.FieldError{Field: "organisations", Code: errs.Range, Message: "не больше 5000 за раз"})
	}
	// Where each kindergarten is, as the registry says (one list, not a
	// call per kindergarten).
	kindergartens, err := f.orgs.registry.AllOrganisations(ctx, registryapi.OrganisationFilter{Kind: "kindergarten"})
	if err != nil {
		return err
	}
	municipality := make(map[uuid.UUID]*uuid.UUID, len(kindergartens))
	for _, o := range kindergartens {
		municipality[o.ID] = o.MunicipalityID
	}
	out := make([]submitapplicationapi.QueueCounts, 0, len(in.Organisations))
	at := map[uuid.UUID]int{}
	for _, id := range in.Organisations {
		if _, seen := at[id]; seen {
			continue
		}
		t := access.Target{OrganisationIDs: []string{id.String()}}
		if m := municipality[id]; m != nil {
			t.MunicipalityIDs = []string{m.String()}
		}
		if err := Rules.Require(ctx, PermQueueCounts, t); err != nil {
			return err
		}
		at[id] = len(out)
		out = append(out, submitapplicationapi.QueueCounts{OrganisationID: id, Bands: []submitapplicationapi.QueueBand{}})
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
		out[at[k]].Bands = append(out[at[k]].Bands, b)
	}
	return httpx.Reply(w, http.StatusOK, out, rows.Err())
}
