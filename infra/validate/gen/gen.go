// Package gen makes the generated Kubernetes manifests of EKO from their single
// sources of truth:
//
//   - infra/k8s/base/services.yaml: one Knative Service per functions/<name>/func.yaml
//     (image, scale, concurrency, resources, health probes, environment);
//   - infra/k8s/allinone/service.yaml: the all-in-one "eko" Service from the root func.yaml;
//   - infra/k8s/base/triggers.yaml: one Trigger per row of the routing table in events/.
//
// `make manifests` writes them; TestGeneratedFilesAreCurrent fails when a
// committed file differs from what the sources generate, so none is ever edited
// or copied by hand.
package gen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/infra/validate/funcyaml"
)

// Names shared by the generator, the hand-written manifests and the checks.
const (
	BrokerName     = "eko"
	ImagePrefix    = "eko/" // images are eko/<function>; overlays pin them by digest
	ContainerPort  = 8080
	ListenAddress  = "[::]:8080"
	RegistryName   = "registry"
	RelayName      = "outbox-relay"
	PartOf         = "eko"
	ComponentLabel = "app.kubernetes.io/component"
	NameLabel      = "app.kubernetes.io/name"
	PartOfLabel    = "app.kubernetes.io/part-of"
	Visibility     = "networking.knative.dev/visibility"
	ClusterLocal   = "cluster-local"
	TypeAnnotation = "eko.kuzbass.ru/event-type"
	ConsumerLabel  = "eko.kuzbass.ru/consumer"
	// ScaleOverride on a function's Service marks an overlay that deliberately
	// raises min/max scale above func.yaml (the campaign overlay); the checks then
	// accept higher, never lower, values.
	ScaleOverride = "eko.kuzbass.ru/scale-override"

	ServicesFile = "infra/k8s/base/services.yaml"
	TriggersFile = "infra/k8s/base/triggers.yaml"
	AllInOneFile = "infra/k8s/allinone/service.yaml"
)

// Public lists the functions reachable from outside the cluster; every other
// function's Service is cluster-local. The EPGU endpoint of submit-application is
// exposed path by path (infra/k8s/components/epgu-ingress), not by visibility.
var Public = map[string]bool{"portal": true, funcyaml.AllInOne: true}

// Image is the placeholder image name of a function in the manifests.
func Image(function string) string { return ImagePrefix + function }

// RegistryURL is where a function deployed apart from the registry asks for grants.
func RegistryURL(namespace string) string {
	return "http://" + RegistryName + "." + namespace + ".svc.cluster.local"
}

// File is one generated file.
type File struct {
	Path    string // relative to the repository root
	Content []byte
}

// Files generates every generated manifest from the func.yaml set and the routes.
func Files(set *funcyaml.Set, routes []events.Route) ([]File, error) {
	svcs, err := Services(set)
	if err != nil {
		return nil, err
	}
	aio, err := AllInOneService(set)
	if err != nil {
		return nil, err
	}
	trg, err := Triggers(set, routes)
	if err != nil {
		return nil, err
	}
	return []File{{ServicesFile, svcs}, {AllInOneFile, aio}, {TriggersFile, trg}}, nil
}

// Write writes the files under root.
func Write(root string, files []File) error {
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Stale lists the files under root that differ from what is generated.
func Stale(root string, files []File) []string {
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if err != nil || !bytes.Equal(b, f.Content) {
			out = append(out, f.Path)
		}
	}
	return out
}

// ---- Knative Services ----

type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   meta   `yaml:"metadata"`
	Spec       any    `yaml:"spec"`
}

