#!/bin/bash
# The in-kernel fault filter drops repeated faults on a page (refault
# workload: >= 1000 of them) and nothing the model needs: the same workload
# recorded with and without the filter (ASLR off, so addresses match) must
# give identical replay results: --state at every checkpoint and the full
# report, byte for byte (pids normalised: they differ between runs).
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads refault

run() {	# run NAME [record options]: record refault, checkpoint while it waits
	local name=$1; shift
	rm -f "$T/ready"
	AVT_READY=$T/ready "$AVTRACE" record --no-status "$@" -o "$T/$name.avt" -- \
		setarch "$(uname -m)" -R "$WL/refault" 2> "$T/$name.log" &
	local rec=$!
	wait_for "$T/ready" 20 || { fail "$name: workload never ready"; kill -INT $rec; wait $rec; return 1; }
	kill -USR1 $rec; sleep 0.5
	local wl; wl=$(child_of $rec)
	[ -n "$wl" ] && kill -USR1 "$wl"
	wait $rec || { fail "$name: record exit $?"; cat "$T/$name.log"; return 1; }
	cat "$T/$name.log"
}
filtered() { sed -n 's/.*dropped, \([0-9]*\) faults filtered.*/\1/p' "$T/$1.log"; }

run on || finish
run off --no-fault-filter || finish
n_on=$(filtered on); n_off=$(filtered off)
echo "fault filter dropped $n_on faults in the kernel (unfiltered run: $n_off)"
[ "${n_on:-0}" -ge 1000 ] && pass "filter dropped $n_on >= 1000 faults" || fail "filter dropped only ${n_on:-0}"
[ "${n_off:-1}" = 0 ] || fail "--no-fault-filter still filtered $n_off"
check_readable "$T/on.avt"; check_readable "$T/off.avt"
if [ -s "$T/on.avt.txt" ] && [ -s "$T/off.avt.txt" ]; then
	a=$(grep -c " fault " "$T/on.avt.txt"); b=$(grep -c " fault " "$T/off.avt.txt")
	echo "fault events: $a filtered, $b unfiltered"
	[ $((b - a)) -ge 1000 ] || fail "unfiltered trace has only $((b - a)) more faults"
fi

if ! "$AVTRACE" replay --help 2>&1 | grep -q -- "--state-at" || ! has_cmd replay "$T/on.avt"; then
	echo "SKIP-verify: avtrace replay --state-at/--verify is not implemented yet"
	finish
fi
norm() { sed -E 's/\b(pid|tgid|process)[ =:]*[0-9]+/\1 N/g'; }
nck=$(grep -c " checkpoint n=" "$T/on.avt.txt")
for i in $(seq 1 "$nck"); do
	"$AVTRACE" replay "$T/on.avt" --state-at=checkpoint:$i 2>&1 | norm > "$T/on.state.$i"
	"$AVTRACE" replay "$T/off.avt" --state-at=checkpoint:$i 2>&1 | norm > "$T/off.state.$i"
	cmp -s "$T/on.state.$i" "$T/off.state.$i" && pass "checkpoint $i: --state identical" ||
		{ fail "checkpoint $i: --state differs"; diff -u "$T/off.state.$i" "$T/on.state.$i" | head -20; }
done
"$AVTRACE" replay "$T/on.avt" 2>&1 | norm > "$T/on.report"
"$AVTRACE" replay "$T/off.avt" 2>&1 | norm > "$T/off.report"
cmp -s "$T/on.report" "$T/off.report" && pass "full report identical" ||
	{ fail "full report differs"; diff -u "$T/off.report" "$T/on.report" | head -20; }
verify "$T/on.avt"; verify "$T/off.avt"
finish
