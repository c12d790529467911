#!/bin/bash
# Faults of one thread racing another thread's forks (tests/workloads/
# threadfork.c), recorded under `avtrace record -- CMD` and checkpointed
# while it waits. The trace must hold a clone_enter marker before the
# forks made while the second thread lived, and `replay --verify` must
# agree 100 % over a non-empty comparison, with only counted ambiguity:
# every fault inside a fork window is either placed by the allocation
# truth or counted undecided (ordering.* lines), and no undecided fault
# may leave a fact unjudged unless it is counted in
# verify.fork_window_undecided. Prints the counts, and what the same trace
# gives with the markers stripped (faults in trace order): the number of
# mismatches the placement avoided on this run (timing-dependent, not
# asserted).
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads threadfork

# record once; the placement is the scheduler's doing: record up to three
# times until some fault lands in a fork window and the truth places it
record() {
	f=$T/threadfork$1.avt
	rm -f "$T/ready"
	AVT_READY=$T/ready "$AVTRACE" record --no-status -o "$f" -- "$WL/threadfork" 2> "$T/rec.log" &
	rec=$!
	if ! wait_for "$T/ready" 30 $rec; then
		fail "never became ready: $(tail -3 "$T/rec.log")"; kill -INT $rec 2>/dev/null; wait $rec
		exit 1
	fi
	kill -USR1 $rec			# checkpoint while it waits
	sleep 0.5
	wl=$(child_of $rec)
	[ -n "$wl" ] && kill -USR1 "$wl"
	wait $rec || { fail "avtrace record failed: $(tail -3 "$T/rec.log")"; exit 1; }
	check_readable "$f" || exit 1
	"$AVTRACE" replay "$f" > "$T/report.out" 2>&1 || { fail "replay failed: $(tail -1 "$T/report.out")"; exit 1; }
}
get() { awk -v k="$1" '$1 == k { print $2 }' "$T/report.out"; }
for try in 1 2 3; do
	record $try
	[ "$(get eager-legacy.ordering.placed_by_truth)" -gt 0 ] && break
	echo "threadfork: recording $try: no fault placed by the truth$([ $try = 3 ] || echo ', once more')"
done

markers=$(grep -c " stats kind=clone_enter " "$f.txt")
forks=$(grep -c " fork child=.* flags=newmm " "$f.txt")
[ "$markers" -ge 1 ] && pass "$markers clone_enter markers, $forks forks" ||
	fail "no clone_enter marker in the trace ($forks forks)"

"$AVTRACE" replay "$f" --verify > "$T/verify.out" 2> "$T/verify.err"; rc=$?
win=$(get eager-legacy.ordering.fork_windows)
nf=$(get eager-legacy.ordering.faults_in_fork_window)
pl=$(get eager-legacy.ordering.placed_by_truth)
bf=$(get eager-legacy.ordering.placed_by_truth.before_fork)
af=$(get eager-legacy.ordering.placed_by_truth.after_fork)
un=$(get eager-legacy.ordering.undecided)
ue=$(get eager-legacy.ordering.undecided.with_effect)
cf=$(get eager-legacy.ordering.conflicts)
echo "threadfork: fork windows $win, faults in them $nf: placed by truth $pl (before $bf, after $af), undecided $un (with an effect $ue), conflicts $cf"
grep "^verify.match.all \|^verify.fork_window_undecided\|^verify.class.ambiguous" "$T/verify.out"
[ "$win" = "$markers" ] && pass "every marker opened a window" || fail "windows $win, markers $markers"
[ $((pl + un)) = "$nf" ] && pass "every fault in a window placed or counted" ||
	fail "placed $pl + undecided $un != faults in windows $nf"
[ "$cf" = 0 ] || fail "$cf conflicts between the truth and a thread's program order"
[ $rc = 0 ] && grep -q "^verify.match.all 100.00 %" "$T/verify.out" && ! grep -q "^verify.match.all - (0 compared)" "$T/verify.out" &&
	pass "verify 100 %" || fail "verify: exit $rc $(grep 'match.all \|mismatch at' "$T/verify.out" | head -5)"
grep -q "^verify.fork_window_undecided $ue faults" "$T/verify.out" && pass "undecided faults with an effect handed to verify" ||
	fail "verify saw $(grep fork_window_undecided "$T/verify.out"), the engine $ue"

# the same trace with the markers stripped: trace order
if grep -v " stats kind=clone_enter " "$f.txt" > "$T/nomark.txt" &&
   "$AVTRACE" import "$T/nomark.txt" -o "$T/nomark.avt" 2> "$T/imp.err"; then
	"$AVTRACE" replay "$T/nomark.avt" --verify > "$T/nomark.out" 2>&1
	echo "threadfork: without the markers (trace order): $(grep '^verify.match.all ' "$T/nomark.out"), $(grep '^verify.mismatches' "$T/nomark.out")"
else
	fail "import of the stripped trace: $(cat "$T/imp.err")"
fi

[ $fails = 0 ] || exit 1
echo "threadfork: ok"
