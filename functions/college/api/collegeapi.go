// Package collegeapi is the college function's contract with the rest of
// EKO: the wire types of the vocational colleges' specialties and their
// admission campaigns, the vocabulary, the problem codes and a typed
// Client. It is the only part of college another function imports.
package collegeapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "college"

// Study forms.
const (
	FullTime   = "full_time"  // очная
	PartTime   = "part_time"  // очно-заочная
	Extramural = "extramural" // заочная
)

// FormTitles name the study forms for people.
var FormTitles = map[string]string{FullTime: "очная", PartTime: "очно-заочная", Extramural: "заочная"}

// Specialty is what a college teaches in an academic year's admission: a
// specialty of the federal list (its code, e.g. 09.02.07, and its title),
// the study form, the basis it is taught on (after the 9th or the 11th
// grade), how long, the budget and paid places, and the entrance test it
// has, if any.
type Specialty struct {
	ID             uuid.UUID `json:"id"`
	OrganisationID uuid.UUID `json:"organisation_id"`
	MunicipalityID uuid.UUID `json:"municipality_id"`
	AcademicYear   int       `json:"academic_year"`
	Code           string    `json:"code"`
	Title          string    `json:"title"`
	Form           string    `json:"form"`
	AfterGrade     int       `json:"after_grade"` // 9 or 11
	Duration       string    `json:"duration"`    // «3 года 10 месяцев»
	BudgetPlaces   int       `json:"budget_places"`
	PaidPlaces     int       `json:"paid_places"`
	EntranceTest   string    `json:"entrance_test,omitempty"` // «творческое испытание», or none
}

// SpecialtyRequest is the body of POST /api/college/specialties.
type SpecialtyRequest struct {
	OrganisationID uuid.UUID `json:"organisation_id"`
	AcademicYear   int       `json:"academic_year"`
	Code           string    `json:"code"`
	Title          string    `json:"title"`
	Form           string    `json:"form"`
	AfterGrade     int       `json:"after_grade"`
	Duration       string    `json:"duration"`
	BudgetPlaces   int       `json:"budget_places"`
	PaidPlaces     int       `json:"paid_places"`
	EntranceTest   string    `json:"entrance_test,omitempty"`
}

// Problems is college's problem vocabulary beyond the common one.
var Problems = errs.Vocabulary{
	Codes: []errs.Code{errs.Conflict, errs.Unprocessable},
	Reasons: map[errs.Reason]string{
		ReasonDuplicate: "колледж уже принимает на эту специальность с этой формой и базой в этом году",
		ReasonKind:      "организация не колледж",
		ReasonClosed:    "приёмная кампания колледжа не идёт",
		ReasonApplied:   "заявление в этот колледж в этом году уже подано",
		ReasonConsent:   "согласие на зачисление уже дано по другому заявлению",
		ReasonEnrolled:  "абитуриент уже зачислен",
	},
	Members: map[string]string{
		"application_id": "the application already filed (applied)",
		"number":         "the number of the application already filed (applied) or holding the consent (consent)",
	},
}

// Problem reasons of college.
const (
	ReasonDuplicate errs.Reason = "duplicate" // the college already admits to this specialty, form and basis this year
	ReasonKind      errs.Reason = "kind"      // the organisation is not a college
	ReasonClosed    errs.Reason = "closed"    // the college's admission campaign is not taking applications
	ReasonApplied   errs.Reason = "applied"   // the applicant has an application to this college this year
	ReasonConsent   errs.Reason = "consent"   // the applicant's one consent is held by another application
	ReasonEnrolled  errs.Reason = "enrolled"  // the applicant is enrolled: the application no longer changes
)

// Client calls college's API on behalf of the caller of ctx.
type Client struct{ conn *httpx.Client }

// New returns a client over conn (httpx.Dial or httpx.InProcess).
func New(conn *httpx.Client) *Client { return &Client{conn: conn} }

const api = "/api/" + Name

// Specialties are the specialties of a college (or, with uuid.Nil, of
// every college) in an academic year's admission; no token needed.
func (c *Client) Specialties(ctx context.Context, college uuid.UUID, year int) ([]Specialty, error) {
	q := url.Values{}
	if college != uuid.Nil {
		q.Set("organisation", college.String())
	}
	if year != 0 {
		q.Set("year", strconv.Itoa(year))
	}
	var p httpx.Page[Specialty]
	return p.Items, c.conn.Get(ctx, api+"/specialties", q, &p)
}

// AddSpecialty opens admission to a specialty.
func (c *Client) AddSpecialty(ctx context.Context, req SpecialtyRequest) (Specialty, error) {
	var out Specialty
	return out, c.conn.Do(ctx, http.MethodPost, api+"/specialties", req, nil, &out)
}
