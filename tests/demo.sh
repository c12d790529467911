#!/bin/bash
# make demo: a real recorded trace (pgbench against PostgreSQL on this
# project's 6.18 machine; traces/README.md says how it was made), shown as
# its header, one replay under every scheme this build has, a short diff of
# the schemes, and the replay checked against the kernel's own snapshots.
# Every number printed comes from avtrace's output on the bundled file.
set -eu
A=${1:-./avtrace}
trace=traces/demo.avt
[ -f "$trace" ] || { echo "demo: $trace is missing" >&2; exit 1; }
tmp=$(mktemp -d /tmp/avtrace-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if [ -t 1 ]; then B=$(printf '\033[1m'); D=$(printf '\033[2m'); N=$(printf '\033[0m'); else B= D= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
cmd() { printf '%s$ %s%s\n' "$D" "$*" "$N"; }

step "1. What is in the trace"
cmd "avtrace info $trace"
"$A" info "$trace"

modes=$("$A" replay --list-modes 2>/dev/null | paste -sd, -)
[ -n "$modes" ] || { echo "demo: this build has no replay scheme yet" >&2; exit 1; }

step "2. Replay under every scheme in one pass ($modes)"
cmd "avtrace replay $trace --mode=$modes"
"$A" replay "$trace" --mode="$modes" > "$tmp/report"
# the headline metrics of that one report, one column per scheme
awk -v modes="$modes" '
BEGIN {
	n = split(modes, m, ",")
	k = split("anon_vma.allocated anon_vma.peak anon_vma_chain.allocated " \
		  "anon_vma_chain.peak meta.peak lock.write lock.work " \
		  "lock.family.max_write chain_length.max_ever merge.count " \
		  "fork.count", key, " ")
}
{
	for (i = 1; i <= n; i++)
		if (index($1, m[i] ".") == 1) { v[m[i], substr($1, length(m[i]) + 2)] = $2; break }
	lines++
}
END {
	printf "%-24s", "metric"
	for (i = 1; i <= n; i++) printf " %14s", m[i]
	printf "\n"
	for (j = 1; j <= k; j++) {
		printf "%-24s", key[j]
		for (i = 1; i <= n; i++) printf " %14s", ((m[i], key[j]) in v) ? v[m[i], key[j]] : "-"
		printf "\n"
	}
	printf "(%d of the report'"'"'s %d lines; all of them: the command above)\n", k, lines
}' "$tmp/report"

step "3. How the schemes differ (anon_vma objects)"
base=eager-legacy
case ",$modes," in *",$base,"*) ;; *) base=${modes%%,*} ;; esac
others=$(echo "$modes" | tr , '\n' | grep -vx "$base" | paste -sd, -)
if [ -n "$others" ]; then
	cmd "avtrace diff $trace --mode=$base,$others --metrics='anon_vma*'"
	"$A" diff "$trace" --mode="$base,$others" --metrics='anon_vma*' | grep -v '  -  *-  *-$' || true
else
	echo "(one scheme only: nothing to compare)"
fi

step "4. The replay checked against the kernel's snapshots in the trace"
if "$A" replay --help 2>&1 | grep -q -- --verify; then
	cmd "avtrace replay $trace --verify"
	rc=0
	"$A" replay "$trace" --verify > "$tmp/verify" 2>&1 || rc=$?
	grep -E '^verify\.(scheme|snapshots\.compared|match\.all) ' "$tmp/verify" || true
	tail -1 "$tmp/verify"
	[ $rc = 0 ] || echo "(exit $rc: see avtrace replay $trace --verify)"
else
	echo "SKIP-verify: this build has no replay --verify"
fi
