package manifest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"
	"knative.dev/eventing/pkg/apis/feature"
	sourcesv1 "knative.dev/eventing/pkg/apis/sources/v1"
	"knative.dev/pkg/apis"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/infra/validate/funcyaml"
	"github.com/kuzbass/eko/infra/validate/gen"
	"github.com/kuzbass/eko/infra/validate/repo"
)

// Validator checks rendered overlays against the repository's sources of truth.
type Validator struct {
	Funcs   *funcyaml.Set
	Routes  []events.Route
	Secrets []SecretTemplate
}

// NewValidator loads the func.yaml files, the routing table and the secret
// templates of the repository at root.
func NewValidator(root string) (*Validator, error) {
	set, err := funcyaml.LoadAll(root)
	if err != nil {
		return nil, err
	}
	secrets, err := LoadSecretTemplates(root)
	if err != nil {
		return nil, err
	}
	return &Validator{Funcs: set, Routes: events.Default().Routes(""), Secrets: secrets}, nil
}

// DefaultValidator is NewValidator at the repository root found from the working directory.
func DefaultValidator() (*Validator, error) {
	root, err := repo.Root()
	if err != nil {
		return nil, err
	}
	return NewValidator(root)
}

// checker holds one run of Check.
type checker struct {
	v    *Validator
	errs []error

	ksvcs     map[string]*servingv1.Service
	brokers   map[string]*eventingv1.Broker
	triggers  map[string]*eventingv1.Trigger
	bindings  map[string]*sourcesv1.SinkBinding
	services  map[string]*corev1.Service
	jobs      map[string]*batchv1.Job
	sets      map[string]*appsv1.StatefulSet
	deploys   map[string]*appsv1.Deployment
	policies  map[string]*networkingv1.NetworkPolicy
	ingresses map[string]*networkingv1.Ingress
	clusters  map[string]*CNPGCluster
	poolers   map[string]*CNPGPooler
	schedules map[string]*CNPGScheduledBackup
	cms       map[string]*corev1.ConfigMap
	cmRefs    []cmRef
}

func (c *checker) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

