/*
 * test_lint.c - every lint code, and the boundaries of the field-count
 * check: supplies == field_count passes, field_count - 1 fails; requires_sensor
 * exactly at a build; --sensor narrowing; latent and non-latent messages.
 *
 * Fixtures are channel files made with the format builder and a template
 * manifest written to a scratch directory and loaded with the real loader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include <cf/lint.h>
#include <cf/template.h>
#include "lint/lint_int.h"

/* Show a diagnostic when a test fails (the library formats, tests print). */
static void print_diag(const cf_diag *d)
{
	char *line = cf_diag_format(d, 0);
	if (line)
		fputs(line, stderr);
	free(line);
}

#define NF 21u

static cf_template_set *g_set;
static char g_dir[64];
static char g_manifest[128];

static const char *field_name(unsigned f, char buf[16])
{
	if (f == 0)
		return "pipe_name";
	if (f == 1)
		return "client_pid";
	if (f == 2)
		return "is_remote";
	if (f == NF - 1)
		return "pipe_sddl";
	snprintf(buf, 16, "f%u", f + 1);
	return buf;
}

static uint8_t field_type(unsigned f)
{
	return f == 1 ? CF_TYPE_UINT : f == 2 ? CF_TYPE_BOOL : CF_TYPE_STRING;
}

static int setup(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof g_dir, "%s/lint-test.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(g_dir))
		return -1;
	snprintf(g_manifest, sizeof g_manifest, "%s/ipc-named-pipe.yaml", g_dir);
	FILE *fp = fopen(g_manifest, "w");
	if (!fp)
		return -1;
	fprintf(fp, "template: ipc-named-pipe\nid: 7\nversion: 3\nfields:\n");
	for (unsigned f = 0; f < NF; f++) {
		char nb[16];
		fprintf(fp, "  - {name: %s, type: %s}\n", field_name(f, nb),
		        cf_field_type_name(field_type(f)));
	}
	fprintf(fp, "sensors:\n"
	            "  - {version: \"7.11.0\", supplies: 20}\n"
	            "  - {version: \"7.16.0\", supplies: 21}\n"
	            "  - {version: \"7.17.0\", supplies: 21}\n"
	            "regex: {max_length: 64, match_limit: 100000}\n");
	fclose(fp);
	g_set = cf_templates_new();
	cf_diag_list *d = cf_diags_new();
	cf_status st = cf_templates_load(g_set, g_manifest, d);
	for (size_t i = 0; i < cf_diags_count(d); i++)
		print_diag(cf_diags_get(d, i));
	cf_diags_free(d);
	return st == CF_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cf_templates_free(g_set);
	unlink(g_manifest);
	rmdir(g_dir);
	return 0;
}

/* ---- Fixture files -------------------------------------------------------- */

typedef struct fx {
	cf_build_header h;
	cf_builder *b;
	unsigned nf;
	uint8_t types[NF];
	uint32_t ninst;
} fx;

/* A file for the test template; bump id/version/field types to mismatch it. */
static void fx_init(fx *x, const char *tname, uint16_t id, uint32_t version, const char *req,
                    int smap)
{
	memset(x, 0, sizeof *x);
	x->nf = NF;
	for (unsigned f = 0; f < NF; f++)
		x->types[f] = field_type(f);
	x->h.channel = 291;
	x->h.content_version = 42;
	x->h.template_name = tname;
	x->h.template_id = id;
	x->h.template_version = version;
	x->h.requires_sensor = req;
	x->h.with_source_map = smap;
}

static void fx_begin(fx *x)
{
	cf_fp_field fields[NF];
	char names[NF][16];
	for (unsigned f = 0; f < x->nf; f++) {
		fields[f].name = field_name(f, names[f]);
		if (fields[f].name != names[f])
			snprintf(names[f], 16, "%s", fields[f].name);
		fields[f].name = names[f];
		fields[f].type = x->types[f];
	}
	assert_int_equal(cf_template_fingerprint(x->h.template_name, x->h.template_id,
	                                         x->h.template_version, fields, x->nf,
	                                         x->h.fingerprint),
	                 CF_OK);
	x->b = cf_builder_new(&x->h);
	assert_non_null(x->b);
	for (unsigned f = 0; f < x->nf; f++)
		assert_int_equal(cf_builder_add_field(x->b, names[f], x->types[f]), CF_OK);
}

static void crit_none(cf_build_criterion *c)
{
	memset(c, 0, NF * sizeof *c);
}

static cf_build_criterion str_c(uint8_t kind, const char *s, int nocase, uint32_t line)
{
	cf_build_criterion c;
	memset(&c, 0, sizeof c);
	c.kind = kind;
	c.str = s;
	c.str_len = strlen(s);
	c.flags = nocase ? CF_CRIT_NOCASE : 0;
	c.line = line;
	c.col = 7;
	return c;
}

static cf_build_criterion uint_c(uint8_t kind, uint64_t lo, uint64_t hi)
{
	cf_build_criterion c;
	memset(&c, 0, sizeof c);
	c.kind = kind;
	c.lo = lo;
	c.hi = hi;
	return c;
}

static void fx_inst(fx *x, uint32_t id, const char *name, uint8_t action,
                    const cf_build_criterion *crit)
{
	cf_build_instance in;
	memset(&in, 0, sizeof in);
	in.id = id;
	in.name = name;
	in.action = action;
	in.severity = CF_SEVERITY_HIGH;
	if (x->h.with_source_map) {
		in.file = "rules/c291.yaml";
		in.line = 10 + x->ninst * 10;
		in.col = 5;
	}
	x->ninst++;
	assert_int_equal(cf_builder_add_instance(x->b, &in, crit), CF_OK);
}

