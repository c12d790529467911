#!/bin/bash
# Record every workload of tests/workloads under `avtrace record -- CMD`,
# take a checkpoint (SIGUSR1 to the recorder) while the workload waits,
# then let it finish. Each trace must read back, hold the events the
# workload must have produced, and `avtrace replay --verify` must agree
# with every kernel snapshot: exit 0, 100 % over a non-empty comparison
# with at least one snapshot compared (misc is the exception: io_setup's
# unmodelled AIO ring taints it whole, which --verify must say). Also:
# `script --snapshot=1 --state` equals `replay --state-at=checkpoint:1` on
# a recorded fork chain; the same on lockorder, whose mlock returns only
# after another thread's munlock of half its range (a call is written where
# it took effect, src/record/sysorder.c). No retries: a recording that fails
# is a bug. Prints the match rate per workload.
# (Formerly two suites, workloads.sh and verify.sh, which recorded the same
# workloads twice; every assertion of both is here.)
#
# spawnbss is also recorded with the hidden --keep-exec-faults (what the
# recorder did before it dropped the kernel faults a task takes on its new
# mm inside execve): that trace must NOT verify -- the workload is built so
# those faults, replayed before the exec event, land in the vfork parent.
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
workloads="forkchain mprotect mremap madvise threads lockorder vforkexec spawnbss fileio misc"
require_workloads $workloads

# record NAME WORKLOAD [record options]: record, checkpoint while it waits
record_wl() {
	local name=$1 w=$2 f=$T/$1.avt rec wl
	shift 2
	rm -f "$T/ready"
	AVT_READY=$T/ready "$AVTRACE" record --no-status "$@" -o "$f" -- "$WL/$w" 2> "$T/$name.log" &
	rec=$!
	if ! wait_for "$T/ready" 20 $rec; then
		fail "$name: never became ready"; cat "$T/$name.log"; kill -INT $rec 2>/dev/null; wait $rec
		return 1
	fi
	kill -USR1 $rec			# checkpoint while every process waits
	sleep 0.5
	wl=$(child_of $rec)
	[ -n "$wl" ] && kill -USR1 "$wl"	# let the workload finish
	if ! wait $rec; then
		fail "$name: avtrace record failed: $(tail -3 "$T/$name.log")"; return 1
	fi
	return 0
}

