package submitapplication

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
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
	var in submitapplicationapi.SubmitRequest
	if err := httpx.DecodeJSON(w, r, &in, maxBody); err != nil {
		return err
	}
	pr := auth.PrincipalFrom(ctx)
	it := &intake{channel: submitapplicationapi.ChannelCabinet, applicant: pr.Subject, idemKey: key, actor: pr.Subject, actorRole: string(access.Parent)}
	var fe []errs.FieldError
	childID := uuidField("child_id", in.ChildID, &fe)
	fe = append(fe, checkBlocks(it, in.Service, in.FirstGrade, in.Kindergarten, in.AdditionalEducation)...)
	if len(fe) > 0 {
		return errs.Fields("заявление заполнено с ошибками", fe...)
	}
	// The child must be the caller's: a parent grant on exactly this child. Any
	// other child is "not found", so ids reveal nothing.
	grant, err := Rules.Grant(ctx, PermSubmit, access.Target{PersonID: childID.String()})
	if err != nil {
		return errs.User(errs.NotFound, "ребёнок не найден среди ваших детей")
	}
	it.applicantPerson = access.PersonOf(ctx)
	birth, err := time.Parse(time.DateOnly, grant.BirthDate)
	if err != nil {
		return errs.User(errs.Unavailable, "реестр не сообщил дату рождения ребёнка; повторите позже")
	}
	it.childID, it.childKey, it.birth = &childID, childID.String(), birth
	it.hash = hashOf(in)

	app, created, err := f.accept(ctx, it, f.committer.write)
	countSubmission(submitapplicationapi.ChannelCabinet, created, err)
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

// countSubmission counts the outcome of one submission.
func countSubmission(channel string, created bool, err error) {
	outcome := "replayed"
	switch {
	case err != nil && errs.CodeOf(err) != errs.Internal && errs.CodeOf(err) != errs.Unavailable:
		outcome = "refused"
	case err != nil:
		outcome = "failed"
	case created:
		outcome = "created"
	}
	submissionsTotal.WithLabelValues(channel, outcome).Inc()
}

// checkKey validates an Idempotency-Key: 1..100 visible ASCII characters.
func checkKey(key string) error {
	if key == "" {
		return errs.Fields("нужен заголовок Idempotency-Key", field("Idempotency-Key", errs.Required,
			"передайте в заголовке Idempotency-Key уникальный ключ попытки подачи (например, UUID); при повторе — тот же ключ"))
	}
	if len(key) > maxKeyLen {
		return errs.Fields("заголовок Idempotency-Key слишком длинный", field("Idempotency-Key", errs.Length, "не длиннее 100 символов"))
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return errs.Fields("недопустимый Idempotency-Key", field("Idempotency-Key", errs.Format, "только латинские буквы, цифры и знаки ASCII без пробелов"))
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

// writeFunc writes one checked submission and returns the application, or
// errNotInserted when its key, the child's place or a closed window stopped
// it. Cabinet submissions go through the committer (group commit); EPGU ones
// through a transaction of their own that also records the delivered event.
type writeFunc func(ctx context.Context, it *intake, data []byte) (*application, error)

// accept checks it against the rules of its service and writes it with write.
// It returns the application and whether this call created it. A retry of a
// stored submission gets the stored application even when a rule no longer
// holds for it (the window has closed since), and whichever of concurrent
// retries inserts, the others read its row.
func (f *Function) accept(ctx context.Context, it *intake, write writeFunc) (*application, bool, error) {
	if err := f.checkDomain(ctx, it, f.Time()); err != nil {
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
	app, err := write(ctx, it, data)
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
				field("first_grade", submitapplicationapi.ReasonWindowClosed, "приём заявлений в 1 класс закрылся до того, как заявление было записано"))
		}
		// The active twin was withdrawn between the insert and this read: the
		// client may simply retry.
		return nil, false, errs.User(errs.Conflict, "заявление изменилось одновременно с подачей; повторите подачу")
	}
	return nil, false, &errs.Error{Code: errs.Conflict, ForUser: true,
		Detail: fmt.Sprintf("для ребёнка уже подано заявление № %s на эту услугу (статус «%s»); второе активное заявление не принимается",
			existing.Number, existing.StatusTitle),
		Extra: map[string]any{submitapplicationapi.MemberExistingID: existing.ID.String(), submitapplicationapi.MemberExistingNumber: existing.Number}}
}

