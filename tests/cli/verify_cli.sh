#!/bin/bash
# replay --verify on hand-written traces with kernel snapshots
# (tests/cli/verify/match.txt): full agreement -> exit 0 and 100 %; a
# wrong boundary, a wrong sharing, a wrong AVC count, a wrong chain order,
# a wrong alloc count
# -> exit 3 with the mismatch printed (kernel line vs engine line); a
# drops_tgid stats record -> the process is tainted, its facts are not
# judged (and ambiguous, passive, incomplete, unexplained-prepare, file
# mode and shmem inode facts are classes of their own); release 5.15 -> a one-line refusal, exit 1 (--verify-mode
# overrides); script --snapshot=N --state equals replay --state-at.
# Exit frees (exit-frees=recorded traces), the teardown's end told by them,
# and AVT_SYSF_OVERLAP calls (overlap.txt) are covered too.
. "$(dirname "$0")/lib/common.sh"
D=tests/cli/verify
T=$AVT_TMP/verify_cli
mkdir -p "$T"
. "$(dirname "$0")/lib/verify.sh"

# 1. agreement
run match $D/match.txt
[ $rc = 0 ] && ok || bad "match: exit $rc"
grep -q "^verify.match.all 100.00 % (78/78)" "$T/match.out" && ok || bad "match: $(grep match.all "$T/match.out")"
grep -q "^verify.match.alloc 100.00 % (12/12)" "$T/match.out" && ok || bad "match: alloc $(grep match.alloc "$T/match.out")"
grep -q "^verify: MATCH" "$T/match.out" && ok || bad "match: no MATCH line"
grep -q "^verify.scheme eager-legacy" "$T/match.out" && ok || bad "6.18 should verify with eager-legacy"

# 2. mismatches: each edit of the kernel side must be caught
mutate() {	# mutate NAME SED-EXPR FACT PATTERN
	local n=$1 e=$2 fact=$3 pat=$4
	sed "$e" $D/match.txt > "$T/$n.txt"
	cmp -s "$T/$n.txt" $D/match.txt && { bad "$n: sed changed nothing"; return; }
	run "$n" "$T/$n.txt"
	[ $rc = 3 ] && ok || bad "$n: exit $rc, expected 3"
	grep -q "^$fact mismatch at event" "$T/$n.out" && ok || bad "$n: no '$fact mismatch' line"
	grep -A2 "^$fact mismatch" "$T/$n.out" | grep -q -- "$pat" && ok || bad "$n: detail lacks '$pat': $(grep -A2 "^$fact mismatch" "$T/$n.out" | head -3)"
	grep -q "^verify: MISMATCH" "$T/$n.out" && ok || bad "$n: no MISMATCH line"
}
# the child's VMA one page short at checkpoint 1
mutate boundary '/^2 snap_vma/{s/0x100000-0x104000/0x100000-0x103000/;}' vma \
	"kernel: 2 100000-103000"
# the child shares its parent's anon_vma (kernel id 0xa1 already paired
# with the parent's object)
mutate sharing '0,/^2 snap_vma/{/^2 snap_vma/s/av=0xa2/av=0xa1/;}' av \
	"engine: 2 100000-104000 .* av=a1 root=a2"
# the child's chain one AVC longer
mutate avcs '0,/^2 snap_vma/{/^2 snap_vma/s/avcs=2/avcs=3/;}' avcs \
	"kernel: .*avcs=3"
# the child's chain listed in the other order (K7 would reverse it)
mutate chain '0,/^2 snap_vma/{/^2 snap_vma/s/chain=0xa2,0xa1/chain=0xa1,0xa2/;}' chain \
	"kernel: .*chain=a2,a1"
