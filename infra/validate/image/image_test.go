package image_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kuzbass/eko/infra/validate/image"
)

var linux = image.Platform{OS: "linux", Arch: "amd64"}

// buildHello builds testdata/hello the way ekoimage builds a function.
func buildHello(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "hello")
	if err := image.GoBuild(context.Background(), "testdata/hello", ".", out, linux); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func scratch(t *testing.T, bin []byte) image.Options {
	return image.Options{
		Program:  "hello",
		Binary:   bin,
		CACerts:  []byte("-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n"),
		Platform: linux,
		Created:  time.Unix(0, 0),
		Env:      []string{"LISTEN_ADDRESS=[::]:8080"},
		Labels:   map[string]string{"org.opencontainers.image.title": "hello"},
	}
}

func digest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The same source gives the same binary and the same image digest.
func TestScratchImageIsReproducible(t *testing.T) {
	a, b := buildHello(t), buildHello(t)
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the same source differ")
	}
	img1, err := image.Build(scratch(t, a))
	if err != nil {
		t.Fatal(err)
	}
	img2, err := image.Build(scratch(t, b))
	if err != nil {
		t.Fatal(err)
	}
	if d1, d2 := digest(t, img1), digest(t, img2); d1 != d2 {
		t.Fatalf("digests %s and %s", d1, d2)
	}
	later := scratch(t, a)
	later.Created = time.Unix(1700000000, 0)
	img3, err := image.Build(later)
	if err != nil {
		t.Fatal(err)
	}
	if digest(t, img3) == digest(t, img1) {
		t.Fatal("SOURCE_DATE_EPOCH does not reach the image")
	}
}

// A scratch image: OCI media types, user 65532, the entrypoint, CA
// certificates, /etc/passwd, a sticky /tmp; every file at the epoch, owned by root.
func TestScratchImageContents(t *testing.T) {
	bin := buildHello(t)
	img, err := image.Build(scratch(t, bin))
	if err != nil {
		t.Fatal(err)
	}
	mt, _ := img.MediaType()
	if mt != types.OCIManifestSchema1 {
		t.Errorf("media type %s", mt)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "65532:65532" || len(c.Entrypoint) != 1 || c.Entrypoint[0] != "/usr/local/bin/hello" || cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Fatalf("config %+v", cf)
	}
	if !cf.Created.Time.Equal(time.Unix(0, 0)) {
		t.Errorf("created %v", cf.Created)
	}
	env := strings.Join(c.Env, " ")
	for _, want := range []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "LISTEN_ADDRESS=[::]:8080", "PATH="} {
		if !strings.Contains(env, want) {
			t.Errorf("env %v lacks %s", c.Env, want)
		}
	}
	layers, _ := img.Layers()
	if len(layers) != 2 {
		t.Fatalf("%d layers, want base + app", len(layers))
	}
	files := map[string]*tar.Header{}
	bodies := map[string][]byte{}
	tr := tar.NewReader(mutate.Extract(img))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n := strings.TrimPrefix(h.Name, "/")
		if h.Typeflag == tar.TypeDir && !strings.HasSuffix(n, "/") {
			n += "/"
		}
		files[n] = h
		bodies[n], _ = io.ReadAll(tr)
		if !h.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("%s: mtime %v", h.Name, h.ModTime)
		}
	}
	if h := files["usr/local/bin/hello"]; h == nil || h.Mode&0o111 == 0 || !bytes.Equal(bodies["usr/local/bin/hello"], bin) {
		t.Fatalf("the program is missing or not executable: %+v", h)
	}
	if !strings.Contains(string(bodies["etc/passwd"]), "nonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd: %q", bodies["etc/passwd"])
	}
	if !strings.Contains(string(bodies["etc/ssl/certs/ca-certificates.crt"]), "BEGIN CERTIFICATE") {
		t.Error("no CA certificates")
	}
	if h := files["tmp/"]; h == nil || h.Mode&0o1777 != 0o1777 {
		t.Errorf("/tmp: %+v", h)
	}
	if h := files["home/nonroot/"]; h == nil || h.Uid != image.NonRoot {
		t.Errorf("/home/nonroot: %+v", h)
	}
}

// On a base image the program is one more layer; the base's env is kept.
func TestBuildOnBase(t *testing.T) {
	base, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := base.ConfigFile()
	cf = cf.DeepCopy()
	cf.Config.Env = []string{"BASE=1", "PATH=/bin"}
	if base, err = mutate.ConfigFile(base, cf); err != nil {
		t.Fatal(err)
	}
	o := scratch(t, []byte("#!binary"))
	o.Base, o.CACerts = base, nil
	img, err := image.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	if len(layers) != 3 {
		t.Fatalf("%d layers, want 2 of the base + the program", len(layers))
	}
	got, _ := img.ConfigFile()
	env := strings.Join(got.Config.Env, " ")
	if !strings.Contains(env, "BASE=1") || strings.Contains(env, "PATH=/bin ") || got.Config.User != "65532:65532" {
		t.Fatalf("config %+v", got.Config)
	}
}

