// Package devidptest runs the development identity provider inside a test, on a
// fresh loopback port, so tests log in and get tokens through the real protocol.
package devidptest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kuzbass/eko/infra/devidp"
	"github.com/kuzbass/eko/infra/fixtures"
)

// Start serves the provider until the test ends and returns its issuer URL.
// cfg's Issuer and Addr are set to the listener's; zero ClientID, Audience and
// TokenTTL become "eko", "eko" and one hour.
func Start(t testing.TB, cfg devidp.Config, set *fixtures.Set) string {
	t.Helper()
	issuer, stop, err := devidp.ServeLoopback(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return issuer
}

// Token returns the access token of a fixture login, from /dev/token.
func Token(t testing.TB, issuer, login string) string {
	t.Helper()
	resp, err := http.Get(issuer + "/dev/token?login=" + login)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("devidptest: token of %s: HTTP %d %v", login, resp.StatusCode, err)
	}
	return tok.AccessToken
}
