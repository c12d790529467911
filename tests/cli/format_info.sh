#!/bin/bash
# `avtrace info` on a good, a truncated, a corrupt and a not-a-trace file.
# The traces are made with `avtrace import` from generated text (skipped
# with a reason while import is not available); the byte-level damage
# cases are covered exhaustively by the cmocka suite test_format.
. "$(dirname "$0")/lib/common.sh"
scratch format_info

# run EXPECTED-RC ARGS...: output in $T/out, stderr in $T/err
run() {
	local want=$1; shift
	"$A" info "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = "$want" ] || { bad "info $*: exit $rc, want $want"; cat "$T/err"; return 1; }
	return 0
}
has() { grep -qE -- "$1" "$T/out" || { bad "$2: no line matching '$1' in:"; cat "$T/out"; return 1; }; }
err_is() {
	[ "$(wc -l < "$T/err")" = 1 ] || { bad "$2: stderr is not one line:"; cat "$T/err"; return 1; }
	grep -qE -- "$1" "$T/err" || { bad "$2: stderr '$(cat "$T/err")' !~ '$1'"; return 1; }
}

# ---- a good multi-chunk trace ----------------------------------------------
{
	echo 'meta release=6.18.44'
	echo 'meta thp=madvise'
	echo 'meta 0x0777="a future key"'
	echo '@1000 c0 10/10 exec file="/bin/x"'
	echo '0 stats kind=drops_cpu key=1 value=5'
	awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "10 write 0x%x\n", 268435456 + i * 4096 }'
	echo '10 munmap addr=0x10000000 len=0x1000 = 0'
	echo '10 unknown type=0x4242 data=0102ff'
	echo '0 stats kind=drops_cpu key=1 value=7'
	echo '0 stats kind=drops_cpu key=3 value=2'
	echo '0 stats kind=drops_tgid key=1234 value=9'
	echo '10 exit'
} > "$T/good.txt"
"$A" import "$T/good.txt" -o "$T/good.avt" 2>"$T/err" || { echo "FAIL: import: $(cat "$T/err")"; exit 1; }

if run 0 "$T/good.avt"; then
	has '^format +avtrace binary 1\.0 ' "good: format" && ok
	has '^metadata +3 entries' "good: metadata count" && ok
	has '^  release +6\.18\.44$' "good: release" && ok
	has '^  thp +madvise$' "good: thp" && ok
	has '^  0x0777 +a future key +\(unknown key\)$' "good: unknown key" && ok
	has '^events +20008$' "good: events" && ok
	has '^  fault +20000$' "good: per type" && ok
	has '^    munmap +1$' "good: per syscall" && ok
	has '^  stats +4$' "good: stats are records" && ok
	has '^chunks +[2-9][0-9]*, raw .*, stored .*, ratio [0-9.]+, index footer yes$' "good: chunks" && ok
	has '^time span +1000 \.\. 21007 ns \(0\.000020 s\)$' "good: span" && ok
	# running totals: the last value per key wins (cpu1: 7, not 5+7)
	has '^drops +9 events lost$' "good: drops" && ok
	has '^  per cpu +c1=7 c3=2 +\(total 9\)$' "good: drops per cpu" && ok
	has '^  per tgid 1234=9 +\(total 9\)$' "good: drops per tgid" && ok
	has '^unknown +1 records skipped$' "good: unknown" && ok
	has '^status +complete$' "good: status" && ok
	[ -s "$T/err" ] && bad "good: stderr not empty: $(cat "$T/err")" || ok
fi

# --chunks: one line per chunk, offsets increasing, records adding up
if run 0 --chunks "$T/good.avt"; then
	nch=$(awk '/^chunks/ { print $2 + 0 }' "$T/out")
	awk -v n="$nch" '
		/^  chunk +offset/ { hdr = 1; next }
		hdr && /^ +[0-9]+ +[0-9]+ / { if ($1 != rows || $2 <= last) bad = 1; last = $2; rows++; recs += $5; next }
		hdr { hdr = 0 }
		END { exit !(rows == n && n > 1 && recs == 20008 && !bad) }' "$T/out" && ok ||
		{ bad "--chunks table:"; cat "$T/out"; }
fi

# the same on the text form
if run 0 "$T/good.txt"; then
	has '^format +avtrace text form$' "text: format" && ok
	has '^events +20008$' "text: events" && ok
	has '^status +complete$' "text: status" && ok
fi

size=$(stat -c %s "$T/good.avt")

# ---- truncated in the middle of a chunk --------------------------------------
head -c $((size * 6 / 10)) "$T/good.avt" > "$T/cut.avt"
if run 1 "$T/cut.avt"; then
	has '^status +TRUNCATED: file ends inside chunk [1-9][0-9]* at offset [0-9]+ \([0-9]+ of [0-9]+ payload bytes\); [0-9]+ events before it are intact$' \
		"truncated: status" && ok
	has '^chunks .* index footer not reached$' "truncated: footer" && ok
	err_is "^avtrace info: $T/cut.avt: file ends inside chunk [0-9]+ at offset" "truncated" && ok
	n=$(awk '/^events/ { print $2 }' "$T/out")
	[ "$n" -gt 0 ] && [ "$n" -lt 20008 ] && ok || bad "truncated: $n events"
fi

# ---- one flipped byte in a chunk's payload -------------------------------------
cp "$T/good.avt" "$T/flip.avt"
off=$((size / 2))
byte=$(od -An -tu1 -j $off -N1 "$T/flip.avt" | tr -d ' ')
printf "\\$(printf %03o $(( (byte ^ 0x55) & 255 )))" |
	dd of="$T/flip.avt" bs=1 seek=$off conv=notrunc status=none
if run 1 "$T/flip.avt"; then
	has '^status +CRC ERROR: chunk [0-9]+ at offset [0-9]+: (payload|header) CRC mismatch; [0-9]+ events before it are intact$' \
		"flipped: status" && ok
	err_is "^avtrace info: $T/flip.avt: chunk [0-9]+ at offset [0-9]+: .*CRC mismatch$" "flipped" && ok
	# 4 chunks, one damaged near the middle: 1 or 2 intact ones follow it
	has '^beyond +[12] later chunks \([0-9]+ events\) from offset [0-9]+ look intact; they are not read$' \
		"flipped: beyond" && ok
fi

# ---- not a trace, missing, empty, newer major, usage ------------------------------
printf '\x7fELF\x02\x01\x01\x00garbage' > "$T/elf"
run 1 "$T/elf" && err_is "^avtrace info: $T/elf: not an avtrace file \(bad magic\)$" "bad magic" && ok
run 1 "$T/missing.avt" && err_is "^avtrace info: $T/missing.avt: cannot open.*No such file" "missing" && ok
: > "$T/empty"
run 1 "$T/empty" && err_is "^avtrace info: $T/empty: empty file: not an avtrace trace$" "empty" && ok
printf 'AVTRACE\x00\x02\x00\x01\x00\x18\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' > "$T/v2"
run 1 "$T/v2" && err_is "trace format 2\.1 is newer than this avtrace \(reads 1\.x\)$" "newer major" && ok
head -c 30 "$T/good.avt" > "$T/hdr"
run 1 "$T/hdr" && err_is "truncated trace: file ends inside the metadata block" "cut header" && ok
run 1 "$T" && err_is "is a directory" "directory" && ok

run 2 && ok
run 2 "$T/good.avt" "$T/good.avt" && ok
run 2 --bogus "$T/good.avt" && ok
if run 0 --help; then
	has 'USAGE: avtrace info \[--chunks\] FILE' "help" && has 'Exit status' "help" && ok
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
