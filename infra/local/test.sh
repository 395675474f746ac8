#!/usr/bin/env bash
# test.sh — `make test`: every test against a real PostgreSQL and a real MinIO,
# started the same way as for `make run`. Each test package creates its own fresh
# databases (shared/db/dbtest) and buckets (shared/storage/storagetest).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export EKO_DATA=${EKO_DATA:-$root/.data}
trap 'stop_stack' EXIT
. infra/local/stack.sh

# Browser tests drive a real headless Chromium from Debian's packages.
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM_PATH:-}" ]; then
	echo "test: installing chromium (Debian package) for the browser tests" >&2
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Uploaded files are scanned by a real clamd (Debian's clamav-daemon); the
# tests start their own with a signature database they make.
if ! command -v clamd >/dev/null 2>&1 && [ ! -x /usr/sbin/clamd ]; then
	echo "test: installing clamav-daemon (Debian package) for the malware-scan tests" >&2
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null
fi

# The restore drill (tests/drill) runs PostgreSQL clusters of its own: it needs
# the server's programs here even when the tests' PostgreSQL is elsewhere, and,
# as root, the postgres user to run them as.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
	echo "test: installing postgresql (Debian package) for the restore drill" >&2
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
	useradd --system postgres
fi

go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.data/*'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
# Kubernetes manifests, validated offline against the real Knative and Kubernetes
# API types (a module of its own, so its heavy dependencies stay out of the functions).
(cd infra/validate && go vet ./... && go test -count=1 ./...)
# Two cores: two packages at a time; the suite is sized for that. The portal's
# package (every page, Chromium, the lived-in year) takes ~12 minutes on a quiet
# machine: 30 minutes a package leaves room for a busy one.
go test -p 2 -count=1 -timeout 30m "${@:-./...}"
