/*
 * compile.c - rule sources into a channel file (<cf/compile.h>).
 *
 * Each source is parsed (yaml.c) and checked against the schema of the
 * contract, collecting every error; then the sources are checked against
 * each other (channel, template, version, requires_sensor, instance ids);
 * only when nothing was wrong is the file built with format/'s
 * deterministic builder. Instances are handed to the builder sorted by id,
 * so source order never shows in the bytes.
 *
 * A regex that PCRE2 rejects is reported at the offending character: the
 * scalar's column plus PCRE2's error offset (in characters), when the
 * scalar's value is its source text verbatim (plain, or quoted without
 * escapes, on one line). Otherwise the column is the scalar's start and
 * the message gives the offset in the pattern.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif

#include <cf/base.h>
#include <cf/compile.h>
#include "base/yaml_int.h"
#include "template/regex_int.h"

struct cf_compile_result {
	uint8_t *bytes;
	size_t len;
	uint32_t channel;
	uint64_t version;
	const cf_template *tpl;
	cf_rule_test *tests;
	size_t ntests, tests_cap;
	char **paths; /* the sources' paths, which tests point to */
	size_t npaths;
};

/* What one source says in its header; node pointers for messages. */
typedef struct source {
	const char *path; /* the result's copy */
	cf_ydoc *doc;
	uint32_t channel;
	const cf_ynode *channel_node;
	const char *tpl_name;
	const cf_template *tpl;
	const cf_ynode *tpl_node;
	uint64_t version;
	const cf_ynode *version_node;
	const char *requires;
	const cf_ynode *requires_node;
	/* Copies of the four nodes above, which point here once the document's
	 * node tree is dropped (after the source is checked). */
	cf_ynode kept[4];
} source;

/* One instance ready for the builder; or, when it has errors, only its id
 * and where it is, for the duplicate check (nothing is built then). */
typedef struct inst {
	uint32_t id;
	uint8_t action, severity;
	const char *name; /* NULL: none */
	const char *file; /* source-map file */
	uint32_t line, col;
	size_t src;     /* index of its source */
	cf_ynode where; /* a copy of the id's node, for duplicate messages */
	size_t crit;    /* its non-wildcard criteria: crits[crit .. crit+ncrit) */
	unsigned ncrit;
} inst;

/* A non-wildcard criterion of an instance (wildcards are not stored). */
typedef struct icrit {
	cf_build_criterion c;
	unsigned field;
} icrit;

typedef struct compiler {
	const cf_compile_options *opt;
	cf_diag_list *diags;
	size_t errors;
	cf_status fatal; /* CF_ERR_NOMEM or CF_ERR_INTERNAL once it happens */
	source *srcs;
	size_t nsrcs;
	inst *insts;
	size_t ninsts, insts_cap;
	icrit *crits;
	size_t ncrits, crits_cap;
	cf_build_criterion scratch[CF_MAX_FIELDS]; /* one instance's criteria, all fields */
	char **owned;                              /* strings to free at the end (origin paths) */
	size_t nowned, owned_cap;
	cf_compile_result *res;
} compiler;

/* ---- small helpers -------------------------------------------------------------- */

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(*arr, ncap * size);
	if (!n)
		return -1;
	*arr = n;
	*cap = ncap;
	return 0;
}

static void nomem(compiler *cc)
{
	if (cc->fatal == CF_OK)
		cc->fatal = CF_ERR_NOMEM;
}

static char *own(compiler *cc, const char *s, size_t len)
{
	if (grow((void **)&cc->owned, &cc->owned_cap, cc->nowned + 1, sizeof *cc->owned)) {
		nomem(cc);
		return NULL;
	}
	char *d = malloc(len + 1);
	if (!d) {
		nomem(cc);
		return NULL;
	}
	memcpy(d, s, len);
	d[len] = '\0';
	cc->owned[cc->nowned++] = d;
	return d;
}

/* Characters (code points) in the first n bytes of valid UTF-8 s. */
static size_t utf8_chars(const char *s, size_t n)
{
	size_t chars = 0;
	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	return chars;
}

static const char *const action_names[] = {"detect", "block", "log"};
static const char *const severity_names[] = {"info", "low", "medium", "high", "critical"};
static const char *const expect_names[] = {"match", "no-match"};

/* Names of the template's fields, for suggestions. */
static const char *field_suggestion(const cf_template *t, const char *name)
{
	const char *names[CF_MAX_FIELDS];
	for (unsigned i = 0; i < t->field_count; i++)
		names[i] = t->fields[i].name;
	return cf_suggest(name, names, t->field_count);
}

static int field_lookup(cf_ycheck *c, const cf_template *t, const cf_ynode *key)
{
	const char *name = cf_yaml_text(c->doc, key);
	int f = cf_template_field_index(t, name);
	if (f >= 0)
		return f;
	const char *sug = field_suggestion(t, name);
	if (sug)
		cf_ycheck_diag(c, CF_ERROR, key, "unknown-field",
		               "template '%s' has no field '%s'; did you mean '%s'?", t->name, name,
		               sug);
	else
		cf_ycheck_diag(c, CF_ERROR, key, "unknown-field", "template '%s' has no field '%s'",
		               t->name, name);
	return -1;
}

