// Package postgrade is the post-grade function: the electronic class journal
// (academic periods, teaching assignments, lessons by date with their topics,
// marks and attendance) and the student's diary read from it.
//
// Guarantees:
//
//   - A class's marks for a lesson are saved in one request and one
//     transaction: every item is checked first (scale, kind, the lesson's
//     class, the student's enrollment on the lesson's date, an open period,
//     the version the teacher saw) and either all are written or none.
//   - Marks are never silently rewritten: a change or a deletion names the
//     version it replaces (a stale version is a 409 naming the cell, nothing
//     written), keeps the previous value in the append-only mark_history with
//     who changed it and why, and a deleted mark stays, marked deleted.
//   - Every change is an event (grade.posted, grade.changed, grade.deleted,
//     attendance.marked) written in the same transaction.
//   - A teacher writes only into the lessons of own teaching assignments;
//     the diary shows a student's journal to the student, the parents, the
//     class teacher, the teachers of the class and the school administration.
//   - Who is enrolled where comes from the registry's enrollment events
//     (journal.roster), never from the registry's tables.
package postgrade

import (
	"context"
	"embed"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	collegeapi "github.com/kuzbass/eko/functions/college/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/function"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
	"github.com/kuzbass/eko/shared/outbox"
)

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "post-grade"

//go:embed migrations/*.sql
var migrations embed.FS

// Schema is the function's migrations (schema "journal").
func Schema() db.Schema { return db.EmbeddedSchema("journal", migrations, "migrations") }

// Schemas are the function's own schemas, in order.
func Schemas() []db.Schema { return []db.Schema{Schema()} }

// Options are the function's settings and the registry it asks.
type Options struct {
	Attendance AttendanceOptions
	// Registry answers who callers are and which schools a municipality has.
	Registry *registryapi.Client `ignored:"true"`
	// College names a college's applicants, whose entrance tests' results
	// a college loads before they are its students.
	College *collegeapi.Client `ignored:"true"`
}

// Part is how a process mounts post-grade: after the registry, whose
// enrollment events keep its roster, and the college, which names its
// applicants.
var Part = function.PartOf(Name, Schemas(), func(deps *function.Deps, sys function.System, opts *Options) error {
	if reg := sys.Peer(registryapi.Name); reg != nil {
		registryapi.GrantsFrom(deps.Policy, reg)
		opts.Registry = registryapi.New(reg)
	}
	if c := sys.Peer(collegeapi.Name); c != nil {
		opts.College = collegeapi.New(c)
	}
	return nil
}, Mount)

// New returns post-grade as its own Knative Service runs it (cmd/main.go).
func New() *function.Standalone { return function.Alone(Part) }

// AttendanceOptions set when absences become a chronic-absence signal.
type AttendanceOptions struct {
	// ChronicShare is the share of a period's lessons missed that raises the
	// signal (0.3: three lessons in ten).
	ChronicShare float64 `envconfig:"CHRONIC_ABSENCE_SHARE" default:"0.3"`
	// ChronicMinLessons is how many lessons must have passed in the period
	// before a share means anything.
	ChronicMinLessons int `envconfig:"CHRONIC_ABSENCE_MIN_LESSONS" default:"10"`
	// StreakDays is how many school days in a row missed without a valid
	// reason raise absence.streak.
	StreakDays int `envconfig:"UNEXCUSED_STREAK_DAYS" default:"3"`
}

// orDefaults replaces settings out of their range with the defaults.
func (o AttendanceOptions) orDefaults() AttendanceOptions {
	if o.ChronicShare <= 0 || o.ChronicShare > 1 {
		o.ChronicShare = 0.3
	}
	if o.ChronicMinLessons < 1 {
		o.ChronicMinLessons = 10
	}
	if o.StreakDays < 1 {
		o.StreakDays = 3
	}
	return o
}

// Function is the post-grade Knative function.
type Function struct {
	function.Lifecycle
	// Clock: period checks and the diary's default week; tests set its Now.
	function.Clock

	registry   *registryapi.Client
	college    *collegeapi.Client
	policy     *access.Policy // loads grants for the access answer
	db         *pgxpool.Pool
	outbox     *outbox.Writer
	router     *httpx.Router
	attendance AttendanceOptions
}

