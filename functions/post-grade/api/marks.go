package postgradeapi

import (
	"time"

	"github.com/google/uuid"
)

// MarksRequest is the body of POST /api/post-grade/marks: one lesson's marks
// (a whole class at once). An item without mark_id posts a new mark; with
// mark_id and version it changes that mark, or deletes it (delete: true); a
// change or a deletion says why.
type MarksRequest struct {
	LessonID string     `json:"lesson_id"`
	Items    []MarkItem `json:"items"`
}

// MarkItem is one cell of the journal grid.
type MarkItem struct {
	MarkID    string `json:"mark_id,omitempty"`
	Version   int    `json:"version,omitempty"`
	StudentID string `json:"student_id,omitempty"`
	Kind      string `json:"kind,omitempty"`
	Value     *int   `json:"value,omitempty"`  // 1..5
	Passed    *bool  `json:"passed,omitempty"` // pass/fail instead of a value
	Delete    bool   `json:"delete,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Mark is a mark as the API shows it.
type Mark struct {
	ID        uuid.UUID  `json:"id"`
	LessonID  uuid.UUID  `json:"lesson_id"`
	StudentID uuid.UUID  `json:"student_id"`
	Date      string     `json:"date"`
	SubjectID uuid.UUID  `json:"subject_id"`
	Kind      string     `json:"kind"`
	Value     *int       `json:"value,omitempty"`
	Passed    *bool      `json:"passed,omitempty"`
	Version   int        `json:"version"`
	Deleted   bool       `json:"deleted,omitempty"`
	UpdatedAt time.Time  `json:"updated_at"`
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

// HistoryEntry is one change of a mark.
type HistoryEntry struct {
	Version    int       `json:"version"`
	Action     string    `json:"action"` // posted | changed | deleted
	OldValue   *int      `json:"old_value,omitempty"`
	OldPassed  *bool     `json:"old_passed,omitempty"`
	OldKind    string    `json:"old_kind,omitempty"`
	NewValue   *int      `json:"new_value,omitempty"`
	NewPassed  *bool     `json:"new_passed,omitempty"`
	NewKind    string    `json:"new_kind,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	ActorID    *string   `json:"actor_id,omitempty"`
	ActorRole  string    `json:"actor_role"`
	At         time.Time `json:"at"`
	ActorLogin string    `json:"actor_subject"`
	PermitID   *string   `json:"permit_id,omitempty"` // the director's permit of a change in a closed period
}

// AttendanceRequest is the body of POST /api/post-grade/attendance: a
// lesson's absences and lateness; "present" clears a student's record.
type AttendanceRequest struct {
	LessonID string           `json:"lesson_id"`
	Items    []AttendanceItem `json:"items"`
}

// AttendanceItem is one student's attendance of the lesson.
type AttendanceItem struct {
	StudentID string `json:"student_id"`
	Status    string `json:"status"` // present | absent_illness | absent_excused | absent_unexcused | late
}

// JournalView is a lesson's column of the journal: who is on the roster that
// day, their marks and attendance.
type JournalView struct {
	Lesson Lesson `json:"lesson"`
	// OrganisationID is the lesson's school.
	OrganisationID uuid.UUID          `json:"organisation_id"`
	Students       []JournalStudent   `json:"students"`
	Kinds          map[string]float64 `json:"mark_kinds"` // kind → weight
	Statuses       map[string]string  `json:"attendance_statuses"`
	// AttendanceTaken: the teacher has recorded the lesson's attendance
	// (absent pupils, or everyone present).
	AttendanceTaken bool `json:"attendance_taken"`
	// PeriodClosed: the lesson's date lies in a closed academic period.
	PeriodClosed bool `json:"period_closed"`
	// MayEdit: the caller may save the column now — the lesson's teacher,
	// in an open period or under the director's permit.
	MayEdit bool `json:"may_edit"`
	// MayChangeClosedPeriod: the period is closed and the director's permit
	// lets the caller change it for now (what is saved records the permit).
	MayChangeClosedPeriod bool `json:"may_change_closed_period"`
}

// JournalStudent is one row of the journal grid for a lesson.
type JournalStudent struct {
	StudentID  uuid.UUID `json:"student_id"`
	Marks      []Mark    `json:"marks"`
	Attendance string    `json:"attendance"` // present unless recorded otherwise
}

// ColumnRequest is the body of POST /api/post-grade/lessons/{id}/column:
// what changed in a lesson's column since the teacher opened it, saved in one
// transaction — any refused cell refuses the column, and nothing is written.
type ColumnRequest struct {
	// Marks are new marks, and changes and deletions of marks by version.
	Marks []MarkItem `json:"marks,omitempty"`
	// Attendance is the pupils' attendance that differs from what is
	// recorded; saving any takes the lesson's attendance.
	Attendance []AttendanceItem `json:"attendance,omitempty"`
	// TakeAttendance records that attendance was taken when no pupil's
	// differs from what is recorded (everyone was present).
	TakeAttendance bool `json:"take_attendance,omitempty"`
	// Topic is the lesson's new topic, when it changed.
	Topic *string `json:"topic,omitempty"`
}

// ColumnSaved is the answer of a column's save.
type ColumnSaved struct {
	Marks           []Mark `json:"marks"` // as saved, in the order asked
	AttendanceTaken bool   `json:"attendance_taken"`
	Topic           string `json:"topic,omitempty"`
}
