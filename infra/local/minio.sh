#!/usr/bin/env bash
# minio.sh start|stop|env — a real MinIO for `make run` and `make test`.
#
# start: reuses S3_ENDPOINT when it answers, or a MinIO already answering on
#        127.0.0.1:${MINIO_PORT:-9000}; otherwise builds MinIO once from the Go
#        module proxy (pinned, cached in ${EKO_CACHE:-~/.cache/eko}/bin) and starts
#        it with its data in $EKO_DATA/minio.
#        It prints "started" on stdout when it started a server, "reused" otherwise,
#        so the caller knows whether to stop it.
# stop:  stops only a server this script started.
# env:   prints the export lines of the S3_* variables.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
data=${EKO_DATA:-$root/.data}
cache=${EKO_CACHE:-$HOME/.cache/eko}
port=${MINIO_PORT:-9000}
version=v0.0.0-20260212201848-7aac2a2c5b7c # github.com/minio/minio, pinned
user=${MINIO_ROOT_USER:-eko-dev}
pass=${MINIO_ROOT_PASSWORD:-eko-dev-secret-key}
bin=$cache/bin/minio

live() { curl -fs -o /dev/null --max-time 2 "http://$1/minio/health/live"; }

start() {
	if [ -n "${S3_ENDPOINT:-}" ] && live "$S3_ENDPOINT"; then
		echo "minio: using S3_ENDPOINT=$S3_ENDPOINT" >&2
		echo reused
		return 0
	fi
	if live "127.0.0.1:$port"; then
		echo "minio: reusing the server on 127.0.0.1:$port" >&2
		echo reused
		return 0
	fi
	if [ ! -x "$bin" ] || [ "$(cat "$bin.version" 2>/dev/null)" != "$version" ]; then
		echo "minio: building github.com/minio/minio@$version into $bin (a few minutes, once)" >&2
		mkdir -p "$cache/bin"
		GOBIN="$cache/bin" GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$version" >&2
		echo "$version" >"$bin.version"
	fi
	mkdir -p "$data/minio"
	MINIO_ROOT_USER=$user MINIO_ROOT_PASSWORD=$pass MINIO_BROWSER=off MINIO_UPDATE=off \
		nohup "$bin" server "$data/minio" --address "127.0.0.1:$port" --console-address "127.0.0.1:$((port + 1))" \
		>"$data/minio.log" 2>&1 &
	echo $! >"$data/minio.pid"
	for _ in $(seq 1 120); do
		live "127.0.0.1:$port" && { echo "minio: started on 127.0.0.1:$port" >&2; echo started; return 0; }
		kill -0 "$(cat "$data/minio.pid")" 2>/dev/null || break
		sleep 0.5
	done
	echo "minio: did not start; last log lines:" >&2
	tail -n 30 "$data/minio.log" >&2 || true
	exit 1
}

stop() {
	[ -f "$data/minio.pid" ] || return 0
	kill "$(cat "$data/minio.pid")" 2>/dev/null || true
	rm -f "$data/minio.pid"
}

env_lines() {
	if [ -n "${S3_ENDPOINT:-}" ]; then
		echo "export S3_ENDPOINT='$S3_ENDPOINT' S3_ACCESS_KEY='${S3_ACCESS_KEY:-$user}' S3_SECRET_KEY='${S3_SECRET_KEY:-$pass}'"
		return
	fi
	echo "export S3_ENDPOINT='127.0.0.1:$port' S3_ACCESS_KEY='$user' S3_SECRET_KEY='$pass' S3_USE_SSL=false"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) env_lines ;;
*) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
