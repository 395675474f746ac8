package postgradeapi

import (
	"time"

	"github.com/google/uuid"
)

// EventHomeworkMarkRecorded says where the mark of a homework review stands
// in the journal: placed (the mark of that pupil for that homework), or
// deferred because the lesson's period is closed (placed once the director's
// permit opens it, when the event comes again, placed).
const EventHomeworkMarkRecorded = "ru.kuzbass.eko.homework-mark.recorded.v1"

// States of a homework mark in the journal.
const (
	HomeworkMarkPlaced   = "placed"
	HomeworkMarkDeferred = "deferred"
	// HomeworkMarkSuperseded: a later review of the same work reached the
	// journal first; this one's mark is not placed.
	HomeworkMarkSuperseded = "superseded"
)

// HomeworkMarkEvent is the data of homework-mark.recorded.
type HomeworkMarkEvent struct {
	ReviewID   uuid.UUID  `json:"review_id"`
	HomeworkID uuid.UUID  `json:"homework_id"`
	PupilID    uuid.UUID  `json:"pupil_id"`
	State      string     `json:"state"`
	MarkID     *uuid.UUID `json:"mark_id,omitempty"`
	RecordedAt time.Time  `json:"recorded_at"`
}
