package issuehomeworkapi

import (
	"time"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/storage"
)

// Homework is a task the lesson's teacher issued for the class or for chosen
// pupils: what GET …/homework/{id} returns.
type Homework struct {
	ID             uuid.UUID `json:"id"`
	OrganisationID uuid.UUID `json:"organisation_id"`
	ClassID        uuid.UUID `json:"class_id"`
	SubjectID      uuid.UUID `json:"subject_id"`
	TeacherID      uuid.UUID `json:"teacher_id"`
	// LessonID is the lesson the homework is for (its due lesson): a mark
	// given for it stands in that lesson's column of the journal.
	LessonID   uuid.UUID `json:"lesson_id"`
	LessonDate string    `json:"lesson_date"`
	// Text is plain text: line breaks kept, links shown as links, nothing
	// else interpreted.
	Text string `json:"text"`
	// DueAt is when the work is due; CutoffAt, when set, the last moment a
	// late submission is still taken.
	DueAt              time.Time  `json:"due_at"`
	CutoffAt           *time.Time `json:"cutoff_at,omitempty"`
	SubmissionExpected bool       `json:"submission_expected"`
	Marked             bool       `json:"marked"`
	MarkKind           string     `json:"mark_kind,omitempty"`
	// Pupils are the pupils an individual task is for; empty: the class.
	Pupils    []uuid.UUID `json:"pupils"`
	Files     []File      `json:"files"`
	Status    string      `json:"status"` // issued | cancelled
	Version   int         `json:"version"`
	IssuedAt  time.Time   `json:"issued_at"`
	ChangedAt time.Time   `json:"changed_at"`
	// MayEdit: the caller may change or cancel it now (its teacher, before
	// the due time).
	MayEdit bool `json:"may_edit"`
	// Submission is the caller's own work on it (a pupil), or, for a parent,
	// the child's.
	Submission *Submission `json:"submission,omitempty"`
}

// HomeworkRequest is the body of POST /api/issue-homework/homework (issue)
// and of PATCH …/homework/{id} (change, with Version).
type HomeworkRequest struct {
	LessonID string `json:"lesson_id,omitempty"` // issue only
	Text     string `json:"text"`
	// DueAt and CutoffAt: RFC 3339, or "YYYY-MM-DDTHH:MM" in Kemerovo time.
	DueAt              string   `json:"due_at"`
	CutoffAt           string   `json:"cutoff_at,omitempty"`
	SubmissionExpected *bool    `json:"submission_expected,omitempty"` // default true
	Marked             *bool    `json:"marked,omitempty"`              // default false
	MarkKind           string   `json:"mark_kind,omitempty"`           // default homework when marked
	Pupils             []string `json:"pupils,omitempty"`
	Version            int      `json:"version,omitempty"` // change only: the version the teacher saw
}

// CancelRequest is the body of POST …/homework/{id}/cancel.
type CancelRequest struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

// File is a file of a homework (the teacher's) or of a submission (the
// pupil's), as storage.File describes it.
type File = storage.File

// UploadRequest is the body of POST …/homework/{id}/files (the teacher's
// attachment) and of POST …/homework/{id}/submission/files (the pupil's).
type UploadRequest = storage.UploadRequest

// UploadTicket lets the browser put one file straight into the object
// store; then POST …/files/{file_id}/confirm.
type UploadTicket = storage.UploadTicket

// Download is a short-lived link to a file, signed after the access check
// (it saves the file as an attachment under its name).
type Download = storage.Download

// Submission states.
const (
	Assigned  = "assigned"  // nothing saved yet
	Draft     = "draft"     // saved, not submitted (or taken back)
	Submitted = "submitted" // submitted, waiting for review (Attempt > 1: resubmitted)
	Returned  = "returned"  // returned by the teacher for rework
	Accepted  = "accepted"  // accepted, with a mark or without one
)

// SubmissionStates name the states for people.
var SubmissionStates = map[string]string{
	Assigned:  "задано",
	Draft:     "черновик",
	Submitted: "сдано",
	Returned:  "возвращено на доработку",
	Accepted:  "принято",
}

