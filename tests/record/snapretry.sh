#!/bin/bash
# Failed and busy snapshots: counted, retried, classed (issue 4). Neither can
# be forced on this kernel, so the recorder's test-only knob
# AVT_TEST_SNAP_FAIL=KIND:N[:STATUS] (src/record/inject.c) makes the Nth
# snapshot of a kind come out failed or busy, decided in BPF where a real
# status is; everything after it runs for real. Workload: twophase (P and
# its child C; checkpoint 1 while they wait, then each writes, maps and
# splits, checkpoint 2 while they wait again).
#  - checkpoint:1 (failed): one process's checkpoint-1 snapshot fails; it is
#    counted (stats snap_failed right after checkpoint 1, avtrace info),
#    retaken complete by checkpoint 2; replay --verify: 100 %, the failed
#    one in its class (incomplete, no facts), every complete checkpoint and
#    exit snapshot compared (facts counted from the trace).
#  - start:1:busy on -p P: P's start snapshot is busy and retried at once,
#    before its child's (flags=retry), counted; verify 100 %, nothing tainted.
#  - exec:1:busy,exit:1 on -- CMD: the busy exec snapshot is retried at
#    once (flags=retry); the process is seeded by it (the engine had
#    nothing of it yet), or re-seeded by it (the loader's calls were
#    simulated on an empty image), or by checkpoint 1 (C already shared its
#    family): once at most, never left tainted; the failed exit snapshot is
#    counted, not retried; verify 100 %, at least checkpoint 2 compared.
#  - a malformed AVT_TEST_SNAP_FAIL is refused in one line (exit 1).
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads twophase

# run_twophase NAME [record options...]: record -- twophase, checkpoint
# twice while it waits. Environment (AVT_TEST_SNAP_FAIL) passes through.
run_twophase() {
	local name=$1 f=$T/$1.avt rec wl
	shift
	rm -f "$T/ready" "$T/ready.2"
	AVT_READY=$T/ready "$AVTRACE" record --no-status "$@" -o "$f" -- "$WL/twophase" 2> "$T/$name.log" &
	rec=$!
	if ! wait_for "$T/ready" 20 $rec; then
		fail "$name: never ready: $(tail -2 "$T/$name.log")"; kill -INT $rec 2>/dev/null; wait $rec
		return 1
	fi
	kill -USR1 $rec; sleep 0.5		# checkpoint 1
	wl=$(child_of $rec)
	[ -n "$wl" ] && kill -USR1 "$wl"
	wait_for "$T/ready.2" 20 $rec || fail "$name: phase 2 never done"
	kill -USR1 $rec; sleep 0.5		# checkpoint 2
	[ -n "$wl" ] && kill -USR1 "$wl"
	wait $rec || { fail "$name: record exited $?: $(tail -2 "$T/$name.log")"; return 1; }
	check_readable "$f"
}

# snapshot lines of pid P in a script output: "KIND N FLAGS STATUS VMAS"
snaps_of() {
	awk -v p="$1/$1" '$3 == p && $4 == "snap_begin" { split($5, k, "="); split($6, n, "=");
		split($7, fl, "="); b = k[2] " " n[2] " " fl[2] }
		$3 == p && $4 == "snap_end" { split($7, s, "="); split($8, v, "="); print b, s[2], v[2] }' "$2"
}

# pids with an unmodelled event after the last checkpoint: under ASan,
# LeakSanitizer's StopTheWorld at exit (a CLONE_VM task, then a prctl) taints
# the process for its exit snapshot only
late_unmodelled() {
	awk '/ checkpoint n=/ {delete u; next} / unmodelled nr=/ {split($3, p, "/"); u[p[1]] = 1}
		END {for (k in u) print k}' "$1"
}

# no_taint NAME VERIFY-OUTPUT TRACE: nothing tainted but those
no_taint() {
	local t=$(grep '^verify.tainted ' "$2") p
	for p in $(late_unmodelled "$3"); do
		t=$(echo "$t" | grep -v "^verify.tainted twophase\[$p\] unmodelled$")
	done
	[ -z "$t" ] || fail "$1: $(echo "$t" | tr '\n' ' ')"
}

