package postgradeapi

import "github.com/google/uuid"

// DiaryView is a student's diary for a span of days.
type DiaryView struct {
	StudentID uuid.UUID      `json:"student_id"`
	From      string         `json:"from"`
	To        string         `json:"to"`
	Days      []DiaryDay     `json:"days"`
	Subjects  []SubjectTrend `json:"subjects"`
}

// DiaryDay is one day's lessons.
type DiaryDay struct {
	Date    string        `json:"date"`
	Lessons []DiaryLesson `json:"lessons"`
}

// DiaryLesson is a lesson as the student's diary shows it.
type DiaryLesson struct {
	LessonID   uuid.UUID `json:"lesson_id"`
	No         int       `json:"no"`
	Subject    string    `json:"subject"`
	SubjectID  uuid.UUID `json:"subject_id"`
	Topic      string    `json:"topic,omitempty"`
	Homework   string    `json:"homework,omitempty"`
	Marks      []Mark    `json:"marks"`
	Attendance string    `json:"attendance"`
}

// SubjectTrend is a subject's weighted average over the span and over the
// span of the same length before it.
type SubjectTrend struct {
	SubjectID uuid.UUID `json:"subject_id"`
	Subject   string    `json:"subject"`
	Average   *float64  `json:"average"`          // weighted by the kinds' weights; null without marks
	Previous  *float64  `json:"previous_average"` // the span before
	Trend     string    `json:"trend"`            // up | down | flat | unknown
	Marks     int       `json:"marks"`
}

// ExamResult is one exam of a pupil or an applicant.
type ExamResult struct {
	StudentID      uuid.UUID `json:"student_id"`
	OrganisationID uuid.UUID `json:"organisation_id"`
	Kind           string    `json:"kind"`
	Subject        string    `json:"subject"`
	Date           string    `json:"date"`
	Score          *int      `json:"score,omitempty"`
	Mark           *int      `json:"mark,omitempty"`
}
