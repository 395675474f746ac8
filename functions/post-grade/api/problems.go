package postgradeapi

import (
	"github.com/kuzbass/eko/shared/csvtable"
	"github.com/kuzbass/eko/shared/errs"
)

// Reasons the journal refuses with: a problem's "reason" or a field error's
// "code", beyond errs.Common's.
const (
	// ReasonPeriodClosed: the academic period is closed; marks change only
	// under the director's permit.
	ReasonPeriodClosed errs.Reason = "period_closed"
	// ReasonNotEnrolled: the pupil is not in the class (or school) on that date.
	ReasonNotEnrolled errs.Reason = "not_enrolled"
	// ReasonScale: a mark outside the five-point scale.
	ReasonScale errs.Reason = "scale"
	// ReasonCount: too many or too few items in one request.
	ReasonCount errs.Reason = "count"
	// ReasonOrder: periods out of order or overlapping.
	ReasonOrder errs.Reason = "order"
	// ReasonNotFound: the field names something the school does not have.
	ReasonNotFound errs.Reason = "not_found"
	// ReasonScope: a breakdown the caller's office does not oversee.
	ReasonScope errs.Reason = "scope"
	// ReasonContradicts: parameters that exclude each other.
	ReasonContradicts errs.Reason = "conflict"
)

// Members of the journal's problems.
const (
	// MemberMarkID, MemberStudentID and MemberCurrentVersion name a mark
	// changed by someone else since it was read, and its version now.
	MemberMarkID         = "mark_id"
	MemberStudentID      = "student_id"
	MemberCurrentVersion = "current_version"
)

// Problems is everything the journal refuses with (its router declares it).
var Problems = errs.Vocabulary{
	Codes: []errs.Code{errs.Conflict},
	Reasons: map[errs.Reason]string{
		ReasonPeriodClosed: "учебный период закрыт",
		ReasonNotEnrolled:  "ученик не числится в классе",
		ReasonScale:        "оценка вне пятибалльной шкалы",
		ReasonCount:        "слишком много или слишком мало элементов",
		ReasonOrder:        "периоды не по порядку или пересекаются",
		ReasonNotFound:     "в школе нет такого объекта",
		ReasonScope:        "разбивка не для вашей должности",
		ReasonContradicts:  "параметры исключают друг друга",
	},
	Members: map[string]string{
		MemberMarkID:         "оценка, изменённая другим пользователем",
		MemberStudentID:      "ученик этой оценки",
		MemberCurrentVersion: "версия оценки сейчас",
	},
}.Merge(csvtable.Problems)
