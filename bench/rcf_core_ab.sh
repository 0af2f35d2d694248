#!/usr/bin/env bash
#
# bench/rcf_core_ab.sh — the Random Cut Forest core's batch scoring and
# attribution in this tree against REF's, in one process, batch after batch
# in alternating order (bench/rcf_core_ab.c), with a check of the bits.
#
#   bash bench/rcf_core_ab.sh [REF [POINTS [DIMENSIONS [ROUNDS]]]]
#
# REF (default HEAD: the uncommitted change against the last commit) gives
# src/rcf/rcf_forest.c; the rest of the core is this tree's, so REF must
# share this tree's forest structures: the script stops if REF's
# rcf_core.h or rcf_forest.h differs.  POINTS (200000) and DIMENSIONS (4)
# choose bench/rcf_points.h's data.  Prints the figures and writes them to
# the "## RCF core against an earlier build" section of bench/RESULTS.md.
#
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:-HEAD}
args=("$@")
shift || true

if ! git rev-parse --quiet --verify "$ref^{commit}" >/dev/null; then
	echo "rcf_core_ab: $ref is not a commit" >&2
	exit 1
fi
if ! git diff --quiet "$ref" -- src/rcf/rcf_core.h src/rcf/rcf_forest.h; then
	echo "rcf_core_ab: $ref's rcf_core.h or rcf_forest.h differs from this tree's;" \
		"its rcf_forest.c would not match this tree's structures" >&2
	exit 1
fi
work=$(mktemp -d /tmp/rcf_core_ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
cflags="-O2 -g -std=gnu11 -Isrc -Ibench $(xml2-config --cflags)"

# REF's forest, its two batch functions renamed and its other symbols local
git show "$ref:src/rcf/rcf_forest.c" >"$work/ref_forest.c"
gcc $cflags -c -o "$work/ref_forest.o" "$work/ref_forest.c"
objcopy --redefine-sym rcf_forest_score_many=ref_score_many \
	--redefine-sym rcf_forest_attribution_many=ref_attribution_many \
	"$work/ref_forest.o"
objcopy -G ref_score_many -G ref_attribution_many "$work/ref_forest.o"
gcc $cflags -o "$work/rcf_core_ab" bench/rcf_core_ab.c "$work/ref_forest.o" \
	$(make -s print-pure-srcs) $(make -s print-pure-libs)

load=$(cut -d' ' -f1-3 /proc/loadavg)
flock /tmp/pg_infer.bench.lock "$work/rcf_core_ab" "$@" >"$work/table.md"
{
	echo "## RCF core against an earlier build"
	echo
	echo "\`bash bench/rcf_core_ab.sh${args[*]:+ ${args[*]}}\` (REF $(git rev-parse --short "$ref")), run"
	echo "$(date -u '+%Y-%m-%d %H:%M') UTC (load average $load at the start), against this tree"
	echo "(last commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ', with changes')):"
	echo "REF's \`src/rcf/rcf_forest.c\` and this tree's, linked into one program,"
	echo "time the batch calls on the same forest, batch after batch in alternating order."
	echo
	cat "$work/table.md"
} >"$work/section.md"
cat "$work/section.md"
python3 bench/results.py bench/RESULTS.md "$work/section.md"
