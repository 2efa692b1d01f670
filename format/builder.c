/*
 * builder.c - write channel files, deterministically.
 *
 * The builder collects fields and instances, then lays the file out in one
 * pass: instances sorted by id, the string pool filled in the order the
 * layout first uses each string (header, fields, instances, source map), so
 * the bytes depend only on the content, never on the order of the calls,
 * the machine or a hash table's iteration order.
 */
#include <stdlib.h>
#include <string.h>

#include <cf/format.h>
#include "format/format_int.h"

#define NO_STR UINT32_MAX

/* A criterion other than a wildcard; wildcards are not stored (all zero in
 * the file, with no location), which keeps a 100,000-instance build small. */
typedef struct bcrit {
	uint64_t lo, hi;
	uint32_t str; /* intern index or NO_STR */
	uint32_t line, col;
	uint8_t kind, flags;
	uint8_t field; /* 0-based field index */
} bcrit;

typedef struct binst {
	uint32_t id;
	uint8_t action, severity;
	uint16_t ncrit;      /* its non-wildcard criteria: crits[crit .. crit+ncrit), by field */
	uint32_t name, file; /* intern indexes or NO_STR */
	uint32_t line, col;
	size_t crit; /* index of the first criterion in b->crits */
} binst;

typedef struct bstr {
	char *s;
	uint32_t len;
	uint32_t pool_off; /* assigned during finish */
} bstr;

struct cf_builder {
	uint32_t channel;
	uint64_t content_version;
	uint16_t template_id;
	uint32_t template_version;
	uint8_t fingerprint[CF_FINGERPRINT_SIZE];
	int with_source_map;
	uint32_t template_name, requires_sensor;

	unsigned field_count;
	uint32_t field_names[CF_MAX_FIELDS];
	uint8_t field_types[CF_MAX_FIELDS];

	binst *insts;
	size_t ninsts, cap_insts;
	bcrit *crits;
	size_t ncrits, cap_crits;

	bstr *strs;
	size_t nstrs, cap_strs;
	uint32_t *table; /* open addressing: intern index + 1, 0 = empty */
	size_t table_size;

	cf_status sticky; /* first failure of a constructor-time step */
};

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static cf_status table_grow(cf_builder *b)
{
	size_t nsize = b->table_size ? b->table_size * 2 : 1024;
	uint32_t *nt = calloc(nsize, sizeof *nt);
	if (!nt)
		return CF_ERR_NOMEM;
	for (size_t i = 0; i < b->nstrs; i++) {
		size_t h = (size_t)hash_bytes(b->strs[i].s, b->strs[i].len) & (nsize - 1);
		while (nt[h])
			h = (h + 1) & (nsize - 1);
		nt[h] = (uint32_t)i + 1;
	}
	free(b->table);
	b->table = nt;
	b->table_size = nsize;
	return CF_OK;
}

