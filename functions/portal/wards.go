package portal

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/google/uuid"

	guardianshipapi "github.com/kuzbass/eko/functions/guardianship/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// The guardianship authority's pages: its wards with their open tasks, and
// one ward's file — the tasks (closed with what was done), case notes and
// visits. guardianship decides everything with the official's token.

func (f *Function) mountWards(rt *httpx.Router) {
	rt.Handle(http.MethodGet, "/wards", auth.Authenticated, f.pageOf("wards", "Опека и попечительство", f.wardsPage))
	rt.Handle(http.MethodGet, "/wards/{id}", auth.Authenticated, f.pageOf("ward", "Подопечный", f.wardPage))
	rt.Handle(http.MethodPost, "/wards/{id}/notes", auth.Authenticated, f.pageOf("ward", "Подопечный", f.wardNote))
	rt.Handle(http.MethodPost, "/wards/{id}/tasks/{task}/done", auth.Authenticated, f.pageOf("ward", "Подопечный", f.wardTaskDone))
}

func (f *Function) wardsAPI() (*guardianshipapi.Client, error) {
	if f.wardship == nil {
		return nil, errs.User(errs.Unavailable, "Раздел органа опеки сейчас недоступен.")
	}
	return f.wardship, nil
}

// wardsPage: GET /wards.
func (f *Function) wardsPage(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.wardsAPI()
	if err != nil {
		return err
	}
	if _, err := pg.withRoles(); err != nil {
		return err
	}
	list, err := api.Wards(r.Context())
	if err != nil {
		return err
	}
	pg.Data = list
	return pg.render(w, http.StatusOK)
}

// wardView is the data of a ward's file.
type wardView struct {
	F        guardianshipapi.WardFile
	Subjects map[uuid.UUID]string // the «low marks» tasks' subjects named
	// Organisations name the organisations of the ward's enrollments (the
	// registry's public cards).
	Organisations map[uuid.UUID]string
	Notice        string
	Error         string
}

var wardNotices = map[string]string{"noted": "Запись сохранена.", "done": "Задача закрыта."}

// wardPage: GET /wards/{id}.
func (f *Function) wardPage(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderWard(w, r, pg, http.StatusOK, wardNotices[r.URL.Query().Get("done")], "")
}

func (f *Function) renderWard(w http.ResponseWriter, r *http.Request, pg *page, status int, notice, problem string) error {
	api, err := f.wardsAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := pg.withRoles(); err != nil {
		return err
	}
	file, err := api.Ward(r.Context(), id)
	if err != nil {
		return err
	}
	v := wardView{F: file, Notice: notice, Error: problem}
	if slices.ContainsFunc(file.Tasks, func(t guardianshipapi.Task) bool { return len(t.Subjects) > 0 }) {
		name := f.subjectNames(r)
		v.Subjects = map[uuid.UUID]string{}
		for _, t := range file.Tasks {
			for _, s := range t.Subjects {
				v.Subjects[s] = name(s)
			}
		}
	}
	v.Organisations = map[uuid.UUID]string{}
	for _, e := range file.Enrollments {
		if _, ok := v.Organisations[e.OrganisationID]; ok {
			continue
		}
		v.Organisations[e.OrganisationID] = "организация"
		if o, err := f.registry.Organisation(r.Context(), e.OrganisationID); err == nil {
			v.Organisations[e.OrganisationID] = o.ShortName
		}
	}
	pg.Title, pg.Data = file.FullName, v
	return pg.render(w, status)
}

// wardStep posts one step and shows the file again: done, or the refusal.
func (f *Function) wardStep(w http.ResponseWriter, r *http.Request, pg *page, done string, do func(api *guardianshipapi.Client, id uuid.UUID) error) error {
	return postStep(f, w, r, f.wardsAPI, do, func(status int, problem string) error { return f.renderWard(w, r, pg, status, "", problem) },
		func(id uuid.UUID) string { return "/wards/" + id.String() + "?done=" + done })
}

// wardNote: POST /wards/{id}/notes (kind, text, visited_on).
func (f *Function) wardNote(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.wardStep(w, r, pg, "noted", func(api *guardianshipapi.Client, id uuid.UUID) error {
		_, err := api.AddNote(r.Context(), id, guardianshipapi.NoteRequest{Kind: r.PostForm.Get("kind"), Text: r.PostForm.Get("text"),
			VisitedOn: r.PostForm.Get("visited_on")})
		return err
	})
}

// wardTaskDone: POST /wards/{id}/tasks/{task}/done (outcome).
func (f *Function) wardTaskDone(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.wardStep(w, r, pg, "done", func(api *guardianshipapi.Client, id uuid.UUID) error {
		task, err := strconv.ParseInt(r.PathValue("task"), 10, 64)
		if err != nil {
			return errs.User(errs.NotFound, "Не найдено.")
		}
		_, err = api.Done(r.Context(), task, guardianshipapi.DoneRequest{Outcome: r.PostForm.Get("outcome")})
		return err
	})
}
