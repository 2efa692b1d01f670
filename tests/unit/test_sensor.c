/*
 * test_sensor.c - the reference sensor: the supplied-fields table against
 * the sample manifests, every loader step, the interpreter's semantics per
 * criterion kind, its own bounds check (content that bypasses the loader),
 * regex match limits, last known good, JSON events and rings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfc/cf_template.h"
#include "format/cf_format.h"
#include "sensor/cf_sensor.h"
#include "sensor/sensor_int.h"
#include "signing/cf_sig.h"

#define TEMPLATES "samples/templates"

/* ---- fixtures ------------------------------------------------------------ */

static cf_template_set *templates(void)
{
	cf_template_set *set = cf_templates_new();
	cf_diag_list *d = cf_diags_new();
	assert_non_null(set);
	assert_non_null(d);
	assert_int_equal(cf_templates_load(set, TEMPLATES, d), CF_OK);
	cf_diags_free(d);
	return set;
}

/* One criterion of a test instance: field name, kind, flags, lo, hi, str. */
typedef struct tcrit {
	const char *field;
	uint8_t kind, flags;
	uint64_t lo, hi;
	const char *str;
} tcrit;

typedef struct tinst {
	uint32_t id;
	const char *name;
	tcrit crit[4];
} tinst;

typedef struct tfile {
	const char *tmpl;
	uint32_t channel;
	uint64_t version;
	const char *requires_sensor;
	int bad_fingerprint;
} tfile;

/* A channel file for template f->tmpl with the given instances. */
static uint8_t *build(const cf_template_set *set, const tfile *f, const tinst *insts, size_t n,
                      size_t *len)
{
	const cf_template *t = cf_templates_find(set, f->tmpl);
	assert_non_null(t);
	cf_build_header h;
	memset(&h, 0, sizeof h);
	h.channel = f->channel;
	h.content_version = f->version;
	h.template_name = t->name;
	h.template_id = t->id;
	h.template_version = t->version;
	memcpy(h.fingerprint, t->fingerprint, CF_FINGERPRINT_SIZE);
	if (f->bad_fingerprint)
		h.fingerprint[0] ^= 1;
	h.requires_sensor = f->requires_sensor;
	h.with_source_map = 1;
	cf_builder *b = cf_builder_new(&h);
	assert_non_null(b);
	for (unsigned i = 0; i < t->field_count; i++)
		assert_int_equal(cf_builder_add_field(b, t->fields[i].name, t->fields[i].type),
		                 CF_OK);
	cf_build_criterion *cr = calloc(t->field_count, sizeof *cr);
	assert_non_null(cr);
	for (size_t i = 0; i < n; i++) {
		memset(cr, 0, t->field_count * sizeof *cr);
		for (size_t k = 0; k < 4 && insts[i].crit[k].field; k++) {
			const tcrit *c = &insts[i].crit[k];
			int fi = cf_template_field_index(t, c->field);
			assert_true(fi >= 0);
			cr[fi].kind = c->kind;
			cr[fi].flags = c->flags;
			cr[fi].lo = c->lo;
			cr[fi].hi = c->hi;
			cr[fi].str = c->str;
			cr[fi].str_len = c->str ? strlen(c->str) : 0;
			cr[fi].line = 10 + (uint32_t)i;
			cr[fi].col = 7;
		}
		cf_build_instance bi;
		memset(&bi, 0, sizeof bi);
		bi.id = insts[i].id;
		bi.action = CF_ACTION_DETECT;
		bi.severity = CF_SEVERITY_HIGH;
		bi.name = insts[i].name;
		bi.file = "rules.yaml";
		bi.line = 9 + (uint32_t)i;
		bi.col = 5;
		assert_int_equal(cf_builder_add_instance(b, &bi, cr), CF_OK);
	}
	uint8_t *out = NULL;
	assert_int_equal(cf_builder_finish(b, &out, len), CF_OK);
	cf_builder_free(b);
	free(cr);
	return out;
}

static cf_sensor *sensor(const cf_template_set *set, const char *version)
{
	cf_sensor *s = NULL;
	cf_diag_list *d = cf_diags_new();
	assert_non_null(d);
	assert_int_equal(cf_sensor_new(version, set, &s, d), CF_OK);
	assert_int_equal(cf_diags_errors(d), 0);
	cf_diags_free(d);
	return s;
}

/* Load and return the outcome; the last diagnostic's message into msg. */
static cf_sensor_load_result load(cf_sensor *s, const uint8_t *buf, size_t len, const char *sig,
                                  char *msg, size_t cap)
{
	cf_sensor_load_result r;
	cf_diag_list *d = cf_diags_new();
	assert_non_null(d);
	assert_int_equal(cf_sensor_load(s, "test.cf", buf, len, sig, sig ? strlen(sig) : 0, &r, d),
	                 CF_OK);
	size_t n = cf_diags_count(d);
	assert_true(n >= 1);
	if (msg)
		snprintf(msg, cap, "%s", cf_diags_get(d, n - 1)->message);
	cf_diags_free(d);
	return r;
}

/* Collects the ids of matched instances and the other reports. */
typedef struct hits {
	uint32_t ids[64];
	size_t n;
	size_t limits, bounds;
	int bounds_field;
} hits;

static void collect(void *ud, const cf_sensor_report *r)
{
	hits *h = ud;
	if (r->kind == CF_SENSOR_REPORT_MATCH) {
		if (h->n < 64)
			h->ids[h->n++] = r->instance;
	} else if (r->kind == CF_SENSOR_REPORT_LIMIT) {
		h->limits++;
	} else {
		h->bounds++;
		h->bounds_field = r->field;
	}
}

static int matched(const hits *h, uint32_t id)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->ids[i] == id)
			return 1;
	return 0;
}

static cf_sensor_value str(const char *s)
{
	cf_sensor_value v = {CF_TYPE_STRING, 0, s, strlen(s)};
	return v;
}

static cf_sensor_value uint_(uint64_t u)
{
	cf_sensor_value v = {CF_TYPE_UINT, u, NULL, 0};
	return v;
}

static cf_sensor_value bool_(int b)
{
	cf_sensor_value v = {CF_TYPE_BOOL, b ? 1u : 0u, NULL, 0};
	return v;
}

/* ---- one source of truth -------------------------------------------------- */

