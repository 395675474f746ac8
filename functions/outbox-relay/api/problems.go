package outboxrelayapi

import "github.com/kuzbass/eko/shared/errs"

// Problems is everything the relay's operator API refuses with: errs.Common
// only (a malformed request, a body too large, a dead letter not found).
var Problems = errs.Vocabulary{}