/* "FILE:LINE:COL" -> file (owned by cc), line, col. 0 or -1 after reporting. */
static int parse_origin(compiler *cc, cf_ycheck *c, const cf_ynode *n, const char **file,
                        uint32_t *line, uint32_t *col)
{
	const char *s;
	size_t len;
	if (cf_ycheck_str(c, n, "origin", &s, &len))
		return -1;
	uint64_t part[2] = {0, 0};
	size_t end = len;
	for (int k = 1; k >= 0; k--) {
		size_t colon = end;
		while (colon > 0 && s[colon - 1] != ':')
			colon--;
		size_t digits = end - colon;
		int ok = colon > 0 && digits > 0 && digits <= 10 && s[colon] != '0';
		for (size_t i = colon; ok && i < end; i++) {
			if (s[i] < '0' || s[i] > '9')
				ok = 0;
			else
				part[k] = part[k] * 10 + (uint64_t)(s[i] - '0');
		}
		if (!ok || part[k] > UINT32_MAX) {
			cf_ycheck_diag(c, CF_ERROR, n, "bad-origin",
			               "'origin' must be FILE:LINE:COL with LINE and COL from 1 to "
			               "4294967295, got '%s'",
			               s);
			return -1;
		}
		end = colon - 1;
	}
	if (end == 0) {
		cf_ycheck_diag(c, CF_ERROR, n, "bad-origin",
		               "'origin' must be FILE:LINE:COL with a file name, got '%s'", s);
		return -1;
	}
	*file = own(cc, s, end);
	if (!*file)
		return -1;
	*line = (uint32_t)part[0];
	*col = (uint32_t)part[1];
	return 0;
}

/* ---- criteria ------------------------------------------------------------------- */

static void check_regex(compiler *cc, cf_ycheck *c, const cf_template *t, const cf_ynode *n,
                        const char *s, size_t len, int nocase)
{
	if (len > t->regex_max_length) {
		cf_ycheck_diag(
		    c, CF_ERROR, n, "regex-too-long",
		    "regex of %zu bytes; template '%s' allows at most %u (regex.max_length)", len,
		    t->name, t->regex_max_length);
		return;
	}
	pcre2_code *re = NULL;
	cf_regex_error err;
	cf_status st = cf_regex_compile(s, len, nocase, 0, &re, &err);
	if (st == CF_OK) {
		pcre2_code_free(re);
		return;
	}
	if (st != CF_ERR_REJECTED) {
		nomem(cc);
		return;
	}
	size_t erroff = err.offset;
	cf_diag *d =
	    cf_ycheck_diag(c, CF_ERROR, n, "regex-invalid", "invalid regex: %s (at offset %zu)",
	                   err.message, erroff);
	if (d && n->exact) {
		size_t quote = n->style == CF_YSTYLE_PLAIN ? 0 : 1;
		size_t col = n->col + quote + utf8_chars(s, erroff);
		d->col = col > UINT32_MAX ? UINT32_MAX : (uint32_t)col;
	}
}

static const char *allowed_kinds(uint8_t type)
{
	switch (type) {
	case CF_TYPE_STRING:
		return "any, equals, prefix, regex";
	case CF_TYPE_UINT:
		return "any, equals, range";
	default:
		return "any, equals";
	}
}

static int kind_allowed(uint8_t type, unsigned kind)
{
	switch (type) {
	case CF_TYPE_STRING:
		return kind == CF_CRIT_EQUALS || kind == CF_CRIT_PREFIX || kind == CF_CRIT_REGEX;
	case CF_TYPE_UINT:
		return kind == CF_CRIT_EQUALS || kind == CF_CRIT_RANGE;
	default:
		return kind == CF_CRIT_EQUALS;
	}
}

enum { C_EQUALS, C_PREFIX, C_REGEX, C_RANGE, C_NOCASE, C_ORIGIN, NCKEYS };
static const char *const crit_keys[NCKEYS] = {"equals", "prefix", "regex",
                                              "range",  "nocase", "origin"};
static const uint8_t crit_kinds[4] = {CF_CRIT_EQUALS, CF_CRIT_PREFIX, CF_CRIT_REGEX, CF_CRIT_RANGE};

