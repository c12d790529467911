#!/bin/bash
# PostgreSQL, a forking server nobody here wrote: initdb (through runuser -u
# postgres, in a temporary directory, listening on loopback only) and
# pgbench -i outside the recording; then record the server's start, a
# bounded pgbench run (4 clients, -T 2) with checkpoints every second (live
# backends compared with the kernel), and its stop. Verify against the kernel (match rate >= the floor, every mismatch a
# known gap). --check-invariants over this trace takes longer than the whole
# suite may (~20 s plain, far more under ASan): AVT_REAL_INVARIANTS=1 runs it;
# traces/check.sh runs it over the committed pgbench sample trace.
set -u
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/real.bash"
require_bpf
FLOOR=99.5	# committed floor, percent of facts (measured 100.00 %, ~67k facts, 6.18.44)
SECS=${AVT_PG_SECS:-2}	# pgbench run time (-T); checkpoints every second meanwhile

PGB=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
for b in initdb pg_ctl pgbench postgres; do
	[ -x "$PGB/$b" ] || { echo "FAIL: PostgreSQL's $b not found under /usr/lib/postgresql (make deps)"; exit 1; }
done
id postgres > /dev/null 2>&1 || { echo "FAIL: no postgres user (make deps)"; exit 1; }

# a free loopback port
port=""
for _ in $(seq 20); do
	p=$((20000 + RANDOM % 30000))
	(exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null || { port=$p; break; }
done
[ -n "$port" ] || { echo "FAIL: no free loopback port found"; exit 1; }

d=$(mktemp -d /tmp/avtrace-pg.XXXXXX)
chmod 755 "$d"; chown postgres: "$d"
pg() { runuser -u postgres -- "$@"; }
cleanup() {
	[ -f "$d/data/postmaster.pid" ] && pg "$PGB/pg_ctl" -D "$d/data" -m immediate -w stop > /dev/null 2>&1
	rm -rf "$d"
}
trap cleanup EXIT
opts="-p $port -k $d -c listen_addresses=127.0.0.1 -c fsync=off"
if ! pg "$PGB/initdb" -D "$d/data" -A trust -U postgres --no-sync -E UTF8 --locale=C > "$T/initdb.log" 2>&1; then
	echo "FAIL: initdb: $(tail -3 "$T/initdb.log")"; exit 1
fi
if ! pg "$PGB/pg_ctl" -D "$d/data" -l "$d/server.log" -w -o "$opts" start > "$T/pgctl.log" 2>&1 ||
   ! pg "$PGB/pgbench" -i -q -s 1 -h 127.0.0.1 -p "$port" postgres > "$T/init.log" 2>&1 ||
   ! pg "$PGB/pg_ctl" -D "$d/data" -w stop >> "$T/pgctl.log" 2>&1; then
	echo "FAIL: preparing the database: $(tail -3 "$T/pgctl.log" "$T/init.log" "$d/server.log")"; exit 1
fi

t_prep=$SECONDS
f=$T/postgres.avt
if ! "$AVTRACE" record --no-status --checkpoint-every=1 -o "$f" -- runuser -u postgres -- sh -c "
	'$PGB/pg_ctl' -D '$d/data' -l '$d/server.log' -w -o '$opts' start || exit 1
	'$PGB/pgbench' -c 4 -T $SECS -h 127.0.0.1 -p $port postgres; rc=\$?
	'$PGB/pg_ctl' -D '$d/data' -w stop; exit \$rc" > "$T/out" 2> "$T/log"; then
	fail "recording pgbench failed: $(tail -5 "$T/log" "$T/out")"; finish
fi
tx=$(awk '/^number of transactions actually processed:/ {print $NF}' "$T/out")
fl=$(awk '/^number of failed transactions:/ {print $5}' "$T/out")
{ [ -n "$tx" ] && [ "${tx%%/*}" -gt 0 ] && [ "$fl" = 0 ]; } ||
	fail "pgbench: processed '$tx', failed '$fl': $(grep -i error "$T/out" | head -3)"
t_rec=$SECONDS
check_readable "$f" || finish
if [ -s "$f.txt" ]; then
	forks=$(grep -c " fork .*flags=newmm" "$f.txt")
	backends=$(grep -c " snap_begin kind=exit .*comm=postgres$" "$f.txt")
	[ "$backends" -ge 8 ] || fail "$backends postgres processes exited in the trace (server, its helpers and 4 backends expected)"
	grep -q " shmat " "$f.txt" || fail "no shmat (PostgreSQL's SysV interlock segment)"
	echo "postgres: $(trace_size "$f"), $forks forks, $backends postgres exits, $(grep -c ' snap_begin kind=checkpoint' "$f.txt") checkpoint snapshots, $tx transactions, tps $(awk '/^tps/ {printf "%.0f", $3}' "$T/out")"
	[ "$(grep -c ' snap_begin kind=checkpoint' "$f.txt")" -ge 1 ] || fail "no checkpoint snapshot during pgbench"
fi
real_verify real_postgres "$f" "$FLOOR"
echo "time: initdb + pgbench -i ${t_prep} s, recording $((t_rec - t_prep)) s, checks $((SECONDS - t_rec)) s"
if [ "${AVT_REAL_INVARIANTS:-0}" = 1 ]; then
	real_invariants "$f"
else
	echo "SKIP-invariants: too slow for this suite (AVT_REAL_INVARIANTS=1 runs it; traces/check.sh covers traces/pgbench.avt)"
fi
finish
