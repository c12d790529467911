#!/bin/bash
# replay --verify on overlapped calls the recorder placed (AVT_SYSF_PLACED,
# sflags 0x10: written where the call released the mmap write lock; for
# munmap and brk also AVT_SYSF_PLACED_READ, 0x20: at the read release that
# ends their downgraded write hold; src/record/sysorder.c): such a call is
# in the kernel's order among the calls of its process, so the VMAs
# around it are judged; an overlapped
# call without the placement keeps them ambiguous, and so does a placed
# call that an unplaced call or a fork may have crossed (tests/cli/verify/
# overlap_placed.txt says how). Exact counts throughout.
. "$(dirname "$0")/lib/common.sh"
scratch verify_overlap
F=tests/cli/verify/overlap_placed.txt
. "$(dirname "$0")/lib/verify.sh"

expect() {	# expect NAME RC AMBIGUOUS MATCHED/TOTAL PLACED MARKED
	local n=$1 o=$T/$1.out
	[ "$rc" = "$2" ] && grep -q "^verify.class.ambiguous $3 facts$" "$o" &&
		grep -q "^verify.match.all [0-9.]* % ($4)$" "$o" &&
		grep -q "^verify.overlapped_placed $5 ($6 of them marked" "$o" && ok ||
		bad "$n: exit $rc (want $2): $(grep 'class.ambiguous\|match.all\|overlapped_placed' "$o" | tr '\n' ' ')"
}

# 1. the placed call's VMAs (0x100000-0x104000, 3 VMAs, 15 facts) are
# judged; the unplaced call's (0x200000-0x204000) are ambiguous
run placed $F
expect placed 0 15 20/20 1 0

# 2. judged for real: the kernel's VMA at 0x101000 with another flag is a
# flags mismatch there
edit placed_bad 's/^\(1 snap_vma 0x101000-0x102000 flags=\)0x71/\10x73/'
run placed_bad "$T/placed_bad.txt"
[ $rc = 3 ] && grep -A1 "^flags mismatch" "$T/placed_bad.out" | grep -q "kernel: 1 101000-102000" && ok ||
	bad "placed call, wrong kernel flags: exit $rc, expected 3 with a flags mismatch at 101000"

# 3. without the placement (a trace from before it, or the call written at
# its exit): both calls' VMAs ambiguous, as before
edit unplaced 's/sflags=0x18/sflags=0x8/'
run unplaced "$T/unplaced.txt"
expect unplaced 0 30 5/5 0 0

# 4. thread 3's call may have entered before the placed call was written
# (its previous event is older): the two may be out of order, both marked
edit window '0,/^1\/3 read/!{/^1\/3 read/d}'
run window "$T/window.txt"
expect window 0 30 5/5 1 1

# 5. a fork whose clone may have copied the mm before the placed call's
# change (the forking thread's previous event is older): marked
edit fork -e '/^1\/3 mprotect/d' \
	-e 's/^1\/2 mprotect .*/&\n1 fork child=4\/4 flags=newmm clone_flags=0x11 start=4 comm=c/'
# (without thread 3's mprotect 0x200000-0x204000 is one VMA again)
sed -i -e '/^1 snap_vma 0x20[12]000-/d' -e 's/^\(1 snap_vma 0x200000-\)0x201000/\10x204000/' \
	-e 's/vmas=7/vmas=5/' "$T/fork.txt"
run fork "$T/fork.txt"
expect fork 0 15 10/10 1 1
# the same fork entered after the call was written (thread 1 faulted in
# between): the copy follows the change, the call is judged
sed 's/^1 fork child=4.*/1 read 0x300000\n&/' "$T/fork.txt" > "$T/fork_after.txt"
run fork_after "$T/fork_after.txt"
expect fork_after 0 0 25/25 1 0

# 6. a placed call that still works after its release is not ordered by
# it: mmap with MAP_POPULATE (populates under the read lock), mlock
edit populate 's/^1\/2 mprotect .*/1\/2 mmap addr=0x101000 len=0x1000 prot=r-- flags=MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_POPULATE fd=-1 off=0x0 sflags=0x18 = 0x101000/'
run populate "$T/populate.txt"
expect populate 0 30 5/5 0 0
edit mlock -e 's/^1\/2 mprotect .*/1\/2 mlock addr=0x101000 len=0x1000 sflags=0x18 = 0/' \
	-e 's/^\(1 snap_vma 0x101000-0x102000 flags=\)0x71/\10x102073/'
run mlock "$T/mlock.txt"
expect mlock 0 30 5/5 0 0

