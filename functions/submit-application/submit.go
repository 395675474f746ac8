package submitapplication

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
)

// maxBody bounds a submission; the largest (five kindergartens, three privileges) is ~2 KiB.
const maxBody = 16 << 10

// submit: POST /api/submit-application/applications with an Idempotency-Key header.
//
// 201 with the new application; 200 with the same application for a retry with
// the same key and the same body (also when the first attempt's answer was lost);
// 422 for the same key with another body; 409 naming the existing application
// when the child already has an active one for the same target; 404 when the
// child is not the caller's. Every refusal writes nothing.
func (f *Function) submit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	key := r.Header.Get("Idempotency-Key")
	if err := checkKey(key); err != nil {
		return err
	}
	var in SubmitRequest
	if err := httpx.DecodeJSON(w, r, &in, maxBody); err != nil {
		return err
	}
	pr := auth.PrincipalFrom(ctx)
	it := &intake{channel: ChannelCabinet, applicant: pr.Subject, idemKey: key, actor: pr.Subject, actorRole: string(access.Parent)}
	var fe []errs.FieldError
	childID := uuidField("child_id", in.ChildID, &fe)
	fe = append(fe, checkBlocks(it, in.Service, in.FirstGrade, in.Kindergarten, in.AdditionalEducation)...)
	if len(fe) > 0 {
		return errs.Fields("заявление заполнено с ошибками", fe...)
	}
	// The child must be the caller's: a parent grant on exactly this child. Any
	// other child is "not found", so ids reveal nothing.
	g, _ := pr.Grants.(*access.Grants)
	var grant *access.Grant
	if g != nil {
		for i, gr := range g.Grants {
			if gr.Role == access.Parent && gr.Scope == access.Child && gr.ScopeID == childID.String() {
				grant = &g.Grants[i]
				break
			}
		}
		if pid, err := uuid.Parse(g.PersonID); err == nil {
			it.applicantPerson = &pid
		}
	}
	if grant == nil {
		return errs.E(errs.NotFound, "ребёнок не найден среди ваших детей")
	}
	birth, err := time.Parse(time.DateOnly, grant.BirthDate)
	if err != nil {
		return errs.E(errs.Unavailable, "реестр не сообщил дату рождения ребёнка; повторите позже")
	}
	it.childID, it.childKey, it.birth = &childID, childID.String(), birth
	it.hash = hashOf(in)

	app, created, err := f.accept(ctx, pr.Token, it, func(fn func(pgx.Tx) error) error { return db.InTx(ctx, f.db, fn) })
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/"+Name+"/applications/"+app.ID.String())
	}
	httpx.WriteJSON(w, status, app)
	return nil
}

// checkKey validates an Idempotency-Key: 1..100 visible ASCII characters.
func checkKey(key string) error {
	if key == "" {
		return errs.Fields("нужен заголовок Idempotency-Key", field("Idempotency-Key", "required",
			"передайте в заголовке Idempotency-Key уникальный ключ попытки подачи (например, UUID); при повторе — тот же ключ"))
	}
	if len(key) > maxKeyLen {
		return errs.Fields("заголовок Idempotency-Key слишком длинный", field("Idempotency-Key", "length", "не длиннее 100 символов"))
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return errs.Fields("недопустимый Idempotency-Key", field("Idempotency-Key", "format", "только латинские буквы, цифры и знаки ASCII без пробелов"))
		}
	}
	return nil
}

// hashOf is the SHA-256 of the request as decoded: the same request hashes
// alike whatever its whitespace and key order.
func hashOf(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings never fail to marshal
	}
	h := sha256.Sum256(b)
	return h[:]
}

// errNotInserted: the insert found the key (or order) taken, the child's
// place taken, or the window closed; accept tells which by reading.
var errNotInserted = errors.New("not inserted")

