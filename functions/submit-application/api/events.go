package submitapplicationapi

// Events the function produces and consumes. Produced data carry identifiers,
// statuses and EPGU codes, never the child's personal data.
const (
	EventSubmitted     = "ru.kuzbass.eko.application.submitted.v1"
	EventStatusChanged = "ru.kuzbass.eko.application.status-changed.v1"
	// EventEPGUSubmitted is posted by EPGU (the epgu service account) to /events.
	EventEPGUSubmitted = "ru.gosuslugi.epgu.application.submitted.v1"
)

// SubmittedEvent is the data of application.submitted.
type SubmittedEvent struct {
	ApplicationID   string   `json:"application_id"`
	Number          string   `json:"number"`
	Service         string   `json:"service"`
	Channel         string   `json:"channel"`
	Status          string   `json:"status"`
	EPGUStatusCode  int      `json:"epgu_status_code"`
	ChildID         string   `json:"child_id,omitempty"`
	OrganisationID  string   `json:"organisation_id"`
	OrganisationIDs []string `json:"organisation_ids"`
	MunicipalityID  string   `json:"municipality_id"`
	Window          int      `json:"window,omitempty"`
	AcademicYear    int      `json:"academic_year,omitempty"`
	ReceivedAt      string   `json:"received_at"`
	Deadline        string   `json:"deadline,omitempty"`
	EPGUOrderID     string   `json:"epgu_order_id,omitempty"`
}

// StatusChangedEvent is the data of application.status-changed: what EPGU
// shows the applicant (the code and its title, the reason and comment).
type StatusChangedEvent struct {
	ApplicationID   string `json:"application_id"`
	Number          string `json:"number"`
	Service         string `json:"service"`
	Channel         string `json:"channel"`
	Status          string `json:"status"`
	PreviousStatus  string `json:"previous_status"`
	EPGUStatusCode  int    `json:"epgu_status_code"`
	EPGUStatusTitle string `json:"epgu_status_title"`
	Reason          string `json:"reason,omitempty"`
	Comment         string `json:"comment,omitempty"`
	ChildID         string `json:"child_id,omitempty"`
	OrganisationID  string `json:"organisation_id"`
	MunicipalityID  string `json:"municipality_id"`
	EPGUOrderID     string `json:"epgu_order_id,omitempty"`
	// ProgrammeID and ProgrammeName: an additional-education application's
	// programme (the portfolio records the enrolment in it).
	ProgrammeID   string `json:"programme_id,omitempty"`
	ProgrammeName string `json:"programme_name,omitempty"`
	ChangedAt     string `json:"changed_at"`
}

// EPGUApplication is the data of ru.gosuslugi.epgu.application.submitted.v1:
// an application filed on EPGU, with the applicant's and the child's data as
// ESIA vouches for them, and the same service block as the cabinet's request.
type EPGUApplication struct {
	OrderID             string                   `json:"order_id"`
	Service             string                   `json:"service"`
	Applicant           EPGUPerson               `json:"applicant"`
	Child               EPGUPerson               `json:"child"`
	FirstGrade          *FirstGradeData          `json:"first_grade,omitempty"`
	Kindergarten        *KindergartenData        `json:"kindergarten,omitempty"`
	AdditionalEducation *AdditionalEducationData `json:"additional_education,omitempty"`
}

// EPGUPerson is a person as EPGU passes it on from ESIA.
type EPGUPerson struct {
	OID        string `json:"oid,omitempty"` // the applicant's ESIA account
	FamilyName string `json:"family_name"`
	GivenName  string `json:"given_name"`
	MiddleName string `json:"middle_name,omitempty"`
	BirthDate  string `json:"birth_date,omitempty"` // YYYY-MM-DD; required for the child
	SNILS      string `json:"snils"`
}
