#!/bin/bash
# Drop accounting: a 4 KiB ring buffer cannot keep up with an mmap storm;
# the losses must be counted (summary, warning, per-CPU and per-tgid stats
# records) rather than vanish. With the default ring the same storm loses
# nothing; both rates are printed.
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads storm

f=$T/tiny.avt
"$AVTRACE" record --no-status -b 4096 -o "$f" -- "$WL/storm" 5000 2> "$T/tiny.log" ||
	fail "tiny ring: exit $?"
cat "$T/tiny.log"
d=$(sed -n 's/.*events written to .* (\([0-9]*\) dropped.*/\1/p' "$T/tiny.log")
[ "${d:-0}" -gt 0 ] && pass "tiny ring: $d events dropped and counted" || fail "tiny ring: no drops counted"
grep -q "raise --ring-size" "$T/tiny.log" || fail "tiny ring: no warning naming the remedy"
check_readable "$f"
if [ -s "$f.txt" ]; then
	# the storm process: the pid with the most events (its exec may be lost)
	pid=$(grep -v '^meta' "$f.txt" | awk '{print $3}' | cut -d/ -f1 | grep -v '^0$' |
		sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
	grep -q " stats kind=drops_tgid key=$pid " "$f.txt" && pass "drops counted for tgid $pid" ||
		fail "no drops_tgid record for the storm process"
	grep -q " stats kind=drops_cpu " "$f.txt" || fail "no drops_cpu record"
	sum=$(grep " stats kind=drops_cpu " "$f.txt" | sed 's/.*value=//' | sort -n | tail -1)
	[ -n "$sum" ] || fail "drops_cpu value missing"
fi

f=$T/big.avt
start=$(date +%s.%N)
"$AVTRACE" record --no-status -o "$f" -- "$WL/storm" 5000 2> "$T/big.log" || fail "default ring: exit $?"
end=$(date +%s.%N)
cat "$T/big.log"
n=$(sed -n 's/.*: \([0-9]*\) events written.*/\1/p' "$T/big.log")
d=$(sed -n 's/.*events written to .* (\([0-9]*\) dropped.*/\1/p' "$T/big.log")
awk -v n="$n" -v a="$start" -v b="$end" 'BEGIN{printf "rate: %d events in %.2fs = %.0f events/s\n", n, b-a, n/(b-a)}'
[ "${d:-1}" = 0 ] && pass "default ring: no drops" || fail "default ring: $d drops"
finish
