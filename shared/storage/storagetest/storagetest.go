// Package storagetest gives tests a fresh bucket on the real MinIO that
// `make test` starts (infra/local/minio.sh). There is no fake and no skipping:
// without S3_ENDPOINT the test fails and says how to run it.
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

// Config reads the S3_* environment, as the functions do, and fails the test
// when S3_ENDPOINT is not set.
func Config(t testing.TB) storage.Config {
	t.Helper()
	if os.Getenv("S3_ENDPOINT") == "" {
		t.Fatal("storagetest: S3_ENDPOINT not set: run the tests with `make test`, which starts MinIO " +
			"(or: infra/local/minio.sh start && eval \"$(infra/local/minio.sh env)\")")
	}
	var cfg storage.Config
	if err := envconfig.Process("", &cfg); err != nil {
		t.Fatalf("storagetest: %v", err)
	}
	return cfg
}

// FreshConfig is Config with a bucket name no other test uses
// ("eko-test-<random>"). The bucket is not created; if anything creates it, it
// is removed with its objects when the test ends.
func FreshConfig(t testing.TB) storage.Config {
	t.Helper()
	cfg := Config(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails
	cfg.Bucket = "eko-test-" + hex.EncodeToString(b)
	t.Cleanup(func() { removeBucket(t, cfg) })
	return cfg
}

// MustOpen returns a store on a new, empty bucket that is removed with its
// objects when the test ends.
func MustOpen(t testing.TB) *storage.Store {
	t.Helper()
	cfg := FreshConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("storagetest: %v", err)
	}
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatalf("storagetest: MinIO at %s (is it running? `make test` starts it): %v", cfg.Endpoint, err)
	}
	return s
}

func removeBucket(t testing.TB, cfg storage.Config) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := storage.Open(ctx, cfg)
	if err != nil {
		t.Errorf("storagetest: cleanup: %v", err)
		return
	}
	// MinIO's force delete removes the bucket and every object in it.
	err = s.Client().RemoveBucketWithOptions(ctx, cfg.Bucket, minio.RemoveBucketOptions{ForceDelete: true})
	if err != nil && minio.ToErrorResponse(err).Code != "NoSuchBucket" {
		t.Errorf("storagetest: cleanup: remove bucket %s: %v", cfg.Bucket, err)
	}
}
