/*
 * verify.c - the strict channel-file verifier and the accessors that read a
 * verified file.
 *
 * cf_verify() checks everything once, up front: every offset and length in
 * bounds with overflow-checked arithmetic, every count against the sizes,
 * every string reference inside the pool and valid UTF-8, the pool itself
 * canonical (each string once, placed where the layout first uses it, no
 * unused byte), every criterion valid for its field type, instance ids
 * strictly ascending (so unique), the source map complete (a location for
 * every instance and every criterion but wildcards, none for wildcards),
 * reserved bytes zero, sections back to back with no gap, overlap or
 * trailing byte, caps on every count, and the checksum last: every value
 * format/SPEC.md fixes, so that a file it accepts is one the builder could
 * have written. It reads the buffer through bounds-checked offsets only and
 * does no I/O; it allocates only to find repeated strings in a pool of more
 * than 1536 strings (check_repeats()). The accessors below it trust a view
 * that cf_verify() filled.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cf/format.h>
#include "format/format_int.h"

/*
 * The table that finds a repeated string in the pool: open addressing, each
 * slot (hash tag << 32) | (pool offset + 1), 0 when empty, at most three
 * quarters full. The slot index and the tag come from different halves of
 * the hash, so a crafted file has to collide in both before two strings are
 * compared byte by byte. A pool of up to 1536 strings uses the table on the
 * stack; a larger one a table on the heap sized for its string count: 8
 * bytes per slot, at most 8/3 slots per string.
 */
#define DEDUP_STACK_SLOTS 2048u
/* Strings hashed ahead of their insertion, their slots prefetched, so that
 * the table's cache misses overlap. */
#define DEDUP_AHEAD 16u

typedef struct vctx {
	const uint8_t *buf;
	size_t len;
	cf_verify_error *err;
	const uint8_t *pool;
	size_t pool_len;
	size_t placed;                     /* pool bytes taken by the strings placed so far */
	uint64_t stack[DEDUP_STACK_SLOTS]; /* the repeat table of a small pool */
} vctx;

__attribute__((format(printf, 4, 5))) static cf_status fail(vctx *c, cf_status st, uint64_t offset,
                                                            const char *fmt, ...)
{
	if (c->err) {
		c->err->status = st;
		c->err->offset = offset;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
		va_end(ap);
	}
	return st;
}

/*
 * What a check is about ("instance 17 criterion 21"), formatted only when the
 * check fails: the verifier runs once per criterion of a file of hundreds of
 * megabytes, and formatting every label up front cost more than the checks.
 */
typedef struct what {
	const char *fmt; /* up to two %u, taking a then b */
	uint32_t a, b;
} what;

/* fail() with the message prefixed by "WHAT: ". */
__attribute__((format(printf, 5, 6))) static cf_status failw(vctx *c, cf_status st, uint64_t offset,
                                                             const what *w, const char *fmt, ...)
{
	if (c->err) {
		char *m = c->err->message;
		size_t cap = sizeof c->err->message;
		int n = snprintf(m, cap, w->fmt, w->a, w->b);
		if (n >= 0 && (size_t)n + 2 < cap) {
			memcpy(m + n, ": ", 3);
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(m + n + 2, cap - (size_t)n - 2, fmt, ap);
			va_end(ap);
		}
		c->err->status = st;
		c->err->offset = offset;
	}
	return st;
}

/* A 64-bit hash of n pool bytes for the repeat table (not cryptographic). */
static uint64_t str_hash(const uint8_t *s, size_t n)
{
	uint64_t h = 0x243f6a8885a308d3ull ^ ((uint64_t)n * 0x9e3779b97f4a7c15ull);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		h = (h ^ ld64(s + i)) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	uint64_t tail = 0;
	for (unsigned k = 0; i + k < n; k++)
		tail |= (uint64_t)s[i + k] << (8 * k);
	h = (h ^ tail) * 0xd1b54a32d192ed03ull;
	h ^= h >> 32;
	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	return h;
}

