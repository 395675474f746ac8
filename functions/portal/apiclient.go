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

// apiClient calls another function's API (the registry's, submit-application's)
// with the user's own access token, so that function applies its own access
// rules (a foreign child's id is 404) and writes its audit log. The portal never
// reads other functions' tables.
type apiClient struct {
	base string
	http *http.Client
}

func newAPIClient(base string, c *http.Client) *apiClient {
	return &apiClient{base: strings.TrimRight(base, "/"), http: c}
}

// maxAPIBody bounds an answer (a school's student list is the largest).
const maxAPIBody = 8 << 20

// get calls GET path?query and decodes the JSON answer into dst. Statuses become
// *errs.Error values with Russian details for the pages.
func (c *apiClient) get(ctx context.Context, token, path string, query url.Values, dst any) error {
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return c.send(ctx, token, http.MethodGet, path, nil, nil, dst)
}

// apiProblem is the RFC 9457 answer of an API.
type apiProblem struct {
	Code   errs.Code         `json:"code"`
	Detail string            `json:"detail"`
	Errors []errs.FieldError `json:"errors"`
}

// send calls method path with body (JSON, when not nil) and headers, and
// decodes a 2xx answer into dst (when not nil). A refusal becomes an
// *errs.Error carrying the API's own detail and field errors, so that forms can
// show them next to their fields.
func (c *apiClient) send(ctx context.Context, token, method, path string, body any, header map[string]string, dst any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if cl, ok := clientFrom(ctx); ok {
		// The callee's audit records the client; through HTTP it sees the
		// portal's address, so the browser's is passed along as well.
		req.Header.Set("User-Agent", cl.userAgent)
		if host := hostOf(cl.addr); host != "" {
			req.Header.Set("X-Forwarded-For", host)
		}
	}
	op := strings.SplitN(path, "?", 2)[0]
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return unavailable(op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody+1))
	if err != nil {
		return unavailable(op, err)
	}
	if len(data) > maxAPIBody {
		return fmt.Errorf("portal: %s: answer larger than %d bytes", op, maxAPIBody)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if dst == nil {
			return nil
		}
		if err := json.Unmarshal(data, dst); err != nil {
			return fmt.Errorf("portal: %s: %w", op, err)
		}
		return nil
	}
	var p apiProblem
	_ = json.Unmarshal(data, &p)
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return errs.User(errs.Unauthenticated, "Сеанс завершён. Войдите ещё раз.")
	case http.StatusForbidden:
		return &errs.Error{Code: errs.Forbidden, Detail: orText(p.Detail, "Недостаточно прав.")}
	case http.StatusNotFound:
		return errs.User(errs.NotFound, "Не найдено.")
	case http.StatusTooManyRequests:
		return errs.User(errs.RateLimited, "Слишком много запросов. Попробуйте через минуту.")
	case http.StatusConflict:
		return &errs.Error{Code: errs.Conflict, Detail: orText(p.Detail, "Действие невозможно в текущем состоянии.")}
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		code := errs.Invalid
		if resp.StatusCode == http.StatusUnprocessableEntity {
			code = errs.Unprocessable
		}
		return &errs.Error{Code: code, Detail: orText(p.Detail, "Неверный запрос."), Fields: p.Errors}
	}
	return unavailable(op, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, data))
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.HasSuffix(addr, "]") {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}

// The registry API the portal uses.

func (c *apiClient) me(ctx context.Context, token string) (*registry.Me, error) {
	var m registry.Me
	return &m, c.get(ctx, token, "/api/registry/me", nil, &m)
}

func (c *apiClient) grants(ctx context.Context, token string) (*access.Grants, error) {
	var g access.Grants
	return &g, c.get(ctx, token, "/api/registry/me/grants", nil, &g)
}

func (c *apiClient) person(ctx context.Context, token string, id uuid.UUID) (*registry.Person, error) {
	var p registry.Person
	return &p, c.get(ctx, token, "/api/registry/people/"+id.String(), nil, &p)
}

func (c *apiClient) audit(ctx context.Context, token string, id uuid.UUID, after int64) (registry.Page[audit.Record], error) {
	var p registry.Page[audit.Record]
	q := url.Values{"limit": {"50"}}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	return p, c.get(ctx, token, "/api/registry/people/"+id.String()+"/audit", q, &p)
}

func (c *apiClient) organisation(ctx context.Context, token string, id uuid.UUID) (*registry.Organisation, error) {
	var o registry.Organisation
	return &o, c.get(ctx, token, "/api/registry/organisations/"+id.String(), nil, &o)
}

func (c *apiClient) organisations(ctx context.Context, token string, municipality uuid.UUID, after string) (registry.Page[registry.Organisation], error) {
	var p registry.Page[registry.Organisation]
	q := url.Values{"municipality": {municipality.String()}, "limit": {"500"}}
	if after != "" {
		q.Set("after", after)
	}
	return p, c.get(ctx, token, "/api/registry/organisations", q, &p)
}

func (c *apiClient) municipalities(ctx context.Context, token string) ([]registry.Municipality, error) {
	var p registry.Page[registry.Municipality]
	return p.Items, c.get(ctx, token, "/api/registry/municipalities", nil, &p)
}

func (c *apiClient) classes(ctx context.Context, token string, org uuid.UUID) ([]registry.Class, error) {
	var p registry.Page[registry.Class]
	return p.Items, c.get(ctx, token, "/api/registry/organisations/"+org.String()+"/classes", nil, &p)
}

// roster is a class's pupils by name only, as the registry shows them to the
// school's teachers and administration.
func (c *apiClient) roster(ctx context.Context, token string, org, class uuid.UUID) ([]registry.RosterPupil, error) {
	var p registry.Page[registry.RosterPupil]
	return p.Items, c.get(ctx, token, "/api/registry/organisations/"+org.String()+"/roster", url.Values{"class": {class.String()}}, &p)
}

func (c *apiClient) staff(ctx context.Context, token string, org uuid.UUID) ([]registry.StaffMember, error) {
	var p registry.Page[registry.StaffMember]
	return p.Items, c.get(ctx, token, "/api/registry/organisations/"+org.String()+"/staff", nil, &p)
}

func (c *apiClient) students(ctx context.Context, token string, org uuid.UUID, class *uuid.UUID) ([]registry.Student, error) {
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
