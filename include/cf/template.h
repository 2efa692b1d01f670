/*
 * template.h - template manifests: what each deployed sensor build's
 * content interpreter supplies for one template type (docs/guide.md,
 * "Template manifests and the sensor matrix"; docs/schema/template.schema.json).
 *
 * A cf_template is plain read-only data once loaded. A set owns its
 * templates; look them up by name.
 */
#ifndef CF_TEMPLATE_H
#define CF_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include <cf/api.h>
#include <cf/base.h>
#include <cf/format.h>

#define CF_DEFAULT_REGEX_MAX_LENGTH 1024u
#define CF_DEFAULT_REGEX_MATCH_LIMIT 100000u

typedef struct cf_tpl_field {
	char *name;
	uint8_t type; /* enum cf_field_type */
} cf_tpl_field;

typedef struct cf_tpl_sensor {
	char *version;     /* dotted decimal, valid per cf_sensor_version_valid() */
	uint32_t supplies; /* input values this build passes, 0..field_count */
	uint32_t line, col;
} cf_tpl_sensor;

typedef struct cf_template {
	char *name;
	uint16_t id;
	uint32_t version;
	uint16_t field_count;
	cf_tpl_field *fields;
	size_t sensor_count;
	cf_tpl_sensor *sensors; /* ascending by version */
	uint32_t regex_max_length;
	uint64_t regex_match_limit;
	uint8_t fingerprint[CF_FINGERPRINT_SIZE]; /* BLAKE2b-256 of the canonical encoding */
	char *path;                               /* manifest file */
	uint32_t line, col;                       /* where `template:` is */
} cf_template;

typedef struct cf_template_set cf_template_set;

/* Returns NULL when out of memory. Caller frees with cf_templates_free(). */
CF_API cf_template_set *cf_templates_new(void);
CF_API void cf_templates_free(cf_template_set *set);

/*
 * Load a manifest file, or every *.yaml file in a directory (in byte order
 * of name). Every problem is appended to diags (PATH:LINE:COL, code
 * "template-invalid" and friends, see docs/compile-codes.md); returns
 * CF_ERR_REJECTED when any error was found (nothing from a rejected file is
 * added), CF_ERR_IO for an unreadable path (also a diagnostic), CF_ERR_NOMEM.
 * Two manifests defining one template name or id are an error.
 */
CF_API cf_status cf_templates_load(cf_template_set *set, const char *path, cf_diag_list *diags);

/*
 * cf_templates_load() of each of n paths in turn, as `cfc -t PATH...` does:
 * the one way every command loads its templates. Stops at CF_ERR_NOMEM;
 * otherwise loads them all and returns the gravest status met, CF_ERR_IO
 * over any other error over CF_ERR_REJECTED over CF_OK (the first of equal
 * gravity).
 */
CF_API cf_status cf_templates_load_all(cf_template_set *set, const char *const *paths, size_t n,
                                       cf_diag_list *diags);

/* The same for one manifest in memory (buf borrowed for the call); path is
 * what diagnostics and cf_template.path name. */
CF_API cf_status cf_templates_load_buffer(cf_template_set *set, const char *path,
                                          const uint8_t *buf, size_t len, cf_diag_list *diags);

/* Borrowed pointers, valid while the set lives. NULL when not found. */
CF_API const cf_template *cf_templates_find(const cf_template_set *set, const char *name);
CF_API const cf_template *cf_templates_find_id(const cf_template_set *set, uint16_t id);
CF_API size_t cf_templates_count(const cf_template_set *set);
/* Sorted by name. */
CF_API const cf_template *cf_templates_get(const cf_template_set *set, size_t i);

/* Index of the field with this name, or -1. */
CF_API int cf_template_field_index(const cf_template *t, const char *name);
/* The sensor with exactly this version (numeric compare), or NULL. */
CF_API const cf_tpl_sensor *cf_template_sensor(const cf_template *t, const char *version);

/* BLAKE2b-256 over cf_fingerprint_encode()'s bytes (needs libsodium). */
CF_API cf_status cf_template_fingerprint(const char *name, uint16_t id, uint32_t version,
                                         const cf_fp_field *fields, unsigned field_count,
                                         uint8_t out[CF_FINGERPRINT_SIZE]);

#endif