# a missing fork allocation in the kernel truth
sed '/site=fork id=0xa2/d' $D/match.txt > "$T/alloc.txt"
run alloc "$T/alloc.txt"
[ $rc = 3 ] && ok || bad "alloc: exit $rc, expected 3"
grep -q "^alloc mismatch in the window ending at checkpoint 1, p\[1\]: anon_vma allocs kernel 1 engine 2" "$T/alloc.out" && ok || bad "alloc: $(grep '^alloc' "$T/alloc.out")"
# a checkpoint between a fork's allocations and its fork event: the
# allocations belong to the fork's window, not a mismatch
sed 's/^1 fork child=2/0 checkpoint n=9\n&/' $D/match.txt > "$T/forkwin.txt"
run forkwin "$T/forkwin.txt"
[ $rc = 0 ] && grep -q "^verify.match.alloc 100.00 % (16/16)" "$T/forkwin.out" && ok || bad "fork across a window: exit $rc $(grep '^alloc\|match.alloc' "$T/forkwin.out")"
# the kernel may still count an exited child's anon_vmas while its
# exit_mmap runs: right after C's exit P's num_children is not judged
# (ambiguous), a second later it is (mismatch)
sed '/^1 snap_vma 0x100000-0x102000/s/children=1/children=2/' $D/match.txt > "$T/late.txt"
run late "$T/late.txt"
[ $rc = 3 ] && grep -q "^children mismatch" "$T/late.out" && ok || bad "nc a second after an exit: exit $rc, expected 3"
sed -e 's/^@1000000000 //' "$T/late.txt" > "$T/soon.txt"
run soon "$T/soon.txt"
[ $rc = 0 ] && ok || bad "nc right after an exit: exit $rc, expected 0 (ambiguous)"
# exit_mmap's frees: a trace whose recorder kept exiting processes traced
# until their mm was torn down (filters exit-frees=recorded) must hold
# them -- missing ones are a mismatch; an older trace without them gets the
# free_at_exit_unrecorded class instead; frees still to come when a
# checkpoint's window closes count in the next window
EF='meta filters="target=command exit-frees=recorded"'
sed -e '/^2 alloc cache=.*op=free/d' $D/match.txt > "$T/nofree_old.txt"
run nofree_old "$T/nofree_old.txt"
[ $rc = 0 ] && grep -q "^verify.class.free_at_exit_unrecorded [1-9]" "$T/nofree_old.out" && ok ||
	bad "exit frees absent in an old trace: exit $rc $(grep 'free_at_exit\|^alloc' "$T/nofree_old.out")"
# (the recorder's teardown marker says c's exit_mmap finished inside the
# recording: its frees should all be there)
sed -e "s/^meta thp=never/&\n$EF/" "$T/nofree_old.txt" > "$T/nofree_cut.txt"
{ cat "$T/nofree_cut.txt"; echo "0 stats kind=teardown key=2 value=1"; } > "$T/nofree.txt"
run nofree "$T/nofree.txt"
[ $rc = 3 ] && grep -q "^alloc mismatch in the window ending at the end, c\[2\]: anon_vma frees kernel 0 engine 1" "$T/nofree.out" &&
	grep -q "^verify.class.free_at_exit_unrecorded 0 " "$T/nofree.out" && ok ||
	bad "exit frees absent with exit-frees=recorded: exit $rc $(grep 'free_at_exit\|^alloc' "$T/nofree.out")"
# the recording ended before that marker (exit_mmap still running when the
# recorder stopped): the frees not made yet are free_at_exit_unrecorded
run nofree_cut "$T/nofree_cut.txt"
[ $rc = 0 ] && grep -q "^verify.class.free_at_exit_unrecorded [1-9]" "$T/nofree_cut.out" && ok ||
	bad "exit frees cut by the end of the recording: exit $rc $(grep 'free_at_exit\|^alloc' "$T/nofree_cut.out")"
sed -e "s/^meta thp=never/&\n$EF/" $D/match.txt > "$T/withfree.txt"
run withfree "$T/withfree.txt"
[ $rc = 0 ] && grep -q "^verify.class.free_at_exit_unrecorded 0 " "$T/withfree.out" && ok ||
	bad "exit frees recorded: exit $rc $(grep 'free_at_exit\|^alloc' "$T/withfree.out")"
