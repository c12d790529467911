#!/bin/bash
# Bad input for every command that needs no root: replay, diff, script,
# import, info. Each case asserts the exit status, that stderr is exactly
# the documented lines naming the cause, and that no sanitizer spoke (the
# suite also runs against the ASan+UBSan build through $AVTRACE).
#
# Documented behaviour checked here (man/avtrace.1):
#  - a file that cannot be read as a trace: exit 1, one line
#    "avtrace CMD: FILE: reason"; a text syntax error "avtrace CMD: FILE:LINE: reason".
#  - a binary trace that is truncated or damaged mid-way: replay and diff
#    print the report of the readable prefix (whole, CRC-checked chunks) and
#    ONE warning line "avtrace CMD: warning: FILE: <where and why>; the report
#    covers the N events before it", exit 1; script prints the readable events
#    and one error line, exit 1; info prints everything with a status line
#    and one error line, exit 1. replay --verify refuses (exit 1, one line).
#  - usage errors: exit 2; the first line names the cause; argp adds a
#    second line "Try `avtrace CMD --help' ...". Errors found after option
#    parsing (unknown scheme) are one line.
#  - an output that cannot be written (/dev/full, a read-only directory):
#    exit 1, one line naming the output and the errno text.
# Last, a bounded fuzz loop: seeded mutations of binary traces (raw bytes,
# and decoded records re-sealed with valid CRCs) and of text scenarios,
# through replay (all schemes, --check-invariants), script and info: a
# crash, hang (timeout 10 s), sanitizer report or silent failure is a bug.
# AVT_FUZZ_N sets the number of mutations (default 300; 150 under AVT_SAN=1).
. "$(dirname "$0")/lib/common.sh"
T=${AVT_TMP:?}/badinput.$$
HERE=$(cd "$(dirname "$0")" && pwd)
SCN=$HERE/../scenarios
mkdir -p "$T" || exit 1
P=
trap 'rm -rf "$T"; [ -n "$P" ] && rm -rf "$P"' EXIT
SANRE='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Sanitizer'

# run CMD...: stdout in $T/out, stderr in $T/err, exit status in $rc
run() { timeout 20 "$@" >"$T/out" 2>"$T/err"; rc=$?; }
san_clean() { ! grep -qE "$SANRE" "$T/err"; }
nlines() { wc -l < "$T/err" | tr -d ' '; }

# expect RC ERE CMD...: exit RC, stderr exactly one line matching ERE
expect() {
	local want=$1 re=$2
	shift 2
	run "$@"
	if [ "$rc" != "$want" ] || [ "$(nlines)" != 1 ] || ! grep -qE -- "$re" "$T/err" || ! san_clean; then
		bad "$*: exit $rc (want $want), stderr (want one line ~ /$re/):"
		sed 's/^/    /' "$T/err" | head -5
		return 1
	fi
	ok
}

# expect_usage ERE CMD...: exit 2, first line matches ERE, at most the argp
# "Try ..." hint after it
expect_usage() {
	local re=$1
	shift
	run "$@"
	if [ "$rc" != 2 ] || ! head -1 "$T/err" | grep -qE -- "$re" || ! san_clean ||
	   { [ "$(nlines)" = 2 ] && ! sed -n 2p "$T/err" | grep -q "^Try \`avtrace "; } ||
	   [ "$(nlines)" -gt 2 ] || [ "$(nlines)" -lt 1 ]; then
		bad "$*: exit $rc (want 2), stderr (want /$re/ [+ Try hint]):"
		sed 's/^/    /' "$T/err" | head -5
		return 1
	fi
	ok
}