type meta struct {
	Name        string            `yaml:"name,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

type serviceSpec struct {
	Template template `yaml:"template"`
}

type template struct {
	Metadata meta    `yaml:"metadata"`
	Spec     podSpec `yaml:"spec"`
}

type podSpec struct {
	ContainerConcurrency int64       `yaml:"containerConcurrency"`
	EnableServiceLinks   bool        `yaml:"enableServiceLinks"`
	ServiceAccountName   string      `yaml:"serviceAccountName,omitempty"`
	Containers           []container `yaml:"containers"`
}

type container struct {
	Name            string          `yaml:"name"`
	Image           string          `yaml:"image"`
	Ports           []port          `yaml:"ports"`
	Env             []envVar        `yaml:"env,omitempty"`
	EnvFrom         []envFrom       `yaml:"envFrom,omitempty"`
	Resources       resources       `yaml:"resources"`
	ReadinessProbe  probe           `yaml:"readinessProbe"`
	LivenessProbe   probe           `yaml:"livenessProbe"`
	SecurityContext securityContext `yaml:"securityContext"`
}

type port struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
}

type envVar struct {
	Name      string     `yaml:"name"`
	Value     *string    `yaml:"value,omitempty"`
	ValueFrom *valueFrom `yaml:"valueFrom,omitempty"`
}

type valueFrom struct {
	SecretKeyRef    *keyRef `yaml:"secretKeyRef,omitempty"`
	ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef,omitempty"`
}

type keyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type envFrom struct {
	SecretRef    *nameRef `yaml:"secretRef,omitempty"`
	ConfigMapRef *nameRef `yaml:"configMapRef,omitempty"`
}

type nameRef struct {
	Name string `yaml:"name"`
}

type resources struct {
	Requests map[string]string `yaml:"requests"`
	Limits   map[string]string `yaml:"limits"`
}

type probe struct {
	HTTPGet          httpGet `yaml:"httpGet"`
	PeriodSeconds    int     `yaml:"periodSeconds,omitempty"`
	FailureThreshold int     `yaml:"failureThreshold,omitempty"`
}

type httpGet struct {
	Path string `yaml:"path"`
}

