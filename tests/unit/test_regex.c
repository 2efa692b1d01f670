/*
 * test_regex.c - the one regex policy (template/regex_int.h): the options every
 * regex criterion is compiled with, how a refusal and a failed allocation
 * come back, the match limit. tests/cli/regex_policy.sh checks that nothing
 * else in the library compiles a regex.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "template/regex_int.h"

static int matches(const pcre2_code *re, const char *s, pcre2_match_context *mc)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	assert_non_null(md);
	int rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, mc);
	pcre2_match_data_free(md);
	return rc;
}

static void test_options(void **state)
{
	(void)state;
	assert_int_equal(cf_regex_options(0), PCRE2_UTF);
	assert_int_equal(cf_regex_options(1), PCRE2_UTF | PCRE2_CASELESS);
	pcre2_code *re = NULL;
	/* UTF: a code point above 255 is a pattern character, and "." takes a
	 * whole UTF-8 character. */
	assert_int_equal(cf_regex_compile("^\\x{e9}.$", 9, 0, 0, &re, NULL), CF_OK);
	assert_true(matches(re, "\xc3\xa9\xe2\x82\xac", NULL) > 0);
	pcre2_code_free(re);
	/* No UCP: \d is ASCII only (an Arabic-Indic digit is not one). */
	assert_int_equal(cf_regex_compile("^\\d$", 4, 0, 0, &re, NULL), CF_OK);
	assert_true(matches(re, "7", NULL) > 0);
	assert_int_equal(matches(re, "\xd9\xa7", NULL), PCRE2_ERROR_NOMATCH);
	pcre2_code_free(re);
	/* nocase: CASELESS, and only then. */
	assert_int_equal(cf_regex_compile("^cmd\\.exe$", 10, 1, 0, &re, NULL), CF_OK);
	assert_true(matches(re, "CMD.EXE", NULL) > 0);
	pcre2_code_free(re);
	assert_int_equal(cf_regex_compile("^cmd\\.exe$", 10, 0, 0, &re, NULL), CF_OK);
	assert_int_equal(matches(re, "CMD.EXE", NULL), PCRE2_ERROR_NOMATCH);
	pcre2_code_free(re);
	/* Only PCRE2_AUTO_CALLOUT may be added. */
	assert_int_equal(cf_regex_compile("a", 1, 0, PCRE2_AUTO_CALLOUT, &re, NULL), CF_OK);
	pcre2_code_free(re);
	re = (pcre2_code *)&re;
	assert_int_equal(cf_regex_compile("a", 1, 0, PCRE2_UCP, &re, NULL), CF_ERR_INVALID);
	assert_null(re);
	assert_int_equal(cf_regex_compile("a", 1, 0, PCRE2_LITERAL, &re, NULL), CF_ERR_INVALID);
}

static void test_refused(void **state)
{
	(void)state;
	pcre2_code *re = NULL;
	cf_regex_error err;
	memset(&err, 0x55, sizeof err);
	assert_int_equal(cf_regex_compile("ab(c", 4, 0, 0, &re, &err), CF_ERR_REJECTED);
	assert_null(re);
	assert_non_null(strstr(err.message, "missing closing parenthesis"));
	assert_int_equal(err.offset, 4);
	/* Invalid UTF-8 in the pattern: refused under PCRE2_UTF. */
	assert_int_equal(cf_regex_compile("a\xff", 2, 0, 0, &re, &err), CF_ERR_REJECTED);
	assert_true(err.offset <= 2);
	assert_true(strlen(err.message) > 0);
	/* Without an error structure. */
	assert_int_equal(cf_regex_compile("*", 1, 0, 0, &re, NULL), CF_ERR_REJECTED);
}

static void test_match_limit(void **state)
{
	(void)state;
	pcre2_code *re = NULL;
	assert_int_equal(cf_regex_compile("^(a|a)*b", 8, 0, 0, &re, NULL), CF_OK);
	/* A 'b' in the subject, so PCRE2's start-up checks let the match run;
	 * the 'c' before it makes (a|a)* try every split. */
	char subject[40];
	memset(subject, 'a', sizeof subject - 3);
	memcpy(subject + sizeof subject - 3, "cb", 3);
	/* 0 would mean "no limit" to PCRE2: the policy makes it 1. */
	pcre2_match_context *mc = cf_regex_match_context(0);
	assert_non_null(mc);
	assert_int_equal(matches(re, subject, mc), PCRE2_ERROR_MATCHLIMIT);
	pcre2_match_context_free(mc);
	mc = cf_regex_match_context(1000);
	assert_int_equal(matches(re, subject, mc), PCRE2_ERROR_MATCHLIMIT);
	pcre2_match_context_free(mc);
	/* Above what PCRE2 takes: clamped, not wrapped to a small number. */
	mc = cf_regex_match_context((uint64_t)UINT32_MAX + 2);
	assert_true(matches(re, "aab", mc) > 0);
	pcre2_match_context_free(mc);
	pcre2_code_free(re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_match_limit),
	};
	return cmocka_run_group_tests_name("regex", tests, NULL, NULL);
}
