package registry

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/requisites"
)

// formulaStart are the characters a spreadsheet reads as the start of a formula.
const formulaStart = "=+-@\t\r"

func checkText(field, v string, min, max int) *errs.FieldError {
	switch n := utf8.RuneCountInString(v); {
	case n < min || n > max:
		return &errs.FieldError{Field: field, Code: errs.Length, Message: "длина от " + itoa(min) + " до " + itoa(max) + " символов"}
	case v != "" && strings.ContainsAny(v[:1], formulaStart), strings.ContainsAny(v, "<>\x00\n"):
		return &errs.FieldError{Field: field, Code: errs.Format, Message: "недопустимые символы"}
	}
	return nil
}

// createOrganisation: POST /api/registry/organisations — the ministry registers
// any organisation; a municipal authority, those of its municipality.
func (f *Function) createOrganisation(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in registryapi.OrganisationInput
	if err := httpx.DecodeJSON(w, r, &in, 8<<10); err != nil {
		return err
	}
	if fe := validateOrganisation(&in); len(fe) > 0 {
		return errs.Fields("организация не прошла проверку", fe...)
	}
	target := access.Target{}
	if in.MunicipalityID != nil {
		target.MunicipalityIDs = []string{in.MunicipalityID.String()}
	}
	if err := Rules.Require(ctx, PermOrganisationWrite, target); err != nil {
		return err
	}
	o := registryapi.Organisation{Code: in.Code, Kind: in.Kind, FullName: in.FullName, ShortName: in.ShortName, INN: in.INN, OGRN: in.OGRN,
		Address: in.Address, MunicipalityID: in.MunicipalityID, Status: "active", Phone: in.Phone, Email: in.Email, Website: in.Website, Licence: in.Licence}
	o.ID, _ = uuid.NewV7()
	var l registryapi.Licence
	var licensed *string
	if in.Licence != nil {
		l = *in.Licence
		if l.Date != "" {
			licensed = &l.Date
		}
	}
	_, err := f.db.Exec(ctx, `INSERT INTO registry.organisations (id, code, kind, full_name, short_name, inn, ogrn, address, municipality_id,
		    phone, email, website, licence_number, licence_date, licence_issuer)
		VALUES ($1, NULLIF($2, ''), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::date, $15)`, o.ID, o.Code, o.Kind, o.FullName, o.ShortName,
		o.INN, o.OGRN, o.Address, o.MunicipalityID, o.Phone, o.Email, o.Website, l.Number, licensed, l.Issuer)
	switch {
	case db.IsUniqueViolation(err, "organisations_inn_key"):
		return errs.User(errs.Conflict, "организация с ИНН %s уже есть в реестре", o.INN)
	case db.IsUniqueViolation(err, "organisations_ogrn_key"):
		return errs.User(errs.Conflict, "организация с ОГРН %s уже есть в реестре", o.OGRN)
	case db.IsUniqueViolation(err, ""):
		return errs.User(errs.Conflict, "организация с кодом %s уже есть", o.Code)
	case err != nil && strings.Contains(err.Error(), "organisations_municipality_id_fkey"):
		return errs.Fields("организация не прошла проверку", errs.FieldError{Field: "municipality_id", Code: errs.Unknown, Message: "нет такого муниципального образования"})
	case err != nil:
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, o)
	return nil
}

// validateOrganisation trims in and checks every field; it returns all problems at once.
func validateOrganisation(in *registryapi.OrganisationInput) []errs.FieldError {
	for _, p := range []*string{&in.Code, &in.FullName, &in.ShortName, &in.INN, &in.OGRN, &in.Address} {
		*p = strings.TrimSpace(*p)
	}
	var fe []errs.FieldError
	if !slices.Contains(registryapi.OrganisationKinds, in.Kind) {
		fe = append(fe, errs.FieldError{Field: "kind", Code: errs.Enum, Message: "один из видов: " + strings.Join(registryapi.OrganisationKinds, ", ")})
	}
	for _, c := range []*errs.FieldError{checkText("full_name", in.FullName, 3, 500), checkText("short_name", in.ShortName, 2, 200), checkText("address", in.Address, 0, 500)} {
		if c != nil {
			fe = append(fe, *c)
		}
	}
	if in.Code != "" && (len(in.Code) > 64 || strings.Trim(strings.ToLower(in.Code), "abcdefghijklmnopqrstuvwxyz0123456789-") != "") {
		fe = append(fe, errs.FieldError{Field: "code", Code: errs.Format, Message: "латинские буквы, цифры и дефис, до 64 символов"})
	}
	if len(in.INN) != 10 || !requisites.ValidINN(in.INN) {
		fe = append(fe, errs.FieldError{Field: "inn", Code: errs.Checksum, Message: "неверный ИНН организации (10 цифр, контрольная цифра)"})
	}
	if len(in.OGRN) != 13 || !requisites.ValidOGRN(in.OGRN) {
		fe = append(fe, errs.FieldError{Field: "ogrn", Code: errs.Checksum, Message: "неверный ОГРН (13 цифр, контрольная цифра)"})
	}
	if in.Kind != "ministry" && in.MunicipalityID == nil {
		fe = append(fe, errs.FieldError{Field: "municipality_id", Code: errs.Required, Message: "укажите муниципальное образование"})
	}
	return append(fe, checkCard(in)...)
}

// orgPhoneRe is a phone as an organisation writes it, with its area code.
var orgPhoneRe = regexp.MustCompile(`^\+?[0-9][0-9 ()\-]{4,29}$`)

// checkCard checks what the organisation publishes about itself: a phone
// as people write it, an e-mail, an https:// or http:// site, a licence with
// its number (the date, if given, not in the future).
func checkCard(in *registryapi.OrganisationInput) []errs.FieldError {
	var fe []errs.FieldError
	for _, p := range []*string{&in.Phone, &in.Email, &in.Website} {
		*p = strings.TrimSpace(*p)
	}
	if in.Phone != "" && !orgPhoneRe.MatchString(in.Phone) {
		fe = append(fe, errs.FieldError{Field: "phone", Code: errs.Format, Message: "телефон: цифры, пробелы, скобки и дефисы, например +7 (3842) 36-12-45"})
	}
	if in.Email != "" && (len(in.Email) > 200 || !emailRe.MatchString(in.Email)) {
		fe = append(fe, errs.FieldError{Field: "email", Code: errs.Format, Message: "адрес электронной почты"})
	}
	if u, err := url.Parse(in.Website); in.Website != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.Website) > 300) {
		fe = append(fe, errs.FieldError{Field: "website", Code: errs.Format, Message: "адрес сайта, начинающийся с https://"})
	}
	if l := in.Licence; l != nil {
		l.Number, l.Issuer = strings.TrimSpace(l.Number), strings.TrimSpace(l.Issuer)
		if c := checkText("licence.number", l.Number, 1, 100); c != nil {
			fe = append(fe, *c)
		}
		if c := checkText("licence.issuer", l.Issuer, 0, 300); c != nil {
			fe = append(fe, *c)
		}
		if d, err := time.Parse(time.DateOnly, l.Date); l.Date != "" && (err != nil || d.After(time.Now())) {
			fe = append(fe, errs.FieldError{Field: "licence.date", Code: errs.Format, Message: "дата лицензии: ГГГГ-ММ-ДД, не в будущем"})
		}
	}
	return fe
}
