// Package auth verifies bearer tokens and decides, by policy, what a caller may do.
//
// Tokens are OpenID Connect JWTs from the configured issuer (ESIA or a broker in
// front of it in production, the development identity provider locally). A token
// is accepted only when its signature, issuer, audience and expiry check out.
// Access is denied unless a Policy grants it.
package auth

import (
	"context"
	"time"
)

// Permission names an action a route performs, e.g. "registry.person.read".
// Every route declares one; the zero value means "not declared" and is always denied.
type Permission string

const (
	// Public marks a route that needs no token (health, the login page, metrics).
	// Declaring it is an explicit decision, reviewed like any other permission.
	Public Permission = "public"
	// Authenticated is granted to any caller with a valid token, whatever its roles.
	Authenticated Permission = "authenticated"
	// EventDelivery guards CloudEvents endpoints. It is granted to an in-process
	// delivery by the local dispatcher (see WithInternalDelivery) and to service
	// accounts (client-credentials tokens such as EPGU's or the broker's).
	EventDelivery Permission = "events.deliver"
)

// Document is an identity document as ESIA reports it.
type Document struct {
	Type      string `json:"type"` // RF_PASSPORT, BRTH_CERT, ...
	Series    string `json:"series"`
	Number    string `json:"number"`
	IssuedBy  string `json:"issued_by,omitempty"`
	IssueDate string `json:"issue_date,omitempty"`
}

// Person is the identity data ESIA vouches for: the user or one of the user's children.
type Person struct {
	OID        string    `json:"oid,omitempty"`
	FullName   string    `json:"fullname,omitempty"`
	FamilyName string    `json:"family_name,omitempty"`
	GivenName  string    `json:"given_name,omitempty"`
	MiddleName string    `json:"middle_name,omitempty"`
	BirthDate  string    `json:"birthdate,omitempty"` // YYYY-MM-DD
	Gender     string    `json:"gender,omitempty"`    // M or F
	SNILS      string    `json:"snils,omitempty"`
	Document   *Document `json:"id_doc,omitempty"`
}

// Principal is the verified caller of one request.
type Principal struct {
	Subject string // the token's sub: the ESIA oid, or "service:<client>" for service accounts
	Login   string // preferred_username, when the issuer provides it
	Person         // identity claims of a person; empty for service accounts
	// Trusted is ESIA's "confirmed account" flag. Untrusted (simplified) accounts
	// get no access to children's data.
	Trusted bool
	Service bool // a client-credentials identity (e.g. EPGU), not a person
	// Delivery marks EKO's own event delivery: the in-process dispatcher or
	// the Knative Broker's sender — never a service account of OIDC_ISSUER
	// such as EPGU's, which may post only what its consumer accepts from it.
	Delivery bool
	// CreatedBy is the ESIA oid of the parent who created this child account
	// (ESIA creates accounts of children up to 13 from a parent's account).
	CreatedBy string
	Children  []Person // children the parent has in ESIA
	Expires   time.Time
	// Grants are filled by the Policy (from registry memberships) and cached for the request.
	Grants any
	// Token is the raw bearer token, for calling other functions on the caller's behalf.
	Token string
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the verified caller, or nil on a public route.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

type internalKey struct{}

// WithInternalDelivery marks ctx as an in-process event delivery made by the local
// dispatcher. The mark cannot be set from outside the process: it is a context
// value, never a header.
func WithInternalDelivery(ctx context.Context) context.Context {
	return context.WithValue(ctx, internalKey{}, true)
}

// IsOwnDelivery reports whether the caller of ctx is EKO's own event
// delivery (Principal.Delivery): only it may post the events functions
// produce for each other.
func IsOwnDelivery(ctx context.Context) bool {
	p := PrincipalFrom(ctx)
	return p != nil && p.Delivery
}

// IsInternalDelivery reports whether ctx carries the in-process delivery mark.
func IsInternalDelivery(ctx context.Context) bool {
	v, _ := ctx.Value(internalKey{}).(bool)
	return v
}
