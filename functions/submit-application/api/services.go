package submitapplicationapi

import (
	"time"

	"github.com/google/uuid"
)

// Programme is an additional-education programme with its age limits and
// capacity: how many children may be enrolled at once.
type Programme struct {
	ID             uuid.UUID `json:"id"`
	OrganisationID uuid.UUID `json:"organisation_id"`
	MunicipalityID uuid.UUID `json:"municipality_id"`
	Name           string    `json:"name"`
	AgeFrom        int       `json:"age_from"`
	AgeTo          int       `json:"age_to"`
	Capacity       *int      `json:"capacity"` // null: no limit
	Status         string    `json:"status"`   // open | closed
	Enrolled       int       `json:"enrolled"`
	FreePlaces     *int      `json:"free_places"` // null: no limit
}

// ProgrammeRequest creates a programme (every field but status) or changes one
// (only the fields given).
type ProgrammeRequest struct {
	OrganisationID string  `json:"organisation_id,omitempty"`
	Name           *string `json:"name,omitempty"`
	AgeFrom        *int    `json:"age_from,omitempty"`
	AgeTo          *int    `json:"age_to,omitempty"`
	Capacity       *int    `json:"capacity,omitempty"`
	Status         *string `json:"status,omitempty"`
}

// Certificate is the registration certificate of additional education
// («сертификат учёта»): one per child aged 5 to 18, valid until the 18th birthday.
type Certificate struct {
	ID         uuid.UUID `json:"id"`
	Number     string    `json:"number"`
	ChildID    uuid.UUID `json:"child_id"`
	IssuedAt   time.Time `json:"issued_at"`
	ValidUntil string    `json:"valid_until"`
}

// CertificateRequest is the body of POST /api/submit-application/certificates.
type CertificateRequest struct {
	ChildID string `json:"child_id"`
}

// WindowView is a first-grade enrollment window as the API shows it.
type WindowView struct {
	ID             uuid.UUID  `json:"id"`
	AcademicYear   int        `json:"academic_year"`
	MunicipalityID *uuid.UUID `json:"municipality_id"` // null: the region-wide default
	WindowNo       int        `json:"window_no"`
	OpensAt        time.Time  `json:"opens_at"`
	ClosesAt       time.Time  `json:"closes_at"`
}

// WindowRequest is the body of PUT /api/submit-application/windows: one window
// of one academic year, region-wide (municipality_id omitted, the ministry) or
// of one municipality (its education authority).
type WindowRequest struct {
	AcademicYear   int     `json:"academic_year"`
	MunicipalityID *string `json:"municipality_id,omitempty"`
	WindowNo       int     `json:"window_no"`
	OpensAt        string  `json:"opens_at"`  // RFC 3339
	ClosesAt       string  `json:"closes_at"` // RFC 3339
}

// Statistics is the service accounting of a period: how many applications
// were received, by service, status, channel, municipality and day or month,
// and whether they were decided within their deadlines. It holds no personal
// data.
type Statistics struct {
	From       string           `json:"from"` // YYYY-MM-DD, Kemerovo date, inclusive
	To         string           `json:"to"`   // inclusive
	Period     string           `json:"period"`
	Counts     []StatisticsRow  `json:"counts"`
	Compliance []ComplianceRow  `json:"compliance"`
	Totals     StatisticsTotals `json:"totals"`
}

// StatisticsRow counts the applications of one group.
type StatisticsRow struct {
	Period         string    `json:"period"` // YYYY-MM-DD (day) or YYYY-MM (month)
	Service        Service   `json:"service"`
	Status         Status    `json:"status"`
	Channel        string    `json:"channel"`
	MunicipalityID uuid.UUID `json:"municipality_id"`
	Count          int       `json:"count"`
}

// ComplianceRow is the deadline compliance of one service in one municipality.
type ComplianceRow struct {
	Service        Service   `json:"service"`
	MunicipalityID uuid.UUID `json:"municipality_id"`
	DecidedInTime  int       `json:"decided_in_time"`
	DecidedLate    int       `json:"decided_late"`
	OpenOverdue    int       `json:"open_overdue"` // undecided and past the deadline now
	OpenInTime     int       `json:"open_in_time"` // undecided, the deadline still ahead
	Closed         int       `json:"closed"`       // withdrawn or archived before a decision
}

// StatisticsTotals sums the rows.
type StatisticsTotals struct {
	Applications  int `json:"applications"`
	DecidedInTime int `json:"decided_in_time"`
	DecidedLate   int `json:"decided_late"`
	OpenOverdue   int `json:"open_overdue"`
}

// FirstGradePlaces is a school's first grade of an academic year as the
// public sees it: the planned places, the applications in the ranked list,
// those enrolled, and the places still free.
type FirstGradePlaces struct {
	OrganisationID uuid.UUID `json:"organisation_id"`
	MunicipalityID uuid.UUID `json:"municipality_id"`
	AcademicYear   int       `json:"academic_year"`
	Places         int       `json:"places"`
	Applications   int       `json:"applications"` // in the ranked list, not yet enrolled
	Enrolled       int       `json:"enrolled"`
	Free           int       `json:"free"` // places − enrolled, never below 0
}

// FirstGradePlacesRequest is the body of PUT /api/submit-application/first-grade/places.
type FirstGradePlacesRequest struct {
	OrganisationID uuid.UUID `json:"organisation_id"`
	AcademicYear   int       `json:"academic_year"`
	Places         int       `json:"places"`
}
