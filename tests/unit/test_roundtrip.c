/*
 * test_roundtrip.c - the property the strict verifier exists for: every
 * channel file it accepts is one `cfc compile` writes, so `cfc dump` then
 * `cfc compile` gives the same bytes back.
 *
 * The samples (samples/rules against samples/templates, with and without a
 * source map) are mutated systematically: single bytes (bit flips, 0, 0xff,
 * +1, -1, case), aligned 16-, 32- and 64-bit values (0, 1, +1, -1, max),
 * and whole criteria copied to the neighbouring instances; see mutate_all()
 * for how strings, locations and repeated wildcards are thinned to keep the
 * run short. Each mutant gets its checksum recomputed. Every mutant the verifier accepts is dumped
 * to YAML and compiled back, against the sample manifest when its template matches the file's
 * header, else against a manifest written from the header; the bytes must be the same.
 *
 * A mutant whose header fingerprint is not the hash of its own template
 * fields cannot come back (no manifest has that fingerprint and those
 * fields): it is counted, and the same mutant with its fingerprint
 * recomputed is tried instead, against a manifest written from its header.
 * A mutant whose regex PCRE2 rejects cannot compile: the verifier is the C
 * library only and leaves regex syntax to lint (regex-invalid); counted.
 * Everything else must round-trip, and the count of mutants that did must be
 * large.
 *
 * Also the words a user meets in the field-count finding: its article and
 * plurals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cf/base.h>
#include <cf/compile.h>
#include <cf/format.h>
#include <cf/lint.h>
#include <cf/template.h>
#include "testenv.h"
#include "format/format_int.h"

#define TEMPLATES "samples/templates"

typedef struct counts {
	size_t tried;       /* mutants made */
	size_t rejected;    /* the verifier said no */
	size_t checked;     /* accepted, dumped, compiled back: the same bytes */
	size_t synthesized; /* of those, against a manifest written from the header */
	size_t fingerprint; /* accepted, fingerprint not its fields' hash (repaired copy tried) */
	size_t regex;       /* accepted, PCRE2 rejects a regex */
} counts;

typedef struct ctx {
	const cf_template_set *samples;
	const char *base; /* which sample, for messages */
	counts n;
	size_t seen; /* mutants made, of which every testenv_stride()th is tried */
} ctx;

static void fix_crc(uint8_t *buf, size_t len)
{
	st32(buf + len - 4, cf_crc32c(buf, len - 4));
}

/* The fingerprint of the template the file's own header and fields name. */
static void own_fingerprint(const cf_view *v, uint8_t out[CF_FINGERPRINT_SIZE])
{
	cf_fp_field fields[CF_MAX_FIELDS];
	for (unsigned f = 0; f < v->hdr.field_count; f++) {
		cf_str name;
		cf_view_field(v, f, &name, &fields[f].type);
		fields[f].name = name.ptr;
	}
	assert_int_equal(cf_template_fingerprint(v->hdr.template_name.ptr, v->hdr.template_id,
	                                         v->hdr.template_version, fields,
	                                         v->hdr.field_count, out),
	                 CF_OK);
}

/* A manifest for exactly the file's template, loaded into a new set. */
static cf_template_set *manifest_from_header(const cf_view *v)
{
	static char text[64 * 1024];
	const cf_header *h = &v->hdr;
	int n = snprintf(text, sizeof text, "template: '%s'\nid: %u\nversion: %u\nfields:\n",
	                 h->template_name.ptr, h->template_id, h->template_version);
	for (unsigned f = 0; f < h->field_count; f++) {
		cf_str name;
		uint8_t type;
		cf_view_field(v, f, &name, &type);
		n += snprintf(text + n, sizeof text - (size_t)n, "  - {name: '%s', type: %s}\n",
		              name.ptr, cf_field_type_name(type));
	}
	n += snprintf(text + n, sizeof text - (size_t)n,
	              "sensors:\n  - {version: \"1\", supplies: %u}\n"
	              "regex: {max_length: %u, match_limit: 100000}\n",
	              h->field_count, CF_MAX_STRING_LEN);
	assert_true(n > 0 && (size_t)n < sizeof text);
	cf_template_set *set = cf_templates_new();
	cf_diag_list *d = cf_diags_new();
	assert_non_null(set);
	assert_non_null(d);
	if (cf_templates_load_buffer(set, "from-header.yaml", (const uint8_t *)text, (size_t)n,
	                             d) != CF_OK) {
		for (size_t i = 0; i < cf_diags_count(d); i++)
			fprintf(stderr, "%s\n", cf_diags_get(d, i)->message);
		fail_msg("the manifest written from the header does not load:\n%s", text);
	}
	cf_diags_free(d);
	return set;
}