# One recording of one workload and every check of it; returns after the
# first check that cannot go on.
check_wl() {
	local w=$1 f=$T/$1.avt
	f=$T/$w.avt
	record_wl "$w" "$w" || return
	grep -q "avtrace record: .* events written" "$T/$w.log" || fail "$w: no summary line"
	check_readable "$f" || return
	if [ -s "$f.txt" ]; then
		ck=$(grep -c " checkpoint n=" "$f.txt")
		snaps=$(grep -c " snap_begin kind=checkpoint" "$f.txt")
		exe=$(grep -c " snap_begin kind=exec" "$f.txt")
		ex=$(grep -c " snap_begin kind=exit" "$f.txt")
		[ "$ck" -ge 1 ] || fail "$w: no checkpoint marker"
		[ "$snaps" -ge 1 ] || fail "$w: no checkpoint snapshot"
		[ "$exe" -ge 1 ] || fail "$w: no exec snapshot"
		[ "$ex" -ge 1 ] || fail "$w: no exit snapshot"
		grep -q "status=partial" "$f.txt" && fail "$w: partial snapshot (records lost)"
		# an in-kernel snapshot may find a lock busy (status=busy) or
		# fail: it is then counted and an exec snapshot is retried from
		# user space
		while read -r p; do
			n=$(grep -c " $p snap_begin kind=exec" "$f.txt")
			[ "$n" -ge 2 ] || fail "$w: failed exec snapshot of $p not retried"
			grep -q " stats kind=snap_failed key=${p%/*} " "$f.txt" || fail "$w: failed snapshot of $p not counted"
		done < <(grep " snap_end kind=exec .*status=\(failed\|busy\)" "$f.txt" | awk '{print $3}' | sort -u)
		echo "$w: $(grep -vc '^meta' "$f.txt") events, $ck checkpoints, $snaps checkpoint snapshots"
	fi
	if [ "$w" = misc ] && [ -s "$f.txt" ]; then
		# argument decoding of the less common calls
		pid=$(grep -m1 " exec .*misc" "$f.txt" | awk '{print $3}' | cut -d/ -f1)
		for pat in " shmat .*size=0x4000 dev=0:[0-9a-f]* ino=[1-9][0-9]*\( sflags=0x[0-9a-f]*\)\? = 0x" " shmdt " " mlock2 .*MLOCK_ONFAULT" \
			   " mseal " " remap_file_pages " " mlockall " " munlockall " \
			   " process_madvise target=$pid " " unmodelled nr=206 delta=1 "; do
			grep -q -- "$pat" "$f.txt" || fail "misc: no event matching '$pat'"
		done
		if ! grep -q "userfaultfd unavailable" "$T/$w.log"; then
			for pat in " uffd_register start=0x.* len=0x4000 mode=0x1\( sflags=0x[0-9a-f]*\)\? = 0" \
				   " uffd_copy dst=0x.* len=0x1000 " " uffd_zeropage " " uffd_unregister "; do
				grep -q -- "$pat" "$f.txt" || fail "misc: no event matching '$pat'"
			done
		fi
	fi
	"$AVTRACE" replay "$f" --verify > "$T/$w.ver" 2>&1; rc=$?
	all=$(awk '$1=="verify.match.all"' "$T/$w.ver")
	echo "$w: ${all#verify.match.all } ($(grep -c ' snap_begin ' "$f.txt") snapshots)"
	if [ $rc != 0 ]; then
		fail "$w: replay --verify exited $rc"; sed -n '/^# first/,$p' "$T/$w.ver" | head -20
		return
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
	if [ "$w" = lockorder ] && ! grep -q "userfaultfd unavailable" "$T/$w.log"; then
		# a call's record is written where it took effect, not at its
		# sys_exit: mlock's comes after the munlock made meanwhile by
		# another thread, yet replay must lock first (sysorder.c)
		"$AVTRACE" script "$f" --snapshot=1 --state > "$T/lk1" || fail "lockorder: script --snapshot=1"
		"$AVTRACE" replay "$f" --state-at=checkpoint:1 > "$T/le1" || fail "lockorder: replay --state-at"
		grep -q " munlock addr=.* len=0x4000 .*= 0$" "$f.txt" && grep -q " mlock addr=.* len=0x8000 .*= 0$" "$f.txt" ||
			fail "lockorder: no mlock and munlock events"
		diff -u "$T/lk1" "$T/le1" > "$T/ld1" || { fail "lockorder: kernel vs engine at checkpoint 1 (calls written out of order?)"; head -20 "$T/ld1"; }
	fi
	if [ "$w" = spawnbss ]; then
		# 9 children exec'd (3 vfork, 3 posix_spawn, 3 fork); their kernel
		# faults on the new image were dropped and counted, none written
		n=$("$AVTRACE" info "$f" | awk '$1=="exec" && $3=="kernel" {print $2}')
		[ "$(grep -c ' exec file=.*spawnbss' "$f.txt")" -ge 10 ] || fail "spawnbss: fewer than 10 execs"
		[ "${n:-0}" -ge 9 ] && echo "spawnbss: ${n} kernel faults inside execve dropped" ||
			fail "spawnbss: only ${n:-0} exec faults counted"
		grep -q "exec-faults=dropped" "$f.info" || fail "spawnbss: filters metadata does not say exec-faults=dropped"
		grep -q "cannot cover" "$T/$w.log" && echo "spawnbss: a cover region was taken by its own layout (see log)"
	fi
	pass "$w recorded and verified"
}

for w in $workloads; do
	check_wl "$w"
done

# the negative control: without the drop, the vfork parent gets the
# children's new-image faults and --verify must say so
if record_wl spawnbss-old spawnbss --keep-exec-faults; then
	"$AVTRACE" replay "$T/spawnbss-old.avt" --verify > "$T/spawnbss-old.ver" 2>&1; rc=$?
	echo "spawnbss --keep-exec-faults: $(awk '$1=="verify.match.all"' "$T/spawnbss-old.ver") exit $rc"
	if [ $rc = 3 ] && grep -q "^av mismatch .*spawnbss\[.*the engine VMA has an anon_vma, the kernel's has none" "$T/spawnbss-old.ver"; then
		pass "spawnbss with the old exec-fault order fails --verify (the bug the drop fixes)"
	else
		fail "spawnbss --keep-exec-faults verified (exit $rc): the workload no longer shows the bug"
	fi
fi
finish
