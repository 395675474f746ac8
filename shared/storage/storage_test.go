package storage_test

// These tests run against the real MinIO that `make test` starts; for a manual
// run: infra/local/minio.sh start && eval "$(infra/local/minio.sh env)" && go test ./shared/storage/...
// The uploads and downloads are plain HTTP requests, as a browser makes them.

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/storage"
	"github.com/kuzbass/eko/shared/storage/storagetest"
)

var submission = storage.Kind{
	Name:         "homework-submission",
	MaxSize:      1 << 20,
	ContentTypes: []string{"application/pdf", "image/jpeg", "image/png"},
}

// reply is what MinIO answered to a browser-like request.
type reply struct {
	Status int
	Code   string // the S3 error code, if any
	ETag   string
	Header http.Header
	Body   []byte
}

// send makes a browser-like request: the ticket's headers (minus any in drop,
// plus any in set) and body. contentLength -1 sends the body chunked, with no
// Content-Length, as a hostile client could.
func send(t *testing.T, method, rawURL string, headers map[string]string, body []byte, contentLength int64) reply {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
		if contentLength < 0 {
			r = io.MultiReader(r) // hides the length from net/http
		}
	}
	req, err := http.NewRequest(method, rawURL, r)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = contentLength
	for k, v := range headers {
		if !strings.EqualFold(k, "Content-Length") { // a browser sets it from the body itself
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Code string }
	if resp.StatusCode >= 300 && strings.Contains(resp.Header.Get("Content-Type"), "xml") {
		_ = xml.Unmarshal(b, &e)
	}
	return reply{Status: resp.StatusCode, Code: e.Code, ETag: strings.Trim(resp.Header.Get("ETag"), `"`), Header: resp.Header, Body: b}
}

// upload sends body with the ticket exactly as a browser following it would.
func upload(t *testing.T, tk storage.Ticket, body []byte) reply {
	t.Helper()
	return send(t, tk.Method, tk.URL, tk.Headers, body, int64(len(body)))
}

