#!/bin/bash
# Exits and their teardown (exitrace workload: five children with 30000
# VMAs each exit while the workload asks the recorder for a checkpoint).
#  - exit_mmap's frees are recorded: the recorder keeps a dead process
#    traced until its mm is torn down (filters metadata exit-frees=recorded),
#    so anon_vma/AVC frees follow the children's exit events, attributed to
#    them; and forkchain's (tests/workloads) too
#  - one snapshot of a process at a time: an exit snapshot and a checkpoint
#    snapshot of the same child never interleave in the stream; a child
#    either has an exit snapshot or died inside a checkpoint snapshot of
#    itself (then that one stands, and its teardown ran in the iterator's
#    context: verify's free_at_exit_unrecorded class)
#  - replay --verify agrees (exit 0, allocation counts compared)
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads exitrace forkchain

f=$T/exitrace.avt
"$AVTRACE" record --no-status -o "$f" -- "$WL/exitrace" 2> "$T/exitrace.log" ||
	{ fail "record exitrace: $(tail -3 "$T/exitrace.log")"; finish; }
check_readable "$f" || finish
grep -q "exit-frees=recorded" "$f.info" && pass "filters say exit-frees=recorded" ||
	fail "no exit-frees=recorded in the filters metadata"
# snapshots of one pid must not overlap in the stream
bad=$(awk '$4 == "snap_begin" { split($3, a, "/"); if (open[a[1]]) bad++; open[a[1]]++ }
	   $4 == "snap_end" { split($3, a, "/"); if (open[a[1]]) open[a[1]]-- }
	   END { print bad + 0 }' "$f.txt")
[ "$bad" = 0 ] && pass "no two snapshots of one process interleave" || fail "$bad interleaved snapshots"
# every child's death is covered by exactly one snapshot; count frees after exits
read -r kids covered inside freed <<< "$(awk '
	$4 == "fork" && $6 ~ /newmm/ { split($5, cc, "[=/]"); kid[cc[2]] = 1 }
	$4 == "snap_begin" { split($3, a, "/"); open[a[1]] = $5 }
	$4 == "snap_end" { split($3, a, "/"); delete open[a[1]] }
	$4 == "exit" && $6 == "group_dead=1" { split($3, a, "/"); dead[a[1]] = 1
		if (open[a[1]] == "kind=checkpoint") inside[a[1]] = 1 }
	$4 == "snap_begin" && $5 == "kind=exit" { split($3, a, "/"); exitsnap[a[1]] = 1 }
	$4 == "alloc" && $6 == "op=free" { split($3, a, "/"); if (dead[a[1]]) freed[a[1]] = 1 }
	END { n = c = i = fr = 0
		for (k in kid) { n++; if (exitsnap[k] + inside[k] == 1) c++; if (inside[k]) i++; if (freed[k]) fr++ }
		print n, c, i, fr }' "$f.txt")"
echo "exitrace: $kids children, $covered with exactly one snapshot at death ($inside died inside a checkpoint snapshot), $freed with frees recorded after their exit"
[ "$kids" = 5 ] || fail "expected 5 children, found $kids"
[ "$covered" = "$kids" ] && pass "each child's death has exactly one snapshot" || fail "only $covered of $kids deaths have exactly one snapshot"
[ "$freed" -ge 1 ] && pass "frees after an exit recorded for $freed children" || fail "no frees recorded after any child's exit"
"$AVTRACE" replay "$f" --verify > "$T/exitrace.ver" 2>&1; rc=$?
echo "exitrace: $(grep -E '^verify.match.(all|alloc) ' "$T/exitrace.ver" | tr '\n' ' ')"
[ $rc = 0 ] && pass "exitrace verifies" || { fail "replay --verify exited $rc"; sed -n '/^# first/,$p' "$T/exitrace.ver" | head -10; }
grep -q "^verify.match.alloc [0-9.]* % ([1-9]" "$T/exitrace.ver" || fail "exitrace: no allocation count compared"

# forkchain: every exited process's frees follow its exit event
f=$T/forkchain.avt
rm -f "$T/ready"
AVT_READY=$T/ready "$AVTRACE" record --no-status -o "$f" -- "$WL/forkchain" 2> "$T/forkchain.log" &
rec=$!
if wait_for "$T/ready" 20 $rec; then
	kill -USR1 "$(child_of $rec)"
	wait $rec || fail "record forkchain: $(tail -3 "$T/forkchain.log")"
	check_readable "$f" && {
		n=$(awk '$4 == "exit" && $6 == "group_dead=1" { split($3, a, "/"); dead[a[1]] = 1 }
			 $4 == "alloc" && $6 == "op=free" { split($3, a, "/"); if (dead[a[1]]) n++ }
			 END { print n + 0 }' "$f.txt")
		[ "$n" -ge 3 ] && pass "forkchain: $n frees after exit events" || fail "forkchain: only $n frees after exits"
		"$AVTRACE" replay "$f" --verify > "$T/forkchain.ver" 2>&1; rc=$?
		[ $rc = 0 ] && grep -q "^verify.class.free_at_exit_unrecorded 0 " "$T/forkchain.ver" &&
			grep -q "^verify.match.alloc 100.00 % ([1-9]" "$T/forkchain.ver" &&
			pass "forkchain: exit frees compared, all agree" ||
			fail "forkchain: verify exit $rc $(grep 'free_at_exit\|match.alloc' "$T/forkchain.ver" | tr '\n' ' ')"
	}
else
	fail "forkchain never became ready"; kill -INT $rec; wait $rec
fi
finish
