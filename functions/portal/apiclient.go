package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/httpx"
)

// apiClient calls another function's API with the user's own token (the
// verified principal of the request's context), so that function applies its
// own access rules (a foreign child's id is 404) and writes its audit log.
// The portal never reads other functions' tables.
type apiClient struct{ conn *httpx.Client }

// get calls GET path?query and decodes the JSON answer into dst.
func (c *apiClient) get(ctx context.Context, _ string, path string, query url.Values, dst any) error {
	return c.conn.Get(ctx, path, query, dst)
}

// send calls method path with body (JSON, when not nil) and headers, and
// decodes a 2xx answer into dst (when not nil). A refusal is the callee's
// *errs.Error, so that forms can show its field errors next to their fields.
func (c *apiClient) send(ctx context.Context, _ string, method, path string, body any, header map[string]string, dst any) error {
	h := http.Header{}
	for k, v := range header {
		h.Set(k, v)
	}
	return c.conn.Do(ctx, method, path, body, h, dst)
}

// The registry API the portal uses.

func (c *apiClient) me(ctx context.Context, token string) (*registryapi.Me, error) {
	var m registryapi.Me
	return &m, c.get(ctx, token, "/api/registry/me", nil, &m)
}

func (c *apiClient) grants(ctx context.Context, token string) (*access.Grants, error) {
	var g access.Grants
	return &g, c.get(ctx, token, "/api/registry/me/grants", nil, &g)
}

func (c *apiClient) person(ctx context.Context, token string, id uuid.UUID) (*registryapi.Person, error) {
	var p registryapi.Person
	return &p, c.get(ctx, token, "/api/registry/people/"+id.String(), nil, &p)
}

func (c *apiClient) audit(ctx context.Context, token string, id uuid.UUID, after int64) (registryapi.Page[audit.Record], error) {
	var p registryapi.Page[audit.Record]
	q := url.Values{"limit": {"50"}}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	return p, c.get(ctx, token, "/api/registry/people/"+id.String()+"/audit", q, &p)
}

func (c *apiClient) organisation(ctx context.Context, token string, id uuid.UUID) (*registryapi.Organisation, error) {
	var o registryapi.Organisation
	return &o, c.get(ctx, token, "/api/registry/organisations/"+id.String(), nil, &o)
}

func (c *apiClient) organisations(ctx context.Context, token string, municipality uuid.UUID, after string) (registryapi.Page[registryapi.Organisation], error) {
	var p registryapi.Page[registryapi.Organisation]
	q := url.Values{"municipality": {municipality.String()}, "limit": {"500"}}
	if after != "" {
		q.Set("after", after)
	}
	return p, c.get(ctx, token, "/api/registry/organisations", q, &p)
}

func (c *apiClient) municipalities(ctx context.Context, token string) ([]registryapi.Municipality, error) {
	var p registryapi.Page[registryapi.Municipality]
	return p.Items, c.get(ctx, token, "/api/registry/municipalities", nil, &p)
}

func (c *apiClient) classes(ctx context.Context, token string, org uuid.UUID) ([]registryapi.Class, error) {
	var p registryapi.Page[registryapi.Class]
	return p.Items, c.get(ctx, token, "/api/registry/organisations/"+org.String()+"/classes", nil, &p)
}

// roster is a class's pupils by name only, as the registry shows them to the
// school's teachers and administration.
func (c *apiClient) roster(ctx context.Context, token string, org, class uuid.UUID) ([]registryapi.RosterPupil, error) {
	var p registryapi.Page[registryapi.RosterPupil]
	return p.Items, c.get(ctx, token, "/api/registry/organisations/"+org.String()+"/roster", url.Values{"class": {class.String()}}, &p)
}

func (c *apiClient) staff(ctx context.Context, token string, org uuid.UUID) ([]registryapi.StaffMember, error) {
	var p registryapi.Page[registryapi.StaffMember]
	return p.Items, c.get(ctx, token, "/api/registry/organisations/"+org.String()+"/staff", nil, &p)
}

func (c *apiClient) students(ctx context.Context, token string, org uuid.UUID, class *uuid.UUID) ([]registryapi.Student, error) {
	var p registryapi.Page[registryapi.Student]
	var q url.Values
	if class != nil {
		q = url.Values{"class": {class.String()}}
	}
	return p.Items, c.get(ctx, token, "/api/registry/organisations/"+org.String()+"/students", q, &p)
}
