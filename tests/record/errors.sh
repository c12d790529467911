#!/bin/bash
# Errors are one clear line with the right exit code: bad options (2),
# missing privilege, no BTF, no such process, a zombie or kernel thread,
# bad cgroup, command not found, bad output path (1); a full disk stops the
# recording in one ENOSPC line (exit 1) and keeps what was sealed; SIGTERM
# writes a complete file, SIGKILL leaves the sealed chunks readable.
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
# NaN compares false both ways: it used to pass the check and never expire
expect 2 "bad duration 'nan'" "$AVTRACE" record -d nan -a
expect 2 "bad checkpoint interval 'NaN'" "$AVTRACE" record --checkpoint-every=NaN -a
expect 2 "bad ring size" "$AVTRACE" record -b 12 -a
expect 2 "bad pid list" "$AVTRACE" record -p 12x
expect 1 "no such process: 4194000" "$AVTRACE" record -o "$T/x.avt" -p 4194000
expect 1 "cannot open cgroup" "$AVTRACE" record -o "$T/x.avt" -c /nonexistent/cg
expect 1 "cannot run /nonexistent/cmd" "$AVTRACE" record --no-status -o "$T/x.avt" -- /nonexistent/cmd
expect 1 "cannot create" "$AVTRACE" record --no-status -o /nonexistent/dir/x.avt -- /bin/true
# a command that cannot start is found out before the output is truncated
"$AVTRACE" record --no-status -o "$T/prev.avt" -- /bin/true 2> /dev/null || fail "record /bin/true: exit $?"
cp "$T/prev.avt" "$T/prev.copy"
expect 1 "cannot run nosuchcmd-$$: No such file or directory" "$AVTRACE" record --no-status -o "$T/prev.avt" -- nosuchcmd-$$
expect 1 "cannot run /etc/passwd: Permission denied" "$AVTRACE" record --no-status -o "$T/prev.avt" -- /etc/passwd
# ... and one only exec itself can refuse (its interpreter is missing) still
# fails in one line, from the launched child
printf '#!/nonexistent/interp\n' > "$T/noint.sh"; chmod 755 "$T/noint.sh"
expect 1 "cannot run $T/noint.sh: No such file or directory" "$AVTRACE" record --no-status -o "$T/x.avt" -- "$T/noint.sh"
cmp -s "$T/prev.avt" "$T/prev.copy" && pass "a command that cannot run leaves the previous trace alone" ||
	fail "a command that cannot run replaced the previous trace"
expect 1 "cannot create $T: Is a directory" "$AVTRACE" record --no-status -o "$T" -- /bin/true
expect 1 "cannot use cgroup $T: not a cgroup v2 directory" "$AVTRACE" record --no-status -o "$T/x.avt" -c "$T" -d 1
expect 1 "process 2 is a kernel thread" "$AVTRACE" record --no-status -o "$T/x.avt" -p 2
# a zombie passed its exit tracepoint: it used to be recorded for ever
bash -c 'sleep 0.1 & exec sleep 5' & zp=$!
z=""; for _ in $(seq 50); do
	z=$(pgrep -P $zp); [ -n "$z" ] && [ "$(ps -o stat= -p "$z" | cut -c1)" = Z ] && break; sleep 0.1
done
expect 1 "process $z has already exited (zombie)" "$AVTRACE" record --no-status -o "$T/x.avt" -p "$z"
kill $zp; wait $zp 2>/dev/null

# -p on a process that exits during the BPF load (after the pid check,
# before it is in the map: its exit is never seen): the recording must
# still end (it ran for ever). Whichever side of the load each one dies
# on, none may hang.
hung=0
for d in 0.2 0.3 0.4 0.5 0.7; do
	sleep $d & sp=$!
	timeout 8 "$AVTRACE" record --no-status -o "$T/race.avt" -p $sp > /dev/null 2>&1
	[ $? = 124 ] && hung=$((hung + 1))
	wait $sp 2>/dev/null
done
[ $hung = 0 ] && pass "-p on a target dying during the load: every recording ended" ||
	fail "-p on a target dying during the load: $hung of 5 recordings never ended"

# -p with several pids: the trace's cmdline keeps them all (parsing cut it)
sleep 5 & s1=$!; sleep 5 & s2=$!
"$AVTRACE" record --no-status -o "$T/two.avt" -p $s1,$s2 -d 0.2 2> /dev/null || fail "-p $s1,$s2: exit $?"
"$AVTRACE" info "$T/two.avt" | grep -q "^  cmdline .* -p $s1,$s2 -d 0.2$" &&
	pass "-p A,B: cmdline metadata complete" || fail "-p A,B: cmdline metadata: $("$AVTRACE" info "$T/two.avt" | grep cmdline)"
kill $s1 $s2; wait $s1 $s2 2>/dev/null