type securityContext struct {
	RunAsNonRoot             bool           `yaml:"runAsNonRoot"`
	RunAsUser                int64          `yaml:"runAsUser"`
	RunAsGroup               int64          `yaml:"runAsGroup"`
	AllowPrivilegeEscalation bool           `yaml:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   bool           `yaml:"readOnlyRootFilesystem"`
	Capabilities             map[string]any `yaml:"capabilities"`
	SeccompProfile           map[string]any `yaml:"seccompProfile"`
}

// NonRoot is the user every EKO image runs as (distroless' "nonroot").
const NonRoot = 65532

// Services renders base/services.yaml: one Service per function.
func Services(set *funcyaml.Set) ([]byte, error) {
	var objs []object
	for _, f := range set.Functions {
		extra := []envVar{literal("LISTEN_ADDRESS", ListenAddress)}
		if f.Name != RegistryName {
			extra = append(extra, literal("REGISTRY_URL", RegistryURL(f.Deploy.Namespace)))
		}
		svc, err := service(f, DeployEnvs(set, f), extra)
		if err != nil {
			return nil, err
		}
		objs = append(objs, svc)
	}
	return render("one Knative Service per functions/<name>/func.yaml", objs)
}

// AllInOneService renders allinone/service.yaml.
func AllInOneService(set *funcyaml.Set) ([]byte, error) {
	f := set.AllInOne
	svc, err := service(f, DeployEnvs(set, f), []envVar{literal("LISTEN_ADDRESS", ListenAddress)})
	if err != nil {
		return nil, err
	}
	return render("the all-in-one Knative Service from the root func.yaml (plus every function's deploy envs)", []object{svc})
}

// standaloneOnly reports whether the variable name wires a function deployed
// on its own to the others — another function's URL (<NAME>_URL, as
// shared/function.URLVariable names it), the Broker (K_SINK), the listener —
// which the all-in-one process does in-process.
func standaloneOnly(set *funcyaml.Set, name string) bool {
	if name == "K_SINK" || name == "LISTEN_ADDRESS" {
		return true
	}
	for _, fn := range set.Functions {
		if name == strings.ToUpper(strings.ReplaceAll(fn.Name, "-", "_"))+"_URL" {
			return true
		}
	}
	return false
}

// DeployEnvs are the variables func.yaml gives f's Service. The all-in-one
// process runs every function, so it gets every function's deploy envs too
// (except the standalone wiring: other functions' URLs, K_SINK); the root func.yaml wins
// where both name a variable.
func DeployEnvs(set *funcyaml.Set, f *funcyaml.Function) []funcyaml.Env {
	envs := append([]funcyaml.Env(nil), f.Deploy.Envs...)
	if f.Name != funcyaml.AllInOne {
		return envs
	}
	have := map[string]bool{}
	for _, e := range envs {
		have[envKey(e)] = true
	}
	for _, fn := range set.Functions {
		for _, e := range fn.Deploy.Envs {
			if !have[envKey(e)] && !standaloneOnly(set, e.Name) {
				have[envKey(e)] = true
				envs = append(envs, e)
			}
		}
	}
	return envs
}

func envKey(e funcyaml.Env) string {
	if e.Name != "" {
		return e.Name
	}
	v := ""
	if e.Value != nil {
		v = *e.Value
	}
	return "from:" + v
}

func literal(name, value string) envVar { return envVar{Name: name, Value: &value} }

func service(f *funcyaml.Function, envs []funcyaml.Env, extra []envVar) (object, error) {
	d := f.Deploy
	labels := map[string]string{
		NameLabel:                      f.Name,
		PartOfLabel:                    PartOf,
		ComponentLabel:                 "function",
		"function.knative.dev/name":    f.Name,
		"function.knative.dev/runtime": f.Runtime,
	}
	for _, l := range d.Labels {
		labels[l.Key] = l.Value
	}
	if !Public[f.Name] {
		labels[Visibility] = ClusterLocal
	}
	podLabels := map[string]string{NameLabel: f.Name, PartOfLabel: PartOf, ComponentLabel: "function"}
	annotations := f.Annotations()
	for k, v := range d.Annotations {
		annotations[k] = v
	}
	c := container{
		Name:  "function",
		Image: Image(f.Name),
		Ports: []port{{Name: "http1", ContainerPort: ContainerPort}},
		Resources: resources{
			Requests: map[string]string{"cpu": d.Options.Resources.Requests.CPU, "memory": d.Options.Resources.Requests.Memory},
			Limits:   map[string]string{"cpu": d.Options.Resources.Limits.CPU, "memory": d.Options.Resources.Limits.Memory},
		},
		ReadinessProbe: probe{HTTPGet: httpGet{Path: d.HealthEndpoints.Readiness}},
		LivenessProbe:  probe{HTTPGet: httpGet{Path: d.HealthEndpoints.Liveness}, PeriodSeconds: 10, FailureThreshold: 3},
		SecurityContext: securityContext{
			RunAsNonRoot: true, RunAsUser: NonRoot, RunAsGroup: NonRoot,
			ReadOnlyRootFilesystem: true,
			Capabilities:           map[string]any{"drop": []string{"ALL"}},
			SeccompProfile:         map[string]any{"type": "RuntimeDefault"},
		},
	}
	names := map[string]bool{}
	for _, e := range envs {
		src, err := e.Source()
		if err != nil {
			return object{}, fmt.Errorf("%s/func.yaml: %w", f.Dir, err)
		}
		names[e.Name] = true
		switch src.Kind {
		case funcyaml.Literal:
			c.Env = append(c.Env, literal(e.Name, src.Value))
		case funcyaml.SecretKey:
			c.Env = append(c.Env, envVar{Name: e.Name, ValueFrom: &valueFrom{SecretKeyRef: &keyRef{src.Name, src.Key}}})
		case funcyaml.ConfigMapKey:
			c.Env = append(c.Env, envVar{Name: e.Name, ValueFrom: &valueFrom{ConfigMapKeyRef: &keyRef{src.Name, src.Key}}})
		case funcyaml.WholeSecret:
			c.EnvFrom = append(c.EnvFrom, envFrom{SecretRef: &nameRef{src.Name}})
		case funcyaml.WholeConfigMp:
			c.EnvFrom = append(c.EnvFrom, envFrom{ConfigMapRef: &nameRef{src.Name}})
		}
	}
	for _, e := range extra {
		if !names[e.Name] {
			c.Env = append(c.Env, e)
		}
	}
	return object{
		APIVersion: "serving.knative.dev/v1",
		Kind:       "Service",
		Metadata:   meta{Name: f.Name, Labels: labels, Annotations: nilIfEmpty(d.Annotations)},
		Spec: serviceSpec{Template: template{
			Metadata: meta{Labels: podLabels, Annotations: annotations},
			Spec: podSpec{
				ContainerConcurrency: f.ContainerConcurrency(),
				ServiceAccountName:   d.ServiceAccountName,
				Containers:           []container{c},
			},
		}},
	}, nil
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// ---- Triggers ----

type triggerSpec struct {
	Broker     string      `yaml:"broker"`
	Filter     filter      `yaml:"filter"`
	Subscriber destination `yaml:"subscriber"`
}

type filter struct {
	Attributes map[string]string `yaml:"attributes"`
}

type destination struct {
	Ref      ref    `yaml:"ref"`
	URI      string `yaml:"uri"`
	Audience string `yaml:"audience"`
}

// EventsAudiencePrefix starts the audience of the tokens the Broker sends a
// function with each delivery (Knative Eventing's sender identity): the
// Trigger names it, the function's EVENTS_OIDC_AUDIENCE requires it.
const EventsAudiencePrefix = "eko.kuzbass.ru/events/"

// EventsAudience is the delivery-token audience of function fn.
func EventsAudience(fn string) string { return EventsAudiencePrefix + fn }

type ref struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
}

// Triggers renders base/triggers.yaml: one Trigger per route, filtering on the
// event type and delivering to the consumer's Knative Service at the route's
// path. Every consumer must be a function with a func.yaml.
func Triggers(set *funcyaml.Set, routes []events.Route) ([]byte, error) {
	rs := append([]events.Route(nil), routes...)
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Consumer != b.Consumer {
			return a.Consumer < b.Consumer
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Path < b.Path
	})
	var objs []object
	names := map[string]events.Route{}
	for _, r := range rs {
		if set.Function(r.Consumer) == nil || r.Consumer == funcyaml.AllInOne {
			return nil, fmt.Errorf("route %s → %s: no functions/%s/func.yaml, so no Knative Service to deliver to", r.Type, r.Consumer, r.Consumer)
		}
		name := TriggerName(r)
		if prev, dup := names[name]; dup {
			return nil, fmt.Errorf("routes %v and %v both make Trigger %s", prev, r, name)
		}
		names[name] = r
		objs = append(objs, object{
			APIVersion: "eventing.knative.dev/v1",
			Kind:       "Trigger",
			Metadata: meta{
				Name: name,
				Labels: map[string]string{
					PartOfLabel:    PartOf,
					ComponentLabel: "trigger",
					ConsumerLabel:  r.Consumer,
				},
				Annotations: map[string]string{TypeAnnotation: r.Type},
			},
			Spec: triggerSpec{
				Broker:     BrokerName,
				Filter:     filter{Attributes: map[string]string{"type": r.Type}},
				Subscriber: destination{Ref: ref{"serving.knative.dev/v1", "Service", r.Consumer}, URI: r.Path, Audience: EventsAudience(r.Consumer)},
			},
		})
	}
	return render("one Trigger per route of the routing table in events/events.go", objs)
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// TriggerName is <consumer>-<entity>-<action>-v<N> (the type without its
// ru.kuzbass.eko. prefix), plus the path when the route does not use the
// consumer's default /api/<consumer>/events. Names longer than 63 characters are
// cut and suffixed with a hash of the route, so any table yields distinct, valid
// names.
func TriggerName(r events.Route) string {
	t := strings.TrimPrefix(r.Type, "ru.kuzbass.eko.")
	t = strings.TrimPrefix(t, "ru.")
	name := r.Consumer + "-" + t
	if r.Path != "/api/"+r.Consumer+"/events" {
		name += "-" + strings.TrimPrefix(r.Path, "/api/"+r.Consumer+"/")
	}
	name = strings.Trim(nonName.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(name) > 63 {
		sum := sha256.Sum256([]byte(r.Type + "\x00" + r.Consumer + "\x00" + r.Path))
		name = strings.TrimRight(name[:63-9], "-") + "-" + hex.EncodeToString(sum[:])[:8]
	}
	return name
}

// ---- output ----

func render(what string, objs []object) ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Code generated by `make manifests` (infra/validate/cmd/ekomanifests generate): %s.\n", what)
	buf.WriteString("# DO NOT EDIT: change the source and run `make manifests`; the validation tests fail when this file is stale.\n")
	if len(objs) == 0 {
		buf.WriteString("# (nothing to generate yet)\n")
		// An empty List keeps the file a valid kustomize resource.
		buf.WriteString("apiVersion: v1\nkind: List\nitems: []\n")
		return buf.Bytes(), nil
	}
	for _, o := range objs {
		buf.WriteString("---\n")
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(o); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
