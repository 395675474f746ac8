package submitapplicationapi

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// QueueView is a kindergarten application's place in the queue, explained:
// what GET …/applications/{id}/queue returns, and what the privilege, choice
// and direction routes answer with.
type QueueView struct {
	ApplicationID uuid.UUID `json:"application_id"`
	Number        string    `json:"number"`
	Status        Status    `json:"status"`
	StatusTitle   string    `json:"status_title"`
	// InQueue: the application is registered and stands in the queues below.
	InQueue bool `json:"in_queue"`
	// Note says why an application is not in the queue, or what it waits for.
	Note           string `json:"note,omitempty"`
	DesiredStart   string `json:"desired_start"`
	GroupType      string `json:"group_type"`
	GroupTypeTitle string `json:"group_type_title"`
	// AgeBand is the child's full years of age on 1 September of the year of
	// the desired start: the age group whose queue the application stands in.
	AgeBand      int    `json:"age_band"`
	AgeBandTitle string `json:"age_band_title"`
	// Privilege is the privilege that counts in every chosen kindergarten (an
	// extraordinary or first-priority right, confirmed), or none; the sibling
	// right counts per kindergarten (QueuePlace.Privilege).
	Privilege         *PrivilegeView    `json:"privilege"`
	ClaimedPrivileges []PrivilegeView   `json:"claimed_privileges"`
	Kindergartens     []QueuePlace      `json:"kindergartens"`
	Direction         *DirectionView    `json:"direction,omitempty"`
	ChoiceChanges     []ChoiceChangeLog `json:"choice_changes,omitempty"`
}

// PrivilegeView is a claimed privilege and whether it counts.
type PrivilegeView struct {
	Kind      string `json:"kind"`
	Title     string `json:"title"`
	Confirmed bool   `json:"confirmed"`
	// Kindergartens: a sibling claim's kindergartens where staff confirmed it.
	Kindergartens []uuid.UUID `json:"kindergartens,omitempty"`
	// Reconsider: a sibling claim confirmed under the earlier rule (in every
	// kindergarten), waiting for staff to decide it per kindergarten.
	Reconsider bool `json:"reconsider,omitempty"`
}

// QueuePlace is the application's place in one kindergarten's queue.
type QueuePlace struct {
	KindergartenID uuid.UUID `json:"kindergarten_id"`
	// Preference is the kindergarten's place in the parent's choice (1..5);
	// 0 for a kindergarten no longer chosen, shown for its history.
	Preference int `json:"preference"`
	AgeBand    int `json:"age_band"`
	// Position is 1-based; absent when the application is not in this queue.
	Position *int `json:"position,omitempty"`
	// Privilege is the privilege that counts in this queue, and
	// PrivilegeBasis why, in Russian: «Сестра Соколова Мария посещает этот
	// детский сад» (the registry), or the staff's decision on the document.
	Privilege      *PrivilegeView `json:"privilege,omitempty"`
	PrivilegeBasis string         `json:"privilege_basis,omitempty"`
	// QueueLength is how many applications stand in this queue (kindergarten, age band).
	QueueLength int `json:"queue_length"`
	// AheadWithPrivilege and AheadEarlier split the applications ahead: those
	// with a more significant confirmed privilege, and those with the same
	// (or none) received earlier.
	AheadWithPrivilege *int                `json:"ahead_with_privilege,omitempty"`
	AheadEarlier       *int                `json:"ahead_earlier,omitempty"`
	Explanation        string              `json:"explanation"`
	History            []QueueHistoryEntry `json:"history"`
	HistoryTruncated   bool                `json:"history_truncated,omitempty"`
}

// QueueHistoryEntry is one change of the application's position, newest first.
type QueueHistoryEntry struct {
	ChangedAt    time.Time `json:"changed_at"`
	AgeBand      int       `json:"age_band"`
	FromAgeBand  *int      `json:"from_age_band,omitempty"`
	FromPosition *int      `json:"from_position,omitempty"`
	ToPosition   *int      `json:"to_position,omitempty"`
	Cause        string    `json:"cause"`
	Privilege    string    `json:"privilege,omitempty"`
	Explanation  string    `json:"explanation"`
}

// DirectionView is the application's latest direction.
type DirectionView struct {
	KindergartenID uuid.UUID  `json:"kindergarten_id"`
	AgeBand        int        `json:"age_band"`
	GroupType      string     `json:"group_type"`
	AllocationID   *uuid.UUID `json:"allocation_id,omitempty"`
	IssuedAt       time.Time  `json:"issued_at"`
	RespondBy      time.Time  `json:"respond_by"`
	State          string     `json:"state"` // issued, accepted, declined, expired, enrolled, withdrawn
	AnsweredAt     *time.Time `json:"answered_at,omitempty"`
}

// ChoiceChangeLog is one change of kindergartens, desired start or group type.
type ChoiceChangeLog struct {
	ChangedAt time.Time       `json:"changed_at"`
	ActorRole string          `json:"actor_role"`
	Previous  json.RawMessage `json:"previous"`
	Current   json.RawMessage `json:"current"`
}

// CountsRequest is the body of POST /api/submit-application/counts: the
// organisations whose numbers to count, and the span of receipt of the
// applications counted (YYYY-MM-DD, Kemerovo dates, inclusive; the last 30
// days when not named).
type CountsRequest struct {
	Organisations []uuid.UUID `json:"organisations"`
	From          string      `json:"from,omitempty"`
	To            string      `json:"to,omitempty"`
}

// OrganisationCounts are one organisation's services in numbers: the
// children waiting in its kindergarten queues now, by age band, and the
// applications addressed to it received in the span — counts only, never
// a child.
type OrganisationCounts struct {
	OrganisationID uuid.UUID          `json:"organisation_id"`
	From           string             `json:"from"`
	To             string             `json:"to"`
	Queue          []QueueBand        `json:"queue"`
	Applications   []ApplicationCount `json:"applications"`
}

// QueueBand is the children waiting in one age band of a kindergarten: all
// who named it (All), of them those who named it first (FirstChoice).
type QueueBand struct {
	AgeBand     int `json:"age_band"`
	All         int `json:"all"`
	FirstChoice int `json:"first_choice"`
}

// ApplicationCount is the applications of one service, status and channel
// addressed to an organisation, received in the span: how many, and how
// their deadlines went (decided in time, decided late, undecided past it).
type ApplicationCount struct {
	Service       Service `json:"service"`
	Status        Status  `json:"status"`
	Channel       string  `json:"channel"`
	Received      int     `json:"received"`
	DecidedInTime int     `json:"decided_in_time"`
	DecidedLate   int     `json:"decided_late"`
	OpenOverdue   int     `json:"open_overdue"`
}

// PublicQueue is what anyone who holds a kindergarten application's number
// and the child's birth date learns at the public site: where the
// application stands, nothing of who — no names, no privileges, no why.
type PublicQueue struct {
	Number       string        `json:"number"`
	Status       Status        `json:"status"`
	StatusTitle  string        `json:"status_title"`
	InQueue      bool          `json:"in_queue"`
	DesiredStart string        `json:"desired_start"`
	AgeBandTitle string        `json:"age_band_title"`
	Places       []PublicPlace `json:"places"`
}

// PublicPlace is the application's place in one chosen kindergarten's queue.
type PublicPlace struct {
	KindergartenID uuid.UUID `json:"kindergarten_id"`
	Preference     int       `json:"preference"`
	Position       *int      `json:"position,omitempty"`
	QueueLength    int       `json:"queue_length"`
}