/* Intern s[0..len) and return its index in *out (NO_STR for empty). */
static cf_status intern(cf_builder *b, const char *s, size_t len, uint32_t *out)
{
	*out = NO_STR;
	if (len == 0)
		return CF_OK;
	if (len > CF_MAX_STRING_LEN)
		return CF_ERR_LIMIT;
	if (memchr(s, 0, len) || !cf_utf8_valid(s, len))
		return CF_ERR_INVALID;
	if ((b->nstrs + 1) * 2 > b->table_size) {
		cf_status st = table_grow(b);
		if (st != CF_OK)
			return st;
	}
	size_t h = (size_t)hash_bytes(s, len) & (b->table_size - 1);
	while (b->table[h]) {
		bstr *e = &b->strs[b->table[h] - 1];
		if (e->len == len && memcmp(e->s, s, len) == 0) {
			*out = b->table[h] - 1;
			return CF_OK;
		}
		h = (h + 1) & (b->table_size - 1);
	}
	if (b->nstrs >= UINT32_MAX - 1)
		return CF_ERR_LIMIT;
	if (b->nstrs == b->cap_strs) {
		size_t ncap = b->cap_strs ? b->cap_strs * 2 : 256;
		bstr *n = realloc(b->strs, ncap * sizeof *n);
		if (!n)
			return CF_ERR_NOMEM;
		b->strs = n;
		b->cap_strs = ncap;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return CF_ERR_NOMEM;
	memcpy(copy, s, len);
	copy[len] = 0;
	b->strs[b->nstrs].s = copy;
	b->strs[b->nstrs].len = (uint32_t)len;
	b->strs[b->nstrs].pool_off = NO_STR;
	b->table[h] = (uint32_t)b->nstrs + 1;
	*out = (uint32_t)b->nstrs++;
	return CF_OK;
}

cf_builder *cf_builder_new(const cf_build_header *hdr)
{
	if (!hdr)
		return NULL;
	cf_builder *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->channel = hdr->channel;
	b->content_version = hdr->content_version;
	b->template_id = hdr->template_id;
	b->template_version = hdr->template_version;
	memcpy(b->fingerprint, hdr->fingerprint, CF_FINGERPRINT_SIZE);
	b->with_source_map = hdr->with_source_map != 0;
	b->template_name = b->requires_sensor = NO_STR;
	const char *tn = hdr->template_name ? hdr->template_name : "";
	cf_status st = intern(b, tn, strlen(tn), &b->template_name);
	if (st == CF_OK && hdr->requires_sensor)
		st = intern(b, hdr->requires_sensor, strlen(hdr->requires_sensor),
		            &b->requires_sensor);
	b->sticky = st;
	if (st == CF_ERR_NOMEM) {
		cf_builder_free(b);
		return NULL;
	}
	return b;
}

void cf_builder_free(cf_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nstrs; i++)
		free(b->strs[i].s);
	free(b->strs);
	free(b->table);
	free(b->insts);
	free(b->crits);
	free(b);
}

cf_status cf_builder_add_field(cf_builder *b, const char *name, uint8_t type)
{
	if (!b || !name)
		return CF_ERR_INVALID;
	if (b->ninsts)
		return CF_ERR_INVALID; /* fields come first */
	if (b->field_count >= CF_MAX_FIELDS)
		return CF_ERR_LIMIT;
	size_t len = strlen(name);
	if (!cf_name_valid_field(name, len) || !cf_field_type_name(type))
		return CF_ERR_INVALID;
	for (unsigned i = 0; i < b->field_count; i++)
		if (strcmp(b->strs[b->field_names[i]].s, name) == 0)
			return CF_ERR_INVALID;
	uint32_t idx;
	cf_status st = intern(b, name, len, &idx);
	if (st != CF_OK)
		return st;
	b->field_names[b->field_count] = idx;
	b->field_types[b->field_count] = type;
	b->field_count++;
	return CF_OK;
}

static int criterion_ok(const cf_build_criterion *c, uint8_t type)
{
	if (c->flags & ~CF_CRIT_NOCASE)
		return 0;
	if (c->kind == CF_CRIT_ANY)
		return c->flags == 0;
	switch (type) {
	case CF_TYPE_STRING:
		if (c->kind != CF_CRIT_EQUALS && c->kind != CF_CRIT_PREFIX &&
		    c->kind != CF_CRIT_REGEX)
			return 0;
		if (c->str_len && !c->str)
			return 0;
		return c->kind == CF_CRIT_EQUALS || c->str_len > 0;
	case CF_TYPE_UINT:
		if (c->flags)
			return 0;
		if (c->kind == CF_CRIT_EQUALS)
			return 1;
		return c->kind == CF_CRIT_RANGE && c->lo <= c->hi;
	case CF_TYPE_BOOL:
		return c->flags == 0 && c->kind == CF_CRIT_EQUALS && c->lo <= 1;
	}
	return 0;
}