awk '/^2 alloc cache=avc op=free site=unlink id=0xc3/ { print "0 checkpoint n=2"
	print "1 snap_begin kind=checkpoint n=2 flags=0 start=1 comm=p"
	print "1 snap_vma 0x100000-0x102000 flags=0x100073 pgoff=0x100 dev=0:0 ino=0 av=0xa1 root=0xa1 parent=0xa1 children=2 active=3 avcs=1 chain=0xa1"
	print "1 snap_vma 0x102000-0x103000 flags=0x100071 pgoff=0x102 dev=0:0 ino=0 av=0xa1 root=0xa1 parent=0xa1 children=2 active=3 avcs=1 chain=0xa1"
	print "1 snap_vma 0x103000-0x104000 flags=0x100073 pgoff=0x103 dev=0:0 ino=0 av=0xa1 root=0xa1 parent=0xa1 children=2 active=3 avcs=1 chain=0xa1"
	print "1 snap_end kind=checkpoint n=2 status=complete vmas=3 window=0-0" } 1' "$T/withfree.txt" > "$T/latefree.txt"
run latefree "$T/latefree.txt"
[ $rc = 0 ] && grep -q "^verify.match.alloc 100.00 % (20/20)" "$T/latefree.out" && ok ||
	bad "exit frees after a checkpoint: exit $rc $(grep 'match.alloc\|^alloc\|mismatch at' "$T/latefree.out")"
# with exit_mmap's frees in the trace, the frees say when C's teardown is
# over, not the 50 ms: right after C's frees P's num_children is judged
# (mismatch); with C's frees still to come at P's snapshot it is not
sed -e "s/^meta thp=never/&\n$EF/" "$T/soon.txt" > "$T/soonef.txt"
run soonef "$T/soonef.txt"
[ $rc = 3 ] && grep -q "^children mismatch" "$T/soonef.out" && ok ||
	bad "nc right after a finished teardown: exit $rc, expected 3"
{ grep -v '^2 alloc cache=.*op=free' "$T/soonef.txt"; grep '^2 alloc cache=.*op=free' "$T/soonef.txt"; } > "$T/pending.txt"
run pending "$T/pending.txt"
[ $rc = 0 ] && grep -q "^verify.match.alloc 100.00 %" "$T/pending.out" && ok ||
	bad "nc while the teardown's frees are still to come: exit $rc, expected 0 (ambiguous): $(grep 'mismatch at\|^alloc' "$T/pending.out" | head -3)"
# the recorder's teardown marker (stats kind=teardown, in stream order)
# ends the uncertainty too; value=2 (torn down in another context) says
# C's frees are not in the trace: class, not mismatch
grep -v '^2 alloc cache=.*op=free' "$T/soonef.txt" |
	sed 's/^2 snap_end kind=exit.*/&\n0 stats kind=teardown key=2 value=2/' > "$T/marker.txt"
run marker "$T/marker.txt"
[ $rc = 3 ] && grep -q "^children mismatch" "$T/marker.out" && ! grep -q "^alloc mismatch" "$T/marker.out" &&
	grep -q "^verify.class.free_at_exit_unrecorded [1-9]" "$T/marker.out" && ok ||
	bad "teardown marker: exit $rc $(grep 'free_at_exit\|^alloc\|mismatch at' "$T/marker.out" | head -4)"
# --verify-show limits the detail, not the count
sed -e '/^2 snap_vma/s/avcs=2/avcs=5/' $D/match.txt > "$T/two.txt"
run two "$T/two.txt" --verify-show=1
[ $rc = 3 ] && [ "$(grep -c 'mismatch at event' "$T/two.out")" = 1 ] && grep -q "^verify.mismatches 2" "$T/two.out" && ok || bad "verify-show: $(grep mismatches "$T/two.out")"