func with(h map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for hk, hv := range h {
		out[hk] = hv
	}
	if v == "" {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func presign(t *testing.T, s *storage.Store, up storage.Upload) storage.Ticket {
	t.Helper()
	tk, err := s.PresignUpload(context.Background(), up)
	if err != nil {
		t.Fatalf("PresignUpload(%+v): %v", up, err)
	}
	return tk
}

func mustNotExist(t *testing.T, s *storage.Store, key string) {
	t.Helper()
	if info, err := s.Stat(context.Background(), key); !errs.Is(err, errs.NotFound) {
		t.Fatalf("object %s: want errs.NotFound, got %+v, %v", key, info, err)
	}
}

// 1. A presigned upload of an allowed file works, and Stat sees its size and type.
func TestUploadOfAnAllowedFile(t *testing.T) {
	s := storagetest.MustOpen(t)
	ctx := context.Background()
	for _, c := range []struct {
		name, declared, signed string
		size                   int
	}{
		{"pdf", "application/pdf", "application/pdf", 2000},
		{"png of one byte", "image/png", "image/png", 1},
		{"jpeg of exactly the limit", "image/jpeg", "image/jpeg", int(submission.MaxSize)},
		{"declared with parameters and in upper case", "Application/PDF; charset=binary", "application/pdf", 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := time.Now()
			tk := presign(t, s, storage.Upload{Kind: submission, ContentType: c.declared, Size: int64(c.size)})
			want := map[string]string{"Content-Type": c.signed, "Content-Length": strconv.Itoa(c.size), "If-None-Match": "*"}
			if tk.Method != http.MethodPut || fmt.Sprint(tk.Headers) != fmt.Sprint(want) {
				t.Fatalf("ticket %s %v, want PUT %v", tk.Method, tk.Headers, want)
			}
			if exp := before.Add(15 * time.Minute); tk.ExpiresAt.Before(exp.Add(-2*time.Second)) || tk.ExpiresAt.After(exp) {
				t.Fatalf("ExpiresAt %v, want about %v", tk.ExpiresAt, exp)
			}
			u, _ := url.Parse(tk.URL)
			if sh := u.Query().Get("X-Amz-SignedHeaders"); sh != "content-length;content-type;host;if-none-match" {
				t.Fatalf("signed headers %q", sh)
			}
			body := bytes.Repeat([]byte{'7'}, c.size)
			r := upload(t, tk, body)
			if r.Status != http.StatusOK {
				t.Fatalf("upload: HTTP %d %s", r.Status, r.Code)
			}
			info, err := s.Stat(ctx, tk.Key)
			if err != nil {
				t.Fatal(err)
			}
			if info.Key != tk.Key || info.Size != int64(c.size) || info.ContentType != c.signed || info.ETag != r.ETag || info.LastModified.IsZero() {
				t.Fatalf("stat %+v, want size %d type %s etag %s", info, c.size, c.signed, r.ETag)
			}
		})
	}
}

// A browser's CORS preflight for the ticket's headers is allowed by MinIO.
func TestBrowserPreflightIsAllowed(t *testing.T) {
	s := storagetest.MustOpen(t)
	tk := presign(t, s, storage.Upload{Kind: submission, ContentType: "image/png", Size: 3})
	r := send(t, http.MethodOptions, tk.URL, map[string]string{
		"Origin":                         "http://127.0.0.1:8080",
		"Access-Control-Request-Method":  http.MethodPut,
		"Access-Control-Request-Headers": "content-type,if-none-match",
	}, nil, 0)
	if r.Status/100 != 2 || r.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Fatalf("preflight: HTTP %d, headers %v", r.Status, r.Header)
	}
	if r := send(t, http.MethodPut, tk.URL, with(tk.Headers, "Origin", "http://127.0.0.1:8080"), []byte("png"), 3); r.Status != http.StatusOK {
		t.Fatalf("cross-origin upload: HTTP %d %s", r.Status, r.Code)
	}
}

// 2. MinIO itself refuses any body but the one declared and signed.
func TestMinIORefusesBodiesOtherThanSigned(t *testing.T) {
	s := storagetest.MustOpen(t)
	const declared = 10
	for _, c := range []struct {
		name     string
		body     []byte
		length   int64  // the Content-Length sent; -1: none (chunked)
		header   string // a header to change from the ticket's ...
		value    string // ... to this value ("" removes it)
		wantCode string // the S3 error code, where it is a stable fact worth pinning
	}{
		{"one byte larger than declared", make([]byte, declared+1), declared + 1, "", "", "SignatureDoesNotMatch"},
		{"far larger than the kind's limit", make([]byte, 2<<20), 2 << 20, "", "", "SignatureDoesNotMatch"},
		{"smaller than declared", make([]byte, declared-1), declared - 1, "", "", "SignatureDoesNotMatch"},
		{"larger, sent chunked with no length", make([]byte, 4<<10), -1, "", "", "MissingContentLength"},
		{"another content type", make([]byte, declared), declared, "Content-Type", "text/html", "SignatureDoesNotMatch"},
		{"the signed type with a parameter", make([]byte, declared), declared, "Content-Type", "image/png; charset=utf-8", "SignatureDoesNotMatch"},
		{"without If-None-Match", make([]byte, declared), declared, "If-None-Match", "", ""},
		{"with unsigned metadata", make([]byte, declared), declared, "X-Amz-Meta-Owner", "someone-else", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk := presign(t, s, storage.Upload{Kind: submission, ContentType: "image/png", Size: declared})
			h := tk.Headers
			if c.header != "" {
				h = with(h, c.header, c.value)
			}
			r := send(t, tk.Method, tk.URL, h, c.body, c.length)
			if r.Status < 400 || r.Status >= 500 {
				t.Fatalf("MinIO answered HTTP %d %s, want a 4xx refusal", r.Status, r.Code)
			}
			if c.wantCode != "" && r.Code != c.wantCode {
				t.Fatalf("MinIO refused with %d %s, want %s", r.Status, r.Code, c.wantCode)
			}
			t.Logf("MinIO: HTTP %d %s", r.Status, r.Code)
			mustNotExist(t, s, tk.Key)
		})
	}
}

