package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/pdata"
)

const adviceFix = "Проверьте данные в профиле на Госуслугах. Если там всё верно, обратитесь в вашу образовательную организацию (или к классному руководителю), чтобы исправили данные в ЭКО: ФИО, дату рождения, СНИЛС и документ, удостоверяющий личность."

// candidate is a registry person the account might be.
type candidate struct {
	id         uuid.UUID
	family     string
	given      string
	middle     string
	birth      time.Time
	snilsHash  []byte
	docHash    []byte
	esiaOID    *string
	bySNILS    bool
	byNameDate bool
}

// foldName compares names as people write them: case, ё/е and spaces do not matter.
func foldName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, "ё", "е")
	return strings.Join(strings.Fields(s), " ")
}

// matchAccount finds the registry person of an ESIA account. Only when full
// name, birth date, SNILS and identity document all agree is the account linked
// (esia_oid set); otherwise the result says which data differ. Nothing is
// linked silently.
func (f *Function) matchAccount(ctx context.Context, tx pgx.Tx, p *auth.Principal, today time.Time) (registryapi.Match, error) {
	if p.Service {
		return registryapi.Match{Status: registryapi.MatchService}, nil
	}
	var linked uuid.UUID
	err := tx.QueryRow(ctx, `SELECT id FROM registry.people WHERE esia_oid = $1`, p.Subject).Scan(&linked)
	if err == nil {
		return registryapi.Match{Status: registryapi.MatchLinked, PersonID: &linked}, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return registryapi.Match{}, err
	}

	birth, birthErr := time.Parse(time.DateOnly, p.BirthDate)
	var snilsHash, docHash []byte
	if digits, err := pdata.NormalizeSNILS(p.SNILS); err == nil {
		snilsHash = f.pdata.Hash("snils", digits)
	}
	if p.Document != nil {
		if key, err := pdata.NormalizeDocument(p.Document.Type, p.Document.Series, p.Document.Number); err == nil {
			docHash = f.pdata.Hash("document", key.Key())
		}
	}

	rows, err := tx.Query(ctx, `
		SELECT id, family_name, given_name, middle_name, birth_date, snils_hash, doc_hash, esia_oid,
		       snils_hash = $1 AS by_snils,
		       (registry.fold_name(family_name) = $2 AND registry.fold_name(given_name) = $3 AND birth_date = $4) AS by_name
		FROM registry.people
		WHERE snils_hash = $1
		   OR (registry.fold_name(family_name) = $2 AND registry.fold_name(given_name) = $3 AND birth_date = $4)
		LIMIT 10`,
		snilsHash, foldName(p.FamilyName), foldName(p.GivenName), nullDate(birth, birthErr))
	if err != nil {
		return registryapi.Match{}, fmt.Errorf("match: %w", err)
	}
	cands, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (candidate, error) {
		var c candidate
		var bySNILS, byName *bool
		err := row.Scan(&c.id, &c.family, &c.given, &c.middle, &c.birth, &c.snilsHash, &c.docHash, &c.esiaOID, &bySNILS, &byName)
		c.bySNILS = bySNILS != nil && *bySNILS
		c.byNameDate = byName != nil && *byName
		return c, err
	})
	if err != nil {
		return registryapi.Match{}, err
	}
	switch len(cands) {
	case 0:
		return registryapi.Match{Status: registryapi.MatchNotFound, Advice: "В реестре ЭКО не найден человек с такими СНИЛС, ФИО и датой рождения. " + adviceFix}, nil
	case 1:
	default:
		return registryapi.Match{Status: registryapi.MatchAmbiguous, Advice: "Вашим данным соответствуют несколько записей реестра. Обратитесь в вашу образовательную организацию или в орган управления образованием, чтобы объединили дубли."}, nil
	}
	c := cands[0]
	var mm []registryapi.Mismatch
	if foldName(c.family) != foldName(p.FamilyName) {
		mm = append(mm, registryapi.Mismatch{Field: "family_name", Message: "Фамилия в ЭКО отличается от фамилии на Госуслугах."})
	}
	if foldName(c.given) != foldName(p.GivenName) {
		mm = append(mm, registryapi.Mismatch{Field: "given_name", Message: "Имя в ЭКО отличается от имени на Госуслугах."})
	}
	if foldName(c.middle) != foldName(p.MiddleName) {
		mm = append(mm, registryapi.Mismatch{Field: "middle_name", Message: "Отчество в ЭКО отличается от отчества на Госуслугах."})
	}
	if birthErr != nil || !c.birth.Equal(birth) {
		mm = append(mm, registryapi.Mismatch{Field: "birth_date", Message: "Дата рождения в ЭКО отличается от даты рождения на Госуслугах."})
	}
	if snilsHash == nil || !equalBytes(c.snilsHash, snilsHash) {
		mm = append(mm, registryapi.Mismatch{Field: "snils", Message: "СНИЛС в ЭКО не совпадает со СНИЛС на Госуслугах (или не указан)."})
	}
	if docHash == nil || !equalBytes(c.docHash, docHash) {
		mm = append(mm, registryapi.Mismatch{Field: "document", Message: "Документ, удостоверяющий личность, в ЭКО не совпадает с документом на Госуслугах (или не указан)."})
	}
	if len(mm) > 0 {
		return registryapi.Match{Status: registryapi.MatchMismatch, Mismatches: mm, Advice: adviceFix}, nil
	}
	if c.esiaOID != nil && *c.esiaOID != p.Subject {
		return registryapi.Match{Status: registryapi.MatchTakenByOther, Advice: "Эта запись реестра уже связана с другой учётной записью Госуслуг. Обратитесь в службу поддержки ЭКО."}, nil
	}
	if age := AgeOn(birth, today); age < 14 && !f.childAccountOK(p) {
		return registryapi.Match{Status: registryapi.MatchChildAccount, Advice: "Ребёнок до 14 лет входит через учётную запись, которую создал родитель на Госуслугах."}, nil
	}
	tag, err := tx.Exec(ctx, `UPDATE registry.people SET esia_oid = $1, updated_at = now() WHERE id = $2 AND (esia_oid IS NULL OR esia_oid = $1)`, p.Subject, c.id)
	if err != nil {
		return registryapi.Match{}, fmt.Errorf("link account: %w", err)
	}
	if tag.RowsAffected() != 1 {
		return registryapi.Match{Status: registryapi.MatchTakenByOther, Advice: "Эта запись реестра уже связана с другой учётной записью Госуслуг."}, nil
	}
	return registryapi.Match{Status: registryapi.MatchLinked, PersonID: &c.id}, nil
}

// childAccountOK reports whether a child's account was created by a parent
// (ESIA's child accounts carry the creating parent).
func (f *Function) childAccountOK(p *auth.Principal) bool { return p.CreatedBy != "" }

func nullDate(t time.Time, err error) *time.Time {
	if err != nil {
		return nil
	}
	return &t
}

func equalBytes(a, b []byte) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
