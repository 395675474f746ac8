package guardianshipapi

import (
	"time"

	"github.com/google/uuid"
)

// Task kinds: what a signal about a ward asks the official to do.
const (
	TaskAbsence    = "absence"     // the journal's chronic absence
	TaskLeftSchool = "left_school" // an enrollment ended and no new one followed
	TaskLowMarks   = "low_marks"   // term marks at or below the threshold in a period
)

// TaskTitles name the task kinds for people.
var TaskTitles = map[string]string{TaskAbsence: "систематические пропуски занятий", TaskLeftSchool: "выбыл из организации, нового зачисления нет",
	TaskLowMarks: "неудовлетворительные отметки за период"}

// Task states.
const (
	TaskOpen = "open"
	TaskDone = "done"
)

// Task is a signal about a ward that waits for the official, by its deadline.
type Task struct {
	ID       int64      `json:"id"`
	ChildID  uuid.UUID  `json:"child_id"`
	Kind     string     `json:"kind"`
	State    string     `json:"state"`
	DueOn    string     `json:"due_on"` // YYYY-MM-DD
	OpenedAt time.Time  `json:"opened_at"`
	Details  string     `json:"details,omitempty"` // the signal's numbers, in words
	DoneAt   *time.Time `json:"done_at,omitempty"`
	DoneBy   string     `json:"done_by,omitempty"`
	Outcome  string     `json:"outcome,omitempty"`
	// Subjects are a «low marks» task's subjects (post-grade's ids).
	Subjects []uuid.UUID `json:"subjects,omitempty"`
}

// Note kinds.
const (
	NoteCase  = "note"  // a case note
	NoteVisit = "visit" // a visit to the ward's home
)

// Note is a case note or a visit's record.
type Note struct {
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	VisitedOn string    `json:"visited_on,omitempty"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// NoteRequest is the body of POST /api/guardianship/wards/{id}/notes.
type NoteRequest struct {
	Kind      string `json:"kind"`
	Text      string `json:"text"`
	VisitedOn string `json:"visited_on,omitempty"` // a visit's date, YYYY-MM-DD
}

// DoneRequest is the body of POST /api/guardianship/tasks/{id}/done.
type DoneRequest struct {
	Outcome string `json:"outcome"`
}

// WardFile is one ward's file as the official sees it: who (the child's
// name, birth date, where the child studies), the tasks and the notes.
type WardFile struct {
	ChildID   uuid.UUID `json:"child_id"`
	FullName  string    `json:"full_name"`
	BirthDate string    `json:"birth_date"`
	Studies   []string  `json:"studies"` // «МБОУ «СОШ № 1», 6А»
	Kind      string    `json:"kind"`    // guardian | foster | institution
	Tasks     []Task    `json:"tasks"`
	Notes     []Note    `json:"notes"`
	// Enrollments are where the ward studied and studies, as the registry
	// announced them, the latest first.
	Enrollments []Enrollment `json:"enrollments"`
}

// Enrollment is one of a ward's enrollments: the organisation (the
// registry's id; its card is public), from when, until when.
type Enrollment struct {
	OrganisationID uuid.UUID `json:"organisation_id"`
	StartsOn       string    `json:"starts_on"`
	EndsOn         string    `json:"ends_on,omitempty"`
}

// WardLine is a ward in the official's list.
type WardLine struct {
	ChildID   uuid.UUID `json:"child_id"`
	FullName  string    `json:"full_name"`
	BirthDate string    `json:"birth_date"`
	Studies   []string  `json:"studies"`
	OpenTasks int       `json:"open_tasks"`
	NextDue   string    `json:"next_due,omitempty"`
}

// Access is what the caller does here.
type Access struct {
	Wards bool `json:"wards"` // a guardianship official: the municipality's wards
}
