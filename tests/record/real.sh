#!/bin/bash
# Real programs nobody here wrote: a python3 multiprocessing pool, a shell
# pipeline, and PostgreSQL (initdb, pg_ctl start, psql, pg_ctl stop as the
# postgres user, in a temporary directory on a loopback port). Each is
# recorded, verified against the kernel's snapshots, and its match rate
# printed. Every mismatch must be a known gap (tests/known-gaps.txt: an
# entry for this workload or *, whose fact starts with the mismatch kind),
# and the overall rate must reach the workload's committed floor.
set -u
. "$(dirname "$0")/lib.bash"
require_bpf
GAPS=$(dirname "$0")/../known-gaps.txt

if ! "$AVTRACE" replay --help 2>&1 | grep -q -- "--verify"; then
	echo "SKIP: avtrace replay --verify is not implemented yet"
	exit 77
fi

# check NAME FLOOR FILE: verify, print the rate, classify every mismatch
check() {
	local name=$1 floor=$2 f=$3 out rate
	out=$("$AVTRACE" replay "$f" --verify --verify-show=100000 2>&1)
	rate=$(echo "$out" | sed -n 's/^verify\.match\.all \([0-9.]*\) %.*/\1/p')
	echo "$name: match rate ${rate:-?} % (floor $floor %) $(echo "$out" | grep '^verify:')"
	if [ -z "$rate" ]; then fail "$name: no match rate"; echo "$out" | tail -5; return; fi
	awk -v r="$rate" -v f="$floor" 'BEGIN{exit !(r + 0 >= f + 0)}' ||
		fail "$name: match rate $rate % below the floor $floor %"
	echo "$out" | sed -n 's/^\([a-z_]*\) mismatch at event .*/\1/p' | sort | uniq -c |
	while read -r n kind; do
		if grep -v '^#' "$GAPS" | awk -F' [|] ' -v w="$name" -v k="$kind" \
			'($2 == w || $2 == "*") && index($3, k " ") == 1 {found=1} END{exit !found}'; then
			echo "  $n $kind mismatch(es): known gap"
		else
			fail "$name: $n $kind mismatch(es) match no entry of tests/known-gaps.txt"
			echo "$out" | grep -A2 "^$kind mismatch" | head -6
		fi
	done
}

# --- python3 multiprocessing pool ------------------------------------------------
if command -v python3 > /dev/null; then
	cat > "$T/mp.py" <<'PY'
import multiprocessing as mp
def work(x):
    b = bytearray(1 << 20)
    for i in range(0, len(b), 4096):
        b[i] = 1
    return sum(b)
if __name__ == '__main__':
    with mp.Pool(4) as p:
        print(sum(p.map(work, range(32))))
PY
	"$AVTRACE" record --no-status -o "$T/py.avt" -- python3 "$T/mp.py" > "$T/py.out" 2> "$T/py.log" ||
		fail "python3: record exit $?"
	grep -q '^8192$' "$T/py.out" || fail "python3: the pool did not run ($(cat "$T/py.out"))"
	check python-mp 99.9 "$T/py.avt"
else
	echo "SKIP-part: no python3"
fi

# --- shell pipeline ------------------------------------------------------------------
"$AVTRACE" record --no-status -o "$T/pipe.avt" -- \
	sh -c 'head -c 4000000 /dev/urandom | gzip -1 | gunzip | sort | md5sum' > /dev/null 2> "$T/pipe.log" ||
	fail "pipeline: record exit $?"
check pipeline 99.9 "$T/pipe.avt"

# --- PostgreSQL ----------------------------------------------------------------------
if command -v initdb > /dev/null && command -v pg_ctl > /dev/null && command -v psql > /dev/null &&
   id postgres > /dev/null 2>&1; then
	pgd=$(mktemp -d /tmp/avtrace-pg.XXXXXX)
	chown postgres "$pgd"
	port=$((54000 + RANDOM % 900))
	"$AVTRACE" record --no-status -o "$T/pg.avt" -- runuser -u postgres -- sh -c "
		initdb -D $pgd/data > /dev/null 2>&1 &&
		pg_ctl -D $pgd/data -o '-p $port -k $pgd -c listen_addresses=127.0.0.1' -l $pgd/log -w start > /dev/null &&
		psql -q -h 127.0.0.1 -p $port -d postgres -c 'create table t(a int);
			insert into t select generate_series(1, 100000); select count(*) from t;' > /dev/null;
		pg_ctl -D $pgd/data -w stop > /dev/null" 2> "$T/pg.log" || fail "postgres: record exit $?"
	rm -rf "$pgd"
	check postgres 99.8 "$T/pg.avt"
else
	echo "SKIP-part: PostgreSQL (initdb/pg_ctl/psql or the postgres user) not installed"
fi
finish
