package registry

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/outbox"
)

// personFromPath reads the person id of {id} and checks perm against what the
// person belongs to; the target is returned for further checks.
func (f *Function) personFromPath(r *http.Request, perm auth.Permission) (uuid.UUID, access.Target, error) {
	id, err := uuidParam("id", r.PathValue("id"))
	if err != nil {
		return uuid.Nil, access.Target{}, err
	}
	target, err := targetOfPerson(r.Context(), f.db, id, f.Time())
	if err != nil {
		return uuid.Nil, target, err
	}
	return id, target, Rules.Require(r.Context(), perm, target)
}

// orgInput is the organisation of the path, checked for perm, and the JSON
// body of a request that adds to it (up to 4 KiB).
func orgInput[T any](f *Function, w http.ResponseWriter, r *http.Request, perm auth.Permission) (registryapi.Organisation, T, error) {
	var in T
	o, err := f.orgFromPath(r, perm, nil)
	if err != nil {
		return o, in, err
	}
	return o, in, httpx.DecodeJSON(w, r, &in, 4<<10)
}

// orgFromPath loads the organisation of {id} and checks perm in its scope.
func (f *Function) orgFromPath(r *http.Request, perm auth.Permission, class *uuid.UUID) (registryapi.Organisation, error) {
	id, err := uuidParam("id", r.PathValue("id"))
	if err != nil {
		return registryapi.Organisation{}, err
	}
	o, err := f.organisation(r.Context(), f.db, id)
	if err != nil {
		return o, err
	}
	target := targetOfOrganisation(o)
	if class != nil {
		target.ClassIDs = []string{class.String()}
	}
	return o, Rules.Require(r.Context(), perm, target)
}

// listClasses: GET /api/registry/organisations/{id}/classes?year=
func (f *Function) listClasses(w http.ResponseWriter, r *http.Request) error {
	o, err := f.orgFromPath(r, PermClassRead, nil)
	if err != nil {
		return err
	}
	var fe []errs.FieldError
	year := httpx.QueryYear(r.URL.Query(), kuzbass.AcademicYearOf(f.Time()), &fe)
	if len(fe) > 0 {
		return errs.Fields("bad query parameter", fe...)
	}
	list, err := db.Collect[registryapi.Class](r.Context(), f.db, `
		SELECT id, organisation_id, academic_year, name, kind, grade, age_from, age_to
		FROM registry.classes WHERE organisation_id = $1 AND academic_year = $2
		ORDER BY grade NULLS LAST, name`, o.ID, year)
	return httpx.Reply(w, http.StatusOK, httpx.PageOf(list, ""), err)
}

