#!/bin/bash
# Combine results files written by tests/run.sh; print the closing line.
cat "$@" 2>/dev/null | awk '
	$1=="PASS"{p++} $1=="FAIL"{f++; bad=bad "\n  failed: " $2 " [" $4 "]"} $1=="SKIP"{s++}
	END{ if (bad != "") print bad; printf "%d passed, %d failed, %d skipped\n", p, f, s; exit (f>0 || p==0) }'
