package outboxrelay

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	outboxrelayapi "github.com/kuzbass/eko/functions/outbox-relay/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

const maxPage = 500

// listDeadLetters: GET /api/outbox-relay/dead-letters?after=<seq>&limit=<n>
func (f *Function) listDeadLetters(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"), 100, 1, maxPage, "limit")
	if err != nil {
		return err
	}
	after, err := intParam(q.Get("after"), 0, 0, 1<<62, "after")
	if err != nil {
		return err
	}
	list, err := db.Collect[outboxrelayapi.DeadLetter](r.Context(), f.deps.DB, `
		SELECT id::text, seq, type, source, coalesce(subject, ''), attempts, coalesce(last_error, ''), created_at
		FROM platform.outbox WHERE status = 'dead' AND seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	return httpx.Reply(w, http.StatusOK, httpx.PageOf(list, ""), err)
}

// redrive: POST /api/outbox-relay/dead-letters/redrive {"ids":[...]} or {"all":true}
func (f *Function) redrive(w http.ResponseWriter, r *http.Request) error {
	var req outboxrelayapi.RedriveRequest
	if err := httpx.DecodeJSON(w, r, &req, 64<<10); err != nil {
		return err
	}
	switch {
	case req.All && len(req.IDs) > 0:
		return errs.E(errs.Invalid, "give either ids or all, not both")
	case !req.All && len(req.IDs) == 0:
		return errs.E(errs.Invalid, "give the ids to redrive, or all: true")
	case len(req.IDs) > 1000:
		return errs.E(errs.TooLarge, "at most 1000 ids per request")
	}
	for i, id := range req.IDs {
		if _, err := uuid.Parse(id); err != nil {
			return errs.Fields("неверный идентификатор события", errs.FieldError{Field: "ids[" + strconv.Itoa(i) + "]", Code: errs.Format, Message: "идентификатор в формате UUID"})
		}
	}
	n, err := Redrive(r.Context(), f.deps.DB, req.IDs)
	if err != nil {
		return err
	}
	f.relay.Nudge()
	httpx.WriteJSON(w, http.StatusOK, outboxrelayapi.Redriven{Redriven: n})
	return nil
}

// stats: GET /api/outbox-relay/stats
func (f *Function) stats(w http.ResponseWriter, r *http.Request) error {
	s, err := ReadStats(r.Context(), f.deps.DB)
	return httpx.Reply(w, http.StatusOK, s, err)
}

func intParam(s string, def, min, max int64, name string) (int64, error) {
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < min || v > max {
		return 0, errs.Fields("неверный параметр запроса", errs.FieldError{
			Field: name, Code: errs.Range, Message: "целое число от " + strconv.FormatInt(min, 10) + " до " + strconv.FormatInt(max, 10),
		})
	}
	return v, nil
}