// today is the current date in Kuzbass as midnight UTC, the form in which
// the journal's dates are compared.
func (f *Function) today() time.Time { return kuzbass.Date(f.Time()) }

// Mount serves the function's API on deps. Without opts.Registry the
// aggregates by municipality are unavailable; everything else works.
func Mount(_ context.Context, deps *function.Deps, opts Options) (*Function, error) {
	if err := deps.Policy.Register(Rules); err != nil {
		return nil, err
	}
	f := &Function{registry: opts.Registry, college: opts.College, policy: deps.Policy, db: deps.DB, outbox: deps.Outbox, attendance: opts.Attendance.orDefaults()}
	rt := httpx.NewRouter(deps.Guard)
	rt.Declare(&postgradeapi.Problems)
	const api = "/api/" + Name
	rt.Handle(http.MethodGet, api+"/access", auth.Authenticated, f.myAccess)
	rt.Handle(http.MethodGet, api+"/subjects", auth.Authenticated, f.subjects)
	rt.Handle(http.MethodPost, api+"/periods", PermSetup, f.createPeriods)
	rt.Handle(http.MethodPost, api+"/periods/{id}/close", PermSetup, httpx.ByID(uuidParam, f.closePeriod))
	rt.Handle(http.MethodPost, api+"/periods/{id}/permits", PermSetup, httpx.ByID(uuidParam, f.grantPermit))
	rt.Handle(http.MethodPost, api+"/assignments", PermSetup, f.createAssignment)
	rt.Handle(http.MethodPost, api+"/assignments/{id}/timetable", PermSetup, httpx.ByID(uuidParam, f.generateLessons))
	rt.Handle(http.MethodGet, api+"/assignments/{id}/term-marks", PermJournalRead, f.termMarks)
	rt.Handle(http.MethodPost, api+"/assignments/{id}/term-marks", PermTeach, f.confirmTermMarks)
	rt.Handle(http.MethodGet, api+"/assignments/{id}/grid", PermJournalRead, httpx.ByID(uuidParam, f.grid))
	rt.Handle(http.MethodGet, api+"/assignments/{id}/year-marks", PermJournalRead, f.yearMarks)
	rt.Handle(http.MethodPost, api+"/assignments/{id}/year-marks", PermTeach, f.confirmYearMarks)
	rt.Handle(http.MethodGet, api+"/classes/{id}/assignments", PermJournalRead, httpx.ByID(uuidParam, f.classAssignments))
	rt.Handle(http.MethodGet, api+"/lessons", PermTeach, f.myLessons)
	rt.Handle(http.MethodPatch, api+"/lessons/{id}", PermTeach, httpx.ByID(uuidParam, f.setTopic))
	rt.Handle(http.MethodGet, api+"/lessons/{id}/journal", PermJournalRead, httpx.ByID(uuidParam, f.journal))
	rt.Handle(http.MethodPost, api+"/lessons/{id}/column", PermTeach, httpx.ByID(uuidParam, f.saveColumn))
	rt.Handle(http.MethodPost, api+"/marks", PermTeach, f.saveMarks)
	rt.Handle(http.MethodGet, api+"/marks/{id}/history", PermDiaryRead, httpx.ByID(uuidParam, f.markHistory))
	rt.Handle(http.MethodPost, api+"/attendance", PermTeach, f.markAttendance)
	rt.Handle(http.MethodGet, api+"/diary/{student_id}", PermDiaryRead, f.diary)
	rt.Handle(http.MethodGet, api+"/aggregates", PermAggregates, f.aggregates)
	rt.Handle(http.MethodPost, api+"/organisations/{id}/exam-results", PermSetup, httpx.ByID(uuidParam, f.importExams))
	rt.Handle(http.MethodGet, api+"/exam-results/{student_id}", PermDiaryRead, f.examResults)
	rt.Handle(http.MethodPost, api+"/events", auth.EventDelivery, f.receive)
	f.router = rt
	f.Serve(rt)
	return f, nil
}

// Routes lists the function's routes for the route-permission harness.
func (f *Function) Routes() []httpx.Route { return f.router.Routes() }

// Undeclared implements function.Declaring.
func (f *Function) Undeclared() []string { return f.router.Undeclared() }
