package postgradeapi

import (
	"time"

	"github.com/google/uuid"
)

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
	LessonID  uuid.UUID `json:"lesson_id"`
	No        int       `json:"no"`
	Subject   string    `json:"subject"`
	SubjectID uuid.UUID `json:"subject_id"`
	Topic     string    `json:"topic,omitempty"`
	Homework  string    `json:"homework,omitempty"`
	// Tasks are the homework issued in electronic form for the lesson (due
	// by it), with the pupil's work on each.
	Tasks      []HomeworkTask `json:"homework_tasks,omitempty"`
	Marks      []Mark         `json:"marks"`
	Attendance string         `json:"attendance"`
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

// HomeworkTask is homework issued for a lesson, as the pupil's diary shows it.
type HomeworkTask struct {
	HomeworkID         uuid.UUID `json:"homework_id"`
	Text               string    `json:"text"`
	DueAt              time.Time `json:"due_at"`
	SubmissionExpected bool      `json:"submission_expected"`
	Marked             bool      `json:"marked"`
	// State is the pupil's work: assigned, draft, submitted, returned or
	// accepted (issue-homework's words), with its title.
	State      string `json:"state"`
	StateTitle string `json:"state_title"`
	Late       bool   `json:"late,omitempty"`
	Mark       *int   `json:"mark,omitempty"`
}