# --help and avtrace-record(8) name the same options (--verify: the man
# page's pointer to replay; help, usage, version: argp's own)
man8=$(dirname "$0")/../../man/avtrace-record.8
in_help=$("$AVTRACE" record --help | grep -oE -- '--[a-z][a-z-]+' | grep -vxE -- '--(help|usage|version)' | sort -u)
in_man=$(grep -oE '\\fB\\-\\-[a-z](\\-|[a-z])*' "$man8" | sed 's/\\fB//; s/\\-/-/g' | grep -vx -- --verify | sort -u)
if [ -n "$in_help" ] && [ "$in_help" = "$in_man" ]; then
	pass "--help and avtrace-record(8) list the same $(echo "$in_help" | wc -l) options"
else
	fail "--help and avtrace-record(8) differ: $(diff <(echo "$in_help") <(echo "$in_man") | grep '^[<>]' | tr '\n' ' ')"
fi

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
# root without CAP_SYS_ADMIN: CAP_BPF + CAP_PERFMON are enough, one of them is not
if command -v capsh > /dev/null; then
	expect 1 "need root (or CAP_BPF and CAP_PERFMON)" capsh --drop=cap_sys_admin,cap_perfmon -- \
		-c "exec '$T/avtrace' record --no-status -o '$T/c.avt' -- /bin/true"
	expect 0 "events written" capsh --drop=cap_sys_admin -- \
		-c "exec '$T/avtrace' record --no-status -o '$T/c.avt' -- /bin/true"
else
	echo "SKIP-part: capsh not installed (CAP_BPF+CAP_PERFMON without CAP_SYS_ADMIN)"
fi

# no kernel BTF: a private mount namespace with an empty tmpfs (or a junk
# file) over /sys/kernel/btf
if unshare -m true 2> /dev/null; then
	expect 1 "kernel BTF not found (/sys/kernel/btf/vmlinux: No such file or directory)" \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" record --no-status -o "$1" -- /bin/true' \
		"$AVTRACE" "$T/nobtf.avt"
	expect 1 "cannot read kernel BTF from /sys/kernel/btf/vmlinux: not valid BTF" \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && echo junk > /sys/kernel/btf/vmlinux &&
			exec "$0" record --no-status -o "$1" -- /bin/true' "$AVTRACE" "$T/nobtf.avt"
	expect 1 "does not load: no valid kernel BTF" \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && echo junk > /sys/kernel/btf/vmlinux &&
			exec "$0" record --probe' "$AVTRACE"
	[ -e "$T/nobtf.avt" ] && fail "no BTF: an output file was created"
	# a kernel without a tracepoint, without the task_vma iterator, or too
	# old for the open-coded one: a copy of this kernel's BTF with that one
	# name changed (same length: every type id stays), bind-mounted over it
	if command -v python3 > /dev/null; then
		btf_without() {	# OUT OLD NEW: the BTF with the NUL-delimited name OLD renamed
			python3 -c 'import sys; d = open("/sys/kernel/btf/vmlinux", "rb").read()
o, n = ("\0" + sys.argv[2] + "\0").encode(), ("\0" + sys.argv[3] + "\0").encode()
sys.exit(1) if d.count(o) != 1 else open(sys.argv[1], "wb").write(d.replace(o, n))' "$@"
		}
		with_btf() {	# BTF CMD...: run CMD with BTF as the kernel's
			unshare -m sh -c 'mount --bind "$0" /sys/kernel/btf/vmlinux && exec "$@"' "$@"
		}
		if btf_without "$T/btf" btf_trace_page_fault_user btf_trace_page_fault_usex; then
			expect 1 "tracepoint page_fault_user is not available on this kernel (x86-only" \
				with_btf "$T/btf" "$AVTRACE" record --no-status -o "$T/nobtf.avt" -- /bin/true
		else
			fail "no btf_trace_page_fault_user in this kernel's BTF"
		fi
		if btf_without "$T/btf" bpf_iter_task_vma bpf_iter_task_vmX; then
			expect 1 "the task_vma BPF iterator is not available on this kernel" \
				with_btf "$T/btf" "$AVTRACE" record --no-status -o "$T/nobtf.avt" -- /bin/true
		else
			fail "no bpf_iter_task_vma in this kernel's BTF"
		fi
		if btf_without "$T/btf" bpf_iter_task_vma_new bpf_iter_task_vma_neX; then
			expect 1 "kernel too old for the open-coded task_vma iterator .*--snapshot-source=procfs" \
				with_btf "$T/btf" "$AVTRACE" record --no-status --snapshot-source=iter -o "$T/nobtf.avt" -- /bin/true
			# auto: one warning line, then /proc snapshots; the trace verifies what it can
			with_btf "$T/btf" "$AVTRACE" record --no-status -o "$T/old.avt" -- /bin/true 2> "$T/old.log"; rc=$?
			if [ $rc = 0 ] && [ "$(grep -c "warning: kernel too old for the open-coded task_vma iterator" "$T/old.log")" = 1 ] &&
			   check_readable "$T/old.avt" && grep -q "snapshots=procfs" "$T/old.avt.info"; then
				"$AVTRACE" replay "$T/old.avt" --verify > "$T/old.ver" 2>&1 &&
					grep -q "^verify.snapshots.procfs [1-9]" "$T/old.ver" &&
					pass "kernel too old for the open-coded iterator: one warning, /proc snapshots, replay says so" ||
					fail "/proc-fallback trace: replay --verify: $(tail -1 "$T/old.ver")"
			else
				fail "kernel too old for the open-coded iterator: exit $rc, $(cat "$T/old.log")"
			fi
		else
			fail "no bpf_iter_task_vma_new in this kernel's BTF"
		fi
		rm -f "$T/btf"
	else
		echo "SKIP-part: no python3 to write a BTF without a tracepoint or iterator"
	fi
