package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// stats of one phase.
type stats struct {
	sent      int
	accepted  int // 201
	statuses  map[int]int
	errors    int // transport errors
	overflow  int // requests the generator could not send: maxInFlight of its own requests were outstanding
	exhausted bool
	elapsed   time.Duration
	latencies []time.Duration // of accepted requests
	slowest   time.Duration   // of any answer, accepted or not
}

func (s *stats) throughput() float64 { return float64(s.accepted) / s.elapsed.Seconds() }

func (s *stats) pct(p float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	return s.latencies[int(float64(len(s.latencies)-1)*p)]
}

func (s *stats) line() string {
	out := fmt.Sprintf("sent %6d  accepted %6d  %7.0f/s  p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms",
		s.sent, s.accepted, s.throughput(), ms(s.pct(0.50)), ms(s.pct(0.99)), ms(s.pct(1)))
	var others []string
	for code, n := range s.statuses {
		if code != 201 {
			others = append(others, fmt.Sprintf("%d×%d", n, code))
		}
	}
	if s.errors > 0 {
		others = append(others, fmt.Sprintf("%d transport errors", s.errors))
	}
	if s.overflow > 0 {
		others = append(others, fmt.Sprintf("%d not sent (generator at %d in flight)", s.overflow, maxInFlight))
	}
	if s.exhausted {
		others = append(others, "parents exhausted")
	}
	if len(others) > 0 {
		others = append(others, fmt.Sprintf("slowest answer %.1f ms", ms(s.slowest)))
	}
	if len(others) > 0 {
		slices.Sort(others)
		out += fmt.Sprintf("  (%v)", others)
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// recorder collects outcomes from many goroutines.
type recorder struct {
	mu sync.Mutex
	s  stats
}

func (r *recorder) add(code int, err error, lat time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.sent++
	if err != nil {
		r.s.errors++
		return
	}
	r.s.statuses[code]++
	r.s.slowest = max(r.s.slowest, lat)
	if code == 201 {
		r.s.accepted++
		r.s.latencies = append(r.s.latencies, lat)
	}
}

func (r *recorder) done(start time.Time) stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.elapsed = time.Since(start)
	sort.Slice(r.s.latencies, func(i, j int) bool { return r.s.latencies[i] < r.s.latencies[j] })
	return r.s
}

// budget hands out request numbers until the phase's share of parents is used up.
type budget struct {
	next, end atomic.Int64
}

func (b *budget) take() (int, bool) {
	i := b.next.Add(1) - 1
	return int(i), i < b.end.Load()
}

// saturate runs clients closed-loop for d (or until the budget is used up).
func saturate(ctx context.Context, target func(context.Context, int) (int, error), clients int, d time.Duration, b *budget) stats {
	rec := &recorder{s: stats{statuses: map[int]int{}}}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	var exhausted atomic.Bool
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i, ok := b.take()
				if !ok {
					exhausted.Store(true)
					return
				}
				t0 := time.Now()
				code, err := target(context.WithoutCancel(ctx), i)
				if ctx.Err() != nil && err != nil {
					return
				}
				rec.add(code, err, time.Since(t0))
			}
		}()
	}
	wg.Wait()
	s := rec.done(start)
	s.exhausted = exhausted.Load()
	return s
}

// maxInFlight bounds the outstanding requests of a fixed-rate phase.
const maxInFlight = 2048

// fixedRate sends rate requests per second for d, open loop: a request is due
// at its scheduled time whether or not earlier ones have been answered, and its
// latency counts from that time. At most maxInFlight requests are outstanding;
// a request that finds no slot is not sent and is counted as overflow (the
// server is not answering fast enough to keep the generator's requests bounded).
func fixedRate(ctx context.Context, target func(context.Context, int) (int, error), rate int, d time.Duration, b *budget) stats {
	rec := &recorder{s: stats{statuses: map[int]int{}}}
	slots := make(chan struct{}, maxInFlight)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	total := int(d / interval)
	var wg sync.WaitGroup
	exhausted := false
	for n := 0; n < total && ctx.Err() == nil; n++ {
		due := start.Add(time.Duration(n) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		i, ok := b.take()
		if !ok {
			exhausted = true
			break
		}
		select {
		case slots <- struct{}{}:
		default:
			rec.mu.Lock()
			rec.s.sent++
			rec.s.overflow++
			rec.mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			code, err := target(ctx, i)
			rec.add(code, err, time.Since(due))
		}()
		if n%256 == 0 {
			runtime.Gosched()
		}
	}
	wg.Wait()
	s := rec.done(start)
	s.exhausted = exhausted
	return s
}
