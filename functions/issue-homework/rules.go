package issuehomework

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
)

// Permissions of the issue-homework API.
const (
	// PermIssue: issue, change and cancel homework, attach the teacher's files
	// (the lesson's teacher).
	PermIssue auth.Permission = "homework.issue"
	// PermRead: read homework and its files (its pupils, their parents, its
	// teacher, the school's administration and the class teacher).
	PermRead auth.Permission = "homework.read"
	// PermSubmit: do one's own homework (the pupil).
	PermSubmit auth.Permission = "homework.submit"
	// PermReview: read a homework's submissions and review them (its teacher;
	// the administration and the class teacher read).
	PermReview auth.Permission = "homework.review"
)

var (
	administration = []access.Role{access.Director, access.DeputyDirector}
	teachers       = []access.Role{access.Teacher, access.ClassTeacher}
)

// Rules is this function's part of the access policy. Handlers then check
// that the grant reaches the object: the teacher's own lesson, a pupil's own
// work, a parent's child's, the administration's school.
var Rules = access.Rules{
	PermIssue:  teachers,
	PermRead:   append([]access.Role{access.Parent, access.Student}, append(slices.Clone(teachers), administration...)...),
	PermSubmit: {access.Student},
	PermReview: append(slices.Clone(teachers), administration...),
}

// readByOffice read a class's homework by their office, whoever issued it.
var readByOffice = []access.Role{access.Director, access.DeputyDirector, access.ClassTeacher}

// teaching is the target of what teacher does at org (issuing, reviewing):
// that teacher's only.
func teaching(org, teacher uuid.UUID) access.Target {
	return access.Target{OrganisationIDs: []string{org.String()}, AssigneeIDs: []string{teacher.String()}}
}

// classHomework is the target of a homework of class at org issued by
// teacher, as its teacher and the school read it.
func classHomework(org, class, teacher uuid.UUID) access.Target {
	return access.Target{OrganisationIDs: []string{org.String()}, ClassIDs: []string{class.String()},
		AssigneeIDs: []string{teacher.String()}, ByOffice: readByOffice}
}

// pupilWork is the target of pupil's work on a homework of class at org
// issued by teacher: the pupil, the parents, and the readers of the class's
// homework.
func pupilWork(pupil, org, class, teacher uuid.UUID) access.Target {
	t := classHomework(org, class, teacher)
	t.PersonID = pupil.String()
	t.ByOffice = append([]access.Role{access.Parent, access.Student}, readByOffice...)
	return t
}

// ownWork is the target of what only the pupil does: the pupil's own work.
func ownWork(pupil uuid.UUID) access.Target {
	return access.Target{PersonID: pupil.String(), ByOffice: []access.Role{access.Student}}
}

// pupilsList is the target of a pupil's homework list: the pupil and the parents.
func pupilsList(pupil uuid.UUID) access.Target {
	return access.Target{PersonID: pupil.String(), ByOffice: []access.Role{access.Parent, access.Student}}
}

// The function's objects, as a refusal names them.
const (
	theHomework   = "домашнее задание не найдено"
	theSubmission = "работа не найдена"
	theFile       = "файл не найден"
	theLesson     = "урок не найден"
	thePupil      = "ученик не найден"
)

// notYours is the one answer for an object that does not exist or that the
// caller's grants do not reach: it names the kind of object only.
func notYours(object string) error {
	return errs.User(errs.NotFound, "%s среди ваших", object)
}

// require is the object check: Rules.Require of perm on t, a refusal
// worded by notYours.
func require(ctx context.Context, perm auth.Permission, t access.Target, object string) error {
	return Rules.RequireOr(ctx, perm, t, notYours(object))
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
