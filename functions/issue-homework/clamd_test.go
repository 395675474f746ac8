package issuehomework_test

import (
	"crypto/md5"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// eicar is the anti-virus test file every scanner knows.
const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// startClamd starts a real clamd (Debian's clamav-daemon; `make test`
// installs it) on a free loopback port with a signature database made here
// — no download is possible on this machine: the EICAR test file and
// infected, a file of the test's own — and returns its address. It stops
// with the test.
func startClamd(t testing.TB, infected []byte) string {
	t.Helper()
	bin, err := exec.LookPath("clamd")
	if err != nil {
		for _, p := range []string{"/usr/sbin/clamd", "/usr/local/sbin/clamd"} {
			if _, err := os.Stat(p); err == nil {
				bin = p
			}
		}
	}
	if bin == "" {
		t.Fatal("clamd not found: run the tests with `make test`, which installs clamav-daemon")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o755); err != nil {
		t.Fatal(err)
	}
	sigs := fmt.Sprintf("%x:%d:Eicar-Test-Signature\n%x:%d:Eko.Test.Infected\n", md5.Sum([]byte(eicar)), len(eicar), md5.Sum(infected), len(infected))
	if err := os.WriteFile(filepath.Join(db, "eko-test.hdb"), []byte(sigs), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	conf := filepath.Join(dir, "clamd.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`Foreground yes
DatabaseDirectory %s
TCPSocket %d
TCPAddr 127.0.0.1
LogFile %s
StreamMaxLength 25M
`, db, port, filepath.Join(dir, "clamd.log"))), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_, _ = c.Write([]byte("zPING\x00"))
			b := make([]byte, 8)
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, _ := c.Read(b)
			_ = c.Close()
			if string(b[:n]) == "PONG\x00" {
				return addr
			}
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "clamd.log"))
	t.Fatalf("clamd did not answer at %s: %s", addr, log)
	return ""
}
