#!/usr/bin/env bash
# minio.sh start|stop|env — a real MinIO for `make run` and `make test`.
#
# start: reuses S3_ENDPOINT when it answers, or a MinIO already answering on
#        127.0.0.1:${MINIO_PORT:-9000}; otherwise builds MinIO once from the Go
#        module proxy (pinned, cached in ${EKO_CACHE:-~/.cache/eko}/bin) and starts
#        it in the background with its data in $EKO_DATA/minio, its pid in
#        $EKO_DATA/minio.pid and its log in $EKO_DATA/minio.log.
#        It prints "started" on stdout when it started a server, "reused" otherwise,
#        so the caller knows whether to stop it; progress goes to stderr.
# stop:  stops only the server this script started (the pid in $EKO_DATA/minio.pid,
#        and only if that pid is still this MinIO).
# env:   prints the export line of the S3_* variables, for eval.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
data=${EKO_DATA:-$root/.data}
cache=${EKO_CACHE:-$HOME/.cache/eko}
port=${MINIO_PORT:-9000}
module=github.com/minio/minio
version=v0.0.0-20260212201848-7aac2a2c5b7c # pinned; bump deliberately
user=${MINIO_ROOT_USER:-eko-dev}
pass=${MINIO_ROOT_PASSWORD:-eko-dev-secret-key}
bin=$cache/bin/minio
pidfile=$data/minio.pid
logfile=$data/minio.log

say() { echo "minio: $*" >&2; }

# live URL-BASE: MinIO's liveness probe answers 200.
live() { curl -fs -o /dev/null --max-time 2 "$1/minio/health/live"; }

# installed_version: the module version the cached binary was built from, if any.
installed_version() {
	[ -x "$bin" ] || return 0
	go version -m "$bin" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

build() {
	local tmp pid started=$SECONDS next=15
	say "building $module@$version into $bin (once, a few minutes; log in $cache/minio-build.log)"
	mkdir -p "$cache/bin"
	tmp=$(mktemp -d "$cache/bin/.minio-build.XXXXXX")
	GOBIN=$tmp go install "$module@$version" >"$cache/minio-build.log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if [ $((SECONDS - started)) -ge "$next" ]; then
			say "still building ($((SECONDS - started))s) $(tail -n 1 "$cache/minio-build.log" 2>/dev/null || true)"
			next=$((next + 15))
		fi
	done
	if ! wait "$pid" || [ ! -x "$tmp/minio" ]; then
		say "build failed; last lines of $cache/minio-build.log:"
		tail -n 30 "$cache/minio-build.log" >&2 || true
		rm -rf "$tmp"
		exit 1
	fi
	mv -f "$tmp/minio" "$bin" # atomic: a half-built binary never sits at $bin
	rm -rf "$tmp"
	say "built in $((SECONDS - started))s"
}

# ours: the pid in $pidfile is alive and is the MinIO this script starts.
ours() {
	local pid args
	[ -f "$pidfile" ] || return 1
	pid=$(cat "$pidfile")
	[ -n "$pid" ] || return 1
	args=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
	case "$args" in
	*"$bin server $data/minio"*) return 0 ;;
	*) return 1 ;;
	esac
}

stop() {
	local pid i
	if ! ours; then
		rm -f "$pidfile"
		return 0
	fi
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null || true
	for i in $(seq 1 40); do
		kill -0 "$pid" 2>/dev/null || break
		[ "$i" = 40 ] && { say "pid $pid ignored SIGTERM for 10s; killing it"; kill -9 "$pid" 2>/dev/null || true; }
		sleep 0.25
	done
	rm -f "$pidfile"
	say "stopped pid $pid"
}

start() {
	command -v curl >/dev/null || { say "curl is required"; exit 1; }
	local scheme=http
	[ "${S3_USE_SSL:-false}" = true ] && scheme=https
	if [ -n "${S3_ENDPOINT:-}" ] && live "$scheme://$S3_ENDPOINT"; then
		say "using S3_ENDPOINT=$S3_ENDPOINT"
		echo reused
		return 0
	fi
	mkdir -p "$data"
	# One start at a time (make run and make test may race); fd 9 is closed for MinIO
	# itself so that the lock ends with this script.
	exec 9>"$data/minio.lock"
	flock 9
	if live "http://127.0.0.1:$port"; then
		say "reusing the server on 127.0.0.1:$port"
		echo reused
		return 0
	fi
	ours && { say "our earlier server (pid $(cat "$pidfile")) does not answer; restarting it"; stop; }

	if [ "$(installed_version)" != "$version" ]; then
		build
	fi
	mkdir -p "$data/minio"
	MINIO_ROOT_USER=$user MINIO_ROOT_PASSWORD=$pass MINIO_BROWSER=off MINIO_UPDATE=off \
		nohup "$bin" server "$data/minio" --address "127.0.0.1:$port" --console-address "127.0.0.1:$((port + 1))" \
		</dev/null >"$logfile" 2>&1 9>&- &
	echo $! >"$pidfile"
	local deadline=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if live "http://127.0.0.1:$port"; then
			say "started on 127.0.0.1:$port (pid $(cat "$pidfile"), log $logfile)"
			echo started
			return 0
		fi
		kill -0 "$(cat "$pidfile")" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		say "not live on 127.0.0.1:$port after 60s; last lines of $logfile:"
	else
		say "exited before it was live on 127.0.0.1:$port; last lines of $logfile:"
	fi
	tail -n 30 "$logfile" >&2 || true
	stop
	exit 1
}

env_lines() {
	if [ -n "${S3_ENDPOINT:-}" ]; then
		printf 'export S3_ENDPOINT=%q S3_ACCESS_KEY=%q S3_SECRET_KEY=%q S3_BUCKET=%q S3_USE_SSL=%q\n' \
			"$S3_ENDPOINT" "${S3_ACCESS_KEY:-$user}" "${S3_SECRET_KEY:-$pass}" "${S3_BUCKET:-eko}" "${S3_USE_SSL:-false}"
		return
	fi
	printf 'export S3_ENDPOINT=%q S3_ACCESS_KEY=%q S3_SECRET_KEY=%q S3_BUCKET=%q S3_USE_SSL=false\n' \
		"127.0.0.1:$port" "$user" "$pass" "${S3_BUCKET:-eko}"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) env_lines ;;
*)
	echo "usage: $0 start|stop|env" >&2
	exit 2
	;;
esac
