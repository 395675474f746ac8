// Package platform owns the "platform" schema that every function shares: the
// transactional outbox, the consumers' record of processed events, and the
// append-only audit log of personal-data access (shared/audit).
package platform

import (
	"embed"

	"github.com/kuzbass/eko/shared/db"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the platform's migrations. It is applied before any function's schema.
func Schema() db.Schema {
	return db.EmbeddedSchema("platform", migrations, "migrations")
}
