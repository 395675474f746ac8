package postgrade

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// maxAggregateDays bounds one aggregates request.
const maxAggregateDays = 400

// aggregateKeys are the ways to slice aggregates (?by=): the organisation,
// municipality, class and subject columns of a row.
var aggregateKeys = map[string]string{
	"organisation": "l.organisation_id, NULL::uuid, NULL::uuid, NULL::uuid",
	"class":        "l.organisation_id, NULL::uuid, l.class_id, NULL::uuid",
	"subject":      "l.organisation_id, NULL::uuid, NULL::uuid, l.subject_id",
	"municipality": "NULL::uuid, o.municipality_id, NULL::uuid, NULL::uuid",
}

// aggregates: GET /api/post-grade/aggregates?from=&to=[&municipality=][&organisation=][&by=] —
// schools' journals in aggregate: the ministry for the region (or one
// municipality), a municipal education authority for its own, a school's
// administration for its school; organisation= narrows to one of those
// schools; by=class or by=subject slices each school; by=municipality (for
// the ministry and municipal authorities) adds up each municipality's schools.
func (f *Function) aggregates(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	today := f.today()
	var fe []errs.FieldError
	from, to := dateSpan(q, today.AddDate(0, 0, -29), today, 0, maxAggregateDays, "период от from до to, не длиннее 400 дней", &fe)
	mun, school := httpx.QueryID(q, "municipality", &fe), httpx.QueryID(q, "organisation", &fe)
	by := q.Get("by")
	if by == "" {
		by = "organisation"
	}
	key, ok := aggregateKeys[by]
	if !ok {
		fe = append(fe, field("by", errs.Enum, "organisation, class, subject или municipality"))
	}
	if by == "municipality" && school != nil {
		fe = append(fe, field("by", postgradeapi.ReasonContradicts, "по муниципалитетам — без organisation"))
	}
	if len(fe) > 0 {
		return errs.Fields("неверные параметры", fe...)
	}
	// schoolsIn lists a municipality's schools and remembers whose they are.
	municipalityOf := map[uuid.UUID]uuid.UUID{}
	schoolsIn := func(m uuid.UUID) ([]uuid.UUID, error) {
		list, err := f.schoolsOf(ctx, m)
		for _, o := range list {
			municipalityOf[o] = m
		}
		return list, err
	}
	var orgs []uuid.UUID // nil: every school
	var err error
	reach := Rules.Reach(ctx, PermAggregates)
	switch {
	case mun == nil && reach.Region: // the ministry: every school
	case mun != nil:
		if err := require(ctx, PermAggregates, access.Target{MunicipalityIDs: []string{mun.String()}}, theMunicipality); err != nil {
			return err
		}
		if orgs, err = schoolsIn(*mun); err != nil {
			return err
		}
	default:
		// Without a municipality: the schools the caller's grants reach.
		for _, m := range access.IDs(reach.Municipalities) {
			more, err := schoolsIn(m)
			if err != nil {
				return err
			}
			orgs = append(orgs, more...)
		}
		orgs = append(orgs, access.IDs(reach.Organisations)...)
		if orgs == nil {
			return errs.User(errs.Forbidden, "сводные данные журнала — для министерства, муниципалитетов и администрации школ")
		}
	}
	if school != nil {
		if orgs != nil && !slices.Contains(orgs, *school) {
			return notYours(theSchool)
		}
		orgs = []uuid.UUID{*school}
	}
	// Each lesson carries its totals (kept by the saves of its marks and
	// attendance): the aggregates read lessons only. The region's query and
	// a list of schools' are different statements, each with its own plan
	// (the date's index; the school's and date's).
	source, where, args := `journal.lessons l`, `l.lesson_date BETWEEN $1 AND $2`, []any{from, to}
	switch {
	case by == "municipality":
		if orgs == nil { // the whole region: every municipality's schools
			ms, err := f.municipalities(ctx)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if _, err := schoolsIn(m); err != nil {
					return err
				}
			}
		}
		if len(municipalityOf) == 0 {
			return errs.Fields("неверные параметры", field("by", postgradeapi.ReasonScope, "по муниципалитетам — для министерства и муниципальных органов"))
		}
		schools, muns := make([]uuid.UUID, 0, len(municipalityOf)), make([]uuid.UUID, 0, len(municipalityOf))
		for o, m := range municipalityOf {
			schools, muns = append(schools, o), append(muns, m)
		}
		source += ` JOIN unnest($3::uuid[], $4::uuid[]) AS o(organisation_id, municipality_id) ON o.organisation_id = l.organisation_id`
		args = append(args, schools, muns)
	case orgs != nil:
		where, args = where+` AND l.organisation_id = ANY($3::uuid[])`, append(args, orgs)
	}
	rows, err := f.db.Query(ctx, `
		SELECT `+key+`, count(*), count(*) FILTER (WHERE l.attendance_taken_at IS NULL),
		    sum(l.marks_count), sum(l.marks_weighted) / nullif(sum(l.marks_weight), 0), sum(l.absences), sum(l.pupils)
		FROM `+source+` WHERE `+where+`
		GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, args...)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (postgradeapi.Aggregate, error) {
		var a postgradeapi.Aggregate
		var lessons, without, marks, absences, seats int64
		var avg *float64
		err := row.Scan(&a.OrganisationID, &a.MunicipalityID, &a.ClassID, &a.SubjectID, &lessons, &without, &marks, &avg, &absences, &seats)
		a.Lessons, a.LessonsWithoutAttendance, a.Marks, a.Absences = int(lessons), int(without), int(marks), int(absences)
		if avg != nil {
			v := round2(*avg)
			a.Average = &v
		}
		if seats > 0 {
			v := round2(1 - float64(absences)/float64(seats))
			a.AttendanceRate = &v
		}
		return a, err
	})
	return httpx.Reply(w, http.StatusOK, postgradeapi.Aggregates{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), By: by, Items: list}, err)
}

// municipalities lists the region's municipalities from the registry's API.
func (f *Function) municipalities(ctx context.Context) ([]uuid.UUID, error) {
	if f.registry == nil {
		return nil, errNoRegistry
	}
	ms, err := f.registry.Municipalities(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]uuid.UUID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out, nil
}

// schoolsOf lists the schools of a municipality from the registry's API with
// the caller's token.
func (f *Function) schoolsOf(ctx context.Context, mun uuid.UUID) ([]uuid.UUID, error) {
	if f.registry == nil {
		return nil, errNoRegistry
	}
	orgs, err := f.registry.AllOrganisations(ctx, registryapi.OrganisationFilter{Municipality: mun, Kind: "school"})
	if err != nil {
		return nil, err
	}
	out := make([]uuid.UUID, len(orgs))
	for i, o := range orgs {
		out[i] = o.ID
	}
	return out, nil
}

// errNoRegistry: a post-grade deployed without REGISTRY_URL knows no
// municipality's schools.
var errNoRegistry = errs.User(errs.Unavailable, "реестр недоступен: сводные данные по муниципалитетам сейчас не получить")
