package devidp_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/kelseyhightower/envconfig"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/auth"
)

const postLogout = "http://127.0.0.1:1/"

// start runs the provider on a free loopback port; the issuer is its URL.
func start(t *testing.T, redirect string, edit ...func(*devidp.Config)) (string, *devidp.Server) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + l.Addr().String()
	cfg := devidp.Config{
		Issuer: issuer, Addr: l.Addr().String(), ClientID: "eko", ClientSecret: "s3cret",
		RedirectURIs: []string{redirect}, PostLogoutURIs: []string{postLogout}, Audience: "eko", TokenTTL: time.Hour,
	}
	for _, e := range edit {
		e(&cfg)
	}
	srv, err := devidp.New(cfg, fixtures.MustLoad())
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })
	return issuer, srv
}

type devTokens struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

func getDevToken(t *testing.T, issuer, query string) (int, devTokens, string, []byte) {
	t.Helper()
	resp, err := http.Get(issuer + "/dev/token?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var tok devTokens
	_ = json.Unmarshal(b, &tok)
	return resp.StatusCode, tok, resp.Header.Get("Content-Type"), b
}

// esiaClaims are the ESIA-like claims a person's tokens carry.
type esiaClaims struct {
	Subject  string `json:"sub"`
	Audience any    `json:"aud"`
	Nonce    string `json:"nonce"`
	Name     string `json:"name"`
	personClaims
	Trusted           *bool  `json:"trusted"`
	PreferredUsername string `json:"preferred_username"`
	CreatedBy         string `json:"created_by"`
	ClientKind        string `json:"client_kind"`
	Children          []struct {
		OID string `json:"oid"`
		personClaims
	} `json:"children"`
}

// personClaims describe a person, the account's holder or a child.
type personClaims struct {
	FullName   string   `json:"fullname"`
	FamilyName string   `json:"family_name"`
	GivenName  string   `json:"given_name"`
	MiddleName string   `json:"middle_name"`
	BirthDate  string   `json:"birthdate"`
	Gender     string   `json:"gender"`
	SNILS      string   `json:"snils"`
	Document   document `json:"id_doc"`
}

type document struct {
	Type, Series, Number, IssuedBy, IssueDate string
}

func (d *document) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*d = document{m["type"], m["series"], m["number"], m["issued_by"], m["issue_date"]}
	return nil
}

// checkParent1 checks the claims of parent1 against the fixture file.
func checkParent1(t *testing.T, c esiaClaims) {
	t.Helper()
	fx := fixtures.MustLoad()
	p, _ := fx.Identity("parent1")
	if c.Subject != p.OID || c.PreferredUsername != "parent1" || c.FullName != "Соколова Анна Сергеевна" || c.Name != c.FullName ||
		c.FamilyName != p.FamilyName || c.GivenName != p.GivenName || c.MiddleName != p.MiddleName || c.BirthDate != p.BirthDate ||
		c.Gender != "F" || c.SNILS != p.SNILS || c.Trusted == nil || !*c.Trusted ||
		c.Document != (document{p.Document.Type, p.Document.Series, p.Document.Number, p.Document.IssuedBy, p.Document.IssueDate}) {
		t.Fatalf("parent1's claims %+v", c)
	}
	if len(c.Children) != 2 {
		t.Fatalf("parent1's children %+v", c.Children)
	}
	for n, login := range []string{"student1", "kid1"} {
		k, _ := fx.Identity(login)
		got := c.Children[n]
		if got.OID != k.OID || got.FullName != k.FullName() || got.FamilyName != k.FamilyName || got.GivenName != k.GivenName ||
			got.MiddleName != k.MiddleName || got.BirthDate != k.BirthDate || got.Gender != k.Gender || got.SNILS != k.SNILS ||
			got.Document.Type != "BRTH_CERT" || got.Document.Series != k.Document.Series || got.Document.Number != k.Document.Number {
			t.Fatalf("child %s: %+v", login, got)
		}
	}
}

