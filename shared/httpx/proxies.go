package httpx

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the network hops trusted to say whom they forward a request
// for (X-Forwarded-For, or Forwarded's for=): Knative's queue-proxy in the
// function's own pod (loopback) by default, and the ingress's, the
// activator's and the other functions' pods when TRUSTED_PROXIES names the
// cluster's networks. Anyone else's forwarded headers are a client's claim.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of networks (CIDR) and addresses.
func ParseProxies(s string) (Proxies, error) {
	var p Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxies: %q is neither a network nor an address", f)
			}
			p = append(p, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		n, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxies: %q is neither a network nor an address", f)
		}
		p = append(p, n.Masked())
	}
	return p, nil
}

func (p Proxies) trusts(host string) bool {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	for _, n := range p {
		if n.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// ClientOf is the address of the client behind r: from the peer back along
// the forwarded hops for as long as each hop is a trusted proxy; the first
// untrusted hop is the client, whatever the hops before it claim.
func (p Proxies) ClientOf(r *http.Request) string {
	addr := hostOf(r.RemoteAddr)
	hops := forwardedFor(r.Header)
	for i := len(hops) - 1; i >= 0 && p.trusts(addr); i-- {
		if _, err := netip.ParseAddr(hops[i]); err != nil {
			break // a proxy we trust wrote something that is not an address
		}
		addr = hops[i]
	}
	return addr
}

// Behind serves h with every request's RemoteAddr its client's (ClientOf)
// and the forwarded headers removed, so that nothing below — the router's
// origin, the audit — reads an address a client wrote.
func (p Proxies) Behind(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
			client := p.ClientOf(r)
			r = r.Clone(r.Context())
			r.Header.Del("X-Forwarded-For")
			r.Header.Del("Forwarded")
			r.RemoteAddr = net.JoinHostPort(client, "0")
		}
		h.ServeHTTP(w, r)
	})
}

// forwardedFor lists the addresses a request was forwarded for, the client's
// first: Forwarded's for= when present (RFC 7239), else X-Forwarded-For.
func forwardedFor(h http.Header) []string {
	var out []string
	if fw := h.Values("Forwarded"); len(fw) > 0 {
		for _, elem := range strings.Split(strings.Join(fw, ","), ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					out = append(out, hostOf(strings.Trim(v, `"`)))
				}
			}
		}
		return out
	}
	for _, v := range h.Values("X-Forwarded-For") {
		for _, a := range strings.Split(v, ",") {
			out = append(out, hostOf(strings.TrimSpace(a)))
		}
	}
	return out
}
