package collectreportapi

import (
	"encoding/json"

	"github.com/kuzbass/eko/shared/errs"
)

// Reasons collect-report refuses with, beyond errs.Common's.
const (
	// ReasonDuplicate: an id used twice where it names one thing.
	ReasonDuplicate errs.Reason = "duplicate"
	// ReasonRule: a rule that does not compile, or is not a condition.
	ReasonRule errs.Reason = "rule"
	// ReasonCellType: a value that is not of its cell's type.
	ReasonCellType errs.Reason = "cell_type"
	// ReasonNoBasis: a campaign opened without its legal basis.
	ReasonNoBasis errs.Reason = "no_basis"
	// ReasonNoTargets: a campaign whose targets are no organisation.
	ReasonNoTargets errs.Reason = "no_targets"
	// ReasonClosed: a campaign not open (yet, or any more) for this step.
	ReasonClosed errs.Reason = "closed"
	// ReasonState: a step the submission's state does not allow.
	ReasonState errs.Reason = "state"
	// ReasonWorkbook: an upload that is not a workbook of this submission's
	// form and version (the template EKO made).
	ReasonWorkbook errs.Reason = "workbook"
	// ReasonRulesFail: a submission whose values fail the form (the
	// violations member lists every one).
	ReasonRulesFail errs.Reason = "rules_fail"
	// ReasonSource: a prefill source the definition names that EKO does
	// not have, or with parameters it does not take.
	ReasonSource errs.Reason = "source"
	// ReasonUncommented: a prefilled cell changed without a comment saying
	// why the organisation's number differs from EKO's.
	ReasonUncommented errs.Reason = "uncommented_correction"
	// ReasonNotAllApproved: a territory's consolidation sent while some of
	// its organisations' reports are not approved.
	ReasonNotAllApproved errs.Reason = "not_all_approved"
	// ReasonTerritoryLocked: a municipality's review of a report whose
	// territory's consolidation is with the ministry or approved by it.
	ReasonTerritoryLocked errs.Reason = "territory_locked"
)

// Members of collect-report's problems.
const (
	MemberCurrentVersion = "current_version" // the submission's version now
	MemberCurrentState   = "current_state"   // its state now
	MemberViolations     = "violations"      // every cell error and failed rule
)

// Problems is everything collect-report refuses with (its router declares it).
var Problems = errs.Vocabulary{
	Codes: []errs.Code{errs.Conflict, errs.Unprocessable},
	Reasons: map[errs.Reason]string{
		ReasonDuplicate:       "идентификатор повторяется",
		ReasonRule:            "правило не разобрано",
		ReasonCellType:        "значение не того типа",
		ReasonNoBasis:         "не указано правовое основание",
		ReasonNoTargets:       "кампания не адресована ни одной организации",
		ReasonClosed:          "приём отчётов закрыт",
		ReasonState:           "недопустимо в этом состоянии",
		ReasonRulesFail:       "отчёт не проходит проверки формы",
		ReasonWorkbook:        "книга не по форме этого отчёта",
		ReasonSource:          "неизвестный источник предзаполнения",
		ReasonUncommented:     "исправление предзаполненной ячейки без комментария",
		ReasonNotAllApproved:  "не все отчёты муниципалитета приняты",
		ReasonTerritoryLocked: "свод муниципалитета у министерства",
	},
	Members: map[string]string{
		MemberCurrentVersion: "версия сейчас",
		MemberCurrentState:   "состояние сейчас",
		MemberViolations:     "ошибки ячеек и невыполненные правила",
	},
}

// ViolationsOf are the violations a refusal of collect-report lists (a
// submission that fails its form, a workbook with bad cells); none for any
// other error.
func ViolationsOf(err error) []Violation {
	e, ok := errs.As(err)
	if !ok || e.Extra[MemberViolations] == nil {
		return nil
	}
	b, err := json.Marshal(e.Extra[MemberViolations])
	if err != nil {
		return nil
	}
	var out []Violation
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}
