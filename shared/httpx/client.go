package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
)

// Client calls one function's API on behalf of the caller of the request in
// hand: the caller's bearer token (from the verified principal of ctx) and
// the address and user agent of the client behind the request (Origin) go with
// every call, so the callee applies its own access rules and writes its own
// audit log exactly as if the caller had asked it directly.
//
// The same client runs over HTTP (Dial: the function's URL, as Knative runs
// it) or in this process (InProcess: the function's handler, no network, as
// the all-in-one process runs it). Either way an answer other than 2xx comes
// back as the *errs.Error its problem+json describes — code, detail, field
// errors, extension members — so that a caller can tell a refusal from an
// outage and show a refusal to the user as the callee worded it.
type Client struct {
	name    string // the callee, for messages
	base    string // scheme://host of the callee; "http://<name>.in-process" in this process
	handler http.Handler
	http    *http.Client
}

// MaxAnswer bounds an answer (a school's student list is among the largest).
const MaxAnswer = 8 << 20

// Dial returns a client of the function name at baseURL (for example
// http://registry.eko.svc.cluster.local), with a bounded timeout per call.
func Dial(name, baseURL string) *Client {
	return &Client{name: name, base: strings.TrimRight(baseURL, "/"), http: &http.Client{Timeout: 10 * time.Second}}
}

// InProcess returns a client that serves every call with h in this process.
func InProcess(name string, h http.Handler) *Client {
	return &Client{name: name, base: "http://" + name + ".in-process", handler: h}
}

// Name is the function the client calls.
func (c *Client) Name() string { return c.name }

// Get calls GET path?query and decodes the JSON answer into out.
func (c *Client) Get(ctx context.Context, path string, query url.Values, out any) error {
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return c.Do(ctx, http.MethodGet, path, nil, nil, out)
}

// Do calls method path with body (sent as JSON unless nil) and header, and
// decodes a 2xx answer into out (unless nil).
func (c *Client) Do(ctx context.Context, method, path string, body any, header http.Header, out any) error {
	var rd io.Reader = http.NoBody
	h := http.Header{}
	for k, v := range header {
		h[k] = v
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", c.name, path, err)
		}
		rd = bytes.NewReader(b)
		h.Set("Content-Type", "application/json")
	}
	h.Set("Accept", "application/json")
	_, data, err := c.send(ctx, method, path, rd, h)
	if err != nil || out == nil || len(data) == 0 {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: the answer: %w", c.name, method+" "+strings.SplitN(path, "?", 2)[0], err)
	}
	return nil
}

// File is an answer taken as it is (a workbook, an export): its bytes and
// the headers that say what they are.
type File struct {
	ContentType, Disposition string
	Body                     []byte
}

// Fetch calls method path with body as it is (nil: none) of contentType,
// and returns a 2xx answer's bytes; any other answer is the error Do
// returns for it.
func (c *Client) Fetch(ctx context.Context, method, path string, body []byte, contentType string) (*File, error) {
	var rd io.Reader = http.NoBody
	h := http.Header{}
	if body != nil {
		rd = bytes.NewReader(body)
		h.Set("Content-Type", contentType)
	}
	ah, data, err := c.send(ctx, method, path, rd, h)
	if err != nil {
		return nil, err
	}
	return &File{ContentType: ah.Get("Content-Type"), Disposition: ah.Get("Content-Disposition"), Body: data}, nil
}

// send calls method path on behalf of ctx's caller (its token, its
// client's address and agent) and returns a 2xx answer's headers and
// bytes, or the error its status stands for.
func (c *Client) send(ctx context.Context, method, path string, body io.Reader, header http.Header) (http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", c.name, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if p := auth.PrincipalFrom(ctx); p != nil && p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	o := OriginOf(ctx)
	if o.UserAgent != "" {
		req.Header.Set("User-Agent", o.UserAgent)
	}
	status, h, data, err := c.roundTrip(req, o)
	op := method + " " + strings.SplitN(path, "?", 2)[0]
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, c.unavailable(op, err)
	}
	if status >= 200 && status < 300 {
		if status == http.StatusNoContent {
			data = nil
		}
		return h, data, nil
	}
	return nil, nil, c.refusal(op, status, h, data)
}

// roundTrip sends req and reads the whole, bounded, answer.
func (c *Client) roundTrip(req *http.Request, o Origin) (int, http.Header, []byte, error) {
	if c.handler != nil {
		req.RequestURI = req.URL.RequestURI()
		req.RemoteAddr = o.Addr
		if req.RemoteAddr == "" {
			req.RemoteAddr = "127.0.0.1:0"
		}
		rec := &answer{header: http.Header{}}
		c.handler.ServeHTTP(rec, req)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if rec.body.Len() > MaxAnswer {
			return 0, nil, nil, fmt.Errorf("the answer is larger than %d bytes", MaxAnswer)
		}
		return rec.status, rec.header, rec.body.Bytes(), nil
	}
	if host := hostOf(o.Addr); host != "" {
		// The callee's audit records the client; over HTTP it sees this
		// process's address, so the client's goes along, and the callee
		// believes it when this process is among its trusted proxies
		// (Proxies.Behind).
		req.Header.Set("X-Forwarded-For", host)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return 0, nil, nil, err
	}
	if len(data) > MaxAnswer {
		return 0, nil, nil, fmt.Errorf("the answer is larger than %d bytes", MaxAnswer)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// refusal turns an answer other than 2xx into the error it stands for: the
// callee's problem as an *errs.Error (a refusal, or the callee's own 503), an
// outage as Unavailable, anything else as an internal error.
func (c *Client) refusal(op string, status int, h http.Header, data []byte) error {
	e, ok := problemOf(h, data)
	switch {
	case ok && (status < 500 || e.Code == errs.Unavailable):
		return e
	case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		return c.unavailable(op, fmt.Errorf("HTTP %d", status))
	}
	return fmt.Errorf("%s %s: HTTP %d: %.300s", c.name, op, status, data)
}

// problemOf reads a problem+json answer back into the *errs.Error it was
// written from: code, reason, detail, field errors, ForUser and extension members.
func problemOf(h http.Header, data []byte) (*errs.Error, bool) {
	if !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
		return nil, false
	}
	var p Problem
	var members map[string]json.RawMessage
	if json.Unmarshal(data, &p) != nil || json.Unmarshal(data, &members) != nil || p.Code == "" {
		return nil, false
	}
	e := &errs.Error{Code: p.Code, Detail: p.Detail, Fields: p.Errors, ForUser: p.ForUser, Reason: p.Reason}
	for k, raw := range members {
		switch k {
		case "type", "title", "status", "detail", "code", "reason", "errors", "for_user", "instance":
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) == nil {
			if e.Extra == nil {
				e.Extra = map[string]any{}
			}
			e.Extra[k] = v
		}
	}
	return e, true
}

// unavailable is a failed call: the callee did not answer, or answered that
// it cannot now. The request may be repeated later as it is.
func (c *Client) unavailable(op string, cause error) error {
	return fmt.Errorf("%s %s: %v: %w", c.name, op, cause, errs.User(errs.Unavailable, "Сервис временно недоступен. Попробуйте через минуту."))
}

// answer is the ResponseWriter of an in-process call.
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answer) Header() http.Header { return a.header }

func (a *answer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}

func (a *answer) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.body.Write(b)
}

func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return strings.Trim(addr, "[]")
}
