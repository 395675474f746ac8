package submitapplicationapi

import (
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/pdata"
)

// Reasons the education services refuse with: a problem's "reason" or a
// field error's "code", beyond errs.Common's.
const (
	// ReasonUnexpected: a field that does not belong here (a section of
	// another service, a reason outside a refusal).
	ReasonUnexpected errs.Reason = "unexpected"
	// ReasonFirstGrade: a refusal reason a first-grade application cannot have.
	ReasonFirstGrade errs.Reason = "first_grade"
	// ReasonOrder: dates out of order (a window opening before another).
	ReasonOrder errs.Reason = "order"
	// ReasonMax: more items than allowed (preferences, privileges, places).
	ReasonMax errs.Reason = "max"
	// ReasonMin: fewer than allowed (a negative number of places).
	ReasonMin errs.Reason = "min"
	// ReasonDuplicate: the same item twice in one request.
	ReasonDuplicate errs.Reason = "duplicate"
	// ReasonMunicipality: an organisation of another municipality than the queue's.
	ReasonMunicipality errs.Reason = "municipality"
	// ReasonNotFound: no such organisation or programme.
	ReasonNotFound errs.Reason = "not_found"
	// ReasonKind: an organisation of another kind than the service needs.
	ReasonKind errs.Reason = "kind"
	// ReasonClosed: an organisation or programme that does not accept applications.
	ReasonClosed errs.Reason = "closed"
	// ReasonWindowClosed: outside the first-grade admission windows.
	ReasonWindowClosed errs.Reason = "window_closed"
	// ReasonAge: the child's age is outside the service's limits.
	ReasonAge errs.Reason = "age"
	// ReasonService: an action of another service (kindergartens for a school application).
	ReasonService errs.Reason = "service"
	// ReasonNotClaimed: a privilege the application does not claim.
	ReasonNotClaimed errs.Reason = "not_claimed"
	// ReasonReused: an idempotency key or an EPGU order number used before
	// with other content.
	ReasonReused errs.Reason = "reused"
	// ReasonNotChosen: a kindergarten the application does not list.
	ReasonNotChosen errs.Reason = "not_chosen"
	// ReasonNoSibling: the sibling basis of a first-grade application that
	// neither the registry confirms nor a document supports.
	ReasonNoSibling errs.Reason = "no_sibling"
)

// Members of the education services' problems.
const (
	MemberCurrentStatus  = "current_status"  // the application's status now
	MemberExistingID     = "existing_id"     // the application already submitted for this child and service
	MemberExistingNumber = "existing_number" // its number
	MemberRespondBy      = "respond_by"      // when the answer to a direction was due
	MemberEnrolled       = "enrolled"        // how many are enrolled in the programme
	MemberCapacity       = "capacity"        // the programme's places
	MemberDraftDigest    = "draft_digest"    // the allocation draft's digest, as computed
	MemberCurrentDigest  = "current_digest"  // the digest of the queue now
)

// Problems is everything submit-application refuses with (its router declares it).
var Problems = errs.Vocabulary{
	Codes: []errs.Code{errs.Conflict, errs.Unprocessable, errs.RateLimited},
	Reasons: map[errs.Reason]string{
		ReasonUnexpected:   "поле здесь не указывается",
		ReasonFirstGrade:   "недопустимо для заявления в 1 класс",
		ReasonOrder:        "даты не по порядку",
		ReasonMax:          "больше допустимого",
		ReasonMin:          "меньше допустимого",
		ReasonDuplicate:    "указано дважды",
		ReasonMunicipality: "организация другого муниципалитета",
		ReasonNotFound:     "не найдено в реестре",
		ReasonKind:         "организация другого вида",
		ReasonClosed:       "приём закрыт",
		ReasonWindowClosed: "вне периода приёма",
		ReasonAge:          "возраст ребёнка вне допустимого",
		ReasonService:      "не для этой услуги",
		ReasonNotClaimed:   "льгота не заявлена",
		ReasonReused:       "уже использовано с другим содержимым",
		ReasonNotChosen:    "детский сад не выбран в заявлении",
		ReasonNoSibling:    "брат или сестра не обучается в этой организации по данным реестра",
	},
	Members: map[string]string{
		MemberCurrentStatus:  "статус заявления сейчас",
		MemberExistingID:     "заявление, уже поданное на этого ребёнка и услугу",
		MemberExistingNumber: "его номер",
		MemberRespondBy:      "срок ответа на направление",
		MemberEnrolled:       "сколько детей записано на программу",
		MemberCapacity:       "мест на программе",
		MemberDraftDigest:    "отпечаток черновика распределения",
		MemberCurrentDigest:  "отпечаток очереди сейчас",
	},
}.Merge(pdata.Problems)
