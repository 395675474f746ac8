package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/kuzbass/eko/shared/errs"
)

// DefaultMaxBody bounds a JSON request body unless a handler asks for another limit.
const DefaultMaxBody = 1 << 20

// DecodeJSON reads r's body into dst. It requires Content-Type application/json,
// stops reading at maxBytes (DefaultMaxBody when <= 0), rejects unknown fields and
// trailing data, and returns an *errs.Error (never a bare error) on bad input.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any, maxBytes int64) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return errs.E(errs.UnsupportedMedia, "Content-Type must be application/json, got %q", ct)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	if r.ContentLength > maxBytes {
		return errs.E(errs.TooLarge, "request body is %d bytes; the limit is %d", r.ContentLength, maxBytes)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, maxBytes)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err, maxBytes)
		}
		return errs.E(errs.Invalid, "request body must hold a single JSON value")
	}
	return nil
}

func decodeError(err error, maxBytes int64) error {
	var (
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return errs.E(errs.TooLarge, "request body exceeds %d bytes", maxBytes)
	case errors.As(err, &syntax):
		return errs.E(errs.Invalid, "malformed JSON at byte %d", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errs.E(errs.Invalid, "request body is empty or truncated JSON")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		return errs.Fields("поле неверного типа", errs.FieldError{
			Field: field, Code: errs.Type, Message: fmt.Sprintf("значение типа %s", typeErr.Type),
		})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Fields("неизвестное поле", errs.FieldError{Field: name, Code: errs.Unknown, Message: "такого поля нет в запросе"})
	}
	return errs.E(errs.Invalid, "unreadable JSON body: %v", err)
}
