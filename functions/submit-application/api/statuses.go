package submitapplicationapi

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

// Refusal reasons. A school refuses first-grade admission only for lack of places.
var RefusalReasons = map[string]string{
	"no_places":              "Нет свободных мест",
	"documents_not_provided": "Не представлены документы",
	"age":                    "Возраст ребёнка не соответствует условиям услуги",
	"not_eligible":           "Заявитель не имеет права на получение услуги",
}
