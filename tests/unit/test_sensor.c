/*
 * test_sensor.c - the reference sensor: the supplied-fields table against
 * the sample manifests, every loader step, the interpreter's semantics per
 * criterion kind, its own bounds check (content that bypasses the loader),
 * regex match limits, last known good, JSON events, binary event streams
 * (every hostile prefix, table and record; the writer; the same matches as
 * JSON lines) and rings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <cf/base.h>
#include <cf/compile.h>
#include <cf/format.h>
#include <cf/sensor.h>
#include <cf/sign.h>
#include <cf/template.h>
#include "sensor/sensor_int.h"

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

/* When set, build() names field 1 so while the header keeps the manifest's
 * fingerprint: a field table that does not hash to it. */
static const char *build_field0;

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
		assert_int_equal(cf_builder_add_field(
		                     b, i == 0 && build_field0 ? build_field0 : t->fields[i].name,
		                     t->fields[i].type),
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

/* The code of the last diagnostic load() saw. */
static char last_code[64];

/* Load and return the outcome; the last diagnostic's message into msg,
 * its code into last_code. */
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
	const char *code = cf_diags_get(d, n - 1)->code;
	snprintf(last_code, sizeof last_code, "%s", code ? code : "");
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
	/* The codes cfc lint and cfc compile give the same faults. */
	assert_string_equal(cf_diags_get(d, 0)->code, "sensor-unknown");
	assert_string_equal(cf_diags_get(d, 1)->code, "bad-version");
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
	assert_string_equal(last_code, "field-count");
	assert_int_equal(cf_sensor_channel_count(s), 0);

	/* Only the latent instance: still refused, and the message says so,
	 * naming the one field past the supplied ones (not "fields 21..21"). */
	free(buf);
	buf = build(set, &f, c291, 1, &len);
	r = load(s, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_FIELD_COUNT);
	assert_non_null(strstr(msg, "supplies only 20 values"));
	assert_non_null(
	    strstr(msg, "every criterion on field 21 'pipe_sddl' is a wildcard, so the fault is "
	                "latent"));
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
	/* cfc lint's codes; the skip carries the first refused regex's. */
	assert_string_equal(cf_diags_get(d, 0)->code, "regex-invalid");
	assert_string_equal(cf_diags_get(d, 1)->code, "regex-too-long");
	assert_string_equal(cf_diags_get(d, 2)->code, "regex-invalid");
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
	assert_string_equal(last_code, "regex-invalid");
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
	assert_string_equal(last_code, "template-fingerprint");
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
	/* A note, under cfc lint's name for a build below requires_sensor
	 * (requires-sensor is the error that no build is new enough). */
	assert_string_equal(last_code, "sensor-out-of-scope");
	assert_int_equal(load(s17, buf, len, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);

	/* One flipped byte: the format verifier (checksum), under the code
	 * cfc lint, sign and dump give the verifier's verdict. */
	buf[len / 2] ^= 0x40;
	r = load(old, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.outcome, CF_SENSOR_SKIPPED_UNSAFE);
	assert_int_equal(r.step, CF_SENSOR_STEP_FORMAT);
	assert_string_equal(last_code, cf_verify_code(cf_verify(buf, len, NULL, NULL)));
	assert_true(strncmp(last_code, "format-", 7) == 0);
	/* Not a channel file at all. */
	r = load(old, (const uint8_t *)"hello", 5, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_FORMAT);
	assert_non_null(strstr(msg, "not a channel file"));
	assert_string_equal(last_code, "format-magic");
	r = load(old, NULL, 0, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_FORMAT);
	assert_string_equal(last_code, "format-magic");
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
	assert_string_equal(last_code, "template-unknown"); /* as in cfc lint */
	free(buf);
	cf_sensor_free(s);
	cf_diags_free(d);
	cf_templates_free(one);

	/* A file whose field table differs under the manifest's fingerprint:
	 * cfc lint's field-table. */
	s = sensor(set, "7.16.0");
	build_field0 = "imagex";
	buf = build(set, &f, in, 1, &len);
	build_field0 = NULL;
	r = load(s, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_TEMPLATE);
	assert_non_null(strstr(msg, "field 1 is 'imagex'"));
	assert_string_equal(last_code, "field-table");
	free(buf);
	cf_sensor_free(s);

	/* A template the reference sensor does not implement. */
	static const char web[] = "template: web-request\nid: 9\nversion: 1\n"
	                          "fields:\n  - {name: url, type: string}\n"
	                          "sensors:\n  - {version: \"7.16.0\", supplies: 1}\n";
	d = cf_diags_new();
	assert_int_equal(
	    cf_templates_load_buffer(set, "web.yaml", (const uint8_t *)web, sizeof web - 1, d),
	    CF_OK);
	s = sensor(set, "7.16.0");
	const tinst win[] = {{1, "w", {{"url", CF_CRIT_PREFIX, 0, 0, 0, "http:"}}}};
	tfile fw = {"web-request", 900, 1, NULL, 0};
	buf = build(set, &fw, win, 1, &len);
	r = load(s, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_TEMPLATE);
	assert_non_null(strstr(msg, "does not implement"));
	assert_string_equal(last_code, "template-unsupported");
	free(buf);
	cf_sensor_free(s);
	cf_diags_free(d);

	/* A manifest that drifted from the sensor's definition: its content is
	 * skipped under the drift's own code. */
	const tinst dq[] = {{1, "q", {{"query_name", CF_CRIT_EQUALS, 0, 0, 0, "x"}}}};
	tfile fq = {"dns-query", 412, 5, NULL, 0};
	buf = build(set, &fq, dq, 1, &len);
	((cf_template *)cf_templates_find(set, "dns-query"))->sensors[0].supplies = 1;
	d = cf_diags_new();
	assert_int_equal(cf_sensor_new("7.16.0", set, &s, d), CF_OK);
	assert_true(cf_diags_errors(d) >= 1);
	r = load(s, buf, len, NULL, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_TEMPLATE);
	assert_non_null(strstr(msg, "disagrees with the sensor's definition"));
	assert_string_equal(last_code, "manifest-drift");
	free(buf);
	cf_sensor_free(s);
	cf_diags_free(d);
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
	assert_string_equal(last_code, "signature");
	r = load(s, buf, len, sig, msg, sizeof msg);
	assert_int_equal(r.outcome, CF_SENSOR_LOADED);
	/* Validly signed bytes that are not a channel file: the verifier runs
	 * inside the signature check, and its verdict keeps its own code. */
	char *hsig = NULL;
	assert_int_equal(
	    cf_sig_sign(sk, (const uint8_t *)"hello", 5, "timestamp:1", NULL, &hsig, &sl, NULL),
	    CF_OK);
	r = load(s, (const uint8_t *)"hello", 5, hsig, msg, sizeof msg);
	assert_int_equal(r.step, CF_SENSOR_STEP_FORMAT);
	assert_string_equal(last_code, "format-magic");
	free(hsig);
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

/* ---- binary event streams --------------------------------------------------------- */

/* The tests' own little-endian writer: hostile streams are built by hand,
 * not with cf_evstream_put_*. */
static void put8(cf_buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	assert_int_equal(cf_buf_append(b, &x, 1), CF_OK);
}

static void put16(cf_buf *b, unsigned v)
{
	put8(b, v & 0xff);
	put8(b, (v >> 8) & 0xff);
}

static void put32(cf_buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put8(b, (v >> (8 * i)) & 0xff);
}

static void put64(cf_buf *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		put8(b, (unsigned)(v >> (8 * i)) & 0xff);
}

static void putmem(cf_buf *b, const void *p, size_t n)
{
	assert_int_equal(cf_buf_append(b, p, n), CF_OK);
}

/* A table name: its length byte, then its bytes. */
static void putname(cf_buf *b, const char *s)
{
	put8(b, (unsigned)strlen(s));
	putmem(b, s, strlen(s));
}

/* Values of a record: field index, kind, payload. */
static void vstr(cf_buf *b, unsigned field, const char *s)
{
	put8(b, field);
	put8(b, CF_EVSTREAM_STRING);
	put32(b, (uint32_t)strlen(s));
	putmem(b, s, strlen(s));
}

static void vuint(cf_buf *b, unsigned field, uint64_t u)
{
	put8(b, field);
	put8(b, CF_EVSTREAM_UINT);
	put64(b, u);
}

static void vkind(cf_buf *b, unsigned field, unsigned kind)
{
	put8(b, field);
	put8(b, kind);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The index of template `name` in the set (its index in a written table). */
static uint16_t set_index(const cf_template_set *set, const char *name)
{
	for (size_t i = 0; i < cf_templates_count(set); i++)
		if (strcmp(cf_templates_get(set, i)->name, name) == 0)
			return (uint16_t)i;
	fail_msg("no template '%s' in the set", name);
	return 0;
}

/* A written header's table resolved against s. */
static cf_sensor_evmap *map_of(const cf_sensor *s, const cf_buf *b)
{
	uint32_t tl = 0;
	char msg[256];
	assert_true(b->len >= CF_EVSTREAM_PREFIX_LEN);
	assert_int_equal(cf_evstream_prefix(b->data, b->len, &tl, msg, sizeof msg), CF_OK);
	assert_true(CF_EVSTREAM_PREFIX_LEN + (size_t)tl <= b->len);
	cf_sensor_evmap *m = NULL;
	assert_int_equal(
	    cf_sensor_evmap_new(s, b->data + CF_EVSTREAM_PREFIX_LEN, tl, &m, msg, sizeof msg),
	    CF_OK);
	assert_non_null(m);
	return m;
}

/* Decode the record written at b->data + at (its length word first). */
static cf_status decode_at(cf_sensor_event *ev, const cf_sensor_evmap *m, const cf_buf *b,
                           size_t at, char *msg, size_t cap)
{
	assert_true(b->len - at >= 4);
	uint32_t rl = le32(b->data + at);
	assert_int_equal(b->len - at - 4, rl);
	return cf_sensor_event_decode(ev, m, b->data + at + 4, rl, msg, cap);
}

/* Status and a distinctive piece of the message. A rejected record leaves
 * no decoded event behind. */
static void expect_decode(cf_sensor_event *ev, const cf_sensor_evmap *m, const cf_buf *r,
                          cf_status want, const char *frag)
{
	char msg[512] = "(unset)";
	static const uint8_t none[1];
	cf_status st =
	    cf_sensor_event_decode(ev, m, r->data ? r->data : none, r->len, msg, sizeof msg);
	if (st != want || (frag && !strstr(msg, frag)))
		fail_msg("decode: status %d, want %d; message '%s', want '%s'", (int)st, (int)want,
		         msg, frag ? frag : "");
	if (want != CF_OK) {
		assert_null(cf_sensor_event_template(ev));
		assert_int_equal(ev->tmpl, -1); /* cf_sensor_event_eval() refuses it */
	}
}

static void expect_table(const cf_sensor *s, const cf_buf *t, cf_status want, const char *frag)
{
	char msg[512] = "(unset)";
	cf_sensor_evmap *m = (cf_sensor_evmap *)&msg; /* not NULL: the call must set it */
	static const uint8_t none[2];
	cf_status st =
	    cf_sensor_evmap_new(s, t->data ? t->data : none, t->len, &m, msg, sizeof msg);
	if (st != want || (frag && !strstr(msg, frag)))
		fail_msg("table: status %d, want %d; message '%s', want '%s'", (int)st, (int)want,
		         msg, frag ? frag : "");
	if (want != CF_OK)
		assert_null(m);
	cf_sensor_evmap_free(m);
}

static void expect_prefix(const uint8_t *p, size_t len, cf_status want, uint32_t want_tl,
                          const char *frag)
{
	char msg[256] = "(unset)";
	uint32_t tl = 12345;
	cf_status st = cf_evstream_prefix(p, len, &tl, msg, sizeof msg);
	if (st != want || tl != want_tl || (frag && !strstr(msg, frag)))
		fail_msg("prefix: status %d table %u, want %d %u; message '%s', want '%s'", (int)st,
		         (unsigned)tl, (int)want, (unsigned)want_tl, msg, frag ? frag : "");
}

static void test_evstream_prefix(void **state)
{
	(void)state;
	uint8_t p[CF_EVSTREAM_PREFIX_LEN];
	memcpy(p, CF_EVSTREAM_MAGIC, CF_EVSTREAM_MAGIC_LEN);
	memcpy(p + 8, "\x01\x00\x00\x00\x0a\x00\x00\x00", 8);
	expect_prefix(p, sizeof p, CF_OK, 10, NULL);
	/* Truncated: 0 and 15 of 16 bytes. */
	expect_prefix(p, 15, CF_ERR_REJECTED, 0, "header truncated: 15 of 16 bytes");
	expect_prefix(p, 0, CF_ERR_REJECTED, 0, "header truncated: 0 of 16 bytes");
	/* Each byte of the magic. */
	for (size_t i = 0; i < CF_EVSTREAM_MAGIC_LEN; i++) {
		p[i] ^= 0x20;
		expect_prefix(p, sizeof p, CF_ERR_REJECTED, 0,
		              "not a binary event stream (bad magic)");
		p[i] ^= 0x20;
	}
	/* The channel file's magic ("\x89" "CFC") is not a stream's. */
	p[3] = 'C';
	expect_prefix(p, sizeof p, CF_ERR_REJECTED, 0, "bad magic");
	p[3] = 'E';
	/* Versions 0, 2, 2^32-1. */
	static const struct {
		const char *bytes, *msg;
	} versions[] = {
	    {"\x00\x00\x00\x00", "version 0 is not supported (this build reads 1)"},
	    {"\x02\x00\x00\x00", "version 2 is not supported"},
	    {"\x01\x00\x00\x01", "version 16777217 is not supported"},
	    {"\xff\xff\xff\xff", "version 4294967295 is not supported"},
	};
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
		memcpy(p + 8, versions[i].bytes, 4);
		expect_prefix(p, sizeof p, CF_ERR_REJECTED, 0, versions[i].msg);
	}
	memcpy(p + 8, "\x01\x00\x00\x00", 4);
	/* Table length: 0, 1 rejected; 2 and the cap accepted; cap + 1 and
	 * 2^32-1 rejected. */
	static const struct {
		uint32_t tl;
		cf_status st;
		const char *msg;
	} lens[] = {
	    {0, CF_ERR_REJECTED, "table of 0 bytes (2 .. 1048576 allowed)"},
	    {1, CF_ERR_REJECTED, "table of 1 byte "},
	    {2, CF_OK, NULL},
	    {CF_EVSTREAM_TABLE_MAX, CF_OK, NULL},
	    {CF_EVSTREAM_TABLE_MAX + 1, CF_ERR_REJECTED, "table of 1048577 bytes"},
	    {UINT32_MAX, CF_ERR_REJECTED, "table of 4294967295 bytes"},
	};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		for (int k = 0; k < 4; k++)
			p[12 + k] = (uint8_t)(lens[i].tl >> (8 * k));
		expect_prefix(p, sizeof p, lens[i].st, lens[i].st == CF_OK ? lens[i].tl : 0,
		              lens[i].msg);
	}
	/* No message buffer: still a status. */
	uint32_t tl;
	assert_int_equal(cf_evstream_prefix(p, 3, &tl, NULL, 0), CF_ERR_REJECTED);
	assert_int_equal(CF_EVSTREAM_TABLE_MAX, 1u << 20);
	assert_int_equal(CF_EVSTREAM_RECORD_MAX, (size_t)1 << 20);
}

static void test_evstream_table_hostile(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.16.0");
	cf_buf t;
	cf_buf_init(&t, 0);
#define RESET() (t.len = 0)

	/* Under 2 bytes, and over the cap (nothing of it is read). */
	expect_table(s, &t, CF_ERR_REJECTED, "table of 0 bytes");
	put8(&t, 1);
	expect_table(s, &t, CF_ERR_REJECTED, "table of 1 byte");
	{
		char one[64];
		cf_sensor_evmap *m1 = NULL;
		assert_int_equal(cf_sensor_evmap_new(s, t.data, t.len, &m1, one, sizeof one),
		                 CF_ERR_REJECTED);
		assert_string_equal(one, "event stream table of 1 byte"); /* not "1 bytes" */
	}
	uint8_t *big = calloc(1, CF_EVSTREAM_TABLE_MAX + 1);
	assert_non_null(big);
	cf_sensor_evmap *m = NULL;
	char msg[256];
	assert_int_equal(
	    cf_sensor_evmap_new(s, big, CF_EVSTREAM_TABLE_MAX + 1, &m, msg, sizeof msg),
	    CF_ERR_REJECTED);
	assert_null(m);
	assert_non_null(strstr(msg, "table of 1048577 bytes"));
	/* At the cap: read, and its template count (0) is wrong. */
	assert_int_equal(cf_sensor_evmap_new(s, big, CF_EVSTREAM_TABLE_MAX, &m, msg, sizeof msg),
	                 CF_ERR_REJECTED);
	assert_non_null(strstr(msg, "names 0 templates (1 .. 256 allowed)"));
	free(big);
	/* No sensor. */
	RESET();
	put16(&t, 1);
	putname(&t, "dns-query");
	put16(&t, 0);
	expect_table(NULL, &t, CF_ERR_REJECTED, "table of");
	expect_table(s, &t, CF_OK, NULL);

	/* Template count 0 and 257. */
	RESET();
	put16(&t, 0);
	expect_table(s, &t, CF_ERR_REJECTED, "names 0 templates (1 .. 256 allowed)");
	RESET();
	put16(&t, 257);
	for (unsigned i = 0; i < 257; i++) {
		char name[16];
		snprintf(name, sizeof name, "t%03u", i);
		putname(&t, name);
		put16(&t, 0);
	}
	expect_table(s, &t, CF_ERR_REJECTED, "names 257 templates");
	/* 256: the most a table names. */
	t.data[0] = 0;
	t.data[1] = 1;
	t.len -= 1 + 4 + 2;
	assert_int_equal(cf_sensor_evmap_new(s, t.data, t.len, &m, msg, sizeof msg), CF_OK);
	assert_int_equal(cf_sensor_evmap_template_count(m), 256);
	assert_string_equal(cf_sensor_evmap_template_name(m, 255), "t255");
	assert_null(cf_sensor_evmap_template_name(m, 256));
	cf_sensor_evmap_free(m);
	assert_int_equal(cf_sensor_evmap_template_count(NULL), 0);
	assert_null(cf_sensor_evmap_template_name(NULL, 0));

	/* Fewer templates than counted; a name past the end; no field count. */
	RESET();
	put16(&t, 2);
	putname(&t, "dns-query");
	put16(&t, 0);
	expect_table(s, &t, CF_ERR_REJECTED, "template 1 is truncated or badly named");
	RESET();
	put16(&t, 1);
	put8(&t, 9);
	putmem(&t, "dns", 3);
	expect_table(s, &t, CF_ERR_REJECTED, "template 0 is truncated or badly named");
	RESET();
	put16(&t, 1);
	putname(&t, "dns-query");
	put8(&t, 0);
	expect_table(s, &t, CF_ERR_REJECTED, "template 0 is truncated or badly named");
	/* A zero-length and a NUL-holding template name. */
	RESET();
	put16(&t, 1);
	put8(&t, 0);
	put16(&t, 0);
	expect_table(s, &t, CF_ERR_REJECTED, "template 0 is truncated or badly named");
	RESET();
	put16(&t, 2);
	putname(&t, "x");
	put16(&t, 0);
	put8(&t, 9);
	putmem(&t, "dns\0query", 9);
	put16(&t, 0);
	expect_table(s, &t, CF_ERR_REJECTED, "template 1 is truncated or badly named");
	/* A name of 255 bytes is fine (an unknown template is kept). */
	RESET();
	char n255[256];
	memset(n255, 'n', 255);
	n255[255] = 0;
	put16(&t, 1);
	putname(&t, n255);
	put16(&t, 0);
	expect_table(s, &t, CF_OK, NULL);

	/* The same template twice. */
	RESET();
	put16(&t, 3);
	putname(&t, "dns-query");
	put16(&t, 0);
	putname(&t, "process-creation");
	put16(&t, 0);
	putname(&t, "dns-query");
	put16(&t, 0);
	expect_table(s, &t, CF_ERR_REJECTED, "names template 'dns-query' twice");

	/* Fields: 256 is over the cap, 255 at it. */
	RESET();
	put16(&t, 1);
	putname(&t, "dns-query");
	put16(&t, 256);
	expect_table(s, &t, CF_ERR_REJECTED, "template 'dns-query' has 256 fields (at most 255)");
	RESET();
	put16(&t, 1);
	putname(&t, "dns-query");
	put16(&t, 255);
	for (unsigned i = 0; i < 255; i++) {
		char name[16];
		snprintf(name, sizeof name, "f%u", i);
		putname(&t, name);
	}
	expect_table(s, &t, CF_OK, NULL);
	/* ... one missing. */
	t.len -= 5;
	expect_table(s, &t, CF_ERR_REJECTED,
	             "field 254 of template 'dns-query' is truncated or badly named");

	/* A zero-length field name, one with a NUL, one past the end. */
	RESET();
	put16(&t, 1);
	putname(&t, "dns-query");
	put16(&t, 2);
	putname(&t, "pid");
	put8(&t, 0);
	expect_table(s, &t, CF_ERR_REJECTED,
	             "field 1 of template 'dns-query' is truncated or badly named");
	RESET();
	put16(&t, 1);
	putname(&t, "dns-query");
	put16(&t, 1);
	put8(&t, 3);
	putmem(&t, "p\0d", 3);
	expect_table(s, &t, CF_ERR_REJECTED,
	             "field 0 of template 'dns-query' is truncated or badly named");
	RESET();
	put16(&t, 1);
	putname(&t, "dns-query");
	put16(&t, 1);
	put8(&t, 4);
	putmem(&t, "pid", 3);
	expect_table(s, &t, CF_ERR_REJECTED,
	             "field 0 of template 'dns-query' is truncated or badly named");
	/* The same field twice. */
	RESET();
	put16(&t, 1);
	putname(&t, "dns-query");
	put16(&t, 3);
	putname(&t, "pid");
	putname(&t, "query_name");
	putname(&t, "pid");
	expect_table(s, &t, CF_ERR_REJECTED, "names field 'pid' of template 'dns-query' twice");
	/* The same field name under two templates is fine. */
	RESET();
	put16(&t, 2);
	putname(&t, "dns-query");
	put16(&t, 1);
	putname(&t, "pid");
	putname(&t, "process-creation");
	put16(&t, 1);
	putname(&t, "pid");
	expect_table(s, &t, CF_OK, NULL);

	/* Trailing bytes after the last template: 1 and 2. */
	put8(&t, 0);
	expect_table(s, &t, CF_ERR_REJECTED, "table: 1 byte after its last template");
	put8(&t, 0);
	expect_table(s, &t, CF_ERR_REJECTED, "table: 2 bytes after its last template");

	/* Unknown templates and fields are kept (only records using them fail). */
	RESET();
	put16(&t, 2);
	putname(&t, "web-request");
	put16(&t, 1);
	putname(&t, "url");
	putname(&t, "dns-query");
	put16(&t, 2);
	putname(&t, "no_such_field");
	putname(&t, "pid");
	assert_int_equal(cf_sensor_evmap_new(s, t.data, t.len, &m, msg, sizeof msg), CF_OK);
	assert_int_equal(cf_sensor_evmap_template_count(m), 2);
	assert_string_equal(cf_sensor_evmap_template_name(m, 0), "web-request");
	assert_string_equal(cf_sensor_evmap_template_name(m, 1), "dns-query");
	cf_sensor_evmap_free(m);
#undef RESET
	cf_buf_free(&t);
	cf_sensor_free(s);
	cf_templates_free(set);
}

static void test_evstream_record_hostile(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.11.0");
	/*
	 * The stream's table, in an order of its own:
	 *   0 process-creation: pid, image, is_elevated, nosuch, user
	 *   1 no-such-template: a
	 *   2 ipc-named-pipe: 234 unknown names, then its 21 fields (index 254 is
	 *     pipe_sddl, which 7.11.0 does not supply)
	 */
	cf_buf t;
	cf_buf_init(&t, 0);
	put16(&t, 3);
	putname(&t, "process-creation");
	put16(&t, 5);
	putname(&t, "pid");
	putname(&t, "image");
	putname(&t, "is_elevated");
	putname(&t, "nosuch");
	putname(&t, "user");
	putname(&t, "no-such-template");
	put16(&t, 1);
	putname(&t, "a");
	putname(&t, "ipc-named-pipe");
	put16(&t, 255);
	for (unsigned i = 0; i < 234; i++) {
		char name[16];
		snprintf(name, sizeof name, "x%03u", i);
		putname(&t, name);
	}
	const cf_template *ipc = cf_templates_find(set, "ipc-named-pipe");
	assert_int_equal(ipc->field_count, 21);
	for (unsigned i = 0; i < 21; i++)
		putname(&t, ipc->fields[i].name);
	cf_sensor_evmap *m = NULL;
	char msg[512];
	assert_int_equal(cf_sensor_evmap_new(s, t.data, t.len, &m, msg, sizeof msg), CF_OK);
	cf_sensor_event *ev = NULL;
	assert_int_equal(cf_sensor_event_new(s, &ev), CF_OK);
	int pc = cf_sensor_template_index(s, "process-creation");
	int ip = cf_sensor_template_index(s, "ipc-named-pipe");
	cf_buf r;
	cf_buf_init(&r, 0);
#define REC(tmpl, nv) (r.len = 0, put16(&r, tmpl), put16(&r, nv))

	/* A good record first: every kind, fields in the table's order. */
	REC(0, 4);
	vuint(&r, 0, 42);
	vstr(&r, 1, "C:\\x.exe");
	vkind(&r, 2, CF_EVSTREAM_TRUE);
	vkind(&r, 4, CF_EVSTREAM_NULL);
	expect_decode(ev, m, &r, CF_OK, NULL);
	assert_string_equal(cf_sensor_event_template(ev), "process-creation");
	const cf_sensor_value *v = ev->vals[pc];
	assert_int_equal(v[2].type, CF_TYPE_UINT);
	assert_int_equal(v[2].u, 42);
	assert_int_equal(v[0].type, CF_TYPE_STRING);
	assert_int_equal(v[0].len, 8);
	assert_memory_equal(v[0].s, "C:\\x.exe", 8);
	assert_int_equal(v[8].type, CF_TYPE_BOOL);
	assert_int_equal(v[8].u, 1);
	assert_int_equal(v[6].type, 0); /* null: absent */
	assert_int_equal(v[1].type, 0); /* not given: absent */
	/* No values at all: an event with every field absent. */
	REC(0, 0);
	expect_decode(ev, m, &r, CF_OK, NULL);
	assert_int_equal(ev->vals[pc][2].type, 0); /* the last record's values are gone */
	assert_int_equal(ev->vals[pc][0].type, 0);

	/* Shorter than 4 bytes: 0 and 3. */
	r.len = 0;
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "record of 0 bytes (at least 4)");
	put16(&r, 0);
	put8(&r, 0);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "record of 3 bytes (at least 4)");
	/* Over the cap: CF_ERR_LIMIT before a byte is read. */
	uint8_t *big = calloc(1, CF_EVSTREAM_RECORD_MAX + 1);
	assert_non_null(big);
	assert_int_equal(
	    cf_sensor_event_decode(ev, m, big, CF_EVSTREAM_RECORD_MAX + 1, msg, sizeof msg),
	    CF_ERR_LIMIT);
	assert_non_null(strstr(msg, "record of 1048577 bytes exceeds the 1048576-byte cap"));
	/* At the cap: read (and here rejected for its trailing zeros). */
	assert_int_equal(
	    cf_sensor_event_decode(ev, m, big, CF_EVSTREAM_RECORD_MAX, msg, sizeof msg),
	    CF_ERR_REJECTED);
	assert_non_null(strstr(msg, "1048572 bytes after the record's last value"));
	free(big);

	/* Template index out of the table: 3 and 65535. */
	REC(3, 0);
	expect_decode(ev, m, &r, CF_ERR_REJECTED,
	              "template 3 is not in the stream's table (3 templates)");
	REC(0xffff, 0);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "template 65535 is not in the stream's table");
	/* A template this sensor does not supply. */
	REC(1, 0);
	expect_decode(ev, m, &r, CF_ERR_REJECTED,
	              "template 'no-such-template' is not supplied by sensor 7.11.0");
	/* More values than the table lists fields. */
	REC(0, 6);
	expect_decode(ev, m, &r, CF_ERR_REJECTED,
	              "6 values for template 'process-creation', whose table lists 5 fields");
	REC(1, 2);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "not supplied"); /* the template goes first */
	/* A value's header cut short: none, one of two bytes. */
	REC(0, 1);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "value 0 is truncated");
	put8(&r, 0);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "value 0 is truncated");
	REC(0, 2);
	vuint(&r, 0, 1);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "value 1 is truncated");
	/* A field index out of the table: 5 (one past) and 255. */
	REC(0, 1);
	vkind(&r, 5, CF_EVSTREAM_NULL);
	expect_decode(ev, m, &r, CF_ERR_REJECTED,
	              "value 0 names field 5; template 'process-creation' lists 5 in the table");
	REC(0, 1);
	vkind(&r, 255, CF_EVSTREAM_NULL);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "value 0 names field 255");
	/* A field given twice, whatever the kinds. */
	REC(0, 2);
	vuint(&r, 0, 1);
	vuint(&r, 0, 2);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'pid' is given twice");
	REC(0, 3);
	vkind(&r, 4, CF_EVSTREAM_NULL);
	vstr(&r, 1, "a");
	vkind(&r, 4, CF_EVSTREAM_NULL);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'user' is given twice");
	/* Kinds past 4: 5 and 255. */
	REC(0, 1);
	vkind(&r, 1, 5);
	expect_decode(ev, m, &r, CF_ERR_REJECTED,
	              "field 'image' has value kind 5 (0 .. 4 are defined)");
	REC(0, 1);
	vkind(&r, 0, 255);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'pid' has value kind 255");
	/* A string whose length runs past the record: by 1, and by 2^32-1. */
	REC(0, 1);
	vkind(&r, 1, CF_EVSTREAM_STRING);
	put32(&r, 4);
	putmem(&r, "abc", 3);
	expect_decode(ev, m, &r, CF_ERR_REJECTED,
	              "string of field 'image' (4 bytes) runs past the record");
	REC(0, 1);
	vkind(&r, 1, CF_EVSTREAM_STRING);
	put32(&r, UINT32_MAX);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "(4294967295 bytes) runs past the record");
	/* ... and its length word cut short. */
	REC(0, 1);
	vkind(&r, 1, CF_EVSTREAM_STRING);
	put16(&r, 0);
	put8(&r, 0);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "string of field 'image' is truncated");
	/* An empty string is a value, at the very end of the record. */
	REC(0, 1);
	vstr(&r, 1, "");
	expect_decode(ev, m, &r, CF_OK, NULL);
	assert_int_equal(ev->vals[pc][0].type, CF_TYPE_STRING);
	assert_int_equal(ev->vals[pc][0].len, 0);
	/* A truncated integer: 7 of 8 bytes, and none. */
	REC(0, 1);
	vkind(&r, 0, CF_EVSTREAM_UINT);
	putmem(&r, "\1\2\3\4\5\6\7", 7);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "integer of field 'pid' is truncated");
	REC(0, 1);
	vkind(&r, 0, CF_EVSTREAM_UINT);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "integer of field 'pid' is truncated");
	/* Bytes after the last value: 1, and a whole value too many. */
	REC(0, 1);
	vuint(&r, 0, 7);
	put8(&r, 0);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "1 byte after the record's last value");
	REC(0, 1);
	vuint(&r, 0, 7);
	vstr(&r, 1, "x");
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "7 bytes after the record's last value");
	REC(0, 0);
	put8(&r, 0);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "1 byte after the record's last value");
	/* A field the sensor does not know, even as null. */
	REC(0, 1);
	vstr(&r, 3, "x");
	expect_decode(ev, m, &r, CF_ERR_REJECTED,
	              "unknown field 'nosuch' for template 'process-creation'");
	REC(0, 1);
	vkind(&r, 3, CF_EVSTREAM_NULL);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "unknown field 'nosuch'");
	REC(2, 1);
	vkind(&r, 0, CF_EVSTREAM_TRUE);
	expect_decode(ev, m, &r, CF_ERR_REJECTED,
	              "unknown field 'x000' for template 'ipc-named-pipe'");
	/* Kinds that do not match the field's type. */
	REC(0, 1);
	vstr(&r, 0, "42");
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'pid' is a uint, not a string");
	REC(0, 1);
	vkind(&r, 0, CF_EVSTREAM_TRUE);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'pid' is a uint, not a boolean");
	REC(0, 1);
	vuint(&r, 1, 1);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'image' is a string, not an integer");
	REC(0, 1);
	vkind(&r, 1, CF_EVSTREAM_FALSE);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'image' is a string, not a boolean");
	REC(0, 1);
	vuint(&r, 2, 1);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'is_elevated' is a bool, not an integer");
	REC(0, 1);
	vstr(&r, 2, "true");
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'is_elevated' is a bool, not a string");
	/* A bad value after a good one: the record goes, not just the value. */
	REC(0, 2);
	vuint(&r, 0, 42);
	vuint(&r, 1, 1);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "is a string, not an integer");

	/* High stream field indexes (the given-twice bitmap's last word), and
	 * the reader not relying on manifest order. */
	REC(2, 3);
	vstr(&r, 234, "\\\\.\\pipe\\msagent_4f");
	vuint(&r, 234 + 17, 255); /* max_instances */
	vstr(&r, 254, "D:(A;;GA;;;WD)");
	expect_decode(ev, m, &r, CF_OK, NULL);
	assert_string_equal(cf_sensor_event_template(ev), "ipc-named-pipe");
	assert_int_equal(ev->vals[ip][0].type, CF_TYPE_STRING);
	assert_int_equal(ev->vals[ip][17].type, CF_TYPE_UINT);
	assert_int_equal(ev->vals[ip][17].u, 255);
	REC(2, 2);
	vkind(&r, 254, CF_EVSTREAM_NULL);
	vkind(&r, 254, CF_EVSTREAM_NULL);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'pipe_sddl' is given twice");
	REC(2, 2);
	vkind(&r, 234 + 4, CF_EVSTREAM_TRUE);
	vkind(&r, 234 + 4 - 64, CF_EVSTREAM_TRUE); /* same bit, another word */
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "unknown field 'x174'");
	/* pipe_sddl is checked although 7.11.0 drops it. */
	REC(2, 1);
	vuint(&r, 254, 1);
	expect_decode(ev, m, &r, CF_ERR_REJECTED, "field 'pipe_sddl' is a string, not an integer");

	/* A table of another sensor. */
	cf_sensor *other = sensor(set, "7.11.0");
	cf_sensor_evmap *m2 = NULL;
	assert_int_equal(cf_sensor_evmap_new(other, t.data, t.len, &m2, msg, sizeof msg), CF_OK);
	REC(0, 0);
	expect_decode(ev, m2, &r, CF_ERR_INVALID, "event and table of different sensors");
	expect_decode(ev, NULL, &r, CF_ERR_INVALID, "different sensors");
	cf_sensor_evmap_free(m2);
	cf_sensor_free(other);
	/* No message buffer: still a status. */
	REC(9, 0);
	assert_int_equal(cf_sensor_event_decode(ev, m, r.data, r.len, NULL, 0), CF_ERR_REJECTED);
