package buildportfolioapi

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/storage"
)

// Achievement is one entry of a portfolio, with where it came from and every
// step it went through.
type Achievement struct {
	ID            uuid.UUID `json:"id"`
	OwnerID       uuid.UUID `json:"owner_id"`
	OwnerKind     string    `json:"owner_kind"` // pupil | teacher
	Category      string    `json:"category"`
	CategoryTitle string    `json:"category_title"`
	Title         string    `json:"title"`
	Level         string    `json:"level,omitempty"`
	LevelTitle    string    `json:"level_title,omitempty"`
	Result        string    `json:"result,omitempty"`
	ResultTitle   string    `json:"result_title,omitempty"`
	// Organiser is who held the olympiad, ran the course, issued the order.
	Organiser string `json:"organiser,omitempty"`
	// AwardedOn (YYYY-MM-DD) is when it was achieved or awarded.
	AwardedOn string `json:"awarded_on"`
	Hours     *int   `json:"hours,omitempty"`
	// Document is the proving document's details as written on it (a
	// diploma's number, an order's number and date).
	Document    string `json:"document,omitempty"`
	Description string `json:"description,omitempty"`
	// OrganisationID is the school the achievement is held at: a teacher's
	// school, the school of a pupil's claim.
	OrganisationID *uuid.UUID `json:"organisation_id,omitempty"`
	Source         string     `json:"source"`
	SourceTitle    string     `json:"source_title"`
	// Origin traces an achievement EKO built or another system posted to
	// the record it came from.
	Origin     *Origin `json:"origin,omitempty"`
	State      string  `json:"state"`
	StateTitle string  `json:"state_title"`
	Version    int     `json:"version"`
	// Files are the proof files (scans) of a claim.
	Files     []File    `json:"files"`
	Steps     []Step    `json:"steps"`
	CreatedAt time.Time `json:"created_at"`
	ChangedAt time.Time `json:"changed_at"`
	// MayDecide: the caller may confirm or reject it now.
	MayDecide bool `json:"may_decide"`
	// MayChange: the caller may add proof files or withdraw the claim now.
	MayChange bool `json:"may_change"`
}

// Origin is the record an achievement was built from: the system, the
// record's id there, the CloudEvent that brought it, when it happened.
type Origin struct {
	System  string     `json:"system"`   // "submit-application", "post-grade", "olympiad"
	Record  string     `json:"record"`   // the record's id in that system
	EventID string     `json:"event_id"` // the CloudEvent id
	At      *time.Time `json:"at,omitempty"`
}

// Step is one thing done to an achievement: claimed, confirmed, rejected,
// withdrawn, built from an event, received from a system.
type Step struct {
	Action    string     `json:"action"`
	State     string     `json:"state"`
	Reason    string     `json:"reason,omitempty"`
	ActorID   *uuid.UUID `json:"actor_id,omitempty"`
	ActorRole string     `json:"actor_role,omitempty"`
	Actor     string     `json:"actor"` // the account, or "service:<system>"
	At        time.Time  `json:"at"`
}

// Steps an achievement goes through.
const (
	StepClaimed   = "claimed"
	StepConfirmed = "confirmed"
	StepRejected  = "rejected"
	StepWithdrawn = "withdrawn"
	StepBuilt     = "built"    // from an event of EKO's own
	StepReceived  = "received" // posted by another system
)

// StepTitles name the steps for people.
var StepTitles = map[string]string{
	StepClaimed:   "добавлено",
	StepConfirmed: "подтверждено",
	StepRejected:  "отклонено",
	StepWithdrawn: "отозвано",
	StepBuilt:     "сформировано по данным ЭКО",
	StepReceived:  "получено от внешней системы",
}

// ClaimRequest is the body of POST /api/build-portfolio/achievements: an
// achievement claimed for a pupil (by the pupil, a parent, the class
// teacher) or by a teacher for the own portfolio.
type ClaimRequest struct {
	// OwnerID is whose it is: the pupil; empty or the caller for a teacher's own.
	OwnerID     string `json:"owner_id,omitempty"`
	OwnerKind   string `json:"owner_kind"` // pupil | teacher
	Category    string `json:"category"`
	Title       string `json:"title"`
	Level       string `json:"level,omitempty"`
	Result      string `json:"result,omitempty"`
	Organiser   string `json:"organiser,omitempty"`
	AwardedOn   string `json:"awarded_on"`
	Hours       *int   `json:"hours,omitempty"`
	Document    string `json:"document,omitempty"`
	Description string `json:"description,omitempty"`
	// OrganisationID picks the school of a teacher who works at several;
	// for a pupil, the school that confirms (the current one by default).
	OrganisationID string `json:"organisation_id,omitempty"`
}

