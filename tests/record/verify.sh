#!/bin/bash
# Record every workload of tests/workloads (checkpoint while it waits), then
# require `avtrace replay --verify` to agree with every kernel snapshot:
# exit 0, no mismatch, and a non-empty comparison (misc is the exception:
# io_setup's unmodelled AIO ring taints it whole, which --verify must say).
# Also: `script --snapshot=1 --state` equals `replay --state-at=checkpoint:1`
# on a recorded fork chain. Prints the match rate per workload.
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
workloads="forkchain mprotect mremap madvise threads vforkexec fileio misc"
require_workloads $workloads

for w in $workloads; do
	f=$T/$w.avt
	rm -f "$T/ready"
	AVT_READY=$T/ready "$AVTRACE" record --no-status -o "$f" -- "$WL/$w" 2> "$T/$w.log" &
	rec=$!
	if ! wait_for "$T/ready" 20; then
		fail "$w: never became ready"; kill -INT $rec; wait $rec; continue
	fi
	kill -USR1 $rec			# checkpoint 1 while every process waits
	sleep 0.5
	wl=$(child_of $rec)
	[ -n "$wl" ] && kill -USR1 "$wl"
	if ! wait $rec; then
		fail "$w: avtrace record failed: $(tail -3 "$T/$w.log")"; continue
	fi
	"$AVTRACE" replay "$f" --verify > "$T/$w.ver" 2>&1; rc=$?
	all=$(awk '$1=="verify.match.all"' "$T/$w.ver")
	echo "$w: ${all#verify.match.all } ($(grep -c 'snap_begin' <("$AVTRACE" script "$f")) snapshots)"
	if [ $rc != 0 ]; then
		fail "$w: replay --verify exited $rc"; sed -n '/^# first/,$p' "$T/$w.ver" | head -20
		continue
	fi
	if [ "$w" = misc ]; then
		grep -q "^verify.tainted misc\[[0-9]*\] unmodelled" "$T/$w.ver" ||
			fail "misc: not reported as tainted by its unmodelled events"
	else
		echo "$all" | grep -q "^verify.match.all 100.00 % ([1-9][0-9]*/" ||
			fail "$w: not 100 % over a non-empty comparison: $all"
		grep -q "^verify.snapshots.compared [1-9]" "$T/$w.ver" ||
			fail "$w: no snapshot compared"
	fi
	if [ "$w" = forkchain ]; then
		"$AVTRACE" script "$f" --snapshot=1 --state > "$T/k1" || fail "script --snapshot=1"
		"$AVTRACE" replay "$f" --state-at=checkpoint:1 > "$T/e1" || fail "replay --state-at"
		[ "$(cut -d' ' -f1 "$T/k1" | sort -u | wc -l)" = 3 ] ||
			fail "forkchain: checkpoint 1 should hold P, B and C: $(cut -d' ' -f1 "$T/k1" | sort -u | tr '\n' ' ')"
		diff -u "$T/k1" "$T/e1" > "$T/d1" || { fail "forkchain: kernel vs engine at checkpoint 1"; head -20 "$T/d1"; }
	fi
	pass "$w verified"
done
finish
