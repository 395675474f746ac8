package postgrade

import (
	"context"
	"slices"

	"github.com/google/uuid"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
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
	// PermOwnLessons: a teacher's journal of own lessons (GET access says
	// who has one; the lessons themselves are checked against PermTeach).
	PermOwnLessons auth.Permission = "journal.lessons.own"
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
	PermOwnLessons:  teachers,
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
	if p := access.PersonOf(ctx); p != nil {
		c.person = *p
	}
	return c
}

// The journal's objects as access targets. Each handler computes the target
// of its object and checks it once (require); one that decides rather than
// refuses (what to offer) asks Rules.Reaches on the same target.

// teaching is the target of what teacher teaches at org (a lesson, an
// assignment, to be written): that teacher's, on the school's staff.
func teaching(org, teacher uuid.UUID) access.Target {
	return access.Target{OrganisationIDs: []string{org.String()}, AssigneeIDs: []string{teacher.String()}}
}

// readByOffice read a class's journal by their office, whoever teaches it.
var readByOffice = []access.Role{access.Director, access.DeputyDirector, access.ClassTeacher}

// journalOf is the target of the journal of class at org taught by teachers
// (a lesson's, an assignment's, the class's): read by those teachers, the
// school's administration and the class teacher.
func journalOf(org, class uuid.UUID, teachers ...uuid.UUID) access.Target {
	t := access.Target{OrganisationIDs: []string{org.String()}, ClassIDs: []string{class.String()}, ByOffice: readByOffice}
	for _, id := range teachers {
		t.AssigneeIDs = append(t.AssigneeIDs, id.String())
	}
	return t
}

// marksCheck is the check of an assignment's term, year and final marks:
// written by its teacher, read by the readers of its class's journal.
func marksCheck(write bool, a *postgradeapi.Assignment) (auth.Permission, access.Target) {
	if write {
		return PermTeach, teaching(a.OrganisationID, a.TeacherID)
	}
	return PermJournalRead, journalOf(a.OrganisationID, a.ClassID, a.TeacherID)
}

// diaryOf is the target of student's journal while in class at org taught
// by teachers: the student, the parents, and the readers of that class's
// journal (journalOf).
func diaryOf(student, org, class uuid.UUID, teachers ...uuid.UUID) access.Target {
	t := journalOf(org, class, teachers...)
	t.PersonID = student.String()
	t.ByOffice = append([]access.Role{access.Parent, access.Student}, readByOffice...)
	return t
}

// school is the target of what a school's administration sets up (its
// periods, assignments, timetable, imports).
func school(org uuid.UUID) access.Target {
	return access.Target{OrganisationIDs: []string{org.String()}}
}

// The journal's objects, as a refusal names them.
const (
	theLesson       = "урок не найден"
	theAssignment   = "назначение не найдено"
	theSchool       = "школа не найдена"
	theClass        = "класс не найден"
	theOrganisation = "организация не найдена"
	thePeriod       = "период не найден"
	theMunicipality = "муниципалитет не найден"
	theDiary        = "дневник не найден"
	theMark         = "оценка не найдена"
	theResults      = "результаты не найдены"
)

// notYours is the journal's one answer for an object that does not exist or
// that the caller's grants do not reach: it names the kind of object only,
// so that the id of another school's object reveals nothing.
func notYours(object string) error {
	return errs.User(errs.NotFound, "%s среди ваших", object)
}

// require is the journal's object check: Rules.Require of perm on t, a
// refusal worded by notYours.
func require(ctx context.Context, perm auth.Permission, t access.Target, object string) error {
	return Rules.RequireOr(ctx, perm, t, notYours(object))
}

// roleIn names the caller's role in teaching what teacher teaches at org,
// for history records.
func roleIn(ctx context.Context, org, teacher uuid.UUID) string {
	if gr, err := Rules.Grant(ctx, PermTeach, teaching(org, teacher)); err == nil {
		return string(gr.Role)
	}
	return "unknown"
}
