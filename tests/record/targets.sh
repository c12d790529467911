#!/bin/bash
# Target selection: -p on one child of a forking process (its parent and
# sibling share its anon_vma families: they get passive start snapshots and
# are not traced), -p on a parent whose children and grandchild existed
# before recording (adopted: start snapshots, then traced), -p with several
# pids, -c CGROUP (cgroup v2), -a.
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads madvise storm family

# --- -p on one child: passive snapshots of the family ---------------------------
rm -f "$T/ready"
AVT_READY=$T/ready "$WL/madvise" & par=$!
wait_for "$T/ready" 20 || { fail "madvise never ready"; kill $par; finish; }
kids=$(pgrep -P $par | tr '\n' ' ')
k1=${kids%% *}
f=$T/passive.avt
"$AVTRACE" record --no-status -o "$f" -p "$k1" -d 1 2> "$T/passive.log" || fail "-p $k1: exit $?"
kill -USR1 $par; wait $par
check_readable "$f"
if [ -s "$f.txt" ]; then
	grep -q " $par/$par snap_begin kind=start .*flags=passive" "$f.txt" &&
		pass "-p child: parent $par snapshotted as passive" || fail "no passive snapshot of the parent"
	for k in $kids; do
		[ "$k" = "$k1" ] && continue
		grep -q " $k/$k snap_begin kind=start .*flags=passive" "$f.txt" ||
			fail "no passive snapshot of sibling $k"
	done
	grep -q " $k1/$k1 snap_begin kind=start n=0 flags=0 " "$f.txt" || fail "no start snapshot of the target"
	grep " $par/$par " "$f.txt" | grep -qv " snap_" && fail "the passive parent was traced"
	grep -q " snap_begin .*flags=passive.*comm=avtrace" "$f.txt" && fail "the recorder snapshotted itself"
fi
verify "$f"

# --- -p on a parent: its existing children and grandchild are adopted -----------
rm -f "$T/fready" "$T/fready.2"
AVT_READY=$T/fready "$WL/family" & par=$!
wait_for "$T/fready" 20 || { fail "family never ready"; kill $par; finish; }
kids=$(pgrep -P $par | tr '\n' ' ')
grand=$(for k in $kids; do pgrep -P "$k"; done | tr '\n' ' ')
fam="$kids$grand"
f=$T/family.avt
"$AVTRACE" record --no-status -v -o "$f" -p "$par" -d 20 2> "$T/family.log" & rec=$!
n=100
while ! grep -q "existing descendant(s) of the targets followed" "$T/family.log" && [ $n -gt 0 ] &&
      kill -0 $rec 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
grep -q "avtrace record: 3 existing descendant(s)" "$T/family.log" ||
	fail "-p parent: not 3 descendants adopted: $(grep -i 'descendant\|error' "$T/family.log" | head -3)"
kill -USR1 $par				# the family writes while recorded
wait_for "$T/fready.2" 20 || fail "family never finished its writes"
kill -USR1 $rec; sleep 0.5		# checkpoint while everyone waits
kill -USR1 $par				# exit; the recorder stops when all are gone
wait $rec || fail "-p parent: exit $?"
wait $par
check_readable "$f"
if [ -s "$f.txt" ]; then
	[ "$(echo $fam | wc -w)" = 3 ] || fail "family: expected 3 descendants, found '$fam'"
	for p in $par $fam; do
		grep -q " $p/$p snap_begin kind=start n=0 flags=0 " "$f.txt" || fail "family: no start snapshot of $p"
		grep -q " $p/$p snap_begin kind=checkpoint n=1 " "$f.txt" || fail "family: no checkpoint snapshot of $p"
		nf=$(grep -c " $p/$p fault addr=.* access=write mode=user" "$f.txt")
		[ "$nf" -ge 4 ] || fail "family: only $nf write faults of $p recorded"
		grep -q " $p/$p exit " "$f.txt" || fail "family: no exit of $p"
		grep -q " fork child=$p/" "$f.txt" && fail "family: $p has a fork event, it existed before"
		echo "family: $p: start snapshot, $nf write faults"
	done
	grep -q "flags=passive" "$f.txt" && fail "family: a descendant was snapshotted as passive"
fi
verify "$f"
"$AVTRACE" replay "$f" --verify > "$T/family.ver" 2>&1
grep -q "^verify.match.all 100.00 % ([1-9]" "$T/family.ver" &&
grep -q "^verify.snapshots.compared \([4-9]\|[1-9][0-9]\)" "$T/family.ver" &&
	pass "-p parent: children and grandchild adopted, verified $(awk '$1=="verify.match.all"{print $2,$3,$4}' "$T/family.ver")" ||
	fail "-p parent: $(grep -E '^verify.(match.all|snapshots.compared)' "$T/family.ver" | tr '\n' ' ')"
