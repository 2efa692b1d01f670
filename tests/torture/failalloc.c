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
 *
 * CFC_ALLOC_SWEEP=STRIDE runs the whole loop in this one process, before
 * main(): a baseline run counts the allocations, then for N = 1, 1+STRIDE,
 * ... up to the count a forked child runs the command with the Nth one
 * failing. Forking an already loaded process costs a fraction of a
 * millisecond where starting cfc afresh costs about 15 ms, and much more
 * under ASan; the loop is what tests/torture/alloc.sh runs. Each child must
 * end as the baseline did (the failure was absorbed) or with exit status 2
 * and "out of memory" on stderr: never a signal, a sanitizer report (ASan
 * exits 99, LeakSanitizer 98 there) or a hang (60 s). With
 * CFC_ALLOC_EXPECT_OUT=FILE, FILE must be left either absent or
 * byte-identical to the baseline's. CFC_ALLOC_RESET, when set, is a shell
 * command run before every child (to restore a state directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static unsigned long own_calls;
/* In a sweep, the count lives in a page shared with the driving parent. */
static unsigned long *calls = &own_calls;
static unsigned long fail_at;
static int configured;

static void report(void)
{
	const char *path = getenv("CFC_COUNT_ALLOC");
	if (!path)
		return;
	FILE *fp = fopen(path, "w");
	if (fp) {
		fprintf(fp, "%lu\n", *calls);
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
	return ++*calls == fail_at;
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

/* --- the sweep ------------------------------------------------------------ */

/* The baseline's output, kept in a global: a child inherits it, and
 * LeakSanitizer (which checks every child at exit) must see it referenced. */
static char *good;
static size_t good_len;

/* A whole small file into a buffer of __real_malloc; NULL if absent. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		buf = __real_malloc((size_t)st.st_size + 1);
		if (buf && read(fd, buf, (size_t)st.st_size) != st.st_size) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[st.st_size] = '\0';
			*len = (size_t)st.st_size;
		}
	}
	close(fd);
	return buf;
}

/* Runs the command in a child with allocation N failing (0: none). Returns
 * the wait status; the child's stderr is left in errfd. Only the child
 * returns from here with *child set: it goes on into main(). */
static int run_child(unsigned long n, int errfd, int *child)
{
	const char *reset = getenv("CFC_ALLOC_RESET");
	if (reset && *reset && system(reset) != 0) {
		fprintf(stderr, "failalloc: CFC_ALLOC_RESET failed: %s\n", reset);
		_exit(2);
	}
	if (ftruncate(errfd, 0) != 0 || lseek(errfd, 0, SEEK_SET) != 0)
		_exit(2);
	*calls = 0;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("failalloc: fork");
		_exit(2);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 1) < 0 || dup2(errfd, 2) < 0)
			_exit(2);
		close(null);
		close(errfd);
		configured = 1;
		fail_at = n;
		alarm(60);
		*child = 1;
		return 0;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("failalloc: waitpid");
			_exit(2);
		}
	}
	return status;
}

static void describe(int status, char *out, size_t cap)
{
	if (WIFSIGNALED(status))
		snprintf(out, cap, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, cap, "exit %d", WEXITSTATUS(status));
}

static void print_err(int errfd)
{
	char buf[2048];
	ssize_t got = pread(errfd, buf, sizeof(buf) - 1, 0);
	if (got <= 0)
		return;
	buf[got] = '\0';
	fprintf(stderr, "    | %s%s", buf, buf[got - 1] == '\n' ? "" : "\n");
}

static int err_says_oom(int errfd)
{
	char buf[4096];
	ssize_t got = pread(errfd, buf, sizeof(buf) - 1, 0);
	if (got <= 0)
		return 0;
	buf[got] = '\0';
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return strstr(buf, "out of memory") != NULL;
}

__attribute__((constructor)) static void sweep(void)
{
	const char *stride_s = getenv("CFC_ALLOC_SWEEP");
	if (!stride_s || !*stride_s)
		return;
	unsigned long stride = strtoul(stride_s, NULL, 10);
	if (stride == 0)
		stride = 1;
	const char *expect = getenv("CFC_ALLOC_EXPECT_OUT");
	if (expect && !*expect)
		expect = NULL;
	unsetenv("CFC_ALLOC_SWEEP");
	unsetenv("CFC_FAIL_ALLOC");
	unsetenv("CFC_COUNT_ALLOC");

	calls = mmap(NULL, sizeof(*calls), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (calls == MAP_FAILED) {
		perror("failalloc: mmap");
		_exit(2);
	}
	char errpath[] = "/tmp/cfc-failalloc.XXXXXX";
	int errfd = mkstemp(errpath);
	if (errfd < 0) {
		perror("failalloc: mkstemp");
		_exit(2);
	}
	unlink(errpath);

	int child = 0;
	int base = run_child(0, errfd, &child);
	if (child)
		return;
	unsigned long total = *calls;
	if (!WIFEXITED(base) || WEXITSTATUS(base) >= 3) {
		char how[64];
		describe(base, how, sizeof(how));
		fprintf(stderr, "failalloc: the baseline run failed (%s)\n", how);
		print_err(errfd);
		_exit(1);
	}
	if (expect && !(good = slurp(expect, &good_len))) {
		fprintf(stderr, "failalloc: the baseline run wrote no %s\n", expect);
		_exit(1);
	}

	unsigned long runs = 0, bad = 0;
	for (unsigned long n = 1; n <= total && bad < 5; n += stride) {
		if (expect)
			unlink(expect);
		int st = run_child(n, errfd, &child);
		if (child)
			return;
		runs++;
		if (expect) {
			size_t len = 0;
			char *got = slurp(expect, &len);
			if (got && (len != good_len || memcmp(got, good, len) != 0)) {
				fprintf(stderr, "failing allocation %lu of %lu: %s differs from the baseline's\n", n,
				        total, expect);
				bad++;
			}
			free(got);
		}
		if (st == base)
			continue;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 2 && err_says_oom(errfd))
			continue;
		char how[64], was[64];
		describe(st, how, sizeof(how));
		describe(base, was, sizeof(was));
		fprintf(stderr, "failing allocation %lu of %lu: %s (baseline %s)\n", n, total, how, was);
		print_err(errfd);
		bad++;
	}
	free(good);
	printf("%lu of %lu allocations failed in turn, %lu bad\n", runs, total, bad);
	fflush(stdout);
	_exit(bad ? 1 : 0);
}