static uint8_t *fx_finish(fx *x, size_t *len)
{
	uint8_t *out = NULL;
	assert_int_equal(cf_builder_finish(x->b, &out, len), CF_OK);
	cf_builder_free(x->b);
	x->b = NULL;
	return out;
}

/* ---- Running the linter --------------------------------------------------- */

static cf_diag_list *lint(const uint8_t *buf, size_t len, const cf_lint_opts *o, cf_status *st)
{
	cf_diag_list *d = cf_diags_new();
	assert_non_null(d);
	cf_status s = cf_lint_file(g_set, "c291.cf", buf, len, o, d);
	if (st)
		*st = s;
	return d;
}

static size_t count(const cf_diag_list *d, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < cf_diags_count(d); i++)
		n += cf_diags_get(d, i)->code && strcmp(cf_diags_get(d, i)->code, code) == 0;
	return n;
}

static const cf_diag *find(const cf_diag_list *d, const char *code)
{
	for (size_t i = 0; i < cf_diags_count(d); i++)
		if (cf_diags_get(d, i)->code && strcmp(cf_diags_get(d, i)->code, code) == 0)
			return cf_diags_get(d, i);
	return NULL;
}

static void dump_diags(const cf_diag_list *d)
{
	for (size_t i = 0; i < cf_diags_count(d); i++)
		print_diag(cf_diags_get(d, i));
}

/* The Channel 291 shape: 1001 wildcards field 21, 1007 constrains it. */
static uint8_t *c291(size_t *len, const char *req, int smap, int bad)
{
	fx x;
	cf_build_criterion c[NF];
	fx_init(&x, "ipc-named-pipe", 7, 3, req, smap);
	fx_begin(&x);
	crit_none(c);
	c[0] = str_c(CF_CRIT_PREFIX, "\\\\.\\pipe\\msagent_", 0, 21);
	fx_inst(&x, 1001, "msagent-pipe", CF_ACTION_DETECT, c);
	crit_none(c);
	c[0] = str_c(CF_CRIT_PREFIX, "\\\\.\\pipe\\postex_", 0, 31);
	if (bad) {
		c[4] = str_c(CF_CRIT_EQUALS, "x", 0, 33);
		c[NF - 1] = str_c(CF_CRIT_PREFIX, "D:(A;;GA;;;WD)", 0, 34);
	}
	fx_inst(&x, 1007, "world-writable-pipe", CF_ACTION_BLOCK, c);
	crit_none(c);
	c[0] = str_c(CF_CRIT_PREFIX, "\\\\.\\pipe\\status_", 0, 41);
	if (bad)
		c[NF - 1] = str_c(CF_CRIT_EQUALS, "D:", 0, 44);
	fx_inst(&x, 1008, "status-pipe", CF_ACTION_DETECT, c);
	return fx_finish(&x, len);
}

/* ---- Field count ----------------------------------------------------------- */

static void test_field_count_names_instance_and_field(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = c291(&len, NULL, 1, 1);
	cf_status st;
	cf_diag_list *d = lint(buf, len, NULL, &st);
	dump_diags(d);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "field-count"), 1);
	assert_int_equal(cf_diags_errors(d), 1);
	const cf_diag *g = find(d, "field-count");
	assert_string_equal(g->sensor, "7.11.0");
	assert_int_equal(g->instance, 1007);
	assert_int_equal(g->field, 20);
	assert_string_equal(g->field_name, "pipe_sddl");
	assert_int_equal(g->channel, 291);
	assert_non_null(strstr(g->message, "sensor 7.11.0 supplies 20"));
	assert_non_null(strstr(g->message, "21 fields"));
	assert_non_null(strstr(g->message, "instance 1007 'world-writable-pipe'"));
	assert_non_null(strstr(g->message, "field 21 'pipe_sddl'"));
	assert_null(strstr(g->message, "latent"));
	/* Located at the criterion in the source. */
	assert_string_equal(g->path, "rules/c291.yaml");
	assert_int_equal(g->line, 34);
	assert_int_equal(g->col, 7);
	cf_diags_free(d);
	free(buf);
}

static void test_field_count_stripped_uses_offset(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = c291(&len, NULL, 0, 1);
	cf_diag_list *d = lint(buf, len, NULL, NULL);
	const cf_diag *g = find(d, "field-count");
	assert_non_null(g);
	assert_string_equal(g->path, "c291.cf");
	assert_true(g->has_offset);
	/* The criterion: instance 1 (1007), field 20 (0-based). */
	cf_view v;
	assert_int_equal(cf_verify(buf, len, &v, NULL), CF_OK);
	assert_int_equal(g->offset, v.inst_off + v.inst_size + 16 + 20 * 24);
	cf_diags_free(d);
	free(buf);
}

static void test_field_count_latent(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = c291(&len, NULL, 0, 0);
	cf_status st;
	cf_diag_list *d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "field-count"), 1);
	const cf_diag *g = find(d, "field-count");
	assert_non_null(strstr(g->message, "latent"));
	assert_non_null(strstr(g->message, "field 21 'pipe_sddl'"));
	assert_string_equal(g->sensor, "7.11.0");
	assert_int_equal(g->instance, 0);
	assert_int_equal(g->field, 20);
	assert_int_equal(g->offset, 0x32);
	cf_diags_free(d);
	free(buf);
}

