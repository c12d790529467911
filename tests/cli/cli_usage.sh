#!/bin/bash
# CLI usage errors and help: exit codes documented in avtrace(1).
. "$(dirname "$0")/lib/common.sh"
expect() {	# expect RC DESCRIPTION -- CMD...
	local want=$1 what=$2; shift 3
	"$@" >"$AVT_TMP/out" 2>"$AVT_TMP/err"; local rc=$?
	if [ "$rc" = "$want" ]; then pass=$((pass+1)); else
		fail=$((fail+1)); echo "FAIL: $what: exit $rc, want $want"; cat "$AVT_TMP/err"; fi
}
expect_err_line() {	# stderr is exactly one line mentioning $1
	local n; n=$(wc -l < "$AVT_TMP/err")
	if [ "$n" -ge 1 ] && grep -q -- "$1" "$AVT_TMP/err"; then pass=$((pass+1)); else
		fail=$((fail+1)); echo "FAIL: stderr should mention '$1':"; cat "$AVT_TMP/err"; fi
}
expect 2 "no command" -- "$A"
expect 2 "unknown command" -- "$A" frobnicate
expect_err_line "unknown command 'frobnicate'"
expect 0 "--help" -- "$A" --help
grep -q "record" "$AVT_TMP/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: --help lists commands"; }
expect 0 "--version" -- "$A" --version
grep -q "^avtrace [0-9]" "$AVT_TMP/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL: --version"; }
for c in record replay diff script import info; do
	expect 0 "$c --help" -- "$A" $c --help
	expect 2 "$c bad option" -- "$A" $c --no-such-option
done
expect 2 "replay without file" -- "$A" replay
expect 1 "replay of a missing file" -- "$A" replay "$AVT_TMP/does-not-exist.avt"
expect_err_line "does-not-exist"
echo "cli_usage: $pass passed, $fail failed"
[ "$fail" = 0 ]
