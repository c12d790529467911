#!/bin/bash
# avtrace replay --mode=...,lazy and the lazy options (issue 5; man
# avtrace-lazy(7)): one pass over a trace for several schemes, every §4.1
# option accepted on the command line (--lazy-NAME=V and -O spec_name=V),
# bad values refused with a one-line error naming the option, hazard first
# occurrences printed, RACE_* "not-evaluated" without interval walks.
. "$(dirname "$0")/lib/common.sh"
D=tests/scenarios
val() { awk -v k="$1" '$1==k {print $2}' "$AVT_TMP/rep.txt"; }

# one pass, two schemes: Example 3 (eager AV 2 / W 5, lazy AV 1 / W 4 / RW 4)
"$A" replay $D/lazy-ex03-fork-untouched.txt --mode=eager,lazy > "$AVT_TMP/rep.txt" || bad "replay exit $?"
[ "$(val eager.anon_vma.allocated) $(val eager.lock.write)" = "2 5" ] && ok || bad "eager ex3: $(val eager.anon_vma.allocated) $(val eager.lock.write)"
[ "$(val lazy.anon_vma.allocated) $(val lazy.lock.write) $(val lazy.folio.rewrites)" = "1 4 4" ] && ok || bad "lazy ex3"

# every option by its CLI name reaches the scheme (option.* lines)
"$A" replay $D/lazy-ex01-write-munmap.txt --mode=lazy --lazy-max-size=64K --lazy-grow=upgrade \
	--lazy-child-mode=eager --lazy-upgrade-scope=family --lazy-rewrite=during_copy \
	--lazy-reuse-neighbour-root=1 --lazy-merge-absorb=1 --lazy-mremap=reindex \
	--lazy-uffd-move=reindex --lazy-parent-upgrade-always=0 --lazy-reuse-ancestor=0 \
	--lazy-vma-extra-bytes=16 --lazy-enabled=1 > "$AVT_TMP/rep.txt" || bad "all options: exit $?"
for kv in lazy_max_vma_bytes=65536 lazy_grow_policy=upgrade lazy_child_mode=eager \
	upgrade_scope=family upgrade_rewrite=during_copy lazy_reuse_neighbour_root=1 \
	lazy_merge_absorb=1 mremap_policy=reindex uffd_move_policy=reindex \
	parent_upgrade_always=0 upgrade_reuse_ancestor=0 lazy_vma_extra_bytes=16 lazy_enabled=1; do
	[ "$(val lazy.option.${kv%%=*})" = "${kv#*=}" ] && ok || bad "option ${kv%%=*}: $(val lazy.option.${kv%%=*})"
done
# -O with the spec's name; extra bytes show in meta_bytes (1 VMA x 16 B)
"$A" replay $D/lazy-ex01-write-munmap.txt --mode=lazy -O lazy_vma_extra_bytes=16 > "$AVT_TMP/rep.txt"
[ "$(val lazy.meta_bytes.peak)" = 16 ] && ok || bad "-O extra bytes: $(val lazy.meta_bytes.peak)"
# lazy options do not disturb the eager scheme of the same run
"$A" replay $D/lazy-ex12-threshold.txt --mode=eager,lazy --lazy-max-size=65536 > "$AVT_TMP/rep.txt"
[ "$(val eager.anon_vma.allocated) $(val lazy.anon_vma.allocated) $(val lazy.upgrades.fork)" = "4 2 1" ] && ok || bad "threshold run"

# hazards: counts and the first occurrence (event, ts, pid, address)
"$A" replay $D/lazy-ex05-mremap-move.txt --mode=lazy --lazy-skip-upgrade=mremap > "$AVT_TMP/rep.txt"
[ "$(val lazy.violations.V_BASE_MISMATCH) $(val lazy.violations.V_RMAP_MISS)" = "1 4" ] && ok || bad "skip mremap counts"
grep -q '^lazy.violations.V_BASE_MISMATCH.first event=7 ts=7 pid=1 addr=0x800000 ' "$AVT_TMP/rep.txt" && ok || bad "first occurrence: $(grep BASE_MISMATCH.first "$AVT_TMP/rep.txt")"
# a skipped UFFDIO_MOVE keeps the moved folio's mapping and index: both
# detectors fire at the move (event 10), on the destination address
"$A" replay $D/lazy-hz-skip-uffd-move.txt --mode=lazy --lazy-skip-upgrade=uffd_move > "$AVT_TMP/rep.txt"
[ "$(val lazy.violations.V_RMAP_MISS) $(val lazy.violations.V_KIND_MISMATCH) $(val lazy.folio.rewrites)" = "2 1 0" ] && ok || bad "skip uffd_move counts"
grep -q '^lazy.violations.V_KIND_MISMATCH.first event=10 ts=10 pid=1 addr=0x200000 ' "$AVT_TMP/rep.txt" && ok || bad "skip uffd_move first: $(grep KIND_MISMATCH.first "$AVT_TMP/rep.txt")"
"$A" replay $D/lazy-clean.txt --mode=lazy > "$AVT_TMP/rep.txt"
[ "$(val lazy.violations.RACE_UPGRADE)" = not-evaluated ] && ok || bad "RACE without interval walks"
"$A" replay $D/lazy-hz-races.txt --mode=lazy > "$AVT_TMP/rep.txt"
[ "$(val lazy.violations.RACE_UPGRADE)" = 1 ] && ok || bad "RACE_UPGRADE with walks"

