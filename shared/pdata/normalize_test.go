package pdata_test

import (
	"strings"
	"testing"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/pdata"
)

// Control numbers in the table were computed by hand with the rule of SNILSControl
// (weights 9..1 from the left), e.g.
//
//	112233445: 1·9+1·8+2·7+2·6+3·5+3·4+4·3+4·2+5·1 = 95  (< 100)  → 95
//	123456789: 1·9+2·8+3·7+4·6+5·5+6·4+7·3+8·2+9·1 = 165 (> 101)  → 165 mod 101 = 64
//	100356355: 1·9+0+0+3·6+5·5+6·4+3·3+5·2+5·1     = 100          → 00
//
// The sum behind each special case is noted next to it.
func TestNormalizeSNILS(t *testing.T) {
	valid := []struct{ in, want, note string }{
		{"112-233-445 95", "11223344595", "sum 95 < 100"},
		{"123-456-789 64", "12345678964", "sum 165 → 165 mod 101 = 64"},
		{"12345678964", "12345678964", "bare digits"},
		{" 123 456 789 64 ", "12345678964", "spaces only"},
		{"123–456–789–64", "12345678964", "en dashes"},
		{"123\u00a0456\u00a0789\u00a064", "12345678964", "no-break spaces"},
		{"100-356-355 00", "10035635500", "sum 100 → 00"},
		{"100-079-190 00", "10007919000", "sum 101 → 00"},
		{"106-897-449 00", "10689744900", "sum 201 → 201 mod 101 = 100 → 00"},
		{"389-993-780 00", "38999378000", "sum 302 → 302 mod 101 = 100 → 00"},
		{"999-999-999 01", "99999999901", "sum 405 → 405 mod 101 = 1"},
		{"001-001-998 00", "00100199800", "≤ 001-001-998: not checked"},
		{"000-000-001 77", "00000000177", "≤ 001-001-998: not checked"},
		{"001-001-999 65", "00100199965", "first checked number, sum 65"},
	}
	for _, c := range valid {
		got, err := pdata.NormalizeSNILS(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeSNILS(%q) [%s] = %q, %v; want %q", c.in, c.note, got, err, c.want)
		}
	}
	invalid := []struct{ in, code string }{
		{"", "format"},
		{"112-233-445 96", "checksum"},
		{"123-456-789 46", "checksum"},
		{"100-356-355 100", "format"},
		{"001-001-999 64", "checksum"},
		{"1234567896", "format"},
		{"123456789641", "format"},
		{"123-456-789 6a", "format"},
		{"123.456.789 64", "format"},
		{"１２３４５６７８９６４", "format"}, // full-width digits
	}
	for _, c := range invalid {
		_, err := pdata.NormalizeSNILS(c.in)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "snils" || string(e.Fields[0].Code) != c.code {
			t.Errorf("NormalizeSNILS(%q) = %v, want invalid/%s", c.in, err, c.code)
			continue
		}
		if !strings.Contains(e.Detail, "СНИЛС") || !strings.Contains(e.Detail, "SNILS") {
			t.Errorf("detail %q is not bilingual", e.Detail)
		}
		if c.in != "" && strings.Contains(e.Error(), c.in) {
			t.Errorf("error repeats the input: %v", err)
		}
	}
}

func TestSNILSControl(t *testing.T) {
	for first9, want := range map[string]string{
		"112233445": "95", "123456789": "64", "100356355": "00", "100079190": "00",
		"106897449": "00", "389993780": "00", "999999999": "01", "987654321": "83",
	} {
		if got := pdata.SNILSControl(first9); got != want {
			t.Errorf("SNILSControl(%s) = %s, want %s", first9, got, want)
		}
	}
}

