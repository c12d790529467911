#!/bin/bash
# Faults of other threads racing a fork (src/engine/order.c), on the
# hand-written trace tests/cli/verify/forkwindow.txt (its header says what
# each window holds): the allocation truth places them before the copy
# (fork 10, fork 12) and after it (fork 11); replay reports exact
# ordering.* counts and --verify agrees 100 % with the kernel snapshots.
# Each placement is the truth's doing: without the clone_enter markers
# (faults in trace order) fork 11's child is a mismatch; with fork 10's
# prepare moved after the copy's allocations, B is placed after the fork
# and fork 10's child is a mismatch. Without any allocation truth the
# anon_vma-creating faults are undecided and the VMAs near them (parent and
# child) are class ambiguous, counted in verify.fork_window_undecided.
# Also: truth against a thread's program order (conflict), a second clone
# while one is open (concurrent), and the text form of the marker.
. "$(dirname "$0")/lib/common.sh"
F=tests/cli/verify/forkwindow.txt
T=$AVT_TMP/fork_window
mkdir -p "$T"
. "$(dirname "$0")/lib/verify.sh"

# expect_counts NAME FILE windows concurrent faults placed before after undecided effect conflicts
expect_counts() {
	local n=$1 f=$2 got want
	shift 2
	"$A" replay "$f" > "$T/$n.rep" 2> "$T/$n.err" || { bad "$n: replay failed: $(cat "$T/$n.err")"; return; }
	got=$(grep '^eager-legacy.ordering\.' "$T/$n.rep" | awk '{printf "%s ", $2}')
	want="$* "
	[ "$got" = "$want" ] && ok || bad "$n: ordering counts '$got', expected '$want'"
}

# 1. placed by the truth both ways: exact counts, full agreement
#                                  win conc faults placed before after undec effect confl unheld
expect_counts truth $F             4   0    6      5      3      2     1     0      0     0
run truth $F
[ $rc = 0 ] && grep -q "^verify.match.all 100.00 % (188/188)" "$T/truth.out" && ok ||
	bad "truth: exit $rc $(grep 'match.all\|mismatch at' "$T/truth.out")"
grep -q "^verify.fork_window_faults 6 (5 placed by the allocation truth, 1 undecided)" "$T/truth.out" && ok ||
	bad "truth: $(grep fork_window_faults "$T/truth.out")"
grep -q "^verify.fork_window_undecided 0 faults (0 facts near them ambiguous)" "$T/truth.out" && ok ||
	bad "truth: $(grep fork_window "$T/truth.out")"
grep -q "^verify.class.ambiguous 0 facts" "$T/truth.out" && ok || bad "truth: $(grep class.ambiguous "$T/truth.out")"

# 2. the same trace without the markers: trace order, fork 11's child
#    gets C and D's anon_vmas the kernel's never had
grep -v "clone_enter" $F > "$T/nomark.txt"
expect_counts nomark "$T/nomark.txt" 0 0 0 0 0 0 0 0 0 0
run nomark "$T/nomark.txt"
[ $rc = 3 ] && grep -q "^av mismatch .* p\[11\] .*the engine VMA has an anon_vma, the kernel's has none" "$T/nomark.out" &&
	ok || bad "no markers: exit $rc, expected 3 with p[11]'s av mismatch"

# 3. fork 10's prepare after the copy's first allocation: B (and the page
#    after it, program order) placed after the fork; the kernel snapshot
#    says the child has B's anon_vma: a mismatch
awk '/^1\/2 write 0x200000$/ { print; hold = 1; next }
     hold && /^1\/2 alloc .*site=prepare/ { held = held $0 "\n"; next }
     hold && /site=fork id=0xc4$/ { print; printf "%s", held; hold = 0; next }
     { print }' $F > "$T/late.txt"
cmp -s $F "$T/late.txt" && bad "late: awk changed nothing"
expect_counts late "$T/late.txt" 4 0 6 6 2 4 0 0 0 0
run late "$T/late.txt"
[ $rc = 3 ] && grep -q "^av mismatch .* p\[10\] .*the kernel VMA has an anon_vma, the engine's has none" "$T/late.out" &&
	ok || bad "late prepare: exit $rc, expected 3 with p[10]'s av mismatch"