# ---- inputs --------------------------------------------------------------------
SMALL=$SCN/eager-ex02-basic-fork.txt
"$A" import "$SMALL" -o "$T/small.avt" 2>"$T/err" || { echo "FAIL: import $SMALL: $(cat "$T/err")"; exit 1; }
"$A" import "$SCN/eager-snapshot-rebuild.txt" -o "$T/snap.avt" 2>"$T/err" || { echo "FAIL: import snapshot: $(cat "$T/err")"; exit 1; }
# several chunks (256 KiB raw each), so that cutting it in the middle leaves
# whole chunks before the damage
{
	echo 'meta release=6.18.44'
	echo '1 exec file=/bin/x'
	awk 'BEGIN { for (i = 0; i < 30000; i++) printf "1 write 0x%x\n", 1048576 + i * 4096 }'
	echo '1 munmap addr=0x100000 len=0x1000 = 0'
	echo '1 exit'
} > "$T/big.txt"
"$A" import "$T/big.txt" -o "$T/big.avt" 2>"$T/err" || { echo "FAIL: import big: $(cat "$T/err")"; exit 1; }
size=$(stat -c %s "$T/big.avt")
head -c $((size / 2)) "$T/big.avt" > "$T/half.avt"
cp "$T/big.avt" "$T/flip.avt"
off=$((size * 3 / 5))
orig=$(od -An -tu1 -j "$off" -N1 "$T/flip.avt" | tr -d ' ')
printf "$(printf '\\%03o' $(( (orig ^ 0x55) & 255 )))" | dd of="$T/flip.avt" bs=1 seek="$off" conv=notrunc status=none
mkdir -p "$T/dir"
: > "$T/empty"
# random bytes whose first line is not text (a control byte first)
{ printf '\001'; head -c 4095 /dev/urandom; } > "$T/random"
printf '# a scenario\n1 exec file=/bin/x\n1 mmapp len=0x1000\n1 exit\n' > "$T/syntax.txt"
# format 7.0: a future major version (the CRC does not matter, the version is read first)
cp "$T/small.avt" "$T/future.avt"
printf '\007' | dd of="$T/future.avt" bs=1 seek=8 conv=notrunc status=none
printf 'AVTRACE\001garbage-after-a-wrong-magic' > "$T/magic"
head -c 30 "$T/small.avt" > "$T/header-cut.avt"

# ---- unreadable inputs: the same one line from every reader --------------------
for c in replay diff script info; do
	x=()
	[ $c = diff ] && x=(--mode=eager,lazy)
	expect 1 "^avtrace $c: $T/nope.avt: cannot open: No such file or directory\$" "$A" $c "$T/nope.avt" "${x[@]}"
	expect 1 "^avtrace $c: $T/dir: is a directory, not a trace\$" "$A" $c "$T/dir" "${x[@]}"
	expect 1 "^avtrace $c: $T/empty: empty file: not an avtrace trace\$" "$A" $c "$T/empty" "${x[@]}"
	expect 1 "^avtrace $c: $T/random: not an avtrace file \(bad magic\)\$" "$A" $c "$T/random" "${x[@]}"
	expect 1 "^avtrace $c: $T/magic: not an avtrace file \(bad magic\)\$" "$A" $c "$T/magic" "${x[@]}"
	expect 1 "^avtrace $c: $T/future.avt: trace format 7\.0 is newer than this avtrace \(reads 1\.x\)\$" \
		"$A" $c "$T/future.avt" "${x[@]}"
	expect 1 "^avtrace $c: $T/header-cut.avt: truncated trace: file ends inside the metadata block" \
		"$A" $c "$T/header-cut.avt" "${x[@]}"
	expect 1 "^avtrace $c: $T/syntax.txt:3: unknown event 'mmapp'\$" "$A" $c "$T/syntax.txt" "${x[@]}"
