package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"
	sourcesv1 "knative.dev/eventing/pkg/apis/sources/v1"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// kinds maps apiVersion/kind to the Go type an object must decode into. A kind
// missing here is an error: every object the manifests produce is checked.
var kinds = map[string]func() any{
	"v1/Namespace":                          func() any { return &corev1.Namespace{} },
	"v1/Service":                            func() any { return &corev1.Service{} },
	"v1/ConfigMap":                          func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                             func() any { return &corev1.Secret{} },
	"v1/ServiceAccount":                     func() any { return &corev1.ServiceAccount{} },
	"apps/v1/StatefulSet":                   func() any { return &appsv1.StatefulSet{} },
	"apps/v1/Deployment":                    func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                          func() any { return &batchv1.Job{} },
	"networking.k8s.io/v1/NetworkPolicy":    func() any { return &networkingv1.NetworkPolicy{} },
	"networking.k8s.io/v1/Ingress":          func() any { return &networkingv1.Ingress{} },
	"policy/v1/PodDisruptionBudget":         func() any { return &policyv1.PodDisruptionBudget{} },
	"serving.knative.dev/v1/Service":        func() any { return &servingv1.Service{} },
	"eventing.knative.dev/v1/Broker":        func() any { return &eventingv1.Broker{} },
	"eventing.knative.dev/v1/Trigger":       func() any { return &eventingv1.Trigger{} },
	"sources.knative.dev/v1/SinkBinding":    func() any { return &sourcesv1.SinkBinding{} },
	"postgresql.cnpg.io/v1/Cluster":         func() any { return &CNPGCluster{} },
	"postgresql.cnpg.io/v1/Pooler":          func() any { return &CNPGPooler{} },
	"postgresql.cnpg.io/v1/ScheduledBackup": func() any { return &CNPGScheduledBackup{} },
}

// decodeStrict decodes YAML or JSON into v the way the API server does with
// strict field validation: unknown and duplicate fields are errors, field names
// are case-sensitive.
func decodeStrict(b []byte, v any) error {
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(j, v, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	if len(strict) > 0 {
		return fmt.Errorf("strict decoding: %w", errors.Join(strict...))
	}
	return nil
}

// Decode decodes d strictly into its Go type.
func Decode(d Doc) (any, error) {
	mk, ok := kinds[d.APIVersion+"/"+d.Kind]
	if !ok {
		return nil, fmt.Errorf("%s: no validator for %s %s: add its Go type to manifest.kinds", d.ID(), d.APIVersion, d.Kind)
	}
	b, err := d.JSON()
	if err != nil {
		return nil, err
	}
	obj := mk()
	if err := decodeStrict(b, obj); err != nil {
		return nil, fmt.Errorf("%s: %w", d.ID(), err)
	}
	return obj, nil
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
