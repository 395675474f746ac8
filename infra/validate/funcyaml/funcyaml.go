// Package funcyaml reads the func.yaml deploy descriptors of EKO (the Knative
// func CLI format, specVersion 0.36.0): one per function under functions/<name>/
// and the all-in-one "eko" at the repository root.
//
// The struct covers the func.yaml schema of that spec version and is decoded
// strictly (yaml.v3 KnownFields), so a misspelt key is an error rather than a
// silently ignored setting. The manifests generator (package gen) turns the
// deploy section into Knative Services, and the validation tests check that the
// rendered overlays still agree with it.
package funcyaml

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// SpecVersion is the func.yaml spec version EKO's descriptors are written for.
const SpecVersion = "0.36.0"

// AllInOne is the name of the all-in-one function at the repository root.
const AllInOne = "eko"

// Function is one func.yaml.
type Function struct {
	SpecVersion string    `yaml:"specVersion"`
	Name        string    `yaml:"name"`
	Domain      string    `yaml:"domain,omitempty"`
	Runtime     string    `yaml:"runtime"`
	Registry    string    `yaml:"registry,omitempty"`
	Image       string    `yaml:"image,omitempty"`
	Namespace   string    `yaml:"namespace,omitempty"`
	Created     time.Time `yaml:"created"`
	Invoke      string    `yaml:"invoke,omitempty"`
	Build       Build     `yaml:"build,omitempty"`
	Run         Run       `yaml:"run,omitempty"`
	Deploy      Deploy    `yaml:"deploy"`

	// Dir is the directory holding the func.yaml, relative to the repository root
	// ("." for the all-in-one); Main is the package of its program.
	Dir  string `yaml:"-"`
	Main string `yaml:"-"`
}

// Build is func.yaml's build section (not used by the manifests; decoded so typos fail).
type Build struct {
	Git                *Git              `yaml:"git,omitempty"`
	BuilderImages      map[string]string `yaml:"builderImages,omitempty"`
	Buildpacks         []string          `yaml:"buildpacks,omitempty"`
	Builder            string            `yaml:"builder,omitempty"`
	BuildEnvs          []Env             `yaml:"buildEnvs,omitempty"`
	PVCSize            string            `yaml:"pvcSize,omitempty"`
	RemoteStorageClass string            `yaml:"remoteStorageClass,omitempty"`
}

// Git is the optional source repository of a function.
type Git struct {
	URL        string `yaml:"url,omitempty"`
	Revision   string `yaml:"revision,omitempty"`
	ContextDir string `yaml:"contextDir,omitempty"`
}

// Run is func.yaml's run section: local `func run` settings, not deployed.
type Run struct {
	Volumes            []Volume       `yaml:"volumes,omitempty"`
	Envs               []Env          `yaml:"envs,omitempty"`
	PodSecurityContext map[string]any `yaml:"podSecurityContext,omitempty"`
	StartTimeout       int            `yaml:"startTimeout,omitempty"`
}

// Volume is a func.yaml volume (EKO functions declare none; the generator refuses them).
type Volume struct {
	Secret                *string        `yaml:"secret,omitempty"`
	ConfigMap             *string        `yaml:"configMap,omitempty"`
	PersistentVolumeClaim map[string]any `yaml:"persistentVolumeClaim,omitempty"`
	EmptyDir              map[string]any `yaml:"emptyDir,omitempty"`
	Path                  *string        `yaml:"path,omitempty"`
}

// Deploy is what the Knative Service is made from.
type Deploy struct {
	Namespace          string            `yaml:"namespace"`
	Remote             bool              `yaml:"remote,omitempty"`
	Image              string            `yaml:"image,omitempty"`
	Annotations        map[string]string `yaml:"annotations,omitempty"`
	Options            Options           `yaml:"options"`
	Labels             []Label           `yaml:"labels,omitempty"`
	HealthEndpoints    HealthEndpoints   `yaml:"healthEndpoints"`
	ServiceAccountName string            `yaml:"serviceAccountName,omitempty"`
	Subscriptions      []Subscription    `yaml:"subscriptions,omitempty"`
	Envs               []Env             `yaml:"envs,omitempty"`
	Volumes            []Volume          `yaml:"volumes,omitempty"`
}