/* Check the string reference (off, len) found at byte offset at. */
static cf_status check_ref(vctx *c, size_t at, uint32_t off, uint32_t len, const what *w,
                           int allow_empty, cf_str *out)
{
	if (len == 0 && allow_empty) {
		if (off != 0)
			return failw(c, CF_ERR_CORRUPT, at, w,
			             "empty string reference with nonzero offset 0x%x", off);
		out->ptr = "";
		out->len = 0;
		return CF_OK;
	}
	if (len == 0)
		return failw(c, CF_ERR_CORRUPT, at, w, "empty string");
	if (len > CF_MAX_STRING_LEN)
		return failw(c, CF_ERR_LIMIT, at, w, "string length %u over the limit of %u", len,
		             CF_MAX_STRING_LEN);
	/* off + len < pool_len, so that the terminating NUL is inside. */
	if ((uint64_t)off + len >= c->pool_len)
		return failw(c, CF_ERR_CORRUPT, at, w,
		             "string reference 0x%x+0x%x past end of string pool (size 0x%zx)", off,
		             len, c->pool_len);
	const uint8_t *s = c->pool + off;
	if (s[len] != 0)
		return failw(c, CF_ERR_CORRUPT, at, w,
		             "string at pool offset 0x%x is not NUL-terminated", off);
	if (memchr(s, 0, len))
		return failw(c, CF_ERR_CORRUPT, at, w,
		             "string at pool offset 0x%x contains a NUL byte", off);
	if ((s[0] & 0xc0) == 0x80)
		return failw(c, CF_ERR_CORRUPT, at, w,
		             "string at pool offset 0x%x starts inside a UTF-8 sequence", off);
	/* Canonical placement: a new string goes right after the last one
	 * placed; any other reference names a whole string placed before. */
	if (off == c->placed) {
		c->placed += (size_t)len + 1;
	} else if (off > c->placed) {
		return failw(c, CF_ERR_CORRUPT, at, w,
		             "string at pool offset 0x%x is out of layout order: the next new "
		             "string belongs at 0x%zx",
		             off, c->placed);
	} else if (off > 0 && s[-1] != 0) {
		return failw(c, CF_ERR_CORRUPT, at, w,
		             "string reference 0x%x+0x%x starts inside an earlier string (a "
		             "reference names a whole string)",
		             off, len);
	}
	out->ptr = (const char *)s;
	out->len = len;
	return CF_OK;
}

