package registry

import (
	"net/http"
	"strconv"

	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// personAudit: GET /api/registry/people/{id}/audit?after=<seq>&limit=
// Who read or changed this person's data, when and from where. A parent reads
// the log of an own child; a person reads their own. Reading the log is itself
// not logged (it reveals no personal data of the subject).
func (f *Function) personAudit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, _, err := f.personFromPath(r, PermAuditRead)
	if err != nil {
		return err
	}
	limit, err := limitParam(r.URL.Query().Get("limit"))
	if err != nil {
		return err
	}
	var after int64
	if a := r.URL.Query().Get("after"); a != "" {
		if after, err = strconv.ParseInt(a, 10, 64); err != nil || after < 0 {
			return errs.Fields("неверный параметр запроса", errs.FieldError{Field: "after", Code: errs.Format, Message: "номер записи журнала"})
		}
	}
	list, err := audit.List(ctx, f.db, id, after, limit)
	if err != nil {
		return err
	}
	next := ""
	if len(list) == limit {
		next = strconv.FormatInt(list[len(list)-1].Seq, 10)
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.PageOf(list, next))
	return nil
}
