#!/bin/bash
# valgrind-clean: the replay engine (every scheme, invariants on) over every
# hand-written scenario, the trace tools over a binary trace, and the unit
# test binaries. Plain build only (valgrind and ASan do not mix).
. "$(dirname "$0")/lib/common.sh"
if [ "${AVT_SAN:-0}" = 1 ]; then echo "SKIP: valgrind does not run ASan binaries (the plain-build run covers it)"; exit 77; fi
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed (make deps installs it)"; exit 77; }
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
run() {
	$VG "$@" >/dev/null 2>"$AVT_TMP/vg.err"
	if [ $? = 99 ]; then fail=$((fail+1)); echo "FAIL: valgrind errors in: $*"; head -30 "$AVT_TMP/vg.err"; else pass=$((pass+1)); fi
}
modes=$("$A" replay --list-modes | paste -sd, -)
for s in tests/scenarios/*.txt; do
	run "$A" replay "$s" --mode="$modes" --check-invariants
done
s=tests/scenarios/eager-ex04-reuse-chain.txt
run "$A" import "$s" -o "$AVT_TMP/vg.avt"
run "$A" info "$AVT_TMP/vg.avt"
run "$A" script "$AVT_TMP/vg.avt"
run "$A" diff "$AVT_TMP/vg.avt" --mode="$modes"
run "$A" replay "$AVT_TMP/vg.avt" --state
# the seeded random suites run thousands of steps: ASan+UBSan covers them
for t in "$O"/tests/test_*; do case $t in *_random) continue ;; esac; run "$t"; done
echo "valgrind: $pass passed, $fail failed"
[ "$fail" = 0 ]