/* A string reference stored at byte offset at: (offset u32, length u32). */
static cf_status check_string(vctx *c, size_t at, const what *w, int allow_empty, cf_str *out)
{
	return check_ref(c, at, ld32(c->buf + at), ld32(c->buf + at + 4), w, allow_empty, out);
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static cf_status check_header(vctx *c, cf_view *v, uint32_t *section_count)
{
	const uint8_t *b = c->buf;
	cf_header *h = &v->hdr;
	if (c->len < CF_HEADER_SIZE)
		return fail(c, CF_ERR_CORRUPT, c->len, "truncated header: %zu of %u bytes", c->len,
		            CF_HEADER_SIZE);
	uint16_t hsize = ld16(b + H_HEADER_SIZE);
	if (hsize != CF_HEADER_SIZE)
		return fail(c, CF_ERR_CORRUPT, H_HEADER_SIZE, "header size %u, expected %u", hsize,
		            CF_HEADER_SIZE);
	uint32_t flags = ld32(b + H_FLAGS);
	if (flags & ~CF_FLAG_SOURCE_MAP)
		return fail(c, CF_ERR_CORRUPT, H_FLAGS, "reserved flag bits set (flags 0x%x)",
		            flags);
	uint64_t file_size = ld64(b + H_FILE_SIZE);
	if (file_size > CF_MAX_FILE_SIZE)
		return fail(c, CF_ERR_LIMIT, H_FILE_SIZE,
		            "file size %llu over the limit of %llu bytes",
		            (unsigned long long)file_size, (unsigned long long)CF_MAX_FILE_SIZE);
	if (file_size > c->len)
		return fail(c, CF_ERR_CORRUPT, c->len,
		            "truncated: header says %llu bytes, file has %zu",
		            (unsigned long long)file_size, c->len);
	if (file_size < c->len)
		return fail(c, CF_ERR_CORRUPT, file_size,
		            "%zu trailing bytes after the end the header states (%llu)",
		            c->len - (size_t)file_size, (unsigned long long)file_size);
	if (!all_zero(b + H_RESERVED1, 4))
		return fail(c, CF_ERR_CORRUPT, H_RESERVED1, "reserved header bytes are not zero");
	if (!all_zero(b + H_RESERVED2, 8))
		return fail(c, CF_ERR_CORRUPT, H_RESERVED2, "reserved header bytes are not zero");
	h->has_source_map = (flags & CF_FLAG_SOURCE_MAP) != 0;
	h->channel = ld32(b + H_CHANNEL);
	if (h->channel == 0)
		return fail(c, CF_ERR_CORRUPT, H_CHANNEL, "channel 0 (must be 1..4294967295)");
	h->content_version = ld64(b + H_CONTENT_VERSION);
	if (h->content_version == 0 || h->content_version > INT64_MAX)
		return fail(c, CF_ERR_CORRUPT, H_CONTENT_VERSION,
		            "content version %llu out of range 1..2^63-1",
		            (unsigned long long)h->content_version);
	h->template_id = ld16(b + H_TEMPLATE_ID);
	if (h->template_id == 0)
		return fail(c, CF_ERR_CORRUPT, H_TEMPLATE_ID, "template id 0 (must be 1..65535)");
	h->template_version = ld32(b + H_TEMPLATE_VERSION);
	if (h->template_version == 0)
		return fail(c, CF_ERR_CORRUPT, H_TEMPLATE_VERSION,
		            "template version 0 (must be 1..4294967295)");
	h->field_count = ld16(b + H_FIELD_COUNT);
	if (h->field_count == 0)
		return fail(c, CF_ERR_CORRUPT, H_FIELD_COUNT, "field count 0 (must be 1..%u)",
		            CF_MAX_FIELDS);
	if (h->field_count > CF_MAX_FIELDS)
		return fail(c, CF_ERR_LIMIT, H_FIELD_COUNT, "field count %u over the limit of %u",
		            h->field_count, CF_MAX_FIELDS);
	memcpy(h->fingerprint, b + H_FINGERPRINT, CF_FINGERPRINT_SIZE);
	h->instance_count = ld32(b + H_INSTANCE_COUNT);
	if (h->instance_count > CF_MAX_INSTANCES)
		return fail(c, CF_ERR_LIMIT, H_INSTANCE_COUNT,
		            "instance count %u over the limit of %u", h->instance_count,
		            CF_MAX_INSTANCES);
	uint32_t want_sections = h->has_source_map ? 4u : 3u;
	*section_count = ld32(b + H_SECTION_COUNT);
	if (*section_count != want_sections)
		return fail(c, CF_ERR_CORRUPT, H_SECTION_COUNT,
		            "section count %u, expected %u (source map flag %s)", *section_count,
		            want_sections, h->has_source_map ? "set" : "clear");
	return CF_OK;
}

/* Section table: types in order, back to back, sizes matching the counts. */
static cf_status check_sections(vctx *c, cf_view *v, uint32_t count)
{
	static const char *const names[] = {"", "fields", "instances", "strings", "source map"};
	const cf_header *h = &v->hdr;
	uint64_t table_end = CF_HEADER_SIZE + (uint64_t)count * CF_SECTION_ENTRY_SIZE;
	uint64_t file_size = c->len;
	if (table_end + CF_TRAILER_SIZE > file_size)
		return fail(c, CF_ERR_CORRUPT, CF_HEADER_SIZE,
		            "section table (%u entries) runs past the end of the file", count);
	/* Expected sizes; no product can overflow 64 bits with the caps above,
	 * but check anyway so a change of caps cannot silently break this. */
	uint64_t inst_size = INSTANCE_HEAD_SIZE + (uint64_t)h->field_count * CRITERION_SIZE;
	uint64_t smap_size = SMAP_HEAD_SIZE + (uint64_t)h->field_count * SMAP_CRIT_SIZE;
	uint64_t want[5] = {0, (uint64_t)h->field_count * FIELD_SIZE, 0, 0, 0};
	if (__builtin_mul_overflow(inst_size, (uint64_t)h->instance_count, &want[2]) ||
	    __builtin_mul_overflow(smap_size, (uint64_t)h->instance_count, &want[4]))
		return fail(c, CF_ERR_CORRUPT, H_INSTANCE_COUNT, "instance table size overflows");
	uint64_t expect_off = table_end;
	uint64_t offs[5] = {0}, sizes[5] = {0};
	for (uint32_t i = 0; i < count; i++) {
		size_t at = CF_HEADER_SIZE + (size_t)i * CF_SECTION_ENTRY_SIZE;
		uint32_t type = ld32(c->buf + at);
		uint32_t want_type = i + 1;
		if (type != want_type)
			return fail(c, CF_ERR_CORRUPT, at, "section %u: type %u, expected %u (%s)",
			            i, type, want_type, names[want_type]);
		if (!all_zero(c->buf + at + 4, 4))
			return fail(c, CF_ERR_CORRUPT, at + 4,
			            "section %u (%s): reserved bytes not zero", i, names[type]);
		uint64_t off = ld64(c->buf + at + 8);
		uint64_t size = ld64(c->buf + at + 16);
		if (off != expect_off)
			return fail(
			    c, CF_ERR_CORRUPT, at + 8,
			    "section %u (%s): offset 0x%llx, expected 0x%llx (sections must follow "
			    "each other with no gap or overlap)",
			    i, names[type], (unsigned long long)off,
			    (unsigned long long)expect_off);
		uint64_t end;
		if (__builtin_add_overflow(off, size, &end) || end > file_size - CF_TRAILER_SIZE)
			return fail(
			    c, CF_ERR_CORRUPT, at + 16,
			    "section %u (%s): size 0x%llx at offset 0x%llx runs past the end of "
			    "the file (0x%llx)",
			    i, names[type], (unsigned long long)size, (unsigned long long)off,
			    (unsigned long long)file_size);
		if (type != SEC_STRINGS && size != want[type])
			return fail(
			    c, CF_ERR_CORRUPT, at + 16,
			    "section %u (%s): size 0x%llx does not match its count (expected "
			    "0x%llx)",
			    i, names[type], (unsigned long long)size,
			    (unsigned long long)want[type]);
		offs[type] = off;
		sizes[type] = size;
		expect_off = end;
	}
	if (expect_off + CF_TRAILER_SIZE != file_size)
		return fail(c, CF_ERR_CORRUPT, expect_off,
		            "0x%llx unaccounted bytes between the last section and the checksum",
		            (unsigned long long)(file_size - CF_TRAILER_SIZE - expect_off));
	v->fields_off = (size_t)offs[SEC_FIELDS];
	v->inst_off = (size_t)offs[SEC_INSTANCES];
	v->inst_size = (size_t)inst_size;
	v->pool_off = (size_t)offs[SEC_STRINGS];
	v->pool_len = (size_t)sizes[SEC_STRINGS];
	v->smap_off = h->has_source_map ? (size_t)offs[SEC_SOURCE_MAP] : 0;
	v->smap_size = h->has_source_map ? (size_t)smap_size : 0;
	return CF_OK;
}

static cf_status check_pool(vctx *c, const cf_view *v)
{
	c->pool = c->buf + v->pool_off;
	c->pool_len = v->pool_len;
	if (c->pool_len == 0)
		return fail(c, CF_ERR_CORRUPT, v->pool_off, "string pool is empty");
	if (c->pool[c->pool_len - 1] != 0)
		return fail(c, CF_ERR_CORRUPT, v->pool_off + c->pool_len - 1,
		            "string pool does not end with a NUL byte");
	if (!cf_utf8_valid((const char *)c->pool, c->pool_len)) {
		/* Find the first bad byte for the message, one character at a
		 * time (the length its first byte announces), in linear time. */
		size_t bad = 0;
		while (bad < c->pool_len) {
			uint8_t b = c->pool[bad];
			size_t n = b < 0x80                ? 1
			           : b >= 0xc0 && b < 0xe0 ? 2
			           : b >= 0xe0 && b < 0xf0 ? 3
			                                   : 4;
			if (bad + n > c->pool_len || !cf_utf8_valid((const char *)c->pool + bad, n))
				break;
			bad += n;
		}
		return fail(c, CF_ERR_CORRUPT, v->pool_off + bad,
		            "string pool: invalid UTF-8 at pool offset 0x%zx", bad);
	}
	return CF_OK;
}

static cf_status check_header_strings(vctx *c, cf_view *v)
{
	cf_header *h = &v->hdr;
	static const what tn = {"template name", 0, 0}, rs = {"requires_sensor", 0, 0};
	cf_status st = check_string(c, H_TEMPLATE_NAME, &tn, 0, &h->template_name);
	if (st != CF_OK)
		return st;
	if (!cf_name_valid_template(h->template_name.ptr, h->template_name.len))
		return fail(c, CF_ERR_CORRUPT, H_TEMPLATE_NAME,
		            "template name '%.64s' is not [a-z][a-z0-9-]{0,63}",
		            h->template_name.ptr);
	st = check_string(c, H_REQUIRES_SENSOR, &rs, 1, &h->requires_sensor);
	if (st != CF_OK)
		return st;
	if (h->requires_sensor.len &&
	    !cf_sensor_version_valid(h->requires_sensor.ptr, h->requires_sensor.len))
		return fail(c, CF_ERR_CORRUPT, H_REQUIRES_SENSOR,
		            "requires_sensor '%.64s' is not a dotted-decimal version",
		            h->requires_sensor.ptr);
	return CF_OK;
}

static cf_status check_fields(vctx *c, const cf_view *v)
{
	unsigned n = v->hdr.field_count;
	for (unsigned i = 0; i < n; i++) {
		size_t at = v->fields_off + (size_t)i * FIELD_SIZE;
		const what wh = {"field %u", i + 1, 0};
		cf_str name;
		cf_status st = check_string(c, at, &wh, 0, &name);
		if (st != CF_OK)
			return st;
		if (!cf_name_valid_field(name.ptr, name.len))
			return fail(c, CF_ERR_CORRUPT, at,
			            "field %u: name '%.64s' is not "
			            "[a-z][a-z0-9_]{0,63}",
			            i + 1, name.ptr);
		uint8_t type = c->buf[at + 8];
		if (!cf_field_type_name(type))
			return fail(c, CF_ERR_CORRUPT, at + 8, "field %u (%s): unknown type %u",
			            i + 1, name.ptr, type);
		if (!all_zero(c->buf + at + 9, 3))
			return fail(c, CF_ERR_CORRUPT, at + 9,
			            "field %u (%s): reserved bytes not zero", i + 1, name.ptr);
		/* Unique names: at most 255 fields, so a quadratic scan is cheap
		 * and needs no memory. */
		for (unsigned j = 0; j < i; j++) {
			size_t at2 = v->fields_off + (size_t)j * FIELD_SIZE;
			const char *other = (const char *)c->pool + ld32(c->buf + at2);
			if (ld32(c->buf + at2 + 4) == name.len &&
			    memcmp(other, name.ptr, name.len) == 0)
				return fail(c, CF_ERR_CORRUPT, at,
				            "field %u: name '%s' repeats field %u", i + 1, name.ptr,
				            j + 1);
		}
	}
	return CF_OK;
}

static cf_status check_criterion(vctx *c, size_t at, uint32_t inst, unsigned field, uint8_t type)
{
	const uint8_t *p = c->buf + at;
	uint8_t kind = p[0], flags = p[1];
	uint64_t lo = ld64(p + 8), hi = ld64(p + 16);
	const what wh = {"instance %u criterion %u", inst, field + 1u}, *w = &wh;
	if (!all_zero(p + 2, 6))
		return failw(c, CF_ERR_CORRUPT, at + 2, w, "reserved bytes not zero");
	if (kind > CF_CRIT_RANGE)
		return failw(c, CF_ERR_CORRUPT, at, w, "unknown criterion kind %u", kind);
	if (flags & ~CF_CRIT_NOCASE)
		return failw(c, CF_ERR_CORRUPT, at + 1, w, "reserved flag bits set (0x%x)", flags);
	const char *tname = cf_field_type_name(type);
	if (kind == CF_CRIT_ANY) {
		if (flags || lo || hi)
			return failw(c, CF_ERR_CORRUPT, at, w,
			             "wildcard with nonzero flags or operands");
		return CF_OK;
	}
	switch (type) {
	case CF_TYPE_STRING:
		if (kind == CF_CRIT_RANGE)
			return failw(c, CF_ERR_CORRUPT, at, w, "range on %s field", tname);
		if (lo > UINT32_MAX || hi > UINT32_MAX)
			return failw(c, CF_ERR_CORRUPT, at + 8, w,
			             "string reference 0x%llx+0x%llx does not fit 32 bits",
			             (unsigned long long)lo, (unsigned long long)hi);
		if (kind != CF_CRIT_EQUALS && hi == 0)
			return failw(c, CF_ERR_CORRUPT, at + 16, w,
			             "empty %s (only equals may have an empty string)",
			             cf_crit_kind_name(kind));
		{
			cf_str str;
			cf_status st = check_ref(c, at + 8, (uint32_t)lo, (uint32_t)hi, w, 1, &str);
			if (st != CF_OK)
				return st;
		}
		return CF_OK;
	case CF_TYPE_UINT:
		if (flags)
			return failw(c, CF_ERR_CORRUPT, at + 1, w, "nocase on %s field", tname);
		if (kind == CF_CRIT_EQUALS) {
			if (hi)
				return failw(c, CF_ERR_CORRUPT, at + 16, w,
				             "equals with nonzero upper operand");
			return CF_OK;
		}
		if (kind == CF_CRIT_RANGE) {
			if (lo > hi)
				return failw(c, CF_ERR_CORRUPT, at + 8, w,
				             "range %llu..%llu is empty", (unsigned long long)lo,
				             (unsigned long long)hi);
			return CF_OK;
		}
		return failw(c, CF_ERR_CORRUPT, at, w, "%s on %s field", cf_crit_kind_name(kind),
		             tname);
	case CF_TYPE_BOOL:
		if (flags)
			return failw(c, CF_ERR_CORRUPT, at + 1, w, "nocase on %s field", tname);
		if (kind != CF_CRIT_EQUALS)
			return failw(c, CF_ERR_CORRUPT, at, w, "%s on %s field",
			             cf_crit_kind_name(kind), tname);
		if (hi)
			return failw(c, CF_ERR_CORRUPT, at + 16, w,
			             "equals with nonzero upper operand");
		if (lo > 1)
			return failw(c, CF_ERR_CORRUPT, at + 8, w, "bool value %llu is not 0 or 1",
			             (unsigned long long)lo);
		return CF_OK;
	}
	return failw(c, CF_ERR_INTERNAL, at, w, "field type %u", type);
}

/*
 * The source map locates everything or nothing: every instance has a file, a
 * line and a column (all nonzero; check_source_map(), after the instances,
 * since its file names come last in the pool), every criterion that is not a
 * wildcard a line and a column, and a wildcard none (0:0). The criteria's
 * locations are checked here, with the criteria (crit) still at hand.
 */
static cf_status check_locations(vctx *c, const cf_view *v, uint32_t i, uint32_t id,
                                 const uint8_t *crit)
{
	size_t at = v->smap_off + (size_t)i * v->smap_size + SMAP_HEAD_SIZE;
	for (unsigned f = 0; f < v->hdr.field_count; f++, at += SMAP_CRIT_SIZE) {
		uint32_t line = ld32(c->buf + at), col = ld32(c->buf + at + 4);
		uint8_t kind = crit[(size_t)f * CRITERION_SIZE];
		if (kind == CF_CRIT_ANY && (line || col))
			return fail(
			    c, CF_ERR_CORRUPT, at,
			    "source map of instance %u (id %u) criterion %u: a wildcard has "
			    "location %u:%u (wildcards have none: 0:0)",
			    i, id, f + 1, line, col);
		if (kind != CF_CRIT_ANY && (line == 0 || col == 0))
			return fail(
			    c, CF_ERR_CORRUPT, at,
			    "source map of instance %u (id %u) criterion %u: %s criterion has "
			    "location %u:%u (every criterion but a wildcard has a line and a "
			    "column)",
			    i, id, f + 1, cf_crit_kind_phrase(kind), line, col);
	}
	return CF_OK;
}

static cf_status check_instances(vctx *c, const cf_view *v)
{
	const cf_header *h = &v->hdr;
	uint8_t types[CF_MAX_FIELDS];
	for (unsigned f = 0; f < h->field_count; f++)
		types[f] = c->buf[v->fields_off + (size_t)f * FIELD_SIZE + 8];
	uint32_t prev_id = 0;
	for (uint32_t i = 0; i < h->instance_count; i++) {
		size_t at = v->inst_off + (size_t)i * v->inst_size;
		const uint8_t *p = c->buf + at;
		uint32_t id = ld32(p);
		if (id == 0)
			return fail(c, CF_ERR_CORRUPT, at, "instance %u: id 0", i);
		if (i > 0 && id <= prev_id)
			return fail(c, CF_ERR_CORRUPT, at,
			            id == prev_id
			                ? "instance %u: id %u repeats the previous instance's"
			                : "instance %u: id %u not above the previous (%u): ids "
			                  "must ascend",
			            i, id, prev_id);
		prev_id = id;
		if (!cf_action_name(p[4]))
			return fail(c, CF_ERR_CORRUPT, at + 4,
			            "instance %u (id %u): unknown action %u", i, id, p[4]);
		if (!cf_severity_name(p[5]))
			return fail(c, CF_ERR_CORRUPT, at + 5,
			            "instance %u (id %u): unknown severity %u", i, id, p[5]);
		if (!all_zero(p + 6, 2))
			return fail(c, CF_ERR_CORRUPT, at + 6,
			            "instance %u (id %u): reserved bytes not "
			            "zero",
			            i, id);
		const what wh = {"instance %u (id %u) name", i, id};
		cf_str name;
		cf_status st = check_string(c, at + 8, &wh, 1, &name);
		if (st != CF_OK)
			return st;
		for (unsigned f = 0; f < h->field_count; f++) {
			st =
			    check_criterion(c, at + INSTANCE_HEAD_SIZE + (size_t)f * CRITERION_SIZE,
			                    i, f, types[f]);
			if (st != CF_OK)
				return st;
		}
		if (h->has_source_map) {
			st = check_locations(c, v, i, id, p + INSTANCE_HEAD_SIZE);
			if (st != CF_OK)
				return st;
		}
	}
	return CF_OK;
}

/* Each instance's file, line and column (its criteria's locations were
 * checked with them), after the instances: file names come last in the pool. */
static cf_status check_source_map(vctx *c, const cf_view *v)
{
	const cf_header *h = &v->hdr;
	for (uint32_t i = 0; i < h->instance_count; i++) {
		size_t at = v->smap_off + (size_t)i * v->smap_size;
		uint32_t id = ld32(c->buf + v->inst_off + (size_t)i * v->inst_size);
		const what wh = {"source map of instance %u (id %u) file", i, id};
		cf_str file;
		cf_status st = check_string(c, at, &wh, 1, &file);
		if (st != CF_OK)
			return st;
		uint32_t line = ld32(c->buf + at + 8), col = ld32(c->buf + at + 12);
		if (file.len == 0 || line == 0 || col == 0)
			return fail(
			    c, CF_ERR_CORRUPT, file.len ? at + 8 : at,
			    "source map of instance %u (id %u): location '%.64s':%u:%u lacks "
			    "%s (a source map gives every instance a file, a line and a "
			    "column)",
			    i, id, file.ptr, line, col,
			    file.len == 0 ? "a file"
			    : line == 0   ? "a line"
			                  : "a column");
		if (file.len > CF_MAX_SOURCE_PATH_LEN)
			return fail(c, CF_ERR_CORRUPT, at,
			            "source map of instance %u (id %u): file name of %zu bytes, "
			            "more than the %u a path may have",
			            i, id, file.len, CF_MAX_SOURCE_PATH_LEN);
	}
	return CF_OK;
}

/*
 * No string twice in the pool. Run once every reference was placed, so the
 * pool is exactly its strings, back to back, in order of first use: each is
 * hashed in turn (a few ahead, their slots prefetched) and must not equal
 * one before it.
 */
static cf_status check_repeats(vctx *c, const cf_view *v)
{
	size_t count = 0;
	for (const uint8_t *p = c->pool, *end = c->pool + c->pool_len;
	     (p = memchr(p, 0, (size_t)(end - p))) != NULL; p++)
		count++;
	uint64_t *slots = c->stack;
	size_t nslots = 16;
	while (nslots / 4 * 3 < count)
		nslots *= 2; /* count < 2^30: no overflow */
	if (nslots <= DEDUP_STACK_SLOTS)
		memset(slots, 0, nslots * sizeof *slots);
	else if (!(slots = calloc(nslots, sizeof *slots)))
		return fail(c, CF_ERR_NOMEM, v->pool_off,
		            "string pool: out of memory for the table of its %zu strings", count);
	struct {
		uint64_t hash;
		uint32_t off, len;
	} ahead[DEDUP_AHEAD];
	size_t mask = nslots - 1, pos = 0, first = 0, queued = 0;
	cf_status st = CF_OK;
	while (st == CF_OK && (pos < c->pool_len || queued)) {
		if (pos < c->pool_len && queued < DEDUP_AHEAD) {
			const uint8_t *s = c->pool + pos;
			size_t len = strlen((const char *)s);
			uint64_t h = str_hash(s, len);
			__builtin_prefetch(&slots[(size_t)h & mask], 1);
			size_t k = (first + queued++) % DEDUP_AHEAD;
			ahead[k].hash = h;
			ahead[k].off = (uint32_t)pos;
			ahead[k].len = (uint32_t)len;
			pos += len + 1;
			continue;
		}
		uint64_t h = ahead[first].hash, tag = h >> 32 << 32;
		uint32_t off = ahead[first].off, len = ahead[first].len;
		first = (first + 1) % DEDUP_AHEAD;
		queued--;
		for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
			uint64_t e = slots[i];
			if (!e) {
				slots[i] = tag | ((uint64_t)off + 1);
				break;
			}
			uint32_t other = (uint32_t)e - 1;
			/* The other string ends before this one starts: comparing
			 * len + 1 bytes stays inside the pool. */
			if ((e & ~(uint64_t)UINT32_MAX) == tag &&
			    memcmp(c->pool + other, c->pool + off, len + 1u) == 0) {
				st = fail(
				    c, CF_ERR_CORRUPT, v->pool_off + off,
				    "string pool: the string at pool offset 0x%x repeats the one "
				    "at 0x%x (the pool holds each string once)",
				    off, other);
				break;
			}
		}
	}
	if (slots != c->stack)
		free(slots);
	return st;
}