#undef REC
	cf_buf_free(&r);
	cf_buf_free(&t);
	cf_sensor_event_free(ev);
	cf_sensor_evmap_free(m);
	cf_sensor_free(s);
	cf_templates_free(set);
}

/* Two reports lists are the same: matches in order, limit and bounds counts. */
static void same_hits(const hits *a, const hits *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->ids, b->ids, a->n * sizeof a->ids[0]);
	assert_int_equal(a->limits, b->limits);
	assert_int_equal(a->bounds, b->bounds);
}

/* Writer to reader: every kind of value; the decoded event is the values
 * written and matches what the same event as a JSON line matches. */
static void test_evstream_roundtrip(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.16.0");
	const tinst insts[] = {
	    {1, "image", {{"image", CF_CRIT_EQUALS, 0, 0, 0, "C:\\x.exe"}}},
	    {2, "pid", {{"pid", CF_CRIT_RANGE, 0, 40, 50, NULL}}},
	    {3, "elevated", {{"is_elevated", CF_CRIT_EQUALS, 0, 1, 0, NULL}}},
	    {4, "unsigned", {{"is_signed", CF_CRIT_EQUALS, 0, 0, 0, NULL}}},
	    {5, "empty-signer", {{"signer", CF_CRIT_EQUALS, 0, 0, 0, ""}}},
	    {6, "token-null", {{"token_elevation_type", CF_CRIT_RANGE, 0, 0, UINT64_MAX, NULL}}},
	    {7, "wildcard", {{NULL, 0, 0, 0, 0, NULL}}},
	    {8, "cmd", {{"command_line", CF_CRIT_PREFIX, 0, 0, 0, "a"}}},
	    {9, "session-max", {{"session_id", CF_CRIT_EQUALS, 0, UINT64_MAX, 0, NULL}}},
	    {10, "cmd-equals", {{"command_line", CF_CRIT_EQUALS, 0, 0, 0, "a"}}},
	};
	tfile f = {"process-creation", 310, 1, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, insts, sizeof insts / sizeof insts[0], &len);
	assert_int_equal(load(s, buf, len, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);

	cf_buf b;
	cf_buf_init(&b, 0);
	assert_int_equal(cf_evstream_put_header(&b, set), CF_OK);
	size_t hdr = b.len;
	/* The prefix, and a table naming every template of the set in order. */
	assert_memory_equal(b.data, CF_EVSTREAM_MAGIC, CF_EVSTREAM_MAGIC_LEN);
	assert_int_equal(le32(b.data + 8), CF_EVSTREAM_VERSION);
	assert_int_equal(le32(b.data + 12), hdr - CF_EVSTREAM_PREFIX_LEN);
	cf_sensor_evmap *m = map_of(s, &b);
	assert_int_equal(cf_sensor_evmap_template_count(m), cf_templates_count(set));
	for (size_t i = 0; i < cf_templates_count(set); i++)
		assert_string_equal(cf_sensor_evmap_template_name(m, i),
		                    cf_templates_get(set, i)->name);

	/* Record 1: what the JSON line below says. */
	uint16_t ti = set_index(set, "process-creation");
	const cf_template *t = cf_templates_get(set, ti);
	assert_int_equal(t->field_count, 16);
	cf_sensor_value vals[16];
	uint8_t given[16];
	memset(vals, 0, sizeof vals);
	memset(given, 0, sizeof given);
#define GIVE(name, val)                                                                            \
	do {                                                                                       \
		int fi_ = cf_template_field_index(t, name);                                        \
		assert_true(fi_ >= 0);                                                             \
		vals[fi_] = (val);                                                                 \
		given[fi_] = 1;                                                                    \
	} while (0)
	cf_sensor_value absent = {0, 0, NULL, 0};
	GIVE("image", str("C:\\x.exe"));
	GIVE("pid", uint_(42));
	GIVE("is_elevated", bool_(1));
	GIVE("is_signed", bool_(0));
	GIVE("signer", str(""));
	GIVE("token_elevation_type", absent); /* null */
	assert_int_equal(cf_evstream_put_record(&b, ti, vals, given, t->field_count), CF_OK);
	size_t at2 = b.len;
	static const char line[] =
	    "{\"template\": \"process-creation\", \"fields\": {\"image\": \"C:\\\\x.exe\", "
	    "\"pid\": 42, \"is_elevated\": true, \"is_signed\": false, \"signer\": \"\", "
	    "\"token_elevation_type\": null}}";

	/* Record 2: what JSON cannot say (a NUL byte, 2^64-1). */
	memset(given, 0, sizeof given);
	static const char nul[] = "a\0b";
	cf_sensor_value sn = {CF_TYPE_STRING, 0, nul, 3};
	GIVE("command_line", sn);
	GIVE("session_id", uint_(UINT64_MAX));
	GIVE("pid", uint_(0));
	assert_int_equal(cf_evstream_put_record(&b, ti, vals, given, t->field_count), CF_OK);
#undef GIVE
	/* Record 3: nothing given. */
	memset(given, 0, sizeof given);
	size_t at3 = b.len;
	assert_int_equal(cf_evstream_put_record(&b, ti, vals, given, t->field_count), CF_OK);
	assert_int_equal(b.len - at3, 8);
	assert_int_equal(le32(b.data + at3), 4);

	cf_sensor_event *ev = NULL, *jev = NULL;
	assert_int_equal(cf_sensor_event_new(s, &ev), CF_OK);
	assert_int_equal(cf_sensor_event_new(s, &jev), CF_OK);
	int pc = cf_sensor_template_index(s, "process-creation");
	char msg[256];
	hits hb, hj;

	assert_int_equal(
	    cf_sensor_event_decode(ev, m, b.data + hdr + 4, le32(b.data + hdr), msg, sizeof msg),
	    CF_OK);
	assert_int_equal(hdr + 4 + le32(b.data + hdr), at2);
	const cf_sensor_value *v = ev->vals[pc];
	assert_int_equal(v[0].type, CF_TYPE_STRING);
	assert_int_equal(v[0].len, 8);
	assert_memory_equal(v[0].s, "C:\\x.exe", 8);
	assert_int_equal(v[2].type, CF_TYPE_UINT);
	assert_int_equal(v[2].u, 42);
	assert_int_equal(v[8].type, CF_TYPE_BOOL);
	assert_int_equal(v[8].u, 1);
	assert_int_equal(v[11].type, CF_TYPE_BOOL);
	assert_int_equal(v[11].u, 0);
	assert_int_equal(v[12].type, CF_TYPE_STRING);
	assert_int_equal(v[12].len, 0);
	assert_int_equal(v[15].type, 0);
	assert_int_equal(v[1].type, 0);
	memset(&hb, 0, sizeof hb);
	assert_int_equal(cf_sensor_event_eval(s, ev, collect, &hb), 6);
	assert_true(matched(&hb, 1) && matched(&hb, 2) && matched(&hb, 3) && matched(&hb, 4));
	assert_true(matched(&hb, 5) && matched(&hb, 7));
	assert_false(matched(&hb, 6) || matched(&hb, 8) || matched(&hb, 9));
	assert_int_equal(cf_sensor_event_parse(jev, line, strlen(line), msg, sizeof msg), CF_OK);
	memset(&hj, 0, sizeof hj);
	assert_int_equal(cf_sensor_event_eval(s, jev, collect, &hj), 6);
	same_hits(&hb, &hj);
	for (unsigned i = 0; i < 16; i++) {
		const cf_sensor_value *x = &ev->vals[pc][i], *y = &jev->vals[pc][i];
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->u, y->u);
		assert_int_equal(x->len, y->len);
		if (x->len)
			assert_memory_equal(x->s, y->s, x->len);
	}

	/* Record 2: the bytes and the number as written. */
	assert_int_equal(
	    cf_sensor_event_decode(ev, m, b.data + at2 + 4, le32(b.data + at2), msg, sizeof msg),
	    CF_OK);
	v = ev->vals[pc];
	assert_int_equal(v[1].type, CF_TYPE_STRING);
	assert_int_equal(v[1].len, 3);
	assert_memory_equal(v[1].s, "a\0b", 3);
	assert_int_equal(v[9].type, CF_TYPE_UINT);
	assert_true(v[9].u == UINT64_MAX);
	assert_int_equal(v[2].u, 0);
	assert_int_equal(v[0].type, 0); /* record 1's image is gone */
	memset(&hb, 0, sizeof hb);
	cf_sensor_event_eval(s, ev, collect, &hb);
	assert_true(matched(&hb, 8) && matched(&hb, 9) && matched(&hb, 7));
	assert_false(matched(&hb, 2));
	assert_false(matched(&hb, 10)); /* "a\0b" is not "a": lengths, not C strings */

	/* Record 3: only the wildcard instance. */
	assert_int_equal(decode_at(ev, m, &b, at3, msg, sizeof msg), CF_OK);
	memset(&hb, 0, sizeof hb);
	assert_int_equal(cf_sensor_event_eval(s, ev, collect, &hb), 1);
	assert_true(matched(&hb, 7));

	/* The whole stream read back record by record: exactly three. */
	size_t pos = hdr, nrec = 0;
	while (pos < b.len) {
		assert_true(b.len - pos >= 4);
		uint32_t rl = le32(b.data + pos);
		assert_true(rl <= b.len - pos - 4);
		assert_int_equal(
		    cf_sensor_event_decode(ev, m, b.data + pos + 4, rl, msg, sizeof msg), CF_OK);
		pos += 4 + rl;
		nrec++;
	}
	assert_int_equal(pos, b.len);
	assert_int_equal(nrec, 3);

	cf_sensor_event_free(ev);
	cf_sensor_event_free(jev);
	cf_sensor_evmap_free(m);
	cf_buf_free(&b);
	free(buf);
	cf_sensor_free(s);
	cf_templates_free(set);
}

