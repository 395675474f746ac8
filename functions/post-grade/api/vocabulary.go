package postgradeapi

// Term is a code of the journal's vocabulary with its title in Russian.
type Term struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// MarkKind is a kind of work a mark is given for, with its weight in the
// weighted average (the journal.mark_kinds table holds the same weights).
type MarkKind struct {
	Term
	Weight float64 `json:"weight"`
}

// MarkKinds are the kinds of marks, in the order a teacher chooses among them.
var MarkKinds = []MarkKind{
	{Term{"oral", "Устный ответ"}, 1},
	{Term{"homework", "Домашняя работа"}, 1},
	{Term{"independent", "Самостоятельная работа"}, 1.5},
	{Term{"test", "Проверочная работа"}, 2},
	{Term{"control", "Контрольная работа"}, 3},
	{Term{"dictation", "Диктант"}, 2},
}

// AttendanceStatuses are what a pupil's attendance of a lesson may be;
// "present" is what no record means.
var AttendanceStatuses = []Term{
	{"present", "был(а)"},
	{"absent_illness", "болел(а)"},
	{"absent_excused", "отсутствовал(а) по уважительной причине"},
	{"absent_unexcused", "отсутствовал(а) без уважительной причины"},
	{"late", "опоздал(а)"},
}

// PeriodKinds are the ways a school divides its year.
var PeriodKinds = []Term{{"quarter", "четверть"}, {"trimester", "триместр"}, {"semester", "полугодие"}}

// Trends say where a pupil's marks in a subject are going.
var Trends = []Term{{"up", "растёт ↑"}, {"down", "снижается ↓"}, {"flat", "без изменений"}, {"unknown", "—"}}

// YearMarkKinds are the marks for the whole year: the year mark and the final one.
var YearMarkKinds = []Term{{"year", "Годовые отметки"}, {"final", "Итоговые отметки"}}

// TitleOf is the title of code among terms, or code itself when unknown.
func TitleOf[T interface{ term() Term }](terms []T, code string) string {
	for _, t := range terms {
		if t.term().Code == code {
			return t.term().Title
		}
	}
	return code
}

func (t Term) term() Term     { return t }
func (k MarkKind) term() Term { return k.Term }

// ExamKinds name the examinations whose results the journal loads.
var ExamKinds = map[string]string{"oge": "ОГЭ", "ege": "ЕГЭ", "gve": "ГВЭ", "entrance": "вступительное испытание"}