cf_status cf_verify(const uint8_t *buf, size_t len, cf_view *view, cf_verify_error *err)
{
	vctx c;
	memset(&c, 0, offsetof(vctx, stack));
	c.buf = buf;
	c.len = len;
	c.err = err;
	cf_view v;
	memset(&v, 0, sizeof v);
	if (err) {
		err->status = CF_OK;
		err->offset = 0;
		err->message[0] = 0;
	}
	if (!buf && len)
		return fail(&c, CF_ERR_INVALID, 0, "no buffer");
	if (len < CF_MAGIC_SIZE) {
		if (len > 0 && memcmp(buf, CF_MAGIC, len) == 0)
			return fail(&c, CF_ERR_CORRUPT, len, "truncated: %zu byte%s", len,
			            len == 1 ? "" : "s");
		return fail(&c, CF_ERR_NOT_CHANNEL, 0, "not a channel file (%zu bytes, no magic)",
		            len);
	}
	if (memcmp(buf, CF_MAGIC, CF_MAGIC_SIZE) != 0)
		return fail(&c, CF_ERR_NOT_CHANNEL, 0, "not a channel file (bad magic)");
	if (len < H_VERSION + 2)
		return fail(&c, CF_ERR_CORRUPT, len, "truncated header: %zu of %u bytes", len,
		            CF_HEADER_SIZE);
	uint16_t version = ld16(buf + H_VERSION);
	if (version != CF_FORMAT_VERSION)
		return fail(&c, CF_ERR_VERSION, H_VERSION,
		            "format version %u; this build reads version %u", version,
		            CF_FORMAT_VERSION);
	uint32_t sections = 0;
	cf_status st = check_header(&c, &v, &sections);
	if (st == CF_OK)
		st = check_sections(&c, &v, sections);
	if (st == CF_OK)
		st = check_pool(&c, &v);
	if (st == CF_OK)
		st = check_header_strings(&c, &v);
	if (st == CF_OK)
		st = check_fields(&c, &v);
	if (st == CF_OK)
		st = check_instances(&c, &v);
	if (st == CF_OK && v.hdr.has_source_map)
		st = check_source_map(&c, &v);
	if (st == CF_OK && c.placed != c.pool_len)
		st = fail(&c, CF_ERR_CORRUPT, v.pool_off + c.placed,
		          "string pool: 0x%zx bytes from pool offset 0x%zx are not used by any "
		          "string reference",
		          c.pool_len - c.placed, c.placed);
	if (st == CF_OK)
		st = check_repeats(&c, &v);
	if (st != CF_OK)
		return st;
	size_t body = len - CF_TRAILER_SIZE;
	uint32_t want = ld32(buf + body);
	uint32_t got = cf_crc32c(buf, body);
	if (want != got)
		return fail(&c, CF_ERR_CHECKSUM, body,
		            "checksum mismatch: file says 0x%08x, contents give 0x%08x", want, got);
	v.buf = buf;
	v.len = len;
	if (view)
		*view = v;
	return CF_OK;
}

