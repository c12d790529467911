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
verify "$f"

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
