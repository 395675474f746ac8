package devidp

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/kuzbass/eko/infra/fixtures"
)

// storage is the in-memory op.Storage of the development identity provider.
type storage struct {
	srv *Server

	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]string        // code → auth request id
	tokens   map[string]token         // access token id → token
	refresh  map[string]*refreshGrant // refresh token → what it renews
}

// refreshGrant is what a refresh token renews: ESIA's offline_access, for
// RefreshTTL, replaced by a new one at each use (rotation).
type refreshGrant struct {
	subject, clientID string
	scopes, audience  []string
	authTime, expires time.Time
}

func (g *refreshGrant) GetAMR() []string                 { return []string{"pwd"} }
func (g *refreshGrant) GetAudience() []string            { return g.audience }
func (g *refreshGrant) GetAuthTime() time.Time           { return g.authTime }
func (g *refreshGrant) GetClientID() string              { return g.clientID }
func (g *refreshGrant) GetScopes() []string              { return g.scopes }
func (g *refreshGrant) GetSubject() string               { return g.subject }
func (g *refreshGrant) SetCurrentScopes(scopes []string) { g.scopes = scopes }

type token struct {
	subject  string
	clientID string
	expires  time.Time
}

func newStorage(s *Server) *storage {
	return &storage{srv: s, requests: map[string]*authRequest{}, codes: map[string]string{}, tokens: map[string]token{}, refresh: map[string]*refreshGrant{}}
}

var errNotFound = errors.New("not found")

// authRequest implements op.AuthRequest.
type authRequest struct {
	id, clientID, redirectURI, state, nonce string
	scopes                                  []string
	responseType                            oidc.ResponseType
	responseMode                            oidc.ResponseMode
	challenge                               *oidc.CodeChallenge
	audience                                []string
	subject                                 string
	authTime                                time.Time
	done                                    bool
	created                                 time.Time
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return a.audience }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	a := &authRequest{
		id: uuid.NewString(), clientID: r.ClientID, redirectURI: r.RedirectURI, state: r.State, nonce: r.Nonce,
		scopes: r.Scopes, responseType: r.ResponseType, responseMode: r.ResponseMode, created: time.Now(),
		audience: audience(r.ClientID, s.srv.cfg.Audience),
	}
	if r.CodeChallenge != "" {
		a.challenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.requests { // forget abandoned logins
		if time.Since(old.created) > 30*time.Minute {
			delete(s.requests, id)
		}
	}
	s.requests[a.id] = a
	return a, nil
}

func audience(clientID, api string) []string {
	if clientID == api {
		return []string{api}
	}
	return []string{clientID, api}
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return nil, errNotFound
	}
	return a, nil
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// completeLogin marks the auth request as authenticated by the identity with oid.
func (s *storage) completeLogin(id, oid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return errNotFound
	}
	a.subject, a.done, a.authTime = oid, true, time.Now()
	return nil
}

func clientIDOf(r op.TokenRequest) string {
	switch t := r.(type) {
	case *authRequest:
		return t.clientID
	case *serviceRequest:
		return t.clientID
	case *refreshGrant:
		return t.clientID
	}
	return ""
}

func (s *storage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	exp := time.Now().Add(s.srv.cfg.TokenTTL)
	return s.rememberToken(r.GetSubject(), clientIDOf(r), exp), exp, nil
}

// rememberToken records a new access token (its JWT id) until it expires, for
// userinfo, introspection and revocation, and returns its id.
func (s *storage) rememberToken(subject, clientID string, expires time.Time) string {
	id := uuid.NewString()
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for tid, t := range s.tokens {
		if now.After(t.expires) {
			delete(s.tokens, tid)
		}
	}
	s.tokens[id] = token{subject: subject, clientID: clientID, expires: expires}
	return id
}

// CreateAccessAndRefreshTokens issues an access token and, for a request
// with the offline_access scope, a refresh token; a refresh replaces the
// token it was made with (current), which no longer works.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, r op.TokenRequest, current string) (string, string, time.Time, error) {
	id, exp, err := s.CreateAccessToken(ctx, r)
	if err != nil || !slices.Contains(r.GetScopes(), oidc.ScopeOfflineAccess) {
		return id, "", exp, err
	}
	g := &refreshGrant{subject: r.GetSubject(), clientID: clientIDOf(r), scopes: r.GetScopes(), audience: r.GetAudience(),
		authTime: time.Now(), expires: time.Now().Add(s.srv.cfg.RefreshTTL)}
	if a, ok := r.(*authRequest); ok {
		g.authTime = a.authTime
	}
	if old, ok := r.(*refreshGrant); ok {
		g.authTime = old.authTime
	}
	rt := uuid.NewString()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refresh, current)
	s.refresh[rt] = g
	return id, rt, exp, nil
}

