package main

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// commitStats are the EKO process's group-commit counters (its Prometheus
// metrics eko_submit_batch_rows and eko_submit_commit_seconds).
type commitStats struct {
	commits, rows, seconds float64
}

func readCommitStats(g prometheus.Gatherer) commitStats {
	var s commitStats
	mfs, err := g.Gather()
	if err != nil {
		return s
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			h := m.GetHistogram()
			if h == nil {
				continue
			}
			switch mf.GetName() {
			case "eko_submit_batch_rows":
				s.commits, s.rows = float64(h.GetSampleCount()), h.GetSampleSum()
			case "eko_submit_commit_seconds":
				s.seconds = h.GetSampleSum()
			}
		}
	}
	return s
}

// since describes the group commits between an earlier reading and s.
func (s commitStats) since(before commitStats) string {
	n := s.commits - before.commits
	if n == 0 {
		return "no group commits"
	}
	return fmt.Sprintf("%.0f group commits, %.1f applications and %.2f ms each on average",
		n, (s.rows-before.rows)/n, 1000*(s.seconds-before.seconds)/n)
}
