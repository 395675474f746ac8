package access_test

import (
	"context"
	"testing"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
)

const perm auth.Permission = "test.object.read"

// callerWith is the context of a request by subject holding grants.
func callerWith(subject, person string, grants ...access.Grant) context.Context {
	return auth.WithPrincipal(context.Background(), &auth.Principal{Subject: subject,
		Grants: &access.Grants{PersonID: person, Grants: grants}})
}

func TestObjectChecks(t *testing.T) {
	rules := access.Rules{perm: {access.Teacher, access.Director, access.Parent, access.MinistryOfficial}}
	teacher := access.Grant{Role: access.Teacher, Scope: access.Organisation, ScopeID: "school-1"}
	director := access.Grant{Role: access.Director, Scope: access.Organisation, ScopeID: "school-1"}
	parent := access.Grant{Role: access.Parent, Scope: access.Child, ScopeID: "kid-1"}
	ministry := access.Grant{Role: access.MinistryOfficial, Scope: access.Region}
	lesson := access.Target{OrganisationIDs: []string{"school-1"}, AssigneeIDs: []string{"teacher-1"}}
	// The same lesson read: its teacher, or the school's director by office.
	lessonRead := access.Target{OrganisationIDs: []string{"school-1"}, AssigneeIDs: []string{"teacher-1", "teacher-3"}, ByOffice: []access.Role{access.Director}}
	application := access.Target{OrganisationIDs: []string{"school-1"}, PersonID: "kid-unmatched", OwnerSubject: "oid-parent"}
	cases := []struct {
		name   string
		ctx    context.Context
		target access.Target
		role   access.Role // "" refused
	}{
		{"the lesson's own teacher", callerWith("oid-t1", "teacher-1", teacher), lesson, access.Teacher},
		{"another teacher of the school", callerWith("oid-t2", "teacher-2", teacher), lesson, ""},
		{"the director, not its teacher", callerWith("oid-d", "director-1", director), lesson, ""},
		{"the ministry, not its teacher", callerWith("oid-m", "ministry-1", ministry), lesson, ""},
		{"the lesson read by its teacher", callerWith("oid-t1", "teacher-1", teacher), lessonRead, access.Teacher},
		{"the lesson read by its other teacher", callerWith("oid-t3", "teacher-3", teacher), lessonRead, access.Teacher},
		{"the lesson read by another teacher", callerWith("oid-t2", "teacher-2", teacher), lessonRead, ""},
		{"the lesson read by the director", callerWith("oid-d", "director-1", director), lessonRead, access.Director},
		{"the lesson read by another school's director", callerWith("oid-d", "director-2",
			access.Grant{Role: access.Director, Scope: access.Organisation, ScopeID: "school-2"}), lessonRead, ""},
		{"a class with no teachers yet, for a teacher", callerWith("oid-t1", "teacher-1", teacher),
			access.Target{OrganisationIDs: []string{"school-1"}, ByOffice: []access.Role{access.Director}}, ""},
		{"a class with no teachers yet, for the director", callerWith("oid-d", "director-1", director),
			access.Target{OrganisationIDs: []string{"school-1"}, ByOffice: []access.Role{access.Director}}, access.Director},
		{"a school's object for its director", callerWith("oid-d", "director-1", director), access.Target{OrganisationIDs: []string{"school-1"}}, access.Director},
		{"another school's object", callerWith("oid-d", "director-1", director), access.Target{OrganisationIDs: []string{"school-2"}}, ""},
		{"the whole region for the ministry", callerWith("oid-m", "ministry-1", ministry), access.WholeRegion, access.MinistryOfficial},
		{"the whole region for a director", callerWith("oid-d", "director-1", director), access.WholeRegion, ""},
		{"the applicant, the child not matched", callerWith("oid-parent", "parent-1", parent), application, access.Parent},
		{"another parent", callerWith("oid-other", "parent-2", parent), application, ""},
		// An office's grant does not make its holder the owner of what they filed.
		{"the applicant as a director elsewhere", callerWith("oid-parent", "parent-1",
			access.Grant{Role: access.Director, Scope: access.Organisation, ScopeID: "school-9"}), application, ""},
		{"the school's director", callerWith("oid-d", "director-1", director), application, access.Director},
	}
	for _, c := range cases {
		gr, err := rules.Grant(c.ctx, perm, c.target)
		switch {
		case c.role == "" && errs.CodeOf(err) != errs.NotFound:
			t.Errorf("%s: %v %v, want not found", c.name, gr, err)
		case c.role != "" && (err != nil || gr.Role != c.role):
			t.Errorf("%s: %v %v, want the %s grant", c.name, gr, err, c.role)
		case rules.Reaches(c.ctx, perm, c.target) != (c.role != ""):
			t.Errorf("%s: Reaches disagrees with Grant", c.name)
		}
	}
	if err := rules.Require(context.Background(), perm, lesson); errs.CodeOf(err) != errs.Unauthenticated {
		t.Errorf("without a caller: %v", err)
	}
	if err := (access.Rules{}).Require(callerWith("oid-m", "m", ministry), perm, access.WholeRegion); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a permission no rule names: %v", err)
	}
}

