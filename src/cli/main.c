// SPDX-License-Identifier: MIT
/*
 * avtrace: record the VMA-operation sequence of workloads with eBPF and
 * replay it through models of the kernel's anon_vma schemes.
 *
 * main() only dispatches: `avtrace CMD ...` runs cmd_CMD() with argv
 * starting at CMD, which parses its own options with argp.
 */
#include <argp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

const char *argp_program_version = "avtrace " AVT_VERSION;
const char *argp_program_bug_address = "the avtrace issue tracker";
const char *avt_cmd_name = "avtrace";

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "record", cmd_record, "capture VMA operations of workloads with eBPF (root)" },
	{ "replay", cmd_replay, "run a trace through anon_vma scheme models and report" },
	{ "diff",   cmd_diff,   "compare schemes or runs side by side" },
	{ "script", cmd_script, "print a trace as text, one event per line" },
	{ "import", cmd_import, "turn a text trace back into a binary trace" },
	{ "info",   cmd_info,   "print a trace's header, metadata, chunks and drops" },
};

static void verr(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "avtrace %s: %s", avt_cmd_name, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void avt_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr("", fmt, ap);
	va_end(ap);
}

void avt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr("warning: ", fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: avtrace COMMAND [OPTION...] [ARG...]\n\n"
		"Capture and model the Linux kernel's anon_vma reverse mapping.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nExamples:\n"
		"  avtrace record -o run.avt -- make -j2      # as root\n"
		"  avtrace replay run.avt --mode=eager,lazy\n"
		"  avtrace diff run.avt --mode=eager,lazy\n"
		"  avtrace replay run.avt --verify\n"
		"  avtrace script run.avt | less\n\n"
		"`avtrace COMMAND --help` describes each command; see avtrace(1).\n"
		"Exit status: 0 ok, 1 could not run, 2 usage error, 3 verification mismatch.\n");
}

int main(int argc, char **argv)
{
	argp_err_exit_status = AVT_EXIT_USAGE;
	if (argc < 2) {
		usage(stderr);
		return AVT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return AVT_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s\n", argp_program_version);
		return AVT_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		avt_cmd_name = cmds[i].name;
		return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "avtrace: unknown command '%s' (try: avtrace --help)\n", argv[1]);
	return AVT_EXIT_USAGE;
}
