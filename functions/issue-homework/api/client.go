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

// Change changes a homework before its due time, naming the version seen.
func (c *Client) Change(ctx context.Context, id uuid.UUID, req HomeworkRequest) (Homework, error) {
	var h Homework
	return h, c.conn.Do(ctx, http.MethodPatch, api+"/homework/"+id.String(), req, nil, &h)
}

// Cancel cancels a homework before its due time, with the reason.
func (c *Client) Cancel(ctx context.Context, id uuid.UUID, req CancelRequest) (Homework, error) {
	var h Homework
	return h, c.conn.Do(ctx, http.MethodPost, api+"/homework/"+id.String()+"/cancel", req, nil, &h)
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

// Lesson lists the homework due by a lesson, for its teacher and the
// school's readers.
func (c *Client) Lesson(ctx context.Context, lesson uuid.UUID) ([]Homework, error) {
	var list []Homework
	return list, c.conn.Get(ctx, api+"/homework", url.Values{"lesson": {lesson.String()}}, &list)
}

// PupilHomework is one homework with the work of pupil on it (a parent's
// child when the parent has several in the class).
func (c *Client) PupilHomework(ctx context.Context, id, pupil uuid.UUID) (Homework, error) {
	var h Homework
	return h, c.conn.Get(ctx, api+"/homework/"+id.String(), url.Values{"pupil": {pupil.String()}}, &h)
}

// Attach asks for a ticket to upload one file of the teacher's to a homework.
func (c *Client) Attach(ctx context.Context, homework uuid.UUID, req UploadRequest) (UploadTicket, error) {
	var t UploadTicket
	return t, c.conn.Do(ctx, http.MethodPost, api+"/homework/"+homework.String()+"/files", req, nil, &t)
}

// TakeBack takes the caller's submitted work back before its review.
func (c *Client) TakeBack(ctx context.Context, homework uuid.UUID, version int) (Homework, error) {
	var h Homework
	return h, c.conn.Do(ctx, http.MethodPost, api+"/homework/"+homework.String()+"/submission/take-back", SubmitRequest{Version: version}, nil, &h)
}

// RemoveFile takes a file the caller uploaded away from a work not yet
// submitted or from a homework's material before its due time.
func (c *Client) RemoveFile(ctx context.Context, file uuid.UUID) error {
	return c.conn.Do(ctx, http.MethodDelete, api+"/files/"+file.String(), nil, nil, nil)
}

// Download is a short-lived link to a confirmed file.
func (c *Client) Download(ctx context.Context, file uuid.UUID) (Download, error) {
	var d Download
	return d, c.conn.Get(ctx, api+"/files/"+file.String(), nil, &d)
}

// ClassWork is a homework's submissions, for its teacher.
func (c *Client) ClassWork(ctx context.Context, id uuid.UUID) (ClassWork, error) {
	var w ClassWork
	return w, c.conn.Get(ctx, api+"/homework/"+id.String()+"/submissions", nil, &w)
}

// SaveDraft saves the text of the caller's work; the answer is the homework
// with the work as it now stands (Submission).
func (c *Client) SaveDraft(ctx context.Context, homework uuid.UUID, req DraftRequest) (Homework, error) {
	var h Homework
	return h, c.conn.Do(ctx, http.MethodPut, api+"/homework/"+homework.String()+"/submission", req, nil, &h)
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

// Submit submits the caller's work; the answer's Submission carries the receipt.
func (c *Client) Submit(ctx context.Context, homework uuid.UUID, version int) (Homework, error) {
	var h Homework
	return h, c.conn.Do(ctx, http.MethodPost, api+"/homework/"+homework.String()+"/submission/submit", SubmitRequest{Version: version}, nil, &h)
}

// Review returns or accepts a submission.
func (c *Client) Review(ctx context.Context, submission uuid.UUID, req ReviewRequest) (Submission, error) {
	var s Submission
	return s, c.conn.Do(ctx, http.MethodPost, api+"/submissions/"+submission.String()+"/review", req, nil, &s)
}
