/*
 * yaml.c - strict, bounded YAML documents on top of libyaml (yaml_int.h).
 *
 * libyaml does the parsing; this file turns its event stream into a flat
 * node array, rejects what rule sources must not contain (anchors, aliases,
 * tags, duplicate keys, more than one document) and enforces the caps.
 * libyaml's marks are 0-based and count characters; ours are 1-based.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include <cf/base.h>
#include "base/yaml_int.h"

struct cf_ydoc {
	char *path;
	cf_ynode *nodes; /* nodes[0] is unused: index 0 means "none" */
	size_t nnodes, cap;
	char *pool; /* scalar text, each NUL-terminated */
	size_t pool_len;
	uint32_t root;
};

/* An open collection while parsing. */
typedef struct frame {
	uint32_t node;
	uint32_t last; /* last child so far; 0: none */
} frame;

/* A mapping key, for the duplicate check. */
typedef struct keyref {
	const char *text;
	uint32_t len;
	uint32_t node;
} keyref;

typedef struct parser {
	cf_ydoc *doc;
	const uint8_t *src; /* after the byte order mark, if any: what libyaml reads */
	size_t len;
	cf_diag_list *diags;
	size_t errors;
	cf_buf pool;
	frame stack[CF_YAML_MAX_DEPTH];
	unsigned depth;
	size_t max_nodes;
	/* Character index -> byte offset, moving forward through src. */
	size_t cur_char, cur_byte;
	keyref *keys;
	size_t keys_cap;
	/* cf_yaml_salvage(): no diagnostics (diags is NULL), and go on past
	 * what can be gone past; skip counts the collections being skipped
	 * below the depth cap. */
	int salvage;
	unsigned skip;
} parser;

/* ---- positions --------------------------------------------------------------- */

static uint32_t clamp32(size_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}


/* Bytes in the character at s (len left, one at least): its UTF-8
 * sequence, or 1 for a byte that does not start a valid one. */
static size_t char_len(const uint8_t *s, size_t len)
{
	uint32_t cp;
	size_t n = cf_utf8_decode((const char *)s, len, &cp);
	return n ? n : 1;
}

/* Byte offset of libyaml's character index (the input is valid UTF-8). */
static size_t char_to_byte(parser *p, size_t index)
{
	if (index < p->cur_char) {
		p->cur_char = 0;
		p->cur_byte = 0;
	}
	while (p->cur_char < index && p->cur_byte < p->len) {
		p->cur_byte += char_len(p->src + p->cur_byte, p->len - p->cur_byte);
		p->cur_char++;
	}
	return p->cur_byte;
}

static void mark_pos(const yaml_mark_t *m, uint32_t *line, uint32_t *col)
{
	*line = clamp32(m->line + 1);
	*col = clamp32(m->column + 1);
}

/* 1-based line:col of a byte offset, counting characters. */
static void offset_pos(const parser *p, size_t off, uint32_t *line, uint32_t *col)
{
	size_t l = 1, c = 1;
	size_t i = 0;
	while (i < off && i < p->len) {
		uint8_t b = p->src[i];
		if (b == '\n' || (b == '\r' && (i + 1 >= p->len || p->src[i + 1] != '\n'))) {
			l++;
			c = 1;
			i++;
			continue;
		}
		i += char_len(p->src + i, p->len - i);
		c++;
	}
	*line = clamp32(l);
	*col = clamp32(c);
}

static void perror_at(parser *p, const char *code, uint32_t line, uint32_t col, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));
static void perror_at(parser *p, const char *code, uint32_t line, uint32_t col, const char *fmt,
                      ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (p->diags)
		cf_diag_addv(p->diags, CF_ERROR, code, p->doc->path, line, col, fmt, ap);
	va_end(ap);
	p->errors++;
}

/* ---- encoding pre-scan ---------------------------------------------------------- */

/*
 * libyaml reports encoding problems by byte offset and with terse messages;
 * this finds the first NUL or invalid UTF-8 sequence and says where it is.
 */
