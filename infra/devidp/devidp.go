// Package devidp is the development identity provider: a real OpenID Provider
// (zitadel/oidc's op package) standing in for ESIA locally. It offers discovery,
// the authorization-code flow with PKCE behind a login page listing the fixture
// logins, a token endpoint (also client credentials for service accounts such
// as EPGU), JWKS, userinfo and end-session. ID and access tokens are RS256 JWTs
// with ESIA-like claims (fullname, birthdate, gender, snils, id_doc, trusted,
// children, created_by). For tests and scripts, and only on a loopback listener,
// GET /dev/token?login=<login> mints the tokens of a fixture login directly.
package devidp

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/kuzbass/eko/infra/fixtures"
)

// Config of the development identity provider.
type Config struct {
	// Issuer is the issuer URL tokens carry; it must be the URL clients reach the provider at.
	Issuer string `envconfig:"DEVIDP_ISSUER" default:"http://127.0.0.1:9998"`
	// Addr is the listen address. /dev/token is served only when it is a loopback address.
	Addr string `envconfig:"DEVIDP_ADDR" default:"127.0.0.1:9998"`
	// ClientID and ClientSecret of the portal's web client.
	ClientID     string `envconfig:"DEVIDP_CLIENT_ID" default:"eko"`
	ClientSecret string `envconfig:"DEVIDP_CLIENT_SECRET" default:"eko-dev-secret"`
	// RedirectURIs of the portal client, comma-separated.
	RedirectURIs []string `envconfig:"DEVIDP_REDIRECT_URIS" default:"http://127.0.0.1:8080/auth/callback"`
	// PostLogoutURIs of the portal client, comma-separated.
	PostLogoutURIs []string `envconfig:"DEVIDP_POST_LOGOUT_URIS" default:"http://127.0.0.1:8080/"`
	// Audience that access tokens carry (the EKO API's OIDC_AUDIENCE).
	Audience string `envconfig:"DEVIDP_AUDIENCE" default:"eko"`
	// TokenTTL is the lifetime of ID and access tokens.
	TokenTTL time.Duration `envconfig:"DEVIDP_TOKEN_TTL" default:"1h"`
	// RefreshTTL is the lifetime of a refresh token (issued for the
	// offline_access scope, as ESIA does; each use replaces it).
	RefreshTTL time.Duration `envconfig:"DEVIDP_REFRESH_TTL" default:"12h"`
	// SigningKeyFile is a PEM RSA private key; a fresh key is generated when empty.
	SigningKeyFile string `envconfig:"DEVIDP_SIGNING_KEY_FILE"`
}

// Server is the provider as an http.Handler.
type Server struct {
	cfg       Config
	set       *fixtures.Set
	key       signingKey
	signer    jose.Signer
	clients   map[string]*client
	storage   *storage
	provider  *op.Provider
	mux       *http.ServeMux
	devTokens bool
}

// New builds the provider for cfg with the identities of set.
func New(cfg Config, set *fixtures.Set) (*Server, error) {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 12 * time.Hour
	}
	if cfg.Audience == "" {
		cfg.Audience = "eko"
	}
	key, err := loadKey(cfg.SigningKeyFile)
	if err != nil {
		return nil, err
	}
	// The key id is the key's JWK thumbprint: a new key (a restart without
	// DEVIDP_SIGNING_KEY_FILE) gets a new id, so verifiers refetch the JWKS.
	thumb, err := (&jose.JSONWebKey{Key: &key.PublicKey}).Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, set: set, key: signingKey{id: base64.RawURLEncoding.EncodeToString(thumb[:12]), key: key}, clients: map[string]*client{}}
	s.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: s.key.id}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, err
	}
	s.clients[cfg.ClientID] = &client{
		id: cfg.ClientID, secret: cfg.ClientSecret, redirects: cfg.RedirectURIs, postLogout: cfg.PostLogoutURIs,
		grants: []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}, responseType: []oidc.ResponseType{oidc.ResponseTypeCode}, tokenTTL: cfg.TokenTTL,
	}
	for _, sa := range set.ServiceAccounts {
		s.clients[sa.ClientID] = &client{id: sa.ClientID, secret: sa.Secret, grants: []oidc.GrantType{oidc.GrantTypeClientCredentials}, tokenTTL: cfg.TokenTTL}
	}
	s.storage = newStorage(s)

	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		return nil, err
	}
	opts := []op.Option{}
	if isLoopbackURL(cfg.Issuer) {
		opts = append(opts, op.WithAllowInsecure())
	}
	s.provider, err = op.NewProvider(&op.Config{
		CryptoKey:                cryptoKey,
		DefaultLogoutRedirectURI: "/logged-out",
		CodeMethodS256:           true,
		GrantTypeRefreshToken:    true,
		AuthMethodPost:           true,
		SupportedUILocales:       []language.Tag{language.Russian},
		SupportedClaims: []string{"sub", "name", "fullname", "family_name", "given_name", "middle_name", "birthdate", "gender",
			"snils", "id_doc", "trusted", "children", "created_by", "preferred_username", "email", "phone_number"},
	}, s.storage, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("devidp: %w", err)
	}

	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /login", s.loginPage)
	s.mux.HandleFunc("POST /login", s.login)
	s.mux.HandleFunc("GET /logged-out", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><title>Выход</title><p id="logged-out">Вы вышли из тестового стенда ЕСИА.</p>`)
	})
	s.devTokens = isLoopbackAddr(cfg.Addr) && isLoopbackURL(cfg.Issuer)
	if s.devTokens {
		s.mux.HandleFunc("GET /dev/token", s.devToken)
	}
	s.mux.Handle("/", s.provider)
	return s, nil
}

// DevTokens reports whether /dev/token is served.
func (s *Server) DevTokens() bool { return s.devTokens }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func loadKey(file string) (*rsa.PrivateKey, error) {
	if file == "" {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("devidp: signing key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("devidp: %s is not PEM", file)
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("devidp: signing key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("devidp: signing key is not RSA")
	}
	return rk, nil
}

func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && isLoopbackAddr(u.Host)
}

// ServeLoopback serves a provider of the fixtures set on a free loopback
// port — for tests and load generators — and returns its issuer and what
// stops it. cfg's issuer and address are the listener's; its client id and
// audience default to "eko", its tokens live an hour unless it says.
func ServeLoopback(cfg Config, set *fixtures.Set) (issuer string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	cfg.Issuer, cfg.Addr = "http://"+l.Addr().String(), l.Addr().String()
	if cfg.ClientID == "" {
		cfg.ClientID = "eko"
	}
	if cfg.Audience == "" {
		cfg.Audience = "eko"
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = time.Hour
	}
	idp, err := New(cfg, set)
	if err != nil {
		_ = l.Close()
		return "", nil, err
	}
	hs := &http.Server{Handler: idp, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(l) }()
	return cfg.Issuer, func() { _ = hs.Close() }, nil
}
