// Package httpx is the HTTP transport shared by every EKO function: a router on
// which every route declares its permission, RFC 9457 problem responses with
// stable codes, and bounded, strict JSON decoding.
package httpx

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
)

// statusOf is the one place where error codes become HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:          http.StatusBadRequest,
	errs.Unauthenticated:  http.StatusUnauthorized,
	errs.Forbidden:        http.StatusForbidden,
	errs.NotFound:         http.StatusNotFound,
	errs.MethodNotAllowed: http.StatusMethodNotAllowed,
	errs.Conflict:         http.StatusConflict,
	errs.TooLarge:         http.StatusRequestEntityTooLarge,
	errs.UnsupportedMedia: http.StatusUnsupportedMediaType,
	errs.Unprocessable:    http.StatusUnprocessableEntity,
	errs.RateLimited:      http.StatusTooManyRequests,
	errs.Unavailable:      http.StatusServiceUnavailable,
	errs.Internal:         http.StatusInternalServerError,
}

// Status returns the HTTP status for an error code.
func Status(c errs.Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Problem is an RFC 9457 problem details body with EKO's extension members.
type Problem struct {
	Type   string    `json:"type"`
	Title  string    `json:"title"`
	Status int       `json:"status"`
	Detail string    `json:"detail,omitempty"`
	Code   errs.Code `json:"code"`
	// Reason is the function's finer word for the refusal (errs.Error.Reason).
	Reason errs.Reason       `json:"reason,omitempty"`
	Errors []errs.FieldError `json:"errors,omitempty"`
	// ForUser says that Detail is worded for the person using EKO, so that a
	// client may show it as it is (errs.Error.ForUser).
	ForUser bool           `json:"for_user,omitempty"`
	Extra   map[string]any `json:"-"`
}

// MarshalJSON flattens Extra into the top-level object, as RFC 9457 extension members.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal(plain(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range p.Extra {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// ProblemOf converts any error into the problem the caller sees. Errors that are
// not *errs.Error become a 503 when PostgreSQL or another dependency could not be
// reached (db.IsUnavailable: the request may be retried as it is), otherwise a
// generic 500 whose detail reveals nothing internal.
func ProblemOf(err error) Problem {
	e, ok := errs.As(err)
	switch {
	case ok:
	case db.IsUnavailable(err):
		e = &errs.Error{Code: errs.Unavailable, ForUser: true, Detail: "сервис временно недоступен; повторите запрос"}
	default:
		e = &errs.Error{Code: errs.Internal, Detail: "internal error; it has been logged"}
	}
	status := Status(e.Code)
	return Problem{
		Type:    "urn:eko:problem:" + string(e.Code),
		Title:   http.StatusText(status),
		Status:  status,
		Detail:  e.Detail,
		Code:    e.Code,
		Reason:  e.Reason,
		Errors:  e.Fields,
		ForUser: e.ForUser,
		Extra:   e.Extra,
	}
}

// WriteError answers with the problem for err and logs what the caller cannot see.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemOf(err)
	if p.Status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "status", p.Status, "err", err)
	}
	if p.Status == http.StatusTooManyRequests || p.Status == http.StatusServiceUnavailable {
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", strconv.Itoa(1))
		}
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="eko"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Reply is a handler's last step: err when there is one (the router answers
// it), otherwise v as JSON with status.
func Reply(w http.ResponseWriter, status int, v any, err error) error {
	if err != nil {
		return err
	}
	WriteJSON(w, status, v)
	return nil
}

// WriteJSON answers with v as JSON and the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
