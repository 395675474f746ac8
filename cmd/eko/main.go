// Command eko runs the all-in-one EKO function (`eko`), applies every function's
// migrations and exits (`eko migrate` — the one migrate command used by `make run`,
// the tests' tooling and the Kubernetes migration Job), or loads a synthetic
// region into an empty registry (`eko seed`, SEED_SCALE=small|region), or
// re-encrypts personal data with the current key after a key rotation (`eko reseal`),
// verifies a portfolio's credential offline (`eko verify FILE`) or makes a
// signing key for credentials (`eko keygen`).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	fnhttp "knative.dev/func-go/http"

	"github.com/kuzbass/eko"
	"github.com/kuzbass/eko/shared/function"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "eko:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fnhttp.Start(eko.New())
	}
	switch args[0] {
	case "migrate":
		var cfg eko.Config
		if err := function.Load(&cfg); err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return eko.Migrate(ctx, cfg)
	case "seed":
		var cfg eko.SeedConfig
		if err := function.Load(&cfg); err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return eko.Seed(ctx, cfg)
	case "reseal":
		var cfg eko.ResealConfig
		if err := function.Load(&cfg); err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return eko.Reseal(ctx, cfg)
	case "verify":
		return verify(args[1:])
	case "keygen":
		return keygen(args[1:])
	default:
		return fmt.Errorf("unknown command %q (usage: eko [migrate|seed|reseal|verify|keygen])", args[0])
	}
}
