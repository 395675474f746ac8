// Package loadrun drives the load generators' phases over loopback: a
// phase is either closed-loop clients at saturation or requests started at a
// fixed rate (each in its own goroutine, so a slow answer does not slow the
// arrivals); its result is a line for the console and a row for
// BENCHMARKS.md. It also serves a handler on loopback and fetches the
// development identity provider's tokens.
package loadrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Load is how a phase drives its endpoint.
type Load struct {
	Duration time.Duration
	Rate     int // requests per second of a fixed-rate phase
	Clients  int // closed-loop clients of a saturation phase
}

// Serve serves h on a loopback port and returns its base URL.
func Serve(h http.Handler) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = (&http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}).Serve(l) }()
	return "http://" + l.Addr().String(), nil
}

// Token is an access token of a fixture login from the development identity provider.
func Token(c *http.Client, issuer, login string) (string, error) {
	resp, err := c.Get(issuer + "/dev/token?login=" + login)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	return t.AccessToken, json.NewDecoder(resp.Body).Decode(&t)
}

// Call sends one request with token and returns the status and the body.
func Call(c *http.Client, method, u, token string, body []byte) (int, []byte) {
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// Result is one phase: what it drove and how the endpoint answered.
type Result struct {
	Endpoint, What string
	Fixed          bool
	Done, Sent     int
	Others         map[int]int // answers other than 2xx, by status
	Errors         int         // transport errors
	Elapsed        time.Duration
	Lat            []time.Duration // of the 2xx answers, sorted
}

// Add counts one answer (status code, or a transport error) that took d;
// the caller serialises concurrent adds.
func (r *Result) Add(code int, err error, d time.Duration) {
	r.Sent++
	switch {
	case err != nil:
		r.Errors++
	case code == 200 || code == 201 || code == 204 || code == 304: // 304: a conditional GET answered
		r.Done++
		r.Lat = append(r.Lat, d)
	default:
		r.Others[code]++
	}
}

// DefaultAdminURL is TEST_DATABASE_URL, or the local PostgreSQL's
// postgres database: where a run creates its own database.
func DefaultAdminURL() string {
	if v := os.Getenv("TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Throughput is the 2xx answers per second.
func (r Result) Throughput() float64 { return float64(r.Done) / r.Elapsed.Seconds() }

// Pct is the p-quantile of the latencies, in milliseconds.
func (r Result) Pct(p float64) float64 {
	if len(r.Lat) == 0 {
		return math.NaN()
	}
	return float64(r.Lat[int(float64(len(r.Lat)-1)*p)].Microseconds()) / 1000
}

func (r Result) otherText() string {
	s := ""
	for code, n := range r.Others {
		s += fmt.Sprintf("%d×%d ", n, code)
	}
	if r.Errors > 0 {
		s += fmt.Sprintf("%d transport errors", r.Errors)
	}
	return s
}

// Line is the phase's console line.
func (r Result) Line() string {
	return fmt.Sprintf("  %-13s %-34s done %6d  %7.0f/s  p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  %s",
		r.Endpoint, r.What, r.Done, r.Throughput(), r.Pct(0.5), r.Pct(0.99), r.Pct(1), r.otherText())
}

// Markdown is the phase's row of the table «| endpoint | load | done |
// throughput | p50 | p99 | max | other answers |».
func (r Result) Markdown() string {
	return fmt.Sprintf("| %s | %s, %s | %d | %.0f/s | %.1f ms | %.1f ms | %.1f ms | %s |",
		r.Endpoint, r.What, r.Elapsed.Round(time.Second), r.Done, r.Throughput(), r.Pct(0.5), r.Pct(0.99), r.Pct(1), r.otherText())
}

// Drive runs one phase: o.Clients closed-loop clients, or (fixed) requests
// started at o.Rate per second.
func Drive(c *http.Client, o Load, fixed bool, req func(int) *http.Request) Result {
	r := Result{Fixed: fixed, Others: map[int]int{}}
	var mu sync.Mutex
	record := func(code int, err error, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		r.Add(code, err, d)
	}
	one := func(i int) {
		t := time.Now()
		resp, err := c.Do(req(i))
		code := 0
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			code = resp.StatusCode
		}
		record(code, err, time.Since(t))
	}
	start := time.Now()
	end := start.Add(o.Duration)
	var wg sync.WaitGroup
	if fixed {
		interval := time.Second / time.Duration(o.Rate)
		for i := 0; time.Now().Before(end); i++ {
			wg.Add(1)
			go func() { defer wg.Done(); one(i) }()
			time.Sleep(time.Until(start.Add(time.Duration(i+1) * interval)))
		}
	} else {
		var next atomic.Int64
		for range o.Clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(end) {
					one(int(next.Add(1)))
				}
			}()
		}
	}
	wg.Wait()
	r.Elapsed = time.Since(start)
	slices.Sort(r.Lat)
	return r
}

// PrintTable prints the phases as BENCHMARKS.md's table, then EKO's
// throughput over the bare endpoint's for each saturation phase that
// follows its bare twin.
func PrintTable(rows []Result) {
	fmt.Println("| endpoint | load | done | throughput | p50 | p99 | max | other answers |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r.Markdown())
	}
	for i := 0; i+1 < len(rows); i++ {
		if rows[i].Endpoint == "bare pgx" && rows[i+1].Endpoint == "EKO endpoint" && rows[i].Throughput() > 0 && !rows[i].Fixed {
			fmt.Printf("\nEKO / bare, %s: %.2f×", rows[i].What, rows[i+1].Throughput()/rows[i].Throughput())
		}
	}
	fmt.Println()
}
