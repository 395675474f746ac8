package submitapplication

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics of the intake: how submissions are grouped into commits and how
// long a commit takes, so an operator sees the opening-morning peak.
var (
	batchRows = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "eko_submit_batch_rows",
		Help:    "Submissions written by one group commit.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
	commitSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "eko_submit_commit_seconds",
		Help:    "Duration of one group commit: begin, insert, events, commit.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	submissionsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "eko_submit_submissions_total",
		Help: "Submissions by outcome: created, replayed (same key), refused (4xx), failed (5xx).",
	}, []string{"channel", "outcome"})
)
