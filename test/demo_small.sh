#!/usr/bin/env bash
#
# test/demo_small.sh — `make demo` at a small scale, as TAP, so that the
# demo cannot rot; test/run.sh runs it inside pg_virtualenv, with the
# services of test/services.sh:
#
#   pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer bash test/demo_small.sh
#
# Two years of about 40 orders a day (30,000 orders): the generator is
# deterministic and plants what it says, and the demo's own scripts
# (demo/load.sh, demo/workflow.sh: every SQL step, the model server, the
# plot) run and give what the demo shows at full scale.
#
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/demo_small.XXXXXX)
trap 'rm -rf "$work"' EXIT
scale=(--days 728 --base 40 --seed 42)
. test/tap.sh

# One value from the cluster the workflow ran in
query() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"
}

#--- the generator --------------------------------------------------------

gen() {
	python3 demo/orders.py "${scale[@]}" --orders "$work/$1.tsv" --planted "$work/$1.planted" 2>/dev/null
}
gen a && gen b && cmp -s "$work/a.tsv" "$work/b.tsv" && cmp -s "$work/a.planted" "$work/b.planted"
report $? "the generator gives the same bytes for the same seed"
is "$(cut -f2- "$work/a.planted" | uniq -c | awk '{$1=$1; print}' | paste -sd ';')" \
	"1 1 spike;1 2 weekday like a weekend;1 3 drop;4 4 level shift;1 5 weekday like a weekend" \
	"five anomalies are planted: a spike, a drop, a 4-day level shift, two weekdays like a weekend"
python3 demo/orders.py "${scale[@]}" --days 700 --orders /dev/null --planted /dev/null 2>"$work/short.err"
[ $? -eq 2 ] && grep -q 'at least 728' "$work/short.err"
report $? "a range too short for the planted days is refused"

#--- load and the workflow ------------------------------------------------

bash demo/load.sh "${scale[@]}" >"$work/load.out" 2>&1
status=$?
report $status "demo/load.sh loads the orders into MariaDB"
[ $status -eq 0 ] || sed 's/^/#   /' "$work/load.out"
bash demo/workflow.sh "$work/out" >"$work/workflow.out" 2>&1
status=$?
report $status "demo/workflow.sh runs every step"
[ $status -eq 0 ] || tail -30 "$work/workflow.out" | sed 's/^/#   /'

# (a date key groups in two levels: the inner COUNT(*) is named `c2`)
grep -q "Remote SQL: SELECT .* COUNT(\*)\( AS \`c[0-9]*\`\)\? FROM \`sales\`.\`orders\` GROUP BY 1" "$work/workflow.out"
report $? "orders per day are counted in MySQL"
is "$(query "SELECT count(*), sum(orders) FROM daily")" \
	"728|$(wc -l <"$work/a.tsv")" "every generated order is counted, on every day"
grep -q '^INSERT INTO train_s3 SELECT' "$work/workflow.out" &&
	grep -q 'S3 Objects: 1 of 1 listed' "$work/workflow.out"
report $? "the training set is written to S3 by INSERT, as one object"
is "$(query "SELECT count(*) FROM ((TABLE daily EXCEPT TABLE train)
                                  UNION ALL (TABLE train EXCEPT TABLE daily)) d")" \
	"0" "the training set read back from S3 is the daily table"
is "$(query "SELECT count(*) FILTER (WHERE e.score = s.weekly_score) || ' of ' || count(*)
             FROM endpoint_scores e JOIN scores s USING (day)")" \
	"722 of 722" "the served model's scores equal rcf_score's"
is "$(query "SELECT hit, missed, false_flags FROM detection WHERE n = 2")" "5|0|0" \
	"the weekly model, served, finds the five planted anomalies and flags nothing else"
grep -q '^ weekly: served model > mean + 3 sd |' "$work/workflow.out"
report $? "the demo prints the hit / missed / false flag counts"

[ "$(head -c 8 "$work/out/orders.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] &&
	grep -q '<svg' "$work/out/orders.svg"
report $? "the plot is drawn to a PNG and an SVG"

tap_done