static void test_requires_sensor_scope(void **state)
{
	(void)state;
	size_t len;
	cf_status st;
	/* Exactly at a build: that build is in scope. */
	uint8_t *buf = c291(&len, "7.11.0", 0, 1);
	cf_diag_list *d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "field-count"), 1);
	cf_diags_free(d);
	free(buf);
	/* Just above it: out of scope; 7.16.0 supplies == field_count passes. */
	buf = c291(&len, "7.11.1", 0, 1);
	d = lint(buf, len, NULL, &st);
	dump_diags(d);
	assert_int_equal(st, CF_OK);
	assert_int_equal(cf_diags_errors(d), 0);
	cf_diags_free(d);
	free(buf);
	buf = c291(&len, "7.16.0", 0, 1);
	d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_OK);
	cf_diags_free(d);
	free(buf);
	/* The newest build exactly: fine; above every build: an error. */
	buf = c291(&len, "7.17.0", 0, 1);
	d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_OK);
	cf_diags_free(d);
	free(buf);
	buf = c291(&len, "7.17.1", 0, 1);
	d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "requires-sensor"), 1);
	assert_int_equal(count(d, "field-count"), 0);
	assert_non_null(strstr(find(d, "requires-sensor")->message, "newest: 7.17.0"));
	cf_diags_free(d);
	free(buf);
}

static void test_sensor_narrowing(void **state)
{
	(void)state;
	size_t len;
	cf_status st;
	uint8_t *buf = c291(&len, NULL, 0, 1);
	cf_lint_opts o;
	memset(&o, 0, sizeof o);
	const char *s16[] = {"7.16.0"};
	o.sensors = s16;
	o.sensor_count = 1;
	cf_diag_list *d = lint(buf, len, &o, &st);
	assert_int_equal(st, CF_OK);
	cf_diags_free(d);
	const char *s11[] = {"7.16.0", "7.11"}; /* 7.11 == 7.11.0 */
	o.sensors = s11;
	o.sensor_count = 2;
	d = lint(buf, len, &o, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "field-count"), 1);
	cf_diags_free(d);
	const char *s12[] = {"7.12.0"};
	o.sensors = s12;
	o.sensor_count = 1;
	d = lint(buf, len, &o, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "sensor-unknown"), 1);
	assert_int_equal(count(d, "field-count"), 0);
	assert_non_null(strstr(find(d, "sensor-unknown")->message, "7.11.0, 7.16.0, 7.17.0"));
	cf_diags_free(d);
	free(buf);
	/* Asked for a build below requires_sensor: a note, not checked. */
	buf = c291(&len, "7.16.0", 0, 1);
	o.sensors = s11 + 1;
	o.sensor_count = 1;
	d = lint(buf, len, &o, &st);
	assert_int_equal(st, CF_OK);
	assert_int_equal(count(d, "sensor-out-of-scope"), 1);
	assert_int_equal(find(d, "sensor-out-of-scope")->severity, CF_NOTE);
	cf_diags_free(d);
	free(buf);
}

/* A template whose sensors supply field_count - 1 and field_count. */
static void test_supplies_boundary(void **state)
{
	(void)state;
	size_t len;
	cf_status st;
	fx x;
	cf_build_criterion c[NF];
	fx_init(&x, "ipc-named-pipe", 7, 3, NULL, 0);
	fx_begin(&x);
	crit_none(c);
	c[19] = str_c(CF_CRIT_EQUALS, "field20", 0, 0); /* index 19 < 20 supplied */
	fx_inst(&x, 1, "ok", CF_ACTION_DETECT, c);
	uint8_t *buf = fx_finish(&x, &len);
	cf_diag_list *d = lint(buf, len, NULL, &st);
	/* 7.11.0 supplies 20 = field_count - 1: still an error (latent). */
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_non_null(strstr(find(d, "field-count")->message, "latent"));
	cf_diags_free(d);
	cf_lint_opts o;
	memset(&o, 0, sizeof o);
	const char *s17[] = {"7.17.0"}; /* supplies 21 == field_count */
	o.sensors = s17;
	o.sensor_count = 1;
	d = lint(buf, len, &o, &st);
	assert_int_equal(st, CF_OK);
	assert_int_equal(cf_diags_count(d), 0);
	cf_diags_free(d);
	free(buf);
}

/* ---- Header ----------------------------------------------------------- */

static void test_template_mismatches(void **state)
{
	(void)state;
	size_t len;
	cf_status st;
	fx x;
	cf_build_criterion c[NF];
	crit_none(c);
	c[0] = str_c(CF_CRIT_EQUALS, "p", 0, 0);

	fx_init(&x, "no-such-template", 99, 1, "7.16.0", 0);
	fx_begin(&x);
	fx_inst(&x, 1, NULL, CF_ACTION_DETECT, c);
	uint8_t *buf = fx_finish(&x, &len);
	cf_diag_list *d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "template-unknown"), 1);
	assert_int_equal(cf_diags_errors(d), 1);
	cf_diags_free(d);
	free(buf);

	fx_init(&x, "ipc-named-pipe", 8, 3, "7.16.0", 0);
	fx_begin(&x);
	fx_inst(&x, 1, NULL, CF_ACTION_DETECT, c);
	buf = fx_finish(&x, &len);
	d = lint(buf, len, NULL, &st);
	assert_int_equal(count(d, "template-id"), 1);
	assert_int_equal(count(d, "template-fingerprint"), 1);
	assert_int_equal(count(d, "template-version"), 0);
	assert_int_equal(count(d, "field-table"), 0);
	assert_int_equal(find(d, "template-id")->offset, 0x30);
	cf_diags_free(d);
	free(buf);

	fx_init(&x, "ipc-named-pipe", 7, 4, "7.16.0", 0);
	fx_begin(&x);
	fx_inst(&x, 1, NULL, CF_ACTION_DETECT, c);
	buf = fx_finish(&x, &len);
	d = lint(buf, len, NULL, &st);
	assert_int_equal(count(d, "template-version"), 1);
	assert_int_equal(count(d, "template-fingerprint"), 1);
	cf_diags_free(d);
	free(buf);

	/* Same name, id and version, but field 2 is a string: only the fingerprint. */
	fx_init(&x, "ipc-named-pipe", 7, 3, "7.16.0", 0);
	x.types[1] = CF_TYPE_STRING;
	fx_begin(&x);
	fx_inst(&x, 1, NULL, CF_ACTION_DETECT, c);
	buf = fx_finish(&x, &len);
	d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(cf_diags_errors(d), 1);
	assert_non_null(strstr(find(d, "template-fingerprint")->message,
	                       "field 2 is 'client_pid' (string) in the file"));
	cf_diags_free(d);
	free(buf);
}

