#!/bin/bash
# Python's multiprocessing pool (fork start method, 4 workers), a program
# nobody here wrote. Record it, take a checkpoint while the pool is alive,
# verify against the kernel (match rate >= the floor, every mismatch a known
# gap) and replay it under every scheme with --check-invariants.
set -u
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/real.bash"
require_bpf
FLOOR=99.5	# committed floor, percent of facts (measured 100.00 %, 6278 facts, 6.18.44)
PY=/usr/bin/python3	# Debian's interpreter (.ci/deps.sh), not a pyenv shim
[ -x $PY ] || { echo "FAIL: $PY missing (make deps)"; exit 1; }

f=$T/python.avt
rm -f "$T/ready"
AVT_READY=$T/ready "$AVTRACE" record --no-status -o "$f" -- \
	$PY "$(dirname "$0")/real_pool.py" 64 > "$T/out" 2> "$T/log" &
rec=$!
if ! wait_for "$T/ready" 30 $rec; then
	fail "the pool never became ready: $(tail -3 "$T/log")"; kill -INT $rec 2>/dev/null; wait $rec
	finish
fi
kill -USR1 $rec		# checkpoint: parent and 4 workers alive
sleep 0.5
py=$(child_of $rec)
[ -n "$py" ] && kill -USR1 "$py"
if ! wait $rec; then
	fail "avtrace record failed: $(tail -3 "$T/log")"; finish
fi
[ "$(cat "$T/out")" = "64 1184" ] || fail "the pool printed '$(cat "$T/out")', not '64 1184'"
check_readable "$f" || finish
if [ -s "$f.txt" ]; then
	forks=$(grep -c " fork .*flags=newmm" "$f.txt")
	[ "$forks" -ge 4 ] || fail "$forks process forks, the pool has 4 workers"
	grep -q " snap_begin kind=checkpoint" "$f.txt" || fail "no checkpoint snapshot"
	echo "python: $(trace_size "$f"), $forks forks, $(count fault "$f.txt") faults, $(grep -c ' snap_begin ' "$f.txt") snapshots"
fi
real_verify real_python "$f" "$FLOOR"
real_invariants "$f"
finish
