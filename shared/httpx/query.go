package httpx

import (
	"net/url"

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
