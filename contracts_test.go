package eko_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kuzbass/eko"
)

const module = "github.com/kuzbass/eko"

// sourceFile is one Go file of the module, whatever its build tags, with the
// package directory it belongs to and what it imports.
type sourceFile struct {
	Dir     string // relative to the module root, "." for the root package
	Name    string
	Imports []string
}

// moduleFiles reads the imports of every Go file of the module: tests,
// build-tagged files, tests/, infra/, cmd/ and ekotest/ included; nested
// modules (infra/validate), testdata and hidden folders are not the module's.
func moduleFiles(t *testing.T, root string) []sourceFile {
	t.Helper()
	var files []sourceFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); path != root && err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		sf := sourceFile{Dir: filepath.ToSlash(dir), Name: d.Name()}
		for _, spec := range f.Imports {
			sf.Imports = append(sf.Imports, strings.Trim(spec.Path.Value, `"`))
		}
		files = append(files, sf)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// violations lists every import of files that breaks the seams (violation).
func violations(files []sourceFile) []string {
	var bad []string
	for _, f := range files {
		for _, imp := range f.Imports {
			if why := violation(f.Dir, imp); why != "" {
				bad = append(bad, f.Dir+"/"+f.Name+" imports "+imp+": "+why)
			}
		}
	}
	return bad
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

// mountsOrSeeds are the packages outside functions/ that may import a
// function's implementation, each for the reason given.
var mountsOrSeeds = map[string]string{
	".":                   "package eko mounts every function (eko.Mount) and seeds the registry",
	"ekotest":             "mounts the test worlds through eko.Mount and tunes each function's settings",
	"tests/journalload":   "seeds a journal at region scale around the API and has post-grade recount it",
	"tests/portfolioload": "measures build-portfolio's credential suite in-process, per core, beside its HTTP endpoints",
}

// violation says how one import of a file in dir breaks the seams between
// functions, or "" when it does not: a function (tests included) imports
// another only through its api package; shared/ and events/ know no
// function; every other package imports only api packages, unless it mounts
// or seeds functions (mountsOrSeeds).
func violation(dir, imp string) string {
	name, isAPI, isFunction := functionOf(imp)
	if !isFunction {
		return ""
	}
	own, _, inFunction := functionOf(module + "/" + dir)
	switch {
	case inFunction && name == own:
		return ""
	case dir == "shared" || strings.HasPrefix(dir, "shared/") || dir == "events" || strings.HasPrefix(dir, "events/"):
		return "shared/ and events/ know no function"
	case isAPI:
		return ""
	case inFunction:
		return "another function's implementation (only its api package)"
	case mountsOrSeeds[dir] != "":
		return ""
	}
	return "a function's implementation outside the packages that mount or seed functions (only its api package)"
}

// TestFunctionsMeetOnlyThroughTheirAPIs: the seams of the contracts issue,
// held against every import of every Go file of the module.
func TestFunctionsMeetOnlyThroughTheirAPIs(t *testing.T) {
	files := moduleFiles(t, ".")
	if len(files) < 100 {
		t.Fatalf("read %d Go files of the module", len(files))
	}
	for _, v := range violations(files) {
		t.Error(v)
	}
}

// TestTheGuardSeesViolations: the rule of TestFunctionsMeetOnlyThroughTheirAPIs
// on each kind of package, allowed and refused.
func TestTheGuardSeesViolations(t *testing.T) {
	for _, c := range []struct {
		dir, imp string
		refused  bool
	}{
		{"functions/portal", module + "/functions/registry/api", false},
		{"functions/portal", module + "/functions/registry", true},
		{"functions/portal", module + "/functions/registry/seed", true},
		{"functions/registry", module + "/functions/registry/seed", false},
		{"functions/registry/cmd", module + "/functions/registry", false},
		{"shared/access", module + "/functions/registry/api", true},
		{"events", module + "/functions/post-grade/api", true},
		{".", module + "/functions/registry", false},
		{"ekotest", module + "/functions/portal", false},
		{"tests/load", module + "/functions/registry/seed", true},
		{"tests/load", module + "/functions/submit-application/api", false},
		{"infra/devidp", module + "/functions/registry", true},
		{"cmd/eko", module + "/functions/outbox-relay", true},
		{"tests/faults", "github.com/jackc/pgx/v5", false},
	} {
		if got := violation(c.dir, c.imp) != ""; got != c.refused {
			t.Errorf("%s importing %s: refused %v, want %v", c.dir, c.imp, got, c.refused)
		}
	}
	// A module whose only violation is in a build-tagged file of tests/; a
	// nested module's and testdata's imports are not the module's.
	root := t.TempDir()
	for path, src := range map[string]string{
		"go.mod":                     "module " + module + "\n",
		"tests/x/tagged.go":          "//go:build ignore\n\npackage x\n\nimport _ \"" + module + "/functions/registry\"\n",
		"tests/x/testdata/t.go":      "package t\n\nimport _ \"" + module + "/functions/registry\"\n",
		"infra/validate/go.mod":      "module other\n",
		"infra/validate/validate.go": "package validate\n\nimport _ \"" + module + "/functions/registry\"\n",
		"functions/portal/portal.go": "package portal\n\nimport _ \"" + module + "/functions/registry/api\"\n",
	} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := violations(moduleFiles(t, root))
	if len(got) != 1 || !strings.HasPrefix(got[0], "tests/x/tagged.go imports") {
		t.Errorf("violations of the sample module: %q, want the build-tagged file's only", got)
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

// literalRefusals lists, in one Go file, the refusal words written as
// literals instead of the constants an api package (or errs, csvtable, pdata)
// declares: a field error's or a problem's Code or Reason, an Extra member's
// key, the reason argument of a field(…) or Report.Add(…) helper.
func literalRefusals(fset *token.FileSet, f *ast.File) []string {
	var bad []string
	report := func(n ast.Node, what string) {
		bad = append(bad, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), what))
	}
	isString := func(e ast.Expr) bool {
		lit, ok := e.(*ast.BasicLit)
		return ok && lit.Kind == token.STRING
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			sel, ok := n.Type.(*ast.SelectorExpr)
			if !ok || fmt.Sprint(sel.X) != "errs" || (sel.Sel.Name != "Error" && sel.Sel.Name != "FieldError") {
				return true
			}
			for _, el := range n.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				switch fmt.Sprint(kv.Key) {
				case "Reason":
					if isString(kv.Value) {
						report(kv, "a literal reason")
					}
				case "Code":
					if sel.Sel.Name == "FieldError" && isString(kv.Value) {
						report(kv, "a literal field error code")
					}
				case "Extra":
					if m, ok := kv.Value.(*ast.CompositeLit); ok {
						for _, mel := range m.Elts {
							if mkv, ok := mel.(*ast.KeyValueExpr); ok && isString(mkv.Key) {
								report(mkv, "a literal problem member")
							}
						}
					}
				}
			}
		case *ast.CallExpr:
			switch fun := n.Fun.(type) {
			case *ast.Ident:
				if fun.Name == "field" && len(n.Args) == 3 && isString(n.Args[1]) {
					report(n, "a literal reason of field(…)")
				}
			case *ast.SelectorExpr:
				if fun.Sel.Name == "Add" && len(n.Args) == 4 && isString(n.Args[2]) {
					report(n, "a literal reason of a report line")
				}
			}
		}
		return true
	})
	return bad
}

