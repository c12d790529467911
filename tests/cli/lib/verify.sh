# Helpers of the tests/cli suites on replay --verify; source after
# common.sh (needs A and T):
#   . "$(dirname "$0")/lib/verify.sh"
#
# run NAME FILE [ARGS...]: replay FILE --verify ARGS; output in $T/NAME.out,
# errors in $T/NAME.err, status in rc
run() {
	local n=$1 f=$2; shift 2
	"$A" replay "$f" --verify "$@" > "$T/$n.out" 2> "$T/$n.err"; rc=$?
}
# edit NAME SED-ARGS...: $T/NAME.txt from $F (the suite's base trace), which
# must change
edit() {
	local n=$1
	shift
	sed "$@" "$F" > "$T/$n.txt"
	cmp -s "$F" "$T/$n.txt" && bad "$n: sed changed nothing"
}