// A list's reach is the union of the grants of the permission's roles, by
// scope; grants of other roles add nothing.
func TestReach(t *testing.T) {
	rules := access.Rules{perm: {access.Director, access.MunicipalOfficial, access.Parent}}
	ctx := callerWith("oid", "p-1",
		access.Grant{Role: access.Director, Scope: access.Organisation, ScopeID: "school-1"},
		access.Grant{Role: access.Director, Scope: access.Organisation, ScopeID: "school-1"},
		access.Grant{Role: access.MunicipalOfficial, Scope: access.Municipality, ScopeID: "kemerovo"},
		access.Grant{Role: access.Parent, Scope: access.Child, ScopeID: "kid-1"},
		access.Grant{Role: access.Teacher, Scope: access.Organisation, ScopeID: "school-2"},
		access.Grant{Role: access.ClassTeacher, Scope: access.Class, ScopeID: "6a"})
	r := rules.Reach(ctx, perm)
	if r.Region || len(r.Organisations) != 1 || r.Organisations[0] != "school-1" || len(r.Municipalities) != 1 ||
		len(r.Persons) != 1 || r.Persons[0] != "kid-1" || len(r.Classes) != 0 || r.None() {
		t.Errorf("reach %+v", r)
	}
	if r := rules.Reach(callerWith("oid", "p-2", access.Grant{Role: access.Teacher, Scope: access.Region}), perm); !r.None() {
		t.Errorf("another role's grant: %+v", r)
	}
	if r := rules.Reach(callerWith("oid", "m", access.Grant{Role: access.MunicipalOfficial, Scope: access.Region}), perm); !r.Region {
		t.Errorf("a region-wide grant: %+v", r)
	}
	if r := rules.Reach(context.Background(), perm); !r.None() {
		t.Errorf("without a caller: %+v", r)
	}
}

// RequireOr answers the function's own refusal when no grant reaches the
// object, and passes any other answer.
func TestRequireOr(t *testing.T) {
	rules := access.Rules{perm: {access.Director}}
	missing := errs.User(errs.NotFound, "школа не найдена среди ваших")
	director := callerWith("oid-d", "d-1", access.Grant{Role: access.Director, Scope: access.Organisation, ScopeID: "school-1"})
	if err := rules.RequireOr(director, perm, access.Target{OrganisationIDs: []string{"school-1"}}, missing); err != nil {
		t.Errorf("own school: %v", err)
	}
	if err := rules.RequireOr(director, perm, access.Target{OrganisationIDs: []string{"school-2"}}, missing); err != missing {
		t.Errorf("another school: %v", err)
	}
	if err := rules.RequireOr(context.Background(), perm, access.WholeRegion, missing); errs.CodeOf(err) != errs.Unauthenticated {
		t.Errorf("without a caller: %v", err)
	}
}