// submittedEvent is the application.submitted event of a new application.
func submittedEvent(app *application) submitapplicationapi.SubmittedEvent {
	ev := submitapplicationapi.SubmittedEvent{
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
	return ev
}

// replay returns the application stored under its idempotency key (or EPGU
// order): found with the same request hash, or a 422 when the key was used for
// another request.
func (f *Function) replay(ctx context.Context, it *intake) (*application, bool, error) {
	var app *application
	var err error
	if it.channel == submitapplicationapi.ChannelEPGU {
		app, err = f.load(ctx, f.db, `a.epgu_order_id = $1`, it.orderID)
	} else {
		app, err = f.load(ctx, f.db, `a.applicant_subject = $1 AND a.idempotency_key = $2`, it.applicant, it.idemKey)
	}
	if err != nil || app == nil {
		return nil, false, err
	}
	if !bytes.Equal(app.requestHash, it.hash) {
		if it.channel == submitapplicationapi.ChannelEPGU {
			return nil, false, unprocessable(fmt.Sprintf("заказ ЕПГУ %s уже принят как заявление № %s с другими данными", it.orderID, app.Number),
				field("order_id", submitapplicationapi.ReasonReused, "номер заказа уже использован для другого заявления"))
		}
		return nil, false, unprocessable(fmt.Sprintf("ключ Idempotency-Key уже использован для другого заявления (№ %s); для нового заявления нужен новый ключ", app.Number),
			field("Idempotency-Key", submitapplicationapi.ReasonReused, "ключ уже использован с другим содержимым заявления"))
	}
	return app, true, nil
}

// activeOf returns the child's active application for the same target, if any.
func (f *Function) activeOf(ctx context.Context, it *intake) (*application, error) {
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

// insertSQL writes a batch of applications and their first statuses in one
// statement; the arrays are the batch's columns, in arrival order. Sequence
// numbers and receipt times (the database clock) are taken row by row in that
// order. A first-grade row is inserted only if its window ($20) is open at its
// receipt time, so a window closing is exact to the transaction whatever the
// cache said. ON CONFLICT DO NOTHING covers the idempotency key, the EPGU
// order and the one-active-application index, also between rows of one batch;
// which one stopped a row is told apart afterwards by reading.
//
// Deadlines: first grade in window 1 — three working days after the window
// closes ($21, computed from the window); window 2 — five working days after
// receipt; kindergarten — seven days; additional education — seven working days.
const insertSQL = `
WITH x AS (
	SELECT u.*, nextval('applications.application_seq') AS seq, clock_timestamp() AS at
	FROM (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::date[],
	        $7::text[], $8::uuid[], $9::uuid[], $10::text[], $11::uuid[], $12::text[],
	        $13::text[], $14::text[], $15::bytea[], $16::text[], $17::text[], $18::smallint[], $19::int[],
	        $20::uuid[], $21::timestamptz[], $22::text[], $23::text[])
	        WITH ORDINALITY AS u(id, service, channel, child_id, child_key, birth,
	            applicant, applicant_person, target, orgs, municipality, target_key,
	            data, idem_key, hash, order_id, prefix, window_no, academic_year,
	            window_id, deadline, actor, actor_role, ord)
	      ORDER BY ord) u
),
ins AS (
	INSERT INTO applications.applications (id, seq, number, service, channel, child_id, child_key, child_birth_date,
	    applicant_subject, applicant_person_id, target_organisation_id, organisation_ids, municipality_id, target_key,
	    status, window_no, academic_year, received_at, updated_at, deadline, data, idempotency_key, request_hash, epgu_order_id)
	SELECT x.id, x.seq, x.prefix || '-' || to_char(x.at AT TIME ZONE 'Asia/Novokuznetsk', 'YYYY') || '-' || lpad(x.seq::text, 7, '0'),
	    x.service, x.channel, x.child_id, x.child_key, x.birth, x.applicant, x.applicant_person, x.target, x.orgs::uuid[],
	    x.municipality, x.target_key, 'submitted', x.window_no, x.academic_year, x.at, x.at,
	    coalesce(x.deadline, CASE x.service
	        WHEN 'kindergarten' THEN x.at + interval '7 days'
	        WHEN 'additional_education' THEN applications.add_working_days(x.at, 7)
	        ELSE applications.add_working_days(x.at, 5) END),
	    x.data::jsonb, NULLIF(x.idem_key, ''), x.hash, NULLIF(x.order_id, '')
	FROM x
	WHERE x.window_id IS NULL OR EXISTS (SELECT 1 FROM applications.enrollment_windows w
	    WHERE w.id = x.window_id AND x.at >= w.opens_at AND x.at < w.closes_at)
	ORDER BY x.ord
	ON CONFLICT DO NOTHING
	RETURNING id, seq, number, received_at, deadline
),
h AS (
	INSERT INTO applications.status_history (application_id, status, epgu_code, actor_subject, actor_person_id, actor_role, changed_at)
	SELECT ins.id, 'submitted', 120, x.actor, x.applicant_person, x.actor_role, ins.received_at FROM ins JOIN x ON x.id = ins.id
)
SELECT id, seq, number, received_at, deadline FROM ins`

// insert runs insertSQL for batch in tx. apps[i] is the application of
// batch[i], or nil when it was not inserted.
func (f *Function) insert(ctx context.Context, tx pgx.Tx, batch []*pendingWrite) ([]*application, error) {
	n := len(batch)
	var (
		ids, childIDs, persons, targets, munis, windowIDs = make([]string, n), make([]*string, n), make([]*string, n), make([]string, n), make([]string, n), make([]*string, n)
		services, channels, childKeys, applicants, orgs   = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		targetKeys, data, idemKeys, orderIDs, prefixes    = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		actors, actorRoles                                = make([]string, n), make([]string, n)
		births                                            = make([]time.Time, n)
		hashes                                            = make([][]byte, n)
		windowNos, years                                  = make([]*int, n), make([]*int, n)
		deadlines                                         = make([]*time.Time, n)
		apps                                              = make([]*application, n)
		byID                                              = make(map[uuid.UUID]int, n)
	)
	for i, p := range batch {
		it := p.it
		id, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		byID[id] = i
		ids[i], services[i], channels[i], childKeys[i] = id.String(), string(it.service), it.channel, it.childKey
		births[i], applicants[i], targets[i], munis[i] = it.birth, it.applicant, it.target.String(), it.municipality.String()
		targetKeys[i], data[i], idemKeys[i], hashes[i], orderIDs[i] = it.targetKey, string(p.data), it.idemKey, it.hash, it.orderID
		prefixes[i], actors[i], actorRoles[i] = numberPrefix[it.service], it.actor, it.actorRole
		if it.childID != nil {
			childIDs[i] = ptr(it.childID.String())
		}
		if it.applicantPerson != nil {
			persons[i] = ptr(it.applicantPerson.String())
		}
		orgs[i] = uuidArrayLiteral(it.orgs)
		app := &application{Application: submitapplicationapi.Application{
			ID: id, Service: it.service, Channel: it.channel, Status: submitapplicationapi.Submitted, ChildID: it.childID,
			ChildBirthDate: it.birth.Format(time.DateOnly), OrganisationID: it.target, OrganisationIDs: it.orgs,
			MunicipalityID: it.municipality, EPGUOrderID: it.orderID, Data: p.data,
		}, applicantSubject: it.applicant, requestHash: it.hash}
		if w := it.window; w != nil {
			windowIDs[i], windowNos[i], years[i] = ptr(w.id.String()), &w.no, &w.academicYear
			app.Window, app.AcademicYear = &w.no, &w.academicYear
			if w.no == 1 {
				d := addWorkingDays(w.closes, 3)
				deadlines[i] = &d
			}
		}
		apps[i] = app
	}
	rows, err := tx.Query(ctx, insertSQL, ids, services, channels, childIDs, childKeys, births,
		applicants, persons, targets, orgs, munis, targetKeys,
		data, idemKeys, hashes, orderIDs, prefixes, windowNos, years,
		windowIDs, deadlines, actors, actorRoles)
	if err != nil {
		return nil, fmt.Errorf("insert applications: %w", err)
	}
	inserted := make([]bool, n)
	for rows.Next() {
		var id uuid.UUID
		var seq int64
		var number string
		var received time.Time
		var deadline *time.Time
		if err := rows.Scan(&id, &seq, &number, &received, &deadline); err != nil {
			rows.Close()
			return nil, fmt.Errorf("insert applications: %w", err)
		}
		i, ok := byID[id]
		if !ok {
			rows.Close()
			return nil, fmt.Errorf("insert applications: unexpected id %s returned", id)
		}
		a := apps[i]
		a.seq, a.Number, a.ReceivedAt, a.UpdatedAt, a.Deadline = seq, number, received, received, deadline
		a.fill()
		inserted[i] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insert applications: %w", err)
	}
	for i := range apps {
		if !inserted[i] {
			apps[i] = nil
		}
	}
	return apps, nil
}

func ptr[T any](v T) *T { return &v }

// uuidArrayLiteral is the PostgreSQL text form of a uuid array, {a,b,c}: one
// row's value inside a text[] parameter (arrays of arrays must be rectangular).
func uuidArrayLiteral(ids []uuid.UUID) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(id.String())
	}
	b.WriteByte('}')
	return b.String()
}
