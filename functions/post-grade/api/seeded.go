package postgradeapi

import "github.com/google/uuid"

// SeededLesson is a lesson of the seeded school year with the pupils of its
// class on its date: what the journal's seed hands to the seeds that follow
// it (the homework issued for lessons), never read from another function's
// tables.
type SeededLesson struct {
	ID, OrganisationID, ClassID, SubjectID, TeacherID uuid.UUID
	Date                                              string // YYYY-MM-DD
	Pupils                                            []uuid.UUID
}
