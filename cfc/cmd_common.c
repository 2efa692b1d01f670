/*
 * cmd_common.c - helpers shared by the subcommand front ends.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfc/cmd.h"

static void vmessage(const char *label, const char *fmt, va_list ap)
{
	fprintf(stderr, "cfc: %s: ", label);
	vfprintf(stderr, fmt, ap);
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
	 * way every other out-of-memory exit does. */
	cli_error("cannot %s '%s': %s", verb, path,
	          err_no == ENOMEM ? "out of memory"
	          : err_no         ? strerror(err_no)
	                           : "I/O error");
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
	int bad = fflush(stdout) != 0 || ferror(stdout);
	int err_no = errno;
	if (fclose(stdout) != 0 && !bad) {
		bad = 1;
		err_no = errno;
	}
	if (bad) {
		cli_error("cannot write to standard output: %s", strerror(err_no));
		return EXIT_TROUBLE;
	}
	return status;
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
