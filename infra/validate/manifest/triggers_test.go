package manifest_test

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/infra/validate/funcyaml"
	"github.com/kuzbass/eko/infra/validate/gen"
	"github.com/kuzbass/eko/infra/validate/manifest"
)

// The Trigger generator works for a routing table of any size and shape: a
// synthetic table of hundreds of routes (long names, EPGU types, several
// consumers, non-default paths) generates Triggers that validate, one per
// route, and dropping any one of them is caught.
func TestTriggersForAnyRoutingTable(t *testing.T) {
	_, v := setup(t)
	consumers := []string{"post-grade", "issue-homework", "build-portfolio", "collect-report",
		"a-function-whose-name-is-long-enough-to-push-trigger-names-over"}
	var standIns []*funcyaml.Function
	for _, c := range consumers {
		if v.Funcs.Function(c) == nil {
			standIns = append(standIns, standIn(t, c))
		}
	}
	var routes []events.Route
	for i := 0; i < 240; i++ {
		c := consumers[i%len(consumers)]
		typ := fmt.Sprintf("ru.kuzbass.eko.synthetic-entity-%d.something-happened-to-it.v1", i)
		if i%7 == 0 {
			typ = fmt.Sprintf("ru.gosuslugi.epgu.synthetic-%d.submitted.v2", i)
		}
		p := "/api/" + c + "/events"
		if i%11 == 0 {
			p = "/api/" + c + "/events/bulk"
		}
		routes = append(routes, events.Route{Type: typ, Consumer: c, Path: p})
	}
	all := append(append([]events.Route(nil), v.Routes...), routes...)
	synth := &funcyaml.Set{AllInOne: v.Funcs.AllInOne, Functions: append(append([]*funcyaml.Function(nil), v.Funcs.Functions...), standIns...)}
	b, err := gen.Triggers(synth, routes)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(b), "\nkind: Trigger\n"); got != len(routes) {
		t.Fatalf("%d Triggers for %d routes", got, len(routes))
	}

	docs, sv := withFiles(t, map[string][]byte{"more-triggers.yaml": b}, []string{k8s(t, "overlays/dev")}, nil, standIns...)
	sv.Routes = all
	if err := sv.Check("dev with a synthetic routing table", docs); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, d := range manifest.Find(docs, "Trigger", "") {
		if errs := validation.IsDNS1123Label(d.Name); len(errs) > 0 {
			t.Errorf("Trigger name %q: %v", d.Name, errs)
		}
		if names[d.Name] {
			t.Errorf("Trigger name %q twice", d.Name)
		}
		names[d.Name] = true
	}
	if len(names) != len(all) {
		t.Fatalf("%d Triggers for %d routes", len(names), len(all))
	}

	// Drop one Trigger: its route is reported.
	var fewer []manifest.Doc
	dropped := ""
	for _, d := range docs {
		if d.Kind == "Trigger" && dropped == "" && strings.Contains(d.Name, "synthetic") {
			dropped = d.Name
			continue
		}
		fewer = append(fewer, d)
	}
	mustContain(t, sv.Check("one Trigger short", fewer), "has no Trigger")

	// A route to a function without a func.yaml cannot be generated.
	_, err = gen.Triggers(v.Funcs, []events.Route{{Type: "ru.kuzbass.eko.x.y.v1", Consumer: "nobody", Path: "/api/nobody/events"}})
	mustContain(t, err, "no functions/nobody/func.yaml")
}

// Trigger names are readable when short and unique when cut.
func TestTriggerNames(t *testing.T) {
	r := events.Route{Type: "ru.kuzbass.eko.grade.posted.v1", Consumer: "build-portfolio", Path: "/api/build-portfolio/events"}
	if got := gen.TriggerName(r); got != "build-portfolio-grade-posted-v1" {
		t.Fatalf("name %q", got)
	}
	long := events.Route{Type: "ru.kuzbass.eko.a-very-long-entity-name.and-an-even-longer-action-name-a.v1", Consumer: "submit-application", Path: "/api/submit-application/events"}
	long2 := long
	long2.Type = strings.Replace(long.Type, "-a.v1", "-b.v1", 1)
	a, b := gen.TriggerName(long), gen.TriggerName(long2)
	if len(a) > 63 || len(b) > 63 || a == b {
		t.Fatalf("names %q and %q", a, b)
	}
	if gen.TriggerName(long) != a {
		t.Fatal("names are not deterministic")
	}
}
