// Package manifest renders EKO's kustomizations in-process (krusty, the library
// inside kustomize and kubectl) and validates every object they produce:
// strict decoding into the real Kubernetes, Knative Serving and Knative Eventing
// API types (an unknown field is an error), Knative's own Validate, the
// required fields of the CloudNativePG kinds, and the cross-references that
// hold the system together (func.yaml ↔ Services, events/ routes ↔ Triggers,
// secrets, the pooler, NetworkPolicies).
package manifest

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// Doc is one rendered object.
type Doc struct {
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	Obj        map[string]any // the object as kustomize rendered it; tests mutate it
}

// ID is kind/name, for messages.
func (d Doc) ID() string { return d.Kind + "/" + d.Name }

// JSON is the object as JSON.
func (d Doc) JSON() ([]byte, error) { return yaml.Marshal(d.Obj) }

// Clone deep-copies the docs, so a test can mutate one rendering many times.
func Clone(docs []Doc) []Doc {
	out := make([]Doc, len(docs))
	for i, d := range docs {
		out[i] = d
		out[i].Obj = deepCopy(d.Obj).(map[string]any)
	}
	return out
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopy(x)
		}
		return s
	default:
		return v
	}
}

func run(dir string) (interface {
	AsYaml() ([]byte, error)
}, []Doc, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, nil, fmt.Errorf("kustomize %s: %w", dir, err)
	}
	var docs []Doc
	for _, r := range m.Resources() {
		obj, err := r.Map()
		if err != nil {
			return nil, nil, fmt.Errorf("kustomize %s: %s: %w", dir, r.CurId(), err)
		}
		docs = append(docs, Doc{
			APIVersion: r.GetApiVersion(),
			Kind:       r.GetKind(),
			Name:       r.GetName(),
			Namespace:  r.GetNamespace(),
			Obj:        obj,
		})
	}
	return m, docs, nil
}

// Render builds the kustomization in dir and returns its objects.
func Render(dir string) ([]Doc, error) {
	_, docs, err := run(dir)
	return docs, err
}

// Build builds the kustomization in dir and returns it as one YAML stream, as
// `kubectl kustomize` would print it.
func Build(dir string) ([]byte, error) {
	m, _, err := run(dir)
	if err != nil {
		return nil, err
	}
	return m.AsYaml()
}

// Select returns the docs whose metadata.labels match the label selector (all
// docs for an empty selector), as `kubectl apply -l` would.
func Select(docs []Doc, selector string) ([]Doc, error) {
	if selector == "" {
		return docs, nil
	}
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, err
	}
	var out []Doc
	for _, d := range docs {
		md, _ := d.Obj["metadata"].(map[string]any)
		ls, _ := md["labels"].(map[string]any)
		set := labels.Set{}
		for k, v := range ls {
			set[k] = fmt.Sprint(v)
		}
		if sel.Matches(set) {
			out = append(out, d)
		}
	}
	return out, nil
}

// YAML prints docs as one YAML stream.
func YAML(docs []Doc) ([]byte, error) {
	var out []byte
	for i, d := range docs {
		b, err := yaml.Marshal(d.Obj)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, "---\n"...)
		}
		out = append(out, b...)
	}
	return out, nil
}

// Find returns the docs of a kind (and name, when not empty), sorted by name.
func Find(docs []Doc, kind, name string) []Doc {
	var out []Doc
	for _, d := range docs {
		if d.Kind == kind && (name == "" || d.Name == name) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
