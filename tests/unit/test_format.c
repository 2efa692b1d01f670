/*
 * test_format.c - builder-to-verifier round trips at the bounds, and a
 * corpus of broken files each with the exact error it must produce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cf/format.h>
#include "testenv.h"
#include "format/format_int.h"

/* ---- fixtures ------------------------------------------------------------ */

static cf_build_header header(int smap)
{
	cf_build_header h;
	memset(&h, 0, sizeof h);
	h.channel = 291;
	h.content_version = 42;
	h.template_name = "ipc-named-pipe";
	h.template_id = 7;
	h.template_version = 3;
	for (unsigned i = 0; i < CF_FINGERPRINT_SIZE; i++)
		h.fingerprint[i] = (uint8_t)i;
	h.with_source_map = smap;
	return h;
}

static cf_build_criterion any(void)
{
	cf_build_criterion c;
	memset(&c, 0, sizeof c);
	return c;
}

static cf_build_criterion str_crit(uint8_t kind, const char *s, int nocase)
{
	cf_build_criterion c = any();
	c.kind = kind;
	c.str = s;
	c.str_len = strlen(s);
	c.flags = nocase ? CF_CRIT_NOCASE : 0;
	c.line = 5;
	c.col = 9;
	return c;
}

/* A file with three fields (string, uint, bool) and the given instances:
 * instance k uses criterion kinds chosen by k so every kind appears. */
static uint8_t *build_sample(size_t *len, uint32_t ninst, int smap)
{
	cf_build_header h = header(smap);
	h.requires_sensor = "7.16.0";
	cf_builder *b = cf_builder_new(&h);
	assert_non_null(b);
	assert_int_equal(cf_builder_add_field(b, "pipe_name", CF_TYPE_STRING), CF_OK);
	assert_int_equal(cf_builder_add_field(b, "client_pid", CF_TYPE_UINT), CF_OK);
	assert_int_equal(cf_builder_add_field(b, "is_remote", CF_TYPE_BOOL), CF_OK);
	for (uint32_t k = 0; k < ninst; k++) {
		cf_build_criterion c[3] = {any(), any(), any()};
		switch (k % 5) {
		case 0:
			c[0] = str_crit(CF_CRIT_REGEX,
			                "^\\\\\\\\\\.\\\\pipe\\\\msagent_[0-9a-f]{2}$", 0);
			break;
		case 1:
			c[0] = str_crit(CF_CRIT_EQUALS, "C:\\Windows\\System32\\svchost.exe", 1);
			c[1].kind = CF_CRIT_RANGE;
			c[1].lo = 4;
			c[1].hi = 65535;
			break;
		case 2:
			c[0] = str_crit(CF_CRIT_PREFIX, "\\\\.\\pipe\\postex_", 0);
			c[2].kind = CF_CRIT_EQUALS;
			c[2].lo = 1;
			break;
		case 3:
			c[1].kind = CF_CRIT_EQUALS;
			c[1].lo = UINT64_MAX;
			break;
		default:
			break; /* all wildcards */
		}
		cf_build_instance in = {0};
		in.id = 1000 + (ninst - k) * 3; /* added in descending order */
		in.action = (uint8_t)(1 + k % 3);
		in.severity = (uint8_t)(1 + k % 5);
		in.name = k % 2 ? "named-rule" : NULL;
		in.file = "rules/c291.yaml";
		in.line = 10 + k;
		in.col = 5;
		assert_int_equal(cf_builder_add_instance(b, &in, c), CF_OK);
	}
	uint8_t *out = NULL;
	assert_int_equal(cf_builder_finish(b, &out, len), CF_OK);
	cf_builder_free(b);
	return out;
}

static void fix_crc(uint8_t *buf, size_t len)
{
	st32(buf + len - 4, cf_crc32c(buf, len - 4));
}

static cf_status verify(const uint8_t *buf, size_t len)
{
	cf_view v;
	cf_verify_error e;
	cf_status st = cf_verify(buf, len, &v, &e);
	assert_int_equal(e.status, st);
	if (st != CF_OK)
		assert_true(strlen(e.message) > 0);
	return st;
}

/* ---- round trips --------------------------------------------------------- */

static void test_roundtrip_all_kinds(void **state)
{
	(void)state;
	for (int smap = 0; smap <= 1; smap++) {
		size_t len;
		uint8_t *buf = build_sample(&len, 10, smap);
		cf_view v;
		cf_verify_error e;
		if (cf_verify(buf, len, &v, &e) != CF_OK)
			fail_msg("sample rejected: %s at 0x%llx", e.message,
			         (unsigned long long)e.offset);
		assert_int_equal(v.hdr.channel, 291);
		assert_int_equal(v.hdr.content_version, 42);
		assert_string_equal(v.hdr.template_name.ptr, "ipc-named-pipe");
		assert_int_equal(v.hdr.template_id, 7);
		assert_int_equal(v.hdr.template_version, 3);
		assert_int_equal(v.hdr.field_count, 3);
		assert_int_equal(v.hdr.instance_count, 10);
		assert_string_equal(v.hdr.requires_sensor.ptr, "7.16.0");
		assert_int_equal(v.hdr.has_source_map, smap);
		assert_int_equal(v.hdr.fingerprint[31], 31);
		cf_str name;
		uint8_t type;
		cf_view_field(&v, 1, &name, &type);
		assert_string_equal(name.ptr, "client_pid");
		assert_int_equal(type, CF_TYPE_UINT);
		/* Ids ascend whatever order they were added in. */
		uint32_t prev = 0;
		for (uint32_t i = 0; i < v.hdr.instance_count; i++) {
			cf_instance in;
			cf_view_instance(&v, i, &in);
			assert_true(in.id > prev);
			prev = in.id;
			assert_int_equal(cf_view_find_instance(&v, in.id), i);
		}
		assert_int_equal(cf_view_find_instance(&v, 999), -1);
		/* The last-added instance (k = 9, id 1003) is first. */
		cf_instance in;
		cf_criterion c;
		cf_view_instance(&v, 0, &in);
		assert_int_equal(in.id, 1003);
		/* k = 0 was added first with id 1030: regex. */
		int64_t idx = cf_view_find_instance(&v, 1030);
		assert_true(idx >= 0);
		cf_view_criterion(&v, (uint32_t)idx, 0, &c);
		assert_int_equal(c.kind, CF_CRIT_REGEX);
		assert_string_equal(c.str.ptr, "^\\\\\\\\\\.\\\\pipe\\\\msagent_[0-9a-f]{2}$");
		cf_srcloc loc;
		cf_view_criterion_loc(&v, (uint32_t)idx, 0, &loc);
		assert_int_equal(loc.line, smap ? 5 : 0);
		cf_view_criterion_loc(&v, (uint32_t)idx, 1, &loc);
		assert_int_equal(loc.line, 0); /* wildcards carry no location */
		cf_view_instance_loc(&v, (uint32_t)idx, &loc);
		if (smap) {
			assert_string_equal(loc.file.ptr, "rules/c291.yaml");
			assert_int_equal(loc.line, 10);
		}
		/* k = 1, id 1027: equals nocase + range. */
		idx = cf_view_find_instance(&v, 1027);
		cf_view_criterion(&v, (uint32_t)idx, 0, &c);
		assert_int_equal(c.kind, CF_CRIT_EQUALS);
		assert_int_equal(c.flags, CF_CRIT_NOCASE);
		cf_view_criterion(&v, (uint32_t)idx, 1, &c);
		assert_int_equal(c.kind, CF_CRIT_RANGE);
		assert_int_equal(c.lo, 4);
		assert_int_equal(c.hi, 65535);
		/* k = 2: prefix + bool; k = 3: uint equals at UINT64_MAX. */
		idx = cf_view_find_instance(&v, 1024);
		cf_view_criterion(&v, (uint32_t)idx, 2, &c);
		assert_int_equal(c.kind, CF_CRIT_EQUALS);
		assert_int_equal(c.lo, 1);
		idx = cf_view_find_instance(&v, 1021);
		cf_view_criterion(&v, (uint32_t)idx, 1, &c);
		assert_true(c.lo == UINT64_MAX);
		free(buf);
	}
}

