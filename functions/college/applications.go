package college

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collegeapi "github.com/kuzbass/eko/functions/college/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// markRe is an average mark as people write it: 4.35, 4,35, 4.5 or 4.
var markRe = regexp.MustCompile(`^([3-5])(?:[.,]([0-9]{1,2}))?$`)

// averageMark reads an average mark and says it back as «4.35»; ok is
// false for anything not from 3.00 to 5.00 with at most two decimals.
func averageMark(s string) (string, bool) {
	m := markRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	frac := m[2] + strings.Repeat("0", 2-len(m[2]))
	if m[1] == "5" && frac != "00" {
		return "", false
	}
	return m[1] + "." + frac, true
}

const applicationColumns = `a.id, a.number, a.organisation_id, a.academic_year, a.person_id, a.full_name, a.channel, a.certificate_number,
	a.average_mark::text, a.confirmed_at IS NOT NULL, a.status, a.received_at,
	(SELECT array_agg(c.specialty_id::text ORDER BY c.priority) FROM college.choices c WHERE c.application_id = a.id),
	(SELECT k.specialty_id::text FROM college.consents k WHERE k.application_id = a.id AND k.withdrawn_at IS NULL)`

func scanApplication(row pgx.CollectableRow) (collegeapi.Application, error) {
	var a collegeapi.Application
	var year int16
	var choices []string
	var consent *string
	if err := row.Scan(&a.ID, &a.Number, &a.OrganisationID, &year, &a.PersonID, &a.FullName, &a.Channel, &a.CertificateNumber,
		&a.AverageMark, &a.Confirmed, &a.Status, &a.ReceivedAt, &choices, &consent); err != nil {
		return a, err
	}
	a.AcademicYear = int(year)
	a.Choices = make([]uuid.UUID, 0, len(choices))
	for _, c := range choices {
		a.Choices = append(a.Choices, uuid.MustParse(c))
	}
	if consent != nil {
		id := uuid.MustParse(*consent)
		a.ConsentTo = &id
	}
	return a, nil
}

// application reads one application; a missing one is not found.
func (f *Function) application(ctx context.Context, q db.Querier, id uuid.UUID) (collegeapi.Application, error) {
	rows, err := q.Query(ctx, `SELECT `+applicationColumns+` FROM college.applications a WHERE a.id = $1`, id)
	if err != nil {
		return collegeapi.Application{}, err
	}
	a, err := pgx.CollectExactlyOneRow(rows, scanApplication)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, errNoApplication
	}
	return a, err
}

var errNoApplication = errs.User(errs.NotFound, "заявление не найдено")

// applicantTarget is the object an applicant's grants must reach.
func applicantTarget(a collegeapi.Application) access.Target {
	return access.Target{PersonID: a.PersonID.String()}
}

// officeTarget is the object a college's admissions office must reach.
func officeTarget(org uuid.UUID) access.Target {
	return access.Target{OrganisationIDs: []string{org.String()}}
}

// applications: GET /api/college/admission/applications?organisation=&year=
// — a college's applications of a year, with names, for its admissions
// office; ?applicant= — an applicant's applications, for the applicant or
// a parent.
func (f *Function) applications(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	var fe []errs.FieldError
	year := httpx.QueryYear(q, kuzbass.AcademicYearOf(f.Time())+1, &fe)
	org, applicant := httpx.QueryID(q, "organisation", &fe), httpx.QueryID(q, "applicant", &fe)
	if len(fe) == 0 && (org == nil) == (applicant == nil) {
		fe = append(fe, errs.FieldError{Field: "organisation", Code: errs.Required, Message: "укажите колледж (organisation) или абитуриента (applicant)"})
	}
	if len(fe) > 0 {
		return errs.Fields("неверные параметры запроса", fe...)
	}
	var rows pgx.Rows
	var err error
	if org != nil {
		if err := Rules.Require(ctx, PermAdmissionManage, officeTarget(*org)); err != nil {
			return err
		}
		rows, err = f.db.Query(ctx, `SELECT `+applicationColumns+` FROM college.applications a
			WHERE a.organisation_id = $1 AND a.academic_year = $2 ORDER BY a.received_at, a.number LIMIT 20000`, *org, int16(year))
	} else {
		if err := Rules.Require(ctx, PermApply, access.Target{PersonID: applicant.String()}); err != nil {
			return err
		}
		rows, err = f.db.Query(ctx, `SELECT `+applicationColumns+` FROM college.applications a
			WHERE a.person_id = $1 ORDER BY a.academic_year DESC, a.received_at`, *applicant)
	}
	return replyPage(w, rows, err, scanApplication)
}