// Check validates the objects of one rendered kustomization (label names it in
// errors). It returns every problem found, joined.
func (v *Validator) Check(label string, docs []Doc) error {
	c := &checker{
		v:         v,
		ksvcs:     map[string]*servingv1.Service{},
		brokers:   map[string]*eventingv1.Broker{},
		triggers:  map[string]*eventingv1.Trigger{},
		bindings:  map[string]*sourcesv1.SinkBinding{},
		services:  map[string]*corev1.Service{},
		jobs:      map[string]*batchv1.Job{},
		sets:      map[string]*appsv1.StatefulSet{},
		deploys:   map[string]*appsv1.Deployment{},
		policies:  map[string]*networkingv1.NetworkPolicy{},
		ingresses: map[string]*networkingv1.Ingress{},
		clusters:  map[string]*CNPGCluster{},
		poolers:   map[string]*CNPGPooler{},
		schedules: map[string]*CNPGScheduledBackup{},
		cms:       map[string]*corev1.ConfigMap{},
	}
	if len(docs) == 0 {
		return fmt.Errorf("%s: renders no objects", label)
	}
	for _, d := range docs {
		c.object(d)
	}
	c.configMapRefs()
	c.functions()
	c.eventing()
	c.database()
	c.storage()
	c.networkPolicies()
	c.ingress()
	seen := map[string]bool{}
	var errs []error
	for _, e := range c.errs {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

// cmRef is an env value taken from a ConfigMap's key.
type cmRef struct{ id, name, key string }

// configMapRefs: every env value taken from a ConfigMap names one the
// manifests create, and a key it has (unlike secrets, ConfigMaps are applied
// with the manifests).
func (c *checker) configMapRefs() {
	for _, r := range c.cmRefs {
		cm, ok := c.cms[r.name]
		switch {
		case !ok:
			c.fail("%s: ConfigMap %s is not in the manifests", r.id, r.name)
		case cm.Data[r.key] == "":
			c.fail("%s: ConfigMap %s has no key %s", r.id, r.name, r.key)
		}
	}
}

// ---- one object ----

func (c *checker) object(d Doc) {
	obj, err := Decode(d)
	if err != nil {
		c.errs = append(c.errs, err)
		return
	}
	c.metadata(d, obj)
	if kv, ok := obj.(interface {
		runtime.Object
		apis.Validatable
		apis.Defaultable
	}); ok {
		// What Knative's admission webhooks do: default a copy, then validate it,
		// with the default configuration of a fresh installation (feature flags
		// included, e.g. delivery-timeout is enabled by default).
		ctx := knativeContext()
		cp := kv.DeepCopyObject().(interface {
			apis.Validatable
			apis.Defaultable
		})
		cp.SetDefaults(ctx)
		if fe := cp.Validate(ctx); fe != nil {
			c.fail("%s: Knative validation: %v", d.ID(), fe)
		}
	}
	switch o := obj.(type) {
	case *servingv1.Service:
		c.ksvcs[o.Name] = o
		c.podSpec(d.ID(), o.Spec.Template.Spec.PodSpec)
	case *eventingv1.Broker:
		c.brokers[o.Name] = o
	case *eventingv1.Trigger:
		c.triggers[o.Name] = o
	case *sourcesv1.SinkBinding:
		c.bindings[o.Name] = o
	case *corev1.Service:
		c.services[o.Name] = o
		if errs := validation.IsDNS1123Label(o.Name); len(errs) > 0 {
			c.fail("%s: name: %v", d.ID(), errs)
		}
		if o.Spec.Type != corev1.ServiceTypeExternalName && len(o.Spec.Selector) == 0 {
			c.fail("%s: no selector", d.ID())
		}
		if len(o.Spec.Ports) == 0 {
			c.fail("%s: no ports", d.ID())
		}
	case *corev1.ConfigMap:
		c.cms[o.Name] = o
	case *corev1.Secret:
		c.fail("%s: secrets must not be part of the manifests (create them from infra/k8s/secrets templates)", d.ID())
	case *batchv1.Job:
		c.jobs[o.Name] = o
		c.podTemplate(d.ID(), nil, o.Spec.Template)
		if p := o.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever && p != corev1.RestartPolicyOnFailure {
			c.fail("%s: restartPolicy must be Never or OnFailure, got %q", d.ID(), p)
		}
	case *appsv1.StatefulSet:
		c.sets[o.Name] = o
		var claims []string
		for _, pvc := range o.Spec.VolumeClaimTemplates {
			claims = append(claims, pvc.Name)
		}
		c.podTemplate(d.ID(), o.Spec.Selector, o.Spec.Template, claims...)
	case *appsv1.Deployment:
		c.deploys[o.Name] = o
		c.podTemplate(d.ID(), o.Spec.Selector, o.Spec.Template)
	case *networkingv1.NetworkPolicy:
		c.policies[o.Name] = o
		if _, err := metav1.LabelSelectorAsSelector(&o.Spec.PodSelector); err != nil {
			c.fail("%s: podSelector: %v", d.ID(), err)
		}
		if len(o.Spec.PolicyTypes) == 0 {
			c.fail("%s: policyTypes must be explicit", d.ID())
		}
	case *networkingv1.Ingress:
		c.ingresses[o.Name] = o
	case *CNPGCluster:
		c.clusters[o.Name] = o
		c.cnpgCluster(d.ID(), o)
	case *CNPGPooler:
		c.poolers[o.Name] = o
	case *CNPGScheduledBackup:
		c.schedules[o.Name] = o
	}
}

func knativeContext() context.Context {
	flags, err := feature.NewFlagsConfigFromMap(nil)
	if err != nil {
		panic(err) // the defaults always parse
	}
	return apis.WithinCreate(feature.ToContext(context.Background(), flags))
}

func (c *checker) metadata(d Doc, obj any) {
	m, err := meta.Accessor(obj)
	if err != nil {
		c.fail("%s: %v", d.ID(), err)
		return
	}
	namespaced := d.Kind != "Namespace"
	nameFn := apivalidation.NameIsDNSSubdomain
	for _, e := range apivalidation.ValidateObjectMetaAccessor(m, namespaced, nameFn, field.NewPath("metadata")) {
		c.fail("%s: %v", d.ID(), e)
	}
	if want := c.v.Funcs.Namespace(); namespaced && m.GetNamespace() != want {
		c.fail("%s: namespace %q, want %q (func.yaml deploy.namespace)", d.ID(), m.GetNamespace(), want)
	}
}

func (c *checker) podTemplate(id string, sel *metav1.LabelSelector, t corev1.PodTemplateSpec, claims ...string) {
	for _, e := range metavalidation.ValidateLabels(t.Labels, field.NewPath("spec", "template", "metadata", "labels")) {
		c.fail("%s: %v", id, e)
	}
	if sel != nil {
		s, err := metav1.LabelSelectorAsSelector(sel)
		switch {
		case err != nil:
			c.fail("%s: selector: %v", id, err)
		case s.Empty():
			c.fail("%s: empty selector", id)
		case !s.Matches(labels.Set(t.Labels)):
			c.fail("%s: selector %s does not match the pod template's labels %v", id, s, t.Labels)
		}
	}
	c.podSpec(id, t.Spec, claims...)
}

// podSpec checks what the API server would refuse or a pod would fail on:
// containers with names and parseable images, valid env names, secret
// references the secret templates define, requests within limits.
func (c *checker) podSpec(id string, p corev1.PodSpec, claims ...string) {
	if len(p.Containers) == 0 {
		c.fail("%s: no containers", id)
	}
	vols := map[string]bool{}
	for _, cl := range claims {
		vols[cl] = true
	}
	for _, v := range p.Volumes {
		vols[v.Name] = true
		if v.Secret != nil {
			c.secretRef(id, v.Secret.SecretName, "")
		}
	}
	for _, ct := range append(append([]corev1.Container(nil), p.InitContainers...), p.Containers...) {
		cid := id + " container " + strconv.Quote(ct.Name)
		if ct.Name != "" {
			if errs := validation.IsDNS1123Label(ct.Name); len(errs) > 0 {
				c.fail("%s: name: %v", cid, errs)
			}
		}
		if ct.Image == "" {
			c.fail("%s: missing image", cid)
		} else if _, err := name.ParseReference(ct.Image); err != nil {
			c.fail("%s: image %q: %v", cid, ct.Image, err)
		}
		for _, e := range ct.Env {
			if errs := validation.IsEnvVarName(e.Name); len(errs) > 0 {
				c.fail("%s: env %q: %v", cid, e.Name, errs)
			}
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				c.secretRef(cid+" env "+e.Name, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
			}
			if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
				c.cmRefs = append(c.cmRefs, cmRef{cid + " env " + e.Name, e.ValueFrom.ConfigMapKeyRef.Name, e.ValueFrom.ConfigMapKeyRef.Key})
			}
		}
		for _, e := range ct.EnvFrom {
			if e.SecretRef != nil {
				c.secretRef(cid+" envFrom", e.SecretRef.Name, "")
			}
		}
		for _, m := range ct.VolumeMounts {
			if !vols[m.Name] {
				c.fail("%s: volumeMount %q has no volume", cid, m.Name)
			}
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, okR := ct.Resources.Requests[r]
			lim, okL := ct.Resources.Limits[r]
			if okR && okL && req.Cmp(lim) > 0 {
				c.fail("%s: %s request %s exceeds its limit %s", cid, r, req.String(), lim.String())
			}
		}
	}
}

func (c *checker) secretRef(id, secret, key string) {
	t := c.v.secret(secret)
	switch {
	case t == nil:
		c.fail("%s: secret %q is not among the templates in %s", id, secret, SecretsFile)
	case key != "" && !t.Has(key):
		c.fail("%s: secret %q has no key %q in %s", id, secret, key, SecretsFile)
	}
}

func (v *Validator) secret(name string) *SecretTemplate {
	for i := range v.Secrets {
		if v.Secrets[i].Name == name {
			return &v.Secrets[i]
		}
	}
	return nil
}

// ---- functions: Knative Services agree with func.yaml ----

func (c *checker) allInOne() bool { _, ok := c.ksvcs[funcyaml.AllInOne]; return ok }

func (c *checker) functions() {
	want := c.v.Funcs.Functions
	if c.allInOne() {
		want = []*funcyaml.Function{c.v.Funcs.AllInOne}
	}
	wantNames := map[string]bool{}
	for _, f := range want {
		wantNames[f.Name] = true
		svc, ok := c.ksvcs[f.Name]
		if !ok {
			c.fail("Service/%s: %s/func.yaml has no Knative Service (run `make manifests`)", f.Name, f.Dir)
			continue
		}
		for _, err := range Agree(c.v.Funcs, f, svc) {
			c.fail("Service/%s: %v", f.Name, err)
		}
	}
	for n := range c.ksvcs {
		if !wantNames[n] {
			c.fail("Service/%s: no func.yaml describes this Knative Service in this deployment mode", n)
		}
	}
}

// Agree lists where a function's Knative Service departs from its func.yaml.
func Agree(set *funcyaml.Set, f *funcyaml.Function, svc *servingv1.Service) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if svc.Labels[gen.NameLabel] != f.Name {
		bad("label %s=%q, want %q (make deploy FN selects on it)", gen.NameLabel, svc.Labels[gen.NameLabel], f.Name)
	}
	if gen.Public[f.Name] != (svc.Labels[gen.Visibility] != gen.ClusterLocal) {
		if gen.Public[f.Name] {
			bad("must be public (no %s label)", gen.Visibility)
		} else {
			bad("must be %s=%s: only the portal is public", gen.Visibility, gen.ClusterLocal)
		}
	}
	tmpl := svc.Spec.Template
	if tmpl.Labels[gen.ComponentLabel] != "function" {
		bad("pod template label %s=function is missing (NetworkPolicies select on it)", gen.ComponentLabel)
	}
	// Scale: equal to func.yaml; an overlay that marks the Service with
	// ScaleOverride may raise min/max, never lower them.
	override := svc.Annotations[gen.ScaleOverride] != ""
	for k, want := range f.Annotations() {
		got, ok := tmpl.Annotations[k]
		if !ok {
			bad("template annotation %s missing, func.yaml says %s", k, want)
			continue
		}
		if override && (strings.HasSuffix(k, "/min-scale") || strings.HasSuffix(k, "/max-scale")) {
			g, err1 := strconv.ParseInt(got, 10, 64)
			w, _ := strconv.ParseInt(want, 10, 64)
			if err1 != nil || g < w {
				bad("%s=%s is below func.yaml's %s: an override may only raise scale", k, got, want)
			}
			continue
		}
		if got != want {
			bad("%s=%s, func.yaml says %s", k, got, want)
		}
	}
	for k := range tmpl.Annotations {
		if strings.HasPrefix(k, "autoscaling.knative.dev/") {
			if _, ok := f.Annotations()[k]; !ok {
				bad("template annotation %s is not in func.yaml", k)
			}
		}
	}
	cc := int64(0)
	if tmpl.Spec.ContainerConcurrency != nil {
		cc = *tmpl.Spec.ContainerConcurrency
	}
	if cc != f.ContainerConcurrency() {
		bad("containerConcurrency %d, func.yaml limits.concurrency %d", cc, f.ContainerConcurrency())
	}
	if len(tmpl.Spec.Containers) != 1 {
		bad("want exactly one container, got %d", len(tmpl.Spec.Containers))
		return errs
	}
	ct := tmpl.Spec.Containers[0]
	r := f.Deploy.Options.Resources
	for _, q := range []struct {
		what string
		list corev1.ResourceList
		res  corev1.ResourceName
		want string
	}{
		{"requests", ct.Resources.Requests, corev1.ResourceCPU, r.Requests.CPU},
		{"requests", ct.Resources.Requests, corev1.ResourceMemory, r.Requests.Memory},
		{"limits", ct.Resources.Limits, corev1.ResourceCPU, r.Limits.CPU},
		{"limits", ct.Resources.Limits, corev1.ResourceMemory, r.Limits.Memory},
	} {
		got, ok := q.list[q.res]
		want := resource.MustParse(q.want)
		if !ok || got.Cmp(want) != 0 {
			bad("resources.%s.%s %s, func.yaml says %s", q.what, q.res, got.String(), q.want)
		}
	}
	if p := httpPath(ct.ReadinessProbe); p != f.Deploy.HealthEndpoints.Readiness {
		bad("readinessProbe path %q, func.yaml healthEndpoints.readiness %q", p, f.Deploy.HealthEndpoints.Readiness)
	}
	if p := httpPath(ct.LivenessProbe); p != f.Deploy.HealthEndpoints.Liveness {
		bad("livenessProbe path %q, func.yaml healthEndpoints.liveness %q", p, f.Deploy.HealthEndpoints.Liveness)
	}
	if !imageOf(ct.Image, f.Name) {
		bad("image %q is not eko/%s (a placeholder, or pinned to <registry>/eko/%s@sha256:…)", ct.Image, f.Name, f.Name)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range ct.Env {
		env[e.Name] = e
	}
	for _, e := range gen.DeployEnvs(set, f) {
		src, err := e.Source()
		if err != nil {
			bad("func.yaml: %v", err)
			continue
		}
		switch src.Kind {
		case funcyaml.WholeSecret, funcyaml.WholeConfigMp:
			found := false
			for _, ef := range ct.EnvFrom {
				if (ef.SecretRef != nil && src.Kind == funcyaml.WholeSecret && ef.SecretRef.Name == src.Name) ||
					(ef.ConfigMapRef != nil && src.Kind == funcyaml.WholeConfigMp && ef.ConfigMapRef.Name == src.Name) {
					found = true
				}
			}
			if !found {
				bad("envFrom %s missing (func.yaml)", src.Name)
			}
			continue
		}
		got, ok := env[e.Name]
		if !ok {
			bad("env %s missing (func.yaml)", e.Name)
			continue
		}
		switch src.Kind {
		case funcyaml.Literal:
			if got.ValueFrom != nil || got.Value != src.Value {
				bad("env %s=%q, func.yaml says %q", e.Name, got.Value, src.Value)
			}
		case funcyaml.SecretKey:
			if got.ValueFrom == nil || got.ValueFrom.SecretKeyRef == nil || got.ValueFrom.SecretKeyRef.Name != src.Name || got.ValueFrom.SecretKeyRef.Key != src.Key {
				bad("env %s is not secret %s key %s (func.yaml)", e.Name, src.Name, src.Key)
			}
		case funcyaml.ConfigMapKey:
			if got.ValueFrom == nil || got.ValueFrom.ConfigMapKeyRef == nil || got.ValueFrom.ConfigMapKeyRef.Name != src.Name || got.ValueFrom.ConfigMapKeyRef.Key != src.Key {
				bad("env %s is not config map %s key %s (func.yaml)", e.Name, src.Name, src.Key)
			}
		}
	}
	if e, ok := env["LISTEN_ADDRESS"]; !ok || e.Value != gen.ListenAddress {
		bad("env LISTEN_ADDRESS must be %s (func-go would listen on 127.0.0.1 given only PORT)", gen.ListenAddress)
	}
	if f.Name != funcyaml.AllInOne && f.Name != gen.RegistryName {
		if _, ok := env["REGISTRY_URL"]; !ok {
			bad("env REGISTRY_URL missing: a function deployed apart from the registry asks it for grants")
		}
	}
	return errs
}

func httpPath(p *corev1.Probe) string {
	if p == nil || p.HTTPGet == nil {
		return ""
	}
	return p.HTTPGet.Path
}

// imageOf reports whether image is function's: eko/<function>, or any
// registry's .../eko/<function> with a tag or digest.
func imageOf(image, function string) bool {
	ref, err := name.ParseReference(image)
	if err != nil {
		return false
	}
	repo := ref.Context().RepositoryStr()
	return repo == gen.ImagePrefix+function || strings.HasSuffix(repo, "/"+gen.ImagePrefix+function)
}

// ---- eventing ----

func (c *checker) eventing() {
	if c.allInOne() {
		for _, kind := range []struct {
			n    int
			kind string
		}{{len(c.brokers), "Broker"}, {len(c.triggers), "Trigger"}, {len(c.bindings), "SinkBinding"}} {
			if kind.n > 0 {
				c.fail("the all-in-one dispatches events in-process: it has no use for a %s", kind.kind)
			}
		}
		return
	}
	broker, ok := c.brokers[gen.BrokerName]
	if !ok {
		c.fail("Broker/%s is missing", gen.BrokerName)
	} else {
		c.brokerDelivery(broker)
	}
	for n := range c.brokers {
		if n != gen.BrokerName {
			c.fail("Broker/%s: EKO has one Broker, %s", n, gen.BrokerName)
		}
	}
	// The outbox relay gets K_SINK = the Broker from a SinkBinding, and polls: min-scale >= 1.
	bound := false
	for n, b := range c.bindings {
		s := b.Spec.Subject
		if s.APIVersion != "serving.knative.dev/v1" || s.Kind != "Service" || s.Name == "" {
			c.fail("SinkBinding/%s: subject must name a Knative Service", n)
			continue
		}
		if _, ok := c.ksvcs[s.Name]; !ok {
			c.fail("SinkBinding/%s: subject Service %s does not exist", n, s.Name)
		}
		sink := b.Spec.Sink.Ref
		if sink == nil || sink.Kind != "Broker" || sink.APIVersion != "eventing.knative.dev/v1" {
			c.fail("SinkBinding/%s: sink must be a ref to the Broker", n)
		} else if _, ok := c.brokers[sink.Name]; !ok {
			c.fail("SinkBinding/%s: sink Broker %s does not exist", n, sink.Name)
		}
		if s.Name == gen.RelayName {
			bound = true
		}
	}
	if !bound {
		c.fail("no SinkBinding gives Service/%s its K_SINK", gen.RelayName)
	}
	if relay, ok := c.ksvcs[gen.RelayName]; ok {
		if n, _ := strconv.Atoi(relay.Spec.Template.Annotations["autoscaling.knative.dev/min-scale"]); n < 1 {
			c.fail("Service/%s: min-scale must be at least 1: it polls the outbox", gen.RelayName)
		}
	}
	c.triggersMatchRoutes()
}

func (c *checker) brokerDelivery(b *eventingv1.Broker) {
	id := "Broker/" + b.Name
	d := b.Spec.Delivery
	if d == nil {
		c.fail("%s: no delivery spec (retries, backoff, dead-letter sink)", id)
		return
	}
	if d.Retry == nil || *d.Retry < 1 {
		c.fail("%s: delivery.retry must be at least 1", id)
	}
	if d.BackoffPolicy == nil || *d.BackoffPolicy != "exponential" {
		c.fail("%s: delivery.backoffPolicy must be exponential", id)
	}
	if d.BackoffDelay == nil {
		c.fail("%s: delivery.backoffDelay is required", id)
	}
	if d.DeadLetterSink == nil {
		c.fail("%s: delivery.deadLetterSink is required", id)
		return
	}
	if ref := d.DeadLetterSink.Ref; ref != nil {
		if ref.Kind != "Service" || ref.APIVersion != "serving.knative.dev/v1" {
			c.fail("%s: deadLetterSink must be a Knative Service", id)
		} else if _, ok := c.ksvcs[ref.Name]; !ok {
			c.fail("%s: deadLetterSink Service %s does not exist", id, ref.Name)
		} else if u := d.DeadLetterSink.URI; u != nil && !strings.HasPrefix(u.Path, "/api/"+ref.Name+"/") {
			c.fail("%s: deadLetterSink uri %s is not under /api/%s/", id, u.Path, ref.Name)
		} else {
			c.deliveryAudience(id+" deadLetterSink", ref.Name, d.DeadLetterSink.Audience)
		}
	}
}

// deliveryAudience: the Broker delivers to Service svc with a token for
// audience (Knative Eventing's sender identity), so svc must require exactly
// that audience of the cluster's service-account issuer.
func (c *checker) deliveryAudience(id, svc string, audience *string) {
	want := gen.EventsAudience(svc)
	if audience == nil || *audience != want {
		c.fail("%s: the delivery to Service/%s must name audience %q (Trigger subscriber / deadLetterSink audience)", id, svc, want)
	}
	var got, issuer bool
	for _, ct := range c.ksvcs[svc].Spec.Template.Spec.Containers {
		for _, e := range ct.Env {
			switch e.Name {
			case "EVENTS_OIDC_AUDIENCE":
				got = e.Value == want
			case "EVENTS_OIDC_ISSUER":
				issuer = e.Value != "" || e.ValueFrom != nil
			}
		}
	}
	if !got || !issuer {
		c.fail("%s: Service/%s must set EVENTS_OIDC_ISSUER and EVENTS_OIDC_AUDIENCE=%s to accept the Broker's deliveries (its func.yaml)", id, svc, want)
	}
}

// triggersMatchRoutes: every route in events/ has exactly one Trigger and every
// Trigger is a route — the Triggers are generated, never hand-made.
func (c *checker) triggersMatchRoutes() {
	type key struct{ typ, consumer, path string }
	routes := map[key]bool{}
	for _, r := range c.v.Routes {
		routes[key{r.Type, r.Consumer, r.Path}] = true
	}
	found := map[key]string{}
	names := make([]string, 0, len(c.triggers))
	for n := range c.triggers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := c.triggers[n]
		id := "Trigger/" + n
		if _, ok := c.brokers[t.Spec.Broker]; !ok {
			c.fail("%s: broker %q does not exist", id, t.Spec.Broker)
		}
		typ := ""
		if t.Spec.Filter != nil {
			typ = t.Spec.Filter.Attributes["type"]
		}
		if typ == "" {
			c.fail("%s: must filter on the event type", id)
			continue
		}
		ref := t.Spec.Subscriber.Ref
		if ref == nil || ref.Kind != "Service" || ref.APIVersion != "serving.knative.dev/v1" {
			c.fail("%s: subscriber must be a ref to a Knative Service", id)
			continue
		}
		if _, ok := c.ksvcs[ref.Name]; !ok {
			c.fail("%s: subscriber Service %s does not exist", id, ref.Name)
		} else {
			c.deliveryAudience(id, ref.Name, t.Spec.Subscriber.Audience)
		}
		p := ""
		if t.Spec.Subscriber.URI != nil {
			p = t.Spec.Subscriber.URI.Path
		}
		k := key{typ, ref.Name, p}
		if !routes[k] {
			c.fail("%s: delivers %s to %s at %q, but events/ has no such route (Triggers are generated: `make manifests`)", id, typ, ref.Name, p)
			continue
		}
		if prev, dup := found[k]; dup {
			c.fail("%s: same route as Trigger/%s", id, prev)
		}
		found[k] = n
	}
	for _, r := range c.v.Routes {
		if _, ok := found[key{r.Type, r.Consumer, r.Path}]; !ok {
			c.fail("route %s → %s %s has no Trigger (run `make manifests`)", r.Type, r.Consumer, r.Path)
		}
	}
}

