/*
 * bundle_int.h - private to release/: the parsed manifest, the verified
 * bundle and helpers shared by the writer, the reader and the installer.
 */
#ifndef CF_BUNDLE_INT_H
#define CF_BUNDLE_INT_H

#include <stdarg.h>

#include <jansson.h>

#include <cf/bundle.h>

#define HASH_SIZE 32u
#define HASH_HEX (2 * HASH_SIZE + 1)
#define MANIFEST_FORMAT "cfc-bundle"
#define MANIFEST_FORMAT_VERSION 1
#define STATE_FORMAT "cfc-state"
#define STATE_FORMAT_VERSION 1
/* The largest integer the manifest and the state carry (JSON integers are
 * signed 64-bit in jansson). */
#define JSON_U63_MAX ((uint64_t)INT64_MAX)

/* One channel file as the manifest records it. Strings are owned. */
typedef struct mrecord {
	char *name;
	uint64_t size;
	uint8_t hash[HASH_SIZE];
	char *sig_name;
	uint64_t sig_size;
	uint8_t sig_hash[HASH_SIZE];
	uint32_t channel;
	uint64_t content_version;
	char *template_name;
	uint16_t template_id;
	uint32_t template_version;
	uint8_t fingerprint[CF_FINGERPRINT_SIZE];
	uint16_t field_count;
	uint32_t instance_count;
	char *requires_sensor; /* NULL: none */
} mrecord;

typedef struct mring {
	char *name;
	unsigned percent;
} mring;

typedef struct manifest {
	uint64_t bundle_version;
	uint64_t created;
	uint64_t expires;
	mring *rings;
	size_t ring_count;
	mrecord *files; /* ascending by name */
	size_t file_count;
} manifest;

/* An archive entry read into memory (data NUL-terminated, not counted). */
typedef struct bentry {
	char *name;
	uint8_t *data;
	size_t len;
} bentry;

struct cf_bundle {
	manifest m;
	bentry *entries; /* owns every byte the files point into */
	size_t entry_count;
	const bentry *manifest_entry;
	const bentry *manifest_sig_entry;
	cf_bundle_file *files; /* m.file_count, same order as m.files */
	cf_bundle_ring *rings; /* names borrowed from m.rings */
};

/* manifest.c */
void cf_bundle_manifest_clear(manifest *m);
/* Fill one record from a verified channel file. */
cf_status cf_bundle_record_fill(mrecord *r, const char *name, const uint8_t *data, size_t len,
                                const cf_view *view, const char *sig, size_t sig_len);
/* Canonical JSON: sorted keys, two-space indent, ASCII, final newline. */
cf_status cf_bundle_manifest_encode(const manifest *m, char **out, size_t *out_len);
/* Strict parse: known keys only, all present, ranges checked; on failure
 * CF_ERR_REJECTED with a message in msg. */
cf_status cf_bundle_manifest_decode(const uint8_t *buf, size_t len, manifest *m, char *msg,
                                    size_t msg_cap);
/* The manifest signature's trusted comment. */
cf_status cf_bundle_comment_format(uint64_t created, uint64_t bundle_version,
                                   const uint8_t hash[HASH_SIZE], char **out);
/* Parse it strictly; CF_ERR_REJECTED with msg on failure. */
cf_status cf_bundle_comment_parse(const char *text, size_t len, uint64_t *created,
                                  uint64_t *bundle_version, uint8_t hash[HASH_SIZE], char *msg,
                                  size_t msg_cap);

/* common.c */
void cf_bundle_hash(const uint8_t *buf, size_t len, uint8_t out[HASH_SIZE]);
/* Append an error; returns CF_ERR_NOMEM if the list lost it, else
 * CF_ERR_REJECTED, so callers can `return cf_bundle_reject(...)`. */
/* Canonical JSON text of root (sorted keys, two-space indent, ASCII, one
 * newline at the end), as manifests and state files are written. On CF_OK
 * *out is malloc'd; the caller frees it with free(). */
cf_status cf_bundle_json_text(json_t *root, char **out, size_t *out_len);
cf_status cf_bundle_reject(cf_diag_list *diags, const char *path, const char *code, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
/* UTC "2024-07-19T04:09:00Z" into a 32-byte buffer. */
void cf_bundle_fmt_time(uint64_t t, char out[32]);

#endif