/* One `field: criterion` of a match mapping into *out (located at n). */
static void parse_criterion(compiler *cc, cf_ycheck *c, const cf_template *t, unsigned field,
                            const cf_ynode *n, const char *inst_file, cf_build_criterion *out)
{
	const cf_tpl_field *f = &t->fields[field];
	memset(out, 0, sizeof *out);
	out->kind = CF_CRIT_ANY;
	if (n->kind == CF_YNODE_SCALAR && n->style == CF_YSTYLE_PLAIN &&
	    strcmp(cf_yaml_text(c->doc, n), "any") == 0)
		return;
	if (n->kind != CF_YNODE_MAP) {
		cf_ycheck_diag(c, CF_ERROR, n, "bad-criterion",
		               "criterion for '%s' must be any or a mapping such as {equals: ...}, "
		               "not %s",
		               f->name, cf_yaml_describe(c->doc, n));
		return;
	}
	const cf_ynode *v[NCKEYS], *k[NCKEYS];
	if (cf_ycheck_map(c, n, "criterion", crit_keys, NCKEYS, 0, v, k))
		return;
	int which = -1;
	for (int i = 0; i < 4; i++) {
		if (!v[i])
			continue;
		if (which >= 0) {
			cf_ycheck_diag(c, CF_ERROR, k[i], "bad-criterion",
			               "criterion for '%s' has both '%s' and '%s'; give one",
			               f->name, crit_keys[which], crit_keys[i]);
			return;
		}
		which = i;
	}
	if (which < 0) {
		cf_ycheck_diag(c, CF_ERROR, n, "bad-criterion",
		               "criterion for '%s' needs one of equals, prefix, regex, range",
		               f->name);
		return;
	}
	uint8_t kind = crit_kinds[which];
	if (!kind_allowed(f->type, kind)) {
		cf_ycheck_diag(c, CF_ERROR, k[which], "bad-criterion",
		               "'%s' is not allowed for %s field '%s' (allowed: %s)",
		               crit_keys[which], cf_field_type_name(f->type), f->name,
		               allowed_kinds(f->type));
		return;
	}
	int nocase = 0;
	if (v[C_NOCASE]) {
		if (f->type != CF_TYPE_STRING) {
			cf_ycheck_diag(c, CF_ERROR, k[C_NOCASE], "bad-criterion",
			               "'nocase' applies to string fields only; '%s' is a %s field",
			               f->name, cf_field_type_name(f->type));
			return;
		}
		if (cf_ycheck_bool(c, v[C_NOCASE], "nocase", &nocase))
			return;
	}
	out->kind = kind;
	out->flags = nocase ? CF_CRIT_NOCASE : 0;
	out->line = n->line;
	out->col = n->col;
	const cf_ynode *val = v[which];
	if (f->type == CF_TYPE_STRING) {
		const char *s;
		size_t len;
		if (cf_ycheck_str(c, val, crit_keys[which], &s, &len))
			return;
		if (len == 0 && kind != CF_CRIT_EQUALS) {
			cf_ycheck_diag(
			    c, CF_ERROR, val, "bad-value",
			    "'%s' must not be empty (it would match everything; use any)",
			    crit_keys[which]);
			return;
		}
		if (kind == CF_CRIT_REGEX)
			check_regex(cc, c, t, val, s, len, nocase);
		out->str = s;
		out->str_len = len;
	} else if (f->type == CF_TYPE_BOOL) {
		int b;
		if (cf_ycheck_bool(c, val, "equals", &b))
			return;
		out->lo = (uint64_t)b;
	} else if (kind == CF_CRIT_EQUALS) {
		if (cf_ycheck_uint(c, val, "equals", 0, UINT64_MAX, &out->lo))
			return;
	} else {
		if (val->kind != CF_YNODE_SEQ || val->count != 2) {
			cf_ycheck_diag(
			    c, CF_ERROR, val, "wrong-type",
			    "'range' must be a sequence of two integers [lo, hi], not %s",
			    val->kind == CF_YNODE_SEQ ? "a sequence of another length"
			                              : cf_yaml_describe(c->doc, val));
			return;
		}
		const cf_ynode *lo = cf_yaml_child(c->doc, val), *hi = cf_yaml_next(c->doc, lo);
		int bad = cf_ycheck_uint(c, lo, "range lo", 0, UINT64_MAX, &out->lo);
		bad |= cf_ycheck_uint(c, hi, "range hi", 0, UINT64_MAX, &out->hi);
		if (!bad && out->lo > out->hi)
			cf_ycheck_diag(c, CF_ERROR, val, "range-order",
			               "range [%llu, %llu] is empty: lo is greater than hi",
			               (unsigned long long)out->lo, (unsigned long long)out->hi);
	}
	if (v[C_ORIGIN]) {
		const char *file;
		uint32_t line, col;
		if (parse_origin(cc, c, v[C_ORIGIN], &file, &line, &col))
			return;
		if (strcmp(file, inst_file) != 0) {
			cf_ycheck_diag(c, CF_ERROR, v[C_ORIGIN], "bad-origin",
			               "criterion origin names '%s', but its instance is in '%s'",
			               file, inst_file);
			return;
		}
		out->line = line;
		out->col = col;
	}
}

/* ---- tests ---------------------------------------------------------------------- */

static void free_test(cf_rule_test *t)
{
	if (!t->values)
		return;
	for (unsigned i = 0; i < t->field_count; i++)
		free((char *)t->values[i].str);
	free((cf_test_value *)t->values);
}

/* 1 for match, 0 for no-match (or after reporting a bad value). */
static int check_expect(cf_ycheck *c, const cf_ynode *n)
{
	size_t e = 1;
	cf_ycheck_enum(c, n, "expect", expect_names, 2, &e);
	return e == 0;
}

static void parse_test(compiler *cc, cf_ycheck *c, const cf_template *t, const cf_ynode *n,
                       uint32_t id, const char *path)
{
	static const char *const keys[] = {"event", "expect"};
	const cf_ynode *v[2];
	cf_rule_test rt;
	memset(&rt, 0, sizeof rt);
	size_t errors = c->errors;
	cf_ycheck_map(c, n, "test", keys, 2, 0x3, v, NULL);
	if (!t || !v[0] || cf_ycheck_kind(c, v[0], CF_YNODE_MAP, "'event'")) {
		if (v[1])
			check_expect(c, v[1]);
		return;
	}
	cf_test_value *vals = calloc(t->field_count, sizeof *vals);
	if (!vals) {
		nomem(cc);
		return;
	}
	rt.instance_id = id;
	rt.path = path;
	rt.line = n->line;
	rt.col = n->col;
	rt.field_count = t->field_count;
	rt.values = vals;
	for (unsigned i = 0; i < t->field_count; i++)
		vals[i].type = t->fields[i].type;
	const cf_ydoc *d = c->doc;
	for (const cf_ynode *k = cf_yaml_child(d, v[0]); k;
	     k = cf_yaml_next(d, cf_yaml_next(d, k))) {
		int f = field_lookup(c, t, k);
		if (f < 0)
			continue;
		const cf_ynode *val = cf_yaml_next(d, k);
		const char *name = t->fields[f].name;
		cf_test_value *tv = &vals[f];
		if (tv->type == CF_TYPE_STRING) {
			const char *s;
			size_t len;
			if (cf_ycheck_str(c, val, name, &s, &len))
				continue;
			char *copy = malloc(len + 1);
			if (!copy) {
				nomem(cc);
				goto out;
			}
			memcpy(copy, s, len + 1);
			tv->str = copy;
			tv->str_len = len;
		} else if (tv->type == CF_TYPE_UINT) {
			if (cf_ycheck_uint(c, val, name, 0, UINT64_MAX, &tv->num))
				continue;
		} else {
			int b;
			if (cf_ycheck_bool(c, val, name, &b))
				continue;
			tv->num = (uint64_t)b;
		}
		tv->present = 1;
	}
	if (v[1])
		rt.expect_match = check_expect(c, v[1]);
	if (c->errors != errors)
		goto out;
	cf_compile_result *r = cc->res;
	if (grow((void **)&r->tests, &r->tests_cap, r->ntests + 1, sizeof *r->tests)) {
		nomem(cc);
		goto out;
	}
	r->tests[r->ntests++] = rt;
	rt.values = NULL;
out:
	free_test(&rt);
}

