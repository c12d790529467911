#!/bin/bash
# Real programs nobody here wrote, recorded with checkpoints every second and
# verified against the kernel's snapshots: a python3 multiprocessing pool, a
# shell pipeline, and (when installed) PostgreSQL initdb + pgbench through
# runuser -u postgres on a private socket directory. Each must verify with
# no mismatch over a non-empty comparison; the match rate is printed.
set -u
. "$(dirname "$0")/lib.bash"
require_bpf

check() {	# check NAME: verify $T/NAME.avt
	local n=$1 rc all
	"$AVTRACE" replay "$T/$n.avt" --verify > "$T/$n.ver" 2>&1; rc=$?
	all=$(awk '$1=="verify.match.all"' "$T/$n.ver")
	echo "$n: ${all#verify.match.all } over $(awk '$1=="verify.snapshots.compared"{print $2}' "$T/$n.ver") snapshots"
	if [ $rc != 0 ]; then
		fail "$n: replay --verify exited $rc"; sed -n '/^# first/,$p' "$T/$n.ver" | head -20
		return
	fi
	echo "$all" | grep -q "100.00 % ([1-9]" || { fail "$n: empty comparison: $all"; return; }
	pass "$n verified"
}

if command -v python3 > /dev/null; then
	cat > "$T/pool.py" <<'PY'
import multiprocessing as mp, time
def f(x):
    b = bytearray(1 << 20)
    for i in range(0, len(b), 4096): b[i] = 1
    return sum(range(x * 1000))
if __name__ == "__main__":
    with mp.Pool(3) as p:
        print(sum(p.map(f, range(30))))
        time.sleep(1.2)
        print(sum(p.map(f, range(30))))
PY
	"$AVTRACE" record --no-status --checkpoint-every=1 -o "$T/python.avt" -- python3 "$T/pool.py" \
		> /dev/null 2> "$T/python.log" || fail "python: record failed: $(tail -2 "$T/python.log")"
	check python
else
	echo "SKIP-python: python3 not installed"
fi

"$AVTRACE" record --no-status --checkpoint-every=1 -o "$T/pipeline.avt" -- sh -c \
	'seq 1 200000 | sort -r | awk "{s+=\$1} END {print s}" > /dev/null; sleep 1.2; grep -c root /etc/passwd | cat' \
	> /dev/null 2> "$T/pipeline.log" || fail "pipeline: record failed: $(tail -2 "$T/pipeline.log")"
check pipeline

B=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
if [ -n "$B" ] && [ -x "$B/initdb" ] && [ -x "$B/pgbench" ] && id postgres > /dev/null 2>&1; then
	P=$T/pg
	mkdir -p "$P" && chown postgres "$P" && chmod 755 "$T"
	cat > "$T/pg.sh" <<SH
#!/bin/bash
set -e
runuser -u postgres -- $B/initdb -D $P/data -A trust > /dev/null
runuser -u postgres -- $B/pg_ctl -D $P/data -o "-p 54329 -k $P -c listen_addresses=''" -w start > /dev/null
runuser -u postgres -- $B/pgbench -h $P -p 54329 -i -s 1 postgres > /dev/null 2>&1
runuser -u postgres -- $B/pgbench -h $P -p 54329 -c 2 -T 3 postgres > /dev/null 2>&1
runuser -u postgres -- $B/pg_ctl -D $P/data -m fast -w stop > /dev/null
SH
	chmod +x "$T/pg.sh"
	"$AVTRACE" record --no-status --checkpoint-every=2 -o "$T/postgres.avt" -- "$T/pg.sh" \
		> /dev/null 2> "$T/postgres.log" || fail "postgres: record failed: $(tail -2 "$T/postgres.log")"
	check postgres
else
	echo "SKIP-postgres: PostgreSQL (initdb, pgbench) or the postgres user is missing"
fi
finish
