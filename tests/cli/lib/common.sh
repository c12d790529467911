# Setup shared by the tests/cli suites; each sources it first:
#   . "$(dirname "$0")/lib/common.sh"
# It lives one directory down because tests/run.sh runs every
# tests/cli/*.sh as a suite: this file is not one.
#
# Gives: set -u; A = the avtrace binary under test ($AVTRACE, required);
# the counters pass and fail, with ok (one check passed) and bad MSG (one
# failed: says so on stdout); the suite prints them and exits with
# [ "$fail" = 0 ].
set -u
A=${AVTRACE:?}
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }

# scratch NAME: T = a scratch directory of this run, $AVT_TMP/NAME.PID,
# removed when the suite exits
scratch() {
	T=${AVT_TMP:?}/$1.$$
	mkdir -p "$T" || exit 1
	trap 'rm -rf "$T"' EXIT
}
