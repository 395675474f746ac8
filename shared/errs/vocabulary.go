package errs

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Reason is a function's own, stable word for why it refused, finer than a
// Code: a problem's "reason" member or a field error's "code". Each
// function's api package declares the reasons it returns, with their titles,
// so that callers switch on constants rather than copied literals.
type Reason string

// The field reasons every function shares: the checks of the transport
// (decoding, identifiers) and of ordinary input.
const (
	Required Reason = "required" // the field is missing or empty
	Format   Reason = "format"   // not in the expected format (a date, an identifier, letters only)
	Range    Reason = "range"    // outside the allowed values
	Length   Reason = "length"   // too long or too short
	Enum     Reason = "enum"     // not one of the listed values
	Checksum Reason = "checksum" // a checksum (SNILS, INN, OGRN) does not match
	Unknown  Reason = "unknown"  // a field the request does not have
	Type     Reason = "type"     // a JSON value of another type (a string for a number)
)

// Vocabulary is what a function may refuse with, declared in its api
// package: the codes it returns beyond Common's, its reasons with their
// titles, and the extension members its problems carry.
type Vocabulary struct {
	Codes   []Code
	Reasons map[Reason]string
	// Members are the problem members a refusal adds (Error.Extra), with
	// what each holds.
	Members map[string]string
}

// Common is what every function may return without declaring it: the
// refusals of the transport (authentication, routes, decoding, limits,
// availability) and the shared field reasons.
var Common = Vocabulary{
	Codes: []Code{Invalid, Unauthenticated, Forbidden, NotFound, MethodNotAllowed, TooLarge, UnsupportedMedia, Unavailable, Internal},
	Reasons: map[Reason]string{
		Required: "обязательное поле",
		Format:   "неверный формат",
		Range:    "значение вне допустимого диапазона",
		Length:   "недопустимая длина",
		Enum:     "значение не из списка",
		Checksum: "не сходится контрольная сумма",
		Unknown:  "неизвестное поле",
		Type:     "значение другого типа",
	},
}

// Declares reports whether v or Common declares code.
func (v *Vocabulary) Declares(code Code) bool {
	return slices.Contains(v.Codes, code) || slices.Contains(Common.Codes, code)
}

// Title is the title of reason in v or Common, "" when neither declares it.
func (v *Vocabulary) Title(reason Reason) string {
	if t, ok := v.Reasons[reason]; ok {
		return t
	}
	return Common.Reasons[reason]
}

// Undeclared says what of e v does not declare: its code, its reason, a
// field error's code, an extension member. It is "" when v declares all.
func (v *Vocabulary) Undeclared(e *Error) string {
	var out []string
	if !v.Declares(e.Code) {
		out = append(out, "code "+string(e.Code))
	}
	if e.Reason != "" && v.Title(e.Reason) == "" {
		out = append(out, "reason "+string(e.Reason))
	}
	for _, f := range e.Fields {
		if v.Title(f.Code) == "" {
			out = append(out, fmt.Sprintf("field %s: code %s", f.Field, f.Code))
		}
	}
	for k := range e.Extra {
		if _, ok := v.Members[k]; !ok {
			out = append(out, "member "+k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// Merge is v with the codes, reasons and members of others added: a
// function's vocabulary with that of a shared part it uses (csvtable).
func (v Vocabulary) Merge(others ...Vocabulary) Vocabulary {
	out := Vocabulary{Reasons: map[Reason]string{}, Members: map[string]string{}}
	for _, o := range append([]Vocabulary{v}, others...) {
		for _, c := range o.Codes {
			if !slices.Contains(out.Codes, c) {
				out.Codes = append(out.Codes, c)
			}
		}
		for r, t := range o.Reasons {
			out.Reasons[r] = t
		}
		for m, t := range o.Members {
			out.Members[m] = t
		}
	}
	return out
}
