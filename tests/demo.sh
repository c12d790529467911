#!/bin/bash
# make demo: replay the bundled trace under every scheme this build has.
set -eu
A=${1:-./avtrace}
trace=traces/demo.avt
[ -f "$trace" ] || { echo "demo: $trace is missing" >&2; exit 1; }
echo "== avtrace info $trace"
"$A" info "$trace"
modes=$("$A" replay --list-modes 2>/dev/null | paste -sd, -)
[ -n "$modes" ] || { echo "demo: this build has no replay scheme yet" >&2; exit 1; }
echo
echo "== avtrace replay $trace --mode=$modes"
"$A" replay "$trace" --mode="$modes"
