/*
 * test_dump.c - `cfc dump --format yaml` writes YAML that reads back as
 * exactly what the channel file holds, under YAML 1.1 as under 1.2, and
 * that `cfc compile` turns back into the same bytes, whatever the strings:
 *
 *   - template names and field names the name grammars allow but YAML
 *     would read as a boolean or null (true, null, yes, no, on, off, y, n);
 *   - instance names, equals / prefix / regex values and source-map file
 *     names that look like numbers, nulls, booleans, comments, indicators,
 *     document markers, or hold quotes, blanks at either end, control
 *     characters, YAML line breaks, a byte order mark, or 65535 bytes.
 *
 * The files are made with format/'s builder rather than by compiling YAML,
 * so each string reaches the dump exactly as written here. Every dump is
 * also read with libyaml's parser: no plain scalar in it may be one that a
 * YAML 1.1 loader would type as anything but a string, except the numbers
 * and booleans the rule-source shape puts there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <yaml.h>

#include <cf/base.h>
#include <cf/compile.h>
#include <cf/format.h>
#include <cf/template.h>

/* Template names that match [a-z][a-z0-9-]{0,63} and that YAML reads as a
 * boolean or null when plain; the last one is an ordinary name. */
static const char *const tpl_words[] = {"true", "false", "null", "yes", "no",
                                        "on",   "off",   "y",    "n",   "ipc-named-pipe"};
#define NWORDS (sizeof tpl_words / sizeof tpl_words[0])

/*
 * Every template has these fields: names that YAML would misread, of each
 * type, and one ordinary name. build() puts a prefix on F_PREFIX and
 * F_PLAIN, a regex on F_REGEX, a range on F_UINT and an equals on the
 * others, some with nocase.
 */
enum { F_EQ, F_PREFIX, F_REGEX, F_UINT, F_BOOL, F_NOCASE, F_YES, F_NO, F_FALSE, F_PLAIN, NFIELDS };
static const char *const field_names[NFIELDS] = {"null", "on",  "y",  "true",  "n",
                                                 "off",  "yes", "no", "false", "plain_field"};
static const uint8_t field_types[NFIELDS] = {
    CF_TYPE_STRING, CF_TYPE_STRING, CF_TYPE_STRING, CF_TYPE_UINT,   CF_TYPE_BOOL,
    CF_TYPE_STRING, CF_TYPE_STRING, CF_TYPE_STRING, CF_TYPE_STRING, CF_TYPE_STRING};

/* Strings a plain scalar would turn into something else, or that plain or
 * single-quoted YAML cannot hold as they are. */
static const char *const hostile[] = {
    /* YAML 1.1 and 1.2 booleans and nulls */
    "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~", "yes", "Yes",
    "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "yEs",
    /* numbers, timestamps, merge and value keys */
    "0", "123", "-1", "+1", "007", "0x1F", "0o17", "0b101", "1_000", "1:20", "190:20:30", "7.10",
    "1e3", "-.5", "6.8523015e+5", ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "2001-12-14",
    "2001-12-14t21:59:43.10-05:00", "<<", "=",
    /* indicators and markers */
    "-", "--", "---", "--- x", "...", "- x", "-x", "?", "? x", ":", "a:", "a: b", "a:b", ",",
    "x, y", "[x", "]", "x]", "{x", "}", "{a: b}", "[a, b]", "#", "#c", "a #b", "a# b", "null # c",
    "*alias", "&anchor", "&a *a", "!tag", "!!str x", "%YAML 1.2", "%", "@at", "`tick", "|", "|-",
    ">", "> x", "'", "''", "'sq", "it's", "\"", "\"dq\"", "\\", "\\\"", "x\\ny",
    "C:\\Windows\\System32\\svchost.exe", "C:\\Program Files\\", "\\\\.\\pipe\\msagent_4f",
    /* blanks */
    " ", "  ", " lead", "trail ", "  both  ", "in  side",
    /* control characters and line breaks */
    "\t", "tab\there", "a\nb", "\n", "two\n\nbreaks\n", "\r", "cr\r\nlf", "\x1b[31mred\x1b[0m",
    "\x01", "\x7f", "del\x7f", "\xc2\x85" /* NEL */, "\xc2\x9f", "\xe2\x80\xa8" /* LS */,
    "\xe2\x80\xa9" /* PS */,
    /* other Unicode: NBSP, a byte order mark, a noncharacter, text, emoji */
    "\xc2\xa0", "\xc2\xa0nbsp\xc2\xa0", "\xef\xbb\xbf", "bom\xef\xbb\xbfin", "\xef\xbf\xbe",
    "\xc3\xa9t\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80",
    /* bidirectional controls and zero-width characters: escaped as \uXXXX */
    "evil\xe2\x80\xae" "cod.exe", "\xe2\x81\xa6" "x\xe2\x81\xa9", "a\xe2\x80\x8f" "b", "\xd8\x9c",
    "zw\xe2\x80\x8bsp", "\xe2\x81\xa0", "\xe2\x80\x8d" /* ZWJ: passes */,
    /* ordinary */
    "msagent-pipe", "plain_name", "ok"};
