// Command load measures the opening-morning peak of the first-grade campaign on
// this machine: it drives POST /api/submit-application/applications of a running
// EKO process (registry, submit-application and the outbox relay mounted the way
// the all-in-one function mounts them, serving real HTTP on loopback, verifying
// real tokens of the development identity provider) and, side by side in the same
// run and on the same PostgreSQL, a bare net/http + pgx endpoint that inserts the
// same application row and outbox row with no authentication or validation.
//
//	go run ./tests/load -rate 1000 -duration 10s
//
// For each endpoint it runs a saturation phase (closed loop, -concurrency
// clients, as fast as the endpoint answers) and a fixed-rate phase (open loop at
// -rate requests per second; latency counted from the scheduled send time, so a
// stalled server is not hidden), and prints throughput and latency percentiles as
// a Markdown table.
//
// Everything it starts listens on 127.0.0.1 and lives in a fresh database
// (eko_load_<random>) on the PostgreSQL of TEST_DATABASE_URL (default the local
// server on 127.0.0.1:5432), dropped at the end; it refuses any other host. Every
// phase is bounded in time (-duration, at most 60 s) and in count (-parents ×
// -per-parent applications in all).
//
// Each synthetic parent is a registry person with one child of first-grade age,
// an ESIA account linked before the run (as after an earlier sign-in) and a
// fresh token, so the parent's first request resolves its grants in the registry
// (the 30 s grants cache is cold) and later ones find them cached.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kuzbass/eko/shared/db/dbtest"
)

type options struct {
	rate         int
	duration     time.Duration
	concurrency  int
	overloadRate int
	overloadFor  time.Duration
	parents      int
	perParent    int
	conns        int
	execMode     string
	adminURL     string
	keep         bool
	cpuProfile   string
	split        bool
}

// saturationCeiling is the most applications per second the saturation phase
// is given parents for (a phase that runs out ends early and says so).
const saturationCeiling = 6000

func main() {
	var o options
	flag.IntVar(&o.rate, "rate", 1000, "requests per second of the fixed-rate phase (1..10000)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of the saturation and fixed-rate phases (at most 60s)")
	flag.IntVar(&o.concurrency, "concurrency", 64, "clients of the saturation phase (1..1024)")
	flag.IntVar(&o.overloadRate, "overload-rate", 8000, "requests per second of the overload phase, above capacity (0: no overload phase)")
	flag.DurationVar(&o.overloadFor, "overload-duration", 3*time.Second, "length of the overload phase (at most 30s)")
	flag.IntVar(&o.perParent, "per-parent", 2, "applications per parent (one child applying to that many schools, 1..4)")
	flag.IntVar(&o.conns, "conns", 4, "PostgreSQL connections of each endpoint (the DB_MAX_CONNS default is 4)")
	flag.StringVar(&o.execMode, "exec-mode", "cache_statement", "pgx exec mode of both endpoints (DB_EXEC_MODE: exec, simple_protocol, cache_statement)")
	flag.BoolVar(&o.keep, "keep", false, "keep the load database after the run (for inspection)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the EKO endpoint's saturation phase (server and client, one process) to this file")
	flag.BoolVar(&o.split, "split", false, "also drive registry, submit-application and the outbox relay run as three processes talking over HTTP, as Knative runs them")
	flag.Parse()
	o.adminURL = dbtest.AdminURL()
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func (o *options) check() error {
	switch {
	case o.rate < 1 || o.rate > 10000:
		return fmt.Errorf("-rate must be 1..10000")
	case o.duration <= 0 || o.duration > time.Minute:
		return fmt.Errorf("-duration must be within (0, 60s]")
	case o.concurrency < 1 || o.concurrency > 1024:
		return fmt.Errorf("-concurrency must be 1..1024")
	case o.overloadRate < 0 || o.overloadRate > 20000:
		return fmt.Errorf("-overload-rate must be 0..20000")
	case o.overloadFor <= 0 || o.overloadFor > 30*time.Second:
		return fmt.Errorf("-overload-duration must be within (0, 30s]")
	case o.perParent < 1 || o.perParent > 4:
		return fmt.Errorf("-per-parent must be 1..4 (the small seed has five schools)")
	case o.conns < 1 || o.conns > 64:
		return fmt.Errorf("-conns must be 1..64")
	}
	total := 0
	for _, r := range o.ranges() {
		total += r[1]
	}
	o.parents = (total + o.perParent - 1) / o.perParent
	if o.parents > 150_000 {
		return fmt.Errorf("%d parents needed; shorten the phases", o.parents)
	}
	u, err := url.Parse(o.adminURL)
	if err != nil {
		return err
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" && !strings.HasPrefix(u.Host, "/") {
		return fmt.Errorf("PostgreSQL at %q is not on loopback: the load generator runs only against this machine", h)
	}
	return nil
}

// ranges are the requests of the EKO endpoint's phases: the first request
// number and how many.
func (o *options) ranges() map[string][2]int {
	secs := o.duration.Seconds() + 1
	sat := int(saturationCeiling * secs)
	fixed := int(float64(o.rate) * secs)
	over := int(float64(o.overloadRate) * (o.overloadFor.Seconds() + 1))
	r := map[string][2]int{"saturation": {0, sat}, "fixed": {sat, fixed}, "overload": {sat + fixed, over}}
	if o.split {
		next := sat + fixed + over
		r["split saturation"], r["split fixed"] = [2]int{next, sat}, [2]int{next + sat, fixed}
	}
	return r
}

// startProfile starts a CPU profile into file when it is set and full is true;
// the returned function stops it.
func startProfile(file string, full bool) func() {
	if file == "" || !full {
		return func() {}
	}
	f, err := os.Create(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load: cpuprofile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "load: cpuprofile:", err)
		_ = f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }
}

