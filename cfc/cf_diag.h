/*
 * cf_diag.h - diagnostics as data.
 *
 * Library code never prints: it appends diagnostics to a list the caller
 * owns, and the front end prints them gcc style:
 *   PATH:LINE:COL: error: MESSAGE [CODE]
 * Codes are stable kebab-case names, documented in docs/ (compile codes in
 * docs/compile-codes.md, lint codes in docs/lint-codes.md).
 */
#ifndef CF_DIAG_H
#define CF_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "format/cf_format.h"

typedef enum cf_severity {
	CF_NOTE = 0,
	CF_WARNING = 1,
	CF_ERROR = 2,
} cf_severity;

typedef struct cf_diag {
	cf_severity severity;
	const char *code; /* static string, e.g. "field-count"; may be NULL */
	char *path;       /* file the finding is in; NULL: none */
	uint32_t line;    /* 1-based; 0: no line (then col is ignored) */
	uint32_t col;     /* 1-based; 0: unknown */
	int has_offset;   /* byte offset instead of line:col (binary files) */
	uint64_t offset;
	char *message;
	/* Optional context for structured output (lint JSON/SARIF). */
	uint32_t channel;  /* 0: none */
	uint32_t instance; /* instance id; 0: none */
	int field;         /* 0-based field index; -1: none */
	char *field_name;  /* NULL: none */
	char *sensor;      /* sensor version; NULL: none */
} cf_diag;

typedef struct cf_diag_list cf_diag_list;

/* Returns NULL when out of memory. Caller frees with cf_diags_free(). */
cf_diag_list *cf_diags_new(void);
void cf_diags_free(cf_diag_list *l);

/*
 * Append a diagnostic; path is copied, message is printf-formatted. Returns
 * the new entry (owned by the list, valid until the next append) so the
 * caller may fill the context fields with cf_diag_set_context(), or NULL
 * when out of memory (the list then remembers that it lost an entry).
 */
cf_diag *cf_diag_add(cf_diag_list *l, cf_severity sev, const char *code, const char *path,
                     uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
cf_diag *cf_diag_addv(cf_diag_list *l, cf_severity sev, const char *code, const char *path,
                      uint32_t line, uint32_t col, const char *fmt, va_list ap);
/* Same, located by byte offset in a binary file. */
cf_diag *cf_diag_add_offset(cf_diag_list *l, cf_severity sev, const char *code, const char *path,
                            uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Copies field_name and sensor (either may be NULL). */
cf_status cf_diag_set_context(cf_diag *d, uint32_t channel, uint32_t instance, int field,
                              const char *field_name, const char *sensor);

size_t cf_diags_count(const cf_diag_list *l);
const cf_diag *cf_diags_get(const cf_diag_list *l, size_t i);
size_t cf_diags_errors(const cf_diag_list *l);
size_t cf_diags_warnings(const cf_diag_list *l);
/* Nonzero when an append failed for lack of memory. */
int cf_diags_oom(const cf_diag_list *l);
/* Turn every warning into an error (--werror). */
void cf_diags_promote_warnings(cf_diag_list *l);
/* Stable sort by path, line, col (then insertion order). */
void cf_diags_sort(cf_diag_list *l);

const char *cf_severity_label(cf_severity sev); /* "error", "warning", "note" */

/*
 * One diagnostic as a line of text: PATH:LINE:COL: error: MESSAGE [CODE]
 * (or PATH: offset 0xNN: ...), with a newline; colour escapes only when
 * color is nonzero. Returns a malloc'd string the caller frees with free(),
 * or NULL when out of memory. Front ends print it; the library does not.
 */
char *cf_diag_format(const cf_diag *d, int color);

#endif
