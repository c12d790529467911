#!/bin/bash
# replay --verify re-seeds tainted processes (tests/cli/verify/reseed.txt):
# C lost a munmap (stats drops_tgid), is tainted at checkpoint 1, re-seeded
# with P (its anon_vma family) at checkpoint 2 -- the first checkpoint
# whose snapshots begin after the stats record showing C's final drops
# count -- and judged exactly at checkpoint 3. Variants: a drop counted
# later keeps C tainted; a checkpoint-3 error in C is a mismatch once C is
# re-seeded (its facts are judged again); a family member no snapshot of
# the group holds (num_children one higher than the group explains) makes
# the rebuild differ from the snapshots, so nothing is re-seeded; drops
# counted per CPU only taint everything and re-seed nothing. A process
# whose drops were all counted before it execs is re-seeded by the exec
# (not if one is counted after). A process tainted unseeded (its seed was
# not complete) is re-seeded the same way (reseed_unseeded.txt), and so
# is a child that inherited that taint; a re-seed's cut allocation window
# is counted in a class (reseed_cut, or tainted), never dropped. A group
# holding an unmodelled member is left as it is (simulated, not rebuilt).
. "$(dirname "$0")/lib/common.sh"
D=tests/cli/verify
T=$AVT_TMP/verify_reseed
mkdir -p "$T"
. "$(dirname "$0")/lib/verify.sh"

has() {	# has NAME LINE-REGEX...
	local n=$1; shift
	for l in "$@"; do
		grep -q "^$l" "$T/$n.out" && ok || bad "$n: no line '$l': $(grep -E "^verify.(match.all|taint|reseed)" "$T/$n.out" | tr '\n' ' ')"
	done
}
hasnot() {
	local n=$1; shift
	for l in "$@"; do
		grep -q "^$l" "$T/$n.out" && bad "$n: unexpected line '$l'" || ok
	done
}

# 1. the re-seed: C tainted at checkpoint 1 (10 facts), C and P seeded at
# checkpoint 2 (20 facts), everything compared at 1 (P) and 3 (P and C)
run reseed $D/reseed.txt
[ $rc = 0 ] && ok || bad "reseed: exit $rc, expected 0"
has reseed "verify.match.all 100.00 % (66/66)" "verify.snapshots.compared 3" \
	"verify.snapshots.tainted 1" "verify.class.tainted 10 facts" "verify.class.seeded 20 facts" \
	"verify.tainted.reseeded 1 (2 snapshots; 0 group" "verify.reseeded c\[2\] 1" "verify: MATCH"
# per-CPU drops no greater than the per-tgid ones are not a global taint
hasnot reseed "verify.tainted c\[2\]" "verify.tainted p\[1\]"

# 2. after the re-seed C is judged: a wrong fact at checkpoint 3 is a mismatch
sed '/^2 snap_vma 0x200000/s/children=1/children=2/' $D/reseed.txt > "$T/wrong.txt"
run wrong "$T/wrong.txt"
[ $rc = 3 ] && ok || bad "wrong: exit $rc, expected 3"
has wrong "children mismatch at event .*c\[2\] snapshot kind=checkpoint n=3" "verify.match.all 98.48 % (65/66)"

# 3. a drop counted after checkpoint 2 began: no re-seed, C stays tainted
# (the same wrong fact is not judged)
sed -e '$s/value=1/value=2/' -e '/^@3100/s/value=1/value=2/' "$T/wrong.txt" > "$T/late.txt"
run late "$T/late.txt"
[ $rc = 0 ] && ok || bad "late drop: exit $rc, expected 0"
has late "verify.tainted c\[2\] drops" "verify.snapshots.tainted 3"
hasnot late "verify.tainted.reseeded" "verify.reseeded"

# 4. the group's rebuild differs from its snapshots (a third anon_vma under
# a1 that neither snapshot holds): checkpoint 2 re-seeds nothing, P is
# tainted with C (inherited); checkpoint 3's group rebuilds exactly and
# re-seeds both, so only checkpoint 1's P is judged
sed '/^1 snap_vma .*children=2 active=1/{x;s/^/x/;/^xx$/{x;s/children=2/children=3/;b};x}' \
	$D/reseed.txt > "$T/inexact.txt"
