/*
 * test_diag.c - diagnostics as data: the cap on a list, counting, the gcc
 * style line, promotion and a stable sort; the escaping of text for a
 * terminal (cf_text_escape) and its use in the gcc style line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cf/base.h>

#define DIAG_CAP 100000u /* base/diag.c */

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

/* s[0..len) escaped, as a NUL-terminated string the caller frees. */
static char *esc(const char *s, size_t len)
{
	cf_buf b;
	cf_buf_init(&b, 0);
	assert_int_equal(cf_text_escape_buf(&b, s, len), CF_OK);
	if (b.len == 0)
		assert_int_equal(cf_buf_append(&b, "", 0), CF_OK);
	char *out = cf_buf_take(&b, NULL);
	assert_non_null(out);
	return out;
}

static void assert_escapes(const char *s, size_t len, const char *want)
{
	char *got = esc(s, len);
	assert_string_equal(got, want);
	free(got);
}

static void test_escape_c0_and_del(void **state)
{
	(void)state;
	char want[8];
	for (unsigned c = 0; c < 0x20; c++) {
		char in = (char)c;
		if (c == '\n')
			strcpy(want, "\\n");
		else if (c == '\r')
			strcpy(want, "\\r");
		else if (c == '\t')
			strcpy(want, "\\t");
		else
			snprintf(want, sizeof want, "\\x%02x", c);
		assert_escapes(&in, 1, want);
	}
	assert_escapes("\x7f", 1, "\\x7f");
	/* Around them: printable ASCII is untouched, 0x20 and 0x7e included. */
	assert_escapes(" ~", 2, " ~");
	assert_escapes("\033[31mred\033[0m", 12, "\\x1b[31mred\\x1b[0m");
	assert_escapes("a\nb\r\n", 5, "a\\nb\\r\\n");
}

static void test_escape_c1(void **state)
{
	(void)state;
	char in[2], want[8];
	for (unsigned c = 0x80; c <= 0x9f; c++) {
		in[0] = (char)0xc2;
		in[1] = (char)c;
		snprintf(want, sizeof want, "\\u%04x", c);
		assert_escapes(in, 2, want);
	}
	/* U+00A0 is the first character past the C1 block: it passes. */
	assert_escapes("\xc2\xa0", 2, "\xc2\xa0");
	assert_escapes("\xc2\xbf", 2, "\xc2\xbf");
}

/* Line and paragraph separators, the bidirectional controls and the
 * zero-width characters: \uXXXX; their neighbours pass. */
