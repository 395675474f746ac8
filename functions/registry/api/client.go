package registryapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/httpx"
)

// Client calls the registry's API on behalf of the caller of ctx: with the
// caller's own token, so that the registry applies its own access rules (a
// foreign child's id is not found) and writes its own audit log.
//
// It is also the access.Source of a function deployed apart from the
// registry: Grants asks the registry for a caller's grants once per token and
// GrantsTTL.
type Client struct {
	conn *httpx.Client
	// GrantsTTL is how long Grants reuses an answer for the same token.
	GrantsTTL time.Duration
	grants    access.GrantCache
}

// New returns a client over conn (httpx.Dial or httpx.InProcess).
func New(conn *httpx.Client) *Client {
	return &Client{conn: conn, GrantsTTL: 30 * time.Second}
}

const api = "/api/" + Name

// Me is the caller's identity match, profile, grants and children.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var m Me
	return &m, c.conn.Get(ctx, api+"/me", nil, &m)
}

// MyGrants are the caller's grants, as the registry derives them now.
func (c *Client) MyGrants(ctx context.Context) (*access.Grants, error) {
	var g access.Grants
	return &g, c.conn.Get(ctx, api+"/me/grants", nil, &g)
}

// Grants implements access.Source: p's grants, reused for GrantsTTL.
func (c *Client) Grants(ctx context.Context, p *auth.Principal) (*access.Grants, error) {
	now := time.Now()
	if g, ok := c.grants.Get(p.Token, now); ok {
		return g, nil
	}
	g, err := c.MyGrants(auth.WithPrincipal(ctx, p))
	if err != nil {
		return nil, err
	}
	c.grants.Put(p.Token, g, now.Add(c.GrantsTTL))
	return g, nil
}

// Municipalities are the region's municipalities.
func (c *Client) Municipalities(ctx context.Context) ([]Municipality, error) {
	var p Page[Municipality]
	return p.Items, c.conn.Get(ctx, api+"/municipalities", nil, &p)
}

// OrganisationFilter narrows GET organisations; zero fields do not filter.
type OrganisationFilter struct {
	Municipality uuid.UUID
	Kind         string // one of OrganisationKinds
	Query        string // a part of the name
	After        string // the Next of the previous page
	Limit        int    // 1..500; 50 when zero
}

func (f OrganisationFilter) values() url.Values {
	q := url.Values{}
	if f.Municipality != uuid.Nil {
		q.Set("municipality", f.Municipality.String())
	}
	for k, v := range map[string]string{"kind": f.Kind, "q": f.Query, "after": f.After} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q
}

// Organisations is a page of organisations.
func (c *Client) Organisations(ctx context.Context, f OrganisationFilter) (Page[Organisation], error) {
	var p Page[Organisation]
	return p, c.conn.Get(ctx, api+"/organisations", f.values(), &p)
}

// maxOrganisationPages bounds AllOrganisations: 20 pages of 500.
const maxOrganisationPages = 20

// AllOrganisations reads every page of the filter (at most 10,000
// organisations: more than the region has).
func (c *Client) AllOrganisations(ctx context.Context, f OrganisationFilter) ([]Organisation, error) {
	f.Limit, f.After = 500, ""
	var out []Organisation
	for range maxOrganisationPages {
		p, err := c.Organisations(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			break
		}
		f.After = p.Next
	}
	return out, nil
}

// Organisation is one organisation.
func (c *Client) Organisation(ctx context.Context, id uuid.UUID) (*Organisation, error) {
	var o Organisation
	return &o, c.conn.Get(ctx, api+"/organisations/"+id.String(), nil, &o)
}

// Classes are an organisation's classes and groups of this academic year.
func (c *Client) Classes(ctx context.Context, org uuid.UUID) ([]Class, error) {
	var p Page[Class]
	return p.Items, c.conn.Get(ctx, api+"/organisations/"+org.String()+"/classes", nil, &p)
}

// ClassesIn are an organisation's classes and groups of an academic year.
func (c *Client) ClassesIn(ctx context.Context, org uuid.UUID, year int) ([]Class, error) {
	var p Page[Class]
	return p.Items, c.conn.Get(ctx, api+"/organisations/"+org.String()+"/classes", url.Values{"year": {strconv.Itoa(year)}}, &p)
}

// CreateClass opens a class (or a college's study group) at an organisation.
func (c *Client) CreateClass(ctx context.Context, org uuid.UUID, in ClassInput) (Class, error) {
	var out Class
	return out, c.conn.Do(ctx, http.MethodPost, api+"/organisations/"+org.String()+"/classes", in, nil, &out)
}