// ---- database ----

func (c *checker) cnpgCluster(id string, o *CNPGCluster) {
	s := o.Spec
	if s.Instances < 1 {
		c.fail("%s: spec.instances must be at least 1", id)
	}
	if s.Storage == nil || s.Storage.Size == "" {
		c.fail("%s: spec.storage.size is required", id)
	} else if _, err := resource.ParseQuantity(s.Storage.Size); err != nil {
		c.fail("%s: spec.storage.size: %v", id, err)
	}
	if s.Bootstrap == nil || s.Bootstrap.InitDB == nil || s.Bootstrap.InitDB.Database == "" || s.Bootstrap.InitDB.Owner == "" {
		c.fail("%s: spec.bootstrap.initdb.database and .owner are required", id)
		return
	}
	if sec := s.Bootstrap.InitDB.Secret; sec != nil {
		t := c.v.secret(sec.Name)
		switch {
		case t == nil:
			c.fail("%s: bootstrap secret %q is not among the templates in %s", id, sec.Name, SecretsFile)
		case t.Type != corev1.SecretTypeBasicAuth:
			c.fail("%s: bootstrap secret %q must be of type %s", id, sec.Name, corev1.SecretTypeBasicAuth)
		case t.StringData[corev1.BasicAuthUsernameKey] != s.Bootstrap.InitDB.Owner:
			c.fail("%s: bootstrap secret %q username must be the owner %q", id, sec.Name, s.Bootstrap.InitDB.Owner)
		}
	}
	if sync := s.PostgreSQL; sync != nil && sync.Synchronous != nil && sync.Synchronous.Number >= s.Instances {
		c.fail("%s: synchronous.number %d needs more than %d instances", id, sync.Synchronous.Number, s.Instances)
	}
	if v := s.PostgreSQL; v != nil && v.Parameters["synchronous_commit"] == "off" {
		c.fail("%s: synchronous_commit must stay on: accepted writes are durable", id)
	}
}

