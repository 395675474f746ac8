package buildportfolio

import (
	"context"

	"github.com/google/uuid"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
)

// Permissions of the build-portfolio API.
const (
	// PermRead: read portfolios and their proof files (the pupil, the
	// parents, the class teacher, the school's administration; a teacher's
	// own and the municipality's of teachers).
	PermRead auth.Permission = "portfolio.read"
	// PermClaim: claim an achievement with a proof (the pupil, a parent, the
	// class teacher for a pupil; a teacher for the own portfolio).
	PermClaim auth.Permission = "portfolio.claim"
	// PermConfirm: confirm or reject claims (the class teacher and the
	// administration for pupils, the director for teachers).
	PermConfirm auth.Permission = "portfolio.confirm"
	// PermExport: export a portfolio as verifiable credentials and list
	// those issued (the pupil and the parents; the teacher).
	PermExport auth.Permission = "portfolio.export"
	// PermRevoke: revoke a credential (the ministry; the owner's side).
	PermRevoke auth.Permission = "portfolio.revoke"
	// PermOperate: the results other systems posted that matched nobody —
	// list and match them (the ministry, the region's operator).
	PermOperate auth.Permission = "portfolio.operate"
	// PermShare: make, list and revoke share links (the parents, the
	// teacher; the pupil from 14).
	PermShare auth.Permission = "portfolio.share"
)

// Rules is this function's part of the access policy. Handlers then check
// that the grant reaches the object (rules below): the own or the child's
// portfolio, the class's, the school's, the municipality's teachers'.
var Rules = access.Rules{
	PermRead: {access.Person, access.Student, access.Parent, access.ClassTeacher, access.Director, access.DeputyDirector,
		access.MunicipalOfficial},
	PermClaim:   {access.Student, access.Parent, access.ClassTeacher, access.Teacher},
	PermConfirm: {access.ClassTeacher, access.Director, access.DeputyDirector},
	PermExport:  {access.Person, access.Student, access.Parent},
	PermShare:   {access.Person, access.Student, access.Parent},
	PermOperate: {access.MinistryOfficial},
	PermRevoke:  {access.Person, access.Student, access.Parent, access.MinistryOfficial},
}

// Who reaches what, by office.
var (
	family        = []access.Role{access.Student, access.Parent}
	pupilsSchool  = []access.Role{access.ClassTeacher, access.Director, access.DeputyDirector}
	teachersReach = []access.Role{access.Director, access.DeputyDirector, access.MunicipalOfficial}
)

// placement is where a pupil studies now (the roster from the registry's
// enrollment events).
type placement struct {
	organisations []string
	classes       []string
}

// pupilClaimant is the target of claiming for pupil (and of adding proof to
// or withdrawing such a claim): the pupil, the parents, the class teacher.
func pupilClaimant(pupil uuid.UUID, at placement) access.Target {
	return access.Target{PersonID: pupil.String(), ClassIDs: at.classes, ByOffice: append([]access.Role{access.ClassTeacher}, family...)}
}

// teacherOwn is the target of what a teacher does to the own portfolio
// held at org: that teacher's only.
func teacherOwn(org, teacher uuid.UUID) access.Target {
	return access.Target{OrganisationIDs: []string{org.String()}, AssigneeIDs: []string{teacher.String()}}
}

// decider is the target of deciding on a: a pupil's by the class teacher
// (of a class of the pupil at the claim's school) or the administration, a
// teacher's by the director.
func decider(a *achievement, at placement) access.Target {
	org := a.school()
	if a.OwnerKind == buildportfolioapi.OwnerTeacher {
		return access.Target{OrganisationIDs: []string{org}, ByOffice: []access.Role{access.Director}}
	}
	return access.Target{OrganisationIDs: []string{org}, ClassIDs: at.classes, ByOffice: pupilsSchool}
}

// reader is the target of reading a: the owner's side always (the pupil and
// the parents; the teacher), the school (and the municipality, of a
// teacher's) while it is claimed or confirmed.
func reader(a *achievement, at placement) access.Target {
	open := a.State == buildportfolioapi.Claimed || a.State == buildportfolioapi.Confirmed
	if a.OwnerKind == buildportfolioapi.OwnerTeacher {
		t := access.Target{PersonID: a.OwnerID.String(), ByOffice: []access.Role{access.Person}}
		if open {
			t.OrganisationIDs = []string{a.school()}
			if a.municipality != nil {
				t.MunicipalityIDs = []string{a.municipality.String()}
			}
			t.ByOffice = append(t.ByOffice, teachersReach...)
		}
		return t
	}
	t := access.Target{PersonID: a.OwnerID.String(), ByOffice: family}
	if open {
		t.OrganisationIDs, t.ClassIDs = at.organisations, at.classes
		t.ByOffice = append(append([]access.Role(nil), family...), pupilsSchool...)
	}
	return t
}

// The function's objects, as a refusal names them.
const (
	theAchievement = "достижение не найдено"
	theFile        = "файл не найден"
	thePortfolio   = "портфолио не найдено"
	thePupil       = "ученик не найден"
	theSchool      = "школа не найдена"
	theCredential  = "документ не найден"
	theShare       = "ссылка не найдена"
	theParked      = "результат не найден"
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
