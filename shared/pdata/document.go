package pdata

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/kuzbass/eko/shared/errs"
)

// DocType is the type of an identity document, spelled as registry.people.doc_type stores it.
type DocType string

const (
	// PassportRF is the passport of a citizen of Russia: series of 4 digits
	// ("32 04" is read as "3204"), number of 6 digits.
	PassportRF DocType = "RF_PASSPORT"
	// BirthCertRF is a Russian birth certificate: series "<Roman numeral>-<two
	// Cyrillic letters>" (e.g. "I-ЛО", "XII-АБ"), number of 6 digits.
	// The ESIA spelling RF_BRTH_CERT is accepted as an alias.
	BirthCertRF DocType = "BRTH_CERT"
	// ForeignID is an identity document issued by a foreign state. Series is optional.
	ForeignID DocType = "FID_DOC"
	// ForeignBirthCert is a birth certificate issued by a foreign state. Series is
	// optional. The ESIA spelling FID_BRTH_CERT is accepted as an alias.
	ForeignBirthCert DocType = "FRGN_BRTH_CERT"
)

var docAliases = map[string]DocType{
	string(PassportRF):       PassportRF,
	string(BirthCertRF):      BirthCertRF,
	"RF_BRTH_CERT":           BirthCertRF,
	string(ForeignID):        ForeignID,
	string(ForeignBirthCert): ForeignBirthCert,
	"FID_BRTH_CERT":          ForeignBirthCert,
}

// Document is a normalised identity document.
type Document struct {
	Type   DocType
	Series string // "" when the type has no series or none was given (foreign documents)
	Number string
}

// Key is the canonical single-string form "TYPE|SERIES|NUMBER", the value to hash
// (Hash("document", d.Key())) and, if convenient, to seal. Normalised series and
// numbers never contain '|', so the form is unambiguous; ParseDocumentKey reverses it.
func (d Document) Key() string { return string(d.Type) + "|" + d.Series + "|" + d.Number }

// ParseDocumentKey parses a Key back into a Document, normalising it again.
func ParseDocumentKey(key string) (Document, error) {
	parts := strings.Split(key, "|")
	if len(parts) != 3 {
		return Document{}, docError("type", errs.Format)
	}
	return NormalizeDocument(parts[0], parts[1], parts[2])
}

// NormalizeDocument validates an identity document and returns its canonical form,
// so that the same document typed differently seals and hashes alike:
//
//   - type is trimmed and upper-cased; the ESIA aliases RF_BRTH_CERT and FID_BRTH_CERT
//     map to BRTH_CERT and FRGN_BRTH_CERT; other types are rejected;
//   - series and number are upper-cased and stripped of spaces, dashes, '№' and '#';
//   - RF_PASSPORT: series 4 digits, number 6 digits;
//   - BRTH_CERT: the series is rewritten as "<Roman>-<ЛЛ>": the last two letters are
//     the Cyrillic part, Latin look-alikes (A B C E H K M O P T X Y) becoming their
//     Cyrillic twins and Ё becoming Е; everything before them is the Roman numeral,
//     written in Latin letters, with Cyrillic look-alikes (І Ӏ Х С М) and the digit 1
//     (for I) converted; the numeral must be a valid Roman numeral. So "1-ло",
//     "І ЛО" and "I-ЛO" (Latin O) all become "I-ЛО". Number: 6 digits;
//   - FID_DOC, FRGN_BRTH_CERT: series 0–20 and number 1–30 letters or digits, of any
//     script, not transliterated (the script of a foreign document is not known).
//
// A bad value is an *errs.Error with code errs.Invalid and a field error on
// "document.type", "document.series" or "document.number" with code "required",
// "format" or "unsupported". The error never contains the input.
func NormalizeDocument(docType, series, number string) (Document, error) {
	t, ok := docAliases[strings.ToUpper(strings.TrimSpace(docType))]
	if !ok {
		return Document{}, docError("type", ReasonUnsupported)
	}
	s := compact(series)
	n := compact(number)
	if n == "" {
		return Document{}, docError("number", errs.Required)
	}
	d := Document{Type: t}
	switch t {
	case PassportRF:
		if s == "" {
			return Document{}, docError("series", errs.Required)
		}
		if !allDigits(s, 4) {
			return Document{}, docError("series", errs.Format)
		}
		if !allDigits(n, 6) {
			return Document{}, docError("number", errs.Format)
		}
		d.Series, d.Number = s, n
	case BirthCertRF:
		if s == "" {
			return Document{}, docError("series", errs.Required)
		}
		cs, ok := birthCertSeries(s)
		if !ok {
			return Document{}, docError("series", errs.Format)
		}
		if !allDigits(n, 6) {
			return Document{}, docError("number", errs.Format)
		}
		d.Series, d.Number = cs, n
	default:
		if !alnum(s, 0, 20) {
			return Document{}, docError("series", errs.Format)
		}
		if !alnum(n, 1, 30) {
			return Document{}, docError("number", errs.Format)
		}
		d.Series, d.Number = s, n
	}
	return d, nil
}

