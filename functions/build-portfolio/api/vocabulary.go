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
