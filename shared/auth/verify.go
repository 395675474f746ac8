package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/kuzbass/eko/shared/errs"
)

// Config is the token half of the identity configuration.
type Config struct {
	// Issuer is the OpenID Provider whose tokens are accepted (ESIA or its broker in production).
	Issuer string `envconfig:"OIDC_ISSUER" default:"http://127.0.0.1:9998"`
	// Audience must appear in a token's aud claim.
	Audience string `envconfig:"OIDC_AUDIENCE" default:"eko"`
	// JWKSURL skips discovery when set; otherwise the keys URL comes from the issuer's discovery document.
	JWKSURL string `envconfig:"OIDC_JWKS_URL"`
	// Events is who may deliver events in Kubernetes (the Broker's tokens).
	Events EventsConfig
}

// Verifier checks bearer tokens with go-oidc. Discovery happens on first use and is
// retried until it succeeds, so a function starts even while the issuer is briefly down.
//
// A token that verified is remembered (by its SHA-256, never the token) until
// it expires, so a family's next requests with the same token skip the
// signature check; a remembered token is still refused from the moment it
// expires. Tokens are not revocable before they expire in any case: the keys
// are checked, not a session.
type Verifier struct {
	cfg      Config
	client   *http.Client
	verified verifiedCache

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	lastTry  time.Time
	now      func() time.Time
}

// NewVerifier returns a Verifier for cfg. It does no I/O.
func NewVerifier(cfg Config) *Verifier {
	return &Verifier{cfg: cfg, client: &http.Client{Timeout: 10 * time.Second}, now: time.Now}
}

func (v *Verifier) oidcVerifier(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.verifier != nil {
		return v.verifier, nil
	}
	if since := v.now().Sub(v.lastTry); since < time.Second {
		return nil, errs.E(errs.Unavailable, "identity provider is not reachable yet")
	}
	v.lastTry = v.now()
	ctx = oidc.ClientContext(context.WithoutCancel(ctx), v.client)
	jwks := v.cfg.JWKSURL
	if jwks == "" {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(dctx, v.cfg.Issuer)
		if err != nil {
			return nil, &errs.Error{Code: errs.Unavailable, Detail: "identity provider is not reachable: " + err.Error()}
		}
		var meta struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if err := p.Claims(&meta); err != nil || meta.JWKSURI == "" {
			return nil, errs.E(errs.Unavailable, "identity provider discovery has no jwks_uri")
		}
		jwks = meta.JWKSURI
	}
	keys := oidc.NewRemoteKeySet(ctx, jwks)
	v.verifier = oidc.NewVerifier(v.cfg.Issuer, keys, &oidc.Config{
		ClientID:             v.cfg.Audience,
		SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256, oidc.PS256},
		Now:                  v.now,
	})
	return v.verifier, nil
}

// Verify checks a raw JWT and returns the caller it names. Any defect of the token
// (malformed, bad signature, wrong issuer or audience, expired) is errs.Unauthenticated.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Principal, error) {
	key := sha256.Sum256([]byte(raw))
	if p, ok := v.verified.get(key, v.now()); ok {
		return p, nil
	}
	ov, err := v.oidcVerifier(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := ov.Verify(ctx, raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return nil, errs.E(errs.Unauthenticated, "token expired")
		}
		return nil, &errs.Error{Code: errs.Unauthenticated, Detail: "token rejected: " + err.Error()}
	}
	var c struct {
		Person
		PreferredUsername string   `json:"preferred_username"`
		Trusted           bool     `json:"trusted"`
		ClientKind        string   `json:"client_kind"`
		CreatedBy         string   `json:"created_by"`
		Children          []Person `json:"children"`
	}
	if err := tok.Claims(&c); err != nil {
		return nil, &errs.Error{Code: errs.Unauthenticated, Detail: "token claims unreadable: " + err.Error()}
	}
	p := &Principal{
		Subject:   tok.Subject,
		Login:     c.PreferredUsername,
		Person:    c.Person,
		Trusted:   c.Trusted,
		Service:   c.ClientKind == "service",
		Children:  c.Children,
		CreatedBy: c.CreatedBy,
		Expires:   tok.Expiry,
		Token:     raw,
	}
	v.verified.put(key, p)
	return p, nil
}