else
	echo "SKIP-part: unshare -m not possible here (missing-BTF messages)"
fi

# --- the disk fills up while recording -----------------------------------------
# A 256 KiB tmpfs: the recorder must stop at once (it used to record on to
# the command's end, or for ever under -a) with exit 1 and a message naming
# ENOSPC; the command is stopped like on SIGINT; the file keeps every chunk
# that was complete and reads back (no footer: the writer could not close it).
require_workloads storm
mnt=$T/full
mkdir -p "$mnt"
if mount -t tmpfs -o size=256k tmpfs "$mnt" 2> "$T/mount.err"; then
	start=$(date +%s.%N)
	timeout 60 "$AVTRACE" record --no-status -o "$mnt/s.avt" -- "$WL/storm" 3000000 > /dev/null 2> "$T/full.log"
	rc=$?
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
	[ $rc = 1 ] || fail "disk full: exit $rc, want 1 ($(tail -1 "$T/full.log"))"
	if [ "$(wc -l < "$T/full.log")" = 1 ] &&
	   grep -q "^avtrace record: writing $mnt/s.avt failed: No space left on device$" "$T/full.log"; then
		pass "disk full: $(cat "$T/full.log")"
	else
		fail "disk full: message is not the one ENOSPC line:"; cat "$T/full.log"
	fi
	awk -v s="$secs" 'BEGIN{exit !(s < 15)}' && pass "disk full: stopped after ${secs}s" ||
		fail "disk full: recording went on for ${secs}s after the disk was full"
	pgrep -f "$WL/storm 3000000" > /dev/null && fail "disk full: the command outlived the recorder"
	if "$AVTRACE" info "$mnt/s.avt" > "$T/full.info" 2>&1 &&
	   "$AVTRACE" script "$mnt/s.avt" > "$T/full.txt" 2> "$T/full.err"; then
		n=$(grep -c " mmap " "$T/full.txt")
		grep -q "index footer no" "$T/full.info" || fail "disk full: info does not say the footer is missing"
		[ "$n" -gt 100 ] && pass "disk full: the file reads back ($n mmap events, $(grep '^chunks' "$T/full.info"))" ||
			fail "disk full: only $n mmap events kept"
	else
		fail "disk full: the file does not read back: $(tail -1 "$T/full.info") $(tail -1 "$T/full.err")"
	fi
	umount "$mnt"
else
	echo "SKIP-part: cannot mount a tmpfs ($(head -1 "$T/mount.err")): full-disk case not run"
fi

# a file size limit (RLIMIT_FSIZE): SIGXFSZ killed the recorder mid-chunk
# (exit 153, no message, the file ended inside a chunk); now it is a write
# error like ENOSPC (EFBIG), and the command keeps the signal's default
f=$T/fsize.avt
(ulimit -f 200; timeout 60 "$AVTRACE" record --no-status -o "$f" -- "$WL/storm" 3000003 > /dev/null 2> "$T/fsize.log"); rc=$?
if [ $rc = 1 ] && grep -qx "avtrace record: writing $f failed: File too large" "$T/fsize.log" &&
   "$AVTRACE" info "$f" > "$f.info" 2>&1 && grep -q "index footer no" "$f.info" &&
   "$AVTRACE" script "$f" > /dev/null 2>&1; then
	pass "RLIMIT_FSIZE: one EFBIG line, exit 1, the file reads back ($(grep '^events' "$f.info"))"
else
	fail "RLIMIT_FSIZE: exit $rc, $(cat "$T/fsize.log") / $(tail -1 "$f.info")"
