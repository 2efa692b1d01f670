/*
 * fuzz_template.c - template manifests from a buffer (cf_templates_load_buffer):
 * the YAML layer, the manifest schema and the fingerprint.
 *
 * Whatever loads is read back through every lookup the compiler and the
 * linter use.
 */
#include <stdint.h>
#include <stdlib.h>

#include <cf/base.h>
#include <cf/template.h>
#include "fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cf_template_set *set = cf_templates_new();
	cf_diag_list *d = cf_diags_new();
	if (!set || !d)
		goto out;
	cf_status st = cf_templates_load_buffer(set, "fuzz.yaml", data, size, d);
	if (st == CF_OK && cf_diags_errors(d) != 0)
		fuzz_die("CF_OK with errors");
	if (st != CF_OK && st != CF_ERR_NOMEM && cf_diags_errors(d) == 0)
		fuzz_die("rejected without an error diagnostic");
	volatile size_t sink = 0;
	for (size_t i = 0; i < cf_templates_count(set); i++) {
		const cf_template *t = cf_templates_get(set, i);
		if (cf_templates_find(set, t->name) != t || cf_templates_find_id(set, t->id) != t)
			fuzz_die("lookup does not find a loaded template");
		for (unsigned f = 0; f < t->field_count; f++)
			if (cf_template_field_index(t, t->fields[f].name) != (int)f)
				fuzz_die("field lookup");
		for (size_t s = 0; s < t->sensor_count; s++) {
			if (t->sensors[s].supplies > t->field_count)
				fuzz_die("supplies over field_count");
			sink += (size_t)(cf_template_sensor(t, t->sensors[s].version) != NULL);
		}
	}
	for (size_t i = 0; i < cf_diags_count(d); i++) {
		const cf_diag *g = cf_diags_get(d, i);
		sink += g->line + g->col;
	}
	(void)sink;
out:
	cf_diags_free(d);
	cf_templates_free(set);
	return 0;
}
