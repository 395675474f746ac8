package kuzbass

import (
	"testing"
	"time"
)

func TestDateAndAcademicYear(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		date string
		year int
	}{
		{time.Date(2026, 8, 31, 16, 59, 0, 0, time.UTC), "2026-08-31", 2025},
		{time.Date(2026, 8, 31, 17, 0, 0, 0, time.UTC), "2026-09-01", 2026}, // midnight in Kemerovo
		{time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), "2026-09-01", 2026},   // a stored date stays itself
		{time.Date(2027, 1, 1, 0, 30, 0, 0, Time), "2027-01-01", 2026},
		{time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC), "2027-01-01", 2026},
	} {
		if d := Date(c.at).Format(time.DateOnly); d != c.date {
			t.Errorf("Date(%s) = %s, want %s", c.at, d, c.date)
		}
		if y := AcademicYearOf(c.at); y != c.year {
			t.Errorf("AcademicYearOf(%s) = %d, want %d", c.at, y, c.year)
		}
	}
}