static void print_diags(const cf_diag_list *d)
{
	for (size_t i = 0; i < cf_diags_count(d); i++) {
		const cf_diag *g = cf_diags_get(d, i);
		fprintf(stderr, "  %s:%u:%u: %s [%s]\n", g->path ? g->path : "", g->line, g->col,
		        g->message, g->code ? g->code : "");
	}
}

/* Only errors PCRE2 raises about a regex (the verifier cannot see them). */
static int only_regex_errors(const cf_diag_list *d)
{
	size_t n = 0;
	for (size_t i = 0; i < cf_diags_count(d); i++) {
		const cf_diag *g = cf_diags_get(d, i);
		if (g->severity != CF_ERROR)
			continue;
		if (!g->code || strcmp(g->code, "regex-invalid") != 0)
			return 0;
		n++;
	}
	return n > 0;
}

/* Dump the verified file, compile the dump back, compare. */
static void round_trip(ctx *c, const uint8_t *buf, size_t len, const cf_view *v, const char *what,
                       int synthesize)
{
	cf_template_set *own = synthesize ? manifest_from_header(v) : NULL;
	char *yaml = NULL;
	size_t ylen = 0;
	assert_int_equal(cf_dump_yaml(v, &yaml, &ylen), CF_OK);
	cf_compile_options opt;
	memset(&opt, 0, sizeof opt);
	opt.templates = own ? own : c->samples;
	opt.strip_source = !v->hdr.has_source_map;
	cf_compile_source src = {"dump.yaml", (const uint8_t *)yaml, ylen};
	cf_diag_list *d = cf_diags_new();
	assert_non_null(d);
	cf_compile_result *r = NULL;
	cf_status st = cf_compile_sources(&opt, &src, 1, d, &r);
	if (st == CF_ERR_REJECTED && only_regex_errors(d)) {
		c->n.regex++;
	} else if (st != CF_OK) {
		print_diags(d);
		fail_msg("%s, %s: the dump does not compile (%s):\n%s", c->base, what,
		         cf_strerror(st), yaml);
	} else {
		size_t len2;
		const uint8_t *again = cf_compile_result_bytes(r, &len2);
		if (len2 != len || memcmp(again, buf, len) != 0) {
			size_t k = 0;
			while (k < len && k < len2 && again[k] == buf[k])
				k++;
			fail_msg("%s, %s: dump then compile gives other bytes (%zu vs %zu, first "
			         "difference at 0x%zx):\n%s",
			         c->base, what, len2, len, k, yaml);
		}
		c->n.checked++;
		c->n.synthesized += own != NULL;
	}
	cf_compile_result_free(r);
	cf_diags_free(d);
	free(yaml);
	cf_templates_free(own);
}

/* One mutant (its checksum not fixed yet): verify, and round-trip it if it
 * is accepted. */
static void try_mutant(ctx *c, uint8_t *buf, size_t len, const char *what)
{
	if (c->seen++ % testenv_stride() != 0)
		return;
	c->n.tried++;
	fix_crc(buf, len);
	cf_view v;
	if (cf_verify(buf, len, &v, NULL) != CF_OK) {
		c->n.rejected++;
		return;
	}
	uint8_t fp[CF_FINGERPRINT_SIZE];
	own_fingerprint(&v, fp);
	if (memcmp(fp, v.hdr.fingerprint, CF_FINGERPRINT_SIZE) == 0) {
		const cf_template *t = cf_templates_find(c->samples, v.hdr.template_name.ptr);
		int matches = t && memcmp(t->fingerprint, fp, CF_FINGERPRINT_SIZE) == 0;
		round_trip(c, buf, len, &v, what, !matches);
		return;
	}
	/* No manifest has this fingerprint with these fields: repair the
	 * fingerprint and try that file against a manifest of its own. */
	c->n.fingerprint++;
	uint8_t *fixed = malloc(len);
	assert_non_null(fixed);
	memcpy(fixed, buf, len);
	memcpy(fixed + CF_HDR_FINGERPRINT, fp, CF_FINGERPRINT_SIZE);
	fix_crc(fixed, len);
	cf_view fv;
	assert_int_equal(cf_verify(fixed, len, &fv, NULL), CF_OK);
	char what2[160];
	snprintf(what2, sizeof what2, "%s, fingerprint recomputed", what);
	round_trip(c, fixed, len, &fv, what2, 1);
	free(fixed);
}

