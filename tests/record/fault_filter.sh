#!/bin/bash
# The in-kernel fault filter drops repeated faults on a page (refault
# workload: >= 1000 of them) and nothing the model needs: the same workload
# recorded with and without the filter (ASLR off, so addresses match; -p on
# a held process, so both runs start from the same snapshot) must give
# identical replay results: --state at every checkpoint and the full report,
# byte for byte, with pids normalised and the lines that count recorded
# events or faults left out (those differ by what the filter dropped).
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
require_workloads refault

export AVT_REFAULT_FILE=/var/tmp/avtrace-refault.$$.dat	# disk, not tmpfs
trap 'rm -f "$AVT_REFAULT_FILE"' EXIT
run() {	# run NAME [record options]: attach to a held refault, release, checkpoint
	local name=$1; shift
	rm -f "$T/ready"
	AVT_HOLD=1 AVT_READY=$T/ready setarch "$(uname -m)" -R "$WL/refault" &
	local wl=$!
	sleep 0.3
	"$AVTRACE" record --no-status "$@" -o "$T/$name.avt" -p $wl 2> "$T/$name.log" &
	local rec=$!
	wait_for "$T/$name.avt" 10 $rec && sleep 0.5	# attached and start snapshot taken
	kill -USR1 $wl
	wait_for "$T/ready" 20 $rec || { fail "$name: workload never ready"; cat "$T/$name.log"; kill $wl; wait $rec; return 1; }
	kill -USR1 $rec; sleep 0.5
	kill -USR1 $wl
	wait $rec || { fail "$name: record exit $?"; cat "$T/$name.log"; return 1; }
	wait $wl
	cat "$T/$name.log"
}
filtered() { sed -n 's/.*dropped, \([0-9]*\) faults filtered.*/\1/p' "$T/$1.log"; }

run on || finish
run off --no-fault-filter || finish
run off2 --no-fault-filter || finish
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

# state lines start with the pid; reports name processes as comm[pid]
norm() {
	sed -E 's/^[0-9]+ /PID /; s/\[[0-9]+\]/[N]/g; s/\b(pid|tgid)=[0-9]+/\1=N/g' |
		grep -Ev '^[a-z-]+\.(events\.total|process\..*\.faults) '
}
nck=$(grep -c " checkpoint n=" "$T/on.avt.txt")
for i in $(seq 1 "$nck"); do
	"$AVTRACE" replay "$T/on.avt" --state --state-at=checkpoint:$i 2>&1 | norm > "$T/on.state.$i"
	"$AVTRACE" replay "$T/off.avt" --state --state-at=checkpoint:$i 2>&1 | norm > "$T/off.state.$i"
	[ -s "$T/on.state.$i" ] || fail "checkpoint $i: empty --state"
	cmp -s "$T/on.state.$i" "$T/off.state.$i" && pass "checkpoint $i: --state identical" ||
		{ fail "checkpoint $i: --state differs"; diff -u "$T/off.state.$i" "$T/on.state.$i" | head -20; }
done
"$AVTRACE" replay "$T/off2.avt" 2>&1 | norm > "$T/off2.report"
"$AVTRACE" replay "$T/on.avt" 2>&1 | norm > "$T/on.report"
"$AVTRACE" replay "$T/off.avt" 2>&1 | norm > "$T/off.report"
cmp -s "$T/on.report" "$T/off.report" && pass "full report identical" ||
	{ fail "full report differs"; diff -u "$T/off.report" "$T/on.report" | head -20;
	  cmp -s "$T/off.report" "$T/off2.report" ||
		echo "note: two unfiltered runs differ too:"; diff -u "$T/off.report" "$T/off2.report" | head -20; }
verify "$T/on.avt"; verify "$T/off.avt"
finish
