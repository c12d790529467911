#!/bin/bash
# Drop accounting: a 4 KiB ring buffer cannot keep up with an mmap storm;
# the losses must be counted (summary, warning, per-CPU and per-tgid stats
# records) rather than vanish. With the default ring the same storm loses
# nothing; both rates are printed. Then the lost events are healed: a
# process that lost events in a storm and then waits is re-seeded by the
# second checkpoint taken while it waits (the first one's stats record
# shows its final drops count, so the second begins after it), together
# with the two children it forked before the storm (they share an
# anon_vma family with it, and were tainted by inheritance), and what they
# do next is judged at a third checkpoint and at their exits (replay
# --verify: 100 %, verify.reseeded names the parent and the children that
# were tainted; a child whose fork event itself was lost is seeded by
# checkpoint 1 instead). A 16 KiB ring: small enough to lose events in
# the storm, big enough for the later snapshots (a drop after checkpoint 2
# began would rightly forbid the re-seed); 32 KiB and a longer storm under
# the sanitizers (their shadow mappings make each snapshot ~90 VMAs).
# Whether a storm outruns the consumer depends on the machine's load (once
# the consumer drained the ring after every poll it often kept up), so the
# re-seed recording holds its consumer back until the kernel side counts a
# lost event (test-only AVT_TEST_STALL_MS, src/record/inject.c): the ring
# overflows for real, every time.
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads storm dropwait

f=$T/tiny.avt
"$AVTRACE" record --no-status -b 4096 -o "$f" -- "$WL/storm" 5000 2> "$T/tiny.log" ||
	fail "tiny ring: exit $?"
cat "$T/tiny.log"
d=$(sed -n 's/.*events written to .* (\([0-9]*\) dropped.*/\1/p' "$T/tiny.log")
[ "${d:-0}" -gt 0 ] && pass "tiny ring: $d events dropped and counted" || fail "tiny ring: no drops counted"
grep -q "raise --ring-size" "$T/tiny.log" || fail "tiny ring: no warning naming the remedy"
check_readable "$f"
if [ -s "$f.txt" ]; then
	# the storm process: the pid with the most events (its exec may be lost)
	pid=$(grep -v '^meta' "$f.txt" | awk '{print $3}' | cut -d/ -f1 | grep -v '^0$' |
		sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
	grep -q " stats kind=drops_tgid key=$pid " "$f.txt" && pass "drops counted for tgid $pid" ||
		fail "no drops_tgid record for the storm process"
	grep -q " stats kind=drops_cpu " "$f.txt" || fail "no drops_cpu record"
	sum=$(grep " stats kind=drops_cpu " "$f.txt" | sed 's/.*value=//' | sort -n | tail -1)
	[ -n "$sum" ] || fail "drops_cpu value missing"
fi

f=$T/big.avt
start=$(date +%s.%N)
"$AVTRACE" record --no-status -o "$f" -- "$WL/storm" 5000 2> "$T/big.log" || fail "default ring: exit $?"
end=$(date +%s.%N)
cat "$T/big.log"
n=$(sed -n 's/.*: \([0-9]*\) events written.*/\1/p' "$T/big.log")
d=$(sed -n 's/.*events written to .* (\([0-9]*\) dropped.*/\1/p' "$T/big.log")
awk -v n="$n" -v a="$start" -v b="$end" 'BEGIN{printf "rate: %d events in %.2fs = %.0f events/s\n", n, b-a, n/(b-a)}'
[ "${d:-1}" = 0 ] && pass "default ring: no drops" || fail "default ring: $d drops"
# --- re-seed after drops -------------------------------------------------------
f=$T/reseed.avt
rm -f "$T/dw" "$T/dw.2"
ring=16384 iter=5000
[ -n "${AVT_SAN:-}" ] && ring=32768 iter=20000
AVT_TEST_STALL_MS=10000 AVT_READY=$T/dw "$AVTRACE" record --no-status -b $ring -o "$f" -- "$WL/dropwait" $iter 2 2> "$T/reseed.log" &
rec=$!
if wait_for "$T/dw" 30 $rec; then
	kill -USR1 $rec; sleep 0.5	# checkpoint 1: still tainted (its drops count follows it)
	kill -USR1 $rec; sleep 0.5	# checkpoint 2: re-seeds it
	wl=$(child_of $rec)
	kill -USR1 "$wl"		# it changes its layout
	wait_for "$T/dw.2" 20 $rec || fail "dropwait never finished its second phase"
	kill -USR1 $rec; sleep 0.5	# checkpoint 3: judged again
	kill -USR1 "$wl"
	wait $rec || fail "re-seed recording: exit $?"
	d=$(sed -n 's/.*events written to .* (\([0-9]*\) dropped.*/\1/p' "$T/reseed.log")
	"$AVTRACE" replay "$f" --verify > "$T/reseed.ver" 2>&1; rc=$?
	echo "re-seed: $d events dropped; $(grep -E '^verify.(match.all|tainted.reseeded|snapshots.compared)' "$T/reseed.ver" | tr '\n' ' ')"
	if [ "${d:-0}" = 0 ]; then
		fail "re-seed: no drops with a $ring-byte ring"
	elif [ $rc = 0 ] && grep -q "^verify.reseeded dropwait\[$wl\] 1$" "$T/reseed.ver" &&
	   [ "$(grep -c "^verify.reseeded dropwait\[" "$T/reseed.ver")" -ge 1 ] &&
	   grep -q "^verify.match.all 100.00 % ([1-9]" "$T/reseed.ver" &&
	   ! grep -q "^verify.tainted dropwait.* drops$" "$T/reseed.ver"; then
		pass "re-seed: dropwait[$wl] lost events, re-seeded with its children at checkpoint 2 ($(grep -c "^verify.reseeded" "$T/reseed.ver") tainted processes cleared), judged after"
	else
		fail "re-seed: exit $rc"; grep -E "^verify.(match.all|taint|reseed|snapshots)|mismatch" "$T/reseed.ver" | head -20
	fi
	# checkpoint 3 compared it: its facts after the re-seed were judged
	n3=$(grep -c " $wl/$wl snap_begin kind=checkpoint n=3 " <("$AVTRACE" script "$f"))
	[ "$n3" = 1 ] || fail "re-seed: no checkpoint 3 snapshot of dropwait"
else
	fail "dropwait never ready"; kill -INT $rec 2>/dev/null; wait $rec
fi
finish