func TestDiscoveryAndDevTokensVerifyWithGoOIDC(t *testing.T) {
	issuer, srv := start(t, "http://127.0.0.1:1/cb")
	if !srv.DevTokens() {
		t.Fatal("dev tokens off on a loopback listener")
	}
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	var disco struct {
		Issuer, AuthorizationEndpoint, TokenEndpoint, JWKSURI, UserinfoEndpoint, EndSessionEndpoint string
		Challenge                                                                                   []string `json:"code_challenge_methods_supported"`
		Claims                                                                                      []string `json:"claims_supported"`
	}
	if err := provider.Claims(&disco); err != nil {
		t.Fatal(err)
	}
	raw := map[string]any{}
	_ = provider.Claims(&raw)
	for _, k := range []string{"authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint", "end_session_endpoint"} {
		if s, _ := raw[k].(string); !strings.HasPrefix(s, issuer+"/") {
			t.Errorf("discovery %s = %v", k, raw[k])
		}
	}
	if !strings.Contains(strings.Join(disco.Challenge, ","), "S256") || !strings.Contains(strings.Join(disco.Claims, ","), "children") {
		t.Errorf("discovery: PKCE methods %v, claims %v", disco.Challenge, disco.Claims)
	}

	code, tok, ct, _ := getDevToken(t, issuer, "login=parent1")
	if code != 200 || ct != "application/json" || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("/dev/token: %d %s %+v", code, ct, tok)
	}
	// go-oidc accepts both tokens: the access token has audience "eko", the ID
	// token the client id (here also "eko").
	verifier := provider.Verifier(&oidc.Config{ClientID: "eko"})
	for name, raw := range map[string]string{"access": tok.AccessToken, "id": tok.IDToken} {
		v, err := verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("%s token: %v", name, err)
		}
		var c esiaClaims
		if err := v.Claims(&c); err != nil {
			t.Fatal(err)
		}
		checkParent1(t, c)
	}
	// The key that signs them is in the JWKS, under the kid in their header.
	jws, err := jose.ParseSigned(tok.AccessToken, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var keys jose.JSONWebKeySet
	getJSON(t, raw["jwks_uri"].(string), &keys)
	if kid := jws.Signatures[0].Header.KeyID; kid == "" || len(keys.Key(kid)) != 1 {
		t.Fatalf("kid %q not in the JWKS %+v", kid, keys)
	}

	// The EKO API's own verifier accepts it and reads the ESIA claims.
	v := auth.NewVerifier(auth.Config{Issuer: issuer, Audience: "eko"})
	p, err := v.Verify(ctx, tok.AccessToken)
	if err != nil || p.Subject != "1000000007" || p.Login != "parent1" || len(p.Children) != 2 {
		t.Fatalf("EKO verifier: %+v %v", p, err)
	}
	// A child's account names the parent who created it.
	_, tok, _, _ = getDevToken(t, issuer, "login=student1")
	if p, err := v.Verify(ctx, tok.AccessToken); err != nil || p.CreatedBy != "1000000007" {
		t.Fatalf("student1: %+v %v", p, err)
	}
	// Expired and foreign-audience tokens, for tests of verifiers.
	_, tok, _, _ = getDevToken(t, issuer, "login=parent1&ttl=-60")
	if _, err := verifier.Verify(ctx, tok.AccessToken); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired dev token: %v", err)
	}
	_, tok, _, _ = getDevToken(t, issuer, "login=parent1&aud=other")
	if _, err := verifier.Verify(ctx, tok.AccessToken); err == nil {
		t.Fatal("foreign-audience dev token verified")
	}
	if _, err := provider.Verifier(&oidc.Config{ClientID: "other"}).Verify(ctx, tok.AccessToken); err != nil {
		t.Fatalf("aud=other: %v", err)
	}

	for _, c := range []struct {
		query, code string
		status      int
	}{{"login=nobody", "not_found", 404}, {"login=kid1", "not_found", 404}, {"", "invalid", 400}, {"login=parent1&ttl=soon", "invalid", 400}} {
		status, _, ct, body := getDevToken(t, issuer, c.query)
		var pr struct {
			Type, Title, Code, Detail string
			Status                    int
		}
		if err := json.Unmarshal(body, &pr); err != nil || status != c.status || ct != "application/problem+json" ||
			pr.Type != "about:blank" || pr.Status != c.status || pr.Title != http.StatusText(c.status) || pr.Code != c.code || pr.Detail == "" {
			t.Errorf("%q: %d %s %s", c.query, status, ct, body)
		}
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestDevTokensOnlyOnLoopback(t *testing.T) {
	for _, cfg := range []devidp.Config{
		{Issuer: "https://esia-dev.example", Addr: "0.0.0.0:9998"},
		{Issuer: "https://esia-dev.example", Addr: ":9998"},
		{Issuer: "https://esia-dev.example", Addr: "127.0.0.1:9998"}, // behind a public issuer
		{Issuer: "http://127.0.0.1:9998", Addr: "192.168.1.10:9998"},
	} {
		cfg.ClientID, cfg.Audience = "eko", "eko"
		srv, err := devidp.New(cfg, fixtures.MustLoad())
		if err != nil {
			t.Fatal(err)
		}
		if srv.DevTokens() {
			t.Errorf("dev tokens served with issuer %s on %s", cfg.Issuer, cfg.Addr)
		}
	}
	// Plain http is allowed for loopback issuers only.
	if _, err := devidp.New(devidp.Config{Issuer: "http://esia-dev.example", Addr: "0.0.0.0:9998", ClientID: "eko"}, fixtures.MustLoad()); err == nil {
		t.Error("an http issuer that is not loopback was accepted")
	}
}

func TestConfigDefaults(t *testing.T) {
	for _, k := range []string{"DEVIDP_ISSUER", "DEVIDP_ADDR", "DEVIDP_CLIENT_ID", "DEVIDP_CLIENT_SECRET", "DEVIDP_REDIRECT_URIS",
		"DEVIDP_POST_LOGOUT_URIS", "DEVIDP_AUDIENCE", "DEVIDP_TOKEN_TTL", "DEVIDP_SIGNING_KEY_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	var cfg devidp.Config
	if err := envconfig.Process("", &cfg); err != nil {
		t.Fatal(err)
	}
	want := devidp.Config{Issuer: "http://127.0.0.1:9998", Addr: "127.0.0.1:9998", ClientID: "eko", ClientSecret: "eko-dev-secret",
		RedirectURIs: []string{"http://127.0.0.1:8080/auth/callback"}, PostLogoutURIs: []string{"http://127.0.0.1:8080/"},
		Audience: "eko", TokenTTL: time.Hour}
	if cfg.Issuer != want.Issuer || cfg.Addr != want.Addr || cfg.ClientID != want.ClientID || cfg.ClientSecret != want.ClientSecret ||
		strings.Join(cfg.RedirectURIs, " ") != strings.Join(want.RedirectURIs, " ") ||
		strings.Join(cfg.PostLogoutURIs, " ") != strings.Join(want.PostLogoutURIs, " ") ||
		cfg.Audience != want.Audience || cfg.TokenTTL != want.TokenTTL || cfg.RefreshTTL != 12*time.Hour || cfg.SigningKeyFile != "" {
		t.Fatalf("defaults %+v", cfg)
	}
}

func TestSigningKeyFromPEMFile(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	file := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	issuer, _ := start(t, "http://127.0.0.1:1/cb", func(c *devidp.Config) { c.SigningKeyFile = file })
	_, tok, _, _ := getDevToken(t, issuer, "login=ministry")
	jws, err := jose.ParseSigned(tok.AccessToken, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jws.Verify(&key.PublicKey); err != nil {
		t.Fatalf("the token is not signed with the key from DEVIDP_SIGNING_KEY_FILE: %v", err)
	}
	if _, err := devidp.New(devidp.Config{Issuer: issuer, Addr: "127.0.0.1:0", SigningKeyFile: filepath.Join(t.TempDir(), "missing.pem")}, fixtures.MustLoad()); err == nil {
		t.Fatal("a missing key file was accepted")
	}
}

func TestAuthorizationCodeFlowWithPKCE(t *testing.T) {
	cbl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	redirect := "http://" + cbl.Addr().String() + "/cb"
	cbl.Close()
	issuer, _ := start(t, redirect)
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: "eko", ClientSecret: "s3cret", Endpoint: provider.Endpoint(), RedirectURL: redirect,
		Scopes: []string{oidc.ScopeOpenID, "profile"}}
	noRedirectTo := func(prefix string) func(*http.Request, []*http.Request) error {
		return func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), prefix) {
				return http.ErrUseLastResponse
			}
			return nil
		}
	}

	login := func(t *testing.T, who string) (code, nonce, verifier string) {
		t.Helper()
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		state, nonce := base64.RawURLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b[:8])
		verifier = oauth2.GenerateVerifier()
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: noRedirectTo(redirect)}
		resp, err := c.Get(conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{"Вход через ЕСИА (тестовый стенд)", `id="login-form"`, `id="login"`, `id="login-submit"`, `id="login-` + who + `"`} {
			if !strings.Contains(string(page), want) {
				t.Fatalf("login page lacks %s: %d %s", want, resp.StatusCode, page)
			}
		}
		if strings.Contains(string(page), `id="login-kid1"`) {
			t.Fatal("kid1 has no account and must not be offered")
		}
		id := resp.Request.URL.Query().Get("authRequestID")
		// An unknown login stays on the page with an error.
		resp, err = c.PostForm(issuer+"/login", url.Values{"authRequestID": {id}, "login": {"nobody"}})
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(page), `id="login-error"`) {
			t.Fatalf("unknown login: %d %s", resp.StatusCode, page)
		}
		resp, err = c.PostForm(issuer+"/login", url.Values{"authRequestID": {id}, "login": {who}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), redirect) {
			t.Fatalf("after login: %d %s", resp.StatusCode, loc)
		}
		if loc.Query().Get("state") != state || loc.Query().Get("code") == "" {
			t.Fatalf("redirect to the client: %s", loc)
		}
		return loc.Query().Get("code"), nonce, verifier
	}

	code, nonce, verifier := login(t, "parent1")
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: "eko"}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("id token: %v", err)
	}
	var claims esiaClaims
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Nonce != nonce {
		t.Fatalf("nonce %q, want %q", claims.Nonce, nonce)
	}
	checkParent1(t, claims)
	// The access token is a JWT with the same claims, for the EKO API.
	at, err := provider.Verifier(&oidc.Config{ClientID: "eko"}).Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("access token: %v", err)
	}
	claims = esiaClaims{}
	_ = at.Claims(&claims)
	checkParent1(t, claims)
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("a code was redeemed twice")
	}
	// Userinfo answers with the same claims.
	ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	claims = esiaClaims{}
	_ = ui.Claims(&claims)
	checkParent1(t, claims)
	// End session returns to the portal with the state.
	var disco struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = provider.Claims(&disco)
	c := &http.Client{CheckRedirect: noRedirectTo(postLogout)}
	resp, err := c.Get(disco.EndSession + "?" + url.Values{"id_token_hint": {rawID}, "post_logout_redirect_uri": {postLogout}, "state": {"bye"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != postLogout+"?state=bye" {
		t.Fatalf("end session: %d %s", resp.StatusCode, loc)
	}

	// Without offline_access there is no refresh token; with it, as ESIA
	// issues them, a refresh gives a new access token for the same person
	// and a new refresh token, and the used one no longer works (rotation).
	if tok.RefreshToken != "" {
		t.Fatal("a refresh token without offline_access")
	}
	conf.Scopes = append(conf.Scopes, oidc.ScopeOfflineAccess)
	code, _, verifier = login(t, "parent1")
	tok, err = conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange with offline_access: %v, refresh token %q", err, tok.RefreshToken)
	}
	renewed, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || renewed.AccessToken == "" || renewed.RefreshToken == "" || renewed.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v %+v", err, renewed)
	}
	at, err = provider.Verifier(&oidc.Config{ClientID: "eko"}).Verify(ctx, renewed.AccessToken)
	if err != nil {
		t.Fatalf("renewed access token: %v", err)
	}
	claims = esiaClaims{}
	_ = at.Claims(&claims)
	checkParent1(t, claims)
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Fatal("a used refresh token worked again")
	}
	bad := conf
	bad.ClientSecret = "wrong"
	if _, err := bad.TokenSource(ctx, &oauth2.Token{RefreshToken: renewed.RefreshToken}).Token(); err == nil {
		t.Fatal("a refresh with a wrong client secret")
	}
	conf.Scopes = conf.Scopes[:len(conf.Scopes)-1]

	// A wrong PKCE verifier, or none, cannot redeem a code.
	code, _, _ = login(t, "teacher-s1")
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Fatal("code redeemed with a wrong PKCE verifier")
	}
	code, _, _ = login(t, "teacher-s1")
	if _, err := conf.Exchange(ctx, code); err == nil {
		t.Fatal("code redeemed without its PKCE verifier")
	}
	// A wrong client secret cannot redeem a code either.
	code, _, verifier = login(t, "teacher-s1")
	if _, err := bad.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("code redeemed with a wrong client secret")
	}
}

