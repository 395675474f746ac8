package submitapplicationapi

import "github.com/google/uuid"

// Access is what the caller may do with the education services, as
// submit-application's rules decide it from the caller's grants: pages render
// it (the portal's navigation) and never decide it themselves.
type Access struct {
	// Applies: a parent, who applies for own children and follows the applications.
	Applies bool `json:"applies"`
	// Processes: reads the applications addressed to an organisation or a
	// territory (staff, municipal authorities, the ministry).
	Processes bool `json:"processes"`
	// Allocates are the municipalities whose kindergarten allocation the caller runs.
	Allocates []uuid.UUID `json:"allocates"`
}
