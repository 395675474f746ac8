package submitapplication

import (
	"time"

	"github.com/google/uuid"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
)

// numberPrefix starts an application number: «1К-2027-0000123».
var numberPrefix = map[submitapplicationapi.Service]string{submitapplicationapi.FirstGrade: "1К", submitapplicationapi.Kindergarten: "ДС", submitapplicationapi.AdditionalEducation: "ДО"}

// Bases of a first-grade application and whether window 1 takes them.
var firstGradeBases = map[string]bool{
	"territory": true, "extraordinary": true, "first_priority": true, "sibling": true, "general": false,
}

// Group types and privileges of the kindergarten service.
var (
	groupTypes     = []string{"general", "compensating", "short_stay"}
	privilegeKinds = []string{"extraordinary", "first_priority", "sibling"}
)

// storedPrivilege is a privilege as kept in the application's data.
//
// A sibling claim is confirmed per kindergarten: Kindergartens are those in
// which staff found that a brother or sister studies (Confirmed: there is at
// least one). Reconsider marks a claim confirmed under the earlier rule, which
// counted it in every kindergarten, until staff decide it again.
type storedPrivilege struct {
	Kind          string      `json:"kind"`
	Document      string      `json:"document"`
	Confirmed     bool        `json:"confirmed"`
	Kindergartens []uuid.UUID `json:"kindergartens,omitempty"`
	Reconsider    bool        `json:"reconsider,omitempty"`
}

// storedKindergarten is the kindergarten block as kept in the application's data.
type storedKindergarten struct {
	Preferences  []uuid.UUID       `json:"preferences"`
	DesiredStart string            `json:"desired_start"`
	GroupType    string            `json:"group_type"`
	Privileges   []storedPrivilege `json:"privileges"`
}

// target is what an application belongs to, for the object check: the child,
// every organisation it is addressed to, and the municipality.
// errNoApplication is the services' one answer for an application that does
// not exist or that the caller's grants do not reach: the same either way,
// so that another family's application number reveals nothing.
var errNoApplication = errs.User(errs.NotFound, "заявление не найдено")

// target is what an application belongs to, for every object check on it.
func (a *application) target() access.Target {
	t := access.Target{MunicipalityIDs: []string{a.MunicipalityID.String()}, OwnerSubject: a.applicantSubject}
	for _, o := range a.OrganisationIDs {
		t.OrganisationIDs = append(t.OrganisationIDs, o.String())
	}
	if a.ChildID != nil {
		t.PersonID = a.ChildID.String()
	}
	return t
}

func (a *application) fill() {
	info := submitapplicationapi.Statuses[a.Status]
	a.StatusTitle, a.EPGUStatusCode = info.Title, info.EPGUCode
	a.Overdue = a.Deadline != nil && a.Deadline.Before(time.Now()) && awaitsDecision(a.Service, a.Status)
}

// application is an application as this function holds it: what the API
// shows, and what only the function knows — the order of receipt, who filed
// it and the hash of the request that created it.
type application struct {
	submitapplicationapi.Application
	seq              int64
	applicantSubject string
	requestHash      []byte
}