// Submission is one pupil's work on one homework.
type Submission struct {
	ID         uuid.UUID `json:"id"`
	HomeworkID uuid.UUID `json:"homework_id"`
	PupilID    uuid.UUID `json:"pupil_id"`
	State      string    `json:"state"`
	StateTitle string    `json:"state_title"`
	// Attempt counts the submissions made; 0 while never submitted.
	Attempt   int       `json:"attempt"`
	Text      string    `json:"text"`
	Files     []File    `json:"files"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
	// Late: the latest attempt was received after the due time.
	Late bool `json:"late"`
	// Receipts are the attempts made, newest first.
	Receipts []Receipt `json:"receipts"`
	Reviews  []Review  `json:"reviews"`
}

// Receipt is the proof of one submission: the server's time of receipt and
// the SHA-256 of every file, shown to the pupil and the parents.
type Receipt struct {
	Attempt     int           `json:"attempt"`
	ReceivedAt  time.Time     `json:"received_at"`
	Late        bool          `json:"late"`
	Files       []ReceiptFile `json:"files"`
	TakenBackAt *time.Time    `json:"taken_back_at,omitempty"`
}

// ReceiptFile is a file as received.
type ReceiptFile struct {
	ID     uuid.UUID `json:"id"`
	Name   string    `json:"name"`
	Size   int64     `json:"size"`
	SHA256 string    `json:"sha256"`
}

// DraftRequest is the body of PUT …/homework/{id}/submission: the text of
// the work (files are uploaded apart).
type DraftRequest struct {
	Text    string `json:"text"`
	Version int    `json:"version"` // 0 for the first save
}

// SubmitRequest is the body of POST …/submission/submit and …/take-back.
type SubmitRequest struct {
	Version int `json:"version"`
}

// Review decisions.
const (
	Return = "returned" // returned for rework, with a comment
	Accept = "accepted" // accepted, with a mark when the homework is marked
)

// ReviewRequest is the body of POST /api/issue-homework/submissions/{id}/review.
type ReviewRequest struct {
	Decision string `json:"decision"` // returned | accepted
	Mark     *int   `json:"mark,omitempty"`
	Comment  string `json:"comment,omitempty"`
	Version  int    `json:"version"` // the submission's version the teacher saw
}

// Journal states of a review's mark.
const (
	JournalNone     = "none"     // no mark to place
	JournalPending  = "pending"  // sent to the journal, not yet reported
	JournalPlaced   = "placed"   // in the journal
	JournalDeferred = "deferred" // the lesson's period is closed: placed once a permit opens it
	// JournalSuperseded: a later review of the same work reached the journal
	// first; its mark stands there instead.
	JournalSuperseded = "superseded"
)

// JournalTitles say where a review's mark stands, for people.
var JournalTitles = map[string]string{
	JournalPending:    "выставляется в журнал",
	JournalPlaced:     "выставлено в журнал",
	JournalDeferred:   "не выставлено в журнал: период закрыт",
	JournalSuperseded: "в журнале оценка более поздней проверки",
}

// Review is one decision of the teacher on an attempt.
type Review struct {
	ID           uuid.UUID `json:"id"`
	Attempt      int       `json:"attempt"`
	Decision     string    `json:"decision"`
	Mark         *int      `json:"mark,omitempty"`
	Comment      string    `json:"comment,omitempty"`
	ReviewedAt   time.Time `json:"reviewed_at"`
	Journal      string    `json:"journal"`
	JournalTitle string    `json:"journal_title,omitempty"`
}

// ClassWork is a homework's submissions for its teacher: every pupil it is
// for, including those who have not submitted.
type ClassWork struct {
	Homework Homework     `json:"homework"`
	Pupils   []Submission `json:"pupils"`
}

// Access is what the caller may open of homework, as issue-homework's rules
// decide it from the caller's grants: the portal's navigation renders it.
type Access struct {
	// Issues: the caller teaches, and issues and reviews homework of own lessons.
	Issues bool `json:"issues"`
	// Pupils are the persons whose homework the caller follows: oneself (a
	// pupil), the children (a parent).
	Pupils []uuid.UUID `json:"pupils"`
}
