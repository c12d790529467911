#!/bin/bash
# A shell pipeline nobody here wrote: sh forks seq | sort -n | uniq | wc -l.
# Record it, read it back, require the four execs and the pipeline's output,
# verify against the kernel (match rate >= the floor, every mismatch a known
# gap) and replay it under every scheme with --check-invariants.
set -u
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/real.bash"
require_bpf
FLOOR=99.5	# committed floor, percent of facts (measured 100.00 %, 1188 facts, 6.18.44)

f=$T/pipeline.avt
if ! "$AVTRACE" record --no-status -o "$f" -- sh -c 'seq 1 200000 | sort -n | uniq | wc -l' \
	> "$T/out" 2> "$T/log"; then
	fail "avtrace record failed: $(tail -3 "$T/log")"; finish
fi
[ "$(tr -d ' ' < "$T/out")" = 200000 ] || fail "pipeline printed '$(cat "$T/out")', not 200000"
check_readable "$f" || finish
if [ -s "$f.txt" ]; then
	for c in seq sort uniq wc; do
		grep -q " exec file=[^ ]*/$c " "$f.txt" || fail "no exec of $c"
		grep -q " snap_begin kind=exit .*comm=$c\$" "$f.txt" || fail "no exit snapshot of $c"
	done
	echo "pipeline: $(trace_size "$f"), $(count fork "$f.txt") forks, $(count fault "$f.txt") faults"
fi
real_verify real_pipeline "$f" "$FLOOR"
real_invariants "$f"
finish