// TestRefusalsUseTheirAPIsWords: no function or shared package writes a
// refusal's code, reason or member as a literal: each comes from the api
// package that declares it (the routers check what is answered; this checks
// what is written, answered in a test or not).
func TestRefusalsUseTheirAPIsWords(t *testing.T) {
	paths, err := filepath.Glob("functions/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	shared, _ := filepath.Glob("shared/*/*.go")
	checked := 0
	for _, path := range append(paths, shared...) {
		if strings.HasSuffix(path, "_test.go") || strings.HasPrefix(path, "shared/errs/") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, v := range literalRefusals(fset, f) {
			t.Error(v)
		}
	}
	if checked < 50 {
		t.Fatalf("checked %d files", checked)
	}
	// The check sees each kind of literal.
	src := `package x
func f() {
	_ = errs.FieldError{Field: "a", Code: "stray"}
	_ = &errs.Error{Code: errs.Conflict, Reason: "stray", Extra: map[string]any{"stray": 1}}
	_ = field("a", "stray", "msg")
	rp.Add(1, "col", "stray", "msg")
	_ = errs.FieldError{Field: "a", Code: errs.Required}
	_ = field("a", errs.Format, "msg")
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := literalRefusals(fset, f); len(got) != 5 {
		t.Errorf("the sample's literals: %q, want 5", got)
	}
}
