/*
 * format.h - channel files: status codes, the deterministic builder, the
 * strict verifier and the accessors that read a verified file.
 *
 * This component depends on nothing but the C library. The verifier does no
 * I/O and works on a caller's (buf, len), so a sensor can embed it; it
 * allocates only for a string pool of more than 1536 strings (see
 * cf_verify()). The byte layout is documented in format/SPEC.md.
 */
#ifndef CF_FORMAT_H
#define CF_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include <cf/api.h>

/* One status enum for all of libcf; cf_strerror() names each. */
typedef enum cf_status {
	CF_OK = 0,
	CF_ERR_NOT_CHANNEL, /* not a channel file (magic) */
	CF_ERR_VERSION,     /* a format version this build does not read */
	CF_ERR_CORRUPT,     /* structurally invalid */
	CF_ERR_CHECKSUM,    /* checksum mismatch */
	CF_ERR_LIMIT,       /* over a documented cap */
	CF_ERR_NOMEM,       /* out of memory */
	CF_ERR_IO,          /* read, write or rename failed */
	CF_ERR_INVALID,     /* invalid argument or API misuse */
	CF_ERR_REJECTED,    /* input rejected; diagnostics say why */
	CF_ERR_SIGNATURE,   /* signature missing, malformed or wrong */
	CF_ERR_INTERNAL,    /* a bug */
} cf_status;

CF_API const char *cf_strerror(cf_status st);

/*
 * The diagnostic code of a verifier verdict, one per status, for every
 * command that reports one (docs/lint-codes.md): "format-magic"
 * (CF_ERR_NOT_CHANNEL), "format-version", "format-checksum", "format-limit",
 * "out-of-memory" (CF_ERR_NOMEM), and "format-corrupt" for every other
 * failure; NULL for CF_OK.
 */
CF_API const char *cf_verify_code(cf_status st);

/* Caps the verifier enforces (format/SPEC.md, "Limits"). */
#define CF_FORMAT_VERSION 1u
#define CF_MAX_FILE_SIZE ((uint64_t)1 << 30) /* 1 GiB */
#define CF_MAX_FIELDS 255u
#define CF_MAX_INSTANCES ((uint32_t)1 << 24)
#define CF_MAX_STRING_LEN 65535u
/* A source-map file name: a path, which Linux caps at 4096 bytes with its
 * NUL; a longer one could not be given back to the compiler. */
#define CF_MAX_SOURCE_PATH_LEN 4095u
#define CF_FINGERPRINT_SIZE 32u

/* Byte offsets of the header fields (format/SPEC.md, "Header"), for
 * diagnostics that locate a finding in a file without a source map. */
#define CF_HDR_MAGIC 0x00u
#define CF_HDR_VERSION 0x08u
#define CF_HDR_HEADER_SIZE 0x0Au
#define CF_HDR_FLAGS 0x0Cu
#define CF_HDR_FILE_SIZE 0x10u
#define CF_HDR_CHANNEL 0x18u
#define CF_HDR_RESERVED1 0x1Cu
#define CF_HDR_CONTENT_VERSION 0x20u
#define CF_HDR_TEMPLATE_NAME 0x28u
#define CF_HDR_TEMPLATE_ID 0x30u
#define CF_HDR_FIELD_COUNT 0x32u
#define CF_HDR_TEMPLATE_VERSION 0x34u
#define CF_HDR_FINGERPRINT 0x38u
#define CF_HDR_REQUIRES_SENSOR 0x58u
#define CF_HDR_INSTANCE_COUNT 0x60u
#define CF_HDR_SECTION_COUNT 0x64u
#define CF_HDR_RESERVED2 0x68u

enum cf_field_type { CF_TYPE_STRING = 1, CF_TYPE_UINT = 2, CF_TYPE_BOOL = 3 };

enum cf_crit_kind {
	CF_CRIT_ANY = 0,
	CF_CRIT_EQUALS = 1,
	CF_CRIT_PREFIX = 2,
	CF_CRIT_REGEX = 3,
	CF_CRIT_RANGE = 4,
};
#define CF_CRIT_NOCASE 0x01u /* string kinds only */

enum cf_action { CF_ACTION_DETECT = 1, CF_ACTION_BLOCK = 2, CF_ACTION_LOG = 3 };
enum cf_severity_level {
	CF_SEVERITY_INFO = 1,
	CF_SEVERITY_LOW = 2,
	CF_SEVERITY_MEDIUM = 3,
	CF_SEVERITY_HIGH = 4,
	CF_SEVERITY_CRITICAL = 5,
};

