package publicsite

import (
	"net/http"

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
		m, fe := d.municipality(s)
		if fe != nil {
			return "", nil, errs.Fields("Неверный запрос.", *fe)
		}
		v.Municipality, v.Grade = m, d.firstGrade[m.ID]
	}
	return "Запись в первый класс", v, nil
}
