package drill

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// workDir is a directory the postgres user can reach (the clusters are
// its when the test runs as root), removed after the test.
func workDir(t *testing.T) string {
	t.Helper()
	work, err := os.MkdirTemp("", "eko-drill-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(work) })
	if os.Getuid() == 0 {
		asPostgres(t, "chown", "postgres", work)
	}
	return work
}

// mkdirFor makes dir for the clusters' user.
func mkdirFor(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() == 0 {
		asPostgres(t, "chown", "postgres", dir)
	}
}

// pgBin is the directory of the PostgreSQL server's programs.
func pgBin(t *testing.T) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	t.Fatal("PostgreSQL's server programs are not installed (`make test` installs them)")
	return ""
}

// asPostgres runs a command as the postgres user when the test runs as
// root (PostgreSQL refuses root), as the test's user otherwise.
func asPostgres(t *testing.T, name string, args ...string) string {
	t.Helper()
	var cmd *exec.Cmd
	switch {
	case name == "chown":
		cmd = exec.Command("chown", "-R", args[0], args[1])
	case os.Getuid() == 0:
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	default:
		cmd = exec.Command(name, args...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// cluster is a PostgreSQL cluster of the drill.
type cluster struct {
	data string
	port int
	up   bool
}

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

func (c *cluster) initdb(t *testing.T) {
	t.Helper()
	mkdirFor(t, c.data)
	asPostgres(t, filepath.Join(pgBin(t), "initdb"), "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
}

// configure appends settings to the cluster's postgresql.conf.
func (c *cluster) configure(t *testing.T, settings string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("\n# the restore drill\n" + settings); err != nil {
		t.Fatal(err)
	}
}

func (c *cluster) start(t *testing.T) {
	t.Helper()
	args := []string{"-D", c.data, "-l", filepath.Join(c.data, "server.log"), "-w", "-t", "300", "-o", fmt.Sprintf("-h 127.0.0.1 -p %d -k /tmp", c.port), "start"}
	cmd := exec.Command(filepath.Join(pgBin(t), "pg_ctl"), args...)
	if os.Getuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(pgBin(t), "pg_ctl")}, args...)...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.data, "server.log"))
		t.Fatalf("pg_ctl start %s: %v\n%s\nserver.log:\n%s", c.data, err, out, log[max(0, len(log)-4000):])
	}
	c.up = true
}

func (c *cluster) stop(t *testing.T) {
	t.Helper()
	if c.up {
		c.up = false
		asPostgres(t, filepath.Join(pgBin(t), "pg_ctl"), "-D", c.data, "-m", "fast", "-w", "stop")
	}
}

func (c *cluster) createdb(t *testing.T, name string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), c.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
}

// basebackup takes a base backup into dir, the WAL to come from the archive.
func (c *cluster) basebackup(t *testing.T, dir string) {
	t.Helper()
	asPostgres(t, filepath.Join(pgBin(t), "pg_basebackup"), "-h", "127.0.0.1", "-p", fmt.Sprint(c.port), "-U", "postgres",
		"-D", dir, "-X", "none", "-c", "fast", "--no-sync")
}

// waitArchived waits until the segment just switched from is archived.
func (c *cluster) waitArchived(t *testing.T, ctx context.Context) {
	t.Helper()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var want string
	if err := conn.QueryRow(ctx, `SELECT pg_walfile_name(pg_current_wal_lsn() - 1)`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		var last *string
		var failed int64
		if err := conn.QueryRow(ctx, `SELECT last_archived_wal, failed_count FROM pg_stat_archiver`).Scan(&last, &failed); err != nil {
			t.Fatal(err)
		}
		if failed > 0 {
			t.Fatalf("archiving failed %d times; see %s/server.log", failed, c.data)
		}
		if last != nil && *last >= want {
			return
		}
	}
	t.Fatalf("the WAL up to %s was not archived in 60 s", want)
}

// restore makes the cluster from a base backup and a WAL archive,
// recovering up to the instant at and then promoting.
func (c *cluster) restore(t *testing.T, base, archive string, at time.Time) {
	t.Helper()
	asPostgres(t, "cp", "-a", base, c.data)
	c.configure(t, fmt.Sprintf("archive_mode = off\nrestore_command = 'cp %s/%%f %%p'\nrecovery_target_time = '%s'\nrecovery_target_inclusive = true\nrecovery_target_action = 'promote'\n",
		archive, at.UTC().Format("2006-01-02 15:04:05.999999")+"+00"))
	asPostgres(t, "touch", filepath.Join(c.data, "recovery.signal"))
}

