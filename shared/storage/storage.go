// Package storage keeps files in MinIO (S3). Browsers upload and download
// directly with short-lived presigned URLs; the server never proxies file bytes.
//
// The rules, which MinIO itself enforces rather than trusting the browser:
//
//   - Object keys are always generated here (<kind>/<yyyy>/<mm>/<uuid>), never
//     chosen by the caller; a presigned URL is valid for its one key only.
//   - An upload is a presigned PUT whose signature covers Content-Length,
//     Content-Type and If-None-Match: *, so MinIO refuses a body of any other
//     size or type (403 SignatureDoesNotMatch; 411 without a length) and a second
//     write to the same key (412): a ticket creates one object, once.
//   - Downloads are presigned GETs that force Content-Disposition: attachment
//     (with an RFC 5987 UTF-8 file name) and override the stored Content-Encoding
//     and Cache-Control, so nothing a browser uploaded is rendered inline.
//
// Ownership, metadata and access checks live with the owning function, in
// PostgreSQL, and happen before it asks this package to sign anything.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kuzbass/eko/shared/errs"
)

// Config is the object-store part of a function's configuration, read from the
// environment with envconfig.
type Config struct {
	// Endpoint is the host:port at which this process reaches MinIO (S3).
	Endpoint string `envconfig:"S3_ENDPOINT" default:"127.0.0.1:9000"`
	// AccessKey is the access key id of the MinIO user the functions act as.
	// Required; `make run` and `make test` export the development one.
	AccessKey string `envconfig:"S3_ACCESS_KEY"`
	// SecretKey is that user's secret key. Required.
	SecretKey string `envconfig:"S3_SECRET_KEY"`
	// Bucket holds every EKO object.
	Bucket string `envconfig:"S3_BUCKET" default:"eko"`
	// UseSSL makes this process talk HTTPS to Endpoint.
	UseSSL bool `envconfig:"S3_USE_SSL" default:"false"`
	// Region is the bucket's region; it is also what lets URLs be signed
	// without asking MinIO for the bucket location.
	Region string `envconfig:"S3_REGION" default:"us-east-1"`
	// PublicEndpoint is where browsers reach MinIO, when that differs from
	// Endpoint: "files.example.ru", "host:port" or "https://files.example.ru".
	// Presigned URLs are signed for this host (with no scheme, UseSSL decides
	// http or https). A proxy in front of MinIO must pass the Host header through
	// unchanged, since the signature covers it.
	PublicEndpoint string `envconfig:"S3_PUBLIC_ENDPOINT"`
	// UploadTTL is how long a presigned upload URL stays valid.
	UploadTTL time.Duration `envconfig:"S3_UPLOAD_TTL" default:"15m"`
	// DownloadTTL is how long a presigned download URL stays valid.
	DownloadTTL time.Duration `envconfig:"S3_DOWNLOAD_TTL" default:"5m"`
}

// MaxObjectSize is the largest object a single presigned PUT can create (S3's
// limit for one PUT).
const MaxObjectSize = 5 << 30

// Kind is a class of files with its limits, declared once by the owning function
// as a package-level value, e.g.
//
//	var Submission = storage.Kind{Name: "homework-submission", MaxSize: 20 << 20,
//		ContentTypes: []string{"application/pdf", "image/jpeg", "image/png"}}
//
// The handler picks the Kind; nothing a client sends can name or widen one.
// Its Name is the first segment of every key of that kind.
type Kind struct {
	// Name is lower-case letters, digits and dashes, e.g. "homework-submission".
	Name string
	// MaxSize is the largest accepted file in bytes, 1..MaxObjectSize.
	MaxSize int64
	// ContentTypes are the accepted media types, lower case, without parameters.
	ContentTypes []string
}

