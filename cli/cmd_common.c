/*
 * cmd_common.c - helpers shared by the subcommand front ends.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"

/* Write s[0..len) to fp escaped (cf_text_escape()), without allocating. */
static void put_escaped(FILE *fp, const char *s, size_t len)
{
	char chunk[512];
	while (len > 0) {
		size_t n;
		size_t used = cf_text_escape(s, len, chunk, sizeof chunk, &n);
		fwrite(chunk, 1, n, fp);
		s += used;
		len -= used;
	}
}

/*
 * Format fmt and write the result escaped. With keep_nl, a newline that ends
 * fmt is the line's own end and is written as it is. Short text is formatted
 * on the stack; longer text in allocated memory, or cut at the stack
 * buffer's size (and marked "...") when there is none.
 */
static void vput(FILE *fp, int keep_nl, const char *fmt, va_list ap)
{
	char stack[1024], *heap = NULL;
	const char *text = stack;
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(stack, sizeof stack, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	size_t len = (size_t)n, flen = strlen(fmt);
	int nl = keep_nl && flen > 0 && fmt[flen - 1] == '\n';
	int cut = 0;
	if (len >= sizeof stack) {
		heap = malloc(len + 1);
		if (heap) {
			vsnprintf(heap, len + 1, fmt, ap);
			text = heap;
		} else {
			len = sizeof stack - 1;
			cut = 1;
		}
	}
	if (nl && !cut)
		len--; /* the final newline, fmt's own */
	put_escaped(fp, text, len);
	if (cut)
		fputs("...", fp);
	if (nl)
		fputc('\n', fp);
	free(heap);
}

static void vmessage(const char *label, const char *fmt, va_list ap)
{
	fprintf(stderr, "cfc: %s: ", label);
	vput(stderr, 0, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("error", fmt, ap);
	va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("warning", fmt, ap);
	va_end(ap);
}

void cli_io_error(const char *verb, const char *path, int err_no)
{
	/* The file helpers report CF_ERR_NOMEM with err_no ENOMEM: say it the
	 * way every other out-of-memory exit does. A write to a pipe or FIFO
	 * whose reader has left is no news to anyone: exit 2 quietly, as
	 * cli_finish() does. */
	if (err_no == EPIPE && strcmp(verb, "write") == 0)
		return;
	cli_error("cannot %s '%s': %s", verb, path,
	          err_no == ENOMEM ? "out of memory"
	          : err_no         ? strerror(err_no)
	                           : "I/O error");
}

void cli_write_error(const char *path, int err_no)
{
	/* The reader of a pipe or FIFO left: nothing to say (cli_finish()). */
	if (err_no == EPIPE)
		return;
	cli_error("cannot write '%s': %s", path, cf_file_strerror(err_no));
}

void cli_printf(FILE *fp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vput(fp, 1, fmt, ap);
	va_end(ap);
}

void cli_usage(FILE *fp, const char *sub)
{
	const cmd *c = cmd_find(sub);
	if (c)
		fputs(c->usage, fp);
}

int cli_bad_usage(const char *sub, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("error", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'cfc %s --help'.\n", sub);
	return EXIT_TROUBLE;
}

int cli_bad_option(const char *sub, int argc, char **argv)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
	if (arg && strncmp(arg, "--", 2) == 0) {
		/* A long option: optopt is 0 when it is unknown (or ambiguous). */
		int name = (int)strcspn(arg, "=");
		if (optopt == 0)
			return cli_bad_usage(sub, "bad option '%.*s'", name, arg);
		if (arg[name] == '=')
			return cli_bad_usage(sub, "bad option '%.*s': it takes no argument", name,
			                     arg);
		return cli_bad_usage(sub, "bad option '%s': it needs an argument", arg);
	}
	if (optopt != 0) {
		/* getopt tells an unknown short option from one missing its
		 * argument only by the optstring; missing is possible only when
		 * the option was the last argument. */
		if (optind >= argc)
			return cli_bad_usage(
			    sub, "bad option '-%c' (unknown, or missing its argument)", optopt);
		return cli_bad_usage(sub, "bad option '-%c'", optopt);
	}
	return cli_bad_usage(sub, "bad option");
}

int cli_color(void)
{
	static int cached = -1;
	if (cached < 0) {
		const char *nc = getenv("NO_COLOR");
		cached = (!nc || !*nc) && isatty(STDERR_FILENO) ? 1 : 0;
		if (cached) {
			const char *term = getenv("TERM");
			if (term && strcmp(term, "dumb") == 0)
				cached = 0;
		}
	}
	return cached;
}

void cli_print_diag(const cf_diag *d)
{
	char *line = cf_diag_format(d, cli_color());
	if (!line) {
		cli_error("out of memory printing a diagnostic");
		return;
	}
	fputs(line, stderr);
	free(line);
}

void cli_print_diags(const cf_diag_list *l)
{
	for (size_t i = 0; i < cf_diags_count(l); i++)
		cli_print_diag(cf_diags_get(l, i));
	if (cf_diags_oom(l))
		cli_error("out of memory: some diagnostics were lost");
}

int cli_exit_status(cf_status st)
{
	switch (st) {
	case CF_OK:
		return EXIT_OK;
	case CF_ERR_NOT_CHANNEL:
	case CF_ERR_VERSION:
	case CF_ERR_CORRUPT:
	case CF_ERR_CHECKSUM:
	case CF_ERR_LIMIT:
	case CF_ERR_REJECTED:
	case CF_ERR_SIGNATURE:
		return EXIT_REJECTED;
	case CF_ERR_NOMEM:
	case CF_ERR_IO:
	case CF_ERR_INVALID:
	case CF_ERR_INTERNAL:
		return EXIT_TROUBLE;
	}
	return EXIT_TROUBLE;
}

int cli_finish(int status)
{
	/* 0 when the reason is unknown: the write that failed may be long
	 * past and its errno gone. */
	int err_no = 0, bad = 0;
	if (fflush(stdout) != 0) {
		bad = 1;
		err_no = errno;
	} else if (ferror(stdout)) {
		bad = 1;
		/* A pipe whose reader has left polls as an error. */
		struct pollfd pfd = {STDOUT_FILENO, POLLOUT, 0};
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR))
			err_no = EPIPE;
	}
	if (fclose(stdout) != 0 && !bad) {
		bad = 1;
		err_no = errno;
	}
	if (!bad)
		return status;
	/* The reader left (a pipe into head): nothing to tell it, and
	 * whoever reads stderr asked for less output, not an error. */
	if (err_no == EPIPE)
		;
	else if (err_no)
		cli_error("cannot write to standard output: %s", strerror(err_no));
	else
		cli_error("cannot write to standard output: a write failed");
	return EXIT_TROUBLE;
}