/* Compile and load the sample rules as `cfc run` would be given them. */
static void load_sample_rules(cf_sensor *s, const cf_template_set *set)
{
	static const char *const rules[][2] = {
	    {"samples/rules/c291-bad.yaml", NULL},
	    {"samples/rules/process-lineage.yaml", NULL},
	    {"samples/rules/dns-tunnel-1.yaml", "samples/rules/dns-tunnel-2.yaml"},
	};
	cf_compile_options opt;
	memset(&opt, 0, sizeof opt);
	opt.templates = set;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		cf_diag_list *d = cf_diags_new();
		cf_compile_result *r = NULL;
		assert_int_equal(cf_compile_files(&opt, rules[i], rules[i][1] ? 2 : 1, d, &r),
		                 CF_OK);
		size_t len;
		const uint8_t *bytes = cf_compile_result_bytes(r, &len);
		cf_sensor_load_result res;
		assert_int_equal(cf_sensor_load(s, rules[i][0], bytes, len, NULL, 0, &res, d),
		                 CF_OK);
		cf_compile_result_free(r);
		cf_diags_free(d);
	}
}

/* One JSON event line as `cfc pack-events` turns it into a record. */
static void pack_json(const cf_template_set *set, const char *line, size_t len, cf_buf *b)
{
	json_error_t je;
	json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(root);
	const char *tname;
	json_t *jf;
	char msg[256];
	assert_int_equal(cf_event_json_shape(root, &tname, &jf, msg, sizeof msg), CF_OK);
	uint16_t ti = set_index(set, tname);
	const cf_template *t = cf_templates_get(set, ti);
	cf_sensor_value vals[CF_MAX_FIELDS];
	uint8_t given[CF_MAX_FIELDS];
	memset(given, 0, sizeof given);
	const char *key;
	json_t *val;
	json_object_foreach(jf, key, val)
	{
		int f = cf_template_field_index(t, key);
		assert_true(f >= 0);
		assert_int_equal(
		    cf_event_json_value(key, val, t->fields[f].type, &vals[f], msg, sizeof msg),
		    CF_OK);
		given[f] = 1;
	}
	assert_int_equal(cf_evstream_put_record(b, ti, vals, given, t->field_count), CF_OK);
	json_decref(root);
}

