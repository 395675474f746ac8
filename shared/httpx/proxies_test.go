package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kuzbass/eko/shared/httpx"
)

// The client is the first untrusted hop, walking back from the peer: a
// forwarded header is believed only from a trusted proxy, so a client cannot
// write its way to another address.
func TestClientBehindTrustedProxies(t *testing.T) {
	cluster, err := httpx.ParseProxies("127.0.0.0/8, ::1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, peer, xff, forwarded, want string
	}{
		{"no proxy", "203.0.113.7:5000", "", "", "203.0.113.7"},
		{"a spoofed header from an untrusted peer", "203.0.113.7:5000", "198.51.100.1", "", "203.0.113.7"},
		{"queue-proxy on loopback", "127.0.0.1:8012", "203.0.113.7", "", "203.0.113.7"},
		{"ingress then queue-proxy", "127.0.0.1:8012", "203.0.113.7, 10.1.2.3", "", "203.0.113.7"},
		{"a spoofed first hop behind the ingress", "127.0.0.1:8012", "198.51.100.1, 203.0.113.7, 10.1.2.3", "", "203.0.113.7"},
		{"the portal's pod forwarding its user", "10.1.5.9:41000", "203.0.113.7", "", "203.0.113.7"},
		{"Forwarded with a port and IPv6", "[::1]:8012", "", `for="[2001:db8::1]:4711";proto=https, for=10.1.2.3`, "2001:db8::1"},
		{"garbage from a trusted proxy", "127.0.0.1:8012", "not-an-address", "", "127.0.0.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = c.peer
			if c.xff != "" {
				req.Header.Set("X-Forwarded-For", c.xff)
			}
			if c.forwarded != "" {
				req.Header.Set("Forwarded", c.forwarded)
			}
			if got := cluster.ClientOf(req); got != c.want {
				t.Errorf("client %q, want %q", got, c.want)
			}
			var seen *http.Request
			cluster.Behind(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r })).ServeHTTP(httptest.NewRecorder(), req)
			if host, want := seen.RemoteAddr, c.want; !(host == want+":0" || host == "["+want+"]:0" || (c.xff == "" && c.forwarded == "" && host == c.peer)) {
				t.Errorf("RemoteAddr below %q, want %s", host, want)
			}
			if seen.Header.Get("X-Forwarded-For") != "" || seen.Header.Get("Forwarded") != "" {
				t.Error("forwarded headers left for the handlers to read")
			}
		})
	}
	if _, err := httpx.ParseProxies("10.0.0.0/8, localhost"); err == nil {
		t.Error("a host name accepted as a trusted proxy")
	}
}
