package publicsite

import (
	"net/http"
	"slices"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/errs"
)

// firstGradeView is the first-grade admission's page.
type firstGradeView struct {
	Year           int
	Municipalities []registryapi.Municipality
	Municipality   *registryapi.Municipality
	Grade          firstGrade
}

// firstGradePage: GET /public-site/first-grade?municipality= — next
// September's admission: the municipality's windows and each school's
// places, applications and free places (as of the snapshot).
func (f *Function) firstGradePage(d *directory, r *http.Request) (string, any, error) {
	v := firstGradeView{Year: d.firstGradeYear, Municipalities: d.municipalities}
	if s := r.URL.Query().Get("municipality"); s != "" {
		id, err := uuid.Parse(s)
		i := slices.IndexFunc(d.municipalities, func(m registryapi.Municipality) bool { return m.ID == id })
		if err != nil || i < 0 {
			return "", nil, errs.Fields("Неверный запрос.", errs.FieldError{Field: "municipality", Code: errs.Unknown, Message: "такого муниципального образования нет в справочнике"})
		}
		v.Municipality, v.Grade = &d.municipalities[i], d.firstGrade[id]
	}
	return "Запись в первый класс", v, nil
}