// retentionRe is a CloudNativePG retention policy: days, weeks or months.
var retentionRe = regexp.MustCompile(`^[1-9][0-9]*[dwm]$`)

// backups: the cluster archives its WAL and takes base backups to an object
// store (point-in-time recovery), with credentials from a Secret template,
// a retention policy, and a ScheduledBackup that runs.
func (c *checker) backups(cl *CNPGCluster) {
	id := "Cluster/" + cl.Name
	b := cl.Spec.Backup
	if b == nil || b.BarmanObjectStore == nil {
		c.fail("%s: spec.backup.barmanObjectStore is required: base backups and WAL archiving for point-in-time recovery", id)
		return
	}
	c.objectStore(id+": spec.backup.barmanObjectStore", b.BarmanObjectStore)
	if !retentionRe.MatchString(b.RetentionPolicy) {
		c.fail("%s: spec.backup.retentionPolicy must be days, weeks or months (e.g. 30d), got %q", id, b.RetentionPolicy)
	}
	if b.BarmanObjectStore.Wal == nil || b.BarmanObjectStore.Wal.Compression == "" {
		c.fail("%s: spec.backup.barmanObjectStore.wal.compression: archive the WAL compressed", id)
	}
	scheduled := 0
	for n, s := range c.schedules {
		sid := "ScheduledBackup/" + n
		if s.Spec.Cluster.Name != cl.Name {
			c.fail("%s: cluster %q does not exist", sid, s.Spec.Cluster.Name)
			continue
		}
		if f := strings.Fields(s.Spec.Schedule); len(f) != 6 {
			c.fail("%s: schedule %q must have six fields (seconds first, as CloudNativePG reads it)", sid, s.Spec.Schedule)
		}
		if s.Spec.Method != "" && s.Spec.Method != "barmanObjectStore" {
			c.fail("%s: method must be barmanObjectStore, the cluster's backup, got %q", sid, s.Spec.Method)
		}
		if s.Spec.Suspend != nil && *s.Spec.Suspend {
			c.fail("%s: suspended: no base backups would be taken", sid)
		}
		scheduled++
	}
	if scheduled == 0 {
		c.fail("%s: no ScheduledBackup takes its base backups", id)
	}
}

