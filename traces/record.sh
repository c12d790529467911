#!/bin/bash
# Remake the sample traces of traces/ (see traces/README.md). Run as root
# from the repository root after `make`:  traces/record.sh [AVTRACE [NAME...]]
# Writes traces/pgbench.avt, traces/make-j2.avt, traces/prefork.avt and
# traces/demo.avt (a copy of pgbench.avt), then prints their sizes.
# NAMEs (pgbench, make-j2, prefork) remake only those.
set -eu
A=${1:-./avtrace}
A=$(realpath "$A")
shift || true
only=" ${*:-pgbench make-j2 prefork} "
want() { [[ $only == *" $1 "* ]]; }
[ "$(id -u)" = 0 ] || { echo "traces/record.sh: needs root (avtrace record)" >&2; exit 1; }
out=$PWD/traces
tmp=$(mktemp -d /tmp/avtrace-traces.XXXXXX)
chmod 755 "$tmp"
PGB=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg() { runuser -u postgres -- "$@"; }
cleanup() {
	[ -f "$tmp/pg/data/postmaster.pid" ] && pg "$PGB/pg_ctl" -D "$tmp/pg/data" -m immediate -w stop > /dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

# 1. pgbench against PostgreSQL: initdb and pgbench -i outside the recording,
# then record the server's start, pgbench -c 4 -t 200 and the server's stop
if want pgbench; then
mkdir "$tmp/pg"; chown postgres: "$tmp/pg"
port=54329
opts="-p $port -k $tmp/pg -c listen_addresses=127.0.0.1 -c fsync=off"
pg "$PGB/initdb" -D "$tmp/pg/data" -A trust -U postgres --no-sync -E UTF8 --locale=C > /dev/null
pg "$PGB/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/log" -w -o "$opts" start > /dev/null
pg "$PGB/pgbench" -i -q -s 1 -h 127.0.0.1 -p $port postgres > /dev/null 2>&1
pg "$PGB/pg_ctl" -D "$tmp/pg/data" -w stop > /dev/null
rm -f "$out/pgbench.avt"
"$A" record --no-status --checkpoint-every=1 -o "$out/pgbench.avt" -- runuser -u postgres -- sh -c \
	"$PGB/pg_ctl -D $tmp/pg/data -l $tmp/pg/log -w -o '$opts' start && $PGB/pgbench -c 4 -t 200 -h 127.0.0.1 -p $port postgres; $PGB/pg_ctl -D $tmp/pg/data -w stop"
cp "$out/pgbench.avt" "$out/demo.avt"
fi

# 2. a parallel build: libavt's util/format/text/engine objects of this
# commit, compiled with make -j2 in a temporary copy
if want make-j2; then
mkdir "$tmp/build"
git archive HEAD include src/util src/format src/text src/engine | tar -x -C "$tmp/build"
cat > "$tmp/build/Makefile" <<'MK'
SRC := $(wildcard src/format/*.c src/text/*.c src/engine/*.c)
OBJ := $(SRC:.c=.o)
CFLAGS := -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc
libavt.a: $(OBJ)
	ar rcs $@ $^
MK
rm -f "$out/make-j2.avt"
"$A" record --no-status -o "$out/make-j2.avt" -- make -s -C "$tmp/build" -j2
fi

# 3. a pre-fork Python server: 4 workers accept() on a loopback socket, a
# forked client sends 2000 requests
if want prefork; then
rm -f "$out/prefork.avt"
"$A" record --no-status --checkpoint-every=1 -o "$out/prefork.avt" -- \
	/usr/bin/python3 "$out/prefork_server.py" 2000
fi

chmod 644 "$out"/*.avt		# sample traces are public (record writes 0600)
ls -l "$out"/*.avt