/* ---- Accessors: trust the view ------------------------------------------ */

static cf_str pool_str(const cf_view *v, const uint8_t *ref)
{
	cf_str s;
	s.len = ld32(ref + 4);
	s.ptr = s.len ? (const char *)v->buf + v->pool_off + ld32(ref) : "";
	return s;
}

void cf_view_field(const cf_view *v, unsigned field, cf_str *name, uint8_t *type)
{
	const uint8_t *p = v->buf + v->fields_off + (size_t)field * FIELD_SIZE;
	if (name)
		*name = pool_str(v, p);
	if (type)
		*type = p[8];
}

void cf_view_instance(const cf_view *v, uint32_t index, cf_instance *out)
{
	const uint8_t *p = v->buf + v->inst_off + (size_t)index * v->inst_size;
	out->id = ld32(p);
	out->action = p[4];
	out->severity = p[5];
	out->name = pool_str(v, p + 8);
}

void cf_view_criterion(const cf_view *v, uint32_t index, unsigned field, cf_criterion *out)
{
	const uint8_t *p = v->buf + v->inst_off + (size_t)index * v->inst_size +
	                   INSTANCE_HEAD_SIZE + (size_t)field * CRITERION_SIZE;
	out->kind = p[0];
	out->flags = p[1];
	out->lo = ld64(p + 8);
	out->hi = ld64(p + 16);
	out->str.ptr = "";
	out->str.len = 0;
	uint8_t type = v->buf[v->fields_off + (size_t)field * FIELD_SIZE + 8];
	if (type == CF_TYPE_STRING && out->kind != CF_CRIT_ANY) {
		out->str.len = (size_t)out->hi;
		if (out->str.len)
			out->str.ptr = (const char *)v->buf + v->pool_off + out->lo;
	}
}

