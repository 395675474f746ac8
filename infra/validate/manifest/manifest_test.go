package manifest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/infra/validate/funcyaml"
	"github.com/kuzbass/eko/infra/validate/gen"
	"github.com/kuzbass/eko/infra/validate/image"
	"github.com/kuzbass/eko/infra/validate/manifest"
)

// Every overlay (and both bases) renders with krusty and passes every check:
// strict decoding into the real API types, Knative's Validate, CloudNativePG's
// required fields, func.yaml agreement, Triggers = routes, secrets, pooler,
// NetworkPolicies.
func TestOverlaysAreValid(t *testing.T) {
	_, v := setup(t)
	for _, dir := range append(overlays(t), "base", "allinone") {
		t.Run(dir, func(t *testing.T) {
			docs := render(t, dir)
			if err := v.Check(dir, docs); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The generated manifests are exactly what func.yaml and events/ generate now.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root, v := setup(t)
	files, err := gen.Files(v.Funcs, events.Default().Routes(""))
	if err != nil {
		t.Fatal(err)
	}
	if stale := gen.Stale(root, files); len(stale) > 0 {
		t.Fatalf("generated manifests %v differ from what func.yaml and events/ generate: run `make manifests` and commit the result", stale)
	}
}

// Each function's Knative Service carries its func.yaml's scale, concurrency,
// resources and probes in every per-function overlay except where the campaign
// overlay raises them (checked in TestCampaignRaisesScale).
func TestServicesAgreeWithFuncYAML(t *testing.T) {
	_, v := setup(t)
	for _, dir := range []string{"overlays/dev", "overlays/prod"} {
		docs := render(t, dir)
		for _, f := range v.Funcs.Functions {
			d := manifest.Find(docs, "Service", f.Name)
			if len(d) != 1 {
				t.Fatalf("%s: %d Knative Services named %s", dir, len(d), f.Name)
			}
			ann := at(d[0].Obj, "spec", "template", "metadata", "annotations").(map[string]any)
			for k, want := range f.Annotations() {
				if ann[k] != want {
					t.Errorf("%s: %s %s=%v, func.yaml %s", dir, f.Name, k, ann[k], want)
				}
			}
		}
	}
}

// The campaign overlay raises min and max scale of submit-application and of
// the portal. For a function that exists, the real campaign rendering must show
// it (an empty or mistargeted patch file is silently accepted by kustomize, so
// this is the only guard); for one that does not exist (yet, or any more), its
// patch file is applied to a stand-in Service, so the patch is known to work.
func TestCampaignRaisesScale(t *testing.T) {
	_, v := setup(t)
	k := tempKustomization{
		resources:  []string{k8s(t, "overlays/prod")},
		components: []string{k8s(t, "components/campaign-scale")},
		patches:    map[string][]byte{},
	}
	for _, name := range []string{"submit-application", "portal"} {
		patch, err := os.ReadFile(k8s(t, "components/campaign-scale/"+name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if f := v.Funcs.Function(name); f != nil {
			assertRaised(t, render(t, "overlays/campaign"), f)
			continue
		}
		k.standIns = append(k.standIns, standIn(t, name))
		k.patches[name] = patch
	}
	if len(k.standIns) == 0 {
		return
	}
	docs, sv := renderTemp(t, k)
	if err := sv.Check("campaign with stand-ins", docs); err != nil {
		t.Fatal(err)
	}
	for _, f := range k.standIns {
		assertRaised(t, docs, f)
	}
}

func assertRaised(t *testing.T, docs []manifest.Doc, f *funcyaml.Function) {
	t.Helper()
	d := manifest.Find(docs, "Service", f.Name)
	if len(d) != 1 {
		t.Fatalf("campaign: no Knative Service %s", f.Name)
	}
	if at(d[0].Obj, "metadata", "annotations", gen.ScaleOverride) == nil {
		t.Fatalf("campaign: %s is not raised (no %s annotation): fill in its place in infra/k8s/components/campaign-scale", f.Name, gen.ScaleOverride)
	}
	ann := at(d[0].Obj, "spec", "template", "metadata", "annotations").(map[string]any)
	for _, k := range []string{"autoscaling.knative.dev/min-scale", "autoscaling.knative.dev/max-scale"} {
		got, _ := strconv.Atoi(fmt.Sprint(ann[k]))
		base, _ := strconv.Atoi(f.Annotations()[k])
		if got <= base {
			t.Errorf("campaign: %s %s=%d does not raise func.yaml's %d", f.Name, k, got, base)
		}
	}
}

// The EPGU ingress component is ready for submit-application: applied to prod
// with the real submit-application (prod enables it) or a stand-in,
// everything validates; and it may only publish the exact events path.
func TestEPGUIngressComponentIsReady(t *testing.T) {
	_, v := setup(t)
	var docs []manifest.Doc
	sv := v
	if v.Funcs.Function("submit-application") != nil {
		docs = render(t, "overlays/prod")
	} else {
		docs, sv = withStandIns(t, []string{k8s(t, "overlays/prod")}, []string{k8s(t, "components/epgu-ingress")}, standIn(t, "submit-application"))
	}
	if err := sv.Check("prod with epgu-ingress", docs); err != nil {
		t.Fatal(err)
	}
	if len(manifest.Find(docs, "Ingress", "epgu-events")) != 1 {
		t.Fatal("no Ingress epgu-events")
	}
	bad := manifest.Clone(docs)
	edit(t, bad, "Ingress", "epgu-events", func(o map[string]any) {
		set(o, "/api/submit-application/", "spec", "rules", 0, "http", "paths", 0, "path")
		set(o, "Prefix", "spec", "rules", 0, "http", "paths", 0, "pathType")
	})
	err := sv.Check("prod with a prefix ingress", bad)
	mustContain(t, err, "must be pathType Exact")
	mustContain(t, err, "is not the CloudEvents endpoint")
}

// Without a stand-in, the same component would reference a function that does
// not exist — which is why no overlay enables it yet.
func TestEPGUIngressNeedsSubmitApplication(t *testing.T) {
	_, v := setup(t)
	if v.Funcs.Function("submit-application") != nil {
		t.Skip("submit-application exists")
	}
	docs, sv := withStandIns(t, []string{k8s(t, "overlays/prod")}, []string{k8s(t, "components/epgu-ingress")})
	mustContain(t, sv.Check("prod with epgu-ingress", docs), `backend "submit-application" is not a Knative Service`)
}

// The committed images components only ever hold digest pins.
func TestImagesComponents(t *testing.T) {
	root, _ := setup(t)
	files, _ := filepath.Glob(filepath.Join(root, "infra/k8s/overlays/*/images/kustomization.yaml"))
	if len(files) < 3 {
		t.Fatalf("images components %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := image.ParseImagesComponent(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// Deployments apply only images pinned by digest in a registry: the committed
// placeholders are refused, and pins written by ekoimage are accepted (and
// still agree with func.yaml).
func TestPinnedImages(t *testing.T) {
	_, v := setup(t)
	docs := render(t, "overlays/dev")
	mustContain(t, manifest.Pinned(docs), "is not pinned by digest")

	dir := t.TempDir()
	comp := filepath.Join(dir, "images", "kustomization.yaml")
	if err := os.MkdirAll(filepath.Dir(comp), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(comp, []byte("# pins\napiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, f := range v.Funcs.All() {
		h := fmt.Sprintf("sha256:%064x", i+1)
		if err := pin(comp, f.Name, h); err != nil {
			t.Fatal(err)
		}
	}
	k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- " + rel(t, dir, k8s(t, "base")) + "\ncomponents:\n- images\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	pinned, err := manifest.Render(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := manifest.Pinned(pinned); err != nil {
		t.Fatal(err)
	}
	if err := v.Check("pinned", pinned); err != nil {
		t.Fatal(err)
	}
	img := at(manifest.Find(pinned, "Service", "registry")[0].Obj, "spec", "template", "spec", "containers", 0, "image")
	if want := "registry.example.org/eko/registry@sha256:"; !strings.HasPrefix(fmt.Sprint(img), want) {
		t.Fatalf("registry image %v, want %s…", img, want)
	}
	b, _ := os.ReadFile(comp)
	if !strings.HasPrefix(string(b), "# pins\n") {
		t.Fatalf("the component's comments were not kept:\n%s", b)
	}
}

func pin(file, fn, digest string) error {
	h, err := hash(digest)
	if err != nil {
		return err
	}
	return image.Pin(file, gen.Image(fn), "registry.example.org/eko/"+fn, h)
}

// Every secret the manifests reference is a template, with placeholders only.
func TestSecretTemplates(t *testing.T) {
	root, _ := setup(t)
	secrets, err := manifest.LoadSecretTemplates(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(secrets) == 0 {
		t.Fatal("no secret templates")
	}
	cases := []struct{ name, doc, want string }{
		{"real password", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  PASSWORD: hunter2\n", "REPLACE_ME"},
		{"base64 data", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  PASSWORD: UkVQTEFDRV9NRQ==\n", "stringData"},
		{"unknown field", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringdata:\n  PASSWORD: REPLACE_ME\n", "unknown field"},
		{"not a secret", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", "not a v1 Secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := manifest.ParseSecretTemplates([]byte(c.doc))
			mustContain(t, err, c.want)
		})
	}
}

func hash(s string) (v1.Hash, error) { return v1.NewHash(s) }

// Once submit-application exists, prod publishes its EPGU endpoint.
func TestEPGUEndpointPublishedInProd(t *testing.T) {
	_, v := setup(t)
	if v.Funcs.Function("submit-application") == nil {
		t.Skip("submit-application does not exist yet")
	}
	for _, o := range []string{"overlays/prod", "overlays/campaign"} {
		if len(manifest.Find(render(t, o), "Ingress", "epgu-events")) != 1 {
			t.Errorf("%s does not publish the EPGU endpoint (components/epgu-ingress)", o)
		}
	}
}