static void test_field_table(void **state)
{
	(void)state;
	size_t len;
	cf_status st;
	fx x;
	cf_build_criterion c[NF];
	crit_none(c);
	c[0] = str_c(CF_CRIT_EQUALS, "p", 0, 0);
	fx_init(&x, "ipc-named-pipe", 7, 3, "7.16.0", 0);
	fx_begin(&x);
	/* The header claims the manifest's fingerprint; the table differs. */
	cf_builder_free(x.b);
	const cf_template *t = cf_templates_find(g_set, "ipc-named-pipe");
	memcpy(x.h.fingerprint, t->fingerprint, CF_FINGERPRINT_SIZE);
	x.b = cf_builder_new(&x.h);
	for (unsigned f = 0; f < NF; f++)
		assert_int_equal(cf_builder_add_field(x.b, f == 3 ? "renamed" : t->fields[f].name,
		                                      t->fields[f].type),
		                 CF_OK);
	fx_inst(&x, 1, NULL, CF_ACTION_DETECT, c);
	uint8_t *buf = fx_finish(&x, &len);
	cf_diag_list *d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "field-table"), 1);
	assert_int_equal(count(d, "template-fingerprint"), 0);
	assert_int_equal(find(d, "field-table")->offset, 0x38);
	cf_diags_free(d);
	free(buf);
}

static void test_format_errors(void **state)
{
	(void)state;
	size_t len;
	cf_status st;
	uint8_t *buf = c291(&len, "7.16.0", 0, 0);
	buf[len - 1] ^= 0xff;
	cf_diag_list *d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "format-checksum"), 1);
	assert_int_equal(cf_diags_count(d), 1);
	cf_diags_free(d);
	d = lint(buf, 40, NULL, &st);
	assert_int_equal(count(d, "format-corrupt"), 1);
	cf_diags_free(d);
	d = lint((const uint8_t *)"template: x\n", 12, NULL, &st);
	assert_int_equal(count(d, "format-magic"), 1);
	assert_int_equal(find(d, "format-magic")->offset, 0);
	cf_diags_free(d);
	buf[8] = 9; /* format version */
	d = lint(buf, len, NULL, &st);
	assert_int_equal(count(d, "format-version"), 1);
	cf_diags_free(d);
	free(buf);
}

/* ---- Instances ------------------------------------------------------------ */

/* One instance per regex (plus a field-1 equals so none is all-wildcard). */
static cf_diag_list *lint_regex(const char *pattern, int nocase, cf_status *st)
{
	size_t len;
	fx x;
	cf_build_criterion c[NF];
	fx_init(&x, "ipc-named-pipe", 7, 3, "7.16.0", 1);
	fx_begin(&x);
	crit_none(c);
	c[3] = str_c(CF_CRIT_REGEX, pattern, nocase, 12);
	fx_inst(&x, 5, "rx", CF_ACTION_DETECT, c);
	uint8_t *buf = fx_finish(&x, &len);
	cf_diag_list *d = lint(buf, len, NULL, st);
	free(buf);
	return d;
}

static void test_regex_errors(void **state)
{
	(void)state;
	cf_status st;
	cf_diag_list *d = lint_regex("^pipe_(", 0, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "regex-invalid"), 1);
	const cf_diag *g = find(d, "regex-invalid");
	assert_non_null(strstr(g->message, "missing closing parenthesis"));
	assert_int_equal(g->line, 12);
	assert_int_equal(g->field, 3);
	assert_string_equal(g->field_name, "f4");
	cf_diags_free(d);
	/* PCRE2 10.42 rejects a lookbehind of unbounded length. */
	d = lint_regex("(?<=a+)b", 0, &st);
	assert_int_equal(count(d, "regex-invalid"), 1);
	cf_diags_free(d);
	/* max_length is 64: 64 passes, 65 fails. */
	char p[66];
	memset(p, 'a', 65);
	p[64] = 0;
	d = lint_regex(p, 0, &st);
	assert_int_equal(st, CF_OK);
	assert_int_equal(count(d, "regex-too-long"), 0);
	cf_diags_free(d);
	p[64] = 'a';
	p[65] = 0;
	d = lint_regex(p, 0, &st);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_int_equal(count(d, "regex-too-long"), 1);
	assert_non_null(strstr(find(d, "regex-too-long")->message, "65 bytes"));
	cf_diags_free(d);
}