grep -q "children=3" "$T/inexact.txt" || bad "inexact: sed changed nothing"
run inexact "$T/inexact.txt"
[ $rc = 0 ] && ok || bad "inexact: exit $rc, expected 0"
has inexact "verify.tainted.reseeded 2 (4 snapshots; 1 group" "verify.reseeded p\[1\] 1" \
	"verify.reseeded c\[2\] 1" "verify.match.all 100.00 % (11/11)" "verify.snapshots.tainted 1"
# the same, with checkpoint 3 cut: both stay tainted to the end
sed '/^@3000/,$d' "$T/inexact.txt" > "$T/inexact2.txt"
run inexact2 "$T/inexact2.txt"
[ $rc = 0 ] && ok || bad "inexact2: exit $rc, expected 0"
has inexact2 "verify.tainted.reseeded 0 (2 snapshots; 1 group" "verify.tainted c\[2\] drops" \
	"verify.tainted p\[1\] inherited"
hasnot inexact2 "verify.reseeded"

# 5. drops counted per CPU with no tgid: anything may be off, nothing re-seeded
sed '/drops_tgid/d' $D/reseed.txt > "$T/cpu.txt"
run cpu "$T/cpu.txt"
[ $rc = 0 ] && ok || bad "cpu: exit $rc, expected 0"
has cpu "verify.tainted p\[1\] drops" "verify.tainted c\[2\] drops" "verify: NOTHING COMPARED"
hasnot cpu "verify.tainted.reseeded"

# 6. exec: Z lost events, all counted (@3150) before its exec (@3200): the
# exec re-seeds it, checkpoint 4 judges it; counted after the exec: tainted
{ cat $D/reseed.txt; cat <<'X'
@3150 0 stats kind=drops_cpu key=1 value=2
0 stats kind=drops_tgid key=3 value=2
@3200 3 exec file=/bin/z
3 mmap addr=0x300000 len=0x1000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x300000
3 write 0x300000
@4000 0 checkpoint n=4
3 snap_begin kind=checkpoint n=4 flags=0 start=3 comm=z
3 snap_vma 0x300000-0x301000 flags=0x100073 pgoff=0x300 dev=0:0 ino=0 av=0xb1 root=0xb1 parent=0xb1 children=1 active=1 avcs=1 chain=0xb1
3 snap_end kind=checkpoint n=4 status=complete vmas=1 window=4001-4002
X
} > "$T/exec.txt"
run exec "$T/exec.txt"
[ $rc = 0 ] && ok || bad "exec: exit $rc, expected 0"
has exec "verify.match.all 100.00 % (77/77)" "verify.reseeded z\[3\] 1" "verify.tainted.reseeded 2 "
hasnot exec "verify.tainted z\[3\]"
# counted after the exec: checkpoint 4 re-seeds it instead (not judged there)
sed -e 's/^@3150 0 stats kind=drops_cpu/@3300 0 stats kind=drops_cpu/' "$T/exec.txt" > "$T/exec2.txt"
run exec2 "$T/exec2.txt"
[ $rc = 0 ] && ok || bad "exec2: exit $rc, expected 0"
has exec2 "verify.match.all 100.00 % (66/66)" "verify.reseeded z\[3\] 1" "verify.tainted.reseeded 2 (3 snapshots"
# counted after checkpoint 4 began: tainted to the end
sed -e 's/^@3150 0 stats kind=drops_cpu/@4100 0 stats kind=drops_cpu/' "$T/exec.txt" |
	awk '/^@4100/{held=$0; getline nx; h2=nx; next} {print} END{print held; print h2}' > "$T/exec3.txt"
run exec3 "$T/exec3.txt"
[ $rc = 0 ] && ok || bad "exec3: exit $rc, expected 0"
has exec3 "verify.match.all 100.00 % (66/66)" "verify.tainted z\[3\] drops" "verify.snapshots.tainted 2"
hasnot exec3 "verify.reseeded z"

