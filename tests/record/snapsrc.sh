#!/bin/bash
# Snapshot sources and statuses (avtrace-record(8) --snapshot-source).
#  - --snapshot-source=procfs on `record -p P` of a family that exists
#    before the recorder (tests/workloads/family.c): every start and
#    checkpoint snapshot is read from /proc/PID/smaps (flags=procfs, no
#    anon_vma ids), no exec/exit snapshot is taken and each skipped one is
#    counted (stats snap_skipped after the exit); replay --verify judges
#    boundaries, flags, file identity and file pgoffs at 100 % over a
#    non-empty comparison and reports the anon_vma facts as not_captured.
#  - --snapshot-source=procfs on `record -- CMD`: the exec snapshot is
#    skipped, so the exec'd process is unseeded (tainted), never a mismatch.
#  - a default (iter) recording names every snapshot status in words; one
#    against an mmap storm with checkpoints every 20 ms shows the statuses the
#    kernel gives (lock_dropped: the iterator let a waiting writer in) and
#    verify classes them (exit 0).
#  - a bad --snapshot-source is a usage error.
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads family mprotect storm

# --- procfs on -p: a family that existed before ------------------------------
rm -f "$T/fready" "$T/fready.2"
AVT_READY=$T/fready "$WL/family" & par=$!
wait_for "$T/fready" 20 || { fail "family never ready"; kill $par; finish; }
f=$T/pfamily.avt
"$AVTRACE" record --no-status -v --snapshot-source=procfs -o "$f" -p "$par" -d 20 2> "$T/pfamily.log" & rec=$!
n=100
while ! grep -q "existing descendant(s) of the targets followed" "$T/pfamily.log" && [ $n -gt 0 ] &&
      kill -0 $rec 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
kill -USR1 $par				# the family writes while recorded
wait_for "$T/fready.2" 20 || fail "family never finished its writes"
kill -USR1 $rec; sleep 0.5		# checkpoint while everyone waits
kill -USR1 $par				# exit; the recorder stops when all are gone
wait $rec || fail "procfs -p: exit $?"
wait $par
grep -q "warning: --snapshot-source=procfs: snapshots read from /proc/PID/smaps" "$T/pfamily.log" ||
	fail "procfs: no warning naming the source: $(head -2 "$T/pfamily.log")"
check_readable "$f"
if [ -s "$f.txt" ]; then
	fam=$(grep -o " [0-9]*/[0-9]* snap_begin kind=start" "$f.txt" | awk '{print $1}' | cut -d/ -f1 | sort -u)
	[ "$(echo $fam | wc -w)" = 4 ] || fail "procfs: expected 4 start snapshots (P and 3 descendants): $fam"
	for p in $fam; do
		grep -q " $p/$p snap_begin kind=start n=0 flags=procfs " "$f.txt" || fail "procfs: no /proc start snapshot of $p"
		grep -q " $p/$p snap_begin kind=checkpoint n=1 flags=procfs " "$f.txt" ||
			fail "procfs: no /proc checkpoint snapshot of $p"
		grep -q " $p/$p exit " "$f.txt" || fail "procfs: no exit of $p"
		grep -q " stats kind=snap_skipped key=$p value=1$" "$f.txt" || fail "procfs: skipped exit snapshot of $p not counted"
	done
	grep -q " snap_begin kind=\(exec\|exit\)" "$f.txt" && fail "procfs: an exec/exit snapshot was taken"
	grep " snap_vma " "$f.txt" | grep -qv " av=- root=- parent=- " && fail "procfs: a /proc snapshot carries anon_vma ids"
	grep " snap_begin " "$f.txt" | grep -qv "flags=procfs" && fail "procfs: a snapshot without flags=procfs"
	grep -q "snapshots=procfs" "$f.info" || fail "procfs: filters metadata lacks snapshots=procfs"
	grep -q "^snapshots  .* read from /proc)" "$f.info" || fail "procfs: info does not count /proc snapshots"
	# the 4 family members above, plus any other task of theirs that exits
	# (under ASan, LeakSanitizer's StopTheWorld clones a CLONE_VM tracer
	# task at exit: a 5th tgid); info must count what the trace holds
	nsk=$(grep -c " stats kind=snap_skipped " "$f.txt")
	ntg=$(grep " stats kind=snap_skipped " "$f.txt" | grep -o "key=[0-9]*" | sort -u | wc -l)
	[ "$nsk" -ge 4 ] || fail "procfs: only $nsk skipped exec/exit snapshots counted"
	grep -q "^snapshots  $nsk exec/exit ones skipped by the /proc source ($ntg tgids)" "$f.info" ||
		fail "procfs: info: $(grep '^snapshots' "$f.info" | tr '\n' ' ') (trace: $nsk in $ntg tgids)"
fi
"$AVTRACE" replay "$f" --verify > "$T/pfamily.ver" 2>&1; rc=$?
all=$(awk '$1=="verify.match.all"' "$T/pfamily.ver")
nc=$(awk '$1=="verify.class.not_captured"{print $2}' "$T/pfamily.ver")
echo "procfs family: ${all#verify.match.all } (not_captured: ${nc:-?} facts)"
[ $rc = 0 ] || { fail "procfs: replay --verify exited $rc"; sed -n '/^# first/,$p' "$T/pfamily.ver" | head -12; }
echo "$all" | grep -q "^verify.match.all 100.00 % ([1-9][0-9]*/" || fail "procfs: not 100 % over a non-empty comparison"
grep -q "^verify.snapshots.compared \([4-9]\|[1-9][0-9]\)" "$T/pfamily.ver" || fail "procfs: fewer than 4 snapshots compared"
grep -q "^verify.snapshots.procfs [1-9]" "$T/pfamily.ver" || fail "procfs: report does not count /proc snapshots"
[ "${nc:-0}" -gt 0 ] || fail "procfs: no not_captured facts reported"
for m in vma flags file; do
	grep -q "^verify.match.$m 100.00 % ([1-9]" "$T/pfamily.ver" || fail "procfs: $m not compared"
