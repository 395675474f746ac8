package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/kuzbass/eko/shared/db"
)

// splitEndpoint names the split deployment in the report.
const splitEndpoint = "EKO split"

// startSplit runs registry, submit-application and the outbox relay as three
// processes, each built from its functions/<name>/cmd and configured as its
// Knative Service is: its own pool, submit-application asking the registry
// for callers' grants and organisations over HTTP through registryapi, the
// relay posting every event to a Broker (here a sink that takes them). The
// processes' logs go to one file.
func (st *state) startSplit(ctx context.Context, dbCfg db.Config, issuer string) error {
	dir, err := os.MkdirTemp("", "eko-split-")
	if err != nil {
		return err
	}
	st.closers = append(st.closers, func() { _ = os.RemoveAll(dir) })
	t0 := time.Now()
	for _, fn := range []string{"registry", "submit-application", "outbox-relay"} {
		build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, fn), "./functions/"+fn+"/cmd")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build %s (run from the repository's root): %w", fn, err)
		}
	}
	logs, err := os.CreateTemp("", "eko-load-split-*.log")
	if err != nil {
		return err
	}
	st.closers = append(st.closers, func() { _ = logs.Close(); fmt.Printf("split processes' log: %s\n", logs.Name()) })
	sink, err := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	if err != nil {
		return err
	}
	env := []string{"DATABASE_URL=" + dbCfg.URL, "DB_MAX_CONNS=" + strconv.Itoa(int(dbCfg.MaxConns)), "DB_EXEC_MODE=" + dbCfg.ExecMode,
		"OIDC_ISSUER=" + issuer, "OIDC_AUDIENCE=eko", "LOG_LEVEL=warn", "MIGRATE_ON_START=false"}
	registry, err := st.startProcess(ctx, filepath.Join(dir, "registry"), env, logs)
	if err != nil {
		return err
	}
	env = append(env, "REGISTRY_URL="+registry)
	if st.splitURL, err = st.startProcess(ctx, filepath.Join(dir, "submit-application"), append(env, "QUEUE_MAINTAIN_EVERY=-1s"), logs); err != nil {
		return err
	}
	if _, err := st.startProcess(ctx, filepath.Join(dir, "outbox-relay"), append(env, "K_SINK="+sink), logs); err != nil {
		return err
	}
	fmt.Printf("  registry, submit-application and outbox-relay as processes in %s\n", time.Since(t0).Round(time.Millisecond))
	return nil
}

// startProcess starts bin on a free loopback port with env added to this
// process's environment, waits for its readiness and returns its URL; it is
// stopped (SIGTERM, then SIGKILL) when the run ends.
func (st *state) startProcess(ctx context.Context, bin string, env []string, logs *os.File) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	_ = l.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), env...), "LISTEN_ADDRESS="+addr)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	st.closers = append(st.closers, func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	url := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(url + "/health/readiness"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, nil
			}
		}
		select {
		case <-done:
			return "", fmt.Errorf("%s exited at start (log: %s)", filepath.Base(bin), logs.Name())
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s not ready after 30 s (log: %s)", filepath.Base(bin), logs.Name())
		}
	}
}