// Options are scale and resources.
type Options struct {
	Scale     Scale     `yaml:"scale"`
	Resources Resources `yaml:"resources"`
}

// Scale maps to the autoscaling.knative.dev annotations of the revision template.
type Scale struct {
	Min         *int64   `yaml:"min,omitempty"`
	Max         *int64   `yaml:"max,omitempty"`
	Metric      string   `yaml:"metric,omitempty"`
	Target      *float64 `yaml:"target,omitempty"`
	Utilization *float64 `yaml:"utilization,omitempty"`
}

// Resources are the container's requests and limits; limits.concurrency is the
// revision's containerConcurrency (0 = unlimited).
type Resources struct {
	Requests struct {
		CPU    string `yaml:"cpu,omitempty"`
		Memory string `yaml:"memory,omitempty"`
	} `yaml:"requests"`
	Limits struct {
		CPU         string `yaml:"cpu,omitempty"`
		Memory      string `yaml:"memory,omitempty"`
		Concurrency *int64 `yaml:"concurrency,omitempty"`
	} `yaml:"limits"`
}

// Label is a func.yaml label.
type Label struct {
	Key   string `yaml:"key"`
	Value string `yaml:"value,omitempty"`
}

// HealthEndpoints are the probe paths.
type HealthEndpoints struct {
	Liveness  string `yaml:"liveness"`
	Readiness string `yaml:"readiness"`
}

// Subscription is func's own Trigger shorthand. EKO does not use it: Triggers
// come from the routing table in events/ (the generator refuses subscriptions).
type Subscription struct {
	Source  string            `yaml:"source"`
	Filters map[string]string `yaml:"filters,omitempty"`
}

// Env is one environment variable.
type Env struct {
	Name  string  `yaml:"name"`
	Value *string `yaml:"value,omitempty"`
}

// EnvKind says where a variable's value comes from.
type EnvKind int

const (
	Literal       EnvKind = iota // value as written
	SecretKey                    // {{ secret:NAME:KEY }}
	ConfigMapKey                 // {{ configMap:NAME:KEY }}
	WholeSecret                  // {{ secret:NAME }}: every key (envFrom)
	WholeConfigMp                // {{ configMap:NAME }}
)

// EnvSource is a parsed env value.
type EnvSource struct {
	Kind  EnvKind
	Value string // Literal
	Name  string // secret or config map
	Key   string
}

var (
	reKeyRef   = regexp.MustCompile(`^\{\{\s*(secret|configMap):([a-z0-9]([-a-z0-9]*[a-z0-9])?):([-._a-zA-Z0-9]+)\s*\}\}$`)
	reWholeRef = regexp.MustCompile(`^\{\{\s*(secret|configMap):([a-z0-9]([-a-z0-9]*[a-z0-9])?)\s*\}\}$`)
	reTemplate = regexp.MustCompile(`\{\{.*\}\}`)
)

// Source parses the value of e the way `func deploy` does.
func (e Env) Source() (EnvSource, error) {
	v := ""
	if e.Value != nil {
		v = *e.Value
	}
	if m := reKeyRef.FindStringSubmatch(v); m != nil {
		k := SecretKey
		if m[1] == "configMap" {
			k = ConfigMapKey
		}
		return EnvSource{Kind: k, Name: m[2], Key: m[4]}, nil
	}
	if m := reWholeRef.FindStringSubmatch(v); m != nil {
		k := WholeSecret
		if m[1] == "configMap" {
			k = WholeConfigMp
		}
		if e.Name != "" {
			return EnvSource{}, fmt.Errorf("env %s: %q imports a whole %s and must have no name", e.Name, v, m[1])
		}
		return EnvSource{Kind: k, Name: m[2]}, nil
	}
	if reTemplate.MatchString(v) {
		// {{ env:X }} reads the deployer's own environment: not reproducible from the repository.
		return EnvSource{}, fmt.Errorf("env %s: %q is not a secret or configMap reference the manifests can express", e.Name, v)
	}
	return EnvSource{Kind: Literal, Value: v}, nil
}

