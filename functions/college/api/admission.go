package collegeapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/httpx"
)

// Campaign is a college's admission campaign of an academic year: when it
// takes applications and how many specialties one application may name.
type Campaign struct {
	OrganisationID uuid.UUID `json:"organisation_id"`
	MunicipalityID uuid.UUID `json:"municipality_id"`
	AcademicYear   int       `json:"academic_year"`
	OpensOn        string    `json:"opens_on"`  // YYYY-MM-DD
	ClosesOn       string    `json:"closes_on"` // YYYY-MM-DD, the last day
	MaxChoices     int       `json:"max_choices"`
}

// Application statuses.
const (
	Submitted = "submitted"
	Withdrawn = "withdrawn"
	Enrolled  = "enrolled"
)

// StatusTitles name the statuses for people.
var StatusTitles = map[string]string{Submitted: "подано", Withdrawn: "отозвано", Enrolled: "зачислен"}

// Application channels.
const (
	ChannelCabinet = "cabinet"
	ChannelEPGU    = "epgu"
)

// Application is an applicant's application to a college: its number (the
// applicant's key to the public lists), the specialties in the applicant's
// order, the school certificate's average mark and whether the college has
// confirmed it from the document, and the consent to enrol, if given here.
type Application struct {
	ID                uuid.UUID   `json:"id"`
	Number            string      `json:"number"`
	OrganisationID    uuid.UUID   `json:"organisation_id"`
	AcademicYear      int         `json:"academic_year"`
	PersonID          uuid.UUID   `json:"person_id"`
	FullName          string      `json:"full_name"`
	Channel           string      `json:"channel"`
	CertificateNumber string      `json:"certificate_number"`
	AverageMark       string      `json:"average_mark"` // "4.35"
	Confirmed         bool        `json:"confirmed"`
	Status            string      `json:"status"`
	ReceivedAt        time.Time   `json:"received_at"`
	Choices           []uuid.UUID `json:"choices"` // specialty ids, first choice first
	// ConsentTo is the specialty the applicant's consent to enrol names, when
	// the consent is given to this application.
	ConsentTo *uuid.UUID `json:"consent_to,omitempty"`
}

// ApplicationRequest is the body of POST /api/college/admission/applications:
// the applicant (the caller, or the caller's child), the college, the
// specialties in order and the certificate as the applicant reads it.
type ApplicationRequest struct {
	OrganisationID    uuid.UUID   `json:"organisation_id"`
	ApplicantID       uuid.UUID   `json:"applicant_id"`
	Choices           []uuid.UUID `json:"choices"`
	CertificateNumber string      `json:"certificate_number"`
	AverageMark       string      `json:"average_mark"`
}

// ConfirmRequest is the body of PATCH /api/college/admission/applications/{id}:
// the college confirms the average mark from the certificate it has seen,
// correcting it when the applicant misread it.
type ConfirmRequest struct {
	AverageMark string `json:"average_mark"`
}

// ConsentRequest is the body of POST .../applications/{id}/consent.
type ConsentRequest struct {
	SpecialtyID uuid.UUID `json:"specialty_id"`
}

// Ranked is one line of a specialty's public admission list. It names no
// one: the application number (known to its applicant), the average mark,
// the entrance test's points, whether the certificate is confirmed and the
// consent given — what the order of admission makes public so that every
// applicant can check the ranking, and nothing that identifies a person.
type Ranked struct {
	Position    int    `json:"position"`
	Number      string `json:"number"`
	AverageMark string `json:"average_mark"`
	TestPoints  *int   `json:"test_points,omitempty"`
	TestPassed  bool   `json:"test_passed"` // false, too, where the specialty has no test
	Priority    int    `json:"priority"`    // where the specialty stands in the applicant's choices
	Confirmed   bool   `json:"confirmed"`
	Consent     bool   `json:"consent"`
	// Recommended: within the budget places among the applicants who
	// confirmed their certificate, passed the test, if any, and consented.
	Recommended bool `json:"recommended"`
	Enrolled    bool `json:"enrolled"`
}

// AdmissionList is a specialty's ranked list: by the average mark, then
// the entrance test's points, then the time the application was received.
type AdmissionList struct {
	Specialty Specialty `json:"specialty"`
	Items     []Ranked  `json:"items"`
	Consents  int       `json:"consents"`
}

// OrderRequest is the body of POST /api/college/admission/orders: enrol
// the recommended applicants of a specialty into a study group.
type OrderRequest struct {
	SpecialtyID uuid.UUID `json:"specialty_id"`
	GroupName   string    `json:"group_name"` // «ИСП-27-1»
}

// Order is an enrolment order and whom it enrolled.
type Order struct {
	ID          uuid.UUID    `json:"id"`
	Number      string       `json:"number"`
	SpecialtyID uuid.UUID    `json:"specialty_id"`
	GroupID     uuid.UUID    `json:"group_id"`
	GroupName   string       `json:"group_name"`
	IssuedAt    time.Time    `json:"issued_at"`
	Enrolled    []OrderEntry `json:"enrolled"`
}

// OrderEntry is one applicant an order enrols.
type OrderEntry struct {
	ApplicationID uuid.UUID  `json:"application_id"`
	Number        string     `json:"number"`
	FullName      string     `json:"full_name"`
	EnrollmentID  *uuid.UUID `json:"enrollment_id,omitempty"` // the registry's; none while it is pending
}

