package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/functions/registry"
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/errs"
)

// registryClient calls the registry's API with the user's own access token, so
// the registry applies its own access rules (a foreign child's id is 404) and
// writes its audit log. It never reads the registry's tables.
type registryClient struct {
	base string
	http *http.Client
}

func newRegistryClient(base string, c *http.Client) *registryClient {
	return &registryClient{base: strings.TrimRight(base, "/"), http: c}
}

// maxRegistryBody bounds an answer of the registry (a school's student list is the largest).
const maxRegistryBody = 8 << 20

// get calls GET path?query and decodes the JSON answer into dst. Statuses become
// *errs.Error values with Russian details for the pages.
func (c *registryClient) get(ctx context.Context, token, path string, query url.Values, dst any) error {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if cl, ok := clientFrom(ctx); ok {
		// The registry's audit records the client; through HTTP it sees the
		// portal's address, so the browser's is passed along as well.
		req.Header.Set("User-Agent", cl.userAgent)
		if host := hostOf(cl.addr); host != "" {
			req.Header.Set("X-Forwarded-For", host)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return unavailable("registry "+path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRegistryBody+1))
	if err != nil {
		return unavailable("registry "+path, err)
	}
	if len(body) > maxRegistryBody {
		return fmt.Errorf("portal: registry %s: answer larger than %d bytes", path, maxRegistryBody)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		if err := json.Unmarshal(body, dst); err != nil {
			return fmt.Errorf("portal: registry %s: %w", path, err)
		}
		return nil
	case http.StatusUnauthorized:
		return errs.E(errs.Unauthenticated, "Сеанс завершён. Войдите ещё раз.")
	case http.StatusForbidden:
		return errs.E(errs.Forbidden, "Недостаточно прав.")
	case http.StatusNotFound:
		return errs.E(errs.NotFound, "Не найдено.")
	case http.StatusTooManyRequests:
		return errs.E(errs.RateLimited, "Слишком много запросов. Попробуйте через минуту.")
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return errs.E(errs.Invalid, "Неверный запрос.")
	}
	return unavailable("registry "+path, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, body))
}

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.HasSuffix(addr, "]") {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}

// The registry API the portal uses.

func (c *registryClient) me(ctx context.Context, token string) (*registry.Me, error) {
	var m registry.Me
	return &m, c.get(ctx, token, "/api/registry/me", nil, &m)
}

func (c *registryClient) grants(ctx context.Context, token string) (*access.Grants, error) {
	var g access.Grants
	return &g, c.get(ctx, token, "/api/registry/me/grants", nil, &g)
}

func (c *registryClient) person(ctx context.Context, token string, id uuid.UUID) (*registry.Person, error) {
	var p registry.Person
	return &p, c.get(ctx, token, "/api/registry/people/"+id.String(), nil, &p)
}

func (c *registryClient) audit(ctx context.Context, token string, id uuid.UUID, after int64) (registry.Page[audit.Record], error) {
	var p registry.Page[audit.Record]
	q := url.Values{"limit": {"50"}}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	return p, c.get(ctx, token, "/api/registry/people/"+id.String()+"/audit", q, &p)
}

func (c *registryClient) organisation(ctx context.Context, token string, id uuid.UUID) (*registry.Organisation, error) {
	var o registry.Organisation
	return &o, c.get(ctx, token, "/api/registry/organisations/"+id.String(), nil, &o)
}

func (c *registryClient) organisations(ctx context.Context, token string, municipality uuid.UUID, after string) (registry.Page[registry.Organisation], error) {
	var p registry.Page[registry.Organisation]
	q := url.Values{"municipality": {municipality.String()}, "limit": {"500"}}
	if after != "" {
		q.Set("after", after)
	}
	return p, c.get(ctx, token, "/api/registry/organisations", q, &p)
}

func (c *registryClient) municipalities(ctx context.Context, token string) ([]registry.Municipality, error) {
	var p registry.Page[registry.Municipality]
	return p.Items, c.get(ctx, token, "/api/registry/municipalities", nil, &p)
}

func (c *registryClient) classes(ctx context.Context, token string, org uuid.UUID) ([]registry.Class, error) {
	var p registry.Page[registry.Class]
	return p.Items, c.get(ctx, token, "/api/registry/organisations/"+org.String()+"/classes", nil, &p)
}

func (c *registryClient) staff(ctx context.Context, token string, org uuid.UUID) ([]registry.StaffMember, error) {
	var p registry.Page[registry.StaffMember]
	return p.Items, c.get(ctx, token, "/api/registry/organisations/"+org.String()+"/staff", nil, &p)
}

func (c *registryClient) students(ctx context.Context, token string, org uuid.UUID, class *uuid.UUID) ([]registry.Student, error) {
	var p registry.Page[registry.Student]
	var q url.Values
	if class != nil {
		q = url.Values{"class": {class.String()}}
	}
	return p.Items, c.get(ctx, token, "/api/registry/organisations/"+org.String()+"/students", q, &p)
}

// handlerTransport is an http.RoundTripper that serves requests with an
// http.Handler in this process: the portal calls the registry mounted in the
// all-in-one function through the same client code and the same API, with no
// socket in between. The browser's address goes in RemoteAddr, as the registry
// would see it if it served the browser itself.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	sr := req.Clone(req.Context())
	sr.RequestURI = req.URL.RequestURI()
	sr.RemoteAddr = "127.0.0.1:0"
	if cl, ok := clientFrom(req.Context()); ok && cl.addr != "" {
		sr.RemoteAddr = cl.addr
	}
	sr.Header.Del("X-Forwarded-For")
	if sr.Body == nil {
		sr.Body = http.NoBody
	}
	rec := &recorder{header: http.Header{}}
	t.h.ServeHTTP(rec, sr)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", rec.status, http.StatusText(rec.status)),
		StatusCode:    rec.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rec.header,
		Body:          io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		ContentLength: int64(rec.body.Len()),
		Request:       req,
	}, nil
}

// recorder is the ResponseWriter of an in-process call.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
