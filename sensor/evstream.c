/*
 * evstream.c - binary event streams (format/EVENTS.md): what a sensor's
 * integration code hands its interpreter, without JSON in between.
 *
 * A stream is a 16-byte prefix, a table naming the templates and fields it
 * uses, then length-prefixed records. The table is matched against this
 * sensor's built-in definitions once (cf_sensor_evmap_new); a record is
 * then decoded by indexing: no names are compared and nothing is allocated
 * per event. Every length and index in a record is checked against the
 * record's own length and the table before it is used.
 *
 * The writer half (cf_evstream_put_*) is what `cfc pack-events` uses to
 * turn JSON lines into a stream.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include "format/le.h"
#include "sensor/sensor_int.h"

static cf_status fail(cf_status st, char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static cf_status fail(cf_status st, char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (cap)
		vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
	return st;
}

/* "s" after a count other than one. */
static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* ---- reading ------------------------------------------------------------------------- */

cf_status cf_evstream_prefix(const uint8_t *p, size_t len, uint32_t *table_len, char *msg,
                             size_t msg_len)
{
	*table_len = 0;
	if (msg_len)
		msg[0] = 0;
	if (len < CF_EVSTREAM_PREFIX_LEN)
		return fail(CF_ERR_REJECTED, msg, msg_len,
		            "event stream header truncated: %zu of %u bytes", len,
		            CF_EVSTREAM_PREFIX_LEN);
	if (memcmp(p, CF_EVSTREAM_MAGIC, CF_EVSTREAM_MAGIC_LEN) != 0)
		return fail(CF_ERR_REJECTED, msg, msg_len, "not a binary event stream (bad magic)");
	uint32_t version = ld32(p + 8);
	if (version != CF_EVSTREAM_VERSION)
		return fail(CF_ERR_REJECTED, msg, msg_len,
		            "event stream version %u is not supported (this build reads %u)",
		            (unsigned)version, CF_EVSTREAM_VERSION);
	uint32_t tl = ld32(p + 12);
	if (tl < 2 || tl > CF_EVSTREAM_TABLE_MAX)
		return fail(CF_ERR_REJECTED, msg, msg_len,
		            "event stream table of %u byte%s (2 .. %u allowed)", (unsigned)tl,
		            plural(tl), CF_EVSTREAM_TABLE_MAX);
	*table_len = tl;
	return CF_OK;
}

/* One template of the stream's table, resolved against the sensor. */
typedef struct evm_tmpl {
	const char *name;
	int tmpl;           /* sensor template index; -1: this build supplies none */
	uint16_t nfields;   /* the stream's fields of this template */
	const char **fname; /* their names */
	int16_t *field;     /* the sensor's field index of each; -1: no such field */
} evm_tmpl;

struct cf_sensor_evmap {
	const cf_sensor *s;
	uint16_t ntmpl;
	evm_tmpl *t;
	char *arena; /* the names, NUL-terminated */
};

void cf_sensor_evmap_free(cf_sensor_evmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; m->t && i < m->ntmpl; i++) {
		free(m->t[i].fname);
		free(m->t[i].field);
	}
	free(m->t);
	free(m->arena);
	free(m);
}

/* A name of 1..255 bytes at *pos: copied NUL-terminated into the arena.
 * NULL when it runs past the table, is empty or holds a NUL byte. */
static const char *take_name(const uint8_t *tab, size_t len, size_t *pos, char **arena)
{
	if (*pos >= len)
		return NULL;
	size_t n = tab[*pos];
	if (n == 0 || n > len - *pos - 1 || memchr(tab + *pos + 1, 0, n))
		return NULL;
	char *out = *arena;
	memcpy(out, tab + *pos + 1, n);
	out[n] = 0;
	*arena += n + 1;
	*pos += 1 + n;
	return out;
}