done
for m in av root children alloc; do
	grep -q "^verify.match.$m - (0 compared)" "$T/pfamily.ver" || fail "procfs: $m was judged"
done
pass "procfs -p family recorded and verified on the facts /proc has"

# --- procfs on -- CMD: the exec snapshot is skipped ---------------------------
f=$T/pmprotect.avt
rm -f "$T/mready"
AVT_READY=$T/mready "$AVTRACE" record --no-status --snapshot-source=procfs -o "$f" -- "$WL/mprotect" 2> "$T/pmprotect.log" & rec=$!
if wait_for "$T/mready" 20 $rec; then
	kill -USR1 $rec; sleep 0.5
	wl=$(child_of $rec); [ -n "$wl" ] && kill -USR1 "$wl"
fi
wait $rec || fail "procfs -- CMD: exit $?"
check_readable "$f"
if [ -s "$f.txt" ]; then
	pid=$(grep -m1 " exec file=.*mprotect" "$f.txt" | awk '{print $3}' | cut -d/ -f1)
	grep -q " stats kind=snap_skipped key=$pid value=1$" "$f.txt" || fail "procfs -- CMD: skipped exec snapshot not counted"
	grep -q " snap_begin kind=checkpoint n=1 flags=procfs " "$f.txt" || fail "procfs -- CMD: no checkpoint snapshot"
fi
"$AVTRACE" replay "$f" --verify > "$T/pmprotect.ver" 2>&1; rc=$?
[ $rc = 0 ] || { fail "procfs -- CMD: replay --verify exited $rc"; sed -n '/^# first/,$p' "$T/pmprotect.ver" | head -12; }
grep -q "^verify.tainted mprotect\[${pid:-x}\] unseeded" "$T/pmprotect.ver" &&
	pass "procfs -- CMD: the exec'd process is unseeded, not judged" ||
	fail "procfs -- CMD: $(grep '^verify.tainted\|^verify:' "$T/pmprotect.ver" | tr '\n' ' ')"

# --- iter (default): statuses in words ---------------------------------------
f=$T/iter.avt
"$AVTRACE" record --no-status -o "$f" -- /bin/sh -c 'true' 2> "$T/iter.log" || fail "iter: exit $?"
check_readable "$f"
if [ -s "$f.txt" ]; then
	grep " snap_end " "$f.txt" | grep -v " status=\(complete\|partial\|failed\|lock_dropped\|busy\|ambiguous\) " &&
		fail "iter: a snapshot status without a name"
	grep -q " snap_begin kind=exec n=0 flags=0 " "$f.txt" || fail "iter: no exec snapshot"
	grep -q "snap_skipped\|flags=procfs" "$f.txt" && fail "iter: /proc source used by default"
	pass "iter: $(grep -o ' status=[a-z_]*' "$f.txt" | sort | uniq -c | tr -s ' \n' ' ')"
fi

# --- iter against a storm: statuses the kernel gives, and how verify takes them
# Checkpoints every 20 ms while one process maps and unmaps as fast as it can:
# iter/task_vma lets go of the mmap lock when a writer waits
# (lock_dropped), or a call of the process is in flight (ambiguous). How many
# of each is up to the scheduler (printed); verify must exit 0 either way and
# put every snapshot that is not complete into its class.
f=$T/storm.avt
"$AVTRACE" record --no-status --checkpoint-every=0.02 -b 64M -o "$f" -- "$WL/storm" 100000 2> "$T/storm.log" ||
	fail "storm: exit $?"
if "$AVTRACE" script "$f" > "$f.txt" 2> /dev/null; then
	ld=$(grep -c " snap_end .* status=lock_dropped " "$f.txt")
	am=$(grep -c " snap_end .* status=ambiguous " "$f.txt")
	"$AVTRACE" replay "$f" --verify > "$T/storm.ver" 2>&1; rc=$?
	[ $rc = 0 ] || fail "storm: replay --verify exited $rc"
	grep -q "^verify.snapshots.lock_dropped $ld$" "$T/storm.ver" || fail "storm: verify does not count $ld lock_dropped"
	if [ "$ld" -gt 0 ]; then
		awk '$1=="verify.class.lock_dropped" && $2 > 0 {f=1} END {exit !f}' "$T/storm.ver" ||
			fail "storm: lock_dropped snapshots but no lock_dropped facts"
	fi
	echo "storm: $(grep -c ' snap_end ' "$f.txt") snapshots, $ld lock_dropped, $am ambiguous;" \
	     "$(grep '^verify.match.all ' "$T/storm.ver")"
	pass "storm: every status classed"
fi

# --- a bad source -------------------------------------------------------------
"$AVTRACE" record --snapshot-source=nope -o "$T/x.avt" -- true > /dev/null 2> "$T/bad.err"; rc=$?
[ $rc = 2 ] && grep -q "bad snapshot source 'nope' (expected auto, iter or procfs)" "$T/bad.err" &&
	pass "bad --snapshot-source: usage error" || fail "bad --snapshot-source: exit $rc: $(head -1 "$T/bad.err")"
finish
