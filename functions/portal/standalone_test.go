package portal_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kuzbass/eko/functions/portal"
	"github.com/kuzbass/eko/shared/function"
)

// TestStandaloneWithRemoteRegistry runs the portal as its own Knative Service
// does (Start reads the environment, opens PostgreSQL, migrates) and calls the
// registry over HTTP at REGISTRY_URL.
func TestStandaloneWithRemoteRegistry(t *testing.T) {
	w := newWorld(t, worldOptions{publicURL: "http://127.0.0.1:8080"})
	f, b := w.alone(map[string]string{"MIGRATE_ON_START": "true", "OIDC_CLIENT_ID": "eko", "OIDC_CLIENT_SECRET": "eko-dev-secret"}, nil)
	if ready, _ := f.Ready(context.Background()); !ready {
		t.Fatal("not ready after Start")
	}
	if ready, _ := portal.New().Ready(context.Background()); ready {
		t.Fatal("ready before Start")
	}
	p := b.login("parent1", "/children")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Соколов Артём Игоревич") || !strings.Contains(p.body, "Соколова Мария Игоревна") {
		t.Fatalf("standalone «Мои дети»: %d %.500s", p.status, p.body)
	}
	if p := b.get("/children/" + w.ids["student2"]); p.status != http.StatusNotFound {
		t.Errorf("standalone, another family's child: %d", p.status)
	}
	// The session lives in PostgreSQL: the all-in-one instance serves it too.
	b.handler = nil
	if p := b.get("/children/" + w.ids["student1"]); p.status != http.StatusOK {
		t.Errorf("another instance does not know the session: %d", p.status)
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	t.Setenv("PORTAL_PUBLIC_URL", "https://eko.example")
	t.Setenv("OIDC_CLIENT_ID", "eko-portal")
	t.Setenv("OIDC_CLIENT_SECRET", "s3cret")
	t.Setenv("OIDC_ISSUER", "https://esia.example")
	// The portal's settings, as it reads them alone and in the all-in-one process.
	var opts portal.Options
	if err := function.LoadSettings(portal.Name, &opts, nil); err != nil {
		t.Fatal(err)
	}
	if c := opts.Web; c.PublicURL != "https://eko.example" || c.ClientID != "eko-portal" || c.ClientSecret != "s3cret" ||
		strings.Join(c.Scopes, " ") != "openid profile offline_access" || c.LoginTTL != 10*time.Minute || c.SessionMaxAge != 12*time.Hour {
		t.Errorf("config %+v", c)
	}
	for _, k := range []string{"PORTAL_PUBLIC_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"} {
		t.Setenv(k, "x") // restored at the end of the test
		os.Unsetenv(k)
	}
	var defaults portal.Options
	if err := function.LoadSettings(portal.Name, &defaults, nil); err != nil {
		t.Fatal(err)
	}
	if d := defaults.Web; d.PublicURL != "http://127.0.0.1:8080" || d.ClientID != "eko" || d.ClientSecret != "eko-dev-secret" {
		t.Errorf("defaults %+v", d)
	}
}

// TestRefusalDetailsNotForTheUserStayOffThePage: the portal alone, with
// submit-application at SUBMIT_APPLICATION_URL refusing the application form
// with a detail meant for developers (for_user false): the form comes back
// with the status's own words, never that detail.
func TestRefusalDetailsNotForTheUserStayOffThePage(t *testing.T) {
	w := newWorld(t, worldOptions{publicURL: "http://127.0.0.1:8080"})
	const internal = "pgx: deadlock detected in applications.queue (internal detail)"
	submit := w.sys.Function("submit-application")
	refusing := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/submit-application/applications" {
			rw.Header().Set("Content-Type", "application/problem+json")
			rw.WriteHeader(http.StatusConflict)
			_, _ = rw.Write([]byte(`{"type":"urn:eko:problem:conflict","title":"Conflict","status":409,"code":"conflict","detail":"` + internal + `"}`))
			return
		}
		submit.ServeHTTP(rw, r)
	})
	_, b := w.alone(nil, map[string]http.Handler{"submit-application": refusing})
	b.login("parent1", "/applications")
	form := b.get("/applications/new?service=kindergarten")
	if form.status != http.StatusOK {
		t.Fatalf("the form: %d %.500s", form.status, form.body)
	}
	p := b.post("/applications", kgForm(w, csrfOf(t, form.body), "refused-key", w.ids["kg-1-kemerovo"]))
	if p.status != http.StatusConflict || strings.Contains(p.body, "deadlock") || !strings.Contains(p.body, "Запрос не принят") {
		t.Fatalf("a refusal not worded for the user: %d %.1500s", p.status, p.body)
	}
}

// TestTheReadersAddressAcrossTheSplit: the portal alone calls the registry
// over HTTP, each behind its proxies as its process is; a parent's read of
// her child is recorded in the child's audit with the browser's address —
// not the portal's, and not an address the browser wrote in X-Forwarded-For.
func TestTheReadersAddressAcrossTheSplit(t *testing.T) {
	w := newWorld(t, worldOptions{publicURL: "http://127.0.0.1:8080"})
	_, b := w.alone(nil, nil)
	b.login("parent1", "/children")
	child := w.ids["student1"]
	if p := b.do(http.MethodGet, "/children/"+child, nil, http.Header{"X-Forwarded-For": {"198.51.100.66"}}); p.status != http.StatusOK {
		t.Fatalf("the child's page: %d", p.status)
	}
	var addr string
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT remote_addr FROM platform.audit_log
		WHERE subject_person_id = $1 AND actor_subject <> '' ORDER BY seq DESC LIMIT 1`, child).Scan(&addr); err != nil {
		t.Fatal(err)
	}
	if want, _, _ := strings.Cut(b.addr, ":"); addr != want {
		t.Errorf("the audit names %q, want the browser's %s", addr, want)
	}
}
