package submitapplication

import "slices"

// Status is the state of an application.
type Status string

// Statuses of an application. Submitted is the first; staff move an application
// on along Transitions; a parent may only withdraw.
const (
	Submitted          Status = "submitted"
	Checking           Status = "checking"
	DocumentsRequested Status = "documents_requested"
	Registered         Status = "registered"
	Directed           Status = "directed"
	Enrolled           Status = "enrolled"
	Refused            Status = "refused"
	Withdrawn          Status = "withdrawn"
	Archived           Status = "archived"
	DirectionDeclined  Status = "direction_declined"
	DirectionExpired   Status = "direction_expired"
)

// StatusInfo is what EPGU and people are told about a status.
type StatusInfo struct {
	EPGUCode int    // the status code sent to EPGU in application.status-changed
	Title    string // shown to the parent and to staff
}

// Statuses maps every status to its EPGU status code and title. Every code the
// EPGU integration knows (120…250) is used exactly once; TestStatusTable checks it.
var Statuses = map[Status]StatusInfo{
	Submitted:          {120, "Заявление получено"},
	Checking:           {130, "Заявление принято к рассмотрению, сведения проверяются"},
	DocumentsRequested: {150, "Требуется представить документы в организацию"},
	Registered:         {170, "Заявление зарегистрировано (ребёнок поставлен на учёт)"},
	Directed:           {180, "Выдано направление в организацию"},
	Enrolled:           {190, "Ребёнок зачислен"},
	Refused:            {210, "Отказано в предоставлении услуги"},
	Withdrawn:          {220, "Заявление отозвано заявителем"},
	Archived:           {230, "Заявление перенесено в архив"},
	DirectionDeclined:  {240, "Заявитель отказался от направления"},
	DirectionExpired:   {250, "Истёк срок ответа на направление"},
}

// Transitions lists, for each status, the statuses staff may move it to. A
// status absent from the table is final.
var Transitions = map[Status][]Status{
	Submitted:          {Checking, DocumentsRequested, Registered, Refused, Withdrawn},
	Checking:           {DocumentsRequested, Registered, Refused, Withdrawn},
	DocumentsRequested: {Checking, Registered, Refused, Withdrawn},
	Registered:         {DocumentsRequested, Directed, Enrolled, Refused, Withdrawn, Archived},
	Directed:           {Enrolled, DirectionDeclined, DirectionExpired, Withdrawn},
	DirectionDeclined:  {Registered, Archived},
	DirectionExpired:   {Registered, Archived},
	Enrolled:           {Archived},
	Refused:            {Archived},
	Withdrawn:          {Archived},
}

// Active statuses hold the child's place: a second application for the same
// child and service target is refused while one is active. The partial unique
// index applications_active_uniq lists the same statuses.
var Active = []Status{Submitted, Checking, DocumentsRequested, Registered, Directed, DirectionDeclined, DirectionExpired}

// IsActive reports whether s holds the child's place.
func (s Status) IsActive() bool { return slices.Contains(Active, s) }

// Ranked statuses stay in a school's ranked list (the active ones and enrolled).
func (s Status) ranked() bool { return s.IsActive() || s == Enrolled }

// CanMove reports whether the transition table allows from → to.
func CanMove(from, to Status) bool { return slices.Contains(Transitions[from], to) }

// Refusal reasons. A school refuses first-grade admission only for lack of places.
var RefusalReasons = map[string]string{
	"no_places":              "Нет свободных мест",
	"documents_not_provided": "Не представлены документы",
	"age":                    "Возраст ребёнка не соответствует условиям услуги",
	"not_eligible":           "Заявитель не имеет права на получение услуги",
}

// statusOf parses s, reporting whether it is a known status.
func statusOf(s string) (Status, bool) {
	_, ok := Statuses[Status(s)]
	return Status(s), ok
}

// decisions are, per service, the statuses that answer the application within
// its deadline: the kindergarten queue registers or refuses (7 days), a school
// enrolls or refuses (its order), an additional-education organisation
// registers, enrolls or refuses. The first of them sets decided_at; an
// application still short of one past its deadline is overdue.
var decisions = map[Service][]Status{
	Kindergarten:        {Registered, Refused},
	FirstGrade:          {Enrolled, Refused},
	AdditionalEducation: {Registered, Enrolled, Refused},
}

// undecided are the statuses an application may be overdue in (withdrawn,
// archived and the decisions are not work left to do). The partial index
// applications_undecided_idx lists the same statuses.
var undecided = []Status{Submitted, Checking, DocumentsRequested, Registered}

// AwaitsDecision reports whether an application of service in status s still
// waits for the decision its deadline is for: the same rule as decided_at,
// for callers that only see the status (past its deadline, it is overdue).
func AwaitsDecision(service Service, s Status) bool {
	return slices.Contains(undecided, s) && !decides(service, s)
}

// decides reports whether moving an application of service to s answers it.
func decides(service Service, s Status) bool { return slices.Contains(decisions[service], s) }

func statusStrings(list []Status) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}