static void test_supplied_table_matches_manifests(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	size_t ndefs;
	const cf_sensor_template_def *defs = cf_sensor_template_defs(&ndefs);
	assert_int_equal(cf_templates_count(set), ndefs);
	for (size_t i = 0; i < cf_templates_count(set); i++) {
		const cf_template *t = cf_templates_get(set, i);
		cf_diag_list *d = cf_diags_new();
		cf_status st = cf_sensor_manifest_check(t, d);
		for (size_t k = 0; k < cf_diags_count(d); k++)
			print_message("%s: %s\n", t->path, cf_diags_get(d, k)->message);
		assert_int_equal(st, CF_OK);
		cf_diags_free(d);
	}
	for (size_t i = 0; i < ndefs; i++) {
		const cf_template *t = cf_templates_find(set, defs[i].name);
		assert_non_null(t);
		/* The table's fields give the manifest's fingerprint. */
		cf_fp_field fp[CF_MAX_FIELDS];
		for (unsigned k = 0; k < defs[i].field_count; k++) {
			fp[k].name = defs[i].fields[k].name;
			fp[k].type = defs[i].fields[k].type;
		}
		uint8_t h[CF_FINGERPRINT_SIZE];
		assert_int_equal(cf_template_fingerprint(defs[i].name, defs[i].id, defs[i].version,
		                                         fp, defs[i].field_count, h),
		                 CF_OK);
		assert_memory_equal(h, t->fingerprint, CF_FINGERPRINT_SIZE);
	}
	/* The incident's shape is in the table. */
	const cf_sensor_template_def *ipc = cf_sensor_template_def_find("ipc-named-pipe");
	assert_non_null(ipc);
	assert_int_equal(ipc->field_count, 21);
	assert_int_equal(cf_sensor_def_supplies(ipc, "7.11.0"), 20);
	assert_int_equal(cf_sensor_def_supplies(ipc, "7.16"), 21);
	assert_int_equal(cf_sensor_def_supplies(ipc, "7.12.0"), -1);
	cf_templates_free(set);
}

/* Every kind of drift is caught: supplies, a field's type, order, a build. */
static void test_manifest_drift_detected(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	const cf_template *orig = cf_templates_find(set, "ipc-named-pipe");
	cf_template t = *orig;
	cf_tpl_sensor sensors[8];
	cf_tpl_field fields[CF_MAX_FIELDS];
	memcpy(sensors, orig->sensors, orig->sensor_count * sizeof *sensors);
	memcpy(fields, orig->fields, orig->field_count * sizeof *fields);
	t.sensors = sensors;
	t.fields = fields;
	cf_diag_list *d = cf_diags_new();

	/* The manifest claims 7.11.0 supplies all 21. */
	sensors[0].supplies = 21;
	assert_int_equal(cf_sensor_manifest_check(&t, d), CF_ERR_REJECTED);
	assert_non_null(strstr(cf_diags_get(d, 0)->message, "7.11.0 supplies 21"));
	assert_string_equal(cf_diags_get(d, 0)->code, "manifest-drift");
	sensors[0].supplies = 20;
	assert_int_equal(cf_sensor_manifest_check(&t, d), CF_OK);

	/* A field's type. */
	fields[4].type = CF_TYPE_STRING;
	assert_int_equal(cf_sensor_manifest_check(&t, d), CF_ERR_REJECTED);
	fields[4].type = CF_TYPE_BOOL;
	/* Two fields swapped. */
	cf_tpl_field tmp = fields[0];
	fields[0] = fields[2];
	fields[2] = tmp;
	assert_int_equal(cf_sensor_manifest_check(&t, d), CF_ERR_REJECTED);
	fields[2] = fields[0];
	fields[0] = tmp;
	assert_int_equal(cf_sensor_manifest_check(&t, d), CF_OK);
	/* A build dropped from the manifest, and one the sensor does not know. */
	t.sensor_count = 2;
	assert_int_equal(cf_sensor_manifest_check(&t, d), CF_ERR_REJECTED);
	t.sensor_count = 3;
	char v[] = "7.18.0";
	sensors[2].version = v;
	assert_int_equal(cf_sensor_manifest_check(&t, d), CF_ERR_REJECTED);
	cf_diags_free(d);

	/* A sensor given a drifted manifest refuses the template. */
	d = cf_diags_new();
	cf_sensor *s = NULL;
	const cf_template *pc = cf_templates_find(set, "process-creation");
	((cf_template *)pc)->version = 99;
	assert_int_equal(cf_sensor_new("7.16.0", set, &s, d), CF_OK);
	assert_true(cf_diags_errors(d) >= 1);
	assert_int_equal(cf_sensor_template_index(s, "process-creation"), -1);
	assert_true(cf_sensor_template_index(s, "dns-query") >= 0);
	cf_sensor_free(s);
	cf_diags_free(d);
	cf_templates_free(set);
}

static void test_unknown_build_refused(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_diag_list *d = cf_diags_new();
	cf_sensor *s = NULL;
	assert_int_equal(cf_sensor_new("7.12.0", set, &s, d), CF_ERR_INVALID);
	assert_null(s);
	assert_int_equal(cf_sensor_new("7.x", set, &s, d), CF_ERR_INVALID);
	assert_int_equal(cf_diags_errors(d), 2);
	cf_diags_free(d);
	cf_templates_free(set);
}

/* ---- interpreter semantics ------------------------------------------------- */

