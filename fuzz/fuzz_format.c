/*
 * fuzz_format.c - the channel-file verifier, the accessors and `dump`.
 *
 * Each input is verified as it is, then again with its checksum made valid
 * so that mutations reach the structural checks behind it. Whatever
 * verifies is walked through every accessor and dumped as YAML and JSON.
 *
 * Oracle: the verifier accepts only what the builder writes, so the YAML
 * dump compiles back to the same bytes (format/SPEC.md), against
 * samples/templates when the file's template is there, else against a
 * manifest written from the header. Exempt: a header fingerprint that is not
 * the hash of the file's own fields (no manifest can reproduce it), and a
 * regex PCRE2 rejects (regex syntax is lint's, not the verifier's).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cf/compile.h>
#include <cf/format.h>
#include "fuzz/fuzz_common.h"

/* A manifest for exactly the file's template; NULL when out of memory. */
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
	cf_template_set *set = cf_templates_new();
	cf_diag_list *d = cf_diags_new();
	cf_status st = set && d ? cf_templates_load_buffer(set, "from-header.yaml",
	                                                   (const uint8_t *)text, (size_t)n, d)
	                        : CF_ERR_NOMEM;
	if (st != CF_OK && st != CF_ERR_NOMEM && !cf_diags_oom(d))
		fuzz_die("the manifest written from a verified header does not load");
	cf_diags_free(d);
	if (st != CF_OK) {
		cf_templates_free(set);
		return NULL;
	}
	return set;
}

static void dump_compile(const cf_view *v, const uint8_t *buf, size_t len, const char *yaml,
                         size_t ylen)
{
	cf_fp_field fields[CF_MAX_FIELDS];
	for (unsigned f = 0; f < v->hdr.field_count; f++) {
		cf_str name;
		cf_view_field(v, f, &name, &fields[f].type);
		fields[f].name = name.ptr;
	}
	uint8_t fp[CF_FINGERPRINT_SIZE];
	if (cf_template_fingerprint(v->hdr.template_name.ptr, v->hdr.template_id,
	                            v->hdr.template_version, fields, v->hdr.field_count,
	                            fp) != CF_OK ||
	    memcmp(fp, v->hdr.fingerprint, CF_FINGERPRINT_SIZE) != 0)
		return;
	const cf_template_set *set = fuzz_templates();
	const cf_template *t = cf_templates_find(set, v->hdr.template_name.ptr);
	cf_template_set *own = NULL;
	if (!t || memcmp(t->fingerprint, fp, CF_FINGERPRINT_SIZE) != 0) {
		if (!(own = manifest_from_header(v)))
			return;
		set = own;
	}
	cf_compile_options opt = {.templates = set, .strip_source = !v->hdr.has_source_map};
	cf_compile_source src = {"dump.yaml", (const uint8_t *)yaml, ylen};
	cf_diag_list *d = cf_diags_new();
	cf_compile_result *r = NULL;
	cf_status st = d ? cf_compile_sources(&opt, &src, 1, d, &r) : CF_ERR_NOMEM;
	if (st == CF_OK) {
		size_t len2 = 0;
		const uint8_t *again = cf_compile_result_bytes(r, &len2);
		if (len2 != len || memcmp(again, buf, len) != 0)
			fuzz_die("a verified file: dump then compile gives other bytes");
	} else if (st == CF_ERR_REJECTED && !cf_diags_oom(d)) {
		for (size_t i = 0; i < cf_diags_count(d); i++) {
			const cf_diag *g = cf_diags_get(d, i);
			if (g->severity == CF_ERROR && (!g->code || strcmp(g->code, "regex-invalid")))
				fuzz_die("a verified file: its dump does not compile");
		}
	}
	cf_compile_result_free(r);
	cf_diags_free(d);
	cf_templates_free(own);
}

static void walk(const cf_view *v, const uint8_t *buf, size_t len)
{
	volatile size_t sink = 0;
	for (unsigned f = 0; f < v->hdr.field_count; f++) {
		cf_str name;
		uint8_t type;
		cf_view_field(v, f, &name, &type);
		sink += name.len + type;
	}
	for (uint32_t i = 0; i < v->hdr.instance_count; i++) {
		cf_instance in;
		cf_srcloc loc;
		cf_view_instance(v, i, &in);
		cf_view_instance_loc(v, i, &loc);
		sink += in.name.len + loc.file.len + (size_t)cf_view_find_instance(v, in.id);
		for (unsigned f = 0; f < v->hdr.field_count; f++) {
			cf_criterion c;
			cf_view_criterion(v, i, f, &c);
			cf_view_criterion_loc(v, i, f, &loc);
			if (c.str.len)
				sink += (uint8_t)c.str.ptr[c.str.len - 1] +
				        (uint8_t)c.str.ptr[c.str.len];
			sink += loc.line;
		}
	}
	char *out = NULL;
	size_t olen = 0;
	if (cf_dump_yaml(v, &out, &olen) == CF_OK) {
		dump_compile(v, buf, len, out, olen);
		free(out);
	}
	if (cf_dump_json(v, &out, &olen) == CF_OK)
		free(out);
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cf_view v;
	cf_verify_error e;
	if (cf_verify(data, size, &v, &e) == CF_OK)
		walk(&v, data, size);
	if (size < 4 || size > ((size_t)1 << 24))
		return 0;
	uint8_t *copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	uint32_t crc = cf_crc32c(copy, size - 4);
	for (int i = 0; i < 4; i++)
		copy[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
	if (cf_verify(copy, size, &v, &e) == CF_OK)
		walk(&v, copy, size);
	free(copy);
	return 0;
}
