package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/pdata"
)

// A name is letters (Cyrillic or Latin), spaces, hyphens and apostrophes: nothing
// that could be markup, a formula or a control character.
var (
	nameRe  = regexp.MustCompile(`^[\p{Cyrillic}\p{Latin}][\p{Cyrillic}\p{Latin}' \-]*$`)
	emailRe = regexp.MustCompile(`^[^@\s<>"']{1,64}@[^@\s<>"']{1,190}\.[a-zA-Z]{2,}$`)
	phoneRe = regexp.MustCompile(`^\+7[0-9]{10}$`)
)

// normalized is a validated PersonInput ready to store.
type normalized struct {
	registryapi.PersonInput
	birth       time.Time
	snilsDigits string
	doc         *registryapi.Document // normalised
	docKey      string
}

func errDetail(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Detail
	}
	return err.Error()
}

// sealedPerson holds the protected columns of a person.
type sealedPerson struct {
	snilsSealed, snilsHash []byte
	snilsMask              string
	docType                string
	docSealed, docHash     []byte
	docMask                string
}

func (f *Function) seal(n *normalized) (sealedPerson, error) { return sealWith(f.pdata, n) }

func sealWith(p *pdata.Protector, n *normalized) (sealedPerson, error) {
	var s sealedPerson
	if n.snilsDigits != "" {
		var err error
		if s.snilsSealed, err = p.Seal(n.snilsDigits); err != nil {
			return s, err
		}
		s.snilsHash = p.Hash("snils", n.snilsDigits)
		s.snilsMask = pdata.MaskSNILS(n.snilsDigits)
	}
	if n.doc != nil {
		b, _ := json.Marshal(n.doc)
		var err error
		if s.docSealed, err = p.Seal(string(b)); err != nil {
			return s, err
		}
		s.docType = n.doc.Type
		s.docHash = p.Hash("document", n.docKey)
		s.docMask = pdata.MaskDocument(n.doc.Number)
	}
	return s, nil
}

// insertPerson stores a validated person, refusing duplicates by SNILS (always)
// and by name and birth date (unless confirmed).
func (f *Function) insertPerson(ctx context.Context, tx pgx.Tx, n *normalized) (uuid.UUID, error) {
	s, err := f.seal(n)
	if err != nil {
		return uuid.Nil, err
	}
	if s.snilsHash != nil {
		var existing uuid.UUID
		err := tx.QueryRow(ctx, `SELECT id FROM registry.people WHERE snils_hash = $1`, s.snilsHash).Scan(&existing)
		if err == nil {
			return uuid.Nil, &errs.Error{Code: errs.Conflict, ForUser: true, Detail: "человек с таким СНИЛС уже есть в реестре",
				Reason: registryapi.ReasonDuplicateSNILS, Extra: map[string]any{registryapi.MemberExistingID: existing.String()}}
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, err
		}
	}
	if !n.ConfirmNotDuplicate {
		var existing uuid.UUID
		err := tx.QueryRow(ctx, `
			SELECT id FROM registry.people
			WHERE registry.fold_name(family_name) = $1 AND registry.fold_name(given_name) = $2
			  AND birth_date = $3 AND registry.fold_name(middle_name) = $4
			LIMIT 1`, foldName(n.FamilyName), foldName(n.GivenName), n.birth, foldName(n.MiddleName)).Scan(&existing)
		if err == nil {
			return uuid.Nil, &errs.Error{Code: errs.Conflict, ForUser: true,
				Detail: "в реестре уже есть человек с такими ФИО и датой рождения; проверьте, не дубль ли это, и повторите с confirm_not_duplicate: true",
				Reason: registryapi.ReasonDuplicateNameBirthDate, Extra: map[string]any{registryapi.MemberExistingID: existing.String()}}
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, err
		}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO registry.people (id, family_name, given_name, middle_name, birth_date, gender,
		    snils_sealed, snils_hash, snils_mask, doc_type, doc_sealed, doc_hash, doc_mask, email, phone)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		id, n.FamilyName, n.GivenName, n.MiddleName, n.birth, n.Gender,
		s.snilsSealed, s.snilsHash, s.snilsMask, s.docType, s.docSealed, s.docHash, s.docMask, n.Email, n.Phone)
	if db.IsUniqueViolation(err, "people_snils_hash_key") {
		return uuid.Nil, errs.User(errs.Conflict, "человек с таким СНИЛС уже есть в реестре")
	}
	return id, err
}

