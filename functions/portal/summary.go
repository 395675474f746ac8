package portal

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
)

// The journal's summary for those who oversee schools rather than teach:
// the ministry (the region by municipality, then a municipality's schools),
// a municipal authority (its schools), a school's administration (its
// classes or subjects). It shows what the post-grade API's aggregates show —
// counts, averages, attendance and journal completeness — and never a pupil.

// summaryRow is a line of the summary: a municipality, a school, a class or
// a subject.
type summaryRow struct {
	postgradeapi.Aggregate
	Name string
	Link string // the municipality's or the school's own summary, for officials
}

// Completeness is the share of lessons with attendance taken, in percent.
func (r summaryRow) Completeness() float64 {
	if r.Lessons == 0 {
		return 0
	}
	return 100 * float64(r.Lessons-r.LessonsWithoutAttendance) / float64(r.Lessons)
}

type summaryPage struct {
	From, To       string
	By             string // municipality | organisation | class | subject
	Municipality   string // the territory's name
	MunicipalityID string
	Municipalities []registryapi.Municipality // the ministry's: the choice and the rows' names
	School         string                     // the school's name, when one school is shown
	SchoolID       string
	Rows           []summaryRow
	Total          summaryRow
}

var errNotOverseer = errs.User(errs.Forbidden, "Сводка журнала открыта министерству, муниципальным органам управления образованием и администрации школ. Если у вас есть такая роль, выберите её вверху страницы.")

// holds reports whether ids holds the id written as s.
func holds(ids []uuid.UUID, s string) bool {
	id, err := uuid.Parse(s)
	return err == nil && slices.Contains(ids, id)
}

// journalSummary: GET /summary/journal?from=&to=[&municipality=][&organisation=][&by=class|subject] —
// without municipality or organisation, the ministry sees the region by municipality.
func (f *Function) journalSummary(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.journalAPI()
	if err != nil {
		return err
	}
	ctx, in := r.Context(), r.URL.Query()
	if _, err := pg.withRoles(); err != nil {
		return err
	}
	a := pg.Active
	if a == nil {
		return errNotOverseer
	}
	d := summaryPage{}
	q := url.Values{}
	for _, k := range []string{"from", "to"} {
		if s := in.Get(k); s != "" {
			q.Set(k, s)
		}
	}
	school := in.Get("organisation")
	// Which summary the active role shows, of those post-grade says the
	// caller oversees: the region's, a municipality's, a school's.
	may, err := pg.Journal()
	if err != nil {
		return err
	}
	over, g := may.Summary, a.Grant
	switch {
	case over == nil:
		return errNotOverseer
	case g.Scope == access.Region && over.Region:
		if d.Municipalities, err = f.registry.Municipalities(ctx); err != nil {
			return err
		}
		d.MunicipalityID = in.Get("municipality")
	case g.Scope == access.Municipality && holds(over.Municipalities, g.ScopeID):
		d.MunicipalityID = g.ScopeID
	case g.Scope == access.Organisation && holds(over.Organisations, g.ScopeID):
		school = g.ScopeID
	default:
		return errNotOverseer
	}
	if d.MunicipalityID != "" {
		mun, err := uuid.Parse(d.MunicipalityID)
		if err != nil {
			return errs.User(errs.NotFound, "Не найдено.")
		}
		q.Set("municipality", mun.String())
		ms := d.Municipalities
		if ms == nil {
			if ms, err = f.registry.Municipalities(ctx); err != nil {
				return err
			}
		}
		for _, m := range ms {
			if m.ID == mun {
				d.Municipality = m.Name
			}
		}
	}
	if school != "" {
		org, err := uuid.Parse(school)
		if err != nil {
			return errs.User(errs.NotFound, "Не найдено.")
		}
		d.SchoolID = org.String()
		q.Set("organisation", d.SchoolID)
		q.Set("by", "class")
		if in.Get("by") == "subject" {
			q.Set("by", "subject")
		}
	}
	if d.MunicipalityID == "" && d.SchoolID == "" {
		// The ministry starts from the region, a municipality a row.
		q.Set("by", "municipality")
	}
	agg, err := api.Aggregates(ctx, postgradeapi.AggregatesQuery{From: q.Get("from"), To: q.Get("to"), Municipality: q.Get("municipality"),
		Organisation: q.Get("organisation"), By: q.Get("by")})
	if err != nil {
		return err
	}
	d.From, d.To, d.By = agg.From, agg.To, agg.By
	names, err := f.summaryNames(ctx, d)
	if err != nil {
		return err
	}
	for _, x := range agg.Items {
		row := summaryRow{Aggregate: x}
		switch {
		case x.ClassID != nil:
			row.Name = names[*x.ClassID]
		case x.SubjectID != nil:
			row.Name = names[*x.SubjectID]
		case x.MunicipalityID != nil:
			row.Name = names[*x.MunicipalityID]
			row.Link = "/summary/journal?" + url.Values{"municipality": {x.MunicipalityID.String()}, "from": {agg.From}, "to": {agg.To}}.Encode()
		case x.OrganisationID != nil:
			row.Name = names[*x.OrganisationID]
			row.Link = "/summary/journal?" + url.Values{"organisation": {x.OrganisationID.String()}, "municipality": {d.MunicipalityID},
				"from": {agg.From}, "to": {agg.To}}.Encode()
		}
		if row.Name == "" {
			row.Name = "—"
		}
		d.Rows = append(d.Rows, row)
		d.Total.Lessons += x.Lessons
		d.Total.LessonsWithoutAttendance += x.LessonsWithoutAttendance
		d.Total.Marks += x.Marks
		d.Total.Absences += x.Absences
	}
	slices.SortFunc(d.Rows, func(a, b summaryRow) int { return strings.Compare(a.Name, b.Name) })
	if d.SchoolID != "" {
		if o, err := f.registry.Organisation(ctx, uuid.MustParse(d.SchoolID)); err == nil {
			d.School = o.ShortName
		}
	}
	pg.Data = d
	return pg.render(w, http.StatusOK)
}

// summaryNames names the rows: the region's municipalities, a
// municipality's schools, a school's classes, or the subject catalogue.
func (f *Function) summaryNames(ctx context.Context, d summaryPage) (map[uuid.UUID]string, error) {
	names := map[uuid.UUID]string{}
	switch d.By {
	case "class":
		classes, err := f.registry.Classes(ctx, uuid.MustParse(d.SchoolID))
		if err != nil {
			return nil, err
		}
		for _, c := range classes {
			names[c.ID] = c.Name
		}
	case "municipality":
		for _, m := range d.Municipalities {
			names[m.ID] = m.Name
		}
	case "subject":
		subjects, err := f.journal.Subjects(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range subjects {
			names[s.ID] = s.Name
		}
	default:
		orgs, err := f.registry.AllOrganisations(ctx, registryapi.OrganisationFilter{Municipality: uuid.MustParse(d.MunicipalityID)})
		if err != nil {
			return nil, err
		}
		for _, o := range orgs {
			names[o.ID] = o.ShortName
		}
	}
	return names, nil
}
