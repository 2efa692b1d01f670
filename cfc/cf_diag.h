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

#include "cfc/cf_util.h"
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
 * color is nonzero. The path and the message go through cf_text_escape(),
 * so no control character from an input reaches the terminal. Returns a
 * malloc'd string the caller frees with free(), or NULL when out of memory.
 * Front ends print it; the library does not.
 */
char *cf_diag_format(const cf_diag *d, int color);

/*
 * Nonzero for the code points text output shows as \uNNNN although they are
 * valid and not controls: U+2028 and U+2029 (line and paragraph separators,
 * a line break to some viewers), the bidirectional controls U+061C, U+200E,
 * U+200F, U+202A-U+202E, U+2066-U+2069 (a right-to-left override turns
 * "evil\u202ecod.exe" into what reads as "evilexe.doc"), and U+200B, U+2060
 * and U+FEFF (zero width: two names that print alike). `cfc dump` writes
 * them as \uNNNN escapes in double quotes too.
 */
int cf_text_invisible(uint32_t cp);

/*
 * Text from inputs (paths, names, regexes, values, comments) made safe for a
 * terminal or a log. Copies s[0..len), embedded NULs included, escaping
 * every control character visibly:
 *   \n \r \t        for newline, carriage return and tab;
 *   \xNN            for the other C0 controls (0x00-0x1f) and DEL (0x7f);
 *   \u00NN          for the C1 controls U+0080-U+009F (UTF-8 c2 80..c2 9f);
 *   \uNNNN          for what cf_text_invisible() lists: the line and
 *                   paragraph separators, the bidirectional controls (they
 *                   reorder what a terminal shows) and the invisible
 *                   characters that make two strings look the same;
 *   \xNN            for each byte that is not part of valid UTF-8 (a lone
 *                   continuation byte, a truncated or overlong sequence, a
 *                   surrogate, a code point above U+10FFFF).
 * Printable UTF-8 passes unchanged, backslashes included (Windows paths),
 * so the result is for reading, not for decoding back.
 *
 * Writes as many whole characters as fit in out[0..cap) followed by a NUL,
 * sets *out_len to the bytes written (the NUL not counted) and returns how
 * many bytes of s it consumed. A cap of at least CF_TEXT_ESCAPE_MIN always
 * consumes something; call again with the rest. Never allocates.
 */
#define CF_TEXT_ESCAPE_MIN 7
size_t cf_text_escape(const char *s, size_t len, char *out, size_t cap, size_t *out_len);

/* The same escaping, appended to b. CF_ERR_NOMEM, or CF_ERR_LIMIT past b's
 * limit (b then holds a prefix of the escaped text). */
cf_status cf_text_escape_buf(cf_buf *b, const char *s, size_t len);

#endif
