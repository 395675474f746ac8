package registryapi

import (
	"github.com/kuzbass/eko/shared/csvtable"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/pdata"
)

// Reasons the registry refuses with: a problem's "reason" or a field error's
// "code", beyond errs.Common's.
const (
	// ReasonDuplicateSNILS: a person with this SNILS is already in the registry (existing_id).
	ReasonDuplicateSNILS errs.Reason = "snils"
	// ReasonDuplicateNameBirthDate: a person with this name and birth date is
	// already there; repeat with confirm_not_duplicate when it is not the same (existing_id).
	ReasonDuplicateNameBirthDate errs.Reason = "name_birth_date"
	// ReasonSelf: a person linked to themselves (a parent of oneself).
	ReasonSelf errs.Reason = "self"
)

// Members of the registry's problems.
const (
	// MemberExistingID is the id of the person a new one would duplicate.
	MemberExistingID = "existing_id"
)

// Problems is everything the registry refuses with (its router declares it).
var Problems = errs.Vocabulary{
	Codes: []errs.Code{errs.Conflict, errs.Unprocessable},
	Reasons: map[errs.Reason]string{
		ReasonDuplicateSNILS:         "человек с таким СНИЛС уже есть в реестре",
		ReasonDuplicateNameBirthDate: "в реестре уже есть человек с такими ФИО и датой рождения",
		ReasonSelf:                   "человек не может быть связан сам с собой",
	},
	Members: map[string]string{MemberExistingID: "идентификатор человека, который уже есть в реестре"},
}.Merge(csvtable.Problems, pdata.Problems)
