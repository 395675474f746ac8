package publicsite

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/errs"
)

// programmesView is the additional-education catalogue's page.
type programmesView struct {
	Municipalities []registryapi.Municipality
	Municipality   uuid.UUID
	Age            string
	Text           string
	Found          []*programme
}

// programmesPage: GET /public-site/programmes?municipality=&age=&q= — the
// open programmes with their organisation, ages and free places (as of the
// snapshot), those with free places first.
func (f *Function) programmesPage(d *directory, r *http.Request) (string, any, error) {
	in := r.URL.Query()
	v := programmesView{Municipalities: d.municipalities, Age: in.Get("age"), Text: strings.TrimSpace(in.Get("q"))}
	var fe []errs.FieldError
	if s := in.Get("municipality"); s != "" {
		if m, bad := d.municipality(s); bad != nil {
			fe = append(fe, *bad)
		} else {
			v.Municipality = m.ID
		}
	}
	age := 0
	if v.Age != "" {
		n, err := strconv.Atoi(v.Age)
		if err != nil || n < 5 || n > 18 {
			fe = append(fe, errs.FieldError{Field: "age", Code: errs.Range, Message: "возраст ребёнка — от 5 до 18 лет"})
		}
		age = n
	}
	if utf8.RuneCountInString(v.Text) > 100 || !utf8.ValidString(v.Text) {
		fe = append(fe, errs.FieldError{Field: "q", Code: errs.Length, Message: "поисковый запрос — не длиннее 100 символов"})
	}
	if len(fe) > 0 {
		return "", nil, errs.Fields("Неверный запрос к каталогу.", fe...)
	}
	folded, grams := searchKey(v.Text)
	type hit struct {
		p     *programme
		score float64
	}
	var hits []hit
	for i := range d.programmes {
		p := &d.programmes[i]
		if v.Municipality != uuid.Nil && p.MunicipalityID != v.Municipality || age != 0 && (age < p.AgeFrom || age > p.AgeTo) {
			continue
		}
		if s := match(folded, grams, p.folded, p.grams); s > 0 {
			hits = append(hits, hit{p, s})
		}
	}
	full := func(p *programme) bool { return p.FreePlaces != nil && *p.FreePlaces <= 0 }
	slices.SortStableFunc(hits, func(a, b hit) int {
		if fa, fb := full(a.p), full(b.p); fa != fb {
			if fa {
				return 1
			}
			return -1
		}
		return cmp.Compare(b.score, a.score)
	})
	for _, h := range hits {
		v.Found = append(v.Found, h.p)
	}
	return "Дополнительное образование", v, nil
}

// Free says the programme's free places for people.
func (p *programme) Free() string {
	switch {
	case p.FreePlaces == nil:
		return "без ограничения мест"
	case *p.FreePlaces <= 0:
		return "мест нет"
	}
	return "свободных мест: " + strconv.Itoa(*p.FreePlaces)
}

// FreeAttr is the free places for a page's data attribute: a number, or
// "unlimited".
func (p *programme) FreeAttr() string {
	if p.FreePlaces == nil {
		return "unlimited"
	}
	return strconv.Itoa(*p.FreePlaces)
}
