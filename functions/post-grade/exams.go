package postgrade

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/csvtable"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// maxExamFile bounds an exam results file (a region's ЕГЭ results are a few MB).
const maxExamFile = 10 << 20

var examKinds = postgradeapi.ExamKinds

// examColumns are the columns of a file of examination results.
var examColumns = csvtable.Columns{Required: []string{"student_id", "kind", "subject", "date"}, Optional: []string{"score", "mark"}}

// importExams: POST /api/post-grade/organisations/{id}/exam-results (text/csv)
// — the school (ОГЭ, ЕГЭ, ГВЭ) or college (entrance examinations) loads
// results: columns student_id, kind, subject, date, score, mark. Every row is
// checked (the pupil on the organisation's roster — or, for an entrance
// test, among the college's applicants —, the kind, the date, a score
// 0–100 or a mark 2–5); any problem → 422 with every problem by line and
// nothing written; otherwise all rows in one transaction (a repeated row
// replaces the earlier result).
func (f *Function) importExams(w http.ResponseWriter, r *http.Request, org uuid.UUID) error {
	ctx := r.Context()
	c := callerOf(ctx)
	if err := require(ctx, PermSetup, school(org), theOrganisation); err != nil {
		return err
	}
	body, charset, err := csvtable.ReadBody(w, r, maxExamFile)
	if err != nil {
		return err
	}
	t, err := csvtable.Read(body, charset, examColumns)
	if err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT DISTINCT student_id FROM journal.roster WHERE organisation_id = $1`, org)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	onRoster := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		onRoster[id] = true
	}
	// A college's entrance tests are taken by its applicants, who are not
	// on its roster yet: the college names them (asked once, with the
	// caller's token).
	var applying map[uuid.UUID]bool
	applicants := func(id uuid.UUID) bool {
		if applying == nil {
			applying = map[uuid.UUID]bool{}
			if f.college != nil {
				if list, err := f.college.Applications(ctx, org, 0); err == nil {
					for _, a := range list {
						applying[a.PersonID] = true
					}
				}
			}
		}
		return applying[id]
	}
	var rp csvtable.Report
	results := make([]postgradeapi.ExamResult, 0, len(t.Rows))
	for i, row := range t.Rows {
		line := i + 2
		x := postgradeapi.ExamResult{OrganisationID: org, Kind: strings.ToLower(t.Get(row, "kind")), Subject: t.Get(row, "subject")}
		id, err := uuid.Parse(t.Get(row, "student_id"))
		switch {
		case err != nil:
			rp.Add(line, "student_id", errs.Format, "идентификатор ученика в реестре ЭКО (UUID)")
		case !onRoster[id] && !(x.Kind == "entrance" && applicants(id)):
			rp.Add(line, "student_id", postgradeapi.ReasonNotEnrolled, "ученик не числится в этой организации (и не абитуриент колледжа)")
		}
		x.StudentID = id
		if _, ok := examKinds[x.Kind]; !ok {
			rp.Add(line, "kind", errs.Enum, "oge, ege, gve или entrance")
		}
		if n := utf8.RuneCountInString(x.Subject); n < 2 || n > 100 {
			rp.Add(line, "subject", errs.Length, "предмет — от 2 до 100 символов")
		}
		if d, ok := csvtable.ParseDate(t.Get(row, "date")); !ok {
			rp.Add(line, "date", errs.Format, "дата ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")
		} else {
			x.Date = d.Format(time.DateOnly)
		}
		if s := t.Get(row, "score"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > 100 {
				rp.Add(line, "score", errs.Range, "баллы от 0 до 100")
			}
			x.Score = &n
		}
		if s := t.Get(row, "mark"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 2 || n > 5 {
				rp.Add(line, "mark", errs.Range, "отметка от 2 до 5")
			}
			x.Mark = &n
		}
		if x.Score == nil && x.Mark == nil {
			rp.Add(line, "score", errs.Required, "нужны баллы или отметка")
		}
		results = append(results, x)
	}
	if err := rp.Err(len(t.Rows)); err != nil {
		return err
	}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var at time.Time
		if err := tx.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&at); err != nil {
			return err
		}
		b := &pgx.Batch{}
		evs := make([]outbox.Event, 0, len(results))
		for _, x := range results {
			evs = append(evs, outbox.Event{Type: postgradeapi.EventExamResultRecorded, Source: source, Subject: x.StudentID.String(), Data: postgradeapi.ExamResultEvent{
				StudentID: x.StudentID.String(), OrganisationID: org.String(), Kind: x.Kind, Subject: x.Subject, Date: x.Date,
				Score: x.Score, Mark: x.Mark, RecordedAt: at.UTC().Format(time.RFC3339Nano)}})
			b.Queue(`INSERT INTO journal.exam_results (student_id, organisation_id, kind, subject, exam_date, score, mark, imported_by, imported_at)
				VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8, clock_timestamp())
				ON CONFLICT (student_id, kind, subject, exam_date) DO UPDATE SET organisation_id = EXCLUDED.organisation_id,
				    score = EXCLUDED.score, mark = EXCLUDED.mark, imported_by = EXCLUDED.imported_by, imported_at = EXCLUDED.imported_at`,
				x.StudentID, org, x.Kind, x.Subject, x.Date, int16p(x.Score), int16p(x.Mark), c.subject)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return f.outbox.EnqueueMany(ctx, tx, evs)
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"rows": len(results)})
	return nil
}

// examResults: GET /api/post-grade/exam-results/{student_id} — whoever may
// read the pupil's diary.
func (f *Function) examResults(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	student, err := uuidParam("student_id", r.PathValue("student_id"))
	if err != nil {
		return err
	}
	now := f.Time()
	if err := f.requireDiary(ctx, student, now.AddDate(-6, 0, 0), now, theResults); err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT student_id, organisation_id, kind, subject, to_char(exam_date, 'YYYY-MM-DD'), score, mark
		FROM journal.exam_results WHERE student_id = $1 ORDER BY exam_date, kind, subject`, student)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (postgradeapi.ExamResult, error) {
		var x postgradeapi.ExamResult
		var score, mark *int16
		err := row.Scan(&x.StudentID, &x.OrganisationID, &x.Kind, &x.Subject, &x.Date, &score, &mark)
		x.Score, x.Mark = intp(score), intp(mark)
		return x, err
	})
	return httpx.Reply(w, http.StatusOK, httpx.PageOf(list, ""), err)
}
