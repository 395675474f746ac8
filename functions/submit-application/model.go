package submitapplication

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/access"
)

// Service is an education service.
type Service string

// The services of the function.
const (
	Kindergarten        Service = "kindergarten"
	FirstGrade          Service = "first_grade"
	AdditionalEducation Service = "additional_education"
)

// numberPrefix starts an application number: «1К-2027-0000123».
var numberPrefix = map[Service]string{FirstGrade: "1К", Kindergarten: "ДС", AdditionalEducation: "ДО"}

// Channels an application arrives by.
const (
	ChannelCabinet = "cabinet"
	ChannelEPGU    = "epgu"
)

// SubmitRequest is the body of POST /api/submit-application/applications: the
// child (a registry person id) and exactly one service block, the one named by
// Service.
type SubmitRequest struct {
	Service             string                   `json:"service"`
	ChildID             string                   `json:"child_id"`
	FirstGrade          *FirstGradeData          `json:"first_grade,omitempty"`
	Kindergarten        *KindergartenData        `json:"kindergarten,omitempty"`
	AdditionalEducation *AdditionalEducationData `json:"additional_education,omitempty"`
}

// FirstGradeData is a first-grade application: the school and the basis the
// family applies on. Window 1 takes the school's assigned territory and the
// priority categories (extraordinary, first_priority, sibling — each with its
// document); window 2 takes everyone (basis general).
type FirstGradeData struct {
	SchoolID      string `json:"school_id"`
	Basis         string `json:"basis"`
	BasisDocument string `json:"basis_document,omitempty"`
	// FounderPermission is the founder's permission to admit a child younger
	// than 6.5 or older than 8 years on 1 September (its document reference).
	FounderPermission string `json:"founder_permission,omitempty"`
}

// KindergartenData is a kindergarten queue application.
type KindergartenData struct {
	Preferences  []string    `json:"preferences"`   // 1..5 kindergartens of one municipality, in order of preference
	DesiredStart string      `json:"desired_start"` // YYYY-MM-DD
	GroupType    string      `json:"group_type"`    // general | compensating | short_stay
	Privileges   []Privilege `json:"privileges,omitempty"`
}

// Privilege is a claimed privilege with the document that proves it. It counts
// for the queue only once staff confirm it.
type Privilege struct {
	Kind     string `json:"kind"`     // extraordinary | first_priority | sibling
	Document string `json:"document"` // the document's reference (kind, number, date)
}

// AdditionalEducationData is an application to an additional-education programme.
type AdditionalEducationData struct {
	ProgrammeID string `json:"programme_id"`
}

// Bases of a first-grade application and whether window 1 takes them.
var firstGradeBases = map[string]bool{
	"territory": true, "extraordinary": true, "first_priority": true, "sibling": true, "general": false,
}

// Group types and privileges of the kindergarten service.
var (
	groupTypes     = []string{"general", "compensating", "short_stay"}
	privilegeKinds = []string{"extraordinary", "first_priority", "sibling"}
)

// storedPrivilege is a privilege as kept in the application's data.
type storedPrivilege struct {
	Kind      string `json:"kind"`
	Document  string `json:"document"`
	Confirmed bool   `json:"confirmed"`
}

// storedKindergarten is the kindergarten block as kept in the application's data.
type storedKindergarten struct {
	Preferences  []uuid.UUID       `json:"preferences"`
	DesiredStart string            `json:"desired_start"`
	GroupType    string            `json:"group_type"`
	Privileges   []storedPrivilege `json:"privileges"`
}

// Application is an application as the API returns it.
type Application struct {
	ID              uuid.UUID       `json:"id"`
	Number          string          `json:"number"`
	Service         Service         `json:"service"`
	Channel         string          `json:"channel"`
	Status          Status          `json:"status"`
	StatusTitle     string          `json:"status_title"`
	EPGUStatusCode  int             `json:"epgu_status_code"`
	ChildID         *uuid.UUID      `json:"child_id,omitempty"`
	ChildBirthDate  string          `json:"child_birth_date"`
	OrganisationID  uuid.UUID       `json:"organisation_id"`
	OrganisationIDs []uuid.UUID     `json:"organisation_ids"`
	MunicipalityID  uuid.UUID       `json:"municipality_id"`
	Window          *int            `json:"window,omitempty"`
	AcademicYear    *int            `json:"academic_year,omitempty"`
	ReceivedAt      time.Time       `json:"received_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	Deadline        *time.Time      `json:"deadline,omitempty"`
	EPGUOrderID     string          `json:"epgu_order_id,omitempty"`
	Data            json.RawMessage `json:"data"`
	History         []HistoryEntry  `json:"history,omitempty"`

	seq              int64
	applicantSubject string
	requestHash      []byte
}

// HistoryEntry is one status an application has had.
type HistoryEntry struct {
	Status         Status    `json:"status"`
	StatusTitle    string    `json:"status_title"`
	EPGUStatusCode int       `json:"epgu_status_code"`
	Reason         string    `json:"reason,omitempty"`
	Comment        string    `json:"comment,omitempty"`
	ActorRole      string    `json:"actor_role"`
	ChangedAt      time.Time `json:"changed_at"`
}

// target is what an application belongs to, for the object check: the child,
// every organisation it is addressed to, and the municipality.
func (a *Application) target() access.Target {
	t := access.Target{MunicipalityIDs: []string{a.MunicipalityID.String()}}
	for _, o := range a.OrganisationIDs {
		t.OrganisationIDs = append(t.OrganisationIDs, o.String())
	}
	if a.ChildID != nil {
		t.PersonID = a.ChildID.String()
	}
	return t
}

func (a *Application) fill() {
	info := Statuses[a.Status]
	a.StatusTitle, a.EPGUStatusCode = info.Title, info.EPGUCode
}

// Page is a list response with a keyset cursor.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"` // pass as ?after= for the next page
}