/* ---- instances ------------------------------------------------------------------ */

enum { I_ID, I_NAME, I_ACTION, I_SEVERITY, I_MATCH, I_TESTS, I_ORIGIN, NIKEYS };
static const char *const inst_keys[NIKEYS] = {"id",    "name",  "action", "severity",
                                              "match", "tests", "origin"};

static void parse_instance(compiler *cc, cf_ycheck *c, size_t si, const cf_ynode *n)
{
	source *s = &cc->srcs[si];
	const cf_template *t = s->tpl;
	const cf_ynode *v[NIKEYS];
	size_t errors = c->errors;
	uint64_t id = 0;
	inst in;
	memset(&in, 0, sizeof in);
	in.src = si;
	in.file = s->path;
	in.line = n->line;
	in.col = n->col;
	in.action = CF_ACTION_DETECT;
	in.severity = CF_SEVERITY_MEDIUM;
	if (cf_ycheck_map(c, n, "instance", inst_keys, NIKEYS, 1u << I_ID, v, NULL) &&
	    n->kind != CF_YNODE_MAP)
		return;
	if (v[I_ID] && cf_ycheck_uint(c, v[I_ID], "id", 1, UINT32_MAX, &id) == 0) {
		in.id = (uint32_t)id;
		in.where = *v[I_ID];
	}
	if (v[I_NAME]) {
		size_t len;
		if (cf_ycheck_str(c, v[I_NAME], "name", &in.name, &len) == 0 && len == 0)
			cf_ycheck_diag(c, CF_ERROR, v[I_NAME], "bad-value",
			               "'name' must not be empty; leave it out instead");
	}
	size_t e;
	if (v[I_ACTION] && cf_ycheck_enum(c, v[I_ACTION], "action", action_names, 3, &e) == 0)
		in.action = (uint8_t)cf_action_parse(action_names[e]);
	if (v[I_SEVERITY] &&
	    cf_ycheck_enum(c, v[I_SEVERITY], "severity", severity_names, 5, &e) == 0)
		in.severity = (uint8_t)cf_severity_parse(severity_names[e]);
	if (v[I_ORIGIN])
		parse_origin(cc, c, v[I_ORIGIN], &in.file, &in.line, &in.col);
	if (cc->fatal)
		return;
	if (t) {
		cf_build_criterion *crit = cc->scratch;
		memset(crit, 0, t->field_count * sizeof *crit);
		for (unsigned f = 0; f < t->field_count; f++)
			crit[f].kind = CF_CRIT_ANY;
		const cf_ynode *m = v[I_MATCH];
		if (m && cf_ycheck_kind(c, m, CF_YNODE_MAP, "'match'") == 0) {
			const cf_ydoc *d = c->doc;
			for (const cf_ynode *k = cf_yaml_child(d, m); k;
			     k = cf_yaml_next(d, cf_yaml_next(d, k))) {
				int f = field_lookup(c, t, k);
				if (f >= 0)
					parse_criterion(cc, c, t, (unsigned)f, cf_yaml_next(d, k),
					                in.file, &crit[f]);
			}
		}
	}
	const cf_ynode *tests = v[I_TESTS];
	if (tests && cf_ycheck_kind(c, tests, CF_YNODE_SEQ, "'tests'") == 0)
		for (const cf_ynode *it = cf_yaml_child(c->doc, tests); it;
		     it = cf_yaml_next(c->doc, it))
			parse_test(cc, c, t, it, in.id, s->path);
	if (cc->fatal || in.id == 0)
		return;
	/* An instance with errors is still listed, without criteria, so that
	 * check_ids() sees its id: a duplicate id is reported whatever else
	 * is wrong with either copy. Nothing is built once there is an error. */
	int ok = c->errors == errors && t;
	if (grow((void **)&cc->insts, &cc->insts_cap, cc->ninsts + 1, sizeof *cc->insts) ||
	    (ok && grow((void **)&cc->crits, &cc->crits_cap, cc->ncrits + t->field_count,
	                sizeof *cc->crits))) {
		nomem(cc);
		return;
	}
	in.crit = cc->ncrits;
	if (!ok) {
		cc->insts[cc->ninsts++] = in;
		return;
	}
	/* Keep only the criteria that are not wildcards: most fields of most
	 * instances are, and the builder needs nothing for them. */
	for (unsigned f = 0; f < t->field_count; f++) {
		if (cc->scratch[f].kind == CF_CRIT_ANY)
			continue;
		cc->crits[cc->ncrits].c = cc->scratch[f];
		cc->crits[cc->ncrits++].field = f;
		in.ncrit++;
	}
	cc->insts[cc->ninsts++] = in;
}

/* ---- sources -------------------------------------------------------------------- */

enum { S_CHANNEL, S_TEMPLATE, S_VERSION, S_REQUIRES, S_INSTANCES, NSKEYS };
static const char *const source_keys[NSKEYS] = {"channel", "template", "version", "requires_sensor",
                                                "instances"};