void cf_view_instance_loc(const cf_view *v, uint32_t index, cf_srcloc *out)
{
	memset(out, 0, sizeof *out);
	out->file.ptr = "";
	if (!v->hdr.has_source_map)
		return;
	const uint8_t *p = v->buf + v->smap_off + (size_t)index * v->smap_size;
	out->file = pool_str(v, p);
	out->line = ld32(p + 8);
	out->col = ld32(p + 12);
}

void cf_view_criterion_loc(const cf_view *v, uint32_t index, unsigned field, cf_srcloc *out)
{
	memset(out, 0, sizeof *out);
	out->file.ptr = "";
	if (!v->hdr.has_source_map)
		return;
	const uint8_t *p = v->buf + v->smap_off + (size_t)index * v->smap_size;
	out->file = pool_str(v, p);
	out->line = ld32(p + SMAP_HEAD_SIZE + (size_t)field * SMAP_CRIT_SIZE);
	out->col = ld32(p + SMAP_HEAD_SIZE + (size_t)field * SMAP_CRIT_SIZE + 4);
}

uint64_t cf_view_instance_offset(const cf_view *v, uint32_t index, int field)
{
	uint64_t off = (uint64_t)v->inst_off + (uint64_t)index * v->inst_size;
	if (field >= 0)
		off += INSTANCE_HEAD_SIZE + (uint64_t)field * CRITERION_SIZE;
	return off;
}

int64_t cf_view_find_instance(const cf_view *v, uint32_t id)
{
	uint32_t lo = 0, hi = v->hdr.instance_count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t mid_id = ld32(v->buf + v->inst_off + (size_t)mid * v->inst_size);
		if (mid_id == id)
			return mid;
		if (mid_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}