// DecisionRequest is the body of POST …/achievements/{id}/decision.
type DecisionRequest struct {
	Decision string `json:"decision"` // confirmed | rejected
	Reason   string `json:"reason,omitempty"`
	Version  int    `json:"version"`
}

// WithdrawRequest is the body of POST …/achievements/{id}/withdraw.
type WithdrawRequest struct {
	Version int `json:"version"`
}

// Portfolio is a person's achievements as the caller may see them, newest
// first.
type Portfolio struct {
	PersonID     uuid.UUID     `json:"person_id"`
	Achievements []Achievement `json:"achievements"`
}

// Access is what the caller may open of portfolios, as build-portfolio's
// rules decide it from the caller's grants: the portal's navigation renders it.
type Access struct {
	// Pupils are the pupils whose portfolios the caller keeps: oneself, the children.
	Pupils []uuid.UUID `json:"pupils"`
	// Teacher: the caller teaches and keeps a teacher's portfolio.
	Teacher bool `json:"teacher"`
	// Confirms: the caller confirms claims (a class teacher, the administration).
	Confirms bool `json:"confirms"`
	// Operates: the caller matches the other systems' parked results (the ministry).
	Operates bool `json:"operates"`
}

// File is a proof file of a claim (a scan), as storage.File describes it.
type File = storage.File

// UploadRequest is the body of POST …/achievements/{id}/files.
type UploadRequest = storage.UploadRequest

// UploadTicket lets the browser put one file straight into the object
// store; then POST …/files/{file_id}/confirm.
type UploadTicket = storage.UploadTicket

// Download is a short-lived link to a proof file, signed after the access check.
type Download = storage.Download

// Credential is a verifiable credential issued from a portfolio: one
// achievement's Open Badges 3.0 AchievementCredential, or a portfolio's CLR
// 2.0 ClrCredential. Document is the credential with its Data Integrity
// proof (eddsa-rdfc-2022); JWT the same credential as a VC-JWT.
type Credential struct {
	ID           uuid.UUID       `json:"id"`
	OwnerID      uuid.UUID       `json:"owner_id"`
	Kind         string          `json:"kind"` // achievement | portfolio
	Achievements []uuid.UUID     `json:"achievements"`
	Document     json.RawMessage `json:"document"`
	JWT          string          `json:"jwt"`
	IssuedAt     time.Time       `json:"issued_at"`
	Status       string          `json:"status"` // active | revoked
	RevokedAt    *time.Time      `json:"revoked_at,omitempty"`
	RevokeReason string          `json:"revoke_reason,omitempty"`
}

// ExportRequest is the body of POST …/people/{id}/credential: the confirmed
// achievements the portfolio's credential states (none: all of them).
type ExportRequest struct {
	Achievements []string `json:"achievements,omitempty"`
}

// RevokeRequest is the body of POST …/credentials/{id}/revoke.
type RevokeRequest struct {
	Reason string `json:"reason"`
}

// ShareRequest is the body of POST …/people/{id}/shares: the confirmed
// achievements to show and for how many days (1–90, 30 by default).
type ShareRequest struct {
	Achievements []string `json:"achievements"`
	Days         int      `json:"days,omitempty"`
}

// Share is a share link of a portfolio. URL (with the token) is given only
// when it is made; afterwards the link is known by its ID.
type Share struct {
	ID           uuid.UUID   `json:"id"`
	OwnerID      uuid.UUID   `json:"owner_id"`
	Achievements []uuid.UUID `json:"achievements"`
	URL          string      `json:"url,omitempty"`
	Token        string      `json:"token,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	ExpiresAt    time.Time   `json:"expires_at"`
	RevokedAt    *time.Time  `json:"revoked_at,omitempty"`
	Status       string      `json:"status"` // active | expired | revoked
	Views        int         `json:"views"`
	LastViewedAt *time.Time  `json:"last_viewed_at,omitempty"`
}

// Shared is what a share link shows: the chosen achievements still
// confirmed, and nothing else of their owner.
type Shared struct {
	ExpiresAt    time.Time           `json:"expires_at"`
	Achievements []SharedAchievement `json:"achievements"`
}

// SharedAchievement is an achievement as a share link shows it.
type SharedAchievement struct {
	Category    string `json:"category"`
	Title       string `json:"title"`
	Level       string `json:"level,omitempty"`
	Result      string `json:"result,omitempty"`
	Organiser   string `json:"organiser,omitempty"`
	AwardedOn   string `json:"awarded_on"`
	Description string `json:"description,omitempty"`
	Source      string `json:"source"`
}