static void unknown_template(compiler *cc, cf_ycheck *c, const cf_ynode *n, const char *name)
{
	const cf_template_set *set = cc->opt->templates;
	size_t count = cf_templates_count(set);
	const char **names = calloc(count ? count : 1, sizeof *names);
	if (!names) {
		nomem(cc);
		return;
	}
	for (size_t i = 0; i < count; i++)
		names[i] = cf_templates_get(set, i)->name;
	const char *sug = cf_suggest(name, names, count);
	if (sug)
		cf_ycheck_diag(
		    c, CF_ERROR, n, "template-unknown",
		    "template '%s' is not defined by any -t manifest; did you mean '%s'?", name,
		    sug);
	else
		cf_ycheck_diag(c, CF_ERROR, n, "template-unknown",
		               "template '%s' is not defined by any -t manifest", name);
	free(names);
}

static void check_source(compiler *cc, size_t si)
{
	source *s = &cc->srcs[si];
	cf_ycheck c = {s->doc, cc->diags, 0};
	const cf_ynode *root = cf_yaml_root(s->doc);
	const cf_ynode *v[NSKEYS];
	if (!root) {
		cf_diag_add(cc->diags, CF_ERROR, "wrong-type", s->path, 1, 1,
		            "empty file; a rule source is a mapping");
		cc->errors++;
		return;
	}
	uint32_t required = (1u << S_CHANNEL) | (1u << S_TEMPLATE) | (1u << S_INSTANCES);
	if (!cc->opt->content_version)
		required |= 1u << S_VERSION;
	cf_ycheck_map(&c, root, "rule source", source_keys, NSKEYS, required, v, NULL);
	uint64_t x;
	if (v[S_CHANNEL] && cf_ycheck_uint(&c, v[S_CHANNEL], "channel", 1, UINT32_MAX, &x) == 0) {
		s->channel = (uint32_t)x;
		s->channel_node = v[S_CHANNEL];
	}
	if (v[S_VERSION] && cf_ycheck_uint(&c, v[S_VERSION], "version", 1, INT64_MAX, &x) == 0) {
		s->version = x;
		s->version_node = v[S_VERSION];
	}
	const char *str;
	size_t len;
	if (v[S_TEMPLATE] && cf_ycheck_str(&c, v[S_TEMPLATE], "template", &str, &len) == 0) {
		s->tpl_name = str;
		s->tpl_node = v[S_TEMPLATE];
		s->tpl = cf_templates_find(cc->opt->templates, str);
		if (!s->tpl)
			unknown_template(cc, &c, v[S_TEMPLATE], str);
	}
	if (v[S_REQUIRES] && cf_ycheck_version(&c, v[S_REQUIRES], "requires_sensor",
	                                       "requires_sensor", &str, &len) == 0) {
		s->requires = str;
		s->requires_node = v[S_REQUIRES];
	}
	const cf_ynode *insts = v[S_INSTANCES];
	if (insts && cf_ycheck_kind(&c, insts, CF_YNODE_SEQ, "'instances'") == 0)
		for (const cf_ynode *it = cf_yaml_child(s->doc, insts); it && !cc->fatal;
		     it = cf_yaml_next(s->doc, it))
			parse_instance(cc, &c, si, it);
	cc->errors += c.errors;
}

/* Sources after the first must say what the first says. */
static void check_agreement(compiler *cc)
{
	const source *ref[4] = {NULL, NULL, NULL, NULL};
	for (size_t i = 0; i < cc->nsrcs; i++) {
		const source *s = &cc->srcs[i];
		if (!s->doc)
			continue;
		cf_ycheck c = {s->doc, cc->diags, 0};
		const source *r;
		if (s->channel_node) {
			r = ref[0];
			if (!r)
				ref[0] = s;
			else if (r->channel != s->channel) {
				cf_ycheck_diag(
				    &c, CF_ERROR, s->channel_node, "source-mismatch",
				    "channel %u differs from channel %u in '%s'; the sources "
				    "of one channel must agree",
				    s->channel, r->channel, r->path);
				cf_ycheck c0 = {r->doc, cc->diags, 0};
				cf_ycheck_diag(&c0, CF_NOTE, r->channel_node, NULL,
				               "channel %u given here", r->channel);
			}
		}
		if (s->tpl_node) {
			r = ref[1];
			if (!r)
				ref[1] = s;
			else if (strcmp(r->tpl_name, s->tpl_name) != 0) {
				cf_ycheck_diag(
				    &c, CF_ERROR, s->tpl_node, "source-mismatch",
				    "template '%s' differs from template '%s' in '%s'; the "
				    "sources of one channel must agree",
				    s->tpl_name, r->tpl_name, r->path);
				cf_ycheck c0 = {r->doc, cc->diags, 0};
				cf_ycheck_diag(&c0, CF_NOTE, r->tpl_node, NULL,
				               "template '%s' given here", r->tpl_name);
			}
		}
		if (s->version_node && !cc->opt->content_version) {
			r = ref[2];
			if (!r)
				ref[2] = s;
			else if (r->version != s->version) {
				cf_ycheck_diag(
				    &c, CF_ERROR, s->version_node, "source-mismatch",
				    "version %llu differs from version %llu in '%s'; the "
				    "sources of one channel must agree",
				    (unsigned long long)s->version, (unsigned long long)r->version,
				    r->path);
				cf_ycheck c0 = {r->doc, cc->diags, 0};
				cf_ycheck_diag(&c0, CF_NOTE, r->version_node, NULL,
				               "version %llu given here",
				               (unsigned long long)r->version);
			}
		}
		if (s->requires_node) {
			r = ref[3];
			if (!r)
				ref[3] = s;
			else if (cf_sensor_version_cmp(r->requires, strlen(r->requires),
			                               s->requires, strlen(s->requires)) != 0) {
				cf_ycheck_diag(
				    &c, CF_ERROR, s->requires_node, "source-mismatch",
				    "requires_sensor '%s' differs from '%s' in '%s'; the "
				    "sources of one channel must agree",
				    s->requires, r->requires, r->path);
				cf_ycheck c0 = {r->doc, cc->diags, 0};
				cf_ycheck_diag(&c0, CF_NOTE, r->requires_node, NULL,
				               "requires_sensor '%s' given here", r->requires);
			}
		}
		cc->errors += c.errors;
	}
}