var kindName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate reports a malformed Kind: a bug in the declaring function, not a
// user error. PresignUpload calls it; a function may call it in a test.
func (k Kind) Validate() error {
	if !kindName.MatchString(k.Name) {
		return fmt.Errorf("storage: kind name %q is not lower-case letters, digits and dashes", k.Name)
	}
	if k.MaxSize < 1 || k.MaxSize > MaxObjectSize {
		return fmt.Errorf("storage: kind %s: MaxSize %d is outside 1..%d", k.Name, k.MaxSize, int64(MaxObjectSize))
	}
	if len(k.ContentTypes) == 0 {
		return fmt.Errorf("storage: kind %s accepts no content type", k.Name)
	}
	for _, ct := range k.ContentTypes {
		if mt, params, err := mime.ParseMediaType(ct); err != nil || mt != ct || len(params) > 0 {
			return fmt.Errorf("storage: kind %s: %q is not a lower-case media type without parameters", k.Name, ct)
		}
	}
	return nil
}

// Store is one bucket on MinIO. It is safe for concurrent use.
type Store struct {
	cfg    Config
	client *minio.Client // internal endpoint: bucket administration, stat, delete
	signer *minio.Client // public endpoint: presigned URLs only, never dialled
	now    func() time.Time
}

// Open returns a Store for cfg. It does not contact MinIO (see Ready) nor create
// the bucket (see EnsureBucket).
func Open(_ context.Context, cfg Config) (*Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("storage: S3_ENDPOINT and S3_BUCKET must be set")
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		// Empty credentials would make minio-go sign nothing at all.
		return nil, errors.New("storage: S3_ACCESS_KEY and S3_SECRET_KEY must be set")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.UploadTTL <= 0 {
		cfg.UploadTTL = 15 * time.Minute
	}
	if cfg.DownloadTTL <= 0 {
		cfg.DownloadTTL = 5 * time.Minute
	}
	newClient := func(endpoint string, secure bool) (*minio.Client, error) {
		return minio.New(endpoint, &minio.Options{
			Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
			Secure: secure,
			// A known region means presigning never asks MinIO where the bucket is,
			// so the public endpoint need not be reachable from here.
			Region: cfg.Region,
		})
	}
	c, err := newClient(cfg.Endpoint, cfg.UseSSL)
	if err != nil {
		return nil, fmt.Errorf("storage: endpoint %q: %w", cfg.Endpoint, err)
	}
	signer := c
	if cfg.PublicEndpoint != "" {
		host, secure, err := publicEndpoint(cfg.PublicEndpoint, cfg.UseSSL)
		if err == nil {
			signer, err = newClient(host, secure)
		}
		if err != nil {
			return nil, fmt.Errorf("storage: public endpoint %q: %w", cfg.PublicEndpoint, err)
		}
	}
	return &Store{cfg: cfg, client: c, signer: signer, now: time.Now}, nil
}

// publicEndpoint splits "https://host:port" into host and TLS; a bare host keeps
// the internal endpoint's TLS setting.
func publicEndpoint(s string, useSSL bool) (host string, secure bool, err error) {
	if !strings.Contains(s, "://") {
		return s, useSSL, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", false, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return "", false, errors.New("want host[:port] or http(s)://host[:port] with no path")
	}
	return u.Host, u.Scheme == "https", nil
}

// OpenOr is have when the process keeps a store of its own, else the store
// of cfg, its bucket made when absent (a function deployed alone, a test
// world).
func OpenOr(ctx context.Context, have *Store, cfg Config) (*Store, error) {
	if have != nil {
		return have, nil
	}
	s, err := Open(ctx, cfg)
	if err == nil {
		err = s.EnsureBucket(ctx)
	}
	return s, err
}

// PublicOrigin is the origin (scheme://host[:port]) of the URLs browsers
// are given: the public endpoint's, or else the endpoint's.
func (c Config) PublicOrigin() string {
	host, secure := c.Endpoint, c.UseSSL
	if c.PublicEndpoint != "" {
		if h, sec, err := publicEndpoint(c.PublicEndpoint, c.UseSSL); err == nil {
			host, secure = h, sec
		}
	}
	if secure {
		return "https://" + host
	}
	return "http://" + host
}

// PublicOrigin is the origin of the URLs the store signs for browsers.
func (s *Store) PublicOrigin() string { return s.cfg.PublicOrigin() }

// Bucket is the bucket name.
func (s *Store) Bucket() string { return s.cfg.Bucket }

// Client is the MinIO client on the internal endpoint, for administrative work
// (tests, maintenance). Request paths use the Store's methods.
func (s *Store) Client() *minio.Client { return s.client }

