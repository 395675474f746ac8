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
}

// SaveRequest is the body of PUT …/submissions/{id}: the values as filled
// (cell name → value as typed) and the version seen.
type SaveRequest struct {
	Values  map[string]string `json:"values"`
	Version int               `json:"version"`
}

// SubmitRequest is the body of POST …/submissions/{id}/submit.
type SubmitRequest struct {
	Version int `json:"version"`
}
