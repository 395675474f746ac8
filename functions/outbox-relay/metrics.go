package outboxrelay

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	deliveredTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "eko_outbox_delivered_total", Help: "Events delivered by the outbox relay.",
	}, []string{"type"})
	failuresTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "eko_outbox_delivery_failures_total", Help: "Failed delivery attempts (each will be retried until dead-lettered).",
	}, []string{"type"})
	deadLetteredTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "eko_outbox_dead_lettered_total", Help: "Events moved to the dead-letter state after the last attempt.",
	}, []string{"type"})
	pendingGauge = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "eko_outbox_pending", Help: "Events waiting for delivery.",
	})
	deadGauge = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "eko_outbox_dead", Help: "Events in the dead-letter state, waiting for a redrive.",
	})
	lagGauge = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "eko_outbox_lag_seconds", Help: "Age of the oldest pending event.",
	})
	deliverySeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name: "eko_outbox_delivery_seconds", Help: "Duration of one delivery attempt.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
	})
)
