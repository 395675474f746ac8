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
	// EventAbsenceStreak: a pupil missed every lesson of several school days
	// in a row without a valid reason (a signal for the KDN module).
	EventAbsenceStreak = "ru.kuzbass.eko.absence.streak.v1"
	// EventYearMarkConfirmed: the teacher confirmed a pupil's year or final
	// mark in a subject (the portfolio's «отличник» is built from them).
	EventYearMarkConfirmed = "ru.kuzbass.eko.year-mark.confirmed.v1"
	// EventExamResultRecorded: a state exam's (ОГЭ, ЕГЭ, ГВЭ) or an entrance
	// test's result was loaded or corrected.
	EventExamResultRecorded = "ru.kuzbass.eko.exam-result.recorded.v1"
)

// YearMarkEvent is the data of year-mark.confirmed.
type YearMarkEvent struct {
	StudentID      string `json:"student_id"`
	SubjectID      string `json:"subject_id"`
	ClassID        string `json:"class_id"`
	OrganisationID string `json:"organisation_id"`
	AcademicYear   int    `json:"academic_year"`
	Kind           string `json:"kind"` // year | final
	Value          *int   `json:"value,omitempty"`
	Passed         *bool  `json:"passed,omitempty"`
	ConfirmedAt    string `json:"confirmed_at"`
}

// ExamResultEvent is the data of exam-result.recorded: the result as it
// stands now (a corrected one is recorded again).
type ExamResultEvent struct {
	StudentID      string `json:"student_id"`
	OrganisationID string `json:"organisation_id"`
	Kind           string `json:"kind"` // oge | ege | gve | entrance
	Subject        string `json:"subject"`
	Date           string `json:"date"`
	Score          *int   `json:"score,omitempty"`
	Mark           *int   `json:"mark,omitempty"`
	RecordedAt     string `json:"recorded_at"`
}

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

// AbsenceStreakEvent is the data of absence.streak: the school days (days
// with the class's lessons) From…To, Days of them, on each of which the
// pupil was absent without a valid reason from every lesson marked.
type AbsenceStreakEvent struct {
	StudentID      string `json:"student_id"`
	ClassID        string `json:"class_id"`
	OrganisationID string `json:"organisation_id"`
	From           string `json:"from"`
	To             string `json:"to"`
	Days           int    `json:"days"`
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
