/*
 * sensor_int.h - private structures of the reference sensor.
 *
 * Loaded content is decoded once into these compact structures: the
 * interpreter never goes back to the channel file's bytes or its accessors.
 * Only non-wildcard criteria are kept, each with the index of the field it
 * reads; the interpreter checks that index against the input array it is
 * given before every access.
 */
#ifndef CF_SENSOR_INT_H
#define CF_SENSOR_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/cf_sensor.h"

/* One non-wildcard criterion. */
typedef struct scrit {
	uint16_t field; /* 0-based index into the input array */
	uint8_t kind;   /* enum cf_crit_kind, never CF_CRIT_ANY */
	uint8_t type;   /* the field's type: a value of another type is absent */
	uint8_t nocase;
	uint32_t len; /* equals, prefix: length of str */
	uint64_t lo, hi;
	const char *str;      /* equals, prefix: into the content's string arena */
	pcre2_code *re;       /* regex */
	pcre2_match_data *md; /* regex: allocated at load, reused for every event */
} scrit;

typedef struct sinst {
	uint32_t id;
	uint8_t action, severity;
	const char *name;      /* NULL: none */
	uint32_t first, count; /* its criteria: crits[first .. first+count) */
} sinst;

typedef struct scontent {
	uint32_t channel;
	uint64_t version;
	int tmpl;
	uint16_t field_count;
	sinst *insts;
	uint32_t ninst;
	scrit *crits;
	size_t ncrit;
	char *strings; /* one arena for names and string operands */
	char *path;
} scontent;

/* A template type as this build supplies it. */
typedef struct stmpl {
	const cf_template *manifest;       /* limits and fingerprint */
	const cf_sensor_template_def *def; /* fields and what this build fills */
	unsigned supplied;
	pcre2_match_context *mctx; /* the manifest's match_limit */
} stmpl;

struct cf_sensor {
	char *version;
	const cf_template_set *templates;
	const cf_pubkey *pk;
	stmpl *tmpls;
	size_t ntmpl;
	scontent **active; /* sorted by channel */
	size_t nactive, cap;
	pcre2_jit_stack *jit;
	cf_sensor_stats stats;
};

void cf_sensor_content_free(scontent *c);

/*
 * TEST ONLY: cf_sensor_load() without step 5, the field-count check. It
 * lets tests/unit/test_sensor.c hand the interpreter content whose criteria
 * name fields this build does not supply, to show that the interpreter's
 * own bounds check holds. A sensor never calls it.
 */
cf_status cf_sensor_load_unchecked(cf_sensor *s, const char *path, const uint8_t *buf, size_t len,
                                   cf_sensor_load_result *res, cf_diag_list *diags);

/* Shared by cf_sensor_load() and cf_sensor_load_unchecked(). */
cf_status cf_sensor_load_impl(cf_sensor *s, const char *path, const uint8_t *buf, size_t len,
                              const char *sig, size_t sig_len, int check_field_count,
                              cf_sensor_load_result *res, cf_diag_list *diags);

#endif
