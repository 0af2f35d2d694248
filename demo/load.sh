#!/usr/bin/env bash
#
# demo/load.sh — generates the demo's orders (demo/orders.py) and loads
# them into the database `sales` of the MariaDB that test/services.sh
# started (its settings in $PG_INFER_SERVICES/env.sh):
#
#   demo/load.sh [orders.py arguments...]
#
# Tables: `orders` (TPC-H's ORDERS columns) and `planted_days` (day,
# anomaly, kind): the anomalies the generator planted, to check the
# detectors against.
# The generator writes into a FIFO that LOAD DATA LOCAL INFILE reads, so
# generating and loading overlap and nothing large touches the disk.
#
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. "${PG_INFER_SERVICES:?set by the caller, as for test/services.sh}/env.sh"
work=$(mktemp -d "$PG_INFER_SERVICES/load.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkfifo "$work/orders.tsv"

# mariadb as root on the server's socket, with LOCAL INFILE allowed
maria() {
	mariadb --no-defaults --local-infile=1 --socket="$PG_INFER_MYSQL_SOCKET" -uroot "$@"
}

maria <<-EOF
	DROP DATABASE IF EXISTS sales;
	CREATE DATABASE sales;
	GRANT SELECT ON sales.* TO '$PG_INFER_MYSQL_USER'@'127.0.0.1';
	USE sales;
	CREATE TABLE orders (
	  o_orderkey int PRIMARY KEY,
	  o_custkey int NOT NULL,
	  o_orderstatus char(1) NOT NULL,
	  o_totalprice decimal(15,2) NOT NULL,
	  o_orderdate date NOT NULL,
	  o_orderpriority varchar(15) NOT NULL,
	  o_clerk char(15) NOT NULL,
	  o_shippriority int NOT NULL,
	  o_comment varchar(79) NOT NULL,
	  KEY (o_orderdate)
	);
	CREATE TABLE planted_days (day date PRIMARY KEY, anomaly int NOT NULL, kind varchar(30) NOT NULL);
EOF
python3 demo/orders.py "$@" --orders "$work/orders.tsv" --planted "$work/planted.tsv" &
generator=$!
maria sales -e "LOAD DATA LOCAL INFILE '$work/orders.tsv' INTO TABLE orders"
wait "$generator"
maria sales -e "LOAD DATA LOCAL INFILE '$work/planted.tsv' INTO TABLE planted_days;
	ANALYZE TABLE orders" >/dev/null
