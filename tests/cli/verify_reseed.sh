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
# counted per CPU only taint everything and re-seed nothing.
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

echo "verify_reseed: $pass passed, $fail failed"
[ $fail = 0 ]