static uint64_t load_n(const uint8_t *p, unsigned w)
{
	return w == 2 ? ld16(p) : w == 4 ? ld32(p) : ld64(p);
}

static void store_n(uint8_t *p, unsigned w, uint64_t v)
{
	if (w == 2)
		st16(p, (uint16_t)v);
	else if (w == 4)
		st32(p, (uint32_t)v);
	else
		st64(p, v);
}

/*
 * Where a byte is, for choosing how hard to mutate it. Strings and
 * source-map locations take most values, and each accepted mutant costs a
 * compile; the fingerprint's middle bytes add nothing to its ends; a
 * wildcard (24 zero bytes, and 8 in the source map) adds nothing to the
 * first two of its instance.
 */
enum { R_STRUCT, R_SKIP, R_DATA };

/* Index of field f among the wildcards of instance i (0-based), or -1. */
static int wildcard_rank(const cf_view *v, uint32_t i, unsigned f)
{
	cf_criterion c;
	cf_view_criterion(v, i, f, &c);
	if (c.kind != CF_CRIT_ANY)
		return -1;
	int rank = 0;
	for (unsigned g = 0; g < f; g++) {
		cf_view_criterion(v, i, g, &c);
		rank += c.kind == CF_CRIT_ANY;
	}
	return rank;
}

static int region(const cf_view *v, size_t i)
{
	if (i >= CF_HDR_FINGERPRINT + 1 && i < CF_HDR_FINGERPRINT + CF_FINGERPRINT_SIZE - 1)
		return R_SKIP;
	if (i >= v->pool_off && i < v->pool_off + v->pool_len)
		return R_DATA;
	size_t inst_end = v->inst_off + (size_t)v->hdr.instance_count * v->inst_size;
	if (i >= v->inst_off + INSTANCE_HEAD_SIZE && i < inst_end) {
		size_t rel = i - v->inst_off;
		uint32_t n = (uint32_t)(rel / v->inst_size);
		size_t in = rel % v->inst_size;
		if (in >= INSTANCE_HEAD_SIZE &&
		    wildcard_rank(v, n, (unsigned)((in - INSTANCE_HEAD_SIZE) / CRITERION_SIZE)) >=
		        2)
			return R_SKIP;
	}
	size_t smap_end = v->smap_off + (size_t)v->hdr.instance_count * v->smap_size;
	if (v->hdr.has_source_map && i >= v->smap_off && i < smap_end) {
		size_t rel = i - v->smap_off;
		uint32_t n = (uint32_t)(rel / v->smap_size);
		size_t in = rel % v->smap_size;
		if (in >= SMAP_HEAD_SIZE &&
		    wildcard_rank(v, n, (unsigned)((in - SMAP_HEAD_SIZE) / SMAP_CRIT_SIZE)) >= 2)
			return R_SKIP;
		return R_DATA;
	}
	return R_STRUCT;
}

/* All mutations of orig; with strings 0, none in the string pool (a
 * stripped file's strings are its unstripped twin's). */
