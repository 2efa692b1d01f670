/*
 * json_int.h - JSON text for the library's outputs, one way.
 *
 * Lint reports (JSON, SARIF), `cfc dump --format json` and bundle manifests
 * all turn a jansson tree into text the same way: json_dumpb() into a
 * buffer of the library's own malloc(), so the caller frees it with free()
 * whatever allocator jansson was configured with, plus one final newline.
 * Internal to libcf (base/, row 1): any library folder may include it.
 */
#ifndef CF_BASE_JSON_INT_H
#define CF_BASE_JSON_INT_H

#include <stddef.h>

#include <jansson.h>

#include <cf/format.h>

/* root as text with json_dumps() flags, then "\n". On CF_OK *out (NUL
 * terminated, caller frees with free()) holds *out_len bytes, the newline
 * included; out_len may be NULL. CF_ERR_NOMEM when jansson or malloc()
 * fails; root is neither changed nor released. */
cf_status cf_json_text(const json_t *root, size_t flags, char **out, size_t *out_len);

#endif
