package postgrade

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
)

// Permissions of the post-grade API.
const (
	// PermSetup: academic periods, teaching assignments and the timetable (the school's administration).
	PermSetup auth.Permission = "journal.setup"
	// PermTeach: lesson topics, marks and attendance (the teacher of the lesson).
	PermTeach auth.Permission = "journal.teach"
	// PermJournalRead: a lesson's journal grid.
	PermJournalRead auth.Permission = "journal.read"
	// PermDiaryRead: a student's diary and a mark's history.
	PermDiaryRead auth.Permission = "journal.diary.read"
	// PermAggregates: schools' journals in aggregate, without pupils' data.
	PermAggregates auth.Permission = "journal.aggregates.read"
)

var (
	administration = []access.Role{access.Director, access.DeputyDirector}
	teachers       = []access.Role{access.Teacher, access.ClassTeacher}
)

// Rules is this function's part of the access policy. Handlers then check that
// the grant reaches the object: a teacher's own assignment, a class teacher's
// class, a parent's child, the student's self, the administration's school.
// Municipal and ministry officials get aggregates, not pupils' journals.
var Rules = access.Rules{
	PermSetup:       administration,
	PermTeach:       append(slices.Clone(teachers), administration...),
	PermJournalRead: append(slices.Clone(teachers), administration...),
	PermDiaryRead:   append([]access.Role{access.Parent, access.Student}, append(slices.Clone(teachers), administration...)...),
	PermAggregates:  append([]access.Role{access.MinistryOfficial, access.MunicipalOfficial}, administration...),
}

// caller is who makes a request: the registry person and the grants.
type caller struct {
	subject string
	person  uuid.UUID
	grants  []access.Grant
}

func callerOf(ctx context.Context) caller {
	pr := auth.PrincipalFrom(ctx)
	if pr == nil {
		return caller{}
	}
	c := caller{subject: pr.Subject}
	if g, ok := pr.Grants.(*access.Grants); ok {
		c.grants = g.Grants
		c.person, _ = uuid.Parse(g.PersonID)
	}
	return c
}

// holds reports whether c holds one of roles in scope at id.
func (c caller) holds(scope access.Scope, id uuid.UUID, roles ...access.Role) bool {
	return slices.ContainsFunc(c.grants, func(g access.Grant) bool {
		return g.Scope == scope && g.ScopeID == id.String() && slices.Contains(roles, g.Role)
	})
}

// administers reports whether c is the director or a deputy director of org.
func (c caller) administers(org uuid.UUID) bool {
	return c.holds(access.Organisation, org, administration...)
}

// teaches reports whether c is the teacher of a lesson of org taught by teacher.
func (c caller) teaches(org, teacher uuid.UUID) bool {
	return c.person != uuid.Nil && c.person == teacher && c.holds(access.Organisation, org, append(slices.Clone(teachers), administration...)...)
}

// role names the first of c's roles in scope at id, for history records.
func (c caller) role(scope access.Scope, id uuid.UUID) string {
	for _, g := range c.grants {
		if g.Scope == scope && g.ScopeID == id.String() {
			return string(g.Role)
		}
	}
	return "unknown"
}
