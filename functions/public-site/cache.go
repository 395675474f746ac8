package publicsite

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/kuzbass/eko/shared/httpx"
)

// rendered is a page or a file of one snapshot, ready to send.
type rendered struct {
	body        []byte
	contentType string
	etag        string
	version     string // the snapshot's
	name        string // a file's name for Content-Disposition, or ""
}

// produce makes the body of a request from a snapshot.
type produce func(d *directory, r *http.Request) (*rendered, error)

// cached serves what p makes, once per snapshot and request (its path and
// its query in canonical order), with the snapshot's ETag and
// Cache-Control; a matching If-None-Match is answered 304 Not Modified.
func (f *Function) cached(p produce) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := f.current()
		if err != nil {
			w.Header().Set("Retry-After", "3")
			return err
		}
		key := r.URL.Path + "?" + r.URL.Query().Encode()
		var out *rendered
		if v, ok := f.pages.Load(key); ok && v.(*rendered).version == d.version {
			out = v.(*rendered)
		} else {
			if out, err = p(d, r); err != nil {
				return err
			}
			sum := sha256.Sum256([]byte(key))
			out.etag, out.version = `"`+d.version+"-"+hex.EncodeToString(sum[:6])+`"`, d.version
			if f.stored.Add(1) <= maxCached {
				f.pages.Store(key, out)
			}
		}
		h := w.Header()
		h.Set("ETag", out.etag)
		h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(f.opts.MaxAge.Seconds())))
		h.Set("X-Content-Type-Options", "nosniff")
		if matches(r.Header.Get("If-None-Match"), out.etag) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		h.Set("Content-Type", out.contentType)
		h.Set("Content-Length", strconv.Itoa(len(out.body)))
		if out.name != "" {
			h.Set("Content-Disposition", `attachment; filename="`+out.name+`"`)
		}
		w.WriteHeader(http.StatusOK)
		_, err = w.Write(out.body)
		return err
	}
}

// matches reports whether an If-None-Match header names etag (or is *).
func matches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
