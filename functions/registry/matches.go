package registry

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/pdata"
)

// matchPerson: POST /api/registry/matches — an external system's service
// account asks who the person it names is: by SNILS when it has one (the
// keyed hash the registry looks people up by), otherwise by full name and
// birth date (ё and е, case and spaces folded; the middle name counts when
// given). The answer is the person's id when exactly one matches,
// «ambiguous» when several do, «not_found» otherwise. A match is a read of
// the person's identity by that system: it is in the person's audit log.
func (f *Function) matchPerson(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in registryapi.MatchRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	var where string
	var args []any
	var fields []string
	by := "snils"
	switch {
	case strings.TrimSpace(in.SNILS) != "":
		digits, err := pdata.NormalizeSNILS(in.SNILS)
		if err != nil {
			return errs.Fields("неверный СНИЛС", errs.FieldError{Field: "snils", Code: errs.Checksum, Message: "неверный СНИЛС (формат или контрольное число)"})
		}
		where, args, fields = `p.snils_hash = $1`, []any{f.pdata.Hash("snils", digits)}, []string{"snils"}
	case strings.TrimSpace(in.FamilyName) != "" && strings.TrimSpace(in.GivenName) != "" && in.BirthDate != "":
		b, err := time.Parse(time.DateOnly, in.BirthDate)
		if err != nil {
			return errs.Fields("неверная дата рождения", errs.FieldError{Field: "birth_date", Code: errs.Format, Message: "дата рождения: ГГГГ-ММ-ДД"})
		}
		by = "name_birth_date"
		where = `registry.fold_name(p.family_name) = $1 AND registry.fold_name(p.given_name) = $2 AND p.birth_date = $3
			AND ($4 = '' OR registry.fold_name(coalesce(p.middle_name, '')) = $4)`
		args, fields = []any{foldName(in.FamilyName), foldName(in.GivenName), b, foldName(in.MiddleName)}, []string{"name", "birth_date"}
	default:
		return errs.Fields("кого искать", errs.FieldError{Field: "snils", Code: errs.Required, Message: "укажите СНИЛС или фамилию, имя и дату рождения"})
	}
	out := registryapi.MatchResult{Status: registryapi.NoPerson}
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT p.id FROM registry.people p WHERE `+where+` LIMIT 2`, args...)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		switch len(ids) {
		case 0:
			return nil
		case 1:
			out = registryapi.MatchResult{Status: registryapi.Matched, PersonID: &ids[0], By: by}
			e := f.auditEntry(r, ids[0], audit.ActionRead, "registry.person", fields)
			e.ActorRole, e.Purpose = "service", "сопоставление данных внешней системы"
			return audit.Append(ctx, tx, e)
		}
		out.Status = registryapi.Ambiguous
		return nil
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}
