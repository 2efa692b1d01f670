/*
 * fuzz_compile.c - rule sources through the compiler (cf_compile_sources)
 * against the fixed template set of samples/templates.
 *
 * An input holding the line "#--" is split there into two sources of one
 * channel (the multi-source agreement checks). Oracles on what compiles:
 * the format verifier accepts the output, the linter runs on it, and
 * `cfc dump` then compile gives the same bytes again (<cf/compile.h>).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include <cf/compile.h>
#include <cf/lint.h>
#include "fuzz/fuzz_common.h"

static const char SPLIT[] = "\n#--\n";

static const uint8_t *find_split(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + sizeof SPLIT - 1 <= size; i++)
		if (memcmp(data + i, SPLIT, sizeof SPLIT - 1) == 0)
			return data + i;
	return NULL;
}

static void check_output(const cf_template_set *set, const cf_compile_options *opt,
                         const cf_compile_result *r)
{
	size_t len = 0;
	const uint8_t *bytes = cf_compile_result_bytes(r, &len);
	cf_view v;
	cf_verify_error e;
	if (cf_verify(bytes, len, &v, &e) != CF_OK)
		fuzz_die("the verifier rejects what the compiler wrote");
	for (size_t i = 0; i < cf_compile_result_test_count(r); i++) {
		const cf_rule_test *t = cf_compile_result_test(r, i);
		if (t->field_count != v.hdr.field_count)
			fuzz_die("test event field count");
	}

	cf_diag_list *d = cf_diags_new();
	if (!d)
		return;
	cf_lint_opts lo = {0};
	(void)cf_lint_file(set, "fuzz.cf", bytes, len, &lo, d);
	cf_diags_free(d);

	char *yaml = NULL;
	size_t ylen = 0;
	if (cf_dump_yaml(&v, &yaml, &ylen) != CF_OK)
		return;
	d = cf_diags_new();
	cf_compile_result *again = NULL;
	cf_compile_source src = {"dump.yaml", (const uint8_t *)yaml, ylen};
	if (d && cf_compile_sources(opt, &src, 1, d, &again) == CF_OK) {
		size_t len2 = 0;
		const uint8_t *bytes2 = cf_compile_result_bytes(again, &len2);
		if (len2 != len || memcmp(bytes, bytes2, len) != 0)
			fuzz_die("dump then compile gives other bytes");
	} else if (d && !cf_diags_oom(d) && cf_diags_errors(d) != 0) {
		fuzz_die("the dump of a compiled file does not compile");
	}
	cf_compile_result_free(again);
	cf_diags_free(d);
	free(yaml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cf_template_set *set = fuzz_templates();
	cf_compile_options opt = {.templates = set};
	cf_compile_source src[2] = {{"a.yaml", data, size}, {"b.yaml", NULL, 0}};
	size_t n = 1;
	const uint8_t *cut = find_split(data, size);
	if (cut) {
		size_t first = (size_t)(cut - data) + 1;
		src[0].len = first;
		src[1].data = data + first + sizeof SPLIT - 2;
		src[1].len = size - first - (sizeof SPLIT - 2);
		n = 2;
	}
	cf_diag_list *d = cf_diags_new();
	if (!d)
		return 0;
	cf_compile_result *r = NULL;
	cf_status st = cf_compile_sources(&opt, src, n, d, &r);
	if (st == CF_OK) {
		if (cf_diags_errors(d) != 0)
			fuzz_die("CF_OK with errors");
		check_output(set, &opt, r);
	} else if (st == CF_ERR_REJECTED && cf_diags_errors(d) == 0) {
		fuzz_die("rejected without an error diagnostic");
	}
	cf_compile_result_free(r);
	cf_diags_free(d);
	return 0;
}
