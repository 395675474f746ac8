package portal

import (
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/errs"
)

// attestationGroup is one kind of a teacher's achievements on the pack.
type attestationGroup struct {
	Code, Title string
	Items       []buildportfolioapi.Achievement
}

// attestation: GET /portfolio/{id}/attestation — a teacher's confirmed
// achievements by kind, each with its document and who confirmed it when,
// as a page to print (or save as PDF from the browser) for the
// attestation commission; for whoever reads the teacher's portfolio.
func (f *Function) attestation(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioOf(r)
	if err != nil {
		return err
	}
	p, err := api.Portfolio(r.Context(), id)
	if err != nil {
		return err
	}
	d := struct {
		OwnerID      uuid.UUID
		Name, School string
		At           time.Time
		Groups       []attestationGroup
	}{OwnerID: id, Name: f.ownerName(pg, id), At: f.Time()}
	if d.Name == "Моё портфолио" {
		if me, err := f.registry.Person(r.Context(), id); err == nil {
			d.Name = me.FullName()
		}
	}
	for _, c := range buildportfolioapi.Categories {
		if c.Owner != buildportfolioapi.OwnerTeacher {
			continue
		}
		g := attestationGroup{Code: c.Code, Title: c.Title}
		for _, a := range p.Achievements {
			if a.OwnerKind == buildportfolioapi.OwnerTeacher && a.Category == c.Code && a.State == buildportfolioapi.Confirmed {
				g.Items = append(g.Items, a)
				if d.School == "" && a.OrganisationID != nil {
					if o, err := f.registry.Organisation(r.Context(), *a.OrganisationID); err == nil {
						d.School = o.ShortName
					}
				}
			}
		}
		if len(g.Items) > 0 {
			d.Groups = append(d.Groups, g)
		}
	}
	if len(d.Groups) == 0 && !slices.ContainsFunc(p.Achievements, func(a buildportfolioapi.Achievement) bool { return a.OwnerKind == buildportfolioapi.OwnerTeacher }) {
		if acc, err := pg.Portfolio(); err != nil || !acc.Teacher {
			return errs.User(errs.NotFound, "Портфолио педагога не найдено.")
		}
	}
	pg.Title = "Портфолио для аттестации: " + d.Name
	pg.Data = d
	return pg.render(w, http.StatusOK)
}

// parkedHit is a registry person who may be a parked result's participant.
type parkedHit struct {
	registryapi.PersonHit
	Parked uuid.UUID
}

// parkedItem is a parked result with the people the registry finds by its
// participant's name and birth date.
type parkedItem struct {
	P    buildportfolioapi.ParkedResult
	Hits []parkedHit
}

// parkedResults: GET /operator/results — the ministry's list of the other
// systems' results nobody matched, each with the registry's people of that
// full name and birth date to choose from.
func (f *Function) parkedResults(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderParked(w, r, pg, http.StatusOK, "", "")
}

func (f *Function) renderParked(w http.ResponseWriter, r *http.Request, pg *page, status int, notice, problem string) error {
	api, err := f.folioAPI()
	if err != nil {
		return err
	}
	list, err := api.Parked(r.Context())
	if err != nil {
		return err
	}
	items := make([]parkedItem, 0, len(list))
	for _, p := range list {
		it := parkedItem{P: p}
		hits, err := f.registry.SearchPeople(r.Context(), p.Result.Participant.FamilyName, p.Result.Participant.GivenName, p.Result.Participant.BirthDate)
		if err == nil {
			for _, h := range hits {
				it.Hits = append(it.Hits, parkedHit{PersonHit: h, Parked: p.ID})
			}
		}
		items = append(items, it)
	}
	pg.Data = struct {
		Items         []parkedItem
		Notice, Error string
	}{items, notice, problem}
	return pg.render(w, status)
}

// matchResult: POST /operator/results/{id}/match (person_id).
func (f *Function) matchResult(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.folioForm(w, r)
	if err != nil {
		return err
	}
	person, err := uuid.Parse(r.PostForm.Get("person_id"))
	if err != nil {
		return errs.User(errs.Invalid, "Форма не прочитана.")
	}
	if _, err := api.MatchParked(r.Context(), id, person); err != nil {
		return refusedOn(err, func(status int, problem string) error { return f.renderParked(w, r, pg, status, "", problem) })
	}
	return f.renderParked(w, r, pg, http.StatusOK, "Результат сопоставлен: достижение в портфолио ученика.", "")
}
