package collectreportapi

import (
	"time"

	"github.com/google/uuid"
)

// CampaignRequest is the body of POST /api/collect-report/campaigns.
type CampaignRequest struct {
	Code           string  `json:"code"`
	Version        int     `json:"version"`
	Title          string  `json:"title"`
	LegalBasis     string  `json:"legal_basis,omitempty"`     // required before opening
	LegalReference string  `json:"legal_reference,omitempty"` // the order's number and date, a link
	OpensAt        string  `json:"opens_at"`                  // RFC 3339, or YYYY-MM-DDTHH:MM in Kemerovo time
	ClosesAt       string  `json:"closes_at"`
	AllowLate      bool    `json:"allow_late,omitempty"`
	Targets        Targets `json:"targets"`
}

// Targets are the organisations a campaign asks: of the kinds named, in the
// municipalities named (none: the region), and those listed.
type Targets struct {
	Kinds          []string    `json:"kinds,omitempty"`
	Municipalities []uuid.UUID `json:"municipalities,omitempty"`
	Organisations  []uuid.UUID `json:"organisations,omitempty"`
}

// Campaign is a campaign as the API shows it.
type Campaign struct {
	ID             uuid.UUID  `json:"id"`
	Code           string     `json:"code"`
	Version        int        `json:"version"`
	Title          string     `json:"title"`
	LegalBasis     string     `json:"legal_basis"`
	LegalReference string     `json:"legal_reference"`
	OpensAt        time.Time  `json:"opens_at"`
	ClosesAt       time.Time  `json:"closes_at"`
	AllowLate      bool       `json:"allow_late"`
	Targets        Targets    `json:"targets"`
	State          string     `json:"state"` // draft | open
	OpenedAt       *time.Time `json:"opened_at,omitempty"`
	Submissions    int        `json:"submissions"`
}

// Submission states.
const (
	Draft     = "draft"
	Submitted = "submitted"
	Returned  = "returned"
	Approved  = "approved"
	// Reopened is a review's decision only: an approved submission opened
	// again (its state is then returned).
	Reopened = "reopened"
)

// Submission is one organisation's submission in a campaign.
type Submission struct {
	ID             uuid.UUID         `json:"id"`
	CampaignID     uuid.UUID         `json:"campaign_id"`
	OrganisationID uuid.UUID         `json:"organisation_id"`
	MunicipalityID *uuid.UUID        `json:"municipality_id,omitempty"`
	State          string            `json:"state"`
	Values         map[string]string `json:"values"`
	Version        int               `json:"version"`
	Late           bool              `json:"late"`
	SubmittedAt    *time.Time        `json:"submitted_at,omitempty"`
	UpdatedAt      time.Time         `json:"updated_at"`
	// ReturnedCells are the cells a returned submission may change, with
	// the reviewer's comment on each (Comments).
	ReturnedCells []string          `json:"returned_cells"`
	Comments      map[string]string `json:"comments"`
	// Prefill is where each prefilled cell's number came from; Corrections
	// the organisation's own numbers in such cells, each with its reason;
	// Drift the cells whose source has changed since (found after
	// submitting, by a check against the sources).
	Prefill     map[string]Provenance `json:"prefill"`
	Corrections map[string]Correction `json:"corrections"`
	Drift       map[string]Drift      `json:"drift"`
}

// Provenance is where a prefilled cell's number came from: the source and
// its parameters, the day counted, when it was asked.
type Provenance struct {
	Source string    `json:"source"` // "registry.pupils?grade=1"
	Value  string    `json:"value"`
	AsOf   string    `json:"as_of"` // YYYY-MM-DD
	At     time.Time `json:"at"`
}

// Correction is an organisation's number in a prefilled cell, and why.
type Correction struct {
	Value   string    `json:"value"`
	Comment string    `json:"comment"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// Drift is a prefilled cell whose source now says otherwise.
type Drift struct {
	Was string    `json:"was"` // the source's number at prefill
	Now string    `json:"now"` // the source's number at the check
	At  time.Time `json:"at"`
}

// DriftCheck is what checking a campaign's sent-in submissions against
// their sources answers: how many were checked, how many cells drifted in
// how many submissions.
type DriftCheck struct {
	Checked     int `json:"checked"`
	Submissions int `json:"submissions"`
	Cells       int `json:"cells"`
}

// PrefillRequest is the body of POST …/submissions/{id}/prefill.
type PrefillRequest struct {
	Version int `json:"version"`
}

// ReturnRequest is the body of POST …/submissions/{id}/return: a comment
// per cell to fix (the organisation changes only those).
type ReturnRequest struct {
	Version  int               `json:"version"`
	Comments map[string]string `json:"comments"`
}

// ReopenRequest is the body of POST …/submissions/{id}/reopen: why an
// approved submission is opened again, and which cells (none: all).
type ReopenRequest struct {
	Version int      `json:"version"`
	Reason  string   `json:"reason"`
	Cells   []string `json:"cells,omitempty"`
}

// Review is one decision on a submission.
type Review struct {
	Decision  string            `json:"decision"` // returned | approved | reopened
	Comments  map[string]string `json:"comments,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	Actor     string            `json:"actor"`
	ActorRole string            `json:"actor_role,omitempty"`
	At        time.Time         `json:"at"`
}