done
expect 1 "^avtrace replay: $T/nope.avt: cannot open: No such file or directory\$" "$A" replay --verify "$T/nope.avt"
expect 1 "^avtrace replay: $T/syntax.txt:3: unknown event 'mmapp'\$" "$A" replay --verify --verify-mode=eager "$T/syntax.txt"
# two traces: the bad one is named
expect 1 "^avtrace diff: $T/empty: empty file" "$A" diff "$T/small.avt" "$T/empty"
# import reads text only
expect 1 "^avtrace import: $T/nope.txt: cannot open: No such file or directory\$" "$A" import "$T/nope.txt" -o "$T/x.avt"
expect 1 "^avtrace import: $T/dir: is a directory, not a text trace\$" "$A" import "$T/dir" -o "$T/x.avt"
expect 1 "^avtrace import: $T/small.avt: is a binary trace already" "$A" import "$T/small.avt" -o "$T/x.avt"
expect 1 "^avtrace import: $T/random:1: control byte 0x01 in line: not a text trace\$" "$A" import "$T/random" -o "$T/x.avt"
printf '1 exec file=/bin/x\n1 e\000xit\n' > "$T/nul.txt"
expect 1 "^avtrace import: $T/nul.txt:2: NUL byte in line: not a text trace\$" "$A" import "$T/nul.txt" -o "$T/x.avt"
expect 1 "^avtrace import: $T/syntax.txt:3: unknown event 'mmapp'\$" "$A" import "$T/syntax.txt" -o "$T/x.avt"
{ echo '1 exec file=/bin/x'; printf '1 unknown type=0x4242 data='; head -c 1048577 /dev/zero | od -An -tx1 -v | tr -d ' \n'; echo; } > "$T/bigdata.txt"
expect 1 "^avtrace import: $T/bigdata.txt:2: data of 1048577 bytes is longer than 1048576 for key 'data'\$" "$A" import "$T/bigdata.txt" -o "$T/x.avt"
expect 1 "^avtrace replay: $T/bigdata.txt:2: data of 1048577 bytes is longer than 1048576" "$A" replay "$T/bigdata.txt"
ls "$T"/x.avt* >/dev/null 2>&1 && bad "a failed import left an output file" || ok

# ---- snapshots without their snap_end (a trace cut inside a snapshot) -------------
# (the engines crashed at teardown: lazy in lav__unlink, eager in its teardown)
sv='snap_vma 0x100000-0x104000 flags=0x100073 pgoff=0x100 dev=0:0 ino=0 av=0xa2 root=0xa1 parent=0xa1 children=0 active=1 avcs=2 chain=0xa2,0xa1'
printf '2 snap_begin kind=start n=0 flags=0 start=2 comm=c\n2 %s\n' "$sv" > "$T/snap-open.txt"
printf '2 snap_begin kind=start n=0 flags=0 start=2 comm=c\n2 %s\n3 snap_begin kind=start n=0 flags=0 start=3 comm=d\n3 %s\n3 snap_end kind=start n=0 status=complete vmas=1 window=0-1\n2 write 0x100000\n' "$sv" "$sv" > "$T/snap-twice.txt"
# a call the kernel would refuse, claimed to succeed (munmap len=0 crashed eager)
printf '1 exec file=/bin/x\n1 mmap addr=0x100000 len=0x4000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x100000\n1 write 0x100000\n1 munmap addr=0x101000 len=0 = 0\n1 fork child=2 flags=newmm\n2 write 0x101000\n' > "$T/munmap0.txt"
for f in snap-open snap-twice munmap0; do
	run "$A" replay "$T/$f.txt" --mode=eager,eager-legacy,lazy --check-invariants
	[ "$rc" = 0 ] && [ ! -s "$T/err" ] && grep -q '^lazy.events.total ' "$T/out" && ok ||
		{ bad "replay $f.txt: exit $rc"; head -5 "$T/err"; }
done