# judged TRACE: "N V", the complete checkpoint and exit snapshots verify
# must compare (but exit ones of late_unmodelled pids) and their VMAs
judged() {
	local late=" $(late_unmodelled "$1" | tr '\n' ' ')"
	grep " snap_end kind=\(checkpoint\|exit\) .* status=complete " "$1" |
		awk -v late="$late" '{split($3, p, "/")} !($5 ~ /kind=exit/ && index(late, " " p[1] " ")) {
			n++; split($8, v, "="); s += v[2] } END {print n + 0, s + 0}'
}

# --- a failed checkpoint snapshot, retried by the next checkpoint -------------
# Any other snapshot that is not complete (a call racing a checkpoint) makes
# the expected numbers unsure: one more recording, then fail.
for try in 1 2; do
	AVT_TEST_SNAP_FAIL=checkpoint:1 run_twophase ckpt || break
	f=$T/ckpt.avt.txt
	other=$(grep " snap_end " "$f" | grep -v " status=complete " | grep -vc " kind=checkpoint n=1 status=failed ")
	[ "$other" = 0 ] && break
	echo "ckpt: try $try: $other other snapshot(s) not complete; recording again"
done
f=$T/ckpt.avt.txt
if [ -s "$f" ]; then
	nfail=$(grep -c " snap_end .* status=failed " "$f")
	fp=$(grep -m1 " snap_end kind=checkpoint n=1 status=failed vmas=0 " "$f" | awk '{print $3}' | cut -d/ -f1)
	[ "$nfail" = 1 ] && [ -n "$fp" ] || fail "ckpt: expected one failed checkpoint-1 snapshot with no VMA, got $nfail"
	fp=${fp:-0}
	# counted right after checkpoint 1 (before checkpoint 2), for that tgid only
	awk -v k="key=$fp" '/ checkpoint n=1$/ {c = 1} / checkpoint n=2$/ {c = 2}
		/ stats kind=snap_failed / && c == 1 && $6 == k && $7 == "value=1" {ok = 1}
		END {exit !ok}' "$f" || fail "ckpt: no 'stats snap_failed key=$fp value=1' between checkpoints 1 and 2"
	grep " stats kind=snap_failed " "$f" | grep -v " key=$fp value=1$" && fail "ckpt: another snap_failed count"
	# retried: checkpoint 2 took it again, complete
	s2=$(snaps_of "$fp" "$f" | awk '$1 == "checkpoint" && $2 == 2')
	echo "$s2" | grep -q "^checkpoint 2 0 complete [1-9]" || fail "ckpt: checkpoint 2 of $fp: '$s2'"
	# info counts it
	nsnap=$(grep -c " snap_end " "$f")
	grep -q "^snapshots  $nsnap: $((nsnap - 1)) complete, 1 failed$" "$T/ckpt.avt.info" &&
		grep -q "^snapshots  1 failed or busy (1 tgids), 0 start/exec ones taken again$" "$T/ckpt.avt.info" ||
		fail "ckpt: info: $(grep '^snapshots' "$T/ckpt.avt.info" | tr '\n' ' ') (trace: $nsnap snapshots)"
	# verify: every complete checkpoint/exit snapshot compared, the failed one classed
	read ncmp nvma < <(judged "$f")
	"$AVTRACE" replay "$T/ckpt.avt" --verify > "$T/ckpt.ver" 2>&1; rc=$?
	[ $rc = 0 ] || { fail "ckpt: replay --verify exited $rc"; sed -n '/^# first/,$p' "$T/ckpt.ver" | head -12; }
	for want in "verify.snapshots.compared $ncmp" "verify.snapshots.incomplete 1" \
		    "verify.snapshots.busy 0" "verify.class.incomplete 0 facts" \
		    "verify.match.vma 100.00 % ($nvma/$nvma)" "verify.mismatches 0"; do
		grep -qxF "$want" "$T/ckpt.ver" || fail "ckpt: verify: want '$want', got '$(grep -F "${want% *}" "$T/ckpt.ver")'"
	done
	grep -q "^verify.match.all 100.00 % (" "$T/ckpt.ver" || fail "ckpt: not 100 %"
	no_taint ckpt "$T/ckpt.ver" "$f"
	echo "ckpt: pid $fp failed at checkpoint 1, complete at 2; compared $ncmp snapshots, $nvma VMAs;" \
	     "$(grep '^verify.match.all ' "$T/ckpt.ver")"
	[ $fails = 0 ] && pass "failed checkpoint snapshot: counted, retaken by checkpoint 2, classed; verify 100 %"
fi