# refusals: exit 2, one line naming the option
for bad_opt in --lazy-max-size=lots --lazy-child-mode=uncle --lazy-skip-upgrade=exec "-O nosuch=1"; do
	"$A" replay $D/lazy-ex01-write-munmap.txt --mode=lazy $bad_opt 2>"$AVT_TMP/err" >/dev/null
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l < "$AVT_TMP/err")" = 1 ] && ok || bad "$bad_opt: rc $rc, $(cat "$AVT_TMP/err")"
done
grep -q "lazy option 'nosuch'" "$AVT_TMP/err" && ok || bad "unknown option message: $(cat "$AVT_TMP/err")"
"$A" replay --help | grep -q -- '--lazy-max-size=BYTES' && ok || bad "--help lists the lazy options"

# every §4.1 option (and the test-only leak hook): listed by --help and by
# man avtrace-lazy(7) (written there with \- and font escapes), and a bad value for
# each is refused in one line naming it, exit 2
"$A" replay --help > "$AVT_TMP/help.txt"
sed 's/\\-/-/g; s/\\f[BIRP]//g' man/avtrace-lazy.7 > "$AVT_TMP/man.txt"
for kv in child-mode=uncle enabled=2 grow=shrink max-size=-1 merge-absorb=maybe \
	  mremap=copy parent-upgrade-always=7 reuse-ancestor=x reuse-neighbour-root=x \
	  rewrite=never skip-upgrade=ksm test-leak-ref=x uffd-move=copy \
	  upgrade-scope=mm vma-extra-bytes=1x; do
	o=${kv%%=*}
	grep -q -- "--lazy-$o=" "$AVT_TMP/help.txt" && ok || bad "--help lacks --lazy-$o"
	grep -q -- "--lazy-$o=" "$AVT_TMP/man.txt" && ok || bad "man avtrace-lazy(7) lacks --lazy-$o"
	"$A" replay $D/lazy-ex01-write-munmap.txt --mode=lazy --lazy-$kv 2>"$AVT_TMP/err" >/dev/null
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l < "$AVT_TMP/err")" = 1 ] && grep -q "lazy option '$o'" "$AVT_TMP/err" &&
		ok || bad "--lazy-$kv: rc $rc, $(cat "$AVT_TMP/err")"
done

# diff refuses a bad --lazy-param as replay refuses a bad -O (usage, exit 2,
# one line naming it); lazy options without a lazy scheme are not silently
# dropped: one warning line, the run goes on
"$A" diff $D/lazy-ex01-write-munmap.txt --mode=eager,lazy --lazy-param=upgrade_scope=mm 2>"$AVT_TMP/err" >/dev/null
rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$AVT_TMP/err")" = 1 ] && grep -q "lazy option 'upgrade_scope'" "$AVT_TMP/err" &&
	ok || bad "diff bad --lazy-param: rc $rc, $(cat "$AVT_TMP/err")"
for cmd in "replay --mode=eager --lazy-max-size=64K" "diff --mode=eager,eager-legacy --lazy-param=upgrade_scope=family"; do
	"$A" ${cmd%% *} $D/lazy-ex01-write-munmap.txt ${cmd#* } 2>"$AVT_TMP/err" >/dev/null
	rc=$?
	[ $rc = 0 ] && [ "$(wc -l < "$AVT_TMP/err")" = 1 ] && grep -q "lazy options ignored" "$AVT_TMP/err" &&
		ok || bad "$cmd: rc $rc, $(cat "$AVT_TMP/err")"
done
"$A" replay $D/lazy-ex01-write-munmap.txt --mode=eager,lazy --lazy-max-size=64K 2>"$AVT_TMP/err" >/dev/null
[ ! -s "$AVT_TMP/err" ] && ok || bad "lazy options with lazy listed warn: $(cat "$AVT_TMP/err")"

# H5 / fork-child rule: an EAGER VMA upgraded from PARENT with a reused
# ancestor (a single inherited AVC) is still a fork child; the new mapping
# next to it stays apart under both schemes (was merged by lazy)
S=$D/lazy-h5-reused-ancestor.txt
"$A" replay $S --mode=eager --state | cut -d' ' -f1-3 > "$AVT_TMP/le.txt"
"$A" replay $S --mode=lazy --state | cut -d' ' -f1-3 > "$AVT_TMP/ll.txt"
cmp -s "$AVT_TMP/le.txt" "$AVT_TMP/ll.txt" && [ "$(wc -l < "$AVT_TMP/ll.txt")" = 3 ] && ok ||
	bad "reused-ancestor layout: $(tr '\n' ';' < "$AVT_TMP/ll.txt")"
"$A" replay $S --mode=eager,lazy > "$AVT_TMP/rep.txt"
[ "$(val eager.merge.refused.tgt_fork_child) $(val lazy.merge.refused.tgt_fork_child) $(val lazy.anon_vma.allocated)" = "1 1 1" ] && ok ||
	bad "reused-ancestor refusals: $(val eager.merge.refused.tgt_fork_child) $(val lazy.merge.refused.tgt_fork_child) $(val lazy.anon_vma.allocated)"

echo "lazy_replay: $pass passed, $fail failed"
[ "$fail" = 0 ]