static void test_deterministic(void **state)
{
	(void)state;
	size_t l1, l2;
	uint8_t *a = build_sample(&l1, 25, 1);
	uint8_t *b = build_sample(&l2, 25, 1);
	assert_int_equal(l1, l2);
	assert_memory_equal(a, b, l1);
	free(a);
	free(b);
}

static void test_zero_and_one_instances(void **state)
{
	(void)state;
	for (uint32_t n = 0; n <= 1; n++) {
		size_t len;
		uint8_t *buf = build_sample(&len, n, (int)n);
		cf_view v;
		assert_int_equal(cf_verify(buf, len, &v, NULL), CF_OK);
		assert_int_equal(v.hdr.instance_count, n);
		free(buf);
	}
}

static void test_max_fields(void **state)
{
	(void)state;
	cf_build_header h = header(1);
	cf_builder *b = cf_builder_new(&h);
	char name[16];
	for (unsigned f = 0; f < CF_MAX_FIELDS; f++) {
		snprintf(name, sizeof name, "f%u", f);
		assert_int_equal(cf_builder_add_field(b, name, (uint8_t)(1 + f % 3)), CF_OK);
	}
	assert_int_equal(cf_builder_add_field(b, "one_too_many", CF_TYPE_UINT), CF_ERR_LIMIT);
	cf_build_criterion c[CF_MAX_FIELDS];
	for (unsigned f = 0; f < CF_MAX_FIELDS; f++)
		c[f] = any();
	c[254].kind = CF_CRIT_EQUALS; /* f254: 254 % 3 = 2 -> bool */
	c[254].lo = 1;
	cf_build_instance in = {.id = 1, .action = CF_ACTION_LOG, .severity = CF_SEVERITY_INFO};
	/* With a source map every instance needs a location. */
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_ERR_INVALID);
	in.file = "r.yaml";
	in.line = 3;
	in.col = 0;
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_ERR_INVALID);
	in.col = 5;
	c[254].line = 4; /* a line needs a column */
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_ERR_INVALID);
	c[254].line = 0;
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_OK);
	uint8_t *buf;
	size_t len;
	assert_int_equal(cf_builder_finish(b, &buf, &len), CF_OK);
	cf_view v;
	assert_int_equal(cf_verify(buf, len, &v, NULL), CF_OK);
	assert_int_equal(v.hdr.field_count, 255);
	cf_criterion got;
	cf_view_criterion(&v, 0, 254, &got);
	assert_int_equal(got.kind, CF_CRIT_EQUALS);
	/* A criterion given no location (line 0) takes its instance's. */
	cf_srcloc loc;
	cf_view_criterion_loc(&v, 0, 254, &loc);
	assert_int_equal(loc.line, 3);
	assert_int_equal(loc.col, 5);
	cf_view_criterion_loc(&v, 0, 253, &loc);
	assert_int_equal(loc.line, 0);
	cf_builder_free(b);
	free(buf);
}

static void test_string_lengths(void **state)
{
	(void)state;
	size_t lens[] = {0, 1, CF_MAX_STRING_LEN, CF_MAX_STRING_LEN + 1};
	char *big = malloc(CF_MAX_STRING_LEN + 2);
	memset(big, 'a', CF_MAX_STRING_LEN + 1);
	for (size_t k = 0; k < 4; k++) {
		cf_build_header h = header(0);
		cf_builder *b = cf_builder_new(&h);
		assert_int_equal(cf_builder_add_field(b, "s", CF_TYPE_STRING), CF_OK);
		cf_build_criterion c = any();
		c.kind = CF_CRIT_EQUALS;
		c.str = big;
		c.str_len = lens[k];
		cf_build_instance in = {.id = 1, .action = 1, .severity = 1};
		cf_status st = cf_builder_add_instance(b, &in, &c);
		if (lens[k] > CF_MAX_STRING_LEN) {
			assert_int_equal(st, CF_ERR_LIMIT);
		} else {
			assert_int_equal(st, CF_OK);
			uint8_t *buf;
			size_t len;
			assert_int_equal(cf_builder_finish(b, &buf, &len), CF_OK);
			cf_view v;
			assert_int_equal(cf_verify(buf, len, &v, NULL), CF_OK);
			cf_criterion got;
			cf_view_criterion(&v, 0, 0, &got);
			assert_int_equal(got.str.len, lens[k]);
			free(buf);
		}
		cf_builder_free(b);
	}
	free(big);
}

static void test_builder_rejects(void **state)
{
	(void)state;
	cf_build_header h = header(0);
	cf_builder *b = cf_builder_new(&h);
	assert_int_equal(cf_builder_add_field(b, "Bad", CF_TYPE_UINT), CF_ERR_INVALID);
	assert_int_equal(cf_builder_add_field(b, "n", 9), CF_ERR_INVALID);
	assert_int_equal(cf_builder_add_field(b, "n", CF_TYPE_UINT), CF_OK);
	assert_int_equal(cf_builder_add_field(b, "n", CF_TYPE_UINT), CF_ERR_INVALID);
	assert_int_equal(cf_builder_add_field(b, "s", CF_TYPE_STRING), CF_OK);
	cf_build_instance in = {.id = 5, .action = 1, .severity = 1};
	cf_build_criterion c[2] = {any(), any()};
	c[0].kind = CF_CRIT_RANGE;
	c[0].lo = 9;
	c[0].hi = 8;
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_ERR_INVALID); /* lo > hi */
	c[0] = any();
	c[1] = str_crit(CF_CRIT_RANGE, "x", 0);
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_ERR_INVALID); /* range on string */
	c[1] = str_crit(CF_CRIT_EQUALS, "\xff", 0);
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_ERR_INVALID); /* bad UTF-8 */
	c[1] = str_crit(CF_CRIT_REGEX, "", 0);
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_ERR_INVALID); /* empty regex */
	c[1] = str_crit(CF_CRIT_PREFIX, "", 0);
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_ERR_INVALID); /* empty prefix */
	c[1] = any();
	c[1].flags = CF_CRIT_NOCASE;
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_ERR_INVALID); /* nocase any */
	c[1] = any();
	in.action = 0;
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_ERR_INVALID);
	in.action = 1;
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_OK);
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_OK);
	uint8_t *buf = NULL;
	size_t len;
	assert_int_equal(cf_builder_finish(b, &buf, &len), CF_ERR_INVALID); /* duplicate id */
	assert_null(buf);
	cf_builder_free(b);
	cf_builder_free(NULL);
}

/* ---- the broken corpus --------------------------------------------------- */

static void test_not_channel_and_version(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = build_sample(&len, 3, 1);
	assert_int_equal(verify((const uint8_t *)"", 0), CF_ERR_NOT_CHANNEL);
	assert_int_equal(verify((const uint8_t *)"hello world, not a channel file", 31),
	                 CF_ERR_NOT_CHANNEL);
	buf[0] ^= 1;
	assert_int_equal(verify(buf, len), CF_ERR_NOT_CHANNEL);
	buf[0] ^= 1;
	st16(buf + H_VERSION, 2);
	fix_crc(buf, len);
	assert_int_equal(verify(buf, len), CF_ERR_VERSION);
	st16(buf + H_VERSION, 0);
	assert_int_equal(verify(buf, len), CF_ERR_VERSION);
	st16(buf + H_VERSION, 1);
	fix_crc(buf, len);
	assert_int_equal(verify(buf, len), CF_OK);
	free(buf);
}