# 4. no allocation truth at all: nothing decides; the four faults that
#    would create an anon_vma make the VMAs near them ambiguous (parent,
#    the child of that fork, and the children forked after them)
grep -v " alloc " $F > "$T/notruth.txt"
expect_counts notruth "$T/notruth.txt" 4 0 6 0 0 0 6 4 0 0
run notruth "$T/notruth.txt"
[ $rc = 0 ] && grep -q "^verify.fork_window_undecided 4 faults (110 facts near them ambiguous)" "$T/notruth.out" &&
	grep -q "^verify.class.ambiguous 110 facts" "$T/notruth.out" && grep -q "^verify.match.all 100.00 % (64/64)" "$T/notruth.out" &&
	ok || bad "no truth: exit $rc $(grep 'fork_window\|class.ambiguous\|match.all' "$T/notruth.out")"

# 5. truth against program order: thread 2 writes C (would create, no
#    prepare before the fork: after), then D whose prepare comes before the
#    copy's first allocation (before): impossible, both left in trace
#    order (undecided, both with an effect); then a second clone (thread
#    3) while thread 1's is open: the fault held so far and the one in
#    thread 3's window (a read of a faulted VMA) are undecided. Thread 4's
#    prepare after the copy began, with no fault of it held (a fault
#    written before the clone's entry that waited for the copy, or a
#    get_user_pages prepare): counted unheld. Thread 5 enters a clone
#    twice (the first failed: its fault is not counted), then forks
cat > "$T/conflict.txt" <<'EOF'
meta release=6.18.44
1 exec file=/bin/p
1 mmap addr=0x100000 len=0x2000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x100000
1 mmap addr=0x300000 len=0x2000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x300000
1 mmap addr=0x400000 len=0x2000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x400000
1 write 0x100000
1 alloc cache=anon_vma op=alloc site=prepare id=0xa1
1 alloc cache=avc op=alloc site=prepare id=0xc1
1 stats kind=clone_enter key=1 value=0x1200011
1/2 write 0x300000
1/2 write 0x400000
1/2 alloc cache=anon_vma op=alloc site=prepare id=0xa2
1/2 alloc cache=avc op=alloc site=prepare id=0xc2
1 alloc cache=avc op=alloc site=clone id=0xc3
1 alloc cache=anon_vma op=alloc site=fork id=0xa3
1 alloc cache=avc op=alloc site=fork id=0xc4
1/4 alloc cache=anon_vma op=alloc site=prepare id=0xa4
1/4 alloc cache=avc op=alloc site=prepare id=0xc5
1 fork child=10/10 flags=newmm clone_flags=0x1200011 start=10 comm=p
1 stats kind=clone_enter key=1 value=0x1200011
1/2 read 0x100000
1/3 stats kind=clone_enter key=3 value=0x1200011
1/2 read 0x101000
1/3 fork child=11/11 flags=newmm clone_flags=0x1200011 start=11 comm=p
1/5 stats kind=clone_enter key=5 value=0x1200011
1/2 read 0x100000
1/5 stats kind=clone_enter key=5 value=0x1200011
1/2 read 0x101000
1/5 fork child=13/13 flags=newmm clone_flags=0x1200011 start=13 comm=p
EOF
expect_counts conflict "$T/conflict.txt" 5 1 5 0 0 0 5 2 1 1

# 6. the marker's text form round-trips through the binary format
"$A" import "$F" -o "$T/fw.avt" 2> "$T/imp.err" && "$A" script "$T/fw.avt" > "$T/fw.script" 2>&1 &&
	grep -q "^@[0-9]* c0 1/1 stats kind=clone_enter key=1 value=18874385$" "$T/fw.script" && ok ||
	bad "script: $(grep -m1 clone_enter "$T/fw.script") $(cat "$T/imp.err")"
"$A" replay "$T/fw.avt" --verify > "$T/bin.out" 2>&1 && ok || bad "binary form: exit $?"

echo "fork_window: $pass passed, $fail failed"
[ $fail = 0 ]
