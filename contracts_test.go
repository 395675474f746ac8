package eko_test

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kuzbass/eko"
)

const module = "github.com/kuzbass/eko"

// listedPackage is what `go list -json` says of a package.
type listedPackage struct {
	ImportPath   string
	Dir          string
	GoFiles      []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// packages lists every package of the module with its imports, tests' included.
func packages(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var list []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		list = append(list, p)
	}
	if len(list) < 10 {
		t.Fatalf("go list found %d packages", len(list))
	}
	return list
}

// functionOf is the function a package path belongs to ("registry" for
// …/functions/registry/api), and whether the path is that function's api.
func functionOf(path string) (name string, isAPI, ok bool) {
	rest, ok := strings.CutPrefix(path, module+"/functions/")
	if !ok {
		return "", false, false
	}
	name, sub, _ := strings.Cut(rest, "/")
	return name, sub == "api", true
}

// contractViolations are the imports that break the seams between functions,
// read from the real import graph: a package of one function (tests included)
// may import another function only through its api package; shared/ and
// events/ know no function; the root package imports implementations only
// where it mounts them (function.go) and seeds the registry (seed.go).
func contractViolations(t *testing.T, pkgs []listedPackage) []string {
	t.Helper()
	var bad []string
	for _, p := range pkgs {
		imports := slices.Concat(p.Imports, p.TestImports, p.XTestImports)
		own, _, inFunction := functionOf(p.ImportPath)
		for _, imp := range imports {
			name, isAPI, isFunction := functionOf(imp)
			if !isFunction {
				continue
			}
			switch {
			case inFunction && name != own && !isAPI:
				bad = append(bad, p.ImportPath+" imports "+imp+": another function's implementation (only its api package)")
			case strings.HasPrefix(p.ImportPath, module+"/shared/"), strings.HasPrefix(p.ImportPath, module+"/events"):
				bad = append(bad, p.ImportPath+" imports "+imp+": shared/ and events/ know no function")
			}
		}
		if p.ImportPath == module {
			bad = append(bad, rootViolations(t, p)...)
		}
	}
	return bad
}

// rootViolations are the root package's files that import a function's
// implementation other than where it is mounted.
func rootViolations(t *testing.T, p listedPackage) []string {
	t.Helper()
	var bad []string
	for _, file := range p.GoFiles {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(p.Dir, file), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			imp := strings.Trim(spec.Path.Value, `"`)
			if _, isAPI, isFunction := functionOf(imp); isFunction && !isAPI && file != "function.go" && file != "seed.go" {
				bad = append(bad, file+" imports "+imp+": the root package imports implementations only to mount them (function.go) and to seed (seed.go)")
			}
		}
	}
	return bad
}

// TestFunctionsMeetOnlyThroughTheirAPIs: the seams of the contracts issue,
// held against the import graph.
func TestFunctionsMeetOnlyThroughTheirAPIs(t *testing.T) {
	for _, v := range contractViolations(t, packages(t)) {
		t.Error(v)
	}
}

// TestEveryFunctionIsWiredAndDocumented: every functions/<name> is mounted
// by eko.Mount (eko.Parts), has its func.yaml and cmd/main.go, a generated
// Knative Service, an api package if it has an API of its own, and a row in
// README's table of functions — and nothing is mounted that is not a folder.
func TestEveryFunctionIsWiredAndDocumented(t *testing.T) {
	dirs, err := filepath.Glob("functions/*/func.yaml")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("functions")
	if err != nil {
		t.Fatal(err)
	}
	services, err := os.ReadFile("infra/k8s/base/services.yaml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	mounted := map[string]string{} // name → prefix
	for _, p := range eko.Parts {
		mounted[p.Name] = p.PathPrefix()
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 || len(dirs) > len(names) {
		t.Fatalf("functions: %v, func.yaml: %v", names, dirs)
	}
	for _, name := range names {
		dir := filepath.Join("functions", name)
		prefix, ok := mounted[name]
		if !ok {
			t.Errorf("%s is not mounted by eko.Mount: add its Part to eko.Parts", name)
		}
		delete(mounted, name)
		yaml, err := os.ReadFile(filepath.Join(dir, "func.yaml"))
		if err != nil || !regexp.MustCompile(`(?m)^name: `+regexp.QuoteMeta(name)+`$`).Match(yaml) {
			t.Errorf("%s has no func.yaml naming it (%v)", name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "cmd", "main.go")); err != nil {
			t.Errorf("%s has no cmd/main.go: %v", name, err)
		}
		if !regexp.MustCompile(`(?m)^kind: Service\nmetadata:\n  name: ` + regexp.QuoteMeta(name) + `\n`).Match(services) {
			t.Errorf("%s has no Knative Service in infra/k8s/base/services.yaml: run make manifests", name)
		}
		if _, err := os.Stat(filepath.Join(dir, "api")); err != nil && prefix == "/api/"+name+"/" {
			t.Errorf("%s serves /api/%s/ but has no api package (functions/%s/api)", name, name, name)
		}
		if !strings.Contains(string(readme), "\n| `"+name+"` | ") {
			t.Errorf("%s has no row in README's table of functions", name)
		}
	}
	for name := range mounted {
		t.Errorf("eko.Parts mounts %s, which is not a folder of functions/", name)
	}
}
