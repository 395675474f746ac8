// Package storage keeps files in MinIO (S3). Browsers upload and download
// directly with short-lived presigned URLs; object keys are always generated
// here, never chosen by the caller; the signature of an upload URL covers the
// declared size and content type, so MinIO itself refuses any other body.
// Ownership and access checks live with the owning function, before it signs.
package storage

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kuzbass/eko/shared/errs"
)

// Config is the object-store part of a function's configuration.
type Config struct {
	// Endpoint is host:port of MinIO (S3).
	Endpoint string `envconfig:"S3_ENDPOINT" default:"127.0.0.1:9000"`
	// AccessKey and SecretKey are the credentials; `make run` uses dev ones.
	AccessKey string `envconfig:"S3_ACCESS_KEY" default:"eko-dev"`
	SecretKey string `envconfig:"S3_SECRET_KEY" default:"eko-dev-secret-key"`
	// Bucket holds every EKO object.
	Bucket string `envconfig:"S3_BUCKET" default:"eko"`
	// UseSSL talks HTTPS to the endpoint.
	UseSSL bool `envconfig:"S3_USE_SSL" default:"false"`
	// Region of the bucket.
	Region string `envconfig:"S3_REGION" default:"us-east-1"`
	// PublicEndpoint, when set, is the host (and port) browsers reach MinIO at;
	// presigned URLs are signed for it.
	PublicEndpoint string `envconfig:"S3_PUBLIC_ENDPOINT"`
	// UploadTTL and DownloadTTL bound the life of presigned URLs.
	UploadTTL   time.Duration `envconfig:"S3_UPLOAD_TTL" default:"15m"`
	DownloadTTL time.Duration `envconfig:"S3_DOWNLOAD_TTL" default:"5m"`
}

// Kind is a class of files with its limits, declared by the owning function
// (e.g. homework submissions). Its Name is the first segment of every key.
type Kind struct {
	Name         string
	MaxSize      int64
	ContentTypes []string
}

// Store is a bucket with presigning clients.
type Store struct {
	cfg    Config
	client *minio.Client // internal endpoint: bucket admin, stat, delete
	signer *minio.Client // public endpoint: presigned URLs
	now    func() time.Time
}

// Open connects to MinIO. It does not create the bucket; see EnsureBucket.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	newClient := func(endpoint string) (*minio.Client, error) {
		return minio.New(endpoint, &minio.Options{
			Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
			Secure: cfg.UseSSL,
			Region: cfg.Region,
		})
	}
	c, err := newClient(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	signer := c
	if cfg.PublicEndpoint != "" {
		if signer, err = newClient(cfg.PublicEndpoint); err != nil {
			return nil, fmt.Errorf("storage: public endpoint: %w", err)
		}
	}
	if cfg.UploadTTL <= 0 {
		cfg.UploadTTL = 15 * time.Minute
	}
	if cfg.DownloadTTL <= 0 {
		cfg.DownloadTTL = 5 * time.Minute
	}
	return &Store{cfg: cfg, client: c, signer: signer, now: time.Now}, nil
}

// Bucket is the bucket name.
func (s *Store) Bucket() string { return s.cfg.Bucket }

// EnsureBucket creates the bucket if it does not exist. Safe to call from many
// instances at once.
func (s *Store) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return fmt.Errorf("storage: bucket %s: %w", s.cfg.Bucket, err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.cfg.Bucket, minio.MakeBucketOptions{Region: s.cfg.Region})
	if err != nil {
		if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
			return nil
		}
		return fmt.Errorf("storage: make bucket %s: %w", s.cfg.Bucket, err)
	}
	return nil
}

// Ready checks that the bucket answers.
func (s *Store) Ready(ctx context.Context) error {
	_, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	return err
}

// Upload is what a caller may say about a file it wants to upload.
type Upload struct {
	Kind        Kind
	ContentType string
	Size        int64
}