static void test_regex_warnings(void **state)
{
	(void)state;
	cf_status st;
	cf_diag_list *d = lint_regex("^(a+)+$", 0, &st);
	assert_int_equal(st, CF_OK);
	assert_int_equal(count(d, "regex-backtracking"), 1);
	assert_non_null(strstr(find(d, "regex-backtracking")->message, "nested quantifiers"));
	cf_diags_free(d);
	static const char *const bad[] = {"(\\w+\\s?)*$", "^(a|aa)+$",     "^\\d+\\d+\\d$",
	                                  ".*.*=.*",      "x(?:a|b|ab)+$", "^(\\d+)*$"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		d = lint_regex(bad[i], 0, &st);
		if (count(d, "regex-backtracking") != 1)
			fail_msg("no backtracking warning for %s", bad[i]);
		cf_diags_free(d);
	}
	static const char *const good[] = {"^\\\\\\\\\\.\\\\pipe\\\\msagent_[0-9a-f]{2}$", "(a+)+",
	                                   "(\\.\\d+)+$", "^(a++)+$", "^(?>a+)+$",
	                                   "^[a-z]+@[a-z]+\\.com$", "\\d+\\d+", "(a|b)+$",
	                                   /* PCRE2 makes the second repeat possessive: */
	                                   "\\d+\\d+x"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		d = lint_regex(good[i], 0, &st);
		if (count(d, "regex-backtracking") != 0)
			fail_msg("false backtracking warning for %s: %s", good[i],
			         find(d, "regex-backtracking")->message);
		cf_diags_free(d);
	}
	d = lint_regex("x*", 0, &st);
	assert_int_equal(count(d, "regex-empty-match"), 1);
	cf_diags_free(d);
	d = lint_regex("^$", 0, &st);
	assert_int_equal(count(d, "regex-empty-match"), 1);
	cf_diags_free(d);
	d = lint_regex("x+", 0, &st);
	assert_int_equal(count(d, "regex-empty-match"), 0);
	cf_diags_free(d);
	d = lint_regex("^\\d+-[0-9]+$", 1, &st);
	assert_int_equal(count(d, "nocase-no-letters"), 1);
	cf_diags_free(d);
	d = lint_regex("^\\d+-pipe$", 1, &st);
	assert_int_equal(count(d, "nocase-no-letters"), 0);
	cf_diags_free(d);
	d = lint_regex("^\\x41$", 1, &st); /* \x41 is 'A' */
	assert_int_equal(count(d, "nocase-no-letters"), 0);
	cf_diags_free(d);
}

static void test_has_letters(void **state)
{
	(void)state;
	assert_false(cf_lint_has_letters("12-34", 5, 0));
	assert_true(cf_lint_has_letters("12a", 3, 0));
	assert_true(cf_lint_has_letters("\xc3\xa9", 2, 0));
	assert_false(cf_lint_has_letters("\\d+\\s*[0-9]", 11, 1));
	assert_false(cf_lint_has_letters("(?<num>\\d+)(?:-)(?i)", 20, 1));
	assert_false(cf_lint_has_letters("[[:digit:]]+", 12, 1));
	assert_true(cf_lint_has_letters("[a-f]", 5, 1));
	assert_true(cf_lint_has_letters("\\Qab\\E", 6, 1));
	assert_true(cf_lint_has_letters("\\p{Lu}", 6, 1));
}

static void test_instance_warnings(void **state)
{
	(void)state;
	size_t len;
	cf_status st;
	fx x;
	cf_build_criterion c[NF];
	fx_init(&x, "ipc-named-pipe", 7, 3, "7.16.0", 1);
	fx_begin(&x);
	crit_none(c);
	fx_inst(&x, 1, "everything", CF_ACTION_LOG, c); /* all wildcards */
	c[0] = str_c(CF_CRIT_PREFIX, "C:\\WINDOWS\\", 1, 0);
	c[1] = uint_c(CF_CRIT_RANGE, 1, 100);
	fx_inst(&x, 2, "broad", CF_ACTION_DETECT, c);
	c[0] = str_c(CF_CRIT_EQUALS, "c:\\windows\\system32\\svchost.exe", 0, 0);
	c[1] = uint_c(CF_CRIT_EQUALS, 50, 0);
	fx_inst(&x, 3, "narrow", CF_ACTION_DETECT, c);      /* shadowed by 2 */
	fx_inst(&x, 4, "narrow-again", CF_ACTION_BLOCK, c); /* duplicate of 3 */
	c[0] = str_c(CF_CRIT_PREFIX, "C:\\Windows\\System", 0, 0);
	fx_inst(&x, 5, NULL, CF_ACTION_DETECT, c); /* shadowed by 2 (nocase prefix) */
	c[0] = str_c(CF_CRIT_PREFIX, "C:\\Windows\\System", 0, 0);
	c[1] = uint_c(CF_CRIT_RANGE, 1, 101);
	fx_inst(&x, 6, NULL, CF_ACTION_DETECT, c); /* range wider than 2's: not shadowed */
	c[0] = str_c(CF_CRIT_EQUALS, "123", 1, 0);
	c[1] = uint_c(CF_CRIT_ANY, 0, 0);
	fx_inst(&x, 7, NULL, CF_ACTION_BLOCK, c); /* nocase-no-letters */
	c[0] = str_c(CF_CRIT_PREFIX, "c:\\windows\\", 0, 0);
	c[1] = uint_c(CF_CRIT_EQUALS, 7, 0);
	fx_inst(&x, 8, NULL, CF_ACTION_LOG, c); /* shadowed by 1 (all-wildcard, log) */
	uint8_t *buf = fx_finish(&x, &len);
	cf_diag_list *d = lint(buf, len, NULL, &st);
	dump_diags(d);
	assert_int_equal(st, CF_OK);
	assert_int_equal(count(d, "all-wildcard"), 1);
	assert_int_equal(find(d, "all-wildcard")->instance, 1);
	assert_int_equal(count(d, "duplicate-instance"), 1);
	assert_int_equal(find(d, "duplicate-instance")->instance, 4);
	assert_int_equal(count(d, "shadowed-instance"), 3);
	assert_int_equal(count(d, "nocase-no-letters"), 1);
	assert_int_equal(find(d, "nocase-no-letters")->instance, 7);
	size_t shadowed = 0;
	for (size_t i = 0; i < cf_diags_count(d); i++) {
		const cf_diag *g = cf_diags_get(d, i);
		if (strcmp(g->code, "shadowed-instance") == 0) {
			assert_true(g->instance == 3 || g->instance == 5 || g->instance == 8);
			shadowed++;
		}
	}
	assert_int_equal(shadowed, 3);
	/* Located at the instance in the source. */
	assert_string_equal(find(d, "duplicate-instance")->path, "rules/c291.yaml");
	assert_int_equal(find(d, "duplicate-instance")->line, 40);
	cf_diags_free(d);

	/* Disabled codes and errors_only. */
	cf_lint_opts o;
	memset(&o, 0, sizeof o);
	const char *off[] = {"all-wildcard", "shadowed-instance"};
	o.disabled = off;
	o.disabled_count = 2;
	d = lint(buf, len, &o, &st);
	assert_int_equal(count(d, "all-wildcard"), 0);
	assert_int_equal(count(d, "shadowed-instance"), 0);
	assert_int_equal(count(d, "duplicate-instance"), 1);
	cf_diags_free(d);
	memset(&o, 0, sizeof o);
	o.errors_only = 1;
	d = lint(buf, len, &o, &st);
	assert_int_equal(cf_diags_count(d), 0);
	cf_diags_free(d);
	free(buf);
}