// compact upper-cases s and drops spaces, dashes, '№' and '#'.
func compact(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '\u2212' || r == '№' || r == '#' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func alnum(s string, minLen, maxLen int) bool {
	n := 0
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
		n++
	}
	return n >= minLen && n <= maxLen
}

// romanLookalikes maps what people type for the Roman part of a birth-certificate
// series to Latin Roman-numeral letters.
var romanLookalikes = map[rune]rune{
	'I': 'I', 'V': 'V', 'X': 'X', 'L': 'L', 'C': 'C', 'D': 'D', 'M': 'M',
	'1':      'I', // the digit one typed for I
	'\u0406': 'I', // І, Cyrillic (Ukrainian/Belarusian) I
	'\u04C0': 'I', // Ӏ, Cyrillic palochka
	'\u0425': 'X', // Х
	'\u0421': 'C', // С
	'\u041C': 'M', // М
}

// cyrillicLookalikes maps Latin letters to the Cyrillic letters they look like.
var cyrillicLookalikes = map[rune]rune{
	'A': 'А', 'B': 'В', 'C': 'С', 'E': 'Е', 'H': 'Н', 'K': 'К', 'M': 'М',
	'O': 'О', 'P': 'Р', 'T': 'Т', 'X': 'Х', 'Y': 'У', 'Ё': 'Е',
}

var romanNumeral = regexp.MustCompile(`^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$`)

// birthCertSeries canonicalises a compacted birth-certificate series.
func birthCertSeries(s string) (string, bool) {
	rs := []rune(s)
	if len(rs) < 3 {
		return "", false
	}
	roman := make([]rune, 0, len(rs)-2)
	for _, r := range rs[:len(rs)-2] {
		l, ok := romanLookalikes[r]
		if !ok {
			return "", false
		}
		roman = append(roman, l)
	}
	if !romanNumeral.MatchString(string(roman)) {
		return "", false
	}
	letters := make([]rune, 2)
	for i, r := range rs[len(rs)-2:] {
		if c, ok := cyrillicLookalikes[r]; ok {
			r = c
		}
		if r < 'А' || r > 'Я' {
			return "", false
		}
		letters[i] = r
	}
	return string(roman) + "-" + string(letters), true
}

// ReasonUnsupported is a kind of identity document EKO does not take.
const ReasonUnsupported errs.Reason = "unsupported"

// Problems is what refusals of SNILS and documents say beyond errs.Common,
// for the vocabularies of the functions that read them.
var Problems = errs.Vocabulary{Reasons: map[errs.Reason]string{ReasonUnsupported: "вид документа не поддерживается"}}

func docError(field string, code errs.Reason) error {
	var msg string
	switch field + "/" + string(code) {
	case "type/unsupported", "type/format":
		msg = "Неизвестный тип документа / Unknown identity document type"
	case "series/required":
		msg = "Укажите серию документа / The document series is required"
	case "number/required":
		msg = "Укажите номер документа / The document number is required"
	case "series/format":
		msg = "Серия документа указана неверно (паспорт РФ — 4 цифры, свидетельство о рождении — например I-ЛО) / " +
			"The document series is malformed (Russian passport: 4 digits; birth certificate: e.g. I-ЛО)"
	default:
		msg = "Номер документа указан неверно (паспорт РФ и свидетельство о рождении — 6 цифр) / " +
			"The document number is malformed (Russian passport and birth certificate: 6 digits)"
	}
	return errs.Fields(msg, errs.FieldError{Field: "document." + field, Code: code, Message: msg})
}

// MaskDocument hides a document number for display: every character but the last
// two becomes '*' ("123456" → "****56"). A number of fewer than four characters is
// masked completely, so a mask never reveals half of a short number.
func MaskDocument(number string) string {
	rs := []rune(number)
	keep := 2
	if len(rs) < 4 {
		keep = 0
	}
	for i := 0; i < len(rs)-keep; i++ {
		rs[i] = '*'
	}
	return string(rs)
}