# the children's anon_vmas hang off their parent's, seeded before them: the
# family is in the trace, its facts are judged (not partial_family)
grep -q "^verify.class.partial_family 0 facts" "$T/family.ver" ||
	fail "-p parent: families not judged: $(grep partial_family "$T/family.ver")"

# --- -p with two pids, both followed --------------------------------------------
sleep 5 & s1=$!
sleep 5 & s2=$!
"$AVTRACE" record --no-status -o "$T/two.avt" -p "$s1,$s2" -d 0.5 2> "$T/two.log" || fail "-p a,b: exit $?"
kill $s1 $s2 2>/dev/null; wait $s1 $s2 2>/dev/null
check_readable "$T/two.avt"
if [ -s "$T/two.avt.txt" ]; then
	for s in $s1 $s2; do
		grep -q " $s/$s snap_begin kind=start n=0 flags=0 " "$T/two.avt.txt" || fail "-p a,b: no start snapshot of $s"
	done
	pass "-p $s1,$s2: both snapshotted"
fi

# --- -c CGROUP ---------------------------------------------------------------------
cg2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
if [ -n "$cg2" ] && mkdir "$cg2/avtrace-test.$$" 2>/dev/null; then
	cg=$cg2/avtrace-test.$$
	"$AVTRACE" record --no-status -o "$T/cg.avt" -c "$cg" -d 1.5 2> "$T/cg.log" & rec=$!
	wait_for "$T/cg.avt" 10 $rec; sleep 0.3
	(echo $BASHPID > "$cg/cgroup.procs" && exec "$WL/storm" 200)
	"$WL/storm" 200		# outside the cgroup: must not be traced
	wait $rec || fail "-c: exit $?"
	rmdir "$cg"
	check_readable "$T/cg.avt"
	if [ -s "$T/cg.avt.txt" ]; then
		n=$(grep -c " exec file=$WL/storm" "$T/cg.avt.txt")
		[ "$n" = 1 ] && pass "-c: the process in the cgroup was traced, the other not" ||
			fail "-c: $n storm execs traced (want 1)"
	fi
	verify "$T/cg.avt"
	# a family already asleep in a sub-cgroup: -c snapshots every member
	# of the subtree at start (none of them makes a syscall meanwhile)
	mkdir "$cg" "$cg/sub"
	rm -f "$T/cready"
	(echo $BASHPID > "$cg/sub/cgroup.procs" && AVT_READY=$T/cready exec "$WL/family") & par=$!
	if wait_for "$T/cready" 20; then
		fam="$par $(pgrep -P $par | tr '\n' ' ')"
		fam="$fam $(for k in $(pgrep -P $par); do pgrep -P "$k"; done | tr '\n' ' ')"
		"$AVTRACE" record --no-status -o "$T/cgsub.avt" -c "$cg" -d 1 2> "$T/cgsub.log" ||
			fail "-c subtree: exit $?"
		check_readable "$T/cgsub.avt"
		before=$fails
		for p in $fam; do
			grep -q " $p/$p snap_begin kind=start n=0 flags=0 " "$T/cgsub.avt.txt" ||
				fail "-c subtree: no start snapshot of $p"
			grep -q " $p/$p snap_begin kind=checkpoint " "$T/cgsub.avt.txt" ||
				fail "-c subtree: no final snapshot of $p"
		done
		[ "$(echo $fam | wc -w)" = 4 ] && [ $fails = $before ] &&
			pass "-c: the 4 processes of a sub-cgroup snapshotted at start" ||
			fail "-c subtree: family is '$fam'"
		verify "$T/cgsub.avt"
	else
		fail "family in the sub-cgroup never ready"
	fi
	kill -USR1 $par; sleep 0.2; kill -USR1 $par; wait $par
	rmdir "$cg/sub" "$cg"
else
	echo "SKIP-part: no writable cgroup v2 hierarchy for -c"
fi

# --- -a ------------------------------------------------------------------------------
"$AVTRACE" record --no-status -o "$T/all.avt" -a -d 1 2> "$T/all.log" & rec=$!
wait_for "$T/all.avt" 10 $rec; sleep 0.3
"$WL/storm" 100
wait $rec || fail "-a: exit $?"
cat "$T/all.log"
check_readable "$T/all.avt"
if [ -s "$T/all.avt.txt" ]; then
	grep -q " exec file=$WL/storm" "$T/all.avt.txt" && pass "-a: a new process was traced" ||
		fail "-a: storm not traced"
	grep -q " $rec/[0-9]* " "$T/all.avt.txt" && fail "-a: the recorder traced itself"
fi
finish