// EnsureBucket creates the bucket if it does not exist. It is idempotent and safe
// to call from many instances at once: losing the race to create is success.
func (s *Store) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return classify("bucket "+s.cfg.Bucket, err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.cfg.Bucket, minio.MakeBucketOptions{Region: s.cfg.Region})
	if err == nil {
		return nil
	}
	if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
		return nil // another instance created it between our check and our create
	}
	return classify("make bucket "+s.cfg.Bucket, err)
}

// Ready checks that MinIO answers and the bucket exists: the readiness probe.
func (s *Store) Ready(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return classify("ready", err)
	}
	if !ok {
		return fmt.Errorf("storage: ready: %w", errs.E(errs.Unavailable, "bucket %s does not exist", s.cfg.Bucket))
	}
	return nil
}

// Upload is what an owning function asks to let a browser upload: the Kind it
// chose, and the type and size the browser declared.
type Upload struct {
	Kind        Kind
	ContentType string
	Size        int64
}

// Ticket is a presigned upload. The browser sends Method to URL with exactly
// Headers and a body of exactly the declared size; then it reports Key to the
// owning function, which confirms with Stat. A browser cannot set
// Content-Length itself: it sends the file's real length, which must match.
type Ticket struct {
	Key       string            `json:"key"`
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// PresignUpload checks the declared size and type against the kind's limits
// (errs.TooLarge, errs.Invalid, errs.UnsupportedMedia; MinIO is not contacted),
// generates a fresh key, and signs a PUT whose signature covers Content-Length,
// Content-Type and If-None-Match: *.
func (s *Store) PresignUpload(ctx context.Context, u Upload) (Ticket, error) {
	ct, err := checkUpload(u)
	if err != nil {
		return Ticket{}, err
	}
	now := s.now()
	key := newKey(u.Kind.Name, now)
	headers := map[string]string{
		"Content-Type":   ct,
		"Content-Length": strconv.FormatInt(u.Size, 10),
		"If-None-Match":  "*", // create only: a ticket cannot overwrite, even its own object
	}
	signed := http.Header{}
	for k, v := range headers {
		signed.Set(k, v)
	}
	ttl := s.cfg.UploadTTL
	pu, err := s.signer.PresignHeader(ctx, http.MethodPut, s.cfg.Bucket, key, ttl, nil, signed)
	if err != nil {
		return Ticket{}, fmt.Errorf("storage: presign upload: %w", err)
	}
	return Ticket{
		Key: key, URL: pu.String(), Method: http.MethodPut, Headers: headers,
		// X-Amz-Date is the signing second, at or after now.
		ExpiresAt: now.UTC().Truncate(time.Second).Add(ttl),
	}, nil
}

// checkUpload validates u and returns the canonical content type to sign.
func checkUpload(u Upload) (string, error) {
	if err := u.Kind.Validate(); err != nil {
		return "", err
	}
	if u.Size <= 0 {
		return "", errs.Fields("файл пуст или его размер не указан",
			errs.FieldError{Field: "size", Code: errs.Range, Message: "размер файла должен быть больше нуля"})
	}
	if u.Size > u.Kind.MaxSize {
		return "", errs.User(errs.TooLarge, "файл больше допустимого: %s при пределе %s", humanSize(u.Size), humanSize(u.Kind.MaxSize))
	}
	ct, _, err := mime.ParseMediaType(u.ContentType)
	if err != nil || !slices.Contains(u.Kind.ContentTypes, ct) {
		declared := u.ContentType
		if len(declared) > 100 || !utf8.ValidString(declared) {
			declared = "?"
		}
		return "", errs.User(errs.UnsupportedMedia, "тип файла %q не принимается; допустимы: %s", declared, strings.Join(u.Kind.ContentTypes, ", "))
	}
	return ct, nil
}

// humanSize renders a byte count for people: 512 Б, 1,5 КБ, 20 МБ.
func humanSize(n int64) string {
	units := []string{"Б", "КБ", "МБ", "ГБ"}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 || v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[i])
	}
	return strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1) + " " + units[i]
}

