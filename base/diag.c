/*
 * diag.c - diagnostics as data, and the escaping that keeps control
 * characters from inputs off terminals and out of logs (<cf/base.h>).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>

/* The most diagnostics one list keeps; past it a single note says so. */
#define DIAG_CAP 100000u

struct cf_diag_list {
	cf_diag *items;
	size_t count, cap;
	int oom;
	int capped;
};

cf_diag_list *cf_diags_new(void)
{
	return calloc(1, sizeof(cf_diag_list));
}

static void diag_clear(cf_diag *d)
{
	free(d->path);
	free(d->message);
	free(d->field_name);
	free(d->sensor);
}

void cf_diags_free(cf_diag_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++)
		diag_clear(&l->items[i]);
	free(l->items);
	free(l);
}

static cf_diag *diag_new(cf_diag_list *l, cf_severity sev, const char *code, const char *path,
                         const char *fmt, va_list ap)
{
	if (l->count >= DIAG_CAP) {
		l->capped = 1;
		return NULL;
	}
	if (l->count == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		cf_diag *n = realloc(l->items, ncap * sizeof *n);
		if (!n) {
			l->oom = 1;
			return NULL;
		}
		l->items = n;
		l->cap = ncap;
	}
	cf_diag d;
	memset(&d, 0, sizeof d);
	d.severity = sev;
	d.code = code;
	d.field = -1;
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		n = 0;
	d.message = malloc((size_t)n + 1);
	d.path = path ? cf_strdup(path) : NULL;
	if (!d.message || (path && !d.path)) {
		diag_clear(&d);
		l->oom = 1;
		return NULL;
	}
	vsnprintf(d.message, (size_t)n + 1, fmt, ap);
	l->items[l->count] = d;
	return &l->items[l->count++];
}

cf_diag *cf_diag_addv(cf_diag_list *l, cf_severity sev, const char *code, const char *path,
                      uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
	cf_diag *d = diag_new(l, sev, code, path, fmt, ap);
	if (d) {
		d->line = line;
		d->col = line ? col : 0;
	}
	return d;
}

cf_diag *cf_diag_add(cf_diag_list *l, cf_severity sev, const char *code, const char *path,
                     uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cf_diag *d = cf_diag_addv(l, sev, code, path, line, col, fmt, ap);
	va_end(ap);
	return d;
}

cf_diag *cf_diag_add_offset(cf_diag_list *l, cf_severity sev, const char *code, const char *path,
                            uint64_t offset, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cf_diag *d = diag_new(l, sev, code, path, fmt, ap);
	va_end(ap);
	if (d) {
		d->has_offset = 1;
		d->offset = offset;
	}
	return d;
}

cf_status cf_diag_set_context(cf_diag *d, uint32_t channel, uint32_t instance, int field,
                              const char *field_name, const char *sensor)
{
	if (!d)
		return CF_ERR_INVALID;
	d->channel = channel;
	d->instance = instance;
	d->field = field;
	free(d->field_name);
	free(d->sensor);
	d->field_name = field_name ? cf_strdup(field_name) : NULL;
	d->sensor = sensor ? cf_strdup(sensor) : NULL;
	if ((field_name && !d->field_name) || (sensor && !d->sensor))
		return CF_ERR_NOMEM;
	return CF_OK;
}

size_t cf_diags_count(const cf_diag_list *l)
{
	return l ? l->count : 0;
}

const cf_diag *cf_diags_get(const cf_diag_list *l, size_t i)
{
	return l && i < l->count ? &l->items[i] : NULL;
}

static size_t count_sev(const cf_diag_list *l, cf_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; l && i < l->count; i++)
		n += l->items[i].severity == sev;
	return n;
}

size_t cf_diags_errors(const cf_diag_list *l)
{
	/* A list that lost entries to OOM or the cap may have lost errors. */
	size_t n = count_sev(l, CF_ERROR);
	return n == 0 && l && (l->oom || l->capped) ? 1 : n;
}

size_t cf_diags_warnings(const cf_diag_list *l)
{
	return count_sev(l, CF_WARNING);
}

int cf_diags_oom(const cf_diag_list *l)
{
	return l && l->oom;
}

void cf_diags_promote_warnings(cf_diag_list *l)
{
	for (size_t i = 0; l && i < l->count; i++)
		if (l->items[i].severity == CF_WARNING)
			l->items[i].severity = CF_ERROR;
}

