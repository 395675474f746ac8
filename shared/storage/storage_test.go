package storage_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/storage"
	"github.com/kuzbass/eko/shared/storage/storagetest"
)

var submission = storage.Kind{Name: "homework-submission", MaxSize: 1 << 20, ContentTypes: []string{"application/pdf", "image/png"}}

// put performs the browser's side of a ticket: PUT body with the ticket's headers.
func put(t *testing.T, url string, tk storage.Ticket, body []byte, contentType string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.ContentLength = int64(len(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func TestPresignedUploadAndDownload(t *testing.T) {
	s := storagetest.MustOpen(t)
	ctx := context.Background()
	body := []byte("%PDF-1.4 сочинение")
	tk, err := s.PresignUpload(ctx, storage.Upload{Kind: submission, ContentType: "application/pdf", Size: int64(len(body))})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Method != http.MethodPut || tk.Headers["Content-Length"] != strconv.Itoa(len(body)) {
		t.Fatalf("ticket %+v", tk)
	}
	if code := put(t, tk.URL, tk, body, "application/pdf"); code != http.StatusOK {
		t.Fatalf("upload: HTTP %d", code)
	}
	info, err := s.Stat(ctx, tk.Key)
	if err != nil || info.Size != int64(len(body)) || info.ContentType != "application/pdf" {
		t.Fatalf("stat %+v %v", info, err)
	}
	url, err := s.PresignDownload(ctx, tk.Key, "Сочинение Иванова.pdf")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(got, body) {
		t.Fatalf("download: %d %q", resp.StatusCode, got)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''%D0%A1") {
		t.Fatalf("Content-Disposition %q lacks the UTF-8 name", cd)
	}
}

func TestMinIORefusesBodiesOtherThanSigned(t *testing.T) {
	s := storagetest.MustOpen(t)
	ctx := context.Background()
	tk, err := s.PresignUpload(ctx, storage.Upload{Kind: submission, ContentType: "image/png", Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		body []byte
		ct   string
	}{
		{"larger than declared", bytes.Repeat([]byte("x"), 11), "image/png"},
		{"much larger than the limit", bytes.Repeat([]byte("x"), 2<<20), "image/png"},
		{"smaller than declared", bytes.Repeat([]byte("x"), 9), "image/png"},
		{"another content type", bytes.Repeat([]byte("x"), 10), "text/html"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code := put(t, tk.URL, tk, c.body, c.ct)
			if code < 400 || code >= 500 {
				t.Fatalf("MinIO answered %d, want a 4xx refusal", code)
			}
			if _, err := s.Stat(ctx, tk.Key); !errs.Is(err, errs.NotFound) {
				t.Fatalf("refused upload left an object: %v", err)
			}
		})
	}
}

func TestDeclaredLimitsAreCheckedBeforeSigning(t *testing.T) {
	s := storagetest.MustOpen(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		up   storage.Upload
		code errs.Code
	}{
		{"over the kind's limit", storage.Upload{Kind: submission, ContentType: "application/pdf", Size: 1<<20 + 1}, errs.TooLarge},
		{"empty", storage.Upload{Kind: submission, ContentType: "application/pdf", Size: 0}, errs.Invalid},
		{"type not allowed", storage.Upload{Kind: submission, ContentType: "application/x-msdownload", Size: 10}, errs.UnsupportedMedia},
		{"garbage type", storage.Upload{Kind: submission, ContentType: "pdf;;", Size: 10}, errs.UnsupportedMedia},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.PresignUpload(ctx, c.up); !errs.Is(err, c.code) {
				t.Fatalf("error %v, want %s", err, c.code)
			}
		})
	}
}

func TestKeysAreGeneratedNotChosen(t *testing.T) {
	s := storagetest.MustOpen(t)
	ctx := context.Background()
	up := storage.Upload{Kind: submission, ContentType: "image/png", Size: 4}
	a, err := s.PresignUpload(ctx, up)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.PresignUpload(ctx, up)
	if err != nil {
		t.Fatal(err)
	}
	keyRe := regexp.MustCompile(`^homework-submission/\d{4}/\d{2}/[0-9a-f-]{36}$`)
	if a.Key == b.Key || !keyRe.MatchString(a.Key) || !keyRe.MatchString(b.Key) {
		t.Fatalf("keys %q and %q", a.Key, b.Key)
	}
	// Point ticket A's signature at another key of the caller's choosing: refused.
	for _, target := range []string{b.Key, "homework-submission/2026/11/chosen-by-me", "other-kind/evil.png"} {
		tampered := strings.Replace(a.URL, a.Key, target, 1)
		if code := put(t, tampered, a, []byte("abcd"), "image/png"); code != http.StatusForbidden {
			t.Fatalf("write to %s with A's signature: HTTP %d, want 403", target, code)
		}
		if _, err := s.Stat(ctx, target); !errs.Is(err, errs.NotFound) {
			t.Fatalf("object %s exists after a refused write", target)
		}
	}
	// A kind name is a plain name, not a path.
	if _, err := s.PresignUpload(ctx, storage.Upload{Kind: storage.Kind{Name: "../x", MaxSize: 10, ContentTypes: []string{"image/png"}}, ContentType: "image/png", Size: 1}); err == nil {
		t.Fatal("a kind with a path was accepted")
	}
}

func TestEnsureBucketIsIdempotent(t *testing.T) {
	s := storagetest.MustOpen(t)
	for i := 0; i < 3; i++ {
		if err := s.EnsureBucket(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
}
