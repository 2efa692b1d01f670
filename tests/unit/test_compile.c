/*
 * test_compile.c - the YAML layer, the schema layer, template manifests and
 * the rule compiler: every integer range at 0, 1, max and max + 1, hostile
 * YAML (billion laughs, deep nesting, NUL, bad UTF-8, tabs), and compiled
 * output read back through the strict verifier.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cf/compile.h>
#include <cf/format.h>
#include <cf/template.h>
#include "base/yaml_int.h"
#include "testenv.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Parse text; returns the status, the doc in *doc (may be NULL) and the diags. */
static cf_status parse(const char *text, size_t len, cf_ydoc **doc, cf_diag_list **diags)
{
	*diags = cf_diags_new();
	assert_non_null(*diags);
	return cf_yaml_parse("t.yaml", (const uint8_t *)text, len, *diags, doc);
}

/* The code of the first error, or "" when there is none. */
static const char *first_error(const cf_diag_list *l)
{
	for (size_t i = 0; i < cf_diags_count(l); i++) {
		const cf_diag *d = cf_diags_get(l, i);
		if (d->severity == CF_ERROR)
			return d->code ? d->code : "(none)";
	}
	return "";
}

static const cf_diag *first_error_diag(const cf_diag_list *l)
{
	for (size_t i = 0; i < cf_diags_count(l); i++)
		if (cf_diags_get(l, i)->severity == CF_ERROR)
			return cf_diags_get(l, i);
	return NULL;
}

/* Parse text and expect rejection with this code at line:col (0: any). */
static void expect_yaml_error(const char *text, size_t len, const char *code, uint32_t line,
                              uint32_t col)
{
	cf_ydoc *doc = NULL;
	cf_diag_list *diags;
	cf_status st = parse(text, len, &doc, &diags);
	assert_int_equal(st, CF_ERR_REJECTED);
	assert_null(doc);
	assert_string_equal(first_error(diags), code);
	const cf_diag *d = first_error_diag(diags);
	if (line)
		assert_int_equal(d->line, line);
	if (col)
		assert_int_equal(d->col, col);
	cf_diags_free(diags);
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1);
	assert_non_null(s);
	memcpy(s, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(s + hl + i * ul, unit, ul);
	memcpy(s + hl + ul * n, tail, tl + 1);
	return s;
}

static const char web_tpl[] = "template: web-request\n"
                              "id: 9\n"
                              "version: 1\n"
                              "fields:\n"
                              "  - {name: url, type: string}\n"
                              "  - {name: status, type: uint}\n"
                              "  - {name: is_tls, type: bool}\n"
                              "sensors:\n"
                              "  - {version: \"1.0\", supplies: 2}\n"
                              "  - {version: \"2.0\", supplies: 3}\n"
                              "regex: {max_length: 16}\n";

/* Load one manifest from text; returns the status, diags for inspection. */
static cf_status load_tpl(cf_template_set *set, const char *text, cf_diag_list *diags)
{
	return cf_templates_load_buffer(set, "tpl.yaml", (const uint8_t *)text, strlen(text),
	                                diags);
}

/* The code of the first error loading a manifest ("" when it loads). */
static const char *tpl_error(const char *text)
{
	static char code[64];
	cf_template_set *set = cf_templates_new();
	cf_diag_list *diags = cf_diags_new();
	assert_non_null(set);
	assert_non_null(diags);
	cf_status st = load_tpl(set, text, diags);
	snprintf(code, sizeof code, "%s", first_error(diags));
	if (code[0] == '\0')
		assert_int_equal(st, CF_OK);
	else
		assert_int_equal(st, CF_ERR_REJECTED);
	cf_diags_free(diags);
	cf_templates_free(set);
	return code;
}

typedef struct compiled {
	cf_template_set *set;
	cf_diag_list *diags;
	cf_compile_result *res;
	cf_status st;
} compiled;

static compiled compile_text(const char *src, uint64_t content_version, int strip)
{
	compiled c;
	c.set = cf_templates_new();
	c.diags = cf_diags_new();
	assert_non_null(c.set);
	assert_non_null(c.diags);
	assert_int_equal(load_tpl(c.set, web_tpl, c.diags), CF_OK);
	cf_compile_options opt = {c.set, strip, content_version};
	cf_compile_source s = {"r.yaml", (const uint8_t *)src, strlen(src)};
	c.st = cf_compile_sources(&opt, &s, 1, c.diags, &c.res);
	return c;
}

static void compiled_free(compiled *c)
{
	cf_compile_result_free(c->res);
	cf_diags_free(c->diags);
	cf_templates_free(c->set);
}

/* The first error's code compiling src against web-request ("" when it compiles). */
static const char *compile_error(const char *src)
{
	static char code[64];
	compiled c = compile_text(src, 0, 0);
	snprintf(code, sizeof code, "%s", first_error(c.diags));
	if (code[0] == '\0')
		assert_int_equal(c.st, CF_OK);
	else
		assert_int_equal(c.st, CF_ERR_REJECTED);
	compiled_free(&c);
	return code;
}

/* A rule source with one instance whose header and id lines are given. */
static const char *source_with(const char *channel, const char *version, const char *id)
{
	static char buf[512];
	snprintf(buf, sizeof buf,
	         "channel: %s\ntemplate: web-request\nversion: %s\ninstances:\n  - id: %s\n",
	         channel, version, id);
	return buf;
}

/* ---- YAML layer ------------------------------------------------------------------- */

static void yaml_tree_and_positions(void **state)
{
	(void)state;
	const char *text = "a: 1\n"
	                   "b:\n"
	                   "  - 'x'\n"
	                   "  - {c: true, d: ~}\n";
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse(text, strlen(text), &doc, &diags), CF_OK);
	const cf_ynode *root = cf_yaml_root(doc);
	assert_int_equal(root->kind, CF_YNODE_MAP);
	assert_int_equal(root->count, 4);
	const cf_ynode *a = cf_yaml_get(doc, root, "a");
	assert_int_equal(a->line, 1);
	assert_int_equal(a->col, 4);
	assert_int_equal(cf_yaml_class(doc, a), CF_YCLASS_INT);
	const cf_ynode *b = cf_yaml_get(doc, root, "b");
	assert_int_equal(b->kind, CF_YNODE_SEQ);
	const cf_ynode *x = cf_yaml_child(doc, b);
	assert_string_equal(cf_yaml_text(doc, x), "x");
	assert_int_equal(x->style, CF_YSTYLE_SINGLE);
	assert_int_equal(x->exact, 1);
	assert_int_equal(x->line, 3);
	assert_int_equal(x->col, 5);
	const cf_ynode *m = cf_yaml_next(doc, x);
	assert_int_equal(m->kind, CF_YNODE_MAP);
	assert_int_equal(cf_yaml_class(doc, cf_yaml_get(doc, m, "c")), CF_YCLASS_BOOL);
	assert_int_equal(cf_yaml_class(doc, cf_yaml_get(doc, m, "d")), CF_YCLASS_NULL);
	assert_null(cf_yaml_get(doc, m, "e"));
	cf_yaml_free(doc);
	cf_diags_free(diags);
}

static void yaml_empty_document(void **state)
{
	(void)state;
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse("", 0, &doc, &diags), CF_OK);
	assert_null(cf_yaml_root(doc));
	cf_yaml_free(doc);
	cf_diags_free(diags);
	assert_int_equal(parse("# only\n", 7, &doc, &diags), CF_OK);
	assert_null(cf_yaml_root(doc));
	cf_yaml_free(doc);
	cf_diags_free(diags);
}

static void yaml_bom_not_counted(void **state)
{
	(void)state;
	const char text[] = "\xef\xbb\xbf"
	                    "a: b\n";
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse(text, sizeof text - 1, &doc, &diags), CF_OK);
	const cf_ynode *root = cf_yaml_root(doc);
	assert_int_equal(root->col, 1);
	assert_int_equal(cf_yaml_get(doc, root, "a")->col, 4);
	cf_yaml_free(doc);
	cf_diags_free(diags);
	/* A block mapping over several lines: line 1 is indented like the rest. */
	const char multi[] = "\xef\xbb\xbf"
	                     "a: 'x'\n"
	                     "b:\n"
	                     "  c: d\n";
	assert_int_equal(parse(multi, sizeof multi - 1, &doc, &diags), CF_OK);
	assert_int_equal(cf_diags_count(diags), 0);
	root = cf_yaml_root(doc);
	assert_int_equal(root->count, 4);
	const cf_ynode *a = cf_yaml_get(doc, root, "a");
	assert_int_equal(a->line, 1);
	assert_int_equal(a->col, 4);
	assert_int_equal(a->exact, 1);
	const cf_ynode *c = cf_yaml_get(doc, cf_yaml_get(doc, root, "b"), "c");
	assert_int_equal(c->line, 3);
	assert_int_equal(c->col, 6);
	cf_yaml_free(doc);
	cf_diags_free(diags);
	/* Errors on line 1 are where they are without the mark. */
	expect_yaml_error("\xef\xbb\xbf"
	                  "a: \xff\n",
	                  8, "yaml-encoding", 1, 4);
	expect_yaml_error("\xef\xbb\xbf"
	                  "a: b: c\n",
	                  11, "yaml-syntax", 1, 5);
	expect_yaml_error("\xef\xbb\xbf"
	                  "a: 1\nb: 2\na: 3\n",
	                  15, "duplicate-key", 3, 1);
	/* Only the file's first three bytes can be the mark. */
	expect_yaml_error("\xef\xbb\xbf"
	                  "\xef\xbb\xbf"
	                  "a: 1\nb: 2\n",
	                  16, "yaml-syntax", 0, 0);
	/* A mark alone is an empty file. */
	assert_int_equal(parse("\xef\xbb\xbf", 3, &doc, &diags), CF_OK);
	assert_null(cf_yaml_root(doc));
	cf_yaml_free(doc);
	cf_diags_free(diags);
}

