// Package errs defines the application error type shared by every EKO function.
//
// Business code returns *errs.Error values (or wraps them with fmt.Errorf and %w);
// transport code (shared/httpx) maps each Code to an HTTP status in exactly one place.
// Any error that is not an *errs.Error is treated as Internal and its text is never
// shown to the caller.
package errs

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Codes are part of the public API:
// clients switch on them, so existing codes are never renamed.
type Code string

const (
	Invalid          Code = "invalid"                // the input is syntactically or semantically wrong
	Unauthenticated  Code = "unauthenticated"        // no valid credentials were presented
	Forbidden        Code = "forbidden"              // credentials are valid but no policy grants the action
	NotFound         Code = "not_found"              // the object does not exist or is not visible to the caller
	Conflict         Code = "conflict"               // the action contradicts the current state (duplicate, concurrent edit)
	Unprocessable    Code = "unprocessable"          // well-formed input that the domain rules reject
	TooLarge         Code = "too_large"              // the body, file or list exceeds its limit
	UnsupportedMedia Code = "unsupported_media_type" // the Content-Type is not accepted
	MethodNotAllowed Code = "method_not_allowed"     // the route exists but not for this method
	RateLimited      Code = "rate_limited"           // the caller must slow down and retry later
	Unavailable      Code = "unavailable"            // a dependency is down or the instance is not ready; retry later
	Internal         Code = "internal"               // a bug or an unexpected failure; details are logged, never shown
)

// FieldError describes one invalid input field. Its Code says why, in the
// words of the function's Vocabulary (or the Common ones).
type FieldError struct {
	Field   string `json:"field"`
	Code    Reason `json:"code"`
	Message string `json:"message"`
}

// Error is an application error with a stable code and a human-readable detail.
// Detail never reveals internals; whether it is worded for the person at the
// screen is ForUser's to say.
type Error struct {
	Code   Code
	Detail string
	// ForUser marks Detail as written for the person using EKO (in Russian, in
	// the words of the domain): a page may show it as it is. Other details are
	// for developers and integrators, and pages show the status's own words.
	ForUser bool
	// Reason, when set, is the function's finer word for the refusal (a
	// problem's "reason" member), declared in its api package.
	Reason Reason
	Fields []FieldError
	// Extra holds additional problem members (for example the id of an existing
	// application on a conflict). Keys must not collide with RFC 9457 members.
	Extra map[string]any
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%d field errors)", e.Code, e.Detail, len(e.Fields))
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Detail)
}

// E returns an *Error with the given code and a formatted detail.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// User returns an *Error whose detail is written for the person at the screen.
func User(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...), ForUser: true}
}

// Fields returns an Invalid error listing each bad field. Field errors are
// shown next to the fields of a form, so detail and messages are written for
// the person who filled it.
func Fields(detail string, fields ...FieldError) *Error {
	return &Error{Code: Invalid, Detail: detail, Fields: fields, ForUser: true}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
// A nil error has no code and returns the empty string.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