# 3. a process that lost events is tainted: not judged, not a mismatch,
# even though its (edited) snapshot disagrees
sed -e '/^2 snap_vma/s/avcs=2/avcs=7/' -e '$a 0 stats kind=drops_tgid key=2 value=5' $D/match.txt > "$T/taint.txt"
run taint "$T/taint.txt"
[ $rc = 0 ] && ok || bad "taint: exit $rc, expected 0"
grep -q "^verify.tainted c\[2\] drops" "$T/taint.out" && ok || bad "taint: c[2] not listed as tainted"
t=$(awk '$1=="verify.class.tainted"{print $2}' "$T/taint.out")
[ "${t:-0}" -gt 0 ] && ok || bad "taint: class tainted is ${t:-empty}"
grep -q "^verify.snapshots.tainted 2" "$T/taint.out" && ok || bad "taint: $(grep snapshots.tainted "$T/taint.out")"
# an unmodelled event taints from there on
sed -e 's/^2 write 0x101000/&\n2 unmodelled nr=206 delta=1 seq=1-2/' -e '/^2 snap_vma/s/avcs=2/avcs=7/' $D/match.txt > "$T/unm.txt"
run unm "$T/unm.txt"
[ $rc = 0 ] && grep -q "^verify.tainted c\[2\] unmodelled" "$T/unm.out" && ok || bad "unmodelled: exit $rc $(grep tainted "$T/unm.out")"

# 3b. the other classes that are never judged (tests/cli/verify/classes.txt)
run classes $D/classes.txt
[ $rc = 0 ] && ok || bad "classes: exit $rc, expected 0: $(sed -n '/^# first/,$p' "$T/classes.out" | head -5)"
for c in "ambiguous 10" "passive 10" "incomplete 10" "unexplained_prepare 6" \
	 "file_mode_unrecorded 1" "shmem_inode 1"; do
	grep -q "^verify.class.$c facts" "$T/classes.out" && ok || bad "classes: no 'verify.class.$c facts'"
done
grep -q "^verify.unexplained_prepare p\[1\] 1" "$T/classes.out" && ok || bad "classes: unexplained prepare not charged to p[1]"
grep -q "^verify.match.all 100.00 % (12/12)" "$T/classes.out" && ok || bad "classes: $(grep match.all "$T/classes.out")"
# with exit_mmap's frees recorded, the exit frees of that kernel-only
# anon_vma (and of the AVC its prepare linked) are not the engine's either
{ sed 's/^meta thp=never/&\nmeta filters="exit-frees=recorded"/' $D/classes.txt
  echo "1 exit code=0 group_dead=1"
  echo "1 alloc cache=anon_vma op=free site=put id=0xa1"
  echo "1 alloc cache=avc op=free site=unlink id=0xc1"; } > "$T/uxfree.txt"
run uxfree "$T/uxfree.txt"
[ $rc = 0 ] && grep -q "^verify.class.unexplained_prepare 8 facts" "$T/uxfree.out" && ok ||
	bad "exit frees of an unexplained prepare: exit $rc $(grep '^alloc\|unexplained_prepare' "$T/uxfree.out")"

# 3c. interleaved, overlapping and late snapshots (tests/cli/verify/interleave.txt)
run inter $D/interleave.txt
[ $rc = 0 ] && ok || bad "interleave: exit $rc: $(sed -n '/^# first/,$p' "$T/inter.out" | head -5)"
for c in "compared 3" "overlapping 2" "after_exit 1"; do
	grep -q "^verify.snapshots.$c$" "$T/inter.out" && ok || bad "interleave: no 'verify.snapshots.$c'"
done
"$A" replay $D/interleave.txt --state | grep -q "^2 " && bad "interleave: a snapshot rebuilt the dead child" || ok

# 3d. calls flagged AVT_SYSF_OVERLAP (tests/cli/verify/overlap.txt): the
# trace's order of two racing calls is not the kernel's; the VMAs near
# them are ambiguous, a VMA far from them is still judged; the same trace
# without the flags is a mismatch
run ovl $D/overlap.txt
[ $rc = 0 ] && grep -q "^verify.overlapped_calls 2 (6 facts near them ambiguous)" "$T/ovl.out" &&
	grep -q "^verify.class.ambiguous 6 facts" "$T/ovl.out" && grep -q "^verify.match.all 100.00 % (5/5)" "$T/ovl.out" && ok ||
	bad "overlap: exit $rc $(grep 'overlapped\|match.all\|mismatch at' "$T/ovl.out")"
