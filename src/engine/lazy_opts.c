// SPDX-License-Identifier: MIT
/*
 * Options of the lazy scheme (lazy-semantics.md §4.1), defaults = the
 * proposal as posted. Parsed from the scheme's params string
 * "key=value,key=value"; each key is accepted in the spec's spelling
 * (lazy_max_vma_bytes) and in the CLI's (max-size, for --lazy-max-size).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "engine/lazy.h"

const char *const lazy_trigger_names[TRIG__MAX] = {
	"fork", "mremap", "uffd_move", "ksm", "grow", "exec_stack", "merge",
};

void lazy_opts__defaults(struct lazy_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->enabled = true;
	o->max_bytes = UINT64_MAX;
	o->grow_policy = GROW_KEEP;
	o->child_mode = CHILD_PARENT;
	o->scope = SCOPE_VMA;
	o->rewrite = REWRITE_SCAN;
	o->mremap_policy = POLICY_UPGRADE;
	o->uffd_policy = POLICY_UPGRADE;
	o->parent_upgrade_always = true;
	o->reuse_ancestor = true;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* bytes with an optional K/M/G suffix (binary), or inf/infinity/none */
static int parse_bytes(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long n;
	uint64_t mul = 1;

	if (!strcmp(v, "inf") || !strcmp(v, "infinity") || !strcmp(v, "none")) {
		*out = UINT64_MAX;
		return 0;
	}
	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 0: break;
	case 'k': case 'K': mul = 1ULL << 10; end++; break;
	case 'm': case 'M': mul = 1ULL << 20; end++; break;
	case 'g': case 'G': mul = 1ULL << 30; end++; break;
	default: return -EINVAL;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || (mul > 1 && n > UINT64_MAX / mul))
		return -EINVAL;
	*out = n * mul;
	return 0;
}

static int parse_choice(const char *v, const char *const *names, int n, int *out)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

static int parse_skip(const char *v, unsigned *out)
{
	char buf[128], *tok, *save = NULL;

	*out = 0;
	if (!*v || !strcmp(v, "none") || !strcmp(v, "empty"))
		return 0;
	if (strlen(v) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, v);
	for (tok = strtok_r(buf, "+|/", &save); tok; tok = strtok_r(NULL, "+|/", &save)) {
		if (!strcmp(tok, "fork"))
			*out |= SKIP_FORK;
		else if (!strcmp(tok, "mremap"))
			*out |= SKIP_MREMAP;
		else if (!strcmp(tok, "uffd_move") || !strcmp(tok, "uffd-move"))
			*out |= SKIP_UFFD_MOVE;
		else
			return -EINVAL;
	}
	return 0;
}

static const char *const child_names[] = { "parent", "eager" };
static const char *const scope_names[] = { "vma", "family" };
static const char *const rewrite_names[] = { "scan", "during_copy" };
static const char *const policy_names[] = { "upgrade", "reindex" };
static const char *const grow_names[] = { "keep", "upgrade" };

/* key aliases: spec name, CLI name (after --lazy-) */
static bool key_is(const char *k, const char *spec, const char *cli)
{
	return !strcmp(k, spec) || !strcmp(k, cli);
}

