// Package storagetest gives tests a fresh bucket on the real MinIO that
// `make test` starts.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/minio/minio-go/v7"

	"github.com/kuzbass/eko/shared/storage"
)

// Config reads the S3_* environment, as the functions do.
func Config(t testing.TB) storage.Config {
	t.Helper()
	if os.Getenv("S3_ENDPOINT") == "" {
		t.Fatalf("storagetest: S3_ENDPOINT not set: run the tests with `make test`, which starts MinIO")
	}
	var cfg storage.Config
	if err := envconfig.Process("", &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// MustOpen returns a store on a new bucket that is emptied and removed when the
// test ends.
func MustOpen(t testing.TB) *storage.Store {
	t.Helper()
	cfg := Config(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	cfg.Bucket = "eko-test-" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatalf("storagetest: MinIO at %s: %v", cfg.Endpoint, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := s.Client()
		for o := range c.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err == nil {
				_ = c.RemoveObject(ctx, cfg.Bucket, o.Key, minio.RemoveObjectOptions{})
			}
		}
		_ = c.RemoveBucket(ctx, cfg.Bucket)
	})
	return s
}