// waitPromoted waits until the restored cluster has finished recovery.
func (c *cluster) waitPromoted(t *testing.T, ctx context.Context) {
	t.Helper()
	for end := time.Now().Add(5 * time.Minute); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		conn, err := pgx.Connect(ctx, c.url("postgres"))
		if err != nil {
			continue
		}
		var recovering bool
		err = conn.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&recovering)
		conn.Close(ctx)
		if err == nil && !recovering {
			return
		}
	}
	t.Fatalf("the restored cluster did not finish recovery in 5 minutes; see %s/server.log", c.data)
}

// buildEKO builds the eko binary into work.
func buildEKO(t *testing.T, work string) string {
	t.Helper()
	bin := filepath.Join(work, "eko")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/eko")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/eko: %v\n%s", err, out)
	}
	return bin
}

func run(t *testing.T, env []string, bin string, args ...string) {
	t.Helper()
	runEnv(t, env, bin, args...)
}

func runEnv(t *testing.T, env []string, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("eko %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// process is the eko binary serving.
type process struct {
	bin, addr, log string
	env            []string
	mu             sync.Mutex
	cmd            *exec.Cmd
	done           chan struct{}
}

// start runs eko and waits until it answers ready.
func (p *process) start(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(p.bin)
	cmd.Env, cmd.Stdout, cmd.Stderr = p.env, f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(p.done)
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + p.addr + "/health/readiness"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	b, _ := os.ReadFile(p.log)
	t.Fatalf("eko did not become ready in 60 s:\n%s", b[max(0, len(b)-3000):])
}

// stop stops eko as Knative does (SIGTERM) and waits for it to exit.
func (p *process) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	p.cmd = nil
}

// client calls EKO's API as fixture logins.
type client struct {
	t      *testing.T
	addr   string
	tokens map[string]string
}

// call sends a request and fails the test unless the status is want.
func (c *client) call(login, method, path, body string, want int) string {
	c.t.Helper()
	b, err := c.try(login, method, path, body, want)
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

// try sends a request and says what went wrong unless the status is want
// (for a goroutine of its own, which may not stop the test).
func (c *client) try(login, method, path, body string, want int) (string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+c.addr+path, rd)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.tokens[login])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s %s as %s: %w", method, path, login, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return string(b), fmt.Errorf("%s %s as %s: %d, want %d: %.500s", method, path, login, res.StatusCode, want, b)
	}
	return string(b), nil
}

// personOf is the registry person of a fixture login (its first sign-in links it).
func (c *client) personOf(login string) string {
	c.t.Helper()
	var me struct {
		Person struct{ ID string } `json:"person"`
	}
	if err := json.Unmarshal([]byte(c.call(login, http.MethodGet, "/api/registry/me", "", http.StatusOK)), &me); err != nil || me.Person.ID == "" {
		c.t.Fatalf("%s is not a registry person: %v", login, err)
	}
	return me.Person.ID
}

// organisationOf is the organisation of a staff login's first grant.
func (c *client) organisationOf(login string) string {
	c.t.Helper()
	var me struct {
		Grants []struct {
			OrganisationID string `json:"organisation_id"`
		} `json:"grants"`
	}
	if err := json.Unmarshal([]byte(c.call(login, http.MethodGet, "/api/registry/me", "", http.StatusOK)), &me); err != nil {
		c.t.Fatal(err)
	}
	for _, g := range me.Grants {
		if g.OrganisationID != "" {
			return g.OrganisationID
		}
	}
	c.t.Fatalf("%s holds no organisation's grant", login)
	return ""
}

// patchPhone has the ministry correct a person's phone (an audited change).
func (c *client) patchPhone(person, phone string) error {
	_, err := c.try("ministry", http.MethodPatch, "/api/registry/people/"+person, fmt.Sprintf(`{"phone":%q,"reason":"учебная проверка восстановления"}`, phone), http.StatusOK)
	return err
}

// stored is a file EKO stored: its id and the SHA-256 of its bytes.
type stored struct {
	id  string
	sum [32]byte
}