#define NHOSTILE (sizeof hostile / sizeof hostile[0])

/* Source-map file names longer than this are not tried: `origin:` adds
 * ":LINE:COL" to the name and a scalar holds at most 65535 bytes. */
#define FILE_NAME_MAX 4096u

/* ---- helpers ------------------------------------------------------------------ */

/* s with every byte outside printable ASCII as \xNN, cut to fit, for messages. */
static const char *show(const char *s, size_t len, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 8 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch >= 0x7f)
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = 0;
	return buf;
}

static void print_diags(const cf_diag_list *d)
{
	for (size_t i = 0; i < cf_diags_count(d); i++) {
		const cf_diag *g = cf_diags_get(d, i);
		fprintf(stderr, "  %s:%u:%u: %s [%s]\n", g->path ? g->path : "", g->line, g->col,
		        g->message, g->code ? g->code : "");
	}
}

/* One set with a manifest for every name of tpl_words (ids 1, 2, ...). */
static cf_template_set *load_templates(void)
{
	cf_template_set *set = cf_templates_new();
	cf_diag_list *d = cf_diags_new();
	assert_non_null(set);
	assert_non_null(d);
	for (size_t w = 0; w < NWORDS; w++) {
		char text[2048];
		int n =
		    snprintf(text, sizeof text, "template: '%s'\nid: %zu\nversion: 3\nfields:\n",
		             tpl_words[w], w + 1);
		for (unsigned f = 0; f < NFIELDS; f++)
			n += snprintf(text + n, sizeof text - (size_t)n,
			              "  - {name: '%s', type: %s}\n", field_names[f],
			              cf_field_type_name(field_types[f]));
		n += snprintf(text + n, sizeof text - (size_t)n,
		              "sensors:\n  - {version: \"7.10\", supplies: %u}\n"
		              "regex: {max_length: %u, match_limit: 100000}\n",
		              NFIELDS, CF_MAX_STRING_LEN);
		assert_true(n > 0 && (size_t)n < sizeof text);
		if (cf_templates_load_buffer(set, "m.yaml", (const uint8_t *)text, (size_t)n, d) !=
		    CF_OK) {
			print_diags(d);
			fail_msg("manifest for template '%s' does not load:\n%s", tpl_words[w],
			         text);
		}
	}
	cf_diags_free(d);
	return set;
}

/* Nonzero when PCRE2 compiles s as the compiler does (UTF). */
static int regex_ok(const char *s, size_t len)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)s, len, PCRE2_UTF, &code, &off, NULL);
	pcre2_code_free(re);
	return re != NULL;
}

/* What a YAML 1.1 loader, whose implicit typing is the widest in use, could
 * read as other than a string when plain; deliberately wide: booleans and
 * nulls in any case, anything that starts like a number, the merge and
 * value keys. */
static int yaml11_special(const char *s)
{
	static const char *const words[] = {"y",  "yes", "n",    "no", "true", "false",
	                                    "on", "off", "null", "~",  "<<",   "="};
	if (!*s || strchr("0123456789+-.", s[0]))
		return 1;
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		size_t k = 0;
		while (s[k] && words[w][k] && (s[k] | 0x20) == words[w][k])
			k++;
		if (!s[k] && !words[w][k])
			return 1;
	}
	return 0;
}

