package registry

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/pdata"
)

// resolve matches the caller to a person (linking the account when every datum
// agrees), links the children the parent's ESIA account lists when they match
// registry persons fully, and derives the grants.
//
// An account linked before, whose token names no child that is not linked yet,
// is resolved with one statement and no transaction — the common case, and the
// one the opening-morning peak of applications depends on.
func (f *Function) resolve(ctx context.Context, p *auth.Principal) (registryapi.Match, *access.Grants, error) {
	today := f.Time()
	if m, g, ok, err := f.resolveLinked(ctx, p, today); err != nil || ok {
		return m, g, err
	}
	return f.resolveInTx(ctx, p, today)
}

// resolveLinked is resolve's one-statement path: ok is false when the account
// is not linked yet or its token names a child that is not linked yet.
func (f *Function) resolveLinked(ctx context.Context, p *auth.Principal, today time.Time) (registryapi.Match, *access.Grants, bool, error) {
	if p.Service {
		return registryapi.Match{}, nil, false, nil
	}
	g, childHashes, ok, err := linkedGrants(ctx, f.db, p.Subject, p.Trusted, today)
	if err != nil || !ok || (p.Trusted && !f.childrenLinked(p, childHashes)) {
		return registryapi.Match{}, nil, false, err
	}
	id := uuid.MustParse(g.PersonID)
	return registryapi.Match{Status: registryapi.MatchLinked, PersonID: &id}, g, true, nil
}

// resolveInTx is resolve's full path: match, link, derive, in one transaction.
func (f *Function) resolveInTx(ctx context.Context, p *auth.Principal, today time.Time) (registryapi.Match, *access.Grants, error) {
	var m registryapi.Match
	var g *access.Grants
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var err error
		if m, err = f.matchAccount(ctx, tx, p, today); err != nil {
			return err
		}
		if m.Status != registryapi.MatchLinked {
			g = &access.Grants{Trusted: p.Trusted, Grants: []access.Grant{}}
			return nil
		}
		if p.Trusted {
			if err := f.linkESIAChildren(ctx, tx, *m.PersonID, p); err != nil {
				return err
			}
		}
		g, err = grantsOf(ctx, tx, *m.PersonID, p.Trusted, today)
		return err
	})
	return m, g, err
}

// childrenLinked reports whether every child the token of p lists with a
// usable SNILS is among the linked children (their SNILS hashes), so that
// linkESIAChildren would have nothing to do.
func (f *Function) childrenLinked(p *auth.Principal, linked [][]byte) bool {
	for _, c := range p.Children {
		digits, err := pdata.NormalizeSNILS(c.SNILS)
		if err != nil || c.Document == nil {
			continue // linkESIAChildren skips it too
		}
		h := f.pdata.Hash("snils", digits)
		if !slices.ContainsFunc(linked, func(l []byte) bool { return bytes.Equal(l, h) }) {
			return false
		}
	}
	return true
}

