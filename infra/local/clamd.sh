#!/usr/bin/env bash
# clamd.sh start|stop|env — ClamAV's daemon for `make run`, when Debian's
# clamav-daemon is installed: the files pupils and teachers upload are scanned
# before anyone else may download them.
#
# start: reuses CLAMD_ADDRESS when it answers PING, or a clamd already
#        answering on 127.0.0.1:${CLAMD_PORT:-3310}; otherwise starts clamd in
#        the background with its own configuration and signature database under
#        $EKO_DATA/clamd (the signatures are the freshclam databases when the
#        machine has them in /var/lib/clamav, else only the EICAR test file's:
#        nothing can be downloaded here). Prints "started", "reused" or
#        "absent" (clamd not installed: files are then accepted after the type
#        check only, and EKO says so once).
# stop:  stops only the clamd this script started.
# env:   prints the export line of CLAMD_ADDRESS, for eval (nothing when absent).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
data=${EKO_DATA:-$root/.data}
port=${CLAMD_PORT:-3310}
dir=$data/clamd
pidfile=$dir/clamd.pid
address=${CLAMD_ADDRESS:-127.0.0.1:$port}

say() { echo "clamd: $*" >&2; }

# ping: clamd at $address answers PONG.
ping() {
	local host=${address%:*} p=${address##*:} reply
	reply=$({ exec 3<>"/dev/tcp/$host/$p" && printf 'zPING\0' >&3 && IFS= read -r -d '' -t 2 r <&3 && printf %s "$r"; } 2>/dev/null) || true
	[ "$reply" = PONG ]
}

binary() { command -v clamd 2>/dev/null || { [ -x /usr/sbin/clamd ] && echo /usr/sbin/clamd; } || true; }

start() {
	if ping; then
		echo reused
		return
	fi
	local bin
	bin=$(binary)
	if [ -z "$bin" ]; then
		say "not installed (apt-get install clamav-daemon): uploaded files are checked by type only"
		echo absent
		return
	fi
	mkdir -p "$dir/db"
	if ls /var/lib/clamav/*.c[vl]d >/dev/null 2>&1; then
		cp -u /var/lib/clamav/*.c[vl]d "$dir/db/" 2>/dev/null || true
	fi
	# The EICAR test file, so that a scan can always be shown to work.
	printf '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n' >"$dir/db/eko.hdb"
	cat >"$dir/clamd.conf" <<CONF
Foreground no
PidFile $pidfile
DatabaseDirectory $dir/db
TCPSocket ${address##*:}
TCPAddr ${address%:*}
LogFile $dir/clamd.log
StreamMaxLength 25M
CONF
	"$bin" --config-file="$dir/clamd.conf" >>"$dir/clamd.log" 2>&1 || { say "did not start; see $dir/clamd.log"; echo absent; return; }
	for _ in $(seq 1 300); do
		ping && { say "scanning on $address"; echo started; return; }
		sleep 0.2
	done
	say "did not answer on $address; see $dir/clamd.log"
	echo absent
}

stop() {
	[ -f "$pidfile" ] || return 0
	kill "$(cat "$pidfile")" 2>/dev/null || true
	rm -f "$pidfile"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) if ping; then echo "export CLAMD_ADDRESS=$address"; fi ;;
*) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
