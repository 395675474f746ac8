// Package registryapi is the registry's contract with the rest of EKO: the
// wire types of its API and events, its vocabulary (kinds of organisation,
// staff roles, identity match statuses) and a typed Client. It is the only
// part of the registry another function or the portal imports.
package registryapi

import "github.com/kuzbass/eko/shared/httpx"

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "registry"

// Page is a list answer with a keyset cursor.
type Page[T any] = httpx.Page[T]
