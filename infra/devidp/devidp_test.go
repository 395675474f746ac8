package devidp_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/auth"
)

// start runs the provider on a free loopback port; the issuer is its URL.
func start(t *testing.T, redirect string) (string, *devidp.Server) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + l.Addr().String()
	srv, err := devidp.New(devidp.Config{
		Issuer: issuer, Addr: l.Addr().String(), ClientID: "eko", ClientSecret: "s3cret",
		RedirectURIs: []string{redirect}, Audience: "eko", TokenTTL: time.Hour,
	}, fixtures.MustLoad())
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
}

func getDevToken(t *testing.T, issuer, query string) (int, devTokens, string) {
	resp, err := http.Get(issuer + "/dev/token?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var tok devTokens
	_ = json.Unmarshal(b, &tok)
	return resp.StatusCode, tok, resp.Header.Get("Content-Type")
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
	code, tok, _ := getDevToken(t, issuer, "login=parent1")
	if code != 200 {
		t.Fatalf("/dev/token: %d", code)
	}
	// The EKO API's own verifier accepts it and reads the ESIA claims.
	v := auth.NewVerifier(auth.Config{Issuer: issuer, Audience: "eko"})
	p, err := v.Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("access token: %v", err)
	}
	if p.Subject != "1000000007" || p.FamilyName != "Соколова" || !p.Trusted || p.SNILS != "119-220-321 15" || p.Document == nil {
		t.Fatalf("principal %+v", p)
	}
	var kids []string
	for _, c := range p.Children {
		kids = append(kids, c.GivenName+" "+c.BirthDate)
		if c.SNILS == "" || c.Document == nil || c.Document.Type != "BRTH_CERT" {
			t.Fatalf("child claims incomplete: %+v", c)
		}
	}
	if strings.Join(kids, ",") != "Артём 2015-05-20,Мария 2022-06-15" {
		t.Fatalf("children %v", kids)
	}
	if _, err := provider.Verifier(&oidc.Config{ClientID: "eko"}).Verify(ctx, tok.IDToken); err != nil {
		t.Fatalf("id token: %v", err)
	}
	// A child's account names the parent who created it.
	_, tok, _ = getDevToken(t, issuer, "login=student1")
	if p, err := v.Verify(ctx, tok.AccessToken); err != nil || p.CreatedBy != "1000000007" {
		t.Fatalf("student1: %+v %v", p, err)
	}
	// Expired and foreign-audience tokens, for tests of the verifier.
	_, tok, _ = getDevToken(t, issuer, "login=parent1&ttl=-60")
	if _, err := v.Verify(ctx, tok.AccessToken); err == nil {
		t.Fatal("expired dev token verified")
	}
	_, tok, _ = getDevToken(t, issuer, "login=parent1&aud=other")
	if _, err := v.Verify(ctx, tok.AccessToken); err == nil {
		t.Fatal("foreign-audience dev token verified")
	}
	for _, c := range []struct {
		query  string
		status int
	}{{"login=nobody", 404}, {"", 400}, {"login=kid1", 404}} {
		code, _, ct := getDevToken(t, issuer, c.query)
		if code != c.status || ct != "application/problem+json" {
			t.Fatalf("%q: %d %s", c.query, code, ct)
		}
	}
}

func TestDevTokensOnlyOnLoopback(t *testing.T) {
	srv, err := devidp.New(devidp.Config{Issuer: "https://esia-dev.example", Addr: "0.0.0.0:9998", ClientID: "eko", Audience: "eko"}, fixtures.MustLoad())
	if err != nil {
		t.Fatal(err)
	}
	if srv.DevTokens() {
		t.Fatal("dev tokens served on a public listener")
	}
}

func pkce() (verifier, challenge string) {
	verifier = oauth2.GenerateVerifier()
	return verifier, oauth2.S256ChallengeFromVerifier(verifier)
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

	login := func(t *testing.T, who string) (code, nonce, verifier string) {
		t.Helper()
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		state, nonce := base64.RawURLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b[:8])
		verifier, challenge := pkce()
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), redirect) {
				return http.ErrUseLastResponse
			}
			return nil
		}}
		resp, err := c.Get(conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.SetAuthURLParam("code_challenge", challenge),
			oauth2.SetAuthURLParam("code_challenge_method", "S256")))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), `id="login-`+who+`"`) {
			t.Fatalf("login page lacks %s: %d %s", who, resp.StatusCode, page)
		}
		id := resp.Request.URL.Query().Get("authRequestID")
		resp, err = c.PostForm(issuer+"/login", url.Values{"authRequestID": {id}, "login": {who}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), redirect) {
			t.Fatalf("after login: %d %s", resp.StatusCode, loc)
		}
		if loc.Query().Get("state") != state {
			t.Fatalf("state lost: %s", loc)
		}
		return loc.Query().Get("code"), nonce, verifier
	}

	code, nonce, verifier := login(t, "parent1")
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: "eko"}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("id token: %v", err)
	}
	var claims struct {
		Nonce    string `json:"nonce"`
		FullName string `json:"fullname"`
		SNILS    string `json:"snils"`
		Children []any  `json:"children"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Nonce != nonce || claims.FullName != "Соколова Анна Сергеевна" || claims.SNILS != "119-220-321 15" || len(claims.Children) != 2 {
		t.Fatalf("id token claims %+v", claims)
	}
	// The access token is a JWT the EKO API verifies.
	p, err := auth.NewVerifier(auth.Config{Issuer: issuer, Audience: "eko"}).Verify(ctx, tok.AccessToken)
	if err != nil || p.Login != "parent1" || len(p.Children) != 2 {
		t.Fatalf("access token: %+v %v", p, err)
	}

	// A wrong PKCE verifier cannot redeem a code.
	code, _, _ = login(t, "teacher-s1")
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Fatal("code redeemed with a wrong PKCE verifier")
	}
}

func TestClientCredentialsForServiceAccounts(t *testing.T) {
	issuer, _ := start(t, "http://127.0.0.1:1/cb")
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: "epgu", ClientSecret: "epgu-dev-secret", TokenURL: provider.Endpoint().TokenURL}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	p, err := auth.NewVerifier(auth.Config{Issuer: issuer, Audience: "eko"}).Verify(ctx, tok.AccessToken)
	if err != nil || p.Subject != "service:epgu" || !p.Service {
		t.Fatalf("service principal %+v %v", p, err)
	}
	cc.ClientSecret = "wrong"
	if _, err := cc.Token(ctx); err == nil {
		t.Fatal("wrong secret accepted")
	}
}
