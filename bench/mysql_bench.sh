#!/usr/bin/env bash
#
# bench/mysql_bench.sh — federated_mysql against mysql_fdw and the MariaDB
# client, in one run.
#
#   bash bench/mysql_bench.sh
#
# Installs what is missing (test/deps.sh bench: mysql_fdw too), builds the
# extension and installs it into a private copy of the PostgreSQL 15
# installation (so it runs without the system install, and without holding
# /tmp/pg_infer.lock for its ten minutes), starts a throwaway MariaDB
# (test/services.sh), generates a TPC-H-like orders table of
# $MYSQL_BENCH_ROWS rows (default 1,500,000) in it, and on a throwaway
# cluster of that copy times, best of $MYSQL_BENCH_RUNS (3) by wall clock
# around psql:
#
#   full scan    COPY (SELECT * FROM orders) TO '/dev/null'
#                (and `mariadb --quick` fetching the same rows: the client's
#                own limit)
#   group by     COPY (SELECT o_orderdate, count(*) FROM orders GROUP BY 1)
#   where        COPY (SELECT * FROM orders WHERE o_orderdate = '1995-03-15')
#                (an indexed column, about 600 rows)
#   insert       INSERT INTO <wrapper>.orders_ins SELECT * FROM a local
#                table of 100,000 rows (mysql_fdw: one run, it takes ~40 s)
#
# through federated_mysql and mysql_fdw, and the backend's peak RSS
# (VmHWM) after the full scan.  Writes the "## Federated MySQL" section of
# bench/RESULTS.md (and nothing else of it).
#
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rows=${MYSQL_BENCH_ROWS:-1500000}
runs=${MYSQL_BENCH_RUNS:-3}

if [ "${1:-}" != inner ]; then
	bash test/deps.sh bench
	work=$(mktemp -d /tmp/mysql_bench.XXXXXX)
	chmod 755 "$work"
	export PG_INFER_SERVICES=$work/services
	# a private copy of PostgreSQL: its binaries find share/ and lib/ next
	# to themselves, so the extension installs there with DESTDIR
	mkdir -p "$work/pg/usr/lib/postgresql" "$work/pg/usr/share/postgresql"
	cp -a /usr/lib/postgresql/15 "$work/pg/usr/lib/postgresql/"
	cp -a /usr/share/postgresql/15 "$work/pg/usr/share/postgresql/"
	make -s -j2 && make -s install DESTDIR="$work/pg" >/dev/null
	bin=$work/pg/usr/lib/postgresql/15/bin
	mkdir -p "$work/data" "$work/sock"
	chown postgres "$work/data" "$work/sock"
	pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	trap 'su postgres -c "$bin/pg_ctl -D $work/data -m fast stop" >/dev/null 2>&1; bash test/services.sh stop; rm -rf "$work"' EXIT
	su postgres -c "$bin/initdb -D $work/data -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
	su postgres -c "$bin/pg_ctl -D $work/data -l $work/sock/log -w start -o '-p $pgport -k $work/sock -c listen_addresses= -c shared_preload_libraries=pg_infer'" >/dev/null
	export PGHOST=$work/sock PGPORT=$pgport PGUSER=postgres PGDATABASE=postgres
	bash test/services.sh start mariadb
	# shellcheck disable=SC1091
	. "$PG_INFER_SERVICES/env.sh"
	echo "== generating $rows orders in MariaDB" >&2
	mariadb --no-defaults --socket="$PG_INFER_MYSQL_SOCKET" -uroot "$PG_INFER_MYSQL_DB" <<-SQL
		DROP TABLE IF EXISTS orders, orders_ins;
		CREATE TABLE orders (
		  o_orderkey int PRIMARY KEY, o_custkey int NOT NULL,
		  o_orderstatus char(1) NOT NULL, o_totalprice decimal(15,2) NOT NULL,
		  o_orderdate date NOT NULL, o_orderpriority varchar(15) NOT NULL,
		  o_clerk varchar(15) NOT NULL, o_shippriority int NOT NULL,
		  o_comment varchar(79) NOT NULL, KEY (o_orderdate)
		) DEFAULT CHARSET = utf8mb4;
		INSERT INTO orders
		SELECT seq, 1 + (seq * 7) % 150000, ELT(1 + seq % 3, 'F', 'O', 'P'),
		       ROUND(850 + (seq * 7919) % 55000000 / 100, 2),
		       DATE '1992-01-01' + INTERVAL (seq * 13) % 2400 DAY,
		       ELT(1 + seq % 5, '1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'),
		       CONCAT('Clerk#', LPAD(1 + seq % 1000, 9, '0')), 0,
		       SUBSTRING(CONCAT('furiously regular deposits sleep ', MD5(seq), ' ', MD5(seq + 1)), 1, 19 + seq % 60)
		FROM seq_1_to_$rows;
		CREATE TABLE orders_ins LIKE orders;
		ANALYZE TABLE orders;
	SQL
	# the timed part holds the benchmark lock: two benchmarks never run at once
	flock -o /tmp/pg_infer.bench.lock bash "$0" inner
	exit
