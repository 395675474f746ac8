package buildportfolioapi

import "github.com/kuzbass/eko/shared/errs"

// Reasons build-portfolio refuses with: a problem's "reason" or a field
// error's "code", beyond errs.Common's.
const (
	// ReasonCategory: a kind of achievement the vocabulary does not know, or
	// one of another owner's (a teacher's kind for a pupil).
	ReasonCategory errs.Reason = "category"
	// ReasonLevel: a level or a result a ranked kind needs, missing or unknown.
	ReasonLevel errs.Reason = "level"
	// ReasonFuture: a date that has not come yet.
	ReasonFuture errs.Reason = "future"
	// ReasonState: a step the achievement's state does not allow.
	ReasonState errs.Reason = "state"
	// ReasonOwnClaim: a confirmer deciding on an own achievement.
	ReasonOwnClaim errs.Reason = "own_claim"
	// ReasonNoProof: a claim confirmed without a checked proof file.
	ReasonNoProof errs.Reason = "no_proof"
	// ReasonFileCount: more proof files than a claim takes.
	ReasonFileCount errs.Reason = "file_count"
	// ReasonFileContent: a file whose bytes are not of its declared type.
	ReasonFileContent errs.Reason = "file_content"
	// ReasonFileInfected: a file in which ClamAV found malware.
	ReasonFileInfected errs.Reason = "file_infected"
	// ReasonFileMissing: a file confirmed before it was uploaded.
	ReasonFileMissing errs.Reason = "file_missing"
	// ReasonNoSchool: a pupil the roster has in no school now (nobody could
	// confirm the claim).
	ReasonNoSchool errs.Reason = "no_school"
	// ReasonDuplicate: the same achievement is already in the portfolio.
	ReasonDuplicate errs.Reason = "duplicate"
	// ReasonUnexpected: a field that does not belong to this kind.
	ReasonUnexpected errs.Reason = "unexpected"
)

// Members of build-portfolio's problems.
const (
	MemberCurrentVersion = "current_version" // the achievement's version now
	MemberCurrentState   = "current_state"   // the achievement's state now
)

// Problems is everything build-portfolio refuses with (its router declares it).
var Problems = errs.Vocabulary{
	Codes: []errs.Code{errs.Conflict, errs.Unprocessable},
	Reasons: map[errs.Reason]string{
		ReasonCategory:     "неизвестный вид достижения",
		ReasonLevel:        "не указан уровень или результат",
		ReasonFuture:       "дата ещё не наступила",
		ReasonState:        "недопустимо в этом состоянии",
		ReasonOwnClaim:     "своё достижение подтверждает другой",
		ReasonNoProof:      "нет подтверждающего документа",
		ReasonFileCount:    "слишком много файлов",
		ReasonFileContent:  "содержимое файла не соответствует его типу",
		ReasonFileInfected: "в файле найден вредоносный код",
		ReasonFileMissing:  "файл не загружен",
		ReasonNoSchool:     "ученик не числится ни в одной школе",
		ReasonDuplicate:    "такое достижение уже есть в портфолио",
		ReasonUnexpected:   "поле здесь не указывается",
	},
	Members: map[string]string{
		MemberCurrentVersion: "версия сейчас",
		MemberCurrentState:   "состояние сейчас",
	},
}
