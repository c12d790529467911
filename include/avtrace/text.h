/* SPDX-License-Identifier: MIT */
/*
 * Text form of a trace (avtrace script / import; man/avtrace-text.5).
 * One event per line; `meta KEY=VALUE` lines carry the metadata, `#` starts
 * a comment. Binary -> text -> binary is lossless.
 */
#ifndef AVTRACE_TEXT_H
#define AVTRACE_TEXT_H

#include <stddef.h>
#include <stdio.h>
#include "avtrace/event.h"
#include "avtrace/trace.h"

/* Format one event as one line (no newline). Returns chars written (like
 * snprintf, may exceed len on truncation) or a negative errno. */
int avt_text__format(const struct avt_event *ev, char *buf, size_t len);
/* Print the metadata block as `meta` lines. */
void avt_text__print_meta(FILE *out, const struct avt_meta *m);

struct avt_text_parser;
struct avt_text_parser *avt_text_parser__new(void);
void avt_text_parser__free(struct avt_text_parser *p);
/*
 * Parse one line. Returns 1 and fills *ev for an event line, 0 for a line
 * with no event (blank, comment, `meta` line: stored into *meta), or a
 * negative errno with a one-line reason in why (without the line number).
 * Event unknown bodies are kept in parser-owned memory until the next call.
 */
int avt_text_parser__line(struct avt_text_parser *p, const char *line,
			  struct avt_event *ev, struct avt_meta *meta,
			  char *why, size_t why_len);

#endif /* AVTRACE_TEXT_H */
