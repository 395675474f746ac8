package postgradeapi

import "github.com/google/uuid"

// Aggregate is the journal over a span — of a school, one of its classes or
// subjects, or a municipality's schools together — without any pupil's data: how much was taught and
// recorded, the average mark and the attendance rate.
type Aggregate struct {
	OrganisationID           *uuid.UUID `json:"organisation_id,omitempty"` // all but by=municipality
	MunicipalityID           *uuid.UUID `json:"municipality_id,omitempty"` // by=municipality
	ClassID                  *uuid.UUID `json:"class_id,omitempty"`        // by=class
	SubjectID                *uuid.UUID `json:"subject_id,omitempty"`      // by=subject
	Lessons                  int        `json:"lessons"`
	LessonsWithoutAttendance int        `json:"lessons_without_attendance"` // journal completeness: attendance never taken
	Marks                    int        `json:"marks"`
	Average                  *float64   `json:"average"` // weighted by the kinds' weights
	Absences                 int        `json:"absences"`
	AttendanceRate           *float64   `json:"attendance_rate"` // 1 − absences / pupils on the roster, over the lessons with attendance taken
}

// Aggregates is GET aggregates: the span, the slicing and the rows.
type Aggregates struct {
	From  string      `json:"from"`
	To    string      `json:"to"`
	By    string      `json:"by"`
	Items []Aggregate `json:"items"`
}
