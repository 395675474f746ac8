package guardianship

import (
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
)

// PermWard: the municipality's wards, their tasks, case notes and visits
// (the guardianship authority's officials).
const PermWard auth.Permission = "guardianship.ward"

// Rules is this function's part of the access policy: the guardianship
// authority's officials, and nobody else — not the ministry, not the
// education authority, not the school.
var Rules = access.Rules{PermWard: {access.GuardianshipOfficial}}
