package submitapplication

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// querier is what reads need: a pool, a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

const appColumns = `a.id, a.seq, a.number, a.service, a.channel, a.status, a.child_id, a.child_birth_date,
	a.target_organisation_id, a.organisation_ids, a.municipality_id, a.window_no, a.academic_year,
	a.received_at, a.updated_at, a.deadline, coalesce(a.epgu_order_id, ''), a.data, a.applicant_subject, a.request_hash`

func scanApplication(row pgx.Row) (*application, error) {
	a := &application{}
	var birth time.Time
	var data []byte
	err := row.Scan(&a.ID, &a.seq, &a.Number, &a.Service, &a.Channel, &a.Status, &a.ChildID, &birth,
		&a.OrganisationID, &a.OrganisationIDs, &a.MunicipalityID, &a.Window, &a.AcademicYear,
		&a.ReceivedAt, &a.UpdatedAt, &a.Deadline, &a.EPGUOrderID, &data, &a.applicantSubject, &a.requestHash)
	if err != nil {
		return nil, err
	}
	a.ChildBirthDate = birth.Format(time.DateOnly)
	a.Data = data
	a.fill()
	return a, nil
}

// load returns the one application matching where (with args), or nil.
func (f *Function) load(ctx context.Context, q querier, where string, args ...any) (*application, error) {
	a, err := scanApplication(q.QueryRow(ctx, `SELECT `+appColumns+` FROM applications.applications a WHERE `+where, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return a, err
}

// history returns the statuses of an application, oldest first.
func history(ctx context.Context, q querier, id uuid.UUID) ([]submitapplicationapi.HistoryEntry, error) {
	rows, err := q.Query(ctx, `SELECT status, epgu_code, coalesce(reason, ''), coalesce(comment, ''), actor_role, changed_at
		FROM applications.status_history WHERE application_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (submitapplicationapi.HistoryEntry, error) {
		var h submitapplicationapi.HistoryEntry
		err := row.Scan(&h.Status, &h.EPGUStatusCode, &h.Reason, &h.Comment, &h.ActorRole, &h.ChangedAt)
		h.StatusTitle = submitapplicationapi.Statuses[h.Status].Title
		return h, err
	})
}

// actionOn reads the application {id} an action names and the action's
// JSON body (at most maxBody bytes) into in.
func actionOn(w http.ResponseWriter, r *http.Request, in any, maxBody int64) (uuid.UUID, error) {
	id, err := uuidParam("id", r.PathValue("id"))
	if err != nil {
		return uuid.Nil, err
	}
	return id, httpx.DecodeJSON(w, r, in, maxBody)
}

// get: GET /api/submit-application/applications/{id} — the application with its
// status history, for the parent (own child), the staff of an organisation it
// is addressed to, the municipality and the ministry; 404 for anyone else.
func (f *Function) get(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var a *application
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var err error
		if a, err = f.readOne(r, tx, id, PermRead); err != nil {
			return err
		}
		a.AllowedMoves = allowedMoves(ctx, a)
		a.History, err = history(ctx, tx, a.ID)
		return err
	})
	return httpx.Reply(w, http.StatusOK, a, err)
}

// readOne loads the application id in tx for a read under perm, and records
// the read under the caller's role in the same transaction: one the
// caller's grants do not reach is errNoApplication.
func (f *Function) readOne(r *http.Request, tx pgx.Tx, id uuid.UUID, perm auth.Permission) (*application, error) {
	ctx := r.Context()
	a, err := f.load(ctx, tx, `a.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, errNoApplication
	}
	gr, err := Rules.Grant(ctx, perm, a.target())
	if err != nil {
		return nil, errNoApplication
	}
	return a, f.audit(r, tx, []*application{a}, func(*application) string { return string(gr.Role) })
}

// audit records, in tx and in one append, that the caller read the
// applications of registry children, each under the role roleOf names.
func (f *Function) audit(r *http.Request, tx pgx.Tx, apps []*application, roleOf func(*application) string) error {
	var entries []audit.Entry
	for _, a := range apps {
		if a.ChildID == nil {
			continue
		}
		e := audit.FromRequest(r)
		e.ActorRole, e.SubjectPersonID, e.Action, e.Object = roleOf(a), *a.ChildID, audit.ActionRead, "applications.application"
		e.Fields, e.Purpose = []string{"application", "birth_date"}, "заявление "+a.Number
		entries = append(entries, e)
	}
	return audit.AppendMany(r.Context(), tx, entries)
}

const (
	defaultLimit = 50
	maxLimit     = 200
)

// list: GET /api/submit-application/applications?service=&status=&organisation=&municipality=&child=&overdue=&after=&limit=
// Applications within the caller's scope, in order of receipt (keyset pages:
// pass next as after). A parent sees the own children's and own applications,
// staff those addressed to their organisation, a municipality its own, the
// ministry all. Filters only narrow that scope.
func (f *Function) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	pr := auth.PrincipalFrom(ctx)
	reach := Rules.Reach(ctx, PermRead)
	var (
		args         []any
		scope, where string
		limit        = defaultLimit
		after        int64
		fe           []errs.FieldError
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	switch {
	case reach.Region:
		scope = "true"
	default:
		var parts []string
		if len(reach.Municipalities) > 0 {
			parts = append(parts, "a.municipality_id = ANY("+arg(reach.Municipalities)+"::uuid[])")
		}
		if len(reach.Organisations) > 0 {
			parts = append(parts, "a.organisation_ids && "+arg(reach.Organisations)+"::uuid[]")
		}
		if len(reach.Persons) > 0 { // a parent: the children's, and what the own account filed
			parts = append(parts, "a.child_id = ANY("+arg(reach.Persons)+"::uuid[]) OR a.applicant_subject = "+arg(pr.Subject))
		}
		if len(parts) == 0 {
			return errs.E(errs.Forbidden, "your roles do not reach any application")
		}
		scope = "(" + joinOr(parts) + ")"
	}
	where = scope
	if s := q.Get("service"); s != "" {
		if _, ok := numberPrefix[submitapplicationapi.Service(s)]; !ok {
			fe = append(fe, field("service", errs.Enum, "одно из: kindergarten, first_grade, additional_education"))
		}
		where += " AND a.service = " + arg(s)
	}
	if s := q.Get("status"); s != "" {
		if _, ok := statusOf(s); !ok {
			fe = append(fe, field("status", errs.Enum, "неизвестный статус"))
		}
		where += " AND a.status = " + arg(s)
	}
	for _, p := range []struct{ param, column string }{{"organisation", "organisation_ids"}, {"municipality", "municipality_id"}, {"child", "child_id"}} {
		v := q.Get(p.param)
		if v == "" {
			continue
		}
		id, err := uuid.Parse(v)
		if err != nil {
			fe = append(fe, field(p.param, errs.Format, "идентификатор в формате UUID"))
			continue
		}
		if p.column == "organisation_ids" {
			where += " AND a.organisation_ids @> ARRAY[" + arg(id) + "::uuid]"
		} else {
			where += " AND a." + p.column + " = " + arg(id)
		}
	}
	switch q.Get("overdue") {
	case "":
	case "true":
		// Past the deadline and not yet decided: the work a municipality watches.
		where += " AND a.decided_at IS NULL AND a.deadline < now() AND a.status = ANY(" + arg(statusStrings(undecided)) + "::text[])"
	default:
		fe = append(fe, field("overdue", errs.Enum, "true — только просроченные заявления"))
	}
	switch q.Get("undecided_privilege") {
	case "":
	case "true":
		// Claims staff still have to decide: not decided yet, or decided
		// under the earlier sibling rule; a sibling claim the registry
		// confirms in a chosen kindergarten needs no decision.
		where += " AND a.service = 'kindergarten' AND a.status = ANY(" + arg(statusStrings(undecided)) + "::text[]) AND " + undecidedPrivilegeSQL
	default:
		fe = append(fe, field("undecided_privilege", errs.Enum, "true — только заявления с льготой, по которой не принято решение"))
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			fe = append(fe, field("limit", errs.Range, "от 1 до "+strconv.Itoa(maxLimit)))
		}
		limit = n
	}
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			fe = append(fe, field("after", errs.Format, "значение next из предыдущей страницы"))
		}
		after = n
	}
	if len(fe) > 0 {
		return errs.Fields("неверные параметры запроса", fe...)
	}
	where += " AND a.seq > " + arg(after) + " ORDER BY a.seq LIMIT " + arg(limit)

	var items []*application
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+appColumns+` FROM applications.applications a WHERE `+where, args...)
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*application, error) { return scanApplication(row) })
		if err != nil {
			return err
		}
		// Each item is audited under the role that reaches it.
		return f.audit(r, tx, items, func(a *application) string {
			gr, _ := Rules.Grant(ctx, PermRead, a.target())
			return string(gr.Role)
		})
	})
	if err != nil {
		return err
	}
	out := submitapplicationapi.Page[*application]{Items: items}
	if out.Items == nil {
		out.Items = []*application{}
	}
	if len(items) == limit {
		out.Next = strconv.FormatInt(items[len(items)-1].seq, 10)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func joinOr(parts []string) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += " OR "
		}
		s += "(" + p + ")"
	}
	return s
}

