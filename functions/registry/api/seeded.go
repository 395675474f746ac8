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
	// Kindergartens are the region's kindergartens with their groups.
	Kindergartens []SeededOrganisation
	// AdditionalEducation are the centres of additional education.
	AdditionalEducation []SeededOrganisation
	// Colleges are the vocational colleges.
	Colleges []SeededOrganisation
	// Waiting are the children of pre-school age enrolled nowhere: the
	// kindergarten queue's children.
	Waiting []SeededChild
	// Families are every parent–child link and Enrollments every enrollment:
	// the facts the registry announces as parent-link.created and
	// enrollment.created, for a seed that keeps them (the sibling right).
	Families    []SeededLink
	Enrollments []SeededEnrollment
	// Fixtures are the fixture identities' persons by login (student1,
	// teacher-s1, …), for the seeds that give them a lived-in world.
	Fixtures map[string]uuid.UUID
}

// SeededLink is a parent–child link.
type SeededLink struct {
	ID, Parent, Child uuid.UUID
}

// SeededEnrollment is an enrollment (open-ended: the seed ends none).
type SeededEnrollment struct {
	ID, Person, Organisation uuid.UUID
	StartsOn                 time.Time
}

// SeededOrganisation is a kindergarten or a centre of the seeded region.
type SeededOrganisation struct {
	ID, Municipality uuid.UUID
	Code             string
	Groups           []SeededGroup // a kindergarten's
}

// SeededGroup is a kindergarten group: the ages it takes and its children now.
type SeededGroup struct {
	ID             uuid.UUID
	AgeFrom, AgeTo int
	Children       int
}

// SeededChild is a child of the seeded region with the parent who applies
// for it.
type SeededChild struct {
	ID, Municipality, Parent uuid.UUID
	BirthDate                time.Time
	// ParentSubject is the parent's ESIA account, for a fixture parent
	// (empty for a made-up family, whose parent has no account).
	ParentSubject string
	// SNILSHash is the keyed hash of the child's SNILS (pdata.Protector.Hash),
	// the key EPGU's applications name a child by.
	SNILSHash []byte
	// SiblingsAt are the organisations where a brother or sister is enrolled.
	SiblingsAt []uuid.UUID
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
	StartsOn, BirthDate time.Time
}
