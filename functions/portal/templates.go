package portal

import (
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	collegeapi "github.com/kuzbass/eko/functions/college/api"
	guardianshipapi "github.com/kuzbass/eko/functions/guardianship/api"
	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	kdnapi "github.com/kuzbass/eko/functions/kdn/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// pageNames are the page templates; each is parsed together with the layout.
var pageNames = []string{"profile", "children", "child", "audit", "organisation", "error",
	"applications", "apply", "application", "allocations", "allocation", "journal", "lesson", "diary", "grid", "termmarks", "summary", "classjournal",
	"homeworklist", "homework", "review", "issue",
	"portfolios", "portfolio", "claim", "achievement", "credential", "confirmations", "shared", "verify", "attestation", "parked",
	"reports", "campaign", "report", "reportforms", "newcampaign", "kdncases", "kdncase", "kdnrefer", "wards", "ward",
	"admission", "admissionoffice", "admissionlist"}

// kemerovo is the region's time (UTC+7, no daylight saving time).
var kemerovo = kuzbass.Time

var funcs = template.FuncMap{
	// date renders YYYY-MM-DD as ДД.ММ.ГГГГ.
	"date": func(s string) string {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return s
		}
		return t.Format("02.01.2006")
	},
	// datetime renders an instant (or a pointer to one) in the region's time.
	"datetime": func(v any) string {
		switch t := v.(type) {
		case time.Time:
			return t.In(kemerovo).Format("02.01.2006 15:04:05")
		case *time.Time:
			if t != nil {
				return t.In(kemerovo).Format("02.01.2006 15:04:05")
			}
		}
		return ""
	},
	// formAt is the i-th value of a repeated form field, or "".
	"formAt": func(v url.Values, key string, i int) string {
		if i < len(v[key]) {
			return v[key][i]
		}
		return ""
	},
	// stepTitle names a step of an achievement for people.
	"stepTitle": func(a string) string {
		if t := buildportfolioapi.StepTitles[a]; t != "" {
			return t
		}
		return a
	},
	"join": strings.Join,
	// times is 0 … n-1: a form's n repeated lines.
	"times": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	},
	// share is part of whole in whole percent (0 of nothing).
	"share": func(part, whole int) int {
		if whole <= 0 {
			return 0
		}
		return part * 100 / whole
	},
	// number renders a total: whole numbers without a fraction, others with a comma.
	"number": func(v float64) string {
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10)
		}
		return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", ",", 1)
	},
	// aggregateTitle names how a report's cell is consolidated.
	"aggregateTitle": func(a string) string { return collectreportapi.AggregateTitles[a] },
	// wardKind and wardTask name a ward's kind of care and a task.
	"wardKind": func(k string) string {
		return map[string]string{"guardian": "под опекой (попечительством)", "foster": "в приёмной семье", "institution": "в организации для детей-сирот"}[k]
	},
	"wardTask": func(k string) string { return guardianshipapi.TaskTitles[k] },
	// kdnState and kdnReason name a commission's case's state and signal.
	"kdnState": func(s string) string { return kdnapi.StateTitles[s] },
	// admissionStatus and studyForm name an application's status and a
	// specialty's study form.
	"admissionStatus": func(s string) string { return collegeapi.StatusTitles[s] },
	"studyForm":       func(s string) string { return collegeapi.FormTitles[s] },
	"kdnReason":       func(s string) string { return kdnapi.SignalTitles[s] },
	// stateTitle names a report's or a consolidation's state.
	"stateTitle": func(s string) string {
		if t, ok := stateTitles[s]; ok {
			return t
		}
		return s
	},
	// deref renders an optional number.
	"deref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
	"gender": func(g string) string {
		switch g {
		case "M":
			return "мужской"
		case "F":
			return "женский"
		}
		return g
	},
	"orgKind": func(k string) string {
		if t := registryapi.OrganisationKindTitles[k]; t != "" {
			return t
		}
		return k
	},
	"roleTitle": func(r string) string {
		if t := registryapi.RoleTitles[r]; t != "" {
			return t
		}
		return r
	},
	"docType": func(t string) string {
		if s := docTypes[t]; s != "" {
			return s
		}
		return t
	},
	"placement": func(p registryapi.Placement) string {
		s := p.OrganisationName
		if p.ClassName != "" {
			s += ", " + p.ClassName
		}
		return s
	},
	"add1":       func(i int) int { return i + 1 },
	"markKind":   func(k string) string { return postgradeapi.TitleOf(postgradeapi.MarkKinds, k) },
	"attendance": func(s string) string { return postgradeapi.TitleOf(postgradeapi.AttendanceStatuses, s) },
	"trend":      func(s string) string { return postgradeapi.TitleOf(postgradeapi.Trends, s) },
	// shortDate renders YYYY-MM-DD as ДД.ММ.
	"shortDate": func(s string) string {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return s
		}
		return t.Format("02.01")
	},
	// before is the date days before YYYY-MM-DD.
	"before": func(s string, days int) string {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return s
		}
		return t.AddDate(0, 0, -days).Format(time.DateOnly)
	},
	// average renders an optional average with two decimals, or a dash.
	"average": func(p *float64) string {
		if p == nil {
			return "—"
		}
		return strconv.FormatFloat(*p, 'f', 2, 64)
	},
	// percent renders an optional share as a percentage, or a dash.
	"percent": func(p *float64) string {
		if p == nil {
			return "—"
		}
		return strconv.FormatFloat(100**p, 'f', 1, 64) + " %"
	},
	"add": func(a, b int) int { return a + b },
	// has: the repeated form field key holds val.
	"has": func(v url.Values, key, val string) bool { return slices.Contains(v[key], val) },
	// plain renders plain text as people typed it: escaped, line breaks
	// kept, web addresses as links that open apart.
	"plain": plainHTML,
	// excerpt is the start of a text, on one line.
	"excerpt": func(s string) string {
		s = strings.Join(strings.Fields(s), " ")
		if r := []rune(s); len(r) > 160 {
			return string(r[:160]) + "…"
		}
		return s
	},
	// size renders a file's size for people.
	"size": func(n int64) string {
		switch {
		case n >= 1<<20:
			return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " МБ"
		case n >= 1<<10:
			return strconv.FormatInt((n+1023)>>10, 10) + " КБ"
		}
		return strconv.FormatInt(n, 10) + " Б"
	},
	// group is a titled group of a homework list.
	"group": func(group, title string, items []homeworkItem) any {
		return struct {
			Group, Title string
			Items        []homeworkItem
		}{group, title, items}
	},
	// removable is a list of files each with «Убрать» (a form of its own).
	"removable": func(files []issuehomeworkapi.File, csrf string, homework uuid.UUID) any {
		return struct {
			Files          []issuehomeworkapi.File
			CSRF, Homework string
		}{files, csrf, homework.String()}
	},
	// uploader is the file picker of a homework: for "work" or "material".
	"uploader": func(id uuid.UUID, forWhat, label string, accept []string) any {
		return struct{ ID, For, Label, Accept string }{id.String(), forWhat, label, strings.Join(accept, ",")}
	},
	// weekday names the day of YYYY-MM-DD.
	"weekday": func(s string) string {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return ""
		}
		return weekdays[t.Weekday()]
	},
}

// webAddress finds the links of plain text.
var webAddress = regexp.MustCompile(`https?://[^\s<>"']+[^\s<>"'.,;:!?)\]]`)

func plainHTML(s string) template.HTML {
	var b strings.Builder
	for i, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if i > 0 {
			b.WriteString("<br>")
		}
		last := 0
		for _, m := range webAddress.FindAllStringIndex(line, -1) {
			b.WriteString(template.HTMLEscapeString(line[last:m[0]]))
			u := template.HTMLEscapeString(line[m[0]:m[1]])
			b.WriteString(`<a href="` + u + `" rel="noopener noreferrer nofollow" target="_blank">` + u + `</a>`)
			last = m[1]
		}
		b.WriteString(template.HTMLEscapeString(line[last:]))
	}
	return template.HTML(b.String()) //nolint:gosec // every piece is escaped above
}

var weekdays = [...]string{"Воскресенье", "Понедельник", "Вторник", "Среда", "Четверг", "Пятница", "Суббота"}

var docTypes = map[string]string{
	"RF_PASSPORT": "Паспорт гражданина РФ", "BRTH_CERT": "Свидетельство о рождении",
	"FID_DOC": "Документ иностранного гражданина", "FRGN_PASS": "Заграничный паспорт",
}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}