/*
 * Every line of samples/events/ as a JSON line and as a record, on the
 * sample content, for the Channel 291 build and a fixed one: the same
 * matches in the same order, the same limit and bounds reports. The totals
 * are those of samples/events/README.md (7.11.0 loads no channel 291).
 */
static void test_evstream_samples_match_json(void **state)
{
	(void)state;
	static const char *const files[] = {"samples/events/ipc-named-pipe.jsonl",
	                                    "samples/events/process-creation.jsonl",
	                                    "samples/events/dns-query.jsonl"};
	static const struct {
		const char *version;
		size_t matches;
	} builds[] = {{"7.11.0", 40}, {"7.16.0", 60}};
	cf_template_set *set = templates();
	for (size_t bi = 0; bi < 2; bi++) {
		cf_sensor *s = sensor(set, builds[bi].version);
		load_sample_rules(s, set);
		cf_buf b;
		cf_buf_init(&b, 0);
		assert_int_equal(cf_evstream_put_header(&b, set), CF_OK);
		size_t hdr = b.len;
		cf_sensor_evmap *m = map_of(s, &b);
		cf_sensor_event *ev = NULL, *jev = NULL;
		assert_int_equal(cf_sensor_event_new(s, &ev), CF_OK);
		assert_int_equal(cf_sensor_event_new(s, &jev), CF_OK);
		size_t total = 0, lines = 0;
		for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
			FILE *fp = fopen(files[fi], "r");
			assert_non_null(fp);
			char *line = NULL;
			size_t cap = 0;
			ssize_t n;
			while ((n = getline(&line, &cap, fp)) > 0) {
				size_t len = (size_t)n;
				while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
					len--;
				if (!len)
					continue;
				char msg[256];
				assert_int_equal(
				    cf_sensor_event_parse(jev, line, len, msg, sizeof msg), CF_OK);
				b.len = hdr;
				pack_json(set, line, len, &b);
				assert_int_equal(decode_at(ev, m, &b, hdr, msg, sizeof msg), CF_OK);
				assert_string_equal(cf_sensor_event_template(ev),
				                    cf_sensor_event_template(jev));
				hits hb, hj;
				memset(&hb, 0, sizeof hb);
				memset(&hj, 0, sizeof hj);
				long nb = cf_sensor_event_eval(s, ev, collect, &hb);
				long nj = cf_sensor_event_eval(s, jev, collect, &hj);
				assert_int_equal(nb, nj);
				same_hits(&hb, &hj);
				total += (size_t)nb;
				lines++;
			}
			free(line);
			fclose(fp);
		}
		assert_int_equal(lines, 257);
		assert_int_equal(total, builds[bi].matches);
		cf_sensor_event_free(ev);
		cf_sensor_event_free(jev);
		cf_sensor_evmap_free(m);
		cf_buf_free(&b);
		cf_sensor_free(s);
	}
	cf_templates_free(set);
}

