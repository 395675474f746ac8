#!/usr/bin/env bash
# bench.sh — `make bench`: the benchmarks behind BENCHMARKS.md, against a real
# PostgreSQL and a real MinIO started the same way as for `make test`:
#   1. the Go benchmarks (registry import, in-process submission, kindergarten
#      allocation), each run BENCHTIME (default 1x: every one seeds a large
#      dataset of its own);
#   2. the load generator of the opening-morning peak (tests/load), driving the
#      real submission endpoint over loopback next to a bare pgx endpoint.
#   3. the class journal at region scale (tests/journalload): ten million marks,
#      then the class save and the diary week next to bare pgx, and the
#      aggregates of a school and of the region (JOURNAL_ARGS).
#   4. homework's evening peak (tests/homeworkload): ten million submissions,
#      then upload tickets, confirming uploaded files and a pupil's homework
#      list next to bare pgx + minio-go, and the review → journal mark lag with
#      the relay running (HOMEWORK_ARGS).
#   5. portfolios (tests/portfolioload): a pupil's portfolio of 200 among a
#      million achievements next to bare pgx, verifying credentials per core,
#      year-mark events applied through the relay (PORTFOLIO_ARGS).
#   6. the report season (tests/reportload): submissions of a 500-cell form
#      next to bare pgx, the dashboard, consolidation and the region's XLSX
#      over 1,800 submissions, opening ОО-1 prefilled for 1,800 schools
#      (REPORT_ARGS).
#   7. the public site (tests/publicload): the directory page of 4,000
#      organisations next to a static file of its size served by net/http,
#      cards, searches with typos, revalidations (PUBLIC_ARGS).
# Arguments go to the load generator (e.g. -rate 1000 -duration 10s).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export EKO_DATA=${EKO_DATA:-$root/.data}
trap 'stop_stack' EXIT
. infra/local/stack.sh

echo "== Go benchmarks (-benchtime ${BENCHTIME:-1x})"
go test -p 1 -count=1 -timeout 30m -run '^$' -bench "${BENCH:-.}" -benchtime "${BENCHTIME:-1x}" ./...
echo
echo "== Opening-morning peak: go run ./tests/load $*"
go run ./tests/load "$@"
echo
echo "== The class journal at region scale: go run ./tests/journalload ${JOURNAL_ARGS:-}"
# shellcheck disable=SC2086 # JOURNAL_ARGS is a list of flags
go run ./tests/journalload ${JOURNAL_ARGS:-}
echo
echo "== Homework's evening peak: go run ./tests/homeworkload ${HOMEWORK_ARGS:-}"
# shellcheck disable=SC2086 # HOMEWORK_ARGS is a list of flags
go run ./tests/homeworkload ${HOMEWORK_ARGS:-}
echo
echo "== Portfolios: go run ./tests/portfolioload ${PORTFOLIO_ARGS:-}"
# shellcheck disable=SC2086 # PORTFOLIO_ARGS is a list of flags
go run ./tests/portfolioload ${PORTFOLIO_ARGS:-}
echo
echo "== The report season: go run ./tests/reportload ${REPORT_ARGS:-}"
# shellcheck disable=SC2086 # REPORT_ARGS is a list of flags
go run ./tests/reportload ${REPORT_ARGS:-}
echo
echo "== The public site: go run ./tests/publicload ${PUBLIC_ARGS:-}"
# shellcheck disable=SC2086 # PUBLIC_ARGS is a list of flags
go run ./tests/publicload ${PUBLIC_ARGS:-}