cf_status cf_builder_add_instance(cf_builder *b, const cf_build_instance *inst,
                                  const cf_build_criterion *crit)
{
	if (!b || !inst || !crit || b->field_count == 0)
		return CF_ERR_INVALID;
	if (inst->id == 0 || !cf_action_name(inst->action) || !cf_severity_name(inst->severity))
		return CF_ERR_INVALID;
	if (b->ninsts >= CF_MAX_INSTANCES)
		return CF_ERR_LIMIT;
	for (unsigned f = 0; f < b->field_count; f++)
		if (!criterion_ok(&crit[f], b->field_types[f]))
			return CF_ERR_INVALID;
	/* A source map locates every instance and every criterion but the
	 * wildcards (format/SPEC.md, "Source-map section"). */
	if (b->with_source_map) {
		if (!inst->file || !inst->file[0] || inst->line == 0 || inst->col == 0 ||
		    strlen(inst->file) > CF_MAX_SOURCE_PATH_LEN)
			return CF_ERR_INVALID;
		for (unsigned f = 0; f < b->field_count; f++)
			if (crit[f].kind != CF_CRIT_ANY && crit[f].line && crit[f].col == 0)
				return CF_ERR_INVALID;
	}
	if (b->ninsts == b->cap_insts) {
		size_t ncap = b->cap_insts ? b->cap_insts * 2 : 64;
		binst *n = realloc(b->insts, ncap * sizeof *n);
		if (!n)
			return CF_ERR_NOMEM;
		b->insts = n;
		b->cap_insts = ncap;
	}
	if (b->cap_crits - b->ncrits < b->field_count) {
		size_t ncap = b->cap_crits ? b->cap_crits * 2 : 64 * (size_t)b->field_count;
		while (ncap - b->ncrits < b->field_count)
			ncap *= 2;
		bcrit *n = realloc(b->crits, ncap * sizeof *n);
		if (!n)
			return CF_ERR_NOMEM;
		b->crits = n;
		b->cap_crits = ncap;
	}
	binst bi;
	memset(&bi, 0, sizeof bi);
	bi.id = inst->id;
	bi.action = inst->action;
	bi.severity = inst->severity;
	bi.crit = b->ncrits;
	cf_status st =
	    intern(b, inst->name ? inst->name : "", inst->name ? strlen(inst->name) : 0, &bi.name);
	if (st != CF_OK)
		return st;
	bi.file = NO_STR;
	if (b->with_source_map) {
		st = intern(b, inst->file, strlen(inst->file), &bi.file);
		if (st != CF_OK)
			return st;
		bi.line = inst->line;
		bi.col = inst->col;
	}
	for (unsigned f = 0; f < b->field_count; f++) {
		const cf_build_criterion *c = &crit[f];
		if (c->kind == CF_CRIT_ANY)
			continue; /* wildcards carry no operands and no location */
		bcrit *o = &b->crits[b->ncrits + bi.ncrit++];
		memset(o, 0, sizeof *o);
		o->kind = c->kind;
		o->flags = c->flags;
		o->field = (uint8_t)f;
		o->str = NO_STR;
		if (b->with_source_map) {
			o->line = c->line ? c->line : bi.line;
			o->col = c->line ? c->col : bi.col;
		}
		if (b->field_types[f] == CF_TYPE_STRING) {
			st = intern(b, c->str, c->str_len, &o->str);
			if (st != CF_OK)
				return st;
		} else {
			o->lo = c->lo;
			o->hi = c->kind == CF_CRIT_RANGE ? c->hi : 0;
		}
	}
	b->ncrits += bi.ncrit;
	b->insts[b->ninsts++] = bi;
	return CF_OK;
}

