#!/usr/bin/env bash
# postgres.sh start|stop|env — a PostgreSQL for `make run` and `make test`.
#
# start: uses DATABASE_URL's server when set; else a server answering on
#        127.0.0.1:${PG_PORT:-5432}; else creates a cluster under $EKO_DATA/pg
#        (installing PostgreSQL from Debian packages if absent) and starts it.
#        It prints "started" on stdout when it started a server, "reused" otherwise,
#        so the caller knows whether to stop it.
# stop:  stops only a cluster this script created.
# env:   prints the export lines for DATABASE_URL and TEST_DATABASE_URL.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
data=${EKO_DATA:-$root/.data}
port=${PG_PORT:-5432}
db=${PG_DATABASE:-eko}
pgdata=$data/pg

pg_bin() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	return 1
}

answers() { # host port
	if command -v pg_isready >/dev/null 2>&1; then
		pg_isready -q -h "$1" -p "$2" -t 2
	else
		(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
	fi
}

admin_url() { echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"; }

ensure_db() {
	psql "$(admin_url)" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
		psql "$(admin_url)" -qc "CREATE DATABASE \"$db\"" >&2
}

start() {
	if [ -n "${DATABASE_URL:-}" ]; then
		echo "postgres: using DATABASE_URL" >&2
		echo reused
		return 0
	fi
	if answers 127.0.0.1 "$port"; then
		echo "postgres: reusing the server on 127.0.0.1:$port" >&2
		ensure_db
		echo reused
		return 0
	fi
	local bin
	if ! bin=$(pg_bin); then
		echo "postgres: installing PostgreSQL from Debian packages" >&2
		if [ "$(id -u)" = 0 ]; then
			DEBIAN_FRONTEND=noninteractive apt-get update -qq
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null
		else
			echo "postgres: not root; install the postgresql package first" >&2
			exit 1
		fi
		bin=$(pg_bin)
	fi
	mkdir -p "$data"
	local run=()
	if [ "$(id -u)" = 0 ]; then
		# PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
		id postgres >/dev/null 2>&1 || useradd --system --home-dir "$pgdata" postgres
		run=(runuser -u postgres --)
		mkdir -p "$pgdata"
		chown postgres "$pgdata"
	fi
	if [ ! -s "$pgdata/PG_VERSION" ]; then
		echo "postgres: creating a cluster in $pgdata" >&2
		"${run[@]}" "$bin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	fi
	"${run[@]}" "$bin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
		-o "-h 127.0.0.1 -p $port -k /tmp -c fsync=on -c synchronous_commit=on" start >&2
	touch "$data/pg.started-by-eko"
	ensure_db
	echo started
}

stop() {
	[ -f "$data/pg.started-by-eko" ] || return 0
	local bin run=()
	bin=$(pg_bin)
	[ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
	"${run[@]}" "$bin/pg_ctl" -D "$pgdata" -m fast stop >&2 || true
	rm -f "$data/pg.started-by-eko"
}

env_lines() {
	if [ -n "${DATABASE_URL:-}" ]; then
		echo "export DATABASE_URL='$DATABASE_URL'"
		echo "export TEST_DATABASE_URL='${TEST_DATABASE_URL:-$DATABASE_URL}'"
		return
	fi
	echo "export DATABASE_URL='postgres://postgres@127.0.0.1:$port/$db?sslmode=disable'"
	echo "export TEST_DATABASE_URL='$(admin_url)'"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) env_lines ;;
*) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