static void mutate_all(ctx *c, const uint8_t *orig, size_t len, int strings)
{
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	char what[128];
	size_t body = len - 4;
	cf_view v;
	assert_int_equal(cf_verify(orig, len, &v, NULL), CF_OK);

	/*
	 * Single bytes: every value below in the structures. A string byte
	 * changed to another character, or a location to another number, is
	 * accepted almost always, so those bytes get the values that break
	 * them (0, 0xff, the top bit), and every other one of them one of the
	 * remaining values, in turn.
	 */
	for (size_t i = 0; i < body; i++) {
		int r = region(&v, i);
		if (r == R_SKIP || (!strings && r == R_DATA))
			continue;
		uint8_t b = orig[i];
		uint8_t vals[] = {0x00,
		                  0xff,
		                  (uint8_t)(b ^ 0x80),
		                  (uint8_t)(b ^ 0x01),
		                  (uint8_t)(b ^ 0x02),
		                  (uint8_t)(b ^ 0x20),
		                  (uint8_t)(b + 1),
		                  (uint8_t)(b - 1)};
		for (size_t k = 0; k < sizeof vals; k++) {
			if (r == R_DATA && k >= 3 && (i % 2 || k != 3 + i / 2 % 5))
				continue;
			int seen = vals[k] == b;
			for (size_t j = 0; j < k && !seen; j++)
				seen = vals[j] == vals[k];
			if (seen)
				continue;
			memcpy(buf, orig, len);
			buf[i] = vals[k];
			snprintf(what, sizeof what, "byte 0x%zx: 0x%02x -> 0x%02x", i, b, vals[k]);
			try_mutant(c, buf, len, what);
		}
	}

	/* Aligned values in the structures (u16 in the header only): carries
	 * across bytes, zero, one and the maximum. */
	static const unsigned widths[] = {2, 4, 8};
	for (size_t w = 0; w < 3; w++) {
		unsigned width = widths[w];
		uint64_t max = width == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * width)) - 1;
		size_t end = width == 2 ? CF_HEADER_SIZE : body;
		for (size_t i = 0; i + width <= end; i += width) {
			if (region(&v, i) != R_STRUCT || region(&v, i + width - 1) != R_STRUCT)
				continue;
			uint64_t x = load_n(orig + i, width);
			uint64_t vals[] = {0, 1, (x + 1) & max, (x - 1) & max, max};
			for (size_t k = 0; k < 5; k++) {
				int seen = vals[k] == x;
				for (size_t j = 0; j < k && !seen; j++)
					seen = vals[j] == vals[k];
				if (seen)
					continue;
				memcpy(buf, orig, len);
				store_n(buf + i, width, vals[k]);
				snprintf(what, sizeof what, "u%u at 0x%zx: %llu -> %llu", 8 * width,
				         i, (unsigned long long)x, (unsigned long long)vals[k]);
				try_mutant(c, buf, len, what);
			}
		}
	}

	/* Whole criteria (with their source-map locations) copied from an
	 * instance to the next and to the previous one. */
	for (uint32_t from = 0; from < v.hdr.instance_count; from++)
		for (int d = -1; d <= 1; d += 2) {
			if ((d < 0 && from == 0) || (d > 0 && from + 1 == v.hdr.instance_count))
				continue;
			uint32_t to = d < 0 ? from - 1 : from + 1;
			for (unsigned f = 0; f < v.hdr.field_count; f++) {
				size_t a = (size_t)cf_view_instance_offset(&v, from, (int)f);
				size_t b = (size_t)cf_view_instance_offset(&v, to, (int)f);
				if (memcmp(orig + a, orig + b, CRITERION_SIZE) == 0)
					continue;
				memcpy(buf, orig, len);
				memcpy(buf + b, orig + a, CRITERION_SIZE);
				if (v.hdr.has_source_map) {
					size_t la = v.smap_off + from * v.smap_size +
					            SMAP_HEAD_SIZE + f * SMAP_CRIT_SIZE;
					size_t lb = v.smap_off + to * v.smap_size + SMAP_HEAD_SIZE +
					            f * SMAP_CRIT_SIZE;
					memcpy(buf + lb, orig + la, SMAP_CRIT_SIZE);
				}
				snprintf(what, sizeof what,
				         "criterion %u of instance %u copied to instance %u", f + 1,
				         from, to);
				try_mutant(c, buf, len, what);
			}
		}
	free(buf);
}

static cf_template_set *sample_templates(void)
{
	cf_template_set *set = cf_templates_new();
	cf_diag_list *d = cf_diags_new();
	assert_non_null(set);
	assert_non_null(d);
	assert_int_equal(cf_templates_load(set, TEMPLATES, d), CF_OK);
	cf_diags_free(d);
	return set;
}