static int inst_cmp(const void *pa, const void *pb)
{
	const inst *a = pa, *b = pb;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	if (a->where.line != b->where.line)
		return a->where.line < b->where.line ? -1 : 1;
	return a->where.col < b->where.col ? -1 : a->where.col > b->where.col;
}

static void check_ids(compiler *cc)
{
	if (cc->ninsts > 1)
		qsort(cc->insts, cc->ninsts, sizeof *cc->insts, inst_cmp);
	size_t g = 0;
	for (size_t i = 1; i < cc->ninsts; i++) {
		if (cc->insts[i].id != cc->insts[g].id) {
			g = i;
			continue;
		}
		const inst *dup = &cc->insts[i], *first = &cc->insts[g];
		cf_ycheck c = {cc->srcs[dup->src].doc, cc->diags, 0};
		cf_ycheck_diag(&c, CF_ERROR, &dup->where, "duplicate-id",
		               "duplicate instance id %u", dup->id);
		cf_ycheck c0 = {cc->srcs[first->src].doc, cc->diags, 0};
		cf_ycheck_diag(&c0, CF_NOTE, &first->where, NULL, "instance %u first defined here",
		               first->id);
		cc->errors += c.errors;
	}
	if (cc->ninsts > CF_MAX_INSTANCES) {
		cf_diag_add(cc->diags, CF_ERROR, "format-limit", cc->srcs[0].path, 0, 0,
		            "%zu instances; a channel file holds at most %u", cc->ninsts,
		            CF_MAX_INSTANCES);
		cc->errors++;
	}
}

/* ---- building ------------------------------------------------------------------- */

static const source *first_with(const compiler *cc, int what)
{
	for (size_t i = 0; i < cc->nsrcs; i++) {
		const source *s = &cc->srcs[i];
		if ((what == 0 && s->channel_node) || (what == 1 && s->tpl) ||
		    (what == 2 && s->version_node) || (what == 3 && s->requires_node))
			return s;
	}
	return NULL;
}

static cf_status build(compiler *cc)
{
	cf_status st = CF_OK;
	cf_builder *b = NULL;
	const source *sc = first_with(cc, 0), *st_ = first_with(cc, 1);
	const source *sv = first_with(cc, 2), *sr = first_with(cc, 3);
	if (!sc || !st_ || (!sv && !cc->opt->content_version))
		return CF_ERR_INTERNAL;
	const cf_template *t = st_->tpl;
	cf_build_header h;
	memset(&h, 0, sizeof h);
	h.channel = sc->channel;
	h.content_version = cc->opt->content_version ? cc->opt->content_version : sv->version;
	h.template_name = t->name;
	h.template_id = t->id;
	h.template_version = t->version;
	memcpy(h.fingerprint, t->fingerprint, CF_FINGERPRINT_SIZE);
	h.requires_sensor = sr ? sr->requires : NULL;
	h.with_source_map = !cc->opt->strip_source;
	b = cf_builder_new(&h);
	if (!b) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	for (unsigned f = 0; f < t->field_count && st == CF_OK; f++)
		st = cf_builder_add_field(b, t->fields[f].name, t->fields[f].type);
	for (size_t i = 0; i < cc->ninsts && st == CF_OK; i++) {
		const inst *in = &cc->insts[i];
		cf_build_instance bi;
		memset(&bi, 0, sizeof bi);
		bi.id = in->id;
		bi.action = in->action;
		bi.severity = in->severity;
		bi.name = in->name;
		if (!cc->opt->strip_source) {
			bi.file = in->file;
			bi.line = in->line;
			bi.col = in->col;
		}
		cf_build_criterion *crit = cc->scratch;
		memset(crit, 0, t->field_count * sizeof *crit);
		for (unsigned f = 0; f < t->field_count; f++)
			crit[f].kind = CF_CRIT_ANY;
		for (size_t k = in->crit; k < in->crit + in->ncrit; k++)
			crit[cc->crits[k].field] = cc->crits[k].c;
		if (cc->opt->strip_source)
			for (unsigned f = 0; f < t->field_count; f++)
				crit[f].line = crit[f].col = 0;
		st = cf_builder_add_instance(b, &bi, crit);
	}
	/* The builder holds copies of everything now: free the sources' text
	 * and the instances before the file is laid out, so that the output
	 * buffer does not come on top of them. */
	for (size_t i = 0; i < cc->nsrcs; i++) {
		cf_yaml_free(cc->srcs[i].doc);
		cc->srcs[i].doc = NULL;
	}
	free(cc->crits);
	cc->crits = NULL;
	cc->ncrits = cc->crits_cap = 0;
	free(cc->insts);
	cc->insts = NULL;
	cc->ninsts = cc->insts_cap = 0;
#ifdef __GLIBC__
	/* glibc keeps freed memory in the middle of its heap; hand the pages
	 * of what was just freed back to the system before the output buffer
	 * is allocated, so that the peak is the builder plus the output. */
	malloc_trim(0);
#endif
	cf_compile_result *r = cc->res;
	if (st == CF_OK)
		st = cf_builder_finish(b, &r->bytes, &r->len);
	if (st == CF_ERR_LIMIT) {
		cf_diag_add(cc->diags, CF_ERROR, "format-limit", sc->path, 0, 0,
		            "the channel file would exceed a limit of the format (format/SPEC.md)");
		st = CF_ERR_REJECTED;
	} else if (st == CF_ERR_INVALID) {
		st = CF_ERR_INTERNAL;
	}
	r->channel = h.channel;
	r->version = h.content_version;
	r->tpl = t;
out:
	cf_builder_free(b);
	return st;
}

