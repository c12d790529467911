// SPDX-License-Identifier: MIT
/* Names of event types, syscalls and settings keys (text form, reports). */
#include <string.h>
#include "avtrace/event.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const type_names[] = {
	[AVT_EV_FORK] = "fork",		[AVT_EV_EXEC] = "exec",
	[AVT_EV_EXIT] = "exit",		[AVT_EV_SNAP_BEGIN] = "snap_begin",
	[AVT_EV_SNAP_VMA] = "snap_vma",	[AVT_EV_SNAP_END] = "snap_end",
	[AVT_EV_SYSCALL] = "syscall",	[AVT_EV_FAULT] = "fault",
	[AVT_EV_ALLOC] = "alloc",	[AVT_EV_RMAP] = "rmap",
	[AVT_EV_KSM] = "ksm",		[AVT_EV_CHECKPOINT] = "checkpoint",
	[AVT_EV_UNMODELLED] = "unmodelled", [AVT_EV_STATS] = "stats",
	[AVT_EV_SET] = "set",
};

static const char *const sys_names[] = {
	[AVT_SYS_MMAP] = "mmap", [AVT_SYS_MUNMAP] = "munmap",
	[AVT_SYS_MREMAP] = "mremap", [AVT_SYS_MPROTECT] = "mprotect",
	[AVT_SYS_PKEY_MPROTECT] = "pkey_mprotect", [AVT_SYS_BRK] = "brk",
	[AVT_SYS_MADVISE] = "madvise", [AVT_SYS_PROCESS_MADVISE] = "process_madvise",
	[AVT_SYS_MLOCK] = "mlock", [AVT_SYS_MLOCK2] = "mlock2",
	[AVT_SYS_MUNLOCK] = "munlock", [AVT_SYS_MLOCKALL] = "mlockall",
	[AVT_SYS_MUNLOCKALL] = "munlockall", [AVT_SYS_MBIND] = "mbind",
	[AVT_SYS_SET_MEMPOLICY_HOME_NODE] = "set_mempolicy_home_node",
	[AVT_SYS_PRCTL] = "prctl", [AVT_SYS_SHMAT] = "shmat",
	[AVT_SYS_SHMDT] = "shmdt", [AVT_SYS_MSEAL] = "mseal",
	[AVT_SYS_REMAP_FILE_PAGES] = "remap_file_pages",
	[AVT_SYS_UFFD_REGISTER] = "uffd_register",
	[AVT_SYS_UFFD_UNREGISTER] = "uffd_unregister",
	[AVT_SYS_UFFD_COPY] = "uffd_copy", [AVT_SYS_UFFD_ZEROPAGE] = "uffd_zeropage",
	[AVT_SYS_UFFD_MOVE] = "uffd_move",
};

static const char *const key_names[] = {
	[AVT_KEY_RELEASE] = "release", [AVT_KEY_ARCH] = "arch",
	[AVT_KEY_PAGE_SIZE] = "page_size", [AVT_KEY_NR_CPUS] = "nr_cpus",
	[AVT_KEY_HOSTNAME] = "hostname", [AVT_KEY_BOOT_ID] = "boot_id",
	[AVT_KEY_CLOCK] = "clock", [AVT_KEY_START_TIME] = "start_time",
	[AVT_KEY_RECORDER] = "recorder", [AVT_KEY_CMDLINE] = "cmdline",
	[AVT_KEY_PROBES] = "probes", [AVT_KEY_FILTERS] = "filters",
	[AVT_KEY_THP] = "thp", [AVT_KEY_THP_DEFRAG] = "thp_defrag",
	[AVT_KEY_THP_ZERO_PAGE] = "thp_zero_page", [AVT_KEY_MTHP] = "mthp",
	[AVT_KEY_OVERCOMMIT] = "overcommit", [AVT_KEY_MAX_MAP_COUNT] = "max_map_count",
	[AVT_KEY_KSM] = "ksm", [AVT_KEY_SOFT_DIRTY] = "soft_dirty",
};

const char *avt_event_type__name(unsigned type)
{
	return type < ARRAY_SIZE(type_names) ? type_names[type] : NULL;
}

const char *avt_sys__name(unsigned sys)
{
	return sys < ARRAY_SIZE(sys_names) ? sys_names[sys] : NULL;
}

const char *avt_key__name(unsigned key)
{
	return key < ARRAY_SIZE(key_names) ? key_names[key] : NULL;
}

int avt_key__from_name(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(key_names); i++)
		if (key_names[i] && !strcmp(key_names[i], name))
			return (int)i;
	return -1;
}
