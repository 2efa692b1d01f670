/*
 * dump.c - a verified channel file as YAML (libyaml's emitter) or JSON
 * (jansson).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <yaml.h>

#include <cf/base.h>
#include <cf/compile.h>
#include "base/json_int.h"

/* The most bytes a dump may produce: a 1 GiB file dumps to less. */
#define DUMP_LIMIT ((size_t)4 << 30)

/* ---- YAML ---------------------------------------------------------------- */

typedef struct emit {
	yaml_emitter_t em;
	yaml_event_t ev;
	cf_buf out;
	size_t nodes; /* scalars and collections, as base/yaml.c counts them */
	int failed;
} emit;

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	emit *e = data;
	if (cf_buf_append(&e->out, buffer, size) != CF_OK) {
		e->failed = 1;
		return 0;
	}
	return 1;
}

static void push(emit *e, int ok)
{
	if (e->failed)
		return;
	if (ok && (e->ev.type == YAML_SCALAR_EVENT || e->ev.type == YAML_MAPPING_START_EVENT ||
	           e->ev.type == YAML_SEQUENCE_START_EVENT))
		e->nodes++;
	if (!ok || !yaml_emitter_emit(&e->em, &e->ev))
		e->failed = 1;
}

static void scalar_styled(emit *e, const char *s, size_t len, yaml_scalar_style_t style)
{
	if (e->failed)
		return;
	push(e, yaml_scalar_event_initialize(&e->ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1,
	                                     style));
}

/* cfc's own words (keys, actions, severities, booleans) and numbers: plain. */
static void plain(emit *e, const char *s)
{
	scalar_styled(e, s, strlen(s), YAML_PLAIN_SCALAR_STYLE);
}

/* The code point of the multi-byte UTF-8 sequence at p (n bytes left, one
 * at least), with its length in *seq; 0, and a length of 1, for an ASCII
 * byte or anything that is not valid UTF-8 (cf_utf8_decode()). */
static uint32_t multibyte_at(const unsigned char *p, size_t n, size_t *seq)
{
	uint32_t cp = 0;
	size_t len = cf_utf8_decode((const char *)p, n, &cp);
	*seq = len ? len : 1;
	return len >= 2 ? cp : 0;
}

/*
 * Nonzero when s holds a control character (C0, DEL, C1), a YAML line
 * break (NEL, U+2028, U+2029) or a character text output escapes
 * (cf_text_invisible(): bidirectional controls, zero-width ones). Single
 * quotes would carry a newline as a raw line break; double quotes write
 * each as a visible escape (\n, \e, \x7F, \N, \L, \u202E...) that reads
 * back as the same character.
 */
static int has_controls(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 1;
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] <= 0x9f)
			return 1;
		size_t seq;
		if (p[i] >= 0xc2 && cf_text_invisible(multibyte_at(p + i, len - i, &seq)))
			return 1;
	}
	return 0;
}

/*
 * libyaml writes a printable character raw, even in double quotes; the
 * bidirectional and zero-width ones are printable to it. They stand in
 * double-quoted scalars only (has_controls()), or in a header comment,
 * where an escape is just as harmless: write each as \uXXXX. text is
 * replaced by a new buffer when anything changes. CF_OK or CF_ERR_NOMEM.
 */
static cf_status escape_invisible(char **text, size_t *len)
{
	const unsigned char *p = (const unsigned char *)*text;
	size_t n = *len, count = 0;
	for (size_t i = 0, seq; i < n; i += seq)
		if (cf_text_invisible(multibyte_at(p + i, n - i, &seq)))
			count++;
	if (!count)
		return CF_OK;
	/* "\uXXXX" is 6 bytes for 2 or 3. */
	char *out = malloc(n + 4 * count + 1);
	if (!out)
		return CF_ERR_NOMEM;
	size_t o = 0;
	for (size_t i = 0, seq; i < n; i += seq) {
		uint32_t cp = multibyte_at(p + i, n - i, &seq);
		if (cf_text_invisible(cp))
			o += (size_t)snprintf(out + o, 7, "\\u%04X", (unsigned)cp);
		else {
			memcpy(out + o, p + i, seq);
			o += seq;
		}
	}
	out[o] = 0;
	free(*text);
	*text = out;
	*len = o;
	return CF_OK;
}

