#!/bin/bash
# replay --verify on num_children / num_active_vmas while another process
# of the same anon_vma family runs during a snapshot
# (tests/cli/verify/busyfamily.txt says which case is which). Of that
# process's VMAs (before or after its event; a fork's child after it),
# only the anon_vmas on their chains can change num_children in the
# kernel, and only their own anon_vmas num_active_vmas: any other is
# judged, against the engine's one value over the window; those stay
# ambiguous (1 fact each). Exact counts.
. "$(dirname "$0")/lib/common.sh"
scratch verify_busy
F=tests/cli/verify/busyfamily.txt
. "$(dirname "$0")/lib/verify.sh"

expect() {	# expect NAME RC AMBIGUOUS MATCHED/TOTAL CHILDREN ACTIVE
	local n=$1 o=$T/$1.out
	[ "$rc" = "$2" ] && grep -q "^verify.class.ambiguous $3 facts$" "$o" &&
		grep -q "^verify.match.all [0-9.]* % ($4)$" "$o" &&
		grep -q "^verify.match.children [0-9.]* % ($5)$" "$o" &&
		grep -q "^verify.match.active [0-9.]* % ($6)$" "$o" && ok ||
		bad "$n: exit $rc (want $2): $(grep 'class.ambiguous\|match.all\|match.children\|match.active' "$o" | tr '\n' ' ')"
}
# mismatch NAME FACT PID CHILDREN ACTIVE: exit 3, FACT mismatch in PID's
# snapshot, the kernel's and engine's values as given
mismatch() {
	local o=$T/$1.out
	[ "$rc" = 3 ] && grep -A2 "^$2 mismatch at event [0-9]*, [a-z]\[$3\]" "$o" |
		grep -q "kernel: $3 100000-104000 .* $4 " &&
		grep -A2 "^$2 mismatch at event [0-9]*, [a-z]\[$3\]" "$o" | grep -q "engine: $3 100000-104000 .* $5 " &&
		grep -q "^verify.mismatches 1$" "$o" && ok ||
		bad "$1: exit $rc, expected 3 with one $2 mismatch in pid $3: $(grep -A2 'mismatch at' "$o" | tr '\n' ' ')"
}

# 1. Q while P forks R and R while S unmaps are judged, and num_active_vmas
# of Q while S unmaps and of P while Q unmaps (6 facts; all 8 were
# ambiguous: same family); num_children of those two are not
run base $F
expect base 0 2 42/42 2/2 4/4

# 2. Q's kernel num_children 1 while P forks R: the engine's a2 has 0 before
# and after the fork (R's chain is a3, a1): neither state, a mismatch
edit q_nc '0,/children=0 active=1 avcs=2 chain=0xa2,0xa1/s//children=1 active=1 avcs=2 chain=0xa2,0xa1/'
run q_nc "$T/q_nc.txt"
mismatch q_nc children 2 children=1 children=0
expect q_nc 3 2 41/42 1/2 4/4

# 3. R's kernel num_active_vmas 2 while S unmaps (S's chain: a4, a2, a1)
edit r_na 's/^\(3 snap_vma .* children=0 active=\)1/\12/'
run r_na "$T/r_na.txt"
mismatch r_na active 3 active=2 active=1
expect r_na 3 2 41/42 2/2 3/4

# 4. Q's num_children while S unmaps, any value: S's unmap empties a4 and
# takes a child from a2 -- the kernel's value may be from either side or
# between: not judged, so no mismatch
edit q_busy 's/^\(2 snap_vma .* children=\)1 active=1/\17 active=1/'
run q_busy "$T/q_busy.txt"
expect q_busy 0 2 42/42 2/2 4/4

# 4b. but its num_active_vmas is judged: S's VMA had a4, not a2
edit q_na 's/^\(2 snap_vma .* children=1 active=\)1/\12/'
run q_na "$T/q_na.txt"
mismatch q_na active 2 active=2 active=1
expect q_na 3 2 41/42 2/2 3/4

# 5. P's num_children while Q unmaps (Q's chain holds a1): likewise
edit p_busy 's/^\(1 snap_vma .* children=\)3/\19/'
run p_busy "$T/p_busy.txt"
expect p_busy 0 2 42/42 2/2 4/4

# 5b. and P's num_active_vmas 0 (Q's VMA had a2): a mismatch
edit p_na 's/^\(1 snap_vma .* children=3 active=\)1/\10/'
run p_na "$T/p_na.txt"
mismatch p_na active 1 active=0 active=1
expect p_na 3 2 41/42 2/2 3/4

# 6. the same trace with the other processes' events moved before the
# snapshots (and the kernel's values after them): every fact judged
edit quiet -e '/^1 fork child=3/d' -e 's/^0 checkpoint n=1/1 fork child=3\/3 flags=newmm clone_flags=0x11 start=3 comm=r\n&/' \
	-e '/^4 munmap/d' -e 's/^0 checkpoint n=2/4 munmap addr=0x100000 len=0x4000 = 0\n&/' \
	-e '/^2 munmap/d' -e 's/^0 checkpoint n=3/2 munmap addr=0x100000 len=0x4000 = 0\n&/' \
	-e 's/^\(2 snap_vma .* children=\)1 active=1/\10 active=1/' -e 's/^\(1 snap_vma .* children=\)3/\12/'
run quiet "$T/quiet.txt"
expect quiet 0 0 44/44 4/4 4/4

echo "verify_busy: $pass passed, $fail failed"
[ "$fail" = 0 ]
