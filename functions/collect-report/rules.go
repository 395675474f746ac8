package collectreport

import (
	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
)

// Permissions of the collect-report API.
const (
	// PermDefine: upload and check form definitions (the ministry).
	PermDefine auth.Permission = "reports.define"
	// PermRead: read form definitions (the ministry, municipalities, the
	// organisations' administration who fill them).
	PermRead auth.Permission = "reports.read"
	// PermCampaign: draft, open and list campaigns (the ministry).
	PermCampaign auth.Permission = "reports.campaign"
	// PermFill: fill and submit the own organisation's submissions (its
	// director and deputies).
	PermFill auth.Permission = "reports.fill"
	// PermReview: return, approve and reopen submissions (a municipality its
	// territory's, the ministry any).
	PermReview auth.Permission = "reports.review"
	// PermConsolidate: send the territory's consolidation to the ministry
	// (a municipality's officials; the ministry decides on it under
	// PermCampaign).
	PermConsolidate auth.Permission = "reports.consolidate"
)

// Rules is this function's part of the access policy. Definitions are the
// region's: a form names no organisation and holds no data.
var Rules = access.Rules{
	PermDefine:      {access.MinistryOfficial},
	PermRead:        {access.MinistryOfficial, access.MunicipalOfficial, access.Director, access.DeputyDirector},
	PermCampaign:    {access.MinistryOfficial},
	PermFill:        {access.Director, access.DeputyDirector},
	PermReview:      {access.MunicipalOfficial, access.MinistryOfficial},
	PermConsolidate: {access.MunicipalOfficial},
}
