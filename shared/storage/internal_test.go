package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kuzbass/eko/shared/errs"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want errs.Code
	}{
		{"missing object", minio.ErrorResponse{StatusCode: 404, Code: "NoSuchKey"}, errs.NotFound},
		{"missing bucket is a configuration bug", minio.ErrorResponse{StatusCode: 404, Code: "NoSuchBucket"}, errs.Internal},
		{"access denied is a configuration bug", minio.ErrorResponse{StatusCode: 403, Code: "AccessDenied"}, errs.Internal},
		{"MinIO overloaded", minio.ErrorResponse{StatusCode: 503, Code: "SlowDown"}, errs.Unavailable},
		{"MinIO unreachable", &url.Error{Op: "Head", URL: "http://127.0.0.1:1/b/k", Err: errors.New("connection refused")}, errs.Unavailable},
		{"caller gave up", fmt.Errorf("x: %w", context.DeadlineExceeded), errs.Internal},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := classify("stat k", c.err)
			if got := errs.CodeOf(err); got != c.want {
				t.Fatalf("code %q, want %q (%v)", got, c.want, err)
			}
			if !errors.Is(err, c.err) && !strings.Contains(err.Error(), c.err.Error()) {
				t.Fatalf("%v lost the cause %v", err, c.err)
			}
		})
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 Б", 512: "512 Б", 1536: "1,5 КБ", 20 << 20: "20 МБ", 5 << 30: "5 ГБ"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestKeysAreDatedInUTC(t *testing.T) {
	// 00:30 on 1 March in Moscow is still February in UTC.
	msk := time.FixedZone("MSK", 3*3600)
	if k := newKey("k", time.Date(2026, 3, 1, 0, 30, 0, 0, msk)); !strings.HasPrefix(k, "k/2026/02/") {
		t.Fatalf("key %s", k)
	}
}
