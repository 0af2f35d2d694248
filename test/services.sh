#!/usr/bin/env bash
#
# test/services.sh — starts and stops the throwaway services the tests and
# the demo talk to, all on loopback.  The one place that knows how.
#
#   test/services.sh start [SERVICE...]   start services (default: all known)
#   test/services.sh stop                 stop everything started
#   test/services.sh kill-mariadb         kill MariaDB at once (SIGKILL; tests)
#   test/services.sh restart-mariadb      start it again, same data and port
#
# Each service writes its connection settings as shell assignments to
# $PG_INFER_SERVICES/env.sh, which callers source.  Services known today:
#   endpoint   the SageMaker-compatible test endpoint (test/endpoint/)
#   mariadb    a MariaDB server with its own data directory, loaded with
#              test/mysql/*.sql (PG_INFER_MYSQL_PORT, _USER, _PASSWORD, _DB)
#   s3         s3rver behind a SigV4-verifying proxy, with the test objects
#              (test/s3/; none with PG_INFER_S3_FIXTURES=no; exports
#              PG_INFER_TEST_S3, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY)
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

# Runs mariadbd on the data directory in $state/mariadb and port $1
run_mariadbd() {
	local dir=$state/mariadb
	: >"$dir/error.log"
	mariadbd --no-defaults --user=root --datadir="$dir/data" \
		--bind-address=127.0.0.1 --port="$1" --socket="$dir/mysqld.sock" \
		--pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" \
		--skip-log-bin --innodb-buffer-pool-size=256M \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
		>/dev/null 2>&1 &
	echo $! >"$state/mariadb.pid"
	wait_for_line "$dir/error.log" "ready for connections"
}

# Starts a throwaway MariaDB server as root on loopback, its data in $state
start_mariadb() {
	local port dir=$state/mariadb
	port=$(free_port)
	rm -rf "$dir"
	mkdir -p "$dir"
	mariadb-install-db --no-defaults --user=root --datadir="$dir/data" \
		--auth-root-authentication-method=normal --skip-test-db \
		>"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; return 1; }
	run_mariadbd "$port"
	cat >>"$state/env.sh" <<-EOF
		export PG_INFER_MYSQL_PORT=$port
		export PG_INFER_MYSQL_USER=regress_app
		export PG_INFER_MYSQL_PASSWORD=regress-secret-$RANDOM$RANDOM
		export PG_INFER_MYSQL_DB=pg_infer_test
		export PG_INFER_MYSQL_SOCKET=$dir/mysqld.sock
	EOF
	# shellcheck disable=SC1091
	. "$state/env.sh"
	mariadb --no-defaults --default-character-set=utf8mb4 --socket="$dir/mysqld.sock" -uroot <<-EOF
		CREATE DATABASE $PG_INFER_MYSQL_DB;
		CREATE USER '$PG_INFER_MYSQL_USER'@'127.0.0.1' IDENTIFIED BY '$PG_INFER_MYSQL_PASSWORD';
		GRANT ALL ON $PG_INFER_MYSQL_DB.* TO '$PG_INFER_MYSQL_USER'@'127.0.0.1';
		GRANT PROCESS ON *.* TO '$PG_INFER_MYSQL_USER'@'127.0.0.1';
	EOF
	for f in test/mysql/*.sql; do
		[ -e "$f" ] || continue
		mariadb --no-defaults --default-character-set=utf8mb4 --socket="$dir/mysqld.sock" -uroot "$PG_INFER_MYSQL_DB" <"$f"
	done
}

# Starts s3rver behind the signature-verifying proxy, with the test objects
start_s3() {
	[ -d test/s3/node_modules ] || return 0
	local port
	port=$(free_port)
	# s3rver makes ListObjectsV2 continuation tokens with DES, which
	# OpenSSL 3 keeps in its legacy provider
	# (PG_INFER_S3_FIXTURES=no: an empty server, which starts and stops faster)
	node --openssl-legacy-provider test/s3/proxy.js --port "$port" \
		$([ "${PG_INFER_S3_FIXTURES:-yes}" = no ] || echo --fixtures) \
		>"$state/s3.log" 2>&1 &
	echo $! >"$state/s3.pid"
	wait_for_line "$state/s3.log" "listening on"
	# and the keys the proxy accepts (CREDENTIALS in test/s3/proxy.js)
	cat >>"$state/env.sh" <<-EOF
		export PG_INFER_TEST_S3=http://127.0.0.1:$port
		export PG_INFER_TEST_S3_ACCESS_KEY_ID=AKIDEXAMPLE
		export PG_INFER_TEST_S3_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
	EOF
}

case "${1:-}" in
start)
	shift
	mkdir -p "$state"
	: >"$state/env.sh"
	[ "$#" -gt 0 ] || set -- endpoint mariadb s3
	for service in "$@"; do
		"start_$service"
	done
	;;
stop)
	for pidfile in "$state"/*.pid; do
		[ -e "$pidfile" ] || continue
		pid=$(cat "$pidfile")
		kill "$pid" 2>/dev/null || true
		# wait (up to 10 s) so that nothing outlives the caller
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		rm -f "$pidfile"
	done
	;;
kill-mariadb)
	pid=$(cat "$state/mariadb.pid")
	kill -KILL "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$state/mariadb.pid"
	;;
restart-mariadb)
	# shellcheck disable=SC1091
	. "$state/env.sh"
	run_mariadbd "$PG_INFER_MYSQL_PORT"
	;;
*)
	echo "usage: $0 start [SERVICE...] | stop | kill-mariadb | restart-mariadb" >&2
	exit 2
	;;
esac