static int prescan(parser *p)
{
	const uint8_t *s = p->src;
	uint32_t line = 1, col = 1;
	size_t i = 0;
	while (i < p->len) {
		uint8_t b = s[i];
		if (b == 0) {
			perror_at(p, "yaml-encoding", line, col, "NUL byte in the file");
			return -1;
		}
		if (b == '\n' || (b == '\r' && (i + 1 >= p->len || s[i + 1] != '\n'))) {
			line++;
			col = 1;
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = cf_utf8_decode((const char *)s + i, p->len - i, &cp);
		if (n == 0) {
			perror_at(p, "yaml-encoding", line, col,
			          "invalid UTF-8 (byte 0x%02x); sources must be UTF-8", b);
			return -1;
		}
		i += n;
		col++;
	}
	return 0;
}

/* ---- building the tree -------------------------------------------------------- */

static cf_status add_node(parser *p, uint8_t kind, const yaml_mark_t *m, uint32_t *out)
{
	cf_ydoc *d = p->doc;
	uint32_t line, col;
	mark_pos(m, &line, &col);
	if (d->nnodes > p->max_nodes) {
		perror_at(p, "yaml-limit", line, col, "more than %zu YAML nodes in one file",
		          p->max_nodes);
		return CF_ERR_REJECTED;
	}
	if (p->depth > 0) {
		const cf_ynode *parent = &d->nodes[p->stack[p->depth - 1].node];
		if (parent->kind == CF_YNODE_MAP && parent->count % 2 == 0 &&
		    kind != CF_YNODE_SCALAR) {
			perror_at(p, "yaml-unsupported", line, col,
			          "mapping keys must be scalars, not collections");
			return CF_ERR_REJECTED;
		}
	}
	if (d->nnodes >= d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 64;
		cf_ynode *n = realloc(d->nodes, ncap * sizeof *n);
		if (!n)
			return CF_ERR_NOMEM;
		if (!d->cap)
			memset(&n[0], 0, sizeof n[0]); /* index 0: "none" */
		d->nodes = n;
		d->cap = ncap;
	}
	uint32_t idx = (uint32_t)d->nnodes++;
	cf_ynode *n = &d->nodes[idx];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->line = line;
	n->col = col;
	if (p->depth > 0) {
		frame *f = &p->stack[p->depth - 1];
		if (f->last)
			d->nodes[f->last].next = idx;
		else
			d->nodes[f->node].first = idx;
		f->last = idx;
		d->nodes[f->node].count++;
	} else {
		d->root = idx;
	}
	*out = idx;
	return CF_OK;
}

/* An empty plain scalar where salvaging needs a node (an alias, a value
 * the input never gave). */
static cf_status placeholder(parser *p, const yaml_mark_t *m)
{
	size_t off = p->pool.len;
	if (off > UINT32_MAX - 1 || cf_buf_append(&p->pool, "", 1) != CF_OK)
		return CF_ERR_NOMEM;
	uint32_t idx;
	cf_status st = add_node(p, CF_YNODE_SCALAR, m, &idx);
	if (st != CF_OK)
		return st;
	cf_ynode *n = &p->doc->nodes[idx];
	n->first = (uint32_t)off;
	n->style = CF_YSTYLE_PLAIN;
	return CF_OK;
}

static int reject_anchor_tag(parser *p, const yaml_event_t *ev, const yaml_char_t *anchor,
                             const yaml_char_t *tag)
{
	uint32_t line, col;
	mark_pos(&ev->start_mark, &line, &col);
	if (anchor) {
		perror_at(p, "yaml-unsupported", line, col,
		          "anchors and aliases are not supported (anchor '&%s'); write the value "
		          "out in full",
		          (const char *)anchor);
		return -1;
	}
	if (tag) {
		perror_at(p, "yaml-unsupported", line, col,
		          "explicit tags are not supported ('%s'); quote the value instead",
		          (const char *)tag);
		return -1;
	}
	return 0;
}

/* Is the scalar's value its source text verbatim (so columns map 1:1)? */
static int scalar_exact(parser *p, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t vlen = ev->data.scalar.length;
	size_t quote;
	switch (ev->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
		quote = 0;
		break;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		quote = 1;
		break;
	default:
		return 0;
	}
	if (ev->start_mark.line != ev->end_mark.line)
		return 0;
	size_t b0 = char_to_byte(p, ev->start_mark.index);
	size_t b1 = char_to_byte(p, ev->end_mark.index);
	if (b1 < b0 + 2 * quote || b1 - b0 - 2 * quote != vlen)
		return 0;
	return memcmp(p->src + b0 + quote, v, vlen) == 0;
}

static cf_status on_scalar(parser *p, const yaml_event_t *ev)
{
	uint32_t line, col;
	mark_pos(&ev->start_mark, &line, &col);
	if (reject_anchor_tag(p, ev, ev->data.scalar.anchor, ev->data.scalar.tag) && !p->salvage)
		return CF_ERR_REJECTED;
	const char *v = (const char *)ev->data.scalar.value;
	size_t vlen = ev->data.scalar.length;
	/* Salvaging, a value refused here becomes "". */
	if (vlen > CF_YAML_MAX_SCALAR) {
		perror_at(p, "yaml-limit", line, col, "scalar of %zu bytes; the limit is %u", vlen,
		          CF_YAML_MAX_SCALAR);
		if (!p->salvage)
			return CF_ERR_REJECTED;
		vlen = 0;
	}
	if (memchr(v, 0, vlen)) {
		perror_at(p, "yaml-encoding", line, col, "NUL character (escaped) in a scalar");
		if (!p->salvage)
			return CF_ERR_REJECTED;
		vlen = 0;
	}
	if (!cf_utf8_valid(v, vlen)) {
		perror_at(p, "yaml-encoding", line, col, "scalar is not valid UTF-8");
		if (!p->salvage)
			return CF_ERR_REJECTED;
		vlen = 0;
	}
	size_t off = p->pool.len;
	if (off > UINT32_MAX - vlen - 1)
		return CF_ERR_NOMEM;
	cf_status st = cf_buf_append(&p->pool, v, vlen);
	if (st == CF_OK)
		st = cf_buf_append(&p->pool, "", 1);
	if (st != CF_OK)
		return CF_ERR_NOMEM;
	uint32_t idx;
	st = add_node(p, CF_YNODE_SCALAR, &ev->start_mark, &idx);
	if (st != CF_OK)
		return st;
	cf_ynode *n = &p->doc->nodes[idx];
	n->count = (uint32_t)vlen;
	n->first = (uint32_t)off;
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		n->style = CF_YSTYLE_SINGLE;
		break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		n->style = CF_YSTYLE_DOUBLE;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
		n->style = CF_YSTYLE_LITERAL;
		break;
	case YAML_FOLDED_SCALAR_STYLE:
		n->style = CF_YSTYLE_FOLDED;
		break;
	default:
		n->style = CF_YSTYLE_PLAIN;
		break;
	}
	n->exact = (uint8_t)scalar_exact(p, ev);
	return CF_OK;
}

