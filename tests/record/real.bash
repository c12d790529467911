# Shared by tests/record/real_*.sh: programs nobody here wrote, recorded and
# checked against the kernel (sourced after lib.bash; named .bash so
# tests/run.sh does not run it as a suite).
#
# real_verify NAME FILE FLOOR
#   `avtrace replay FILE --verify` with every mismatch shown. Prints the
#   match rate. Each mismatch must match an entry of tests/known-gaps.txt:
#   its kind (vma, flags, ..., the first word verify prints) among the
#   kinds the entry's fact field starts with ("av/active/avcs ..."; or the
#   entry's class is that kind), workload = NAME or *, and the entry's
#   match=ERE (against the mismatch's lines joined by " | ") when it has
#   one; a workload-* entry needs a match=ERE to explain anything;
#   an unexplained mismatch fails, and so does a match rate below FLOOR
#   (percent) or an empty comparison.
# real_invariants FILE
#   replay under every scheme of this build in one pass with
#   --check-invariants; a failure is an engine bug (the test fails).

GAPS=${GAPS:-$(dirname "${BASH_SOURCE[0]}")/../known-gaps.txt}

# the entries, parsed once: class, workload, fact, optional match ERE
G_CLASS=() G_WL=() G_FACT=() G_RE=()
while IFS=$'\t' read -r c w x r; do
	G_CLASS+=("$c"); G_WL+=("$w"); G_FACT+=("$x"); G_RE+=("$r")
done < <(awk -F ' [|] ' '/^[^#]/ && NF >= 4 {
	r = ""; if (NF >= 5 && $5 ~ /^match=/) { r = $5; sub(/^match=/, "", r) }
	printf "%s\t%s\t%s\t%s\n", $1, $2, $3, r }' "$GAPS")

# known_gap NAME FACT BLOCK: print the fact of the entry explaining this
# mismatch; fail if none does
known_gap() {
	local name=$1 fact=$2 block=$3 i kinds
	for i in "${!G_CLASS[@]}"; do
		kinds=${G_FACT[$i]%% *}
		case "/$kinds/" in
		*"/$fact/"*) ;;
		*) [ "${G_CLASS[$i]}" = "$fact" ] || continue ;;
		esac
		case ",${G_WL[$i]}," in
		*",$name,"*) ;;
		*",*,"*) [ -n "${G_RE[$i]}" ] || continue ;;	# no blanket excuses
		*) continue ;;
		esac
		if [ -n "${G_RE[$i]}" ] && ! [[ $block =~ ${G_RE[$i]} ]]; then continue; fi
		echo "${G_FACT[$i]}"
		return 0
	done
	return 1
}

# the matcher must be able to say no: a made-up flags mismatch (a private
# writable mapping) and a made-up av mismatch are no known gap
real_selfcheck() {
	local k='kernel: 1 7f0000000000-7f0000001000 flags=73 pgoff=0 dev=0:0 ino=0 av=1 root=1 parent=- children=0 active=1 avcs=1'
	local e='engine: 1 7f0000000000-7f0000001000 flags=71 pgoff=0 dev=0:0 ino=0 av=1 root=1 parent=- children=0 active=1 avcs=1'
	if known_gap "$1" flags "flags mismatch at event 1, x[1] snapshot kind=exit n=0 @1 | $k | $e" >/dev/null ||
	   known_gap "$1" av "av mismatch at event 1, x[1] snapshot kind=exit n=0 @1 | $k | $e" >/dev/null; then
		fail "tests/known-gaps.txt explains a made-up mismatch: the gap matcher is too loose"
	fi
}

real_verify() {
	local name=$1 f=$2 floor=$3 out rc all pct shown total unexplained=0 known=0 b fact why
	real_selfcheck "$name"
	out=$T/$name.verify
	"$AVTRACE" replay "$f" --verify --verify-show=100000 > "$out" 2>&1; rc=$?
	if [ $rc != 0 ] && [ $rc != 3 ]; then
		fail "$name: replay --verify could not run (exit $rc): $(tail -1 "$out")"
		return 1
	fi
	all=$(awk '$1 == "verify.match.all" {print $2, $4}' "$out")
	total=$(awk '$1 == "verify.mismatches" {print $2}' "$out")
	pct=${all%% *}
	if [ -z "$all" ] || [ -z "$total" ]; then
		fail "$name: no verify.match.all / verify.mismatches line"; tail -5 "$out"; return 1
	fi
	# one block per mismatch: "FACT mismatch ..." plus its indented lines
	awk '/^[a-z_]+ mismatch / { if (b != "") print b; b = $0; next }
	     /^  / && b != "" { sub(/^  /, ""); b = b " | " $0; next }
	     { if (b != "") print b; b = "" }
	     END { if (b != "") print b }' "$out" > "$out.blocks"
	shown=$(wc -l < "$out.blocks")
	: > "$out.known"
	while IFS= read -r b; do
		fact=${b%% *}
		if why=$(known_gap "$name" "$fact" "$b"); then
			known=$((known + 1)); echo "$fact: $why" >> "$out.known"
		else
			unexplained=$((unexplained + 1))
			[ $unexplained -le 5 ] && echo "unexplained: $b"
		fi
	done < "$out.blocks"
	echo "$name: match rate $pct % ${all#* } facts; $(awk '$1 == "verify.snapshots.compared" {print $2}' "$out") snapshots compared; $total mismatch(es): $known known gap(s), $unexplained unexplained"
	sort "$out.known" | uniq -c | awk '{ n = $1; $1 = ""; printf "    known gap, %d x%s\n", n, $0 }'
	grep -E '^verify\.class\.[a-z_]+ [1-9]' "$out" | sed 's/^/    /'
	[ "$shown" = "$total" ] ||
		fail "$name: verify printed $shown of $total mismatches; cannot judge the rest"
	[ $unexplained = 0 ] ||
		fail "$name: $unexplained mismatch(es) match no entry of tests/known-gaps.txt"
	awk -v p="$pct" -v f="$floor" 'BEGIN { exit !(p + 0 >= f + 0) }' ||
		fail "$name: match rate $pct % is below the committed floor $floor %"
	awk '$1 == "verify.snapshots.compared" { exit !($2 > 0) }' "$out" ||
		fail "$name: no kernel snapshot was compared"
	return 0
}

real_invariants() {
	local f=$1 modes out
	modes=$("$AVTRACE" replay --list-modes 2>/dev/null | paste -sd, -)
	if [ -z "$modes" ]; then
		fail "replay --list-modes lists no scheme"; return 1
	fi
	out=$T/$(basename "$f").inv
	if "$AVTRACE" replay "$f" --mode="$modes" --check-invariants --no-report > "$out" 2>&1; then
		echo "$(basename "$f"): invariants hold under $modes"
	else
		fail "$(basename "$f"): replay --mode=$modes --check-invariants (engine bug): $(tail -3 "$out")"
	fi
}

# events FILE: "N events, S bytes" of a trace
trace_size() {
	echo "$(awk '$1 == "events" {print $2}' "$1.info") events, $(stat -c %s "$1") bytes"
}