static int all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int key_is(const char *key, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

/*
 * Read the dump with libyaml's parser: every plain scalar must be a string
 * to a YAML 1.1 loader, except the numbers and booleans the rule-source
 * shape expects under these keys. The emitter never writes a tag, so a
 * quoted scalar is a string everywhere.
 */
static void check_plain_scalars(const char *yaml, size_t len, const char *what)
{
	static const char *const number_keys[] = {"channel", "version", "id", "equals", "range"};
	static const char *const bool_keys[] = {"nocase", "equals"};
	struct frame {
		int is_map, want_key;
		char key[32];
	} stack[16];
	int depth = 0;
	yaml_parser_t p;
	yaml_event_t ev;
	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)yaml, len);
	for (int done = 0; !done;) {
		if (!yaml_parser_parse(&p, &ev))
			fail_msg("%s: the dump is not YAML: %s (line %zu)", what, p.problem,
			         p.problem_mark.line + 1);
		struct frame *top = depth ? &stack[depth - 1] : NULL;
		switch (ev.type) {
		case YAML_SCALAR_EVENT: {
			const char *s = (const char *)ev.data.scalar.value;
			int is_plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			assert_non_null(top);
			if (top->is_map && top->want_key) {
				snprintf(top->key, sizeof top->key, "%s", s);
				top->want_key = 0;
				if (is_plain && yaml11_special(s))
					fail_msg("%s: plain key '%s' at line %zu", what, s,
					         ev.start_mark.line + 1);
				break;
			}
			int ok = !is_plain || !yaml11_special(s) ||
			         (all_digits(s) && key_is(top->key, number_keys, 5)) ||
			         ((strcmp(s, "true") == 0 || strcmp(s, "false") == 0) &&
			          key_is(top->key, bool_keys, 2));
			if (!ok)
				fail_msg("%s: plain '%s' as the value of '%s' at line %zu", what, s,
				         top->key, ev.start_mark.line + 1);
			if (top->is_map)
				top->want_key = 1;
			break;
		}
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			assert_true(depth < 16);
			stack[depth].is_map = ev.type == YAML_MAPPING_START_EVENT;
			stack[depth].want_key = 1;
			snprintf(stack[depth].key, sizeof stack[depth].key, "%s",
			         top ? top->key : "");
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			if (depth && stack[depth - 1].is_map)
				stack[depth - 1].want_key = 1;
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
}

/*
 * Verify buf, dump it, check the dump's plain scalars, compile the dump
 * back and compare the bytes. Returns the dump (caller frees) for more
 * checks.
 */
static char *round_trip(const cf_template_set *set, const uint8_t *buf, size_t len,
                        const char *what)
{
	cf_view v;
	cf_verify_error err;
	if (cf_verify(buf, len, &v, &err) != CF_OK)
		fail_msg("%s: the built file does not verify: %s", what, err.message);
	char *yaml = NULL;
	size_t ylen = 0;
	assert_int_equal(cf_dump_yaml(&v, &yaml, &ylen), CF_OK);
	assert_int_equal(strlen(yaml), ylen);
	check_plain_scalars(yaml, ylen, what);

	cf_compile_options opt;
	memset(&opt, 0, sizeof opt);
	opt.templates = set;
	opt.strip_source = !v.hdr.has_source_map;
	cf_compile_source src = {"dump.yaml", (const uint8_t *)yaml, ylen};
	cf_diag_list *d = cf_diags_new();
	assert_non_null(d);
	cf_compile_result *r = NULL;
	cf_status st = cf_compile_sources(&opt, &src, 1, d, &r);
	if (st != CF_OK) {
		print_diags(d);
		fail_msg("%s: the dump does not compile (%s):\n%.4000s", what, cf_strerror(st),
		         yaml);
	}
	size_t len2;
	const uint8_t *again = cf_compile_result_bytes(r, &len2);
	if (len2 != len || memcmp(again, buf, len) != 0) {
		size_t k = 0;
		while (k < len && k < len2 && again[k] == buf[k])
			k++;
		fail_msg("%s: dump then compile gives other bytes (%zu vs %zu, first difference "
		         "at 0x%zx):\n%.4000s",
		         what, len2, len, k, yaml);
	}
	cf_compile_result_free(r);
	cf_diags_free(d);
	return yaml;
}

/* A string criterion. */
static cf_build_criterion str_crit(uint8_t kind, const char *s, size_t len, uint8_t flags,
                                   uint32_t line, uint32_t col)
{
	cf_build_criterion c;
	memset(&c, 0, sizeof c);
	c.kind = kind;
	c.flags = flags;
	c.str = s;
	c.str_len = len;
	c.line = line;
	c.col = col;
	return c;
}

/*
 * A file of template t: instance 1 named name (NULL: none) from source file
 * `file` (with a source map), whose string criteria all hold s (those that
 * can: prefix and regex cannot be empty, a regex must compile), and an
 * instance 2 that is all wildcards.
 */
static uint8_t *build(const cf_template *t, int source_map, const char *name, const char *file,
                      const char *s, size_t len, size_t *out_len)
{
	cf_build_header h;
	memset(&h, 0, sizeof h);
	h.channel = 291;
	h.content_version = 42;
	h.template_name = t->name;
	h.template_id = t->id;
	h.template_version = t->version;
	memcpy(h.fingerprint, t->fingerprint, CF_FINGERPRINT_SIZE);
	h.requires_sensor = "7.10";
	h.with_source_map = source_map;
	cf_builder *b = cf_builder_new(&h);
	assert_non_null(b);
	for (unsigned f = 0; f < NFIELDS; f++)
		assert_int_equal(cf_builder_add_field(b, field_names[f], field_types[f]), CF_OK);

	cf_build_criterion c[NFIELDS];
	memset(c, 0, sizeof c);
	c[F_EQ] = str_crit(CF_CRIT_EQUALS, s, len, 0, 3, 7);
	if (len)
		c[F_PREFIX] = str_crit(CF_CRIT_PREFIX, s, len, 0, 4, 1);
	if (len && regex_ok(s, len))
		c[F_REGEX] = str_crit(CF_CRIT_REGEX, s, len, 0, UINT32_MAX, UINT32_MAX);
	c[F_UINT].kind = CF_CRIT_RANGE;
	c[F_UINT].lo = 0;
	c[F_UINT].hi = UINT64_MAX;
	c[F_BOOL].kind = CF_CRIT_EQUALS;
	c[F_BOOL].lo = 1;
	c[F_NOCASE] = str_crit(CF_CRIT_EQUALS, s, len, CF_CRIT_NOCASE, 0, 0);
	c[F_YES] = str_crit(CF_CRIT_EQUALS, s, len, 0, 5, 5);
	c[F_NO] = str_crit(CF_CRIT_EQUALS, s, len, CF_CRIT_NOCASE, 6, 6);
	c[F_FALSE] = str_crit(CF_CRIT_EQUALS, s, len, 0, 7, 7);
	if (len)
		c[F_PLAIN] = str_crit(CF_CRIT_PREFIX, s, len, CF_CRIT_NOCASE, 9, 2);
	cf_build_instance in = {1, CF_ACTION_BLOCK, CF_SEVERITY_CRITICAL, name, file, 2, 5};
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_OK);

	cf_build_criterion any[NFIELDS];
	memset(any, 0, sizeof any);
	cf_build_instance in2 = {2, CF_ACTION_LOG, CF_SEVERITY_INFO, NULL, file, 1, 1};
	assert_int_equal(cf_builder_add_instance(b, &in2, any), CF_OK);

	uint8_t *out = NULL;
	assert_int_equal(cf_builder_finish(b, &out, out_len), CF_OK);
	cf_builder_free(b);
	return out;
}