static void yaml_columns_count_characters(void **state)
{
	(void)state;
	const char *text = "\xc3\xa9\xc3\xa9: 'v'\n"; /* two 2-byte characters as key */
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse(text, strlen(text), &doc, &diags), CF_OK);
	const cf_ynode *v = cf_yaml_next(doc, cf_yaml_child(doc, cf_yaml_root(doc)));
	assert_int_equal(v->col, 5);
	assert_int_equal(v->exact, 1);
	cf_yaml_free(doc);
	cf_diags_free(diags);
}

static void yaml_exactness(void **state)
{
	(void)state;
	const char *text = "a: \"x\\ty\"\n"
	                   "b: 'it''s'\n"
	                   "c: plain text\n"
	                   "d: \"no escapes\"\n"
	                   "e: folded\n"
	                   "  over lines\n";
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse(text, strlen(text), &doc, &diags), CF_OK);
	const cf_ynode *r = cf_yaml_root(doc);
	assert_int_equal(cf_yaml_get(doc, r, "a")->exact, 0);
	assert_int_equal(cf_yaml_get(doc, r, "b")->exact, 0);
	assert_int_equal(cf_yaml_get(doc, r, "c")->exact, 1);
	assert_int_equal(cf_yaml_get(doc, r, "d")->exact, 1);
	assert_int_equal(cf_yaml_get(doc, r, "e")->exact, 0);
	assert_string_equal(cf_yaml_text(doc, cf_yaml_get(doc, r, "e")), "folded over lines");
	cf_yaml_free(doc);
	cf_diags_free(diags);
}

static void yaml_duplicate_keys(void **state)
{
	(void)state;
	const char *text = "a: 1\nb: 2\na: 3\n";
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse(text, strlen(text), &doc, &diags), CF_ERR_REJECTED);
	const cf_diag *d = first_error_diag(diags);
	assert_string_equal(d->code, "duplicate-key");
	assert_int_equal(d->line, 3);
	const cf_diag *note = cf_diags_get(diags, 1);
	assert_int_equal(note->severity, CF_NOTE);
	assert_int_equal(note->line, 1);
	cf_diags_free(diags);
	/* Same text in different mappings is fine. */
	text = "a: {x: 1}\nb: {x: 1}\n";
	assert_int_equal(parse(text, strlen(text), &doc, &diags), CF_OK);
	cf_yaml_free(doc);
	cf_diags_free(diags);
}

static void yaml_billion_laughs(void **state)
{
	(void)state;
	const char *text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	                   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	                   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	                   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	                   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	                   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	                   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
	                   "i: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	expect_yaml_error(text, strlen(text), "yaml-unsupported", 1, 4);
	/* An alias alone (no anchor before it) is rejected too. */
	expect_yaml_error("a: *x\n", 6, "yaml-unsupported", 1, 4);
}

static void yaml_tags_and_documents(void **state)
{
	(void)state;
	expect_yaml_error("a: !!str 5\n", 11, "yaml-unsupported", 1, 4);
	expect_yaml_error("a: !custom [1]\n", 15, "yaml-unsupported", 1, 4);
	expect_yaml_error("a: 1\n---\nb: 2\n", 14, "yaml-unsupported", 2, 1);
	expect_yaml_error("? [a]\n: 1\n", 10, "yaml-unsupported", 1, 3);
}

static void yaml_nesting_depth(void **state)
{
	(void)state;
	cf_ydoc *doc;
	cf_diag_list *diags;
	/* 64 levels are fine, 65 are not. */
	char *ok = repeat("", "[", CF_YAML_MAX_DEPTH, "");
	char *ok2 = repeat(ok, "]", CF_YAML_MAX_DEPTH, "");
	assert_int_equal(parse(ok2, strlen(ok2), &doc, &diags), CF_OK);
	cf_yaml_free(doc);
	cf_diags_free(diags);
	char *bad = repeat("", "[", CF_YAML_MAX_DEPTH + 1, "");
	char *bad2 = repeat(bad, "]", CF_YAML_MAX_DEPTH + 1, "");
	expect_yaml_error(bad2, strlen(bad2), "yaml-limit", 1, CF_YAML_MAX_DEPTH + 1);
	/* Very deep input stops early, without recursion or a crash. */
	char *deep = repeat("", "- ", 200000, "x\n");
	expect_yaml_error(deep, strlen(deep), "yaml-limit", 1, 0);
	char *deepmap = repeat("", "{a: ", 200000, "");
	expect_yaml_error(deepmap, strlen(deepmap), "yaml-limit", 1, 0);
	free(ok);
	free(ok2);
	free(bad);
	free(bad2);
	free(deep);
	free(deepmap);
}

static void yaml_nul_bytes(void **state)
{
	(void)state;
	const char raw[] = "a: b\nc: d\0e\n";
	expect_yaml_error(raw, sizeof raw - 1, "yaml-encoding", 2, 5);
	const char *escaped = "a: \"x\\0y\"\n";
	expect_yaml_error(escaped, strlen(escaped), "yaml-encoding", 1, 4);
	const char *escaped2 = "a: \"x\\x00y\"\n";
	expect_yaml_error(escaped2, strlen(escaped2), "yaml-encoding", 1, 4);
}

static void yaml_bad_utf8(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "a: \xc0\xaf\n",         /* overlong '/' */
	    "a: \xed\xa0\x80\n",     /* UTF-16 surrogate */
	    "a: \xe2\x82\n",         /* truncated */
	    "a: \x80\n",             /* lone continuation byte */
	    "a: \xf4\x90\x80\x80\n", /* above U+10FFFF */
	    "a: \xff\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_yaml_error(bad[i], strlen(bad[i]), "yaml-encoding", 1, 4);
	/* UTF-16 with a byte order mark is not UTF-8. */
	const char utf16[] = "\xff\xfe"
	                     "a\0:\0 \0b\0";
	expect_yaml_error(utf16, sizeof utf16 - 1, "yaml-encoding", 1, 1);
	/* A bad escape that would produce a surrogate. */
	const char *esc = "a: \"\\ud800\"\n";
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse(esc, strlen(esc), &doc, &diags), CF_ERR_REJECTED);
	cf_diags_free(diags);
}

static void yaml_tabs(void **state)
{
	(void)state;
	expect_yaml_error("a:\n\tb: 1\n", 9, "yaml-syntax", 2, 1);
	expect_yaml_error("a:\n  b: 1\n\tc: 2\n", 16, "yaml-syntax", 3, 1);
	/* Tabs inside values are fine. */
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse("a: 'x\ty'\n", 9, &doc, &diags), CF_OK);
	cf_yaml_free(doc);
	cf_diags_free(diags);
}

static void yaml_syntax_errors(void **state)
{
	(void)state;
	expect_yaml_error("a: [1, 2\n", 9, "yaml-syntax", 0, 0);
	expect_yaml_error("a: b: c\n", 8, "yaml-syntax", 1, 5);
	expect_yaml_error("a: 'open\n", 9, "yaml-syntax", 0, 0);
	expect_yaml_error("- a\nb: c\n", 8, "yaml-syntax", 0, 0);
}

static void yaml_scalar_length(void **state)
{
	(void)state;
	cf_ydoc *doc;
	cf_diag_list *diags;
	char *ok = repeat("a: ", "x", CF_YAML_MAX_SCALAR, "\n");
	assert_int_equal(parse(ok, strlen(ok), &doc, &diags), CF_OK);
	assert_int_equal(cf_yaml_get(doc, cf_yaml_root(doc), "a")->count, CF_YAML_MAX_SCALAR);
	cf_yaml_free(doc);
	cf_diags_free(diags);
	char *bad = repeat("a: ", "x", CF_YAML_MAX_SCALAR + 1, "\n");
	expect_yaml_error(bad, strlen(bad), "yaml-limit", 1, 4);
	free(ok);
	free(bad);
}

