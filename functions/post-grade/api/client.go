package postgradeapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/httpx"
)

// Client calls post-grade's API on behalf of the caller of ctx: with the
// caller's own token, so that post-grade decides what the caller may see and
// do (a lesson of another teacher is not found).
type Client struct{ conn *httpx.Client }

// New returns a client over conn (httpx.Dial or httpx.InProcess).
func New(conn *httpx.Client) *Client { return &Client{conn: conn} }

const api = "/api/" + Name

func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// Access is what the caller may open in the journal.
func (c *Client) Access(ctx context.Context) (Access, error) {
	var a Access
	return a, c.conn.Get(ctx, api+"/access", nil, &a)
}

// Subjects is the regional catalogue of subjects.
func (c *Client) Subjects(ctx context.Context) ([]Subject, error) {
	var p httpx.Page[Subject]
	return p.Items, c.conn.Get(ctx, api+"/subjects", nil, &p)
}

// Day is the caller's lessons of date (YYYY-MM-DD; today when empty).
func (c *Client) Day(ctx context.Context, date string) (TeacherDay, error) {
	var d TeacherDay
	return d, c.conn.Get(ctx, api+"/lessons", query("date", date), &d)
}

// Grid is an assignment's journal of the fortnight from from (YYYY-MM-DD;
// the last two weeks when empty).
func (c *Client) Grid(ctx context.Context, assignment uuid.UUID, from string) (GridView, error) {
	var g GridView
	return g, c.conn.Get(ctx, api+"/assignments/"+assignment.String()+"/grid", query("from", from), &g)
}

// Journal is a lesson's column: its pupils with their marks and attendance,
// and what the caller may do with it.
func (c *Client) Journal(ctx context.Context, lesson uuid.UUID) (JournalView, error) {
	var j JournalView
	return j, c.conn.Get(ctx, api+"/lessons/"+lesson.String()+"/journal", nil, &j)
}

// SaveColumn saves what changed in a lesson's column in one transaction.
func (c *Client) SaveColumn(ctx context.Context, lesson uuid.UUID, req ColumnRequest) (ColumnSaved, error) {
	var s ColumnSaved
	return s, c.conn.Do(ctx, http.MethodPost, api+"/lessons/"+lesson.String()+"/column", req, nil, &s)
}

// TermMarks are an assignment's marks for a period (the one in course when
// period is empty), with the school's periods of the year.
func (c *Client) TermMarks(ctx context.Context, assignment uuid.UUID, period string) (TermMarksView, error) {
	var v TermMarksView
	return v, c.conn.Get(ctx, api+"/assignments/"+assignment.String()+"/term-marks", query("period_id", period), &v)
}

// ConfirmTermMarks confirms term marks, all or none.
func (c *Client) ConfirmTermMarks(ctx context.Context, assignment uuid.UUID, req TermMarksRequest) error {
	return c.conn.Do(ctx, http.MethodPost, api+"/assignments/"+assignment.String()+"/term-marks", req, nil, nil)
}

// YearMarks are an assignment's year or final marks (kind: "year" or "final").
func (c *Client) YearMarks(ctx context.Context, assignment uuid.UUID, kind string) (YearMarksView, error) {
	var v YearMarksView
	return v, c.conn.Get(ctx, api+"/assignments/"+assignment.String()+"/year-marks", query("kind", kind), &v)
}

// ConfirmYearMarks confirms year or final marks, all or none.
func (c *Client) ConfirmYearMarks(ctx context.Context, assignment uuid.UUID, req YearMarksRequest) error {
	return c.conn.Do(ctx, http.MethodPost, api+"/assignments/"+assignment.String()+"/year-marks", req, nil, nil)
}

// ClassAssignments are a class's subjects and teachers this academic year.
func (c *Client) ClassAssignments(ctx context.Context, class uuid.UUID) (ClassJournal, error) {
	var j ClassJournal
	return j, c.conn.Get(ctx, api+"/classes/"+class.String()+"/assignments", nil, &j)
}

// Diary is a student's week from from (YYYY-MM-DD; this week when empty).
func (c *Client) Diary(ctx context.Context, student uuid.UUID, from string) (DiaryView, error) {
	var d DiaryView
	return d, c.conn.Get(ctx, api+"/diary/"+student.String(), query("from", from), &d)
}

// AggregatesQuery narrows GET aggregates; empty fields do not.
type AggregatesQuery struct {
	From, To     string // YYYY-MM-DD; the last 30 days when empty
	Municipality string
	Organisation string
	By           string // organisation (default), class, subject or municipality
}

// Aggregates are schools' journals in aggregate, without pupils' data.
func (c *Client) Aggregates(ctx context.Context, q AggregatesQuery) (Aggregates, error) {
	var a Aggregates
	return a, c.conn.Get(ctx, api+"/aggregates", query("from", q.From, "to", q.To, "municipality", q.Municipality,
		"organisation", q.Organisation, "by", q.By), &a)
}