// Load reads one func.yaml strictly and checks it for the manifests. dir is the
// directory of the file relative to root; the function's name must be the
// directory's name (AllInOne for the root).
func Load(root, dir string) (*Function, error) {
	path := filepath.Join(root, dir, "func.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.ToSlash(filepath.Join(dir, "func.yaml")), err)
	}
	f.Dir = filepath.ToSlash(dir)
	want := filepath.Base(dir)
	f.Main = "./" + filepath.ToSlash(filepath.Join(dir, "cmd"))
	if dir == "." {
		want = AllInOne
		f.Main = "./cmd/" + AllInOne
	}
	if f.Name != want {
		return nil, fmt.Errorf("%s: name %q must be %q (the directory's name)", filepath.ToSlash(filepath.Join(dir, "func.yaml")), f.Name, want)
	}
	return f, nil
}

// Parse decodes and checks one func.yaml document.
func Parse(b []byte) (*Function, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f Function
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return &f, nil
}

func (f *Function) check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if f.SpecVersion != SpecVersion {
		bad("specVersion %q, want %q", f.SpecVersion, SpecVersion)
	}
	if msgs := validation.IsDNS1123Label(f.Name); len(msgs) > 0 {
		bad("name %q: %v", f.Name, msgs)
	}
	if f.Runtime != "go" {
		bad("runtime %q, want go", f.Runtime)
	}
	if f.Created.IsZero() {
		bad("created is required")
	}
	d := f.Deploy
	if d.Namespace == "" {
		bad("deploy.namespace is required")
	}
	if d.HealthEndpoints.Liveness == "" || d.HealthEndpoints.Readiness == "" {
		bad("deploy.healthEndpoints.liveness and .readiness are required")
	}
	if len(d.Subscriptions) > 0 {
		bad("deploy.subscriptions: EKO's Triggers come from the routing table in events/, not from func.yaml")
	}
	if len(d.Volumes) > 0 || len(f.Run.Volumes) > 0 {
		bad("volumes are not supported by the manifests generator")
	}
	s := d.Options.Scale
	if s.Min == nil || s.Max == nil {
		bad("deploy.options.scale.min and .max are required")
	} else if *s.Min < 0 || *s.Max < 1 || *s.Min > *s.Max {
		bad("deploy.options.scale: need 0 <= min <= max and max >= 1, got min %d max %d", *s.Min, *s.Max)
	}
	switch s.Metric {
	case "", "concurrency", "rps":
	default:
		bad("deploy.options.scale.metric %q: want concurrency or rps", s.Metric)
	}
	if s.Target != nil && *s.Target <= 0 {
		bad("deploy.options.scale.target must be positive")
	}
	if s.Utilization != nil && (*s.Utilization < 1 || *s.Utilization > 100) {
		bad("deploy.options.scale.utilization must be within 1..100")
	}
	r := d.Options.Resources
	for _, q := range []struct{ name, req, lim string }{
		{"cpu", r.Requests.CPU, r.Limits.CPU},
		{"memory", r.Requests.Memory, r.Limits.Memory},
	} {
		if q.req == "" || q.lim == "" {
			bad("deploy.options.resources: requests.%s and limits.%s are required", q.name, q.name)
			continue
		}
		req, err1 := resource.ParseQuantity(q.req)
		lim, err2 := resource.ParseQuantity(q.lim)
		if err := errors.Join(err1, err2); err != nil {
			bad("deploy.options.resources %s: %v", q.name, err)
			continue
		}
		if req.Cmp(lim) > 0 {
			bad("deploy.options.resources: requests.%s %s exceeds limits.%s %s", q.name, q.req, q.name, q.lim)
		}
	}
	if c := r.Limits.Concurrency; c != nil && *c < 0 {
		bad("deploy.options.resources.limits.concurrency must be >= 0")
	}
	seen := map[string]bool{}
	for _, e := range d.Envs {
		if _, err := e.Source(); err != nil {
			bad("deploy.envs: %v", err)
		}
		if e.Name == "" {
			continue
		}
		if msgs := validation.IsEnvVarName(e.Name); len(msgs) > 0 {
			bad("deploy.envs: %q: %v", e.Name, msgs)
		}
		if seen[e.Name] {
			bad("deploy.envs: %s listed twice", e.Name)
		}
		seen[e.Name] = true
	}
	for _, l := range d.Labels {
		if msgs := validation.IsQualifiedName(l.Key); len(msgs) > 0 {
			bad("deploy.labels: %q: %v", l.Key, msgs)
		}
		if msgs := validation.IsValidLabelValue(l.Value); len(msgs) > 0 {
			bad("deploy.labels: %q value %q: %v", l.Key, l.Value, msgs)
		}
	}
	return errors.Join(errs...)
}

