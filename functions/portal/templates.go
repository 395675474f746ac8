package portal

import (
	"html/template"
	"net/url"
	"strconv"
	"time"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// pageNames are the page templates; each is parsed together with the layout.
var pageNames = []string{"profile", "children", "child", "audit", "organisation", "error",
	"applications", "apply", "application", "allocations", "allocation", "journal", "lesson", "diary", "grid", "termmarks", "summary", "classjournal"}

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
	// weekday names the day of YYYY-MM-DD.
	"weekday": func(s string) string {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return ""
		}
		return weekdays[t.Weekday()]
	},
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