/* Names for the enums above ("string", "regex", "detect", "high", ...);
 * NULL for a value outside the enum. The parse functions return 0 when the
 * name is unknown. */
CF_API const char *cf_field_type_name(unsigned type);
CF_API const char *cf_crit_kind_name(unsigned kind);
/* The kind with its indefinite article, for messages: "a wildcard" (kind
 * any), "an equals", "a prefix", "a regex", "a range"; NULL outside the enum. */
CF_API const char *cf_crit_kind_phrase(unsigned kind);
CF_API const char *cf_action_name(unsigned action);
CF_API const char *cf_severity_name(unsigned severity);
CF_API unsigned cf_field_type_parse(const char *name);
CF_API unsigned cf_action_parse(const char *name);
CF_API unsigned cf_severity_parse(const char *name);

/* A string: in a verified file ptr is NUL-terminated inside the buffer. */
typedef struct cf_str {
	const char *ptr;
	size_t len;
} cf_str;

/* One criterion. uint equals: lo; range: [lo, hi]; bool equals: lo (0/1);
 * string equals, prefix, regex: str (flags may hold CF_CRIT_NOCASE). */
typedef struct cf_criterion {
	uint8_t kind;
	uint8_t flags;
	uint64_t lo, hi;
	cf_str str;
} cf_criterion;

typedef struct cf_instance {
	uint32_t id;
	uint8_t action;
	uint8_t severity;
	cf_str name; /* len 0: no name */
} cf_instance;

/* A source location; line 0 means unknown. */
typedef struct cf_srcloc {
	cf_str file;
	uint32_t line, col;
} cf_srcloc;

typedef struct cf_header {
	uint32_t channel;
	uint64_t content_version;
	cf_str template_name;
	uint16_t template_id;
	uint32_t template_version;
	uint8_t fingerprint[CF_FINGERPRINT_SIZE];
	uint16_t field_count;
	uint32_t instance_count;
	cf_str requires_sensor; /* len 0: none */
	int has_source_map;
} cf_header;

/* ---- Verifier ---------------------------------------------------------- */

/* What went wrong: the status, the byte offset of the structure at fault and
 * a message naming it ("instance 17 criterion 21: ..."). */
typedef struct cf_verify_error {
	cf_status status;
	uint64_t offset;
	char message[256];
} cf_verify_error;

/*
 * A verified channel file. Only cf_verify() fills one, and only when it
 * returns CF_OK: the accessors below trust it and check nothing again. The
 * view borrows buf, which must outlive it and stay unchanged. Fields other
 * than hdr are private.
 */
typedef struct cf_view {
	cf_header hdr;
	const uint8_t *buf;
	size_t len;
	size_t fields_off;
	size_t inst_off, inst_size;
	size_t pool_off, pool_len;
	size_t smap_off, smap_size;
} cf_view;

/*
 * Verify everything once, up front: every value format/SPEC.md fixes, so a
 * file it accepts is one the builder could have written (and `cfc dump`
 * then `cfc compile` gives its bytes back). Borrows buf; err may be NULL.
 * Finding repeated strings in a pool of more than 1536 strings takes a
 * table on the heap (at most 8 bytes per slot, 8/3 slots per string, freed
 * before it returns): CF_ERR_NOMEM when that allocation fails, the only
 * failure that is not a verdict on the file.
 */
CF_API cf_status cf_verify(const uint8_t *buf, size_t len, cf_view *view, cf_verify_error *err);

/* Accessors on a verified view: indexes must be below the header counts. */
CF_API void cf_view_field(const cf_view *v, unsigned field, cf_str *name, uint8_t *type);
CF_API void cf_view_instance(const cf_view *v, uint32_t index, cf_instance *out);
CF_API void cf_view_criterion(const cf_view *v, uint32_t index, unsigned field, cf_criterion *out);
/* Source locations; all zero when the file carries no source map. */
CF_API void cf_view_instance_loc(const cf_view *v, uint32_t index, cf_srcloc *out);
CF_API void cf_view_criterion_loc(const cf_view *v, uint32_t index, unsigned field, cf_srcloc *out);
/* Byte offset in the file of an instance record, or of one of its
 * criteria (field >= 0), for diagnostics about files without a source map. */
CF_API uint64_t cf_view_instance_offset(const cf_view *v, uint32_t index, int field);
/* Index of the instance with this id, or -1. Binary search: ids ascend. */
CF_API int64_t cf_view_find_instance(const cf_view *v, uint32_t id);