static void test_criteria_semantics(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.16.0");
	const tinst insts[] = {
	    {1, "equals", {{"image", CF_CRIT_EQUALS, 0, 0, 0, "C:\\a.exe"}}},
	    {2, "equals-nocase", {{"image", CF_CRIT_EQUALS, CF_CRIT_NOCASE, 0, 0, "c:\\A.EXE"}}},
	    {3, "prefix", {{"command_line", CF_CRIT_PREFIX, 0, 0, 0, "cmd"}}},
	    {4, "prefix-nocase", {{"command_line", CF_CRIT_PREFIX, CF_CRIT_NOCASE, 0, 0, "CMD"}}},
	    {5, "regex", {{"user", CF_CRIT_REGEX, 0, 0, 0, "^corp\\\\[a-z]+$"}}},
	    {6,
	     "regex-nocase",
	     {{"user", CF_CRIT_REGEX, CF_CRIT_NOCASE, 0, 0, "^corp\\\\[a-z]+$"}}},
	    {7, "uint-equals", {{"pid", CF_CRIT_EQUALS, 0, 42, 0, NULL}}},
	    {8, "uint-range", {{"parent_pid", CF_CRIT_RANGE, 0, 10, 20, NULL}}},
	    {9, "bool", {{"is_elevated", CF_CRIT_EQUALS, 0, 1, 0, NULL}}},
	    {10, "wildcards", {{NULL, 0, 0, 0, 0, NULL}}},
	    {11, "empty-equals", {{"signer", CF_CRIT_EQUALS, 0, 0, 0, ""}}},
	    {12,
	     "and",
	     {{"pid", CF_CRIT_EQUALS, 0, 42, 0, NULL},
	      {"is_elevated", CF_CRIT_EQUALS, 0, 0, 0, NULL},
	      {"image", CF_CRIT_REGEX, CF_CRIT_NOCASE, 0, 0, "\\.EXE$"}}},
	    {13, "range-max", {{"session_id", CF_CRIT_RANGE, 0, 0, UINT64_MAX, NULL}}},
	    {14,
	     "utf8-nocase",
	     {{"current_directory", CF_CRIT_REGEX, CF_CRIT_NOCASE, 0, 0, "^\xc3\xa9t\xc3\xa9$"}}},
	};
	tfile f = {"process-creation", 310, 1, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, insts, sizeof insts / sizeof insts[0], &len);
	cf_sensor_load_result r = load(s, buf, len, NULL, NULL, 0);
	assert_int_equal(r.outcome, CF_SENSOR_LOADED);
	assert_int_equal(r.instances, 14);
	int t = cf_sensor_template_index(s, "process-creation");
	assert_true(t >= 0);
	unsigned n = cf_sensor_supplied(s, t);
	assert_int_equal(n, 16);
	cf_sensor_value *v = calloc(n, sizeof *v);
	hits h;

	/* An empty event: only the all-wildcard instance matches (absent fails). */
	memset(&h, 0, sizeof h);
	assert_int_equal(cf_sensor_eval(s, t, v, n, collect, &h), 1);
	assert_true(matched(&h, 10));

	/* Strings. */
	v[0] = str("C:\\a.exe");
	v[1] = str("cmd.exe /c dir");
	v[6] = str("corp\\jdoe");
	v[12] = str("");
	memset(&h, 0, sizeof h);
	cf_sensor_eval(s, t, v, n, collect, &h);
	assert_true(matched(&h, 1) && matched(&h, 2) && matched(&h, 3) && matched(&h, 4));
	assert_true(matched(&h, 5) && matched(&h, 6) && matched(&h, 10) && matched(&h, 11));
	assert_false(matched(&h, 7) || matched(&h, 8) || matched(&h, 9) || matched(&h, 12));

	v[0] = str("C:\\A.EXE");  /* equals is exact; nocase folds ASCII */
	v[1] = str("CMD.exe");    /* prefix exact fails, nocase matches */
	v[6] = str("CORP\\JDOE"); /* regex exact fails, nocase matches */
	v[12] = str("x");
	memset(&h, 0, sizeof h);
	cf_sensor_eval(s, t, v, n, collect, &h);
	assert_false(matched(&h, 1) || matched(&h, 3) || matched(&h, 5) || matched(&h, 11));
	assert_true(matched(&h, 2) && matched(&h, 4) && matched(&h, 6));

	/* Prefix longer than the value; equals of a longer value. */
	v[1] = str("cm");
	v[0] = str("C:\\a.exe2");
	memset(&h, 0, sizeof h);
	cf_sensor_eval(s, t, v, n, collect, &h);
	assert_false(matched(&h, 3) || matched(&h, 4) || matched(&h, 1) || matched(&h, 2));

	/* uint equals and inclusive range bounds; bool; the AND of criteria. */
	v[0] = str("C:\\x.exe");
	v[2] = uint_(42);
	v[5] = uint_(10);
	v[8] = bool_(0);
	v[9] = uint_(UINT64_MAX);
	memset(&h, 0, sizeof h);
	cf_sensor_eval(s, t, v, n, collect, &h);
	assert_true(matched(&h, 7) && matched(&h, 8) && matched(&h, 12) && matched(&h, 13));
	assert_false(matched(&h, 9));
	v[5] = uint_(20);
	v[8] = bool_(1);
	memset(&h, 0, sizeof h);
	cf_sensor_eval(s, t, v, n, collect, &h);
	assert_true(matched(&h, 8) && matched(&h, 9));
	assert_false(matched(&h, 12));
	v[5] = uint_(9);
	memset(&h, 0, sizeof h);
	cf_sensor_eval(s, t, v, n, collect, &h);
	assert_false(matched(&h, 8));
	v[5] = uint_(21);
	memset(&h, 0, sizeof h);
	cf_sensor_eval(s, t, v, n, collect, &h);
	assert_false(matched(&h, 8));

	/* A value of the wrong type is absent. */
	v[2] = str("42");
	memset(&h, 0, sizeof h);
	cf_sensor_eval(s, t, v, n, collect, &h);
	assert_false(matched(&h, 7));

	/* UTF-8 subject, caseless beyond ASCII in the regex (PCRE2_UTF). */
	v[10] = str("\xc3\x89T\xc3\x89");
	memset(&h, 0, sizeof h);
	cf_sensor_eval(s, t, v, n, collect, &h);
	assert_true(matched(&h, 14));
	/* Invalid UTF-8 in a subject: no match, no crash. */
	v[10] = str("\xff\xfe");
	memset(&h, 0, sizeof h);
	cf_sensor_eval(s, t, v, n, collect, &h);
	assert_false(matched(&h, 14));

	cf_sensor_stats st;
	cf_sensor_get_stats(s, &st);
	assert_int_equal(st.bounds_events, 0);
	assert_int_equal(st.limit_hits, 0);
	free(v);
	free(buf);
	cf_sensor_free(s);
	cf_templates_free(set);
}

/* ---- the incident: loader check and the interpreter's own bounds check ---- */

static const tinst c291[] = {
    {1001, "latent", {{"pipe_name", CF_CRIT_REGEX, 0, 0, 0, "msagent_"}}},
    {1007,
     "field-21",
     {{"operation", CF_CRIT_EQUALS, 0, 0, 0, "create"},
      {"pipe_sddl", CF_CRIT_REGEX, 0, 0, 0, "\\(A;;GA;;;WD\\)"}}},
};

static void test_field_count_step(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.11.0");
	tfile f = {"ipc-named-pipe", 291, 42, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, c291, 2, &len);
	char msg[1024];
	cf_sensor_load_result r = load(s, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.outcome, CF_SENSOR_SKIPPED_UNSAFE);
	assert_int_equal(r.step, CF_SENSOR_STEP_FIELD_COUNT);
	assert_int_equal(r.channel, 291);
	assert_non_null(strstr(msg, "field_count 21"));
	assert_non_null(strstr(msg, "supplies only 20"));
	assert_non_null(strstr(msg, "7.11.0"));
	assert_non_null(strstr(msg, "instance 1007 would read field 21 'pipe_sddl'"));
	assert_non_null(strstr(msg, "rules.yaml:11:7"));
	assert_int_equal(cf_sensor_channel_count(s), 0);

	/* Only the latent instance: still refused, and the message says so. */
	free(buf);
	buf = build(set, &f, c291, 1, &len);
	r = load(s, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_FIELD_COUNT);
	assert_non_null(strstr(msg, "latent"));
	cf_sensor_free(s);

	/* 7.16.0 supplies all 21: loads, and the field-21 rule matches. */
	s = sensor(set, "7.16.0");
	free(buf);
	buf = build(set, &f, c291, 2, &len);
	r = load(s, buf, len, NULL, NULL, 0);
	assert_int_equal(r.outcome, CF_SENSOR_LOADED);
	int t = cf_sensor_template_index(s, "ipc-named-pipe");
	cf_sensor_value v[21];
	memset(v, 0, sizeof v);
	v[7] = str("create");
	v[20] = str("D:(A;;GA;;;WD)");
	hits h;
	memset(&h, 0, sizeof h);
	assert_int_equal(cf_sensor_eval(s, t, v, 21, collect, &h), 1);
	assert_true(matched(&h, 1007));
	free(buf);
	cf_sensor_free(s);
	cf_templates_free(set);
}

