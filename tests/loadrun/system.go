package loadrun

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kelseyhightower/envconfig"
	"github.com/minio/minio-go/v7"

	"github.com/kuzbass/eko"
	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/pdata"
	"github.com/kuzbass/eko/shared/storage"
)

// SystemOptions say how Start sets the all-in-one process up.
type SystemOptions struct {
	AdminURL string // a PostgreSQL URL allowed to CREATE DATABASE
	Prefix   string // of the database's name
	Conns    int    // PostgreSQL connections of the process
	// OwnBucket gives the run a bucket of its own (named as the database),
	// emptied and removed by Close.
	OwnBucket bool
	Logins    []string // fixture logins whose tokens Start fetches (and who open /api/registry/me once)
}

// System is the all-in-one process on a fresh database with the small
// region, the relay running, served on loopback next to the development
// identity provider: what a load generator measures.
type System struct {
	DB      *Database
	Pool    *pgxpool.Pool // four connections of the run's own, for setup and checks
	Store   *storage.Store
	URL     string            // the process's base URL
	Tokens  map[string]string // login → access token
	Issuer  string
	Client  *http.Client
	closers []func()
}

// Start migrates a fresh database, seeds the small region, mounts every
// function (the relay running, as in the all-in-one process), serves it,
// waits until the seed's events are delivered and fetches the logins' tokens.
func Start(ctx context.Context, o SystemOptions) (*System, error) {
	s := &System{Client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}, Tokens: map[string]string{}}
	var err error
	if s.DB, err = NewDatabase(ctx, o.AdminURL, o.Prefix, eko.Schemas()...); err != nil {
		return s, err
	}
	p, err := pdata.Open(pdata.Config{Keys: pdata.DevKeys, HashKey: pdata.DevHashKey})
	if err != nil {
		return s, err
	}
	fx := fixtures.MustLoad()
	if s.Pool, err = db.Open(ctx, db.Config{URL: s.DB.URL, MaxConns: 4, StatementTimeout: time.Hour}); err != nil {
		return s, err
	}
	s.closers = append(s.closers, s.Pool.Close)
	if _, err := eko.SeedSmall(ctx, s.Pool, p, fx, 3, time.Now()); err != nil {
		return s, err
	}
	var s3 storage.Config
	if err := envconfig.Process("", &s3); err != nil {
		return s, err
	}
	if s3.Endpoint == "" || s3.AccessKey == "" {
		return s, fmt.Errorf("MinIO: set S3_* (infra/local/minio.sh env)")
	}
	if o.OwnBucket {
		s3.Bucket = strings.ReplaceAll(s.DB.Name, "_", "-")
	}
	issuer, stopIdP, err := devidp.ServeLoopback(devidp.Config{}, fx)
	if err != nil {
		return s, err
	}
	s.Issuer = issuer
	s.closers = append(s.closers, stopIdP)
	deps, closeDeps, err := function.Open(ctx, function.Config{DB: db.Config{URL: s.DB.URL, MaxConns: int32(o.Conns), StatementTimeout: 5 * time.Second, ExecMode: "cache_statement"},
		Auth: auth.Config{Issuer: issuer, Audience: "eko"}, LogLevel: "error"}, &s3)
	if err != nil {
		return s, err
	}
	s.closers = append(s.closers, closeDeps)
	s.Store = deps.Store
	if o.OwnBucket {
		s.closers = append(s.closers, func() { removeBucket(s.Store) })
	}
	sys, err := eko.Mount(ctx, deps, eko.Options{})
	if err != nil {
		return s, err
	}
	s.closers = append(s.closers, func() { _ = sys.Stop(context.Background()) })
	if s.URL, err = Serve(sys); err != nil {
		return s, err
	}
	// The roster and the families arrive by the relay, from the seed's announcements.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		var pending int
		if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM platform.outbox WHERE status = 'pending'`).Scan(&pending); err != nil {
			return s, err
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("the relay left %d events undelivered", pending)
		}
	}
	for _, login := range o.Logins {
		if s.Tokens[login], err = Token(s.Client, issuer, login); err != nil {
			return s, err
		}
		if code, body := Call(s.Client, http.MethodGet, s.URL+"/api/registry/me", s.Tokens[login], nil); code != http.StatusOK {
			return s, fmt.Errorf("%s /me: %d %s", login, code, body)
		}
	}
	return s, nil
}

// Defer has Close run f too, before what Start set up is closed.
func (s *System) Defer(f func()) { s.closers = append(s.closers, f) }

// Close stops what Start started, in reverse; keep leaves the database.
func (s *System) Close(ctx context.Context, keep bool) {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	if !keep && s.DB != nil {
		s.DB.Drop(ctx)
	}
}

// removeBucket empties and removes the run's bucket.
func removeBucket(st *storage.Store) {
	if st == nil {
		return
	}
	ctx := context.Background()
	c := st.Client()
	for obj := range c.ListObjects(ctx, st.Bucket(), minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err == nil {
			_ = c.RemoveObject(ctx, st.Bucket(), obj.Key, minio.RemoveObjectOptions{})
		}
	}
	_ = c.RemoveBucket(ctx, st.Bucket())
}
