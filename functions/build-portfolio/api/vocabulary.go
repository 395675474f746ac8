package buildportfolioapi

// Whose portfolio an achievement belongs to.
const (
	OwnerPupil   = "pupil"
	OwnerTeacher = "teacher"
)

// Category is a kind of achievement: what a form asks for and how the
// portfolio groups it.
type Category struct {
	Code  string `json:"code"`
	Title string `json:"title"`
	Owner string `json:"owner"` // pupil | teacher
	// Ranked kinds (olympiads, competitions, sports, creative contests) have
	// a level and a result.
	Ranked bool `json:"ranked"`
	// Hours: the kind counts hours (professional development courses).
	Hours bool `json:"hours"`
	// Document names the document that proves it («диплом», «приказ»).
	Document string `json:"document"`
}

// Categories are the kinds of achievements, pupils' first.
var Categories = []Category{
	{Code: "olympiad", Title: "Олимпиада", Owner: OwnerPupil, Ranked: true, Document: "диплом"},
	{Code: "competition", Title: "Конкурс, соревнование", Owner: OwnerPupil, Ranked: true, Document: "диплом"},
	{Code: "sport", Title: "Спорт", Owner: OwnerPupil, Ranked: true, Document: "диплом"},
	{Code: "gto", Title: "Знак ГТО", Owner: OwnerPupil, Document: "удостоверение"},
	{Code: "creative", Title: "Творчество", Owner: OwnerPupil, Ranked: true, Document: "диплом"},
	{Code: "project", Title: "Проект, исследование", Owner: OwnerPupil, Document: "сертификат"},
	{Code: "volunteering", Title: "Волонтёрство", Owner: OwnerPupil, Hours: true, Document: "книжка волонтёра"},
	{Code: "additional_education", Title: "Дополнительное образование", Owner: OwnerPupil, Document: "свидетельство"},
	{Code: "exam", Title: "Экзамен", Owner: OwnerPupil, Document: "протокол"},
	{Code: "year_honours", Title: "Отличная учёба", Owner: OwnerPupil, Document: "ведомость"},
	{Code: "qualification", Title: "Квалификационная категория", Owner: OwnerTeacher, Document: "приказ"},
	{Code: "course", Title: "Повышение квалификации", Owner: OwnerTeacher, Hours: true, Document: "удостоверение"},
	{Code: "award", Title: "Награда", Owner: OwnerTeacher, Document: "приказ"},
	{Code: "methodological", Title: "Методическая работа", Owner: OwnerTeacher, Document: "сертификат"},
	{Code: "mentor", Title: "Результаты учеников", Owner: OwnerTeacher, Ranked: true, Document: "диплом"},
}

// CategoryOf is the category with code; ok is false for an unknown one.
func CategoryOf(code string) (Category, bool) {
	for _, c := range Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// Levels of a ranked achievement, lowest first.
var Levels = []Term{
	{"school", "школьный"}, {"municipal", "муниципальный"}, {"regional", "региональный"},
	{"federal", "всероссийский"}, {"international", "международный"},
}

// Results of a ranked achievement.
var Results = []Term{{"participant", "участник"}, {"prize_winner", "призёр"}, {"winner", "победитель"}}

// Term is a code of the vocabulary with its words.
type Term struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// TitleOf is the title of code among terms, "" for an unknown one.
func TitleOf(terms []Term, code string) string {
	for _, t := range terms {
		if t.Code == code {
			return t.Title
		}
	}
	return ""
}

// Where an achievement came from.
const (
	// SourceEKO: built from an event of EKO's own (a programme completed, an
	// exam result, year marks), nobody typed it.
	SourceEKO = "eko"
	// SourceClaim: claimed by the pupil, a parent or the teacher with a proof
	// file, and confirmed by the organisation.
	SourceClaim = "claim"
	// SourceExternal: posted by another system (a regional olympiad operator).
	SourceExternal = "external"
)

// Sources name the sources for people.
var Sources = map[string]string{
	SourceEKO:      "из данных ЭКО",
	SourceClaim:    "добавлено вручную",
	SourceExternal: "передано внешней системой",
}

// States of an achievement. One from EKO's events or another system is
// confirmed from the start.
const (
	Claimed   = "claimed"   // waiting for the organisation's decision
	Confirmed = "confirmed" // confirmed: the school sees it, it can be exported
	Rejected  = "rejected"  // rejected with a reason
	Withdrawn = "withdrawn" // taken back by the one who claimed it
)

// States name the states for people.
var States = map[string]string{
	Claimed:   "на подтверждении",
	Confirmed: "подтверждено",
	Rejected:  "отклонено",
	Withdrawn: "отозвано заявителем",
}

// Decisions of a confirmer on a claim.
const (
	Confirm = "confirmed"
	Reject  = "rejected"
)

// Verification is what POST /api/build-portfolio/verify (and `eko verify`)
// finds of a credential: valid or exactly why not, who issued it and what
// it states.
type Verification struct {
	Valid bool `json:"valid"`
	// Reason is the machine code of why not (ReasonVerify*); Problem says
	// it in Russian.
	Reason  string `json:"reason,omitempty"`
	Problem string `json:"problem,omitempty"`
	// Format: "data-integrity" (eddsa-rdfc-2022) or "jwt" (VC-JWT, EdDSA).
	Format       string   `json:"format,omitempty"`
	Types        []string `json:"types,omitempty"`
	IssuerID     string   `json:"issuer_id,omitempty"`
	IssuerName   string   `json:"issuer_name,omitempty"`
	KeyID        string   `json:"key_id,omitempty"`
	ValidFrom    string   `json:"valid_from,omitempty"`
	ValidUntil   string   `json:"valid_until,omitempty"`
	CredentialID string   `json:"credential_id,omitempty"`
	// Status: "active", "revoked", or "unchecked" (no status list could be
	// read: offline).
	Status string `json:"status,omitempty"`
	// Achievements are what it states: each achievement's name and
	// description (a portfolio's: every one of them).
	Achievements []StatedAchievement `json:"achievements,omitempty"`
	// Development: signed by the development key (`make run`), trusted only
	// where the development key is.
	Development bool `json:"development,omitempty"`
}

// StatedAchievement is one achievement a credential states.
type StatedAchievement struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type,omitempty"`
	AwardedOn   string `json:"awarded_on,omitempty"`
}

// Why a credential fails verification (Verification.Reason).
const (
	VerifyMalformed   = "malformed"     // not a credential: not JSON or a JWT, required members missing
	VerifyContext     = "context"       // a context that is not pinned, or not VC 2.0 first
	VerifyUndefined   = "undefined"     // a member no context defines (it would not be signed)
	VerifyNoProof     = "no_proof"      // no proof, or one of a suite not supported
	VerifyUnknownKey  = "unknown_key"   // signed by a key not trusted here
	VerifySignature   = "signature"     // the signature does not match: tampered or re-signed
	VerifyNotYetValid = "not_yet_valid" // validFrom is in the future
	VerifyExpired     = "expired"       // validUntil has passed
	VerifyRevoked     = "revoked"       // the status list says revoked
	VerifyStatus      = "status"        // the status list cannot be trusted (its own proof fails)
)