// objectStore: an s3:// destination and credentials from a Secret template
// that holds the keys named.
func (c *checker) objectStore(id string, o *CNPGObjectStore) {
	if !strings.HasPrefix(o.DestinationPath, "s3://") || len(o.DestinationPath) <= len("s3://") {
		c.fail("%s: destinationPath must be an s3:// bucket path, got %q", id, o.DestinationPath)
	}
	if o.S3Credentials == nil {
		c.fail("%s: s3Credentials are required", id)
		return
	}
	for _, k := range []CNPGSecretKey{o.S3Credentials.AccessKeyID, o.S3Credentials.SecretAccessKey} {
		t := c.v.secret(k.Name)
		if t == nil {
			c.fail("%s: secret %q is not among the templates in %s", id, k.Name, SecretsFile)
			continue
		}
		if !t.Has(k.Key) {
			c.fail("%s: secret %q has no key %q", id, k.Name, k.Key)
		}
	}
}

func (c *checker) database() {
	if len(c.clusters) != 1 {
		c.fail("want exactly one CloudNativePG Cluster, got %d", len(c.clusters))
		return
	}
	var cluster *CNPGCluster
	for _, cl := range c.clusters {
		cluster = cl
	}
	if len(c.poolers) == 0 {
		c.fail("no CloudNativePG Pooler: functions must reach PostgreSQL through PgBouncer")
	}
	for n, p := range c.poolers {
		id := "Pooler/" + n
		if p.Spec.Cluster.Name != cluster.Name {
			c.fail("%s: cluster %q does not exist", id, p.Spec.Cluster.Name)
		}
		if p.Spec.PgBouncer.PoolMode != "transaction" {
			c.fail("%s: pgbouncer.poolMode must be transaction, got %q", id, p.Spec.PgBouncer.PoolMode)
		}
		if n, err := strconv.Atoi(p.Spec.PgBouncer.Parameters["max_prepared_statements"]); err != nil || n < 1 {
			c.fail("%s: pgbouncer.parameters.max_prepared_statements must be a positive number: functions keep prepared statements (DB_EXEC_MODE cache_statement)", id)
		}
		if p.Spec.Type != "rw" {
			c.fail("%s: type must be rw (functions write), got %q", id, p.Spec.Type)
		}
		if p.Spec.Instances < 1 {
			c.fail("%s: instances must be at least 1", id)
		}
	}
	c.backups(cluster)
	initdb := cluster.Spec.Bootstrap
	// Functions: DATABASE_URL through a pooler. Migration: MIGRATE_DATABASE_URL to <cluster>-rw.
	for n, s := range c.ksvcs {
		for _, ct := range s.Spec.Template.Spec.Containers {
			c.dbURL("Service/"+n, ct, "DATABASE_URL", cluster, initdb, true)
		}
	}
	migrations := 0
	for n, j := range c.jobs {
		for _, ct := range j.Spec.Template.Spec.Containers {
			if len(ct.Args) == 1 && ct.Args[0] == "migrate" {
				migrations++
				if !imageOf(ct.Image, funcyaml.AllInOne) {
					c.fail("Job/%s: `eko migrate` runs from the all-in-one image eko/eko, not %q", n, ct.Image)
				}
				if !c.dbURL("Job/"+n, ct, "MIGRATE_DATABASE_URL", cluster, initdb, false) {
					c.fail("Job/%s: needs MIGRATE_DATABASE_URL from a secret", n)
				}
				for _, e := range ct.Env {
					if e.Name == "DATABASE_URL" {
						c.fail("Job/%s: migrations run over MIGRATE_DATABASE_URL only", n)
					}
				}
			}
		}
	}
	if migrations != 1 {
		c.fail("want exactly one migration Job running `eko migrate`, got %d", migrations)
	}
}

