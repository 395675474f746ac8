package guardianship

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	guardianshipapi "github.com/kuzbass/eko/functions/guardianship/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

var theWard = errs.User(errs.NotFound, "подопечный не найден среди ваших")

func field(name string, code errs.Reason, msg string) errs.FieldError {
	return errs.FieldError{Field: name, Code: code, Message: msg}
}

func subject(r *http.Request) string {
	if p := auth.PrincipalFrom(r.Context()); p != nil {
		return p.Subject
	}
	return ""
}

func studies(list []registryapi.Placement) []string {
	out := make([]string, 0, len(list))
	for _, p := range list {
		s := p.OrganisationName
		if p.ClassName != "" {
			s += ", " + p.ClassName
		}
		out = append(out, s)
	}
	return out
}

// audited records in the ward's log what the official did with the file.
func audited(r *http.Request, tx pgx.Tx, child uuid.UUID, action, object string, fields ...string) error {
	e := audit.FromRequest(r)
	e.ActorRole, e.SubjectPersonID, e.Action, e.Object, e.Fields, e.Purpose = string(access.GuardianshipOfficial), child, action, object, fields, "guardianship"
	return audit.Append(r.Context(), tx, e)
}

// wards: GET /api/guardianship/wards — the official's municipality's wards
// as the registry names them (with the official's token), each with its
// open tasks; each listed ward a read in its audit log.
func (f *Function) wards(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if f.registry == nil {
		return errs.User(errs.Unavailable, "реестр недоступен: список подопечных откроется позже")
	}
	list, err := f.registry.Wards(ctx, uuid.Nil)
	if err != nil {
		return err
	}
	out := make([]guardianshipapi.WardLine, 0, len(list))
	ids := make([]uuid.UUID, 0, len(list))
	for _, wd := range list {
		out = append(out, guardianshipapi.WardLine{ChildID: wd.Child.ID, FullName: wd.Child.FullName, BirthDate: wd.Child.BirthDate, Studies: studies(wd.Child.Studies)})
		ids = append(ids, wd.Child.ID)
	}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT child_id, count(*), to_char(min(due_on), 'YYYY-MM-DD') FROM guardianship.tasks
			WHERE child_id = ANY($1) AND state = 'open' GROUP BY child_id`, ids)
		if err != nil {
			return err
		}
		open := map[uuid.UUID][2]string{}
		for rows.Next() {
			var id uuid.UUID
			var n int
			var due string
			if err := rows.Scan(&id, &n, &due); err != nil {
				return err
			}
			open[id] = [2]string{strconv.Itoa(n), due}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if o, ok := open[out[i].ChildID]; ok {
				out[i].OpenTasks, _ = strconv.Atoi(o[0])
				out[i].NextDue = o[1]
			}
			if err := audited(r, tx, out[i].ChildID, audit.ActionRead, "guardianship.wards", "tasks"); err != nil {
				return err
			}
		}
		return nil
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// card is child's card as the registry shows the caller — refused unless
// the child studies in the official's municipality. Asked before any
// transaction of ours: the registry records the read in the child's log,
// which our own record of the same child would hold locked.
func (f *Function) card(ctx context.Context, child uuid.UUID) (*registryapi.PupilCard, error) {
	if f.registry == nil {
		return nil, errs.User(errs.Unavailable, "реестр недоступен: дело откроется позже")
	}
	card, err := f.registry.PupilCard(ctx, child)
	if err != nil {
		if errs.CodeOf(err) == errs.Unavailable {
			return nil, err
		}
		return nil, theWard
	}
	return card, nil
}

// file is ward child's file: the card the registry showed, and the child
// must be a ward.
func (f *Function) file(ctx context.Context, tx pgx.Tx, card *registryapi.PupilCard) (*guardianshipapi.WardFile, error) {
	child := card.ID
	out := &guardianshipapi.WardFile{ChildID: child, FullName: card.FullName, BirthDate: card.BirthDate, Studies: studies(card.Studies)}
	if err := tx.QueryRow(ctx, `SELECT kind FROM guardianship.wards WHERE child_id = $1`, child).Scan(&out.Kind); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, theWard
		}
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT id, child_id, kind, state, to_char(due_on, 'YYYY-MM-DD'), opened_at, details, done_at, coalesce(done_by, ''), outcome, subjects
		FROM guardianship.tasks WHERE child_id = $1 ORDER BY state = 'done', due_on, id`, child)
	if err != nil {
		return nil, err
	}
	if out.Tasks, err = pgx.CollectRows(rows, pgx.RowToStructByPos[guardianshipapi.Task]); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT kind, text, coalesce(to_char(visited_on, 'YYYY-MM-DD'), ''), by, at FROM guardianship.notes WHERE child_id = $1 ORDER BY id DESC`, child)
	if err != nil {
		return nil, err
	}
	if out.Notes, err = pgx.CollectRows(rows, pgx.RowToStructByPos[guardianshipapi.Note]); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT organisation_id, to_char(starts_on, 'YYYY-MM-DD'), coalesce(to_char(ends_on, 'YYYY-MM-DD'), '')
		FROM guardianship.enrollments WHERE person_id = $1 ORDER BY starts_on DESC, ends_on DESC NULLS FIRST`, child)
	if err != nil {
		return nil, err
	}
	if out.Enrollments, err = pgx.CollectRows(rows, pgx.RowToStructByPos[guardianshipapi.Enrollment]); err != nil {
		return nil, err
	}
	if out.Enrollments == nil {
		out.Enrollments = []guardianshipapi.Enrollment{}
	}
	if out.Tasks == nil {
		out.Tasks = []guardianshipapi.Task{}
	}
	if out.Notes == nil {
		out.Notes = []guardianshipapi.Note{}
	}
	return out, nil
}

