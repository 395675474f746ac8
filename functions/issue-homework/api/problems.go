package issuehomeworkapi

import (
	"github.com/kuzbass/eko/shared/errs"
)

// Reasons issue-homework refuses with: a problem's "reason" or a field
// error's "code", beyond errs.Common's.
const (
	// ReasonPast: a due time (or cut-off) that has already passed.
	ReasonPast errs.Reason = "past"
	// ReasonOrder: a cut-off before the due time.
	ReasonOrder errs.Reason = "order"
	// ReasonNotInClass: a pupil who is not in the lesson's class.
	ReasonNotInClass errs.Reason = "not_in_class"
	// ReasonKind: a mark kind the journal does not know.
	ReasonKind errs.Reason = "kind"
	// ReasonState: a step the submission's state does not allow.
	ReasonState errs.Reason = "state"
	// ReasonClosed: the homework no longer takes work (cancelled, past the cut-off).
	ReasonClosed errs.Reason = "closed"
	// ReasonNotExpected: the homework expects no submission.
	ReasonNotExpected errs.Reason = "not_expected"
	// ReasonDue: the homework is past its due time and cannot be changed.
	ReasonDue errs.Reason = "due"
	// ReasonFileCount: more files than a homework or a submission takes.
	ReasonFileCount errs.Reason = "file_count"
	// ReasonFileContent: a file whose bytes are not of its declared type.
	ReasonFileContent errs.Reason = "file_content"
	// ReasonFileInfected: a file in which ClamAV found malware.
	ReasonFileInfected errs.Reason = "file_infected"
	// ReasonFileMissing: a file confirmed before it was uploaded.
	ReasonFileMissing errs.Reason = "file_missing"
	// ReasonScale: a mark outside the five-point scale.
	ReasonScale errs.Reason = "scale"
	// ReasonUnexpected: a field that does not belong in this request.
	ReasonUnexpected errs.Reason = "unexpected"
)

// Members of issue-homework's problems.
const (
	MemberCurrentVersion = "current_version" // the object's version now
	MemberCurrentState   = "current_state"   // the submission's state now
)

// Problems is everything issue-homework refuses with (its router declares it).
var Problems = errs.Vocabulary{
	Codes: []errs.Code{errs.Conflict, errs.Unprocessable},
	Reasons: map[errs.Reason]string{
		ReasonPast:         "время уже прошло",
		ReasonOrder:        "крайний срок раньше срока сдачи",
		ReasonNotInClass:   "ученик не из этого класса",
		ReasonKind:         "неизвестный вид работы",
		ReasonState:        "недопустимо в этом состоянии",
		ReasonClosed:       "приём работ закрыт",
		ReasonNotExpected:  "сдача работы не предусмотрена",
		ReasonDue:          "срок сдачи прошёл",
		ReasonFileCount:    "слишком много файлов",
		ReasonFileContent:  "содержимое файла не соответствует его типу",
		ReasonFileInfected: "в файле найден вредоносный код",
		ReasonFileMissing:  "файл не загружен",
		ReasonScale:        "оценка вне пятибалльной шкалы",
		ReasonUnexpected:   "поле здесь не указывается",
	},
	Members: map[string]string{
		MemberCurrentVersion: "версия сейчас",
		MemberCurrentState:   "состояние работы сейчас",
	},
}
