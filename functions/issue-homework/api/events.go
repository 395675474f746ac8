package issuehomeworkapi

import (
	"time"

	"github.com/google/uuid"
)

// Events issue-homework produces. Their data carry identifiers and the
// homework's own words, never a pupil's work or files.
const (
	EventIssued    = "ru.kuzbass.eko.homework.issued.v1"
	EventChanged   = "ru.kuzbass.eko.homework.changed.v1"
	EventCancelled = "ru.kuzbass.eko.homework.cancelled.v1"
	// EventReviewed is the teacher's review of a submission: post-grade
	// places (or changes) the mark of that pupil for that homework.
	EventReviewed = "ru.kuzbass.eko.homework.reviewed.v1"
	// EventWorkChanged is the state of a pupil's work after each step (the
	// diary shows it); the newest version wins.
	EventWorkChanged = "ru.kuzbass.eko.homework-work.changed.v1"
)

// WorkEvent is the data of homework-work.changed: a pupil's work on a
// homework as it stands after a step, with the latest accepted mark.
type WorkEvent struct {
	HomeworkID uuid.UUID `json:"homework_id"`
	PupilID    uuid.UUID `json:"pupil_id"`
	State      string    `json:"state"`
	Attempt    int       `json:"attempt"`
	Late       bool      `json:"late"`
	Mark       *int      `json:"mark,omitempty"`
	Version    int       `json:"version"`
	ChangedAt  time.Time `json:"changed_at"`
}

// HomeworkEvent is the data of homework.issued, homework.changed and
// homework.cancelled: the homework as it stands after the change.
type HomeworkEvent struct {
	HomeworkID         uuid.UUID   `json:"homework_id"`
	OrganisationID     uuid.UUID   `json:"organisation_id"`
	ClassID            uuid.UUID   `json:"class_id"`
	SubjectID          uuid.UUID   `json:"subject_id"`
	TeacherID          uuid.UUID   `json:"teacher_id"`
	LessonID           uuid.UUID   `json:"lesson_id"`
	LessonDate         string      `json:"lesson_date"`
	Text               string      `json:"text"`
	DueAt              time.Time   `json:"due_at"`
	SubmissionExpected bool        `json:"submission_expected"`
	Marked             bool        `json:"marked"`
	MarkKind           string      `json:"mark_kind,omitempty"`
	Pupils             []uuid.UUID `json:"pupils"`
	Status             string      `json:"status"`
	Version            int         `json:"version"`
}

// ReviewedEvent is the data of homework.reviewed. A re-review of an accepted
// submission carries the new mark; the journal changes the mark it placed
// for the same homework and pupil (with the reason «повторная проверка»).
type ReviewedEvent struct {
	ReviewID     uuid.UUID `json:"review_id"`
	HomeworkID   uuid.UUID `json:"homework_id"`
	SubmissionID uuid.UUID `json:"submission_id"`
	PupilID      uuid.UUID `json:"pupil_id"`
	LessonID     uuid.UUID `json:"lesson_id"`
	Attempt      int       `json:"attempt"`
	Decision     string    `json:"decision"`
	Mark         *int      `json:"mark,omitempty"`
	MarkKind     string    `json:"mark_kind,omitempty"`
	ReviewerID   uuid.UUID `json:"reviewer_id"`
	ReviewedAt   time.Time `json:"reviewed_at"`
}
