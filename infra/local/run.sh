#!/usr/bin/env bash
# run.sh — `make run`: the whole EKO stack on this machine, in the foreground.
#
# PostgreSQL and MinIO come from DATABASE_URL / S3_* when set, else they are reused
# or started (postgres.sh, minio.sh); the development identity provider starts on
# 127.0.0.1:9998 unless OIDC_ISSUER points elsewhere; migrations run; the all-in-one
# `eko` function serves 127.0.0.1:8080. Ctrl-C stops everything this script started.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export EKO_DATA=${EKO_DATA:-$root/.data}
bin=$EKO_DATA/bin
mkdir -p "$bin"

pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ "${clamd_started:-}" = started ] && infra/local/clamd.sh stop
	stop_stack
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. infra/local/stack.sh

# ClamAV scans uploaded files when clamav-daemon is installed (clamd.sh).
clamd_started=$(infra/local/clamd.sh start)
eval "$(infra/local/clamd.sh env)"

echo "run: building eko and the development identity provider" >&2
go build -o "$bin/eko" ./cmd/eko
go build -o "$bin/devidp" ./infra/devidp/cmd

export LISTEN_ADDRESS=${LISTEN_ADDRESS:-127.0.0.1:8080}
if [ -z "${OIDC_ISSUER:-}" ]; then
	export DEVIDP_ADDR=${DEVIDP_ADDR:-127.0.0.1:9998}
	export OIDC_ISSUER=http://$DEVIDP_ADDR
	DEVIDP_ISSUER=$OIDC_ISSUER DEVIDP_REDIRECT_URIS=${DEVIDP_REDIRECT_URIS:-http://$LISTEN_ADDRESS/auth/callback} \
		DEVIDP_POST_LOGOUT_URIS=${DEVIDP_POST_LOGOUT_URIS:-http://$LISTEN_ADDRESS/} \
		"$bin/devidp" >>"$EKO_DATA/devidp.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 50); do
		curl -fsS "$OIDC_ISSUER/.well-known/openid-configuration" >/dev/null 2>&1 && break
		sleep 0.2
	done
	curl -fsS "$OIDC_ISSUER/.well-known/openid-configuration" >/dev/null ||
		{ echo "run: the identity provider did not start; see $EKO_DATA/devidp.log" >&2; exit 1; }
	echo "run: development identity provider on $OIDC_ISSUER (GET /dev/token?login=parent1)" >&2
fi

"$bin/eko" migrate
# A new database gets the small synthetic region and the fixture identities, so
# that fixture logins (parent1, teacher-s1, ...) see their data at once.
SEED_IF_EMPTY=true SEED_SCALE=${SEED_SCALE:-small} "$bin/eko" seed

echo "run: EKO on http://$LISTEN_ADDRESS (readiness: /health/readiness)" >&2
"$bin/eko" &
pids+=($!)
wait "${pids[-1]}"