func run(ctx context.Context, o options) error {
	fmt.Printf("setup: %d parents × %d applications, %d connections per endpoint, exec mode %s\n", o.parents, o.perParent, o.conns, o.execMode)
	st, err := setUp(ctx, o)
	if err != nil {
		return err
	}
	defer st.close(o.keep)

	var results []result
	type phase struct {
		name, kind string
		full       bool
		split      bool
	}
	phases := []phase{{"bare pgx", "saturation", false, false}, {"EKO endpoint", "saturation", true, false}}
	if o.split {
		phases = append(phases, phase{splitEndpoint, "saturation", true, true})
	}
	phases = append(phases, phase{"bare pgx", "fixed", false, false}, phase{"EKO endpoint", "fixed", true, false})
	if o.split {
		phases = append(phases, phase{splitEndpoint, "fixed", true, true})
	}
	if o.overloadRate > 0 {
		phases = append(phases, phase{"EKO endpoint", "overload", true, false})
	}
	for _, ph := range phases {
		if ctx.Err() != nil {
			break
		}
		target, budgetName := st.bare, ph.kind
		switch {
		case ph.split:
			target, budgetName = st.submitTo(st.splitURL), "split "+ph.kind
		case ph.full:
			target = st.submitTo(st.ekoURL)
		}
		r := result{endpoint: ph.name}
		commitsBefore := readCommitStats(prometheus.DefaultGatherer)
		b := st.budget(ph.full, budgetName)
		switch ph.kind {
		case "fixed":
			r.mode = fmt.Sprintf("fixed %d/s", o.rate)
			r.stats = fixedRate(ctx, target, o.rate, o.duration, b)
		case "overload":
			r.mode = fmt.Sprintf("overload %d/s", o.overloadRate)
			r.stats = fixedRate(ctx, target, o.overloadRate, o.overloadFor, b)
		default:
			r.mode = fmt.Sprintf("saturation, %d clients", o.concurrency)
			stopProfile := startProfile(o.cpuProfile, ph.full)
			r.stats = saturate(ctx, target, o.concurrency, o.duration, b)
			stopProfile()
		}
		fmt.Printf("  %-13s %-26s %s\n", r.endpoint, r.mode, r.stats.line())
		if ph.full && !ph.split {
			fmt.Printf("  %-13s %-26s %s\n", "", "", readCommitStats(prometheus.DefaultGatherer).since(commitsBefore))
		}
		results = append(results, r)
		time.Sleep(2 * time.Second) // let the relay catch up between phases
	}
	if n := st.noRetryAfter.Load(); n > 0 {
		return fmt.Errorf("%d answers 429/503 without Retry-After", n)
	}
	if err := st.verify(ctx); err != nil {
		return err
	}
	report(os.Stdout, o, results)
	return nil
}