static void test_regex_shadowing_needs_identical_pattern(void **state)
{
	(void)state;
	size_t len;
	cf_status st;
	fx x;
	cf_build_criterion c[NF];
	fx_init(&x, "ipc-named-pipe", 7, 3, "7.16.0", 0);
	fx_begin(&x);
	crit_none(c);
	c[0] = str_c(CF_CRIT_REGEX, "^a.*", 0, 0);
	fx_inst(&x, 1, NULL, CF_ACTION_DETECT, c);
	c[0] = str_c(CF_CRIT_REGEX, "^ab.*", 0, 0);
	fx_inst(&x, 2, NULL, CF_ACTION_DETECT, c);
	c[0] = str_c(CF_CRIT_REGEX, "^a.*", 0, 0);
	c[2] = uint_c(CF_CRIT_EQUALS, 1, 0);
	fx_inst(&x, 3, NULL, CF_ACTION_DETECT, c);
	uint8_t *buf = fx_finish(&x, &len);
	cf_diag_list *d = lint(buf, len, NULL, &st);
	assert_int_equal(count(d, "shadowed-instance"), 1);
	assert_int_equal(find(d, "shadowed-instance")->instance, 3);
	assert_int_equal(count(d, "duplicate-instance"), 0);
	cf_diags_free(d);
	free(buf);
}

static void test_pairs_at_scale(void **state)
{
	(void)state;
	size_t len;
	cf_status st;
	fx x;
	cf_build_criterion c[NF];
	fx_init(&x, "ipc-named-pipe", 7, 3, "7.16.0", 0);
	fx_begin(&x);
	crit_none(c);
	for (uint32_t i = 1; i <= 20000; i++) {
		c[1] = uint_c(CF_CRIT_EQUALS, 7, 0); /* every one a duplicate of the first */
		fx_inst(&x, i, NULL, CF_ACTION_DETECT, c);
	}
	uint8_t *buf = fx_finish(&x, &len);
	cf_diag_list *d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_OK);
	assert_int_equal(count(d, "pairs-skipped"), 0);
	assert_int_equal(count(d, "duplicate-instance"), 19999);
	cf_diags_free(d);
	free(buf);
}

/* Range-only instances with one action and field set have no key: the
 * comparisons budget ends the pair checks with a note. */
static void test_pairs_budget(void **state)
{
	(void)state;
	size_t len;
	cf_status st;
	fx x;
	cf_build_criterion c[NF];
	fx_init(&x, "ipc-named-pipe", 7, 3, "7.16.0", 0);
	fx_begin(&x);
	crit_none(c);
	for (uint32_t i = 1; i <= 3000; i++) {
		c[1] = uint_c(CF_CRIT_RANGE, 2 * (uint64_t)i, 2 * (uint64_t)i + 1);
		fx_inst(&x, i, NULL, CF_ACTION_DETECT, c);
	}
	uint8_t *buf = fx_finish(&x, &len);
	cf_diag_list *d = lint(buf, len, NULL, &st);
	assert_int_equal(st, CF_OK);
	assert_int_equal(count(d, "pairs-skipped"), 1);
	assert_int_equal(count(d, "shadowed-instance"), 0);
	cf_diags_free(d);
	free(buf);
}

/* ---- Pairs against comparing every pair ------------------------------------ */

typedef struct gcrit {
	uint8_t kind, nocase;
	char s[16];
	uint64_t lo, hi;
} gcrit;

typedef struct ginst {
	uint8_t action;
	gcrit f[4]; /* fields 0 (string), 1 (uint), 2 (bool), 3 (string) */
} ginst;

static uint32_t prnd(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

static unsigned char lc(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
}

static int has_letter(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lc((unsigned char)s[i]) >= 'a' && lc((unsigned char)s[i]) <= 'z')
			return 1;
	return 0;
}

