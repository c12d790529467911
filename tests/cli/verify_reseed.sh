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
# (not if one is counted after).
set -u
A=${AVTRACE:?}
D=tests/cli/verify
T=$AVT_TMP/verify_reseed
mkdir -p "$T"
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }

run() {	# run NAME FILE: output in $T/NAME.out, status in rc
	"$A" replay "$2" --verify > "$T/$1.out" 2> "$T/$1.err"; rc=$?
}
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

echo "verify_reseed: $pass passed, $fail failed"
[ $fail = 0 ]