# --- a busy start snapshot, retried at once ------------------------------------
f0=$fails
rm -f "$T/pready" "$T/pready.2"
AVT_READY=$T/pready "$WL/twophase" & par=$!
if wait_for "$T/pready" 20; then
	kid=$(pgrep -P $par | head -1)
	AVT_TEST_SNAP_FAIL=start:1:busy "$AVTRACE" record --no-status -v -o "$T/start.avt" -p $par \
		2> "$T/start.log" & rec=$!
	n=100
	while ! grep -q "existing descendant(s) of the targets followed" "$T/start.log" 2>/dev/null && [ $n -gt 0 ] &&
	      kill -0 $rec 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	kill -USR1 $rec; sleep 0.5		# checkpoint 1
	kill -USR1 $par
	wait_for "$T/pready.2" 20 || fail "start: phase 2 never done"
	kill -USR1 $rec; sleep 0.5		# checkpoint 2
	kill -USR1 $par
	wait $rec || fail "start: record exited $?: $(tail -2 "$T/start.log")"
	check_readable "$T/start.avt"
	f=$T/start.avt.txt
	# P's busy start, then at once its retry, then C's start
	seq=$(grep " snap_begin kind=start \| snap_end kind=start " "$f" | awk '{print $3, $4, $6, $7, $8}' | tr '\n' ';')
	want="$par/$par snap_begin n=0 flags=0 start=;$par/$par snap_end n=0 status=busy vmas=0;"
	want+="$par/$par snap_begin n=0 flags=retry start=;$par/$par snap_end n=0 status=complete"
	case "$seq" in
	"$par/$par snap_begin n=0 flags=0 start="*";$par/$par snap_end n=0 status=busy vmas=0;$par/$par snap_begin n=0 flags=retry start="*";$par/$par snap_end n=0 status=complete vmas="*";${kid:-x}/${kid:-x} snap_begin n=0 flags=0 start="*)
		;;
	*)	fail "start: start snapshots in this order: busy P, retry of P, C; got: $seq" ;;
	esac
	grep -q " stats kind=snap_failed key=$par value=1$" "$f" || fail "start: busy start of $par not counted"
	grep -q "^snapshots  .* 1 busy$" "$T/start.avt.info" && grep -q "^snapshots  1 failed or busy (1 tgids), 1 start/exec ones taken again$" "$T/start.avt.info" ||
		fail "start: info: $(grep '^snapshots' "$T/start.avt.info" | tr '\n' ' ')"
	"$AVTRACE" replay "$T/start.avt" --verify > "$T/start.ver" 2>&1; rc=$?
	[ $rc = 0 ] || { fail "start: replay --verify exited $rc"; sed -n '/^# first/,$p' "$T/start.ver" | head -12; }
	for want in "verify.snapshots.busy 1" "verify.class.partial_family 0 facts" "verify.mismatches 0"; do
		grep -qxF "$want" "$T/start.ver" || fail "start: verify: want '$want', got '$(grep -F "${want% *}" "$T/start.ver")'"
	done
	grep -q "^verify.match.all 100.00 % ([1-9]" "$T/start.ver" || fail "start: not 100 %"
	no_taint start "$T/start.ver" "$f"
	echo "start: $(grep '^verify.match.all ' "$T/start.ver")"
	[ $fails = $f0 ] && pass "busy start snapshot: retried at once before the descendants, counted; verify 100 %"
else
	fail "start: twophase never ready"
fi
kill $par 2>/dev/null; wait $par 2>/dev/null

