#!/bin/bash
# avtrace diff on eager-semantics.md §10 example 4 (reuse in a fork chain):
# K6 (eager-legacy) allocates AV 3 / AVC 9, K7 (eager) AV 4 / AVC 10 because of
# the transient AV+AVC on the fork-reuse path. Values must come out of the
# engine; the table, JSON and CSV forms must agree.
. "$(dirname "$0")/lib/common.sh"
S=tests/scenarios/eager-ex04-reuse-chain.txt
row() { awk -v m="$1" '$1==m' "$AVT_TMP/diff.txt"; }

"$A" diff "$S" --mode=eager-legacy,eager --all > "$AVT_TMP/diff.txt" || bad "diff exit $?"
[ "$(row anon_vma.allocated | awk '{print $2, $3, $4}')" = "3 4 +1" ] && ok || bad "anon_vma.allocated row: $(row anon_vma.allocated)"
[ "$(row anon_vma_chain.allocated | awk '{print $2, $3, $4, $5}')" = "9 10 +1 +11.1%" ] && ok || bad "anon_vma_chain.allocated row: $(row anon_vma_chain.allocated)"
[ "$(row anon_vma.live | awk '{print $2, $3, $4}')" = "3 3 +0" ] && ok || bad "anon_vma.live row: $(row anon_vma.live)"
head -1 "$AVT_TMP/diff.txt" | grep -q "metric.*eager-legacy.*eager.*delta" && ok || bad "header: $(head -1 "$AVT_TMP/diff.txt")"

# without --all only differing rows, zero-baseline (n/a) rows first
"$A" diff "$S" --mode=eager-legacy,eager > "$AVT_TMP/diff.txt" || bad "diff exit $?"
row anon_vma.live | grep -q . && bad "unchanged row shown without --all" || ok
sed -n 2p "$AVT_TMP/diff.txt" | grep -q "n/a" && ok || bad "first row should be a zero-baseline change"

# JSON and CSV carry the same numbers
"$A" diff "$S" --mode=eager-legacy,eager --format=json --metrics='anon_vma.allocated' > "$AVT_TMP/d.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="avtrace-diff/1"; m=d["metrics"][0]; assert m["name"]=="anon_vma.allocated" and m["values"]==[3,4], m' "$AVT_TMP/d.json" && ok || bad "json"
"$A" diff "$S" --mode=eager-legacy,eager --format=csv --metrics='anon_vma_chain.allocated' > "$AVT_TMP/d.csv"
[ "$(sed -n 2p "$AVT_TMP/d.csv")" = "anon_vma_chain.allocated,9,10,+1,+11.1%" ] && ok || bad "csv: $(cat "$AVT_TMP/d.csv")"

# two runs under one scheme: ex04 vs ex05 (child exit: AV 3 allocated, 1 freed)
"$A" diff "$S" tests/scenarios/eager-ex05-child-exit.txt --mode=eager-legacy --all --metrics='anon_vma.*' > "$AVT_TMP/diff.txt" || bad "two-file diff exit $?"
[ "$(row anon_vma.freed | awk '{print $2, $3}')" = "0 1" ] && ok || bad "two-file anon_vma.freed: $(row anon_vma.freed)"

# usage errors
"$A" diff "$S" --mode=eager 2>/dev/null; [ $? = 2 ] && ok || bad "one scheme on one file should be a usage error"
"$A" diff "$S" "$S" --mode=eager,lazy 2>/dev/null; [ $? = 2 ] && ok || bad "two files, two schemes should be a usage error"
"$A" diff "$S" --mode=eager,bogus 2>"$AVT_TMP/err"; [ $? = 2 ] && grep -q "unknown scheme 'bogus'" "$AVT_TMP/err" && ok || bad "unknown scheme"
"$A" diff "$S" --mode=eager,lazy --format=xml 2>/dev/null; [ $? = 2 ] && ok || bad "bad format"
"$A" diff "$AVT_TMP/nope.avt" --mode=eager,lazy 2>"$AVT_TMP/err"; [ $? = 1 ] && [ "$(wc -l < "$AVT_TMP/err")" = 1 ] && ok || bad "missing file: $(cat "$AVT_TMP/err")"
echo "diff: $pass passed, $fail failed"
[ "$fail" = 0 ]