// dbURL checks that env var name of ct, when it comes from a secret template,
// points at a pooler (pooled) or the cluster's -rw service (direct).
func (c *checker) dbURL(id string, ct corev1.Container, name string, cluster *CNPGCluster, boot *CNPGBootstrap, pooled bool) bool {
	for _, e := range ct.Env {
		if e.Name != name {
			continue
		}
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			c.fail("%s: %s must come from a secret (it holds a password)", id, name)
			return true
		}
		ref := e.ValueFrom.SecretKeyRef
		t := c.v.secret(ref.Name)
		if t == nil || !t.Has(ref.Key) {
			return true // reported by podSpec
		}
		u, err := url.Parse(t.StringData[ref.Key])
		if err != nil {
			c.fail("%s: %s: secret %s key %s is not a URL: %v", id, name, ref.Name, ref.Key, err)
			return true
		}
		host := strings.SplitN(u.Hostname(), ".", 2)[0]
		if pooled {
			if _, ok := c.poolers[host]; !ok {
				c.fail("%s: %s must point at the pooler, not %q", id, name, u.Host)
			}
		} else if host != cluster.Name+"-rw" {
			c.fail("%s: %s must point at the primary %s-rw directly, not %q", id, name, cluster.Name, u.Host)
		}
		if boot != nil && boot.InitDB != nil {
			if db := strings.TrimPrefix(u.Path, "/"); db != boot.InitDB.Database {
				c.fail("%s: %s names database %q, the cluster creates %q", id, name, db, boot.InitDB.Database)
			}
			if u.User.Username() != boot.InitDB.Owner {
				c.fail("%s: %s connects as %q, the database owner is %q", id, name, u.User.Username(), boot.InitDB.Owner)
			}
		}
		return true
	}
	return false
}

