package collectreportapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/kuzbass/eko/shared/httpx"
)

// Client calls collect-report's API on behalf of the caller of ctx.
type Client struct{ conn *httpx.Client }

// New returns a client over conn (httpx.Dial or httpx.InProcess).
func New(conn *httpx.Client) *Client { return &Client{conn: conn} }

const api = "/api/" + Name

// Preview checks a definition without storing it.
func (c *Client) Preview(ctx context.Context, def Definition) (Preview, error) {
	var p Preview
	return p, c.conn.Do(ctx, http.MethodPost, api+"/definitions/preview", def, nil, &p)
}

// Define stores a definition as its code's next version.
func (c *Client) Define(ctx context.Context, def Definition) (Version, error) {
	var v Version
	return v, c.conn.Do(ctx, http.MethodPost, api+"/definitions", def, nil, &v)
}

// Definitions are each form's latest version.
func (c *Client) Definitions(ctx context.Context) ([]Version, error) {
	var list []Version
	return list, c.conn.Get(ctx, api+"/definitions", nil, &list)
}

// Definition is one version of a form.
func (c *Client) Definition(ctx context.Context, code string, version int) (Version, error) {
	var v Version
	return v, c.conn.Get(ctx, api+"/definitions/"+code+"/versions/"+strconv.Itoa(version), nil, &v)
}
