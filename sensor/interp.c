/*
 * interp.c - the content interpreter (format/SPEC.md, "Semantics").
 *
 * An event is an input array of the values this build supplies. Every
 * criterion's field index is checked against the array's length here, on
 * every access, although the loader already refused content whose
 * field_count exceeds what the build supplies: an index past the array is
 * an absent value (every non-wildcard criterion fails on it) and is
 * reported as a bounds event. Nothing here allocates: regex match data was
 * allocated per regex at load.
 */
#include <string.h>

#include "sensor/sensor_int.h"

static unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Compare n bytes, exactly or ASCII case-insensitively. 1 when equal. */
static int bytes_eq(const char *a, const char *b, size_t n, int nocase)
{
	if (!nocase)
		return memcmp(a, b, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static void report(cf_sensor *s, const scontent *c, const sinst *in, cf_sensor_report_kind kind,
                   int field, int pcre2_error, cf_sensor_report_fn fn, void *ud)
{
	if (!fn)
		return;
	const stmpl *t = &s->tmpls[c->tmpl];
	cf_sensor_report r;
	r.kind = kind;
	r.channel = c->channel;
	r.content_version = c->version;
	r.template_name = t->def->name;
	r.path = c->path;
	r.instance = in->id;
	r.name = in->name;
	r.action = in->action;
	r.severity = in->severity;
	r.field = field;
	r.field_name =
	    field >= 0 && (unsigned)field < t->def->field_count ? t->def->fields[field].name : NULL;
	r.pcre2_error = pcre2_error;
	fn(ud, &r);
}

/* 1 when the string value of field f (str, len) is pure ASCII; cached
 * in s->ascii for the event being evaluated. */
static int value_ascii(cf_sensor *s, unsigned f, const char *str, size_t len)
{
	if (f < sizeof s->ascii && s->ascii[f])
		return s->ascii[f] == 1;
	uint64_t any = 0;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, str + i, 8);
		any |= w;
	}
	for (; i < len; i++)
		any |= (unsigned char)str[i];
	int ascii = (any & 0x8080808080808080ull) == 0;
	if (f < sizeof s->ascii)
		s->ascii[f] = ascii ? 1 : 2;
	return ascii;
}

/* One criterion against the input array vals[0..n). 1 match, 0 not. */
static int crit_match(cf_sensor *s, const scontent *c, const sinst *in, const scrit *k,
                      const cf_sensor_value *vals, size_t n, cf_sensor_report_fn fn, void *ud)
{
	/* The runtime bounds check the July 2024 interpreter lacked. */
	if (k->field >= n) {
		s->stats.bounds_events++;
		report(s, c, in, CF_SENSOR_REPORT_BOUNDS, k->field, 0, fn, ud);
		return 0;
	}
	const cf_sensor_value *v = &vals[k->field];
	if (v->type != k->type)
		return 0; /* absent (or not of the field's type) */
	switch (k->type) {
	case CF_TYPE_UINT:
		if (k->kind == CF_CRIT_EQUALS)
			return v->u == k->lo;
		if (k->kind == CF_CRIT_RANGE)
			return v->u >= k->lo && v->u <= k->hi;
		return 0;
	case CF_TYPE_BOOL:
		return k->kind == CF_CRIT_EQUALS && (v->u != 0) == (k->lo != 0);
	case CF_TYPE_STRING:
		break;
	default:
		return 0;
	}
	const char *str = v->s ? v->s : "";
	size_t len = v->s ? v->len : 0;
	switch (k->kind) {
	case CF_CRIT_EQUALS:
		return len == k->len && bytes_eq(str, k->str, len, k->nocase);
	case CF_CRIT_PREFIX:
		return len >= k->len && bytes_eq(str, k->str, k->len, k->nocase);
	case CF_CRIT_REGEX: {
		/* PCRE2 checks that the subject is UTF-8 on every call; an ASCII
		 * value (checked once per event) is, so it need not. */
		pcre2_match_context *mctx = s->tmpls[c->tmpl].mctx;
		int rc;
		if (value_ascii(s, k->field, str, len))
			rc = k->jit ? pcre2_jit_match(k->re, (PCRE2_SPTR)str, len, 0,
			                              PCRE2_NO_UTF_CHECK, k->md, mctx)
			            : pcre2_match(k->re, (PCRE2_SPTR)str, len, 0,
			                          PCRE2_NO_UTF_CHECK, k->md, mctx);
		else
			rc = pcre2_match(k->re, (PCRE2_SPTR)str, len, 0, 0, k->md, mctx);
		if (rc >= 0)
			return 1;
		if (rc == PCRE2_ERROR_NOMATCH)
			return 0;
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
		    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
			s->stats.limit_hits++;
			report(s, c, in, CF_SENSOR_REPORT_LIMIT, k->field, rc, fn, ud);
			return 0;
		}
		/* Invalid UTF-8 in the subject and the like: no match. */
		s->stats.regex_errors++;
		return 0;
	}
	default:
		return 0;
	}
}

