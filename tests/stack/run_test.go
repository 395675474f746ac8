// Package stack_test runs the newcomer's `make run` script (infra/local/run.sh)
// on free loopback ports against a fresh database and checks what README
// promises: readiness, the dev token endpoint, a fixture login seeing its data,
// and Ctrl-C stopping everything the script started.
package stack_test

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/tests/loopback"
)

func getJSON(t *testing.T, url, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func TestMakeRunServesTheStack(t *testing.T) {
	d := dbtest.MustOpen(t) // empty: run.sh migrates and seeds it
	root, _ := filepath.Abs("../..")
	app, idp := loopback.Addr(t), loopback.Addr(t)
	cmd := exec.Command("bash", "infra/local/run.sh")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "DATABASE_URL="+d.URL, "EKO_DATA="+t.TempDir(),
		"LISTEN_ADDRESS="+app, "DEVIDP_ADDR="+idp, "OIDC_ISSUER=", "LOG_LEVEL=warn")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Ctrl-C reaches the whole group, as in a terminal
	log, err := os.Create(filepath.Join(t.TempDir(), "run.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_, _ = cmd.Process.Wait()
		}
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("run.sh output:\n%s", b)
		}
	})

	base := "http://" + app
	deadline := time.Now().Add(4 * time.Minute)
	for {
		if resp, err := http.Get(base + "/health/readiness"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("make run: not ready after 4 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}

	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code := getJSON(t, "http://"+idp+"/dev/token?login=parent1", "", &tok); code != 200 || tok.AccessToken == "" {
		t.Fatalf("dev token: %d", code)
	}
	var me struct {
		Identity struct{ Status string }
		Children []struct {
			GivenName     string `json:"given_name"`
			Organisations []struct {
				ClassName string `json:"class_name"`
			}
		}
	}
	if code := getJSON(t, base+"/api/registry/me", tok.AccessToken, &me); code != 200 {
		t.Fatalf("/me: %d", code)
	}
	var kids []string
	for _, c := range me.Children {
		kids = append(kids, c.GivenName)
	}
	if me.Identity.Status != "linked" || strings.Join(kids, ",") != "Артём,Мария" || me.Children[0].Organisations[0].ClassName != "6А" {
		t.Fatalf("parent1 after make run: %+v", me)
	}

	// Ctrl-C: the script and everything it started exit.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		stopped = true
	case <-time.After(45 * time.Second):
		t.Fatal("make run did not stop on Ctrl-C")
	}
	for _, addr := range []string{app, idp} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Fatalf("%s still listening after Ctrl-C", addr)
		}
	}
}