sed 's/ sflags=0x8//' $D/overlap.txt > "$T/noovl.txt"
run noovl "$T/noovl.txt"
[ $rc = 3 ] && grep -q "^vma mismatch" "$T/noovl.out" && ok || bad "overlap flags removed: exit $rc, expected 3"
# the uncertainty is inherited by a forked child, and ends at exec
sed -e 's/^0 checkpoint n=1/1 fork child=3\/3 flags=newmm clone_flags=0x11 start=3 comm=c\n&/' \
    -e '$a 3 snap_begin kind=checkpoint n=1 flags=0 start=3 comm=c' \
    -e '$a 3 snap_vma 0x100000-0x104000 flags=0x100073 pgoff=0x100 dev=0:0 ino=0 av=- root=- parent=- children=0 active=0 avcs=0 chain=-' \
    -e '$a 3 snap_vma 0x200000-0x201000 flags=0x71 pgoff=0x200 dev=0:0 ino=0 av=- root=- parent=- children=0 active=0 avcs=0 chain=-' \
    -e '$a 3 snap_end kind=checkpoint n=1 status=complete vmas=2 window=0-0' $D/overlap.txt > "$T/ovfork.txt"
run ovfork "$T/ovfork.txt"
[ $rc = 0 ] && grep -q "^verify.class.ambiguous 12 facts" "$T/ovfork.out" && ok ||
	bad "overlap inherited by fork: exit $rc $(grep 'class.ambiguous\|mismatch at' "$T/ovfork.out")"
{ sed '/^0 checkpoint n=1/,$d' $D/overlap.txt; cat <<'EOT'
1 exec file=/bin/q comm=q old_tid=1 start=1
1 snap_begin kind=exec n=0 flags=0 start=1 comm=q
1 snap_vma 0x100000-0x104000 flags=0x100073 pgoff=0x100 dev=0:0 ino=0 av=- root=- parent=- children=0 active=0 avcs=0 chain=-
1 snap_end kind=exec n=0 status=complete vmas=1 window=0-0
0 checkpoint n=1
1 snap_begin kind=checkpoint n=1 flags=0 start=1 comm=q
1 snap_vma 0x100000-0x103000 flags=0x100073 pgoff=0x100 dev=0:0 ino=0 av=- root=- parent=- children=0 active=0 avcs=0 chain=-
1 snap_end kind=checkpoint n=1 status=complete vmas=1 window=0-0
EOT
} > "$T/ovexec.txt"
run ovexec "$T/ovexec.txt"
[ $rc = 3 ] && grep -q "^vma mismatch" "$T/ovexec.out" && ok || bad "overlap after exec: exit $rc, expected 3 (the exec ends the uncertainty)"

# 3e. snapshot statuses (tests/cli/verify/snapstatus.txt): complete is
# judged; lock_dropped is its own class, never a match or a mismatch (the
# same snapshot marked complete is a mismatch); busy holds nothing and is
# counted; ambiguous is class ambiguous; a busy exec snapshot leaves the
# process unseeded (tainted) until a complete checkpoint snapshot re-seeds
# it (checkpoint 1: Q's group is Q alone) -- marked complete, its
# checkpoint mismatches; with checkpoint 1 lock_dropped Q stays unseeded
run sst $D/snapstatus.txt
[ $rc = 0 ] && grep -q "^verify.match.all 100.00 % (15/15)" "$T/sst.out" && ok ||
	bad "snapstatus: exit $rc $(grep 'match.all\|mismatch at' "$T/sst.out")"
for c in "snapshots.lock_dropped 1" "snapshots.busy 2" "snapshots.ambiguous 1" \
	 "class.lock_dropped 10 facts" "class.ambiguous 10 facts" "reseeded q\[2\] 1" \
	 "tainted.reseeded 1 (1 snapshots; 0 group(s) whose rebuild differed: still tainted)" \
	 "class.snapshotless 1 processes q\[2\]"; do
	grep -q "^verify.$c$" "$T/sst.out" && ok || bad "snapstatus: no 'verify.$c'"
