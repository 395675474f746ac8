package guardianshipapi

import "github.com/kuzbass/eko/shared/errs"

// Reasons guardianship refuses with, beyond errs.Common's.
const (
	// ReasonState: a task already done.
	ReasonState errs.Reason = "state"
)

// Problems is everything guardianship refuses with (its router declares it).
var Problems = errs.Vocabulary{
	Codes:   []errs.Code{errs.Conflict},
	Reasons: map[errs.Reason]string{ReasonState: "задача уже закрыта"},
}
