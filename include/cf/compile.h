/*
 * compile.h - the rule compiler (cfc/): YAML rule sources (docs/guide.md,
 * "Writing rules"; docs/schema/rules.schema.json) and template manifests into
 * one channel file; and dump, its way back.
 *
 * Several sources may form one channel: they must agree on channel,
 * template, version and requires_sensor, and instance ids must not collide.
 * Every problem is reported as a located diagnostic (codes in
 * docs/compile-codes.md); nothing is produced when any error was found.
 * The same sources give the same bytes whatever their order.
 *
 * Besides the keys of the contract, an instance mapping and a criterion
 * mapping may carry `origin: "PATH:LINE:COL"`: the location the source map
 * records instead of the node's own (what `cfc dump` writes, so that dump
 * then compile gives the same bytes). A criterion's origin must name the
 * same file as its instance's.
 *
 * The embedded `tests:` of every instance are validated and handed back
 * for `cfc test`.
 */
#ifndef CF_COMPILE_H
#define CF_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include <cf/api.h>
#include <cf/base.h>
#include <cf/format.h>
#include <cf/template.h>

typedef struct cf_compile_options {
	const cf_template_set *templates; /* borrowed; the manifests loaded with -t */
	int strip_source;                 /* nonzero: no source map in the output */
	uint64_t content_version;         /* nonzero: overrides every source's `version` */
} cf_compile_options;

/* One rule source in memory. */
typedef struct cf_compile_source {
	const char *path;    /* for diagnostics and the source map */
	const uint8_t *data; /* borrowed for the call; NULL: unreadable (the caller
	                        reported it): skipped, and the run fails */
	size_t len;
} cf_compile_source;

/* One field's value in a test event. */
typedef struct cf_test_value {
	int present;     /* 0: the event does not give this field (absent) */
	uint8_t type;    /* enum cf_field_type of the field */
	uint64_t num;    /* uint: the value; bool: 0 or 1 */
	const char *str; /* string: NUL-terminated, str_len bytes; NULL otherwise */
	size_t str_len;
} cf_test_value;

/* One item of an instance's `tests:`. */
typedef struct cf_rule_test {
	uint32_t instance_id;
	const char *path;   /* the source file */
	uint32_t line, col; /* the test's mapping */
	int expect_match;   /* 1: match, 0: no-match */
	unsigned field_count;
	const cf_test_value *values; /* field_count values, in input-array order */
} cf_rule_test;

typedef struct cf_compile_result cf_compile_result;

/*
 * Compile sources (n >= 1) into one channel file. On CF_OK *out is a result
 * the caller frees with cf_compile_result_free(); diags may hold warnings.
 * CF_ERR_REJECTED: errors were appended to diags; CF_ERR_NOMEM,
 * CF_ERR_INTERNAL otherwise. *out is NULL unless CF_OK.
 */
CF_API cf_status cf_compile_sources(const cf_compile_options *opt, const cf_compile_source *src,
                                    size_t n, cf_diag_list *diags, cf_compile_result **out);

/*
 * The same for files ("-" is stdin), read with a 16 MiB cap. An unreadable
 * file gives a diagnostic without a path ("cannot open 'x': ...") and
 * CF_ERR_IO, after every other file was still checked.
 */
CF_API cf_status cf_compile_files(const cf_compile_options *opt, const char *const *paths, size_t n,
                                  cf_diag_list *diags, cf_compile_result **out);

CF_API void cf_compile_result_free(cf_compile_result *r);

/* The channel file; borrowed from r. */
CF_API const uint8_t *cf_compile_result_bytes(const cf_compile_result *r, size_t *len);
CF_API uint32_t cf_compile_result_channel(const cf_compile_result *r);
CF_API uint64_t cf_compile_result_version(const cf_compile_result *r);
/* The template the sources name; borrowed from the options' set. */
CF_API const cf_template *cf_compile_result_template(const cf_compile_result *r);

/* The embedded tests, in source order; borrowed from r. */
CF_API size_t cf_compile_result_test_count(const cf_compile_result *r);
CF_API const cf_rule_test *cf_compile_result_test(const cf_compile_result *r, size_t i);

/*
 * The default output name "C-<channel, 8 digits>-<version, 8 digits>.cf"
 * into buf; returns the length snprintf would write (>= size: truncated).
 */
CF_API int cf_compile_default_name(uint32_t channel, uint64_t version, char *buf, size_t size);

/* ---- Dump (cfc/dump.c) ------------------------------------------------------ */

/*
 * Render a verified channel file as YAML (the rule-source shape of
 * docs/guide.md, which `cfc compile` turns back into the same bytes) or as
 * JSON.
 */

/*
 * YAML: comment lines naming the template (id, version, fields,
 * fingerprint), then channel, template, version, requires_sensor and every
 * instance with its non-wildcard criteria. When the file has a source map,
 * each instance and criterion carries `origin: "PATH:LINE:COL"` so that
 * compiling the dump reproduces the source map too.
 *
 * Every string reads back as itself under YAML 1.1 and 1.2 alike: instance
 * names, criterion values and origins are always quoted (double quotes,
 * with escapes, when they hold a control character or a line break); the
 * template name and the field names used as match keys are plain only when
 * nothing could type them otherwise (a letter or '_', then letters, digits,
 * '_', '-', '.', '/'; not y, n, yes, no, on, off, true, false or null in any
 * case), quoted otherwise. Borrows v; on CF_OK
 * *out is a NUL-terminated malloc'd string the caller frees with free().
 */
CF_API cf_status cf_dump_yaml(const cf_view *v, char **out, size_t *out_len);

/*
 * The same header with instances [first, first + count) only: one part of a
 * channel too large for one rule source (`cfc dump --split`). Compiling all
 * parts together gives the channel file back. *nodes (when not NULL) gets the
 * number of YAML nodes written, as the rule-source reader counts them
 * against CF_YAML_MAX_NODES. CF_ERR_INVALID for a range outside the file.
 */
CF_API cf_status cf_dump_yaml_part(const cf_view *v, uint32_t first, uint32_t count, char **out,
                                   size_t *out_len, size_t *nodes);

/* JSON: one object with the whole header, the field table and every
 * instance (non-wildcard criteria only). uint values above 2^63-1 are
 * written as decimal strings. Same ownership as cf_dump_yaml(). */
CF_API cf_status cf_dump_json(const cf_view *v, char **out, size_t *out_len);

#endif
