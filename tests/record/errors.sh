#!/bin/bash
# Errors are one clear line with the right exit code: bad options (2),
# missing privilege, no such process, bad cgroup, command not found (1).
set -u
. "$(dirname "$0")/lib.bash"
require_bpf

# expect RC PATTERN CMD...: exit code and a one-line message matching PATTERN
expect() {
	local want=$1 pat=$2; shift 2
	local out rc
	out=$("$@" 2>&1 >/dev/null); rc=$?
	if [ $rc != "$want" ]; then fail "$*: exit $rc, want $want ($out)"; return; fi
	if ! echo "$out" | grep -q -- "$pat"; then fail "$*: message '$out' lacks '$pat'"; return; fi
	pass "$*: $(echo "$out" | head -1)"
}

expect 2 "unrecognized option" "$AVTRACE" record --bogus
expect 2 "exactly one target" "$AVTRACE" record -o "$T/x.avt"
expect 2 "exactly one target" "$AVTRACE" record -a -p 1
expect 2 "bad duration" "$AVTRACE" record -d abc -a
expect 2 "bad ring size" "$AVTRACE" record -b 12 -a
expect 2 "bad pid list" "$AVTRACE" record -p 12x
expect 1 "no such process: 4194000" "$AVTRACE" record -o "$T/x.avt" -p 4194000
expect 1 "cannot open cgroup" "$AVTRACE" record -o "$T/x.avt" -c /nonexistent/cg
expect 1 "cannot run /nonexistent/cmd" "$AVTRACE" record --no-status -o "$T/x.avt" -- /nonexistent/cmd
expect 1 "cannot create" "$AVTRACE" record --no-status -o /nonexistent/dir/x.avt -- /bin/true

# -v routes libbpf's log; without it libbpf stays quiet
sleep 3 & sp=$!
"$AVTRACE" record -v --no-status -o "$T/v.avt" -p $sp -d 0.2 > /dev/null 2> "$T/v.log" || fail "-v: exit $?"
grep -q "^libbpf: " "$T/v.log" && pass "-v: libbpf log shown" || fail "-v: no libbpf log"
"$AVTRACE" record --no-status -o "$T/v.avt" -p $sp -d 0.2 > /dev/null 2> "$T/q.log" || fail "quiet: exit $?"
grep -q "^libbpf: " "$T/q.log" && fail "libbpf log shown without -v"
kill $sp; wait $sp 2>/dev/null

# unprivileged: a copy of the binary nobody can run, in a directory nobody can write
cp "$AVTRACE" "$T/avtrace"; chmod 755 "$T/avtrace"
if command -v setpriv > /dev/null; then
	drop=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
else
	drop=(runuser -u nobody --)
fi
expect 1 "need root (or CAP_BPF and CAP_PERFMON)" "${drop[@]}" "$T/avtrace" record -o /tmp/x.avt -- /bin/true
expect 1 "need root" "${drop[@]}" "$T/avtrace" record --probe
finish
