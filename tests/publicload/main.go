// Command publicload measures the public site on the real all-in-one
// process over loopback, with the region's directory (the small region's
// organisations and made-up ones up to -organisations), next to a static
// file of the same size served by net/http in the same run:
//
//   - the directory's first page, at saturation and at a fixed rate (the
//     issue asks ≥ 2,000 page views a second on this machine);
//   - organisations' cards, each a different one, and searches with typos
//     rotating through many queries (most answered from the rendered
//     snapshot, the first of each made);
//   - a CDN revalidating the directory page with If-None-Match (304).
//
// Usage: go run ./tests/publicload [-duration 10s] [-rate 2000] [-organisations 4000]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/google/uuid"

	publicsiteapi "github.com/kuzbass/eko/functions/public-site/api"

	"github.com/kuzbass/eko/tests/loadrun"
)

type options struct {
	adminURL      string
	duration      time.Duration
	rate          int
	clients       int
	organisations int
	keep          bool
}

func main() {
	var o options
	flag.StringVar(&o.adminURL, "admin", loadrun.DefaultAdminURL(), "a PostgreSQL URL allowed to CREATE DATABASE")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each phase")
	flag.IntVar(&o.rate, "rate", 2000, "page views per second of the fixed-rate phase")
	flag.IntVar(&o.clients, "clients", 32, "concurrent clients of the saturation phases")
	flag.IntVar(&o.organisations, "organisations", 4000, "organisations in the directory (made up beyond the small region's)")
	flag.BoolVar(&o.keep, "keep", false, "keep the database afterwards")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "publicload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	// The snapshot is read again every second, so that the made-up
	// organisations are in it soon after they are written.
	os.Setenv("PUBLIC_SITE_REFRESH", "1s")
	t0 := time.Now()
	sys, err := loadrun.Start(ctx, loadrun.SystemOptions{AdminURL: o.adminURL, Prefix: "eko_public_", Conns: 8})
	defer sys.Close(ctx, o.keep)
	if err != nil {
		return err
	}
	if _, err := sys.Pool.Exec(ctx, `INSERT INTO registry.organisations (id, code, kind, full_name, short_name, inn, ogrn, address, municipality_id,
			phone, email, website, licence_number, licence_date, licence_issuer)
		SELECT gen_random_uuid(), 'load-' || i, CASE WHEN i % 3 = 0 THEN 'kindergarten' ELSE 'school' END,
			'Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № ' || (100 + i) || '»',
			'МБОУ «СОШ № ' || (100 + i) || '»', lpad((5000000000 + i)::text, 10, '0'), lpad((1000000000000 + i)::text, 13, '0'),
			'ул. Учебная, ' || i, (SELECT id FROM registry.municipalities ORDER BY code LIMIT 1 OFFSET i % 2),
			'+7 (3842) 00-00-00', 'load' || i || '@edu.kuzbass.example', 'https://load' || i || '.edu.kuzbass.example',
			'Л035-01226-42/' || lpad(i::text, 8, '0'), date '2018-01-01', 'Министерство образования Кузбасса'
		FROM generate_series(1, greatest(0, $1 - (SELECT count(*) FROM registry.organisations))) i`, o.organisations); err != nil {
		return err
	}
	site := publicsiteapi.Prefix
	var ids []uuid.UUID
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(300 * time.Millisecond) {
		var list []publicsiteapi.OpenOrganisation
		code, body := loadrun.Call(sys.Client, http.MethodGet, sys.URL+site+"open-data/organisations.json", "", nil)
		if code == http.StatusOK && json.Unmarshal(body, &list) == nil && len(list) >= o.organisations {
			for _, x := range list {
				ids = append(ids, x.ID)
			}
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the public site's snapshot has not got the %d organisations: %d %.200s", o.organisations, code, body)
		}
	}
	code, page := loadrun.Call(sys.Client, http.MethodGet, sys.URL+site+"organisations", "", nil)
	if code != http.StatusOK {
		return fmt.Errorf("the directory: %d %.300s", code, page)
	}
	static, err := loadrun.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "organisations.html", t0, bytes.NewReader(page))
	}))
	if err != nil {
		return err
	}
	fmt.Printf("  %s: %d organisations in the directory, its first page %d bytes, in %s\n", sys.DB.Name, len(ids), len(page), time.Since(t0).Round(time.Millisecond))

	get := func(base, path string, header ...string) func(int) *http.Request {
		return func(int) *http.Request {
			req, _ := http.NewRequest(http.MethodGet, base+path, nil)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			return req
		}
	}
	queries := []string{"школа", "шкала", "сош", "детский сад", "кемерово", "новокузнецк", "учебная", "гимназия", "лицей", "№ 1"}
	var rows []loadrun.Result
	phase := func(endpoint, what string, l loadrun.Load, fixed bool, req func(int) *http.Request) loadrun.Result {
		r := loadrun.Drive(sys.Client, l, fixed, req)
		r.Endpoint, r.What = endpoint, what
		fmt.Println(r.Line())
		rows = append(rows, r)
		return r
	}
	sat := loadrun.Load{Duration: o.duration, Clients: o.clients}
	fixed := loadrun.Load{Duration: o.duration, Rate: o.rate}
	bare := phase("static file", "the directory page, saturation", sat, false, get(static, "/"))
	dir := phase("EKO endpoint", "the directory page, saturation", sat, false, get(sys.URL, site+"organisations"))
	phase("static file", fmt.Sprintf("the directory page, %d/s", o.rate), fixed, true, get(static, "/"))
	phase("EKO endpoint", fmt.Sprintf("the directory page, %d/s", o.rate), fixed, true, get(sys.URL, site+"organisations"))
	phase("EKO endpoint", "cards, each another, saturation", sat, false, func(i int) *http.Request {
		return get(sys.URL, site+"organisations/"+ids[i%len(ids)].String())(i)
	})
	phase("EKO endpoint", "searches of 1,000 queries, saturation", sat, false, func(i int) *http.Request {
		q := url.Values{"q": {fmt.Sprintf("%s %d", queries[i%len(queries)], i%100)}}
		return get(sys.URL, site+"organisations?"+q.Encode())(i)
	})
	rec, _ := http.NewRequest(http.MethodGet, sys.URL+site+"organisations", nil)
	resp, err := sys.Client.Do(rec)
	if err != nil {
		return err
	}
	resp.Body.Close()
	phase("EKO endpoint", "the directory page revalidated (304), saturation", sat, false, get(sys.URL, site+"organisations", "If-None-Match", resp.Header.Get("ETag")))

	fmt.Printf("\n%s, %d CPUs; %d organisations; %d clients\n\n", time.Now().Format("2006-01-02 15:04"), runtime.NumCPU(), len(ids), o.clients)
	loadrun.PrintTable(rows)
	fmt.Printf("\nEKO / static file, the directory page at saturation: %.2f×\n", dir.Throughput()/bare.Throughput())
	return nil
}
