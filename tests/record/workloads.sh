#!/bin/bash
# Record every workload of tests/workloads under `avtrace record -- CMD`,
# take a checkpoint (SIGUSR1 to the recorder) while the workload waits,
# then let it finish. Each trace must read back, hold the events the
# workload must have produced, and (once replay exists) verify at 100 %.
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
	if ! wait_for "$T/ready" 20 $rec; then
		fail "$w: never became ready"; cat "$T/$w.log"; kill -INT $rec 2>/dev/null; wait $rec; continue
	fi
	kill -USR1 $rec			# checkpoint while every process waits
	sleep 0.5
	wl=$(child_of $rec)
	[ -n "$wl" ] && kill -USR1 "$wl"	# let the workload finish
	if ! wait $rec; then
		fail "$w: avtrace record failed: $(tail -3 "$T/$w.log")"; continue
	fi
	grep -q "avtrace record: .* events written" "$T/$w.log" || fail "$w: no summary line"
	check_readable "$f" || continue
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
		# an in-kernel snapshot may find the mmap lock busy: it is then
		# counted and an exec snapshot is retried from user space
		grep " snap_end kind=exec .*status=failed" "$f.txt" | awk '{print $3}' | sort -u |
		while read -r p; do
			n=$(grep -c " $p snap_begin kind=exec" "$f.txt")
			[ "$n" -ge 2 ] || fail "$w: failed exec snapshot of $p not retried"
			grep -q " stats kind=snap_failed key=${p%/*} " "$f.txt" || fail "$w: failed snapshot of $p not counted"
		done
		echo "$w: $(grep -vc '^meta' "$f.txt") events, $ck checkpoints, $snaps checkpoint snapshots"
	fi
	if [ "$w" = misc ] && [ -s "$f.txt" ]; then
		# argument decoding of the less common calls
		pid=$(grep -m1 " exec .*misc" "$f.txt" | awk '{print $3}' | cut -d/ -f1)
		for pat in " shmat .*size=0x4000 dev=0:[0-9a-f]* ino=[1-9][0-9]* = 0x" " shmdt " " mlock2 .*MLOCK_ONFAULT" \
			   " mseal " " remap_file_pages " " mlockall " " munlockall " \
			   " process_madvise target=$pid " " unmodelled nr=206 delta=1 "; do
			grep -q -- "$pat" "$f.txt" || fail "misc: no event matching '$pat'"
		done
		if ! grep -q "userfaultfd unavailable" "$T/$w.log"; then
			for pat in " uffd_register start=0x.* len=0x4000 mode=0x1 = 0" \
				   " uffd_copy dst=0x.* len=0x1000 " " uffd_zeropage " " uffd_unregister "; do
				grep -q -- "$pat" "$f.txt" || fail "misc: no event matching '$pat'"
			done
		fi
	fi
	verify "$f"
	pass "$w recorded"
done
finish
