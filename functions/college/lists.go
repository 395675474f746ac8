package college

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collegeapi "github.com/kuzbass/eko/functions/college/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// PassScore is the least score of an entrance test passed (a result given
// as a mark passes with 3 and above).
const PassScore = 40

// ranked is a line of a specialty's list with whom it is about, for the
// admissions office and its orders; the public sees collegeapi.Ranked.
type ranked struct {
	collegeapi.Ranked
	applicationID, personID uuid.UUID
	fullName                string
}

// rank is a specialty's list by the rule: the average mark, then the
// entrance test's points (a result missing last), then the receipt time;
// applications withdrawn are out. Walking it in order, an applicant who
// confirmed the certificate, passed the test (where there is one) and
// consented to enrol to this specialty is recommended while budget places
// remain; those enrolled take their places first.
func rank(ctx context.Context, q db.Querier, specialty uuid.UUID) (collegeapi.Specialty, []ranked, error) {
	rows, err := q.Query(ctx, `SELECT `+specialtyColumns+` FROM college.specialties WHERE id = $1`, specialty)
	if err != nil {
		return collegeapi.Specialty{}, nil, err
	}
	s, err := pgx.CollectExactlyOneRow(rows, scanSpecialty)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil, errs.User(errs.NotFound, "специальность не найдена")
	}
	if err != nil {
		return s, nil, err
	}
	// The entrance results that count are the college's, taken from a year
	// before the campaign opens to its year's end.
	rows, err = q.Query(ctx, `
		SELECT a.id, a.person_id, a.full_name, a.number, a.average_mark::text, c.priority, a.confirmed_at IS NOT NULL,
		       EXISTS (SELECT 1 FROM college.consents k WHERE k.application_id = a.id AND k.specialty_id = c.specialty_id AND k.withdrawn_at IS NULL),
		       EXISTS (SELECT 1 FROM college.order_lines l JOIN college.orders o ON o.id = l.order_id WHERE l.application_id = a.id AND o.specialty_id = c.specialty_id),
		       t.score, t.mark
		FROM college.choices c
		JOIN college.applications a ON a.id = c.application_id
		JOIN college.campaigns g ON g.organisation_id = a.organisation_id AND g.academic_year = a.academic_year
		LEFT JOIN LATERAL (
		    SELECT e.score, e.mark FROM college.entrance_results e
		    WHERE $2 AND e.person_id = a.person_id AND e.organisation_id = a.organisation_id
		      AND e.exam_date BETWEEN g.opens_on - 365 AND make_date(a.academic_year, 12, 31)
		    ORDER BY coalesce(e.score, e.mark * 20) DESC LIMIT 1) t ON true
		WHERE c.specialty_id = $1 AND a.status <> 'withdrawn'
		ORDER BY a.average_mark DESC, coalesce(t.score, t.mark * 20) DESC NULLS LAST, a.received_at, a.number`, specialty, s.EntranceTest != "")
	if err != nil {
		return s, nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ranked, error) {
		var x ranked
		var priority int16
		var score, mark *int16
		err := row.Scan(&x.applicationID, &x.personID, &x.fullName, &x.Number, &x.AverageMark, &priority, &x.Confirmed, &x.Consent, &x.Enrolled, &score, &mark)
		x.Priority = int(priority)
		switch {
		case score != nil:
			n := int(*score)
			x.TestPoints, x.TestPassed = &n, n >= PassScore
		case mark != nil:
			n := int(*mark)
			x.TestPoints, x.TestPassed = &n, n >= 3
		}
		return x, err
	})
	if err != nil {
		return s, nil, err
	}
	places := s.BudgetPlaces
	for i := range list {
		list[i].Position = i + 1
		if list[i].Enrolled {
			places--
		}
	}
	for i := range list {
		x := &list[i]
		if !x.Enrolled && places > 0 && x.Confirmed && x.Consent && (s.EntranceTest == "" || x.TestPassed) {
			x.Recommended = true
			places--
		}
	}
	return s, list, nil
}

// list: GET /api/college/admission/lists/{id} — public: a specialty's
// ranked list by application numbers (see collegeapi.Ranked for what it
// shows and why nothing more); cached for a minute.
func (f *Function) list(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	s, rows, err := rank(r.Context(), f.db, id)
	if err != nil {
		return err
	}
	out := collegeapi.AdmissionList{Specialty: s, Items: make([]collegeapi.Ranked, 0, len(rows))}
	for _, x := range rows {
		out.Items = append(out.Items, x.Ranked)
		if x.Consent {
			out.Consents++
		}
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