// newKey returns a fresh object key <kind>/<yyyy>/<mm>/<uuid v4>, dated in UTC.
func newKey(kind string, now time.Time) string {
	now = now.UTC()
	return fmt.Sprintf("%s/%04d/%02d/%s", kind, now.Year(), int(now.Month()), uuid.NewString())
}

// PresignDownload signs a short-lived GET of key that the browser saves as
// filename (Content-Disposition: attachment, RFC 5987 for non-ASCII names; just
// "attachment" when filename is empty). It does not check that key exists: the
// owning function signs keys it recorded, after its access check.
func (s *Store) PresignDownload(ctx context.Context, key, filename string) (string, error) {
	if key == "" {
		return "", errors.New("storage: presign download: empty key")
	}
	params := url.Values{}
	params.Set("response-content-disposition", ContentDisposition(filename))
	// Whatever the uploader sent as Content-Encoding or Cache-Control (these are
	// not signed) is not what the downloader gets.
	params.Set("response-content-encoding", "identity")
	params.Set("response-cache-control", "private, no-store")
	u, err := s.signer.PresignedGetObject(ctx, s.cfg.Bucket, key, s.cfg.DownloadTTL, params)
	if err != nil {
		return "", fmt.Errorf("storage: presign download: %w", err)
	}
	return u.String(), nil
}

// ContentDisposition is an attachment header value with an ASCII fallback name
// and the RFC 5987 UTF-8 name, so that Cyrillic file names survive:
//
//	attachment; filename="_________.pdf"; filename*=UTF-8''%D0%A1...%2Epdf
func ContentDisposition(filename string) string {
	filename = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(filename, "_"))
	if filename == "" {
		return "attachment"
	}
	fallback := strings.Map(func(r rune) rune {
		if r > 0x7e || r == '"' || r == '%' {
			return '_'
		}
		return r
	}, filename)
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + encodeRFC5987(filename)
}

// encodeRFC5987 percent-encodes every byte that is not an RFC 5987 attr-char.
func encodeRFC5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// ObjectInfo is what the store knows of a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ContentType  string
	ETag         string
	LastModified time.Time
}

// Stat describes an object, so the owning function can confirm an upload the
// browser says it finished. errs.NotFound when there is no such object (the
// upload never happened or was refused).
func (s *Store) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	oi, err := s.client.StatObject(ctx, s.cfg.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, classify("stat "+key, err)
	}
	return ObjectInfo{Key: key, Size: oi.Size, ContentType: oi.ContentType, ETag: oi.ETag, LastModified: oi.LastModified}, nil
}

// Read opens an object's bytes, for the owning function's own checks of an
// upload (its type, its checksum, a malware scan): never to pass a file on to
// a browser, which downloads with a presigned GET. errs.NotFound when there
// is no such object.
func (s *Store) Read(ctx context.Context, key string) (io.ReadCloser, error) {
	if _, err := s.Stat(ctx, key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, classify("read "+key, err)
	}
	return obj, nil
}

// Delete removes an object. Like S3 itself it is idempotent: deleting an object
// that does not exist succeeds, so a retried cleanup never fails.
func (s *Store) Delete(ctx context.Context, key string) error {
	if key == "" {
		return errors.New("storage: delete: empty key")
	}
	if err := s.client.RemoveObject(ctx, s.cfg.Bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return classify("delete "+key, err)
	}
	return nil
}

// classify wraps a MinIO error: a missing object becomes errs.NotFound; an
// unreachable or overloaded MinIO becomes errs.Unavailable; the original error
// stays in the chain (and in the text) for the log.
func classify(op string, err error) error {
	var code *errs.Error
	var resp minio.ErrorResponse
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
	case errors.As(err, &resp) && (resp.Code == "NoSuchKey" || resp.Code == "NoSuchVersion"):
		code = errs.User(errs.NotFound, "файл не найден")
	case !errors.As(err, &resp) || resp.StatusCode == 0 || resp.StatusCode == http.StatusServiceUnavailable ||
		resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout:
		code = errs.User(errs.Unavailable, "хранилище файлов недоступно, повторите позже")
	}
	if code == nil {
		return fmt.Errorf("storage: %s: %w", op, err)
	}
	return fmt.Errorf("storage: %s: %w: %w", op, code, err)
}
