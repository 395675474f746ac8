package httpx

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/errs"
)

// QueryID reads the query parameter name as an id: nil when it is absent,
// and a field error appended to fe when it is not an id.
func QueryID(q url.Values, name string, fe *[]errs.FieldError) *uuid.UUID {
	s := q.Get(name)
	if s == "" {
		return nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		*fe = append(*fe, errs.FieldError{Field: name, Code: errs.Format, Message: "идентификатор в формате UUID"})
		return nil
	}
	return &id
}

// QueryYear reads the query parameter "year", an academic year named by the
// calendar year it starts in: def when it is absent, and a field error
// appended to fe when it is not a year from 2000 to 2100.
func QueryYear(q url.Values, def int, fe *[]errs.FieldError) int {
	s := q.Get("year")
	if s == "" {
		return def
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 2000 || y > 2100 {
		*fe = append(*fe, errs.FieldError{Field: "year", Code: errs.Range, Message: "учебный год по году его начала (2000–2100), например 2026"})
		return def
	}
	return y
}

// ByID adapts h to a route whose path names its object by {id}: parse reads
// the id first (each function refuses a malformed one its own way, name
// being "id"), then h runs with it.
func ByID(parse func(name, s string) (uuid.UUID, error), h func(w http.ResponseWriter, r *http.Request, id uuid.UUID) error) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := parse("id", r.PathValue("id"))
		if err != nil {
			return err
		}
		return h(w, r, id)
	}
}

// PathUUID parses a path's {id} for ByID: an id that is not a UUID in its
// canonical form is simply not found (a malformed id reveals nothing more
// than an unknown one).
func PathUUID(_, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return uuid.Nil, errs.User(errs.NotFound, "не найдено")
	}
	return id, nil
}