// ---- storage ----

func (c *checker) storage() {
	for n, s := range c.ksvcs {
		for _, ct := range s.Spec.Template.Spec.Containers {
			for _, e := range ct.Env {
				if e.Name != "S3_ENDPOINT" || e.ValueFrom != nil {
					continue
				}
				c.serviceAddress("Service/"+n+" env S3_ENDPOINT", e.Value)
			}
		}
	}
	// Every k8s Service selects pods of a workload here, by a port it has.
	for n, s := range c.services {
		if len(s.Spec.Selector) == 0 {
			continue
		}
		sel := labels.SelectorFromSet(s.Spec.Selector)
		var pods []corev1.PodTemplateSpec
		for _, st := range c.sets {
			pods = append(pods, st.Spec.Template)
		}
		for _, d := range c.deploys {
			pods = append(pods, d.Spec.Template)
		}
		matched := false
		for _, p := range pods {
			if !sel.Matches(labels.Set(p.Labels)) {
				continue
			}
			matched = true
			for _, sp := range s.Spec.Ports {
				if sp.TargetPort.StrVal != "" && !hasPort(p.Spec, sp.TargetPort.StrVal) {
					c.fail("Service/%s: targetPort %q is not a port of the pods it selects", n, sp.TargetPort.StrVal)
				}
			}
		}
		if !matched {
			c.fail("Service/%s: selector %v matches no workload", n, s.Spec.Selector)
		}
	}
	for n, st := range c.sets {
		if _, ok := c.services[st.Spec.ServiceName]; !ok {
			c.fail("StatefulSet/%s: serviceName %q is not a Service here", n, st.Spec.ServiceName)
		}
	}
}

func hasPort(p corev1.PodSpec, name string) bool {
	for _, ct := range p.Containers {
		for _, cp := range ct.Ports {
			if cp.Name == name {
				return true
			}
		}
	}
	return false
}

// serviceAddress checks that host:port (svc.ns.svc.cluster.local:port or svc:port)
// names a Service of the manifests with that port.
func (c *checker) serviceAddress(id, addr string) {
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		c.fail("%s: %q has no port", id, addr)
		return
	}
	parts := strings.Split(host, ".")
	if len(parts) > 1 && parts[1] != c.v.Funcs.Namespace() {
		return // outside the namespace: not ours to check
	}
	s, found := c.services[parts[0]]
	if !found {
		c.fail("%s: %q: no Service %s in the manifests", id, addr, parts[0])
		return
	}
	for _, p := range s.Spec.Ports {
		if strconv.Itoa(int(p.Port)) == port {
			return
		}
	}
	c.fail("%s: %q: Service %s has no port %s", id, addr, parts[0], port)
}

// ---- NetworkPolicies ----

// allowedNamespaces are the namespaces function pods may talk to besides their
// own: DNS, the Knative data plane and the Broker.
var allowedNamespaces = map[string]bool{
	"kube-system": true, "knative-serving": true, "knative-eventing": true, "kourier-system": true, "istio-system": true,
}

func (c *checker) networkPolicies() {
	// pods of the namespace by role, as the policies see them
	var poolerPods, instancePods, minioPods []labels.Set
	for n, p := range c.poolers {
		poolerPods = append(poolerPods, labels.Set{"cnpg.io/poolerName": n, "cnpg.io/cluster": p.Spec.Cluster.Name, "cnpg.io/podRole": "pooler"})
	}
	for n := range c.clusters {
		instancePods = append(instancePods, labels.Set{"cnpg.io/cluster": n, "cnpg.io/podRole": "instance", "role": "primary", "cnpg.io/instanceRole": "primary"})
	}
	for _, st := range c.sets {
		if st.Spec.Template.Labels[gen.NameLabel] == "minio" {
			minioPods = append(minioPods, labels.Set(st.Spec.Template.Labels))
		}
	}
	// ClamAV's clamd, which scans uploaded files, is the one other pod functions reach.
	for _, d := range c.deploys {
		if d.Spec.Template.Labels[gen.NameLabel] == "clamav" {
			minioPods = append(minioPods, labels.Set(d.Spec.Template.Labels))
		}
	}
	if len(c.policies) == 0 {
		c.fail("no NetworkPolicies")
		return
	}
	names := make([]string, 0, len(c.ksvcs))
	for n := range c.ksvcs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		pod := labels.Set(c.ksvcs[n].Spec.Template.Labels)
		ingress, egress := false, false
		for pn, p := range c.policies {
			sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
			if err != nil || !sel.Matches(pod) {
				continue
			}
			for _, t := range p.Spec.PolicyTypes {
				ingress = ingress || t == networkingv1.PolicyTypeIngress
				egress = egress || t == networkingv1.PolicyTypeEgress
			}
			for i, rule := range p.Spec.Egress {
				for j, peer := range rule.To {
					c.functionEgressPeer(fmt.Sprintf("NetworkPolicy/%s egress[%d].to[%d]", pn, i, j), peer, poolerPods, instancePods, minioPods)
				}
			}
		}
		if !ingress || !egress {
			c.fail("Service/%s: its pods are not covered by both an Ingress and an Egress NetworkPolicy", n)
		}
	}
	// PostgreSQL itself must not accept function pods.
	fn := labels.Set{gen.ComponentLabel: "function"}
	for pn, p := range c.policies {
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if err != nil {
			continue
		}
		selectsInstance := false
		for _, ip := range instancePods {
			selectsInstance = selectsInstance || sel.Matches(ip)
		}
		if !selectsInstance {
			continue
		}
		for _, rule := range p.Spec.Ingress {
			for _, peer := range rule.From {
				if peer.PodSelector != nil && peer.NamespaceSelector == nil {
					if s, err := metav1.LabelSelectorAsSelector(peer.PodSelector); err == nil && s.Matches(fn) {
						c.fail("NetworkPolicy/%s: PostgreSQL instances must not accept function pods (they go through the pooler)", pn)
					}
				}
			}
		}
	}
}