// apply: POST /api/college/admission/applications — the applicant (or a
// parent for a child) applies to a college whose campaign is taking
// applications, naming its specialties of that year in order (up to the
// campaign's limit) and the certificate as it reads. The same application
// again (a double click, a retry) answers 200 with the one filed; another
// one to the same college that year is a conflict naming it.
func (f *Function) apply(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in collegeapi.ApplicationRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	mark, certificate, err := checkRequest(in)
	if err != nil {
		return err
	}
	// The applicant must be the caller or the caller's child; anyone else
	// is not found, so ids reveal nothing.
	if _, err := Rules.Grant(ctx, PermApply, access.Target{PersonID: in.ApplicantID.String()}); err != nil {
		return errs.User(errs.NotFound, "абитуриент не найден среди вас и ваших детей")
	}
	c, err := f.campaignFor(ctx, in.OrganisationID, in.Choices)
	if err != nil {
		return err
	}
	if f.registry == nil {
		return errs.User(errs.Unavailable, "реестр недоступен: попробуйте позже")
	}
	p, err := f.registry.Person(ctx, in.ApplicantID)
	if err != nil {
		return err
	}
	pr := auth.PrincipalFrom(ctx)
	it := intake{campaign: c, person: in.ApplicantID, fullName: p.FullName(), birthDate: p.BirthDate, channel: collegeapi.ChannelCabinet,
		applicant: pr.Subject, certificate: certificate, mark: mark, choices: in.Choices}
	a, created, err := f.file(ctx, it)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, a)
	return nil
}

// checkRequest checks an application's fields as filed: the average mark
// (said back as «4.35») and the certificate's number, the choices named
// once each.
func checkRequest(in collegeapi.ApplicationRequest) (mark, certificate string, err error) {
	var fe []errs.FieldError
	bad := func(field string, code errs.Reason, msg string) {
		fe = append(fe, errs.FieldError{Field: field, Code: code, Message: msg})
	}
	mark, ok := averageMark(in.AverageMark)
	if !ok {
		bad("average_mark", errs.Range, "средний балл аттестата: от 3 до 5, например 4,35")
	}
	certificate = strings.TrimSpace(in.CertificateNumber)
	if n := len([]rune(certificate)); n < 5 || n > 30 {
		bad("certificate_number", errs.Length, "номер аттестата: от 5 до 30 символов, как в документе")
	}
	if len(in.Choices) == 0 {
		bad("choices", errs.Required, "выберите хотя бы одну специальность")
	}
	seen := map[uuid.UUID]bool{}
	for _, c := range in.Choices {
		if seen[c] {
			bad("choices", errs.Format, "специальность выбрана дважды")
			break
		}
		seen[c] = true
	}
	if len(fe) > 0 {
		return "", "", errs.Fields("заявление заполнено с ошибками", fe...)
	}
	return mark, certificate, nil
}

// campaignFor is the college's campaign taking applications today, when
// choices are its specialties of that year and no more than it allows.
func (f *Function) campaignFor(ctx context.Context, college uuid.UUID, choices []uuid.UUID) (collegeapi.Campaign, error) {
	today := kuzbass.Date(f.Time())
	var c collegeapi.Campaign
	rows, err := f.db.Query(ctx, `SELECT `+campaignColumns+` FROM college.campaigns WHERE organisation_id = $1 AND opens_on <= $2 AND closes_on >= $2
		ORDER BY academic_year LIMIT 1`, college, today)
	if err == nil {
		c, err = pgx.CollectExactlyOneRow(rows, scanCampaign)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		e := errs.User(errs.Unprocessable, "колледж сейчас не принимает заявления: приёмная кампания не идёт")
		e.Reason = collegeapi.ReasonClosed
		return c, e
	}
	if err != nil {
		return c, err
	}
	if len(choices) > c.MaxChoices {
		return c, errs.Fields("заявление заполнено с ошибками", errs.FieldError{Field: "choices", Code: errs.Range,
			Message: fmt.Sprintf("в одном заявлении — не больше %d специальностей", c.MaxChoices)})
	}
	var known int
	if err := f.db.QueryRow(ctx, `SELECT count(*) FROM college.specialties WHERE id = ANY($1) AND organisation_id = $2 AND academic_year = $3`,
		choices, c.OrganisationID, int16(c.AcademicYear)).Scan(&known); err != nil {
		return c, err
	}
	if known != len(choices) {
		return c, errs.Fields("заявление заполнено с ошибками", errs.FieldError{Field: "choices", Code: errs.Unknown,
			Message: "специальности нет среди тех, на которые колледж принимает в этом году"})
	}
	return c, nil
}

