// Package kuzbass is what every function agrees on about the region's
// calendar: its clock and its school year.
package kuzbass

import "time"

// Time is the region's time zone: UTC+7 the whole year (Asia/Novokuznetsk
// keeps no daylight saving time), fixed so that no tz database is needed.
var Time = time.FixedZone("UTC+7", 7*60*60)

// Date is the calendar date in Kuzbass at t, as midnight UTC — the form in
// which dates are stored and compared. A date already in that form is
// returned unchanged.
func Date(t time.Time) time.Time {
	y, m, d := t.In(Time).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AcademicYearOf is the academic year (by its starting calendar year) of
// the Kuzbass date of t: from 1 September to 31 August.
func AcademicYearOf(t time.Time) int {
	d := Date(t)
	if d.Month() >= time.September {
		return d.Year()
	}
	return d.Year() - 1
}