// createClass: POST /api/registry/organisations/{id}/classes
func (f *Function) createClass(w http.ResponseWriter, r *http.Request) error {
	o, in, err := orgInput[registryapi.ClassInput](f, w, r, PermClassWrite)
	if err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	var fe []errs.FieldError
	if in.AcademicYear < 2000 || in.AcademicYear > 2100 {
		fe = append(fe, errs.FieldError{Field: "academic_year", Code: errs.Range, Message: "год начала учебного года, 2000–2100"})
	}
	if n := len([]rune(in.Name)); n < 1 || n > 50 || strings.ContainsAny(in.Name, "<>\"'`\\") {
		fe = append(fe, errs.FieldError{Field: "name", Code: errs.Format, Message: "1–50 символов без спецсимволов"})
	}
	switch in.Kind {
	case "class":
		if o.Kind != "school" && o.Kind != "college" {
			fe = append(fe, errs.FieldError{Field: "kind", Code: errs.Enum, Message: "классы есть только у школ и колледжей"})
		}
		if in.Grade != nil && (*in.Grade < 1 || *in.Grade > 11) {
			fe = append(fe, errs.FieldError{Field: "grade", Code: errs.Range, Message: "1–11"})
		}
	case "group":
		if in.AgeFrom == nil || in.AgeTo == nil || *in.AgeFrom < 0 || *in.AgeTo > 18 || *in.AgeFrom > *in.AgeTo {
			fe = append(fe, errs.FieldError{Field: "age_from", Code: errs.Range, Message: "возраст группы: 0 ≤ age_from ≤ age_to ≤ 18"})
		}
	default:
		fe = append(fe, errs.FieldError{Field: "kind", Code: errs.Enum, Message: "class или group"})
	}
	if len(fe) > 0 {
		return errs.Fields("класс не прошёл проверку", fe...)
	}
	c := registryapi.Class{OrganisationID: o.ID, AcademicYear: in.AcademicYear, Name: in.Name, Kind: in.Kind, Grade: in.Grade, AgeFrom: in.AgeFrom, AgeTo: in.AgeTo}
	c.ID, _ = uuid.NewV7()
	_, err = f.db.Exec(r.Context(), `INSERT INTO registry.classes (id, organisation_id, academic_year, name, kind, grade, age_from, age_to)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, c.OrganisationID, c.AcademicYear, c.Name, c.Kind, c.Grade, c.AgeFrom, c.AgeTo)
	if db.IsUniqueViolation(err, "") {
		return errs.User(errs.Conflict, "класс «%s» на %d/%d учебный год уже есть", c.Name, c.AcademicYear, c.AcademicYear+1)
	}
	return httpx.Reply(w, http.StatusCreated, c, err)
}

// listStaff: GET /api/registry/organisations/{id}/staff
func (f *Function) listStaff(w http.ResponseWriter, r *http.Request) error {
	o, err := f.orgFromPath(r, PermStaffRead, nil)
	if err != nil {
		return err
	}
	list, err := db.Collect[registryapi.StaffMember](r.Context(), f.db, `
		SELECT s.id, s.person_id, p.family_name || ' ' || p.given_name || coalesce(' ' || nullif(p.middle_name, ''), ''),
		       s.organisation_id, s.role, s.class_id, s.position, s.starts_on::text, s.ends_on::text
		FROM registry.staff s JOIN registry.people p ON p.id = s.person_id
		WHERE s.organisation_id = $1 AND (s.ends_on IS NULL OR s.ends_on >= $2)
		ORDER BY p.family_name, p.given_name, s.role`, o.ID, f.Time())
	return httpx.Reply(w, http.StatusOK, httpx.PageOf(list, ""), err)
}

// createStaff: POST /api/registry/organisations/{id}/staff
func (f *Function) createStaff(w http.ResponseWriter, r *http.Request) error {
	o, in, err := orgInput[registryapi.StaffInput](f, w, r, PermStaffWrite)
	if err != nil {
		return err
	}
	var fe []errs.FieldError
	if !slices.Contains(registryapi.StaffRoles, in.Role) {
		fe = append(fe, errs.FieldError{Field: "role", Code: errs.Enum, Message: "одна из ролей: " + strings.Join(registryapi.StaffRoles, ", ")})
	}
	if (in.Role == "class_teacher") != (in.ClassID != nil) {
		fe = append(fe, errs.FieldError{Field: "class_id", Code: errs.Required, Message: "класс указывается для классного руководителя, и только для него"})
	}
	starts, ends, dfe := dateRange(in.StartsOn, in.EndsOn)
	fe = append(fe, dfe...)
	if len(in.Position) > 200 {
		fe = append(fe, errs.FieldError{Field: "position", Code: errs.Length, Message: "не длиннее 200 символов"})
	}
	if len(fe) > 0 {
		return errs.Fields("назначение не прошло проверку", fe...)
	}
	m := registryapi.StaffMember{PersonID: in.PersonID, OrganisationID: o.ID, Role: in.Role, ClassID: in.ClassID, Position: in.Position, StartsOn: in.StartsOn, EndsOn: in.EndsOn}
	m.ID, _ = uuid.NewV7()
	err = db.InTx(r.Context(), f.db, func(tx pgx.Tx) error {
		if err := f.mustExistPerson(r.Context(), tx, in.PersonID); err != nil {
			return err
		}
		if in.ClassID != nil {
			if err := f.mustBeClassOf(r.Context(), tx, *in.ClassID, o.ID); err != nil {
				return err
			}
		}
		_, err := tx.Exec(r.Context(), `INSERT INTO registry.staff (id, person_id, organisation_id, role, class_id, position, starts_on, ends_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, m.ID, m.PersonID, m.OrganisationID, m.Role, m.ClassID, m.Position, starts, ends)
		if db.IsUniqueViolation(err, "") {
			return errs.User(errs.Conflict, "такое назначение уже есть")
		}
		return err
	})
	return httpx.Reply(w, http.StatusCreated, m, err)
}