static void test_escape_separators_and_bidi(void **state)
{
	(void)state;
	static const unsigned cps[] = {0x061c, 0x200b, 0x200e, 0x200f, 0x2028, 0x2029,
	                               0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2060,
	                               0x2066, 0x2067, 0x2068, 0x2069, 0xfeff};
	for (size_t k = 0; k < sizeof cps / sizeof cps[0]; k++) {
		unsigned cp = cps[k];
		assert_true(cf_text_invisible(cp));
		char in[4], want[8];
		size_t n;
		if (cp < 0x800) {
			in[0] = (char)(0xc0 | cp >> 6);
			in[1] = (char)(0x80 | (cp & 0x3f));
			n = 2;
		} else {
			in[0] = (char)(0xe0 | cp >> 12);
			in[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			in[2] = (char)(0x80 | (cp & 0x3f));
			n = 3;
		}
		snprintf(want, sizeof want, "\\u%04x", cp);
		assert_escapes(in, n, want);
	}
	/* "evil\u202e.exe" no longer shows as "evilexe." */
	assert_escapes("a\xe2\x80\xae" "cod.exe", 11, "a\\u202e" "cod.exe");
	/* Neighbours: U+061B, U+200D (zero-width joiner, in emoji), U+2027,
	 * U+202F, U+2065 (unassigned), U+206A pass. */
	assert_escapes("\xd8\x9b", 2, "\xd8\x9b");
	assert_escapes("\xe2\x80\x8d", 3, "\xe2\x80\x8d");
	assert_escapes("\xe2\x80\xa7", 3, "\xe2\x80\xa7");
	assert_escapes("\xe2\x80\xaf", 3, "\xe2\x80\xaf");
	assert_escapes("\xe2\x81\xa5", 3, "\xe2\x81\xa5");
	assert_escapes("\xe2\x81\xaa", 3, "\xe2\x81\xaa");
}

static void test_escape_invalid_utf8(void **state)
{
	(void)state;
	/* Lone continuation bytes. */
	assert_escapes("\x80", 1, "\\x80");
	assert_escapes("a\xbfz", 3, "a\\xbfz");
	/* Truncated sequences: at the end, and cut by an ASCII byte. */
	assert_escapes("\xc3", 1, "\\xc3");
	assert_escapes("\xe2\x82", 2, "\\xe2\\x82");
	assert_escapes("\xf0\x9f\x98", 3, "\\xf0\\x9f\\x98");
	assert_escapes("\xe2\x82x", 3, "\\xe2\\x82x");
	/* Overlong forms. */
	assert_escapes("\xc0\xaf", 2, "\\xc0\\xaf");
	assert_escapes("\xc1\xbf", 2, "\\xc1\\xbf");
	assert_escapes("\xe0\x80\xaf", 3, "\\xe0\\x80\\xaf");
	assert_escapes("\xf0\x80\x80\xaf", 4, "\\xf0\\x80\\x80\\xaf");
	/* UTF-16 surrogates. */
	assert_escapes("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");
	assert_escapes("\xed\xbf\xbf", 3, "\\xed\\xbf\\xbf");
	/* Above U+10FFFF, and bytes that never start a sequence. */
	assert_escapes("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80");
	assert_escapes("\xf5\x80\x80\x80", 4, "\\xf5\\x80\\x80\\x80");
	assert_escapes("\xf8\xfe\xff", 3, "\\xf8\\xfe\\xff");
	/* An invalid byte does not swallow the valid character after it. */
	assert_escapes("\xe2\xc3\xa9", 3, "\\xe2\xc3\xa9");
}

static void test_escape_passes_printable(void **state)
{
	(void)state;
	/* Valid multibyte UTF-8 of every length, the edges included. */
	const char *ok[] = {
	    "\xc3\xa9",         /* U+00E9 */
	    "\xdf\xbf",         /* U+07FF */
	    "\xe0\xa0\x80",     /* U+0800 */
	    "\xe2\x82\xac",     /* U+20AC */
	    "\xed\x9f\xbf",     /* U+D7FF */
	    "\xee\x80\x80",     /* U+E000 */
	    "\xef\xbf\xbd",     /* U+FFFD */
	    "\xf0\x90\x80\x80", /* U+10000 */
	    "\xf0\x9f\x98\x80", /* U+1F600 */
	    "\xf4\x8f\xbf\xbf", /* U+10FFFF */
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		assert_escapes(ok[i], strlen(ok[i]), ok[i]);
	/* Backslashes stay as they are: Windows paths read as written. */
	assert_escapes("C:\\Windows\\x1b\\n", 16, "C:\\Windows\\x1b\\n");
	assert_escapes("", 0, "");
}

static void test_escape_embedded_nul(void **state)
{
	(void)state;
	assert_escapes("a\0b", 3, "a\\x00b");
	assert_escapes("\0", 1, "\\x00");
}

static void test_escape_chunks(void **state)
{
	(void)state;
	/* A small caller buffer takes whole characters only and is always
	 * NUL-terminated; feeding the rest gives the same text. */
	const char in[] = "x\033\xc2\x85\xf0\x9f\x98\x80\xff\n";
	size_t len = sizeof in - 1;
	char *whole = esc(in, len);
	char out[CF_TEXT_ESCAPE_MIN], joined[128] = "";
	size_t n, used, at = 0;
	while (at < len) {
		used = cf_text_escape(in + at, len - at, out, sizeof out, &n);
		assert_true(used > 0);
		assert_int_equal(strlen(out), n);
		strcat(joined, out);
		at += used;
	}
	assert_string_equal(joined, whole);
	free(whole);
	/* Too small for the next character: nothing consumed, empty output. */
	used = cf_text_escape("\033", 1, out, 4, &n);
	assert_int_equal(used, 0);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	used = cf_text_escape("ab", 2, out, 2, &n);
	assert_int_equal(used, 1);
	assert_string_equal(out, "a");
	/* cap 0 writes nothing at all. */
	assert_int_equal(cf_text_escape("ab", 2, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
}

static void test_format_escapes_inputs(void **state)
{
	(void)state;
	cf_diag_list *l = cf_diags_new();
	cf_diag_add(l, CF_ERROR, "bad-regex", "ru\033les\n.yaml", 3, 4, "regex '%s'",
	            "\033]0;x\007\xc2\x9b");
	cf_diag_add_offset(l, CF_WARNING, NULL, "a\rb.cf", 16, "m\tn");
	cf_diag_add(l, CF_NOTE, NULL, NULL, 0, 0, "\x7f");
	char *line = cf_diag_format(cf_diags_get(l, 0), 0);
	assert_string_equal(line, "ru\\x1bles\\n.yaml:3:4: error: regex "
	                          "'\\x1b]0;x\\x07\\u009b' [bad-regex]\n");
	free(line);
	line = cf_diag_format(cf_diags_get(l, 1), 0);
	assert_string_equal(line, "a\\rb.cf: offset 0x10: warning: m\\tn\n");
	free(line);
	line = cf_diag_format(cf_diags_get(l, 2), 0);
	assert_string_equal(line, "cfc: note: \\x7f\n");
	free(line);
	/* cfc's own colour escapes and final newline are left as they are. */
	line = cf_diag_format(cf_diags_get(l, 0), 1);
	assert_string_equal(line, "\033[1mru\\x1bles\\n.yaml:3:4: \033[0m\033[1;31merror:\033[0m "
	                          "regex '\\x1b]0;x\\x07\\u009b' [bad-regex]\n");
	free(line);
	cf_diags_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_format_lines),
	    cmocka_unit_test(test_sort_is_stable),
	    cmocka_unit_test(test_context),
	    cmocka_unit_test(test_escape_c0_and_del),
	    cmocka_unit_test(test_escape_c1),
	    cmocka_unit_test(test_escape_separators_and_bidi),
	    cmocka_unit_test(test_escape_invalid_utf8),
	    cmocka_unit_test(test_escape_passes_printable),
	    cmocka_unit_test(test_escape_embedded_nul),
	    cmocka_unit_test(test_escape_chunks),
	    cmocka_unit_test(test_format_escapes_inputs),
	};
	return cmocka_run_group_tests_name("diag", tests, NULL, NULL);
}