func uuidParam(name, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return uuid.Nil, errs.Fields("неверный идентификатор", field(name, errs.Format, "идентификатор в формате UUID"))
	}
	return id, nil
}

// numberRe is the shape of an application number.
var numberRe = regexp.MustCompile(`^(1К|ДС|ДО)-[0-9]{4}-[0-9]{7,12}$`)

// ranking: GET /api/submit-application/first-grade/{school_id}/ranking?number=…
// Public: it tells whoever holds an application number where that application
// stands in the school's ranked list (window, receipt time, sequence) and how
// long the list is — nothing about any other application or any person.
func (f *Function) ranking(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	school, err := uuidParam("school_id", r.PathValue("school_id"))
	if err != nil {
		return err
	}
	number := r.URL.Query().Get("number")
	if !numberRe.MatchString(number) {
		return errs.Fields("неверный номер заявления", field("number", errs.Format, "номер заявления вида 1К-2027-0000123"))
	}
	var out submitapplicationapi.Ranking
	var pos *int
	err = f.db.QueryRow(ctx, `
		WITH me AS (
			SELECT number, target_organisation_id, academic_year, window_no, received_at, seq, status
			FROM applications.applications
			WHERE number = $1 AND service = 'first_grade' AND target_organisation_id = $2
		), list AS (
			SELECT a.window_no, a.received_at, a.seq FROM applications.applications a, me
			WHERE a.service = 'first_grade' AND a.target_organisation_id = me.target_organisation_id
			  AND a.academic_year = me.academic_year AND a.status = ANY($3)
		)
		SELECT me.number, me.academic_year, me.window_no, me.status,
		       CASE WHEN me.status = ANY($3) THEN
		           (SELECT count(*) FROM list WHERE (list.window_no, list.received_at, list.seq) < (me.window_no, me.received_at, me.seq)) + 1
		       END,
		       (SELECT count(*) FROM list)
		FROM me`, number, school, rankedStrings()).Scan(&out.Number, &out.AcademicYear, &out.Window, &out.Status, &pos, &out.Total)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.User(errs.NotFound, "заявление с таким номером в эту школу не найдено")
	}
	if err != nil {
		return err
	}
	out.SchoolID, out.Position, out.StatusTitle = school, pos, submitapplicationapi.Statuses[out.Status].Title
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func rankedStrings() []string {
	var out []string
	for s := range submitapplicationapi.Statuses {
		if ranked(s) {
			out = append(out, string(s))
		}
	}
	slices.Sort(out)
	return out
}

// undecidedPrivilegeSQL holds for a kindergarten application a with a claim
// staff still have to decide.
const undecidedPrivilegeSQL = `EXISTS (
	SELECT 1 FROM jsonb_array_elements(a.data->'privileges') AS p
	WHERE (p->>'reconsider' = 'true'
	       OR (p->>'confirmed' <> 'true' AND NOT EXISTS (SELECT 1 FROM applications.privilege_decisions d
	                                                     WHERE d.application_id = a.id AND d.kind = p->>'kind' AND d.actor_role <> 'system')))
	  AND NOT (p->>'kind' = 'sibling' AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(a.data->'preferences') AS k
	                                              WHERE applications.sibling_in(a.child_id, k::uuid, applications.kemerovo_today()) IS NOT NULL)))`
