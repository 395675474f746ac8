package buildportfolio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// honoursSubjects is how many subjects' year marks, every one «5», make a
// pupil «отличник» for the year.
const honoursSubjects = 5

// built is an achievement EKO builds from a fact of its own: one per
// (system, record), whatever the redeliveries; a later fact about the same
// record changes it (a corrected exam score) or withdraws it (a year mark
// corrected below «5»).
type built struct {
	owner     uuid.UUID
	org       *uuid.UUID
	category  string
	title     string
	level     string
	result    string
	organiser string
	detail    string
	awardedOn string
	system    string
	record    string
	eventID   string
	at        time.Time
	holds     bool   // false: the fact no longer holds (withdraw the achievement)
	reason    string // why it no longer holds (or, received, how it was matched)
	// source is buildportfolioapi.SourceEKO ("" too) or SourceExternal; an
	// external one is received (StepReceived) from actor.
	source string
	actor  string
}

// applyBuilt records b: a new achievement, a changed one, a withdrawn one,
// or nothing when it already stands so. Each change is a step of the system.
func applyBuilt(ctx context.Context, tx pgx.Tx, b built) error {
	var id uuid.UUID
	var state, title, detail string
	err := tx.QueryRow(ctx, `SELECT id, state, title, description FROM portfolio.achievements
		WHERE source_system = $1 AND source_record = $2 FOR UPDATE`, b.system, b.record).Scan(&id, &state, &title, &detail)
	actor, source, first, why := "system:"+b.system, buildportfolioapi.SourceEKO, buildportfolioapi.StepBuilt, ""
	if b.source == buildportfolioapi.SourceExternal {
		actor, source, first, why = b.actor, b.source, buildportfolioapi.StepReceived, b.reason
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if !b.holds {
			return nil
		}
		id = uuid.Must(uuid.NewV7())
		if _, err := tx.Exec(ctx, `INSERT INTO portfolio.achievements (id, owner_id, owner_kind, organisation_id, category, title, level, result,
				organiser, awarded_on, description, source, source_system, source_record, source_event, source_at, state, created_at, changed_at)
			VALUES ($1, $2, 'pupil', $3, $4, $5, NULLIF($6, ''), NULLIF($7, ''), $8, $9, $10, $15, $11, $12, $13, $14, 'confirmed', clock_timestamp(), clock_timestamp())`,
			id, b.owner, b.org, b.category, b.title, b.level, b.result, b.organiser, b.awardedOn, b.detail, b.system, b.record, b.eventID, b.at, source); err != nil {
			return err
		}
		return systemStep(ctx, tx, id, first, buildportfolioapi.Confirmed, why, actor)
	case err != nil:
		return err
	}
	want := buildportfolioapi.Confirmed
	action := first
	if !b.holds {
		want, action = buildportfolioapi.Withdrawn, buildportfolioapi.StepWithdrawn
	}
	if state == want && (!b.holds || (title == b.title && detail == b.detail)) {
		return nil
	}
	if b.holds {
		_, err = tx.Exec(ctx, `UPDATE portfolio.achievements SET state = 'confirmed', title = $2, description = $3, awarded_on = $4,
			source_event = $5, source_at = $6, version = version + 1, changed_at = clock_timestamp() WHERE id = $1`,
			id, b.title, b.detail, b.awardedOn, b.eventID, b.at)
	} else {
		_, err = tx.Exec(ctx, `UPDATE portfolio.achievements SET state = 'withdrawn', source_event = $2, source_at = $3,
			version = version + 1, changed_at = clock_timestamp() WHERE id = $1`, id, b.eventID, b.at)
	}
	if err != nil {
		return err
	}
	return systemStep(ctx, tx, id, action, want, b.reason, actor)
}

// systemStep records a step taken by a system, not a person.
func systemStep(ctx context.Context, tx pgx.Tx, id uuid.UUID, action, state, reason, actor string) error {
	_, err := tx.Exec(ctx, `INSERT INTO portfolio.steps (achievement_id, action, state, reason, actor_subject, at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, clock_timestamp())`, id, action, state, reason, actor)
	return err
}

// eventDay is the Kemerovo date of an event's RFC 3339 time.
func eventDay(s string) (string, time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", t, errs.E(errs.Invalid, "event time %q: %v", s, err)
	}
	return kuzbass.Date(t).Format(time.DateOnly), t, nil
}

