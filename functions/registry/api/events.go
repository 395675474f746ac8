package registryapi

// Events the registry produces. Their data carry identifiers and the names of
// changed fields, never SNILS or document numbers.
const (
	EventPersonCreated     = "ru.kuzbass.eko.person.created.v1"
	EventPersonChanged     = "ru.kuzbass.eko.person.changed.v1"
	EventEnrollmentCreated = "ru.kuzbass.eko.enrollment.created.v1"
	EventParentLinkCreated = "ru.kuzbass.eko.parent-link.created.v1"
	// EventCarePlacementCreated: a child was placed in the care of an
	// organisation for orphans (which then represents the child in law).
	EventCarePlacementCreated = "ru.kuzbass.eko.care-placement.created.v1"
)

// PersonEvent is the data of person.created and person.changed.
type PersonEvent struct {
	PersonID string   `json:"person_id"`
	Fields   []string `json:"fields"`
}

// EnrollmentEvent is the data of enrollment.created.
type EnrollmentEvent struct {
	EnrollmentID   string  `json:"enrollment_id"`
	PersonID       string  `json:"person_id"`
	OrganisationID string  `json:"organisation_id"`
	ClassID        string  `json:"class_id,omitempty"`
	AcademicYear   int     `json:"academic_year"`
	StartsOn       string  `json:"starts_on"`
	EndsOn         *string `json:"ends_on,omitempty"`
}

// ParentLinkEvent is the data of parent-link.created.
type ParentLinkEvent struct {
	LinkID   string `json:"link_id"`
	ParentID string `json:"parent_id"`
	ChildID  string `json:"child_id"`
	Relation string `json:"relation"`
	Kind     string `json:"kind,omitempty"` // none: parent (links announced before kinds)
	Source   string `json:"source"`
}

// CarePlacementEvent is the data of care-placement.created: ids and dates, never
// the act's text.
type CarePlacementEvent struct {
	PlacementID    string `json:"placement_id"`
	ChildID        string `json:"child_id"`
	OrganisationID string `json:"organisation_id"`
	StartsOn       string `json:"starts_on"`
}

// EnrollmentChangedEvent is the data of enrollment.changed.
type EnrollmentChangedEvent struct {
	EnrollmentEvent
	Fields []string `json:"fields"`
}

// EventEnrollmentChanged is published when a student moves to another class or leaves.
const EventEnrollmentChanged = "ru.kuzbass.eko.enrollment.changed.v1"