/* ---- tests -------------------------------------------------------------------- */

/*
 * Template names and field names that YAML reads as booleans or null are
 * quoted; ordinary ones stay plain, as `cfc dump` always wrote them.
 */
static void test_template_and_field_names(void **state)
{
	(void)state;
	cf_template_set *set = load_templates();
	for (size_t w = 0; w < NWORDS; w++) {
		const cf_template *t = cf_templates_find(set, tpl_words[w]);
		assert_non_null(t);
		for (int sm = 0; sm <= 1; sm++) {
			size_t len;
			uint8_t *buf = build(t, sm, "name", "rules/r.yaml", "v", 1, &len);
			char what[128];
			snprintf(what, sizeof what, "template '%s'%s", tpl_words[w],
			         sm ? ", source map" : "");
			char *yaml = round_trip(set, buf, len, what);

			char line[128];
			int ordinary = w == NWORDS - 1;
			snprintf(line, sizeof line,
			         ordinary ? "\ntemplate: %s\n" : "\ntemplate: '%s'\n",
			         tpl_words[w]);
			if (!strstr(yaml, line))
				fail_msg("%s: no line '%s' in the dump:\n%s", what, line + 1, yaml);
			for (unsigned f = 0; f < NFIELDS; f++) {
				int plain = f == F_PLAIN;
				snprintf(line, sizeof line, plain ? "\n    %s: {" : "\n    '%s': {",
				         field_names[f]);
				if (!strstr(yaml, line))
					fail_msg("%s: field '%s' is not %s in the dump:\n%s", what,
					         field_names[f], plain ? "plain" : "quoted", yaml);
			}
			free(yaml);
			free(buf);
		}
	}
	cf_templates_free(set);
}

