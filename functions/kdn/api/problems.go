package kdnapi

import "github.com/kuzbass/eko/shared/errs"

// Reasons kdn refuses with, beyond errs.Common's.
const (
	// ReasonState: a step the case's state does not allow, or a version not
	// seen (current_version, current_state say what is).
	ReasonState errs.Reason = "state"
)

// Members of kdn's problems.
const (
	MemberCurrentVersion = "current_version"
	MemberCurrentState   = "current_state"
)

// Problems is everything kdn refuses with (its router declares it).
var Problems = errs.Vocabulary{
	Codes:   []errs.Code{errs.Conflict},
	Reasons: map[errs.Reason]string{ReasonState: "недопустимо в этом состоянии дела"},
	Members: map[string]string{MemberCurrentVersion: "версия сейчас", MemberCurrentState: "состояние сейчас"},
}