static void yaml_node_and_size_caps(void **state)
{
	(void)state;
	if (!testenv_normal_build())
		skip(); /* inputs at the caps: once, in the normal build */
	/* "[0,0,...,0]" with N zeros is N + 1 nodes: exactly the cap parses,
	 * one more node is refused. */
	cf_ydoc *doc;
	cf_diag_list *diags;
	char *at = repeat("[", "0,", CF_YAML_MAX_NODES - 2, "0]");
	assert_int_equal(parse(at, strlen(at), &doc, &diags), CF_OK);
	assert_int_equal(cf_yaml_root(doc)->count, CF_YAML_MAX_NODES - 1);
	cf_yaml_free(doc);
	cf_diags_free(diags);
	free(at);
	char *many = repeat("[", "0,", CF_YAML_MAX_NODES - 1, "0]");
	expect_yaml_error(many, strlen(many), "yaml-limit", 0, 0);
	free(many);
	/* Over the size cap: rejected before parsing. */
	size_t big = CF_YAML_MAX_SIZE + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, '#', big);
	expect_yaml_error(huge, big, "yaml-limit", 0, 0);
	free(huge);
}

/* ---- schema layer ----------------------------------------------------------------- */

/* Check one scalar as uint in [lo, hi]; returns the code of the error or "". */
static const char *uint_check(const char *scalar, uint64_t lo, uint64_t hi, uint64_t *out)
{
	static char code[64];
	char text[128];
	snprintf(text, sizeof text, "v: %s\n", scalar);
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse(text, strlen(text), &doc, &diags), CF_OK);
	cf_ycheck c = {doc, diags, 0};
	uint64_t v = 0;
	int rc = cf_ycheck_uint(&c, cf_yaml_get(doc, cf_yaml_root(doc), "v"), "v", lo, hi, &v);
	snprintf(code, sizeof code, "%s", first_error(diags));
	assert_int_equal(rc != 0, code[0] != '\0');
	if (out)
		*out = v;
	cf_yaml_free(doc);
	cf_diags_free(diags);
	return code;
}

static void schema_uint_bounds(void **state)
{
	(void)state;
	uint64_t v;
	assert_string_equal(uint_check("0", 1, 10, NULL), "int-range");
	assert_string_equal(uint_check("1", 1, 10, &v), "");
	assert_int_equal(v, 1);
	assert_string_equal(uint_check("10", 1, 10, &v), "");
	assert_string_equal(uint_check("11", 1, 10, NULL), "int-range");
	assert_string_equal(uint_check("0", 0, UINT64_MAX, &v), "");
	assert_string_equal(uint_check("18446744073709551615", 0, UINT64_MAX, &v), "");
	assert_true(v == UINT64_MAX);
	assert_string_equal(uint_check("18446744073709551616", 0, UINT64_MAX, NULL), "int-range");
	assert_string_equal(uint_check("99999999999999999999999", 0, UINT64_MAX, NULL),
	                    "int-range");
	assert_string_equal(uint_check("-1", 0, 10, NULL), "int-range");
	assert_string_equal(uint_check("-0", 0, 10, NULL), "int-range");
}

static void schema_uint_syntax(void **state)
{
	(void)state;
	static const char *const junk[] = {"12abc", "1.5", "+3",   "0x10",  "0o7",  "007",
	                                   "1e3",   ".5",  ".inf", "1_000", "-1.5", "00"};
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
		assert_string_equal(uint_check(junk[i], 0, UINT64_MAX, NULL), "int-syntax");
	static const char *const wrong[] = {"'12'", "\"12\"", "abc", "true",
	                                    "~",    "",       "[1]", "{a: 1}"};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
		assert_string_equal(uint_check(wrong[i], 0, UINT64_MAX, NULL), "wrong-type");
}