/* docs/lint-codes.md, shadowed-instance: a's criterion covers b's. */
static int ref_covers(const gcrit *a, const gcrit *b, uint8_t type)
{
	if (a->kind == CF_CRIT_ANY)
		return 1;
	if (b->kind == CF_CRIT_ANY)
		return 0;
	if (type == CF_TYPE_UINT) {
		uint64_t ahi = a->kind == CF_CRIT_RANGE ? a->hi : a->lo;
		uint64_t bhi = b->kind == CF_CRIT_RANGE ? b->hi : b->lo;
		return a->lo <= b->lo && bhi <= ahi;
	}
	if (type == CF_TYPE_BOOL)
		return a->kind == b->kind && a->lo == b->lo;
	size_t la = strlen(a->s), lb = strlen(b->s);
	if (a->kind == CF_CRIT_REGEX || b->kind == CF_CRIT_REGEX)
		return a->kind == b->kind && a->nocase == b->nocase && strcmp(a->s, b->s) == 0;
	if (a->kind == CF_CRIT_EQUALS && (b->kind != CF_CRIT_EQUALS || la != lb))
		return 0;
	if (lb < la)
		return 0;
	if (a->nocase) {
		for (size_t k = 0; k < la; k++)
			if (lc((unsigned char)a->s[k]) != lc((unsigned char)b->s[k]))
				return 0;
		return 1;
	}
	return !(b->nocase && has_letter(b->s, la)) && memcmp(a->s, b->s, la) == 0;
}

static int ref_same(const gcrit *a, const gcrit *b, uint8_t type)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind == CF_CRIT_ANY)
		return 1;
	if (type == CF_TYPE_STRING)
		return a->nocase == b->nocase && strcmp(a->s, b->s) == 0;
	if (a->kind == CF_CRIT_RANGE)
		return a->lo == b->lo && a->hi == b->hi;
	return a->lo == b->lo;
}

static const unsigned gfield[4] = {0, 1, 2, 3};

static void test_pairs_differential(void **state)
{
	(void)state;
	enum { N = 1500 };
	static const char *const tok[] = {"a", "A", "b", "ab", "\\"};
	static const char *const res[] = {"a+", "^b", "ab$"};
	ginst *g = calloc(N, sizeof *g);
	assert_non_null(g);
	uint64_t st = 9;
	for (uint32_t i = 0; i < N; i++) {
		g[i].action = prnd(&st) % 2 ? CF_ACTION_DETECT : CF_ACTION_LOG;
		for (unsigned k = 0; k < 4; k++) {
			gcrit *q = &g[i].f[k];
			if (prnd(&st) % 3 == 0)
				continue; /* wildcard */
			uint8_t type = field_type(gfield[k]);
			if (type == CF_TYPE_UINT) {
				q->kind = prnd(&st) % 2 ? CF_CRIT_EQUALS : CF_CRIT_RANGE;
				q->lo = prnd(&st) % 4;
				q->hi = q->kind == CF_CRIT_RANGE ? q->lo + prnd(&st) % 3 : 0;
			} else if (type == CF_TYPE_BOOL) {
				q->kind = CF_CRIT_EQUALS;
				q->lo = prnd(&st) % 2;
			} else {
				unsigned r = prnd(&st) % 5;
				q->kind = r < 2   ? CF_CRIT_EQUALS
				          : r < 4 ? CF_CRIT_PREFIX
				                  : CF_CRIT_REGEX;
				q->nocase = (uint8_t)(prnd(&st) % 2);
				if (q->kind == CF_CRIT_REGEX) {
					snprintf(q->s, sizeof q->s, "%s", res[prnd(&st) % 3]);
				} else {
					unsigned nt = 1 + prnd(&st) % 3;
					for (unsigned t = 0; t < nt; t++)
						strcat(q->s, tok[prnd(&st) % 5]);
				}
			}
		}
	}
	size_t len;
	cf_status s;
	fx x;
	cf_build_criterion c[NF];
	fx_init(&x, "ipc-named-pipe", 7, 3, "7.16.0", 0);
	fx_begin(&x);
	for (uint32_t i = 0; i < N; i++) {
		crit_none(c);
		for (unsigned k = 0; k < 4; k++) {
			const gcrit *q = &g[i].f[k];
			if (q->kind == CF_CRIT_ANY)
				continue;
			if (field_type(gfield[k]) == CF_TYPE_STRING)
				c[gfield[k]] = str_c(q->kind, q->s, q->nocase, 0);
			else
				c[gfield[k]] = uint_c(q->kind, q->lo, q->hi);
		}
		fx_inst(&x, i + 1, NULL, g[i].action, c);
	}
	uint8_t *buf = fx_finish(&x, &len);
	cf_diag_list *d = lint(buf, len, NULL, &s);
	assert_int_equal(s, CF_OK);
	/* The reference: every pair, in file order. */
	size_t want_dup = 0, want_shadow = 0, di = 0;
	for (uint32_t j = 1; j < N; j++) {
		int kind = 0; /* 1 duplicate, 2 shadowed */
		uint32_t by = 0;
		for (uint32_t i = 0; i < j && !kind; i++) {
			unsigned k = 0;
			while (k < 4 && ref_same(&g[i].f[k], &g[j].f[k], field_type(gfield[k])))
				k++;
			if (k == 4)
				kind = 1, by = i;
		}
		for (uint32_t i = 0; i < j && !kind; i++) {
			if (g[i].action != g[j].action)
				continue;
			unsigned k = 0;
			while (k < 4 && ref_covers(&g[i].f[k], &g[j].f[k], field_type(gfield[k])))
				k++;
			if (k == 4)
				kind = 2, by = i;
		}
		if (!kind)
			continue;
		want_dup += kind == 1;
		want_shadow += kind == 2;
		/* the next pair finding must be this one */
		const cf_diag *f = NULL;
		while (di < cf_diags_count(d)) {
			const cf_diag *e = cf_diags_get(d, di++);
			if (e->code && (strcmp(e->code, "duplicate-instance") == 0 ||
			                strcmp(e->code, "shadowed-instance") == 0)) {
				f = e;
				break;
			}
		}
		assert_non_null(f);
		assert_string_equal(f->code,
		                    kind == 1 ? "duplicate-instance" : "shadowed-instance");
		char want[64];
		snprintf(want, sizeof want,
		         kind == 1 ? "as instance %u " : "by instance %u:", by + 1);
		if (f->instance != j + 1 || !strstr(f->message, want))
			fail_msg("instance %u: want '%s', got %u: %s", j + 1, want, f->instance,
			         f->message);
	}
	assert_int_equal(count(d, "duplicate-instance"), want_dup);
	assert_int_equal(count(d, "shadowed-instance"), want_shadow);
	assert_true(want_dup > 10 && want_shadow > 100);
	cf_diags_free(d);
	free(buf);
	free(g);
}

