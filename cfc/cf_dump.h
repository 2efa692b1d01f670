/*
 * cf_dump.h - render a verified channel file as YAML (the rule-source shape
 * of docs/guide.md, which `cfc compile` turns back into the same bytes) or as
 * JSON.
 */
#ifndef CF_DUMP_H
#define CF_DUMP_H

#include <stddef.h>

#include "format/cf_format.h"

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
cf_status cf_dump_yaml(const cf_view *v, char **out, size_t *out_len);

/*
 * The same header with instances [first, first + count) only: one part of a
 * channel too large for one rule source (`cfc dump --split`). Compiling all
 * parts together gives the channel file back. *nodes (when not NULL) gets the
 * number of YAML nodes written, as the rule-source reader counts them
 * against CF_YAML_MAX_NODES. CF_ERR_INVALID for a range outside the file.
 */
cf_status cf_dump_yaml_part(const cf_view *v, uint32_t first, uint32_t count, char **out,
                            size_t *out_len, size_t *nodes);

/* JSON: one object with the whole header, the field table and every
 * instance (non-wildcard criteria only). uint values above 2^63-1 are
 * written as decimal strings. Same ownership as cf_dump_yaml(). */
cf_status cf_dump_json(const cf_view *v, char **out, size_t *out_len);

#endif