static cf_status on_start(parser *p, const yaml_event_t *ev, uint8_t kind)
{
	const yaml_char_t *anchor, *tag;
	if (kind == CF_YNODE_MAP) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	if (reject_anchor_tag(p, ev, anchor, tag) && !p->salvage)
		return CF_ERR_REJECTED;
	if (p->depth == CF_YAML_MAX_DEPTH) {
		uint32_t line, col;
		mark_pos(&ev->start_mark, &line, &col);
		perror_at(p, "yaml-limit", line, col, "collections nested deeper than %u levels",
		          CF_YAML_MAX_DEPTH);
		if (!p->salvage)
			return CF_ERR_REJECTED;
		/* An empty scalar stands in for the collection, whose events
		 * are skipped. */
		p->skip = 1;
		return placeholder(p, &ev->start_mark);
	}
	uint32_t idx;
	cf_status st = add_node(p, kind, &ev->start_mark, &idx);
	if (st != CF_OK)
		return st;
	p->stack[p->depth].node = idx;
	p->stack[p->depth].last = 0;
	p->depth++;
	return CF_OK;
}

static int keyref_cmp(const void *pa, const void *pb)
{
	const keyref *a = pa, *b = pb;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	int c = memcmp(a->text, b->text, a->len);
	if (c)
		return c;
	return a->node < b->node ? -1 : a->node > b->node;
}

