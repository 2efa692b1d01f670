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

#include <stddef.h>
#include <stdint.h>

#include "template/regex_int.h" /* the regex policy: options, compile, limits */

#include <cf/sensor.h>

/* One non-wildcard criterion. */
typedef struct scrit {
	uint16_t field; /* 0-based index into the input array */
	uint8_t kind;   /* enum cf_crit_kind, never CF_CRIT_ANY */
	uint8_t type;   /* the field's type: a value of another type is absent */
	uint8_t nocase;
	uint8_t jit;  /* regex: JIT-compiled */
	uint32_t len; /* equals, prefix: length of str; regex: of its required literal */
	uint64_t lo, hi;
	const char *str;      /* equals, prefix: the operand; regex: its required literal
	                       * (cf_sensor_regex_literal(), len 0: none); in the arena */
	pcre2_code *re;       /* regex */
	pcre2_match_data *md; /* regex: allocated at load, reused for every event */
} scrit;

typedef struct sinst {
	uint32_t id;
	uint8_t action, severity;
	const char *name;      /* NULL: none */
	uint32_t first, count; /* its criteria: crits[first .. first+count) */
} sinst;

/* One key of the instance index (index.c): a chain of a hash table. */
typedef struct skey {
	uint64_t hash;
	uint32_t inst; /* index into insts */
	uint32_t next; /* next key in its bucket; UINT32_MAX ends */
} skey;

#define SIDX_EQUALS 1u      /* fflags: the field has equals keys */
#define SIDX_GRAMS 2u       /* fflags: the field has gram keys */
#define SIDX_PREFIX_CAP 32u /* prefix keys hash at most this many bytes */

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
	/* The instance index (index.c): which instances an event can match. */
	uint16_t maxfield; /* 1 + the highest field any criterion reads; 0: none */
	uint32_t nwords;   /* 64-bit words of an instance bitmap */
	uint64_t *always;  /* instances without a key: candidates for every event */
	uint64_t *cand;    /* scratch bitmap of one event's candidates */
	uint8_t *fflags;   /* per field: SIDX_EQUALS, SIDX_GRAMS */
	uint32_t *fprefix; /* per field: bit L-1 set when a prefix key has L bytes */
	uint32_t *goff;    /* gram instances of field f: ginst[goff[f] .. goff[f+1]) */
	uint32_t *ginst;
	uint64_t *bloom; /* gram keys present, a 2^14-bit filter */
	skey *keys;
	uint32_t nkeys;
	uint32_t *heads; /* mask + 1 buckets */
	size_t mask;
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
	/* Per field of the event being evaluated: 0 not looked at yet, 1 its
	 * string value is pure ASCII (valid UTF-8: PCRE2 need not check it
	 * again), 2 it is not. Reset by every cf_sensor_eval(). */
	uint8_t ascii[256];
	int in_eval; /* inside cf_sensor_eval(): a callback may not evaluate again */
};

/* An event being decoded (event.c, evstream.c). */
struct cf_sensor_event {
	const cf_sensor *s;
	struct json_t *root;    /* JSON lines: owns the strings the values point into */
	int tmpl;               /* -1: none decoded */
	cf_sensor_value **vals; /* per template: exactly `supplied` values */
};

/* Forget the decoded event (and free its JSON). */
void cf_sensor_event_reset(cf_sensor_event *ev);

void cf_sensor_content_free(scontent *c);

/* index.c: build the index of decoded content (0, or -1 out of memory),
 * free it, and mark in bits (c->nwords words) the instances an event with
 * values vals[0 .. c->maxfield) can match. */
int cf_sensor_index_build(scontent *c);
void cf_sensor_index_free(scontent *c);
void cf_sensor_index_candidates(const scontent *c, const cf_sensor_value *vals, uint64_t *bits);
/* The longest run of ASCII bytes every match of regex (p, n) contains, into
 * out; cur is scratch. Both have room for n bytes. Its length, 0: none. */
size_t cf_sensor_regex_literal(const char *p, size_t n, char *out, char *cur);

/*
 * TEST ONLY: cf_sensor_load() without step 5, the field-count check. It
 * lets tests/unit/test_sensor.c hand the interpreter content whose criteria
 * name fields this build does not supply, to show that the interpreter's
 * own bounds check holds. A sensor never calls it. It is in
 * sensor/load_unchecked.c, which only the test archive holds, not libcf.a.
 */
cf_status cf_sensor_load_unchecked(cf_sensor *s, const char *path, const uint8_t *buf, size_t len,
                                   cf_sensor_load_result *res, cf_diag_list *diags);

/* Shared by cf_sensor_load() and cf_sensor_load_unchecked(). */
cf_status cf_sensor_load_impl(cf_sensor *s, const char *path, const uint8_t *buf, size_t len,
                              const char *sig, size_t sig_len, int check_field_count,
                              cf_sensor_load_result *res, cf_diag_list *diags);

#endif