cf_status cf_sensor_evmap_new(const cf_sensor *s, const uint8_t *tab, size_t len,
                              cf_sensor_evmap **out, char *msg, size_t msg_len)
{
	*out = NULL;
	if (msg_len)
		msg[0] = 0;
	if (!s || len < 2 || len > CF_EVSTREAM_TABLE_MAX)
		return fail(CF_ERR_REJECTED, msg, msg_len, "event stream table of %zu byte%s", len,
		            plural(len));
	cf_status st = CF_ERR_NOMEM;
	cf_sensor_evmap *m = calloc(1, sizeof *m);
	if (!m)
		goto out;
	m->s = s;
	/* Every name costs its length byte in the table and its NUL here. */
	m->arena = malloc(len);
	uint16_t nt = ld16(tab);
	if (!m->arena)
		goto out;
	if (nt == 0 || nt > CF_EVSTREAM_TEMPLATES_MAX) {
		st = fail(CF_ERR_REJECTED, msg, msg_len,
		          "event stream table names %u templates (1 .. %u allowed)", (unsigned)nt,
		          CF_EVSTREAM_TEMPLATES_MAX);
		goto out;
	}
	m->t = calloc(nt, sizeof *m->t);
	if (!m->t)
		goto out;
	char *arena = m->arena;
	size_t pos = 2;
	for (uint16_t i = 0; i < nt; i++) {
		evm_tmpl *t = &m->t[i];
		t->name = take_name(tab, len, &pos, &arena);
		if (!t->name || len - pos < 2) {
			st = fail(CF_ERR_REJECTED, msg, msg_len,
			          "event stream table: template %u is truncated or badly named",
			          (unsigned)i);
			goto out;
		}
		for (uint16_t k = 0; k < i; k++)
			if (strcmp(m->t[k].name, t->name) == 0) {
				st = fail(CF_ERR_REJECTED, msg, msg_len,
				          "event stream table names template '%s' twice", t->name);
				goto out;
			}
		uint16_t nf = ld16(tab + pos);
		pos += 2;
		if (nf > CF_MAX_FIELDS) {
			st = fail(CF_ERR_REJECTED, msg, msg_len,
			          "event stream table: template '%s' has %u fields (at most %u)",
			          t->name, (unsigned)nf, CF_MAX_FIELDS);
			goto out;
		}
		/* One element at least, so that calloc(0) is never asked. */
		t->fname = calloc(nf ? nf : 1, sizeof *t->fname);
		t->field = calloc(nf ? nf : 1, sizeof *t->field);
		if (!t->fname || !t->field)
			goto out;
		t->nfields = nf;
		t->tmpl = cf_sensor_template_index(s, t->name);
		for (uint16_t f = 0; f < nf; f++) {
			t->fname[f] = take_name(tab, len, &pos, &arena);
			if (!t->fname[f]) {
				st = fail(CF_ERR_REJECTED, msg, msg_len,
				          "event stream table: field %u of template '%s' is "
				          "truncated or badly named",
				          (unsigned)f, t->name);
				goto out;
			}
			for (uint16_t k = 0; k < f; k++)
				if (strcmp(t->fname[k], t->fname[f]) == 0) {
					st = fail(CF_ERR_REJECTED, msg, msg_len,
					          "event stream table names field '%s' of "
					          "template '%s' twice",
					          t->fname[f], t->name);
					goto out;
				}
			int idx = t->tmpl < 0 ? -1 : cf_sensor_field_index(s, t->tmpl, t->fname[f]);
			t->field[f] = (int16_t)idx;
		}
	}
	if (pos != len) {
		st = fail(CF_ERR_REJECTED, msg, msg_len,
		          "event stream table: %zu byte%s after its last template", len - pos,
		          plural(len - pos));
		goto out;
	}
	m->ntmpl = nt;
	*out = m;
	m = NULL;
	st = CF_OK;
out:
	if (m)
		m->ntmpl = nt <= CF_EVSTREAM_TEMPLATES_MAX ? nt : 0;
	cf_sensor_evmap_free(m);
	return st;
}

size_t cf_sensor_evmap_template_count(const cf_sensor_evmap *m)
{
	return m ? m->ntmpl : 0;
}

const char *cf_sensor_evmap_template_name(const cf_sensor_evmap *m, size_t i)
{
	return m && i < m->ntmpl ? m->t[i].name : NULL;
}

static const char *kind_name(uint8_t kind)
{
	switch (kind) {
	case CF_EVSTREAM_NULL:
		return "null";
	case CF_EVSTREAM_STRING:
		return "a string";
	case CF_EVSTREAM_UINT:
		return "an integer";
	default:
		return "a boolean";
	}
}

static const char *type_name(uint8_t type)
{
	return type == CF_TYPE_STRING ? "a string" : type == CF_TYPE_UINT ? "a uint" : "a bool";
}