func (s *storage) TokenRequestByRefreshToken(_ context.Context, rt string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.refresh[rt]
	if !ok || time.Now().After(g.expires) {
		delete(s.refresh, rt)
		return nil, op.ErrInvalidRefreshToken
	}
	return g, nil
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(_ context.Context, tokenID, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tokenID)
	delete(s.refresh, tokenID)
	return nil
}

func (s *storage) GetRefreshTokenInfo(_ context.Context, _ string, rt string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.refresh[rt]; ok {
		return g.subject, rt, nil
	}
	return "", "", op.ErrInvalidRefreshToken
}

// signingKey implements op.SigningKey and op.Key.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Algorithm() jose.SignatureAlgorithm          { return jose.RS256 }
func (k signingKey) Use() string                                 { return "sig" }
func (k signingKey) ID() string                                  { return k.id }
func (k signingKey) Key() any                                    { return k.key }

type publicKey struct{ signingKey }

func (k publicKey) Key() any { return &k.key.PublicKey }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.srv.key, nil }
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}
func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.srv.key}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.srv.clients[id]
	if !ok {
		return nil, errNotFound
	}
	return c, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if c, ok := s.srv.clients[id]; !ok || !c.secretIs(secret) {
		return errors.New("invalid client credentials")
	}
	return nil
}

func (s *storage) identityBySubject(sub string) (fixtures.Identity, bool) {
	for _, i := range s.srv.set.Identities {
		if i.OID == sub && !i.NoAccount {
			return i, true
		}
	}
	return fixtures.Identity{}, false
}

func (s *storage) setUserinfo(ui *oidc.UserInfo, sub string) error {
	ui.Subject = sub
	i, ok := s.identityBySubject(sub)
	if !ok {
		return nil // a service account has no person claims
	}
	for k, v := range s.srv.userClaims(i) {
		ui.AppendClaims(k, v)
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(_ context.Context, ui *oidc.UserInfo, userID, _ string, _ []string) error {
	return s.setUserinfo(ui, userID)
}

func (s *storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || time.Now().After(t.expires) {
		return errors.New("token is not active")
	}
	return s.setUserinfo(ui, t.subject)
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, ir *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || time.Now().After(t.expires) {
		return errors.New("token is not active")
	}
	ir.Active, ir.Subject, ir.ClientID = true, t.subject, t.clientID
	return nil
}

// GetPrivateClaimsFromScopes puts the person claims into JWT access tokens:
// the EKO API reads the caller's identity from the access token.
func (s *storage) GetPrivateClaimsFromScopes(_ context.Context, userID, _ string, _ []string) (map[string]any, error) {
	if i, ok := s.identityBySubject(userID); ok {
		return s.srv.userClaims(i), nil
	}
	if len(userID) > len("service:") && userID[:len("service:")] == "service:" {
		return map[string]any{"client_kind": "service"}, nil
	}
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile grants are not supported")
}

func (s *storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

func (s *storage) Health(context.Context) error { return nil }

// serviceRequest is the token request of a client-credentials grant.
type serviceRequest struct {
	clientID string
	scopes   []string
	audience []string
}

func (r *serviceRequest) GetSubject() string    { return "service:" + r.clientID }
func (r *serviceRequest) GetAudience() []string { return r.audience }
func (r *serviceRequest) GetScopes() []string   { return r.scopes }

func (s *storage) ClientCredentials(_ context.Context, id, secret string) (op.Client, error) {
	c, ok := s.srv.clients[id]
	if !ok || !c.secretIs(secret) || !slices.Contains(c.grants, oidc.GrantTypeClientCredentials) {
		return nil, fmt.Errorf("invalid client credentials")
	}
	return c, nil
}

func (s *storage) ClientCredentialsTokenRequest(_ context.Context, id string, scopes []string) (op.TokenRequest, error) {
	return &serviceRequest{clientID: id, scopes: scopes, audience: []string{s.srv.cfg.Audience}}, nil
}