/* Duplicate keys of the mapping just closed: error at each repeat, note at the first. */
static cf_status check_duplicates(parser *p, uint32_t map)
{
	cf_ydoc *d = p->doc;
	size_t nkeys = d->nodes[map].count / 2;
	if (nkeys < 2)
		return CF_OK;
	if (nkeys > p->keys_cap) {
		keyref *k = realloc(p->keys, nkeys * sizeof *k);
		if (!k)
			return CF_ERR_NOMEM;
		p->keys = k;
		p->keys_cap = nkeys;
	}
	size_t i = 0;
	for (uint32_t k = d->nodes[map].first; k && i < nkeys;) {
		p->keys[i].text = (const char *)p->pool.data + d->nodes[k].first;
		p->keys[i].len = d->nodes[k].count;
		p->keys[i].node = k;
		i++;
		uint32_t v = d->nodes[k].next;
		k = v ? d->nodes[v].next : 0;
	}
	qsort(p->keys, i, sizeof *p->keys, keyref_cmp);
	size_t g = 0; /* first key of the current group of equal keys */
	for (size_t j = 1; j < i; j++) {
		if (p->keys[g].len != p->keys[j].len ||
		    memcmp(p->keys[g].text, p->keys[j].text, p->keys[j].len) != 0) {
			g = j;
			continue;
		}
		const cf_ynode *dup = &d->nodes[p->keys[j].node];
		const cf_ynode *orig = &d->nodes[p->keys[g].node];
		perror_at(p, "duplicate-key", dup->line, dup->col, "duplicate key '%s'",
		          p->keys[j].text);
		if (p->diags)
			cf_diag_add(p->diags, CF_NOTE, NULL, d->path, orig->line, orig->col,
			            "'%s' first given here", p->keys[g].text);
	}
	return CF_OK;
}

static cf_status on_end(parser *p)
{
	if (p->depth == 0)
		return CF_ERR_INTERNAL;
	uint32_t node = p->stack[--p->depth].node;
	if (p->doc->nodes[node].kind == CF_YNODE_MAP)
		return check_duplicates(p, node);
	return CF_OK;
}

/* Is the character at libyaml's mark a tab in a line's leading whitespace? */
static int tab_in_indent(parser *p, const yaml_mark_t *m)
{
	size_t b = char_to_byte(p, m->index);
	if (b >= p->len || p->src[b] != '\t')
		return 0;
	while (b > 0 && (p->src[b - 1] == ' ' || p->src[b - 1] == '\t'))
		b--;
	return b == 0 || p->src[b - 1] == '\n' || p->src[b - 1] == '\r';
}

static cf_status libyaml_error(parser *p, yaml_parser_t *yp)
{
	uint32_t line, col;
	const char *problem = yp->problem ? yp->problem : "malformed YAML";
	switch (yp->error) {
	case YAML_MEMORY_ERROR:
		return CF_ERR_NOMEM;
	case YAML_READER_ERROR:
		offset_pos(p, yp->problem_offset, &line, &col);
		perror_at(p, "yaml-encoding", line, col, "%s", problem);
		return CF_ERR_REJECTED;
	default:
		break;
	}
	mark_pos(&yp->problem_mark, &line, &col);
	if (tab_in_indent(p, &yp->problem_mark)) {
		perror_at(p, "yaml-syntax", line, col,
		          "tab character in indentation; YAML indents with spaces");
	} else if (yp->context) {
		uint32_t cl, cc;
		mark_pos(&yp->context_mark, &cl, &cc);
		perror_at(p, "yaml-syntax", line, col, "%s (%s that started at %u:%u)", problem,
		          yp->context, cl, cc);
	} else {
		perror_at(p, "yaml-syntax", line, col, "%s", problem);
	}
	return CF_ERR_REJECTED;
}

