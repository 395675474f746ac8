package registryapi

import (
	"time"

	"github.com/google/uuid"
)

// SeededRegion is what the registry's seed loaded, as the functions after the
// registry need it to seed their own parts of the same region (the journal's
// school year, the kindergarten queue): ids and the few facts they plan by,
// never personal data.
type SeededRegion struct {
	AcademicYear int
	Schools      []SeededSchool
}

// SeededSchool is a school of the seeded region.
type SeededSchool struct {
	ID, Municipality uuid.UUID
	Code             string
	// Teachers are the school's teachers, class teachers among them, in the
	// order the seed made them (fixture teachers last).
	Teachers []uuid.UUID
	Classes  []SeededClass
}

// SeededClass is a class of a seeded school.
type SeededClass struct {
	ID    uuid.UUID
	Name  string
	Grade int
	// ClassTeacher is the class's class teacher (the fixture's when it has one).
	ClassTeacher uuid.UUID
	Pupils       []SeededPupil
}

// SeededPupil is one enrollment in a seeded class.
type SeededPupil struct {
	Enrollment, Student uuid.UUID
	StartsOn            time.Time
}
