/*
 * fuzz_load.c - hostile channel files through everything that reads one
 * after the verifier: cfc lint (every check, regex analysis included,
 * against samples/templates) and the reference sensor's loader and
 * interpreter (builds 7.11.0 and 7.16.0).
 *
 * The input's checksum is made valid first (as fuzz_format does for its
 * second pass) so that mutations reach the checks behind it. What loads is
 * evaluated on one event per template with every supplied field present:
 * strings "x", uints 1, bools true.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include <cf/format.h>
#include <cf/lint.h>
#include <cf/sensor.h>
#include "fuzz/fuzz_common.h"

static void count_report(void *ud, const cf_sensor_report *r)
{
	*(size_t *)ud += r->instance + (size_t)r->kind;
}

static void load_and_run(const char *build, const uint8_t *buf, size_t len)
{
	cf_diag_list *d = cf_diags_new();
	cf_sensor *s = NULL;
	if (!d || cf_sensor_new(build, fuzz_templates(), &s, d) != CF_OK)
		fuzz_die("cannot make the sensor");
	cf_sensor_load_result res;
	if (cf_sensor_load(s, "fuzz.cf", buf, len, NULL, 0, &res, d) == CF_OK &&
	    res.outcome == CF_SENSOR_LOADED) {
		size_t sink = 0;
		for (size_t t = 0; t < cf_sensor_template_count(s); t++) {
			int ti = (int)t;
			unsigned n = cf_sensor_supplied(s, ti);
			cf_sensor_value vals[CF_MAX_FIELDS];
			memset(vals, 0, sizeof vals);
			for (unsigned f = 0; f < n && f < CF_MAX_FIELDS; f++) {
				vals[f].type = cf_sensor_field_type(s, ti, f);
				vals[f].u = 1;
				vals[f].s = "x";
				vals[f].len = 1;
			}
			(void)cf_sensor_eval(s, ti, vals, n, count_report, &sink);
		}
		volatile size_t keep = sink;
		(void)keep;
	}
	cf_sensor_free(s);
	cf_diags_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4 || size > ((size_t)1 << 20))
		return 0;
	uint8_t *buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	uint32_t crc = cf_crc32c(buf, size - 4);
	for (int i = 0; i < 4; i++)
		buf[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
	cf_view v;
	cf_verify_error e;
	if (cf_verify(buf, size, &v, &e) == CF_OK) {
		cf_diag_list *d = cf_diags_new();
		cf_lint_opts lo = {0};
		if (d)
			(void)cf_lint_file(fuzz_templates(), "fuzz.cf", buf, size, &lo, d);
		cf_diags_free(d);
		load_and_run("7.11.0", buf, size);
		load_and_run("7.16.0", buf, size);
	}
	free(buf);
	return 0;
}