static cf_status run_parser(parser *p, yaml_parser_t *yp)
{
	int documents = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(yp, &ev))
			return libyaml_error(p, yp);
		cf_status st = CF_OK;
		int done = 0;
		if (p->skip) {
			/* Below the depth cap, salvaging: count, keep nothing. */
			if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)
				p->skip++;
			else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
				p->skip--;
			yaml_event_delete(&ev);
			continue;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++documents > 1) {
				uint32_t line, col;
				mark_pos(&ev.start_mark, &line, &col);
				perror_at(p, "yaml-unsupported", line, col,
				          "a second YAML document; a file holds exactly one");
				st = CF_ERR_REJECTED;
				done = p->salvage; /* the first document is complete */
			}
			break;
		case YAML_ALIAS_EVENT: {
			uint32_t line, col;
			mark_pos(&ev.start_mark, &line, &col);
			perror_at(p, "yaml-unsupported", line, col,
			          "anchors and aliases are not supported (alias '*%s'); write the "
			          "value out in full",
			          (const char *)ev.data.alias.anchor);
			st = p->salvage ? placeholder(p, &ev.start_mark) : CF_ERR_REJECTED;
			break;
		}
		case YAML_SCALAR_EVENT:
			st = on_scalar(p, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			st = on_start(p, &ev, CF_YNODE_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			st = on_start(p, &ev, CF_YNODE_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			st = on_end(p);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (done)
			return st;
		if (st != CF_OK)
			return st;
	}
}

cf_status cf_yaml_parse(const char *path, const uint8_t *buf, size_t len, cf_diag_list *diags,
                        cf_ydoc **out)
{
	cf_status st = CF_OK;
	int have_parser = 0;
	yaml_parser_t yp;
	parser p;
	memset(&p, 0, sizeof p);
	*out = NULL;
	cf_buf_init(&p.pool, 2 * len + 4096);
	p.src = buf;
	p.len = len;
	p.diags = diags;
	/*
	 * A UTF-8 byte order mark is not part of the document. libyaml, told
	 * the encoding, skips it but counts it as a column of line 1: that
	 * shifts the line's indentation by one, so a block mapping that starts
	 * there ends at line 2 ("did not find expected <document start>"). So
	 * it never reaches libyaml, and every position counts from after it.
	 */
	if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf) {
		p.src = buf + 3;
		p.len = len - 3;
	}
	/* Every node takes at least one byte of input, plus a few implicit ones. */
	p.max_nodes = len + 16 < CF_YAML_MAX_NODES ? len + 16 : CF_YAML_MAX_NODES;
	p.doc = calloc(1, sizeof *p.doc);
	if (!p.doc || !(p.doc->path = cf_strdup(path ? path : "-"))) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	p.doc->nnodes = 1;
	if (len > CF_YAML_MAX_SIZE) {
		perror_at(&p, "yaml-limit", 0, 0, "file of %zu bytes; the limit is %zu", len,
		          CF_YAML_MAX_SIZE);
		st = CF_ERR_REJECTED;
		goto out;
	}
	if (prescan(&p)) {
		st = CF_ERR_REJECTED;
		goto out;
	}
	if (!yaml_parser_initialize(&yp)) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	have_parser = 1;
	yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&yp, p.src, p.len);
	st = run_parser(&p, &yp);
	if (st == CF_OK && p.errors)
		st = CF_ERR_REJECTED;
out:
	if (have_parser)
		yaml_parser_delete(&yp);
	free(p.keys);
	if (st == CF_OK) {
		if (!p.pool.data && cf_buf_append(&p.pool, "", 1) != CF_OK) {
			st = CF_ERR_NOMEM;
		} else {
			size_t plen;
			p.doc->pool = cf_buf_take(&p.pool, &plen);
			p.doc->pool_len = plen;
			*out = p.doc;
			p.doc = NULL;
		}
	}
	cf_buf_free(&p.pool);
	cf_yaml_free(p.doc);
	return st;
}

/* ---- salvaging ------------------------------------------------------------------ */

/* Is code point c one libyaml reads (YAML 1.1's printable set)? */
static int yaml_printable(uint32_t c)
{
	return c == 0x09 || c == 0x0a || c == 0x0d || (c >= 0x20 && c <= 0x7e) || c == 0x85 ||
	       (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c != 0xfeff) ||
	       (c >= 0x10000 && c <= 0x10ffff);
}

/*
 * A copy of src that libyaml reads to the end: every character it refuses
 * (a control character, a NUL, a stray byte order mark) becomes as many
 * spaces as it has bytes, and so does every byte of invalid UTF-8: lines
 * stay where they were (columns too, but after a multi-byte character on
 * the same line). Spaces, because a space is harmless wherever the bad
 * byte sat (a value of its own, after a closing quote, in a flow
 * collection), where a printable character such as '?' is YAML syntax.
 */