// uploadProofs has parent1 claim n achievements for the pupil, each with a
// scan uploaded as the browser does (a ticket, the PUT, the confirm).
func uploadProofs(t *testing.T, c *client, pupil string, n int) []stored {
	t.Helper()
	var out []stored
	for i := range n {
		var a struct{ ID string }
		if err := json.Unmarshal([]byte(c.call("parent1", http.MethodPost, "/api/build-portfolio/achievements", fmt.Sprintf(`{"owner_kind":"pupil",
			"owner_id":%q,"category":"competition","title":"Учения по восстановлению № %d","level":"regional","result":"winner","awarded_on":"2026-10-12"}`, pupil, i),
			http.StatusCreated)), &a); err != nil {
			t.Fatal(err)
		}
		scan := []byte(fmt.Sprintf("%%PDF-1.4\n1 0 obj<<>>endobj\n%% drill scan %d %d\ntrailer<<>>\n%%%%EOF\n", i, time.Now().UnixNano()))
		var tk struct {
			File    struct{ ID string }
			URL     string
			Headers map[string]string
		}
		if err := json.Unmarshal([]byte(c.call("parent1", http.MethodPost, "/api/build-portfolio/achievements/"+a.ID+"/files",
			fmt.Sprintf(`{"name":"скан.pdf","content_type":"application/pdf","size":%d}`, len(scan)), http.StatusCreated)), &tk); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPut, tk.URL, bytes.NewReader(scan))
		for k, v := range tk.Headers {
			if k != "Content-Length" {
				req.Header.Set(k, v)
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("put the scan: %v %v", res, err)
		}
		res.Body.Close()
		c.call("parent1", http.MethodPost, "/api/build-portfolio/files/"+tk.File.ID+"/confirm", "", http.StatusOK)
		out = append(out, stored{id: tk.File.ID, sum: sha256.Sum256(scan)})
	}
	return out
}

// store is the MinIO of the test's environment (S3_*).
func store(t *testing.T) *minio.Client {
	t.Helper()
	endpoint := os.Getenv("S3_ENDPOINT")
	if endpoint == "" {
		t.Fatal("S3_ENDPOINT is not set: run the drill with `make drill` (or `make test`), which start MinIO")
	}
	mc, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(os.Getenv("S3_ACCESS_KEY"), os.Getenv("S3_SECRET_KEY"), ""),
		Secure: os.Getenv("S3_USE_SSL") == "true"})
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

// mirrorBucket copies every object of bucket into dir (as `mc mirror` to a
// second target would), keeping each object's key as its path.
func mirrorBucket(t *testing.T, ctx context.Context, bucket, dir string) {
	t.Helper()
	mc := store(t)
	n := 0
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		obj, err := mc.GetObject(ctx, bucket, o.Key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(obj)
		obj.Close()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(o.Key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("the bucket %s has no objects to mirror", bucket)
	}
}

// restoreBucket puts the mirror back into a new bucket.
func restoreBucket(t *testing.T, ctx context.Context, dir, bucket string) {
	t.Helper()
	mc := store(t)
	if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = mc.PutObject(ctx, bucket, filepath.ToSlash(rel), f, fi.Size(), minio.PutObjectOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// verifyFiles checks that every clean file the restored database names is
// in the restored bucket with the checksum the database recorded, and that
// the drill's own files are there with the checksums of their bytes; it
// returns how many files it checked.
func verifyFiles(t *testing.T, ctx context.Context, conn *pgx.Conn, bucket string, mine []stored) int {
	t.Helper()
	mc := store(t)
	rows, err := conn.Query(ctx, `SELECT id::text, object_key, sha256 FROM portfolio.files WHERE state = 'clean'
		UNION ALL SELECT id::text, object_key, sha256 FROM homework.files WHERE state = 'clean'`)
	if err != nil {
		t.Fatal(err)
	}
	type file struct {
		id, key string
		sum     []byte
	}
	files, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (file, error) {
		var f file
		return f, r.Scan(&f.id, &f.key, &f.sum)
	})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string][]byte{}
	for _, f := range files {
		obj, err := mc.GetObject(ctx, bucket, f.key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(obj)
		obj.Close()
		if err != nil {
			t.Errorf("file %s (%s): %v", f.id, f.key, err)
			continue
		}
		sum := sha256.Sum256(b)
		if f.sum != nil && !bytes.Equal(sum[:], f.sum) {
			t.Errorf("file %s (%s): the restored bytes' SHA-256 differs from the one recorded", f.id, f.key)
		}
		byID[f.id] = sum[:]
	}
	for _, f := range mine {
		if got, ok := byID[f.id]; !ok || !bytes.Equal(got, f.sum[:]) {
			t.Errorf("the drill's file %s is not restored with its bytes", f.id)
		}
	}
	return len(files)
}

// removeBucket removes a bucket of the drill and its objects.
func removeBucket(t *testing.T, bucket string) {
	ctx := context.Background()
	mc := store(t)
	objects := mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true})
	for e := range mc.RemoveObjects(ctx, bucket, objects, minio.RemoveObjectsOptions{}) {
		t.Logf("remove %s from %s: %v", e.ObjectName, bucket, e.Err)
	}
	_ = mc.RemoveBucket(ctx, bucket)
}