/* One hostile string as instance name, source file and every string value,
 * under each template name in turn. */
static void hostile_round_trip(const cf_template_set *set, size_t k, const char *s, size_t len)
{
	const cf_template *t = cf_templates_find(set, tpl_words[k % NWORDS]);
	assert_non_null(t);
	for (int sm = 0; sm <= 1; sm++) {
		char shown[128], what[192];
		snprintf(what, sizeof what, "string %zu '%s' (%zu bytes)%s", k,
		         show(s, len, shown, sizeof shown), len, sm ? ", source map" : "");
		const char *file = len && len <= FILE_NAME_MAX ? s : "r.yaml";
		size_t blen;
		uint8_t *buf = build(t, sm, len ? s : NULL, file, s, len, &blen);
		char *yaml = round_trip(set, buf, blen, what);
		/* No bidirectional or zero-width character reaches the text raw. */
		const unsigned char *y = (const unsigned char *)yaml;
		for (size_t i = 0; y[i]; i++) {
			unsigned cp = 0;
			if (y[i] >= 0xc2 && y[i] <= 0xdf && y[i + 1])
				cp = (y[i] & 0x1fu) << 6 | (y[i + 1] & 0x3fu);
			else if (y[i] >= 0xe0 && y[i] <= 0xef && y[i + 1] && y[i + 2])
				cp = (y[i] & 0x0fu) << 12 | (y[i + 1] & 0x3fu) << 6 | (y[i + 2] & 0x3fu);
			if (cf_text_invisible(cp))
				fail_msg("%s: U+%04X raw in the dump", what, cp);
		}
		free(yaml);
		free(buf);
	}
}

static void test_hostile_strings(void **state)
{
	(void)state;
	cf_template_set *set = load_templates();
	size_t regexes = 0;
	for (size_t k = 0; k < NHOSTILE; k++) {
		hostile_round_trip(set, k, hostile[k], strlen(hostile[k]));
		if (regex_ok(hostile[k], strlen(hostile[k])))
			regexes++;
	}
	/* Most of them reached the regex criterion too. */
	assert_true(regexes > NHOSTILE * 3 / 4);
	/* The empty string: an equals value only (no name, prefix or regex). */
	hostile_round_trip(set, NHOSTILE, "", 0);
	cf_templates_free(set);
}

/* Strings of the largest length a file may hold (65535 bytes), of characters
 * that quoting makes longer ('' and \e) or that a folding emitter would
 * break at (spaces). */
static void test_longest_strings(void **state)
{
	(void)state;
	cf_template_set *set = load_templates();
	size_t n = CF_MAX_STRING_LEN;
	char *s = malloc(n + 1);
	assert_non_null(s);
	static const char *const units[] = {"'", "\x1b", "x ", "\xc3\xa9", "\"\\"};
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
		size_t ul = strlen(units[u]), len = n / ul * ul;
		for (size_t i = 0; i < len; i += ul)
			memcpy(s + i, units[u], ul);
		s[len] = 0;
		hostile_round_trip(set, u, s, len);
	}
	free(s);
	cf_templates_free(set);
}

