#!/bin/bash
# Mappings whose flags a driver's ->mmap changes (tests/workloads/special.c:
# a perf_event ring buffer, a BPF_F_MMAPABLE array mapped rw and r--, a BPF
# ring buffer's consumer and producer pages, /dev/zero private and shared).
# The recorder reads the new VMA's vm_flags (and file) back at sys_exit for
# every mapping of a non-regular file (sflags AVT_SYSF_VMFLAGS, `vmflags=`);
# replay takes them, so --verify must be 100 %: the flags (VM_MAYWRITE gone
# on the ring's producer pages, VM_DONTCOPY on the perf buffer), no
# VM_LOCKED after mlock of a VM_SPECIAL VMA, the fork child without the
# perf buffer, /dev/zero MAP_SHARED's shmem file.
# Negative control: the same trace with every vmflags= taken out (script,
# edit, import) must NOT verify, with flags mismatches on the driver
# mappings and a vma mismatch in the child (the perf buffer copied).
# The reviewer's case: `record -a` while a second recorder starts (its BPF
# ring buffer and maps are mapped during the recording): the trace must
# hold their vmflags and --verify must show no flags mismatch (other
# mismatch kinds from unrelated system activity are not judged here).
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads special

f=$T/special.avt
rm -f "$T/ready"
AVT_READY=$T/ready "$AVTRACE" record --no-status -o "$f" -- "$WL/special" 2> "$T/special.log" &
rec=$!
if ! wait_for "$T/ready" 20 $rec; then
	fail "special: never became ready"; cat "$T/special.log"; kill -INT $rec 2>/dev/null; wait $rec
	finish
fi
kill -USR1 $rec			# checkpoint while parent and child wait
sleep 0.5
wl=$(child_of $rec)
[ -n "$wl" ] && kill -USR1 "$wl"
wait $rec || { fail "special: avtrace record failed: $(tail -3 "$T/special.log")"; finish; }
check_readable "$f" || finish
grep "skipped" "$T/special.log" && fail "special: a part of the workload could not run (see above)"

# the driver mappings carry the flags their ->mmap left
n=$(grep -c " mmap .* vmflags=0x[0-9a-f]* sflags=0x[0-9a-f]* = 0x" "$f.txt")
[ "$n" = 7 ] && pass "7 mmap events with vmflags" || fail "special: $n mmap events with vmflags, want 7"
for pat in "prot=rw- flags=MAP_SHARED fd=[0-9]* off=0x0 .*vmflags=0x40644bb " \
	   "prot=r-- flags=MAP_SHARED fd=[0-9]* off=0x1000 .*vmflags=0x14040099 " \
	   "prot=rw- flags=MAP_SHARED fd=[0-9]* off=0x0 .*vmflags=0x140400bb "; do
	grep -q -- " mmap .*$pat" "$f.txt" || fail "special: no mmap matching '$pat'"
done
# no regular file's mapping asks for them
grep " mmap .*vmflags=" "$f.txt" | grep -q "dev=254:" && fail "special: a regular file's mmap has vmflags"
grep -q " mremap .*new_len=0x5000 .*= -EFAULT" "$f.txt" || fail "special: mremap grew the perf buffer?"

"$AVTRACE" replay "$f" --verify > "$T/special.ver" 2>&1; rc=$?
all=$(awk '$1=="verify.match.all"' "$T/special.ver")
echo "special: ${all#verify.match.all } ($(grep -c ' snap_begin ' "$f.txt") snapshots)"
if [ $rc = 0 ] && echo "$all" | grep -q "^verify.match.all 100.00 % ([1-9][0-9]*/" &&
   grep -q "^verify.snapshots.compared [1-9]" "$T/special.ver"; then
	pass "special recorded and verified"
else
	fail "special: replay --verify exited $rc: $all"; sed -n '/^# first/,$p' "$T/special.ver" | head -20
fi

# negative control: without the recorded flags
perl -pe 's/ vmflags=0x[0-9a-f]+//; s/ sflags=0x([0-9a-f]+)/sprintf(" sflags=0x%x", hex($1) & ~64)/e' \
	"$f.txt" > "$T/noflags.txt"
grep -q vmflags "$T/noflags.txt" && fail "special: vmflags left in the control"
"$AVTRACE" import "$T/noflags.txt" -o "$T/noflags.avt" 2> "$T/import.err" || fail "import: $(cat "$T/import.err")"
"$AVTRACE" replay "$T/noflags.avt" --verify > "$T/noflags.ver" 2>&1; rc=$?
nf=$(grep -c "^flags mismatch" "$T/noflags.ver"); nv=$(grep -c "^vma mismatch" "$T/noflags.ver")
echo "without vmflags: $(awk '$1=="verify.match.all"' "$T/noflags.ver") exit $rc, shown: $nf flags, $nv vma mismatches"
if [ $rc = 3 ] && [ "$nf" -ge 1 ] && [ "$nv" -ge 1 ]; then
	pass "without the recorded flags --verify fails (flags and the child's perf buffer)"
else
	fail "special: the control verified (exit $rc): the workload no longer shows driver flags"
fi

# system-wide, a second recorder starting inside the recording
"$AVTRACE" record --no-status -a -d 4 -o "$T/all.avt" 2> "$T/all.log" &
rec=$!
sleep 1.5
"$AVTRACE" record --no-status -o "$T/second.avt" -- sleep 1 2> "$T/second.log" ||
	fail "second recorder: $(tail -1 "$T/second.log")"
if wait $rec && "$AVTRACE" script "$T/all.avt" > "$T/all.txt" 2> "$T/all.err"; then
	n=$(grep -c " mmap .*vmflags=0x14040099 " "$T/all.txt")
	"$AVTRACE" replay "$T/all.avt" --verify > "$T/all.ver" 2>&1
	nf=$(grep -c "^flags mismatch" "$T/all.ver")
	grep -q "^verify.match.flags 100.00 % ([1-9]" "$T/all.ver" || nf="not 100 % ($nf shown)"
	echo "record -a: $(awk '$1=="verify.match.flags"' "$T/all.ver"), $n read-only ring mappings with vmflags"
	[ "$n" -ge 1 ] && [ "$nf" = 0 ] && pass "record -a with a second recorder: its ring mappings carry vmflags, no flags mismatch" ||
		fail "record -a: $n ring mappings with vmflags, $nf flags mismatches"
else
	fail "record -a: $(tail -1 "$T/all.log") $(cat "$T/all.err" 2>/dev/null)"
fi
finish
