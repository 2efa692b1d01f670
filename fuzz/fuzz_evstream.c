/*
 * fuzz_evstream.c - binary event streams (format/EVENTS.md): the prefix
 * (cf_evstream_prefix), the table (cf_sensor_evmap_new), records
 * (cf_sensor_event_decode) and the interpreter on what decodes.
 *
 * Two reference sensors with samples/templates and every sample rule
 * compiled and loaded once, as in fuzz_events.c: build 7.11.0 (the Channel
 * 291 build: it supplies 20 of the 21 IPC fields, so a stream's 21st value
 * is dropped) and build 7.16.0 (which supplies it). Each input is read
 * three ways:
 *
 *   1. as a whole stream, the way `cfc run` reads one: prefix, table, then
 *      length-prefixed records decoded and evaluated until the input ends;
 *   2. as one record against a fixed valid table (the one `cfc pack-events
 *      -t samples/templates` writes), so that record bytes are reached
 *      without a valid prefix and table in front;
 *   3. as a table.
 *
 * Every table and record is copied into a heap block of its exact size, so
 * that a read one byte past it is a sanitizer report.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include <cf/compile.h>
#include <cf/sensor.h>
#include "fuzz/fuzz_common.h"

static const char *const RULES[] = {
    "samples/rules/c291-bad.yaml",        "samples/rules/c291-fixed.yaml",
    "samples/rules/dns-tunnel-1.yaml",    "samples/rules/dns-tunnel-2.yaml",
    "samples/rules/process-lineage.yaml",
};

static cf_sensor *sensor_setup(const char *version)
{
	cf_sensor *s = NULL;
	cf_diag_list *d = cf_diags_new();
	if (!d || cf_sensor_new(version, fuzz_templates(), &s, d) != CF_OK)
		fuzz_die("cannot make the sensor");
	cf_compile_options opt = {.templates = fuzz_templates()};
	for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++) {
		/* dns-tunnel-1 and -2 form one channel. */
		if (i == 3)
			continue;
		const char *paths[2] = {RULES[i], RULES[i] == RULES[2] ? RULES[3] : NULL};
		char full[2][4096];
		for (size_t k = 0; k < 2 && paths[k]; k++) {
			if (snprintf(full[k], sizeof full[k], "%s", fuzz_src_path(paths[k])) >=
			    (int)sizeof full[k])
				fuzz_die("source path too long");
			paths[k] = full[k];
		}
		cf_compile_result *r = NULL;
		cf_diag_list *cd = cf_diags_new();
		if (!cd || cf_compile_files(&opt, paths, paths[1] ? 2 : 1, cd, &r) != CF_OK)
			fuzz_die("a sample rule does not compile");
		cf_diags_free(cd);
		size_t len = 0;
		const uint8_t *bytes = cf_compile_result_bytes(r, &len);
		cf_sensor_load_result res;
		if (cf_sensor_load(s, paths[0], bytes, len, NULL, 0, &res, d) != CF_OK)
			fuzz_die("cannot load a sample");
		cf_compile_result_free(r);
	}
	if (cf_sensor_channel_count(s) == 0)
		fuzz_die("no sample content loaded");
	cf_diags_free(d);
	return s;
}

/* The table `cfc pack-events -t samples/templates` writes, resolved by s. */
static cf_sensor_evmap *fixed_map(const cf_sensor *s)
{
	cf_buf b;
	cf_buf_init(&b, 0);
	uint32_t tl = 0;
	char msg[256];
	cf_sensor_evmap *m = NULL;
	if (cf_evstream_put_header(&b, fuzz_templates()) != CF_OK ||
	    cf_evstream_prefix(b.data, b.len, &tl, msg, sizeof msg) != CF_OK ||
	    (size_t)tl + CF_EVSTREAM_PREFIX_LEN != b.len ||
	    cf_sensor_evmap_new(s, b.data + CF_EVSTREAM_PREFIX_LEN, tl, &m, msg, sizeof msg) !=
	        CF_OK)
		fuzz_die("cannot make the fixed table");
	cf_buf_free(&b);
	return m;
}

static void count_report(void *ud, const cf_sensor_report *r)
{
	*(size_t *)ud += r->instance + (size_t)r->kind;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A heap copy of exactly n bytes (one byte allocated for n = 0). */
static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (c && n)
		memcpy(c, p, n);
	return c;
}

