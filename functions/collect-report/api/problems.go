package collectreportapi

import "github.com/kuzbass/eko/shared/errs"

// Reasons collect-report refuses with, beyond errs.Common's.
const (
	// ReasonDuplicate: an id used twice where it names one thing.
	ReasonDuplicate errs.Reason = "duplicate"
	// ReasonRule: a rule that does not compile, or is not a condition.
	ReasonRule errs.Reason = "rule"
	// ReasonCellType: a value that is not of its cell's type.
	ReasonCellType errs.Reason = "cell_type"
)

// Problems is everything collect-report refuses with (its router declares it).
var Problems = errs.Vocabulary{
	Codes: []errs.Code{errs.Conflict, errs.Unprocessable},
	Reasons: map[errs.Reason]string{
		ReasonDuplicate: "идентификатор повторяется",
		ReasonRule:      "правило не разобрано",
		ReasonCellType:  "значение не того типа",
	},
}
