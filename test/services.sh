#!/usr/bin/env bash
#
# test/services.sh — starts and stops the throwaway services the tests and
# the demo talk to, all on loopback.  The one place that knows how.
#
#   test/services.sh start [SERVICE...]   start services (default: all known)
#   test/services.sh stop                 stop everything started
#
# Each service writes its connection settings as shell assignments to
# $PG_INFER_SERVICES/env.sh, which callers source.  Services known today:
#   endpoint   the SageMaker-compatible test endpoint (test/endpoint/)
#
set -euo pipefail
cd "$(dirname "$0")/.."
state=${PG_INFER_SERVICES:-/tmp/pg_infer_services}

# Prints a free TCP port on 127.0.0.1
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until a log file shows a line matching $2, or fails after 30 s
wait_for_line() {
	for _ in $(seq 300); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "services: $1 never printed '$2':" >&2
	tail -20 "$1" >&2
	return 1
}

# Starts the SageMaker test endpoint
start_endpoint() {
	[ -f test/endpoint/server.js ] || return 0
	local port
	port=$(free_port)
	node test/endpoint/server.js --port "$port" >"$state/endpoint.log" 2>&1 &
	echo $! >"$state/endpoint.pid"
	wait_for_line "$state/endpoint.log" "listening on"
	echo "export PG_INFER_TEST_ENDPOINT=http://127.0.0.1:$port" >>"$state/env.sh"
}

case "${1:-}" in
start)
	shift
	mkdir -p "$state"
	: >"$state/env.sh"
	for service in "${@:-endpoint}"; do
		"start_$service"
	done
	;;
stop)
	for pidfile in "$state"/*.pid; do
		[ -e "$pidfile" ] || continue
		kill "$(cat "$pidfile")" 2>/dev/null || true
		rm -f "$pidfile"
	done
	;;
*)
	echo "usage: $0 start [SERVICE...] | stop" >&2
	exit 2
	;;
esac