static void test_truncation_every_length(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = build_sample(&len, 6, 1);
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		cf_status st = verify(copy, n);
		/* A prefix of the magic is a truncated channel file; the empty
		 * buffer carries no magic at all. */
		assert_int_equal(st, n == 0 ? CF_ERR_NOT_CHANNEL : CF_ERR_CORRUPT);
		free(copy);
	}
	free(buf);
}

static void test_trailing_bytes(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = build_sample(&len, 2, 0);
	uint8_t *more = calloc(1, len + 1);
	memcpy(more, buf, len);
	cf_verify_error e;
	assert_int_equal(cf_verify(more, len + 1, NULL, &e), CF_ERR_CORRUPT);
	assert_non_null(strstr(e.message, "trailing"));
	free(more);
	free(buf);
}

static void test_bad_checksum(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = build_sample(&len, 2, 0);
	buf[len - 1] ^= 0x80;
	cf_verify_error e;
	assert_int_equal(cf_verify(buf, len, NULL, &e), CF_ERR_CHECKSUM);
	assert_int_equal(e.offset, len - 4);
	free(buf);
}

static void test_flip_every_bit(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = build_sample(&len, 5, 1);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			cf_status st = verify(buf, len);
			if (st == CF_OK)
				fail_msg("flipping bit %d of byte %zu was accepted", bit, i);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(verify(buf, len), CF_OK);
	free(buf);
}

/* A mutation with a recomputed checksum, so the structural check (not the
 * checksum) must catch it. */
typedef struct mutation {
	const char *what;
	size_t offset;  /* where to write */
	unsigned width; /* 1, 2, 4 or 8 */
	int64_t delta;  /* added to the stored value (when set_value is 0) */
	int set_value;  /* write value instead of adding delta */
	uint64_t value;
	cf_status want;
	const char *msg; /* substring the message must contain */
	uint64_t at;     /* the offset the error must name; 0: not checked */
	size_t offset2;  /* a second write of value2 (width2 bytes), if width2 */
	unsigned width2;
	uint64_t value2;
} mutation;

/* A value the spec fixes, set otherwise: VALUE written at OFF, rejected as
 * corrupt with MSG in the message and AT as the offset. */
#define FIXED(what, off, width, value, msg, at)                                                    \
	{                                                                                          \
		what, off, width, 0, 1, value, CF_ERR_CORRUPT, msg, at, 0, 0, 0                    \
	}
/* The same with a second write. */
#define FIXED2(what, off, width, value, off2, width2, value2, msg, at)                             \
	{                                                                                          \
		what, off, width, 0, 1, value, CF_ERR_CORRUPT, msg, at, off2, width2, value2       \
	}

static uint64_t load(const uint8_t *p, unsigned w)
{
	return w == 1 ? p[0] : w == 2 ? ld16(p) : w == 4 ? ld32(p) : ld64(p);
}

static void store(uint8_t *p, unsigned w, uint64_t v)
{
	if (w == 1)
		p[0] = (uint8_t)v;
	else if (w == 2)
		st16(p, (uint16_t)v);
	else if (w == 4)
		st32(p, (uint32_t)v);
	else
		st64(p, v);
}