/* ---- Builder ----------------------------------------------------------- */

typedef struct cf_builder cf_builder;

/* What the header says; strings are copied. */
typedef struct cf_build_header {
	uint32_t channel;
	uint64_t content_version;
	const char *template_name;
	uint16_t template_id;
	uint32_t template_version;
	uint8_t fingerprint[CF_FINGERPRINT_SIZE];
	const char *requires_sensor; /* NULL: none */
	int with_source_map;
} cf_build_header;

/*
 * One criterion to add; str is copied (NUL-free, valid UTF-8; empty only for
 * equals). line and col go to the source map: line 0 means the instance's
 * location; a wildcard's are ignored (wildcards carry no location).
 */
typedef struct cf_build_criterion {
	uint8_t kind;
	uint8_t flags;
	uint64_t lo, hi;
	const char *str;
	size_t str_len;
	uint32_t line, col; /* source map: both nonzero, or line 0 */
} cf_build_criterion;

/* With a source map, file must be a non-empty string and line and col
 * nonzero (CF_ERR_INVALID otherwise); without one they are ignored. */
typedef struct cf_build_instance {
	uint32_t id;
	uint8_t action;
	uint8_t severity;
	const char *name; /* NULL: none */
	const char *file; /* source map: file of the instance */
	uint32_t line, col;
} cf_build_instance;

/* Returns NULL when out of memory. Caller frees with cf_builder_free(). */
CF_API cf_builder *cf_builder_new(const cf_build_header *hdr);
CF_API void cf_builder_free(cf_builder *b);
/* Fields in input-array order, before any instance. */
CF_API cf_status cf_builder_add_field(cf_builder *b, const char *name, uint8_t type);
/* crit holds exactly one criterion per field added. */
CF_API cf_status cf_builder_add_instance(cf_builder *b, const cf_build_instance *inst,
                                         const cf_build_criterion *crit);
/*
 * Lay the file out: instances sorted by id, strings interned in order of
 * first use, checksum last. On CF_OK *out is a malloc'd buffer the caller
 * frees with free(). Duplicate ids, bad enums or caps give CF_ERR_INVALID or
 * CF_ERR_LIMIT and write nothing. The same calls give the same bytes.
 */
CF_API cf_status cf_builder_finish(cf_builder *b, uint8_t **out, size_t *out_len);

/* ---- Helpers shared by every component ---------------------------------- */

/* Name syntax: a template name is [a-z][a-z0-9-]{0,63}, a field name
 * [a-z][a-z0-9_]{0,63}. Nonzero when valid. */
CF_API int cf_name_valid_template(const char *s, size_t len);
CF_API int cf_name_valid_field(const char *s, size_t len);

/* Nonzero if s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
CF_API int cf_utf8_valid(const char *s, size_t len);
/* The valid UTF-8 sequence at s (len bytes left): its code point in *cp and
 * its length, 1 to 4; 0 when s does not start with one (a stray or
 * truncated sequence, an overlong form, a surrogate, above U+10FFFF, or
 * len 0). The library's one UTF-8 decoder. */
CF_API size_t cf_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* CRC-32C (Castagnoli) of buf, the file checksum. */
CF_API uint32_t cf_crc32c(const uint8_t *buf, size_t len);

/*
 * Sensor versions: dotted decimals, 1 to 8 parts, each 0..4294967295 with no
 * sign, no leading zeros (except "0") and no empty part. Returns 1 if valid.
 */
CF_API int cf_sensor_version_valid(const char *s, size_t len);
/* Numeric part-by-part compare of two valid versions ("7.9" < "7.11"); a
 * missing part counts as 0 ("7.11" == "7.11.0"). Returns <0, 0, >0. */
CF_API int cf_sensor_version_cmp(const char *a, size_t alen, const char *b, size_t blen);

/*
 * The canonical encoding a template fingerprint hashes (format/SPEC.md,
 * "Template fingerprint"). Writes at most cap bytes into out (out may be
 * NULL when cap is 0) and returns the full length, or 0 for invalid input.
 */
typedef struct cf_fp_field {
	const char *name;
	uint8_t type;
} cf_fp_field;
CF_API size_t cf_fingerprint_encode(const char *template_name, uint16_t id, uint32_t version,
                                    const cf_fp_field *fields, unsigned field_count, uint8_t *out,
                                    size_t cap);

#endif