// Enrol records a person's enrollment at an organisation (and in a class);
// a conflict means the person is enrolled there that year already.
func (c *Client) Enrol(ctx context.Context, in EnrollmentInput) (Enrollment, error) {
	var out Enrollment
	return out, c.conn.Do(ctx, http.MethodPost, api+"/enrollments", in, nil, &out)
}

// Staff are an organisation's staff roles.
func (c *Client) Staff(ctx context.Context, org uuid.UUID) ([]StaffMember, error) {
	var p Page[StaffMember]
	return p.Items, c.conn.Get(ctx, api+"/organisations/"+org.String()+"/staff", nil, &p)
}

// Students is an organisation's (or one class's, when class is not nil)
// class list with masked profiles; the registry audits every child listed.
func (c *Client) Students(ctx context.Context, org uuid.UUID, class *uuid.UUID) ([]Student, error) {
	var q url.Values
	if class != nil {
		q = url.Values{"class": {class.String()}}
	}
	var p Page[Student]
	return p.Items, c.conn.Get(ctx, api+"/organisations/"+org.String()+"/students", q, &p)
}

// Roster is a class's pupils this year by name only, as the registry shows
// them to the school's teachers and administration (every name read is audited).
func (c *Client) Roster(ctx context.Context, org, class uuid.UUID) ([]RosterPupil, error) {
	var p Page[RosterPupil]
	return p.Items, c.conn.Get(ctx, api+"/organisations/"+org.String()+"/roster", url.Values{"class": {class.String()}}, &p)
}

// Person is a profile, masked.
func (c *Client) Person(ctx context.Context, id uuid.UUID) (*Person, error) {
	var p Person
	return &p, c.conn.Get(ctx, api+"/people/"+id.String(), nil, &p)
}

// Audit is a page of who read or changed the person's data, newest first,
// after the record numbered after (0: from the newest).
func (c *Client) Audit(ctx context.Context, person uuid.UUID, after int64, limit int) (Page[audit.Record], error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	var p Page[audit.Record]
	return p, c.conn.Get(ctx, api+"/people/"+person.String()+"/audit", q, &p)
}

var _ access.Source = (*Client)(nil)

// GrantsFrom makes policy take callers' grants from the registry through
// conn, unless it has a source already (the registry itself, mounted in this
// process). A function deployed apart from the registry calls it at mount.
func GrantsFrom(policy *access.Policy, conn *httpx.Client) {
	if conn != nil && !policy.HasSource() {
		policy.SetSource(New(conn))
	}
}

// Match finds the registry person an external system names (a service
// account's call).
func (c *Client) Match(ctx context.Context, req MatchRequest) (MatchResult, error) {
	var m MatchResult
	return m, c.conn.Do(ctx, http.MethodPost, api+"/matches", req, nil, &m)
}

// SearchPeople finds people by full name and birth date (an official's
// exact lookup, within the official's territory): masked profiles.
func (c *Client) SearchPeople(ctx context.Context, familyName, givenName, birthDate string) ([]PersonHit, error) {
	var p Page[PersonHit]
	q := url.Values{"family_name": {familyName}, "given_name": {givenName}, "birth_date": {birthDate}}
	return p.Items, c.conn.Get(ctx, api+"/people", q, &p)
}

// Counts are the organisations' numbers as of a day (YYYY-MM-DD; "" today),
// in the order named.
func (c *Client) Counts(ctx context.Context, organisations []uuid.UUID, asOf string) ([]OrganisationCounts, error) {
	var out []OrganisationCounts
	return out, c.conn.Do(ctx, http.MethodPost, api+"/counts", CountsRequest{Organisations: organisations, AsOf: asOf}, nil, &out)
}

// PupilCard is a pupil's card for a prevention body's case.
func (c *Client) PupilCard(ctx context.Context, id uuid.UUID) (*PupilCard, error) {
	var out PupilCard
	return &out, c.conn.Get(ctx, api+"/people/"+id.String()+"/card", nil, &out)
}

// Wards are the children under the guardianship authority's acts in a
// municipality (uuid.Nil: the caller's own).
func (c *Client) Wards(ctx context.Context, municipality uuid.UUID) ([]Ward, error) {
	var out []Ward
	q := url.Values{}
	if municipality != uuid.Nil {
		q.Set("municipality", municipality.String())
	}
	return out, c.conn.Get(ctx, api+"/wards", q, &out)
}
