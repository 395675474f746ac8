package pdata

import (
	"strings"
	"unicode"

	"github.com/kuzbass/eko/shared/errs"
)

// NormalizeSNILS returns the 11 digits of a SNILS (the Russian individual
// insurance account number: nine digits and a two-digit control number, written
// "123-456-789 64") written with or without the
// usual separators: spaces (including no-break spaces) and dashes of any kind
// may appear anywhere; any other character is rejected. The control number is
// checked (see SNILSControl) unless the first nine digits are 001-001-998 or
// less, which predate the check and are accepted as they are.
//
// A bad value is an *errs.Error with code errs.Invalid and one field error on
// field "snils" with code "format" or "checksum". The error never contains the input.
func NormalizeSNILS(s string) (string, error) {
	d, ok := snilsDigits(s)
	if !ok {
		return "", snilsError(errs.Format)
	}
	if d[:9] <= "001001998" {
		return d, nil
	}
	if want := SNILSControl(d[:9]); d[9:] != want {
		return "", snilsError(errs.Checksum)
	}
	return d, nil
}

// SNILSControl computes the 2-digit control number of the first nine digits of a
// SNILS: the digits are weighted 9, 8, …, 1 from the left and summed; a sum below
// 100 is the control number itself, 100 and 101 give 00, and a larger sum gives
// sum mod 101, where 100 again gives 00. first9 must be nine ASCII digits; SNILSControl
// panics otherwise.
func SNILSControl(first9 string) string {
	if len(first9) != 9 {
		panic("pdata: SNILSControl needs 9 digits")
	}
	sum := 0
	for i := 0; i < 9; i++ {
		c := first9[i]
		if c < '0' || c > '9' {
			panic("pdata: SNILSControl needs 9 digits")
		}
		sum += int(c-'0') * (9 - i)
	}
	var ctl int
	switch {
	case sum < 100:
		ctl = sum
	case sum == 100 || sum == 101:
		ctl = 0
	default:
		ctl = sum % 101
		if ctl == 100 {
			ctl = 0
		}
	}
	return string([]byte{byte('0' + ctl/10), byte('0' + ctl%10)})
}

func snilsError(code errs.Reason) error {
	var msg string
	switch code {
	case errs.Checksum:
		msg = "Контрольное число СНИЛС не совпадает: проверьте цифры / The SNILS control number does not match: check the digits"
	default:
		msg = "СНИЛС должен состоять из 11 цифр, например 123-456-789 64 / SNILS must consist of 11 digits, e.g. 123-456-789 64"
	}
	return errs.Fields(msg, errs.FieldError{Field: "snils", Code: code, Message: msg})
}

// isDigits11 reports whether s is exactly 11 ASCII digits.
func isDigits11(s string) bool {
	if len(s) != 11 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatSNILS renders 11 normalised digits as "123-456-789 64". Any other input
// is returned unchanged (FormatSNILS never fails and never validates).
func FormatSNILS(digits string) string {
	if !isDigits11(digits) {
		return digits
	}
	return digits[0:3] + "-" + digits[3:6] + "-" + digits[6:9] + " " + digits[9:11]
}

// MaskSNILS renders a SNILS with only its control number visible: "***-***-*** 64".
// It accepts normalised digits or any value NormalizeSNILS would read (without
// checking the control number); anything else is masked completely as
// "***-***-*** **", so a mask never reveals more than two digits.
func MaskSNILS(s string) string {
	d, ok := snilsDigits(s)
	if !ok {
		return "***-***-*** **"
	}
	return "***-***-*** " + d[9:]
}

// snilsDigits reads the eleven digits of a SNILS as people write it: digits
// with spaces and dashes (any dash, the minus sign) between them; ok is false
// for anything else.
func snilsDigits(s string) (string, bool) {
	var b strings.Builder
	b.Grow(11)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '\u2212':
		default:
			return "", false
		}
	}
	return b.String(), isDigits11(b.String())
}