// createPerson: POST /api/registry/people
func (f *Function) createPerson(w http.ResponseWriter, r *http.Request) error {
	var in registryapi.PersonInput
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	n, fe := validatePerson(&in, f.Time())
	if len(fe) > 0 {
		return errs.Fields("данные человека не прошли проверку", fe...)
	}
	// Creating a person is an organisation's or an official's act; the scope is
	// checked when the person is enrolled or linked, which needs the write grant
	// in the organisation's scope.
	var id uuid.UUID
	err := db.InTx(r.Context(), f.db, func(tx pgx.Tx) error {
		var err error
		if id, err = f.insertPerson(r.Context(), tx, n); err != nil {
			return err
		}
		if err := f.auditPerson(r, tx, id, "create", "registry.person", changedFields(&in)); err != nil {
			return err
		}
		_, err = f.outbox.Enqueue(r.Context(), tx, outbox.Event{
			Type: registryapi.EventPersonCreated, Source: source, Subject: id.String(),
			Data: registryapi.PersonEvent{PersonID: id.String(), Fields: changedFields(&in)},
		})
		return err
	})
	if err != nil {
		return err
	}
	p, err := f.person(r.Context(), f.db, id, false)
	return httpx.Reply(w, http.StatusCreated, p, err)
}

func changedFields(in *registryapi.PersonInput) []string {
	fields := []string{"family_name", "given_name", "birth_date", "gender"}
	if in.MiddleName != "" {
		fields = append(fields, "middle_name")
	}
	if in.SNILS != "" {
		fields = append(fields, "snils")
	}
	if in.Document != nil {
		fields = append(fields, "document")
	}
	if in.Email != "" {
		fields = append(fields, "email")
	}
	if in.Phone != "" {
		fields = append(fields, "phone")
	}
	return fields
}

// person reads a profile; reveal decrypts SNILS and the document instead of masking them.
func (f *Function) person(ctx context.Context, q querier, id uuid.UUID, reveal bool) (registryapi.Person, error) {
	var p registryapi.Person
	var birth time.Time
	var snilsSealed, docSealed []byte
	var snilsMask, docType, docMask string
	var oid *string
	err := q.QueryRow(ctx, `
		SELECT id, family_name, given_name, middle_name, birth_date, gender, snils_sealed, snils_mask,
		       doc_type, doc_sealed, doc_mask, email, phone, esia_oid
		FROM registry.people WHERE id = $1`, id).Scan(
		&p.ID, &p.FamilyName, &p.GivenName, &p.MiddleName, &birth, &p.Gender, &snilsSealed, &snilsMask,
		&docType, &docSealed, &docMask, &p.Email, &p.Phone, &oid)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, errs.E(errs.NotFound, "not found")
	}
	if err != nil {
		return p, err
	}
	p.BirthDate = birth.Format(time.DateOnly)
	p.ESIALinked = oid != nil
	p.SNILS = snilsMask
	if docType != "" {
		p.Document = &registryapi.Document{Type: docType, Number: docMask}
	}
	if reveal {
		if snilsSealed != nil {
			digits, err := f.pdata.Open(snilsSealed)
			if err != nil {
				return p, fmt.Errorf("open snils of %s: %w", id, err)
			}
			p.SNILS = pdata.FormatSNILS(digits)
		}
		if docSealed != nil {
			raw, err := f.pdata.Open(docSealed)
			if err != nil {
				return p, fmt.Errorf("open document of %s: %w", id, err)
			}
			var d registryapi.Document
			if err := json.Unmarshal([]byte(raw), &d); err != nil {
				return p, err
			}
			p.Document = &d
		}
	}
	return p, nil
}

// getPerson: GET /api/registry/people/{id}[?reveal=true]
// Masked unless the caller's role needs the full SNILS and document (and asks).
func (f *Function) getPerson(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, target, err := f.personFromPath(r, PermPersonRead)
	if err != nil {
		return err
	}
	reveal := r.URL.Query().Get("reveal") == "true"
	if reveal {
		if err := Rules.Require(ctx, PermPersonReveal, target); err != nil {
			return errs.E(errs.Forbidden, "your role does not need the full SNILS and document numbers")
		}
	}
	var p registryapi.Person
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		var err error
		if p, err = f.person(ctx, tx, id, reveal); err != nil {
			return err
		}
		fields := []string{"profile"}
		if reveal {
			fields = []string{"profile", "snils", "document"}
		}
		return f.auditPerson(r, tx, id, "read", "registry.person", fields)
	})
	return httpx.Reply(w, http.StatusOK, p, err)
}

