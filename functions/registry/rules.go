package registry

import (
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
)

// Permissions of the registry API.
const (
	PermOrganisationWrite auth.Permission = "registry.organisation.write"
	PermClassRead         auth.Permission = "registry.class.read"
	PermClassWrite        auth.Permission = "registry.class.write"
	PermStaffRead         auth.Permission = "registry.staff.read"
	PermStaffWrite        auth.Permission = "registry.staff.write"
	PermPersonRead        auth.Permission = "registry.person.read"
	PermRosterRead        auth.Permission = "registry.roster.read" // pupils' names of a class, for the journal
	PermPersonSearch      auth.Permission = "registry.person.search"
	// PermPersonMatch: find the registry person an external system names
	// (by SNILS, or full name and birth date) — external systems' service
	// accounts only; the answer is an id or why there is none.
	PermPersonMatch     auth.Permission = "registry.person.match"
	PermPersonWrite     auth.Permission = "registry.person.write"
	PermPersonReveal    auth.Permission = "registry.person.reveal" // full SNILS and document numbers
	PermEnrollmentWrite auth.Permission = "registry.enrollment.write"
	PermLinkWrite       auth.Permission = "registry.link.write"
	// PermPupilCard: a pupil's card — the name, the birth date, where the
	// pupil studies now, nothing more — for the prevention bodies of the
	// pupil's municipality (the juvenile-affairs commission, the
	// guardianship authority), for their cases.
	PermPupilCard auth.Permission = "registry.pupil.card"
	// PermWardRead: the municipality's wards — children under
	// guardianship, in foster families or in an organisation's care — with
	// their representatives and placements (the guardianship authority).
	PermWardRead auth.Permission = "registry.ward.read"
	// PermWardWrite: link a guardian or a foster parent, or place a child in
	// the care of an organisation for orphans — the guardianship authority's
	// acts, by its officials only.
	PermWardWrite auth.Permission = "registry.ward.write"
	PermAuditRead auth.Permission = "registry.audit.read"
	PermImport    auth.Permission = "registry.import"
)

// orgAdmins run an organisation's records; officials oversee from above.
var (
	officials = []access.Role{access.MinistryOfficial, access.MunicipalOfficial}
	orgAdmins = []access.Role{access.Director, access.DeputyDirector, access.Clerk}
)

func roles(groups ...[]access.Role) []access.Role {
	var out []access.Role
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// Rules is the registry's part of the access policy: which roles may exercise
// each permission. Each role acts only within its scope (the object check).
var Rules = access.Rules{
	PermPersonMatch:       {access.Service},
	PermOrganisationWrite: officials,
	PermClassRead:         roles(officials, orgAdmins, []access.Role{access.Teacher, access.ClassTeacher}),
	PermClassWrite:        roles(officials, orgAdmins),
	PermStaffRead:         roles(officials, orgAdmins, []access.Role{access.Teacher, access.ClassTeacher}),
	PermStaffWrite:        roles(officials, orgAdmins),
	// A person's profile: officials in their territory, the organisation's
	// administration, the class teacher, the parent, the person. Guardianship and
	// KDN officials see the people of their own cases (their modules), not class lists.
	PermPersonRead: roles(officials, orgAdmins, []access.Role{access.ClassTeacher, access.Parent, access.Person}),
	// A class's pupils by name only — what a subject teacher needs to keep
	// the journal of a class they do not lead.
	PermRosterRead:      roles(officials, orgAdmins, []access.Role{access.Teacher, access.ClassTeacher}),
	PermPersonSearch:    officials,
	PermPersonWrite:     roles(officials, orgAdmins),
	PermPersonReveal:    roles([]access.Role{access.MinistryOfficial}, orgAdmins, []access.Role{access.Parent, access.Person}),
	PermEnrollmentWrite: roles(officials, orgAdmins),
	PermLinkWrite:       roles(officials, orgAdmins),
	PermWardWrite:       {access.GuardianshipOfficial},
	PermWardRead:        {access.GuardianshipOfficial},
	PermPupilCard:       {access.KDNOfficial, access.GuardianshipOfficial},
	PermAuditRead:       []access.Role{access.MinistryOfficial, access.Parent, access.Person},
	PermImport:          roles(officials, orgAdmins),
}
