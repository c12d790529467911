#!/bin/bash
# Stopping and checkpoints: SIGINT mid-run leaves a complete, readable
# file; SIGUSR1 takes a checkpoint now; --checkpoint-every; -d stops in time.
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads storm

summary() { grep "avtrace record: .* events written" "$1"; }
ckpts() { summary "$1" | sed -n 's/.* \([0-9]*\) checkpoints).*/\1/p'; }

# --- SIGINT while a busy command runs ---------------------------------------
f=$T/int.avt
"$AVTRACE" record --no-status -o "$f" -- "$WL/storm" 1000000 2> "$T/int.log" &
rec=$!
sleep 1.5
kill -INT $rec
if wait $rec; then pass "SIGINT: exit 0"; else fail "SIGINT: exit $?"; cat "$T/int.log"; fi
summary "$T/int.log" > /dev/null || fail "SIGINT: no summary line"
check_readable "$f" && pass "SIGINT: file reads back"
if [ -s "$f.txt" ]; then
	grep -q " stats kind=events" "$f.txt" || fail "SIGINT: final stats missing"
	n=$(grep -c " mmap " "$f.txt")
	[ "$n" -gt 100 ] || fail "SIGINT: only $n mmap events"
fi
pgrep -f "$WL/storm 1000000" > /dev/null && fail "SIGINT: the command outlived the recorder"
# The cut falls in the middle of the storm's operations: a fault recorded
# just before it may allocate just after it (or a call allocate before it and
# exit after). Only the allocation window that ends at the end of the trace
# may disagree; every snapshot must verify.
"$AVTRACE" replay "$f" --verify --verify-show=1000 > "$T/int.verify" 2>&1; rc=$?
if [ $rc != 0 ] && [ $rc != 3 ]; then
	fail "SIGINT: replay --verify could not run (exit $rc)"; tail -3 "$T/int.verify"
elif grep " mismatch " "$T/int.verify" | grep -qv "in the window ending at the end"; then
	fail "SIGINT: a snapshot disagrees"; grep -A2 " mismatch " "$T/int.verify" | head -9
else
	pass "SIGINT: verifies ($(grep '^verify:' "$T/int.verify"))"
fi

# --- SIGINT while the command waits: the final checkpoint must verify --------------
require_workloads forkchain
f=$T/int2.avt
rm -f "$T/ready"
AVT_READY=$T/ready "$AVTRACE" record --no-status -o "$f" -- "$WL/forkchain" 2> "$T/int2.log" &
rec=$!
wait_for "$T/ready" 20 $rec || fail "forkchain never ready"
kill -INT $rec
wait $rec || fail "SIGINT (waiting command): exit $?"
n=$(ckpts "$T/int2.log")
[ "${n:-0}" -ge 1 ] || fail "SIGINT: no final checkpoint"
check_readable "$f"
verify "$f"
# the recorder sent SIGTERM to the command; its waiting descendants go too
[ -s "$f.txt" ] && for p in $(sed -n 's/.* fork child=\([0-9]*\)\/.*/\1/p' "$f.txt"); do
	kill "$p" 2>/dev/null
done

# --- SIGUSR1 and -d on a -p target ----------------------------------------------
sleep 30 & sp=$!
f=$T/usr1.avt
start=$(date +%s.%N)
"$AVTRACE" record --no-status -o "$f" -p $sp -d 2 2> "$T/usr1.log" &
rec=$!
wait_for "$f" 10 $rec	# loaded and attached
sleep 0.3; kill -USR1 $rec; sleep 0.3; kill -USR1 $rec
wait $rec || fail "-p/-d: exit $?"
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')
awk -v s="$secs" 'BEGIN{exit !(s >= 1.9 && s < 6)}' || fail "-d 2 took ${secs}s"
n=$(ckpts "$T/usr1.log")
# two SIGUSR1 checkpoints plus the final one
[ "${n:-0}" -ge 3 ] && pass "SIGUSR1: $n checkpoints" || fail "SIGUSR1: ${n:-0} checkpoints (want >= 3)"
check_readable "$f"
if [ -s "$f.txt" ]; then
	s=$(grep -c " snap_begin kind=checkpoint" "$f.txt")
	[ "$s" -ge 3 ] || fail "SIGUSR1: $s checkpoint snapshots"
	grep -q " snap_begin kind=start" "$f.txt" || fail "-p: no start snapshot"
fi

# --- --checkpoint-every ---------------------------------------------------------
f=$T/every.avt
"$AVTRACE" record --no-status -o "$f" -p $sp -d 2 --checkpoint-every=0.5 2> "$T/every.log" ||
	fail "--checkpoint-every: exit $?"
n=$(ckpts "$T/every.log")
[ "${n:-0}" -ge 4 ] && pass "--checkpoint-every=0.5 -d 2: $n checkpoints" ||
	fail "--checkpoint-every: ${n:-0} checkpoints (want >= 4)"
kill $sp; wait $sp 2>/dev/null

# --- -p target exits: the recording stops by itself ------------------------------
sleep 1 & sp=$!
timeout 10 "$AVTRACE" record --no-status -o "$T/gone.avt" -p $sp 2> "$T/gone.log"
rc=$?
[ $rc = 0 ] && pass "-p: stops when the target exits" || fail "-p: target exit, rc=$rc"
finish