static void test_structural_corpus(void **state)
{
	(void)state;
	size_t len;
	uint8_t *orig = build_sample(&len, 5, 1);
	cf_view v;
	assert_int_equal(cf_verify(orig, len, &v, NULL), CF_OK);
	size_t sec = CF_HEADER_SIZE;
	size_t inst0 = v.inst_off;
	size_t crit0 = inst0 + INSTANCE_HEAD_SIZE; /* instance 0, field 1 (string) */
	size_t crit1 = crit0 + CRITERION_SIZE;     /* field 2 (uint) */
	size_t crit2 = crit1 + CRITERION_SIZE;     /* field 3 (bool) */
	size_t inst1 = inst0 + v.inst_size;
	size_t smap0 = v.smap_off;
	/* Find each kind of criterion, and the source-map slot of one. */
	size_t strcrit = 0, boolcrit = 0, rangecrit = 0, eqcrit = 0, streq = 0, regex = 0;
	size_t strloc = 0; /* source map: line of the first string criterion */
	for (uint32_t i = 0; i < v.hdr.instance_count; i++) {
		cf_criterion c;
		size_t base = v.inst_off + i * v.inst_size + INSTANCE_HEAD_SIZE;
		cf_view_criterion(&v, i, 0, &c);
		if (c.kind != CF_CRIT_ANY && !strcrit) {
			strcrit = base;
			strloc = v.smap_off + i * v.smap_size + SMAP_HEAD_SIZE;
		}
		if (c.kind == CF_CRIT_EQUALS)
			streq = base;
		if (c.kind == CF_CRIT_REGEX)
			regex = base;
		cf_view_criterion(&v, i, 1, &c);
		if (c.kind == CF_CRIT_RANGE)
			rangecrit = base + CRITERION_SIZE;
		if (c.kind == CF_CRIT_EQUALS)
			eqcrit = base + CRITERION_SIZE;
		cf_view_criterion(&v, i, 2, &c);
		if (c.kind == CF_CRIT_EQUALS)
			boolcrit = base + 2 * CRITERION_SIZE;
	}
	assert_true(strcrit && boolcrit && rangecrit && eqcrit && streq && regex && strloc);
	assert_int_equal(orig[strcrit], CF_CRIT_PREFIX);
	/* Instance 0 has only wildcards. */
	for (unsigned f = 0; f < 3; f++)
		assert_int_equal(orig[crit0 + f * CRITERION_SIZE], CF_CRIT_ANY);
	const size_t wild_loc = smap0 + SMAP_HEAD_SIZE; /* instance 0, field 1 */

	const mutation corpus[] = {
	    {"header size", H_HEADER_SIZE, 2, 1, 0, 0, CF_ERR_CORRUPT, "header size", 0, 0, 0, 0},
	    {"reserved flag", H_FLAGS, 4, 0, 1, 3, CF_ERR_CORRUPT, "reserved flag", 0, 0, 0, 0},
	    {"file size +1", H_FILE_SIZE, 8, 1, 0, 0, CF_ERR_CORRUPT, "truncated", 0, 0, 0, 0},
	    {"file size -1", H_FILE_SIZE, 8, -1, 0, 0, CF_ERR_CORRUPT, "trailing", 0, 0, 0, 0},
	    {"file size huge", H_FILE_SIZE, 8, 0, 1, UINT64_MAX, CF_ERR_LIMIT, "limit", 0, 0, 0, 0},
	    {"channel 0", H_CHANNEL, 4, 0, 1, 0, CF_ERR_CORRUPT, "channel", 0, 0, 0, 0},
	    {"reserved 1", H_RESERVED1, 4, 0, 1, 1, CF_ERR_CORRUPT, "reserved", 0, 0, 0, 0},
	    {"reserved 2", H_RESERVED2 + 7, 1, 0, 1, 1, CF_ERR_CORRUPT, "reserved", 0, 0, 0, 0},
	    {"content version 0", H_CONTENT_VERSION, 8, 0, 1, 0, CF_ERR_CORRUPT, "content", 0, 0, 0,
	     0},
	    {"content version 2^63", H_CONTENT_VERSION, 8, 0, 1, (uint64_t)1 << 63, CF_ERR_CORRUPT,
	     "content", 0, 0, 0, 0},
	    {"template id 0", H_TEMPLATE_ID, 2, 0, 1, 0, CF_ERR_CORRUPT, "template id", 0, 0, 0, 0},
	    {"template version 0", H_TEMPLATE_VERSION, 4, 0, 1, 0, CF_ERR_CORRUPT,
	     "template version", 0, 0, 0, 0},
	    {"field count 0", H_FIELD_COUNT, 2, 0, 1, 0, CF_ERR_CORRUPT, "field count", 0, 0, 0, 0},
	    {"field count +1", H_FIELD_COUNT, 2, 1, 0, 0, CF_ERR_CORRUPT, "size", 0, 0, 0, 0},
	    {"field count -1", H_FIELD_COUNT, 2, -1, 0, 0, CF_ERR_CORRUPT, "size", 0, 0, 0, 0},
	    {"field count 256", H_FIELD_COUNT, 2, 0, 1, 256, CF_ERR_LIMIT, "limit", 0, 0, 0, 0},
	    {"instance count +1", H_INSTANCE_COUNT, 4, 1, 0, 0, CF_ERR_CORRUPT, "size", 0, 0, 0, 0},
	    {"instance count -1", H_INSTANCE_COUNT, 4, -1, 0, 0, CF_ERR_CORRUPT, "size", 0, 0, 0,
	     0},
	    {"instance count over cap", H_INSTANCE_COUNT, 4, 0, 1, CF_MAX_INSTANCES + 1ull,
	     CF_ERR_LIMIT, "limit", 0, 0, 0, 0},
	    {"instance count max u32", H_INSTANCE_COUNT, 4, 0, 1, UINT32_MAX, CF_ERR_LIMIT, "limit",
	     0, 0, 0, 0},
	    {"section count +1", H_SECTION_COUNT, 4, 1, 0, 0, CF_ERR_CORRUPT, "section count", 0, 0,
	     0, 0},
	    {"section count -1", H_SECTION_COUNT, 4, -1, 0, 0, CF_ERR_CORRUPT, "section count", 0,
	     0, 0, 0},
	    {"source map flag cleared", H_FLAGS, 4, 0, 1, 0, CF_ERR_CORRUPT, "section count", 0, 0,
	     0, 0},
	    {"template name past pool", H_TEMPLATE_NAME, 4, 0, 1, 0xfffffff0u, CF_ERR_CORRUPT,
	     "past end of string pool", 0, 0, 0, 0},
	    {"template name len past pool", H_TEMPLATE_NAME + 4, 4, 0, 1, 0x7fffffffu, CF_ERR_LIMIT,
	     "limit", 0, 0, 0, 0},
	    {"template name len +1", H_TEMPLATE_NAME + 4, 4, 1, 0, 0, CF_ERR_CORRUPT, "NUL", 0, 0,
	     0, 0},
	    {"template name len -1", H_TEMPLATE_NAME + 4, 4, -1, 0, 0, CF_ERR_CORRUPT,
	     "NUL-terminated", 0, 0, 0, 0},
	    {"requires_sensor len 0 with offset", H_REQUIRES_SENSOR + 4, 4, 0, 1, 0, CF_ERR_CORRUPT,
	     "empty string reference", 0, 0, 0, 0},
	    {"section 0 type", sec, 4, 0, 1, 2, CF_ERR_CORRUPT, "type", 0, 0, 0, 0},
	    {"section 0 reserved", sec + 4, 4, 0, 1, 1, CF_ERR_CORRUPT, "reserved", 0, 0, 0, 0},
	    {"section 0 offset +1", sec + 8, 8, 1, 0, 0, CF_ERR_CORRUPT, "offset", 0, 0, 0, 0},
	    {"section 0 offset past end", sec + 8, 8, 0, 1, UINT64_MAX, CF_ERR_CORRUPT, "offset", 0,
	     0, 0, 0},
	    {"section 0 size +1", sec + 16, 8, 1, 0, 0, CF_ERR_CORRUPT, "does not match", 0, 0, 0,
	     0},
	    {"section 0 size overflow", sec + 16, 8, 0, 1, UINT64_MAX - 100, CF_ERR_CORRUPT,
	     "past the end", 0, 0, 0, 0},
	    {"section 1 size -1", sec + 24 + 16, 8, -1, 0, 0, CF_ERR_CORRUPT, "does not match", 0,
	     0, 0, 0},
	    {"section 2 (strings) size +1", sec + 48 + 16, 8, 1, 0, 0, CF_ERR_CORRUPT, "offset", 0,
	     0, 0, 0},
	    {"section 2 (strings) size -1", sec + 48 + 16, 8, -1, 0, 0, CF_ERR_CORRUPT, "offset", 0,
	     0, 0, 0},
	    {"section 3 offset +1", sec + 72 + 8, 8, 1, 0, 0, CF_ERR_CORRUPT, "offset", 0, 0, 0, 0},
	    {"section 3 size +1", sec + 72 + 16, 8, 1, 0, 0, CF_ERR_CORRUPT, "size", 0, 0, 0, 0},
	    {"field type 0", v.fields_off + 8, 1, 0, 1, 0, CF_ERR_CORRUPT, "unknown type", 0, 0, 0,
	     0},
	    {"field type 4", v.fields_off + 8, 1, 0, 1, 4, CF_ERR_CORRUPT, "unknown type", 0, 0, 0,
	     0},
	    {"field reserved", v.fields_off + 9, 1, 0, 1, 1, CF_ERR_CORRUPT, "reserved", 0, 0, 0,
	     0},
	    {"field name offset past pool", v.fields_off, 4, 0, 1, 0x10000000u, CF_ERR_CORRUPT,
	     "past end", 0, 0, 0, 0},
	    {"field 2 named like field 1", v.fields_off + FIELD_SIZE, 8, 0, 1,
	     ld64(orig + v.fields_off), CF_ERR_CORRUPT, "repeats", 0, 0, 0, 0},
	    {"instance id 0", inst0, 4, 0, 1, 0, CF_ERR_CORRUPT, "id 0", 0, 0, 0, 0},
	    {"instance ids equal", inst1, 4, 0, 1, ld32(orig + inst0), CF_ERR_CORRUPT, "repeats", 0,
	     0, 0, 0},
	    {"instance ids descend", inst0, 4, 0, 1, ld32(orig + inst1) + 1, CF_ERR_CORRUPT,
	     "ascend", 0, 0, 0, 0},
	    {"action 0", inst0 + 4, 1, 0, 1, 0, CF_ERR_CORRUPT, "action", 0, 0, 0, 0},
	    {"action 4", inst0 + 4, 1, 0, 1, 4, CF_ERR_CORRUPT, "action", 0, 0, 0, 0},
	    {"severity 6", inst0 + 5, 1, 0, 1, 6, CF_ERR_CORRUPT, "severity", 0, 0, 0, 0},
	    {"instance reserved", inst0 + 6, 2, 0, 1, 1, CF_ERR_CORRUPT, "reserved", 0, 0, 0, 0},
	    {"criterion kind 5", crit0, 1, 0, 1, 5, CF_ERR_CORRUPT, "kind", 0, 0, 0, 0},
	    {"criterion reserved", crit0 + 2, 1, 0, 1, 1, CF_ERR_CORRUPT, "reserved", 0, 0, 0, 0},
	    {"criterion flag bit 1", crit0 + 1, 1, 0, 1, 2, CF_ERR_CORRUPT, "flag", 0, 0, 0, 0},
	    {"wildcard with operand", crit1 + 8, 8, 0, 1, 1, CF_ERR_CORRUPT, "wildcard", 0, 0, 0,
	     0},
	    {"string ref past pool", strcrit + 8, 8, 0, 1, 0x100000000ull, CF_ERR_CORRUPT,
	     "32 bits", 0, 0, 0, 0},
	    {"string ref len +1", strcrit + 16, 8, 1, 0, 0, CF_ERR_CORRUPT, "NUL", 0, 0, 0, 0},
	    {"string ref offset huge", strcrit + 8, 8, 0, 1, 0xfffffff0u, CF_ERR_CORRUPT,
	     "past end", 0, 0, 0, 0},
	    {"range on string", strcrit, 1, 0, 1, CF_CRIT_RANGE, CF_ERR_CORRUPT, "range", 0, 0, 0,
	     0},
	    {"range lo > hi", rangecrit + 8, 8, 0, 1, 70000, CF_ERR_CORRUPT, "empty", 0, 0, 0, 0},
	    {"regex on uint", rangecrit, 1, 0, 1, CF_CRIT_REGEX, CF_ERR_CORRUPT, "regex", 0, 0, 0,
	     0},
	    {"nocase on uint", rangecrit + 1, 1, 0, 1, 1, CF_ERR_CORRUPT, "nocase", 0, 0, 0, 0},
	    {"bool value 2", boolcrit + 8, 8, 0, 1, 2, CF_ERR_CORRUPT, "bool", 0, 0, 0, 0},
	    {"prefix on bool", boolcrit, 1, 0, 1, CF_CRIT_PREFIX, CF_ERR_CORRUPT, "prefix", 0, 0, 0,
	     0},
	    {"nocase on bool", boolcrit + 1, 1, 0, 1, 1, CF_ERR_CORRUPT, "nocase", 0, 0, 0, 0},
	    {"source map file past pool", smap0, 4, 0, 1, 0x7ffffff0u, CF_ERR_CORRUPT, "past end",
	     0, 0, 0, 0},
	    /* Every value the spec fixes, one per entry, at the offset named. */
	    FIXED("header reserved 2, first byte", H_RESERVED2, 1, 0x80, "reserved", H_RESERVED2),
	    FIXED("field reserved, last byte", v.fields_off + 11, 1, 1, "reserved",
	          v.fields_off + 9),
	    FIXED("instance reserved, second byte", inst0 + 7, 1, 1, "reserved", inst0 + 6),
	    FIXED("severity 0", inst0 + 5, 1, 0, "severity", inst0 + 5),
	    FIXED("criterion reserved, last byte", crit2 + 7, 1, 1, "reserved", crit2 + 2),
	    FIXED("wildcard with nocase", crit1 + 1, 1, CF_CRIT_NOCASE, "wildcard", crit1),
	    FIXED("wildcard with upper operand", crit1 + 16, 8, 1, "wildcard", crit1),
	    FIXED("uint equals with upper operand", eqcrit + 16, 8, 1, "upper operand",
	          eqcrit + 16),
	    FIXED("bool equals with upper operand", boolcrit + 16, 8, 1, "upper operand",
	          boolcrit + 16),
	    FIXED("prefix on uint", rangecrit, 1, CF_CRIT_PREFIX, "prefix on uint field",
	          rangecrit),
	    FIXED("range on bool", boolcrit, 1, CF_CRIT_RANGE, "range on bool field", boolcrit),
	    FIXED("regex on bool", boolcrit, 1, CF_CRIT_REGEX, "regex on bool field", boolcrit),
	    FIXED2("empty prefix", strcrit + 8, 8, 0, strcrit + 16, 8, 0, "empty prefix",
	           strcrit + 16),
	    FIXED2("empty regex", regex + 8, 8, 0, regex + 16, 8, 0, "empty regex", regex + 16),
	    FIXED("empty equals string at a nonzero offset", streq + 16, 8, 0,
	          "empty string reference with nonzero offset", streq + 8),
	    FIXED("source map: instance without a file", smap0, 8, 0, "lacks a file", smap0),
	    FIXED("source map: instance without a line", smap0 + 8, 4, 0, "lacks a line",
	          smap0 + 8),
	    FIXED("source map: instance without a column", smap0 + 12, 4, 0, "lacks a column",
	          smap0 + 8),
	    FIXED("source map: wildcard with a line", wild_loc, 4, 7, "a wildcard has location 7:0",
	          wild_loc),
	    FIXED("source map: wildcard with a column", wild_loc + 4, 4, 7,
	          "a wildcard has location 0:7", wild_loc),
	    FIXED("source map: wildcard with a line and a column", wild_loc, 8,
	          (uint64_t)9 << 32 | 5, "a wildcard has location 5:9", wild_loc),
	    FIXED("source map: criterion without a line", strloc, 4, 0,
	          "a prefix criterion has location 0:9", strloc),
	    FIXED("source map: criterion without a column", strloc + 4, 4, 0,
	          "a prefix criterion has location 5:0", strloc),
	};
	uint8_t *buf = malloc(len);
	size_t bad = 0; /* every entry is tried, and each failure reported */
	for (size_t k = 0; k < sizeof corpus / sizeof corpus[0]; k++) {
		const mutation *m = &corpus[k];
		memcpy(buf, orig, len);
		uint64_t val =
		    m->set_value ? m->value : load(buf + m->offset, m->width) + (uint64_t)m->delta;
		store(buf + m->offset, m->width, val);
		if (m->width2)
			store(buf + m->offset2, m->width2, m->value2);
		assert_true(memcmp(buf, orig, len) != 0); /* the mutation changed something */
		fix_crc(buf, len);
		cf_verify_error e;
		cf_status st = cf_verify(buf, len, NULL, &e);
		if (st != m->want || !strstr(e.message, m->msg)) {
			print_error("%s: got %s (%s), want %s containing '%s'\n", m->what,
			            cf_strerror(st), st == CF_OK ? "" : e.message,
			            cf_strerror(m->want), m->msg);
			bad++;
		} else if (m->at && e.offset != m->at) {
			print_error("%s: error at offset 0x%llx, want 0x%llx (%s)\n", m->what,
			            (unsigned long long)e.offset, (unsigned long long)m->at,
			            e.message);
			bad++;
		}
	}
	free(buf);
	free(orig);
	assert_int_equal(bad, 0);
}

