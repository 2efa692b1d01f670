/*
 * failalloc.c - fail the Nth allocation made by cfc's own code.
 *
 * Linked into a test build of cfc with -Wl,--wrap=malloc,--wrap=calloc,
 * --wrap=realloc,--wrap=strdup, so every allocation in libcf and the front
 * end goes through here (the libraries' own allocations are theirs to
 * handle). CFC_FAIL_ALLOC=N makes the Nth call return NULL; with
 * CFC_COUNT_ALLOC=FILE the total number of calls is written to FILE at exit,
 * so a driver knows how far to count. The build runs under ASan and
 * LeakSanitizer, which report any crash or leak the failure causes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static unsigned long calls;
static unsigned long fail_at;
static int configured;

static void report(void)
{
	const char *path = getenv("CFC_COUNT_ALLOC");
	if (!path)
		return;
	FILE *fp = fopen(path, "w");
	if (fp) {
		fprintf(fp, "%lu\n", calls);
		fclose(fp);
	}
}

static int should_fail(void)
{
	if (!configured) {
		configured = 1;
		const char *n = getenv("CFC_FAIL_ALLOC");
		fail_at = n ? strtoul(n, NULL, 10) : 0;
		atexit(report);
	}
	return ++calls == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return should_fail() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	if (should_fail())
		return NULL;
	size_t len = strlen(s) + 1;
	char *d = __real_malloc(len);
	if (d)
		memcpy(d, s, len);
	return d;
}
