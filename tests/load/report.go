package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// result is one phase of one endpoint.
type result struct {
	endpoint string
	mode     string
	stats    stats
}

// report prints the results as a Markdown table for BENCHMARKS.md.
func report(w io.Writer, o options, rs []result) {
	fmt.Fprintf(w, "\n%s, %d CPUs, GOMAXPROCS %d; %d PostgreSQL connections per endpoint, exec mode %s; %d parents × %d applications\n\n",
		time.Now().Format("2006-01-02 15:04"), runtime.NumCPU(), runtime.GOMAXPROCS(0), o.conns, o.execMode, o.parents, o.perParent)
	fmt.Fprintln(w, "| endpoint | load | accepted | throughput | p50 | p99 | max | other answers |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	sat := map[string]float64{}
	for _, r := range rs {
		s := r.stats
		other := ""
		for code, n := range s.statuses {
			if code != 201 {
				other += fmt.Sprintf("%d×%d ", n, code)
			}
		}
		if s.errors > 0 {
			other += fmt.Sprintf("%d transport errors ", s.errors)
		}
		if s.overflow > 0 {
			other += fmt.Sprintf("%d not sent (generator at %d in flight) ", s.overflow, maxInFlight)
		}
		if len(other) > 0 {
			other += fmt.Sprintf("slowest answer %.1f ms", ms(s.slowest))
		}
		fmt.Fprintf(w, "| %s | %s, %s | %d | %.0f/s | %.1f ms | %.1f ms | %.1f ms | %s |\n",
			r.endpoint, r.mode, s.elapsed.Round(100*time.Millisecond), s.accepted, s.throughput(),
			ms(s.pct(0.5)), ms(s.pct(0.99)), ms(s.pct(1)), other)
		if len(r.mode) > 10 && r.mode[:10] == "saturation" {
			sat[r.endpoint] = s.throughput()
		}
	}
	if b, f := sat["bare pgx"], sat["EKO endpoint"]; b > 0 {
		fmt.Fprintf(w, "\nEKO endpoint / bare pgx at saturation: %.2f×\n", f/b)
	}
	if f, s := sat["EKO endpoint"], sat[splitEndpoint]; f > 0 && s > 0 {
		fmt.Fprintf(w, "EKO split (three processes over HTTP) / EKO endpoint (all-in-one) at saturation: %.2f×\n", s/f)
	}
}