func TestClientCredentialsForServiceAccounts(t *testing.T) {
	issuer, _ := start(t, "http://127.0.0.1:1/cb")
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatal(err)
	}
	epgu, _ := fixtures.MustLoad().ServiceAccount("epgu")
	cc := clientcredentials.Config{ClientID: "epgu", ClientSecret: epgu.Secret, TokenURL: provider.Endpoint().TokenURL}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	at, err := provider.Verifier(&oidc.Config{ClientID: "eko"}).Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("access token for audience eko: %v", err)
	}
	var c esiaClaims
	_ = at.Claims(&c)
	if c.Subject != "service:epgu" || c.ClientKind != "service" || c.FullName != "" || c.SNILS != "" {
		t.Fatalf("service claims %+v", c)
	}
	p, err := auth.NewVerifier(auth.Config{Issuer: issuer, Audience: "eko"}).Verify(ctx, tok.AccessToken)
	if err != nil || p.Subject != "service:epgu" || !p.Service {
		t.Fatalf("EKO verifier: %+v %v", p, err)
	}

	// A wrong secret, an unknown client and the portal's client get 401.
	for _, c := range []clientcredentials.Config{
		{ClientID: "epgu", ClientSecret: "wrong"},
		{ClientID: "nobody", ClientSecret: "x"},
		{ClientID: "eko", ClientSecret: "s3cret"},
	} {
		c.TokenURL = provider.Endpoint().TokenURL
		_, err := c.Token(ctx)
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.Response.StatusCode != http.StatusUnauthorized {
			t.Errorf("client %s with secret %s: %v", c.ClientID, c.ClientSecret, err)
		}
	}
}
