// Command devidp runs the development identity provider (ESIA stand-in) on
// DEVIDP_ADDR (default 127.0.0.1:9998), configured from the environment (see
// devidp.Config), until SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/fixtures"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	var cfg devidp.Config
	if err := envconfig.Process("", &cfg); err != nil {
		log.Error("config", "err", err)
		os.Exit(1)
	}
	srv, err := devidp.New(cfg, fixtures.MustLoad())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	hs := &http.Server{Addr: cfg.Addr, Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	log.Info("development identity provider", "issuer", cfg.Issuer, "addr", cfg.Addr, "dev_tokens", srv.DevTokens())
	if !srv.DevTokens() {
		log.Warn("GET /dev/token is off: it is served only when DEVIDP_ADDR and DEVIDP_ISSUER are both loopback")
	}
	if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