cf_status cf_sensor_event_decode(cf_sensor_event *ev, const cf_sensor_evmap *m, const uint8_t *rec,
                                 size_t len, char *msg, size_t msg_len)
{
	if (msg_len)
		msg[0] = 0;
	cf_sensor_event_reset(ev);
	if (!m || m->s != ev->s)
		return fail(CF_ERR_INVALID, msg, msg_len, "event and table of different sensors");
	if (len > CF_EVSTREAM_RECORD_MAX)
		return fail(CF_ERR_LIMIT, msg, msg_len,
		            "record of %zu bytes exceeds the %zu-byte cap", len,
		            (size_t)CF_EVSTREAM_RECORD_MAX);
	if (len < 4)
		return fail(CF_ERR_REJECTED, msg, msg_len, "record of %zu byte%s (at least 4)", len,
		            plural(len));
	uint16_t ti = ld16(rec), nv = ld16(rec + 2);
	if (ti >= m->ntmpl)
		return fail(CF_ERR_REJECTED, msg, msg_len,
		            "template %u is not in the stream's table (%u template%s)",
		            (unsigned)ti, (unsigned)m->ntmpl, plural(m->ntmpl));
	const evm_tmpl *t = &m->t[ti];
	if (t->tmpl < 0)
		return fail(CF_ERR_REJECTED, msg, msg_len,
		            "template '%s' is not supplied by sensor %s", t->name, m->s->version);
	const stmpl *st = &m->s->tmpls[t->tmpl];
	size_t supplied = st->supplied;
	cf_sensor_value *vals = ev->vals[t->tmpl];
	if (nv > t->nfields)
		return fail(CF_ERR_REJECTED, msg, msg_len,
		            "%u value%s for template '%s', whose table lists %u field%s",
		            (unsigned)nv, plural(nv), t->name, (unsigned)t->nfields,
		            plural(t->nfields));
	memset(vals, 0, (supplied ? supplied : 1) * sizeof *vals);
	uint64_t seen[4] = {0, 0, 0, 0}; /* stream field indexes given so far */
	size_t pos = 4;
	for (uint16_t i = 0; i < nv; i++) {
		if (len - pos < 2)
			return fail(CF_ERR_REJECTED, msg, msg_len, "value %u is truncated",
			            (unsigned)i);
		uint8_t sf = rec[pos], kind = rec[pos + 1];
		pos += 2;
		if (sf >= t->nfields)
			return fail(CF_ERR_REJECTED, msg, msg_len,
			            "value %u names field %u; template '%s' lists %u in the table",
			            (unsigned)i, (unsigned)sf, t->name, (unsigned)t->nfields);
		const char *key = t->fname[sf];
		if (seen[sf >> 6] & (1ull << (sf & 63)))
			return fail(CF_ERR_REJECTED, msg, msg_len, "field '%s' is given twice",
			            key);
		seen[sf >> 6] |= 1ull << (sf & 63);
		/* The value in scalars, stored once below: assembling a struct on
		 * the stack and copying it stalls the copy on every value. */
		uint8_t vtype = 0;
		uint64_t vu = 0;
		const char *vs = NULL;
		size_t vlen = 0;
		switch (kind) {
		case CF_EVSTREAM_NULL:
			break;
		case CF_EVSTREAM_STRING: {
			if (len - pos < 4)
				return fail(CF_ERR_REJECTED, msg, msg_len,
				            "string of field '%s' is truncated", key);
			uint32_t sl = ld32(rec + pos);
			pos += 4;
			if (sl > len - pos)
				return fail(CF_ERR_REJECTED, msg, msg_len,
				            "string of field '%s' (%u byte%s) runs past the record",
				            key, (unsigned)sl, plural(sl));
			vtype = CF_TYPE_STRING;
			vs = (const char *)rec + pos;
			vlen = sl;
			pos += sl;
			break;
		}
		case CF_EVSTREAM_UINT:
			if (len - pos < 8)
				return fail(CF_ERR_REJECTED, msg, msg_len,
				            "integer of field '%s' is truncated", key);
			vtype = CF_TYPE_UINT;
			vu = ld64(rec + pos);
			pos += 8;
			break;
		case CF_EVSTREAM_FALSE:
		case CF_EVSTREAM_TRUE:
			vtype = CF_TYPE_BOOL;
			vu = kind == CF_EVSTREAM_TRUE;
			break;
		default:
			return fail(CF_ERR_REJECTED, msg, msg_len,
			            "field '%s' has value kind %u (0 .. 4 are defined)", key,
			            (unsigned)kind);
		}
		int f = t->field[sf];
		if (f < 0)
			return fail(CF_ERR_REJECTED, msg, msg_len,
			            "unknown field '%s' for template '%s'", key, t->name);
		uint8_t want = st->def->fields[f].type;
		if (vtype && vtype != want)
			return fail(CF_ERR_REJECTED, msg, msg_len, "field '%s' is %s, not %s", key,
			            type_name(want), kind_name(kind));
		/* This build's integration code fills only the first `supplied`. */
		if ((unsigned)f < supplied) {
			vals[f].type = vtype;
			vals[f].u = vu;
			vals[f].s = vs;
			vals[f].len = vlen;
		}
	}
	if (pos != len)
		return fail(CF_ERR_REJECTED, msg, msg_len,
		            "%zu byte%s after the record's last value", len - pos,
		            plural(len - pos));
	ev->tmpl = t->tmpl;
	return CF_OK;
}

