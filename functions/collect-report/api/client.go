package collectreportapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

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

// Campaigns are the ministry's campaigns, newest first.
func (c *Client) Campaigns(ctx context.Context) ([]Campaign, error) {
	var list []Campaign
	return list, c.conn.Get(ctx, api+"/campaigns", nil, &list)
}

// CreateCampaign drafts a campaign.
func (c *Client) CreateCampaign(ctx context.Context, req CampaignRequest) (Campaign, error) {
	var out Campaign
	return out, c.conn.Do(ctx, http.MethodPost, api+"/campaigns", req, nil, &out)
}

// OpenCampaign opens a draft campaign: every target's submission, prefilled.
func (c *Client) OpenCampaign(ctx context.Context, id uuid.UUID) (Campaign, error) {
	var out Campaign
	return out, c.conn.Do(ctx, http.MethodPost, api+"/campaigns/"+id.String()+"/open", nil, nil, &out)
}

// CheckDrift checks a campaign's sent-in submissions against their sources.
func (c *Client) CheckDrift(ctx context.Context, id uuid.UUID) (DriftCheck, error) {
	var out DriftCheck
	return out, c.conn.Do(ctx, http.MethodPost, api+"/campaigns/"+id.String()+"/drift", nil, nil, &out)
}

// Submissions are a campaign's submissions the caller reaches, of one
// municipality when mun is not nil.
func (c *Client) Submissions(ctx context.Context, campaign uuid.UUID, mun *uuid.UUID) ([]Submission, error) {
	var list []Submission
	return list, c.conn.Get(ctx, api+"/campaigns/"+campaign.String()+"/submissions", territory(mun), &list)
}

// Submission is one submission.
func (c *Client) Submission(ctx context.Context, id uuid.UUID) (Submission, error) {
	var out Submission
	return out, c.conn.Get(ctx, api+"/submissions/"+id.String(), nil, &out)
}

// Save saves a submission's draft.
func (c *Client) Save(ctx context.Context, id uuid.UUID, req SaveRequest) (Submission, error) {
	var out Submission
	return out, c.conn.Do(ctx, http.MethodPut, api+"/submissions/"+id.String(), req, nil, &out)
}

// Submit submits a submission whose every rule passes.
func (c *Client) Submit(ctx context.Context, id uuid.UUID, version int) (Submission, error) {
	var out Submission
	return out, c.conn.Do(ctx, http.MethodPost, api+"/submissions/"+id.String()+"/submit", SubmitRequest{Version: version}, nil, &out)
}

// Refill asks a submission's prefilled cells again.
func (c *Client) Refill(ctx context.Context, id uuid.UUID, version int) (Submission, error) {
	var out Submission
	return out, c.conn.Do(ctx, http.MethodPost, api+"/submissions/"+id.String()+"/prefill", PrefillRequest{Version: version}, nil, &out)
}

// Return returns a submitted submission with a comment per cell.
func (c *Client) Return(ctx context.Context, id uuid.UUID, req ReturnRequest) (Submission, error) {
	var out Submission
	return out, c.conn.Do(ctx, http.MethodPost, api+"/submissions/"+id.String()+"/return", req, nil, &out)
}

// Approve approves a submitted submission.
func (c *Client) Approve(ctx context.Context, id uuid.UUID, version int) (Submission, error) {
	var out Submission
	return out, c.conn.Do(ctx, http.MethodPost, api+"/submissions/"+id.String()+"/approve", SubmitRequest{Version: version}, nil, &out)
}

// Reopen opens an approved submission again.
func (c *Client) Reopen(ctx context.Context, id uuid.UUID, req ReopenRequest) (Submission, error) {
	var out Submission
	return out, c.conn.Do(ctx, http.MethodPost, api+"/submissions/"+id.String()+"/reopen", req, nil, &out)
}

// Reviews are a submission's decisions, oldest first.
func (c *Client) Reviews(ctx context.Context, id uuid.UUID) ([]Review, error) {
	var list []Review
	return list, c.conn.Get(ctx, api+"/submissions/"+id.String()+"/reviews", nil, &list)
}

// Template is a submission's workbook to fill offline.
func (c *Client) Template(ctx context.Context, id uuid.UUID) (*httpx.File, error) {
	return c.conn.Fetch(ctx, http.MethodGet, api+"/submissions/"+id.String()+"/template.xlsx", nil, "")
}

// Upload saves a filled workbook as a submission's draft.
func (c *Client) Upload(ctx context.Context, id uuid.UUID, version int, workbook []byte) (Upload, error) {
	var out Upload
	f, err := c.conn.Fetch(ctx, http.MethodPost, api+"/submissions/"+id.String()+"/upload?version="+strconv.Itoa(version), workbook,
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	if err != nil {
		return out, err
	}
	return out, json.Unmarshal(f.Body, &out)
}

// territory narrows a campaign's summaries to a municipality (nil: the
// caller's whole reach).
func territory(mun *uuid.UUID) url.Values {
	if mun == nil {
		return nil
	}
	return url.Values{"municipality": {mun.String()}}
}

// Dashboard is a campaign's completeness.
func (c *Client) Dashboard(ctx context.Context, campaign uuid.UUID, mun *uuid.UUID) (Dashboard, error) {
	var out Dashboard
	return out, c.conn.Get(ctx, api+"/campaigns/"+campaign.String()+"/dashboard", territory(mun), &out)
}

// Consolidation is a campaign's totals over the submissions sent in.
func (c *Client) Consolidation(ctx context.Context, campaign uuid.UUID, mun *uuid.UUID) (Consolidation, error) {
	var out Consolidation
	return out, c.conn.Get(ctx, api+"/campaigns/"+campaign.String()+"/consolidation", territory(mun), &out)
}

// Export is a campaign's workbook ("xlsx") or CSV ("csv", in charset
// "windows-1251" or UTF-8 when "").
func (c *Client) Export(ctx context.Context, campaign uuid.UUID, mun *uuid.UUID, format, charset string) (*httpx.File, error) {
	q := territory(mun)
	if charset != "" {
		if q == nil {
			q = url.Values{}
		}
		q.Set("charset", charset)
	}
	path := api + "/campaigns/" + campaign.String() + "/export." + format
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return c.conn.Fetch(ctx, http.MethodGet, path, nil, "")
}

// Territories are the municipalities' consolidations the caller reviews.
func (c *Client) Territories(ctx context.Context, campaign uuid.UUID) ([]Territory, error) {
	var list []Territory
	return list, c.conn.Get(ctx, api+"/campaigns/"+campaign.String()+"/territories", nil, &list)
}

// Territory is one municipality's consolidation with its steps.
func (c *Client) Territory(ctx context.Context, campaign, mun uuid.UUID) (TerritorySteps, error) {
	var out TerritorySteps
	return out, c.conn.Get(ctx, api+"/campaigns/"+campaign.String()+"/territories/"+mun.String(), nil, &out)
}

// DecideTerritory takes a step on a municipality's consolidation: "submit"
// (the municipality), "approve" or "return" (the ministry).
func (c *Client) DecideTerritory(ctx context.Context, campaign, mun uuid.UUID, step string, req TerritoryRequest) (Territory, error) {
	var out Territory
	return out, c.conn.Do(ctx, http.MethodPost, api+"/campaigns/"+campaign.String()+"/territories/"+mun.String()+"/"+step, req, nil, &out)
}

// Access is what the caller does with the data collection.
func (c *Client) Access(ctx context.Context) (Access, error) {
	var out Access
	return out, c.conn.Get(ctx, api+"/access", nil, &out)
}