// Events collect-report produces. Their data carry ids and states, never
// the values.
const (
	EventSubmitted = "ru.kuzbass.eko.report.submitted.v1"
	EventReturned  = "ru.kuzbass.eko.report.returned.v1"
	EventApproved  = "ru.kuzbass.eko.report.approved.v1"
)

// ReportEvent is the data of report.submitted, report.returned and
// report.approved.
type ReportEvent struct {
	SubmissionID   string `json:"submission_id"`
	CampaignID     string `json:"campaign_id"`
	OrganisationID string `json:"organisation_id"`
	MunicipalityID string `json:"municipality_id,omitempty"`
	State          string `json:"state"`
	Late           bool   `json:"late"`
	Cells          int    `json:"cells,omitempty"` // returned: how many cells
	At             string `json:"at"`
}

// SaveRequest is the body of PUT …/submissions/{id}: the values as filled
// (cell name → value as typed) and the version seen.
type SaveRequest struct {
	Values  map[string]string `json:"values"`
	Version int               `json:"version"`
	// Corrections say why a prefilled cell now holds another number: cell
	// name → comment. A correction already explained keeps its comment.
	Corrections map[string]string `json:"corrections,omitempty"`
}

// SubmitRequest is the body of POST …/submissions/{id}/submit.
type SubmitRequest struct {
	Version int `json:"version"`
}

// Dashboard is a campaign's completeness: expected, submitted (on time and
// late), approved, returned, still in draft — for the region and by
// municipality.
type Dashboard struct {
	CampaignID     uuid.UUID `json:"campaign_id"`
	Totals         Counts    `json:"totals"`
	Municipalities []Counts  `json:"municipalities"`
}

// Counts are one territory's submissions by how far they got.
type Counts struct {
	MunicipalityID *uuid.UUID `json:"municipality_id,omitempty"`
	Name           string     `json:"name,omitempty"`
	Expected       int        `json:"expected"`
	Draft          int        `json:"draft"`
	Submitted      int        `json:"submitted"` // submitted and not yet approved or returned
	OnTime         int        `json:"on_time"`   // of all sent in, those before the closing time
	Late           int        `json:"late"`
	Returned       int        `json:"returned"`
	Approved       int        `json:"approved"`
}

// Consolidation is the sum of every numeric cell over the submissions sent
// in (submitted or approved) of a territory (a municipality, or the region).
type Consolidation struct {
	CampaignID     uuid.UUID          `json:"campaign_id"`
	MunicipalityID *uuid.UUID         `json:"municipality_id,omitempty"`
	Included       int                `json:"included"` // submissions summed
	Cells          []ConsolidatedCell `json:"cells"`
}

// ConsolidatedCell is one cell's total, or the aggregation its definition
// names (over the organisations that filled it, for avg, min and max).
type ConsolidatedCell struct {
	Name      string  `json:"name"`
	Title     string  `json:"title"`
	Aggregate string  `json:"aggregate"` // sum | avg | min | max
	Value     float64 `json:"value"`
	Filled    int     `json:"filled"` // organisations with a number in it
}

// Territory is a municipality's consolidation of a campaign on its way to
// the ministry: its state (none: not sent yet), the totals as sent, and
// how far its organisations' reports got.
type Territory struct {
	CampaignID     uuid.UUID          `json:"campaign_id"`
	MunicipalityID uuid.UUID          `json:"municipality_id"`
	Name           string             `json:"name,omitempty"`
	State          string             `json:"state,omitempty"` // "" | submitted | returned | approved
	Version        int                `json:"version"`
	Expected       int                `json:"expected"`
	Approved       int                `json:"approved"` // organisations' reports approved
	Comment        string             `json:"comment,omitempty"`
	Totals         []ConsolidatedCell `json:"totals,omitempty"` // as sent
	UpdatedAt      *time.Time         `json:"updated_at,omitempty"`
}

// TerritoryRequest is the body of the steps on a territory's
// consolidation: the version seen and a comment (required to return).
type TerritoryRequest struct {
	Version int    `json:"version"`
	Comment string `json:"comment,omitempty"`
}

// TerritoryReview is one step of a territory's consolidation.
type TerritoryReview struct {
	Decision  string    `json:"decision"` // submitted | returned | approved
	Comment   string    `json:"comment,omitempty"`
	Actor     string    `json:"actor"`
	ActorRole string    `json:"actor_role"`
	At        time.Time `json:"at"`
}

// TerritorySteps is one municipality's consolidation with its every step.
type TerritorySteps struct {
	Territory
	Reviews []TerritoryReview `json:"reviews"`
}

// Access is what the caller does with the data collection, as
// collect-report's rules decide it: the portal's sections follow it.
type Access struct {
	Defines  bool `json:"defines"`  // forms and campaigns: the ministry
	Reviews  bool `json:"reviews"`  // reviews organisations' reports: municipalities, the ministry
	Fills    bool `json:"fills"`    // fills its organisation's reports: directors, deputies
	Sends    bool `json:"sends"`    // sends a municipality's consolidation
	Campaign bool `json:"campaign"` // drafts, opens and decides on consolidations: the ministry
}
