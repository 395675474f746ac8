package submitapplicationapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/httpx"
)

// Client calls submit-application's API on behalf of the caller of ctx: with
// the caller's own token, so that submit-application decides what the caller
// may see and do (another family's application is not found).
type Client struct{ conn *httpx.Client }

// New returns a client over conn (httpx.Dial or httpx.InProcess).
func New(conn *httpx.Client) *Client { return &Client{conn: conn} }

const api = "/api/" + Name

// ApplicationFilter narrows GET applications; zero fields do not filter.
type ApplicationFilter struct {
	Service Service
	Status  Status
	Overdue bool
	// UndecidedPrivilege: kindergarten applications with a claimed privilege
	// staff still have to decide.
	UndecidedPrivilege bool
	After              string // the Next of the previous page
}

// Access is what the caller may do with the education services.
func (c *Client) Access(ctx context.Context) (Access, error) {
	var a Access
	return a, c.conn.Get(ctx, api+"/access", nil, &a)
}

// Applications is a page of the applications the caller may see.
func (c *Client) Applications(ctx context.Context, f ApplicationFilter) (Page[Application], error) {
	q := url.Values{}
	if f.Service != "" {
		q.Set("service", string(f.Service))
	}
	if f.Status != "" {
		q.Set("status", string(f.Status))
	}
	if f.Overdue {
		q.Set("overdue", "true")
	}
	if f.UndecidedPrivilege {
		q.Set("undecided_privilege", "true")
	}
	if f.After != "" {
		q.Set("after", f.After)
	}
	var p Page[Application]
	return p, c.conn.Get(ctx, api+"/applications", q, &p)
}

// Application is one application with its history and the moves the caller may make.
func (c *Client) Application(ctx context.Context, id uuid.UUID) (Application, error) {
	var a Application
	return a, c.conn.Get(ctx, api+"/applications/"+id.String(), nil, &a)
}

// Queue is a kindergarten application's explained queue positions.
func (c *Client) Queue(ctx context.Context, id uuid.UUID) (QueueView, error) {
	var q QueueView
	return q, c.conn.Get(ctx, api+"/applications/"+id.String()+"/queue", nil, &q)
}

// Programmes is the additional-education catalogue of a municipality
// (uuid.Nil: the region), open programmes only when open is set, with the
// places taken and free; no token needed.
func (c *Client) Programmes(ctx context.Context, municipality uuid.UUID, open bool) ([]Programme, error) {
	q := url.Values{}
	if municipality != uuid.Nil {
		q.Set("municipality", municipality.String())
	}
	if open {
		q.Set("status", "open")
	}
	var p Page[Programme]
	return p.Items, c.conn.Get(ctx, api+"/programmes", q, &p)
}

// Windows are the first-grade windows of an academic year as they apply in
// a municipality (uuid.Nil: every window set); no token needed.
func (c *Client) Windows(ctx context.Context, municipality uuid.UUID, year int) ([]WindowView, error) {
	q := url.Values{"year": {strconv.Itoa(year)}}
	if municipality != uuid.Nil {
		q.Set("municipality", municipality.String())
	}
	var p Page[WindowView]
	return p.Items, c.conn.Get(ctx, api+"/windows", q, &p)
}

// FirstGradePlaces are the schools' first-grade places of an academic year
// in a municipality (uuid.Nil: the region); no token needed.
func (c *Client) FirstGradePlaces(ctx context.Context, municipality uuid.UUID, year int) ([]FirstGradePlaces, error) {
	q := url.Values{"year": {strconv.Itoa(year)}}
	if municipality != uuid.Nil {
		q.Set("municipality", municipality.String())
	}
	var p Page[FirstGradePlaces]
	return p.Items, c.conn.Get(ctx, api+"/first-grade/places", q, &p)
}

// CheckQueue is a kindergarten application's place in its queues by its
// number and the child's birth date (YYYY-MM-DD); no token needed.
func (c *Client) CheckQueue(ctx context.Context, number, birthDate string) (PublicQueue, error) {
	var q PublicQueue
	return q, c.conn.Get(ctx, api+"/kindergarten-queue", url.Values{"number": {number}, "birth_date": {birthDate}}, &q)
}

// Submit files an application once per key: the same key and body again
// is the same application.
func (c *Client) Submit(ctx context.Context, key string, req SubmitRequest) (Application, error) {
	var a Application
	return a, c.conn.Do(ctx, http.MethodPost, api+"/applications", req, http.Header{"Idempotency-Key": {key}}, &a)
}

// ChangeStatus moves an application to another status.
func (c *Client) ChangeStatus(ctx context.Context, id uuid.UUID, req StatusRequest) (Application, error) {
	var a Application
	return a, c.conn.Do(ctx, http.MethodPost, api+"/applications/"+id.String()+"/status", req, nil, &a)
}

// AnswerDirection accepts or declines a kindergarten direction.
func (c *Client) AnswerDirection(ctx context.Context, id uuid.UUID, req DirectionAnswer) error {
	return c.conn.Do(ctx, http.MethodPost, api+"/applications/"+id.String()+"/direction", req, nil, nil)
}

// OpenProgrammes are the additional-education programmes taking applications.
func (c *Client) OpenProgrammes(ctx context.Context) ([]Programme, error) {
	var p Page[Programme]
	return p.Items, c.conn.Get(ctx, api+"/programmes", url.Values{"status": {"open"}}, &p)
}

// Allocations are the kindergarten allocation campaigns the caller may read.
func (c *Client) Allocations(ctx context.Context) ([]AllocationView, error) {
	var p Page[AllocationView]
	return p.Items, c.conn.Get(ctx, api+"/allocations", nil, &p)
}

// Allocation is a campaign with up to limit of its results, each explained.
func (c *Client) Allocation(ctx context.Context, id uuid.UUID, limit int) (AllocationView, error) {
	var v AllocationView
	return v, c.conn.Get(ctx, api+"/allocations/"+id.String(), url.Values{"limit": {strconv.Itoa(limit)}}, &v)
}

// CreateAllocation computes a draft campaign from the places offered.
func (c *Client) CreateAllocation(ctx context.Context, req AllocationRequest) (AllocationView, error) {
	var v AllocationView
	return v, c.conn.Do(ctx, http.MethodPost, api+"/allocations", req, nil, &v)
}

// ConfirmAllocation confirms a draft: the directions are issued.
func (c *Client) ConfirmAllocation(ctx context.Context, id uuid.UUID) error {
	return c.conn.Do(ctx, http.MethodPost, api+"/allocations/"+id.String()+"/confirm", nil, nil, nil)
}

// Counts are the organisations' services in numbers, in the order named.
func (c *Client) Counts(ctx context.Context, req CountsRequest) ([]OrganisationCounts, error) {
	var out []OrganisationCounts
	return out, c.conn.Do(ctx, http.MethodPost, api+"/counts", req, nil, &out)
}
