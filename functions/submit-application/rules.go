package submitapplication

import (
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
)

// Permissions of the submit-application API.
const (
	// PermSubmit: a parent applies for an own child.
	PermSubmit auth.Permission = "applications.application.submit"
	// PermRead: read one application with its history, or list applications.
	PermRead auth.Permission = "applications.application.read"
	// PermStatus: change the status of an application (staff), or withdraw it (the parent).
	PermStatus auth.Permission = "applications.application.status"
	// PermDecide, PermOrganisationDecide and PermWithdraw are the object
	// checks behind PermStatus: who moves an application of the kindergarten
	// queue or of additional education (the organisation or the
	// municipality), who moves a first-grade one (the school alone: its
	// administration), and who may only withdraw one (the parent).
	PermDecide             auth.Permission = "applications.application.decide"
	PermOrganisationDecide auth.Permission = "applications.organisation.decide"
	PermWithdraw           auth.Permission = "applications.application.withdraw"

	// PermQueueRead: read an application's kindergarten queue positions and their explained history.
	PermQueueRead auth.Permission = "applications.queue.read"
	// PermPrivilegeDecide: confirm or revoke a claimed privilege (kindergarten staff, the municipality).
	PermPrivilegeDecide auth.Permission = "applications.privilege.decide"
	// PermKindergartenChoice: the parent changes kindergartens, desired start or group type.
	PermKindergartenChoice auth.Permission = "applications.kindergarten.change"
	// PermAllocationRun: create, recompute and confirm an allocation campaign (the municipality).
	PermAllocationRun auth.Permission = "applications.allocation.run"
	// PermAllocationRead: read allocation campaigns and their results.
	PermAllocationRead auth.Permission = "applications.allocation.read"
	// PermDirectionAnswer: the parent accepts or declines a direction.
	PermDirectionAnswer auth.Permission = "applications.direction.answer"

	// PermWindowsManage: set the first-grade enrollment windows (the ministry for
	// the region, a municipal education authority for its own).
	PermWindowsManage auth.Permission = "applications.windows.manage"
	// PermPlacesManage: set a school's planned first-grade places (its
	// administration, or the municipal education authority).
	PermPlacesManage auth.Permission = "applications.places.manage"
	// PermProgrammeManage: publish and change additional-education programmes.
	PermProgrammeManage auth.Permission = "applications.programme.manage"
	// PermCertificateIssue: a parent asks for an own child's additional-education certificate.
	PermCertificateIssue auth.Permission = "applications.certificate.issue"
	// PermCertificateRead: read a certificate (the parent, the ministry; staff by its number).
	PermCertificateRead auth.Permission = "applications.certificate.read"
	// PermStatistics: service accounting (the ministry, municipal education authorities).
	PermStatistics auth.Permission = "applications.statistics.read"
	// PermCounts: an organisation's services in numbers — its queues, the
	// applications addressed to it (the ministry, municipalities, the
	// organisations' staff).
	PermCounts auth.Permission = "applications.organisation.count"
)

// Who does what, each within the scope of the grant.
var (
	// orgStaff process the applications addressed to their organisation.
	orgStaff = []access.Role{access.Director, access.DeputyDirector, access.Clerk}
	// processors may move an application along the transition table: the
	// organisation's administration and the municipal education authority
	// (which runs the kindergarten queue).
	processors = append([]access.Role{access.MunicipalOfficial}, orgStaff...)
	// readers see applications: the parent (own child), the organisation's
	// administration, the municipality, and the ministry (the whole region).
	readers = append([]access.Role{access.Parent, access.MinistryOfficial, access.MunicipalOfficial}, orgStaff...)
)

// Rules is this function's part of the access policy: which roles may exercise
// each permission. The handler then checks that one of the caller's grants of
// those roles reaches the application (Require), and answers 404 otherwise.
var Rules = access.Rules{
	PermSubmit: {access.Parent},
	PermRead:   readers,
	PermStatus: append([]access.Role{access.Parent}, processors...),

	PermDecide:             processors,
	PermOrganisationDecide: orgStaff,
	PermWithdraw:           {access.Parent},

	PermQueueRead:          readers,
	PermPrivilegeDecide:    processors,
	PermKindergartenChoice: {access.Parent},
	PermAllocationRun:      {access.MunicipalOfficial},
	// Kindergarten staff read the results for their kindergarten.
	PermAllocationRead:  append([]access.Role{access.MinistryOfficial, access.MunicipalOfficial}, orgStaff...),
	PermDirectionAnswer: {access.Parent},

	PermWindowsManage:    {access.MinistryOfficial, access.MunicipalOfficial},
	PermPlacesManage:     processors,
	PermProgrammeManage:  processors,
	PermCertificateIssue: {access.Parent},
	PermCertificateRead:  append([]access.Role{access.Parent, access.MinistryOfficial}, orgStaff...),
	PermStatistics:       {access.MinistryOfficial, access.MunicipalOfficial},
	PermCounts:           append([]access.Role{access.MinistryOfficial, access.MunicipalOfficial}, orgStaff...),
}
