/*
 * yaml_check.c - the schema layer: typed, located checks on YAML nodes
 * shared by the template loader and the rule compiler (yaml_int.h).
 *
 * Scalars follow the YAML 1.2 core schema, strictly: an integer is a plain
 * scalar of decimal digits with no sign, no leading zeros and nothing after
 * it ("12abc", "1.5", "+3", "0x10" and "007" are all rejected); a quoted
 * "12" is a string, not an integer; a boolean is a plain true or false.
 * A sensor version is text, and a plain one that reads as a number (7.10,
 * 7) is refused: any other YAML tool would see the number 7.1 or 7.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/yaml_int.h"

cf_diag *cf_ycheck_diag(cf_ycheck *c, cf_severity sev, const cf_ynode *n, const char *code,
                        const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cf_diag *d = cf_diag_addv(c->diags, sev, code, cf_yaml_path(c->doc), n ? n->line : 0,
	                          n ? n->col : 0, fmt, ap);
	va_end(ap);
	if (sev == CF_ERROR)
		c->errors++;
	return d;
}

/* "a, b, c" into buf (truncated if it must be). */
static void join_names(char *buf, size_t size, const char *const *names, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

int cf_ycheck_kind(cf_ycheck *c, const cf_ynode *n, int kind, const char *what)
{
	if (n && n->kind == kind)
		return 0;
	cf_ycheck_diag(c, CF_ERROR, n, "wrong-type", "%s must be %s, not %s", what,
	               kind == CF_YNODE_MAP ? "a mapping" : "a sequence",
	               cf_yaml_describe(c->doc, n));
	return -1;
}

int cf_ycheck_map(cf_ycheck *c, const cf_ynode *n, const char *what, const char *const *keys,
                  size_t nkeys, uint32_t required, const cf_ynode **vals, const cf_ynode **knodes)
{
	int bad = 0;
	for (size_t i = 0; i < nkeys; i++) {
		vals[i] = NULL;
		if (knodes)
			knodes[i] = NULL;
	}
	if (cf_ycheck_kind(c, n, CF_YNODE_MAP, what))
		return -1;
	const cf_ydoc *d = c->doc;
	for (const cf_ynode *k = cf_yaml_child(d, n); k; k = cf_yaml_next(d, cf_yaml_next(d, k))) {
		const char *name = cf_yaml_text(d, k);
		size_t i;
		for (i = 0; i < nkeys; i++)
			if (strcmp(name, keys[i]) == 0)
				break;
		if (i < nkeys) {
			vals[i] = cf_yaml_next(d, k);
			if (knodes)
				knodes[i] = k;
			continue;
		}
		bad = 1;
		const char *s = cf_suggest(name, keys, nkeys);
		if (s) {
			cf_ycheck_diag(c, CF_ERROR, k, "unknown-key",
			               "unknown key '%s' in %s; did you mean '%s'?", name, what, s);
		} else {
			char list[512];
			join_names(list, sizeof list, keys, nkeys);
			cf_ycheck_diag(c, CF_ERROR, k, "unknown-key",
			               "unknown key '%s' in %s (expected one of: %s)", name, what,
			               list);
		}
	}
	for (size_t i = 0; i < nkeys && i < 32; i++) {
		if ((required & (1u << i)) && !vals[i]) {
			bad = 1;
			cf_ycheck_diag(c, CF_ERROR, n, "missing-key",
			               "%s is missing required key '%s'", what, keys[i]);
		}
	}
	return bad ? -1 : 0;
}

static int is_scalar(cf_ycheck *c, const cf_ynode *n, const char *what, const char *expected)
{
	if (n && n->kind == CF_YNODE_SCALAR)
		return 1;
	cf_ycheck_diag(c, CF_ERROR, n, "wrong-type", "'%s' must be %s, not %s", what, expected,
	               cf_yaml_describe(c->doc, n));
	return 0;
}

int cf_ycheck_uint(cf_ycheck *c, const cf_ynode *n, const char *what, uint64_t lo, uint64_t hi,
                   uint64_t *out)
{
	if (!is_scalar(c, n, what, "an integer"))
		return -1;
	const char *s = cf_yaml_text(c->doc, n);
	enum cf_yclass cls = cf_yaml_class(c->doc, n);
	int plain = n->style == CF_YSTYLE_PLAIN;
	size_t neg = s[0] == '-';
	size_t digits = strspn(s + neg, "0123456789");
	if (plain && digits > 0 && s[neg + digits] == '\0') {
		if (digits > 1 && s[neg] == '0') {
			cf_ycheck_diag(
			    c, CF_ERROR, n, "int-syntax",
			    "'%s' must be a decimal integer without leading zeros, got '%s'", what,
			    s);
			return -1;
		}
		uint64_t v = 0;
		int overflow = 0;
		for (size_t i = 0; i < digits; i++) {
			unsigned dig = (unsigned)(s[neg + i] - '0');
			if (v > (UINT64_MAX - dig) / 10)
				overflow = 1;
			else
				v = v * 10 + dig;
		}
		if (neg || overflow || v < lo || v > hi) {
			cf_ycheck_diag(c, CF_ERROR, n, "int-range",
			               "'%s' must be between %llu and %llu, got %s", what,
			               (unsigned long long)lo, (unsigned long long)hi, s);
			return -1;
		}
		*out = v;
		return 0;
	}
	if (plain && (cls == CF_YCLASS_INT || cls == CF_YCLASS_FLOAT ||
	              (s[0] >= '0' && s[0] <= '9') || s[0] == '+' || s[0] == '-' || s[0] == '.')) {
		cf_ycheck_diag(c, CF_ERROR, n, "int-syntax",
		               "'%s' must be a decimal integer (digits only), got '%s'", what, s);
		return -1;
	}
	cf_ycheck_diag(c, CF_ERROR, n, "wrong-type", "'%s' must be an integer, not %s", what,
	               cf_yaml_describe(c->doc, n));
	return -1;
}

int cf_ycheck_bool(cf_ycheck *c, const cf_ynode *n, const char *what, int *out)
{
	if (!is_scalar(c, n, what, "true or false"))
		return -1;
	if (cf_yaml_class(c->doc, n) == CF_YCLASS_BOOL) {
		const char *s = cf_yaml_text(c->doc, n);
		*out = s[0] == 't' || s[0] == 'T';
		return 0;
	}
	cf_ycheck_diag(c, CF_ERROR, n, "wrong-type", "'%s' must be true or false, not %s", what,
	               cf_yaml_describe(c->doc, n));
	return -1;
}

int cf_ycheck_str(cf_ycheck *c, const cf_ynode *n, const char *what, const char **s, size_t *len)
{
	if (!is_scalar(c, n, what, "a string"))
		return -1;
	enum cf_yclass cls = cf_yaml_class(c->doc, n);
	if (cls != CF_YCLASS_STRING) {
		if (cls == CF_YCLASS_NULL)
			cf_ycheck_diag(c, CF_ERROR, n, "wrong-type",
			               "'%s' must be a string, not an empty value", what);
		else
			cf_ycheck_diag(c, CF_ERROR, n, "wrong-type",
			               "'%s' must be a string, not %s; quote it: '%s'", what,
			               cf_yaml_describe(c->doc, n), cf_yaml_text(c->doc, n));
		return -1;
	}
	*s = cf_yaml_text(c->doc, n);
	*len = n->count;
	return 0;
}

int cf_ycheck_text(cf_ycheck *c, const cf_ynode *n, const char *what, const char **s, size_t *len)
{
	if (!is_scalar(c, n, what, "a string"))
		return -1;
	if (cf_yaml_class(c->doc, n) == CF_YCLASS_NULL) {
		cf_ycheck_diag(c, CF_ERROR, n, "wrong-type", "'%s' must be a string, not %s", what,
		               cf_yaml_describe(c->doc, n));
		return -1;
	}
	*s = cf_yaml_text(c->doc, n);
	*len = n->count;
	return 0;
}

int cf_ycheck_version(cf_ycheck *c, const cf_ynode *n, const char *key, const char *what,
                      const char **s, size_t *len)
{
	if (cf_ycheck_text(c, n, key, s, len))
		return -1;
	int valid = cf_sensor_version_valid(*s, *len);
	enum cf_yclass cls = cf_yaml_class(c->doc, n);
	if (cls == CF_YCLASS_INT || cls == CF_YCLASS_FLOAT) {
		/* Whatever the text, a YAML tool reads a number: 7.10 becomes 7.1. */
		if (valid)
			cf_ycheck_diag(c, CF_ERROR, n, "version-unquoted",
			               "%s %s is read as a number by YAML; quote it: \"%s\"", what,
			               *s, *s);
		else
			cf_ycheck_diag(c, CF_ERROR, n, "version-unquoted",
			               "%s %s is read as a number by YAML; write a quoted dotted "
			               "decimal such as \"7.16.0\"",
			               what, *s);
		return -1;
	}
	if (!valid) {
		cf_ycheck_diag(c, CF_ERROR, n, "bad-version",
		               "%s '%s' is not a dotted decimal like 7.16.0", what, *s);
		return -1;
	}
	return 0;
}

int cf_ycheck_enum(cf_ycheck *c, const cf_ynode *n, const char *what, const char *const *names,
                   size_t nnames, size_t *out)
{
	const char *s;
	size_t len;
	if (cf_ycheck_str(c, n, what, &s, &len))
		return -1;
	for (size_t i = 0; i < nnames; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	char list[256];
	join_names(list, sizeof list, names, nnames);
	const char *sug = cf_suggest(s, names, nnames);
	if (sug)
		cf_ycheck_diag(c, CF_ERROR, n, "bad-value",
		               "'%s' must be one of %s, not '%s'; did you mean '%s'?", what, list,
		               s, sug);
	else
		cf_ycheck_diag(c, CF_ERROR, n, "bad-value", "'%s' must be one of %s, not '%s'",
		               what, list, s);
	return -1;
}

/* A diagnostic and the notes after it. */
typedef struct diag_group {
	size_t first, count;
	uint32_t line, col;
} diag_group;

static int group_cmp(const void *pa, const void *pb)
{
	const diag_group *a = pa, *b = pb;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static void copy_diag(cf_diag_list *dst, const cf_diag *d)
{
	cf_diag *n;
	if (d->has_offset)
		n = cf_diag_add_offset(dst, d->severity, d->code, d->path, d->offset, "%s",
		                       d->message);
	else
		n = cf_diag_add(dst, d->severity, d->code, d->path, d->line, d->col, "%s",
		                d->message);
	if (n && (d->channel || d->instance || d->field >= 0 || d->field_name || d->sensor))
		cf_diag_set_context(n, d->channel, d->instance, d->field, d->field_name, d->sensor);
}

void cf_diags_append_sorted(cf_diag_list *dst, const cf_diag_list *src)
{
	size_t n = cf_diags_count(src);
	diag_group *g = n ? calloc(n, sizeof *g) : NULL;
	size_t ng = 0;
	if (!g) {
		/* Out of memory (or nothing to do): keep the order they came in. */
		for (size_t i = 0; i < n; i++)
			copy_diag(dst, cf_diags_get(src, i));
		if (cf_diags_oom(src))
			cf_diag_add(dst, CF_ERROR, NULL, NULL, 0, 0,
			            "out of memory: diagnostics were lost");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const cf_diag *d = cf_diags_get(src, i);
		if (d->severity == CF_NOTE && ng > 0) {
			g[ng - 1].count++;
			continue;
		}
		g[ng].first = i;
		g[ng].count = 1;
		g[ng].line = d->line;
		g[ng].col = d->col;
		ng++;
	}
	qsort(g, ng, sizeof *g, group_cmp);
	for (size_t i = 0; i < ng; i++)
		for (size_t j = 0; j < g[i].count; j++)
			copy_diag(dst, cf_diags_get(src, g[i].first + j));
	free(g);
	if (cf_diags_oom(src))
		cf_diag_add(dst, CF_ERROR, NULL, NULL, 0, 0,
		            "out of memory: diagnostics were lost");
}