static void test_pool_utf8_and_nul(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = build_sample(&len, 1, 0);
	cf_view v;
	assert_int_equal(cf_verify(buf, len, &v, NULL), CF_OK);
	/* Break the template name's first byte into invalid UTF-8. */
	buf[v.pool_off + 1] = 0xff;
	fix_crc(buf, len);
	cf_verify_error e;
	assert_int_equal(cf_verify(buf, len, NULL, &e), CF_ERR_CORRUPT);
	assert_non_null(strstr(e.message, "UTF-8"));
	free(buf);
	buf = build_sample(&len, 1, 0);
	/* A NUL inside the template name. */
	buf[v.pool_off + 2] = 0;
	fix_crc(buf, len);
	assert_int_equal(cf_verify(buf, len, NULL, &e), CF_ERR_CORRUPT);
	free(buf);
	buf = build_sample(&len, 1, 0);
	/* The pool's last byte is not NUL. */
	buf[v.pool_off + v.pool_len - 1] = 'x';
	fix_crc(buf, len);
	assert_int_equal(cf_verify(buf, len, NULL, &e), CF_ERR_CORRUPT);
	assert_non_null(strstr(e.message, "NUL"));
	free(buf);
}

/* Pool offset of the whole string s, or fail. */
static uint32_t pool_find(const uint8_t *buf, const cf_view *v, const char *s)
{
	size_t n = strlen(s);
	const uint8_t *pool = buf + v->pool_off;
	for (size_t o = 0; o + n < v->pool_len; o++)
		if ((o == 0 || pool[o - 1] == 0) && memcmp(pool + o, s, n + 1) == 0)
			return (uint32_t)o;
	fail_msg("'%s' is not in the pool", s);
	return 0;
}

static void set_ref(uint8_t *p, uint32_t off, uint32_t len)
{
	st32(p, off);
	st32(p + 4, len);
}

/* Verify with the checksum fixed; the status, the message into e. */
static cf_status verify_fixed(uint8_t *buf, size_t len, cf_verify_error *e)
{
	fix_crc(buf, len);
	return cf_verify(buf, len, NULL, e);
}

#define EXPECT_REJECT(buf, len, where, text)                                                       \
	do {                                                                                       \
		cf_verify_error e_;                                                                \
		cf_status st_ = verify_fixed(buf, len, &e_);                                       \
		if (st_ != CF_ERR_CORRUPT || !strstr(e_.message, text) || e_.offset != (where))    \
			fail_msg("got %s at 0x%llx (%s), want corrupt at 0x%llx: '%s'",            \
			         cf_strerror(st_), (unsigned long long)e_.offset, e_.message,      \
			         (unsigned long long)(where), text);                               \
	} while (0)

