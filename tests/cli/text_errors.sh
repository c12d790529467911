#!/bin/bash
# Errors of `avtrace import` and `avtrace script`: a syntax error names the
# file and line on one stderr line, exits 1 and leaves no output file; a
# truncated or corrupt trace prints what is readable, says why, exits 1.
. "$(dirname "$0")/lib/common.sh"
scratch text_errors

# import_error LINE-TEXT EXPECTED-STDERR: line 3 of a file is LINE-TEXT
import_error() {
	printf '# header\n1 exec file=/bin/x\n%s\n1 exit\n' "$1" > "$T/in.txt"
	rm -f "$T/out.avt"
	"$A" import "$T/in.txt" -o "$T/out.avt" 2>"$T/err"
	local rc=$?
	[ $rc = 1 ] || { bad "'$1': exit $rc, want 1"; return; }
	[ "$(wc -l < "$T/err")" = 1 ] || { bad "'$1': stderr is not one line:"; cat "$T/err"; return; }
	grep -qxF "avtrace import: $T/in.txt:3: $2" "$T/err" || { bad "'$1': got: $(cat "$T/err") want: ...:3: $2"; return; }
	ls "$T"/out.avt* >/dev/null 2>&1 && { bad "'$1': output file left behind"; return; }
	ok
}

import_error '1 mmapp len=0x1000' "unknown event 'mmapp'"
import_error '1 munmap addr=0x1000 len=0x1000 colour=red' "unknown key 'colour' for munmap"
import_error '1 munmap addr=0x1000 len=0x10z0' "malformed number '0x10z0' for key 'len'"
import_error '1 munmap addr=0x1000' "missing required key 'len' for munmap"
import_error '1 mmap len=1 flags=MAP_PRIVATE|MAP_BOGUS' "unknown mmap flag 'MAP_BOGUS' for key 'flags'"
import_error '1 exec file="/bin/x' "unterminated quoted string"
import_error '1 munmap addr=1 len=1 = -ENOPE' "unknown errno name '-ENOPE'"
import_error 'meta colour=red' "unknown metadata key 'colour'"

# an error on the last line still leaves nothing behind (the writer had started)
{ cat <<'EOF'
meta release=6.18.44
1 exec file=/bin/x
EOF
awk 'BEGIN { for (i = 1; i <= 2000; i++) printf "1 write 0x%x\n", 1048576 + i * 4096 }'
echo "1 exit code=zero"; } > "$T/late.txt"
"$A" import "$T/late.txt" -o "$T/late.avt" 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -qxF "avtrace import: $T/late.txt:2003: malformed number 'zero' for key 'code'" "$T/err" \
	&& ! ls "$T"/late.avt* >/dev/null 2>&1 && ok || { bad "late error: rc $rc"; cat "$T/err"; ls "$T"; }

# usage errors
"$A" import "$T/late.txt" 2>/dev/null; [ $? = 2 ] && ok || bad "import without -o: want exit 2"
"$A" import -o "$T/x.avt" 2>/dev/null; [ $? = 2 ] && ok || bad "import without TEXT: want exit 2"
"$A" script 2>/dev/null; [ $? = 2 ] && ok || bad "script without FILE: want exit 2"
"$A" script a b 2>/dev/null; [ $? = 2 ] && ok || bad "script with two files: want exit 2"
"$A" import "$T/nope.txt" -o "$T/x.avt" 2>"$T/err"; [ $? = 1 ] && grep -q "nope.txt" "$T/err" \
	&& ok || bad "import of a missing file"
"$A" script "$T/nope.avt" 2>"$T/err"; [ $? = 1 ] && [ "$(wc -l < "$T/err")" = 1 ] && grep -q "nope.avt" "$T/err" \
	&& ok || bad "script of a missing file"

# script of a text file with an error prints the lines before it, then fails
printf '1 exec file=/bin/x\n1 write 0x1000\n1 bogus\n1 exit\n' > "$T/mid.txt"
"$A" script "$T/mid.txt" > "$T/out" 2>"$T/err"; rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$T/out")" = 2 ] && [ "$(wc -l < "$T/err")" = 1 ] && grep -qF "$T/mid.txt:3: " "$T/err" \
	&& grep -q "bogus" "$T/err" && ok || { bad "script of a bad text: rc $rc"; cat "$T/out" "$T/err"; }

# script of a truncated binary: the readable events, one line of why, exit 1
# (enough events for several chunks, so half the file holds whole chunks)
{ echo "1 exec file=/bin/x"; awk 'BEGIN { for (i = 0; i < 30000; i++) printf "1 write 0x%x\n", 1048576 + i * 4096 }'; } > "$T/good.txt"
"$A" import "$T/good.txt" -o "$T/full.avt" && ok || bad "import good.txt"
"$A" script "$T/full.avt" > "$T/full.txt" && ok || bad "script full.avt"
size=$(stat -c %s "$T/full.avt")
head -c $((size / 2)) "$T/full.avt" > "$T/half.avt"
"$A" script "$T/half.avt" > "$T/half.txt" 2>"$T/err"; rc=$?
if [ $rc = 1 ] && [ "$(wc -l < "$T/err")" = 1 ] && [ -s "$T/err" ]; then ok; else bad "truncated: rc $rc"; cat "$T/err"; fi
# what it printed is a prefix of the full text
n=$(wc -l < "$T/half.txt")
[ "$n" -gt 1000 ] && [ "$n" -lt 30000 ] && ok || bad "truncated at half printed $n lines"
head -n "$n" "$T/full.txt" | cmp -s - "$T/half.txt" && ok || bad "truncated output is not a prefix of the full output"

# a flipped byte inside the body: the chunks before it, one line of why, exit 1
cp "$T/full.avt" "$T/flip.avt"
off=$((size * 3 / 5))
orig=$(od -An -tu1 -j "$off" -N1 "$T/flip.avt" | tr -d ' ')
printf "$(printf '\\%03o' $(( (orig ^ 0x55) & 255 )))" | dd of="$T/flip.avt" bs=1 seek="$off" conv=notrunc status=none
"$A" script "$T/flip.avt" > "$T/flip.txt" 2>"$T/err"; rc=$?
if [ $rc = 1 ] && [ "$(wc -l < "$T/err")" = 1 ]; then ok; else bad "flipped byte: rc $rc"; cat "$T/err"; fi
n=$(wc -l < "$T/flip.txt")
head -n "$n" "$T/full.txt" | cmp -s - "$T/flip.txt" && [ "$n" -lt 30000 ] && ok \
	|| bad "flipped byte: output ($n lines) is not a proper prefix"

echo "text_errors: $pass passed, $fail failed"
[ "$fail" = 0 ]