done
grep -q "^verify.tainted q" "$T/sst.out" && bad "snapstatus: q still tainted" || ok
sed '/^2 snap_end kind=checkpoint n=1/s/status=complete/status=lock_dropped/' $D/snapstatus.txt > "$T/sst3.txt"
run sst3 "$T/sst3.txt"
[ $rc = 0 ] && grep -q "^verify.tainted q\[2\] unseeded$" "$T/sst3.out" && ok ||
	bad "snapstatus, Q's checkpoint lock_dropped: exit $rc $(grep '^verify.\(tainted\|reseed\)' "$T/sst3.out")"
grep -q "^verify.reseeded" "$T/sst3.out" && bad "snapstatus: lock_dropped checkpoint re-seeded q" || ok
sed 's/status=lock_dropped/status=complete/' $D/snapstatus.txt > "$T/sst1.txt"
run sst1 "$T/sst1.txt"
[ $rc = 3 ] && grep -q "^vma mismatch at event .* n=2 " "$T/sst1.out" && ok || bad "lock_dropped as complete: exit $rc, expected 3"
sed '/^2 snap_end kind=exec/s/status=busy/status=complete/' $D/snapstatus.txt > "$T/sst2.txt"
run sst2 "$T/sst2.txt"
[ $rc = 3 ] && grep -q "^vma mismatch at event .* q\[2\]" "$T/sst2.out" && ok || bad "busy exec as complete: exit $rc, expected 3"
# the text form names every status and round-trips it
"$A" script $D/snapstatus.txt > "$T/sst.txt" && "$A" script "$T/sst.txt" | cmp -s - "$T/sst.txt" && ok || bad "snapstatus: script round trip"
for st in complete lock_dropped busy ambiguous; do
	grep -q " snap_end .* status=$st " "$T/sst.txt" && ok || bad "script: no status=$st"
done
"$A" import $D/snapstatus.txt -o "$T/sst.avt" > /dev/null 2>&1 && "$A" script "$T/sst.avt" | cmp -s - "$T/sst.txt" && ok ||
	bad "snapstatus: binary round trip"
"$A" info "$T/sst.avt" | grep -q "^snapshots  6: 2 complete, 1 lock_dropped, 2 busy, 1 ambiguous$" && ok ||
	bad "info: $("$A" info "$T/sst.avt" | grep '^snapshots')"
# /proc snapshots (tests/cli/verify/procfs.txt): boundaries, flags, file
# and file pgoffs judged; anon_vma facts, anonymous pgoffs and the
# allocation counts of processes seeded from /proc are not_captured; an
# exec whose snapshot was skipped leaves the process unseeded
run pfs $D/procfs.txt
[ $rc = 0 ] && grep -q "^verify.match.all 100.00 % (14/14)" "$T/pfs.out" && ok ||
	bad "procfs: exit $rc $(grep 'match.all\|mismatch at' "$T/pfs.out")"
for c in "snapshots.procfs 3 (no anon_vma facts: class not_captured)" "class.not_captured 20 facts" \
	 "match.av - (0 compared)" "match.alloc - (0 compared)" "match.pgoff 100.00 % (2/2)" "tainted x\[6\] unseeded"; do
	grep -q "^verify.$c$" "$T/pfs.out" && ok || bad "procfs: no 'verify.$c'"
done
# a /proc snapshot never re-seeds an unseeded process (no anon_vma ids):
# X's complete checkpoint 1 snapshot, flags=procfs, leaves it tainted;
# the same snapshot without the flag re-seeds it
grep -q "^verify.reseeded\|^verify.tainted.reseeded" "$T/pfs.out" && bad "procfs: a /proc snapshot re-seeded" || ok
sed '/^6 snap_begin kind=checkpoint/s/flags=procfs/flags=0/' $D/procfs.txt > "$T/pfs3.txt"
run pfs3 "$T/pfs3.txt"
[ $rc = 0 ] && grep -q "^verify.reseeded x\[6\] 1$" "$T/pfs3.out" && ok ||
	bad "procfs, X's checkpoint not /proc: exit $rc $(grep '^verify.\(tainted\|reseed\)' "$T/pfs3.out")"
