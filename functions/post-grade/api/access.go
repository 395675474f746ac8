package postgradeapi

import "github.com/google/uuid"

// Access is what the caller may open in the journal, as the journal's rules
// decide it from the caller's grants: pages render it (the portal's
// navigation, the summary's scope) and never decide it themselves.
type Access struct {
	// Teaches: a teacher's journal of own lessons.
	Teaches bool `json:"teaches"`
	// Diary: the caller's own diary (a student).
	Diary bool `json:"diary"`
	// Summary is how far the journal's aggregates reach for the caller;
	// nil when they do not.
	Summary *Oversight `json:"summary,omitempty"`
}

// Oversight is how far the journal's aggregates reach: the whole region,
// municipalities, schools.
type Oversight struct {
	Region         bool        `json:"region"`
	Municipalities []uuid.UUID `json:"municipalities"`
	Organisations  []uuid.UUID `json:"organisations"`
}
