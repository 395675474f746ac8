package registryapi

import (
	"time"

	"github.com/google/uuid"
)

// Kinds of organisation named by the decree (§2.2, §3).
var OrganisationKinds = []string{
	"ministry", "municipal_authority", "school", "kindergarten", "college",
	"additional_education", "guardianship", "kdn",
}

// OrganisationKindTitles name the kinds of organisation in Russian.
var OrganisationKindTitles = map[string]string{
	"ministry": "Министерство", "municipal_authority": "Орган управления образованием", "school": "Школа",
	"kindergarten": "Детский сад", "college": "Колледж", "additional_education": "Дополнительное образование",
	"guardianship": "Орган опеки и попечительства", "kdn": "Комиссия по делам несовершеннолетних",
}

// RoleTitles name the roles the registry grants (and whose grants it
// labels), as people see them: staff roles, officials, parents, students.
var RoleTitles = map[string]string{
	"ministry_official": "Министерство образования Кузбасса", "municipal_official": "Орган управления образованием",
	"guardianship_official": "Орган опеки и попечительства", "kdn_official": "Комиссия по делам несовершеннолетних",
	"director": "Директор", "deputy_director": "Заместитель директора", "teacher": "Учитель",
	"class_teacher": "Классный руководитель", "clerk": "Делопроизводитель", "official": "Сотрудник",
	"parent": "Родитель", "student": "Обучающийся", "person": "Сам человек",
}

// StaffRoles are the roles a person holds at an organisation.
var StaffRoles = []string{
	"director", "deputy_director", "teacher", "class_teacher", "clerk", "official",
	"ministry_official", "municipal_official", "guardianship_official", "kdn_official",
}

// Municipality is one of Kuzbass's municipal districts and city districts.
type Municipality struct {
	ID    uuid.UUID `json:"id"`
	Code  string    `json:"code"`
	Name  string    `json:"name"`
	OKTMO string    `json:"oktmo"`
}

// Organisation is an education organisation or an authority.
type Organisation struct {
	ID             uuid.UUID  `json:"id"`
	Code           string     `json:"code,omitempty"`
	Kind           string     `json:"kind"`
	FullName       string     `json:"full_name"`
	ShortName      string     `json:"short_name"`
	INN            string     `json:"inn"`
	OGRN           string     `json:"ogrn"`
	Address        string     `json:"address"`
	MunicipalityID *uuid.UUID `json:"municipality_id,omitempty"`
	Status         string     `json:"status"`
	// Contacts and the licence: what the organisation publishes about itself.
	Phone   string   `json:"phone,omitempty"`
	Email   string   `json:"email,omitempty"`
	Website string   `json:"website,omitempty"`
	Licence *Licence `json:"licence,omitempty"`
}

// Licence is an organisation's licence for educational activity.
type Licence struct {
	Number string `json:"number"`
	Date   string `json:"date,omitempty"` // YYYY-MM-DD
	Issuer string `json:"issuer,omitempty"`
}

// Document is an identity document. Number (and series) are masked unless the
// caller's role needs the full value.
type Document struct {
	Type   string `json:"type"`
	Series string `json:"series,omitempty"`
	Number string `json:"number"`
}

// Person is a digital profile.
type Person struct {
	ID         uuid.UUID `json:"id"`
	FamilyName string    `json:"family_name"`
	GivenName  string    `json:"given_name"`
	MiddleName string    `json:"middle_name,omitempty"`
	BirthDate  string    `json:"birth_date"` // YYYY-MM-DD
	Gender     string    `json:"gender"`
	SNILS      string    `json:"snils,omitempty"` // masked unless revealed
	Document   *Document `json:"document,omitempty"`
	Email      string    `json:"email,omitempty"`
	Phone      string    `json:"phone,omitempty"`
	ESIALinked bool      `json:"esia_linked"`
}

// FullName is "Фамилия Имя Отчество".
func (p Person) FullName() string {
	s := p.FamilyName + " " + p.GivenName
	if p.MiddleName != "" {
		s += " " + p.MiddleName
	}
	return s
}

// Class is a school class or a kindergarten group in one academic year.
type Class struct {
	ID             uuid.UUID `json:"id"`
	OrganisationID uuid.UUID `json:"organisation_id"`
	AcademicYear   int       `json:"academic_year"`
	Name           string    `json:"name"`
	Kind           string    `json:"kind"` // class | group
	Grade          *int      `json:"grade,omitempty"`
	AgeFrom        *int      `json:"age_from,omitempty"`
	AgeTo          *int      `json:"age_to,omitempty"`
}

// StaffMember is a staff role of a person at an organisation.
type StaffMember struct {
	ID             uuid.UUID  `json:"id"`
	PersonID       uuid.UUID  `json:"person_id"`
	FullName       string     `json:"full_name"`
	OrganisationID uuid.UUID  `json:"organisation_id"`
	Role           string     `json:"role"`
	ClassID        *uuid.UUID `json:"class_id,omitempty"`
	Position       string     `json:"position,omitempty"`
	StartsOn       string     `json:"starts_on"`
	EndsOn         *string    `json:"ends_on,omitempty"`
}

