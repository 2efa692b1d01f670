/*
 * test_diag.c - diagnostics as data: the cap on a list, counting, the gcc
 * style line, promotion and a stable sort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfc/cf_diag.h"

#define DIAG_CAP 100000u /* cfc/diag.c */

static void test_cap(void **state)
{
	(void)state;
	cf_diag_list *l = cf_diags_new();
	assert_non_null(l);
	for (unsigned i = 0; i < DIAG_CAP; i++)
		assert_non_null(
		    cf_diag_add(l, CF_WARNING, "w", "f.yaml", i + 1, 1, "warning %u", i));
	assert_int_equal(cf_diags_count(l), DIAG_CAP);
	assert_int_equal(cf_diags_errors(l), 0);
	/* One past the cap is dropped, and the list then counts as failed. */
	assert_null(cf_diag_add(l, CF_WARNING, "w", "f.yaml", 1, 1, "one too many"));
	assert_int_equal(cf_diags_count(l), DIAG_CAP);
	assert_int_equal(cf_diags_errors(l), 1);
	cf_diags_free(l);
}

static void test_format_lines(void **state)
{
	(void)state;
	cf_diag_list *l = cf_diags_new();
	cf_diag_add(l, CF_ERROR, "field-count", "rules/c291.yaml", 129, 25, "sensor %s", "7.11.0");
	cf_diag_add(l, CF_WARNING, NULL, "rules/c291.yaml", 7, 0, "no column");
	cf_diag_add_offset(l, CF_NOTE, "loaded", "c291.cf", 0x1c4, "at an offset");
	cf_diag_add(l, CF_ERROR, "x", NULL, 0, 0, "no path");
	const char *want[] = {
	    "rules/c291.yaml:129:25: error: sensor 7.11.0 [field-count]\n",
	    "rules/c291.yaml:7: warning: no column\n",
	    "c291.cf: offset 0x1c4: note: at an offset [loaded]\n",
	    "cfc: error: no path [x]\n",
	};
	for (size_t i = 0; i < 4; i++) {
		char *line = cf_diag_format(cf_diags_get(l, i), 0);
		assert_string_equal(line, want[i]);
		free(line);
	}
	/* Colour wraps the location and the severity in escapes. */
	char *line = cf_diag_format(cf_diags_get(l, 0), 1);
	assert_non_null(strstr(line, "\033[1;31merror:"));
	free(line);
	assert_int_equal(cf_diags_errors(l), 2);
	assert_int_equal(cf_diags_warnings(l), 1);
	cf_diags_promote_warnings(l);
	assert_int_equal(cf_diags_errors(l), 3);
	assert_int_equal(cf_diags_warnings(l), 0);
	cf_diags_free(l);
	cf_diags_free(NULL);
}

static void test_sort_is_stable(void **state)
{
	(void)state;
	cf_diag_list *l = cf_diags_new();
	cf_diag_add(l, CF_ERROR, "a", "b.yaml", 3, 1, "b3");
	cf_diag_add(l, CF_ERROR, "a", "a.yaml", 9, 1, "a9 first");
	cf_diag_add(l, CF_NOTE, "a", "a.yaml", 9, 1, "a9 second");
	cf_diag_add(l, CF_ERROR, "a", "a.yaml", 2, 5, "a2");
	cf_diags_sort(l);
	const char *order[] = {"a2", "a9 first", "a9 second", "b3"};
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(cf_diags_get(l, i)->message, order[i]);
	cf_diags_free(l);
}

static void test_context(void **state)
{
	(void)state;
	cf_diag_list *l = cf_diags_new();
	cf_diag *d = cf_diag_add(l, CF_ERROR, "field-count", "x.cf", 1, 1, "m");
	assert_int_equal(d->field, -1);
	assert_int_equal(cf_diag_set_context(d, 291, 1007, 20, "pipe_sddl", "7.11.0"), CF_OK);
	const cf_diag *got = cf_diags_get(l, 0);
	assert_int_equal(got->channel, 291);
	assert_int_equal(got->instance, 1007);
	assert_string_equal(got->field_name, "pipe_sddl");
	assert_string_equal(got->sensor, "7.11.0");
	assert_int_equal(cf_diag_set_context(NULL, 0, 0, -1, NULL, NULL), CF_ERR_INVALID);
	cf_diags_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_format_lines),
	    cmocka_unit_test(test_sort_is_stable),
	    cmocka_unit_test(test_context),
	};
	return cmocka_run_group_tests_name("diag", tests, NULL, NULL);
}
