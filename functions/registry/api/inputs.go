package registryapi

import "github.com/google/uuid"

// OrganisationInput registers an organisation.
type OrganisationInput struct {
	Code           string     `json:"code"`
	Kind           string     `json:"kind"`
	FullName       string     `json:"full_name"`
	ShortName      string     `json:"short_name"`
	INN            string     `json:"inn"`
	OGRN           string     `json:"ogrn"`
	Address        string     `json:"address"`
	MunicipalityID *uuid.UUID `json:"municipality_id"`
	Phone          string     `json:"phone,omitempty"`
	Email          string     `json:"email,omitempty"`
	Website        string     `json:"website,omitempty"` // https://…
	Licence        *Licence   `json:"licence,omitempty"`
}

// PersonInput is a new or changed digital profile, as the API and the CSV import take it.
type PersonInput struct {
	FamilyName string    `json:"family_name"`
	GivenName  string    `json:"given_name"`
	MiddleName string    `json:"middle_name"`
	BirthDate  string    `json:"birth_date"`
	Gender     string    `json:"gender"`
	SNILS      string    `json:"snils"`
	Document   *Document `json:"document"`
	Email      string    `json:"email"`
	Phone      string    `json:"phone"`
	// ConfirmNotDuplicate creates the person although someone with the same name
	// and birth date exists (namesakes happen).
	ConfirmNotDuplicate bool `json:"confirm_not_duplicate"`
}

// PersonPatch changes some fields of a profile; absent fields stay as they are.
type PersonPatch struct {
	FamilyName *string   `json:"family_name"`
	GivenName  *string   `json:"given_name"`
	MiddleName *string   `json:"middle_name"`
	BirthDate  *string   `json:"birth_date"`
	Gender     *string   `json:"gender"`
	SNILS      *string   `json:"snils"`
	Document   *Document `json:"document"`
	Email      *string   `json:"email"`
	Phone      *string   `json:"phone"`
	// Reason is why the data change (e.g. "исправление по свидетельству о рождении"); required.
	Reason string `json:"reason"`
}

// PersonHit is a search result: a masked profile.
type PersonHit struct {
	ID         uuid.UUID `json:"id"`
	FamilyName string    `json:"family_name"`
	GivenName  string    `json:"given_name"`
	MiddleName string    `json:"middle_name,omitempty"`
	BirthDate  string    `json:"birth_date"`
	SNILS      string    `json:"snils"`
}

// ClassInput creates a class or a group.
type ClassInput struct {
	AcademicYear int    `json:"academic_year"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Grade        *int   `json:"grade"`
	AgeFrom      *int   `json:"age_from"`
	AgeTo        *int   `json:"age_to"`
}

// StaffInput appoints a person to a role.
type StaffInput struct {
	PersonID uuid.UUID  `json:"person_id"`
	Role     string     `json:"role"`
	ClassID  *uuid.UUID `json:"class_id"`
	Position string     `json:"position"`
	StartsOn string     `json:"starts_on"`
	EndsOn   *string    `json:"ends_on"`
}

// Student is a row of a class list: a masked profile and the enrollment.
type Student struct {
	Person
	EnrollmentID uuid.UUID  `json:"enrollment_id"`
	ClassID      *uuid.UUID `json:"class_id,omitempty"`
	ClassName    string     `json:"class_name,omitempty"`
}

// RosterPupil is a pupil of a class as the journal names them: the name and
// nothing else.
type RosterPupil struct {
	ID         uuid.UUID `json:"id"`
	FamilyName string    `json:"family_name"`
	GivenName  string    `json:"given_name"`
	MiddleName string    `json:"middle_name,omitempty"`
}

// FullName is "Фамилия Имя Отчество".
func (p RosterPupil) FullName() string {
	return Person{FamilyName: p.FamilyName, GivenName: p.GivenName, MiddleName: p.MiddleName}.FullName()
}

// EnrollmentInput places a student; an Enrollment is one with its id.
type EnrollmentInput struct {
	PersonID       uuid.UUID  `json:"person_id"`
	OrganisationID uuid.UUID  `json:"organisation_id"`
	ClassID        *uuid.UUID `json:"class_id,omitempty"`
	AcademicYear   int        `json:"academic_year"`
	StartsOn       string     `json:"starts_on"`
	EndsOn         *string    `json:"ends_on,omitempty"`
}

// LinkInput ties a parent to a child.
type LinkInput struct {
	ParentID uuid.UUID `json:"parent_id"`
	ChildID  uuid.UUID `json:"child_id"`
	Relation string    `json:"relation"`
	// Kind is the basis of the representation: parent (the default),
	// guardian or foster — the last two by the guardianship authority's act,
	// named in Document, and linked by its officials only.
	Kind     string `json:"kind,omitempty"`
	Document string `json:"document,omitempty"`
}

// CarePlacementInput places a child in the care of an organisation for
// orphans by the guardianship authority's act.
type CarePlacementInput struct {
	ChildID        uuid.UUID `json:"child_id"`
	OrganisationID uuid.UUID `json:"organisation_id"`
	Document       string    `json:"document"`
	StartsOn       string    `json:"starts_on"` // YYYY-MM-DD
}

// EnrollmentPatch moves a student to another class of the same organisation, or
// ends the enrollment (the student leaves).
type EnrollmentPatch struct {
	ClassID *uuid.UUID `json:"class_id"`
	EndsOn  *string    `json:"ends_on"`
	Reason  string     `json:"reason"` // e.g. «приказ № 45 от 12.11.2026 о переводе»
}