/*
 * Content that bypasses the loader's field-count check reaches the
 * interpreter, which is handed an input array of exactly the 20 values
 * build 7.11.0 supplies (a heap block of that size: under ASan any read of
 * element 21 would be reported). The criterion on field 21 is absent, the
 * instance does not match, and the access is counted as a bounds event.
 */
static void test_interpreter_bounds_check_without_loader(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.11.0");
	tfile f = {"ipc-named-pipe", 291, 42, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, c291, 2, &len);
	cf_sensor_load_result r;
	cf_diag_list *d = cf_diags_new();
	assert_int_equal(cf_sensor_load_unchecked(s, "crafted.cf", buf, len, &r, d), CF_OK);
	assert_int_equal(r.outcome, CF_SENSOR_LOADED);
	cf_diags_free(d);

	int t = cf_sensor_template_index(s, "ipc-named-pipe");
	assert_int_equal(cf_sensor_supplied(s, t), 20);
	cf_sensor_value *v = calloc(20, sizeof *v);
	assert_non_null(v);
	v[0] = str("\\\\.\\pipe\\msagent_4f");
	v[7] = str("create");
	hits h;
	memset(&h, 0, sizeof h);
	h.bounds_field = -1;
	assert_int_equal(cf_sensor_eval(s, t, v, 20, collect, &h), 1);
	assert_true(matched(&h, 1001));  /* wildcard on field 21: fine */
	assert_false(matched(&h, 1007)); /* pipe_sddl absent */
	assert_int_equal(h.bounds, 1);
	assert_int_equal(h.bounds_field, 20);

	/* Claiming more values than the build supplies changes nothing: the
	 * interpreter never looks past what 7.11.0 supplies. */
	memset(&h, 0, sizeof h);
	assert_int_equal(cf_sensor_eval(s, t, v, 21, collect, &h), 1);
	assert_int_equal(h.bounds, 1);
	/* A shorter array than supplied: the check uses the caller's length. */
	memset(&h, 0, sizeof h);
	assert_int_equal(cf_sensor_eval(s, t, v, 1, collect, &h), 1);
	assert_int_equal(h.bounds, 1); /* operation (field 8) past a 1-value array */
	memset(&h, 0, sizeof h);
	assert_int_equal(cf_sensor_eval(s, t, NULL, 0, collect, &h), 0);
	assert_int_equal(h.bounds, 2);

	cf_sensor_stats st;
	cf_sensor_get_stats(s, &st);
	assert_int_equal(st.bounds_events, 5);
	free(v);
	free(buf);
	cf_sensor_free(s);
	cf_templates_free(set);
}

/* ---- regex limits ------------------------------------------------------------ */