// The OCI layout and the tarball hold the image that was built, by digest;
// writing the layout again replaces the image of the same name.
func TestWriteLayoutAndTarball(t *testing.T) {
	img, err := image.Build(scratch(t, []byte("program")))
	if err != nil {
		t.Fatal(err)
	}
	want := digest(t, img)
	dir := filepath.Join(t.TempDir(), "oci")
	for i := 0; i < 2; i++ {
		if err := image.WriteLayout(dir, "eko/hello:test", img); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 || m.Manifests[0].Digest != want || m.Manifests[0].Annotations[image.RefNameAnnotation] != "eko/hello:test" {
		t.Fatalf("layout index %+v, want one image %s", m.Manifests, want)
	}
	p, _ := layout.FromPath(dir)
	back, err := p.Image(want)
	if err != nil {
		t.Fatal(err)
	}
	if digest(t, back) != want {
		t.Fatal("layout image differs")
	}

	file := filepath.Join(t.TempDir(), "hello.tar")
	if err := image.WriteTarball(file, "eko/hello:test", img); err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag("eko/hello:test")
	fromTar, err := tarball.ImageFromPath(file, &tag)
	if err != nil {
		t.Fatal(err)
	}
	// docker's tarball format keeps the configuration and the layers, not the
	// manifest: compare those.
	c1, _ := img.ConfigName()
	c2, err := fromTar.ConfigName()
	if err != nil || c1 != c2 {
		t.Fatalf("tarball config %s, want %s (%v)", c2, c1, err)
	}
	l1, _ := img.Layers()
	l2, _ := fromTar.Layers()
	if len(l1) != len(l2) {
		t.Fatalf("tarball has %d layers, want %d", len(l2), len(l1))
	}
	for i := range l1 {
		d1, _ := l1[i].Digest()
		d2, _ := l2[i].Digest()
		if d1 != d2 {
			t.Fatalf("layer %d: %s, want %s", i, d2, d1)
		}
	}
}

func TestRefusals(t *testing.T) {
	if _, err := image.Build(image.Options{Program: "x", Binary: []byte("b"), Platform: linux}); err == nil {
		t.Error("scratch without CA certificates accepted")
	}
	if _, err := image.Build(image.Options{Program: "a/b", Binary: []byte("b"), CACerts: []byte("c")}); err == nil {
		t.Error("program name with a slash accepted")
	}
	if err := image.CheckStatic("/bin/sh"); err == nil {
		t.Log("/bin/sh is static here; the dynamic-binary check is not exercised")
	} else if !strings.Contains(err.Error(), "dynamically linked") {
		t.Errorf("CheckStatic(/bin/sh): %v", err)
	}
	if _, err := image.ParsePlatform("linux"); err == nil {
		t.Error("platform without arch accepted")
	}
}

// Pin records digests in an images component, replacing and sorting entries and
// keeping the comments; anything but digest pins is refused.
func TestPin(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kustomization.yaml")
	if err := os.WriteFile(file, []byte("# managed by ekoimage\napiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h1, _ := v1.NewHash("sha256:" + strings.Repeat("1", 64))
	h2, _ := v1.NewHash("sha256:" + strings.Repeat("2", 64))
	for _, p := range []struct {
		fn string
		h  v1.Hash
	}{{"registry", h1}, {"eko", h1}, {"registry", h2}} {
		if err := image.Pin(file, "eko/"+p.fn, "cr.example.org/eko/"+p.fn, p.h); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(file)
	c, header, err := image.ParseImagesComponent(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(header) != "# managed by ekoimage\n" || len(c.Images) != 2 || c.Images[0].Name != "eko/eko" || c.Images[1].Digest != h2.String() {
		t.Fatalf("component:\n%s", b)
	}
	for _, bad := range []string{
		"apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: eko/x\n  newName: r.example.org/eko/x\n  newTag: latest\n",
		"apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: eko/x\n  newName: r.example.org/eko/x\n  digest: sha256:abc\n",
		"apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: postgres\n  newName: r.example.org/pg\n  digest: sha256:" + strings.Repeat("1", 64) + "\n",
		"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nimages: []\n",
		"apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimagez: []\n",
	} {
		if _, _, err := image.ParseImagesComponent([]byte(bad)); err == nil {
			t.Errorf("accepted:\n%s", bad)
		}
	}
}
