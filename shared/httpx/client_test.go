package httpx_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/auth/authtest"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// callee is a function's router as the client meets it: it echoes who called
// it and from where, and refuses in each way a function refuses.
func callee(iss *authtest.Issuer) *httpx.Router {
	rt := httpx.NewRouter(&auth.Guard{Verifier: auth.NewVerifier(iss.Config()), Policy: auth.DenyAll{}})
	rt.Handle(http.MethodGet, "/who", auth.Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"subject": auth.PrincipalFrom(r.Context()).Subject,
			"addr": r.RemoteAddr, "agent": r.UserAgent(), "forwarded": r.Header.Get("X-Forwarded-For"), "q": r.URL.Query().Get("q")})
		return nil
	})
	rt.Handle(http.MethodPost, "/refuse", auth.Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		var in struct{ Kind string }
		if err := httpx.DecodeJSON(w, r, &in, 1024); err != nil {
			return err
		}
		switch in.Kind {
		case "fields":
			return errs.Fields("исправьте поля", errs.FieldError{Field: "items[2].value", Code: "scale", Message: "от 1 до 5"})
		case "conflict":
			return &errs.Error{Code: errs.Conflict, Detail: "already changed", Reason: "stale", Extra: map[string]any{"current_version": 3}}
		case "busy":
			return errs.User(errs.Unavailable, "очередь заполнена")
		case "bug":
			return errors.New("a bug") // not an *errs.Error: a 500
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	return rt
}

func TestClientCarriesTheCaller(t *testing.T) {
	iss := authtest.NewIssuer(t)
	rt := callee(iss)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	token := iss.Mint(t, authtest.Token{Subject: "oid-1"})
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Subject: "oid-1", Token: token})
	ctx = httpx.WithOrigin(ctx, httpx.Origin{Addr: "192.0.2.7:5100", UserAgent: "Mozilla/5.0 (parent's phone)"})

	for _, c := range []struct {
		name               string
		client             *httpx.Client
		addr, forwardedFor string
	}{
		{"in-process", httpx.InProcess("callee", rt), "192.0.2.7:5100", ""},
		{"over HTTP", httpx.Dial("callee", srv.URL), "127.0.0.1", "192.0.2.7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got map[string]string
			if err := c.client.Get(ctx, "/who", map[string][]string{"q": {"Ёлкин"}}, &got); err != nil {
				t.Fatal(err)
			}
			if got["subject"] != "oid-1" || got["agent"] != "Mozilla/5.0 (parent's phone)" || got["q"] != "Ёлкин" ||
				got["forwarded"] != c.forwardedFor || !strings.HasPrefix(got["addr"], c.addr) {
				t.Fatalf("the callee saw %v", got)
			}
			if err := c.client.Get(context.Background(), "/who", nil, nil); errs.CodeOf(err) != errs.Unauthenticated {
				t.Fatalf("without a caller: %v, want unauthenticated", err)
			}
		})
	}
}

func TestClientReadsRefusalsBack(t *testing.T) {
	iss := authtest.NewIssuer(t)
	rt := callee(iss)
	srv := httptest.NewServer(rt)
	defer srv.Close()
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Token: iss.Mint(t, authtest.Token{})})
	for _, cl := range []*httpx.Client{httpx.InProcess("callee", rt), httpx.Dial("callee", srv.URL)} {
		refuse := func(kind string) error {
			return cl.Do(ctx, http.MethodPost, "/refuse", map[string]string{"kind": kind}, nil, nil)
		}
		if err := refuse("ok"); err != nil {
			t.Fatalf("204: %v", err)
		}
		e, ok := errs.As(refuse("fields"))
		if !ok || e.Code != errs.Invalid || !e.ForUser || e.Detail != "исправьте поля" || len(e.Fields) != 1 || e.Fields[0].Field != "items[2].value" {
			t.Fatalf("field errors came back as %#v", e)
		}
		e, ok = errs.As(refuse("conflict"))
		if !ok || e.Code != errs.Conflict || e.ForUser || e.Reason != "stale" || e.Extra["current_version"] != 3.0 || e.Extra["reason"] != nil {
			t.Fatalf("a conflict came back as %#v", e)
		}
		e, ok = errs.As(refuse("busy"))
		if !ok || e.Code != errs.Unavailable || e.Detail != "очередь заполнена" {
			t.Fatalf("the callee's 503 came back as %#v", e)
		}
		if err := refuse("bug"); errs.CodeOf(err) != errs.Internal {
			t.Fatalf("a 500 came back as %v, want an internal error", err)
		}
		if err := cl.Get(ctx, "/nowhere", nil, nil); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("an unknown path: %v", err)
		}
	}
	down := httpx.Dial("callee", "http://127.0.0.1:1")
	if err := down.Get(ctx, "/who", nil, nil); errs.CodeOf(err) != errs.Unavailable {
		t.Fatalf("an unreachable callee: %v, want unavailable", err)
	}
}

func TestClientBoundsTheAnswer(t *testing.T) {
	huge := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`"` + strings.Repeat("я", httpx.MaxAnswer/2+1) + `"`))
	})
	srv := httptest.NewServer(huge)
	defer srv.Close()
	for _, cl := range []*httpx.Client{httpx.InProcess("callee", huge), httpx.Dial("callee", srv.URL)} {
		var s string
		if err := cl.Get(context.Background(), "/", nil, &s); err == nil || s != "" {
			t.Fatalf("an answer over %d bytes was read (%d bytes)", httpx.MaxAnswer, len(s))
		}
	}
}
