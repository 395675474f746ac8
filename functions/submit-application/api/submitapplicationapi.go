// Package submitapplicationapi is the contract of the education services
// with the rest of EKO: the wire types of submit-application's API and
// events, its vocabulary (services, statuses with their titles and EPGU
// codes, refusal reasons, the causes of a queue position's change) and a
// typed Client. It is the only part of submit-application another function
// or the portal imports.
package submitapplicationapi

import "github.com/kuzbass/eko/shared/httpx"

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "submit-application"

// Page is a list answer with a keyset cursor.
type Page[T any] = httpx.Page[T]