// intake is one checked application to file.
type intake struct {
	campaign            collegeapi.Campaign
	person              uuid.UUID
	fullName, birthDate string
	channel, applicant  string
	externalID          *string
	certificate, mark   string
	choices             []uuid.UUID
}

// file writes an application with its choices in one transaction, or finds
// the one the applicant filed to that college that year: the same (a
// retry) is returned as it is, another is a conflict naming it.
func (f *Function) file(ctx context.Context, it intake) (collegeapi.Application, bool, error) {
	id := uuid.Must(uuid.NewV7())
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO college.applications (id, number, organisation_id, academic_year, person_id, full_name, birth_date, channel,
			    applicant, external_id, certificate_number, average_mark, received_at)
			SELECT $1, 'СПО-' || $3::smallint::text || '-' || lpad(nextval('college.application_numbers')::text, 6, '0'), $2, $3::smallint, $4, $5, $6, $7, $8, $9, $10, $11::numeric, clock_timestamp()
			ON CONFLICT DO NOTHING`,
			id, it.campaign.OrganisationID, int16(it.campaign.AcademicYear), it.person, it.fullName, it.birthDate, it.channel, it.applicant, it.externalID,
			it.certificate, it.mark)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		b := &pgx.Batch{}
		for i, s := range it.choices {
			b.Queue(`INSERT INTO college.choices (application_id, specialty_id, priority) VALUES ($1, $2, $3)`, id, s, int16(i+1))
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return collegeapi.Application{}, false, err
	}
	a, err := f.application(ctx, f.db, id)
	if err == nil {
		return a, true, nil
	}
	if !errs.Is(err, errs.NotFound) {
		return a, false, err
	}
	// Not inserted: the applicant's application to this college this year
	// (or, from EPGU, the order's) is there already.
	var existing uuid.UUID
	if err := f.db.QueryRow(ctx, `SELECT id FROM college.applications WHERE (person_id = $1 AND organisation_id = $2 AND academic_year = $3)
		OR external_id = $4 LIMIT 1`, it.person, it.campaign.OrganisationID, int16(it.campaign.AcademicYear), it.externalID).Scan(&existing); err != nil {
		return a, false, err
	}
	a, err = f.application(ctx, f.db, existing)
	if err != nil {
		return a, false, err
	}
	if a.PersonID == it.person && a.CertificateNumber == it.certificate && a.AverageMark == it.mark && slices.Equal(a.Choices, it.choices) {
		return a, false, nil
	}
	e := errs.User(errs.Conflict, "заявление в этот колледж в этом году уже подано (№ %s); его специальности меняет приёмная комиссия", a.Number)
	e.Reason, e.Extra = collegeapi.ReasonApplied, map[string]any{"application_id": a.ID, "number": a.Number}
	return a, false, e
}

// confirm: PATCH /api/college/admission/applications/{id} — the admissions
// office confirms the average mark from the certificate it has seen
// (correcting it when the applicant misread it).
func (f *Function) confirm(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in collegeapi.ConfirmRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
		return err
	}
	a, err := f.application(ctx, f.db, id)
	if err != nil {
		return err
	}
	if err := Rules.RequireOr(ctx, PermAdmissionManage, officeTarget(a.OrganisationID), errNoApplication); err != nil {
		return err
	}
	mark, ok := averageMark(in.AverageMark)
	if !ok {
		return errs.Fields("средний балл не подтверждён", errs.FieldError{Field: "average_mark", Code: errs.Range,
			Message: "средний балл аттестата: от 3 до 5, например 4,35"})
	}
	tag, err := f.db.Exec(ctx, `UPDATE college.applications SET average_mark = $2::numeric, confirmed_at = clock_timestamp(), confirmed_by = $3
		WHERE id = $1 AND status = 'submitted'`, id, mark, auth.PrincipalFrom(ctx).Subject)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return notOpen(a)
	}
	a, err = f.application(ctx, f.db, id)
	return httpx.Reply(w, http.StatusOK, a, err)
}

// notOpen is the refusal to change an application that is no longer open.
func notOpen(a collegeapi.Application) error {
	if a.Status == collegeapi.Enrolled {
		e := errs.User(errs.Conflict, "абитуриент уже зачислен приказом: заявление не меняется")
		e.Reason = collegeapi.ReasonEnrolled
		return e
	}
	return errs.User(errs.Conflict, "заявление %s: %s", a.Number, collegeapi.StatusTitles[a.Status])
}