func TestFormatAndMaskSNILS(t *testing.T) {
	if got := pdata.FormatSNILS("12345678964"); got != "123-456-789 64" {
		t.Errorf("FormatSNILS = %q", got)
	}
	if got := pdata.FormatSNILS("123"); got != "123" {
		t.Errorf("FormatSNILS of a non-SNILS = %q, want it unchanged", got)
	}
	for in, want := range map[string]string{
		"12345678964":    "***-***-*** 64",
		"123-456-789 64": "***-***-*** 64",
		"11223344595":    "***-***-*** 95",
		"":               "***-***-*** **",
		"1234":           "***-***-*** **",
		"secret-text":    "***-***-*** **",
	} {
		if got := pdata.MaskSNILS(in); got != want {
			t.Errorf("MaskSNILS(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeDocument(t *testing.T) {
	valid := []struct {
		typ, series, number string
		want                pdata.Document
	}{
		{"RF_PASSPORT", "32 04", "123 456", pdata.Document{Type: pdata.PassportRF, Series: "3204", Number: "123456"}},
		{" rf_passport ", "3204", "№123456", pdata.Document{Type: pdata.PassportRF, Series: "3204", Number: "123456"}},
		{"BRTH_CERT", "I-ЛО", "654321", pdata.Document{Type: pdata.BirthCertRF, Series: "I-ЛО", Number: "654321"}},
		{"BRTH_CERT", "i-ло", "654321", pdata.Document{Type: pdata.BirthCertRF, Series: "I-ЛО", Number: "654321"}},
		{"BRTH_CERT", "1-ЛО", "654321", pdata.Document{Type: pdata.BirthCertRF, Series: "I-ЛО", Number: "654321"}},
		{"BRTH_CERT", "\u0406 ЛО", "654321", pdata.Document{Type: pdata.BirthCertRF, Series: "I-ЛО", Number: "654321"}}, // Cyrillic І
		{"BRTH_CERT", "I-ЛO", "654321", pdata.Document{Type: pdata.BirthCertRF, Series: "I-ЛО", Number: "654321"}},      // Latin O
		{"BRTH_CERT", "IЛО", "654321", pdata.Document{Type: pdata.BirthCertRF, Series: "I-ЛО", Number: "654321"}},
		{"RF_BRTH_CERT", "ХII–АВ", "000001", pdata.Document{Type: pdata.BirthCertRF, Series: "XII-АВ", Number: "000001"}}, // Cyrillic Х, en dash
		{"BRTH_CERT", "xii-ab", "000001", pdata.Document{Type: pdata.BirthCertRF, Series: "XII-АВ", Number: "000001"}},    // all Latin
		{"BRTH_CERT", "IV-CO", "000001", pdata.Document{Type: pdata.BirthCertRF, Series: "IV-СО", Number: "000001"}},
		{"BRTH_CERT", "IV-ЁЖ", "000001", pdata.Document{Type: pdata.BirthCertRF, Series: "IV-ЕЖ", Number: "000001"}},
		{"FID_DOC", "", "ab 12-34", pdata.Document{Type: pdata.ForeignID, Number: "AB1234"}},
		{"FID_BRTH_CERT", "x", "9", pdata.Document{Type: pdata.ForeignBirthCert, Series: "X", Number: "9"}},
	}
	for _, c := range valid {
		got, err := pdata.NormalizeDocument(c.typ, c.series, c.number)
		if err != nil || got != c.want {
			t.Errorf("NormalizeDocument(%q, %q, %q) = %+v, %v; want %+v", c.typ, c.series, c.number, got, err, c.want)
			continue
		}
		back, err := pdata.ParseDocumentKey(got.Key())
		if err != nil || back != got {
			t.Errorf("ParseDocumentKey(%q) = %+v, %v", got.Key(), back, err)
		}
	}
	// Every spelling of one birth certificate has one key, so one lookup hash.
	p := mustOpen(t, "k1:"+b64(1, 32))
	var first []byte
	for _, s := range []string{"I-ЛО", "i-ло", "1 ЛО", "\u0406-ЛO", "I—ЛО"} {
		d, err := pdata.NormalizeDocument("BRTH_CERT", s, "123456")
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		h := p.Hash("document", d.Key())
		if first == nil {
			first = h
		} else if !pdata.HashEqual(first, h) {
			t.Errorf("series %q hashes differently", s)
		}
	}

	invalid := []struct{ typ, series, number, field, code string }{
		{"DRIVING_LICENSE", "", "1", "document.type", "unsupported"},
		{"", "", "1", "document.type", "unsupported"},
		{"RF_PASSPORT", "", "123456", "document.series", "required"},
		{"RF_PASSPORT", "320", "123456", "document.series", "format"},
		{"RF_PASSPORT", "32a4", "123456", "document.series", "format"},
		{"RF_PASSPORT", "3204", "", "document.number", "required"},
		{"RF_PASSPORT", "3204", "12345", "document.number", "format"},
		{"BRTH_CERT", "", "123456", "document.series", "required"},
		{"BRTH_CERT", "ЛО", "123456", "document.series", "format"},      // no Roman part
		{"BRTH_CERT", "IIII-ЛО", "123456", "document.series", "format"}, // not a Roman numeral
		{"BRTH_CERT", "I-Л", "123456", "document.series", "format"},     // one letter only
		{"BRTH_CERT", "I-Л1", "123456", "document.series", "format"},    // digit in the letters
		{"BRTH_CERT", "Z-ЛО", "123456", "document.series", "format"},    // Z is not Roman
		{"BRTH_CERT", "I-ЛО", "1234567", "document.number", "format"},   // 7 digits
		{"FID_DOC", "", "AB|12", "document.number", "format"},           // separator character
		{"FID_DOC", strings.Repeat("S", 21), "1", "document.series", "format"},
	}
	for _, c := range invalid {
		_, err := pdata.NormalizeDocument(c.typ, c.series, c.number)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != c.field || string(e.Fields[0].Code) != c.code {
			t.Errorf("NormalizeDocument(%q, %q, %q) = %v %+v, want %s/%s", c.typ, c.series, c.number, err, e, c.field, c.code)
			continue
		}
		if !strings.Contains(e.Detail, " / ") {
			t.Errorf("detail %q is not bilingual", e.Detail)
		}
	}
	if _, err := pdata.ParseDocumentKey("RF_PASSPORT|3204"); !errs.Is(err, errs.Invalid) {
		t.Errorf("ParseDocumentKey of a short key: %v", err)
	}
}

func TestMaskDocument(t *testing.T) {
	for in, want := range map[string]string{
		"123456": "****56",
		"AB1234": "****34",
		"ЛО1234": "****34", // runes, not bytes
		"1234":   "**34",
		"123":    "***",
		"12":     "**",
		"":       "",
	} {
		if got := pdata.MaskDocument(in); got != want {
			t.Errorf("MaskDocument(%q) = %q, want %q", in, got, want)
		}
	}
}