int cli_parse_u64(const char *s, unsigned long long lo, unsigned long long hi,
                  unsigned long long *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* ---- buffered input ------------------------------------------------------------------ */

#define CLI_IN_CHUNK ((size_t)1 << 16)

int cli_in_init(cli_in *r, FILE *fp, size_t cap)
{
	memset(r, 0, sizeof *r);
	r->fp = fp;
	r->cap = cap;
	r->size = cap + CLI_IN_CHUNK;
	r->buf = malloc(r->size);
	return r->buf ? 0 : -1;
}

void cli_in_free(cli_in *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Read more after what is unread, moving that to the front first when the
 * buffer's tail is short. Bytes added, 0 at end of input, -1 error. */
static long in_fill(cli_in *r)
{
	if (r->eof)
		return 0;
	if (r->start > 0 && r->size - r->end < CLI_IN_CHUNK) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->size)
		return 0; /* full: the caller asked for more than fits */
	/* One read(2), not fread: fread waits until the whole request is filled
	 * or the input ends, so events arriving through a pipe or typed at a
	 * terminal would sit unread until a megabyte of them had come. The
	 * stream is never read through stdio, so nothing is left in its buffer. */
	if (r->flush)
		fflush(r->flush); /* a failure stays in ferror() for the caller */
	ssize_t n;
	do
		n = read(fileno(r->fp), r->buf + r->end, r->size - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		r->eof = 1;
	r->end += (size_t)n;
	return (long)n;
}

int cli_in_line(cli_in *r, const char **line, size_t *len, int *too_long)
{
	size_t scanned = 0; /* bytes after start known to hold no newline */
	*too_long = 0;
	*line = NULL;
	*len = 0;
	for (;;) {
		char *nl = memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned);
		if (nl) {
			size_t n = (size_t)(nl - (r->buf + r->start));
			if (n > r->cap)
				*too_long = 1;
			*line = r->buf + r->start;
			*len = *too_long ? 0 : n;
			r->start += n + 1;
			return 1;
		}
		scanned = r->end - r->start;
		if (scanned > r->cap) {
			/* Too long: drop what is here and keep looking for its end. */
			*too_long = 1;
			r->start = r->end = 0;
			scanned = 0;
		}
		long got = in_fill(r);
		if (got < 0)
			return -1;
		if (got == 0) {
			size_t n = r->end - r->start;
			if (n == 0 && !*too_long)
				return 0;
			if (n > r->cap)
				*too_long = 1;
			*line = r->buf + r->start;
			*len = *too_long ? 0 : n;
			r->start = r->end;
			return 1;
		}
	}
}

long cli_in_take(cli_in *r, size_t n, const uint8_t **p)
{
	if (n > r->cap)
		n = r->cap;
	while (r->end - r->start < n) {
		long got = in_fill(r);
		if (got < 0)
			return -1;
		if (got == 0)
			break;
	}
	size_t have = r->end - r->start < n ? r->end - r->start : n;
	*p = (const uint8_t *)r->buf + r->start;
	r->start += have;
	return (long)have;
}

int cli_in_skip(cli_in *r, uint64_t n)
{
	while (n > 0) {
		if (r->start == r->end) {
			r->start = r->end = 0;
			long got = in_fill(r);
			if (got < 0)
				return -1;
			if (got == 0)
				return 1;
		}
		size_t have = r->end - r->start;
		size_t k = n < have ? (size_t)n : have;
		r->start += k;
		n -= k;
	}
	return 0;
}

int cli_in_peek(cli_in *r)
{
	if (r->start == r->end) {
		long got = in_fill(r);
		if (got < 0)
			return -2;
		if (got == 0)
			return EOF;
	}
	return (unsigned char)r->buf[r->start];
}

int cli_blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

void cli_say(cf_severity sev, const char *code, const char *path, uint32_t line, uint32_t col,
             const char *msg)
{
	cf_diag d;
	memset(&d, 0, sizeof d);
	d.severity = sev;
	d.code = code;
	d.path = (char *)path;
	d.line = line;
	d.col = col;
	d.message = (char *)msg;
	d.field = -1;
	cli_print_diag(&d);
}

int cli_env_time(const char *var, uint64_t *t)
{
	const char *env = getenv(var);
	if (env && *env) {
		unsigned long long v = 0;
		if (cli_parse_u64(env, 0, (unsigned long long)INT64_MAX, &v) != 0)
			return -1;
		*t = v;
		return 0;
	}
	time_t now = time(NULL);
	*t = now < 0 ? 0 : (uint64_t)now;
	return 0;
}