static int set_one(struct lazy_opts *o, const char *k, const char *v)
{
	if (key_is(k, "lazy_enabled", "enabled"))
		return parse_bool(v, &o->enabled);
	if (key_is(k, "lazy_max_vma_bytes", "max-size"))
		return parse_bytes(v, &o->max_bytes);
	if (key_is(k, "lazy_grow_policy", "grow"))
		return parse_choice(v, grow_names, 2, &o->grow_policy);
	if (key_is(k, "lazy_child_mode", "child-mode"))
		return parse_choice(v, child_names, 2, &o->child_mode);
	if (key_is(k, "upgrade_scope", "upgrade-scope"))
		return parse_choice(v, scope_names, 2, &o->scope);
	if (key_is(k, "upgrade_rewrite", "rewrite")) {
		if (!strcmp(v, "during-copy"))
			v = "during_copy";
		return parse_choice(v, rewrite_names, 2, &o->rewrite);
	}
	if (key_is(k, "lazy_reuse_neighbour_root", "reuse-neighbour-root"))
		return parse_bool(v, &o->reuse_neighbour_root);
	if (key_is(k, "lazy_merge_absorb", "merge-absorb"))
		return parse_bool(v, &o->merge_absorb);
	if (key_is(k, "mremap_policy", "mremap"))
		return parse_choice(v, policy_names, 2, &o->mremap_policy);
	if (key_is(k, "uffd_move_policy", "uffd-move"))
		return parse_choice(v, policy_names, 2, &o->uffd_policy);
	if (key_is(k, "parent_upgrade_always", "parent-upgrade-always"))
		return parse_bool(v, &o->parent_upgrade_always);
	if (key_is(k, "upgrade_reuse_ancestor", "reuse-ancestor"))
		return parse_bool(v, &o->reuse_ancestor);
	if (key_is(k, "lazy_vma_extra_bytes", "vma-extra-bytes"))
		return parse_bytes(v, &o->vma_extra_bytes);
	if (key_is(k, "skip_upgrade", "skip-upgrade"))
		return parse_skip(v, &o->skip);
	if (key_is(k, "test_full_scan", "test-full-scan"))
		return parse_bool(v, &o->test_full_scan);
	if (key_is(k, "test_leak_ref", "test-leak-ref")) {
		char *end;

		errno = 0;
		o->test_leak_ref = strtoull(v, &end, 10);
		return (errno || *end || !*v) ? -EINVAL : 0;
	}
	return -ENOENT;
}

int lazy_opts__parse(struct lazy_opts *o, const char *params, char *why, size_t len)
{
	char *buf, *tok, *save = NULL;
	int err = 0;

	if (!params || !*params)
		return 0;
	buf = strdup(params);
	if (!buf)
		return -ENOMEM;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!strncmp(tok, "lazy-", 5))
			tok += 5;
		if (!eq) {
			snprintf(why, len, "lazy option '%s' needs a value (key=value)", tok);
			err = -EINVAL;
			break;
		}
		*eq = 0;
		err = set_one(o, tok, eq + 1);
		if (err == -ENOENT) {
			snprintf(why, len, "unknown lazy option '%s'", tok);
			err = -EINVAL;
			break;
		}
		if (err) {
			snprintf(why, len, "bad value '%s' for lazy option '%s'", eq + 1, tok);
			break;
		}
	}
	free(buf);
	return err;
}

void lazy_opts__print(const struct lazy_opts *o, FILE *out, const char *pfx)
{
	fprintf(out, "%soption.lazy_enabled %d\n", pfx, o->enabled);
	if (o->max_bytes == UINT64_MAX)
		fprintf(out, "%soption.lazy_max_vma_bytes inf\n", pfx);
	else
		fprintf(out, "%soption.lazy_max_vma_bytes %" PRIu64 "\n", pfx, o->max_bytes);
	fprintf(out, "%soption.lazy_grow_policy %s\n", pfx, grow_names[o->grow_policy]);
	fprintf(out, "%soption.lazy_child_mode %s\n", pfx, child_names[o->child_mode]);
	fprintf(out, "%soption.upgrade_scope %s\n", pfx, scope_names[o->scope]);
	fprintf(out, "%soption.upgrade_rewrite %s\n", pfx, rewrite_names[o->rewrite]);
	fprintf(out, "%soption.lazy_reuse_neighbour_root %d\n", pfx, o->reuse_neighbour_root);
	fprintf(out, "%soption.lazy_merge_absorb %d\n", pfx, o->merge_absorb);
	fprintf(out, "%soption.mremap_policy %s\n", pfx, policy_names[o->mremap_policy]);
	fprintf(out, "%soption.uffd_move_policy %s\n", pfx, policy_names[o->uffd_policy]);
	fprintf(out, "%soption.parent_upgrade_always %d\n", pfx, o->parent_upgrade_always);
	fprintf(out, "%soption.upgrade_reuse_ancestor %d\n", pfx, o->reuse_ancestor);
	fprintf(out, "%soption.lazy_vma_extra_bytes %" PRIu64 "\n", pfx, o->vma_extra_bytes);
	fprintf(out, "%soption.skip_upgrade %s%s%s%s\n", pfx, o->skip ? "" : "none",
		o->skip & SKIP_FORK ? "fork " : "", o->skip & SKIP_MREMAP ? "mremap " : "",
		o->skip & SKIP_UFFD_MOVE ? "uffd_move" : "");
}
