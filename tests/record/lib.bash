# Shared by tests/record/*.sh (sourced; named .bash so tests/run.sh does not
# run it as a suite).
# Every suite needs root and first checks that a trivial tp_btf program can
# load (`avtrace record --probe`). If it cannot: "SKIP: <why>", exit 77.
# If it can and avtrace's own programs then fail to load: FAIL.

: "${AVTRACE:?AVTRACE must name the avtrace binary}"
: "${O:=.output}"
AVT_TMP=${AVT_TMP:-$(mktemp -d /tmp/avtrace-rec.XXXXXX)}
WL=${WL:-$PWD/$O/tests/workloads}
T=$(mktemp -d "$AVT_TMP/rec.XXXXXX")
chmod 755 "$T"
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

require_bpf() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: recorder tests need root"
		exit 77
	fi
	local why
	if ! why=$("$AVTRACE" record --probe 2>&1); then
		echo "SKIP: this machine cannot load tp_btf programs: $why"
		exit 77
	fi
}

require_workloads() {
	for w in "$@"; do
		[ -x "$WL/$w" ] || { echo "FAIL: workload $WL/$w not built (make tools)"; exit 1; }
	done
}

# wait_for FILE [seconds [PID]]: poll for a file to appear; give up early
# when PID (the recorder) has died
wait_for() {
	local f=$1 n=$(( ${2:-20} * 10 )) pid=${3:-}
	while [ ! -e "$f" ] && [ $n -gt 0 ]; do
		[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
		sleep 0.1; n=$((n - 1))
	done
	[ -e "$f" ]
}

# child pid of the recorder (the launched workload)
child_of() {
	local p=$1 n=50 c=""
	while [ -z "$c" ] && [ $n -gt 0 ]; do
		c=$(pgrep -P "$p" | head -1); [ -n "$c" ] || sleep 0.1; n=$((n - 1))
	done
	echo "$c"
}

# check_readable FILE: the trace reads back to the end with no stop
check_readable() {
	local f=$1 out
	if [ ! -s "$f" ]; then fail "$f missing or empty"; return 1; fi
	if [ "$(stat -c %a "$f")" != 600 ]; then fail "$f mode is $(stat -c %a "$f"), not 600"; fi
	# info and script exist: a build without them fails, it does not skip
	if ! "$AVTRACE" info "$f" > "$f.info" 2>&1; then
		fail "avtrace info $f: $(tail -1 "$f.info")"; return 1
	fi
	if ! "$AVTRACE" script "$f" > "$f.txt" 2> "$f.err"; then
		fail "avtrace script $f: $(tail -1 "$f.err")"; return 1
	fi
	return 0
}

# count NAME FILE.txt: events of a type in the script output
count() { grep -c " $1 " "$2" 2>/dev/null || true; }

# verify FILE: 100 % agreement with the kernel snapshots
verify() {
	local f=$1 out rc
	out=$("$AVTRACE" replay "$f" --verify 2>&1); rc=$?
	if [ $rc != 0 ]; then
		fail "replay --verify $f exited $rc:"; echo "$out" | head -30
		return 1
	fi
	echo "$(basename "$f"): $(echo "$out" | grep -E '^verify(\.match\.all|:)' | tr '\n' ' ')"
	return 0
}

finish() {
	if [ $fails -gt 0 ]; then echo "$fails failure(s)"; exit 1; fi
	echo "all passed"
	exit 0
}