static void test_match_limit_counted(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.16.0");
	const tinst insts[] = {
	    {1, "catastrophic", {{"query_name", CF_CRIT_REGEX, 0, 0, 0, "^(a+)+$"}}},
	    {2, "fine", {{"query_name", CF_CRIT_PREFIX, 0, 0, 0, "aaa"}}},
	};
	tfile f = {"dns-query", 412, 5, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, insts, 2, &len);
	assert_int_equal(load(s, buf, len, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);
	int t = cf_sensor_template_index(s, "dns-query");
	cf_sensor_value v[13];
	memset(v, 0, sizeof v);
	char subject[64];
	memset(subject, 'a', 48);
	subject[48] = '!';
	subject[49] = 0;
	v[0] = str(subject);
	hits h;
	memset(&h, 0, sizeof h);
	assert_int_equal(cf_sensor_eval(s, t, v, 13, collect, &h), 1);
	assert_true(matched(&h, 2));
	assert_false(matched(&h, 1));
	assert_int_equal(h.limits, 1);
	cf_sensor_stats st;
	cf_sensor_get_stats(s, &st);
	assert_int_equal(st.limit_hits, 1);
	/* A subject that matches quickly still matches. */
	v[0] = str("aaaa");
	memset(&h, 0, sizeof h);
	assert_int_equal(cf_sensor_eval(s, t, v, 13, collect, &h), 2);
	free(buf);
	cf_sensor_free(s);
	cf_templates_free(set);
}

static void test_regex_step(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.16.0");
	char longpat[1100];
	memset(longpat, 'a', 1025);
	longpat[1025] = 0;
	const tinst bad[] = {
	    {1, "unbalanced", {{"query_name", CF_CRIT_REGEX, 0, 0, 0, "(ab"}}},
	    {2, "too-long", {{"answer_data", CF_CRIT_REGEX, 0, 0, 0, longpat}}},
	};
	tfile f = {"dns-query", 412, 5, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, bad, 2, &len);
	cf_diag_list *d = cf_diags_new();
	cf_sensor_load_result r;
	assert_int_equal(cf_sensor_load(s, "bad.cf", buf, len, NULL, 0, &r, d), CF_OK);
	assert_int_equal(r.outcome, CF_SENSOR_SKIPPED_UNSAFE);
	assert_int_equal(r.step, CF_SENSOR_STEP_REGEX);
	/* Both regexes reported, then the skip. */
	assert_int_equal(cf_diags_errors(d), 3);
	assert_non_null(strstr(cf_diags_get(d, 0)->message, "PCRE2 rejects"));
	assert_non_null(strstr(cf_diags_get(d, 1)->message, "max_length"));
	assert_non_null(strstr(cf_diags_get(d, 2)->message, "step 6, regex"));
	cf_diags_free(d);
	free(buf);
	cf_sensor_free(s);
	cf_templates_free(set);
}

/* ---- loader steps and last known good ----------------------------------------- */

static void test_last_known_good(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.16.0");
	const tinst good[] = {{2001, "v", {{"image", CF_CRIT_PREFIX, 0, 0, 0, "C:\\"}}}};
	const tinst bad[] = {{2001, "v", {{"image", CF_CRIT_REGEX, 0, 0, 0, "C:\\"}}}};
	const tinst dns[] = {{3001, "d", {{"query_name", CF_CRIT_EQUALS, 0, 0, 0, "x"}}}};
	size_t l1, l2, l3, l4, l0, ld;
	tfile f1 = {"process-creation", 310, 17, NULL, 0};
	tfile f2 = {"process-creation", 310, 18, NULL, 0};
	tfile f3 = {"process-creation", 310, 19, NULL, 0};
	tfile f4 = {"process-creation", 310, 20, NULL, 1};
	tfile f0 = {"process-creation", 310, 16, NULL, 0};
	tfile fd = {"dns-query", 412, 5, NULL, 0};
	uint8_t *b1 = build(set, &f1, good, 1, &l1);
	uint8_t *b2 = build(set, &f2, bad, 1, &l2); /* "C:\" is a broken regex */
	uint8_t *b3 = build(set, &f3, good, 1, &l3);
	uint8_t *b4 = build(set, &f4, good, 1, &l4); /* wrong fingerprint */
	uint8_t *b0 = build(set, &f0, good, 1, &l0);
	uint8_t *bd = build(set, &fd, dns, 1, &ld);
	char msg[1024];
	cf_sensor_channel_info ci;

	assert_int_equal(load(s, bd, ld, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);
	assert_int_equal(load(s, b1, l1, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);
	cf_sensor_load_result r = load(s, b2, l2, NULL, msg, sizeof msg);
	assert_int_equal(r.outcome, CF_SENSOR_SKIPPED_UNSAFE);
	assert_int_equal(r.step, CF_SENSOR_STEP_REGEX);
	assert_non_null(strstr(msg, "channel 310 keeps content version 17 (last known good)"));
	assert_int_equal(cf_sensor_channel_count(s), 2);
	assert_int_equal(cf_sensor_channel_get(s, 0, &ci), CF_OK);
	assert_int_equal(ci.channel, 310);
	assert_int_equal(ci.content_version, 17);

	/* The active content still matches. */
	int t = cf_sensor_template_index(s, "process-creation");
	cf_sensor_value v[16];
	memset(v, 0, sizeof v);
	v[0] = str("C:\\x.exe");
	assert_int_equal(cf_sensor_eval(s, t, v, 16, NULL, NULL), 1);

	/* An older version is stale, an equal one too. */
	r = load(s, b0, l0, NULL, msg, sizeof msg);
	assert_int_equal(r.outcome, CF_SENSOR_SKIPPED_STALE);
	assert_int_equal(r.step, CF_SENSOR_STEP_VERSION);
	assert_int_equal(load(s, b1, l1, NULL, NULL, 0).outcome, CF_SENSOR_SKIPPED_STALE);
	/* A bad fingerprint: template step; 17 still active. */
	r = load(s, b4, l4, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_TEMPLATE);
	assert_non_null(strstr(msg, "fingerprint"));
	/* A good newer version replaces it. */
	r = load(s, b3, l3, NULL, NULL, 0);
	assert_int_equal(r.outcome, CF_SENSOR_LOADED);
	assert_int_equal(r.replaced, 17);
	assert_int_equal(cf_sensor_channel_get(s, 0, &ci), CF_OK);
	assert_int_equal(ci.content_version, 19);
	assert_int_equal(cf_sensor_channel_get(s, 1, &ci), CF_OK);
	assert_int_equal(ci.channel, 412);

	cf_sensor_stats st;
	cf_sensor_get_stats(s, &st);
	assert_int_equal(st.loaded, 3);
	assert_int_equal(st.skipped_unsafe, 2);
	assert_int_equal(st.skipped_stale, 2);
	free(b0), free(b1), free(b2), free(b3), free(b4), free(bd);
	cf_sensor_free(s);
	cf_templates_free(set);
}

static void test_requires_sensor_and_format_steps(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *old = sensor(set, "7.11.0");
	cf_sensor *s17 = sensor(set, "7.17.0");
	const tinst in[] = {{1, "x", {{"pipe_sddl", CF_CRIT_PREFIX, 0, 0, 0, "D:"}}}};
	tfile f = {"ipc-named-pipe", 291, 43, "7.16.0", 0};
	size_t len;
	uint8_t *buf = build(set, &f, in, 1, &len);
	char msg[1024];
	cf_sensor_load_result r = load(old, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.outcome, CF_SENSOR_SKIPPED_NEWER);
	assert_int_equal(r.step, CF_SENSOR_STEP_REQUIRES_SENSOR);
	assert_non_null(strstr(msg, "requires sensor 7.16.0"));
	assert_int_equal(load(s17, buf, len, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);

	/* One flipped byte: the format verifier (checksum). */
	buf[len / 2] ^= 0x40;
	r = load(old, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.outcome, CF_SENSOR_SKIPPED_UNSAFE);
	assert_int_equal(r.step, CF_SENSOR_STEP_FORMAT);
	/* Not a channel file at all. */
	r = load(old, (const uint8_t *)"hello", 5, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_FORMAT);
	assert_non_null(strstr(msg, "not a channel file"));
	r = load(old, NULL, 0, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_FORMAT);
	free(buf);
	cf_sensor_free(old);
	cf_sensor_free(s17);
	cf_templates_free(set);
}

static void test_template_step(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	/* A sensor that was given only the dns-query manifest. */
	cf_template_set *one = cf_templates_new();
	cf_diag_list *d = cf_diags_new();
	assert_int_equal(cf_templates_load(one, TEMPLATES "/dns-query.yaml", d), CF_OK);
	cf_sensor *s = sensor(one, "7.16.0");
	const tinst in[] = {{1, "x", {{"image", CF_CRIT_PREFIX, 0, 0, 0, "C:"}}}};
	tfile f = {"process-creation", 310, 1, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, in, 1, &len);
	char msg[1024];
	cf_sensor_load_result r = load(s, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_TEMPLATE);
	assert_non_null(strstr(msg, "no template manifest"));
	free(buf);
	cf_sensor_free(s);
	cf_diags_free(d);
	cf_templates_free(one);
	cf_templates_free(set);
}

static void test_signature_step(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.16.0");
	cf_seckey *sk = NULL, *sk2 = NULL;
	cf_pubkey *pk = NULL, *pk2 = NULL;
	assert_int_equal(cf_seckey_generate(&sk, &pk), CF_OK);
	assert_int_equal(cf_seckey_generate(&sk2, &pk2), CF_OK);
	const tinst in[] = {{1, "x", {{"query_name", CF_CRIT_EQUALS, 0, 0, 0, "x"}}}};
	tfile f = {"dns-query", 412, 5, NULL, 0};
	size_t len, sl;
	uint8_t *buf = build(set, &f, in, 1, &len);
	char *sig = NULL, *sig2 = NULL, msg[1024];
	assert_int_equal(cf_sig_sign_channel(sk, buf, len, "x.cf", 1700000000, &sig, &sl, NULL),
	                 CF_OK);
	assert_int_equal(cf_sig_sign_channel(sk2, buf, len, "x.cf", 1700000000, &sig2, &sl, NULL),
	                 CF_OK);
	cf_sensor_set_pubkey(s, pk);
	cf_sensor_load_result r = load(s, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_SIGNATURE);
	assert_non_null(strstr(msg, "unsigned"));
	r = load(s, buf, len, sig2, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_SIGNATURE);
	r = load(s, buf, len, "garbage\n", msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_SIGNATURE);
	r = load(s, buf, len, sig, msg, sizeof msg);
	assert_int_equal(r.outcome, CF_SENSOR_LOADED);
	free(sig);
	free(sig2);
	free(buf);
	cf_pubkey_free(pk);
	cf_pubkey_free(pk2);
	cf_seckey_free(sk);
	cf_seckey_free(sk2);
	cf_sensor_free(s);
	cf_templates_free(set);
}

/* ---- events ---------------------------------------------------------------------- */

static void test_event_json(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.11.0");
	const tinst in[] = {{1,
	                     "x",
	                     {{"query_name", CF_CRIT_EQUALS, 0, 0, 0, "a.example"},
	                      {"pid", CF_CRIT_RANGE, 0, 1, 100, NULL},
	                      {"is_cached", CF_CRIT_EQUALS, 0, 0, 0, NULL}}}};
	tfile f = {"dns-query", 412, 5, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, in, 1, &len);
	assert_int_equal(load(s, buf, len, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);
	cf_sensor_event *ev = NULL;
	assert_int_equal(cf_sensor_event_new(s, &ev), CF_OK);
	char msg[256];
#define PARSE(line) cf_sensor_event_parse(ev, line, strlen(line), msg, sizeof msg)
	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {\"query_name\": "
	                       "\"a.example\", \"pid\": 7, \"is_cached\": false}}"),
	                 CF_OK);
	assert_string_equal(cf_sensor_event_template(ev), "dns-query");
	assert_int_equal(cf_sensor_event_eval(s, ev, NULL, NULL), 1);
	/* null is absent. */
	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {\"query_name\": "
	                       "\"a.example\", \"pid\": null, \"is_cached\": false}}"),
	                 CF_OK);
	assert_int_equal(cf_sensor_event_eval(s, ev, NULL, NULL), 0);

	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {\"pid\": -1}}"),
	                 CF_ERR_REJECTED);
	assert_non_null(strstr(msg, "negative"));
	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {\"pid\": 1.5}}"),
	                 CF_ERR_REJECTED);
	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {\"pid\": \"7\"}}"),
	                 CF_ERR_REJECTED);
	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {\"is_cached\": 1}}"),
	                 CF_ERR_REJECTED);
	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {\"query_name\": 1}}"),
	                 CF_ERR_REJECTED);
	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {\"nope\": 1}}"),
	                 CF_ERR_REJECTED);
	assert_non_null(strstr(msg, "unknown field 'nope'"));
	assert_int_equal(PARSE("{\"template\": \"nope\", \"fields\": {}}"), CF_ERR_REJECTED);
	assert_int_equal(PARSE("{\"fields\": {}}"), CF_ERR_REJECTED);
	assert_int_equal(PARSE("{\"template\": \"dns-query\"}"), CF_ERR_REJECTED);
	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {}, \"x\": 1}"),
	                 CF_ERR_REJECTED);
	assert_int_equal(PARSE("[1]"), CF_ERR_REJECTED);
	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {\"pid\": 1, "
	                       "\"pid\": 2}}"),
	                 CF_ERR_REJECTED);
	assert_int_equal(PARSE("{not json"), CF_ERR_REJECTED);
	assert_non_null(strstr(msg, "not valid JSON"));
	assert_int_equal(PARSE("{\"template\": \"dns-query\", \"fields\": {\"query_name\": "
	                       "\"a\\u0000b\"}}"),
	                 CF_ERR_REJECTED);
	/* pipe_sddl is a field of the template that 7.11.0 does not supply:
	 * accepted and dropped. */
	assert_int_equal(PARSE("{\"template\": \"ipc-named-pipe\", \"fields\": {\"pipe_sddl\": "
	                       "\"D:\"}}"),
	                 CF_OK);
	assert_int_equal(PARSE("{\"template\": \"ipc-named-pipe\", \"fields\": {\"pipe_sddl\": "
	                       "7}}"),
	                 CF_ERR_REJECTED);
	/* The line cap. */
	char *big = malloc(CF_SENSOR_EVENT_LINE_MAX + 2);
	memset(big, ' ', CF_SENSOR_EVENT_LINE_MAX + 1);
	assert_int_equal(
	    cf_sensor_event_parse(ev, big, CF_SENSOR_EVENT_LINE_MAX + 1, msg, sizeof msg),
	    CF_ERR_LIMIT);
	free(big);
