package guardianshipapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/httpx"
)

// Client calls guardianship's API on behalf of the caller of ctx.
type Client struct{ conn *httpx.Client }

// New returns a client over conn (httpx.Dial or httpx.InProcess).
func New(conn *httpx.Client) *Client { return &Client{conn: conn} }

const api = "/api/" + Name

// Access is what the caller does here.
func (c *Client) Access(ctx context.Context) (Access, error) {
	var out Access
	return out, c.conn.Get(ctx, api+"/access", nil, &out)
}

// Wards are the caller's municipality's wards with their open tasks.
func (c *Client) Wards(ctx context.Context) ([]WardLine, error) {
	var out []WardLine
	return out, c.conn.Get(ctx, api+"/wards", nil, &out)
}

// Ward is one ward's file.
func (c *Client) Ward(ctx context.Context, child uuid.UUID) (WardFile, error) {
	var out WardFile
	return out, c.conn.Get(ctx, api+"/wards/"+child.String(), nil, &out)
}

// AddNote records a case note or a visit.
func (c *Client) AddNote(ctx context.Context, child uuid.UUID, req NoteRequest) (WardFile, error) {
	var out WardFile
	return out, c.conn.Do(ctx, http.MethodPost, api+"/wards/"+child.String()+"/notes", req, nil, &out)
}

// Done closes a task with its outcome.
func (c *Client) Done(ctx context.Context, task int64, req DoneRequest) (WardFile, error) {
	var out WardFile
	return out, c.conn.Do(ctx, http.MethodPost, api+"/tasks/"+strconv.FormatInt(task, 10)+"/done", req, nil, &out)
}