/* One instance: the AND of its criteria, in order, stopping at the first
 * that fails. 1 when it matched (and was reported). */
static int inst_eval(cf_sensor *s, const scontent *c, const sinst *in, const cf_sensor_value *vals,
                     size_t n, cf_sensor_report_fn fn, void *ud)
{
	for (uint32_t j = 0; j < in->count; j++)
		if (!crit_match(s, c, in, &c->crits[in->first + j], vals, n, fn, ud))
			return 0;
	s->stats.matches++;
	report(s, c, in, CF_SENSOR_REPORT_MATCH, -1, 0, fn, ud);
	return 1;
}

long cf_sensor_eval(cf_sensor *s, int tmpl, const cf_sensor_value *values, size_t nvalues,
                    cf_sensor_report_fn fn, void *ud)
{
	if (!s || tmpl < 0 || (size_t)tmpl >= s->ntmpl || (!values && nvalues) || s->in_eval)
		return -1;
	s->in_eval = 1;
	/* Never look past what the caller passed nor past what this build supplies. */
	size_t n = nvalues < s->tmpls[tmpl].supplied ? nvalues : s->tmpls[tmpl].supplied;
	long matches = 0;
	s->stats.events++;
	memset(s->ascii, 0, n < sizeof s->ascii ? n : sizeof s->ascii);
	for (size_t ci = 0; ci < s->nactive; ci++) {
		const scontent *c = s->active[ci];
		if (c->tmpl != tmpl)
			continue;
		if (n < c->maxfield) {
			/* Some criterion reads past the array (content that bypassed
			 * the loader, or a caller that passed fewer values): every
			 * instance, so that each bounds event is reported. */
			for (uint32_t i = 0; i < c->ninst; i++)
				matches += inst_eval(s, c, &c->insts[i], values, n, fn, ud);
			continue;
		}
		/* Only the instances the index says can match, in ascending order. */
		cf_sensor_index_candidates(c, values, c->cand);
		for (uint32_t w = 0; w < c->nwords; w++) {
			for (uint64_t bits = c->cand[w]; bits; bits &= bits - 1) {
				uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(bits);
				matches += inst_eval(s, c, &c->insts[i], values, n, fn, ud);
			}
		}
	}
	s->in_eval = 0;
	return matches;
}

const char *cf_sensor_limit_name(int pcre2_error)
{
	switch (pcre2_error) {
	case PCRE2_ERROR_MATCHLIMIT:
		return "match limit";
	case PCRE2_ERROR_DEPTHLIMIT:
		return "depth limit";
	case PCRE2_ERROR_HEAPLIMIT:
		return "heap limit";
	case PCRE2_ERROR_JIT_STACKLIMIT:
		return "JIT stack limit";
	default:
		return "limit";
	}
}