// linkESIAChildren records parent–child links that ESIA vouches for: a child in
// the parent's token whose name, birth date, SNILS and birth certificate all match
// one registry person. Anything less links nothing.
func (f *Function) linkESIAChildren(ctx context.Context, tx pgx.Tx, parent uuid.UUID, p *auth.Principal) error {
	for _, c := range p.Children {
		digits, err := pdata.NormalizeSNILS(c.SNILS)
		if err != nil || c.Document == nil {
			continue
		}
		key, err := pdata.NormalizeDocument(c.Document.Type, c.Document.Series, c.Document.Number)
		if err != nil {
			continue
		}
		birth, err := time.Parse(time.DateOnly, c.BirthDate)
		if err != nil {
			continue
		}
		var child uuid.UUID
		var family, given, middle string
		err = tx.QueryRow(ctx, `SELECT id, family_name, given_name, middle_name FROM registry.people
			WHERE snils_hash = $1 AND doc_hash = $2 AND birth_date = $3`,
			f.pdata.Hash("snils", digits), f.pdata.Hash("document", key.Key()), birth).Scan(&child, &family, &given, &middle)
		if err != nil {
			continue // not in the registry, or data differ: nothing is linked silently
		}
		if foldName(family) != foldName(c.FamilyName) || foldName(given) != foldName(c.GivenName) || foldName(middle) != foldName(c.MiddleName) {
			continue
		}
		relation := "father"
		if p.Gender == "F" {
			relation = "mother"
		}
		id, _ := uuid.NewV7()
		tag, err := tx.Exec(ctx, `INSERT INTO registry.parent_links (id, parent_id, child_id, relation, source)
			VALUES ($1, $2, $3, $4, 'esia') ON CONFLICT (parent_id, child_id) DO NOTHING`, id, parent, child, relation)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			if _, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: registryapi.EventParentLinkCreated, Source: source, Subject: child.String(),
				Data: registryapi.ParentLinkEvent{LinkID: id.String(), ParentID: parent.String(), ChildID: child.String(), Relation: relation, Source: "esia"}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Grants implements access.Source for callers inside this process: the
// registry answers from its own tables. Answers are cached per token for
// GrantsTTL, so a membership change reaches other functions within that time.
func (f *Function) Grants(ctx context.Context, p *auth.Principal) (*access.Grants, error) {
	if p.Service {
		return serviceGrants(), nil
	}
	if g, ok := f.grants.Get(p.Token, f.Time()); ok {
		return g, nil
	}
	m, g, err := f.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if m.Status == registryapi.MatchLinked { // an unmatched account is asked again: it may be fixed in a minute
		f.grants.Put(p.Token, g, f.Time().Add(GrantsTTL))
	}
	return g, nil
}

// GrantsTTL bounds how long a caller's grants are reused without asking the database.
const GrantsTTL = 30 * time.Second

// me: GET /api/registry/me
func (f *Function) me(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	m, g, err := f.resolve(ctx, p)
	if err != nil {
		return err
	}
	p.Grants = g
	out := registryapi.Me{Subject: p.Subject, Identity: m, Grants: g.Grants, Children: []registryapi.Child{}, Trusted: p.Trusted}
	if m.Status != registryapi.MatchLinked {
		httpx.WriteJSON(w, http.StatusOK, out)
		return nil
	}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		self, err := f.person(ctx, tx, *m.PersonID, true)
		if err != nil {
			return err
		}
		out.Person = &self
		for _, gr := range g.With(access.Parent) {
			childID, err := uuid.Parse(gr.ScopeID)
			if err != nil {
				return err
			}
			c, err := f.person(ctx, tx, childID, false)
			if err != nil {
				return err
			}
			var relation string
			if err := tx.QueryRow(ctx, `SELECT relation FROM registry.parent_links WHERE parent_id = $1 AND child_id = $2`, *m.PersonID, childID).Scan(&relation); err != nil {
				return err
			}
			pl, err := placements(ctx, tx, childID, f.Time())
			if err != nil {
				return err
			}
			out.Children = append(out.Children, registryapi.Child{Person: c, Relation: relation, Organisations: pl})
			if err := f.auditPerson(r, tx, childID, "read", "registry.person", []string{"profile"}); err != nil {
				return err
			}
		}
		return nil
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// myGrants: GET /api/registry/me/grants — what other functions' policies ask.
func (f *Function) myGrants(w http.ResponseWriter, r *http.Request) error {
	p := auth.PrincipalFrom(r.Context())
	if p.Service {
		return httpx.Reply(w, http.StatusOK, serviceGrants(), nil)
	}
	_, g, err := f.resolve(r.Context(), p)
	return httpx.Reply(w, http.StatusOK, g, err)
}

func placements(ctx context.Context, q querier, person uuid.UUID, day time.Time) ([]registryapi.Placement, error) {
	list, err := db.Collect[registryapi.Placement](ctx, q, `
		SELECT e.organisation_id, o.short_name, e.class_id, coalesce(c.name, ''), e.academic_year
		FROM registry.enrollments e
		JOIN registry.organisations o ON o.id = e.organisation_id
		LEFT JOIN registry.classes c ON c.id = e.class_id
		WHERE e.person_id = $1 AND e.starts_on <= $2 AND (e.ends_on IS NULL OR e.ends_on >= $2)
		ORDER BY e.starts_on DESC`, person, day)
	if list == nil {
		list = []registryapi.Placement{}
	}
	return list, err
}

// serviceGrants are a client-credentials account's grants: the Service
// role, region-wide, which only the rules that name it honour.
func serviceGrants() *access.Grants {
	return &access.Grants{Grants: []access.Grant{{Role: access.Service, Scope: access.Region, Label: "Внешняя система"}}}
}