static uint8_t *sanitized(const uint8_t *src, size_t len)
{
	uint8_t *out = malloc(len ? len : 1);
	if (!out)
		return NULL;
	memcpy(out, src, len);
	for (size_t i = 0; i < len;) {
		uint32_t c = 0;
		size_t n = cf_utf8_decode((const char *)src + i, len - i, &c);
		if (n == 0) {
			out[i++] = ' ';
			continue;
		}
		if (!yaml_printable(c))
			memset(out + i, ' ', n);
		i += n;
	}
	return out;
}

cf_status cf_yaml_salvage(const char *path, const uint8_t *buf, size_t len, cf_ydoc **out)
{
	cf_status st = CF_OK;
	yaml_parser_t yp;
	int have_parser = 0;
	parser p;
	memset(&p, 0, sizeof p);
	*out = NULL;
	if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf) {
		buf += 3;
		len -= 3;
	}
	if (len > CF_YAML_MAX_SIZE)
		return CF_ERR_REJECTED; /* no tree: nothing was read */
	uint8_t *copy = sanitized(buf, len);
	if (!copy)
		return CF_ERR_NOMEM;
	cf_buf_init(&p.pool, 2 * len + 4096);
	p.src = copy;
	p.len = len;
	p.salvage = 1;
	p.max_nodes = len + 16 < CF_YAML_MAX_NODES ? len + 16 : CF_YAML_MAX_NODES;
	p.doc = calloc(1, sizeof *p.doc);
	if (!p.doc || !(p.doc->path = cf_strdup(path ? path : "-")) ||
	    !yaml_parser_initialize(&yp)) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	have_parser = 1;
	p.doc->nnodes = 1;
	yaml_parser_set_encoding(&yp, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&yp, p.src, p.len);
	st = run_parser(&p, &yp);
	if (st == CF_ERR_NOMEM || st == CF_ERR_INTERNAL)
		goto out;
	/* Close what the input left open; a key without its value gets an
	 * empty one, so that every mapping has its pairs. */
	yaml_mark_t end;
	memset(&end, 0, sizeof end);
	st = CF_OK;
	while (p.depth > 0 && st == CF_OK) {
		const cf_ynode *n = &p.doc->nodes[p.stack[p.depth - 1].node];
		if (n->kind == CF_YNODE_MAP && n->count % 2)
			st = placeholder(&p, &end);
		p.depth--;
	}
	if (st == CF_OK && !p.pool.data && cf_buf_append(&p.pool, "", 1) != CF_OK)
		st = CF_ERR_NOMEM;
	if (st == CF_OK) {
		size_t plen;
		p.doc->pool = cf_buf_take(&p.pool, &plen);
		p.doc->pool_len = plen;
		*out = p.doc;
		p.doc = NULL;
	}
out:
	if (have_parser)
		yaml_parser_delete(&yp);
	free(p.keys);
	free(copy);
	cf_buf_free(&p.pool);
	cf_yaml_free(p.doc);
	return st;
}

void cf_yaml_drop_nodes(cf_ydoc *d)
{
	if (!d)
		return;
	free(d->nodes);
	d->nodes = NULL;
	d->nnodes = d->cap = 0;
	d->root = 0;
}

void cf_yaml_free(cf_ydoc *d)
{
	if (!d)
		return;
	free(d->path);
	free(d->nodes);
	free(d->pool);
	free(d);
}

/* ---- accessors ------------------------------------------------------------------ */

const char *cf_yaml_path(const cf_ydoc *d)
{
	return d->path;
}

const cf_ynode *cf_yaml_root(const cf_ydoc *d)
{
	return d->root ? &d->nodes[d->root] : NULL;
}

const cf_ynode *cf_yaml_child(const cf_ydoc *d, const cf_ynode *n)
{
	if (!n || n->kind == CF_YNODE_SCALAR || !n->first)
		return NULL;
	return &d->nodes[n->first];
}

const cf_ynode *cf_yaml_next(const cf_ydoc *d, const cf_ynode *n)
{
	return n && n->next ? &d->nodes[n->next] : NULL;
}

