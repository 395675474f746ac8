package buildportfolioapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/httpx"
)

// Client calls build-portfolio's API on behalf of the caller of ctx: with
// the caller's own token, so that build-portfolio decides what the caller
// may see (another family's child's portfolio is not found).
type Client struct{ conn *httpx.Client }

// New returns a client over conn (httpx.Dial or httpx.InProcess).
func New(conn *httpx.Client) *Client { return &Client{conn: conn} }

const api = "/api/" + Name

// Access is what the caller may open of portfolios.
func (c *Client) Access(ctx context.Context) (Access, error) {
	var a Access
	return a, c.conn.Get(ctx, api+"/access", nil, &a)
}

// Portfolio is person's portfolio as the caller may see it.
func (c *Client) Portfolio(ctx context.Context, person uuid.UUID) (Portfolio, error) {
	var p Portfolio
	return p, c.conn.Get(ctx, api+"/people/"+person.String(), nil, &p)
}

// Claim claims an achievement.
func (c *Client) Claim(ctx context.Context, req ClaimRequest) (Achievement, error) {
	var a Achievement
	return a, c.conn.Do(ctx, http.MethodPost, api+"/achievements", req, nil, &a)
}

// Achievement is one achievement as the caller may see it.
func (c *Client) Achievement(ctx context.Context, id uuid.UUID) (Achievement, error) {
	var a Achievement
	return a, c.conn.Get(ctx, api+"/achievements/"+id.String(), nil, &a)
}

// Decide confirms or rejects a claim.
func (c *Client) Decide(ctx context.Context, id uuid.UUID, req DecisionRequest) (Achievement, error) {
	var a Achievement
	return a, c.conn.Do(ctx, http.MethodPost, api+"/achievements/"+id.String()+"/decision", req, nil, &a)
}

// Withdraw takes a claim back before the decision.
func (c *Client) Withdraw(ctx context.Context, id uuid.UUID, version int) (Achievement, error) {
	var a Achievement
	return a, c.conn.Do(ctx, http.MethodPost, api+"/achievements/"+id.String()+"/withdraw", WithdrawRequest{Version: version}, nil, &a)
}

// Claims are the claims waiting for the caller's decision, oldest first.
func (c *Client) Claims(ctx context.Context) ([]Achievement, error) {
	var list []Achievement
	return list, c.conn.Get(ctx, api+"/claims", nil, &list)
}

// Upload asks for a ticket to upload one proof file of a claim.
func (c *Client) Upload(ctx context.Context, achievement uuid.UUID, req UploadRequest) (UploadTicket, error) {
	var t UploadTicket
	return t, c.conn.Do(ctx, http.MethodPost, api+"/achievements/"+achievement.String()+"/files", req, nil, &t)
}

// ConfirmFile confirms an uploaded proof file: its bytes are checked.
func (c *Client) ConfirmFile(ctx context.Context, file uuid.UUID) (File, error) {
	var f File
	return f, c.conn.Do(ctx, http.MethodPost, api+"/files/"+file.String()+"/confirm", nil, nil, &f)
}

// Download is a short-lived link to a checked proof file.
func (c *Client) Download(ctx context.Context, file uuid.UUID) (Download, error) {
	var d Download
	return d, c.conn.Get(ctx, api+"/files/"+file.String(), nil, &d)
}

// Decision confirms or rejects a claim (Decide with the fields spelt out).
func (c *Client) Decision(ctx context.Context, id uuid.UUID, decision, reason string, version int) (Achievement, error) {
	return c.Decide(ctx, id, DecisionRequest{Decision: decision, Reason: reason, Version: version})
}

// ExportAchievement issues (or gives the one issued) a confirmed
// achievement's Open Badges credential.
func (c *Client) ExportAchievement(ctx context.Context, id uuid.UUID) (Credential, error) {
	var cr Credential
	return cr, c.conn.Do(ctx, http.MethodPost, api+"/achievements/"+id.String()+"/credential", nil, nil, &cr)
}

// ExportPortfolio issues a portfolio's CLR credential of the confirmed
// achievements named (none: all).
func (c *Client) ExportPortfolio(ctx context.Context, person uuid.UUID, req ExportRequest) (Credential, error) {
	var cr Credential
	return cr, c.conn.Do(ctx, http.MethodPost, api+"/people/"+person.String()+"/credential", req, nil, &cr)
}

// Credentials are the credentials issued from person's portfolio.
func (c *Client) Credentials(ctx context.Context, person uuid.UUID) ([]Credential, error) {
	var list []Credential
	return list, c.conn.Get(ctx, api+"/people/"+person.String()+"/credentials", nil, &list)
}

// Credential is one credential, for its owner's side and the ministry.
func (c *Client) Credential(ctx context.Context, id uuid.UUID) (Credential, error) {
	var cr Credential
	return cr, c.conn.Get(ctx, api+"/credentials/"+id.String(), nil, &cr)
}

// Revoke revokes a credential with a reason.
func (c *Client) Revoke(ctx context.Context, id uuid.UUID, reason string) (Credential, error) {
	var cr Credential
	return cr, c.conn.Do(ctx, http.MethodPost, api+"/credentials/"+id.String()+"/revoke", RevokeRequest{Reason: reason}, nil, &cr)
}

// Share makes a share link of person's chosen confirmed achievements.
func (c *Client) Share(ctx context.Context, person uuid.UUID, req ShareRequest) (Share, error) {
	var s Share
	return s, c.conn.Do(ctx, http.MethodPost, api+"/people/"+person.String()+"/shares", req, nil, &s)
}

// Shares are person's share links.
func (c *Client) Shares(ctx context.Context, person uuid.UUID) ([]Share, error) {
	var list []Share
	return list, c.conn.Get(ctx, api+"/people/"+person.String()+"/shares", nil, &list)
}

// Unshare revokes a share link.
func (c *Client) Unshare(ctx context.Context, id uuid.UUID) error {
	return c.conn.Do(ctx, http.MethodDelete, api+"/shares/"+id.String(), nil, nil, nil)
}

// Shared is what a share link's token shows.
func (c *Client) Shared(ctx context.Context, token string) (Shared, error) {
	var s Shared
	return s, c.conn.Get(ctx, api+"/shared/"+url.PathEscape(token), nil, &s)
}

// Verify verifies a credential (JSON, or a VC-JWT's text; anything that
// is not JSON is sent as a JSON string, which the endpoint reads back).
func (c *Client) Verify(ctx context.Context, raw []byte) (Verification, error) {
	var body any = string(raw)
	if json.Valid(raw) {
		body = json.RawMessage(raw)
	}
	var v Verification
	return v, c.conn.Do(ctx, http.MethodPost, api+"/verify", body, nil, &v)
}

// Parked are the other systems' results nobody matched (the ministry's).
func (c *Client) Parked(ctx context.Context) ([]ParkedResult, error) {
	var list []ParkedResult
	return list, c.conn.Get(ctx, api+"/parked", nil, &list)
}

// MatchParked records a parked result as person's achievement.
func (c *Client) MatchParked(ctx context.Context, id, person uuid.UUID) (ReceiptOfResult, error) {
	var r ReceiptOfResult
	return r, c.conn.Do(ctx, http.MethodPost, api+"/parked/"+id.String()+"/match", MatchRequest{PersonID: person.String()}, nil, &r)
}
