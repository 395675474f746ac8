package funcyaml_test

import (
	"strings"
	"testing"

	"github.com/kuzbass/eko/infra/validate/funcyaml"
	"github.com/kuzbass/eko/infra/validate/repo"
)

// Every func.yaml of the repository parses strictly, is named after its
// directory and has what the manifests are generated from.
func TestRepositoryFuncYAMLs(t *testing.T) {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	set, err := funcyaml.LoadAll(root)
	if err != nil {
		t.Fatal(err)
	}
	if set.AllInOne == nil || set.AllInOne.Name != funcyaml.AllInOne {
		t.Fatalf("root func.yaml: %+v", set.AllInOne)
	}
	if len(set.Functions) == 0 {
		t.Fatal("no functions/*/func.yaml")
	}
	for _, f := range set.All() {
		if f.Deploy.Options.Scale.Max == nil || f.Deploy.HealthEndpoints.Readiness != "/health/readiness" || f.Deploy.HealthEndpoints.Liveness != "/health/liveness" {
			t.Errorf("%s: health endpoints or scale missing: %+v", f.Dir, f.Deploy)
		}
	}
}

const good = `specVersion: 0.36.0
name: thing
runtime: go
created: 2026-11-22T00:00:00Z
build:
  builder: host
deploy:
  namespace: eko
  healthEndpoints:
    liveness: /health/liveness
    readiness: /health/readiness
  options:
    scale:
      min: 1
      max: 4
      metric: concurrency
      target: 100
    resources:
      requests:
        cpu: 100m
        memory: 64Mi
      limits:
        cpu: "1"
        memory: 256Mi
        concurrency: 0
  envs:
  - name: DATABASE_URL
    value: '{{ secret:eko-db:DATABASE_URL }}'
  - name: PLAIN
    value: "x"
`

func TestParse(t *testing.T) {
	f, err := funcyaml.Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	a := f.Annotations()
	if a["autoscaling.knative.dev/min-scale"] != "1" || a["autoscaling.knative.dev/max-scale"] != "4" ||
		a["autoscaling.knative.dev/metric"] != "concurrency" || a["autoscaling.knative.dev/target"] != "100" {
		t.Fatalf("annotations %v", a)
	}
	src, err := f.Deploy.Envs[0].Source()
	if err != nil || src.Kind != funcyaml.SecretKey || src.Name != "eko-db" || src.Key != "DATABASE_URL" {
		t.Fatalf("env source %+v %v", src, err)
	}
}

func TestParseRefuses(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"unknown field", "  options:\n", "  optionz:\n", "not found"},
		{"misspelt scale key", "      min: 1\n", "      minimum: 1\n", "not found"},
		{"other spec version", "0.36.0", "0.35.0", "specVersion"},
		{"other runtime", "runtime: go", "runtime: node", "runtime"},
		{"min above max", "      min: 1\n", "      min: 9\n", "min <= max"},
		{"no max", "      max: 4\n", "", "required"},
		{"bad quantity", "memory: 64Mi", "memory: 64 megabytes", "memory"},
		{"request above limit", "cpu: 100m", "cpu: \"2\"", "exceeds"},
		{"unknown metric", "metric: concurrency", "metric: cpu", "metric"},
		{"local env reference", "'{{ secret:eko-db:DATABASE_URL }}'", "'{{ env:DATABASE_URL }}'", "not a secret or configMap"},
		{"duplicate env", "  - name: PLAIN\n", "  - name: DATABASE_URL\n", "twice"},
		{"bad name", "name: thing", "name: Thing_1", "name"},
		{"subscriptions", "  namespace: eko\n", "  namespace: eko\n  subscriptions:\n  - source: x\n", "routing table"},
		{"no health endpoints", "    readiness: /health/readiness\n", "", "healthEndpoints"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(good, c.old, c.new, 1)
			if src == good {
				t.Fatalf("mutation %q did not apply", c.old)
			}
			_, err := funcyaml.Parse([]byte(src))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
