package submitapplicationapi

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Service is an education service.
type Service string

// The services of the function.
const (
	Kindergarten        Service = "kindergarten"
	FirstGrade          Service = "first_grade"
	AdditionalEducation Service = "additional_education"
)

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
	// Overdue: past its deadline, and still short of the decision the
	// deadline is for.
	Overdue bool `json:"overdue"`
	// AllowedMoves are the statuses the caller may move it to now (in the
	// answer about one application): the transition table, the service (a
	// school decides on first grade, not the municipality) and the caller's
	// part (the applicant may only withdraw it) decide them together.
	AllowedMoves []Move `json:"allowed_moves,omitempty"`
}

// Move is a status an application may be moved to.
type Move struct {
	Status Status `json:"status"`
	Title  string `json:"title"`
	// Reasons, when there are any, are what the move needs one of (a
	// refusal's grounds: for first grade only the lack of places).
	Reasons []Reason `json:"reasons,omitempty"`
}

// Reason is a ground of a refusal.
type Reason struct {
	Code  string `json:"code"`
	Title string `json:"title"`
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

// StatusRequest is the body of POST /api/submit-application/applications/{id}/status.
type StatusRequest struct {
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"` // required for refused: a key of RefusalReasons
	Comment string `json:"comment,omitempty"`
}

// Decisions a parent gives on a direction.
const (
	DecisionAccept  = "accept"
	DecisionDecline = "decline"
)

// DirectionAnswer is the body of POST /api/submit-application/applications/{id}/direction.
type DirectionAnswer struct {
	Decision string `json:"decision"` // accept | decline
}

// ChoiceRequest is the body of PATCH /api/submit-application/applications/{id}/kindergarten:
// the whole new choice.
type ChoiceRequest struct {
	Preferences  []string `json:"preferences"`   // 1..5 kindergartens of the application's municipality, in order of preference
	DesiredStart string   `json:"desired_start"` // YYYY-MM-DD
	GroupType    string   `json:"group_type"`    // general | compensating | short_stay
}

// PrivilegeDecision is the body of POST /api/submit-application/applications/{id}/privileges.
//
// The sibling right counts only in a kindergarten a brother or sister
// attends, so a sibling claim is decided per kindergarten: confirming it
// needs KindergartenID (one the application lists; kindergarten staff decide
// for their own only); revoking it without one revokes it everywhere.
type PrivilegeDecision struct {
	Kind           string     `json:"kind"`      // extraordinary | first_priority | sibling
	Confirmed      *bool      `json:"confirmed"` // true: the documents prove it; false: it does not count
	KindergartenID *uuid.UUID `json:"kindergarten_id,omitempty"`
	Comment        string     `json:"comment,omitempty"`
}

// Ranking is a parent's view of the own application's place in a school's list.
type Ranking struct {
	Number       string    `json:"number"`
	SchoolID     uuid.UUID `json:"school_id"`
	AcademicYear int       `json:"academic_year"`
	Window       int       `json:"window"`
	Status       Status    `json:"status"`
	StatusTitle  string    `json:"status_title"`
	Position     *int      `json:"position,omitempty"` // 1-based; absent when the application left the list
	Total        int       `json:"total"`              // applications in the school's list for the year
}
