/*
 * sensor.h - the reference sensor: what each build supplies, the content
 * loader and the content interpreter (docs/sensor.md).
 *
 * A cf_sensor models one sensor build (a version such as "7.16.0"). It
 * loads channel files the way a deployed sensor must (signature, format
 * verifier, template and fingerprint, requires_sensor, field count against
 * what this build supplies, regexes), keeps the last content that loaded
 * for each channel, and evaluates events given as input arrays of exactly
 * the values this build supplies. Every criterion's access to the input
 * array is bounds-checked by the interpreter itself.
 *
 * Nothing here prints or exits: findings go to a cf_diag_list the caller
 * owns. A cf_sensor is not thread-safe (it keeps per-regex match data).
 */
#ifndef CF_SENSOR_H
#define CF_SENSOR_H

#include <stddef.h>
#include <stdint.h>

#include <cf/api.h>
#include <cf/base.h>
#include <cf/format.h>
#include <cf/sign.h>
#include <cf/template.h>

/* ---- What the reference sensor supplies: one definition, in C ------------ */

/*
 * The template types compiled into the reference sensor and, per build, how
 * many input values its integration code fills (the first `supplies` fields
 * in input-array order). This table (sensor/supplied.c) is the one source of
 * truth; tests/unit/test_sensor.c fails when samples/templates/ disagrees.
 */
typedef struct cf_sensor_field_def {
	const char *name;
	uint8_t type; /* enum cf_field_type */
} cf_sensor_field_def;

typedef struct cf_sensor_build_def {
	const char *version; /* dotted decimal */
	uint16_t supplies;   /* values this build fills, 0..field_count */
} cf_sensor_build_def;

typedef struct cf_sensor_template_def {
	const char *name;
	uint16_t id;
	uint32_t version; /* template revision */
	uint16_t field_count;
	const cf_sensor_field_def *fields; /* input-array order */
	size_t build_count;
	const cf_sensor_build_def *builds; /* ascending by version */
} cf_sensor_template_def;

/* The whole table (static data, sorted by name). */
CF_API const cf_sensor_template_def *cf_sensor_template_defs(size_t *count);
/* The definition of a template type, or NULL when none is compiled in. */
CF_API const cf_sensor_template_def *cf_sensor_template_def_find(const char *name);
/* Values build `version` supplies for def, or -1 when def has no such build. */
CF_API int cf_sensor_def_supplies(const cf_sensor_template_def *def, const char *version);
/* Nonzero when some template definition lists build `version`. */
CF_API int cf_sensor_build_known(const char *version);

/*
 * Compare a template manifest with the built-in definition of the same name:
 * id, revision, field names, types and order, and the set of sensor builds
 * with their supplied counts. Each disagreement is an error (code
 * "manifest-drift") located at the manifest. CF_OK when they agree,
 * CF_ERR_REJECTED when not (or when no definition of that name exists),
 * CF_ERR_NOMEM.
 */
CF_API cf_status cf_sensor_manifest_check(const cf_template *t, cf_diag_list *diags);

/* ---- The sensor --------------------------------------------------------- */

typedef struct cf_sensor cf_sensor;

/*
 * A reference sensor of build `version` (must be listed by the built-in
 * table) using the template manifests of `templates` (borrowed: must outlive
 * the sensor) for fingerprints and regex limits. A manifest that disagrees
 * with the built-in definition is reported (manifest-drift) and its template
 * is unavailable: content for it is skipped. On CF_OK the caller frees *out
 * with cf_sensor_free(). CF_ERR_INVALID (with a diagnostic) for an unknown
 * build, CF_ERR_NOMEM.
 */
CF_API cf_status cf_sensor_new(const char *version, const cf_template_set *templates,
                               cf_sensor **out, cf_diag_list *diags);
CF_API void cf_sensor_free(cf_sensor *s);
CF_API const char *cf_sensor_version(const cf_sensor *s);