// A ticket creates its object once: it cannot later replace the confirmed file.
func TestTicketIsSingleUse(t *testing.T) {
	s := storagetest.MustOpen(t)
	ctx := context.Background()
	tk := presign(t, s, storage.Upload{Kind: submission, ContentType: "application/pdf", Size: 8})
	first := upload(t, tk, []byte("original"))
	if first.Status != http.StatusOK {
		t.Fatalf("first upload: HTTP %d %s", first.Status, first.Code)
	}
	if r := upload(t, tk, []byte("replaced")); r.Status != http.StatusPreconditionFailed {
		t.Fatalf("second upload with the same ticket: HTTP %d %s, want 412", r.Status, r.Code)
	}
	info, err := s.Stat(ctx, tk.Key)
	if err != nil || info.ETag != first.ETag {
		t.Fatalf("stat after the refused overwrite: %+v %v, want etag %s", info, err, first.ETag)
	}
}

// 3. Declared limits are checked before signing, without contacting MinIO.
func TestDeclaredLimitsAreCheckedBeforeSigning(t *testing.T) {
	var hits atomic.Int64
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer fake.Close()
	s, err := storage.Open(context.Background(), storage.Config{
		Endpoint: strings.TrimPrefix(fake.URL, "http://"), AccessKey: "k", SecretKey: "secret-key", Bucket: "bucket",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		up   storage.Upload
		want errs.Code // "" means accepted
	}{
		{"within the limit", storage.Upload{Kind: submission, ContentType: "image/png", Size: 1 << 20}, ""},
		{"one byte over the limit", storage.Upload{Kind: submission, ContentType: "application/pdf", Size: 1<<20 + 1}, errs.TooLarge},
		{"far over the limit", storage.Upload{Kind: submission, ContentType: "application/pdf", Size: 1 << 40}, errs.TooLarge},
		{"empty", storage.Upload{Kind: submission, ContentType: "application/pdf", Size: 0}, errs.Invalid},
		{"negative", storage.Upload{Kind: submission, ContentType: "application/pdf", Size: -5}, errs.Invalid},
		{"type not allowed", storage.Upload{Kind: submission, ContentType: "text/html", Size: 10}, errs.UnsupportedMedia},
		{"executable", storage.Upload{Kind: submission, ContentType: "application/x-msdownload", Size: 10}, errs.UnsupportedMedia},
		{"no type", storage.Upload{Kind: submission, ContentType: "", Size: 10}, errs.UnsupportedMedia},
		{"garbage type", storage.Upload{Kind: submission, ContentType: "pdf;;", Size: 10}, errs.UnsupportedMedia},
		{"too large and wrong type: size first", storage.Upload{Kind: submission, ContentType: "text/html", Size: 1 << 30}, errs.TooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.PresignUpload(context.Background(), c.up)
			if got := errs.CodeOf(err); got != c.want {
				t.Fatalf("error %v (code %q), want code %q", err, got, c.want)
			}
			if e, ok := errs.As(err); ok && e.Detail == "" {
				t.Fatal("an error without a detail for the user")
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("MinIO was contacted %d times", n)
	}
}

// A malformed Kind is the declaring function's bug: an internal error, never signed.
func TestMalformedKindsAreRefused(t *testing.T) {
	s, err := storage.Open(context.Background(), storage.Config{Endpoint: "127.0.0.1:1", AccessKey: "k", SecretKey: "secret-key", Bucket: "bucket"})
	if err != nil {
		t.Fatal(err)
	}
	ok := submission
	for _, c := range []struct {
		name string
		edit func(k *storage.Kind)
	}{
		{"path in the name", func(k *storage.Kind) { k.Name = "../x" }},
		{"slash in the name", func(k *storage.Kind) { k.Name = "a/b" }},
		{"upper case name", func(k *storage.Kind) { k.Name = "Homework" }},
		{"no name", func(k *storage.Kind) { k.Name = "" }},
		{"no limit", func(k *storage.Kind) { k.MaxSize = 0 }},
		{"over one PUT", func(k *storage.Kind) { k.MaxSize = storage.MaxObjectSize + 1 }},
		{"no types", func(k *storage.Kind) { k.ContentTypes = nil }},
		{"upper case type", func(k *storage.Kind) { k.ContentTypes = []string{"Image/PNG"} }},
		{"type with a parameter", func(k *storage.Kind) { k.ContentTypes = []string{"text/plain; charset=utf-8"} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := ok
			k.ContentTypes = append([]string(nil), ok.ContentTypes...)
			c.edit(&k)
			if k.Validate() == nil {
				t.Fatal("Validate accepted it")
			}
			ct := "image/png"
			if len(k.ContentTypes) > 0 {
				ct = k.ContentTypes[0]
			}
			if _, err := s.PresignUpload(context.Background(), storage.Upload{Kind: k, ContentType: ct, Size: 1}); errs.CodeOf(err) != errs.Internal {
				t.Fatalf("PresignUpload: %v, want an internal error", err)
			}
		})
	}
	if err := submission.Validate(); err != nil {
		t.Fatal(err)
	}
}

// 4. The key is generated, and a ticket cannot be pointed at another key.
func TestKeysAreGeneratedNotChosen(t *testing.T) {
	s := storagetest.MustOpen(t)
	up := storage.Upload{Kind: submission, ContentType: "image/png", Size: 4}
	a, b := presign(t, s, up), presign(t, s, up)
	now := time.Now().UTC()
	keyRe := regexp.MustCompile(`^homework-submission/(\d{4})/(\d{2})/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, k := range []string{a.Key, b.Key} {
		m := keyRe.FindStringSubmatch(k)
		if m == nil || m[1] != strconv.Itoa(now.Year()) || m[2] != fmt.Sprintf("%02d", now.Month()) {
			t.Fatalf("key %q does not match %s for %s", k, keyRe, now.Format("2006/01"))
		}
	}
	if a.Key == b.Key || a.URL == b.URL {
		t.Fatalf("the same input gave the same key %q", a.Key)
	}
	for _, target := range []string{
		b.Key, // another ticket's key
		"homework-submission/" + now.Format("2006/01") + "/chosen-by-the-caller",
		"other-kind/evil.png",
	} {
		t.Run(target, func(t *testing.T) {
			tampered := strings.Replace(a.URL, "/"+a.Key+"?", "/"+target+"?", 1)
			if tampered == a.URL {
				t.Fatal("the URL was not tampered with")
			}
			r := send(t, a.Method, tampered, a.Headers, []byte("abcd"), 4)
			if r.Status != http.StatusForbidden || r.Code != "SignatureDoesNotMatch" {
				t.Fatalf("write to %s with A's signature: HTTP %d %s, want 403 SignatureDoesNotMatch", target, r.Status, r.Code)
			}
			mustNotExist(t, s, target)
		})
	}
	mustNotExist(t, s, a.Key)
	// B's own ticket still writes B's key.
	if r := upload(t, b, []byte("abcd")); r.Status != http.StatusOK {
		t.Fatalf("upload with B's ticket: HTTP %d %s", r.Status, r.Code)
	}
}

// 5. A presigned download returns the uploaded bytes as an attachment.
func TestPresignedDownload(t *testing.T) {
	s := storagetest.MustOpen(t)
	ctx := context.Background()
	body := []byte("%PDF-1.4 сочинение")
	tk := presign(t, s, storage.Upload{Kind: submission, ContentType: "application/pdf", Size: int64(len(body))})
	if r := upload(t, tk, body); r.Status != http.StatusOK {
		t.Fatalf("upload: HTTP %d %s", r.Status, r.Code)
	}
	for _, name := range []string{
		"Сочинение Иванова.pdf",
		"report-2026.pdf",
		`Отчёт "итог"; 100% (v2), а/б.pdf`,
		"",
	} {
		t.Run(name, func(t *testing.T) {
			u, err := s.PresignDownload(ctx, tk.Key, name)
			if err != nil {
				t.Fatal(err)
			}
			r := send(t, http.MethodGet, u, nil, nil, 0)
			if r.Status != http.StatusOK || !bytes.Equal(r.Body, body) {
				t.Fatalf("download: HTTP %d %q", r.Status, r.Body)
			}
			disp, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
			if err != nil || disp != "attachment" {
				t.Fatalf("Content-Disposition %q: %v", r.Header.Get("Content-Disposition"), err)
			}
			want := strings.ReplaceAll(name, "/", "_")
			if params["filename"] != want {
				t.Fatalf("file name %q, want %q (header %q)", params["filename"], want, r.Header.Get("Content-Disposition"))
			}
			if r.Header.Get("Content-Type") != "application/pdf" || r.Header.Get("Content-Encoding") != "identity" ||
				!strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
				t.Fatalf("headers %v", r.Header)
			}
		})
	}
	u, err := s.PresignDownload(ctx, "homework-submission/2026/01/missing", "x.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if r := send(t, http.MethodGet, u, nil, nil, 0); r.Status != http.StatusNotFound {
		t.Fatalf("download of a missing key: HTTP %d", r.Status)
	}
}

func TestContentDisposition(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"report.pdf", `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`},
		{"Сочинение.pdf", `attachment; filename="_________.pdf"; filename*=UTF-8''%D0%A1%D0%BE%D1%87%D0%B8%D0%BD%D0%B5%D0%BD%D0%B8%D0%B5.pdf`},
		{`a "b"; c=d'e 50%.pdf`, `attachment; filename="a _b_; c=d'e 50_.pdf"; filename*=UTF-8''a%20%22b%22%3B%20c%3Dd%27e%2050%25.pdf`},
		{"../../etc\\passwd\r\n.pdf", `attachment; filename=".._.._etc_passwd__.pdf"; filename*=UTF-8''.._.._etc_passwd__.pdf`},
		{"", "attachment"},
	} {
		if got := storage.ContentDisposition(c.name); got != c.want {
			t.Errorf("ContentDisposition(%q)\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

// Stat and Delete: what the owning function uses to confirm and to clean up.
func TestStatAndDelete(t *testing.T) {
	s := storagetest.MustOpen(t)
	ctx := context.Background()
	mustNotExist(t, s, "homework-submission/2026/01/never-uploaded")
	tk := presign(t, s, storage.Upload{Kind: submission, ContentType: "image/jpeg", Size: 5})
	if r := upload(t, tk, []byte("jpeg!")); r.Status != http.StatusOK {
		t.Fatalf("upload: HTTP %d %s", r.Status, r.Code)
	}
	if info, err := s.Stat(ctx, tk.Key); err != nil || info.Size != 5 || info.ContentType != "image/jpeg" {
		t.Fatalf("stat %+v %v", info, err)
	}
	rc, err := s.Read(ctx, tk.Key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil || string(got) != "jpeg!" {
		t.Fatalf("read %q %v", got, err)
	}
	for i := 0; i < 2; i++ { // the second delete finds nothing, and succeeds
		if err := s.Delete(ctx, tk.Key); err != nil {
			t.Fatalf("delete #%d: %v", i+1, err)
		}
		mustNotExist(t, s, tk.Key)
		if _, err := s.Read(ctx, tk.Key); !errs.Is(err, errs.NotFound) {
			t.Fatalf("read after delete: %v, want errs.NotFound", err)
		}
	}
}

// 6. EnsureBucket is idempotent, also when several instances race to create.
func TestEnsureBucketIsIdempotent(t *testing.T) {
	ctx := context.Background()
	t.Run("repeated", func(t *testing.T) {
		s := storagetest.MustOpen(t)
		for i := 0; i < 3; i++ {
			if err := s.EnsureBucket(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Ready(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("concurrent instances", func(t *testing.T) {
		cfg := storagetest.FreshConfig(t)
		probe, err := storage.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := probe.Ready(ctx); !errs.Is(err, errs.Unavailable) {
			t.Fatalf("Ready before the bucket exists: %v, want errs.Unavailable", err)
		}
		const n = 8
		errc := make(chan error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := storage.Open(ctx, cfg)
				if err == nil {
					err = s.EnsureBucket(ctx)
				}
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := probe.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := probe.Client().PutObject(ctx, cfg.Bucket, "k", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := probe.EnsureBucket(ctx); err != nil { // a bucket with objects
			t.Fatal(err)
		}
	})
}

// Browsers can be sent to a public host other than the internal endpoint.
func TestPublicEndpoint(t *testing.T) {
	cfg := storagetest.FreshConfig(t)
	_, port, err := net.SplitHostPort(cfg.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	cfg.PublicEndpoint = "localhost:" + port
	s, err := storage.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	tk := presign(t, s, storage.Upload{Kind: submission, ContentType: "image/png", Size: 3})
	dl, err := s.PresignDownload(context.Background(), tk.Key, "a.png")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{tk.URL, dl} {
		if !strings.HasPrefix(u, "http://localhost:"+port+"/") {
			t.Fatalf("URL %s is not on the public endpoint", u)
		}
	}
	if r := upload(t, tk, []byte("png")); r.Status != http.StatusOK {
		t.Fatalf("upload via the public host: HTTP %d %s", r.Status, r.Code)
	}
	if r := send(t, http.MethodGet, dl, nil, nil, 0); r.Status != http.StatusOK || string(r.Body) != "png" {
		t.Fatalf("download via the public host: HTTP %d %q", r.Status, r.Body)
	}
}

func TestOpen(t *testing.T) {
	base := storage.Config{Endpoint: "minio.internal:9000", AccessKey: "k", SecretKey: "secret-key", Bucket: "eko"}
	for _, c := range []struct {
		name      string
		edit      func(*storage.Config)
		wantURL   string // prefix of a presigned URL; "" means Open fails
		wantError string
	}{
		{"internal endpoint", func(*storage.Config) {}, "http://minio.internal:9000/eko/", ""},
		{"TLS", func(c *storage.Config) { c.UseSSL = true }, "https://minio.internal:9000/eko/", ""},
		{"public host", func(c *storage.Config) { c.PublicEndpoint = "files.example.ru" }, "http://files.example.ru/eko/", ""},
		{"public https URL", func(c *storage.Config) { c.PublicEndpoint = "https://files.example.ru" }, "https://files.example.ru/eko/", ""},
		{"public URL with a path", func(c *storage.Config) { c.PublicEndpoint = "https://example.ru/files" }, "", "public endpoint"},
		{"no credentials", func(c *storage.Config) { c.SecretKey = "" }, "", "S3_SECRET_KEY"},
		{"no bucket", func(c *storage.Config) { c.Bucket = "" }, "", "S3_BUCKET"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := base
			c.edit(&cfg)
			s, err := storage.Open(context.Background(), cfg)
			if c.wantURL == "" {
				if err == nil || !strings.Contains(err.Error(), c.wantError) {
					t.Fatalf("Open: %v, want an error about %s", err, c.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Signing needs no network: the region is known.
			tk := presign(t, s, storage.Upload{Kind: submission, ContentType: "image/png", Size: 1})
			if !strings.HasPrefix(tk.URL, c.wantURL+"homework-submission/") {
				t.Fatalf("URL %s, want prefix %s", tk.URL, c.wantURL)
			}
		})
	}
}
