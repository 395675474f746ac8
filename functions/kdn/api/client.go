package kdnapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/httpx"
)

// Client calls kdn's API on behalf of the caller of ctx.
type Client struct{ conn *httpx.Client }

// New returns a client over conn (httpx.Dial or httpx.InProcess).
func New(conn *httpx.Client) *Client { return &Client{conn: conn} }

const api = "/api/" + Name

// Access is what the caller does here.
func (c *Client) Access(ctx context.Context) (Access, error) {
	var out Access
	return out, c.conn.Get(ctx, api+"/access", nil, &out)
}

// Cases are the cases the caller reaches (a commission: its municipality's;
// a school: its pupils'), open ones first.
func (c *Client) Cases(ctx context.Context) ([]Case, error) {
	var out []Case
	return out, c.conn.Get(ctx, api+"/cases", nil, &out)
}

// Case is one case with its signals, decisions and reports.
func (c *Client) Case(ctx context.Context, id uuid.UUID) (Case, error) {
	var out Case
	return out, c.conn.Get(ctx, api+"/cases/"+id.String(), nil, &out)
}

// Refer refers a pupil to the commission: a case opened, or the referral
// added to the pupil's open one.
func (c *Client) Refer(ctx context.Context, req ReferralRequest) (Case, error) {
	var out Case
	return out, c.conn.Do(ctx, http.MethodPost, api+"/referrals", req, nil, &out)
}

// Decide records the commission's decision.
func (c *Client) Decide(ctx context.Context, id uuid.UUID, req DecisionRequest) (Case, error) {
	var out Case
	return out, c.conn.Do(ctx, http.MethodPost, api+"/cases/"+id.String()+"/decisions", req, nil, &out)
}

// Report adds the school's report on the measures.
func (c *Client) Report(ctx context.Context, id uuid.UUID, req ReportRequest) (Case, error) {
	var out Case
	return out, c.conn.Do(ctx, http.MethodPost, api+"/cases/"+id.String()+"/reports", req, nil, &out)
}

// Close closes a case with its outcome.
func (c *Client) Close(ctx context.Context, id uuid.UUID, req CloseRequest) (Case, error) {
	var out Case
	return out, c.conn.Do(ctx, http.MethodPost, api+"/cases/"+id.String()+"/close", req, nil, &out)
}

// ChildReferrals are what a parent sees of a child's cases.
func (c *Client) ChildReferrals(ctx context.Context, child uuid.UUID) ([]ChildReferral, error) {
	var out []ChildReferral
	return out, c.conn.Get(ctx, api+"/children/"+child.String()+"/referrals", nil, &out)
}

// Export is the commission's cases of a municipality (uuid.Nil: the
// caller's own) as a federal prevention system takes them.
func (c *Client) Export(ctx context.Context, municipality uuid.UUID) (Export, error) {
	var out Export
	q := url.Values{}
	if municipality != uuid.Nil {
		q.Set("municipality", municipality.String())
	}
	return out, c.conn.Get(ctx, api+"/export", q, &out)
}
