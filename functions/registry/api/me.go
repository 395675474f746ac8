package registryapi

import (
	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/access"
)

// Child is a child of the caller as /me shows it.
type Child struct {
	Person
	Relation      string      `json:"relation"`
	Organisations []Placement `json:"organisations"`
}

// Placement is where a person studies now.
type Placement struct {
	OrganisationID   uuid.UUID  `json:"organisation_id"`
	OrganisationName string     `json:"organisation_name"`
	ClassID          *uuid.UUID `json:"class_id,omitempty"`
	ClassName        string     `json:"class_name,omitempty"`
	AcademicYear     int        `json:"academic_year"`
}

// Me is the answer of GET /api/registry/me.
type Me struct {
	Subject  string         `json:"subject"`
	Identity Match          `json:"identity"`
	Person   *Person        `json:"person,omitempty"`
	Grants   []access.Grant `json:"grants"`
	Children []Child        `json:"children"`
	Trusted  bool           `json:"trusted"`
}

// Match statuses of an ESIA account against the registry.
const (
	MatchLinked       = "linked"        // the account is (now) tied to a registry person
	MatchNotFound     = "not_found"     // no registry person has this SNILS or name and birth date
	MatchMismatch     = "mismatch"      // a candidate exists but some data differ
	MatchAmbiguous    = "ambiguous"     // several persons could be this account
	MatchTakenByOther = "taken"         // the person is tied to another ESIA account
	MatchChildAccount = "child_account" // a child under 14 must use the account the parent created
	MatchService      = "service"       // a service account (EPGU), not a person
)

// Mismatch names one datum that differs between ESIA and the registry.
type Mismatch struct {
	Field   string `json:"field"`   // family_name, given_name, middle_name, birth_date, snils, document
	Message string `json:"message"` // what to do, in Russian
}

// Match is the outcome of matching an ESIA account.
type Match struct {
	Status     string     `json:"status"`
	PersonID   *uuid.UUID `json:"person_id,omitempty"`
	Mismatches []Mismatch `json:"mismatches,omitempty"`
	Advice     string     `json:"advice,omitempty"` // whom to ask, in Russian
}