# 7. munmap written at its read release (sflags 0x28, AVT_SYSF_PLACED_READ:
# its write hold downgraded, nothing took the write lock in between): judged
MU='1/2 munmap addr=0x101000 len=0x1000 sflags=0x28 = 0'
edit munmap -e "s|^1/2 mprotect .*|$MU|" -e '/^1 snap_vma 0x101000-/d' -e 's/vmas=7/vmas=6/'
run munmap "$T/munmap.txt"
expect munmap 0 15 15/15 1 0
# ... but a plain read release says nothing: mprotect at one stays ambiguous
edit readrel 's/sflags=0x18/sflags=0x28/'
run readrel "$T/readrel.txt"
expect readrel 0 30 5/5 0 0
# 8. an unplaced call written before the munmap, after the munmap's thread
# last came from user space (here: never): it may have run between the
# munmap's change and its read release, both marked
sed -e '/^1\/3 mprotect/d' -e "s|^1/2 munmap .*|1/3 mprotect addr=0x201000 len=0x1000 prot=r-- sflags=0x8 = 0\n&|" \
	"$T/munmap.txt" > "$T/munmap_u.txt"
run munmap_u "$T/munmap_u.txt"
expect munmap_u 0 25 5/5 1 1
# ... the munmap's thread faulted after it: the munmap entered after the
# unplaced call was written, judged
sed 's|^1/2 munmap .*|1/2 read 0x300000\n&|' "$T/munmap_u.txt" > "$T/munmap_u2.txt"
run munmap_u2 "$T/munmap_u2.txt"
expect munmap_u2 0 15 15/15 1 0

# 9. madvise(MADV_DONTNEED) at its read release (0x28): its zap was made in
# that one read hold, which no write hold overlaps: in order with the
# placed mprotect, both judged (0x200000-0x204000 stays one VMA)
DN='1/3 madvise addr=0x201000 len=0x1000 advice=MADV_DONTNEED sflags=0x28 = 0'
onevma() {	# the VMAs of 0x200000-0x204000 as one
	sed -i -e '/^1 snap_vma 0x20[12]000-/d' -e 's/^\(1 snap_vma 0x200000-\)0x201000/\10x204000/' \
		-e 's/vmas=7/vmas=5/' -e 's/vmas=6/vmas=4/' "$1"
}
edit zap -e "s|^1/3 mprotect .*|$DN|"
onevma "$T/zap.txt"
run zap "$T/zap.txt"
expect zap 0 0 25/25 2 0
# 10. ... but such a zap written before a munmap, in the munmap's window,
# may have run in the munmap's downgraded hold: both marked
sed "s|^1/3 mprotect .*|$DN|" "$T/munmap_u.txt" > "$T/zap_munmap.txt"
onevma "$T/zap_munmap.txt"
run zap_munmap "$T/zap_munmap.txt"
expect zap_munmap 0 15 5/5 2 2
# ... and outside its window (the munmap's thread faulted after the zap)
sed "s|^1/3 mprotect .*|$DN|" "$T/munmap_u2.txt" > "$T/zap_munmap2.txt"
onevma "$T/zap_munmap2.txt"
run zap_munmap2 "$T/zap_munmap2.txt"
expect zap_munmap2 0 0 20/20 2 0

# 11. more placed calls than verify keeps (256) since an unplaced call's
# thread last came from user space: one it let go may lie in the window,
# so the whole address space is ambiguous. 261 placed mprotects of the
# page at 0x101000 (r--, rw-, ..., r--) by thread 2, then thread 3's.
awk '/^1\/2 mprotect/ { for (i = 1; i <= 261; i++)
	printf "1/2 mprotect addr=0x101000 len=0x1000 prot=%s sflags=0x18 = 0\n", i % 2 ? "r--" : "rw-"; next }
	/^1\/3 read/ && ++n == 2 { next } { print }' $F > "$T/many.txt"
run many "$T/many.txt"
[ $rc = 0 ] && grep -q "^verify.class.ambiguous 35 facts$" "$T/many.out" &&
	grep -q "^verify.match.all - (0 compared)" "$T/many.out" &&
	grep -q "^verify.overlapped_placed 261 (" "$T/many.out" && ok ||
	bad "many: exit $rc: $(grep 'class.ambiguous\|match.all\|overlapped_placed' "$T/many.out" | tr '\n' ' ')"
# ... thread 3 faulted after them: only its own call's VMAs
sed 's|^1/3 mprotect .*|1/3 read 0x300000\n&|' "$T/many.txt" > "$T/many2.txt"
run many2 "$T/many2.txt"
expect many2 0 15 20/20 261 0

echo "verify_overlap: $pass passed, $fail failed"
[ "$fail" = 0 ]