const char *cf_yaml_text(const cf_ydoc *d, const cf_ynode *n)
{
	if (!n || n->kind != CF_YNODE_SCALAR)
		return "";
	return d->pool + n->first;
}

const cf_ynode *cf_yaml_get(const cf_ydoc *d, const cf_ynode *map, const char *key)
{
	if (!map || map->kind != CF_YNODE_MAP)
		return NULL;
	for (const cf_ynode *k = cf_yaml_child(d, map); k; k = cf_yaml_next(d, cf_yaml_next(d, k)))
		if (strcmp(cf_yaml_text(d, k), key) == 0)
			return cf_yaml_next(d, k);
	return NULL;
}

static int all_digits(const char *s, size_t n, int base)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = base == 16 ? (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		                          (c >= 'A' && c <= 'F')
		         : base == 8 ? c >= '0' && c <= '7'
		                     : c >= '0' && c <= '9';
		if (!ok)
			return 0;
	}
	return 1;
}

static int is_core_float(const char *s)
{
	if (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0)
		return 1;
	if (*s == '-' || *s == '+')
		s++;
	if (strcmp(s, ".inf") == 0 || strcmp(s, ".Inf") == 0 || strcmp(s, ".INF") == 0)
		return 1;
	size_t ip = strspn(s, "0123456789");
	s += ip;
	size_t fp = 0;
	if (*s == '.') {
		s++;
		fp = strspn(s, "0123456789");
		s += fp;
	}
	if (ip == 0 && fp == 0)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		size_t ep = strspn(s, "0123456789");
		if (ep == 0)
			return 0;
		s += ep;
	}
	return *s == '\0';
}

enum cf_yclass cf_yaml_class(const cf_ydoc *d, const cf_ynode *n)
{
	if (!n || n->kind != CF_YNODE_SCALAR || n->style != CF_YSTYLE_PLAIN)
		return CF_YCLASS_STRING;
	const char *s = cf_yaml_text(d, n);
	size_t len = n->count;
	if (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	    strcmp(s, "NULL") == 0)
		return CF_YCLASS_NULL;
	static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
		if (strcmp(s, bools[i]) == 0)
			return CF_YCLASS_BOOL;
	if (len > 2 && s[0] == '0' && s[1] == 'x' && all_digits(s + 2, len - 2, 16))
		return CF_YCLASS_INT;
	if (len > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, len - 2, 8))
		return CF_YCLASS_INT;
	size_t sign = s[0] == '-' || s[0] == '+';
	if (all_digits(s + sign, len - sign, 10))
		return CF_YCLASS_INT;
	if (is_core_float(s))
		return CF_YCLASS_FLOAT;
	return CF_YCLASS_STRING;
}

const char *cf_yaml_describe(const cf_ydoc *d, const cf_ynode *n)
{
	if (!n)
		return "nothing";
	if (n->kind == CF_YNODE_MAP)
		return "a mapping";
	if (n->kind == CF_YNODE_SEQ)
		return "a sequence";
	if (n->style == CF_YSTYLE_SINGLE || n->style == CF_YSTYLE_DOUBLE)
		return "a quoted string";
	switch (cf_yaml_class(d, n)) {
	case CF_YCLASS_NULL:
		return "an empty value";
	case CF_YCLASS_BOOL:
		return "a boolean";
	case CF_YCLASS_INT:
		return "an integer";
	case CF_YCLASS_FLOAT:
		return "a number";
	case CF_YCLASS_STRING:
		break;
	}
	return "a string";
}

/* ---- suggestions --------------------------------------------------------------- */

size_t cf_edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return (la > lb ? la - lb : lb - la) > cap ? cap + 1 : (strcmp(a, b) ? cap + 1 : 0);
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		size_t best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t v = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

const char *cf_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word);
	size_t cap = len <= 3 ? 1 : len <= 8 ? 2 : 3;
	const char *best = NULL;
	size_t best_d = cap + 1;
	for (size_t i = 0; i < n; i++) {
		size_t dist = cf_edit_distance(word, cands[i], cap);
		if (dist < best_d) {
			best = cands[i];
			best_d = dist;
		}
	}
	return best;
}