// ward: GET /api/guardianship/wards/{id} — the ward's file; audited.
func (f *Function) ward(w http.ResponseWriter, r *http.Request, child uuid.UUID) error {
	ctx := r.Context()
	card, err := f.card(ctx, child)
	if err != nil {
		return err
	}
	var out *guardianshipapi.WardFile
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var err error
		if out, err = f.file(ctx, tx, card); err != nil {
			return err
		}
		return audited(r, tx, child, audit.ActionRead, "guardianship.ward", "tasks", "notes")
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// addNote: POST /api/guardianship/wards/{id}/notes {kind, text, visited_on}
// — a case note, or a visit with its date (not in the future).
func (f *Function) addNote(w http.ResponseWriter, r *http.Request, child uuid.UUID) error {
	ctx := r.Context()
	var in guardianshipapi.NoteRequest
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	in.Text = strings.TrimSpace(in.Text)
	if n := utf8.RuneCountInString(in.Text); n < 3 || n > 4000 {
		fe = append(fe, field("text", errs.Length, "запись: от 3 до 4000 символов"))
	}
	var visited *time.Time
	switch in.Kind {
	case guardianshipapi.NoteCase:
	case guardianshipapi.NoteVisit:
		d, err := time.Parse(time.DateOnly, in.VisitedOn)
		if err != nil || d.After(kuzbass.Date(f.Time())) {
			fe = append(fe, field("visited_on", errs.Range, "дата посещения: ГГГГ-ММ-ДД, не позже сегодняшней"))
		}
		visited = &d
	default:
		fe = append(fe, field("kind", errs.Enum, "note или visit"))
	}
	if len(fe) > 0 {
		return errs.Fields("запись не сохранена", fe...)
	}
	card, err := f.card(ctx, child)
	if err != nil {
		return err
	}
	var out *guardianshipapi.WardFile
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		if _, err := f.file(ctx, tx, card); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO guardianship.notes (child_id, kind, text, visited_on, by, at) VALUES ($1, $2, $3, $4, $5, clock_timestamp())`,
			child, in.Kind, in.Text, visited, subject(r)); err != nil {
			return err
		}
		if err := audited(r, tx, child, audit.ActionCreate, "guardianship.note", in.Kind); err != nil {
			return err
		}
		var err error
		out, err = f.file(ctx, tx, card)
		return err
	})
	return httpx.Reply(w, http.StatusCreated, out, err)
}

// done: POST /api/guardianship/tasks/{id}/done {outcome}.
func (f *Function) done(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.User(errs.NotFound, "задача не найдена")
	}
	var in guardianshipapi.DoneRequest
	if err := httpx.DecodeJSON(w, r, &in, 8<<10); err != nil {
		return err
	}
	in.Outcome = strings.TrimSpace(in.Outcome)
	if n := utf8.RuneCountInString(in.Outcome); n < 3 || n > 2000 {
		return errs.Fields("задача не закрыта", field("outcome", errs.Length, "что сделано: от 3 до 2000 символов"))
	}
	var child uuid.UUID
	if err := f.db.QueryRow(ctx, `SELECT child_id FROM guardianship.tasks WHERE id = $1`, id).Scan(&child); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.User(errs.NotFound, "задача не найдена")
		}
		return err
	}
	card, err := f.card(ctx, child)
	if err != nil {
		return errs.User(errs.NotFound, "задача не найдена")
	}
	var out *guardianshipapi.WardFile
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM guardianship.tasks WHERE id = $1 FOR UPDATE`, id).Scan(&state); err != nil {
			return err
		}
		if state != guardianshipapi.TaskOpen {
			return &errs.Error{Code: errs.Conflict, ForUser: true, Reason: guardianshipapi.ReasonState, Detail: "задача уже закрыта"}
		}
		if _, err := tx.Exec(ctx, `UPDATE guardianship.tasks SET state = 'done', done_at = clock_timestamp(), done_by = $2, outcome = $3 WHERE id = $1`,
			id, subject(r), in.Outcome); err != nil {
			return err
		}
		if err := audited(r, tx, child, audit.ActionUpdate, "guardianship.task", "tasks"); err != nil {
			return err
		}
		var err error
		out, err = f.file(ctx, tx, card)
		return err
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// myAccess: GET /api/guardianship/access.
func (f *Function) myAccess(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	err := f.policy.Load(ctx)
	return httpx.Reply(w, http.StatusOK, guardianshipapi.Access{Wards: !Rules.Reach(ctx, PermWard).None()}, err)
}