/* The sample sources, compiled as `cfc compile` would. */
static uint8_t *compile_sample(const cf_template_set *set, const char *const *paths, size_t n,
                               int strip, size_t *len)
{
	cf_compile_options opt;
	memset(&opt, 0, sizeof opt);
	opt.templates = set;
	opt.strip_source = strip;
	cf_diag_list *d = cf_diags_new();
	cf_compile_result *r = NULL;
	assert_int_equal(cf_compile_files(&opt, paths, n, d, &r), CF_OK);
	const uint8_t *bytes = cf_compile_result_bytes(r, len);
	uint8_t *copy = malloc(*len);
	assert_non_null(copy);
	memcpy(copy, bytes, *len);
	cf_compile_result_free(r);
	cf_diags_free(d);
	return copy;
}

static const char *const samples[][2] = {
    {"samples/rules/c291-bad.yaml", NULL},
    {"samples/rules/c291-fixed.yaml", NULL},
    {"samples/rules/dns-tunnel-1.yaml", "samples/rules/dns-tunnel-2.yaml"},
    {"samples/rules/process-lineage.yaml", NULL},
};

static void test_samples_round_trip(void **state)
{
	(void)state;
	cf_template_set *set = sample_templates();
	for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++)
		for (int strip = 0; strip <= 1; strip++) {
			size_t len;
			uint8_t *buf =
			    compile_sample(set, samples[s], samples[s][1] ? 2 : 1, strip, &len);
			ctx c;
			memset(&c, 0, sizeof c);
			c.samples = set;
			c.base = samples[s][0];
			cf_view v;
			assert_int_equal(cf_verify(buf, len, &v, NULL), CF_OK);
			round_trip(&c, buf, len, &v, strip ? "stripped" : "as compiled", 0);
			assert_int_equal(c.n.checked, 1);
			free(buf);
		}
	cf_templates_free(set);
}

static void test_mutants_round_trip(void **state)
{
	(void)state;
	cf_template_set *set = sample_templates();
	counts total;
	memset(&total, 0, sizeof total);
	/* c291-fixed has c291-bad's layout: its unmutated round trip above
	 * is enough. */
	for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++)
		for (int strip = 0; strip <= 1 && s != 1; strip++) {
			size_t len;
			uint8_t *buf =
			    compile_sample(set, samples[s], samples[s][1] ? 2 : 1, strip, &len);
			ctx c;
			memset(&c, 0, sizeof c);
			c.samples = set;
			c.base = samples[s][0];
			mutate_all(&c, buf, len, !strip);
			total.tried += c.n.tried;
			total.rejected += c.n.rejected;
			total.checked += c.n.checked;
			total.synthesized += c.n.synthesized;
			total.fingerprint += c.n.fingerprint;
			total.regex += c.n.regex;
			free(buf);
		}
	printf("mutants: %zu tried, %zu rejected by the verifier, %zu round-tripped (%zu "
	       "against a manifest written from the header); skipped: %zu with a fingerprint "
	       "not of their fields (tried again repaired), %zu with a regex PCRE2 rejects\n",
	       total.tried, total.rejected, total.checked, total.synthesized, total.fingerprint,
	       total.regex);
	/* Every mutant is rejected, round-trips, or is one of the counted kinds
	 * (a repaired fingerprint mutant is checked on its own). */
	assert_int_equal(total.tried, total.rejected + total.checked + total.regex);
	assert_true(total.checked >= 5000 / testenv_stride());
	assert_true(total.synthesized >= 50 / testenv_stride());
	assert_true(total.rejected >= total.tried / 2);
	cf_templates_free(set);
}

/* A Channel 291 shape whose out-of-bounds criterion is an equals: lint
 * names it with the right article ("an equals criterion"). */