// accept checks it against the rules of its service and writes it with inTx
// (a plain transaction, or inbox.Apply's for EPGU). It returns the application
// and whether this call created it. A retry of a stored submission gets the
// stored application even when a rule no longer holds for it (the window has
// closed since), and whichever of concurrent retries inserts, the others read
// its row.
func (f *Function) accept(ctx context.Context, token string, it *intake, inTx func(func(pgx.Tx) error) error) (*Application, bool, error) {
	if err := f.checkDomain(ctx, token, it, f.now()); err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.Unprocessable {
			if app, found, ferr := f.replay(ctx, it); ferr != nil || found {
				return app, false, ferr
			}
		}
		return nil, false, err
	}
	data, err := json.Marshal(it.data)
	if err != nil {
		return nil, false, err
	}
	var app *Application
	err = inTx(func(tx pgx.Tx) error {
		var err error
		app, err = f.insert(ctx, tx, it, data)
		if err != nil {
			return err
		}
		if app == nil {
			return errNotInserted
		}
		ev := SubmittedEvent{
			ApplicationID: app.ID.String(), Number: app.Number, Service: string(app.Service), Channel: app.Channel,
			Status: string(app.Status), EPGUStatusCode: app.EPGUStatusCode, OrganisationID: app.OrganisationID.String(),
			MunicipalityID: app.MunicipalityID.String(), ReceivedAt: stamp(app.ReceivedAt), EPGUOrderID: app.EPGUOrderID,
		}
		for _, o := range app.OrganisationIDs {
			ev.OrganisationIDs = append(ev.OrganisationIDs, o.String())
		}
		if app.ChildID != nil {
			ev.ChildID = app.ChildID.String()
		}
		if app.Window != nil {
			ev.Window, ev.AcademicYear = *app.Window, *app.AcademicYear
		}
		if app.Deadline != nil {
			ev.Deadline = stamp(*app.Deadline)
		}
		_, err = f.outbox.Enqueue(ctx, tx, outbox.Event{Type: EventSubmitted, Source: source, Subject: app.ID.String(), Data: ev})
		return err
	})
	if err == nil {
		return app, true, nil
	}
	if !errors.Is(err, errNotInserted) {
		return nil, false, err
	}
	// Nothing was inserted: a retry (or a concurrent twin) holds the key, the
	// child already has an active application, or the window closed meanwhile.
	if app, found, err := f.replay(ctx, it); err != nil || found {
		return app, false, err
	}
	existing, err := f.activeOf(ctx, it)
	if err != nil {
		return nil, false, err
	}
	if existing == nil {
		if it.window != nil {
			return nil, false, unprocessable("заявление подано вне периода приёма",
				field("first_grade", "window_closed", "приём заявлений в 1 класс закрылся до того, как заявление было записано"))
		}
		// The active twin was withdrawn between the insert and this read: the
		// client may simply retry.
		return nil, false, errs.E(errs.Conflict, "заявление изменилось одновременно с подачей; повторите подачу")
	}
	return nil, false, &errs.Error{Code: errs.Conflict,
		Detail: fmt.Sprintf("для ребёнка уже подано заявление № %s на эту услугу (статус «%s»); второе активное заявление не принимается",
			existing.Number, existing.StatusTitle),
		Extra: map[string]any{"existing_id": existing.ID.String(), "existing_number": existing.Number}}
}

// replay returns the application stored under its idempotency key (or EPGU
// order): found with the same request hash, or a 422 when the key was used for
// another request.
func (f *Function) replay(ctx context.Context, it *intake) (*Application, bool, error) {
	var app *Application
	var err error
	if it.channel == ChannelEPGU {
		app, err = f.load(ctx, f.db, `a.epgu_order_id = $1`, it.orderID)
	} else {
		app, err = f.load(ctx, f.db, `a.applicant_subject = $1 AND a.idempotency_key = $2`, it.applicant, it.idemKey)
	}
	if err != nil || app == nil {
		return nil, false, err
	}
	if !bytes.Equal(app.requestHash, it.hash) {
		if it.channel == ChannelEPGU {
			return nil, false, unprocessable(fmt.Sprintf("заказ ЕПГУ %s уже принят как заявление № %s с другими данными", it.orderID, app.Number),
				field("order_id", "reused", "номер заказа уже использован для другого заявления"))
		}
		return nil, false, unprocessable(fmt.Sprintf("ключ Idempotency-Key уже использован для другого заявления (№ %s); для нового заявления нужен новый ключ", app.Number),
			field("Idempotency-Key", "reused", "ключ уже использован с другим содержимым заявления"))
	}
	return app, true, nil
}

// activeOf returns the child's active application for the same target, if any.
func (f *Function) activeOf(ctx context.Context, it *intake) (*Application, error) {
	return f.load(ctx, f.db, `a.child_key = $1 AND a.service = $2 AND a.target_key = $3 AND a.status = ANY($4)`,
		it.childKey, string(it.service), it.targetKey, activeStrings())
}