/* ---- entry points --------------------------------------------------------------- */

/*
 * Once a source is checked, its instances hold only pointers into the
 * document's scalar pool, and the few nodes later messages point at are
 * copied here: the node tree, the largest part of a parsed document, goes.
 */
static void keep_nodes(source *s)
{
	const cf_ynode **nodes[4] = {&s->channel_node, &s->tpl_node, &s->version_node,
	                             &s->requires_node};
	for (int k = 0; k < 4; k++)
		if (*nodes[k]) {
			s->kept[k] = **nodes[k];
			*nodes[k] = &s->kept[k];
		}
	cf_yaml_drop_nodes(s->doc);
}

/*
 * A source that did not parse as YAML: list the instance ids that can be
 * made out of it (cf_yaml_salvage()), so that check_ids() reports a
 * duplicate whatever else is wrong with either copy. Nothing else is taken
 * from it and nothing is reported about it here: the parse said what is
 * wrong.
 */
static void salvage_ids(compiler *cc, size_t si, const uint8_t *data, size_t len)
{
	source *s = &cc->srcs[si];
	cf_ydoc *doc = NULL;
	cf_status st = cf_yaml_salvage(s->path, data, len, &doc);
	if (st == CF_ERR_NOMEM) {
		nomem(cc);
		return;
	}
	if (st != CF_OK)
		return;
	cf_diag_list *quiet = cf_diags_new();
	if (!quiet) {
		cf_yaml_free(doc);
		nomem(cc);
		return;
	}
	cf_ycheck c = {doc, quiet, 0};
	const cf_ynode *root = cf_yaml_root(doc);
	const cf_ynode *insts = root && root->kind == CF_YNODE_MAP
	                            ? cf_yaml_get(doc, root, "instances")
	                            : NULL;
	for (const cf_ynode *it = insts && insts->kind == CF_YNODE_SEQ ? cf_yaml_child(doc, insts)
	                                                                : NULL;
	     it; it = cf_yaml_next(doc, it)) {
		const cf_ynode *idn = it->kind == CF_YNODE_MAP ? cf_yaml_get(doc, it, "id") : NULL;
		uint64_t id;
		if (!idn || cf_ycheck_uint(&c, idn, "id", 1, UINT32_MAX, &id) != 0)
			continue;
		if (grow((void **)&cc->insts, &cc->insts_cap, cc->ninsts + 1, sizeof *cc->insts)) {
			nomem(cc);
			break;
		}
		inst in;
		memset(&in, 0, sizeof in);
		in.src = si;
		in.file = s->path;
		in.line = it->line;
		in.col = it->col;
		in.id = (uint32_t)id;
		in.where = *idn;
		in.crit = cc->ncrits;
		cc->insts[cc->ninsts++] = in;
	}
	cf_diags_free(quiet);
	/* Diagnostics name the document's path; its nodes are not needed. */
	cf_yaml_drop_nodes(doc);
	s->doc = doc;
}

/* owned: src[i].data was malloc'd for this run and is freed once parsed. */
static cf_status run(compiler *cc, cf_compile_source *src, size_t n, int owned,
                     cf_compile_result **out)
{
	cf_status st = CF_OK;
	for (size_t i = 0; i < n; i++) {
		source *s = &cc->srcs[i];
		s->path = cc->res->paths[i];
		if (!src[i].data) {
			cc->errors++; /* unreadable, already reported */
			continue;
		}
		/* The source map stores the path as UTF-8 text of a bounded
		 * length (format/SPEC.md): say so now, at the file, rather than
		 * fail when the map is built. The rest is still checked. */
		if (!cc->opt->strip_source) {
			size_t plen = strlen(s->path);
			if (!cf_utf8_valid(s->path, plen)) {
				cf_diag_add(cc->diags, CF_ERROR, "source-path", s->path, 0, 0,
				            "the file name is not valid UTF-8, and the source map "
				            "records it as UTF-8; rename the file, or leave the "
				            "source map out (cfc compile --strip-source)");
				cc->errors++;
			} else if (plen > CF_MAX_SOURCE_PATH_LEN) {
				cf_diag_add(cc->diags, CF_ERROR, "source-path", s->path, 0, 0,
				            "the path is %zu bytes, over the source map's %u; use a "
				            "shorter (relative) path, or leave the source map out "
				            "(cfc compile --strip-source)",
				            plen, CF_MAX_SOURCE_PATH_LEN);
				cc->errors++;
			}
		}
		/* One source's diagnostics are collected apart, then handed on
		 * in document order. */
		cf_diag_list *all = cc->diags;
		cc->diags = cf_diags_new();
		if (!cc->diags) {
			cc->diags = all;
			return CF_ERR_NOMEM;
		}
		st = cf_yaml_parse(s->path, src[i].data, src[i].len, cc->diags, &s->doc);
		if (st == CF_ERR_REJECTED)
			salvage_ids(cc, i, src[i].data, src[i].len);
		if (owned) {
			/* Parsed into the document's own pool: the text is not needed. */
			free((void *)src[i].data);
			src[i].data = NULL;
		}
		if (st == CF_OK) {
			check_source(cc, i);
			keep_nodes(s);
		} else if (st != CF_ERR_NOMEM) {
			cc->errors++;
		}
		cf_diags_append_sorted(all, cc->diags);
		cf_diags_free(cc->diags);
		cc->diags = all;
		if (st == CF_ERR_NOMEM)
			return st;
		if (cc->fatal)
			return cc->fatal;
	}
	check_agreement(cc);
	check_ids(cc);
	if (cc->fatal)
		return cc->fatal;
	if (cc->errors || cf_diags_errors(cc->diags))
		return CF_ERR_REJECTED;
	st = build(cc);
	if (st == CF_OK) {
		*out = cc->res;
		cc->res = NULL;
	}
	return st;
}

