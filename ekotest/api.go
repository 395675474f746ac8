package ekotest

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// API calls the mounted system as the fixture logins do, with placeholders
// such as {student1} in paths and bodies replaced from IDs: the calls every
// function's tests make.
type API struct {
	T   testing.TB
	Sys *World
	IDs map[string]string // placeholder ("{student1}") → what it stands for
}

// Expand replaces the placeholders of s.
func (a *API) Expand(s string) string {
	for k, v := range a.IDs {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// Call sends a request as login ("": no token) and returns the status and
// the body. A body that starts with { or [ is JSON, any other CSV.
func (a *API) Call(method, path, login, body string) (int, string) {
	a.T.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(a.Expand(body))
	}
	req := httptest.NewRequest(method, a.Expand(path), rd)
	switch {
	case strings.HasPrefix(body, "{") || strings.HasPrefix(body, "["):
		req.Header.Set("Content-Type", "application/json")
	case body != "":
		req.Header.Set("Content-Type", "text/csv; charset=utf-8")
	}
	rec := a.Sys.Call(a.T, login, req)
	return rec.Code, rec.Body.String()
}

// Must is Call that fails the test unless the status is want, decoding the
// body into out (unless nil).
func (a *API) Must(method, path, login, body string, want int, out any) {
	a.T.Helper()
	code, resp := a.Call(method, path, login, body)
	if code != want {
		a.T.Fatalf("%s %s as %s: %d, want %d: %s", method, path, login, code, want, resp)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			a.T.Fatalf("%s %s: %v: %s", method, path, err, resp)
		}
	}
}

// Problem is an RFC 9457 answer, with the members EKO's refusals add.
type Problem struct {
	Code           string `json:"code"`
	Reason         string `json:"reason"`
	Detail         string `json:"detail"`
	CurrentVersion int    `json:"current_version"`
	CurrentState   string `json:"current_state"`
	Errors         []struct {
		Field, Code, Message string
	} `json:"errors"`
}

// Refused checks a refusal: its status and, when fieldCode is given, a
// field error with that code and a message.
func (a *API) Refused(code int, body string, want int, fieldCode string) Problem {
	a.T.Helper()
	var p Problem
	if code != want || json.Unmarshal([]byte(body), &p) != nil || p.Detail == "" {
		a.T.Fatalf("%d, want %d with a problem: %s", code, want, body)
	}
	if fieldCode != "" {
		for _, e := range p.Errors {
			if e.Code == fieldCode && e.Message != "" {
				return p
			}
		}
		a.T.Fatalf("no field error %s: %s", fieldCode, body)
	}
	return p
}

// Count is the count a query answers.
func (a *API) Count(sql string, args ...any) int {
	a.T.Helper()
	return a.Sys.DB.Count(a.T, sql, args...)
}

// One is the single text value of a query.
func (a *API) One(sql string, args ...any) string {
	a.T.Helper()
	var s string
	if err := a.Sys.DB.Pool.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		a.T.Fatalf("%s: %v", sql, err)
	}
	return s
}
