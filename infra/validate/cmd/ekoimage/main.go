// Command ekoimage builds the container image of one EKO function without a
// Docker daemon and prints its reference by digest.
//
//	ekoimage [flags] FUNCTION
//
// FUNCTION is a directory name under functions/ (its program is
// functions/<name>/cmd) or "eko", the all-in-one (cmd/eko; the migration Job
// runs its `eko migrate`). The binary is built static (CGO_ENABLED=0, -trimpath,
// -ldflags "-s -w -buildid=") and layered onto -base, by default "scratch":
// nothing but the host's CA certificates and an /etc/passwd with user 65532,
// which the image runs as. The result is reproducible (SOURCE_DATE_EPOCH).
//
// Outputs, any combination: -oci-layout DIR (an OCI image layout), -tarball FILE
// (`docker load`-able), -push (to -repo:-tag). -pin FILE then records
// -repo@digest in an overlay's images component, which is how the manifests
// reference images. The last line on stdout is <repo>@sha256:<digest>.
//
// Run from anywhere in the repository: go -C infra/validate run ./cmd/ekoimage -h
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kuzbass/eko/infra/validate/funcyaml"
	"github.com/kuzbass/eko/infra/validate/gen"
	"github.com/kuzbass/eko/infra/validate/image"
	"github.com/kuzbass/eko/infra/validate/repo"
)

type labels map[string]string

func (l labels) String() string { return fmt.Sprint(map[string]string(l)) }
func (l labels) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("label %q: want key=value", s)
	}
	l[k] = v
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ekoimage:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		base      = flag.String("base", "scratch", `base image reference, or "scratch" for an empty base with CA certificates and user 65532`)
		platform  = flag.String("platform", "linux/amd64", "os/arch of the binary and image")
		repoName  = flag.String("repo", "", "repository of the image, e.g. registry.example.org/eko/registry (default: the placeholder eko/<function>)")
		tag       = flag.String("tag", "latest", "tag written with -push, -tarball and -oci-layout")
		push      = flag.Bool("push", false, "push -repo:-tag to the registry (credentials from ~/.docker/config.json or credential helpers)")
		ociLayout = flag.String("oci-layout", "", "write the image into this OCI image layout directory")
		tarFile   = flag.String("tarball", "", "write the image as a docker-loadable tarball")
		pin       = flag.String("pin", "", "images component to record <repo>@<digest> in, e.g. infra/k8s/overlays/dev/images/kustomization.yaml")
		binary    = flag.String("binary", "", "use this prebuilt static binary instead of building the function")
		caCerts   = flag.String("ca-certs", image.DefaultCACerts, "CA bundle copied into a scratch image")
		epoch     = flag.String("source-date-epoch", os.Getenv("SOURCE_DATE_EPOCH"), "timestamp of every file and of the image (Unix seconds; default 0)")
		lbls      = labels{}
	)
	flag.Var(lbls, "label", "OCI label key=value of the image (repeatable), e.g. org.opencontainers.image.revision=<commit>")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: ekoimage [flags] FUNCTION   (a directory of functions/, or eko for the all-in-one)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		return fmt.Errorf("name one function")
	}
	fn := flag.Arg(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	root, err := repo.Root()
	if err != nil {
		return err
	}
	dir := filepath.Join("functions", fn)
	if fn == funcyaml.AllInOne {
		dir = "."
	} else if strings.ContainsAny(fn, `/\.`) {
		return fmt.Errorf("bad function name %q", fn)
	}
	f, err := funcyaml.Load(root, dir)
	if err != nil {
		return err
	}
	p, err := image.ParsePlatform(*platform)
	if err != nil {
		return err
	}
	created := time.Unix(0, 0)
	if *epoch != "" {
		sec, err := strconv.ParseInt(*epoch, 10, 64)
		if err != nil {
			return fmt.Errorf("source-date-epoch %q: %w", *epoch, err)
		}
		created = time.Unix(sec, 0)
	}
	placeholder := gen.Image(f.Name)
	repository := *repoName
	if repository == "" {
		repository = placeholder
	}
	if _, err := name.NewRepository(repository); err != nil {
		return err
	}
	if *push && *repoName == "" {
		return fmt.Errorf("-push needs -repo")
	}
	if *pin != "" && *repoName == "" {
		return fmt.Errorf("-pin needs -repo: the manifests must name the registry the cluster pulls from")
	}

	bin := *binary
	if bin == "" {
		tmp, err := os.MkdirTemp("", "ekoimage-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		bin = filepath.Join(tmp, f.Name)
		fmt.Fprintf(os.Stderr, "ekoimage: go build %s (%s)\n", f.Main, p)
		if err := image.GoBuild(ctx, root, f.Main, bin, p); err != nil {
			return err
		}
	} else if err := image.CheckStatic(bin); err != nil {
		return err
	}
	body, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	opts := image.Options{
		Program:  f.Name,
		Binary:   body,
		Platform: p,
		Created:  created,
		Env:      []string{"LISTEN_ADDRESS=" + gen.ListenAddress},
		Labels: map[string]string{
			"org.opencontainers.image.title":  f.Name,
			"org.opencontainers.image.source": "https://github.com/kuzbass/eko",
		},
	}
	for k, v := range lbls {
		opts.Labels[k] = v
	}
	if *base == "scratch" {
		if opts.CACerts, err = os.ReadFile(*caCerts); err != nil {
			return fmt.Errorf("CA certificates for the scratch base: %w", err)
		}
	} else {
		ref, err := name.ParseReference(*base)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "ekoimage: pulling base %s\n", ref)
		if opts.Base, err = remote.Image(ref, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain),
			remote.WithPlatform(v1.Platform{OS: p.OS, Architecture: p.Arch})); err != nil {
			return fmt.Errorf("base %s: %w", ref, err)
		}
	}
	img, err := image.Build(opts)
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	tagged := repository + ":" + *tag
	if *ociLayout != "" {
		if err := image.WriteLayout(*ociLayout, tagged, img); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "ekoimage: wrote %s into OCI layout %s\n", tagged, *ociLayout)
	}
	if *tarFile != "" {
		if err := image.WriteTarball(*tarFile, tagged, img); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "ekoimage: wrote %s\n", *tarFile)
	}
	if *push {
		if err := image.Push(ctx, tagged, img); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "ekoimage: pushed %s\n", tagged)
	}
	if *pin != "" {
		file := *pin
		if !filepath.IsAbs(file) {
			file = filepath.Join(root, file)
		}
		if err := image.Pin(file, placeholder, repository, digest); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "ekoimage: pinned %s to %s@%s in %s\n", placeholder, repository, digest, *pin)
	}
	fmt.Printf("%s@%s\n", repository, digest)
	return nil
}
