package kdnapi

import (
	"time"

	"github.com/google/uuid"
)

// Case states.
const (
	Open    = "open"    // received, waiting for the commission
	Decided = "decided" // the commission decided on measures
	Closed  = "closed"
)

// StateTitles name the states for people (a parent sees these words).
var StateTitles = map[string]string{Open: "на рассмотрении комиссии", Decided: "комиссия приняла решение", Closed: "закрыто"}

// Signal kinds: why a case was opened, or what was added to it.
const (
	SignalChronicAbsence = "chronic_absence" // the journal's absence.chronic
	SignalReferral       = "referral"        // the school's referral with its statement
	SignalAbsenceStreak  = "absence_streak"  // the journal's absence.streak: school days in a row missed without a valid reason
)

// SignalTitles name the signal kinds for people.
var SignalTitles = map[string]string{SignalChronicAbsence: "систематические пропуски занятий", SignalReferral: "представление школы",
	SignalAbsenceStreak: "пропуски без уважительной причины несколько дней подряд"}

// Case is a pupil's case before the municipality's commission: only what
// the case needs of the pupil (who, which school).
type Case struct {
	ID             uuid.UUID  `json:"id"`
	PupilID        uuid.UUID  `json:"pupil_id"`
	OrganisationID uuid.UUID  `json:"organisation_id"`
	MunicipalityID *uuid.UUID `json:"municipality_id,omitempty"`
	State          string     `json:"state"`
	Reason         string     `json:"reason"` // the first signal's kind
	Version        int        `json:"version"`
	OpenedAt       time.Time  `json:"opened_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	Outcome        string     `json:"outcome,omitempty"`
	// Pupil is who the case is about, as far as the case needs: filled in
	// when one case is read.
	Pupil     *Pupil     `json:"pupil,omitempty"`
	Signals   []Signal   `json:"signals,omitempty"`
	Decisions []Decision `json:"decisions,omitempty"`
	Reports   []Report   `json:"reports,omitempty"`
}

// Pupil is what a case shows of its pupil: the name, the birth date, the
// school and class — nothing more.
type Pupil struct {
	FullName  string `json:"full_name"`
	BirthDate string `json:"birth_date"`
	School    string `json:"school,omitempty"`
	Class     string `json:"class,omitempty"`
}

// Signal is one reason the case holds: a chronic absence the journal
// raised (its numbers), a streak of days missed without a valid reason
// (its days) or the school's referral (its statement).
type Signal struct {
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	By        string    `json:"by"` // "system:post-grade" or the account
	Statement string    `json:"statement,omitempty"`
	From      string    `json:"from,omitempty"` // an absence's span
	To        string    `json:"to,omitempty"`
	Absences  int       `json:"absences,omitempty"`
	Unexcused int       `json:"unexcused,omitempty"`
	Lessons   int       `json:"lessons,omitempty"`
	Days      int       `json:"days,omitempty"` // a streak's school days
}

// Measure is one measure the commission decided: who carries it out, by when.
type Measure struct {
	Measure     string `json:"measure"`
	Responsible string `json:"responsible"`
	Deadline    string `json:"deadline"` // YYYY-MM-DD
}

// Decision is the commission's decision at a meeting.
type Decision struct {
	MeetingOn string    `json:"meeting_on"` // YYYY-MM-DD
	Text      string    `json:"text"`
	Measures  []Measure `json:"measures"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// Report is the school's report on the measures.
type Report struct {
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// ReferralRequest is the body of POST /api/kdn/referrals: the school refers
// a pupil to the commission, with its statement.
type ReferralRequest struct {
	PupilID        uuid.UUID `json:"pupil_id"`
	OrganisationID uuid.UUID `json:"organisation_id"`
	Statement      string    `json:"statement"`
}

// DecisionRequest is the body of POST /api/kdn/cases/{id}/decisions.
type DecisionRequest struct {
	Version   int       `json:"version"`
	MeetingOn string    `json:"meeting_on"`
	Text      string    `json:"text"`
	Measures  []Measure `json:"measures"`
}

// ReportRequest is the body of POST /api/kdn/cases/{id}/reports.
type ReportRequest struct {
	Text string `json:"text"`
}

// CloseRequest is the body of POST /api/kdn/cases/{id}/close.
type CloseRequest struct {
	Version int    `json:"version"`
	Outcome string `json:"outcome"`
}

// ChildReferral is what a parent sees of a case: that it exists and how far
// it got — nothing of the commission's notes.
type ChildReferral struct {
	CaseID     uuid.UUID `json:"case_id"`
	OpenedOn   string    `json:"opened_on"`
	State      string    `json:"state"`
	StateTitle string    `json:"state_title"`
}

// Access is what the caller does here, as kdn's rules decide it.
type Access struct {
	Commission bool `json:"commission"` // a commission's official: its municipality's cases
	Refers     bool `json:"refers"`     // a school's administration: refers pupils, reports on measures
}

// Events kdn produces: ids and states, never the pupil's data or the notes.
const (
	EventCaseOpened  = "ru.kuzbass.eko.kdn-case.opened.v1"
	EventCaseDecided = "ru.kuzbass.eko.kdn-case.decided.v1"
	EventCaseClosed  = "ru.kuzbass.eko.kdn-case.closed.v1"
)

// CaseEvent is the data of kdn-case.opened, .decided and .closed.
type CaseEvent struct {
	CaseID         string `json:"case_id"`
	PupilID        string `json:"pupil_id"`
	OrganisationID string `json:"organisation_id"`
	State          string `json:"state"`
	Reason         string `json:"reason"`
	At             string `json:"at"`
}

// Export is a commission's cases in the shape a federal prevention system
// (ГИС «Профилактика») takes them from a supplier: ids, dates, kinds,
// measures and states — never a name, a statement or a decision's text
// (free text names people).
type Export struct {
	Format         string       `json:"format"` // "eko-kdn-export/1"
	MunicipalityID uuid.UUID    `json:"municipality_id"`
	GeneratedAt    time.Time    `json:"generated_at"`
	Cases          []ExportCase `json:"cases"`
}

// ExportCase is one case as exported.
type ExportCase struct {
	CaseID         uuid.UUID        `json:"case_id"`
	PupilID        uuid.UUID        `json:"pupil_id"` // EKO's registry id: the connector matches it
	OrganisationID uuid.UUID        `json:"organisation_id"`
	OpenedAt       time.Time        `json:"opened_at"`
	Reason         string           `json:"reason"`
	State          string           `json:"state"`
	ClosedAt       *time.Time       `json:"closed_at,omitempty"`
	Signals        []ExportSignal   `json:"signals"`
	Decisions      []ExportDecision `json:"decisions"`
	Reports        int              `json:"reports"`
}

// ExportSignal is a signal without its statement.
type ExportSignal struct {
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	Absences  int       `json:"absences,omitempty"`
	Unexcused int       `json:"unexcused,omitempty"`
	Lessons   int       `json:"lessons,omitempty"`
	Days      int       `json:"days,omitempty"`
}

// ExportDecision is a decision's meeting and measures, without its text.
type ExportDecision struct {
	MeetingOn string    `json:"meeting_on"`
	Measures  []Measure `json:"measures"`
}
