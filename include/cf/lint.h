/*
 * lint.h - cross-check channel files against the interpreter template of
 * every sensor build in scope (docs/lint-codes.md: every check and its code).
 *
 * cf_lint_file() lints the bytes that will ship, not the source. Findings go
 * to a diagnostic list the caller owns; codes are documented with an example
 * and the fix in docs/lint-codes.md.
 */
#ifndef CF_LINT_H
#define CF_LINT_H

#include <stddef.h>
#include <stdint.h>

#include <cf/api.h>
#include <cf/base.h>
#include <cf/format.h>
#include <cf/template.h>

typedef struct cf_lint_opts {
	/* Narrow the sensors in scope to these versions (NULL/0: all). */
	const char *const *sensors;
	size_t sensor_count;
	/* Codes of warnings to leave out ("all-wildcard", ...). */
	const char *const *disabled;
	size_t disabled_count;
	/* Only errors: skip every warning check (cfc sign uses this). */
	int errors_only;
} cf_lint_opts;

/*
 * Lint one channel file. path names it in diagnostics; buf/len are its bytes
 * (borrowed). Findings are located in the YAML source through the file's
 * source map when it has one, else by byte offset in path.
 * Returns CF_OK when no error was found (warnings may have been),
 * CF_ERR_REJECTED when at least one error was, CF_ERR_NOMEM.
 */
CF_API cf_status cf_lint_file(const cf_template_set *templates, const char *path,
                              const uint8_t *buf, size_t len, const cf_lint_opts *opts,
                              cf_diag_list *diags);

/* Every lint code: its id, default severity, short description and help. */
typedef struct cf_lint_code {
	const char *id;
	cf_severity severity;
	const char *summary;
	const char *help;
} cf_lint_code;

/* The table of every code (*count entries, static); NULL-safe lookup by id. */
CF_API const cf_lint_code *cf_lint_codes(size_t *count);
CF_API const cf_lint_code *cf_lint_code_find(const char *id);

/* ---- Reports ----------------------------------------------------------------- */

/* One file of the run and its findings (all borrowed). unread is NULL for a
 * file that was linted; for one that could not be read it says why (e.g.
 * "cannot open 'x.cf': No such file or directory"), and the reports mark
 * the run incomplete. */
typedef struct cf_lint_result {
	const char *path;
	const cf_diag_list *diags;
	const char *unread;
} cf_lint_result;

/*
 * Every finding of every file as one JSON document (docs/lint-codes.md,
 * "Output formats"), built with jansson. On CF_OK *out is a malloc'd,
 * NUL-terminated string ending in a newline; the caller frees it with free().
 * Returns CF_ERR_NOMEM or CF_ERR_INTERNAL otherwise.
 */
CF_API cf_status cf_lint_report_json(const cf_lint_result *files, size_t nfiles, char **out);

/*
 * The same as a SARIF 2.1.0 log: one run, a rule per lint code, a result per
 * finding located in the YAML source (startLine/startColumn) when the file
 * has a source map, else by byte offset in the channel file. Ownership as
 * for cf_lint_report_json().
 */
CF_API cf_status cf_lint_report_sarif(const cf_lint_result *files, size_t nfiles, char **out);

#endif
