package portal

import (
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
)

// The class's journal as its class teacher reads it: every subject with its
// teacher (the grid and the term marks one click away) and every pupil's
// diary. The post-grade API decides who may open it; names come from the
// registry (the staff list, the roster).

type classSubject struct {
	postgradeapi.ClassAssignment
	Teacher string
}

type classJournalPage struct {
	Class          string
	OrganisationID uuid.UUID
	Subjects       []classSubject
	Pupils         []registryapi.RosterPupil
	// Refers: the caller refers the school's pupils to the juvenile-affairs
	// commission (kdn decides).
	Refers bool
}

// journalClass: GET /journal/classes/{id}
func (f *Function) journalClass(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	cj, err := api.ClassAssignments(ctx, id)
	if err != nil {
		return err
	}
	d := classJournalPage{Class: "Класс", OrganisationID: cj.OrganisationID}
	if acc, err := pg.Cases(); err == nil {
		d.Refers = acc.Refers
	}
	if classes, err := f.registry.Classes(ctx, cj.OrganisationID); err == nil {
		for _, c := range classes {
			if c.ID == id {
				d.Class = c.Name
			}
		}
	}
	teachers := map[uuid.UUID]string{}
	if staff, err := f.registry.Staff(ctx, cj.OrganisationID); err == nil {
		for _, s := range staff {
			teachers[s.PersonID] = s.FullName
		}
	}
	for _, a := range cj.Items {
		d.Subjects = append(d.Subjects, classSubject{ClassAssignment: a, Teacher: teachers[a.TeacherID]})
	}
	if d.Pupils, err = f.registry.Roster(ctx, cj.OrganisationID, id); err != nil {
		return err
	}
	slices.SortFunc(d.Pupils, func(a, b registryapi.RosterPupil) int { return strings.Compare(a.FullName(), b.FullName()) })
	pg.Data = d
	return pg.render(w, http.StatusOK)
}
