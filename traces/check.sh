#!/bin/bash
# Check every sample trace of traces/ (see traces/README.md): it reads back,
# `avtrace replay --verify` agrees with the kernel snapshots it carries, and
# a replay under every scheme of this build with --check-invariants holds.
# Slow (tens of seconds per trace): not a test suite; run after
# traces/record.sh.   traces/check.sh [AVTRACE]
set -u
A=${1:-./avtrace}
modes=$("$A" replay --list-modes | paste -sd, -)
fails=0
for f in traces/*.avt; do
	[ "$(basename "$f")" = demo.avt ] && cmp -s "$f" traces/pgbench.avt && continue
	ev=$("$A" info "$f" | awk '$1 == "events" {print $2}')
	printf '%-22s %9s bytes %7s events  ' "$(basename "$f")" "$(stat -c %s "$f")" "$ev"
	v=$("$A" replay "$f" --verify 2>&1); rc=$?
	printf 'verify: %s (exit %d)  ' "$(echo "$v" | awk '$1 == "verify.match.all" {print $2 " % " $4}')" $rc
	[ $rc = 0 ] || fails=$((fails + 1))
	start=$SECONDS
	if inv=$("$A" replay "$f" --mode="$modes" --check-invariants --no-report 2>&1); then
		echo "invariants ($modes): ok, $((SECONDS - start)) s"
	else
		echo "invariants ($modes): FAILED: $(echo "$inv" | tail -2)"; fails=$((fails + 1))
	fi
done
[ $fails = 0 ] || { echo "$fails failure(s)"; exit 1; }
