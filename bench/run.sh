#!/bin/bash
# make bench: single-threaded throughput on the seeded "forkheavy" trace
# (bench/gen_forkheavy.c, 5 M events, seed 42):
#   decode.*                 decode only (bench/decode), thread CPU time
#   replay.SCHEME.*          bench/replay: the trace decoded in chunks of 1024
#                            events into memory, only the engine's feed calls
#                            timed (engine_events_per_sec excludes decode;
#                            events_per_sec = decode + engine, both CPU time)
#   page_ops, ns_per_page_op simulated page operations (faults + PTEs copied at
#                            fork + PTEs zapped/moved), engine CPU time / ops
#   cli.SCHEME.*             `avtrace replay --mode=SCHEME` end to end:
#                            user seconds, events/s over user time, peak RSS
#   rss.*                    peak RSS of the CLI replay at 1/5 and 5/5 of the
#                            trace: flat = memory follows live state, not length
# then a summary block. BENCH_EVENTS=N overrides the trace length.
# bench/RESULTS.md has measured numbers and how to read them.
set -eu -o pipefail
O=${1:-.output}
A=$O/avtrace
EVENTS=${BENCH_EVENTS:-5000000}
f=$O/bench/forkheavy-$EVENTS.avt
f5=$O/bench/forkheavy-$((EVENTS / 5)).avt
out=$O/bench/results.txt
mkdir -p "$O/bench"
for t in "$f:$EVENTS" "$f5:$((EVENTS / 5))"; do
	p=${t%:*}
	[ "$p" -nt "$O/bench/gen_forkheavy" ] || "$O/bench/gen_forkheavy" "$p" "${t##*:}" 42
done

run_all() {
	echo "machine $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
	ls -l "$f" | awk '{printf "trace %s: %.1f MB\n", $NF, $5/1e6}'
	"$O/bench/decode" "$f"
	ops=--page-ops
	for mode in $("$A" replay --list-modes); do
		"$O/bench/replay" "$mode" "$f" $ops
		ops=
		/usr/bin/time -f "%U %M" -o "$O/bench/time.$mode" "$A" replay "$f" --mode="$mode" > "$O/bench/report.$mode"
		read -r user rss < "$O/bench/time.$mode"
		ev=$(awk '$1 ~ /\.events\.total$/ {print $2; exit}' "$O/bench/report.$mode")
		awk -v m="$mode" -v u="$user" -v r="$rss" -v e="$ev" 'BEGIN{
			printf "cli.%s.user_seconds %.2f\ncli.%s.events_per_sec %.0f\ncli.%s.peak_rss_kb %d\n",
				m, u, m, (u>0?e/u:0), m, r }'
	done
	for t in "$f5" "$f"; do
		/usr/bin/time -f "%M" -o "$O/bench/time.rss" "$A" replay "$t" --mode=eager-legacy --no-report
		echo "rss.eager-legacy.$(basename "$t" .avt)_kb $(cat "$O/bench/time.rss")"
	done
}
run_all | tee "$out"

# the issue's figures in one block
awk '
	{ v[$1] = $2 }
	$1 ~ /\.page_ops$/ { ops = $2 }
	$1 ~ /^replay\.[^.]+\.events$/ { split($1, k, "."); modes[++n] = k[2] }
	END {
		printf "\nsummary: %d events, %d page ops; CPU time, single-threaded\n", v["decode.events"], ops
		printf "  decode only     %6.2f M events/s\n", v["decode.events_per_sec"] / 1e6
		printf "  %-14s %14s %14s %10s %12s\n", "replay", "M events/s", "engine-only", "ns/page op", "peak RSS MB"
		for (i = 1; i <= n; i++) {
			m = modes[i]
			printf "  %-14s %14.2f %14.2f %10.1f %12.1f\n", m,
				v["replay." m ".events_per_sec"] / 1e6, v["replay." m ".engine_events_per_sec"] / 1e6,
				ops ? v["replay." m ".engine_cpu_seconds"] * 1e9 / ops : 0, v["cli." m ".peak_rss_kb"] / 1024
		}
	}' "$out"