/*
 * Channel 291 through a stream: the table names all 21 ipc-named-pipe fields
 * and a record carries pipe_sddl. Build 7.11.0 decodes it into its 20 values
 * and drops the 21st: content that reaches the interpreter with a rule on
 * field 21 (past the loader, as in test_interpreter_bounds_check_without_loader)
 * does not match, and the access is a bounds event. Build 7.16.0 matches.
 */
static void test_evstream_c291_field_21(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s11 = sensor(set, "7.11.0"), *s16 = sensor(set, "7.16.0");
	tfile f = {"ipc-named-pipe", 291, 42, NULL, 0};
	size_t len;
	uint8_t *buf = build(set, &f, c291, 2, &len);
	cf_sensor_load_result lr;
	cf_diag_list *d = cf_diags_new();
	assert_int_equal(cf_sensor_load_unchecked(s11, "crafted.cf", buf, len, &lr, d), CF_OK);
	assert_int_equal(lr.outcome, CF_SENSOR_LOADED);
	assert_int_equal(load(s16, buf, len, NULL, NULL, 0).outcome, CF_SENSOR_LOADED);
	cf_diags_free(d);

	cf_buf b;
	cf_buf_init(&b, 0);
	assert_int_equal(cf_evstream_put_header(&b, set), CF_OK);
	size_t hdr = b.len;
	static const char line[] =
	    "{\"template\": \"ipc-named-pipe\", \"fields\": {\"pipe_name\": "
	    "\"\\\\\\\\.\\\\pipe\\\\msagent_4f\", \"operation\": \"create\", \"pipe_sddl\": "
	    "\"D:(A;;GA;;;WD)\"}}";
	pack_json(set, line, strlen(line), &b);
	/* The table lists pipe_sddl: the record carries it as field 20. */
	uint16_t ti = set_index(set, "ipc-named-pipe");
	assert_int_equal(b.data[hdr + 4] | b.data[hdr + 5] << 8, ti);
	assert_int_equal(b.data[hdr + 6], 3);
	int sddl_at_20 = 0;
	for (size_t pos = hdr + 8, i = 0; i < 3; i++) {
		uint8_t fi = b.data[pos], kind = b.data[pos + 1];
		pos += 2;
		assert_int_equal(kind, CF_EVSTREAM_STRING);
		uint32_t sl = le32(b.data + pos);
		if (fi == 20)
			sddl_at_20 = sl == strlen("D:(A;;GA;;;WD)") &&
			             memcmp(b.data + pos + 4, "D:(A;;GA;;;WD)", sl) == 0;
		pos += 4 + sl;
		assert_true(pos <= b.len);
	}
	assert_true(sddl_at_20);

	char msg[256];
	hits hb, hj;
	/* 7.11.0: supplies 20, the record decodes, pipe_sddl is dropped. */
	int t11 = cf_sensor_template_index(s11, "ipc-named-pipe");
	assert_int_equal(cf_sensor_supplied(s11, t11), 20);
	assert_int_equal(cf_sensor_template_fields(s11, t11), 21);
	cf_sensor_evmap *m11 = map_of(s11, &b);
	cf_sensor_event *ev = NULL, *jev = NULL;
	assert_int_equal(cf_sensor_event_new(s11, &ev), CF_OK);
	assert_int_equal(cf_sensor_event_new(s11, &jev), CF_OK);
	assert_int_equal(decode_at(ev, m11, &b, hdr, msg, sizeof msg), CF_OK);
	assert_int_equal(ev->vals[t11][0].type, CF_TYPE_STRING);
	assert_int_equal(ev->vals[t11][7].type, CF_TYPE_STRING);
	memset(&hb, 0, sizeof hb);
	hb.bounds_field = -1;
	assert_int_equal(cf_sensor_event_eval(s11, ev, collect, &hb), 1);
	assert_true(matched(&hb, 1001));
	assert_false(matched(&hb, 1007));
	assert_int_equal(hb.bounds, 1);
	assert_int_equal(hb.bounds_field, 20);
	/* As the JSON line does. */
	assert_int_equal(cf_sensor_event_parse(jev, line, strlen(line), msg, sizeof msg), CF_OK);
	memset(&hj, 0, sizeof hj);
	hj.bounds_field = -1;
	assert_int_equal(cf_sensor_event_eval(s11, jev, collect, &hj), 1);
	same_hits(&hb, &hj);
	/* The dropped value is still checked: a number for pipe_sddl. */
	cf_buf r;
	cf_buf_init(&r, 0);
	put16(&r, ti);
	put16(&r, 1);
	vuint(&r, 20, 7);
	expect_decode(ev, m11, &r, CF_ERR_REJECTED,
	              "field 'pipe_sddl' is a string, not an integer");
	cf_buf_free(&r);
	cf_sensor_event_free(ev);
	cf_sensor_event_free(jev);
	cf_sensor_evmap_free(m11);

	/* 7.16.0: the same bytes, and the field-21 rule fires. */
	cf_sensor_evmap *m16 = map_of(s16, &b);
	assert_int_equal(cf_sensor_event_new(s16, &ev), CF_OK);
	assert_int_equal(decode_at(ev, m16, &b, hdr, msg, sizeof msg), CF_OK);
	int t16 = cf_sensor_template_index(s16, "ipc-named-pipe");
	assert_int_equal(ev->vals[t16][20].type, CF_TYPE_STRING);
	memset(&hb, 0, sizeof hb);
	assert_int_equal(cf_sensor_event_eval(s16, ev, collect, &hb), 2);
	assert_true(matched(&hb, 1001) && matched(&hb, 1007));
	assert_int_equal(hb.bounds, 0);
	cf_sensor_event_free(ev);
	cf_sensor_evmap_free(m16);

	cf_buf_free(&b);
	free(buf);
	cf_sensor_free(s11);
	cf_sensor_free(s16);
	cf_templates_free(set);
}

