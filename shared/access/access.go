// Package access decides what a verified caller may do, from the roles and scopes
// the registry derives from memberships: region (ministry), municipality (municipal
// authority, guardianship, KDN), organisation (staff), class (class teacher), self,
// and own child.
//
// Two checks guard every request. The route check (Policy.Authorize, called by the
// router) asks whether the caller holds any role the permission's rule names. The
// object check (Require, called by the handler once it knows the object) asks
// whether one of those grants reaches the object. Both deny unless a rule grants.
package access

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
)

// Role is a registry role.
type Role string

const (
	MinistryOfficial     Role = "ministry_official"
	MunicipalOfficial    Role = "municipal_official"
	GuardianshipOfficial Role = "guardianship_official"
	KDNOfficial          Role = "kdn_official"
	Director             Role = "director"
	DeputyDirector       Role = "deputy_director"
	Teacher              Role = "teacher"
	ClassTeacher         Role = "class_teacher"
	Clerk                Role = "clerk"
	Parent               Role = "parent"
	Student              Role = "student"
	// Person is held by everyone whose ESIA account is matched to a registry
	// person, in the Self scope: the right to see one's own profile.
	Person Role = "person"
	// Service is held, region-wide, by every client-credentials account of
	// the identity provider (EPGU, a regional olympiad operator): it grants
	// only what a rule names it for, deliberately (the registry's matching
	// of a person an external system names).
	Service Role = "service"
)

// Scope is how far a grant reaches.
type Scope string

const (
	Region       Scope = "region"
	Municipality Scope = "municipality"
	Organisation Scope = "organisation"
	Class        Scope = "class"
	Self         Scope = "self"
	Child        Scope = "child"
)

// Grant is one role held in one scope.
type Grant struct {
	Role    Role   `json:"role"`
	Scope   Scope  `json:"scope"`
	ScopeID string `json:"scope_id,omitempty"` // municipality, organisation, class or person id
	// Where the scope sits, for display and for the portal's role switcher.
	OrganisationID string `json:"organisation_id,omitempty"`
	MunicipalityID string `json:"municipality_id,omitempty"`
	Label          string `json:"label,omitempty"` // e.g. "Учитель — МБОУ СОШ № 1"
	// BirthDate (YYYY-MM-DD) of the child a Child scope names, so that functions
	// deciding by age (admission rules) take it from the registry without another call.
	BirthDate string `json:"birth_date,omitempty"`
}

// Grants is everything one caller holds.
type Grants struct {
	PersonID string  `json:"person_id,omitempty"`
	Trusted  bool    `json:"trusted"`
	Grants   []Grant `json:"grants"`
}

// Target is what an object belongs to. A person may belong to several
// organisations and classes (enrollments, staff roles) at once.
type Target struct {
	MunicipalityIDs []string
	OrganisationIDs []string
	ClassIDs        []string
	PersonID        string
	// AssigneeIDs, when set, are the persons the object is entrusted to (the
	// teacher of a lesson, the teachers of a class): a grant reaches it only
	// when it is one of theirs, or of a role in ByOffice.
	AssigneeIDs []string
	// ByOffice are the roles whose grants reach an entrusted object by their
	// office, whoever it is entrusted to (the school's administration and the
	// class teacher reading a lesson's journal). An object with ByOffice is
	// entrusted even with no assignees: other roles then reach it not at all.
	ByOffice []Role
	// OwnerSubject, when set, is the account that created the object (the
	// applicant of an application): that account reaches it under a personal
	// grant (Child or Self scope) of any of the roles, whatever person the
	// grant names — a child named on EPGU may not be matched to a registry
	// person yet.
	OwnerSubject string
}

// entrusted reports whether grants reach t only as its assignees' or by office.
func (t Target) entrusted() bool { return len(t.AssigneeIDs) > 0 || len(t.ByOffice) > 0 }

// WholeRegion is the target of what belongs to the region as a whole (its
// windows, its statistics): only a region-wide grant reaches it.
var WholeRegion = Target{}

// Covers reports whether g reaches t.
func (g Grant) Covers(t Target) bool {
	switch g.Scope {
	case Region:
		return true
	case Municipality:
		return slices.Contains(t.MunicipalityIDs, g.ScopeID)
	case Organisation:
		return slices.Contains(t.OrganisationIDs, g.ScopeID)
	case Class:
		return slices.Contains(t.ClassIDs, g.ScopeID)
	case Self, Child:
		return t.PersonID != "" && t.PersonID == g.ScopeID
	}
	return false
}

// Rules maps each permission to the roles that may exercise it (each within its scope).
type Rules map[auth.Permission][]Role