static int diag_cmp(const cf_diag *a, const cf_diag *b)
{
	int c = strcmp(a->path ? a->path : "", b->path ? b->path : "");
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

typedef struct seq_diag {
	cf_diag d;
	size_t seq;
} seq_diag;

static int seq_cmp(const void *pa, const void *pb)
{
	const seq_diag *a = pa, *b = pb;
	int c = diag_cmp(&a->d, &b->d);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void cf_diags_sort(cf_diag_list *l)
{
	if (!l || l->count < 2)
		return;
	seq_diag *tmp = malloc(l->count * sizeof *tmp);
	if (!tmp)
		return; /* stays in report order: still correct, only less tidy */
	for (size_t i = 0; i < l->count; i++) {
		tmp[i].d = l->items[i];
		tmp[i].seq = i;
	}
	qsort(tmp, l->count, sizeof *tmp, seq_cmp);
	for (size_t i = 0; i < l->count; i++)
		l->items[i] = tmp[i].d;
	free(tmp);
}

const char *cf_severity_label(cf_severity sev)
{
	switch (sev) {
	case CF_ERROR:
		return "error";
	case CF_WARNING:
		return "warning";
	case CF_NOTE:
		return "note";
	}
	return "error";
}

char *cf_diag_format(const cf_diag *d, int color)
{
	const char *bold = color ? "\033[1m" : "";
	const char *reset = color ? "\033[0m" : "";
	const char *sevc = "";
	if (color)
		sevc = d->severity == CF_ERROR     ? "\033[1;31m"
		       : d->severity == CF_WARNING ? "\033[1;35m"
		                                   : "\033[1;36m";
	/* The colour escapes and the final newline are cfc's own; the path and
	 * the message (which quotes names, values and regexes) are escaped. */
	cf_buf b;
	cf_buf_init(&b, 0);
	cf_status st = cf_buf_printf(&b, "%s", bold);
	if (st == CF_OK && d->path) {
		st = cf_text_escape_buf(&b, d->path, strlen(d->path));
		if (st == CF_OK && d->has_offset)
			st = cf_buf_printf(&b, ": offset 0x%llx: ", (unsigned long long)d->offset);
		else if (st == CF_OK && d->line && d->col)
			st = cf_buf_printf(&b, ":%u:%u: ", d->line, d->col);
		else if (st == CF_OK && d->line)
			st = cf_buf_printf(&b, ":%u: ", d->line);
		else if (st == CF_OK)
			st = cf_buf_printf(&b, ": ");
	} else if (st == CF_OK) {
		st = cf_buf_printf(&b, "cfc: ");
	}
	if (st == CF_OK)
		st = cf_buf_printf(&b, "%s%s%s:%s ", reset, sevc, cf_severity_label(d->severity),
		                   reset);
	if (st == CF_OK && d->message)
		st = cf_text_escape_buf(&b, d->message, strlen(d->message));
	if (st == CF_OK && d->code)
		st = cf_buf_printf(&b, " [%s]", d->code);
	if (st == CF_OK)
		st = cf_buf_printf(&b, "\n");
	if (st != CF_OK) {
		cf_buf_free(&b);
		return NULL;
	}
	return cf_buf_take(&b, NULL);
}

/* ---- escaping text for a terminal ----------------------------------------------- */

int cf_text_invisible(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200b || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || cp == 0x2060 || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0xfeff;
}

/*
 * The escaped form of the character at p[0..n) (n >= 1): writes it to o
 * (room for CF_TEXT_ESCAPE_MIN - 1 bytes), sets *olen, returns the input
 * bytes it stands for.
 */
static size_t escape_char(const unsigned char *p, size_t n, char *o, size_t *olen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned c = p[0];
	if (c >= 0x20 && c < 0x7f) {
		o[0] = (char)c;
		*olen = 1;
		return 1;
	}
	if (c == '\n' || c == '\r' || c == '\t') {
		o[0] = '\\';
		o[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		*olen = 2;
		return 1;
	}
	/* A valid UTF-8 sequence (cf_utf8_decode() rejects the overlong
	 * forms, surrogates and code points above U+10FFFF). */
	uint32_t cp = 0;
	size_t seq = c >= 0x80 ? cf_utf8_decode((const char *)p, n, &cp) : 0;
	if (seq) {
		if (cp <= 0x9f) { /* C1 control U+0080..U+009F */
			memcpy(o, "\\u00", 4);
			o[4] = hex[cp >> 4];
			o[5] = hex[cp & 15];
			*olen = 6;
			return 2;
		}
		/* Line and paragraph separators (a line break to some viewers),
		 * the bidirectional controls that reorder what is shown and the
		 * invisible ones (cf_text_invisible()): as \uXXXX too. */
		if (cf_text_invisible(cp)) {
			o[0] = '\\';
			o[1] = 'u';
			for (int k = 0; k < 4; k++)
				o[2 + k] = hex[(cp >> (12 - 4 * k)) & 15];
			*olen = 6;
			return seq;
		}
		memcpy(o, p, seq);
		*olen = seq;
		return seq;
	}
	/* C0 control, DEL, or a byte that does not start valid UTF-8. */
	o[0] = '\\';
	o[1] = 'x';
	o[2] = hex[c >> 4];
	o[3] = hex[c & 15];
	*olen = 4;
	return 1;
}

size_t cf_text_escape(const char *s, size_t len, char *out, size_t cap, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	while (i < len) {
		char one[CF_TEXT_ESCAPE_MIN];
		size_t n;
		size_t used = escape_char(p + i, len - i, one, &n);
		if (cap - o <= n) /* keep room for the NUL */
			break;
		memcpy(out + o, one, n);
		o += n;
		i += used;
	}
	if (cap > 0)
		out[o] = 0;
	*out_len = o;
	return i;
}

cf_status cf_text_escape_buf(cf_buf *b, const char *s, size_t len)
{
	char chunk[256];
	while (len > 0) {
		size_t n;
		size_t used = cf_text_escape(s, len, chunk, sizeof chunk, &n);
		cf_status st = cf_buf_append(b, chunk, n);
		if (st != CF_OK)
			return st;
		s += used;
		len -= used;
	}
	return CF_OK;
}