/* ---- Codes and reports -------------------------------------------------- */

static void test_codes_table(void **state)
{
	(void)state;
	size_t n;
	const cf_lint_code *codes = cf_lint_codes(&n);
	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(cf_lint_code_find(codes[i].id), &codes[i]);
		assert_true(strlen(codes[i].summary) > 0 && strlen(codes[i].help) > 0);
	}
	assert_null(cf_lint_code_find("no-such-code"));
	assert_null(cf_lint_code_find(NULL));
	assert_int_equal(cf_lint_code_find("field-count")->severity, CF_ERROR);
	assert_int_equal(cf_lint_code_find("all-wildcard")->severity, CF_WARNING);
}

static void test_reports(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = c291(&len, NULL, 1, 1);
	cf_diag_list *d = lint(buf, len, NULL, NULL);
	uint8_t *buf2 = c291(&len, NULL, 0, 1);
	cf_diag_list *d2 = lint(buf2, len, NULL, NULL);
	cf_lint_result r[2] = {{.path = "c291.cf", .diags = d}, {.path = "stripped.cf", .diags = d2}};
	char *out = NULL;
	assert_int_equal(cf_lint_report_json(r, 2, &out), CF_OK);
	json_error_t je;
	json_t *j = json_loads(out, 0, &je);
	assert_non_null(j);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "summary"), "errors")), 2);
	json_t *f0 = json_array_get(json_object_get(j, "findings"), 0);
	assert_string_equal(json_string_value(json_object_get(f0, "code")), "field-count");
	assert_int_equal(json_integer_value(json_object_get(f0, "field")), 21);
	assert_int_equal(json_integer_value(json_object_get(f0, "instance")), 1007);
	assert_string_equal(json_string_value(json_object_get(f0, "sensor")), "7.11.0");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(f0, "location"), "line")), 34);
	json_t *f1 = json_array_get(json_object_get(j, "findings"), 1);
	assert_true(json_is_integer(json_object_get(json_object_get(f1, "location"), "offset")));
	json_decref(j);
	free(out);

	assert_int_equal(cf_lint_report_sarif(r, 2, &out), CF_OK);
	j = json_loads(out, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "version")), "2.1.0");
	json_t *run = json_array_get(json_object_get(j, "runs"), 0);
	json_t *rules =
	    json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	size_t n;
	cf_lint_codes(&n);
	assert_int_equal(json_array_size(rules), n);
	json_t *res = json_array_get(json_object_get(run, "results"), 0);
	json_int_t idx = json_integer_value(json_object_get(res, "ruleIndex"));
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(rules, (size_t)idx), "id")),
	    "field-count");
	assert_string_equal(json_string_value(json_object_get(res, "level")), "error");
	json_t *region =
	    json_object_get(json_object_get(json_array_get(json_object_get(res, "locations"), 0),
	                                    "physicalLocation"),
	                    "region");
	assert_int_equal(json_integer_value(json_object_get(region, "startLine")), 34);
	json_decref(j);
	free(out);
	cf_diags_free(d);
	cf_diags_free(d2);
	free(buf);
	free(buf2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_field_count_names_instance_and_field),
	    cmocka_unit_test(test_field_count_stripped_uses_offset),
	    cmocka_unit_test(test_field_count_latent),
	    cmocka_unit_test(test_requires_sensor_scope),
	    cmocka_unit_test(test_sensor_narrowing),
	    cmocka_unit_test(test_supplies_boundary),
	    cmocka_unit_test(test_template_mismatches),
	    cmocka_unit_test(test_field_table),
	    cmocka_unit_test(test_format_errors),
	    cmocka_unit_test(test_regex_errors),
	    cmocka_unit_test(test_regex_warnings),
	    cmocka_unit_test(test_has_letters),
	    cmocka_unit_test(test_instance_warnings),
	    cmocka_unit_test(test_regex_shadowing_needs_identical_pattern),
	    cmocka_unit_test(test_pairs_at_scale),
	    cmocka_unit_test(test_pairs_budget),
	    cmocka_unit_test(test_pairs_differential),
	    cmocka_unit_test(test_codes_table),
	    cmocka_unit_test(test_reports),
	};
	return cmocka_run_group_tests_name("lint", tests, setup, teardown);
}