# 7. unseeded (tests/cli/verify/reseed_unseeded.txt): C's start snapshot
# dropped the lock (missing a VMA), checkpoint 1 re-seeds C with P (one
# group by root 0xa1), checkpoint 2 judges both: P 3 VMAs (11 facts each),
# C 3 VMAs = 66 facts + P's window-2 allocation counts (4) = 70. The
# allocation counts: 3 process-windows hold allocations, 12 count facts,
# each judged or in one class: P's window 1 (cut by the re-seed, P
# untainted) reseed_cut 4; C's window 1 (cut, C tainted then) tainted 4;
# P's window 2 judged 4. Seeded: P's start (10), checkpoint 1's P (20) and
# C (30).
run unseeded $D/reseed_unseeded.txt
[ $rc = 0 ] && ok || bad "unseeded: exit $rc, expected 0"
has unseeded "verify.match.all 100.00 % (70/70)" "verify.match.alloc 100.00 % (4/4)" \
	"verify.snapshots.compared 2" "verify.class.seeded 60 facts" "verify.class.lock_dropped 10 facts" \
	"verify.class.tainted 4 facts" "verify.class.reseed_cut 4 facts" \
	"verify.class.unexplained_prepare 0 facts" \
	"verify.tainted.reseeded 1 (2 snapshots; 0 group" "verify.reseeded c\[2\] 1" "verify: MATCH"
hasnot unseeded "verify.tainted c\[2\]" "verify.tainted p\[1\]" "verify.unexplained_prepare"
# after the re-seed C is judged: a wrong fact at checkpoint 2 is a mismatch
sed '/^2 snap_vma 0x300000/{x;s/^/x/;/^xx$/{x;s/children=1/children=2/;b};x}' \
	$D/reseed_unseeded.txt > "$T/unseeded_wrong.txt"
run unseeded_wrong "$T/unseeded_wrong.txt"
[ $rc = 3 ] && ok || bad "unseeded_wrong: exit $rc, expected 3"
has unseeded_wrong "children mismatch at event .*c\[2\] snapshot kind=checkpoint n=2" \
	"verify.match.all 98.57 % (69/70)"
# C's checkpoint 1 snapshot dropped the lock too: no re-seed there (C
# stays unseeded, the family 0xa1 it shares with P tainted: P judged on
# its own anon_vma only, 15 facts, and its window-1 counts, 4), checkpoint
# 2 re-seeds the group (P's window 2 cut: reseed_cut 4); tainted: P's
# family facts at checkpoint 1 (6) + C's window-1 counts (4)
sed '/^2 snap_end kind=checkpoint n=1/s/status=complete/status=lock_dropped/' \
	$D/reseed_unseeded.txt > "$T/unseeded_late.txt"
run unseeded_late "$T/unseeded_late.txt"
[ $rc = 0 ] && ok || bad "unseeded_late: exit $rc, expected 0"
has unseeded_late "verify.match.all 100.00 % (19/19)" "verify.match.alloc 100.00 % (4/4)" \
	"verify.class.tainted 10 facts" "verify.class.reseed_cut 4 facts" \
	"verify.class.lock_dropped 40 facts" "verify.tainted.reseeded 1 (2 snapshots; 0 group" \
	"verify.reseeded c\[2\] 1"
# a /proc checkpoint snapshot (no anon_vma ids) never re-seeds: C's
# checkpoints as flags=procfs leave C unseeded to the end
sed '/^2 snap_begin kind=checkpoint/s/flags=0/flags=procfs/' $D/reseed_unseeded.txt > "$T/unseeded_procfs.txt"
run unseeded_procfs "$T/unseeded_procfs.txt"
[ $rc = 0 ] && ok || bad "unseeded_procfs: exit $rc, expected 0"
has unseeded_procfs "verify.tainted c\[2\] unseeded" "verify.snapshots.procfs 2"
hasnot unseeded_procfs "verify.reseeded" "verify.tainted.reseeded"