/* Require a valid signature on all content from now on (pk is borrowed). */
CF_API void cf_sensor_set_pubkey(cf_sensor *s, const cf_pubkey *pk);

/* ---- Loading content ------------------------------------------------------ */

/* The loader's steps, in the order they run. */
typedef enum cf_sensor_step {
	CF_SENSOR_STEP_NONE = 0,
	CF_SENSOR_STEP_SIGNATURE,       /* 1: only with a public key */
	CF_SENSOR_STEP_FORMAT,          /* 2: strict format verifier */
	CF_SENSOR_STEP_TEMPLATE,        /* 3: template known, fingerprint and field table */
	CF_SENSOR_STEP_REQUIRES_SENSOR, /* 4: content for a newer build */
	CF_SENSOR_STEP_FIELD_COUNT,     /* 5: field_count against what this build supplies */
	CF_SENSOR_STEP_REGEX,           /* 6: PCRE2 compile under the manifest's limits */
	CF_SENSOR_STEP_VERSION,         /* 7: not newer than the content already active */
} cf_sensor_step;

/* "signature", "format", "template", "requires_sensor", "field count", ... */
CF_API const char *cf_sensor_step_name(cf_sensor_step step);

typedef enum cf_sensor_outcome {
	CF_SENSOR_LOADED = 0,     /* now the active content of its channel */
	CF_SENSOR_SKIPPED_UNSAFE, /* failed a check: not loaded (an error) */
	CF_SENSOR_SKIPPED_NEWER,  /* requires a newer build: not loaded (a note) */
	CF_SENSOR_SKIPPED_STALE,  /* loads, but a content version >= it is active (a note) */
} cf_sensor_outcome;

typedef struct cf_sensor_load_result {
	cf_sensor_outcome outcome;
	cf_sensor_step step;      /* the step that skipped it; NONE when loaded */
	uint32_t channel;         /* 0 when the format step failed */
	uint64_t content_version; /* 0 when the format step failed */
	uint64_t replaced;        /* content version it replaced; 0: none */
	uint32_t instances;
} cf_sensor_load_result;

/*
 * Load one channel file. path names it in diagnostics; buf/len are its bytes
 * (borrowed: everything the interpreter needs is decoded and copied). With a
 * public key set, sig/sig_len must be the text of its minisign signature
 * file (NULL when there is none: the content is refused at the signature
 * step); without one they are ignored. The outcome and every finding go to
 * *res and diags (an error naming the step for an unsafe skip, a note
 * otherwise). When a channel's content fails to load, the content loaded
 * before for that channel stays active (last known good); among the files
 * that load for one channel the highest content version wins.
 * Returns CF_OK whether loaded or skipped; CF_ERR_NOMEM, CF_ERR_INVALID.
 */
CF_API cf_status cf_sensor_load(cf_sensor *s, const char *path, const uint8_t *buf, size_t len,
                                const char *sig, size_t sig_len, cf_sensor_load_result *res,
                                cf_diag_list *diags);

/* Active content: the number of channels, and channel i (ascending). */
CF_API size_t cf_sensor_channel_count(const cf_sensor *s);
typedef struct cf_sensor_channel_info {
	uint32_t channel;
	uint64_t content_version;
	const char *template_name;
	const char *path;
	uint32_t instances;
} cf_sensor_channel_info;
CF_API cf_status cf_sensor_channel_get(const cf_sensor *s, size_t i, cf_sensor_channel_info *out);
/* Drop every loaded channel (keeps templates and counters). */
CF_API void cf_sensor_unload_all(cf_sensor *s);

/* ---- Templates as this build supplies them -------------------------------- */

/* Index of an available template type (known, manifest given and agreeing,
 * listed for this build), or -1. */
