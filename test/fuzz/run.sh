#!/usr/bin/env bash
#
# test/fuzz/run.sh — builds the libFuzzer targets and runs each for a fixed
# time, as `make fuzz` and test/run.sh do.
#
# Each target (fuzz_*.c here) is linked with the pure cores (and the files
# its header names on a " * Links: " line, e.g. the model server's), built with
# clang -fsanitize=fuzzer,address,undefined, and run for FUZZ_SECONDS
# (default 20) from its seed corpus in corpus/<target>/.  New inputs go to
# a scratch directory, never into the repository; a crash leaves its input
# in test/results/fuzz/ and fails the target.  Prints "ok N - target ..." or
# "not ok N - target ..." per target, as TAP.
#
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-20}
out=test/results/fuzz
build=$out/build
mkdir -p "$build"
pure_srcs=$(make -s --no-print-directory print-pure-srcs)
pure_libs=$(make -s --no-print-directory print-pure-libs)
cc=${FUZZ_CC:-clang}
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc -Iserver"

n=0
failed=0
for src in test/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	target=${name#fuzz_}
	n=$((n + 1))
	# what a target links besides the pure cores: its header's "Links:" line
	links=$(sed -n 's/^ \* Links: //p' "$src")
	# shellcheck disable=SC2086
	if ! $cc $flags -o "$build/$name" "$src" $links $pure_srcs $pure_libs \
		>"$out/$name.build.log" 2>&1; then
		cat "$out/$name.build.log"
		echo "not ok $n - $target: build failed"
		failed=$((failed + 1))
		continue
	fi
	scratch=$(mktemp -d)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$build/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$out/$name-" "$scratch" "test/fuzz/corpus/$target" \
		>"$out/$name.log" 2>&1
	status=$?
	rm -rf "$scratch"
	runs=$(grep -oE 'Done [0-9]+ runs' "$out/$name.log" | grep -oE '[0-9]+' || echo 0)
	if [ "$status" -eq 0 ]; then
		echo "ok $n - $target: $runs runs in ${seconds} s, no crash"
	else
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$out/$name.log" | head -5
		echo "not ok $n - $target: crashed (input in $out/)"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
