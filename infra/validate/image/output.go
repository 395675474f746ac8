package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// RefNameAnnotation names an image in an OCI layout's index.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// WriteLayout puts img into the OCI image layout at dir (created if absent),
// replacing an earlier image of the same ref name.
func WriteLayout(dir, ref string, img v1.Image) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return err
		}
	}
	return p.ReplaceImage(img, match.Annotation(RefNameAnnotation, ref),
		layout.WithAnnotations(map[string]string{RefNameAnnotation: ref}))
}

// WriteTarball writes img as a `docker load`-able tarball tagged ref.
func WriteTarball(file, ref string, img v1.Image) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(file, tag, img)
}

// Push writes img to the registry as ref (repository:tag), with the
// credentials of the Docker config / credential helpers (authn.DefaultKeychain).
func Push(ctx context.Context, ref string, img v1.Image) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	return remote.Write(tag, img, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
}

// ImagesComponent is the machine-managed kustomize Component of an overlay that
// pins the images (infra/k8s/overlays/<overlay>/images/kustomization.yaml).
type ImagesComponent struct {
	APIVersion string        `json:"apiVersion" yaml:"apiVersion"`
	Kind       string        `json:"kind" yaml:"kind"`
	Images     []types.Image `json:"images" yaml:"images"`
}

// Pin sets, in the images component file, the image called placeholder (e.g.
// eko/registry) to repository@digest, keeping the file's leading comments and
// the other entries, sorted by name.
func Pin(file, placeholder, repository string, digest v1.Hash) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	c, header, err := ParseImagesComponent(b)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if _, err := name.NewRepository(repository); err != nil {
		return err
	}
	entry := types.Image{Name: placeholder, NewName: repository, Digest: digest.String()}
	replaced := false
	for i := range c.Images {
		if c.Images[i].Name == placeholder {
			c.Images[i], replaced = entry, true
		}
	}
	if !replaced {
		c.Images = append(c.Images, entry)
	}
	sortImages(c.Images)
	var out bytes.Buffer
	enc := yamlv3.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return os.WriteFile(file, append(header, out.Bytes()...), 0o644)
}

// ParseImagesComponent decodes an images component strictly and returns its
// leading comment lines too. Every entry must pin a digest.
func ParseImagesComponent(b []byte) (*ImagesComponent, []byte, error) {
	var header []byte
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("#")) {
			break
		}
		header = append(header, line...)
	}
	var c ImagesComponent
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, nil, err
	}
	if c.APIVersion != "kustomize.config.k8s.io/v1alpha1" || c.Kind != "Component" {
		return nil, nil, fmt.Errorf("not a kustomize Component: %s %s", c.APIVersion, c.Kind)
	}
	var errs []error
	for _, im := range c.Images {
		if !strings.HasPrefix(im.Name, "eko/") {
			errs = append(errs, fmt.Errorf("image %q: only eko/<function> placeholders are pinned here", im.Name))
		}
		if _, err := v1.NewHash(im.Digest); err != nil {
			errs = append(errs, fmt.Errorf("image %q: digest %q: %v", im.Name, im.Digest, err))
		}
		if im.NewTag != "" {
			errs = append(errs, fmt.Errorf("image %q: pin by digest, not by tag", im.Name))
		}
		if _, err := name.NewRepository(im.NewName); err != nil {
			errs = append(errs, fmt.Errorf("image %q: newName: %v", im.Name, err))
		}
	}
	if c.Images == nil {
		c.Images = []types.Image{}
	}
	return &c, header, errors.Join(errs...)
}

func sortImages(ims []types.Image) {
	for i := 1; i < len(ims); i++ {
		for j := i; j > 0 && ims[j].Name < ims[j-1].Name; j-- {
			ims[j], ims[j-1] = ims[j-1], ims[j]
		}
	}
}