/* Decode one record and evaluate what decodes. */
static void record(cf_sensor *s, cf_sensor_event *ev, const cf_sensor_evmap *m, const uint8_t *p,
                   size_t len, size_t *sink)
{
	uint8_t *rec = copy(p, len);
	if (!rec)
		return;
	char msg[256];
	cf_status st = cf_sensor_event_decode(ev, m, rec, len, msg, sizeof msg);
	if (st == CF_OK) {
		if (!cf_sensor_event_template(ev))
			fuzz_die("a decoded record without a template");
		if (cf_sensor_event_eval(s, ev, count_report, sink) < 0)
			fuzz_die("a decoded record the interpreter refuses");
	} else {
		if (cf_sensor_event_template(ev))
			fuzz_die("a rejected record left an event behind");
		if (!msg[0])
			fuzz_die("a rejected record without a message");
		if (st == CF_ERR_LIMIT && len <= CF_EVSTREAM_RECORD_MAX)
			fuzz_die("a record under the cap refused for its size");
	}
	free(rec);
}

/* A table: resolved, its names checked, or rejected with a message. */
static cf_sensor_evmap *table(const cf_sensor *s, const uint8_t *p, size_t len)
{
	uint8_t *tab = copy(p, len);
	if (!tab)
		return NULL;
	cf_sensor_evmap *m = NULL;
	char msg[256];
	cf_status st = cf_sensor_evmap_new(s, tab, len, &m, msg, sizeof msg);
	free(tab); /* the map keeps nothing of the table's bytes */
	if (st == CF_OK) {
		size_t n = cf_sensor_evmap_template_count(m);
		if (n == 0 || n > CF_EVSTREAM_TEMPLATES_MAX)
			fuzz_die("a table with a bad template count");
		for (size_t i = 0; i < n; i++) {
			const char *name = cf_sensor_evmap_template_name(m, i);
			if (!name || !name[0] || strlen(name) > 255)
				fuzz_die("a table with a bad template name");
		}
		if (cf_sensor_evmap_template_name(m, n))
			fuzz_die("a template past the table's count");
	} else if (m || !msg[0]) {
		fuzz_die("a rejected table left a map or no message");
	}
	return m;
}

/* The input as a whole stream, read record by record as `cfc run` does. */
static void stream(cf_sensor *s, cf_sensor_event *ev, const uint8_t *data, size_t size,
                   size_t *sink)
{
	uint32_t tl = 0;
	char msg[256];
	if (cf_evstream_prefix(data, size, &tl, msg, sizeof msg) != CF_OK) {
		if (tl != 0 || !msg[0])
			fuzz_die("a rejected prefix with a table length or no message");
		return;
	}
	if (tl < 2 || tl > CF_EVSTREAM_TABLE_MAX)
		fuzz_die("a prefix accepted with a bad table length");
	size_t pos = CF_EVSTREAM_PREFIX_LEN;
	if (size - pos < tl)
		return; /* table truncated */
	cf_sensor_evmap *m = table(s, data + pos, tl);
	if (!m)
		return;
	pos += tl;
	while (size - pos >= 4) {
		uint32_t len = le32(data + pos);
		pos += 4;
		if (len > CF_EVSTREAM_RECORD_MAX || len > size - pos)
			break; /* skipped unread, or truncated: either way the input ends */
		record(s, ev, m, data + pos, len, sink);
		pos += len;
	}
	cf_sensor_evmap_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cf_sensor *s[2];
	static cf_sensor_evmap *fixed[2];
	if (!s[0]) {
		s[0] = sensor_setup("7.11.0");
		s[1] = sensor_setup("7.16.0");
		fixed[0] = fixed_map(s[0]);
		fixed[1] = fixed_map(s[1]);
	}
	size_t sink = 0;
	for (int i = 0; i < 2; i++) {
		cf_sensor_event *ev = NULL;
		if (cf_sensor_event_new(s[i], &ev) != CF_OK)
			return 0;
		stream(s[i], ev, data, size, &sink);
		record(s[i], ev, fixed[i], data, size, &sink);
		/* A table of one sensor with an event of the other. */
		uint8_t hdr[4] = {0, 0, 0, 0};
		char msg[64];
		if (cf_sensor_event_decode(ev, fixed[1 - i], hdr, sizeof hdr, msg, sizeof msg) !=
		    CF_ERR_INVALID)
			fuzz_die("a record decoded against another sensor's table");
		cf_sensor_event_free(ev);
	}
	cf_sensor_evmap_free(table(s[1], data, size));
	volatile size_t keep = sink;
	(void)keep;
	return 0;
}
