package postgrade

import (
	"net/url"
	"time"

	"github.com/kuzbass/eko/shared/errs"
)

// dateSpan reads ?from=&to= as dates. Without from the span is [defFrom,
// defTo]; with from but without to it ends follow−1 days after from (follow 0:
// at defTo). A malformed date, an end before the start or a span longer than
// maxDays is appended to fe (the last with tooLong as its message).
func dateSpan(q url.Values, defFrom, defTo time.Time, follow, maxDays int, tooLong string, fe *[]errs.FieldError) (from, to time.Time) {
	from, to = defFrom, defTo
	bad := len(*fe)
	if s := q.Get("from"); s != "" {
		var err error
		if from, err = time.Parse(time.DateOnly, s); err != nil {
			*fe = append(*fe, field("from", errs.Format, "дата ГГГГ-ММ-ДД"))
		}
		if follow > 0 {
			to = from.AddDate(0, 0, follow-1)
		}
	}
	if s := q.Get("to"); s != "" {
		var err error
		if to, err = time.Parse(time.DateOnly, s); err != nil {
			*fe = append(*fe, field("to", errs.Format, "дата ГГГГ-ММ-ДД"))
		}
	}
	if len(*fe) == bad && (to.Before(from) || to.Sub(from) > time.Duration(maxDays)*24*time.Hour) {
		*fe = append(*fe, field("to", errs.Range, tooLong))
	}
	return from, to
}
