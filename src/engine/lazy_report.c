// SPDX-License-Identifier: MIT
/*
 * The lazy scheme's report lines (lazy-semantics.md §6): what only lazy
 * has (upgrades by trigger, rewrites, zombies, roots and families, kinds,
 * trylocks, merges blocked and why, lazy rmap costs, meta and bookkeeping
 * bytes, violations with their first occurrence, options in effect). The
 * lines every scheme prints come from the engine under eager's names.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "engine/lazy.h"

/* ---- report (§6 lazy-specific lines; the common ones come from the
 * engine under the same names as eager's) ---- */
struct live_counts {
	uint64_t lazy, parent, eager, none, families, over;
};

static void count_live(struct lazy *z, struct live_counts *c)
{
	struct avt_list *p;

	memset(c, 0, sizeof(*c));
	for (struct avt_mm *mm = z->e->mms; mm; mm = mm->all_next) {
		struct avt_vma *v;

		avt_for_each_vma(mm, v) {
			switch (vkind(v)) {
			case LK_LAZY:
				c->lazy++;
				if (z->o.max_bytes != UINT64_MAX &&
				    v->end - v->start > z->o.max_bytes)
					c->over++;
				break;
			case LK_PARENT: c->parent++; break;
			case LK_EAGER: c->eager++; break;
			default: c->none++; break;
			}
		}
	}
	avt_list_for_each(p, &z->roots)
		if (!avt_container_of(p, struct lroot, all)->released)
			c->families++;
}

#define P(name, val) fprintf(out, "%s%s %" PRIu64 "\n", pfx, name, (uint64_t)(val))

/* families (unreleased roots) by size = live VMAs referencing the root */
static void family_sizes(struct lazy *z, FILE *out, const char *pfx)
{
	uint64_t hist[17] = { 0 }, max = 0;
	struct avt_list *p;

	avt_list_for_each(p, &z->roots)
		avt_container_of(p, struct lroot, all)->scan_vrefs = 0;
	for (struct avt_mm *mm = z->e->mms; mm; mm = mm->all_next) {
		struct avt_vma *v;

		avt_for_each_vma(mm, v)
			if (vref(v))
				vref(v)->scan_vrefs++;
	}
	avt_list_for_each(p, &z->roots) {
		struct lroot *r = avt_container_of(p, struct lroot, all);

		if (r->released)
			continue;
		hist[r->scan_vrefs < 16 ? r->scan_vrefs : 16]++;
		if (r->scan_vrefs > max)
			max = r->scan_vrefs;
	}
	P("families.size.max", max);
	for (int i = 0; i <= 16; i++) {
		char n[48];

		if (!hist[i])
			continue;
		snprintf(n, sizeof(n), i < 16 ? "families.size.%d" : "families.size.%d+", i);
		P(n, hist[i]);
	}
}

