package submitapplication

import (
	"slices"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
)

// Transitions lists, for each status, the statuses staff may move it to. A
// status absent from the table is final.
var Transitions = map[submitapplicationapi.Status][]submitapplicationapi.Status{
	submitapplicationapi.Submitted:          {submitapplicationapi.Checking, submitapplicationapi.DocumentsRequested, submitapplicationapi.Registered, submitapplicationapi.Refused, submitapplicationapi.Withdrawn},
	submitapplicationapi.Checking:           {submitapplicationapi.DocumentsRequested, submitapplicationapi.Registered, submitapplicationapi.Refused, submitapplicationapi.Withdrawn},
	submitapplicationapi.DocumentsRequested: {submitapplicationapi.Checking, submitapplicationapi.Registered, submitapplicationapi.Refused, submitapplicationapi.Withdrawn},
	submitapplicationapi.Registered:         {submitapplicationapi.DocumentsRequested, submitapplicationapi.Directed, submitapplicationapi.Enrolled, submitapplicationapi.Refused, submitapplicationapi.Withdrawn, submitapplicationapi.Archived},
	submitapplicationapi.Directed:           {submitapplicationapi.Enrolled, submitapplicationapi.DirectionDeclined, submitapplicationapi.DirectionExpired, submitapplicationapi.Withdrawn},
	submitapplicationapi.DirectionDeclined:  {submitapplicationapi.Registered, submitapplicationapi.Archived},
	submitapplicationapi.DirectionExpired:   {submitapplicationapi.Registered, submitapplicationapi.Archived},
	submitapplicationapi.Enrolled:           {submitapplicationapi.Archived},
	submitapplicationapi.Refused:            {submitapplicationapi.Archived},
	submitapplicationapi.Withdrawn:          {submitapplicationapi.Archived},
}

// Active statuses hold the child's place: a second application for the same
// child and service target is refused while one is active. The partial unique
// index applications_active_uniq lists the same statuses.
var Active = []submitapplicationapi.Status{submitapplicationapi.Submitted, submitapplicationapi.Checking, submitapplicationapi.DocumentsRequested, submitapplicationapi.Registered, submitapplicationapi.Directed, submitapplicationapi.DirectionDeclined, submitapplicationapi.DirectionExpired}

// CanMove reports whether the transition table allows from → to.
func CanMove(from, to submitapplicationapi.Status) bool {
	return slices.Contains(Transitions[from], to)
}

// statusOf parses s, reporting whether it is a known status.
func statusOf(s string) (submitapplicationapi.Status, bool) {
	_, ok := submitapplicationapi.Statuses[submitapplicationapi.Status(s)]
	return submitapplicationapi.Status(s), ok
}

// decisions are, per service, the statuses that answer the application within
// its deadline: the kindergarten queue registers or refuses (7 days), a school
// enrolls or refuses (its order), an additional-education organisation
// registers, enrolls or refuses. The first of them sets decided_at; an
// application still short of one past its deadline is overdue.
var decisions = map[submitapplicationapi.Service][]submitapplicationapi.Status{
	submitapplicationapi.Kindergarten:        {submitapplicationapi.Registered, submitapplicationapi.Refused},
	submitapplicationapi.FirstGrade:          {submitapplicationapi.Enrolled, submitapplicationapi.Refused},
	submitapplicationapi.AdditionalEducation: {submitapplicationapi.Registered, submitapplicationapi.Enrolled, submitapplicationapi.Refused},
}

// undecided are the statuses an application may be overdue in (withdrawn,
// archived and the decisions are not work left to do). The partial index
// applications_undecided_idx lists the same statuses.
var undecided = []submitapplicationapi.Status{submitapplicationapi.Submitted, submitapplicationapi.Checking, submitapplicationapi.DocumentsRequested, submitapplicationapi.Registered}

// awaitsDecision reports whether an application of service in status s still
// waits for the decision its deadline is for: the same rule as decided_at,
// for callers that only see the status (past its deadline, it is overdue).
func awaitsDecision(service submitapplicationapi.Service, s submitapplicationapi.Status) bool {
	return slices.Contains(undecided, s) && !decides(service, s)
}

// decides reports whether moving an application of service to s answers it.
func decides(service submitapplicationapi.Service, s submitapplicationapi.Status) bool {
	return slices.Contains(decisions[service], s)
}

func statusStrings(list []submitapplicationapi.Status) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}

// isActive reports whether s holds the child's place.
func isActive(s submitapplicationapi.Status) bool { return slices.Contains(Active, s) }

// ranked reports whether an application in s stays in a school's ranked list
// (the active statuses and enrolled).
func ranked(s submitapplicationapi.Status) bool {
	return isActive(s) || s == submitapplicationapi.Enrolled
}
