/* SPDX-License-Identifier: MIT */
/*
 * Allocation call sites. The anon_vma_chain slab cache is merged with other
 * 64-byte caches on this kernel, so the BPF side recognises AVC (and
 * anon_vma) allocations by the function that made them: the driver
 * resolves the rmap functions' address ranges from /proc/kallsyms.
 */
#ifndef AVT_RECORD_KALLSYMS_H
#define AVT_RECORD_KALLSYMS_H

#include <stddef.h>
#include "../../bpf/record.h"	/* struct rec_site */

/*
 * Fill up to max sites. Returns the number found (>= 0) or a negative
 * errno (-EPERM when kallsyms hides addresses).
 */
int kallsyms__alloc_sites(struct rec_site *sites, size_t max);

#endif
