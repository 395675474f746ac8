// Package image builds EKO's container images without a Docker daemon: a static
// Go binary (CGO_ENABLED=0, -trimpath, -ldflags "-s -w -buildid=") layered with
// go-containerregistry onto a base image — or onto nothing ("scratch"), adding
// the host's CA certificates and an /etc/passwd with the non-root user 65532.
//
// Builds are reproducible: every file time, the image's creation time and its
// history are SOURCE_DATE_EPOCH (0 by default), owners are fixed and layers are
// written in a fixed order, so the same source and toolchain give the same
// digest on any machine. The digest is what deployments pin.
package image

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// NonRoot is the user and group the images run as (distroless' "nonroot").
const NonRoot = 65532

// BinDir is where the program goes in the image.
const BinDir = "/usr/local/bin"

// DefaultCACerts is the host's CA bundle (Debian, Ubuntu, Alpine).
const DefaultCACerts = "/etc/ssl/certs/ca-certificates.crt"

// Platform is an OS/architecture pair, e.g. linux/amd64.
type Platform struct{ OS, Arch string }

// ParsePlatform parses "os/arch".
func ParsePlatform(s string) (Platform, error) {
	os, arch, ok := strings.Cut(s, "/")
	if !ok || os == "" || arch == "" {
		return Platform{}, fmt.Errorf("platform %q: want os/arch, e.g. linux/amd64", s)
	}
	return Platform{os, arch}, nil
}

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// GoBuild builds the main package pkg of the module in dir into out: static,
// stripped and without build ids or local paths, for platform.
func GoBuild(ctx context.Context, dir, pkg, out string, p Platform) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w -buildid=", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return CheckStatic(out)
}

// CheckStatic refuses a dynamically linked ELF binary: it would not run on scratch.
func CheckStatic(file string) error {
	f, err := elf.Open(file)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked: build it with CGO_ENABLED=0", file)
		}
	}
	return nil
}

// Options describe one image.
type Options struct {
	// Program is the name of the binary in the image (/usr/local/bin/<Program>).
	Program string
	// Binary is the program's contents.
	Binary []byte
	// Base is the base image; nil builds from scratch.
	Base v1.Image
	// CACerts is the CA bundle put at /etc/ssl/certs/ca-certificates.crt when
	// building from scratch.
	CACerts []byte
	// Platform of the binary.
	Platform Platform
	// Created is every timestamp in the image (SOURCE_DATE_EPOCH).
	Created time.Time
	// Env is added to the configuration (KEY=value).
	Env []string
	// Labels are OCI labels of the configuration.
	Labels map[string]string
}

// Build assembles the image.
func Build(o Options) (v1.Image, error) {
	if o.Program == "" || strings.Contains(o.Program, "/") {
		return nil, fmt.Errorf("image: bad program name %q", o.Program)
	}
	if len(o.Binary) == 0 {
		return nil, errors.New("image: no binary")
	}
	created := v1.Time{Time: o.Created.UTC()}
	img := o.Base
	var adds []mutate.Addendum
	if img == nil {
		img = mutate.MediaType(empty.Image, types.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
		if len(o.CACerts) == 0 {
			return nil, errors.New("image: building from scratch needs CA certificates")
		}
		base, err := layer(o.Created, baseFiles(o.CACerts))
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.Addendum{Layer: base, MediaType: types.OCILayer, History: v1.History{
			Created: created, CreatedBy: "ekoimage: scratch base (CA certificates, nonroot user 65532)",
		}})
	}
	app, err := layer(o.Created, appFiles(o.Program, o.Binary))
	if err != nil {
		return nil, err
	}
	appType := types.OCILayer
	if mt, err := img.MediaType(); err == nil && mt == types.DockerManifestSchema2 {
		appType = types.DockerLayer
	}
	adds = append(adds, mutate.Addendum{Layer: app, MediaType: appType, History: v1.History{
		Created: created, CreatedBy: "ekoimage: " + path.Join(BinDir, o.Program),
	}})
	img, err = mutate.Append(img, adds...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = o.Platform.OS, o.Platform.Arch
	cf.Config.Entrypoint = []string{path.Join(BinDir, o.Program)}
	cf.Config.Cmd = nil
	cf.Config.User = fmt.Sprintf("%d:%d", NonRoot, NonRoot)
	cf.Config.WorkingDir = "/"
	cf.Config.Env = mergeEnv(cf.Config.Env, append([]string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
		"HOME=/home/nonroot",
	}, o.Env...))
	if len(o.Labels) > 0 {
		if cf.Config.Labels == nil {
			cf.Config.Labels = map[string]string{}
		}
		for k, v := range o.Labels {
			cf.Config.Labels[k] = v
		}
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	return mutate.CreatedAt(img, created)
}

// mergeEnv sets each KEY=value of add in env, replacing an earlier KEY.
func mergeEnv(env, add []string) []string {
	out := append([]string(nil), env...)
	for _, kv := range add {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, e := range out {
			if strings.HasPrefix(e, k+"=") {
				out[i], replaced = kv, true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

// file is one entry of a layer.
type file struct {
	name     string // without leading slash; directories end in /
	mode     int64
	uid, gid int
	body     []byte
}

func baseFiles(ca []byte) []file {
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", NonRoot, NonRoot)
	group := fmt.Sprintf("root:x:0:\nnobody:x:65534:\nnonroot:x:%d:\n", NonRoot)
	return []file{
		{name: "etc/", mode: 0o755},
		{name: "etc/group", mode: 0o644, body: []byte(group)},
		{name: "etc/passwd", mode: 0o644, body: []byte(passwd)},
		{name: "etc/ssl/", mode: 0o755},
		{name: "etc/ssl/certs/", mode: 0o755},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, body: ca},
		{name: "home/", mode: 0o755},
		{name: "home/nonroot/", mode: 0o700, uid: NonRoot, gid: NonRoot},
		{name: "tmp/", mode: 0o1777},
	}
}

func appFiles(program string, bin []byte) []file {
	return []file{
		{name: "usr/", mode: 0o755},
		{name: "usr/local/", mode: 0o755},
		{name: "usr/local/bin/", mode: 0o755},
		{name: "usr/local/bin/" + program, mode: 0o755, body: bin},
	}
}

// layer writes files as a tar with fixed times and owners, sorted by name.
func layer(mtime time.Time, files []file) (v1.Layer, error) {
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{
			Name:    f.name,
			Mode:    f.mode,
			Uid:     f.uid,
			Gid:     f.gid,
			ModTime: mtime.UTC(),
			Format:  tar.FormatPAX,
		}
		if strings.HasSuffix(f.name, "/") {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
}
