package postgradeapi

import (
	"time"

	"github.com/google/uuid"
)

// Subject is a school subject of the regional catalogue.
type Subject struct {
	ID   uuid.UUID `json:"id"`
	Code string    `json:"code"`
	Name string    `json:"name"`
}

// Period is an academic period of a school.
type Period struct {
	ID             uuid.UUID  `json:"id"`
	OrganisationID uuid.UUID  `json:"organisation_id"`
	AcademicYear   int        `json:"academic_year"`
	Kind           string     `json:"kind"`
	No             int        `json:"no"`
	StartsOn       string     `json:"starts_on"`
	EndsOn         string     `json:"ends_on"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
}

// PeriodsRequest sets a school's periods of a year: quarters (4), trimesters
// (3) or semesters (2), in order, not overlapping.
type PeriodsRequest struct {
	OrganisationID string `json:"organisation_id"`
	AcademicYear   int    `json:"academic_year"`
	Kind           string `json:"kind"`
	Periods        []struct {
		StartsOn string `json:"starts_on"`
		EndsOn   string `json:"ends_on"`
	} `json:"periods"`
}

// Assignment is a teacher teaching a subject to a class for a year.
type Assignment struct {
	ID             uuid.UUID `json:"id"`
	OrganisationID uuid.UUID `json:"organisation_id"`
	AcademicYear   int       `json:"academic_year"`
	TeacherID      uuid.UUID `json:"teacher_id"`
	ClassID        uuid.UUID `json:"class_id"`
	SubjectID      uuid.UUID `json:"subject_id"`
}

// AssignmentRequest is the body of POST /api/post-grade/assignments.
type AssignmentRequest struct {
	OrganisationID string `json:"organisation_id"`
	AcademicYear   int    `json:"academic_year"`
	TeacherID      string `json:"teacher_id"`
	ClassID        string `json:"class_id"`
	SubjectID      string `json:"subject_id"`
}

// TimetableRequest generates an assignment's lessons: every weekday listed
// (1 = Monday … 6 = Saturday) between from and to, at lesson number no.
type TimetableRequest struct {
	Weekdays []int  `json:"weekdays"`
	LessonNo int    `json:"lesson_no"`
	From     string `json:"from"`
	To       string `json:"to"`
}

// Lesson is one lesson of the journal.
type Lesson struct {
	ID           uuid.UUID `json:"id"`
	AssignmentID uuid.UUID `json:"assignment_id"`
	ClassID      uuid.UUID `json:"class_id"`
	SubjectID    uuid.UUID `json:"subject_id"`
	TeacherID    uuid.UUID `json:"teacher_id"`
	Date         string    `json:"date"`
	No           int       `json:"no"`
	Topic        string    `json:"topic,omitempty"`
	Homework     string    `json:"homework,omitempty"`
}

// TopicRequest is the body of PATCH /api/post-grade/lessons/{id}.
type TopicRequest struct {
	Topic    *string `json:"topic,omitempty"`
	Homework *string `json:"homework,omitempty"`
}

// TeacherLesson is a lesson in a teacher's day, with what the journal needs.
type TeacherLesson struct {
	Lesson
	Subject        string    `json:"subject"`
	OrganisationID uuid.UUID `json:"organisation_id"`
}

// ClassAssignment is a subject taught to a class, with the subject's name.
type ClassAssignment struct {
	Assignment
	Subject string `json:"subject"`
}

// ClassJournal is GET /api/post-grade/classes/{id}/assignments: the class's
// school and what is taught to it in an academic year.
type ClassJournal struct {
	ClassID        uuid.UUID         `json:"class_id"`
	OrganisationID uuid.UUID         `json:"organisation_id"`
	AcademicYear   int               `json:"academic_year"`
	Items          []ClassAssignment `json:"items"`
}

// GridView is an assignment's journal over a span: pupils × lessons.
type GridView struct {
	Assignment Assignment        `json:"assignment"`
	From       string            `json:"from"`
	To         string            `json:"to"`
	Lessons    []Lesson          `json:"lessons"`
	Pupils     []uuid.UUID       `json:"pupils"`
	Marks      map[string][]Mark `json:"marks"`      // "student/lesson" → marks
	Attendance map[string]string `json:"attendance"` // "student/lesson" → status, absent or late only
}

// TeacherDay is GET /api/post-grade/lessons: the caller's lessons of a day.
type TeacherDay struct {
	Date  string          `json:"date"`
	Items []TeacherLesson `json:"items"`
	// Today is set when no day was asked for and today has no lessons of
	// the caller's: Date is then the caller's last day with lessons before it.
	Today string `json:"today,omitempty"`
}
