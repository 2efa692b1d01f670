/*
 * fuzz_events.c - event lines (cf_sensor_event_parse) and the interpreter
 * on what parses (cf_sensor_event_eval).
 *
 * One reference sensor of build 7.11.0 (the Channel 291 build: it supplies
 * 20 of the 21 IPC fields) with samples/templates and every sample rule
 * compiled and loaded once. Each input is split into lines as `cfc run
 * --events` splits its file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
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

static cf_sensor *sensor_setup(void)
{
	cf_sensor *s = NULL;
	cf_diag_list *d = cf_diags_new();
	if (!d || cf_sensor_new("7.11.0", fuzz_templates(), &s, d) != CF_OK)
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

static void count_report(void *ud, const cf_sensor_report *r)
{
	*(size_t *)ud += r->instance + (size_t)r->kind;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cf_sensor *s;
	if (!s)
		s = sensor_setup();
	cf_sensor_event *ev = NULL;
	if (cf_sensor_event_new(s, &ev) != CF_OK)
		return 0;
	const char *p = (const char *)data, *end = p + size;
	size_t sink = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char msg[256];
		if (cf_sensor_event_parse(ev, p, len, msg, sizeof msg) == CF_OK) {
			if (!cf_sensor_event_template(ev))
				fuzz_die("a parsed event without a template");
			(void)cf_sensor_event_eval(s, ev, count_report, &sink);
		}
		p += len + (nl ? 1 : 0);
	}
	cf_sensor_event_free(ev);
	volatile size_t keep = sink;
	(void)keep;
	return 0;
}
