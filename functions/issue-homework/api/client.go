package issuehomeworkapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/httpx"
)

// Client calls issue-homework's API on behalf of the caller of ctx: with the
// caller's own token, so that issue-homework decides what the caller may see
// and do (another pupil's submission is not found).
type Client struct{ conn *httpx.Client }

// New returns a client over conn (httpx.Dial or httpx.InProcess).
func New(conn *httpx.Client) *Client { return &Client{conn: conn} }

const api = "/api/" + Name

// Access is what the caller may open of homework.
func (c *Client) Access(ctx context.Context) (Access, error) {
	var a Access
	return a, c.conn.Get(ctx, api+"/access", nil, &a)
}

// Issue issues a homework for a lesson of the caller's.
func (c *Client) Issue(ctx context.Context, req HomeworkRequest) (Homework, error) {
	var h Homework
	return h, c.conn.Do(ctx, http.MethodPost, api+"/homework", req, nil, &h)
}

// Homework is one homework as the caller may see it.
func (c *Client) Homework(ctx context.Context, id uuid.UUID) (Homework, error) {
	var h Homework
	return h, c.conn.Get(ctx, api+"/homework/"+id.String(), nil, &h)
}

// Pupil lists the homework of a pupil (the caller, or a parent's child).
func (c *Client) Pupil(ctx context.Context, pupil uuid.UUID) ([]Homework, error) {
	var list []Homework
	return list, c.conn.Get(ctx, api+"/homework", url.Values{"pupil": {pupil.String()}}, &list)
}

// ClassWork is a homework's submissions, for its teacher.
func (c *Client) ClassWork(ctx context.Context, id uuid.UUID) (ClassWork, error) {
	var w ClassWork
	return w, c.conn.Get(ctx, api+"/homework/"+id.String()+"/submissions", nil, &w)
}

// SaveDraft saves the text of the caller's work.
func (c *Client) SaveDraft(ctx context.Context, homework uuid.UUID, req DraftRequest) (Submission, error) {
	var s Submission
	return s, c.conn.Do(ctx, http.MethodPut, api+"/homework/"+homework.String()+"/submission", req, nil, &s)
}

// Upload asks for a ticket to upload one file of the caller's work.
func (c *Client) Upload(ctx context.Context, homework uuid.UUID, req UploadRequest) (UploadTicket, error) {
	var t UploadTicket
	return t, c.conn.Do(ctx, http.MethodPost, api+"/homework/"+homework.String()+"/submission/files", req, nil, &t)
}

// Confirm confirms an uploaded file: its bytes are checked.
func (c *Client) Confirm(ctx context.Context, file uuid.UUID) (File, error) {
	var f File
	return f, c.conn.Do(ctx, http.MethodPost, api+"/files/"+file.String()+"/confirm", nil, nil, &f)
}

// Submit submits the caller's work; the answer carries the receipt.
func (c *Client) Submit(ctx context.Context, homework uuid.UUID, version int) (Submission, error) {
	var s Submission
	return s, c.conn.Do(ctx, http.MethodPost, api+"/homework/"+homework.String()+"/submission/submit", SubmitRequest{Version: version}, nil, &s)
}

// Review returns or accepts a submission.
func (c *Client) Review(ctx context.Context, submission uuid.UUID, req ReviewRequest) (Submission, error) {
	var s Submission
	return s, c.conn.Do(ctx, http.MethodPost, api+"/submissions/"+submission.String()+"/review", req, nil, &s)
}
