package kdn

import (
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
)

// Permissions of the kdn API.
const (
	// PermCase: read the municipality's cases, decide on them, close them
	// (the commission's officials).
	PermCase auth.Permission = "kdn.case"
	// PermRefer: refer a pupil to the commission and report on the measures
	// (the school's administration), and read the school's pupils' cases.
	PermRefer auth.Permission = "kdn.refer"
	// PermChild: see that a child's case exists and how far it got (the
	// parents, the pupil).
	PermChild auth.Permission = "kdn.child"
)

// Rules is this function's part of the access policy. The most sensitive
// data in EKO: nobody else reaches a case, not the ministry, not the
// municipality's education authority.
var Rules = access.Rules{
	PermCase:  {access.KDNOfficial},
	PermRefer: {access.Director, access.DeputyDirector},
	PermChild: {access.Parent, access.Person},
}