CF_API int cf_sensor_template_index(const cf_sensor *s, const char *name);
CF_API size_t cf_sensor_template_count(const cf_sensor *s);
CF_API const char *cf_sensor_template_name(const cf_sensor *s, int tmpl);
/* Fields the template defines, and how many of them this build supplies. */
CF_API unsigned cf_sensor_template_fields(const cf_sensor *s, int tmpl);
CF_API unsigned cf_sensor_supplied(const cf_sensor *s, int tmpl);
/* Index of a field of the template, or -1; its type (enum cf_field_type). */
CF_API int cf_sensor_field_index(const cf_sensor *s, int tmpl, const char *name);
CF_API uint8_t cf_sensor_field_type(const cf_sensor *s, int tmpl, unsigned field);
CF_API const char *cf_sensor_field_name(const cf_sensor *s, int tmpl, unsigned field);

/* ---- The interpreter ------------------------------------------------------- */

/* One input value. type 0 means absent; a value whose type differs from the
 * field's is treated as absent too. Strings are borrowed byte ranges. */
typedef struct cf_sensor_value {
	uint8_t type; /* 0 absent, else enum cf_field_type */
	uint64_t u;   /* uint; bool: 0 or 1 */
	const char *s;
	size_t len;
} cf_sensor_value;

typedef enum cf_sensor_report_kind {
	CF_SENSOR_REPORT_MATCH = 0, /* an instance matched the event */
	CF_SENSOR_REPORT_LIMIT,     /* a regex hit a PCRE2 limit: treated as no match */
	CF_SENSOR_REPORT_BOUNDS,    /* a criterion named a field past the input array */
} cf_sensor_report_kind;

/* What the interpreter reports; every pointer is valid during the callback. */
typedef struct cf_sensor_report {
	cf_sensor_report_kind kind;
	uint32_t channel;
	uint64_t content_version;
	const char *template_name;
	const char *path; /* content file */
	uint32_t instance;
	const char *name; /* NULL: no name */
	uint8_t action, severity;
	int field;              /* LIMIT, BOUNDS: 0-based field index; MATCH: -1 */
	const char *field_name; /* LIMIT, BOUNDS */
	int pcre2_error;        /* LIMIT: PCRE2_ERROR_MATCHLIMIT, ... */
} cf_sensor_report;

/* "match limit", "depth limit", "heap limit", "JIT stack limit" for a
 * LIMIT report's pcre2_error. */
CF_API const char *cf_sensor_limit_name(int pcre2_error);

typedef void (*cf_sensor_report_fn)(void *ud, const cf_sensor_report *r);

/*
 * Evaluate one event of template tmpl against every active channel of that
 * template (ascending channel, then instance id). values has nvalues entries
 * (borrowed); the interpreter reads values[i] only for i below both nvalues
 * and what this build supplies: a criterion on a field past that is treated
 * as an absent value (a non-wildcard fails) and reported as a BOUNDS event.
 * fn (may be NULL) gets every match, limit hit and bounds event. Allocates
 * nothing. Returns the number of matches, or -1 for a bad tmpl or when
 * called from inside fn (the sensor keeps per-event scratch state).
 */
CF_API long cf_sensor_eval(cf_sensor *s, int tmpl, const cf_sensor_value *values, size_t nvalues,
                           cf_sensor_report_fn fn, void *ud);

typedef struct cf_sensor_stats {
	uint64_t events, matches, limit_hits, bounds_events, regex_errors;
	uint64_t loaded, skipped_unsafe, skipped_newer, skipped_stale;
} cf_sensor_stats;
CF_API void cf_sensor_get_stats(const cf_sensor *s, cf_sensor_stats *out);

/* ---- Events as JSON lines ------------------------------------------------- */

/* The longest event line accepted, newline excluded. */
#define CF_SENSOR_EVENT_LINE_MAX ((size_t)1 << 20)

/*
 * A parsed event: `{"template": NAME, "fields": {NAME: VALUE, ...}}` turned
 * into the input array this build supplies (fields it does not supply are
 * dropped). Reused from line to line; caller frees with
 * cf_sensor_event_free().
 */
