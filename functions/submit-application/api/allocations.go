package submitapplicationapi

import (
	"time"

	"github.com/google/uuid"
)

// AllocationRequest is the body of POST /api/submit-application/allocations.
type AllocationRequest struct {
	MunicipalityID string       `json:"municipality_id"`
	StartDate      string       `json:"start_date"`    // YYYY-MM-DD: applications wishing to start by then take part
	ResponseDays   int          `json:"response_days"` // days a parent has to answer a direction (1..90)
	Places         []PlaceOffer `json:"places"`
}

// AllocationChange is the optional body of POST …/allocations/{id}/recompute:
// what to change before recomputing (absent: keep).
type AllocationChange struct {
	StartDate    *string       `json:"start_date,omitempty"`
	ResponseDays *int          `json:"response_days,omitempty"`
	Places       *[]PlaceOffer `json:"places,omitempty"`
}

// PlaceOffer is the number of free places in one kindergarten for one age band
// and group type.
type PlaceOffer struct {
	KindergartenID string `json:"kindergarten_id"`
	AgeBand        *int   `json:"age_band"`
	GroupType      string `json:"group_type"`
	Places         *int   `json:"places"`
}

// AllocationView is an allocation run with a page of its results.
type AllocationView struct {
	ID             uuid.UUID  `json:"id"`
	MunicipalityID uuid.UUID  `json:"municipality_id"`
	StartDate      string     `json:"start_date"`
	ResponseDays   int        `json:"response_days"`
	Status         string     `json:"status"` // draft | confirmed
	CreatedAt      time.Time  `json:"created_at"`
	ComputedAt     *time.Time `json:"computed_at,omitempty"`
	Computations   int        `json:"computations"`
	Considered     int        `json:"considered"`
	Directed       int        `json:"directed"`
	PlacesOffered  int        `json:"places_offered"`
	// Digest identifies the draft: the same inputs give the same digest.
	Digest      string                      `json:"digest"`
	ConfirmedAt *time.Time                  `json:"confirmed_at,omitempty"`
	Results     *Page[AllocationResultView] `json:"results,omitempty"`
	// MayConfirm: the caller may recompute and confirm this draft — the
	// authority of its municipality (in the answer about one run).
	MayConfirm bool `json:"may_confirm"`
}

// AllocationResultView is the outcome for one application, explained.
type AllocationResultView struct {
	Ordinal        int                `json:"ordinal"` // order of allocation (queue order across the municipality)
	ApplicationID  uuid.UUID          `json:"application_id"`
	Number         string             `json:"number"`
	Outcome        string             `json:"outcome"` // directed | not_directed
	KindergartenID *uuid.UUID         `json:"kindergarten_id,omitempty"`
	Preference     *int               `json:"preference,omitempty"`
	AgeBand        int                `json:"age_band"`
	GroupType      string             `json:"group_type"`
	Privilege      string             `json:"privilege,omitempty"`
	Preferences    []PreferenceResult `json:"preferences"`
	Explanation    string             `json:"explanation"`
}

// PreferenceResult says why one preference was or was not given.
type PreferenceResult struct {
	KindergartenID uuid.UUID `json:"kindergarten_id"`
	Preference     int       `json:"preference"`
	Result         string    `json:"result"` // directed | no_places | taken
	PlacesOffered  int       `json:"places_offered"`
}
