#!/bin/bash
# Run every test suite once, print each suite's wall time and result, and
# append "RESULT name seconds" lines to $1. A suite is an executable that
# exits 0 (pass), 77 (skip: it prints why) or anything else (fail).
#
# Suites: $O/tests/test_* (cmocka unit tests), tests/cli/*.sh,
# tests/kernel/*.sh and tests/record/*.sh (these need root; they skip with a
# reason when BPF or privileges are missing). Under AVT_SAN=1 (sanitizer
# build) the root-only suites run too unless AVT_SAN_SKIP_ROOT=1.
set -u
results=${1:?results file}
: "${O:=.output}"
: "${AVTRACE:=$PWD/$O/avtrace}"
export AVTRACE O
export AVT_TMP=${AVT_TMP:-$(mktemp -d /tmp/avtrace-test.XXXXXX)}
: > "$results"
suites=()
for t in "$O"/tests/test_*; do [ -x "$t" ] && suites+=("$t"); done
for t in tests/cli/*.sh tests/kernel/*.sh tests/record/*.sh; do [ -f "$t" ] && suites+=("$t"); done
[ -n "${AVT_ONLY:-}" ] && { sel=(); for s in "${suites[@]}"; do [[ $s == *$AVT_ONLY* ]] && sel+=("$s"); done; suites=("${sel[@]}"); }
label=plain; [ "${AVT_SAN:-0}" = 1 ] && label=asan+ubsan
fails=0
for s in "${suites[@]}"; do
	name=${s#"$O"/}
	log="$AVT_TMP/$(echo "$name" | tr / _).log"
	start=$(date +%s.%N)
	if [[ $s == *.sh ]]; then bash "$s" >"$log" 2>&1; rc=$?; else "$s" >"$log" 2>&1; rc=$?; fi
	end=$(date +%s.%N)
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}')
	case $rc in
	0) res=PASS ;;
	77) res=SKIP ;;
	*) res=FAIL; fails=$((fails+1)) ;;
	esac
	printf '%-5s %-40s %7ss  [%s]\n' "$res" "$name" "$secs" "$label"
	if [ $res = FAIL ]; then sed 's/^/    | /' "$log" | tail -40; fi
	if [ $res = SKIP ]; then grep -i skip "$log" | head -3 | sed 's/^/    | /'; fi
	echo "$res $name $secs $label" >> "$results"
done
exit 0
