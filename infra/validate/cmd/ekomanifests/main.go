// Command ekomanifests generates, renders and checks EKO's Kubernetes manifests.
//
//	ekomanifests generate          write the generated manifests (Services from func.yaml, Triggers from events/)
//	ekomanifests generate -check   exit 1 when a committed generated file is stale
//	ekomanifests render [-l SEL] DIR   print a kustomization (e.g. infra/k8s/overlays/prod) rendered in-process
//	                                   (krusty), only the objects matching the label selector SEL if given
//	ekomanifests check [-pinned] [-l SEL] DIR...
//	                               render and validate overlays: strict decoding, Knative Validate,
//	                               cross-references; -pinned also requires every EKO image (of the
//	                               objects matching SEL) to be pinned by digest in a registry
//	ekomanifests secrets           print "secret key" for every key the manifests need (deploy.sh checks them)
//
// Paths are relative to the repository root; run it with `go -C infra/validate run ./cmd/ekomanifests`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/infra/validate/funcyaml"
	"github.com/kuzbass/eko/infra/validate/gen"
	"github.com/kuzbass/eko/infra/validate/manifest"
	"github.com/kuzbass/eko/infra/validate/repo"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ekomanifests:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: ekomanifests generate [-check] | render DIR | check DIR... | secrets")
	}
	root, err := repo.Root()
	if err != nil {
		return err
	}
	switch args[0] {
	case "generate":
		fs := flag.NewFlagSet("generate", flag.ContinueOnError)
		check := fs.Bool("check", false, "only report stale files")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		set, err := funcyaml.LoadAll(root)
		if err != nil {
			return err
		}
		files, err := gen.Files(set, events.Default().Routes(""))
		if err != nil {
			return err
		}
		if *check {
			if stale := gen.Stale(root, files); len(stale) > 0 {
				return fmt.Errorf("stale generated manifests %v: run `make manifests`", stale)
			}
			return nil
		}
		if err := gen.Write(root, files); err != nil {
			return err
		}
		for _, f := range files {
			fmt.Println("wrote", f.Path)
		}
		return nil
	case "render":
		fs := flag.NewFlagSet("render", flag.ContinueOnError)
		sel := fs.String("l", "", "label selector")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: ekomanifests render [-l SELECTOR] DIR")
		}
		docs, err := manifest.Render(filepath.Join(root, fs.Arg(0)))
		if err != nil {
			return err
		}
		if docs, err = manifest.Select(docs, *sel); err != nil {
			return err
		}
		out, err := manifest.YAML(docs)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(out)
		return err
	case "check":
		fs := flag.NewFlagSet("check", flag.ContinueOnError)
		pinned := fs.Bool("pinned", false, "require EKO images pinned by digest")
		sel := fs.String("l", "", "label selector for -pinned")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() < 1 {
			return fmt.Errorf("usage: ekomanifests check [-pinned] [-l SELECTOR] DIR...")
		}
		v, err := manifest.NewValidator(root)
		if err != nil {
			return err
		}
		for _, dir := range fs.Args() {
			docs, err := manifest.Render(filepath.Join(root, dir))
			if err != nil {
				return err
			}
			if err := v.Check(dir, docs); err != nil {
				return fmt.Errorf("%s:\n%w", dir, err)
			}
			if *pinned {
				sub, err := manifest.Select(docs, *sel)
				if err != nil {
					return err
				}
				if err := manifest.Pinned(sub); err != nil {
					return fmt.Errorf("%s:\n%w", dir, err)
				}
			}
			fmt.Printf("%s: %d objects valid\n", dir, len(docs))
		}
		return nil
	case "secrets":
		secrets, err := manifest.LoadSecretTemplates(root)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			for _, k := range s.Keys {
				fmt.Println(s.Name, k)
			}
		}
		return nil
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}