static int is_letter(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/*
 * Nonzero when s, written as a plain scalar, reads back as this very string
 * under every schema a YAML loader may apply: the 1.2 core and JSON schemas
 * and 1.1's wider ones (y/n/yes/no/on/off, ~, 0x1F, 1_000, 1:20, .inf,
 * 2001-12-14, <<, =). The rule is deliberately narrow: a letter or '_',
 * then letters, digits, '_', '-', '.' and '/', and not one of the 1.1
 * boolean or null words in any case. Every other name is quoted.
 */
static int plain_safe(const char *s, size_t len)
{
	static const char *const words[] = {"y",   "n",    "yes",   "no",  "on",
	                                    "off", "true", "false", "null"};
	if (len == 0 || !(is_letter(s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!is_letter(s[i]) && !(s[i] >= '0' && s[i] <= '9') && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.' && s[i] != '/')
			return 0;
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		size_t k = 0;
		while (k < len && words[w][k] && (s[k] | 0x20) == words[w][k])
			k++;
		if (k == len && !words[w][k])
			return 0;
	}
	return 1;
}

/* User strings: single-quoted (the emitter falls back to double quotes for
 * what single quotes cannot hold), so they never read as numbers or bools;
 * double-quoted when they hold control characters, so that no raw control
 * byte reaches the output. */
static void quoted(emit *e, const char *s, size_t len)
{
	scalar_styled(e, s, len,
	              has_controls(s, len) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
	                                   : YAML_SINGLE_QUOTED_SCALAR_STYLE);
}

/* Names (the template's, its fields' as match keys): plain when that is
 * safe, so that the usual dump reads like a rule source; quoted otherwise. */
static void name_scalar(emit *e, const char *s, size_t len)
{
	if (plain_safe(s, len))
		scalar_styled(e, s, len, YAML_PLAIN_SCALAR_STYLE);
	else
		quoted(e, s, len);
}

static void number(emit *e, uint64_t v)
{
	char tmp[24];
	snprintf(tmp, sizeof tmp, "%" PRIu64, v);
	plain(e, tmp);
}

static void map_start(emit *e, int flow)
{
	if (e->failed)
		return;
	push(e,
	     yaml_mapping_start_event_initialize(
	         &e->ev, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void map_end(emit *e)
{
	if (!e->failed)
		push(e, yaml_mapping_end_event_initialize(&e->ev));
}

static void seq_start(emit *e, int flow)
{
	if (e->failed)
		return;
	push(e, yaml_sequence_start_event_initialize(&e->ev, NULL, NULL, 1,
	                                             flow ? YAML_FLOW_SEQUENCE_STYLE
	                                                  : YAML_BLOCK_SEQUENCE_STYLE));
}

static void seq_end(emit *e)
{
	if (!e->failed)
		push(e, yaml_sequence_end_event_initialize(&e->ev));
}

static void origin(emit *e, const cf_srcloc *loc)
{
	if (!loc->line)
		return;
	cf_buf b;
	cf_buf_init(&b, 0);
	if (cf_buf_append(&b, loc->file.ptr, loc->file.len) != CF_OK ||
	    cf_buf_printf(&b, ":%u:%u", loc->line, loc->col) != CF_OK) {
		cf_buf_free(&b);
		e->failed = 1;
		return;
	}
	plain(e, "origin");
	quoted(e, (const char *)b.data, b.len);
	cf_buf_free(&b);
}

static void criterion(emit *e, const cf_criterion *c, uint8_t type, const cf_srcloc *loc)
{
	map_start(e, 1);
	switch (c->kind) {
	case CF_CRIT_EQUALS:
		plain(e, "equals");
		if (type == CF_TYPE_STRING)
			quoted(e, c->str.ptr, c->str.len);
		else if (type == CF_TYPE_BOOL)
			plain(e, c->lo ? "true" : "false");
		else
			number(e, c->lo);
		break;
	case CF_CRIT_PREFIX:
	case CF_CRIT_REGEX:
		plain(e, cf_crit_kind_name(c->kind));
		quoted(e, c->str.ptr, c->str.len);
		break;
	case CF_CRIT_RANGE:
		plain(e, "range");
		seq_start(e, 1);
		number(e, c->lo);
		number(e, c->hi);
		seq_end(e);
		break;
	default:
		e->failed = 1;
		return;
	}
	if (c->flags & CF_CRIT_NOCASE) {
		plain(e, "nocase");
		plain(e, "true");
	}
	origin(e, loc);
	map_end(e);
}

static cf_status yaml_comments(const cf_view *v, cf_buf *out)
{
	const cf_header *h = &v->hdr;
	char fp[2 * CF_FINGERPRINT_SIZE + 1];
	sodium_bin2hex(fp, sizeof fp, h->fingerprint, CF_FINGERPRINT_SIZE);
	cf_status st = cf_buf_printf(out,
	                             "# cfc dump: channel file format %u\n"
	                             "# template %s id %u version %u, %u field%s, fingerprint %s\n"
	                             "# fields:",
	                             CF_FORMAT_VERSION, h->template_name.ptr, h->template_id,
	                             h->template_version, h->field_count,
	                             h->field_count == 1 ? "" : "s", fp);
	for (unsigned f = 0; st == CF_OK && f < h->field_count; f++) {
		cf_str name;
		uint8_t type;
		cf_view_field(v, f, &name, &type);
		st = cf_buf_printf(out, " %u:%s:%s", f + 1, name.ptr, cf_field_type_name(type));
	}
	if (st == CF_OK)
		st = cf_buf_append(out, "\n", 1);
	return st;
}

cf_status cf_dump_yaml(const cf_view *v, char **out, size_t *out_len)
{
	return cf_dump_yaml_part(v, 0, v->hdr.instance_count, out, out_len, NULL);
}

cf_status cf_dump_yaml_part(const cf_view *v, uint32_t first, uint32_t count, char **out,
                            size_t *out_len, size_t *nodes)
{
	const cf_header *h = &v->hdr;
	if (first > h->instance_count || count > h->instance_count - first)
		return CF_ERR_INVALID;
	emit e;
	memset(&e, 0, sizeof e);
	cf_buf_init(&e.out, DUMP_LIMIT);
	cf_status st = yaml_comments(v, &e.out);
	if (st != CF_OK) {
		cf_buf_free(&e.out);
		return st;
	}
	if (!yaml_emitter_initialize(&e.em)) {
		cf_buf_free(&e.out);
		return CF_ERR_NOMEM;
	}
	yaml_emitter_set_output(&e.em, write_handler, &e);
	yaml_emitter_set_unicode(&e.em, 1);
	yaml_emitter_set_width(&e.em, -1);
	yaml_emitter_set_indent(&e.em, 2);

	push(&e, yaml_stream_start_event_initialize(&e.ev, YAML_UTF8_ENCODING));
	push(&e, yaml_document_start_event_initialize(&e.ev, NULL, NULL, NULL, 1));
	map_start(&e, 0);
	plain(&e, "channel");
	number(&e, h->channel);
	plain(&e, "template");
	name_scalar(&e, h->template_name.ptr, h->template_name.len);
	plain(&e, "version");
	number(&e, h->content_version);
	if (h->requires_sensor.len) {
		plain(&e, "requires_sensor");
		scalar_styled(&e, h->requires_sensor.ptr, h->requires_sensor.len,
		              YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	}
	plain(&e, "instances");
	seq_start(&e, count == 0);
	for (uint32_t i = first; i < first + count && !e.failed; i++) {
		cf_instance in;
		cf_srcloc loc;
		cf_view_instance(v, i, &in);
		cf_view_instance_loc(v, i, &loc);
		map_start(&e, 0);
		plain(&e, "id");
		number(&e, in.id);
		if (in.name.len) {
			plain(&e, "name");
			quoted(&e, in.name.ptr, in.name.len);
		}
		plain(&e, "action");
		plain(&e, cf_action_name(in.action));
		plain(&e, "severity");
		plain(&e, cf_severity_name(in.severity));
		origin(&e, &loc);
		plain(&e, "match");
		unsigned constrained = 0;
		for (unsigned f = 0; f < h->field_count; f++) {
			cf_criterion c;
			cf_view_criterion(v, i, f, &c);
			constrained += c.kind != CF_CRIT_ANY;
		}
		map_start(&e, constrained == 0);
		for (unsigned f = 0; f < h->field_count && !e.failed; f++) {
			cf_criterion c;
			cf_str name;
			uint8_t type;
			cf_view_criterion(v, i, f, &c);
			if (c.kind == CF_CRIT_ANY)
				continue;
			cf_view_field(v, f, &name, &type);
			cf_view_criterion_loc(v, i, f, &loc);
			name_scalar(&e, name.ptr, name.len);
			criterion(&e, &c, type, &loc);
		}
		map_end(&e);
		map_end(&e);
	}
	seq_end(&e);
	map_end(&e);
	push(&e, yaml_document_end_event_initialize(&e.ev, 1));
	push(&e, yaml_stream_end_event_initialize(&e.ev));
	int failed = e.failed;
	yaml_emitter_delete(&e.em);
	if (failed) {
		cf_buf_free(&e.out);
		return CF_ERR_NOMEM;
	}
	if (nodes)
		*nodes = e.nodes;
	*out = cf_buf_take(&e.out, out_len);
	if (!*out)
		return CF_ERR_NOMEM;
	if (escape_invisible(out, out_len) != CF_OK) {
		free(*out);
		*out = NULL;
		return CF_ERR_NOMEM;
	}
	return CF_OK;
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *json_u64(uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	char tmp[24];
	snprintf(tmp, sizeof tmp, "%" PRIu64, v);
	return json_string(tmp);
}

static json_t *json_str(cf_str s)
{
	return json_stringn(s.ptr, s.len);
}

/* json_object_set_new that remembers a failure instead of leaking. */
static void put(json_t *obj, const char *key, json_t *val, int *failed)
{
	if (!val || !obj || json_object_set_new(obj, key, val) != 0)
		*failed = 1;
}

static json_t *json_loc(const cf_srcloc *loc, int *failed)
{
	json_t *o = json_object();
	put(o, "file", json_str(loc->file), failed);
	put(o, "line", json_integer(loc->line), failed);
	put(o, "col", json_integer(loc->col), failed);
	return o;
}

static json_t *json_criterion(const cf_criterion *c, uint8_t type, const cf_srcloc *loc,
                              int *failed)
{
	json_t *o = json_object();
	put(o, "kind", json_string(cf_crit_kind_name(c->kind)), failed);
	if (type == CF_TYPE_STRING) {
		put(o, "value", json_str(c->str), failed);
		put(o, "nocase", json_boolean(c->flags & CF_CRIT_NOCASE), failed);
	} else if (type == CF_TYPE_BOOL) {
		put(o, "value", json_boolean(c->lo), failed);
	} else if (c->kind == CF_CRIT_RANGE) {
		json_t *r = json_array();
		if (!r || json_array_append_new(r, json_u64(c->lo)) ||
		    json_array_append_new(r, json_u64(c->hi)))
			*failed = 1;
		put(o, "range", r, failed);
	} else {
		put(o, "value", json_u64(c->lo), failed);
	}
	if (loc->line)
		put(o, "origin", json_loc(loc, failed), failed);
	return o;
}

cf_status cf_dump_json(const cf_view *v, char **out, size_t *out_len)
{
	const cf_header *h = &v->hdr;
	int failed = 0;
	char fp[2 * CF_FINGERPRINT_SIZE + 1];
	sodium_bin2hex(fp, sizeof fp, h->fingerprint, CF_FINGERPRINT_SIZE);
	json_t *root = json_object();
	put(root, "format_version", json_integer(CF_FORMAT_VERSION), &failed);
	put(root, "channel", json_integer(h->channel), &failed);
	put(root, "content_version", json_u64(h->content_version), &failed);
	json_t *tpl = json_object();
	put(tpl, "name", json_str(h->template_name), &failed);
	put(tpl, "id", json_integer(h->template_id), &failed);
	put(tpl, "version", json_integer(h->template_version), &failed);
	put(tpl, "fingerprint", json_string(fp), &failed);
	json_t *fields = json_array();
	for (unsigned f = 0; f < h->field_count && fields; f++) {
		cf_str name;
		uint8_t type;
		cf_view_field(v, f, &name, &type);
		json_t *fo = json_object();
		put(fo, "name", json_str(name), &failed);
		put(fo, "type", json_string(cf_field_type_name(type)), &failed);
		if (!fo || json_array_append_new(fields, fo))
			failed = 1;
	}
	put(tpl, "fields", fields, &failed);
	put(root, "template", tpl, &failed);
	put(root, "field_count", json_integer(h->field_count), &failed);
	put(root, "requires_sensor",
	    h->requires_sensor.len ? json_str(h->requires_sensor) : json_null(), &failed);
	put(root, "instance_count", json_integer(h->instance_count), &failed);
	put(root, "source_map", json_boolean(h->has_source_map), &failed);
	json_t *insts = json_array();
	for (uint32_t i = 0; i < h->instance_count && insts && !failed; i++) {
		cf_instance in;
		cf_srcloc loc;
		cf_view_instance(v, i, &in);
		cf_view_instance_loc(v, i, &loc);
		json_t *io = json_object();
		put(io, "id", json_integer(in.id), &failed);
		put(io, "name", in.name.len ? json_str(in.name) : json_null(), &failed);
		put(io, "action", json_string(cf_action_name(in.action)), &failed);
		put(io, "severity", json_string(cf_severity_name(in.severity)), &failed);
		if (loc.line)
			put(io, "origin", json_loc(&loc, &failed), &failed);
		json_t *match = json_object();
		for (unsigned f = 0; f < h->field_count && match; f++) {
			cf_criterion c;
			cf_str name;
			uint8_t type;
			cf_view_criterion(v, i, f, &c);
			if (c.kind == CF_CRIT_ANY)
				continue;
			cf_view_field(v, f, &name, &type);
			cf_view_criterion_loc(v, i, f, &loc);
			put(match, name.ptr, json_criterion(&c, type, &loc, &failed), &failed);
		}
		put(io, "match", match, &failed);
		if (!io || json_array_append_new(insts, io))
			failed = 1;
	}
	put(root, "instances", insts, &failed);
	cf_status st = CF_ERR_NOMEM;
	if (!failed && root)
		st = cf_json_text(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII, out,
		                  out_len);
	json_decref(root);
	return st;
}