/*
 * cf_dump_yaml_part: every way of cutting a file into ranges (here one
 * instance a part, and one part of all) compiles back, all parts together,
 * to the same bytes, source map included; the node count grows with the
 * part; a range outside the file is CF_ERR_INVALID.
 */
static void test_parts(void **state)
{
	(void)state;
	cf_template_set *set = load_templates();
	const cf_template *t = cf_templates_find(set, tpl_words[NWORDS - 1]);
	assert_non_null(t);
	for (int sm = 0; sm <= 1; sm++) {
		size_t len;
		uint8_t *buf = build(t, sm, "name", "rules/r.yaml", "v", 1, &len);
		cf_view v;
		cf_verify_error err;
		assert_int_equal(cf_verify(buf, len, &v, &err), CF_OK);
		assert_int_equal(v.hdr.instance_count, 2);
		char *y[3] = {NULL, NULL, NULL};
		size_t yl[3], nodes[3];
		assert_int_equal(cf_dump_yaml_part(&v, 0, 1, &y[0], &yl[0], &nodes[0]), CF_OK);
		assert_int_equal(cf_dump_yaml_part(&v, 1, 1, &y[1], &yl[1], &nodes[1]), CF_OK);
		assert_int_equal(cf_dump_yaml_part(&v, 0, 2, &y[2], &yl[2], &nodes[2]), CF_OK);
		assert_true(nodes[0] > nodes[1] && nodes[2] > nodes[0]);
		/* Each part has the whole header and only its instances. */
		assert_non_null(strstr(y[0], "\n- id: 1\n"));
		assert_null(strstr(y[0], "\n- id: 2\n"));
		assert_non_null(strstr(y[1], "\n- id: 2\n"));
		assert_non_null(strstr(y[1], "\nchannel: 291\n"));
		/* The whole range is what cf_dump_yaml writes. */
		char *whole = NULL;
		size_t wl = 0;
		assert_int_equal(cf_dump_yaml(&v, &whole, &wl), CF_OK);
		assert_int_equal(wl, yl[2]);
		assert_memory_equal(whole, y[2], wl);
		free(whole);

		cf_compile_options opt;
		memset(&opt, 0, sizeof opt);
		opt.templates = set;
		opt.strip_source = !sm;
		/* Given in either order. */
		cf_compile_source src[2] = {{"p2.yaml", (const uint8_t *)y[1], yl[1]},
		                            {"p1.yaml", (const uint8_t *)y[0], yl[0]}};
		cf_diag_list *d = cf_diags_new();
		cf_compile_result *r = NULL;
		cf_status st = cf_compile_sources(&opt, src, 2, d, &r);
		if (st != CF_OK) {
			print_diags(d);
			fail_msg("the parts do not compile: %s", cf_strerror(st));
		}
		size_t len2;
		const uint8_t *again = cf_compile_result_bytes(r, &len2);
		assert_int_equal(len2, len);
		assert_memory_equal(again, buf, len);
		cf_compile_result_free(r);
		cf_diags_free(d);

		/* An empty part, and ranges outside the file. */
		char *e = NULL;
		size_t el = 0;
		assert_int_equal(cf_dump_yaml_part(&v, 2, 0, &e, &el, NULL), CF_OK);
		assert_non_null(strstr(e, "instances: []"));
		free(e);
		e = NULL;
		assert_int_equal(cf_dump_yaml_part(&v, 1, 2, &e, &el, NULL), CF_ERR_INVALID);
		assert_int_equal(cf_dump_yaml_part(&v, 3, 0, &e, &el, NULL), CF_ERR_INVALID);
		assert_int_equal(cf_dump_yaml_part(&v, 1, UINT32_MAX, &e, &el, NULL), CF_ERR_INVALID);
		assert_null(e);
		for (int k = 0; k < 3; k++)
			free(y[k]);
		free(buf);
	}
	cf_templates_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_template_and_field_names),
	    cmocka_unit_test(test_hostile_strings),
	    cmocka_unit_test(test_longest_strings),
	    cmocka_unit_test(test_parts),
	};
	return cmocka_run_group_tests_name("dump", tests, NULL, NULL);
}