fi
pgrep -f "$WL/storm 3000003" > /dev/null && fail "RLIMIT_FSIZE: the command outlived the recorder"
(ulimit -f 64; "$AVTRACE" record --no-status -o "$T/fsize2.avt" -- sh -c "head -c 100000 /dev/zero > '$T/fsize.bin'; echo \$?" > "$T/fsize2.out" 2> /dev/null)
[ "$(cat "$T/fsize2.out")" = 153 ] && pass "RLIMIT_FSIZE: the command still gets SIGXFSZ" ||
	fail "RLIMIT_FSIZE: the command's SIGXFSZ disposition changed (head: $(cat "$T/fsize2.out"))"
rm -f "$T/fsize.bin"

# --- the live status line (--status: forced although stderr is a file) -------------
"$AVTRACE" record --status -b 4096 -o "$T/st.avt" -- sh -c "'$WL/storm' 20000; sleep 1.2" 2> "$T/st.log" ||
	fail "--status: exit $?"
st=$(tr '\r' '\n' < "$T/st.log" | grep -E "^avtrace record: [0-9]+s  [0-9]+ events \([0-9]+/s\)  [0-9]+ dropped  [0-9]+ faults filtered  [0-9]+ processes" | tail -1)
[ -n "$st" ] && pass "--status: live line '$st'" || fail "--status: no live status line: $(head -c 300 "$T/st.log")"
echo "$st" | grep -q "  0 dropped" && fail "--status with a 4 KiB ring shows no drops live"
# the ring's high-water mark is written with the drop counts
"$AVTRACE" script "$T/st.avt" | grep -q " stats kind=ring_hwm key=0 value=[1-9]" &&
	pass "stats kind=ring_hwm written" || fail "no stats kind=ring_hwm record with a value"
"$AVTRACE" record -o "$T/st.avt" -- /bin/true 2> "$T/st2.log" < /dev/null
grep -q $'\r' "$T/st2.log" && fail "status line shown although stderr is not a terminal"

# --- no kernel pointer in a trace: kernel-mode faults (dd reads /dev/zero into
# a fresh buffer: clear_user faults) keep ip=0x0; ids are keyed hashes (a
# direct-map or kernel-text address would show as 0xffff88... / 0xffffffff8...)
"$AVTRACE" record --no-status -o "$T/kp.avt" -- dd if=/dev/zero of=/dev/null bs=1M count=4 status=none 2> /dev/null
if check_readable "$T/kp.avt"; then
	nk=$(grep -c " mode=kernel " "$T/kp.avt.txt")
	[ "$nk" -gt 0 ] || fail "kernel pointers: no kernel-mode fault recorded from dd"
	grep " mode=kernel " "$T/kp.avt.txt" | grep -v " ip=0x0 " | head -1 | grep . && fail "kernel pointers: a kernel ip in a trace"
	grep -E "0x(ffffffff[89a-f]|ffff88[89a-f])[0-9a-f]*" "$T/kp.avt.txt" | head -2 | grep . &&
		fail "kernel pointers: a kernel address in a trace"
	pass "kernel pointers: none in a trace ($nk kernel-mode faults, ip=0x0)"
fi

# --- SIGTERM and SIGKILL of the recorder mid-run ------------------------------------
f=$T/term.avt
"$AVTRACE" record --no-status -o "$f" -- "$WL/storm" 3000001 2> "$T/term.log" &
rec=$!
wait_for "$f" 20 $rec; sleep 0.5
kill -TERM $rec
wait $rec && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $?: $(tail -1 "$T/term.log")"
check_readable "$f" && grep -q "index footer yes" "$f.info" && grep -q " stats kind=events" "$f.txt" &&
	pass "SIGTERM: complete file, final stats in" || fail "SIGTERM: file incomplete"
pgrep -f "$WL/storm 3000001" > /dev/null && fail "SIGTERM: the command outlived the recorder"

# SIGKILL: every sealed chunk stays readable; the command goes too
f=$T/kill.avt
"$AVTRACE" record --no-status -o "$f" -- "$WL/storm" 3000002 2> "$T/kill.log" &
rec=$!
wait_for "$f" 20 $rec; sleep 1.5
kill -KILL $rec; wait $rec 2>/dev/null
sleep 0.3
if pgrep -f "$WL/storm 3000002" > /dev/null; then
	fail "SIGKILL: the command outlived the recorder"; pkill -f "$WL/storm 3000002"
fi
if "$AVTRACE" info "$f" > "$f.info" 2>&1 && "$AVTRACE" script "$f" > "$f.txt" 2> "$f.err"; then
	n=$(grep -c " mmap " "$f.txt")
	grep -q "index footer no" "$f.info" || fail "SIGKILL: info does not say the footer is missing"
	[ "$n" -gt 100 ] && pass "SIGKILL: what was sealed reads back ($n mmap events)" ||
		fail "SIGKILL: only $n mmap events readable"
else
	fail "SIGKILL: the file does not read back: $(tail -1 "$f.info") $(tail -1 "$f.err")"
fi
finish
