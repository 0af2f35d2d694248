#!/usr/bin/env bash
#
# test/tap.sh — the TAP helpers of the shell tests (test/model_server.sh,
# test/rcf_shards.sh, test/demo_small.sh, test/s3_cli.sh), which source it:
#
#   . test/tap.sh
#   report STATUS DESCRIPTION        ok when STATUS is 0
#   is GOT EXPECTED DESCRIPTION      ok when GOT equals EXPECTED
#   like GOT PATTERN DESCRIPTION     ok when GOT matches the extended regex
#   tap_done                         prints the plan; status 0 when all passed
#
# A failed `is` or `like` shows what it got as TAP comments.
#
tests=0
failures=0

# Prints one TAP line: ok when the status $1 is 0
report() {
	tests=$((tests + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tests - $2"
	else
		failures=$((failures + 1))
		echo "not ok $tests - $2"
	fi
}

# Checks that "got" equals "expected"
is() {
	[ "$1" = "$2" ]
	report $? "$3"
	[ "$1" = "$2" ] || printf 'got:\n%s\nexpected:\n%s\n' "$1" "$2" | sed 's/^/#   /'
}

# Checks that "got" matches an extended regular expression
like() {
	[[ $1 =~ $2 ]]
	report $? "$3"
	[[ $1 =~ $2 ]] || printf 'got:\n%s\npattern:\n%s\n' "$1" "$2" | sed 's/^/#   /'
}

# Prints the plan; succeeds when every test passed
tap_done() {
	echo "1..$tests"
	[ "$failures" -eq 0 ]
}
