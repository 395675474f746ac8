package portal

import (
	"context"
	"net/http"
	"sort"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
)

// orgView is the data of «Моя организация»: one organisation with its classes,
// staff and students, or an official's territory as a list of organisations.
type orgView struct {
	Scope string // "organisation", "municipality" or "region"

	Org          *registryapi.Organisation
	Classes      []registryapi.Class
	ClassesNote  string
	Staff        []registryapi.StaffMember
	StaffNote    string
	Students     []registryapi.Student
	StudentsNote string
	ClassOnly    string // the class teacher's own class, when the list is limited to it
	Journal      bool   // the classes open their journals (the school's own staff)

	Municipality   string
	Municipalities []registryapi.Municipality
	Organisations  []registryapi.Organisation
	Summary        []kindCount
	Next           string
	MunicipalityID string
}

type kindCount struct {
	Kind  string
	Count int
}

var errNotStaff = errs.User(errs.Forbidden, "Раздел «Моя организация» открыт сотрудникам образовательных организаций и органов управления образованием. Если у вас есть такая роль, выберите её вверху страницы.")

// organisation: GET /organisation[?municipality=&after=] — the organisation of
// the active role; for officials their municipality or the region.
func (f *Function) organisation(w http.ResponseWriter, r *http.Request, pg *page) error {
	ctx := r.Context()
	if _, err := pg.withRoles(); err != nil {
		return err
	}
	a := pg.Active
	if a == nil || (a.Kind != kindStaff && a.Kind != kindOfficial) {
		return errNotStaff
	}
	var d orgView
	switch a.Grant.Scope {
	case access.Organisation, access.Class:
		org, err := uuid.Parse(a.Grant.OrganisationID)
		if err != nil {
			return errNotStaff
		}
		if d, err = f.orgDetails(ctx, org, a.Grant); err != nil {
			return err
		}
	case access.Municipality:
		mun, err := uuid.Parse(a.Grant.ScopeID)
		if err != nil {
			return errNotStaff
		}
		if d, err = f.territory(ctx, r, mun, "municipality"); err != nil {
			return err
		}
	case access.Region:
		d = orgView{Scope: "region"}
		if m := r.URL.Query().Get("municipality"); m != "" {
			mun, err := uuid.Parse(m)
			if err != nil {
				return errs.User(errs.NotFound, "Не найдено.")
			}
			if d, err = f.territory(ctx, r, mun, "region"); err != nil {
				return err
			}
		}
		var err error
		if d.Municipalities, err = f.registry.Municipalities(ctx); err != nil {
			return err
		}
	default:
		return errNotStaff
	}
	pg.Data = d
	return pg.render(w, http.StatusOK)
}

// organisationByID: GET /organisations/{id} — an organisation as the registry
// shows it to this user (officials open the organisations of their territory).
func (f *Function) organisationByID(w http.ResponseWriter, r *http.Request, pg *page) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := pg.withRoles(); err != nil {
		return err
	}
	var active access.Grant
	if pg.Active != nil {
		active = pg.Active.Grant
	}
	d, err := f.orgDetails(r.Context(), id, active)
	if err != nil {
		return err
	}
	pg.Title, pg.Data = d.Org.ShortName, d
	return pg.render(w, http.StatusOK)
}

// orgDetails gathers an organisation's card, classes, staff and students. A
// section the user's role may not see is replaced by a note; the registry
// decides, the portal only explains.
func (f *Function) orgDetails(ctx context.Context, id uuid.UUID, active access.Grant) (orgView, error) {
	d := orgView{Scope: "organisation"}
	org, err := f.registry.Organisation(ctx, id)
	if err != nil {
		return d, err
	}
	d.Org = org
	refused := func(err error) bool {
		c := errs.CodeOf(err)
		return c == errs.Forbidden || c == errs.NotFound
	}
	if d.Classes, err = f.registry.Classes(ctx, id); refused(err) {
		d.ClassesNote = "Список классов и групп доступен сотрудникам организации и органам управления образованием."
	} else if err != nil {
		return d, err
	}
	if d.Staff, err = f.registry.Staff(ctx, id); refused(err) {
		d.StaffNote = "Список сотрудников доступен сотрудникам организации и органам управления образованием."
	} else if err != nil {
		return d, err
	}
	var class *uuid.UUID
	if active.Scope == access.Class && active.OrganisationID == id.String() {
		if c, err := uuid.Parse(active.ScopeID); err == nil {
			class = &c
			for _, cl := range d.Classes {
				if cl.ID == c {
					d.ClassOnly = cl.Name
				}
			}
		}
	}
	if d.Students, err = f.registry.Students(ctx, id, class); refused(err) {
		d.StudentsNote = "Список обучающихся доступен администрации организации, классным руководителям (свой класс) и органам управления образованием."
	} else if err != nil {
		return d, err
	}
	d.Journal = f.journal != nil && (org.Kind == "school" || org.Kind == "college") && active.OrganisationID == id.String() && kindOf(active.Role) == kindStaff
	return d, nil
}

// territory lists the organisations of a municipality with a summary by kind.
func (f *Function) territory(ctx context.Context, r *http.Request, mun uuid.UUID, scope string) (orgView, error) {
	d := orgView{Scope: scope, MunicipalityID: mun.String()}
	orgs, err := f.registry.Organisations(ctx, registryapi.OrganisationFilter{Municipality: mun, After: r.URL.Query().Get("after"), Limit: 500})
	if err != nil {
		return d, err
	}
	d.Organisations, d.Next = orgs.Items, orgs.Next
	ms, err := f.registry.Municipalities(ctx)
	if err != nil {
		return d, err
	}
	for _, m := range ms {
		if m.ID == mun {
			d.Municipality = m.Name
		}
	}
	if d.Municipality == "" {
		return d, errs.User(errs.NotFound, "Не найдено.")
	}
	counts := map[string]int{}
	for _, o := range d.Organisations {
		counts[o.Kind]++
	}
	for k, n := range counts {
		d.Summary = append(d.Summary, kindCount{Kind: k, Count: n})
	}
	sort.Slice(d.Summary, func(i, j int) bool { return d.Summary[i].Count > d.Summary[j].Count })
	return d, nil
}