// Ticket is a presigned upload: PUT the exact body to URL with Headers.
type Ticket struct {
	Key       string            `json:"key"`
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// PresignUpload checks the declared size and type against the kind's limits,
// generates the object key, and signs a PUT whose signature covers
// Content-Length and Content-Type.
func (s *Store) PresignUpload(ctx context.Context, u Upload) (Ticket, error) {
	if err := checkUpload(u); err != nil {
		return Ticket{}, err
	}
	ct, _, _ := mime.ParseMediaType(u.ContentType)
	key := NewKey(u.Kind.Name, s.now())
	h := http.Header{}
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.FormatInt(u.Size, 10))
	ttl := s.cfg.UploadTTL
	signed, err := s.signer.PresignHeader(ctx, http.MethodPut, s.cfg.Bucket, key, ttl, nil, h)
	if err != nil {
		return Ticket{}, fmt.Errorf("storage: presign upload: %w", err)
	}
	return Ticket{
		Key: key, URL: signed.String(), Method: http.MethodPut,
		Headers:   map[string]string{"Content-Type": ct, "Content-Length": strconv.FormatInt(u.Size, 10)},
		ExpiresAt: s.now().Add(ttl),
	}, nil
}

func checkUpload(u Upload) error {
	if u.Kind.Name == "" || strings.ContainsAny(u.Kind.Name, "/.\\ ") {
		return fmt.Errorf("storage: kind %q is not a plain name", u.Kind.Name)
	}
	if u.Size <= 0 {
		return errs.Fields("bad file", errs.FieldError{Field: "size", Code: "range", Message: "размер файла должен быть больше нуля"})
	}
	if u.Size > u.Kind.MaxSize {
		return errs.E(errs.TooLarge, "файл больше допустимого: %d байт при пределе %d", u.Size, u.Kind.MaxSize)
	}
	ct, _, err := mime.ParseMediaType(u.ContentType)
	if err != nil || !slices.Contains(u.Kind.ContentTypes, ct) {
		return errs.E(errs.UnsupportedMedia, "тип файла %q не принимается; допустимы: %s", u.ContentType, strings.Join(u.Kind.ContentTypes, ", "))
	}
	return nil
}

// NewKey returns a fresh object key <kind>/<yyyy>/<mm>/<uuid>.
func NewKey(kind string, now time.Time) string {
	return fmt.Sprintf("%s/%04d/%02d/%s", kind, now.Year(), int(now.Month()), uuid.NewString())
}

// PresignDownload signs a short-lived GET that saves the object as filename.
func (s *Store) PresignDownload(ctx context.Context, key, filename string) (string, error) {
	params := url.Values{}
	if filename != "" {
		params.Set("response-content-disposition", ContentDisposition(filename))
	}
	u, err := s.signer.PresignedGetObject(ctx, s.cfg.Bucket, key, s.cfg.DownloadTTL, params)
	if err != nil {
		return "", fmt.Errorf("storage: presign download: %w", err)
	}
	return u.String(), nil
}

// ContentDisposition is an attachment header with an ASCII fallback and the
// RFC 5987 UTF-8 name, so Cyrillic file names survive.
func ContentDisposition(filename string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, filename)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, fallback, url.PathEscape(filename))
}

// ObjectInfo is what the store knows of a stored object.
type ObjectInfo struct {
	Key         string
	Size        int64
	ContentType string
	ETag        string
}

// Stat describes an object; errs.NotFound when it does not exist (e.g. the
// browser never finished the upload).
func (s *Store) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	oi, err := s.client.StatObject(ctx, s.cfg.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return ObjectInfo{}, errs.E(errs.NotFound, "file %s not found", key)
		}
		return ObjectInfo{}, fmt.Errorf("storage: stat: %w", err)
	}
	return ObjectInfo{Key: key, Size: oi.Size, ContentType: oi.ContentType, ETag: oi.ETag}, nil
}

// Delete removes an object; deleting a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.client.RemoveObject(ctx, s.cfg.Bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("storage: delete: %w", err)
	}
	return nil
}

// Client exposes the MinIO client for administrative work (tests, cleanup).
func (s *Store) Client() *minio.Client { return s.client }