typedef struct cf_sensor_event cf_sensor_event;
CF_API cf_status cf_sensor_event_new(const cf_sensor *s, cf_sensor_event **out);
CF_API void cf_sensor_event_free(cf_sensor_event *ev);
/*
 * Parse one line (len bytes, no newline). CF_ERR_REJECTED with a message in
 * msg for malformed JSON, a missing or unknown template, an unknown field, a
 * value of the wrong type, a negative or non-integer number for a uint;
 * CF_ERR_LIMIT for a line over CF_SENSOR_EVENT_LINE_MAX; CF_ERR_NOMEM.
 */
CF_API cf_status cf_sensor_event_parse(cf_sensor_event *ev, const char *line, size_t len, char *msg,
                                       size_t msg_len);
/* cf_sensor_eval() on a parsed event. */
CF_API long cf_sensor_event_eval(cf_sensor *s, const cf_sensor_event *ev, cf_sensor_report_fn fn,
                                 void *ud);
CF_API const char *cf_sensor_event_template(const cf_sensor_event *ev);

/*
 * The two halves of cf_sensor_event_parse() that do not need a sensor, for
 * tools that read event lines against a template manifest (`cfc
 * pack-events`). cf_event_json_shape checks the object's shape and returns
 * its template name and its "fields" object (both owned by root);
 * cf_event_json_value turns the JSON value of field `key` of type `type`
 * (enum cf_field_type) into v (null: absent; strings borrowed from val).
 * CF_ERR_REJECTED with a message, as cf_sensor_event_parse().
 */
struct json_t;
CF_API cf_status cf_event_json_shape(struct json_t *root, const char **tname,
                                     struct json_t **fields, char *msg, size_t msg_len);
CF_API cf_status cf_event_json_value(const char *key, struct json_t *val, uint8_t type,
                                     cf_sensor_value *v, char *msg, size_t msg_len);

/* ---- Binary event streams (format/EVENTS.md) ------------------------------ */

/*
 * A stream is the 16-byte prefix (magic, version, table length), a table of
 * the templates and field names it uses, then records: a u32 length and
 * that many bytes. `cfc run` reads one when the events' first byte is 0x89.
 */
/* 89 43 46 45 0D 0A 1A 0A (octal escapes: "\x89C" would be one hex escape) */
#define CF_EVSTREAM_MAGIC "\211CFE\r\n\032\n"
#define CF_EVSTREAM_MAGIC_LEN 8u
#define CF_EVSTREAM_VERSION 1u
#define CF_EVSTREAM_PREFIX_LEN 16u
#define CF_EVSTREAM_TABLE_MAX (1u << 20)                /* table bytes */
#define CF_EVSTREAM_TEMPLATES_MAX 256u                  /* templates in a table */
#define CF_EVSTREAM_RECORD_MAX CF_SENSOR_EVENT_LINE_MAX /* record bytes */

/* Value kinds in a record. */
enum {
	CF_EVSTREAM_NULL = 0,
	CF_EVSTREAM_STRING,
	CF_EVSTREAM_UINT,
	CF_EVSTREAM_FALSE,
	CF_EVSTREAM_TRUE
};

/* Check the prefix (len bytes at p, CF_EVSTREAM_PREFIX_LEN needed): the
 * table's length into *table_len, or CF_ERR_REJECTED with a message. */
CF_API cf_status cf_evstream_prefix(const uint8_t *p, size_t len, uint32_t *table_len, char *msg,
                                    size_t msg_len);

/*
 * The stream's table resolved against sensor s: each template and field
 * name is looked up once. A template or field this build does not know is
 * kept; only records that use it are rejected, as event lines would be.
 * CF_ERR_REJECTED with a message for a malformed table; CF_ERR_NOMEM.
 */