grep -q "^verify.tainted x" "$T/pfs3.out" && bad "procfs, X's checkpoint not /proc: x still tainted" || ok
sed '/n=1 flags=procfs/,/^5 snap_end/s/0x700000-0x702000/0x700000-0x701000/' $D/procfs.txt > "$T/pfs1.txt"
run pfs1 "$T/pfs1.txt"
[ $rc = 3 ] && grep -q "^vma mismatch at event .* w\[5\]" "$T/pfs1.out" && ok || bad "procfs boundary edit: exit $rc, expected 3"
# without the flag (what an avtrace that does not know it sees) the
# missing anon_vmas would be mismatches
sed 's/flags=procfs/flags=0/' $D/procfs.txt > "$T/pfs2.txt"
run pfs2 "$T/pfs2.txt"
[ $rc = 3 ] && grep -q "^av mismatch" "$T/pfs2.out" && ok || bad "procfs flag removed: exit $rc, expected 3"
"$A" script $D/procfs.txt | grep -c " snap_begin .* flags=procfs " | grep -qx 3 && ok || bad "script: flags=procfs"
"$A" script $D/procfs.txt | grep -q " stats kind=snap_skipped key=6 value=1$" && ok || bad "script: snap_skipped"

# 4. kernels no scheme models: refusal, one line, exit 1
sed 's/^meta release=.*/meta release=5.15.0-91-generic/' $D/match.txt > "$T/old.txt"
run old "$T/old.txt"
[ $rc = 1 ] && ok || bad "5.15: exit $rc, expected 1"
[ "$(wc -l < "$T/old.err")" = 1 ] && grep -q "cannot verify a trace of Linux 5.15" "$T/old.err" && ok || bad "5.15 message: $(cat "$T/old.err")"
[ -s "$T/old.out" ] && bad "5.15: printed a report" || ok
run old2 "$T/old.txt" --verify-mode=eager-legacy
[ $rc = 0 ] && ok || bad "--verify-mode=eager-legacy on 5.15: exit $rc"
sed 's/^meta release=.*/meta release=7.0.1/' $D/match.txt > "$T/k7.txt"
run k7 "$T/k7.txt"
grep -q "^verify.scheme eager$" "$T/k7.out" && ok || bad "7.0 should verify with eager"
"$A" replay $D/match.txt --verify-mode=nosuch > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok || bad "unknown --verify-mode: exit $rc, expected 2"
"$A" replay $D/match.txt --verify --mode=eager > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok || bad "--verify with --mode: exit $rc, expected 2"
"$A" replay "$T/nonexistent.txt" --verify > /dev/null 2>&1; rc=$?
[ $rc = 1 ] && ok || bad "missing file: exit $rc, expected 1"

# 5. script --snapshot=N --state is the kernel side of replay --state-at
"$A" script $D/match.txt --snapshot=1 --state > "$T/k.state" || bad "script --snapshot exit $?"
"$A" replay $D/match.txt --state-at=checkpoint:1 > "$T/e.state" || bad "replay --state-at exit $?"
[ "$(wc -l < "$T/k.state")" = 2 ] && ok || bad "snapshot 1 should print 2 lines: $(cat "$T/k.state")"
diff -u "$T/k.state" "$T/e.state" > "$T/d" && ok || { bad "kernel vs engine at checkpoint 1:"; cat "$T/d"; }
"$A" script "$T/avcs.txt" --snapshot=1 --state | diff -u - "$T/e.state" | grep -q "^-2 100000-104000 .*avcs=3" && ok || bad "diff should show the edited line"
"$A" script $D/match.txt --snapshot=exit --state --pid=1 | wc -l | grep -qx 3 && ok || bad "--snapshot=exit --pid=1"
"$A" script $D/match.txt --snapshot=9 --state > /dev/null 2>&1; rc=$?
[ $rc = 1 ] && ok || bad "absent snapshot: exit $rc, expected 1"
"$A" script $D/match.txt --snapshot=1 > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok || bad "--snapshot without --state: exit $rc, expected 2"

echo "verify_cli: $pass passed, $fail failed"
[ $fail = 0 ]
