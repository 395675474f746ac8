package postgradeapi

// Events the journal produces. Their data carry identifiers and marks, never
// names or other personal data.
const (
	EventGradePosted      = "ru.kuzbass.eko.grade.posted.v1"
	EventGradeChanged     = "ru.kuzbass.eko.grade.changed.v1"
	EventGradeDeleted     = "ru.kuzbass.eko.grade.deleted.v1"
	EventAttendanceMarked = "ru.kuzbass.eko.attendance.marked.v1"
	// EventTermMarkConfirmed: the teacher confirmed a pupil's mark for a period.
	EventTermMarkConfirmed = "ru.kuzbass.eko.term-mark.confirmed.v1"
	// EventAbsenceChronic: a pupil's absences in a period passed the threshold
	// (a signal for the class teacher and, later, the KDN module).
	EventAbsenceChronic = "ru.kuzbass.eko.absence.chronic.v1"
)

// GradeEvent is the data of grade.posted, grade.changed and grade.deleted.
type GradeEvent struct {
	MarkID         string `json:"mark_id"`
	LessonID       string `json:"lesson_id"`
	StudentID      string `json:"student_id"`
	ClassID        string `json:"class_id"`
	SubjectID      string `json:"subject_id"`
	Date           string `json:"date"`
	Kind           string `json:"kind"`
	Value          *int   `json:"value,omitempty"`
	Passed         *bool  `json:"passed,omitempty"`
	PreviousValue  *int   `json:"previous_value,omitempty"`
	PreviousPassed *bool  `json:"previous_passed,omitempty"`
	Version        int    `json:"version"`
	Reason         string `json:"reason,omitempty"`
	ChangedAt      string `json:"changed_at"`
}

// AttendanceEvent is the data of attendance.marked.
type AttendanceEvent struct {
	LessonID  string `json:"lesson_id"`
	StudentID string `json:"student_id"`
	ClassID   string `json:"class_id"`
	SubjectID string `json:"subject_id"`
	Date      string `json:"date"`
	Status    string `json:"status"`
	MarkedAt  string `json:"marked_at"`
}

// AbsenceEvent is the data of absence.chronic.
type AbsenceEvent struct {
	StudentID      string  `json:"student_id"`
	ClassID        string  `json:"class_id"`
	OrganisationID string  `json:"organisation_id"`
	PeriodID       string  `json:"period_id,omitempty"`
	From           string  `json:"from"`
	To             string  `json:"to"`
	Absences       int     `json:"absences"`
	Unexcused      int     `json:"unexcused"`
	Lessons        int     `json:"lessons"`
	Threshold      float64 `json:"threshold"`
}

// TermMarkEvent is the data of term-mark.confirmed.
type TermMarkEvent struct {
	StudentID   string   `json:"student_id"`
	SubjectID   string   `json:"subject_id"`
	ClassID     string   `json:"class_id"`
	PeriodID    string   `json:"period_id"`
	Value       *int     `json:"value,omitempty"`
	Passed      *bool    `json:"passed,omitempty"`
	Suggested   *float64 `json:"suggested,omitempty"`
	ConfirmedAt string   `json:"confirmed_at"`
}