typedef struct cf_sensor_evmap cf_sensor_evmap;
CF_API cf_status cf_sensor_evmap_new(const cf_sensor *s, const uint8_t *table, size_t len,
                                     cf_sensor_evmap **out, char *msg, size_t msg_len);
CF_API void cf_sensor_evmap_free(cf_sensor_evmap *m);
CF_API size_t cf_sensor_evmap_template_count(const cf_sensor_evmap *m);
CF_API const char *cf_sensor_evmap_template_name(const cf_sensor_evmap *m, size_t i);

/* The length a record's 4-byte length word gives (little-endian), for a
 * reader that frames the stream itself. */
CF_API uint32_t cf_evstream_record_len(const uint8_t word[4]);

/*
 * Decode one record (len bytes after its length word) into ev, as
 * cf_sensor_event_parse() does a line. String values point into rec: keep
 * it until the event has been evaluated. CF_ERR_REJECTED with a message for
 * a malformed record (any length or index that does not fit), an unknown
 * template or field, a value of the wrong type, a field given twice;
 * CF_ERR_LIMIT over CF_EVSTREAM_RECORD_MAX.
 */
CF_API cf_status cf_sensor_event_decode(cf_sensor_event *ev, const cf_sensor_evmap *m,
                                        const uint8_t *rec, size_t len, char *msg, size_t msg_len);

/*
 * Writing a stream into b: the prefix and table naming every template of
 * the set with its fields in manifest order, then one record per event of
 * template index tmpl (its place in the set): vals[f] for each field f with
 * given[f] set (a value of type 0 is written as null). A record that fails
 * leaves nothing in b. put_header: CF_ERR_INVALID for a set a table cannot
 * name, CF_ERR_LIMIT for a table over CF_EVSTREAM_TABLE_MAX. put_record:
 * CF_ERR_INVALID for nvals over CF_MAX_FIELDS, CF_ERR_REJECTED for a record
 * over CF_EVSTREAM_RECORD_MAX. Both: CF_ERR_LIMIT when b would pass its
 * limit, CF_ERR_NOMEM.
 */
struct cf_buf;
CF_API cf_status cf_evstream_put_header(struct cf_buf *b, const cf_template_set *set);
CF_API cf_status cf_evstream_put_record(struct cf_buf *b, uint16_t tmpl,
                                        const cf_sensor_value *vals, const uint8_t *given,
                                        size_t nvals);

/* ---- Rings: staged deployment of bundles ---------------------------------- */

/* The host's ring bucket, 0..9999: BLAKE2b-256("cfc-ring-v1\0" || host_id),
 * first 8 bytes little-endian, mod 10000 (docs/sensor.md, "Rings"). */
CF_API uint32_t cf_sensor_ring_bucket(const char *host_id);

/* One ring of a bundle manifest: percent is cumulative (the share of the
 * fleet reached once this ring is open), strictly rising, the last 100. */
typedef struct cf_sensor_ring {
	const char *name;
	uint32_t percent; /* 1..100 */
} cf_sensor_ring;

/* Rings open one after another, one interval apart, from the bundle's
 * signed creation time: ring i opens at created + i * this. */
#define CF_SENSOR_RING_INTERVAL ((uint64_t)24 * 3600)

/*
 * Which ring a host is in: the first ring whose percent * 100 exceeds the
 * host's bucket; -1 when the rings reach less than the whole fleet and the
 * host is beyond them (such a host never takes the bundle).
 */
CF_API int cf_sensor_ring_of(const cf_sensor_ring *rings, size_t count, const char *host_id);

/*
 * Whether a host takes a bundle at time now: 1 when its ring is open
 * (created + ring * CF_SENSOR_RING_INTERVAL <= now), else 0. *ring gets the
 * host's ring (-1: none), *opens the time its ring opens (0: never).
 */
CF_API int cf_sensor_ring_takes(const cf_sensor_ring *rings, size_t count, const char *host_id,
                                uint64_t created, uint64_t now, int *ring, uint64_t *opens);

#endif