// Set is every func.yaml of the repository.
type Set struct {
	AllInOne  *Function
	Functions []*Function // functions/<name>/func.yaml, sorted by name
}

// LoadAll reads the root func.yaml and every functions/*/func.yaml under root. A
// function directory without a func.yaml is an error: every function is deployable.
func LoadAll(root string) (*Set, error) {
	var errs []error
	set := &Set{}
	aio, err := Load(root, ".")
	if err != nil {
		errs = append(errs, err)
	}
	set.AllInOne = aio
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		f, err := Load(root, filepath.Join("functions", e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "functions", e.Name(), "cmd")); err != nil {
			errs = append(errs, fmt.Errorf("functions/%s: no cmd/ program to build its image from", e.Name()))
		}
		set.Functions = append(set.Functions, f)
	}
	sort.Slice(set.Functions, func(i, j int) bool { return set.Functions[i].Name < set.Functions[j].Name })
	ns := ""
	for _, f := range set.All() {
		if ns == "" {
			ns = f.Deploy.Namespace
		} else if f.Deploy.Namespace != ns {
			errs = append(errs, fmt.Errorf("%s/func.yaml: deploy.namespace %q differs from %q: EKO deploys into one namespace", f.Dir, f.Deploy.Namespace, ns))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return set, nil
}

// All returns the all-in-one followed by the functions.
func (s *Set) All() []*Function {
	var out []*Function
	if s.AllInOne != nil {
		out = append(out, s.AllInOne)
	}
	return append(out, s.Functions...)
}

// Function returns the function called name, or nil.
func (s *Set) Function(name string) *Function {
	for _, f := range s.All() {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Namespace is the namespace every function deploys into.
func (s *Set) Namespace() string { return s.All()[0].Deploy.Namespace }

// Annotations are the autoscaling annotations of the revision template the
// func CLI would set for f.
func (f *Function) Annotations() map[string]string {
	a := map[string]string{}
	s := f.Deploy.Options.Scale
	if s.Min != nil {
		a["autoscaling.knative.dev/min-scale"] = strconv.FormatInt(*s.Min, 10)
	}
	if s.Max != nil {
		a["autoscaling.knative.dev/max-scale"] = strconv.FormatInt(*s.Max, 10)
	}
	if s.Metric != "" {
		a["autoscaling.knative.dev/metric"] = s.Metric
	}
	if s.Target != nil {
		a["autoscaling.knative.dev/target"] = strconv.FormatFloat(*s.Target, 'f', -1, 64)
	}
	if s.Utilization != nil {
		a["autoscaling.knative.dev/target-utilization-percentage"] = strconv.FormatFloat(*s.Utilization, 'f', -1, 64)
	}
	return a
}

// ContainerConcurrency is limits.concurrency, 0 (unlimited) when unset.
func (f *Function) ContainerConcurrency() int64 {
	if c := f.Deploy.Options.Resources.Limits.Concurrency; c != nil {
		return *c
	}
	return 0
}