#undef PARSE
	cf_sensor_event_free(ev);
	free(buf);
	cf_sensor_free(s);
	cf_templates_free(set);
}

/* ---- rings ---------------------------------------------------------------------- */

static void test_rings(void **state)
{
	(void)state;
	uint32_t b = cf_sensor_ring_bucket("host-0001");
	assert_true(b < 10000);
	assert_int_equal(b, cf_sensor_ring_bucket("host-0001"));
	/* Cumulative: canary 1%, early up to 10%, broad the rest. */
	cf_sensor_ring rings[] = {{"canary", 1}, {"early", 10}, {"broad", 100}};
	cf_sensor_ring part[] = {{"canary", 5}};
	unsigned count[3] = {0, 0, 0}, part_in = 0;
	char id[32];
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(id, sizeof id, "host-%05u", i);
		int r = cf_sensor_ring_of(rings, 3, id);
		assert_true(r >= 0 && r < 3);
		count[r]++;
		part_in += cf_sensor_ring_of(part, 1, id) == 0;
	}
	assert_true(count[0] > 100 && count[0] < 320);     /* ~1% of 20000 */
	assert_true(count[1] > 1500 && count[1] < 2100);   /* ~9% */
	assert_true(count[2] > 17500 && count[2] < 18500); /* ~90% */
	assert_true(part_in > 800 && part_in < 1200);      /* ~5%, the rest in no ring */
	/* The boundaries: bucket < percent * 100. */
	cf_sensor_ring all[] = {{"all", 100}};
	assert_int_equal(cf_sensor_ring_of(all, 1, "anything"), 0);
	cf_sensor_ring upto[] = {{"a", b / 100 + 1}};
	assert_int_equal(cf_sensor_ring_of(upto, 1, "host-0001"), 0);
	if (b >= 100) {
		upto[0].percent = b / 100;
		assert_int_equal(cf_sensor_ring_of(upto, 1, "host-0001"), -1);
	}
	/* Staged in time: ring i opens i intervals after creation. */
	int ring;
	uint64_t opens;
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(id, sizeof id, "host-%05u", i);
		int r = cf_sensor_ring_of(rings, 3, id);
		uint64_t at = 1000 + (uint64_t)r * CF_SENSOR_RING_INTERVAL;
		assert_int_equal(cf_sensor_ring_takes(rings, 3, id, 1000, at, &ring, &opens), 1);
		assert_int_equal(ring, r);
		assert_true(opens == at);
		assert_int_equal(cf_sensor_ring_takes(rings, 3, id, 1000, at - 1, NULL, NULL), 0);
	}
	assert_int_equal(cf_sensor_ring_takes(part, 1, "x", 0, UINT64_MAX, &ring, &opens),
	                 cf_sensor_ring_of(part, 1, "x") == 0);
	assert_int_equal(cf_sensor_ring_takes(rings, 3, "x", UINT64_MAX, UINT64_MAX, NULL, NULL),
	                 cf_sensor_ring_of(rings, 3, "x") == 0);
}

