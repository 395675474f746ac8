package events_test

import (
	"os"
	"strings"
	"testing"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/errs"
)

const ping = "ru.kuzbass.eko.test.ping.v1"

func TestDefaultCatalogue(t *testing.T) {
	cat := events.Default() // panics if an embedded schema or route is broken
	for _, r := range cat.Routes("") {
		if len(cat.Routes(r.Type)) == 0 {
			t.Fatalf("route %v not found by type", r)
		}
	}
}

func TestLoadChecksSchemasAndRoutes(t *testing.T) {
	cases := []struct {
		name    string
		dir     string
		routes  []events.Route
		wantErr string
	}{
		{"good", "testdata/good", []events.Route{{Type: ping, Consumer: "post-grade", Path: "/api/post-grade/events"}}, ""},
		{"route to a type without schema", "testdata/good", []events.Route{{Type: "ru.kuzbass.eko.nothing.here.v1", Consumer: "x", Path: "/api/x/events"}}, "no schema"},
		{"route outside its consumer's API", "testdata/good", []events.Route{{Type: ping, Consumer: "x", Path: "/api/y/events"}}, "not under"},
		{"duplicate route", "testdata/good", []events.Route{{Type: ping, Consumer: "x", Path: "/api/x/events"}, {Type: ping, Consumer: "x", Path: "/api/x/events"}}, "twice"},
		{"schema file not named by a type", "testdata/badname", nil, "not an event type name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := events.Load(os.DirFS(c.dir), c.routes)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cat, err := events.Load(os.DirFS("testdata/good"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Validate(ping, []byte(`{"n": 3}`)); err != nil {
		t.Fatalf("valid data refused: %v", err)
	}
	for _, bad := range []string{`{"n": -1}`, `{"n": "3"}`, `{}`, `{"n":1,"x":2}`, `not json`} {
		if err := cat.Validate(ping, []byte(bad)); !errs.Is(err, errs.Invalid) {
			t.Fatalf("%s: %v, want Invalid", bad, err)
		}
	}
	if err := cat.Validate("ru.kuzbass.eko.unknown.type.v1", []byte(`{}`)); !errs.Is(err, errs.Invalid) {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestTypePattern(t *testing.T) {
	for typ, ok := range map[string]bool{
		"ru.kuzbass.eko.grade.posted.v1":               true,
		"ru.kuzbass.eko.application.status-changed.v1": true,
		"ru.gosuslugi.epgu.application.submitted.v1":   true,
		"ru.kuzbass.eko.grade.posted":                  false,
		"com.example.grade.posted.v1":                  false,
		"ru.kuzbass.eko.Grade.posted.v1":               false,
	} {
		if events.TypePattern.MatchString(typ) != ok {
			t.Errorf("%s: match = %v", typ, !ok)
		}
	}
}