func (c *checker) functionEgressPeer(id string, peer networkingv1.NetworkPolicyPeer, poolerPods, instancePods, minioPods []labels.Set) {
	switch {
	case peer.IPBlock != nil:
		return // external (the OpenID Provider); reviewed by hand
	case peer.NamespaceSelector != nil:
		sel, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
		if err != nil || sel.Empty() {
			c.fail("%s: functions may not reach every namespace", id)
			return
		}
		if !namespaceSelectorWithin(peer.NamespaceSelector) {
			c.fail("%s: functions may reach only %v besides the pooler and MinIO", id, keys(allowedNamespaces))
		}
	case peer.PodSelector != nil:
		sel, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
		if err != nil || sel.Empty() {
			c.fail("%s: functions may not reach every pod of the namespace", id)
			return
		}
		for _, ip := range instancePods {
			if sel.Matches(ip) {
				c.fail("%s: functions must not reach PostgreSQL directly, only the pooler", id)
				return
			}
		}
		ok := false
		for _, p := range append(append([]labels.Set(nil), poolerPods...), minioPods...) {
			ok = ok || sel.Matches(p)
		}
		if !ok {
			c.fail("%s: selects neither the pooler, MinIO nor clamd", id)
		}
	}
}

// namespaceSelectorWithin reports whether sel can only match allowed namespaces
// (by kubernetes.io/metadata.name).
func namespaceSelectorWithin(sel *metav1.LabelSelector) bool {
	const key = "kubernetes.io/metadata.name"
	if v, ok := sel.MatchLabels[key]; ok {
		return allowedNamespaces[v]
	}
	for _, e := range sel.MatchExpressions {
		if e.Key == key && e.Operator == metav1.LabelSelectorOpIn {
			for _, v := range e.Values {
				if !allowedNamespaces[v] {
					return false
				}
			}
			return len(e.Values) > 0
		}
	}
	return false
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- Ingress (EPGU) ----

// ingress: a public Ingress may only expose a function's CloudEvents endpoint
// (the EPGU intake of submit-application), by exact path, to a function that
// exists in the manifests.
func (c *checker) ingress() {
	for n, in := range c.ingresses {
		id := "Ingress/" + n
		if in.Spec.DefaultBackend != nil {
			c.fail("%s: no default backend: expose single paths only", id)
		}
		for _, r := range in.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				if p.PathType == nil || *p.PathType != networkingv1.PathTypeExact {
					c.fail("%s: path %q must be pathType Exact", id, p.Path)
				}
				if p.Backend.Service == nil {
					c.fail("%s: path %q has no service backend", id, p.Path)
					continue
				}
				svc := p.Backend.Service.Name
				if _, ok := c.ksvcs[svc]; !ok {
					c.fail("%s: backend %q is not a Knative Service of the manifests", id, svc)
				}
				if dir, base := path.Split(p.Path); dir != "/api/"+svc+"/" || base != "events" {
					c.fail("%s: path %q is not the CloudEvents endpoint /api/%s/events", id, p.Path, svc)
				}
			}
		}
	}
}

// Pinned checks that every container image of EKO's own (eko/<function>) in
// docs is pinned by digest in a registry — what a deployment may apply. The
// placeholders of the bases and tag references are refused.
func Pinned(docs []Doc) error {
	var errs []error
	for _, d := range docs {
		obj, err := Decode(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var spec *corev1.PodSpec
		switch o := obj.(type) {
		case *servingv1.Service:
			spec = &o.Spec.Template.Spec.PodSpec
		case *batchv1.Job:
			spec = &o.Spec.Template.Spec
		case *appsv1.StatefulSet:
			spec = &o.Spec.Template.Spec
		case *appsv1.Deployment:
			spec = &o.Spec.Template.Spec
		default:
			continue
		}
		for _, ct := range append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...) {
			ref, err := name.ParseReference(ct.Image)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: image %q: %v", d.ID(), ct.Image, err))
				continue
			}
			repo := ref.Context().RepositoryStr()
			if !strings.HasPrefix(repo, gen.ImagePrefix) && !strings.Contains(repo, "/"+gen.ImagePrefix) {
				continue // not ours (PostgreSQL, MinIO)
			}
			if _, ok := ref.(name.Digest); !ok || ref.Context().RegistryStr() == name.DefaultRegistry {
				errs = append(errs, fmt.Errorf("%s: image %q is not pinned by digest in a registry: build it with `make images REGISTRY=…` (or make deploy)", d.ID(), ct.Image))
			}
		}
	}
	return errors.Join(errs...)
}