static void test_field_count_message_article(void **state)
{
	(void)state;
	cf_template_set *set = sample_templates();
	static const char src[] = "channel: 291\n"
	                          "template: ipc-named-pipe\n"
	                          "version: 1\n"
	                          "instances:\n"
	                          "  - id: 7\n"
	                          "    match:\n"
	                          "      pipe_sddl: {equals: 'D:'}\n";
	cf_compile_options opt;
	memset(&opt, 0, sizeof opt);
	opt.templates = set;
	cf_compile_source s = {"r.yaml", (const uint8_t *)src, sizeof src - 1};
	cf_diag_list *d = cf_diags_new();
	cf_compile_result *r = NULL;
	assert_int_equal(cf_compile_sources(&opt, &s, 1, d, &r), CF_OK);
	cf_diags_free(d);
	size_t len;
	const uint8_t *bytes = cf_compile_result_bytes(r, &len);
	d = cf_diags_new();
	cf_lint_opts lo;
	memset(&lo, 0, sizeof lo);
	lo.errors_only = 1;
	(void)cf_lint_file(set, "r.cf", bytes, len, &lo, d);
	const cf_diag *fc = NULL;
	for (size_t i = 0; i < cf_diags_count(d); i++)
		if (strcmp(cf_diags_get(d, i)->code, "field-count") == 0)
			fc = cf_diags_get(d, i);
	assert_non_null(fc);
	if (!strstr(fc->message, "instance 7 has an equals criterion on field 21 'pipe_sddl'"))
		fail_msg("field-count message: %s", fc->message);
	cf_diags_free(d);
	cf_compile_result_free(r);
	cf_templates_free(set);
}

/* Lint a source compiled against a manifest; the first field-count message. */
static void field_count_message(const char *manifest, const char *source, char *out, size_t cap)
{
	cf_template_set *set = cf_templates_new();
	cf_diag_list *d = cf_diags_new();
	assert_int_equal(
	    cf_templates_load_buffer(set, "t.yaml", (const uint8_t *)manifest, strlen(manifest), d),
	    CF_OK);
	cf_compile_options opt;
	memset(&opt, 0, sizeof opt);
	opt.templates = set;
	cf_compile_source s = {"r.yaml", (const uint8_t *)source, strlen(source)};
	cf_compile_result *r = NULL;
	assert_int_equal(cf_compile_sources(&opt, &s, 1, d, &r), CF_OK);
	cf_diags_free(d);
	size_t len;
	const uint8_t *bytes = cf_compile_result_bytes(r, &len);
	d = cf_diags_new();
	cf_lint_opts lo;
	memset(&lo, 0, sizeof lo);
	lo.errors_only = 1;
	(void)cf_lint_file(set, "r.cf", bytes, len, &lo, d);
	out[0] = 0;
	for (size_t i = 0; i < cf_diags_count(d) && !out[0]; i++)
		if (strcmp(cf_diags_get(d, i)->code, "field-count") == 0)
			snprintf(out, cap, "%s", cf_diags_get(d, i)->message);
	cf_diags_free(d);
	cf_compile_result_free(r);
	cf_templates_free(set);
}

/* One input value, one field: singular nouns. */
static void test_field_count_message_plurals(void **state)
{
	(void)state;
	char msg[512];
	field_count_message("template: t\nid: 1\nversion: 1\n"
	                    "fields:\n  - {name: a, type: string}\n  - {name: b, type: uint}\n"
	                    "sensors:\n  - {version: \"1.0\", supplies: 1}\n",
	                    "channel: 1\ntemplate: t\nversion: 1\n"
	                    "instances:\n  - id: 3\n    match: {b: {range: [1, 2]}}\n",
	                    msg, sizeof msg);
	if (!strstr(msg, "sensor 1.0 supplies 1 input value but the file has 2 fields: instance 3 "
	                 "has a range criterion on field 2 'b'"))
		fail_msg("field-count message: %s", msg);
	field_count_message("template: t\nid: 1\nversion: 1\n"
	                    "fields:\n  - {name: a, type: bool}\n"
	                    "sensors:\n  - {version: \"1.0\", supplies: 0}\n",
	                    "channel: 1\ntemplate: t\nversion: 1\n"
	                    "instances:\n  - id: 3\n    match: {}\n",
	                    msg, sizeof msg);
	if (!strstr(msg, "sensor 1.0 supplies 0 input values but the file has 1 field; field 1 "
	                 "'a' is a wildcard in every instance"))
		fail_msg("field-count message: %s", msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_samples_round_trip),
	    cmocka_unit_test(test_mutants_round_trip),
	    cmocka_unit_test(test_field_count_message_article),
	    cmocka_unit_test(test_field_count_message_plurals),
	};
	return cmocka_run_group_tests_name("roundtrip", tests, NULL, NULL);
}
