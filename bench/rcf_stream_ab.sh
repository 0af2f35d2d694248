#!/usr/bin/env bash
#
# bench/rcf_stream_ab.sh — rcf_stream_score of this tree against an earlier
# build of pg_infer, in the same run, so that "streaming is no slower than
# before" is a measurement and not two runs on machines of different loads.
#
#   bash bench/rcf_stream_ab.sh [REF]
#
# REF defaults to 6d9d465, the last build before the Random Cut Forest speed
# work (2026-11-23), whose streaming figures the later builds are held to.
# Each build is installed into a private mount namespace of its own
# (unshare: root only), so the two never share PostgreSQL's library or
# extension directory and the machine's own installation is left alone.
# The rounds alternate (REF, this, REF, this), each in a throwaway cluster;
# a figure is the best of 3 runs in its round and the best over the rounds.
# Writes the "## RCF streaming against an earlier build" section of
# bench/RESULTS.md.
#
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
ref=${1:-6d9d465}
rounds=2
queries=(
	"SELECT count(s) FROM (SELECT rcf_stream_score(v) OVER (ORDER BY i) AS s FROM series) AS x"
	"SELECT count(s) FROM (SELECT rcf_stream_score(v, '{\"shingle_size\": 4}') OVER (ORDER BY i) AS s FROM series) AS x"
)
names=("shingle_size 1" "shingle_size 4")

if [ -n "${PG_INFER_AB_INSIDE:-}" ]; then
	# --- inside a throwaway cluster: one round of one build ---
	. "$root/bench/bench_lib.sh"
	psql_q -c "CREATE EXTENSION pg_infer" \
		-c "CREATE TABLE series AS SELECT i, 10 + 2 * sin(i * 2 * pi() / 288) + ((i * 7919) % 1000) / 1000.0 AS v FROM generate_series(1::bigint, 100000) AS i" \
		-c "VACUUM ANALYZE series"
	for k in "${!queries[@]}"; do
		echo "$PG_INFER_AB_BUILD,$k,$(best_of_sql 3 "${queries[$k]}")" >>"$PG_INFER_AB_OUT"
	done
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "rcf_stream_ab.sh: needs root (unshare --mount)" >&2; exit 1; }
bash test/deps.sh bench
work=$(mktemp -d /tmp/rcf_stream_ab.XXXXXX)
trap 'git -C "$root" worktree remove --force "$work/ref" 2>/dev/null || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/ref" "$ref" >/dev/null
ref_sha=$(git -C "$work/ref" rev-parse --short HEAD)
this_sha=$(git rev-parse --short HEAD)
[ -z "$(git status --porcelain -- src sql extension Makefile)" ] || this_sha="$this_sha + uncommitted changes"

# Runs "$@" with PostgreSQL's lib/ and share/extension/ bound to copies
# private to build $1
private() {
	local d=$work/pg_$1
	shift
	if [ ! -d "$d" ]; then
		mkdir -p "$d"
		cp -a /usr/lib/postgresql/15/lib "$d/lib"
		cp -a /usr/share/postgresql/15/extension "$d/extension"
	fi
	unshare --mount --propagation private bash -c '
		mount --bind "$0/lib" /usr/lib/postgresql/15/lib &&
		mount --bind "$0/extension" /usr/share/postgresql/15/extension &&
		exec "$@"' "$d" "$@"
}

private ref bash -c "cd '$work/ref' && make -s -j2 >/dev/null && make -s install >/dev/null"
private this bash -c "cd '$root' && make -s -j2 >/dev/null && make -s install >/dev/null"

# the timed rounds hold the benchmark lock, as the other benchmarks do
exec 9>/tmp/pg_infer.bench.lock
flock 9
load=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq "$rounds"); do
	for build in ref this; do
		PG_INFER_AB_INSIDE=1 PG_INFER_AB_BUILD=$build PG_INFER_AB_OUT=$work/times.csv \
			PGPORT=$(. bench/bench_lib.sh && free_port) \
			private "$build" pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer \
			bash "$0"
	done
done
flock -u 9

python3 - "$work/times.csv" "$root/bench/RESULTS.md" "$ref_sha" "$this_sha" "$load" "${names[@]}" <<'EOF'
import sys
sys.path.insert(0, "bench")
from results import write_section

times, results_md, ref_sha, this_sha, load = sys.argv[1:6]
names = sys.argv[6:]
best = {}
for line in open(times):
    build, k, t = line.strip().split(",")
    key = (build, int(k))
    best[key] = min(best.get(key, float("inf")), float(t))
rows = []
for k, name in enumerate(names):
    r, t = best[("ref", k)], best[("this", k)]
    rows.append("| %s | %.3f | %.3f | %.2f |" % (name, r, t, t / r))
text = """## RCF streaming against an earlier build

`rcf_stream_score` over the 100,000-point series of bench/rcf_bench.sh (100 trees of 256, warm-up 64),
this build (%s) against %s in the same run: each build in a private copy of PostgreSQL's library
and extension directories, rounds alternating between them, best of 3 runs per round, best over
the rounds. Load average at the start: %s.

| variant | %s (s) | this build (s) | this / earlier |
|---|---|---|---|
%s

Produced by `bash bench/rcf_stream_ab.sh` (default earlier build: 6d9d465, the last before the
RCF speed work).
""" % (this_sha, ref_sha, load, ref_sha, "\n".join(rows))
write_section(results_md, text, "## RCF streaming against an earlier build")
print(text)
EOF