// Enrollment is a student's place in an organisation, class or group and year.
type Enrollment struct {
	ID uuid.UUID `json:"id"`
	EnrollmentInput
}

// ParentLink ties a legal representative to a child.
type ParentLink struct {
	ID        uuid.UUID `json:"id"`
	ParentID  uuid.UUID `json:"parent_id"`
	ChildID   uuid.UUID `json:"child_id"`
	Relation  string    `json:"relation"` // mother | father | guardian
	Kind      string    `json:"kind"`     // parent | guardian | foster
	Document  string    `json:"document,omitempty"`
	Source    string    `json:"source"` // import | esia | application | manual
	CreatedAt time.Time `json:"created_at"`
}

// Kinds of legal representation.
const (
	KindParent   = "parent"
	KindGuardian = "guardian" // опека, попечительство
	KindFoster   = "foster"   // приёмная семья
)

// RepresentationKinds name the kinds of legal representation for people.
var RepresentationKinds = map[string]string{KindParent: "родитель", KindGuardian: "опекун (попечитель)", KindFoster: "приёмный родитель"}

// CarePlacement is a child in the care of an organisation for orphans.
type CarePlacement struct {
	ID             uuid.UUID `json:"id"`
	ChildID        uuid.UUID `json:"child_id"`
	OrganisationID uuid.UUID `json:"organisation_id"`
	Document       string    `json:"document"`
	StartsOn       string    `json:"starts_on"`
	CreatedAt      time.Time `json:"created_at"`
}

// MatchRequest is the body of POST /api/registry/matches: a person as an
// external system names them — by SNILS, or by full name and birth date.
type MatchRequest struct {
	SNILS      string `json:"snils,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	MiddleName string `json:"middle_name,omitempty"`
	BirthDate  string `json:"birth_date,omitempty"` // YYYY-MM-DD
}

// Outcomes of a match.
const (
	Matched   = "matched"
	NoPerson  = "not_found"
	Ambiguous = "ambiguous" // several people have that name and birth date
)

// MatchResult is the answer: the person's id when exactly one matches.
type MatchResult struct {
	Status   string     `json:"status"`
	PersonID *uuid.UUID `json:"person_id,omitempty"`
	// By says what matched: "snils" or "name_birth_date".
	By string `json:"by,omitempty"`
}

// CountsRequest is the body of POST /api/registry/counts: whose numbers,
// and as of which day (YYYY-MM-DD; none: today).
type CountsRequest struct {
	Organisations []uuid.UUID `json:"organisations"`
	AsOf          string      `json:"as_of,omitempty"`
}

// OrganisationCounts are an organisation's numbers as of a day: its pupils
// (by grade, age and gender) and its staff by role — counts only, never a
// person.
type OrganisationCounts struct {
	OrganisationID uuid.UUID      `json:"organisation_id"`
	AsOf           string         `json:"as_of"` // YYYY-MM-DD
	Pupils         []PupilCount   `json:"pupils"`
	Staff          map[string]int `json:"staff"` // role → people holding it
}

// PupilCount is how many pupils share a grade (nil: not in a graded class,
// as a kindergarten's groups), an age in full years on the day, and a
// gender (M, F).
type PupilCount struct {
	Grade  *int   `json:"grade,omitempty"`
	Age    int    `json:"age"`
	Gender string `json:"gender"`
	N      int    `json:"n"`
}

// PupilCard is what a prevention body sees of a pupil for its case: who,
// born when, studying where — no documents, contacts or family.
type PupilCard struct {
	ID        uuid.UUID   `json:"id"`
	FullName  string      `json:"full_name"`
	BirthDate string      `json:"birth_date"`
	Studies   []Placement `json:"studies"`
}

// Ward is a child under guardianship, in a foster family or in the care of
// an organisation for orphans, as the guardianship authority sees it: the
// child's card, the representatives by the authority's acts, the
// placements.
type Ward struct {
	Child           PupilCard        `json:"child"`
	Representatives []Representative `json:"representatives"`
	Placements      []WardPlacement  `json:"placements"`
}

// Representative is a guardian or a foster parent of a ward.
type Representative struct {
	PersonID uuid.UUID `json:"person_id"`
	FullName string    `json:"full_name"`
	Kind     string    `json:"kind"` // guardian | foster
	Document string    `json:"document"`
}

// WardPlacement is a ward's placement in an organisation's care.
type WardPlacement struct {
	OrganisationID   uuid.UUID `json:"organisation_id"`
	OrganisationName string    `json:"organisation_name"`
	Document         string    `json:"document"`
	StartsOn         string    `json:"starts_on"`
}