// auditPerson records an access to a person's data in the caller's transaction.
func (f *Function) auditPerson(r *http.Request, tx pgx.Tx, subject uuid.UUID, action, object string, fields []string) error {
	return appendAudit(r.Context(), tx, f.auditEntry(r, subject, action, object, fields))
}

func appendAudit(ctx context.Context, tx pgx.Tx, e audit.Entry) error {
	return audit.Append(ctx, tx, e)
}

// readAudited reads a list of people (a class list, a roster) in one
// transaction and records there, in one append, that the caller of r read
// object naming each person of the list (idOf): the list is returned only
// if its reading is recorded.
func readAudited[T any](f *Function, r *http.Request, object string, fields []string, idOf func(T) uuid.UUID,
	read func(ctx context.Context, tx pgx.Tx) ([]T, error)) ([]T, error) {
	var list []T
	err := db.InTx(r.Context(), f.db, func(tx pgx.Tx) error {
		var err error
		if list, err = read(r.Context(), tx); err != nil {
			return err
		}
		entries := make([]audit.Entry, len(list))
		for i, p := range list {
			entries[i] = f.auditEntry(r, idOf(p), "read", object, fields)
		}
		return audit.AppendMany(r.Context(), tx, entries)
	})
	return list, err
}

// auditEntry describes an access by the caller of r.
func (f *Function) auditEntry(r *http.Request, subject uuid.UUID, action, object string, fields []string) audit.Entry {
	e := audit.FromRequest(r)
	e.SubjectPersonID = subject
	e.Action = action
	e.Object = object
	e.Fields = fields
	return e
}

// validatePerson checks every field of in and returns all problems at once.
func validatePerson(in *registryapi.PersonInput, today time.Time) (*normalized, []errs.FieldError) {
	var fe []errs.FieldError
	n := &normalized{PersonInput: *in}
	n.FamilyName = strings.Join(strings.Fields(in.FamilyName), " ")
	n.GivenName = strings.Join(strings.Fields(in.GivenName), " ")
	n.MiddleName = strings.Join(strings.Fields(in.MiddleName), " ")
	checkName := func(field, v string, required bool) {
		switch {
		case v == "" && required:
			fe = append(fe, errs.FieldError{Field: field, Code: errs.Required, Message: "обязательное поле"})
		case v == "":
		case utf8.RuneCountInString(v) > 100:
			fe = append(fe, errs.FieldError{Field: field, Code: errs.Length, Message: "не длиннее 100 символов"})
		case !nameRe.MatchString(v):
			fe = append(fe, errs.FieldError{Field: field, Code: errs.Format, Message: "только буквы, пробел, дефис и апостроф"})
		}
	}
	checkName("family_name", n.FamilyName, true)
	checkName("given_name", n.GivenName, true)
	checkName("middle_name", n.MiddleName, false)

	if b, err := time.Parse(time.DateOnly, in.BirthDate); err != nil {
		fe = append(fe, errs.FieldError{Field: "birth_date", Code: errs.Format, Message: "дата в формате ГГГГ-ММ-ДД"})
	} else if b.After(today) || b.Year() < 1900 {
		fe = append(fe, errs.FieldError{Field: "birth_date", Code: errs.Range, Message: "дата рождения вне допустимого диапазона"})
	} else {
		n.birth = b
	}
	switch in.Gender {
	case "M", "F":
	default:
		fe = append(fe, errs.FieldError{Field: "gender", Code: errs.Enum, Message: "M или F"})
	}
	if in.SNILS != "" {
		d, err := pdata.NormalizeSNILS(in.SNILS)
		if err != nil {
			fe = append(fe, errs.FieldError{Field: "snils", Code: errs.Checksum, Message: "неверный СНИЛС (формат или контрольное число)"})
		}
		n.snilsDigits = d
	}
	if in.Document != nil {
		d, err := pdata.NormalizeDocument(in.Document.Type, in.Document.Series, in.Document.Number)
		if err != nil {
			fe = append(fe, errs.FieldError{Field: "document", Code: errs.Format, Message: errDetail(err)})
		} else {
			n.doc = &registryapi.Document{Type: string(d.Type), Series: d.Series, Number: d.Number}
			n.docKey = d.Key()
		}
	}
	if in.Email != "" && !emailRe.MatchString(in.Email) {
		fe = append(fe, errs.FieldError{Field: "email", Code: errs.Format, Message: "неверный адрес электронной почты"})
	}
	if in.Phone != "" && !phoneRe.MatchString(in.Phone) {
		fe = append(fe, errs.FieldError{Field: "phone", Code: errs.Format, Message: "телефон в формате +7XXXXXXXXXX"})
	}
	return n, fe
}
