package manifest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kuzbass/eko/infra/validate/funcyaml"
	"github.com/kuzbass/eko/infra/validate/gen"
	"github.com/kuzbass/eko/infra/validate/manifest"
	"github.com/kuzbass/eko/infra/validate/repo"
)

var (
	setupOnce sync.Once
	rootDir   string
	validator *manifest.Validator
	setupErr  error
	renders   sync.Map // dir → []manifest.Doc
)

func setup(t *testing.T) (string, *manifest.Validator) {
	t.Helper()
	setupOnce.Do(func() {
		if rootDir, setupErr = repo.Root(); setupErr != nil {
			return
		}
		validator, setupErr = manifest.NewValidator(rootDir)
	})
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return rootDir, validator
}

// render renders a kustomization under infra/k8s once per test binary and
// returns a private copy of its objects.
func render(t *testing.T, dir string) []manifest.Doc {
	t.Helper()
	root, _ := setup(t)
	if docs, ok := renders.Load(dir); ok {
		return manifest.Clone(docs.([]manifest.Doc))
	}
	docs, err := manifest.Render(filepath.Join(root, "infra/k8s", dir))
	if err != nil {
		t.Fatal(err)
	}
	renders.Store(dir, docs)
	return manifest.Clone(docs)
}

// overlays lists infra/k8s/overlays/*.
func overlays(t *testing.T) []string {
	root, _ := setup(t)
	entries, err := os.ReadDir(filepath.Join(root, "infra/k8s/overlays"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, "overlays/"+e.Name())
		}
	}
	if len(out) < 4 {
		t.Fatalf("overlays %v: want at least dev, prod, campaign, allinone", out)
	}
	return out
}

// standIn is the func.yaml of a function that does not exist yet, to check
// what the manifests will do once it does.
func standIn(t *testing.T, name string) *funcyaml.Function {
	t.Helper()
	f, err := funcyaml.Parse([]byte(fmt.Sprintf(`specVersion: 0.36.0
name: %s
runtime: go
created: 2026-11-22T00:00:00Z
deploy:
  namespace: eko
  healthEndpoints:
    liveness: /health/liveness
    readiness: /health/readiness
  options:
    scale:
      min: 1
      max: 4
    resources:
      requests:
        cpu: 100m
        memory: 64Mi
      limits:
        cpu: "1"
        memory: 256Mi
  envs:
  - name: DATABASE_URL
    value: '{{ secret:eko-db:DATABASE_URL }}'
  - name: EVENTS_OIDC_ISSUER
    value: '{{ configMap:eko-cluster:SERVICE_ACCOUNT_ISSUER }}'
  - name: EVENTS_OIDC_AUDIENCE
    value: eko.kuzbass.ru/events/%s
`, name, name)))
	if err != nil {
		t.Fatal(err)
	}
	f.Dir = "functions/" + name
	return f
}

// tempKustomization describes a kustomization written to a temporary directory.
type tempKustomization struct {
	resources  []string             // absolute directories of kustomizations
	components []string             // absolute directories of components
	files      map[string][]byte    // extra resource files
	patches    map[string][]byte    // name → patch of the Knative Service called name
	standIns   []*funcyaml.Function // Knative Services generated for functions that do not exist yet
}

// withStandIns renders a temporary kustomization made of the given resources
// (absolute directories) and components, plus generated Services for the
// stand-in functions, and returns the objects and a validator that knows the
// stand-ins.
func withStandIns(t *testing.T, resources, components []string, standIns ...*funcyaml.Function) ([]manifest.Doc, *manifest.Validator) {
	return renderTemp(t, tempKustomization{resources: resources, components: components, standIns: standIns})
}

// withFiles is withStandIns with extra resource files (name → content).
func withFiles(t *testing.T, files map[string][]byte, resources, components []string, standIns ...*funcyaml.Function) ([]manifest.Doc, *manifest.Validator) {
	return renderTemp(t, tempKustomization{resources: resources, components: components, files: files, standIns: standIns})
}

func renderTemp(t *testing.T, k tempKustomization) ([]manifest.Doc, *manifest.Validator) {
	t.Helper()
	_, v := setup(t)
	dir := t.TempDir()
	set := &funcyaml.Set{AllInOne: v.Funcs.AllInOne, Functions: append(append([]*funcyaml.Function(nil), v.Funcs.Functions...), k.standIns...)}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// kustomize accepts other kustomizations only by relative path
	var res, comps []string
	for _, r := range k.resources {
		res = append(res, rel(t, dir, r))
	}
	for _, c := range k.components {
		comps = append(comps, rel(t, dir, c))
	}
	for name, b := range k.files {
		write(name, b)
		res = append(res, name)
	}
	if len(k.standIns) > 0 {
		b, err := gen.Services(&funcyaml.Set{AllInOne: v.Funcs.AllInOne, Functions: k.standIns})
		if err != nil {
			t.Fatal(err)
		}
		write("standins.yaml", b)
		res = append(res, "standins.yaml")
	}
	y := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: eko\nresources:\n"
	for _, r := range res {
		y += "- " + r + "\n"
	}
	if len(comps) > 0 {
		y += "components:\n"
		for _, c := range comps {
			y += "- " + c + "\n"
		}
	}
	if len(k.patches) > 0 {
		y += "patches:\n"
		for name, b := range k.patches {
			write("patch-"+name+".yaml", b)
			y += "- path: patch-" + name + ".yaml\n  target:\n    kind: Service\n    name: " + name + "\n"
		}
	}
	write("kustomization.yaml", []byte(y))
	docs, err := manifest.Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	return docs, &manifest.Validator{Funcs: set, Routes: v.Routes, Secrets: v.Secrets}
}

func k8s(t *testing.T, path string) string {
	root, _ := setup(t)
	return filepath.Join(root, "infra/k8s", path)
}

func rel(t *testing.T, from, to string) string {
	r, err := filepath.Rel(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(r)
}

// ---- editing rendered objects ----

// at walks obj along path (map keys and slice indexes); nil if absent.
func at(obj any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := obj.(map[string]any)
			if !ok {
				return nil
			}
			obj = m[k]
		case int:
			s, ok := obj.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			obj = s[k]
		}
	}
	return obj
}

// set sets the last element of path under obj, creating maps on the way.
func set(obj map[string]any, value any, path ...any) {
	var parent any = obj
	for _, p := range path[:len(path)-1] {
		next := at(parent, p)
		if next == nil {
			next = map[string]any{}
			parent.(map[string]any)[p.(string)] = next
		}
		parent = next
	}
	switch k := path[len(path)-1].(type) {
	case string:
		parent.(map[string]any)[k] = value
	case int:
		parent.([]any)[k] = value
	}
}

// del deletes the last element of path (a map key).
func del(obj map[string]any, path ...any) {
	parent, _ := at(obj, path[:len(path)-1]...).(map[string]any)
	delete(parent, path[len(path)-1].(string))
}

// edit applies fn to the object kind/name of docs; it fails the test if absent.
func edit(t *testing.T, docs []manifest.Doc, kind, name string, fn func(map[string]any)) {
	t.Helper()
	for _, d := range docs {
		if d.Kind == kind && d.Name == name {
			fn(d.Obj)
			return
		}
	}
	t.Fatalf("no %s/%s among the rendered objects", kind, name)
}

func mustContain(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error does not contain %q:\n%v", want, err)
	}
}