void lazy_report__write(struct lazy *z, FILE *out, const char *pfx)
{
	struct avt_engine *e = z->e;
	struct lazy_stats *s = &z->st;
	struct live_counts lc;
	uint64_t up = 0, meta_end;
	char n[96];

	count_live(z, &lc);
	for (int i = 0; i < TRIG__MAX; i++)
		up += s->upgrades[i];
	P("upgrades", up);
	for (int i = 0; i < TRIG__MAX; i++) {
		snprintf(n, sizeof(n), "upgrades.%s", lazy_trigger_names[i]);
		P(n, s->upgrades[i]);
	}
	P("upgrades.partial", s->upg_partial);
	P("upgrade.anon_vma", s->upg_av);
	P("upgrade.anon_vma_chain", s->upg_avc);
	P("folio.rewrites.upgrade", s->rewrites_upgrade);
	P("folio.rewrites.upgrade.pages", s->rewrites_upgrade_pages);
	P("folio.rewrites.reindex", s->rewrites_reindex);
	P("folio.rewrites.reindex.pages", s->rewrites_reindex_pages);
	P("folio.rewrites.missed", s->upg_rw_missed);
	P("folio.rewrites.missed.pages", s->upg_rw_missed_pages);
	P("reindex.cut_large_folio", s->reindex_cut);
	P("zombie.created", s->zombie_created);
	P("zombie.freed", s->zombie_freed);
	P("zombie.live", s->zombie_live);
	P("zombie.peak", s->zombie_peak);
	P("roots.created", s->roots_created);
	P("roots.released", s->roots_released);
	P("families.live", lc.families);
	P("vmas.lazy", lc.lazy);
	P("vmas.lazy.peak", s->kind_peak[LK_LAZY]);
	P("vmas.parent", lc.parent);
	P("vmas.parent.peak", s->kind_peak[LK_PARENT]);
	P("vmas.eager", lc.eager);
	P("vmas.eager.peak", s->kind_peak[LK_EAGER]);
	family_sizes(z, out, pfx);
	P("snapshot.lazy", s->snap_lazy);
	P("snapshot.eager", s->snap_eager);
	P("entries.lazy", s->lazy_entries);
	P("entries.eager", s->eager_entries);
	P("mmap_read_trylock", s->mmap_trylock);
	/* the upgrades' share of lock.write.other (the engine's tag list is
	 * unchanged: every line it prints stays as it was) */
	P("lock.write.upgrade", s->lock_w_upgrade);
	P("merge_blocked.lazy_root", s->merge_blocked_lazy_root);
	P("merge_blocked.mixed", s->merge_blocked_mixed);
	P("merge_allowed.parent_parent", s->merge_allowed_parent);
	P("over_threshold", s->over_threshold);
	P("over_threshold.live", lc.over);
	meta_end = AV_BYTES * e->st.av.live + AVC_BYTES * e->st.avc.live +
		   VMA_BYTES * s->zombie_live +
		   z->o.vma_extra_bytes * (e->st.vma.live + s->zombie_live);
	P("meta_bytes.end", meta_end);
	P("meta_bytes.peak", s->meta_peak);
	P("bookkeeping_bytes.end", VMA_BYTES * s->zombie_live +
	  z->o.vma_extra_bytes * (e->st.vma.live + s->zombie_live));
	/* the proposal's "active KB" column: live slab objects at the end,
	 * vm_area_struct counting zombies (allocated objects too) */
	fprintf(out, "%sactive_kb.anon_vma %.2f\n", pfx, e->st.av.live * AV_BYTES / 1024.0);
	fprintf(out, "%sactive_kb.anon_vma_chain %.2f\n", pfx, e->st.avc.live * AVC_BYTES / 1024.0);
	fprintf(out, "%sactive_kb.vm_area_struct %.2f\n", pfx,
		(e->st.vma.live + s->zombie_live) * VMA_BYTES / 1024.0);
	avt_report__active_kb(e, out, pfx, false);	/* per checkpoint */
	P("rmap.lazy_walks", s->rmap_lazy_walks);
	P("rmap.eager_walks", s->rmap_eager_walks);
	P("rmap.vma_locks", s->rmap_vma_locks);
	P("rmap.maple_lookups", s->rmap_maple_lookups);
	P("rmap.maple_nodes", s->rmap_maple_nodes);
	P("rmap.root_mismatch", s->rmap_root_mismatch);
	P("rmap.false_alias", s->rmap_false_alias);
	P("rmap.misses", s->rmap_misses);
	P("rmap.stale", s->stale_walks);
	P("rmap.lock_fallbacks", s->rmap_lock_fallbacks);
	P("rmap.domain_vmas.sum", s->rmap_domain_vmas_sum);
	P("rmap.domain_vmas.max", s->rmap_domain_vmas_max);
	P("rmap.domain_mms.sum", s->rmap_domain_mms_sum);
	P("rmap.domain_mms.max", s->rmap_domain_mms_max);
	P("rmap.interval_walks", s->interval_walks);
	for (int c = 0; c < LC__MAX; c++) {
		struct lazy_first *f = &z->first[c];
		bool race = c >= LC_RACE_VMA_CHANGE;

		if (race && !s->interval_walks) {
			fprintf(out, "%sviolations.%s not-evaluated\n", pfx, lazy_code_names[c]);
			continue;
		}
		snprintf(n, sizeof(n), "violations.%s", lazy_code_names[c]);
		P(n, f->count);
		if (f->count)
			fprintf(out, "%sviolations.%s.first event=%" PRIu64 " ts=%" PRIu64
				" pid=%u addr=%#" PRIx64 " %s\n", pfx, lazy_code_names[c],
				f->ev_index, f->ts, f->pid, f->addr, f->what);
		if (c == LC_DANGLING_ROOT) {
			/* hard: a mapped folio still points to the released
			 * root; soft (swap cache, migration) cannot occur:
			 * the engine models neither */
			snprintf(n, sizeof(n), "violations.%s.hard", lazy_code_names[c]);
			P(n, s->dangling_hard);
			snprintf(n, sizeof(n), "violations.%s.soft", lazy_code_names[c]);
			P(n, s->dangling_soft);
		}
	}
	P("anomalies.rootstruct_conflicts", s->rootstruct_conflicts);
	P("detector.scans", s->scans);
	P("detector.ptes", s->scan_ptes);
	lazy_opts__print(&z->o, out, pfx);
}

/* avt_engine__metric for the lazy lines ("not-evaluated" -> -ENODATA) */
int lazy_report__metric(struct lazy *z, const char *name, double *val)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char *line, *save = NULL;
	int err = -ENOENT;

	if (!m)
		return -ENOMEM;
	lazy_report__write(z, m, "");
	fclose(m);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			continue;
		*sp = 0;
		if (strcmp(line, name))
			continue;
		if (!strcmp(sp + 1, "not-evaluated")) {
			err = -ENODATA;
		} else {
			char *end;

			*val = strtod(sp + 1, &end);
			err = (end != sp + 1) ? 0 : -ENOENT;
		}
		break;
	}
	free(buf);
	return err;
}