static int inst_cmp(const void *pa, const void *pb)
{
	const binst *a = pa, *b = pb;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Give string idx a pool offset on first use; fails past 4 GiB. */
static int place(cf_builder *b, uint32_t idx, uint64_t *pool_len)
{
	if (idx == NO_STR || b->strs[idx].pool_off != NO_STR)
		return 0;
	if (*pool_len + b->strs[idx].len + 1 > UINT32_MAX)
		return -1;
	b->strs[idx].pool_off = (uint32_t)*pool_len;
	*pool_len += b->strs[idx].len + 1;
	return 0;
}

static void put_ref(const cf_builder *b, uint8_t *p, uint32_t idx)
{
	if (idx == NO_STR) {
		st32(p, 0);
		st32(p + 4, 0);
		return;
	}
	st32(p, b->strs[idx].pool_off);
	st32(p + 4, b->strs[idx].len);
}

cf_status cf_builder_finish(cf_builder *b, uint8_t **out, size_t *out_len)
{
	if (!b || !out || !out_len)
		return CF_ERR_INVALID;
	*out = NULL;
	*out_len = 0;
	if (b->sticky != CF_OK)
		return b->sticky;
	const char *tname = b->strs[b->template_name].s;
	if (b->field_count == 0 || b->channel == 0 || b->content_version == 0 ||
	    b->content_version > INT64_MAX || b->template_id == 0 || b->template_version == 0 ||
	    !cf_name_valid_template(tname, strlen(tname)))
		return CF_ERR_INVALID;
	if (b->requires_sensor != NO_STR &&
	    !cf_sensor_version_valid(b->strs[b->requires_sensor].s,
	                             b->strs[b->requires_sensor].len))
		return CF_ERR_INVALID;

	if (b->ninsts > 1) /* qsort(NULL, 0) is undefined behaviour */
		qsort(b->insts, b->ninsts, sizeof *b->insts, inst_cmp);
	for (size_t i = 1; i < b->ninsts; i++)
		if (b->insts[i].id == b->insts[i - 1].id)
			return CF_ERR_INVALID;

	/* Pool offsets in layout order. */
	for (size_t i = 0; i < b->nstrs; i++)
		b->strs[i].pool_off = NO_STR;
	uint64_t pool_len = 0;
	int over = place(b, b->template_name, &pool_len);
	over |= place(b, b->requires_sensor, &pool_len);
	for (unsigned f = 0; f < b->field_count; f++)
		over |= place(b, b->field_names[f], &pool_len);
	for (size_t i = 0; i < b->ninsts; i++) {
		over |= place(b, b->insts[i].name, &pool_len);
		for (unsigned k = 0; k < b->insts[i].ncrit; k++)
			over |= place(b, b->crits[b->insts[i].crit + k].str, &pool_len);
	}
	if (b->with_source_map)
		for (size_t i = 0; i < b->ninsts; i++)
			over |= place(b, b->insts[i].file, &pool_len);
	if (over)
		return CF_ERR_LIMIT;

	unsigned nsec = b->with_source_map ? 4 : 3;
	uint64_t inst_size = INSTANCE_HEAD_SIZE + (uint64_t)b->field_count * CRITERION_SIZE;
	uint64_t smap_size = SMAP_HEAD_SIZE + (uint64_t)b->field_count * SMAP_CRIT_SIZE;
	uint64_t sec_size[5] = {0, (uint64_t)b->field_count * FIELD_SIZE, inst_size * b->ninsts,
	                        pool_len, b->with_source_map ? smap_size * b->ninsts : 0};
	uint64_t sec_off[5] = {0};
	uint64_t total = CF_HEADER_SIZE + (uint64_t)nsec * CF_SECTION_ENTRY_SIZE;
	for (unsigned s = 1; s <= nsec; s++) {
		sec_off[s] = total;
		total += sec_size[s];
	}
	total += CF_TRAILER_SIZE;
	if (total > CF_MAX_FILE_SIZE)
		return CF_ERR_LIMIT;

	uint8_t *buf = calloc(1, (size_t)total);
	if (!buf)
		return CF_ERR_NOMEM;

	memcpy(buf + H_MAGIC, CF_MAGIC, CF_MAGIC_SIZE);
	st16(buf + H_VERSION, CF_FORMAT_VERSION);
	st16(buf + H_HEADER_SIZE, CF_HEADER_SIZE);
	st32(buf + H_FLAGS, b->with_source_map ? CF_FLAG_SOURCE_MAP : 0);
	st64(buf + H_FILE_SIZE, total);
	st32(buf + H_CHANNEL, b->channel);
	st64(buf + H_CONTENT_VERSION, b->content_version);
	put_ref(b, buf + H_TEMPLATE_NAME, b->template_name);
	st16(buf + H_TEMPLATE_ID, b->template_id);
	st16(buf + H_FIELD_COUNT, (uint16_t)b->field_count);
	st32(buf + H_TEMPLATE_VERSION, b->template_version);
	memcpy(buf + H_FINGERPRINT, b->fingerprint, CF_FINGERPRINT_SIZE);
	put_ref(b, buf + H_REQUIRES_SENSOR, b->requires_sensor);
	st32(buf + H_INSTANCE_COUNT, (uint32_t)b->ninsts);
	st32(buf + H_SECTION_COUNT, nsec);
	for (unsigned s = 1; s <= nsec; s++) {
		uint8_t *e = buf + CF_HEADER_SIZE + (size_t)(s - 1) * CF_SECTION_ENTRY_SIZE;
		st32(e, s);
		st64(e + 8, sec_off[s]);
		st64(e + 16, sec_size[s]);
	}

	uint8_t *p = buf + sec_off[SEC_FIELDS];
	for (unsigned f = 0; f < b->field_count; f++, p += FIELD_SIZE) {
		put_ref(b, p, b->field_names[f]);
		p[8] = b->field_types[f];
	}

	p = buf + sec_off[SEC_INSTANCES];
	for (size_t i = 0; i < b->ninsts; i++) {
		const binst *in = &b->insts[i];
		st32(p, in->id);
		p[4] = in->action;
		p[5] = in->severity;
		put_ref(b, p + 8, in->name);
		p += INSTANCE_HEAD_SIZE;
		/* Wildcards stay all zero (the buffer is calloc'd). */
		for (unsigned k = 0; k < in->ncrit; k++) {
			const bcrit *c = &b->crits[in->crit + k];
			uint8_t *q = p + (size_t)c->field * CRITERION_SIZE;
			q[0] = c->kind;
			q[1] = c->flags;
			if (b->field_types[c->field] == CF_TYPE_STRING) {
				/* Operands are u64: offset, then length. */
				if (c->str != NO_STR) {
					st64(q + 8, b->strs[c->str].pool_off);
					st64(q + 16, b->strs[c->str].len);
				}
			} else {
				st64(q + 8, c->lo);
				st64(q + 16, c->hi);
			}
		}
		p += (size_t)b->field_count * CRITERION_SIZE;
	}

	p = buf + sec_off[SEC_STRINGS];
	for (size_t i = 0; i < b->nstrs; i++)
		if (b->strs[i].pool_off != NO_STR)
			memcpy(p + b->strs[i].pool_off, b->strs[i].s, b->strs[i].len);

	if (b->with_source_map) {
		p = buf + sec_off[SEC_SOURCE_MAP];
		for (size_t i = 0; i < b->ninsts; i++) {
			const binst *in = &b->insts[i];
			put_ref(b, p, in->file);
			st32(p + 8, in->line);
			st32(p + 12, in->col);
			p += SMAP_HEAD_SIZE;
			for (unsigned k = 0; k < in->ncrit; k++) {
				const bcrit *c = &b->crits[in->crit + k];
				uint8_t *q = p + (size_t)c->field * SMAP_CRIT_SIZE;
				st32(q, c->line);
				st32(q + 4, c->col);
			}
			p += (size_t)b->field_count * SMAP_CRIT_SIZE;
		}
	}

	size_t body = (size_t)total - CF_TRAILER_SIZE;
	st32(buf + body, cf_crc32c(buf, body));
	*out = buf;
	*out_len = (size_t)total;
	return CF_OK;
}