static cf_status compile(const cf_compile_options *opt, cf_compile_source *src, size_t n, int owned,
                         cf_diag_list *diags, cf_compile_result **out)
{
	cf_status st = CF_OK;
	compiler cc;
	memset(&cc, 0, sizeof cc);
	if (out)
		*out = NULL;
	if (!opt || !opt->templates || !src || n == 0 || !diags || !out ||
	    opt->content_version > INT64_MAX)
		return CF_ERR_INVALID;
	cc.opt = opt;
	cc.diags = diags;
	cc.res = calloc(1, sizeof *cc.res);
	cc.srcs = calloc(n, sizeof *cc.srcs);
	if (!cc.res || !cc.srcs || !(cc.res->paths = calloc(n, sizeof *cc.res->paths))) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		cc.res->paths[i] = cf_strdup(src[i].path ? src[i].path : "-");
		if (!cc.res->paths[i]) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		cc.res->npaths++;
	}
	cc.nsrcs = n;
	st = run(&cc, src, n, owned, out);
out:
	for (size_t i = 0; cc.srcs && i < cc.nsrcs; i++)
		cf_yaml_free(cc.srcs[i].doc);
	free(cc.srcs);
	free(cc.insts);
	free(cc.crits);
	for (size_t i = 0; i < cc.nowned; i++)
		free(cc.owned[i]);
	free(cc.owned);
	cf_compile_result_free(cc.res);
	return st;
}

cf_status cf_compile_files(const cf_compile_options *opt, const char *const *paths, size_t n,
                           cf_diag_list *diags, cf_compile_result **out)
{
	cf_status st = CF_OK;
	int io_failed = 0;
	cf_compile_source *src = NULL;
	if (out)
		*out = NULL;
	if (!paths || n == 0 || !diags || !out)
		return CF_ERR_INVALID;
	src = calloc(n, sizeof *src);
	if (!src)
		return CF_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;
		int err_no = 0;
		src[i].path = paths[i];
		cf_status r = cf_file_read(paths[i], CF_YAML_MAX_SIZE, &buf, &len, &err_no);
		if (r == CF_ERR_NOMEM) {
			st = r;
			goto out;
		}
		if (r == CF_ERR_IO) {
			cf_diag_add(diags, CF_ERROR, NULL, NULL, 0, 0, "cannot open '%s': %s",
			            paths[i], err_no ? strerror(err_no) : "I/O error");
			io_failed = 1;
		} else if (r == CF_ERR_LIMIT) {
			cf_diag_add(diags, CF_ERROR, "yaml-limit", paths[i], 0, 0,
			            "file larger than %zu bytes", CF_YAML_MAX_SIZE);
		}
		src[i].data = buf; /* NULL: reported above, skipped */
		src[i].len = len;
	}
	/* The sources are freed one by one as soon as each is parsed. */
	st = compile(opt, src, n, 1, diags, out);
	if (io_failed && st != CF_ERR_NOMEM) {
		cf_compile_result_free(*out);
		*out = NULL;
		st = CF_ERR_IO;
	}
out:
	for (size_t i = 0; i < n; i++)
		free((uint8_t *)src[i].data);
	free(src);
	return st;
}

cf_status cf_compile_sources(const cf_compile_options *opt, const cf_compile_source *src, size_t n,
                             cf_diag_list *diags, cf_compile_result **out)
{
	if (out)
		*out = NULL;
	if (!src || n == 0)
		return CF_ERR_INVALID;
	/* A shallow copy: run() takes the array as writable, the bytes stay the caller's. */
	cf_compile_source *copy = malloc(n * sizeof *copy);
	if (!copy)
		return CF_ERR_NOMEM;
	memcpy(copy, src, n * sizeof *copy);
	cf_status st = compile(opt, copy, n, 0, diags, out);
	free(copy);
	return st;
}

void cf_compile_result_free(cf_compile_result *r)
{
	if (!r)
		return;
	free(r->bytes);
	for (size_t i = 0; i < r->ntests; i++)
		free_test(&r->tests[i]);
	free(r->tests);
	for (size_t i = 0; i < r->npaths; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r);
}

const uint8_t *cf_compile_result_bytes(const cf_compile_result *r, size_t *len)
{
	if (len)
		*len = r ? r->len : 0;
	return r ? r->bytes : NULL;
}

uint32_t cf_compile_result_channel(const cf_compile_result *r)
{
	return r ? r->channel : 0;
}

uint64_t cf_compile_result_version(const cf_compile_result *r)
{
	return r ? r->version : 0;
}

const cf_template *cf_compile_result_template(const cf_compile_result *r)
{
	return r ? r->tpl : NULL;
}

size_t cf_compile_result_test_count(const cf_compile_result *r)
{
	return r ? r->ntests : 0;
}

const cf_rule_test *cf_compile_result_test(const cf_compile_result *r, size_t i)
{
	return r && i < r->ntests ? &r->tests[i] : NULL;
}

int cf_compile_default_name(uint32_t channel, uint64_t version, char *buf, size_t size)
{
	return snprintf(buf, size, "C-%08u-%08llu.cf", channel, (unsigned long long)version);
}
