package registry

import (
	"time"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/pdata"
)

// PersonColumns are the columns of registry.people that PersonRow fills, in
// order, for bulk loading with COPY.
var PersonColumns = []string{
	"id", "family_name", "given_name", "middle_name", "birth_date", "gender",
	"snils_sealed", "snils_hash", "snils_mask", "doc_type", "doc_sealed", "doc_hash", "doc_mask",
	"email", "phone", "esia_oid",
}

// PersonRow validates in exactly as the API does, seals its SNILS and document,
// and returns the values of PersonColumns. Bulk loaders (the seed, imports) use
// it so that a bulk-loaded person is stored exactly like one created by the API.
func PersonRow(p *pdata.Protector, id uuid.UUID, in registryapi.PersonInput, esiaOID *string, today time.Time) ([]any, error) {
	n, fe := validatePerson(&in, today)
	if len(fe) > 0 {
		return nil, errs.Fields("данные человека не прошли проверку", fe...)
	}
	s, err := sealWith(p, n)
	if err != nil {
		return nil, err
	}
	return []any{
		id, n.FamilyName, n.GivenName, n.MiddleName, n.birth, n.Gender,
		s.snilsSealed, s.snilsHash, s.snilsMask, s.docType, s.docSealed, s.docHash, s.docMask,
		n.Email, n.Phone, esiaOID,
	}, nil
}