// verifiedCache remembers the principals of verified tokens until they
// expire. When it holds maxVerified entries it starts afresh, so its memory
// stays bounded.
type verifiedCache struct {
	mu sync.Mutex
	m  map[[32]byte]*Principal
}

const maxVerified = 50_000

// get returns a copy of the principal of the token hashed to key, if it is
// remembered and has not expired at now.
func (c *verifiedCache) get(key [32]byte, now time.Time) (*Principal, bool) {
	c.mu.Lock()
	p, ok := c.m[key]
	c.mu.Unlock()
	if !ok || !now.Before(p.Expires) {
		return nil, false
	}
	cp := *p // the copy gets its own grants
	return &cp, true
}

func (c *verifiedCache) put(key [32]byte, p *Principal) {
	if p.Expires.IsZero() {
		return
	}
	cp := *p
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxVerified {
		c.m = make(map[[32]byte]*Principal)
	}
	c.m[key] = &cp
}

// BearerToken extracts the token of an "Authorization: Bearer <token>" header.
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", errs.E(errs.Unauthenticated, "authorization required: send Authorization: Bearer <token>")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", errs.E(errs.Unauthenticated, "malformed Authorization header: expected Bearer <token>")
	}
	if strings.Count(tok, ".") != 2 {
		return "", errs.E(errs.Unauthenticated, "malformed token: not a JWT")
	}
	return strings.TrimSpace(tok), nil
}

// Policy decides whether a verified caller may perform an action. Registry roles
// (issue 3) fill it; until then only DenyAll exists. Implementations return nil to
// grant, and an *errs.Error with code Forbidden (or Unavailable) to refuse.
type Policy interface {
	Authorize(ctx context.Context, p *Principal, perm Permission) error
}

// DenyAll grants nothing. It is the policy of a function that has none of its own.
type DenyAll struct{}

// Authorize always refuses.
func (DenyAll) Authorize(_ context.Context, _ *Principal, perm Permission) error {
	return errs.E(errs.Forbidden, "no policy grants %q", perm)
}

// Guard authenticates a request and asks the Policy about the route's permission.
type Guard struct {
	Verifier *Verifier
	Policy   Policy
	// Token, when set, takes the raw token from the request instead of the
	// Authorization header (BearerToken) — for example from the server-side
	// session that the portal's cookie names. It must return an
	// errs.Unauthenticated error when the request carries no token. The token is
	// then verified exactly like a bearer token. Nil keeps BearerToken.
	Token func(*http.Request) (string, error)
	// Events verifies the Broker's delivery tokens on event routes
	// (NewEventsVerifier); nil accepts none. EventSubjectPrefix limits the
	// service accounts they may name.
	Events             *Verifier
	EventSubjectPrefix string
}

// token extracts the raw token of r with g.Token, or BearerToken by default.
func (g *Guard) token(r *http.Request) (string, error) {
	if g != nil && g.Token != nil {
		return g.Token(r)
	}
	return BearerToken(r)
}

// Check returns the caller of r when perm allows it. Public routes return a nil
// Principal; undeclared permissions are always refused.
func (g *Guard) Check(r *http.Request, perm Permission) (*Principal, error) {
	switch perm {
	case "":
		return nil, errs.E(errs.Forbidden, "route declares no permission")
	case Public:
		return nil, nil
	case EventDelivery:
		if IsInternalDelivery(r.Context()) {
			return &Principal{Subject: "service:eko-dispatcher", Service: true, Delivery: true}, nil
		}
	}
	raw, err := g.token(r)
	if err != nil {
		return nil, err
	}
	if g == nil || g.Verifier == nil {
		return nil, errs.E(errs.Unavailable, "token verification is not configured")
	}
	p, err := g.Verifier.Verify(r.Context(), raw)
	if perm == EventDelivery && (err != nil || !p.Service) {
		if ep, ok := g.eventSender(r, raw); ok {
			return ep, nil
		}
	}
	if err != nil {
		return nil, err
	}
	switch {
	case perm == Authenticated:
		return p, nil
	case perm == EventDelivery && p.Service:
		return p, nil
	}
	pol := g.Policy
	if pol == nil {
		pol = DenyAll{}
	}
	if err := pol.Authorize(r.Context(), p, perm); err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return nil, fmt.Errorf("auth: policy: %w", err)
		}
		return nil, err
	}
	return p, nil
}
