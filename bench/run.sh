#!/bin/bash
# make bench: decode-only and replay throughput on the seeded "forkheavy"
# trace, ns per simulated page operation, and peak RSS. Single-threaded.
set -eu
O=${1:-.output}
A=./avtrace
EVENTS=${BENCH_EVENTS:-5000000}
f=$O/bench/forkheavy.avt
mkdir -p "$O/bench"
[ -f "$f" ] || "$O/bench/gen_forkheavy" "$f" "$EVENTS" 42
ls -l "$f" | awk '{printf "trace %s: %.1f MB\n", $NF, $5/1e6}'
"$O/bench/decode" "$f"
pages=$("$A" script "$f" 2>/dev/null | grep -c ' fault ' || true)
for mode in $("$A" replay --list-modes); do
	/usr/bin/time -f "%e %M" -o "$O/bench/time.$mode" "$A" replay "$f" --mode="$mode" > "$O/bench/report.$mode"
	read -r secs rss < "$O/bench/time.$mode"
	ev=$(awk '/^decode.events /{print $2}' < <("$O/bench/decode" "$f"))
	awk -v m="$mode" -v s="$secs" -v r="$rss" -v e="$ev" -v p="$pages" 'BEGIN{
		printf "replay.%s.seconds %.2f\nreplay.%s.events_per_sec %.0f\nreplay.%s.ns_per_page_op %.1f\nreplay.%s.peak_rss_kb %d\n",
			m, s, m, (s>0?e/s:0), m, (p>0?s*1e9/p:0), m, r }'
done
