package auth

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// EventsConfig is who may deliver CloudEvents to a function in Kubernetes.
// With Knative Eventing's sender identity (feature authentication-oidc) the
// Broker sends each delivery with a token of the cluster's service-account
// issuer for the audience the Trigger names; a function accepts such a token
// on its event routes (EventDelivery) and nowhere else.
type EventsConfig struct {
	// Issuer is the cluster's service-account issuer (the API server's
	// --service-account-issuer). Empty: event routes accept only in-process
	// deliveries and service accounts of OIDC_ISSUER.
	Issuer string `envconfig:"EVENTS_OIDC_ISSUER"`
	// Audience is the audience the Triggers delivering to this function name.
	Audience string `envconfig:"EVENTS_OIDC_AUDIENCE"`
	// JWKSURL is where the issuer's keys are (discovery is skipped: the
	// issuer's name need not be reachable from the pod).
	JWKSURL string `envconfig:"EVENTS_OIDC_JWKS_URL" default:"https://kubernetes.default.svc/openid/v1/jwks"`
	// SubjectPrefix limits the senders to service accounts of one namespace
	// (Knative creates one per Trigger in the Trigger's namespace).
	SubjectPrefix string `envconfig:"EVENTS_OIDC_SUBJECT_PREFIX" default:"system:serviceaccount:eko:"`
	// CAFile verifies the API server's certificate; TokenFile is the pod's own
	// service-account token, which the API server asks for to serve its keys.
	CAFile    string `envconfig:"EVENTS_OIDC_CA_FILE" default:"/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"`
	TokenFile string `envconfig:"EVENTS_OIDC_TOKEN_FILE" default:"/var/run/secrets/kubernetes.io/serviceaccount/token"`
}

// NewEventsVerifier returns the verifier of event deliveries cfg describes,
// or nil when cfg names no issuer.
func NewEventsVerifier(cfg EventsConfig) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, nil
	}
	if cfg.Audience == "" {
		return nil, fmt.Errorf("auth: EVENTS_OIDC_ISSUER is set but EVENTS_OIDC_AUDIENCE is not")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("auth: EVENTS_OIDC_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("auth: EVENTS_OIDC_CA_FILE %s holds no certificate", cfg.CAFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	var rt http.RoundTripper = tr
	if cfg.TokenFile != "" {
		rt = tokenFileTransport{file: cfg.TokenFile, next: tr}
	}
	v := NewVerifier(Config{Issuer: cfg.Issuer, Audience: cfg.Audience, JWKSURL: cfg.JWKSURL})
	v.client = &http.Client{Timeout: 10 * time.Second, Transport: rt}
	return v, nil
}

// tokenFileTransport sends the token in file as a bearer token, read anew for
// every request: the kubelet rotates projected service-account tokens.
type tokenFileTransport struct {
	file string
	next http.RoundTripper
}

func (t tokenFileTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tok, err := os.ReadFile(t.file)
	if err != nil {
		return nil, fmt.Errorf("auth: service-account token: %w", err)
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(bytes.TrimSpace(tok)))
	return t.next.RoundTrip(r)
}

// eventSender returns the principal of raw when it is a delivery token of the
// events issuer for this function's audience from an allowed service account.
func (g *Guard) eventSender(r *http.Request, raw string) (*Principal, bool) {
	if g.Events == nil {
		return nil, false
	}
	p, err := g.Events.Verify(r.Context(), raw)
	if err != nil || !strings.HasPrefix(p.Subject, g.EventSubjectPrefix) {
		return nil, false
	}
	p.Service, p.Delivery = true, true
	return p, true
}