# --- a busy exec snapshot retried at once; a failed exit one not retried ------
f0=$fails
if AVT_TEST_SNAP_FAIL=exec:1:busy,exit:1 run_twophase exec; then
	f=$T/exec.avt.txt
	ep=$(grep -m1 " exec file=.*twophase" "$f" | awk '{print $3}' | cut -d/ -f1)
	s=$(snaps_of "${ep:-0}" "$f" | awk '$1 == "exec"' | tr '\n' ';')
	# the retry runs from user space while the new image runs its loader:
	# its walk may overlap a modelled call of the process, and is then
	# rightly `ambiguous` (seen under ASan in CI) -- not a seed; checkpoint 1
	# re-seeds it instead
	rst=$(snaps_of "${ep:-0}" "$f" | awk '$3 == "retry" {print $4}')
	[ "$s" = "exec 0 0 busy 0;exec 0 retry $rst $(snaps_of "${ep:-0}" "$f" | awk '$3 == "retry" {print $5}');" ] &&
	{ [ "$rst" = complete ] || [ "$rst" = ambiguous ]; } ||
		fail "exec: exec snapshots of ${ep:-?}: '$s' (want busy, then a complete or ambiguous retry)"
	xp=$(grep -m1 " snap_end kind=exit n=0 status=failed vmas=0" "$f" | awk '{print $3}' | cut -d/ -f1)
	[ -n "$xp" ] || fail "exec: no failed exit snapshot"
	xp=${xp:-0}
	[ "$(snaps_of "$xp" "$f" | grep -c '^exit ')" = 1 ] || fail "exec: the failed exit snapshot of $xp was taken again"
	grep -q " stats kind=snap_failed key=${ep:-0} value=1$" "$f" || fail "exec: busy exec not counted"
	grep -q " stats kind=snap_failed key=$xp value=1$" "$f" || fail "exec: failed exit not counted"
	grep -q "^snapshots  2 failed or busy (2 tgids), 1 start/exec ones taken again$" "$T/exec.avt.info" ||
		fail "exec: info: $(grep '^snapshots' "$T/exec.avt.info" | tr '\n' ' ')"
	"$AVTRACE" replay "$T/exec.avt" --verify > "$T/exec.ver" 2>&1; rc=$?
	[ $rc = 0 ] || { fail "exec: replay --verify exited $rc"; sed -n '/^# first/,$p' "$T/exec.ver" | head -12; }
	# (how many snapshots are compared depends on which of the three seeds
	# it: checkpoint 1's re-seeding ones are not; the ckpt case has exact
	# numbers)
	# (an ambiguous retry is not compared, and a complete retry whose
	# rebuild differs -- the loader's calls raced the walk -- leaves the
	# process to checkpoint 1's re-seed: then 2, seen under ASan in CI)
	minc=2
	c=$(awk '$1 == "verify.snapshots.compared" {print $2}' "$T/exec.ver")
	[ "${c:-0}" -ge $minc ] || fail "exec: verify.snapshots.compared ${c:-none} (want >= $minc, retry $rst)"
	for want in "verify.snapshots.busy 1" "verify.snapshots.incomplete 1" "verify.mismatches 0"; do
		grep -qxF "$want" "$T/exec.ver" || fail "exec: verify: want '$want', got '$(grep -F "${want% *}" "$T/exec.ver")'"
	done
	grep -q "^verify.match.all 100.00 % ([1-9]" "$T/exec.ver" || fail "exec: not 100 %"
	no_taint exec "$T/exec.ver" "$f"
	# the retry seeds it when the engine has nothing of it yet, else it
	# re-seeds it (or checkpoint 1 does, when C already shared its family)
	grep -q "^verify.reseeded twophase\[${ep:-0}\] [02-9]" "$T/exec.ver" && fail "exec: ${ep:-?} re-seeded more than once"
	grep -q "^verify.reseeded twophase\[${ep:-0}\] 1$" "$T/exec.ver" && how="re-seeded" || how="seeded by the retry"
	echo "exec: $how; $(grep '^verify.match.all \|^verify.tainted.reseeded ' "$T/exec.ver" | tr '\n' ' ')"
	[ $fails = $f0 ] && pass "busy exec snapshot retried at once and re-seeds; failed exit counted, not retried; verify 100 %"
fi

# --- a malformed knob ----------------------------------------------------------
for bad in "nope:1|bad kind 'nope'" "checkpoint:0|bad count '0'" "exec:1:slow|bad status 'slow'" \
	   "exec|bad count ''" "exec:1:busy:x|too many fields"; do
	AVT_TEST_SNAP_FAIL=${bad%%|*} "$AVTRACE" record --no-status -o "$T/bad.avt" -- true > /dev/null 2> "$T/bad.err"; rc=$?
	[ $rc = 1 ] && [ "$(wc -l < "$T/bad.err")" = 1 ] &&
		grep -qF "AVT_TEST_SNAP_FAIL: ${bad#*|}" "$T/bad.err" ||
		fail "AVT_TEST_SNAP_FAIL=${bad%%|*}: exit $rc: $(head -2 "$T/bad.err")"
done
[ $fails = 0 ] && pass "malformed AVT_TEST_SNAP_FAIL refused in one line"
finish