static void schema_bool_and_string(void **state)
{
	(void)state;
	const char *text = "t: true\nf: False\ny: yes\nq: 'true'\ns: text\nn: 12\nz: ~\n";
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse(text, strlen(text), &doc, &diags), CF_OK);
	const cf_ynode *r = cf_yaml_root(doc);
	cf_ycheck c = {doc, diags, 0};
	int b = -1;
	assert_int_equal(cf_ycheck_bool(&c, cf_yaml_get(doc, r, "t"), "t", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(cf_ycheck_bool(&c, cf_yaml_get(doc, r, "f"), "f", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(cf_ycheck_bool(&c, cf_yaml_get(doc, r, "y"), "y", &b), -1);
	assert_int_equal(cf_ycheck_bool(&c, cf_yaml_get(doc, r, "q"), "q", &b), -1);
	const char *s;
	size_t len;
	assert_int_equal(cf_ycheck_str(&c, cf_yaml_get(doc, r, "s"), "s", &s, &len), 0);
	assert_string_equal(s, "text");
	assert_int_equal(cf_ycheck_str(&c, cf_yaml_get(doc, r, "y"), "y", &s, &len), 0);
	assert_int_equal(cf_ycheck_str(&c, cf_yaml_get(doc, r, "q"), "q", &s, &len), 0);
	assert_string_equal(s, "true");
	assert_int_equal(cf_ycheck_str(&c, cf_yaml_get(doc, r, "n"), "n", &s, &len), -1);
	assert_int_equal(cf_ycheck_str(&c, cf_yaml_get(doc, r, "z"), "z", &s, &len), -1);
	assert_int_equal(cf_ycheck_text(&c, cf_yaml_get(doc, r, "n"), "n", &s, &len), 0);
	assert_int_equal(cf_ycheck_text(&c, cf_yaml_get(doc, r, "z"), "z", &s, &len), -1);
	assert_int_equal(c.errors, 5);
	cf_yaml_free(doc);
	cf_diags_free(diags);
}

static void schema_map_keys(void **state)
{
	(void)state;
	const char *text = "id: 1\nseverty: high\nzzz: 1\n";
	cf_ydoc *doc;
	cf_diag_list *diags;
	assert_int_equal(parse(text, strlen(text), &doc, &diags), CF_OK);
	static const char *const keys[] = {"id", "severity", "name"};
	const cf_ynode *v[3];
	cf_ycheck c = {doc, diags, 0};
	assert_int_equal(cf_ycheck_map(&c, cf_yaml_root(doc), "instance", keys, 3, 0x5, v, NULL),
	                 -1);
	assert_non_null(v[0]);
	assert_null(v[1]);
	assert_int_equal(cf_diags_count(diags), 3);
	assert_string_equal(cf_diags_get(diags, 0)->code, "unknown-key");
	assert_non_null(strstr(cf_diags_get(diags, 0)->message, "did you mean 'severity'"));
	assert_non_null(strstr(cf_diags_get(diags, 1)->message, "expected one of"));
	assert_string_equal(cf_diags_get(diags, 2)->code, "missing-key");
	assert_non_null(strstr(cf_diags_get(diags, 2)->message, "'name'"));
	cf_yaml_free(doc);
	cf_diags_free(diags);
}

static void schema_suggestions(void **state)
{
	(void)state;
	assert_int_equal(cf_edit_distance("kitten", "sitting", 10), 3);
	assert_int_equal(cf_edit_distance("", "abc", 10), 3);
	assert_int_equal(cf_edit_distance("same", "same", 0), 0);
	assert_int_equal(cf_edit_distance("abcdef", "uvwxyz", 2), 3); /* capped */
	static const char *const c[] = {"severity", "action", "name"};
	assert_string_equal(cf_suggest("severty", c, 3), "severity");
	assert_string_equal(cf_suggest("acton", c, 3), "action");
	assert_null(cf_suggest("colour", c, 3));
	assert_null(cf_suggest("x", c, 3));
}

/* ---- template manifests ------------------------------------------------------------ */

/* A manifest with the given id, version, fields count, supplies and max_length. */
static const char *manifest(const char *id, const char *version, unsigned nfields,
                            const char *supplies, const char *max_length)
{
	static char buf[32768];
	int n = snprintf(buf, sizeof buf, "template: t\nid: %s\nversion: %s\nfields:%s\n", id,
	                 version, nfields ? "" : " []");
	for (unsigned i = 0; i < nfields; i++)
		n += snprintf(buf + n, sizeof buf - (size_t)n, "  - {name: f%u, type: uint}\n", i);
	snprintf(buf + n, sizeof buf - (size_t)n,
	         "sensors:\n  - {version: \"7.11.0\", supplies: %s}\nregex: {max_length: %s}\n",
	         supplies, max_length);
	return buf;
}

static void template_int_bounds(void **state)
{
	(void)state;
	assert_string_equal(tpl_error(manifest("0", "1", 1, "1", "1")), "int-range");
	assert_string_equal(tpl_error(manifest("1", "1", 1, "1", "1")), "");
	assert_string_equal(tpl_error(manifest("65535", "1", 1, "1", "1")), "");
	assert_string_equal(tpl_error(manifest("65536", "1", 1, "1", "1")), "int-range");
	assert_string_equal(tpl_error(manifest("1", "0", 1, "1", "1")), "int-range");
	assert_string_equal(tpl_error(manifest("1", "4294967295", 1, "1", "1")), "");
	assert_string_equal(tpl_error(manifest("1", "4294967296", 1, "1", "1")), "int-range");
	assert_string_equal(tpl_error(manifest("1", "1", 0, "0", "1")), "template-invalid");
	assert_string_equal(tpl_error(manifest("1", "1", 255, "255", "1")), "");
	assert_string_equal(tpl_error(manifest("1", "1", 256, "0", "1")), "template-invalid");
	assert_string_equal(tpl_error(manifest("1", "1", 3, "0", "1")), "");
	assert_string_equal(tpl_error(manifest("1", "1", 3, "3", "1")), "");
	assert_string_equal(tpl_error(manifest("1", "1", 3, "4", "1")), "int-range");
	assert_string_equal(tpl_error(manifest("1", "1", 1, "1", "0")), "int-range");
	assert_string_equal(tpl_error(manifest("1", "1", 1, "1", "65535")), "");
	assert_string_equal(tpl_error(manifest("1", "1", 1, "1", "65536")), "int-range");
	assert_string_equal(tpl_error(manifest("12abc", "1", 1, "1", "1")), "int-syntax");
}

static void template_names_and_sensors(void **state)
{
	(void)state;
	assert_string_equal(tpl_error("template: Bad\nid: 1\nversion: 1\n"
	                              "fields: [{name: a, type: uint}]\n"
	                              "sensors: [{version: '1', supplies: 1}]\n"),
	                    "bad-name");
	char name64[80], name65[80];
	memset(name64, 'a', 64);
	name64[64] = '\0';
	memset(name65, 'a', 65);
	name65[65] = '\0';
	char text[512];
	snprintf(text, sizeof text,
	         "template: %s\nid: 1\nversion: 1\nfields: [{name: %s, type: uint}]\n"
	         "sensors: [{version: '1', supplies: 1}]\n",
	         name64, name64);
	assert_string_equal(tpl_error(text), "");
	snprintf(text, sizeof text,
	         "template: %s\nid: 1\nversion: 1\nfields: [{name: a, type: uint}]\n"
	         "sensors: [{version: '1', supplies: 1}]\n",
	         name65);
	assert_string_equal(tpl_error(text), "bad-name");
	assert_string_equal(tpl_error("template: t\nid: 1\nversion: 1\n"
	                              "fields: [{name: a, type: uint}, {name: a, type: bool}]\n"
	                              "sensors: [{version: '1', supplies: 1}]\n"),
	                    "duplicate-field");
	assert_string_equal(tpl_error("template: t\nid: 1\nversion: 1\n"
	                              "fields: [{name: a, type: float}]\n"
	                              "sensors: [{version: '1', supplies: 1}]\n"),
	                    "bad-value");
	assert_string_equal(tpl_error("template: t\nid: 1\nversion: 1\n"
	                              "fields: [{name: a, type: uint}]\n"
	                              "sensors: [{version: '7.011', supplies: 1}]\n"),
	                    "bad-version");
	assert_string_equal(tpl_error("template: t\nid: 1\nversion: 1\n"
	                              "fields: [{name: a, type: uint}]\n"
	                              "sensors: [{version: '7.1', supplies: 1},"
	                              " {version: '7.1.0', supplies: 0}]\n"),
	                    "duplicate-sensor");
	assert_string_equal(tpl_error("template: t\nid: 1\nversion: 1\n"
	                              "fields: [{name: a, type: uint}]\n"
	                              "sensors: []\n"),
	                    "template-invalid");
	assert_string_equal(tpl_error("template: t\nid: 1\nversion: 1\n"
	                              "fields: [{name: a, type: uint}]\n"),
	                    "missing-key");
	assert_string_equal(tpl_error("template: t\nid: 1\nversion: 1\nextra: 2\n"
	                              "fields: [{name: a, type: uint}]\n"
	                              "sensors: [{version: '1', supplies: 1}]\n"),
	                    "unknown-key");
}

/* A manifest whose one sensor build has this version text. */
static const char *manifest_sensor(const char *version)
{
	static char buf[256];
	snprintf(buf, sizeof buf,
	         "template: t\nid: 1\nversion: 1\nfields: [{name: a, type: uint}]\n"
	         "sensors:\n  - {version: %s, supplies: 1}\n",
	         version);
	return buf;
}

static void template_sensor_version_unquoted(void **state)
{
	(void)state;
	assert_string_equal(tpl_error(manifest_sensor("7.16")), "version-unquoted");
	assert_string_equal(tpl_error(manifest_sensor("7.10")), "version-unquoted");
	assert_string_equal(tpl_error(manifest_sensor("7")), "version-unquoted");
	assert_string_equal(tpl_error(manifest_sensor("0")), "version-unquoted");
	assert_string_equal(tpl_error(manifest_sensor("1e3")), "version-unquoted");
	assert_string_equal(tpl_error(manifest_sensor("-7")), "version-unquoted");
	assert_string_equal(tpl_error(manifest_sensor("0x10")), "version-unquoted");
	assert_string_equal(tpl_error(manifest_sensor(".inf")), "version-unquoted");
	/* Strings: quoted, or plain text that is no number. */
	assert_string_equal(tpl_error(manifest_sensor("7.16.0")), "");
	assert_string_equal(tpl_error(manifest_sensor("'7.10'")), "");
	assert_string_equal(tpl_error(manifest_sensor("\"7\"")), "");
	assert_string_equal(tpl_error(manifest_sensor("7.16.x")), "bad-version");
	assert_string_equal(tpl_error(manifest_sensor("'7.010'")), "bad-version");
	assert_string_equal(tpl_error(manifest_sensor("true")), "bad-version");
	assert_string_equal(tpl_error(manifest_sensor("~")), "wrong-type");
	/* Located at the value, with the text to quote. */
	cf_template_set *set = cf_templates_new();
	cf_diag_list *diags = cf_diags_new();
	assert_int_equal(load_tpl(set, manifest_sensor("7.10"), diags), CF_ERR_REJECTED);
	const cf_diag *d = first_error_diag(diags);
	assert_int_equal(d->line, 6);
	assert_int_equal(d->col, 15);
	assert_string_equal(d->message,
	                    "sensor version 7.10 is read as a number by YAML; quote it: \"7.10\"");
	assert_int_equal(cf_templates_count(set), 0);
	cf_diags_free(diags);
	cf_templates_free(set);
}

/* Diagnostics of two lists are the same, path included. */
static void assert_same_diags(const cf_diag_list *a, const cf_diag_list *b)
{
	assert_int_equal(cf_diags_count(a), cf_diags_count(b));
	for (size_t i = 0; i < cf_diags_count(a); i++) {
		const cf_diag *x = cf_diags_get(a, i), *y = cf_diags_get(b, i);
		assert_int_equal(x->severity, y->severity);
		assert_string_equal(x->code ? x->code : "", y->code ? y->code : "");
		assert_string_equal(x->path ? x->path : "", y->path ? y->path : "");
		assert_int_equal(x->line, y->line);
		assert_int_equal(x->col, y->col);
		assert_string_equal(x->message, y->message);
	}
}

/* "\xef\xbb\xbf" + text, in a buffer the caller frees. */
static char *with_bom(const char *text)
{
	size_t len = strlen(text);
	char *s = malloc(len + 4);
	assert_non_null(s);
	memcpy(s, "\xef\xbb\xbf", 3);
	memcpy(s + 3, text, len + 1);
	return s;
}

static void template_bom(void **state)
{
	(void)state;
	/* Loads, and is the same template as without the mark. */
	char *bom = with_bom(web_tpl);
	cf_template_set *set = cf_templates_new();
	cf_template_set *twin = cf_templates_new();
	cf_diag_list *diags = cf_diags_new();
	assert_int_equal(load_tpl(set, bom, diags), CF_OK);
	assert_int_equal(load_tpl(twin, web_tpl, diags), CF_OK);
	assert_int_equal(cf_diags_count(diags), 0);
	const cf_template *t = cf_templates_find(set, "web-request");
	const cf_template *u = cf_templates_find(twin, "web-request");
	assert_non_null(t);
	assert_non_null(u);
	assert_memory_equal(t->fingerprint, u->fingerprint, CF_FINGERPRINT_SIZE);
	assert_int_equal(t->sensor_count, 2);
	assert_int_equal(t->line, u->line);
	assert_int_equal(t->col, u->col);
	assert_int_equal(t->sensors[1].line, u->sensors[1].line);
	assert_int_equal(t->sensors[1].col, u->sensors[1].col);
	cf_templates_free(set);
	cf_templates_free(twin);
	cf_diags_free(diags);
	free(bom);
	/* Errors on line 1 and later: the same line:col as without the mark. */
	const char *bad = "template: Bad_Name\nid: 0\nversion: 1\n"
	                  "fields: [{name: a, type: uint}]\n"
	                  "sensors: [{version: 7.10, supplies: 1}]\n";
	bom = with_bom(bad);
	cf_diag_list *da = cf_diags_new(), *db = cf_diags_new();
	set = cf_templates_new();
	assert_int_equal(load_tpl(set, bad, da), CF_ERR_REJECTED);
	assert_int_equal(load_tpl(set, bom, db), CF_ERR_REJECTED);
	assert_int_equal(cf_diags_count(da), 3);
	assert_int_equal(cf_diags_get(da, 0)->line, 1);
	assert_int_equal(cf_diags_get(da, 0)->col, 11);
	assert_same_diags(da, db);
	cf_diags_free(da);
	cf_diags_free(db);
	cf_templates_free(set);
	free(bom);
}

static void template_set_lookup(void **state)
{
	(void)state;
	cf_template_set *set = cf_templates_new();
	cf_diag_list *diags = cf_diags_new();
	assert_int_equal(load_tpl(set, web_tpl, diags), CF_OK);
	assert_int_equal(load_tpl(set,
	                          "template: another\nid: 3\nversion: 2\n"
	                          "fields: [{name: a, type: string}]\n"
	                          "sensors: [{version: '7.16.0', supplies: 1},"
	                          " {version: '7.9', supplies: 0}]\n",
	                          diags),
	                 CF_OK);
	assert_int_equal(cf_templates_count(set), 2);
	assert_string_equal(cf_templates_get(set, 0)->name, "another");
	assert_string_equal(cf_templates_get(set, 1)->name, "web-request");
	const cf_template *t = cf_templates_find(set, "web-request");
	assert_non_null(t);
	assert_ptr_equal(cf_templates_find_id(set, 9), t);
	assert_null(cf_templates_find(set, "nope"));
	assert_int_equal(t->field_count, 3);
	assert_int_equal(t->regex_max_length, 16);
	assert_int_equal(t->regex_match_limit, CF_DEFAULT_REGEX_MATCH_LIMIT);
	assert_int_equal(cf_template_field_index(t, "is_tls"), 2);
	assert_int_equal(cf_template_field_index(t, "nope"), -1);
	assert_non_null(cf_template_sensor(t, "2.0.0"));
	assert_null(cf_template_sensor(t, "3.0"));
	/* Sensors ascend numerically: 7.9 before 7.16.0. */
	const cf_template *a = cf_templates_find(set, "another");
	assert_string_equal(a->sensors[0].version, "7.9");
	assert_string_equal(a->sensors[1].version, "7.16.0");
	/* The fingerprint is BLAKE2b-256 of the canonical encoding. */
	cf_fp_field fp[3] = {
	    {"url", CF_TYPE_STRING}, {"status", CF_TYPE_UINT}, {"is_tls", CF_TYPE_BOOL}};
	uint8_t want[CF_FINGERPRINT_SIZE];
	assert_int_equal(cf_template_fingerprint("web-request", 9, 1, fp, 3, want), CF_OK);
	assert_memory_equal(t->fingerprint, want, CF_FINGERPRINT_SIZE);
	/* A second manifest for a name or an id already defined. */
	assert_int_equal(load_tpl(set, web_tpl, diags), CF_ERR_REJECTED);
	assert_string_equal(first_error(diags), "duplicate-template");
	cf_diags_free(diags);
	diags = cf_diags_new();
	assert_int_equal(load_tpl(set,
	                          "template: third\nid: 9\nversion: 1\n"
	                          "fields: [{name: a, type: string}]\n"
	                          "sensors: [{version: '1', supplies: 1}]\n",
	                          diags),
	                 CF_ERR_REJECTED);
	assert_string_equal(first_error(diags), "duplicate-template");
	assert_int_equal(cf_templates_count(set), 2);
	cf_diags_free(diags);
	cf_templates_free(set);
	cf_templates_free(NULL);
}

/* ---- compiler ------------------------------------------------------------------------- */

static const char good_source[] = "channel: 500\n"
                                  "template: web-request\n"
                                  "version: 3\n"
                                  "requires_sensor: \"2.0\"\n"
                                  "instances:\n"
                                  "  - id: 20\n"
                                  "    name: second\n"
                                  "    action: block\n"
                                  "    severity: critical\n"
                                  "    match:\n"
                                  "      url: {prefix: 'http://', nocase: true}\n"
                                  "      status: {range: [200, 299]}\n"
                                  "    tests:\n"
                                  "      - event: {url: 'http://a', is_tls: false}\n"
                                  "        expect: no-match\n"
                                  "  - id: 10\n"
                                  "    match:\n"
                                  "      is_tls: {equals: true}\n"
                                  "      url: {regex: '^a+$', origin: 'orig.yaml:5:6'}\n"
                                  "    origin: 'orig.yaml:1:2'\n";

static void compile_good_source(void **state)
{
	(void)state;
	compiled c = compile_text(good_source, 0, 0);
	assert_int_equal(c.st, CF_OK);
	assert_int_equal(cf_diags_count(c.diags), 0);
	size_t len;
	const uint8_t *bytes = cf_compile_result_bytes(c.res, &len);
	cf_view v;
	cf_verify_error err;
	assert_int_equal(cf_verify(bytes, len, &v, &err), CF_OK);
	assert_int_equal(v.hdr.channel, 500);
	assert_int_equal(v.hdr.content_version, 3);
	assert_int_equal(v.hdr.field_count, 3);
	assert_int_equal(v.hdr.instance_count, 2);
	assert_true(v.hdr.has_source_map);
	assert_memory_equal(v.hdr.fingerprint, cf_compile_result_template(c.res)->fingerprint,
	                    CF_FINGERPRINT_SIZE);
	assert_string_equal(v.hdr.requires_sensor.ptr, "2.0");
	/* Sorted by id: 10 first, defaults applied, wildcards explicit. */
	cf_instance in;
	cf_criterion cr;
	cf_srcloc loc;
	cf_view_instance(&v, 0, &in);
	assert_int_equal(in.id, 10);
	assert_int_equal(in.action, CF_ACTION_DETECT);
	assert_int_equal(in.severity, CF_SEVERITY_MEDIUM);
	assert_int_equal(in.name.len, 0);
	cf_view_instance_loc(&v, 0, &loc);
	assert_string_equal(loc.file.ptr, "orig.yaml");
	assert_int_equal(loc.line, 1);
	assert_int_equal(loc.col, 2);
	cf_view_criterion(&v, 0, 0, &cr);
	assert_int_equal(cr.kind, CF_CRIT_REGEX);
	assert_string_equal(cr.str.ptr, "^a+$");
	cf_view_criterion_loc(&v, 0, 0, &loc);
	assert_int_equal(loc.line, 5);
	assert_int_equal(loc.col, 6);
	cf_view_criterion(&v, 0, 1, &cr);
	assert_int_equal(cr.kind, CF_CRIT_ANY);
	cf_view_criterion_loc(&v, 0, 1, &loc);
	assert_int_equal(loc.line, 0);
	cf_view_criterion(&v, 0, 2, &cr);
	assert_int_equal(cr.kind, CF_CRIT_EQUALS);
	assert_int_equal(cr.lo, 1);
	cf_view_instance(&v, 1, &in);
	assert_int_equal(in.id, 20);
	assert_string_equal(in.name.ptr, "second");
	assert_int_equal(in.action, CF_ACTION_BLOCK);
	assert_int_equal(in.severity, CF_SEVERITY_CRITICAL);
	cf_view_instance_loc(&v, 1, &loc);
	assert_string_equal(loc.file.ptr, "r.yaml");
	assert_int_equal(loc.line, 6);
	assert_int_equal(loc.col, 5);
	cf_view_criterion(&v, 1, 0, &cr);
	assert_int_equal(cr.kind, CF_CRIT_PREFIX);
	assert_int_equal(cr.flags, CF_CRIT_NOCASE);
	cf_view_criterion_loc(&v, 1, 0, &loc);
	assert_int_equal(loc.line, 11);
	assert_int_equal(loc.col, 12);
	cf_view_criterion(&v, 1, 1, &cr);
	assert_int_equal(cr.kind, CF_CRIT_RANGE);
	assert_int_equal(cr.lo, 200);
	assert_int_equal(cr.hi, 299);
	/* The embedded test. */
	assert_int_equal(cf_compile_result_test_count(c.res), 1);
	const cf_rule_test *t = cf_compile_result_test(c.res, 0);
	assert_int_equal(t->instance_id, 20);
	assert_string_equal(t->path, "r.yaml");
	assert_int_equal(t->line, 14);
	assert_int_equal(t->col, 9);
	assert_int_equal(t->expect_match, 0);
	assert_int_equal(t->field_count, 3);
	assert_true(t->values[0].present);
	assert_string_equal(t->values[0].str, "http://a");
	assert_false(t->values[1].present);
	assert_true(t->values[2].present);
	assert_int_equal(t->values[2].type, CF_TYPE_BOOL);
	assert_int_equal(t->values[2].num, 0);
	assert_null(cf_compile_result_test(c.res, 1));
	compiled_free(&c);
}

static void compile_deterministic(void **state)
{
	(void)state;
	compiled a = compile_text(good_source, 0, 0);
	compiled b = compile_text(good_source, 0, 0);
	/* Two failures would compare equal: both must compile. */
	assert_int_equal(a.st, CF_OK);
	assert_int_equal(b.st, CF_OK);
	size_t la, lb;
	const uint8_t *ba = cf_compile_result_bytes(a.res, &la);
	const uint8_t *bb = cf_compile_result_bytes(b.res, &lb);
	assert_non_null(ba);
	assert_true(la > 0);
	assert_int_equal(la, lb);
	assert_memory_equal(ba, bb, la);
	compiled_free(&a);
	compiled_free(&b);
}

static void compile_strip_and_override(void **state)
{
	(void)state;
	compiled c = compile_text(good_source, 77, 1);
	assert_int_equal(c.st, CF_OK);
	size_t len;
	const uint8_t *bytes = cf_compile_result_bytes(c.res, &len);
	cf_view v;
	assert_int_equal(cf_verify(bytes, len, &v, NULL), CF_OK);
	assert_false(v.hdr.has_source_map);
	assert_int_equal(v.hdr.content_version, 77);
	assert_int_equal(cf_compile_result_version(c.res), 77);
	assert_int_equal(cf_compile_result_channel(c.res), 500);
	char name[64];
	cf_compile_default_name(500, 77, name, sizeof name);
	assert_string_equal(name, "C-00000500-00000077.cf");
	compiled_free(&c);
	/* With an override, `version` may be left out. */
	c = compile_text("channel: 1\ntemplate: web-request\ninstances: []\n", 5, 0);
	assert_int_equal(c.st, CF_OK);
	compiled_free(&c);
	assert_string_equal(compile_error("channel: 1\ntemplate: web-request\ninstances: []\n"),
	                    "missing-key");
}

static void compile_int_bounds(void **state)
{
	(void)state;
	assert_string_equal(compile_error(source_with("0", "1", "1")), "int-range");
	assert_string_equal(compile_error(source_with("1", "1", "1")), "");
	assert_string_equal(compile_error(source_with("4294967295", "1", "1")), "");
	assert_string_equal(compile_error(source_with("4294967296", "1", "1")), "int-range");
	assert_string_equal(compile_error(source_with("1", "0", "1")), "int-range");
	assert_string_equal(compile_error(source_with("1", "9223372036854775807", "1")), "");
	assert_string_equal(compile_error(source_with("1", "9223372036854775808", "1")),
	                    "int-range");
	assert_string_equal(compile_error(source_with("1", "1", "0")), "int-range");
	assert_string_equal(compile_error(source_with("1", "1", "4294967295")), "");
	assert_string_equal(compile_error(source_with("1", "1", "4294967296")), "int-range");
	assert_string_equal(compile_error(source_with("1", "1", "12abc")), "int-syntax");
	assert_string_equal(compile_error(source_with("1", "1.5", "1")), "int-syntax");
	assert_string_equal(compile_error(source_with("+3", "1", "1")), "int-syntax");
	assert_string_equal(compile_error(source_with("0x10", "1", "1")), "int-syntax");
}

/* A source whose one instance has this match mapping body. */
static const char *with_match(const char *match)
{
	static char buf[4096];
	snprintf(buf, sizeof buf,
	         "channel: 1\ntemplate: web-request\nversion: 1\ninstances:\n"
	         "  - id: 1\n    match: %s\n",
	         match);
	return buf;
}

static void compile_criteria(void **state)
{
	(void)state;
	assert_string_equal(compile_error(with_match("{url: any, status: any, is_tls: any}")), "");
	assert_string_equal(compile_error(with_match("{status: {equals: 18446744073709551615}}")),
	                    "");
	assert_string_equal(compile_error(with_match("{status: {range: [5, 5]}}")), "");
	assert_string_equal(compile_error(with_match("{status: {range: [6, 5]}}")), "range-order");
	assert_string_equal(compile_error(with_match("{status: {range: [1]}}")), "wrong-type");
	assert_string_equal(compile_error(with_match("{status: {regex: a}}")), "bad-criterion");
	assert_string_equal(compile_error(with_match("{is_tls: {range: [0, 1]}}")),
	                    "bad-criterion");
	assert_string_equal(compile_error(with_match("{is_tls: {equals: true, nocase: true}}")),
	                    "bad-criterion");
	assert_string_equal(compile_error(with_match("{url: {equals: a, regex: b}}")),
	                    "bad-criterion");
	assert_string_equal(compile_error(with_match("{url: {}}")), "bad-criterion");
	assert_string_equal(compile_error(with_match("{url: anything}")), "bad-criterion");
	assert_string_equal(compile_error(with_match("{url: {equals: x, nocase: yes}}")),
	                    "wrong-type");
	assert_string_equal(compile_error(with_match("{urll: {equals: x}}")), "unknown-field");
	assert_string_equal(compile_error(with_match("{url: {equls: x}}")), "unknown-key");
	assert_string_equal(compile_error(with_match("{url: {equals: 5}}")), "wrong-type");
	assert_string_equal(compile_error(with_match("{url: {equals: ''}}")), "");
	/* Regex: PCRE2 errors and max_length 16 (0, 16 and 17 bytes). */
	assert_string_equal(compile_error(with_match("{url: {regex: ''}}")), "bad-value");
	assert_string_equal(compile_error(with_match("{url: {prefix: ''}}")), "bad-value");
	assert_string_equal(compile_error(with_match("{url: {regex: 'a'}}")), "");
	assert_string_equal(compile_error(with_match("{url: {regex: 'aaaaaaaaaaaaaaaa'}}")), "");
	assert_string_equal(compile_error(with_match("{url: {regex: 'aaaaaaaaaaaaaaaaa'}}")),
	                    "regex-too-long");
	assert_string_equal(compile_error(with_match("{url: {regex: 'a(b'}}")), "regex-invalid");
	assert_string_equal(compile_error(with_match("{url: {regex: '\\C+'}}")), "");
	assert_string_equal(compile_error(with_match("{url: {equals: x, origin: 'a:1'}}")),
	                    "bad-origin");
}

static void compile_regex_column(void **state)
{
	(void)state;
	/* "    match: {url: {regex: 'ab(c'}}": the quote is at column 26. */
	compiled c = compile_text(with_match("{url: {regex: 'ab(c'}}"), 0, 0);
	const cf_diag *d = first_error_diag(c.diags);
	assert_non_null(d);
	assert_string_equal(d->code, "regex-invalid");
	assert_int_equal(d->line, 6);
	assert_int_equal(d->col, 26 + 1 + 4); /* offset 4: the end of the pattern */
	compiled_free(&c);
	/* With escapes the column stays at the scalar. */
	c = compile_text(with_match("{url: {regex: \"\\\\d)\"}}"), 0, 0);
	d = first_error_diag(c.diags);
	assert_string_equal(d->code, "regex-invalid");
	assert_int_equal(d->col, 26);
	compiled_free(&c);
}

/* nocase on a field that is not a string: the message names the field's
 * type as English ("a uint field"), not as a bare type name. */
static void compile_nocase_message(void **state)
{
	(void)state;
	compiled c = compile_text(with_match("{status: {equals: 5, nocase: true}}"), 0, 0);
	const cf_diag *d = first_error_diag(c.diags);
	assert_non_null(d);
	assert_string_equal(d->code, "bad-criterion");
	assert_string_equal(d->message,
	                    "'nocase' applies to string fields only; 'status' is a uint field");
	compiled_free(&c);
	c = compile_text(with_match("{is_tls: {equals: true, nocase: true}}"), 0, 0);
	d = first_error_diag(c.diags);
	assert_non_null(d);
	assert_string_equal(d->message,
	                    "'nocase' applies to string fields only; 'is_tls' is a bool field");
	compiled_free(&c);
}

static void compile_tests_validated(void **state)
{
	(void)state;
	const char *head = "channel: 1\ntemplate: web-request\nversion: 1\ninstances:\n"
	                   "  - id: 1\n    tests:\n";
	char buf[1024];
	snprintf(buf, sizeof buf, "%s      - {event: {status: 1}, expect: match}\n", head);
	assert_string_equal(compile_error(buf), "");
	snprintf(buf, sizeof buf, "%s      - {event: {stats: 1}, expect: match}\n", head);
	assert_string_equal(compile_error(buf), "unknown-field");
	snprintf(buf, sizeof buf, "%s      - {event: {status: '1'}, expect: match}\n", head);
	assert_string_equal(compile_error(buf), "wrong-type");
	snprintf(buf, sizeof buf, "%s      - {event: {is_tls: 1}, expect: match}\n", head);
	assert_string_equal(compile_error(buf), "wrong-type");
	snprintf(buf, sizeof buf, "%s      - {event: {url: 1}, expect: match}\n", head);
	assert_string_equal(compile_error(buf), "wrong-type");
	snprintf(buf, sizeof buf, "%s      - {event: {}, expect: maybe}\n", head);
	assert_string_equal(compile_error(buf), "bad-value");
	snprintf(buf, sizeof buf, "%s      - {expect: match}\n", head);
	assert_string_equal(compile_error(buf), "missing-key");
}

static void compile_duplicates_and_mismatch(void **state)
{
	(void)state;
	assert_string_equal(
	    compile_error("channel: 1\ntemplate: web-request\nversion: 1\ninstances:\n"
	                  "  - id: 5\n  - id: 6\n  - id: 5\n"),
	    "duplicate-id");
	assert_string_equal(compile_error("channel: 1\ntemplate: web-reqest\nversion: 1\n"
	                                  "instances: []\n"),
	                    "template-unknown");
	assert_string_equal(compile_error("channel: 1\ntemplate: web-request\nversion: 1\n"
	                                  "requires_sensor: 'x'\ninstances: []\n"),
	                    "bad-version");
	/* Two sources that disagree, and two that collide. */
	cf_template_set *set = cf_templates_new();
	cf_diag_list *diags = cf_diags_new();
	assert_int_equal(load_tpl(set, web_tpl, diags), CF_OK);
	const char *a = "channel: 1\ntemplate: web-request\nversion: 1\ninstances: [{id: 1}]\n";
	const char *b = "channel: 2\ntemplate: web-request\nversion: 1\ninstances: [{id: 2}]\n";
	const char *c = "channel: 1\ntemplate: web-request\nversion: 1\ninstances: [{id: 1}]\n";
	cf_compile_options opt = {set, 0, 0};
	cf_compile_source src[2] = {{"a.yaml", (const uint8_t *)a, strlen(a)},
	                            {"b.yaml", (const uint8_t *)b, strlen(b)}};
	cf_compile_result *res = NULL;
	assert_int_equal(cf_compile_sources(&opt, src, 2, diags, &res), CF_ERR_REJECTED);
	assert_null(res);
	assert_string_equal(first_error(diags), "source-mismatch");
	assert_string_equal(first_error_diag(diags)->path, "b.yaml");
	cf_diags_free(diags);
	diags = cf_diags_new();
	src[1].path = "c.yaml";
	src[1].data = (const uint8_t *)c;
	src[1].len = strlen(c);
	assert_int_equal(cf_compile_sources(&opt, src, 2, diags, &res), CF_ERR_REJECTED);
	assert_string_equal(first_error(diags), "duplicate-id");
	assert_string_equal(first_error_diag(diags)->path, "c.yaml");
	assert_string_equal(cf_diags_get(diags, 1)->path, "a.yaml");
	cf_diags_free(diags);
	/* Agreeing sources, in either order, give the same bytes. */
	const char *d = "channel: 1\ntemplate: web-request\nversion: 1\ninstances: [{id: 9}]\n";
	cf_compile_source ad[2] = {{"a.yaml", (const uint8_t *)a, strlen(a)},
	                           {"d.yaml", (const uint8_t *)d, strlen(d)}};
	cf_compile_source da[2] = {ad[1], ad[0]};
	cf_compile_result *r1 = NULL, *r2 = NULL;
	diags = cf_diags_new();
	assert_int_equal(cf_compile_sources(&opt, ad, 2, diags, &r1), CF_OK);
	assert_int_equal(cf_compile_sources(&opt, da, 2, diags, &r2), CF_OK);
	size_t l1, l2;
	const uint8_t *b1 = cf_compile_result_bytes(r1, &l1);
	const uint8_t *b2 = cf_compile_result_bytes(r2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	cf_compile_result_free(r1);
	cf_compile_result_free(r2);
	cf_diags_free(diags);
	cf_templates_free(set);
}

static void compile_bom(void **state)
{
	(void)state;
	/* The same bytes as without the mark (same path, so the same source map). */
	char *bom = with_bom(good_source);
	compiled a = compile_text(good_source, 0, 0);
	compiled b = compile_text(bom, 0, 0);
	assert_int_equal(a.st, CF_OK);
	assert_int_equal(b.st, CF_OK);
	assert_int_equal(cf_diags_count(b.diags), 0);
	size_t la, lb;
	const uint8_t *ba = cf_compile_result_bytes(a.res, &la);
	const uint8_t *bb = cf_compile_result_bytes(b.res, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(ba, bb, la);
	/* The embedded test is located the same way too. */
	assert_int_equal(cf_compile_result_test(b.res, 0)->line, 14);
	assert_int_equal(cf_compile_result_test(b.res, 0)->col, 9);
	compiled_free(&a);
	compiled_free(&b);
	free(bom);
	/* Errors on line 1 and on later lines. */
	const char *bad = "channel: 0\ntemplate: web-request\nversion: 1\n"
	                  "requires_sensor: 7.10\ninstances:\n"
	                  "  - id: 1\n    match: {url: {regex: 'ab(c'}}\n    severty: high\n";
	bom = with_bom(bad);
	a = compile_text(bad, 0, 0);
	b = compile_text(bom, 0, 0);
	assert_int_equal(a.st, CF_ERR_REJECTED);
	assert_int_equal(b.st, CF_ERR_REJECTED);
	/* int-range 1:10, version-unquoted 4:18, regex-invalid 7:31, unknown-key 8:5 */
	static const uint32_t want[][2] = {{1, 10}, {4, 18}, {7, 31}, {8, 5}};
	assert_int_equal(cf_diags_count(a.diags), 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(cf_diags_get(a.diags, i)->line, want[i][0]);
		assert_int_equal(cf_diags_get(a.diags, i)->col, want[i][1]);
	}
	assert_same_diags(a.diags, b.diags);
	const cf_diag *d;
	compiled_free(&a);
	compiled_free(&b);
	free(bom);
	/* A regex error on line 1 of a flow document: the column within the pattern. */
	bad = "{channel: 1, template: web-request, version: 1, instances: [{id: 1, "
	      "match: {url: {regex: 'ab(c'}}}]}\n";
	bom = with_bom(bad);
	a = compile_text(bad, 0, 0);
	b = compile_text(bom, 0, 0);
	d = first_error_diag(b.diags);
	assert_string_equal(d->code, "regex-invalid");
	assert_int_equal(d->line, 1);
	assert_int_equal(d->col, 90 + 1 + 4); /* the quote is at column 90 */
	assert_same_diags(a.diags, b.diags);
	compiled_free(&a);
	compiled_free(&b);
	free(bom);
}

/* A source whose header has this requires_sensor line. */
static const char *with_requires(const char *version)
{
	static char buf[256];
	snprintf(buf, sizeof buf,
	         "channel: 1\ntemplate: web-request\nversion: 1\nrequires_sensor: %s\n"
	         "instances: []\n",
	         version);
	return buf;
}

static void compile_requires_unquoted(void **state)
{
	(void)state;
	assert_string_equal(compile_error(with_requires("7.10")), "version-unquoted");
	assert_string_equal(compile_error(with_requires("7")), "version-unquoted");
	assert_string_equal(compile_error(with_requires("2.0")), "version-unquoted");
	assert_string_equal(compile_error(with_requires("1e3")), "version-unquoted");
	assert_string_equal(compile_error(with_requires("2.0.0")), "");
	assert_string_equal(compile_error(with_requires("'2.0'")), "");
	assert_string_equal(compile_error(with_requires("\"7.10\"")), "");
	assert_string_equal(compile_error(with_requires("'7'")), "");
	assert_string_equal(compile_error(with_requires("7.x")), "bad-version");
	compiled c = compile_text(with_requires("7.10"), 0, 0);
	const cf_diag *d = first_error_diag(c.diags);
	assert_int_equal(d->line, 4);
	assert_int_equal(d->col, 18);
	assert_string_equal(d->message,
	                    "requires_sensor 7.10 is read as a number by YAML; quote it: \"7.10\"");
	assert_int_equal(cf_diags_errors(c.diags), 1);
	compiled_free(&c);
	c = compile_text(with_requires("1e3"), 0, 0);
	assert_string_equal(first_error_diag(c.diags)->message,
	                    "requires_sensor 1e3 is read as a number by YAML; write a quoted "
	                    "dotted decimal such as \"7.16.0\"");
	compiled_free(&c);
	/* The content version and the channel stay integers. */
	assert_string_equal(compile_error(source_with("7", "42", "1")), "");
	assert_string_equal(compile_error(source_with("7", "'42'", "1")), "wrong-type");
	assert_string_equal(compile_error(source_with("'7'", "42", "1")), "wrong-type");
}

/* The duplicate-id error of diags (with its note), or NULL. */
static const cf_diag *duplicate_id(const cf_diag_list *diags, const cf_diag **note)
{
	for (size_t i = 0; i < cf_diags_count(diags); i++) {
		const cf_diag *d = cf_diags_get(diags, i);
		if (d->code && strcmp(d->code, "duplicate-id") == 0) {
			*note = i + 1 < cf_diags_count(diags) ? cf_diags_get(diags, i + 1) : NULL;
			return d;
		}
	}
	return NULL;
}

/* Compile src and expect duplicate id 5 at line:col, first defined at nline:ncol. */
static void expect_duplicate(const char *src, uint32_t line, uint32_t col, uint32_t nline,
                             uint32_t ncol, size_t errors)
{
	compiled c = compile_text(src, 0, 0);
	assert_int_equal(c.st, CF_ERR_REJECTED);
	const cf_diag *note = NULL;
	const cf_diag *d = duplicate_id(c.diags, &note);
	assert_non_null(d);
	assert_string_equal(d->message, "duplicate instance id 5");
	assert_int_equal(d->line, line);
	assert_int_equal(d->col, col);
	assert_non_null(note);
	assert_int_equal(note->severity, CF_NOTE);
	assert_int_equal(note->line, nline);
	assert_int_equal(note->col, ncol);
	assert_int_equal(cf_diags_errors(c.diags), errors);
	compiled_free(&c);
}

static void compile_duplicate_id_with_errors(void **state)
{
	(void)state;
	const char *head = "channel: 1\ntemplate: web-request\nversion: 1\ninstances:\n";
	char buf[1024];
	/* An error in the first copy, in the second, in both. */
	snprintf(buf, sizeof buf, "%s  - id: 5\n    action: dtect\n  - id: 5\n", head);
	expect_duplicate(buf, 7, 9, 5, 9, 2);
	snprintf(buf, sizeof buf, "%s  - id: 5\n  - id: 5\n    match: {urll: any}\n", head);
	expect_duplicate(buf, 6, 9, 5, 9, 2);
	snprintf(buf, sizeof buf,
	         "%s  - id: 5\n    match: {status: {range: [2, 1]}}\n"
	         "  - id: 5\n    tests: [{event: {}, expect: maybe}]\n",
	         head);
	expect_duplicate(buf, 7, 9, 5, 9, 3);
	/* Three copies with errors: two duplicates, both noted at the first. */
	snprintf(buf, sizeof buf,
	         "%s  - {id: 5, severity: x}\n  - {id: 5, action: y}\n"
	         "  - {id: 5, name: ''}\n",
	         head);
	compiled c = compile_text(buf, 0, 0);
	size_t dups = 0;
	for (size_t i = 0; i < cf_diags_count(c.diags); i++) {
		const char *code = cf_diags_get(c.diags, i)->code;
		dups += code && strcmp(code, "duplicate-id") == 0;
	}
	assert_int_equal(dups, 2);
	compiled_free(&c);
	/* An unknown template: the ids are still checked. */
	expect_duplicate("channel: 1\ntemplate: nope\nversion: 1\ninstances:\n"
	                 "  - id: 5\n  - id: 5\n",
	                 6, 9, 5, 9, 2);
	/* An id that is itself wrong is no duplicate of anything. */
	snprintf(buf, sizeof buf, "%s  - id: 0\n  - id: 0\n  - id: x\n  - id: x\n", head);
	c = compile_text(buf, 0, 0);
	const cf_diag *note;
	assert_null(duplicate_id(c.diags, &note));
	compiled_free(&c);

	/* Across two sources of one channel. */
	cf_template_set *set = cf_templates_new();
	cf_diag_list *diags = cf_diags_new();
	assert_int_equal(load_tpl(set, web_tpl, diags), CF_OK);
	cf_compile_options opt = {set, 0, 0};
	static const char *const first[] = {
	    "  - id: 5\n    severity: hgh\n", /* an error in the first file's copy */
	    "  - id: 5\n",
	    "  - id: 5\n    match: {is_tls: {equals: 1}}\n",
	};
	static const char *const second[] = {
	    "  - id: 5\n", "  - id: 5\n    match: {url: {regex: '('}}\n", /* in the second's */
	    "  - id: 5\n    action: [block]\n",                           /* in both */
	};
	for (size_t k = 0; k < 3; k++) {
		char a[256], b[256];
		snprintf(a, sizeof a, "%s%s", head, first[k]);
		snprintf(b, sizeof b, "%s  - id: 6\n%s", head, second[k]);
		cf_compile_source src[2] = {{"a.yaml", (const uint8_t *)a, strlen(a)},
		                            {"b.yaml", (const uint8_t *)b, strlen(b)}};
		cf_compile_result *res = NULL;
		cf_diags_free(diags);
		diags = cf_diags_new();
		assert_int_equal(cf_compile_sources(&opt, src, 2, diags, &res), CF_ERR_REJECTED);
		assert_null(res);
		note = NULL;
		const cf_diag *d = duplicate_id(diags, &note);
		assert_non_null(d);
		assert_string_equal(d->path, "b.yaml");
		assert_int_equal(d->line, 6);
		assert_int_equal(d->col, 9);
		assert_non_null(note);
		assert_string_equal(note->path, "a.yaml");
		assert_int_equal(note->line, 5);
		assert_int_equal(note->col, 9);
		assert_int_equal(cf_diags_errors(diags), k == 2 ? 3 : 2);
	}
	cf_diags_free(diags);
	cf_templates_free(set);
}

static void compile_every_error_reported(void **state)
{
	(void)state;
	compiled c = compile_text("channel: 0\ntemplate: web-request\nversion: 0\ninstances:\n"
	                          "  - id: 0\n  - id: 1\n    action: x\n"
	                          "    match: {url: {regex: '('}, status: {range: [2, 1]}}\n",
	                          0, 0);
	assert_int_equal(c.st, CF_ERR_REJECTED);
	assert_null(c.res);
	assert_int_equal(cf_diags_errors(c.diags), 6);
	compiled_free(&c);
}

static void compile_bad_args(void **state)
{
	(void)state;
	cf_diag_list *diags = cf_diags_new();
	cf_compile_result *res = (cf_compile_result *)1;
	cf_compile_options opt = {NULL, 0, 0};
	cf_compile_source s = {"x", (const uint8_t *)"", 0};
	assert_int_equal(cf_compile_sources(&opt, &s, 1, diags, &res), CF_ERR_INVALID);
	assert_null(res);
	cf_compile_result_free(NULL);
	assert_null(cf_compile_result_bytes(NULL, NULL));
	cf_diags_free(diags);
}

/* cf_templates_load_all(): every path loaded, the gravest status returned
 * (unreadable over rejected over fine), whatever the order. */
static void templates_load_all(void **state)
{
	(void)state;
	char bad[] = "/tmp/cfc-test-templates.XXXXXX";
	int fd = mkstemp(bad);
	assert_true(fd >= 0);
	static const char text[] = "template: t\nfields: [\n";
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	const char *missing = "/nonexistent/cfc-templates";
	struct {
		const char *paths[3];
		size_t n;
		cf_status want;
	} cases[] = {
	    {{"samples/templates"}, 1, CF_OK},
	    {{NULL}, 0, CF_OK},
	    {{bad}, 1, CF_ERR_REJECTED},
	    {{bad, missing}, 2, CF_ERR_IO},
	    {{missing, bad}, 2, CF_ERR_IO},
	    {{"samples/templates", bad}, 2, CF_ERR_REJECTED},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cf_template_set *set = cf_templates_new();
		cf_diag_list *d = cf_diags_new();
		assert_non_null(set);
		assert_non_null(d);
		cf_status st = cf_templates_load_all(set, cases[i].paths, cases[i].n, d);
		if (st != cases[i].want)
			fail_msg("case %zu: %s, want %s", i, cf_strerror(st), cf_strerror(cases[i].want));
		/* every path was loaded: each bad one left its diagnostic */
		size_t bad_paths = 0;
		for (size_t j = 0; j < cases[i].n; j++)
			bad_paths += cases[i].paths[j] != cases[0].paths[0];
		assert_true(cf_diags_count(d) >= bad_paths);
		cf_diags_free(d);
		cf_templates_free(set);
	}
	unlink(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(yaml_tree_and_positions),
	    cmocka_unit_test(yaml_empty_document),
	    cmocka_unit_test(yaml_bom_not_counted),
	    cmocka_unit_test(yaml_columns_count_characters),
	    cmocka_unit_test(yaml_exactness),
	    cmocka_unit_test(yaml_duplicate_keys),
	    cmocka_unit_test(yaml_billion_laughs),
	    cmocka_unit_test(yaml_tags_and_documents),
	    cmocka_unit_test(yaml_nesting_depth),
	    cmocka_unit_test(yaml_nul_bytes),
	    cmocka_unit_test(yaml_bad_utf8),
	    cmocka_unit_test(yaml_tabs),
	    cmocka_unit_test(yaml_syntax_errors),
	    cmocka_unit_test(yaml_scalar_length),
	    cmocka_unit_test(yaml_node_and_size_caps),
	    cmocka_unit_test(schema_uint_bounds),
	    cmocka_unit_test(schema_uint_syntax),
	    cmocka_unit_test(schema_bool_and_string),
	    cmocka_unit_test(schema_map_keys),
	    cmocka_unit_test(schema_suggestions),
	    cmocka_unit_test(template_int_bounds),
	    cmocka_unit_test(template_names_and_sensors),
	    cmocka_unit_test(template_sensor_version_unquoted),
	    cmocka_unit_test(template_bom),
	    cmocka_unit_test(template_set_lookup),
	    cmocka_unit_test(compile_good_source),
	    cmocka_unit_test(compile_deterministic),
	    cmocka_unit_test(compile_strip_and_override),
	    cmocka_unit_test(compile_int_bounds),
	    cmocka_unit_test(compile_criteria),
	    cmocka_unit_test(compile_regex_column),
	    cmocka_unit_test(compile_nocase_message),
	    cmocka_unit_test(compile_tests_validated),
	    cmocka_unit_test(compile_duplicates_and_mismatch),
	    cmocka_unit_test(compile_bom),
	    cmocka_unit_test(compile_requires_unquoted),
	    cmocka_unit_test(compile_duplicate_id_with_errors),
	    cmocka_unit_test(compile_every_error_reported),
	    cmocka_unit_test(compile_bad_args),
	    cmocka_unit_test(templates_load_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
