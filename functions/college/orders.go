package college

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	collegeapi "github.com/kuzbass/eko/functions/college/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// enrol: POST /api/college/admission/orders — the admissions office
// enrols a specialty's recommended applicants into a study group: the
// order (one per specialty, its lines added as more applicants are
// recommended) is written first, then each applicant is enrolled in the
// registry from the first of September, in the group (a registry class of
// the college, made when missing). A failure half-way leaves the rest
// pending, and the same request again completes them; an applicant the
// registry has already enrolled there is not enrolled twice.
func (f *Function) enrol(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in collegeapi.OrderRequest
	if err := httpx.DecodeJSON(w, r, &in, 1<<10); err != nil {
		return err
	}
	in.GroupName = strings.TrimSpace(in.GroupName)
	if n := len([]rune(in.GroupName)); n < 1 || n > 50 || strings.ContainsAny(in.GroupName, "<>\"'`\\") {
		return errs.Fields("приказ не издан", errs.FieldError{Field: "group_name", Code: errs.Format, Message: "название группы: 1–50 символов без спецсимволов, например ИСП-27-1"})
	}
	s, list, err := rank(ctx, f.db, in.SpecialtyID)
	if err != nil {
		return err
	}
	if err := Rules.Require(ctx, PermAdmissionManage, officeTarget(s.OrganisationID)); err != nil {
		return err
	}
	if f.registry == nil {
		return errs.User(errs.Unavailable, "реестр недоступен: попробуйте позже")
	}
	order, err := f.order(ctx, s, in.GroupName, list)
	if err != nil {
		return err
	}
	starts := fmt.Sprintf("%d-09-01", s.AcademicYear)
	for i, e := range order.Enrolled {
		if e.EnrollmentID != nil {
			continue
		}
		var person uuid.UUID
		if err := f.db.QueryRow(ctx, `SELECT person_id FROM college.order_lines WHERE order_id = $1 AND application_id = $2`, order.ID, e.ApplicationID).Scan(&person); err != nil {
			return err
		}
		got, err := f.registry.Enrol(ctx, registryapi.EnrollmentInput{PersonID: person, OrganisationID: s.OrganisationID, ClassID: &order.GroupID,
			AcademicYear: s.AcademicYear, StartsOn: starts})
		enrollment := got.ID
		if errs.Is(err, errs.Conflict) {
			// Enrolled there that year already (an answer lost on the way, or
			// the college's own entry): the line is done, the id unknown here.
			enrollment, err = uuid.Nil, nil
		}
		if err != nil {
			return err
		}
		if err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE college.order_lines SET enrollment_id = $3 WHERE order_id = $1 AND application_id = $2`, order.ID, e.ApplicationID, enrollment); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE college.applications SET status = 'enrolled' WHERE id = $1`, e.ApplicationID)
			return err
		}); err != nil {
			return err
		}
		order.Enrolled[i].EnrollmentID = &enrollment
	}
	return httpx.Reply(w, http.StatusCreated, order, nil)
}

// order is the specialty's enrolment order with the recommended
// applicants of list added to it (written before anyone is enrolled); the
// first one makes the study group in the registry.
func (f *Function) order(ctx context.Context, s collegeapi.Specialty, groupName string, list []ranked) (collegeapi.Order, error) {
	existing, err := f.readOrder(ctx, s.ID)
	var groupID uuid.UUID
	switch {
	case err == nil:
		groupID = existing.GroupID
	case errs.Is(err, errs.NotFound):
		if groupID, err = f.group(ctx, s, groupName); err != nil {
			return existing, err
		}
	default:
		return existing, err
	}
	by := auth.PrincipalFrom(ctx).Subject
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		id := uuid.Must(uuid.NewV7())
		if _, err := tx.Exec(ctx, `INSERT INTO college.orders (id, number, specialty_id, group_id, group_name, issued_at, issued_by)
			VALUES ($1, $2, $3, $4, $5, clock_timestamp(), $6) ON CONFLICT (specialty_id) DO NOTHING`,
			id, fmt.Sprintf("З-%s-%d", s.Code, s.AcademicYear), s.ID, groupID, groupName, by); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO college.groups (class_id, specialty_id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, groupID, s.ID, groupName); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, x := range list {
			if x.Recommended {
				b.Queue(`INSERT INTO college.order_lines (order_id, application_id, person_id, position)
					SELECT o.id, $2, $3, $4 FROM college.orders o WHERE o.specialty_id = $1 ON CONFLICT DO NOTHING`, s.ID, x.applicationID, x.personID, x.Position)
			}
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return collegeapi.Order{}, err
	}
	return f.readOrder(ctx, s.ID)
}

// group is the college's study group of that name in the specialty's
// year, made in the registry (first course) when it is not there.
func (f *Function) group(ctx context.Context, s collegeapi.Specialty, name string) (uuid.UUID, error) {
	classes, err := f.registry.ClassesIn(ctx, s.OrganisationID, s.AcademicYear)
	if err != nil {
		return uuid.Nil, err
	}
	for _, c := range classes {
		if strings.EqualFold(c.Name, name) {
			return c.ID, nil
		}
	}
	course := 1
	c, err := f.registry.CreateClass(ctx, s.OrganisationID, registryapi.ClassInput{AcademicYear: s.AcademicYear, Name: name, Kind: "class", Grade: &course})
	return c.ID, err
}

// readOrder is a specialty's order with its lines in list order.
func (f *Function) readOrder(ctx context.Context, specialty uuid.UUID) (collegeapi.Order, error) {
	var o collegeapi.Order
	err := f.db.QueryRow(ctx, `SELECT id, number, specialty_id, group_id, group_name, issued_at FROM college.orders WHERE specialty_id = $1`, specialty).
		Scan(&o.ID, &o.Number, &o.SpecialtyID, &o.GroupID, &o.GroupName, &o.IssuedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, errs.User(errs.NotFound, "приказа о зачислении на эту специальность нет")
	}
	if err != nil {
		return o, err
	}
	rows, err := f.db.Query(ctx, `SELECT l.application_id, a.number, a.full_name, l.enrollment_id FROM college.order_lines l
		JOIN college.applications a ON a.id = l.application_id WHERE l.order_id = $1 ORDER BY l.position`, o.ID)
	if err != nil {
		return o, err
	}
	o.Enrolled, err = pgx.CollectRows(rows, pgx.RowToStructByPos[collegeapi.OrderEntry])
	return o, err
}

// orders: GET /api/college/admission/orders?organisation=&year= — a
// college's enrolment orders of a year, for its admissions office.
func (f *Function) orders(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	var fe []errs.FieldError
	year := httpx.QueryYear(q, kuzbass.AcademicYearOf(f.Time())+1, &fe)
	org := httpx.QueryID(q, "organisation", &fe)
	if org == nil && len(fe) == 0 {
		fe = append(fe, errs.FieldError{Field: "organisation", Code: errs.Required, Message: "укажите колледж"})
	}
	if len(fe) > 0 {
		return errs.Fields("неверные параметры запроса", fe...)
	}
	if err := Rules.Require(ctx, PermAdmissionManage, officeTarget(*org)); err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT o.specialty_id FROM college.orders o JOIN college.specialties s ON s.id = o.specialty_id
		WHERE s.organisation_id = $1 AND s.academic_year = $2 ORDER BY s.code`, *org, int16(year))
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	out := make([]collegeapi.Order, 0, len(ids))
	for _, id := range ids {
		o, err := f.readOrder(ctx, id)
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	return httpx.Reply(w, http.StatusOK, httpx.Page[collegeapi.Order]{Items: out}, nil)
}