/* ---- writing ------------------------------------------------------------------------- */

cf_status cf_evstream_put_header(cf_buf *b, const cf_template_set *set)
{
	size_t nt = cf_templates_count(set);
	if (nt == 0 || nt > CF_EVSTREAM_TEMPLATES_MAX)
		return CF_ERR_INVALID;
	size_t at = b->len;
	uint8_t pre[CF_EVSTREAM_PREFIX_LEN + 2];
	memcpy(pre, CF_EVSTREAM_MAGIC, CF_EVSTREAM_MAGIC_LEN);
	st32(pre + 8, CF_EVSTREAM_VERSION);
	st32(pre + 12, 0); /* the table's length, set below */
	st16(pre + 16, (uint16_t)nt);
	cf_status st = cf_buf_append(b, pre, sizeof pre);
	for (size_t i = 0; st == CF_OK && i < nt; i++) {
		const cf_template *t = cf_templates_get(set, i);
		size_t n = strlen(t->name);
		if (n == 0 || n > 255 || t->field_count > CF_MAX_FIELDS) {
			st = CF_ERR_INVALID;
			break;
		}
		uint8_t h[2];
		uint8_t nl = (uint8_t)n;
		st = cf_buf_append(b, &nl, 1);
		if (st == CF_OK)
			st = cf_buf_append(b, t->name, n);
		st16(h, t->field_count);
		if (st == CF_OK)
			st = cf_buf_append(b, h, 2);
		for (size_t f = 0; st == CF_OK && f < t->field_count; f++) {
			size_t fl = strlen(t->fields[f].name);
			if (fl == 0 || fl > 255) {
				st = CF_ERR_INVALID;
				break;
			}
			nl = (uint8_t)fl;
			st = cf_buf_append(b, &nl, 1);
			if (st == CF_OK)
				st = cf_buf_append(b, t->fields[f].name, fl);
		}
	}
	size_t tl = b->len - at - CF_EVSTREAM_PREFIX_LEN;
	if (st == CF_OK && tl > CF_EVSTREAM_TABLE_MAX)
		st = CF_ERR_LIMIT;
	if (st != CF_OK) {
		b->len = at;
		return st;
	}
	st32(b->data + at + 12, (uint32_t)tl);
	return CF_OK;
}

cf_status cf_evstream_put_record(cf_buf *b, uint16_t tmpl, const cf_sensor_value *vals,
                                 const uint8_t *given, size_t nvals)
{
	if (nvals > CF_MAX_FIELDS)
		return CF_ERR_INVALID;
	size_t at = b->len;
	uint8_t h[8];
	st32(h, 0); /* the record's length, set below */
	st16(h + 4, tmpl);
	st16(h + 6, 0); /* its value count, set below */
	cf_status st = cf_buf_append(b, h, sizeof h);
	uint16_t nv = 0;
	for (size_t f = 0; st == CF_OK && f < nvals; f++) {
		if (!given[f])
			continue;
		const cf_sensor_value *v = &vals[f];
		uint8_t head[2] = {(uint8_t)f, CF_EVSTREAM_NULL};
		uint8_t num[8];
		if (v->type == CF_TYPE_STRING) {
			if (v->len > CF_EVSTREAM_RECORD_MAX) {
				st = CF_ERR_REJECTED;
				break;
			}
			head[1] = CF_EVSTREAM_STRING;
			st32(num, (uint32_t)v->len);
			st = cf_buf_append(b, head, 2);
			if (st == CF_OK)
				st = cf_buf_append(b, num, 4);
			if (st == CF_OK && v->len)
				st = cf_buf_append(b, v->s, v->len);
		} else if (v->type == CF_TYPE_UINT) {
			head[1] = CF_EVSTREAM_UINT;
			st64(num, v->u);
			st = cf_buf_append(b, head, 2);
			if (st == CF_OK)
				st = cf_buf_append(b, num, 8);
		} else {
			if (v->type == CF_TYPE_BOOL)
				head[1] = v->u ? CF_EVSTREAM_TRUE : CF_EVSTREAM_FALSE;
			st = cf_buf_append(b, head, 2);
		}
		nv++;
	}
	size_t rl = b->len - at - 4;
	if (st == CF_OK && rl > CF_EVSTREAM_RECORD_MAX)
		st = CF_ERR_REJECTED;
	if (st != CF_OK) {
		b->len = at; /* nothing of a record that failed is left */
		return st;
	}
	st32(b->data + at, (uint32_t)rl);
	st16(b->data + at + 6, nv);
	return CF_OK;
}

uint32_t cf_evstream_record_len(const uint8_t word[4])
{
	return ld32(word);
}