/* The pool is canonical: each string once, placed where the layout first
 * uses it, every reference to a whole string, no unused byte. */
static void test_pool_canonical(void **state)
{
	(void)state;
	size_t len;
	uint8_t *orig = build_sample(&len, 5, 1);
	cf_view v;
	assert_int_equal(cf_verify(orig, len, &v, NULL), CF_OK);
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	uint32_t named = pool_find(orig, &v, "named-rule");
	uint32_t prefix = pool_find(orig, &v, "\\\\.\\pipe\\postex_");
	size_t inst1 = v.inst_off + v.inst_size; /* id 1006, the first "named-rule" */
	size_t inst3 = v.inst_off + 3 * v.inst_size;
	assert_int_equal(ld32(orig + inst1 + 8), named);
	assert_int_equal(ld32(orig + inst3 + 8), named);

	/* Two equal strings: the instance name "named-rule" made a copy of the
	 * field name "client_pid" (of the same length). */
	char msg[64];
	memcpy(buf, orig, len);
	memcpy(buf + v.pool_off + named, "client_pid", 10);
	snprintf(msg, sizeof msg, "repeats the one at 0x%x",
	         (unsigned)pool_find(orig, &v, "client_pid"));
	EXPECT_REJECT(buf, len, v.pool_off + named, msg);
	/* Between field names, the field table's own check speaks first. */
	memcpy(buf, orig, len);
	memcpy(buf + v.pool_off + pool_find(orig, &v, "is_remote"), "pipe_name", 9);
	EXPECT_REJECT(buf, len, v.fields_off + 2 * FIELD_SIZE, "repeats field 1");

	/* A new string that skips ahead of the next free pool offset. */
	memcpy(buf, orig, len);
	set_ref(buf + inst1 + 8, prefix, (uint32_t)strlen("\\\\.\\pipe\\postex_"));
	EXPECT_REJECT(buf, len, inst1 + 8, "out of layout order: the next new string belongs at");

	/* A reference to the tail of an earlier string ("pc-named-pipe"). */
	memcpy(buf, orig, len);
	set_ref(buf + inst1 + 8, 1, 13);
	EXPECT_REJECT(buf, len, inst1 + 8, "starts inside an earlier string");

	/* Sharing a whole earlier string is canonical: instance 3 named like
	 * the template is what the builder writes for that name. */
	memcpy(buf, orig, len);
	set_ref(buf + inst3 + 8, 0, 14);
	cf_verify_error e;
	assert_int_equal(verify_fixed(buf, len, &e), CF_OK);

	/* Bytes no reference uses: the regex, the last string placed in a file
	 * without a source map, made to share the prefix's copy. */
	free(buf);
	free(orig);
	orig = build_sample(&len, 5, 0);
	assert_int_equal(cf_verify(orig, len, &v, NULL), CF_OK);
	buf = malloc(len);
	assert_non_null(buf);
	memcpy(buf, orig, len);
	size_t regex = 0;
	for (uint32_t i = 0; i < v.hdr.instance_count; i++) {
		cf_criterion c;
		cf_view_criterion(&v, i, 0, &c);
		if (c.kind == CF_CRIT_REGEX)
			regex = v.inst_off + i * v.inst_size + INSTANCE_HEAD_SIZE;
	}
	assert_true(regex);
	uint32_t re_off = (uint32_t)ld64(orig + regex + 8);
	assert_int_equal(re_off + ld64(orig + regex + 16) + 1, v.pool_len); /* placed last */
	st64(buf + regex + 8, pool_find(orig, &v, "\\\\.\\pipe\\postex_"));
	st64(buf + regex + 16, strlen("\\\\.\\pipe\\postex_"));
	EXPECT_REJECT(buf, len, v.pool_off + re_off, "not used by any string reference");
	free(buf);
	free(orig);
}

/* More strings than the verifier's stack table holds: the heap table finds
 * a repeat as well, and accepts the file without one. */
static void test_pool_repeat_in_a_large_pool(void **state)
{
	(void)state;
	const uint32_t n = 5000;
	cf_build_header h = header(1);
	cf_builder *b = cf_builder_new(&h);
	assert_int_equal(cf_builder_add_field(b, "s", CF_TYPE_STRING), CF_OK);
	char name[32], str[32];
	for (uint32_t i = 0; i < n; i++) {
		snprintf(name, sizeof name, "rule-%05u", i);
		snprintf(str, sizeof str, "value-%05u", i);
		cf_build_criterion c = str_crit(CF_CRIT_EQUALS, str, 0);
		cf_build_instance in = {.id = i + 1, .action = 1, .severity = 1, .name = name};
		in.file = "many.yaml";
		in.line = i + 1;
		in.col = 3;
		assert_int_equal(cf_builder_add_instance(b, &in, &c), CF_OK);
	}
	uint8_t *buf;
	size_t len;
	assert_int_equal(cf_builder_finish(b, &buf, &len), CF_OK);
	cf_builder_free(b);
	cf_view v;
	assert_int_equal(cf_verify(buf, len, &v, NULL), CF_OK);
	/* The last value made equal to the first: found past 2 * n strings. */
	uint32_t last = pool_find(buf, &v, "value-04999");
	char msg[64];
	snprintf(msg, sizeof msg, "repeats the one at 0x%x",
	         (unsigned)pool_find(buf, &v, "value-00000"));
	memcpy(buf + v.pool_off + last, "value-00000", 11);
	EXPECT_REJECT(buf, len, v.pool_off + last, msg);
	free(buf);
}

/* The first invalid UTF-8 byte of the pool is named exactly, in linear time
 * (a megabyte of valid text before it took minutes when every prefix was
 * validated again). */
static void test_pool_utf8_offset(void **state)
{
	(void)state;
	cf_build_header h = header(0);
	cf_builder *b = cf_builder_new(&h);
	assert_int_equal(cf_builder_add_field(b, "s", CF_TYPE_STRING), CF_OK);
	char *name = malloc(CF_MAX_STRING_LEN + 1);
	assert_non_null(name);
	for (uint32_t i = 0; i < 16; i++) {
		memset(name, 'a', CF_MAX_STRING_LEN);
		name[CF_MAX_STRING_LEN] = 0;
		name[0] = (char)('a' + i); /* distinct */
		cf_build_criterion c = any();
		if (i == 15)
			c = str_crit(CF_CRIT_EQUALS, "caf\xc3\xa9s", 0);
		cf_build_instance in = {.id = i + 1, .action = 1, .severity = 1, .name = name};
		assert_int_equal(cf_builder_add_instance(b, &in, &c), CF_OK);
	}
	free(name);
	uint8_t *buf;
	size_t len;
	assert_int_equal(cf_builder_finish(b, &buf, &len), CF_OK);
	cf_builder_free(b);
	cf_view v;
	assert_int_equal(cf_verify(buf, len, &v, NULL), CF_OK);
	uint8_t *copy = malloc(len);
	assert_non_null(copy);
	char msg[80];
	/* The last byte of the 16th long name. */
	uint32_t at = (uint32_t)pool_find(buf, &v, "caf\xc3\xa9s") - 2;
	memcpy(copy, buf, len);
	copy[v.pool_off + at] = 0xff;
	snprintf(msg, sizeof msg, "invalid UTF-8 at pool offset 0x%x", at);
	EXPECT_REJECT(copy, len, v.pool_off + at, msg);
	/* A broken continuation byte: the character's first byte is named. */
	at = (uint32_t)pool_find(buf, &v, "caf\xc3\xa9s") + 3;
	memcpy(copy, buf, len);
	copy[v.pool_off + at + 1] = 'x';
	snprintf(msg, sizeof msg, "invalid UTF-8 at pool offset 0x%x", at);
	EXPECT_REJECT(copy, len, v.pool_off + at, msg);
	free(copy);
	free(buf);
}