# 8. a child inherits an unseeded taint and is re-seeded with its parent:
# P's exec snapshot was busy (unseeded), P writes and forks C (inherited);
# checkpoint 1 re-seeds both as one group (P's window-1 counts: tainted 4),
# checkpoint 2 judges both (2 VMAs each: 11 + 5 facts)
cat > "$T/inherit.txt" <<'X'
meta release=6.18.44
meta thp=never
@100 1 exec file=/bin/p
1 snap_begin kind=exec n=0 flags=0 start=1 comm=p
1 snap_end kind=exec n=0 status=busy vmas=0 window=0-0
1 mmap addr=0x100000 len=0x4000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x100000
1 write 0x100000
1 alloc cache=avc op=alloc site=prepare id=0xc1
1 alloc cache=anon_vma op=alloc site=prepare id=0xa1
1 alloc cache=avc op=alloc site=clone id=0xc2
1 alloc cache=anon_vma op=alloc site=fork id=0xa2
1 alloc cache=avc op=alloc site=fork id=0xc3
1 fork child=2/2 flags=newmm clone_flags=0x11 start=2 comm=c
2 write 0x101000
@1000 0 checkpoint n=1
1 snap_begin kind=checkpoint n=1 flags=0 start=1 comm=p
1 snap_vma 0x100000-0x104000 flags=0x100073 pgoff=0x100 dev=0:0 ino=0 av=0xa1 root=0xa1 parent=0xa1 children=2 active=1 avcs=1 chain=0xa1
1 snap_vma 0x7ff000-0x800000 flags=0x100173 pgoff=0x7ff dev=0:0 ino=0 av=- root=- parent=- children=0 active=0 avcs=0 chain=-
1 snap_end kind=checkpoint n=1 status=complete vmas=2 window=1001-1002
2 snap_begin kind=checkpoint n=1 flags=0 start=2 comm=c
2 snap_vma 0x100000-0x104000 flags=0x100073 pgoff=0x100 dev=0:0 ino=0 av=0xa2 root=0xa1 parent=0xa1 children=0 active=1 avcs=2 chain=0xa2,0xa1
2 snap_vma 0x7ff000-0x800000 flags=0x100173 pgoff=0x7ff dev=0:0 ino=0 av=- root=- parent=- children=0 active=0 avcs=0 chain=-
2 snap_end kind=checkpoint n=1 status=complete vmas=2 window=1004-1005
@1500 2 write 0x102000
1 write 0x103000
@2000 0 checkpoint n=2
1 snap_begin kind=checkpoint n=2 flags=0 start=1 comm=p
1 snap_vma 0x100000-0x104000 flags=0x100073 pgoff=0x100 dev=0:0 ino=0 av=0xa1 root=0xa1 parent=0xa1 children=2 active=1 avcs=1 chain=0xa1
1 snap_vma 0x7ff000-0x800000 flags=0x100173 pgoff=0x7ff dev=0:0 ino=0 av=- root=- parent=- children=0 active=0 avcs=0 chain=-
1 snap_end kind=checkpoint n=2 status=complete vmas=2 window=2001-2002
2 snap_begin kind=checkpoint n=2 flags=0 start=2 comm=c
2 snap_vma 0x100000-0x104000 flags=0x100073 pgoff=0x100 dev=0:0 ino=0 av=0xa2 root=0xa1 parent=0xa1 children=0 active=1 avcs=2 chain=0xa2,0xa1
2 snap_vma 0x7ff000-0x800000 flags=0x100173 pgoff=0x7ff dev=0:0 ino=0 av=- root=- parent=- children=0 active=0 avcs=0 chain=-
2 snap_end kind=checkpoint n=2 status=complete vmas=2 window=2004-2005
X
run inherit "$T/inherit.txt"
[ $rc = 0 ] && ok || bad "inherit: exit $rc, expected 0"
has inherit "verify.match.all 100.00 % (32/32)" "verify.class.tainted 4 facts" \
	"verify.class.seeded 30 facts" "verify.tainted.reseeded 2 (2 snapshots; 0 group" \
	"verify.reseeded p\[1\] 1" "verify.reseeded c\[2\] 1"
hasnot inherit "verify.tainted p" "verify.tainted c"

# 9. a group with a member whose taint a re-seed does not clear (C's
# change unmodelled, not lost) stays as it is: nothing torn down or
# rebuilt, P judged at every checkpoint (its own facts; the family it
# shares with C tainted), C tainted at every checkpoint
sed -e '/drops_/d' -e 's/^# lost: 2 munmap.*/2 unmodelled nr=11 delta=1 seq=1-2/' $D/reseed.txt > "$T/unm.txt"
run unm "$T/unm.txt"
[ $rc = 0 ] && ok || bad "unm: exit $rc, expected 0"
has unm "verify.match.all 100.00 % (27/27)" "verify.snapshots.compared 3" "verify.snapshots.seeded 0" \
	"verify.snapshots.tainted 3" "verify.class.tainted 64 facts" "verify.tainted c\[2\] unmodelled"
hasnot unm "verify.tainted.reseeded" "verify.reseeded"

echo "verify_reseed: $pass passed, $fail failed"
[ $fail = 0 ]
