package submitapplication

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// window is a row of applications.enrollment_windows.
type window struct {
	id           uuid.UUID
	academicYear int
	municipality *uuid.UUID // nil: every municipality without a row of its own
	no           int
	opens        time.Time
	closes       time.Time
}

// windowTTL bounds how stale the cached windows may be. The cache only shapes
// the answer a parent gets; whether an application is inside a window is
// decided again by the insert itself, against the database clock.
const windowTTL = 5 * time.Second

// windowCache keeps the first-grade windows (a few rows per year).
type windowCache struct {
	db *pgxpool.Pool

	mu     sync.Mutex
	loaded time.Time
	list   []window
}

func (c *windowCache) get(ctx context.Context) ([]window, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.loaded) < windowTTL {
		return c.list, nil
	}
	list, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	c.list, c.loaded = list, time.Now()
	return list, nil
}

// invalidate makes the next get read the windows again (after a change).
func (c *windowCache) invalidate() {
	c.mu.Lock()
	c.loaded = time.Time{}
	c.mu.Unlock()
}

// load reads every first-grade window, bypassing the cache.
func (c *windowCache) load(ctx context.Context) ([]window, error) {
	rows, err := c.db.Query(ctx, `SELECT id, academic_year, municipality_id, window_no, opens_at, closes_at
		FROM applications.enrollment_windows WHERE service = 'first_grade'`)
	if err != nil {
		return nil, fmt.Errorf("windows: %w", err)
	}
	defer rows.Close()
	var list []window
	for rows.Next() {
		var w window
		if err := rows.Scan(&w.id, &w.academicYear, &w.municipality, &w.no, &w.opens, &w.closes); err != nil {
			return nil, err
		}
		list = append(list, w)
	}
	return list, rows.Err()
}

// effective returns the windows that apply to municipality: its own rows, and
// the region-wide rows of the years and windows it has no row of its own for.
func effective(list []window, municipality uuid.UUID) []window {
	own := map[[2]int]bool{}
	for _, w := range list {
		if w.municipality != nil && *w.municipality == municipality {
			own[[2]int{w.academicYear, w.no}] = true
		}
	}
	var out []window
	for _, w := range list {
		switch {
		case w.municipality != nil && *w.municipality == municipality:
			out = append(out, w)
		case w.municipality == nil && !own[[2]int{w.academicYear, w.no}]:
			out = append(out, w)
		}
	}
	return out
}

// pick returns the window open at now that takes the application: window 1
// only for the territory and priority bases (general = false), window 2 for
// everyone. Window 1 wins when both are open.
func pick(list []window, municipality uuid.UUID, general bool, now time.Time) (window, bool) {
	var best window
	found := false
	for _, w := range effective(list, municipality) {
		if now.Before(w.opens) || !now.Before(w.closes) || (general && w.no == 1) {
			continue
		}
		if !found || w.no < best.no {
			best, found = w, true
		}
	}
	return best, found
}

// nextOpening returns when the next window that would take the application opens.
func nextOpening(list []window, municipality uuid.UUID, general bool, now time.Time) (time.Time, bool) {
	var next time.Time
	for _, w := range effective(list, municipality) {
		if w.opens.After(now) && !(general && w.no == 1) && (next.IsZero() || w.opens.Before(next)) {
			next = w.opens
		}
	}
	return next, !next.IsZero()
}

// addWorkingDays returns t moved n working days (Monday–Friday, Kemerovo time)
// ahead, like applications.add_working_days. Public holidays are not known yet.
func addWorkingDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.In(kemerovo).Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}
