package postgradeapi

import (
	"time"

	"github.com/google/uuid"
)

// PermitRequest is the body of POST /api/post-grade/periods/{id}/permits.
type PermitRequest struct {
	AssignmentID string `json:"assignment_id"`
	Reason       string `json:"reason"`
	Hours        int    `json:"hours"` // how long the permit lasts: 1..168
}

// ConfirmedMark is a pupil's mark for a span in a subject — a term, the year,
// the final — as the journal suggests it and as the teacher confirmed it.
type ConfirmedMark struct {
	StudentID   uuid.UUID  `json:"student_id"`
	Suggested   *float64   `json:"suggested"`
	Value       *int       `json:"value,omitempty"`
	Passed      *bool      `json:"passed,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// TermMark is a pupil's mark for a period: the weighted average suggests, the
// teacher confirms.
type TermMark = ConfirmedMark

// TermMarksRequest confirms term marks of an assignment for a period.
type TermMarksRequest struct {
	PeriodID string        `json:"period_id"`
	Items    []ConfirmItem `json:"items"`
}

// ConfirmItem is a pupil's confirmed term, year or final mark.
type ConfirmItem struct {
	StudentID string `json:"student_id"`
	Value     *int   `json:"value,omitempty"`
	Passed    *bool  `json:"passed,omitempty"`
}

// TermMarksView is GET term-marks: the period asked for (or the one in
// course), the periods of the school in the assignment's year and each
// pupil's suggested and confirmed mark.
type TermMarksView struct {
	Assignment Assignment `json:"assignment"`
	Period     *Period    `json:"period"`
	Periods    []Period   `json:"periods"`
	Items      []TermMark `json:"items"`
	// MayConfirm: the caller may confirm these marks — the assignment's
	// teacher, for a period of the assignment's year.
	MayConfirm bool `json:"may_confirm"`
}

// YearMark is a pupil's year or final mark in a subject: suggested from the
// confirmed term marks (year) or from the year mark and the state final
// attestation's mark in the subject (final), confirmed by the teacher.
type YearMark struct {
	ConfirmedMark
	Kind string `json:"kind"` // year | final
}

// YearMarksView is GET year-marks: each pupil's suggested and confirmed
// year (or final) mark.
type YearMarksView struct {
	Items []YearMark `json:"items"`
	// MayConfirm: the caller may confirm them — the assignment's teacher.
	MayConfirm bool `json:"may_confirm"`
}

// YearMarksRequest confirms year or final marks of an assignment.
type YearMarksRequest struct {
	Kind  string        `json:"kind"`
	Items []ConfirmItem `json:"items"`
}