static void test_sensor_versions(void **state)
{
	(void)state;
	const char *good[] = {"7", "7.11.0", "0.0", "4294967295.1", "1.2.3.4.5.6.7.8"};
	const char *bad[] = {
	    "",        "7.", ".7", "7..1", "07.1", "7.01", "4294967296", "a.b", "1.2.3.4.5.6.7.8.9",
	    "7.11.0 ", "-1", "+1"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		assert_true(cf_sensor_version_valid(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(cf_sensor_version_valid(bad[i], strlen(bad[i])));
#define CMP(a, b) cf_sensor_version_cmp(a, strlen(a), b, strlen(b))
	assert_true(CMP("7.9", "7.11") < 0);
	assert_true(CMP("7.11.0", "7.16.0") < 0);
	assert_true(CMP("7.16.0", "7.11.0") > 0);
	assert_int_equal(CMP("7.11", "7.11.0"), 0);
	assert_true(CMP("10.0", "9.99.99") > 0);
#undef CMP
}

static void test_crc32c_known_answer(void **state)
{
	(void)state;
	/* The standard check value of CRC-32C over "123456789". */
	assert_int_equal(cf_crc32c((const uint8_t *)"123456789", 9), 0xe3069283u);
	assert_int_equal(cf_crc32c((const uint8_t *)"", 0), 0);
	uint8_t big[1000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7);
	/* Every length and alignment agrees between the paths callers see. */
	uint32_t whole = cf_crc32c(big + 3, 997);
	assert_int_equal(whole, cf_crc32c(big + 3, 997));
}

static void test_fingerprint_encoding(void **state)
{
	(void)state;
	cf_fp_field f[2] = {{"pipe_name", CF_TYPE_STRING}, {"client_pid", CF_TYPE_UINT}};
	uint8_t out[128];
	size_t n = cf_fingerprint_encode("ipc-named-pipe", 7, 3, f, 2, out, sizeof out);
	/* "cfc-template-v1\0" 16 + 1 + 14 + 2 + 4 + 1 + (2+9) + (2+10) */
	assert_int_equal(n, 16 + 1 + 14 + 2 + 4 + 1 + 11 + 12);
	assert_memory_equal(out, "cfc-template-v1\0\x0eipc-named-pipe\x07\x00\x03\x00\x00\x00\x02",
	                    16 + 1 + 14 + 2 + 4 + 1);
	assert_int_equal(cf_fingerprint_encode("Bad", 7, 3, f, 2, out, sizeof out), 0);
	assert_int_equal(cf_fingerprint_encode("ok", 7, 3, f, 0, out, sizeof out), 0);
	/* Too small a buffer: the length, nothing written past cap. */
	assert_int_equal(cf_fingerprint_encode("ipc-named-pipe", 7, 3, f, 2, NULL, 0), n);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(cf_field_type_name(CF_TYPE_BOOL), "bool");
	assert_null(cf_field_type_name(0));
	assert_null(cf_field_type_name(4));
	assert_int_equal(cf_action_parse("block"), CF_ACTION_BLOCK);
	assert_int_equal(cf_action_parse("nope"), 0);
	assert_int_equal(cf_severity_parse("critical"), CF_SEVERITY_CRITICAL);
	assert_string_equal(cf_crit_kind_name(CF_CRIT_RANGE), "range");
	assert_string_equal(cf_crit_kind_phrase(CF_CRIT_EQUALS), "an equals");
	assert_string_equal(cf_crit_kind_phrase(CF_CRIT_ANY), "a wildcard");
	assert_string_equal(cf_crit_kind_phrase(CF_CRIT_REGEX), "a regex");
	assert_null(cf_crit_kind_phrase(CF_CRIT_RANGE + 1));
	/* One code per verifier verdict, whichever command reports it. */
	assert_null(cf_verify_code(CF_OK));
	assert_string_equal(cf_verify_code(CF_ERR_NOT_CHANNEL), "format-magic");
	assert_string_equal(cf_verify_code(CF_ERR_VERSION), "format-version");
	assert_string_equal(cf_verify_code(CF_ERR_CORRUPT), "format-corrupt");
	assert_string_equal(cf_verify_code(CF_ERR_CHECKSUM), "format-checksum");
	assert_string_equal(cf_verify_code(CF_ERR_LIMIT), "format-limit");
	assert_string_equal(cf_verify_code(CF_ERR_NOMEM), "out-of-memory");
	assert_string_equal(cf_strerror(CF_ERR_NOT_CHANNEL), "not a channel file");
	assert_string_equal(cf_strerror(CF_ERR_VERSION), "unsupported format version");
	assert_string_equal(cf_strerror(CF_ERR_CORRUPT), "corrupt channel file");
	assert_true(cf_utf8_valid("h\xc3\xa9", 3));
	assert_false(cf_utf8_valid("\xc0\xaf", 2));     /* overlong */
	assert_false(cf_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(cf_utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(cf_utf8_valid("\xe2\x82", 2)); /* truncated */
}

/* A source-map file name is a path: at most CF_MAX_SOURCE_PATH_LEN bytes.
 * The builder refuses a longer one; a file that points its source map at a
 * longer string of its pool is refused by the verifier (it could not be
 * compiled back from its dump). */
static void test_source_path_cap(void **state)
{
	(void)state;
	static char name[CF_MAX_SOURCE_PATH_LEN + 2], path[CF_MAX_SOURCE_PATH_LEN + 2];
	memset(name, 'x', CF_MAX_SOURCE_PATH_LEN + 1);
	memset(path, 'y', CF_MAX_SOURCE_PATH_LEN);
	cf_build_header h = header(1);
	cf_builder *b = cf_builder_new(&h);
	assert_non_null(b);
	assert_int_equal(cf_builder_add_field(b, "s", CF_TYPE_STRING), CF_OK);
	cf_build_criterion c = str_crit(CF_CRIT_EQUALS, path, 0);
	cf_build_instance in = {0};
	in.id = 1;
	in.action = 1;
	in.severity = 1;
	in.name = name;
	in.file = name; /* one byte over the cap */
	in.line = 1;
	in.col = 1;
	assert_int_equal(cf_builder_add_instance(b, &in, &c), CF_ERR_INVALID);
	in.file = path; /* exactly at the cap */
	assert_int_equal(cf_builder_add_instance(b, &in, &c), CF_OK);
	uint8_t *buf = NULL;
	size_t len = 0;
	assert_int_equal(cf_builder_finish(b, &buf, &len), CF_OK);
	cf_builder_free(b);
	cf_view v;
	cf_verify_error e;
	assert_int_equal(cf_verify(buf, len, &v, &e), CF_OK);
	/* Point the file at the instance name, an earlier whole string of
	 * CF_MAX_SOURCE_PATH_LEN + 1 bytes: every pool byte stays in use. */
	cf_str nm;
	cf_instance ci;
	cf_view_instance(&v, 0, &ci);
	nm = ci.name;
	assert_int_equal(nm.len, CF_MAX_SOURCE_PATH_LEN + 1);
	size_t at = v.smap_off;
	st32(buf + at, (uint32_t)((const uint8_t *)nm.ptr - (buf + v.pool_off)));
	st32(buf + at + 4, (uint32_t)nm.len);
	fix_crc(buf, len);
	assert_int_equal(cf_verify(buf, len, &v, &e), CF_ERR_CORRUPT);
	assert_non_null(strstr(e.message, "more than the 4095 a path may have"));
	free(buf);
}

/* Both biggest caps at once, built by hand: 2^24 one-field instances (all
 * wildcards) and a string pool that makes the file exactly 1 GiB. The pool
 * is canonical, so every byte of it is a string some reference uses: the
 * first instances carry distinct names of the string length cap (65,535
 * bytes), the last of them whatever length is left. It must verify; the
 * corpus above has the files one past each cap. */
static void test_at_the_caps(void **state)
{
	(void)state;
	if (!testenv_normal_build())
		skip(); /* inputs at the caps: once, in the normal build */
	const uint64_t total = CF_MAX_FILE_SIZE;
	const uint64_t n = CF_MAX_INSTANCES;
	const uint64_t inst_size = INSTANCE_HEAD_SIZE + CRITERION_SIZE;
	const uint64_t table = CF_HEADER_SIZE + 3 * CF_SECTION_ENTRY_SIZE;
	const uint64_t fields_off = table, fields_size = FIELD_SIZE;
	const uint64_t inst_off = fields_off + fields_size, inst_bytes = n * inst_size;
	const uint64_t pool_off = inst_off + inst_bytes;
	const uint64_t pool_size = total - CF_TRAILER_SIZE - pool_off;
	uint8_t *buf = malloc((size_t)total);
	assert_non_null(buf);
	memset(buf, 0, (size_t)pool_off);
	memcpy(buf, CF_MAGIC, CF_MAGIC_SIZE);
	st16(buf + H_VERSION, CF_FORMAT_VERSION);
	st16(buf + H_HEADER_SIZE, CF_HEADER_SIZE);
	st64(buf + H_FILE_SIZE, total);
	st32(buf + H_CHANNEL, 1);
	st64(buf + H_CONTENT_VERSION, 1);
	st32(buf + H_TEMPLATE_NAME, 0); /* "t" at pool offset 0 */
	st32(buf + H_TEMPLATE_NAME + 4, 1);
	st16(buf + H_TEMPLATE_ID, 1);
	st16(buf + H_FIELD_COUNT, 1);
	st32(buf + H_TEMPLATE_VERSION, 1);
	st32(buf + H_INSTANCE_COUNT, (uint32_t)n);
	st32(buf + H_SECTION_COUNT, 3);
	const uint64_t offs[3] = {fields_off, inst_off, pool_off};
	const uint64_t sizes[3] = {fields_size, inst_bytes, pool_size};
	for (unsigned k = 0; k < 3; k++) {
		uint8_t *e = buf + CF_HEADER_SIZE + k * CF_SECTION_ENTRY_SIZE;
		st32(e, k + 1);
		st64(e + 8, offs[k]);
		st64(e + 16, sizes[k]);
	}
	st32(buf + fields_off, 2); /* field "f" at pool offset 2 */
	st32(buf + fields_off + 4, 1);
	buf[fields_off + 8] = CF_TYPE_BOOL;
	/* Pool: "t\0f\0", then the names: "n<index>-aaa...a\0". */
	uint8_t *pool = buf + pool_off;
	memcpy(pool, "t\0f\0", 4);
	uint64_t at = 4;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t *p = buf + inst_off + i * inst_size;
		st32(p, (uint32_t)(i + 1));
		p[4] = CF_ACTION_LOG;
		p[5] = CF_SEVERITY_INFO;
		if (at == pool_size)
			continue; /* no name */
		uint64_t left = pool_size - at - 1;
		uint32_t nlen = left > CF_MAX_STRING_LEN ? CF_MAX_STRING_LEN : (uint32_t)left;
		assert_true(nlen >= 16);
		memset(pool + at, 'a', nlen);
		int w = snprintf((char *)pool + at, 16, "n%llu-", (unsigned long long)i);
		pool[at + (uint64_t)w] = '-'; /* over snprintf's NUL */
		pool[at + nlen] = 0;
		st32(p + 8, (uint32_t)at);
		st32(p + 12, nlen);
		at += (uint64_t)nlen + 1;
	}
	assert_true(at == pool_size);
	fix_crc(buf, (size_t)total);
	cf_view v;
	cf_verify_error e;
	cf_status st = cf_verify(buf, (size_t)total, &v, &e);
	if (st != CF_OK)
		fail_msg("file at both caps rejected: %s (%s)", cf_strerror(st), e.message);
	assert_int_equal(v.hdr.instance_count, CF_MAX_INSTANCES);
	cf_instance in;
	cf_view_instance(&v, 0, &in);
	assert_int_equal(in.name.len, CF_MAX_STRING_LEN);
	cf_view_instance(&v, CF_MAX_INSTANCES - 1, &in);
	assert_int_equal(in.id, CF_MAX_INSTANCES);
	assert_int_equal(in.name.len, 0);
	assert_int_equal(cf_view_find_instance(&v, CF_MAX_INSTANCES), CF_MAX_INSTANCES - 1);
	free(buf);
}

/* cf_utf8_decode(): the one UTF-8 decoder. Valid sequences of each length
 * give their code point and length; everything cf_utf8_valid() refuses
 * gives 0. */
static void test_utf8_decode(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t len;
		size_t want;
		uint32_t cp;
	} cases[] = {
	    {"A", 1, 1, 0x41},
	    {"\xc3\xa9", 2, 2, 0xe9},
	    {"\xe2\x80\xae!", 4, 3, 0x202e},
	    {"\xef\xbb\xbf", 3, 3, 0xfeff},
	    {"\xf0\x9f\x98\x80", 4, 4, 0x1f600},
	    {"\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff},
	    {"", 0, 0, 0},
	    {"\x80", 1, 0, 0},             /* a stray continuation byte */
	    {"\xc0\x80", 2, 0, 0},         /* overlong NUL */
	    {"\xe0\x80\xaf", 3, 0, 0},     /* overlong '/' */
	    {"\xed\xa0\x80", 3, 0, 0},     /* a surrogate */
	    {"\xf4\x90\x80\x80", 4, 0, 0}, /* above U+10FFFF */
	    {"\xe2\x82", 2, 0, 0},         /* cut short */
	    {"\xe2\x82\xac", 2, 0, 0},     /* cut short by len */
	    {"\xc3" "A", 2, 0, 0},         /* not a continuation */
	    {"\xf8\x88\x80\x80\x80", 5, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint32_t cp = 0xdeadbeef;
		size_t n = cf_utf8_decode(cases[i].s, cases[i].len, &cp);
		if (n != cases[i].want)
			fail_msg("case %zu: length %zu, want %zu", i, n, cases[i].want);
		if (n)
			assert_int_equal(cp, cases[i].cp);
		/* the validator agrees: the sequence is valid, or the text is not */
		if (n)
			assert_true(cf_utf8_valid(cases[i].s, n));
		else if (cases[i].len)
			assert_false(cf_utf8_valid(cases[i].s, cases[i].len));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_decode),
	    cmocka_unit_test(test_roundtrip_all_kinds),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_zero_and_one_instances),
	    cmocka_unit_test(test_max_fields),
	    cmocka_unit_test(test_string_lengths),
	    cmocka_unit_test(test_builder_rejects),
	    cmocka_unit_test(test_not_channel_and_version),
	    cmocka_unit_test(test_truncation_every_length),
	    cmocka_unit_test(test_trailing_bytes),
	    cmocka_unit_test(test_bad_checksum),
	    cmocka_unit_test(test_flip_every_bit),
	    cmocka_unit_test(test_structural_corpus),
	    cmocka_unit_test(test_pool_utf8_and_nul),
	    cmocka_unit_test(test_pool_canonical),
	    cmocka_unit_test(test_pool_utf8_offset),
	    cmocka_unit_test(test_pool_repeat_in_a_large_pool),
	    cmocka_unit_test(test_sensor_versions),
	    cmocka_unit_test(test_crc32c_known_answer),
	    cmocka_unit_test(test_fingerprint_encoding),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_at_the_caps),
	    cmocka_unit_test(test_source_path_cap),
	};
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