/* ---- the instance index --------------------------------------------------------- */

static void test_regex_literal(void **state)
{
	(void)state;
	static const struct {
		const char *re, *lit;
	} cases[] = {
	    {"^dexbri0\\.(exe|dll)$", "dexbri0."},
	    {"\\\\(vodra1|hywal)\\.exe$", ".exe"},
	    {"[-/]i:https?://\\S+\\s+drasek2(\\.dll)?", "drasek2"},
	    {"^C:\\\\Users\\\\[^\\\\]+\\\\AppData\\\\.*\\\\kagel3\\.exe$", "\\kagel3.exe"},
	    {"abcd?", "abc"},
	    {"abcd*e", "abc"},
	    {"abcd+e", "abcd"},
	    {"abcd{0,3}e", "abc"},
	    {"abcd{2}", "abc"},
	    {"ab{x}cdef", "x}cdef"},
	    {"a|bcdef", ""},
	    {"(?i)abcdef", ""},
	    {"(*UTF)abcdef", ""},
	    {"x(?:ab)yz", ""},
	    {"\\Qa|b\\Eabcdef", ""},
	    {"\\x41bcdef", ""},
	    {"\\p{L}bcdef", ""},
	    {"(a)\\1bcdef", ""},
	    {"[]abc]defg", "defg"},
	    {"[[:alpha:]]defg", "defg"},
	    {"\\bword\\b", "word"},
	    {"caf\xc3\xa9s", "caf"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[64], cur[64];
		size_t n = strlen(cases[i].re);
		size_t l = cf_sensor_regex_literal(cases[i].re, n, out, cur);
		if (l != strlen(cases[i].lit) || memcmp(out, cases[i].lit, l) != 0)
			fail_msg("%s: got '%.*s', want '%s'", cases[i].re, (int)l, out,
			         cases[i].lit);
	}
}

/* Matches of the indexed interpreter on chosen values. */
static void test_index_semantics(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.16.0");
	const char *long_prefix = "C:\\Program Files\\Some Vendor\\Some Product\\";
	const tinst insts[] = {
	    {1, "eq-nocase", {{"image", CF_CRIT_EQUALS, CF_CRIT_NOCASE, 0, 0, "C:\\Win\\Cmd.EXE"}}},
	    {2, "eq-exact", {{"image", CF_CRIT_EQUALS, 0, 0, 0, "C:\\Win\\Cmd.EXE"}}},
	    {3, "long-prefix", {{"image", CF_CRIT_PREFIX, CF_CRIT_NOCASE, 0, 0, long_prefix}}},
	    {4, "short-prefix", {{"user", CF_CRIT_PREFIX, 0, 0, 0, "ab"}}},
	    {5, "kelvin", {{"command_line", CF_CRIT_REGEX, CF_CRIT_NOCASE, 0, 0, "kelvin"}}},
	    {6, "no-literal", {{"command_line", CF_CRIT_REGEX, 0, 0, 0, "ab(c|d)?ef"}}},
	    {7, "uint-only", {{"pid", CF_CRIT_RANGE, 0, 10, 20, NULL}}},
	    {8,
	     "eq-and-regex",
	     {{"signer", CF_CRIT_EQUALS, 0, 0, 0, "Contoso"},
	      {"command_line", CF_CRIT_REGEX, 0, 0, 0, "ab(c|d)?ef"}}},
	    {9, "empty-equals", {{"signer", CF_CRIT_EQUALS, 0, 0, 0, ""}}},
	    {10, "gram", {{"parent_image", CF_CRIT_REGEX, 0, 0, 0, "^x\\\\needle\\d+$"}}},
	};
	tfile f = {"process-creation", 77, 1, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, insts, sizeof insts / sizeof insts[0], &len);
	assert_int_equal(load(s, buf, len, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);
	int t = cf_sensor_template_index(s, "process-creation");
	cf_sensor_value v[16];
	hits h;
#define EVAL()                                                                                     \
	do {                                                                                       \
		memset(&h, 0, sizeof h);                                                           \
		cf_sensor_eval(s, t, v, 16, collect, &h);                                          \
	} while (0)
	memset(v, 0, sizeof v);
	v[0] = str("c:\\win\\cmd.exe");
	EVAL();
	assert_true(matched(&h, 1));
	assert_false(matched(&h, 2));
	v[0] = str("C:\\Win\\Cmd.EXE");
	EVAL();
	assert_true(matched(&h, 1) && matched(&h, 2));
	v[0] = str("C:\\Win\\Cmd.EX");
	EVAL();
	assert_int_equal(h.n, 0);
	/* A long prefix: the index hashes its first 32 bytes, the
	 * interpreter compares all of them. */
	v[0] = str("c:\\program files\\some vendor\\some product\\x.exe");
	EVAL();
	assert_true(matched(&h, 3));
	v[0] = str("C:\\Program Files\\Some Vendor\\Other Product\\x.exe");
	EVAL();
	assert_false(matched(&h, 3));
	v[6] = str("abc");
	EVAL();
	assert_true(matched(&h, 4));
	v[6] = str("a");
	EVAL();
	assert_false(matched(&h, 4));
	/* KELVIN SIGN matches 'k' caselessly in UTF mode: a value with a
	 * non-ASCII byte is never filtered by a regex's literal. */
	v[1] = str("run \xe2\x84\xaa"
	           "ELVIN now");
	EVAL();
	assert_true(matched(&h, 5));
	v[1] = str("KeLvIn");
	EVAL();
	assert_true(matched(&h, 5));
	v[1] = str("kelvi n");
	EVAL();
	assert_false(matched(&h, 5));
	v[1] = str("xxabdefyy");
	EVAL();
	assert_true(matched(&h, 6));
	assert_false(matched(&h, 8));
	v[12] = str("Contoso");
	EVAL();
	assert_true(matched(&h, 6) && matched(&h, 8));
	assert_false(matched(&h, 9));
	v[12] = str("");
	EVAL();
	assert_true(matched(&h, 9));
	v[2] = uint_(15);
	EVAL();
	assert_true(matched(&h, 7));
	v[3] = str("x\\needle42");
	EVAL();
	assert_true(matched(&h, 10));
	v[3] = str("x\\needl42");
	EVAL();
	assert_false(matched(&h, 10));
	/* Matches come in ascending instance order. */
	for (size_t i = 1; i < h.n; i++)
		assert_true(h.ids[i - 1] < h.ids[i]);
#undef EVAL
	free(buf);
	cf_sensor_free(s);
	cf_templates_free(set);
}

/* A small deterministic generator. */
static uint32_t rnd(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

static void rnd_str(uint64_t *st, char *out, size_t cap)
{
	static const char *const tok[] = {"a", "B", "k", "\xe2\x84\xaa", "ab", "AB", "x", "\\"};
	size_t n = rnd(st) % 6, len = 0;
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *t = tok[rnd(st) % (sizeof tok / sizeof tok[0])];
		if (len + strlen(t) + 1 > cap)
			break;
		memcpy(out + len, t, strlen(t) + 1);
		len += strlen(t);
	}
}

typedef struct idset {
	uint64_t bits[8];
	size_t limits, bounds;
} idset;

static void collect_set(void *ud, const cf_sensor_report *r)
{
	idset *h = ud;
	if (r->kind == CF_SENSOR_REPORT_MATCH)
		h->bits[(r->instance % 512) / 64] |= (uint64_t)1 << (r->instance % 64);
	else if (r->kind == CF_SENSOR_REPORT_LIMIT)
		h->limits++;
	else
		h->bounds++;
}

/*
 * The index against evaluating every instance: the same generated content
 * is loaded twice, the second time with one more instance whose criterion
 * reads the last field; given one value fewer, that sensor evaluates every
 * instance (the path for content that reads past the array). Both must
 * report the same matches for every generated event.
 */
static void test_index_differential(void **state)
{
	(void)state;
	enum { NINST = 300, NEV = 3000 };
	static const char *const fields[] = {"image", "command_line", "user"};
	static const char *const res[] = {"ab+",     "^ab",       "kab$",   "(a|b)k",
	                                  "abab",    "bkab",      "x.ab",   "[ak]bab",
	                                  "\\\\abk", "a\\\\?bab", "ab{2}x", "^\\\\kab"};
	static char pool[NINST][4][32];
	cf_template_set *set = templates();
	cf_sensor *fast = sensor(set, "7.16.0"), *slow = sensor(set, "7.16.0");
	tinst *insts = calloc(NINST + 1, sizeof *insts);
	assert_non_null(insts);
	uint64_t st = 291;
	for (uint32_t i = 0; i < NINST; i++) {
		insts[i].id = i + 1;
		unsigned nc = 1 + rnd(&st) % 3, used = 0;
		for (unsigned k = 0, c = 0; k < nc; k++) {
			unsigned fi = rnd(&st) % 4;
			if (used & (1u << fi))
				continue;
			used |= 1u << fi;
			tcrit *cr = &insts[i].crit[c++];
			if (fi == 3) {
				cr->field = "pid";
				cr->kind = CF_CRIT_RANGE;
				cr->lo = rnd(&st) % 4;
				cr->hi = cr->lo + rnd(&st) % 3;
				continue;
			}
			cr->field = fields[fi];
			cr->flags = rnd(&st) % 2 ? CF_CRIT_NOCASE : 0;
			switch (rnd(&st) % 3) {
			case 0:
				cr->kind = CF_CRIT_EQUALS;
				rnd_str(&st, pool[i][k], sizeof pool[i][k]);
				cr->str = pool[i][k];
				break;
			case 1:
				cr->kind = CF_CRIT_PREFIX;
				rnd_str(&st, pool[i][k], sizeof pool[i][k]);
				cr->str = pool[i][k];
				break;
			default:
				cr->kind = CF_CRIT_REGEX;
				cr->str = res[rnd(&st) % (sizeof res / sizeof res[0])];
			}
		}
	}
	tfile f = {"process-creation", 78, 1, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, insts, NINST, &len);
	assert_int_equal(load(fast, buf, len, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);
	free(buf);
	insts[NINST].id = NINST + 1;
	insts[NINST].crit[0] = (tcrit){"token_elevation_type", CF_CRIT_EQUALS, 0, 1, 0, NULL};
	buf = build(set, &f, insts, NINST + 1, &len);
	assert_int_equal(load(slow, buf, len, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);
	free(buf);
	int t = cf_sensor_template_index(fast, "process-creation");
	size_t total = 0;
	for (unsigned e = 0; e < NEV; e++) {
		char a[32], b[32], c[32];
		cf_sensor_value v[16];
		memset(v, 0, sizeof v);
		rnd_str(&st, a, sizeof a);
		rnd_str(&st, b, sizeof b);
		rnd_str(&st, c, sizeof c);
		if (rnd(&st) % 8)
			v[0] = str(a);
		if (rnd(&st) % 8)
			v[1] = str(b);
		if (rnd(&st) % 8)
			v[6] = str(c);
		v[2] = uint_(rnd(&st) % 6);
		idset x, y;
		memset(&x, 0, sizeof x);
		memset(&y, 0, sizeof y);
		long nx = cf_sensor_eval(fast, t, v, 16, collect_set, &x);
		long ny = cf_sensor_eval(slow, t, v, 15, collect_set, &y);
		assert_int_equal(nx, ny);
		assert_memory_equal(x.bits, y.bits, sizeof x.bits);
		assert_int_equal(x.bounds, 0);
		assert_int_equal(y.bounds, 1);
		total += (size_t)nx;
	}
	assert_true(total > NEV / 4); /* the generator does produce matches */
	free(insts);
	cf_sensor_free(fast);
	cf_sensor_free(slow);
	cf_templates_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_supplied_table_matches_manifests),
	    cmocka_unit_test(test_manifest_drift_detected),
	    cmocka_unit_test(test_unknown_build_refused),
	    cmocka_unit_test(test_criteria_semantics),
	    cmocka_unit_test(test_field_count_step),
	    cmocka_unit_test(test_interpreter_bounds_check_without_loader),
	    cmocka_unit_test(test_match_limit_counted),
	    cmocka_unit_test(test_regex_literal),
	    cmocka_unit_test(test_index_semantics),
	    cmocka_unit_test(test_index_differential),
	    cmocka_unit_test(test_regex_step),
	    cmocka_unit_test(test_last_known_good),
	    cmocka_unit_test(test_requires_sensor_and_format_steps),
	    cmocka_unit_test(test_template_step),
	    cmocka_unit_test(test_signature_step),
	    cmocka_unit_test(test_event_json),
	    cmocka_unit_test(test_rings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
