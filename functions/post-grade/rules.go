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
	// PermClassLead is the object check of a class teacher: the class's
	// journal and its pupils' diaries (routes declare PermJournalRead or
	// PermDiaryRead).
	PermClassLead auth.Permission = "journal.class.lead"
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
	PermClassLead:   {access.ClassTeacher},
}

// caller is who makes a request: the account and the registry person.
type caller struct {
	subject string
	person  uuid.UUID
}

func callerOf(ctx context.Context) caller {
	pr := auth.PrincipalFrom(ctx)
	if pr == nil {
		return caller{}
	}
	c := caller{subject: pr.Subject}
	if g, ok := pr.Grants.(*access.Grants); ok {
		c.person, _ = uuid.Parse(g.PersonID)
	}
	return c
}

// The object checks of the journal, each one of Rules on its object's target.

// teaches reports whether the caller teaches what teacher teaches at org:
// is that teacher, on the school's staff.
func teaches(ctx context.Context, org, teacher uuid.UUID) bool {
	return Rules.Reaches(ctx, PermTeach, teaching(org, teacher))
}

// teaching is the target of what teacher teaches at org.
func teaching(org, teacher uuid.UUID) access.Target {
	return access.Target{OrganisationIDs: []string{org.String()}, AssigneeIDs: []string{teacher.String()}}
}

// administers reports whether the caller is the director or a deputy director of org.
func administers(ctx context.Context, org uuid.UUID) bool {
	return Rules.Reaches(ctx, PermSetup, access.Target{OrganisationIDs: []string{org.String()}})
}

// leads reports whether the caller is the class teacher of class.
func leads(ctx context.Context, class uuid.UUID) bool {
	return Rules.Reaches(ctx, PermClassLead, access.Target{ClassIDs: []string{class.String()}})
}

// readsJournal reports whether the caller reads the journal of what teacher
// teaches class at org: that teacher, the class teacher, the administration.
func readsJournal(ctx context.Context, org, class, teacher uuid.UUID) bool {
	return teaches(ctx, org, teacher) || administers(ctx, org) || leads(ctx, class)
}

// roleIn names the caller's role in teaching what teacher teaches at org,
// for history records.
func roleIn(ctx context.Context, org, teacher uuid.UUID) string {
	if gr, err := Rules.Grant(ctx, PermTeach, teaching(org, teacher)); err == nil {
		return string(gr.Role)
	}
	return "unknown"
}