// fromEnrolment: an additional-education application moved to enrolled
// puts the programme into the child's portfolio.
func fromEnrolment(ctx context.Context, tx pgx.Tx, eventID string, data []byte) error {
	var e submitapplicationapi.StatusChangedEvent
	if err := json.Unmarshal(data, &e); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	if e.Service != string(submitapplicationapi.AdditionalEducation) || e.Status != string(submitapplicationapi.Enrolled) || e.ChildID == "" {
		return nil
	}
	day, at, err := eventDay(e.ChangedAt)
	if err != nil {
		return err
	}
	org, err := uuid.Parse(e.OrganisationID)
	if err != nil {
		return errs.E(errs.Invalid, "organisation_id: %v", err)
	}
	title := "Программа дополнительного образования"
	if e.ProgrammeName != "" {
		title = "Программа «" + e.ProgrammeName + "»"
	}
	return applyBuilt(ctx, tx, built{owner: uuid.MustParse(e.ChildID), org: &org, category: "additional_education", title: title,
		detail: "Зачисление по заявлению № " + e.Number, awardedOn: day, system: submitapplicationapi.Name,
		record: "application/" + e.ApplicationID, eventID: eventID, at: at, holds: true})
}

// fromExam: a state exam's result (ОГЭ, ЕГЭ, ГВЭ) as it stands now.
func fromExam(ctx context.Context, tx pgx.Tx, eventID string, data []byte) error {
	var e postgradeapi.ExamResultEvent
	if err := json.Unmarshal(data, &e); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	if e.Kind == "entrance" {
		return nil // a college's entrance test is an admission step, not an achievement
	}
	_, at, err := eventDay(e.RecordedAt)
	if err != nil {
		return err
	}
	org, err := uuid.Parse(e.OrganisationID)
	if err != nil {
		return errs.E(errs.Invalid, "organisation_id: %v", err)
	}
	detail := ""
	if e.Score != nil {
		detail = fmt.Sprintf("%d баллов", *e.Score)
	}
	if e.Mark != nil {
		if detail != "" {
			detail += ", "
		}
		detail += fmt.Sprintf("отметка «%d»", *e.Mark)
	}
	return applyBuilt(ctx, tx, built{owner: uuid.MustParse(e.StudentID), org: &org, category: "exam",
		title: postgradeapi.ExamKinds[e.Kind] + " по предмету «" + e.Subject + "»", detail: detail, awardedOn: e.Date,
		system: postgradeapi.Name, record: "exam/" + e.Kind + "/" + e.StudentID + "/" + e.Subject + "/" + e.Date,
		eventID: eventID, at: at, holds: true})
}

// fromYearMark keeps a pupil's year mark and builds (or withdraws) the
// year's «отличник»: at least honoursSubjects subjects marked for the
// year, every one «5» (a pass/fail subject passed).
func fromYearMark(ctx context.Context, tx pgx.Tx, eventID string, data []byte) error {
	var e postgradeapi.YearMarkEvent
	if err := json.Unmarshal(data, &e); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	if e.Kind != "year" {
		return nil
	}
	day, at, err := eventDay(e.ConfirmedAt)
	if err != nil {
		return err
	}
	// The latest confirmation wins over one delivered late.
	if _, err := tx.Exec(ctx, `INSERT INTO portfolio.year_marks (pupil_id, academic_year, subject_id, value, passed, confirmed_at)
		VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6)
		ON CONFLICT (pupil_id, academic_year, subject_id) DO UPDATE SET value = EXCLUDED.value, passed = EXCLUDED.passed,
		    confirmed_at = EXCLUDED.confirmed_at WHERE portfolio.year_marks.confirmed_at <= EXCLUDED.confirmed_at`,
		e.StudentID, int32(e.AcademicYear), e.SubjectID, e.Value, e.Passed, at); err != nil {
		return err
	}
	var marked int
	var excellent bool
	if err := tx.QueryRow(ctx, `SELECT count(value), coalesce(bool_and(value = 5 OR (value IS NULL AND passed)), false)
		FROM portfolio.year_marks WHERE pupil_id = $1::uuid AND academic_year = $2`, e.StudentID, int32(e.AcademicYear)).Scan(&marked, &excellent); err != nil {
		return err
	}
	org, err := uuid.Parse(e.OrganisationID)
	if err != nil {
		return errs.E(errs.Invalid, "organisation_id: %v", err)
	}
	return applyBuilt(ctx, tx, built{owner: uuid.MustParse(e.StudentID), org: &org, category: "year_honours",
		title:  fmt.Sprintf("Отличник учёбы, %d/%d учебный год", e.AcademicYear, e.AcademicYear+1),
		detail: fmt.Sprintf("Годовые отметки «5» по %d предметам", marked), awardedOn: day,
		system: postgradeapi.Name, record: fmt.Sprintf("year-honours/%s/%d", e.StudentID, e.AcademicYear),
		eventID: eventID, at: at, holds: excellent && marked >= honoursSubjects, reason: "годовая отметка исправлена: не все отметки «5»"})
}