func activeStrings() []string {
	out := make([]string, len(Active))
	for i, s := range Active {
		out[i] = string(s)
	}
	return out
}

// insertSQL writes an application and its first status in one statement. The
// receipt time is the database clock; a first-grade application is inserted
// only if its window ($21) is open at that time, so a window closing is exact
// to the transaction whatever the cache said. ON CONFLICT DO NOTHING covers the
// idempotency key, the EPGU order and the one-active-application index; which
// one stopped the insert is told apart afterwards by reading.
//
// Deadlines: first grade in window 1 — three working days after the window
// closes ($22, computed from the window); window 2 — five working days after
// receipt; kindergarten — seven days; additional education — seven working days.
const insertSQL = `
WITH s AS (SELECT nextval('applications.application_seq') AS seq, clock_timestamp() AS at),
ins AS (
	INSERT INTO applications.applications (id, seq, number, service, channel, child_id, child_key, child_birth_date,
	    applicant_subject, applicant_person_id, target_organisation_id, organisation_ids, municipality_id, target_key,
	    status, window_no, academic_year, received_at, updated_at, deadline, data, idempotency_key, request_hash, epgu_order_id)
	SELECT $1, s.seq, $17 || '-' || to_char(s.at AT TIME ZONE 'Asia/Novokuznetsk', 'YYYY') || '-' || lpad(s.seq::text, 7, '0'),
	    $2, $3, $4, $5, $6, $7, $8, $9, $10::uuid[], $11, $12, 'submitted', $18, $19, s.at, s.at,
	    coalesce($22::timestamptz, CASE $2
	        WHEN 'kindergarten' THEN s.at + interval '7 days'
	        WHEN 'additional_education' THEN applications.add_working_days(s.at, 7)
	        ELSE applications.add_working_days(s.at, 5) END),
	    $13, NULLIF($14, ''), $15, NULLIF($16, '')
	FROM s
	WHERE $21::uuid IS NULL OR EXISTS (SELECT 1 FROM applications.enrollment_windows w
	    WHERE w.id = $21::uuid AND s.at >= w.opens_at AND s.at < w.closes_at)
	ON CONFLICT DO NOTHING
	RETURNING id, seq, number, received_at, deadline
),
h AS (
	INSERT INTO applications.status_history (application_id, status, epgu_code, actor_subject, actor_person_id, actor_role, changed_at)
	SELECT id, 'submitted', 120, $20, $8, $23, received_at FROM ins
)
SELECT id, seq, number, received_at, deadline FROM ins`

// insert runs insertSQL in tx. It returns nil when nothing was inserted.
func (f *Function) insert(ctx context.Context, tx pgx.Tx, it *intake, data []byte) (*Application, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	var person, child, windowID, win, year, deadline any
	if it.applicantPerson != nil {
		person = *it.applicantPerson
	}
	if it.childID != nil {
		child = *it.childID
	}
	var winNo, academicYear *int
	if w := it.window; w != nil {
		windowID, win, year = w.id, w.no, w.academicYear
		winNo, academicYear = &w.no, &w.academicYear
		if w.no == 1 {
			deadline = addWorkingDays(w.closes, 3)
		}
	}
	orgs := make([]string, len(it.orgs))
	for i, o := range it.orgs {
		orgs[i] = o.String()
	}
	app := &Application{
		Service: it.service, Channel: it.channel, Status: Submitted, ChildID: it.childID, ChildBirthDate: it.birth.Format(time.DateOnly),
		OrganisationID: it.target, OrganisationIDs: it.orgs, MunicipalityID: it.municipality, Window: winNo, AcademicYear: academicYear,
		EPGUOrderID: it.orderID, Data: data, applicantSubject: it.applicant, requestHash: it.hash,
	}
	err = tx.QueryRow(ctx, insertSQL,
		id, string(it.service), it.channel, child, it.childKey, it.birth.Format(time.DateOnly),
		it.applicant, person, it.target, orgs, it.municipality, it.targetKey,
		string(data), it.idemKey, it.hash, it.orderID, numberPrefix[it.service], win, year,
		it.actor, windowID, deadline, it.actorRole,
	).Scan(&app.ID, &app.seq, &app.Number, &app.ReceivedAt, &app.Deadline)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("insert application: %w", err)
	}
	app.UpdatedAt = app.ReceivedAt
	app.fill()
	return app, nil
}