fi

# --- inside the throwaway cluster ---
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Milliseconds since the epoch
now_ms() { date +%s%3N; }

# Best wall-clock milliseconds of $runs runs of a command
best_of() {
	local best="" t0 t1
	for _ in $(seq "$runs"); do
		t0=$(now_ms)
		"$@" >/dev/null || return 1
		t1=$(now_ms)
		if [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
	done
	echo "$best"
}

psql <<-SQL
	CREATE EXTENSION pg_infer;
	CREATE EXTENSION mysql_fdw;
	CREATE SERVER fm FOREIGN DATA WRAPPER federated_mysql
	  OPTIONS (host '127.0.0.1', port '$PG_INFER_MYSQL_PORT', dbname '$PG_INFER_MYSQL_DB');
	CREATE USER MAPPING FOR CURRENT_USER SERVER fm
	  OPTIONS (username '$PG_INFER_MYSQL_USER', password '$PG_INFER_MYSQL_PASSWORD');
	CREATE SERVER mf FOREIGN DATA WRAPPER mysql_fdw
	  OPTIONS (host '127.0.0.1', port '$PG_INFER_MYSQL_PORT');
	CREATE USER MAPPING FOR CURRENT_USER SERVER mf
	  OPTIONS (username '$PG_INFER_MYSQL_USER', password '$PG_INFER_MYSQL_PASSWORD');
	CREATE SCHEMA fm;
	CREATE SCHEMA mf;
	IMPORT FOREIGN SCHEMA "$PG_INFER_MYSQL_DB" FROM SERVER fm INTO fm;
	IMPORT FOREIGN SCHEMA "$PG_INFER_MYSQL_DB" FROM SERVER mf INTO mf;
	CREATE TABLE ins_source AS SELECT * FROM fm.orders WHERE o_orderkey <= 100000;
SQL

# Times a statement through both wrappers: prints "fm_ms mf_ms"
both() {
	local fm mf
	fm=$(best_of psql -c "${1//@/fm}")
	mf=$(best_of psql -c "${1//@/mf}")
	echo "$fm $mf"
}

# Peak RSS (kB) of a backend that ran a statement
peak_rss() {
	psql -t -A <<-SQL | tail -1
		SELECT pg_backend_pid() AS pid \gset
		\setenv BENCH_PID :pid
		$1;
		\! awk '/VmHWM/ {print \$2}' /proc/\$BENCH_PID/status
	SQL
}

echo "== full scan" >&2
read -r scan_fm scan_mf < <(both "COPY (SELECT * FROM @.orders) TO '/dev/null'")
scan_client=$(best_of mariadb --no-defaults --quick --batch --skip-column-names \
	-h127.0.0.1 -P"$PG_INFER_MYSQL_PORT" -u"$PG_INFER_MYSQL_USER" \
	-p"$PG_INFER_MYSQL_PASSWORD" "$PG_INFER_MYSQL_DB" -e "SELECT * FROM orders")
echo "== group by" >&2
read -r group_fm group_mf < <(both "COPY (SELECT o_orderdate, count(*) FROM @.orders GROUP BY 1) TO '/dev/null'")
echo "== where" >&2
read -r where_fm where_mf < <(both "COPY (SELECT * FROM @.orders WHERE o_orderdate = '1995-03-15') TO '/dev/null'")
echo "== insert" >&2
ins() {
	mariadb --no-defaults --socket="$PG_INFER_MYSQL_SOCKET" -uroot "$PG_INFER_MYSQL_DB" -e "TRUNCATE orders_ins"
	psql -c "INSERT INTO $1.orders_ins SELECT * FROM ins_source"
}
insert_fm=$(best_of ins fm) || insert_fm=failed
# mysql_fdw sends a row at a time (some 40 s): one run
insert_mf=$(runs=1 best_of ins mf) || insert_mf=failed
echo "== peak RSS" >&2
rss_base=$(peak_rss "SELECT 1")
rss_fm=$(peak_rss "COPY (SELECT * FROM fm.orders) TO '/dev/null'")
rss_mf=$(peak_rss "COPY (SELECT * FROM mf.orders) TO '/dev/null'")
plan_group=$(psql -t -A -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT o_orderdate, count(*) FROM fm.orders GROUP BY 1" | grep -m1 'Remote SQL' | sed 's/^ *//')

ratio() { python3 -c "a, b = '$1', '$2'; print(f'{float(a) / float(b):.2f}' if a.isdigit() and b.isdigit() else '–')"; }
fmt() { python3 -c "v = '$1'; print(f'{int(v):,}' if v.isdigit() else v)"; }
mysql_fdw_version=$(dpkg-query -W -f='${Version}' postgresql-15-mysql-fdw)
section=$(mktemp)
cat >"$section" <<-MD
	## Federated MySQL

	\`bash bench/mysql_bench.sh\`, run $(date -u '+%Y-%m-%d %H:%M') UTC on $(nproc) CPUs, PostgreSQL $(command psql -X -t -A -c 'SHOW server_version'), $(mariadbd --version | awk '{print $3}'), mysql_fdw $mysql_fdw_version. Load average when it started: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs on the machine are not stopped).

	A TPC-H-like \`orders\` table of $(fmt "$rows") rows (9 columns: integers, DECIMAL, DATE, CHAR, VARCHAR up to 79 characters) generated in MariaDB on loopback; both wrappers' tables made by IMPORT FOREIGN SCHEMA. Best of $runs runs, wall clock around \`psql -c\` (or the client).

	| query | federated_mysql ms | mysql_fdw ms | federated_mysql / mysql_fdw |
	| --- | ---: | ---: | ---: |
	| full scan \`COPY (SELECT * FROM orders) TO '/dev/null'\` | $(fmt "$scan_fm") | $(fmt "$scan_mf") | $(ratio "$scan_fm" "$scan_mf") |
	| per-day \`GROUP BY\` | $(fmt "$group_fm") | $(fmt "$group_mf") | $(ratio "$group_fm" "$group_mf") |
	| \`WHERE o_orderdate = '1995-03-15'\` (indexed, ~600 rows) | $(fmt "$where_fm") | $(fmt "$where_mf") | $(ratio "$where_fm" "$where_mf") |
	| \`INSERT\` of 100,000 rows (mysql_fdw: 1 run) | $(fmt "$insert_fm") | $(fmt "$insert_mf") | $(ratio "$insert_fm" "$insert_mf") |

	The client's own fetch of the same rows (\`mariadb --quick --batch -e 'SELECT * FROM orders' > /dev/null\`): $(fmt "$scan_client") ms; federated_mysql's full scan takes $(ratio "$scan_fm" "$scan_client") times as long.

	Backend peak RSS (VmHWM) after the full scan: federated_mysql $(fmt "$rss_fm") kB, mysql_fdw $(fmt "$rss_mf") kB (a backend that ran \`SELECT 1\`: $(fmt "$rss_base") kB).

	federated_mysql's plan for the per-day query: $plan_group
MD
python3 "$root/bench/results.py" "$root/bench/RESULTS.md" "$section"
cat "$section"
