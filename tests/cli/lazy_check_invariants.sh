#!/bin/bash
# --check-invariants must not change a lazy report (scheme.h: the merge
# questions invariant 9 asks again after each event are answered with
# e->merge_query set, without side effects): the report lines of every lazy
# run of tests/scenarios/lazy-*.txt (its `# run lazy...` options, test-only
# and --no-check runs left out) and of every traces/*.avt under the default
# lazy options are byte-identical with and without the check.
# lazy-check-query.txt is the case where a counting question would differ.
. "$(dirname "$0")/lib/common.sh"
T=${AVT_TMP:?}

same() {	# FILE ARGS...: report with and without --check-invariants
	local f=$1
	shift
	"$A" replay "$f" "$@" > "$T/plain.txt" 2>/dev/null
	local rc1=$?
	"$A" replay "$f" "$@" --check-invariants > "$T/check.txt" 2>/dev/null
	local rc2=$?
	if [ $rc1 != 0 ] || [ $rc2 != 0 ]; then
		bad "$f $*: exit $rc1 / $rc2 (with --check-invariants)"
	elif ! grep -q '^lazy\.' "$T/plain.txt"; then
		bad "$f $*: no lazy report lines"
	elif cmp -s "$T/plain.txt" "$T/check.txt"; then
		ok
	else
		bad "$f $*: reports differ: $(diff "$T/plain.txt" "$T/check.txt" | head -4 | tr '\n' ' ')"
	fi
}

nruns=0
for f in tests/scenarios/lazy-*.txt; do
	while read -r args; do
		# shellcheck disable=SC2086
		same "$f" $args
		nruns=$((nruns+1))
	done < <(sed -n 's/^# run lazy[^:]*: *//p' "$f" | grep -v -e 'test-' -e '--no-check')
done
[ $nruns -ge 20 ] && ok || bad "only $nruns lazy scenario runs found"
ntr=0
for t in traces/*.avt; do
	[ -e "$t" ] || continue
	same "$t" --mode=lazy
	ntr=$((ntr+1))
done
[ $ntr -ge 1 ] && ok || bad "no traces/*.avt"

echo "lazy_check_invariants: $nruns scenario runs, $ntr traces: $pass passed, $fail failed"
[ "$fail" = 0 ]