// Source finds the grants of a verified caller.
type Source interface {
	Grants(ctx context.Context, p *auth.Principal) (*Grants, error)
}

// Policy is the auth.Policy of EKO: rules registered by each function, grants
// from a Source. With no rule for a permission it refuses.
type Policy struct {
	source Source
	mu     sync.RWMutex
	rules  Rules
}

// NewPolicy returns a policy without rules that takes grants from src.
func NewPolicy(src Source) *Policy { return &Policy{source: src, rules: Rules{}} }

// SetSource replaces the source of grants (the all-in-one process wires the
// registry in once it is mounted).
func (p *Policy) SetSource(src Source) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.source = src
}

// HasSource reports whether the policy has a source of grants.
func (p *Policy) HasSource() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.source != nil
}

// Register adds a function's rules. A permission may be registered only once.
func (p *Policy) Register(rules Rules) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for perm, roles := range rules {
		if _, dup := p.rules[perm]; dup {
			return fmt.Errorf("access: permission %q registered twice", perm)
		}
		p.rules[perm] = append([]Role(nil), roles...)
	}
	return nil
}

// Permissions lists the registered permissions, sorted.
func (p *Policy) Permissions() []auth.Permission {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]auth.Permission, 0, len(p.rules))
	for perm := range p.rules {
		out = append(out, perm)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Authorize is the route check: the caller must hold a role the rule names.
// The caller's grants are kept on the principal for the handler's object check.
func (p *Policy) Authorize(ctx context.Context, pr *auth.Principal, perm auth.Permission) error {
	p.mu.RLock()
	roles, ok := p.rules[perm]
	src := p.source
	p.mu.RUnlock()
	if !ok {
		return errs.E(errs.Forbidden, "no policy grants %q", perm)
	}
	if src == nil {
		return errs.E(errs.Unavailable, "grants are not available yet")
	}
	g, err := GrantsOf(ctx, pr, src)
	if err != nil {
		return err
	}
	for _, gr := range g.Grants {
		if slices.Contains(roles, gr.Role) {
			return nil
		}
	}
	return errs.E(errs.Forbidden, "your roles do not allow %q", perm)
}

// Load puts the caller's grants on the principal of ctx, as the route check
// does: for a handler of an Authenticated route that answers by them (what
// the caller may open). Without a caller or a source it does nothing.
func (p *Policy) Load(ctx context.Context) error {
	pr := auth.PrincipalFrom(ctx)
	p.mu.RLock()
	src := p.source
	p.mu.RUnlock()
	if pr == nil || src == nil {
		return nil
	}
	_, err := GrantsOf(ctx, pr, src)
	return err
}

// PersonOf is the registry person of the caller of ctx, as its grants name
// it (the route check put them on the principal); nil for a caller matched
// to none (a service, an unmatched account).
func PersonOf(ctx context.Context) *uuid.UUID {
	g := loaded(ctx)
	if g == nil {
		return nil
	}
	id, err := uuid.Parse(g.PersonID)
	if err != nil {
		return nil
	}
	return &id
}

// loaded are the grants on the principal of ctx (put there by the route
// check or Load); nil without a caller or before they are loaded.
func loaded(ctx context.Context) *Grants {
	if pr := auth.PrincipalFrom(ctx); pr != nil {
		if g, ok := pr.Grants.(*Grants); ok {
			return g
		}
	}
	return nil
}

// GrantsOf returns the caller's grants, fetching them from src once per request.
func GrantsOf(ctx context.Context, pr *auth.Principal, src Source) (*Grants, error) {
	if g, ok := pr.Grants.(*Grants); ok {
		return g, nil
	}
	g, err := src.Grants(ctx, pr)
	if err != nil {
		return nil, err
	}
	pr.Grants = g
	return g, nil
}

// Require is the object check: it returns nil when one of the caller's
// grants for a role allowed by roles reaches t. Otherwise the object is
// reported as not found, so that ids of other people's objects reveal nothing.
func Require(ctx context.Context, roles []Role, t Target) error {
	_, err := grantFor(ctx, roles, t)
	return err
}

// grantFor is the first of the caller's grants for one of roles that
// reaches t, or the owner's grant of one of roles.
func grantFor(ctx context.Context, roles []Role, t Target) (Grant, error) {
	pr := auth.PrincipalFrom(ctx)
	if pr == nil {
		return Grant{}, errs.E(errs.Unauthenticated, "authorization required")
	}
	g, ok := pr.Grants.(*Grants)
	if !ok {
		return Grant{}, errs.E(errs.NotFound, "not found")
	}
	if gr, ok := g.reaching(roles, t); ok {
		return gr, nil
	}
	if t.OwnerSubject != "" && pr.Subject == t.OwnerSubject {
		for _, gr := range g.With(roles...) {
			if gr.Scope == Child || gr.Scope == Self { // a personal grant, not an office's
				return gr, nil
			}
		}
	}
	return Grant{}, errs.E(errs.NotFound, "not found")
}

// Allows reports whether a grant of one of roles reaches t (an owner's
// account aside: Require knows the caller's account, Grants do not).
func (g *Grants) Allows(roles []Role, t Target) bool {
	_, ok := g.reaching(roles, t)
	return ok
}

func (g *Grants) reaching(roles []Role, t Target) (Grant, bool) {
	for _, gr := range g.Grants {
		if slices.Contains(roles, gr.Role) && gr.Covers(t) &&
			(!t.entrusted() || slices.Contains(t.ByOffice, gr.Role) || slices.Contains(t.AssigneeIDs, g.PersonID)) {
			return gr, true
		}
	}
	return Grant{}, false
}

// With returns the grants of the given roles only.
func (g *Grants) With(roles ...Role) []Grant {
	var out []Grant
	for _, gr := range g.Grants {
		if slices.Contains(roles, gr.Role) {
			out = append(out, gr)
		}
	}
	return out
}

// RolesOf returns the roles a rule grants perm to (for handlers that look the rule up).
func (p *Policy) RolesOf(perm auth.Permission) []Role {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return append([]Role(nil), p.rules[perm]...)
}

// Require is the object check for perm under these rules (see the package
// Require): every handler's check of the object it acts on.
func (r Rules) Require(ctx context.Context, perm auth.Permission, t Target) error {
	return Require(ctx, r[perm], t)
}

// RequireOr is Require whose refusal is missing: the function's own words
// for an object that does not exist or is not among the caller's ("урок не
// найден среди ваших"), the same whichever it is.
func (r Rules) RequireOr(ctx context.Context, perm auth.Permission, t Target, missing error) error {
	err := r.Require(ctx, perm, t)
	if errs.Is(err, errs.NotFound) {
		return missing
	}
	return err
}

// Grant is Require that also says under which of the caller's grants perm
// reaches t (its role goes into audit logs and histories).
func (r Rules) Grant(ctx context.Context, perm auth.Permission, t Target) (Grant, error) {
	return grantFor(ctx, r[perm], t)
}

// Reach is how far a permission reaches for one caller, scope by scope: what
// a list is narrowed to, as Require is what one object is checked against. A
// list shows an object when one of its grants would pass Require on it.
type Reach struct {
	Region         bool     // a region-wide grant: everything
	Municipalities []string // municipality grants
	Organisations  []string // organisation grants
	Classes        []string // class grants
	// Persons are the persons named by personal grants (a parent's child,
	// oneself); a caller holding one also reaches what the own account
	// filed (Target.OwnerSubject).
	Persons []string
}

// IDs parses ids of a reach (grants hold them as text), skipping any that is
// not one; never nil.
func IDs(ids []string) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	for _, s := range ids {
		if id, err := uuid.Parse(s); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// None reports whether the reach is empty: the caller's grants of the
// permission's roles reach nothing.
func (r Reach) None() bool {
	return !r.Region && len(r.Municipalities)+len(r.Organisations)+len(r.Classes)+len(r.Persons) == 0
}

// Reach is how far perm reaches for the caller of ctx, by the caller's grants
// of the roles perm's rule names.
func (r Rules) Reach(ctx context.Context, perm auth.Permission) Reach {
	var out Reach
	g := loaded(ctx)
	if g == nil {
		return out
	}
	for _, gr := range g.With(r[perm]...) {
		switch gr.Scope {
		case Region:
			out.Region = true
		case Municipality:
			out.Municipalities = appendNew(out.Municipalities, gr.ScopeID)
		case Organisation:
			out.Organisations = appendNew(out.Organisations, gr.ScopeID)
		case Class:
			out.Classes = appendNew(out.Classes, gr.ScopeID)
		case Self, Child:
			out.Persons = appendNew(out.Persons, gr.ScopeID)
		}
	}
	return out
}

func appendNew(list []string, id string) []string {
	if slices.Contains(list, id) {
		return list
	}
	return append(list, id)
}

// Reaches reports whether perm reaches t for the caller of ctx: Require for a
// handler that decides rather than refuses (what to show, what to offer).
func (r Rules) Reaches(ctx context.Context, perm auth.Permission, t Target) bool {
	return Require(ctx, r[perm], t) == nil
}