// listStudents: GET /api/registry/organisations/{id}/students?class=<id>&year=
// Every listed child's profile read is audited.
func (f *Function) listStudents(w http.ResponseWriter, r *http.Request) error {
	var classID *uuid.UUID
	if c := r.URL.Query().Get("class"); c != "" {
		cid, err := uuidParam("class", c)
		if err != nil {
			return err
		}
		classID = &cid
	}
	o, err := f.orgFromPath(r, PermPersonRead, classID)
	if err != nil {
		return err
	}
	var fe []errs.FieldError
	year := httpx.QueryYear(r.URL.Query(), kuzbass.AcademicYearOf(f.Time()), &fe)
	if len(fe) > 0 {
		return errs.Fields("bad query parameter", fe...)
	}
	list, err := readAudited(f, r, "registry.class-list", []string{"profile"}, func(s registryapi.Student) uuid.UUID { return s.ID },
		func(ctx context.Context, tx pgx.Tx) ([]registryapi.Student, error) {
			rows, err := tx.Query(ctx, `
				SELECT p.id, p.family_name, p.given_name, p.middle_name, p.birth_date::text, p.gender, p.snils_mask,
				       p.esia_oid IS NOT NULL, e.id, e.class_id, coalesce(c.name, '')
				FROM registry.enrollments e
				JOIN registry.people p ON p.id = e.person_id
				LEFT JOIN registry.classes c ON c.id = e.class_id
				WHERE e.organisation_id = $1 AND e.academic_year = $2 AND ($3::uuid IS NULL OR e.class_id = $3)
				ORDER BY c.name, p.family_name, p.given_name
				LIMIT 2000`, o.ID, year, classID)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, func(row pgx.CollectableRow) (registryapi.Student, error) {
				var s registryapi.Student
				err := row.Scan(&s.ID, &s.FamilyName, &s.GivenName, &s.MiddleName, &s.BirthDate, &s.Gender, &s.SNILS,
					&s.ESIALinked, &s.EnrollmentID, &s.ClassID, &s.ClassName)
				return s, err
			})
		})
	return httpx.Reply(w, http.StatusOK, httpx.PageOf(list, ""), err)
}

