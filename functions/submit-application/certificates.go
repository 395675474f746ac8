package submitapplication

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

const certificateColumns = `id, number, child_id, issued_at, valid_until`

func scanCertificate(row pgx.Row) (submitapplicationapi.Certificate, error) {
	var c submitapplicationapi.Certificate
	var until time.Time
	err := row.Scan(&c.ID, &c.Number, &c.ChildID, &c.IssuedAt, &until)
	c.ValidUntil = until.Format(time.DateOnly)
	return c, err
}

// issueCertificate: POST /api/submit-application/certificates {child_id} — a
// parent asks for an own child's certificate. Asking again returns the same
// certificate (200); the first time it is issued (201). Only for ages 5 to 18.
func (f *Function) issueCertificate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.CertificateRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
		return err
	}
	child, err := uuid.Parse(in.ChildID)
	if err != nil {
		return errs.Fields("неверный запрос", field("child_id", errs.Format, "идентификатор ребёнка в формате UUID"))
	}
	birth, ok := ownChildBirth(r, child)
	if !ok {
		return errs.User(errs.NotFound, "ребёнок не найден среди ваших детей")
	}
	today := f.Time().In(kemerovo)
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if y, m := ageOn(birth, day); y < 5 || y >= 18 {
		return unprocessable("возраст ребёнка не подходит для сертификата",
			field("child_id", submitapplicationapi.ReasonAge, "ребёнку "+ageText(y, m)+"; сертификат дополнительного образования выдают детям от 5 до 18 лет"))
	}
	pr := auth.PrincipalFrom(ctx)
	c, err := scanCertificate(f.db.QueryRow(ctx, `INSERT INTO applications.certificates
		(id, number, child_id, child_birth_date, applicant_subject, issued_at, valid_until)
		VALUES ($1, 'ДО-42-' || lpad(nextval('applications.certificate_seq')::text, 7, '0'), $2, $3, $4, clock_timestamp(), $5)
		ON CONFLICT (child_id) DO NOTHING
		RETURNING `+certificateColumns, uuid.New(), child, birth, pr.Subject, birth.AddDate(18, 0, 0)))
	status := http.StatusCreated
	if errors.Is(err, pgx.ErrNoRows) {
		status = http.StatusOK
		c, err = scanCertificate(f.db.QueryRow(ctx, `SELECT `+certificateColumns+` FROM applications.certificates WHERE child_id = $1`, child))
	}
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	httpx.WriteJSON(w, status, c)
	return nil
}

// errNoCertificate is the answer for a certificate that does not exist or
// is not among the caller's.
var errNoCertificate = errs.User(errs.NotFound, "сертификат не найден")

var certificateNumber = regexp.MustCompile(`^ДО-42-[0-9]{7}$`)

// getCertificate: GET /api/submit-application/certificates?child= | ?number= —
// a parent reads an own child's certificate; the ministry any; the staff of an
// organisation check a certificate a family presents by its number.
func (f *Function) getCertificate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	var row pgx.Row
	switch child, number := q.Get("child"), q.Get("number"); {
	case child != "" && number == "":
		id, err := uuid.Parse(child)
		if err != nil {
			return errs.Fields("неверные параметры запроса", field("child", errs.Format, "идентификатор в формате UUID"))
		}
		if err := Rules.RequireOr(ctx, PermCertificateRead, access.Target{PersonID: id.String()}, errNoCertificate); err != nil {
			return err
		}
		row = f.db.QueryRow(ctx, `SELECT `+certificateColumns+` FROM applications.certificates WHERE child_id = $1`, id)
	case number != "" && child == "":
		if !certificateNumber.MatchString(number) {
			return errs.Fields("неверные параметры запроса", field("number", errs.Format, "номер вида ДО-42-0000123"))
		}
		// By its number: organisations (which a family shows it to) and the region.
		if reach := Rules.Reach(ctx, PermCertificateRead); !reach.Region && len(reach.Organisations) == 0 {
			return errs.User(errs.Forbidden, "сертификат по номеру проверяют организации и министерство")
		}
		row = f.db.QueryRow(ctx, `SELECT `+certificateColumns+` FROM applications.certificates WHERE number = $1`, number)
	default:
		return errs.Fields("неверные параметры запроса", field("child", errs.Required, "укажите child или number"))
	}
	c, err := scanCertificate(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoCertificate
	}
	return httpx.Reply(w, http.StatusOK, c, err)
}

// ownChildBirth returns the birth date of child when the caller of r is its
// parent (the registry's child grant carries it).
func ownChildBirth(r *http.Request, child uuid.UUID) (time.Time, bool) {
	gr, err := Rules.Grant(r.Context(), PermCertificateIssue, access.Target{PersonID: child.String()})
	if err != nil {
		return time.Time{}, false
	}
	b, err := time.Parse(time.DateOnly, gr.BirthDate)
	return b, err == nil
}
