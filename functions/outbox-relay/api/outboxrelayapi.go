// Package outboxrelayapi is the outbox relay's contract with the rest of
// EKO: the wire types of its operator API (the outbox's state, dead letters,
// redrives) and a typed Client.
package outboxrelayapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kuzbass/eko/shared/httpx"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "outbox-relay"

// Stats is the outbox at one moment.
type Stats struct {
	Pending    int64   `json:"pending"`
	Dead       int64   `json:"dead"`
	LagSeconds float64 `json:"lag_seconds"` // age of the oldest pending row
}

// DeadLetter is an event that exhausted its delivery attempts.
type DeadLetter struct {
	ID        string    `json:"id"`
	Seq       int64     `json:"seq"`
	Type      string    `json:"type"`
	Source    string    `json:"source"`
	Subject   string    `json:"subject,omitempty"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	CreatedAt time.Time `json:"created_at"`
}

// RedriveRequest sends dead letters back to the queue: the ids, or all.
type RedriveRequest struct {
	IDs []string `json:"ids,omitempty"`
	All bool     `json:"all,omitempty"`
}

// Redriven is the answer of a redrive: how many went back to the queue.
type Redriven struct {
	Redriven int64 `json:"redriven"`
}

// Client calls the relay's API on behalf of the caller of ctx.
type Client struct{ conn *httpx.Client }

// New returns a client over conn.
func New(conn *httpx.Client) *Client { return &Client{conn: conn} }

const api = "/api/" + Name

// Stats is the outbox now.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	return s, c.conn.Get(ctx, api+"/stats", nil, &s)
}

// DeadLetters are dead letters after the sequence number after, oldest first.
func (c *Client) DeadLetters(ctx context.Context, after int64, limit int) ([]DeadLetter, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	var p httpx.Page[DeadLetter]
	return p.Items, c.conn.Get(ctx, api+"/dead-letters", q, &p)
}

// Redrive sends dead letters back to the queue with a fresh attempt budget.
func (c *Client) Redrive(ctx context.Context, req RedriveRequest) (int64, error) {
	var r Redriven
	return r.Redriven, c.conn.Do(ctx, http.MethodPost, api+"/dead-letters/redrive", req, nil, &r)
}
