package publicsite

import (
	"net/http"
	"strings"

	"github.com/google/uuid"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// queueView is the kindergarten queue check: the form, and the answer.
type queueView struct {
	Number, BirthDate string
	Queue             *submitapplicationapi.PublicQueue
	Names             map[uuid.UUID]string // the kindergartens' names, from the directory
	Error             string
}

// kindergartenQueue: GET /public-site/kindergarten-queue?number=&birth_date=
// — the form, and with both the application's place in each chosen
// kindergarten's queue as submit-application answers it. Never cached: it
// is one family's answer.
func (f *Function) kindergartenQueue(w http.ResponseWriter, r *http.Request) error {
	v := queueView{Number: strings.TrimSpace(r.URL.Query().Get("number")), BirthDate: r.URL.Query().Get("birth_date"), Names: map[uuid.UUID]string{}}
	status := http.StatusOK
	if v.Number != "" || v.BirthDate != "" {
		if f.opts.Applications == nil {
			return errs.User(errs.Unavailable, "Проверка очереди сейчас недоступна, попробуйте позже.")
		}
		q, err := f.opts.Applications.CheckQueue(r.Context(), v.Number, v.BirthDate)
		switch code := errs.CodeOf(err); {
		case err == nil:
			v.Queue = &q
		case code == errs.Invalid || code == errs.NotFound:
			p := httpx.ProblemOf(err)
			status, v.Error = p.Status, "Заявление не найдено: проверьте номер (вида ДС-2026-0000123) и дату рождения ребёнка."
			if code == errs.Invalid {
				v.Error = "Проверьте номер заявления (вида ДС-2026-0000123) и дату рождения ребёнка."
			}
		default:
			return err
		}
	}
	if d := f.dir.Load(); d != nil && v.Queue != nil {
		for _, p := range v.Queue.Places {
			if i, ok := d.byID[p.KindergartenID]; ok {
				v.Names[p.KindergartenID] = d.orgs[i].ShortName
			}
		}
	}
	b, err := render("kgqueue", view{Title: "Очередь в детский сад", Page: "kgqueue", Data: v})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}