// listRoster: GET /api/registry/organisations/{id}/roster?class= — the
// pupils of a class this academic year, names only, for the school's
// teachers, its administration and officials; every name read is audited.
func (f *Function) listRoster(w http.ResponseWriter, r *http.Request) error {
	class, err := uuidParam("class", r.URL.Query().Get("class"))
	if err != nil {
		return err
	}
	o, err := f.orgFromPath(r, PermRosterRead, &class)
	if err != nil {
		return err
	}
	list, err := readAudited(f, r, "registry.class-roster", []string{"name"}, func(p registryapi.RosterPupil) uuid.UUID { return p.ID },
		func(ctx context.Context, tx pgx.Tx) ([]registryapi.RosterPupil, error) {
			var known bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM registry.classes WHERE id = $1 AND organisation_id = $2)`, class, o.ID).Scan(&known); err != nil {
				return nil, err
			}
			if !known {
				return nil, errs.User(errs.NotFound, "класс не найден")
			}
			return db.Collect[registryapi.RosterPupil](ctx, tx, `SELECT p.id, p.family_name, p.given_name, coalesce(p.middle_name, '')
				FROM registry.enrollments e JOIN registry.people p ON p.id = e.person_id
				WHERE e.organisation_id = $1 AND e.class_id = $2 AND e.academic_year = $3
				ORDER BY p.family_name, p.given_name LIMIT 2000`, o.ID, class, kuzbass.AcademicYearOf(f.Time()))
		})
	return httpx.Reply(w, http.StatusOK, httpx.PageOf(list, ""), err)
}

// createEnrollment: POST /api/registry/enrollments
func (f *Function) createEnrollment(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in registryapi.EnrollmentInput
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	starts, ends, fe := dateRange(in.StartsOn, in.EndsOn)
	if in.AcademicYear < 2000 || in.AcademicYear > 2100 {
		fe = append(fe, errs.FieldError{Field: "academic_year", Code: errs.Range, Message: "год начала учебного года"})
	}
	if len(fe) > 0 {
		return errs.Fields("зачисление не прошло проверку", fe...)
	}
	o, err := f.organisation(ctx, f.db, in.OrganisationID)
	if err != nil {
		return err
	}
	if err := Rules.Require(ctx, PermEnrollmentWrite, targetOfOrganisation(o)); err != nil {
		return err
	}
	in.OrganisationID = o.ID
	e := registryapi.Enrollment{EnrollmentInput: in}
	e.ID, _ = uuid.NewV7()
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		if err := f.mustExistPerson(ctx, tx, in.PersonID); err != nil {
			return err
		}
		if in.ClassID != nil {
			if err := f.mustBeClassOf(ctx, tx, *in.ClassID, o.ID); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO registry.enrollments (id, person_id, organisation_id, class_id, academic_year, starts_on, ends_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ID, e.PersonID, e.OrganisationID, e.ClassID, e.AcademicYear, starts, ends)
		if db.IsUniqueViolation(err, "") {
			return errs.User(errs.Conflict, "обучающийся уже зачислен в эту организацию на этот учебный год")
		}
		if err != nil {
			return err
		}
		if err := f.auditPerson(r, tx, in.PersonID, "create", "registry.enrollment", []string{"enrollment"}); err != nil {
			return err
		}
		ev := registryapi.EnrollmentEvent{EnrollmentID: e.ID.String(), PersonID: e.PersonID.String(), OrganisationID: o.ID.String(),
			AcademicYear: e.AcademicYear, StartsOn: e.StartsOn, EndsOn: e.EndsOn}
		if e.ClassID != nil {
			ev.ClassID = e.ClassID.String()
		}
		_, err = f.outbox.Enqueue(ctx, tx, outbox.Event{Type: registryapi.EventEnrollmentCreated, Source: source, Subject: e.PersonID.String(), Data: ev})
		return err
	})
	return httpx.Reply(w, http.StatusCreated, e, err)
}

// createLink: POST /api/registry/parent-links — the child's organisation (or an
// official) records a legal representative.
func (f *Function) createLink(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in registryapi.LinkInput
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	if fe := checkLink(&in); len(fe) > 0 {
		return errs.Fields("связь не прошла проверку", fe...)
	}
	// The route lets in any signed-in caller (who may write which link
	// depends on its kind): the grants are loaded here.
	if err := f.policy.Load(ctx); err != nil {
		return err
	}
	target, err := targetOfPerson(ctx, f.db, in.ChildID, f.Time())
	if err != nil {
		return err
	}
	// A parent is linked by the school or an official; a guardian or a
	// foster parent only by the guardianship authority whose act it is.
	perm := PermLinkWrite
	if in.Kind != registryapi.KindParent {
		perm = PermWardWrite
	}
	if Rules.Reach(ctx, perm).None() {
		return errs.E(errs.Forbidden, "permission %s required", perm)
	}
	if err := Rules.Require(ctx, perm, target); err != nil {
		return err
	}
	l := registryapi.ParentLink{ParentID: in.ParentID, ChildID: in.ChildID, Relation: in.Relation, Kind: in.Kind, Document: in.Document,
		Source: "manual", CreatedAt: f.Time()}
	l.ID, _ = uuid.NewV7()
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		if err := f.mustExistPerson(ctx, tx, in.ParentID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO registry.parent_links (id, parent_id, child_id, relation, kind, document, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, l.ID, l.ParentID, l.ChildID, l.Relation, l.Kind, l.Document, l.Source)
		if db.IsUniqueViolation(err, "") {
			return errs.User(errs.Conflict, "такая связь уже есть")
		}
		if err != nil {
			return err
		}
		if err := f.auditPerson(r, tx, in.ChildID, "create", "registry.parent-link", []string{"parents"}); err != nil {
			return err
		}
		_, err = f.outbox.Enqueue(ctx, tx, outbox.Event{Type: registryapi.EventParentLinkCreated, Source: source, Subject: l.ChildID.String(),
			Data: registryapi.ParentLinkEvent{LinkID: l.ID.String(), ParentID: l.ParentID.String(), ChildID: l.ChildID.String(), Relation: l.Relation,
				Kind: l.Kind, Source: l.Source}})
		return err
	})
	return httpx.Reply(w, http.StatusCreated, l, err)
}

func (f *Function) mustExistPerson(ctx context.Context, q querier, id uuid.UUID) error {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM registry.people WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.User(errs.Unprocessable, "человек %s не найден в реестре", id)
	}
	return err
}

func (f *Function) mustBeClassOf(ctx context.Context, q querier, class, org uuid.UUID) error {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM registry.classes WHERE id = $1 AND organisation_id = $2`, class, org).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.User(errs.Unprocessable, "класс %s не принадлежит этой организации", class)
	}
	return err
}

func dateRange(from string, to *string) (time.Time, *time.Time, []errs.FieldError) {
	var fe []errs.FieldError
	starts, err := time.Parse(time.DateOnly, from)
	if err != nil {
		fe = append(fe, errs.FieldError{Field: "starts_on", Code: errs.Format, Message: "дата в формате ГГГГ-ММ-ДД"})
	}
	var ends *time.Time
	if to != nil {
		e, err := time.Parse(time.DateOnly, *to)
		if err != nil {
			fe = append(fe, errs.FieldError{Field: "ends_on", Code: errs.Format, Message: "дата в формате ГГГГ-ММ-ДД"})
		} else if e.Before(starts) {
			fe = append(fe, errs.FieldError{Field: "ends_on", Code: errs.Range, Message: "не раньше даты начала"})
		} else {
			ends = &e
		}
	}
	return starts, ends, fe
}
