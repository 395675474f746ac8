package issuehomework

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/outbox"
)

// SeedOptions configure SeedHomework.
type SeedOptions struct {
	Today time.Time
	Seed  uint64
	// Outbox writes the events the write paths would have written:
	// homework.issued and .cancelled, homework-work.changed, homework.reviewed
	// (the journal's copy and the marks come by the same consumers).
	Outbox *outbox.Writer
}

// SeedStats say what SeedHomework wrote.
type SeedStats struct {
	Homework, Cancelled, Submissions, Attempts, Reviews, Marks int
	States                                                     map[string]int
	Took                                                       time.Duration
}

// seedReviewer is the account a seeded review names: the seeded teachers
// have no ESIA accounts.
const seedReviewer = "seed"

// SeedHomework gives about half of lessons (those the journal's seed
// handed over, with their pupils) homework as teachers issue it — with or
// without a submission, marked or not, a few for chosen pupils, a few
// cancelled — and the pupils' work in every state the table of steps
// allows: nothing yet (overdue once due), drafts, submitted on time and
// late, taken back, returned with a comment, resubmitted, accepted with a
// mark or without one; each submission's attempts with their receipts and
// the teacher's reviews. It writes into an empty homework schema only (a
// second run changes nothing), in one transaction, with the events of
// every homework, every pupil's work and every review in the outbox.
func SeedHomework(ctx context.Context, pool *pgxpool.Pool, lessons []postgradeapi.SeededLesson, opts SeedOptions) (SeedStats, error) {
	start := time.Now()
	st := SeedStats{States: map[string]int{}}
	if opts.Outbox == nil {
		return st, fmt.Errorf("seed homework: no outbox")
	}
	f := &Function{outbox: opts.Outbox}
	f.Now = func() time.Time { return opts.Today }
	rnd := rand.New(rand.NewPCG(opts.Seed, 14))
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM homework.homework`).Scan(&n); err != nil || n > 0 {
			return err
		}
		s := &seeder{ctx: ctx, tx: tx, f: f, rnd: rnd, now: opts.Today, st: &st}
		for _, l := range lessons {
			if len(l.Pupils) == 0 || rnd.Float64() >= 0.5 {
				continue
			}
			if err := s.homework(l); err != nil {
				return fmt.Errorf("seed homework for lesson %s: %w", l.ID, err)
			}
		}
		return nil
	})
	st.Took = time.Since(start)
	return st, err
}

type seeder struct {
	ctx context.Context
	tx  pgx.Tx
	f   *Function
	rnd *rand.Rand
	now time.Time
	st  *SeedStats
}

var seededTasks = []string{
	"Параграф 12, ответить на вопросы 1–4 письменно.",
	"Упражнение 245 (с. 112).\nВыучить правило на с. 110.",
	"Решить задачи № 310, 312, 315.",
	"Прочитать рассказ до конца, составить план из 5 пунктов.",
	"Подготовить сообщение на одну страницу по теме урока.",
	"Повторить формулы, решить вариант 2 проверочной работы.",
	"Выучить стихотворение наизусть (первые три строфы).",
	"Лабораторная работа: оформить отчёт с выводами.",
}

var seededAnswers = []string{
	"Выполнено, решение в тетради.",
	"Ответы на вопросы:\n1) …\n2) …\n3) …\n4) …",
	"Сделал(а) все задачи, в третьей не уверен(а).",
	"План:\n1. Завязка\n2. Развитие\n3. Кульминация\n4. Развязка\n5. Эпилог",
	"Отчёт оформлен, выводы в конце.",
}

var seededReturns = []string{
	"Нет хода решения — допишите, пожалуйста.",
	"В задаче № 312 ошибка в вычислениях, исправьте.",
	"План неполный: не хватает кульминации.",
	"Оформите выводы по пунктам.",
}

// homework issues one homework due by lesson l and makes its pupils' work.
func (s *seeder) homework(l postgradeapi.SeededLesson) error {
	day, err := time.ParseInLocation(time.DateOnly, l.Date, kemerovoZone)
	if err != nil {
		return err
	}
	due := day.Add(8 * time.Hour)
	issued := day.AddDate(0, 0, -2).Add(15*time.Hour + time.Duration(s.rnd.IntN(120))*time.Minute)
	if !issued.Before(s.now) {
		issued = s.now.Add(-time.Hour)
	}
	h := homework{Homework: issuehomeworkapi.Homework{ID: uuid.Must(uuid.NewV7()), OrganisationID: l.OrganisationID, ClassID: l.ClassID,
		SubjectID: l.SubjectID, TeacherID: l.TeacherID, LessonID: l.ID, LessonDate: l.Date, Text: seededTasks[s.rnd.IntN(len(seededTasks))],
		DueAt: due, SubmissionExpected: s.rnd.Float64() < 0.75, Pupils: []uuid.UUID{}, Status: "issued", Version: 1, IssuedAt: issued, ChangedAt: issued}}
	if h.SubmissionExpected && s.rnd.Float64() < 0.6 {
		h.Marked, h.MarkKind = true, "homework"
	}
	if h.SubmissionExpected && s.rnd.Float64() < 0.3 {
		c := due.Add(48 * time.Hour)
		h.CutoffAt = &c
	}
	recipients := l.Pupils
	if len(l.Pupils) > 6 && s.rnd.Float64() < 0.05 { // an individual task
		for _, i := range s.rnd.Perm(len(l.Pupils))[:3] {
			h.Pupils = append(h.Pupils, l.Pupils[i])
		}
		recipients = h.Pupils
	}
	cancelled := s.rnd.Float64() < 0.03
	if _, err := s.tx.Exec(s.ctx, `INSERT INTO homework.homework (id, organisation_id, class_id, subject_id, teacher_id, lesson_id, lesson_date,
		    text, due_at, cutoff_at, submission_expected, marked, mark_kind, pupils, status, version, issued_at, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7::date, $8, $9, $10, $11, $12, nullif($13, ''), $14, 'issued', 1, $15, $15)`,
		h.ID, h.OrganisationID, h.ClassID, h.SubjectID, h.TeacherID, h.LessonID, h.LessonDate, h.Text, h.DueAt, h.CutoffAt,
		h.SubmissionExpected, h.Marked, h.MarkKind, h.Pupils, h.IssuedAt); err != nil {
		return err
	}
	if _, err := s.tx.Exec(s.ctx, `INSERT INTO homework.recipients (homework_id, pupil_id, due_at) SELECT $1, unnest($2::uuid[]), $3`, h.ID, recipients, h.DueAt); err != nil {
		return err
	}
	if err := s.f.announce(s.ctx, s.tx, issuehomeworkapi.EventIssued, &h.Homework); err != nil {
		return err
	}
	s.st.Homework++
	if cancelled {
		return s.cancel(&h)
	}
	if !h.SubmissionExpected {
		return nil
	}
	for _, p := range recipients {
		if err := s.work(&h, p); err != nil {
			return err
		}
	}
	return nil
}

// cancel records the teacher's cancelling of h, its earlier state kept.
func (s *seeder) cancel(h *homework) error {
	at := h.IssuedAt.Add(time.Duration(1+s.rnd.IntN(20)) * time.Hour)
	if at.After(s.now) {
		at = s.now
	}
	if _, err := s.tx.Exec(s.ctx, `INSERT INTO homework.homework_history (homework_id, version, action, state, reason, actor_subject, actor_id, at)
		VALUES ($1, 1, 'cancelled', $2, 'урок перенесён', $3, $4, $5)`, h.ID, h.Homework, seedReviewer, h.TeacherID, at); err != nil {
		return err
	}
	h.Status, h.Version, h.ChangedAt = "cancelled", 2, at
	if _, err := s.tx.Exec(s.ctx, `UPDATE homework.homework SET status = 'cancelled', version = 2, changed_at = $2 WHERE id = $1`, h.ID, at); err != nil {
		return err
	}
	s.st.Cancelled++
	return s.f.announce(s.ctx, s.tx, issuehomeworkapi.EventCancelled, &h.Homework)
}

// work is one pupil's way through the table of steps, up to now.
type work struct {
	s          *seeder
	h          *homework
	id, pupil  uuid.UUID
	state      string
	attempt    int
	version    int
	text       string
	at         time.Time // the last step
	madeRecord bool
}

// work makes pupil's work on h: what a class does with a homework, by how
// long ago it was due.
func (s *seeder) work(h *homework, pupil uuid.UUID) error {
	w := &work{s: s, h: h, id: uuid.Must(uuid.NewV7()), pupil: pupil, state: issuehomeworkapi.Assigned,
		at: h.IssuedAt.Add(time.Duration(1+s.rnd.IntN(6)) * time.Hour)}
	r := s.rnd.Float64()
	var steps []func() error
	if h.DueAt.After(s.now) { // not yet due: some have started, a few have handed in
		switch {
		case r < 0.55:
		case r < 0.8:
			steps = append(steps, w.save)
		default:
			steps = append(steps, w.save, w.submit)
		}
	} else {
		switch {
		case r < 0.08: // nothing: overdue
		case r < 0.12:
			steps = append(steps, w.save)
		case r < 0.22:
			steps = append(steps, w.save, w.submit)
		case r < 0.30:
			steps = append(steps, w.save, w.submit, w.giveBack)
		case r < 0.36:
			steps = append(steps, w.save, w.submit, w.giveBack, w.save, w.submit)
		case r < 0.40:
			steps = append(steps, w.save, w.submit, w.takeBack)
		case r < 0.48:
			steps = append(steps, w.save, w.submit, w.giveBack, w.save, w.submit, w.accept)
		default:
			steps = append(steps, w.save, w.submit, w.accept)
		}
	}
	for _, step := range steps {
		if !w.at.Before(s.now) { // the rest has not happened yet
			break
		}
		if err := step(); err != nil {
			return err
		}
	}
	if !w.madeRecord {
		s.st.States[issuehomeworkapi.Assigned]++
		return nil
	}
	s.st.States[w.state]++
	if _, err := s.tx.Exec(s.ctx, `UPDATE homework.submissions SET state = $2, attempt = $3, text = $4, version = $5, updated_at = $6 WHERE id = $1`,
		w.id, w.state, w.attempt, w.text, w.version, w.at); err != nil {
		return err
	}
	sub, err := submissionOf(s.ctx, s.tx, h, pupil)
	if err != nil {
		return err
	}
	return s.f.announceWork(s.ctx, s.tx, sub)
}

// later moves the work's clock on by between lo and hi hours.
func (w *work) later(lo, hi int) {
	w.at = w.at.Add(time.Duration(lo*60+w.s.rnd.IntN((hi-lo)*60+1)) * time.Minute)
}

func (w *work) save() error {
	if !w.madeRecord {
		if _, err := w.s.tx.Exec(w.s.ctx, `INSERT INTO homework.submissions (id, homework_id, pupil_id, state, version, updated_at)
			VALUES ($1, $2, $3, 'draft', 0, $4)`, w.id, w.h.ID, w.pupil, w.at); err != nil {
			return err
		}
		w.madeRecord = true
		w.s.st.Submissions++
	}
	w.text = seededAnswers[w.s.rnd.IntN(len(seededAnswers))]
	w.state, w.version = issuehomeworkapi.Draft, w.version+1
	w.later(1, 20)
	return nil
}

func (w *work) submit() error {
	if w.s.rnd.Float64() < 0.12 && w.at.Before(w.h.DueAt) { // late: after the due time, before any cut-off
		w.at = w.h.DueAt.Add(time.Duration(30+w.s.rnd.IntN(600)) * time.Minute)
	}
	if w.h.CutoffAt != nil && w.at.After(*w.h.CutoffAt) {
		w.at = w.h.CutoffAt.Add(-time.Hour)
	}
	if !w.at.Before(w.s.now) {
		return nil
	}
	w.attempt++
	if _, err := w.s.tx.Exec(w.s.ctx, `INSERT INTO homework.attempts (submission_id, attempt, text, files, received_at, late)
		VALUES ($1, $2, $3, '[]', $4, $5)`, w.id, w.attempt, w.text, w.at, w.at.After(w.h.DueAt)); err != nil {
		return err
	}
	w.s.st.Attempts++
	w.state, w.version = issuehomeworkapi.Submitted, w.version+1
	w.later(2, 40)
	return nil
}

func (w *work) takeBack() error {
	if w.state != issuehomeworkapi.Submitted {
		return nil
	}
	at := w.at.Add(-time.Duration(1+w.s.rnd.IntN(60)) * time.Minute)
	if _, err := w.s.tx.Exec(w.s.ctx, `UPDATE homework.attempts SET taken_back_at = $3 WHERE submission_id = $1 AND attempt = $2`,
		w.id, w.attempt, at); err != nil {
		return err
	}
	w.state, w.version, w.at = issuehomeworkapi.Draft, w.version+1, at
	return nil
}

func (w *work) giveBack() error {
	return w.review(issuehomeworkapi.Return, nil, seededReturns[w.s.rnd.IntN(len(seededReturns))])
}

func (w *work) accept() error {
	var mark *int
	if w.h.Marked {
		m := 5
		switch r := w.s.rnd.Float64(); {
		case r < 0.05:
			m = 2
		case r < 0.25:
			m = 3
		case r < 0.65:
			m = 4
		}
		mark = &m
	}
	return w.review(issuehomeworkapi.Accept, mark, "")
}

// review is the teacher's decision on the submitted attempt, with its
// homework.reviewed in the outbox as the review path writes it.
func (w *work) review(decision string, mark *int, comment string) error {
	if w.state != issuehomeworkapi.Submitted {
		return nil
	}
	journal := issuehomeworkapi.JournalNone
	if mark != nil {
		journal = issuehomeworkapi.JournalPending
		w.s.st.Marks++
	}
	ev := issuehomeworkapi.ReviewedEvent{ReviewID: uuid.Must(uuid.NewV7()), HomeworkID: w.h.ID, SubmissionID: w.id, PupilID: w.pupil,
		LessonID: w.h.LessonID, Attempt: w.attempt, Decision: decision, Mark: mark, ReviewerID: w.h.TeacherID, ReviewedAt: w.at}
	if mark != nil {
		ev.MarkKind = w.h.MarkKind
	}
	if _, err := w.s.tx.Exec(w.s.ctx, `INSERT INTO homework.reviews (id, submission_id, attempt, decision, mark, comment, reviewer_subject, reviewer_id, reviewed_at, journal)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, $8, $9, $10)`,
		ev.ReviewID, w.id, w.attempt, decision, mark, comment, seedReviewer, w.h.TeacherID, w.at, journal); err != nil {
		return err
	}
	if _, err := w.s.f.outbox.Enqueue(w.s.ctx, w.s.tx, outbox.Event{Type: issuehomeworkapi.EventReviewed, Source: source, Subject: w.pupil.String(), Data: ev}); err != nil {
		return err
	}
	w.s.st.Reviews++
	w.state, w.version = decision, w.version+1
	w.later(3, 30)
	return nil
}