# ---- truncated mid-chunk: the readable prefix, where and why it stopped -----------
cut_re="file ends inside chunk [0-9]+ at offset [0-9]+ \([0-9]+ of [0-9]+ payload bytes\)"
run "$A" info "$T/half.avt"
nprefix=$(awk '/^status/ { for (i = 1; i <= NF; i++) if ($i == "events") print $(i - 1) }' "$T/out")
if [ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && grep -qE "^avtrace info: $T/half.avt: $cut_re\$" "$T/err" &&
   grep -qE "^status +TRUNCATED: $cut_re; [0-9]+ events before it are intact\$" "$T/out" && san_clean &&
   [ -n "$nprefix" ] && [ "$nprefix" -gt 1000 ] && [ "$nprefix" -lt 30003 ]; then ok
else bad "info of a truncated trace: exit $rc"; cat "$T/err" "$T/out"; nprefix=0; fi

# replay: the report of the prefix == the report of a trace holding exactly
# the prefix's events (so nothing before the damage is lost or invented)
"$A" script "$T/half.avt" 2>/dev/null | "$A" import - -o "$T/prefix.avt" && ok || bad "prefix of half.avt does not import"
"$A" replay "$T/prefix.avt" --mode=eager,lazy > "$T/prefix.report" 2>/dev/null && ok || bad "replay of the prefix"
run "$A" replay "$T/half.avt" --mode=eager,lazy
if [ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && san_clean &&
   grep -qE "^avtrace replay: warning: $T/half.avt: $cut_re; the report covers the $nprefix events before it\$" "$T/err" &&
   cmp -s "$T/out" "$T/prefix.report" && grep -q "^eager.events.total $nprefix\$" "$T/out"; then ok
else bad "replay of a truncated trace: exit $rc"; cat "$T/err"; head -3 "$T/out"; fi
# --state of the prefix too
run "$A" replay "$T/half.avt" --state="$T/half.state"
[ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && [ -s "$T/out" ] && [ -f "$T/half.state" ] && san_clean && ok ||
	{ bad "replay --state of a truncated trace: exit $rc"; cat "$T/err"; }
run "$A" diff "$T/half.avt" --mode=eager,lazy --all
if [ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && san_clean &&
   grep -qE "^avtrace diff: warning: $T/half.avt: $cut_re; the columns of this trace cover the $nprefix events before it\$" "$T/err" &&
   grep -qE "^events.total +$nprefix " "$T/out"; then ok
else bad "diff of a truncated trace: exit $rc"; cat "$T/err"; head -3 "$T/out"; fi
run "$A" diff "$T/big.avt" "$T/half.avt" --all
[ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && grep -q "warning: $T/half.avt: " "$T/err" && grep -q "^events.total" "$T/out" &&
	san_clean && ok || { bad "diff of a good and a truncated trace: exit $rc"; cat "$T/err"; }
run "$A" script "$T/half.avt"
[ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && grep -qE "^avtrace script: $T/half.avt: $cut_re\$" "$T/err" &&
	[ "$(grep -c '^@' "$T/out")" = "$nprefix" ] && san_clean && ok || { bad "script of a truncated trace: exit $rc"; cat "$T/err"; }
expect 1 "^avtrace replay: $T/half.avt: $cut_re\$" "$A" replay --verify --verify-mode=eager-legacy "$T/half.avt"

# ---- a flipped byte: CRC error naming the chunk -----------------------------------
crc_re="chunk [0-9]+ at offset [0-9]+: payload CRC mismatch"
run "$A" replay "$T/flip.avt"
[ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && grep -qE "^avtrace replay: warning: $T/flip.avt: $crc_re; the report covers the [0-9]+ events before it\$" "$T/err" &&
	grep -q '^eager-legacy.events.total ' "$T/out" && san_clean && ok || { bad "replay of a flipped byte: exit $rc"; cat "$T/err"; }
run "$A" diff "$T/flip.avt" --mode=eager-legacy,eager
[ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && grep -qE "^avtrace diff: warning: $T/flip.avt: $crc_re;" "$T/err" && san_clean && ok ||
	{ bad "diff of a flipped byte: exit $rc"; cat "$T/err"; }
for c in script info; do
	run "$A" $c "$T/flip.avt"
	[ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && grep -qE "^avtrace $c: $T/flip.avt: $crc_re\$" "$T/err" && [ -s "$T/out" ] && san_clean && ok ||
		{ bad "$c of a flipped byte: exit $rc"; cat "$T/err"; }
done

# ---- usage: bad options and values ----------------------------------------------
expect 2 "^avtrace replay: unknown scheme 'bogus' \(known: eager, eager-legacy, lazy\)\$" "$A" replay "$T/small.avt" --mode=bogus
expect 2 "^avtrace replay: scheme 'eager' is listed twice in --mode\$" "$A" replay "$T/small.avt" --mode=eager,eager
expect 2 "^avtrace replay: unknown scheme 'bogus' for --verify-mode" "$A" replay "$T/small.avt" --verify-mode=bogus
expect 2 "^avtrace replay: bad value 'abc' for lazy option 'max-size'" "$A" replay "$T/small.avt" --mode=lazy --lazy-max-size=abc
expect 2 "^avtrace diff: unknown scheme 'bogus'" "$A" diff "$T/small.avt" --mode=eager,bogus
expect 2 "^avtrace diff: scheme 'lazy' is listed twice in --mode\$" "$A" diff "$T/small.avt" --mode=lazy,lazy
expect 2 "^avtrace diff: one trace needs at least two schemes" "$A" diff "$T/small.avt" --mode=eager
expect 2 "^avtrace diff: two traces are compared under one scheme" "$A" diff "$T/small.avt" "$T/small.avt" --mode=eager,lazy
expect_usage "^avtrace replay: --mode needs a scheme name\$" "$A" replay "$T/small.avt" --mode=
expect_usage "^avtrace replay: --mode needs a scheme name\$" "$A" replay "$T/small.avt" --mode=,,
expect_usage "^avtrace replay: at most 8 schemes\$" "$A" replay "$T/small.avt" --mode=eager,eager,eager,eager,eager,eager,eager,eager,eager
expect_usage "^avtrace replay: --state-at takes checkpoint:N, not 'garbage'\$" "$A" replay "$T/small.avt" --state-at=garbage
expect_usage "^avtrace replay: --state-at: bad checkpoint number 'x'\$" "$A" replay "$T/small.avt" --state-at=checkpoint:x
expect_usage "^avtrace replay: --state-at: bad checkpoint number '99999999999'\$" "$A" replay "$T/small.avt" --state-at=checkpoint:99999999999
expect_usage "^avtrace replay: --state-at: bad checkpoint number '-1'\$" "$A" replay "$T/small.avt" --state-at=checkpoint:-1
expect_usage "^avtrace replay: --verify-show takes a count" "$A" replay "$T/small.avt" --verify --verify-show=0
expect_usage "^avtrace replay: -O takes KEY=VALUE, not 'x'\$" "$A" replay "$T/small.avt" -O x
expect_usage "^avtrace replay: unrecognized option '--bogus'\$" "$A" replay "$T/small.avt" --bogus
expect_usage "^avtrace replay: one trace file only" "$A" replay "$T/small.avt" "$T/small.avt"
expect_usage "^avtrace replay: missing trace FILE\$" "$A" replay
expect_usage "^avtrace diff: unknown format 'xml' \(text, json, csv\)\$" "$A" diff "$T/small.avt" --format=xml
expect_usage "^avtrace diff: unknown sort key 'up'" "$A" diff "$T/small.avt" --sort=up
expect_usage "^avtrace diff: --lazy-param takes KEY=VALUE" "$A" diff "$T/small.avt" --lazy-param=x
expect_usage "^avtrace diff: at most two trace files\$" "$A" diff a b c
expect_usage "^avtrace script: --snapshot takes a checkpoint number or start\|exec\|exit, not 'x'\$" "$A" script "$T/small.avt" --snapshot=x --state
expect_usage "^avtrace script: --pid takes a process id, not '0'\$" "$A" script "$T/small.avt" --snapshot=start --state --pid=0
expect_usage "^avtrace script: --snapshot and --state go together\$" "$A" script "$T/small.avt" --state
expect_usage "^avtrace info: unrecognized option '--bogus'\$" "$A" info --bogus "$T/small.avt"
expect_usage "^avtrace info: one trace file only" "$A" info "$T/small.avt" "$T/small.avt"
expect_usage "^avtrace import: missing -o FILE\$" "$A" import "$T/big.txt"
expect_usage "^avtrace: unknown command 'frobnicate'" "$A" frobnicate
# a valid option whose target is not in the trace: said, exit 1
expect 1 "^avtrace replay: warning: $T/small.avt: checkpoint 3 is not in the trace: no state written\$" \
	"$A" replay "$T/small.avt" --state-at=checkpoint:3 --state="$T/cp.state"
expect 1 "^avtrace script: $T/small.avt: no complete snapshot for checkpoint 2\$" "$A" script "$T/small.avt" --snapshot=2 --state

# ---- outputs that cannot be written -------------------------------------------------
# as root, a private node of the same device: an import that renamed over
# its output (the bug this guards) must not take /dev/full from the system
is_full() { [ -c "$1" ] && (echo x > "$1") 2>&1 | grep -q 'No space left on device'; }
FULL=/dev/full
[ "$(id -u)" = 0 ] && mknod -m 666 "$T/full" c 1 7 2>/dev/null && is_full "$T/full" && FULL=$T/full
if is_full "$FULL"; then
	nospc='No space left on device'
	for c in "script $T/big.avt" "script $T/small.avt" "replay $T/small.avt" "replay $T/small.avt --state" \
		 "diff $T/small.avt --mode=eager,lazy" "info $T/small.avt" "info --chunks $T/big.avt" \
		 "replay --list-modes" "script $T/snap.avt --snapshot=start --state"; do
		# shellcheck disable=SC2086
		timeout 20 "$A" $c >"$FULL" 2>"$T/err"; rc=$?
		[ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && grep -qE "^avtrace [a-z]+: stdout: write error: $nospc\$" "$T/err" && san_clean && ok ||
			{ bad "$c > $FULL: exit $rc"; cat "$T/err"; }
	done
	expect 1 "^avtrace script: $FULL: write error: $nospc\$" "$A" script "$T/small.avt" -o "$FULL"
	if [ "$FULL" != /dev/full ] || [ "$(id -u)" != 0 ]; then
		expect 1 "^avtrace import: $FULL: write error: $nospc\$" "$A" import "$T/big.txt" -o "$FULL"
		[ -c "$FULL" ] && ok || bad "import -o $FULL replaced the device node"
	else
		echo "note: no private full device (nodev?): import -o /dev/full is not run as root"
	fi
	timeout 20 "$A" import "$T/big.txt" -o - >"$FULL" 2>"$T/err"; rc=$?
	[ "$rc" = 1 ] && [ "$(nlines)" = 1 ] && grep -qE "^avtrace import: stdout: write error: $nospc\$" "$T/err" && ok ||
		{ bad "import -o - > $FULL: exit $rc"; cat "$T/err"; }
	expect 1 "^avtrace replay: $FULL: write error: $nospc\$" "$A" replay "$T/small.avt" --state="$FULL"
	expect 1 "^avtrace replay: $FULL: write error: $nospc\$" "$A" replay "$T/small.avt" --no-report --state="$FULL"
else
	echo "note: /dev/full is missing or writable here: its cases are not run"
fi
expect 1 "^avtrace script: cannot create $T/nodir/x.txt: No such file or directory\$" "$A" script "$T/small.avt" -o "$T/nodir/x.txt"
expect 1 "^avtrace import: cannot create $T/nodir/x.avt: No such file or directory\$" "$A" import "$T/big.txt" -o "$T/nodir/x.avt"
expect 1 "^avtrace replay: cannot create $T/nodir/x.state: No such file or directory\$" "$A" replay "$T/small.avt" --state="$T/nodir/x.state"
expect 1 "^avtrace import: $T/dir: is a directory\$" "$A" import "$T/big.txt" -o "$T/dir"

# a read-only directory: as root, as the user nobody (root writes anywhere)
P=$(mktemp -d /tmp/avt-badinput.XXXXXX) && chmod 755 "$P" && mkdir "$P/ro" &&
	cp "$T/small.avt" "$SMALL" "$P/" && chmod 644 "$P"/* && chmod 555 "$P/ro"
asuser=()
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		asuser=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	else
		asuser=(skip)
	fi
fi
if [ "${asuser[0]:-}" = skip ] || [ -z "$P" ]; then
	echo "note: cannot drop root here: the read-only directory cases are not run"
else
	sp=$(basename "$SMALL")
	expect 1 "^avtrace script: cannot create $P/ro/x.txt: Permission denied\$" "${asuser[@]}" "$A" script "$P/small.avt" -o "$P/ro/x.txt"
	expect 1 "^avtrace import: cannot create $P/ro/x.avt: Permission denied\$" "${asuser[@]}" "$A" import "$P/$sp" -o "$P/ro/x.avt"
	expect 1 "^avtrace replay: cannot create $P/ro/x.state: Permission denied\$" "${asuser[@]}" "$A" replay "$P/small.avt" --state="$P/ro/x.state"
	[ -z "$(ls -A "$P/ro")" ] && ok || bad "files left in the read-only directory: $(ls "$P/ro")"
fi

# ---- valgrind over the error paths (plain build only: not under ASan) -----------
if [ "${AVT_SAN:-0}" != 1 ] && command -v valgrind >/dev/null; then
	for c in "replay $T/half.avt --mode=eager,lazy" "diff $T/flip.avt --mode=eager,lazy" "script $T/syntax.txt" \
		 "info $T/half.avt" "replay $T/random" "replay $T/snap-open.txt --mode=lazy,eager" \
		 "import $T/big.txt -o $T/nodir/x.avt"; do
		# shellcheck disable=SC2086
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$A" $c >/dev/null 2>"$T/err"; rc=$?
		[ "$rc" != 99 ] && ! grep -q '^==[0-9]*==' "$T/err" && ok ||
			{ bad "valgrind $c: exit $rc"; grep '^==' "$T/err" | head -5; }
	done
fi

# ---- fuzz: seeded mutations through every reader ---------------------------------------
# 300 in the plain build; the sanitizer build (10x slower to start) runs
# the first 150 of the same mutations
N=${AVT_FUZZ_N:-300}
[ -z "${AVT_FUZZ_N:-}" ] && [ "${AVT_SAN:-0}" = 1 ] && N=150
fuzz_one() {	# FILE: no crash, hang, sanitizer report or silent failure
	local f=$1 c
	for c in "replay --mode=eager,eager-legacy,lazy --check-invariants" "script" "info"; do
		# shellcheck disable=SC2086
		timeout 10 "$A" ${c%% *} "$f" ${c#"${c%% *}"} >/dev/null 2>"$T/err"; rc=$?
		if [ "$rc" -gt 3 ] || ! san_clean || { [ "$rc" != 0 ] && [ ! -s "$T/err" ]; }; then
			cp "$f" "$T/../badinput-fuzz-$(basename "$f")" 2>/dev/null
			bad "fuzz $(basename "$f"): avtrace $c: exit $rc (kept as $AVT_TMP/badinput-fuzz-$(basename "$f")):"
			grep -m3 -E "$SANRE|." "$T/err" | sed 's/^/    /'
			fuzz_bad=$((fuzz_bad + 1))
		fi
	done
}
if ! command -v python3 >/dev/null; then
	echo "note: no python3: the fuzz part is not run"
else
	mkdir -p "$T/fz"
	fuzz_bad=0
	scn=("$SCN"/eager-snapshot-rebuild.txt "$SCN"/eager-uffd.txt "$SCN"/lazy-ex04-fork-cow-walks.txt
	     "$SCN"/lazy-snapshot.txt "$SCN"/eager-ex12-mremap-faulted-move.txt "$SCN"/eager-partial-failed-syscalls.txt)
	per=$(( (N + 2) / 3 / ${#scn[@]} + 1 ))
	i=0
	for s in "${scn[@]}"; do
		i=$((i + 1))
		[ -f "$s" ] || continue
		"$A" import "$s" -o "$T/fz/base$i.avt" 2>/dev/null || { bad "import $s"; continue; }
		python3 "$HERE/badinput_mut.py" text $((i * 1000)) "$per" "$s" "$T/fz" &&
		python3 "$HERE/badinput_mut.py" payload $((i * 1000)) "$per" "$T/fz/base$i.avt" "$T/fz" &&
		python3 "$HERE/badinput_mut.py" raw $((i * 1000)) "$per" "$T/fz/base$i.avt" "$T/fz" ||
			bad "badinput_mut.py failed"
		rm -f "$T/fz/base$i.avt"
	done
	# interleaved (seed, scenario, kind), so that any N covers every
	# scenario and kind
	n=0
	for ((k = 0; k < per && n < N; k++)); do
		for ((j = 1; j <= ${#scn[@]} && n < N; j++)); do
			for kind in text payload raw; do
				f=$T/fz/$kind-$((j * 1000 + k))
				[ -f "$f" ] && [ "$n" -lt "$N" ] || continue
				fuzz_one "$f"
				n=$((n + 1))
			done
		done
	done
	[ "$fuzz_bad" = 0 ] && ok
	echo "fuzz: $n mutations x 3 commands, $fuzz_bad bad runs"
fi

echo "badinput: $pass passed, $fail failed"
[ "$fail" = 0 ]