/* A record that cannot be written leaves the buffer as it was. */
static void test_evstream_writer_failure(void **state)
{
	(void)state;
	cf_template_set *set = templates();
	cf_sensor *s = sensor(set, "7.16.0");
	cf_buf b;
	cf_buf_init(&b, 0);
	assert_int_equal(cf_evstream_put_header(&b, set), CF_OK);
	uint16_t ti = set_index(set, "dns-query");
	assert_int_equal(cf_templates_get(set, ti)->field_count, 13);
	size_t at = b.len;
	uint8_t *before = malloc(at);
	assert_non_null(before);
	memcpy(before, b.data, at);
	/* The largest string a record holds: the record is 4 (template, count)
	 * + 2 (field, kind) + 4 (length) bytes more, exactly at the cap. */
	size_t most = CF_EVSTREAM_RECORD_MAX - 10;
	char *big = malloc(CF_EVSTREAM_RECORD_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', CF_EVSTREAM_RECORD_MAX + 2);
	cf_sensor_value vals[13];
	uint8_t given[13];
	memset(vals, 0, sizeof vals);
	memset(given, 0, sizeof given);
	given[0] = 1;
	vals[0] = (cf_sensor_value){CF_TYPE_STRING, 0, big, 0};
	const size_t over[] = {CF_EVSTREAM_RECORD_MAX + 1, CF_EVSTREAM_RECORD_MAX, most + 1};
	for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
		vals[0].len = over[i];
		assert_int_equal(cf_evstream_put_record(&b, ti, vals, given, 13), CF_ERR_REJECTED);
		assert_int_equal(b.len, at);
		assert_memory_equal(b.data, before, at);
	}
	/* A good value and then one too long: the first is taken back too. */
	vals[1] = uint_(1);
	given[1] = 1;
	vals[5] = uint_(2);
	given[5] = 1;
	vals[0].len = most; /* with the two integers, 20 bytes over */
	assert_int_equal(cf_evstream_put_record(&b, ti, vals, given, 13), CF_ERR_REJECTED);
	assert_int_equal(b.len, at);
	/* Too many values. */
	assert_int_equal(cf_evstream_put_record(&b, ti, vals, given, CF_MAX_FIELDS + 1),
	                 CF_ERR_INVALID);
	assert_int_equal(b.len, at);
	/* Exactly at the cap: written, and read back. */
	given[1] = given[5] = 0;
	assert_int_equal(cf_evstream_put_record(&b, ti, vals, given, 13), CF_OK);
	assert_int_equal(le32(b.data + at), CF_EVSTREAM_RECORD_MAX);
	assert_int_equal(b.len, at + 4 + CF_EVSTREAM_RECORD_MAX);
	cf_sensor_evmap *m = map_of(s, &b);
	cf_sensor_event *ev = NULL;
	assert_int_equal(cf_sensor_event_new(s, &ev), CF_OK);
	char msg[256];
	assert_int_equal(decode_at(ev, m, &b, at, msg, sizeof msg), CF_OK);
	int dq = cf_sensor_template_index(s, "dns-query");
	assert_int_equal(ev->vals[dq][0].len, most);
	/* A record after a failed one follows the last good one directly. */
	size_t at2 = b.len;
	vals[0].len = most + 1;
	assert_int_equal(cf_evstream_put_record(&b, ti, vals, given, 13), CF_ERR_REJECTED);
	assert_int_equal(b.len, at2);
	vals[0] = str("x.example");
	assert_int_equal(cf_evstream_put_record(&b, ti, vals, given, 13), CF_OK);
	assert_int_equal(decode_at(ev, m, &b, at2, msg, sizeof msg), CF_OK);
	assert_int_equal(ev->vals[dq][0].len, 9);
	cf_sensor_event_free(ev);
	cf_sensor_evmap_free(m);

	/* A buffer that would pass its limit: CF_ERR_LIMIT, nothing left. */
	cf_buf small;
	cf_buf_init(&small, at + 20);
	assert_int_equal(cf_evstream_put_header(&small, set), CF_OK);
	vals[0] = str("0123456789");
	assert_int_equal(cf_evstream_put_record(&small, ti, vals, given, 13), CF_ERR_LIMIT);
	assert_int_equal(small.len, at);
	assert_memory_equal(small.data, before, at);
	vals[0] = str("012345");
	assert_int_equal(cf_evstream_put_record(&small, ti, vals, given, 13), CF_OK);
	assert_int_equal(small.len, at + 20);
	cf_buf_free(&small);
	/* ... and a header that does not fit. */
	cf_buf_init(&small, at - 1);
	assert_int_equal(cf_evstream_put_header(&small, set), CF_ERR_LIMIT);
	assert_int_equal(small.len, 0);
	cf_buf_free(&small);
	/* A set with no template cannot be named in a table. */
	cf_template_set *none = cf_templates_new();
	cf_buf_init(&small, 0);
	assert_int_equal(cf_evstream_put_header(&small, none), CF_ERR_INVALID);
	assert_int_equal(small.len, 0);
	cf_buf_free(&small);
	cf_templates_free(none);

	free(big);
	free(before);
	cf_buf_free(&b);
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
				if (!pool[i][k][0]) /* the format has no empty prefix */
					strcpy(pool[i][k], "a");
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
	    cmocka_unit_test(test_evstream_prefix),
	    cmocka_unit_test(test_evstream_table_hostile),
	    cmocka_unit_test(test_evstream_record_hostile),
	    cmocka_unit_test(test_evstream_roundtrip),
	    cmocka_unit_test(test_evstream_samples_match_json),
	    cmocka_unit_test(test_evstream_c291_field_21),
	    cmocka_unit_test(test_evstream_writer_failure),
	    cmocka_unit_test(test_rings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
