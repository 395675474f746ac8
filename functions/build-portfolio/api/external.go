package buildportfolioapi

import (
	"time"

	"github.com/google/uuid"
)

// EventOlympiadResult is what a regional olympiad operator posts to
// POST /api/build-portfolio/events (its service account, OlympiadSubject):
// one participant's result, which becomes an achievement of the person the
// registry matches, or is parked for the operator.
const EventOlympiadResult = "ru.kuzbass.eko.olympiad-result.posted.v1"

// OlympiadSubject is the olympiad operator's service account.
const OlympiadSubject = "service:olympiad"

// OlympiadSystem names the operator as an achievement's origin.
const OlympiadSystem = "olympiad"

// OlympiadResult is the data of olympiad-result.posted. ResultID is the
// operator's id of the result: posting it again is the same result.
type OlympiadResult struct {
	ResultID    string      `json:"result_id"`
	Olympiad    string      `json:"olympiad"`
	Subject     string      `json:"subject,omitempty"`
	Level       string      `json:"level"`  // school | municipal | regional | federal | international
	Result      string      `json:"result"` // participant | prize_winner | winner
	Date        string      `json:"date"`   // YYYY-MM-DD
	Organiser   string      `json:"organiser,omitempty"`
	Participant Participant `json:"participant"`
}

// Participant is the person as the operator names them.
type Participant struct {
	SNILS      string `json:"snils,omitempty"`
	FamilyName string `json:"family_name"`
	GivenName  string `json:"given_name"`
	MiddleName string `json:"middle_name,omitempty"`
	BirthDate  string `json:"birth_date"`
}

// Outcomes of a posted result.
const (
	Recorded = "recorded" // an achievement of the person matched
	Parked   = "parked"   // no one (or several) matched: waiting for the operator
)

// ReceiptOfResult answers a posted result.
type ReceiptOfResult struct {
	Outcome       string     `json:"outcome"`
	AchievementID *uuid.UUID `json:"achievement_id,omitempty"`
	ParkedID      *uuid.UUID `json:"parked_id,omitempty"`
	Reason        string     `json:"reason,omitempty"`
}

// ParkedResult is a result nobody matched, for the operator: the
// participant as named (SNILS masked), and why it is parked.
type ParkedResult struct {
	ID            uuid.UUID      `json:"id"`
	System        string         `json:"system"`
	Record        string         `json:"record"`
	Result        OlympiadResult `json:"result"`
	Reason        string         `json:"reason"`
	ReceivedAt    time.Time      `json:"received_at"`
	ResolvedAt    *time.Time     `json:"resolved_at,omitempty"`
	AchievementID *uuid.UUID     `json:"achievement_id,omitempty"`
}

// MatchRequest is the body of POST …/parked/{id}/match: the person the
// operator found the result to be of.
type MatchRequest struct {
	PersonID string `json:"person_id"`
}
