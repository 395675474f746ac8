package postgrade

import "time"

// schoolCalendar is the regional school calendar of an academic year as the
// seeded year follows it: the terms of a school that counts in quarters or
// in trimesters, the holidays between them and the public holidays on which
// nobody studies.
type schoolCalendar struct {
	year     int
	holidays []span // school holidays and public holidays, in order
}

// span is a closed interval of dates.
type span struct{ from, to time.Time }

func (s span) has(d time.Time) bool { return !d.Before(s.from) && !d.After(s.to) }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// calendarOf is the calendar of academic year y: autumn holidays from the
// last Monday of October up to the public holiday of 4 November, winter
// holidays from 30 December to 11 January, spring holidays in the last week
// of March, and the public holidays of the school year.
func calendarOf(y int) schoolCalendar {
	autumn := date(y, time.October, 31)
	for autumn.Weekday() != time.Monday {
		autumn = autumn.AddDate(0, 0, -1)
	}
	spring := date(y+1, time.March, 31)
	for spring.Weekday() != time.Monday {
		spring = spring.AddDate(0, 0, -1)
	}
	day := func(d time.Time) span { return span{d, d} }
	return schoolCalendar{year: y, holidays: []span{
		{autumn, date(y, time.November, 4)},
		{date(y, time.December, 30), date(y+1, time.January, 11)},
		day(date(y+1, time.February, 23)),
		day(date(y+1, time.March, 8)),
		{spring, spring.AddDate(0, 0, 6)},
		day(date(y+1, time.May, 1)),
		day(date(y+1, time.May, 9)),
	}}
}

// schoolDay says whether a class with a week of days days (5 or 6) studies on d.
func (c schoolCalendar) schoolDay(d time.Time, days int) bool {
	if d.Weekday() == time.Sunday || (days < 6 && d.Weekday() == time.Saturday) {
		return false
	}
	if d.Before(date(c.year, time.September, 1)) || d.After(date(c.year+1, time.May, 26)) {
		return false
	}
	for _, h := range c.holidays {
		if h.has(d) {
			return false
		}
	}
	return true
}

// terms are the periods of a school that counts in kind (quarter or
// trimester): quarters end where the holidays begin; trimesters end on
// 30 November and the last day of February.
func (c schoolCalendar) terms(kind string) []span {
	y := c.year
	after := func(h span) time.Time { return h.to.AddDate(0, 0, 1) }
	before := func(h span) time.Time { return h.from.AddDate(0, 0, -1) }
	end := date(y+1, time.May, 26)
	if kind == "trimester" {
		return []span{
			{date(y, time.September, 1), date(y, time.November, 30)},
			{date(y, time.December, 1), date(y+1, time.February, 28)},
			{date(y+1, time.March, 1), end},
		}
	}
	autumn, winter, spring := c.holidays[0], c.holidays[1], c.holidays[4]
	return []span{
		{date(y, time.September, 1), before(autumn)},
		{after(autumn), before(winter)},
		{after(winter), before(spring)},
		{after(spring), end},
	}
}