// Campaigns are the colleges' admission campaigns of a year; no token needed.
func (c *Client) Campaigns(ctx context.Context, year int) ([]Campaign, error) {
	q := url.Values{}
	if year != 0 {
		q.Set("year", strconv.Itoa(year))
	}
	var p httpx.Page[Campaign]
	return p.Items, c.conn.Get(ctx, api+"/admission/campaigns", q, &p)
}

// List is a specialty's public admission list; no token needed.
func (c *Client) List(ctx context.Context, specialty uuid.UUID) (AdmissionList, error) {
	var l AdmissionList
	return l, c.conn.Get(ctx, api+"/admission/lists/"+specialty.String(), nil, &l)
}

// Applications are a college's applications of a year (its staff), with
// names.
func (c *Client) Applications(ctx context.Context, college uuid.UUID, year int) ([]Application, error) {
	q := url.Values{"organisation": {college.String()}}
	if year != 0 {
		q.Set("year", strconv.Itoa(year))
	}
	var p httpx.Page[Application]
	return p.Items, c.conn.Get(ctx, api+"/admission/applications", q, &p)
}

// ApplicationsOf are an applicant's applications (the applicant, a parent).
func (c *Client) ApplicationsOf(ctx context.Context, applicant uuid.UUID) ([]Application, error) {
	var p httpx.Page[Application]
	return p.Items, c.conn.Get(ctx, api+"/admission/applications", url.Values{"applicant": {applicant.String()}}, &p)
}

// Apply files an application.
func (c *Client) Apply(ctx context.Context, req ApplicationRequest) (Application, error) {
	var out Application
	return out, c.conn.Do(ctx, http.MethodPost, api+"/admission/applications", req, nil, &out)
}

// Confirm confirms an application's average mark from the certificate.
func (c *Client) Confirm(ctx context.Context, id uuid.UUID, averageMark string) (Application, error) {
	var out Application
	return out, c.conn.Do(ctx, http.MethodPatch, api+"/admission/applications/"+id.String(), ConfirmRequest{AverageMark: averageMark}, nil, &out)
}

// Consent gives the applicant's consent to enrol to a specialty of an application.
func (c *Client) Consent(ctx context.Context, id, specialty uuid.UUID) (Application, error) {
	var out Application
	return out, c.conn.Do(ctx, http.MethodPost, api+"/admission/applications/"+id.String()+"/consent", ConsentRequest{SpecialtyID: specialty}, nil, &out)
}

// WithdrawConsent withdraws the consent given to an application.
func (c *Client) WithdrawConsent(ctx context.Context, id uuid.UUID) (Application, error) {
	var out Application
	return out, c.conn.Do(ctx, http.MethodDelete, api+"/admission/applications/"+id.String()+"/consent", nil, nil, &out)
}

// Enrol issues (or, after a failure half-way, completes) the enrolment
// order of a specialty.
func (c *Client) Enrol(ctx context.Context, req OrderRequest) (Order, error) {
	var out Order
	return out, c.conn.Do(ctx, http.MethodPost, api+"/admission/orders", req, nil, &out)
}

// Access is what the caller does in the colleges' admission, for the
// portal's navigation: apply (an applicant or a parent, while a campaign
// takes applications) and run which colleges' admissions.
type Access struct {
	Applies bool        `json:"applies"`
	Offices []uuid.UUID `json:"offices"`
}

// Access is what the caller does in the colleges' admission.
func (c *Client) Access(ctx context.Context) (Access, error) {
	var a Access
	return a, c.conn.Get(ctx, api+"/access", nil, &a)
}

// Orders are a college's enrolment orders of a year (its admissions office).
func (c *Client) Orders(ctx context.Context, college uuid.UUID, year int) ([]Order, error) {
	q := url.Values{"organisation": {college.String()}}
	if year != 0 {
		q.Set("year", strconv.Itoa(year))
	}
	var p httpx.Page[Order]
	return p.Items, c.conn.Get(ctx, api+"/admission/orders", q, &p)
}

// EventEPGUSubmitted is posted by EPGU (the epgu service account) to
// /api/college/events: an application to a college filed on the federal
// portal.
const EventEPGUSubmitted = "ru.gosuslugi.epgu.college-application.submitted.v1"

// EPGUApplication is the data of EventEPGUSubmitted: the order (its number
// is the idempotency key), the account that filed it, the applicant as
// ESIA knows them (matched to the registry by SNILS, or by name and birth
// date), and the application as the cabinet's.
type EPGUApplication struct {
	OrderID           string      `json:"order_id"`
	FilerOID          string      `json:"filer_oid"`
	Applicant         EPGUPerson  `json:"applicant"`
	OrganisationID    uuid.UUID   `json:"organisation_id"`
	Choices           []uuid.UUID `json:"choices"`
	CertificateNumber string      `json:"certificate_number"`
	AverageMark       string      `json:"average_mark"`
}

// EPGUPerson is an applicant as EPGU names them.
type EPGUPerson struct {
	FamilyName string `json:"family_name"`
	GivenName  string `json:"given_name"`
	MiddleName string `json:"middle_name,omitempty"`
	BirthDate  string `json:"birth_date"`
	SNILS      string `json:"snils"`
}
