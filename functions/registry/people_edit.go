package registry

import (
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/pdata"
)

// updatePerson: PATCH /api/registry/people/{id}
// The whole profile is re-validated; SNILS stays unique; the change is audited
// with the names of the changed fields and published as person.changed.
func (f *Function) updatePerson(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, _, err := f.personFromPath(r, PermPersonWrite)
	if err != nil {
		return err
	}
	var in registryapi.PersonPatch
	if err := httpx.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" || len([]rune(in.Reason)) > 500 {
		return errs.Fields("изменение не прошло проверку", errs.FieldError{Field: "reason", Code: errs.Required, Message: "укажите основание изменения (до 500 символов)"})
	}
	var out registryapi.Person
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		cur, err := f.person(ctx, tx, id, true)
		if err != nil {
			return err
		}
		next := registryapi.PersonInput{FamilyName: cur.FamilyName, GivenName: cur.GivenName, MiddleName: cur.MiddleName,
			BirthDate: cur.BirthDate, Gender: cur.Gender, Document: cur.Document, Email: cur.Email, Phone: cur.Phone}
		if cur.SNILS != "" {
			next.SNILS = cur.SNILS
		}
		var changed []string
		set := func(field string, dst *string, v *string) {
			if v != nil && *v != *dst {
				*dst = *v
				changed = append(changed, field)
			}
		}
		set("family_name", &next.FamilyName, in.FamilyName)
		set("given_name", &next.GivenName, in.GivenName)
		set("middle_name", &next.MiddleName, in.MiddleName)
		set("birth_date", &next.BirthDate, in.BirthDate)
		set("gender", &next.Gender, in.Gender)
		set("snils", &next.SNILS, in.SNILS)
		set("email", &next.Email, in.Email)
		set("phone", &next.Phone, in.Phone)
		if in.Document != nil && (cur.Document == nil || *in.Document != *cur.Document) {
			next.Document = in.Document
			changed = append(changed, "document")
		}
		if len(changed) == 0 {
			out = cur
			return nil
		}
		n, fe := validatePerson(&next, f.Time())
		if len(fe) > 0 {
			return errs.Fields("данные человека не прошли проверку", fe...)
		}
		s, err := f.seal(n)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE registry.people SET family_name = $2, given_name = $3, middle_name = $4, birth_date = $5, gender = $6,
			    snils_sealed = $7, snils_hash = $8, snils_mask = $9, doc_type = $10, doc_sealed = $11, doc_hash = $12, doc_mask = $13,
			    email = $14, phone = $15, updated_at = now()
			WHERE id = $1`, id, n.FamilyName, n.GivenName, n.MiddleName, n.birth, n.Gender,
			s.snilsSealed, s.snilsHash, s.snilsMask, s.docType, s.docSealed, s.docHash, s.docMask, n.Email, n.Phone)
		if db.IsUniqueViolation(err, "people_snils_hash_key") {
			return errs.User(errs.Conflict, "человек с таким СНИЛС уже есть в реестре")
		}
		if err != nil {
			return err
		}
		e := f.auditEntry(r, id, "update", "registry.person", changed)
		e.Purpose = in.Reason
		if err := appendAudit(ctx, tx, e); err != nil {
			return err
		}
		if _, err := f.outbox.Enqueue(ctx, tx, outbox.Event{Type: registryapi.EventPersonChanged, Source: source, Subject: id.String(),
			Data: registryapi.PersonEvent{PersonID: id.String(), Fields: changed}}); err != nil {
			return err
		}
		out, err = f.person(ctx, tx, id, false)
		return err
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// searchPeople: GET /api/registry/people?snils=… | ?family_name=…&given_name=…&birth_date=…
// Exact lookups only (no browsing of the population); officials only. A
// municipal official finds only people enrolled or employed in their municipality.
func (f *Function) searchPeople(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	args := []any{}
	var where string
	switch {
	case q.Get("snils") != "":
		digits, err := pdata.NormalizeSNILS(q.Get("snils"))
		if err != nil {
			return errs.Fields("bad query", errs.FieldError{Field: "snils", Code: errs.Checksum, Message: "неверный СНИЛС"})
		}
		args = append(args, f.pdata.Hash("snils", digits))
		where = `p.snils_hash = $1`
	case q.Get("family_name") != "" && q.Get("birth_date") != "":
		b, err := time.Parse(time.DateOnly, q.Get("birth_date"))
		if err != nil {
			return errs.Fields("bad query", errs.FieldError{Field: "birth_date", Code: errs.Format, Message: "ГГГГ-ММ-ДД"})
		}
		args = append(args, foldName(q.Get("family_name")), b, foldName(q.Get("given_name")))
		where = `registry.fold_name(p.family_name) = $1 AND p.birth_date = $2 AND ($3 = '' OR registry.fold_name(p.given_name) = $3)`
	default:
		return errs.E(errs.Invalid, "search by snils, or by family_name and birth_date (and optionally given_name)")
	}
	hits, err := db.Collect[registryapi.PersonHit](ctx, f.db, `SELECT p.id, p.family_name, p.given_name, p.middle_name, p.birth_date::text, p.snils_mask
		FROM registry.people p WHERE `+where+` ORDER BY p.family_name, p.given_name LIMIT 50`, args...)
	if err != nil {
		return err
	}
	visible := hits[:0]
	for _, h := range hits {
		t, err := targetOfPerson(ctx, f.db, h.ID, f.Time())
		if err != nil {
			return err
		}
		if Rules.Require(ctx, PermPersonSearch, t) == nil {
			visible = append(visible, h)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.PageOf(visible, ""))
	return nil
}
