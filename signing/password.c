/*
 * password.c - secret files and passwords, read into sodium_malloc'd memory
 * so that they never sit in ordinary heap or stdio buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "signing/sig_int.h"

void cf_key_secret_free(void *p)
{
	if (p)
		sodium_free(p);
}

/* Read up to cap bytes from fd into buf; *more is set when the file holds
 * more than cap bytes. -1 on a read error (errno set). */
static int read_capped(int fd, char *buf, size_t cap, size_t *n, int *more)
{
	size_t got = 0;
	*more = 0;
	for (;;) {
		if (got == cap) {
			char probe;
			ssize_t r = read(fd, &probe, 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -1;
			*more = r > 0;
			sodium_memzero(&probe, sizeof probe);
			break;
		}
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	*n = got;
	return 0;
}

/* Open path for reading; refuses directories. -1 with errno set. */
static int open_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	return fd;
}

cf_status cf_key_file_read(const char *path, size_t cap, char **text, size_t *len, int *err_no)
{
	char *buf = NULL;
	int fd = -1, more = 0;
	size_t n = 0;
	cf_status st = CF_ERR_IO;

	*text = NULL;
	*len = 0;
	*err_no = 0;
	if (cf_sig_init() != CF_OK)
		return CF_ERR_INTERNAL;
	if (cap == 0 || cap > CF_SIG_FILE_MAX)
		return CF_ERR_INVALID;
	buf = sodium_malloc(cap + 1);
	if (!buf)
		return CF_ERR_NOMEM;
	if ((fd = open_file(path)) < 0 || read_capped(fd, buf, cap, &n, &more) != 0) {
		*err_no = errno;
		goto out;
	}
	if (more) {
		st = CF_ERR_LIMIT;
		goto out;
	}
	buf[n] = 0;
	*text = buf;
	*len = n;
	buf = NULL;
	st = CF_OK;
out:
	if (fd >= 0)
		close(fd);
	cf_key_secret_free(buf);
	return st;
}

cf_status cf_key_password_file(const char *path, char **pw, size_t *pw_len, int *err_no)
{
	/* Room for the longest password, "\r\n", and a NUL. */
	const size_t cap = CF_PASSWORD_MAX + 2;
	char *buf = NULL;
	int fd = -1, more = 0;
	size_t n = 0;
	cf_status st = CF_ERR_IO;

	*pw = NULL;
	*pw_len = 0;
	*err_no = 0;
	if (cf_sig_init() != CF_OK)
		return CF_ERR_INTERNAL;
	buf = sodium_malloc(cap + 1);
	if (!buf)
		return CF_ERR_NOMEM;
	if ((fd = open_file(path)) < 0 || read_capped(fd, buf, cap, &n, &more) != 0) {
		*err_no = errno;
		goto out;
	}
	char *nl = memchr(buf, '\n', n);
	if (!nl && more) {
		st = CF_ERR_LIMIT;
		goto out;
	}
	size_t end = nl ? (size_t)(nl - buf) : n;
	if (end > 0 && buf[end - 1] == '\r')
		end--;
	if (end > CF_PASSWORD_MAX) {
		st = CF_ERR_LIMIT;
		goto out;
	}
	if (memchr(buf, 0, end)) {
		st = CF_ERR_INVALID;
		goto out;
	}
	sodium_memzero(buf + end, cap + 1 - end);
	*pw = buf;
	*pw_len = end;
	buf = NULL;
	st = CF_OK;
out:
	if (fd >= 0)
		close(fd);
	cf_key_secret_free(buf);
	return st;
}

/* The signal that interrupted a terminal read, so it can be re-raised once
 * the terminal echoes again. */
static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
	caught_signal = sig;
}

cf_status cf_key_password_tty(const char *prompt, char **pw, size_t *pw_len, int *err_no)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};
	struct sigaction old[sizeof sigs / sizeof sigs[0]];
	struct termios saved, quiet;
	char *buf = NULL;
	int fd = -1, restored = 1, handlers = 0;
	size_t n = 0;
	cf_status st = CF_ERR_IO;

	*pw = NULL;
	*pw_len = 0;
	*err_no = 0;
	if (cf_sig_init() != CF_OK)
		return CF_ERR_INTERNAL;
	buf = sodium_malloc(CF_PASSWORD_MAX + 1);
	if (!buf)
		return CF_ERR_NOMEM;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
	    tcgetattr(fd, &saved) != 0) {
		*err_no = errno;
		goto out;
	}
	caught_signal = 0;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, &old[i]); /* no SA_RESTART: read() returns */
		handlers++;
	}
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL | ICANON;
	/* TCSANOW, not TCSAFLUSH: a password typed ahead (or fed through a
	 * pseudo-terminal by a script) is kept, not discarded. */
	if (tcsetattr(fd, TCSANOW, &quiet) != 0) {
		*err_no = errno;
		goto out;
	}
	restored = 0;
	if (write(fd, prompt, strlen(prompt)) < 0) {
		*err_no = errno;
		goto out;
	}
	int too_long = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR && !caught_signal)
			continue;
		if (r < 0) {
			*err_no = errno;
			goto out;
		}
		if (r == 0 || c == '\n')
			break;
		if (n == CF_PASSWORD_MAX)
			too_long = 1;
		else
			buf[n++] = c;
		sodium_memzero(&c, sizeof c);
	}
	if (too_long) {
		st = CF_ERR_LIMIT;
		goto out;
	}
	buf[n] = 0;
	*pw = buf;
	*pw_len = n;
	buf = NULL;
	st = CF_OK;
out:
	if (!restored)
		(void)tcsetattr(fd, TCSANOW, &saved);
	for (size_t i = 0; i < (size_t)handlers; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (fd >= 0)
		close(fd);
	cf_key_secret_free(buf);
	if (caught_signal)
		raise(caught_signal);
	return st;
}

cf_status cf_key_password_get(const char *path, int confirm, char **pw, size_t *pw_len,
                              cf_sig_error *err)
{
	char *first = NULL, *second = NULL;
	size_t first_len = 0, second_len = 0;
	int err_no = 0;
	cf_status st;

	*pw = NULL;
	*pw_len = 0;
	if (path) {
		st = cf_key_password_file(path, &first, &first_len, &err_no);
		if (st == CF_ERR_IO)
			return cf_sig_fail(err, st, CF_SIG_CHECK_PASSWORD,
			                   "cannot read the password file '%s': %s", path,
			                   strerror(err_no ? err_no : EIO));
		if (st == CF_ERR_LIMIT)
			return cf_sig_fail(err, st, CF_SIG_CHECK_PASSWORD,
			                   "password file '%s': the first line is longer than %u "
			                   "bytes",
			                   path, CF_PASSWORD_MAX);
		if (st == CF_ERR_INVALID)
			return cf_sig_fail(err, st, CF_SIG_CHECK_PASSWORD,
			                   "password file '%s': the first line has a NUL byte",
			                   path);
		if (st != CF_OK)
			return cf_sig_fail(err, st, CF_SIG_CHECK_PASSWORD,
			                   "cannot read the password file '%s': %s", path,
			                   cf_strerror(st));
		*pw = first;
		*pw_len = first_len;
		return CF_OK;
	}
	st = cf_key_password_tty("Password: ", &first, &first_len, &err_no);
	if (st == CF_OK && confirm)
		st = cf_key_password_tty("Password (again): ", &second, &second_len, &err_no);
	if (st == CF_ERR_IO) {
		st = cf_sig_fail(err, st, CF_SIG_CHECK_PASSWORD,
		                 "cannot read a password from the terminal (%s); use "
		                 "--password-file FILE or CFC_PASSWORD_FILE",
		                 strerror(err_no ? err_no : EIO));
		goto out;
	}
	if (st == CF_ERR_LIMIT) {
		st = cf_sig_fail(err, st, CF_SIG_CHECK_PASSWORD, "password longer than %u bytes",
		                 CF_PASSWORD_MAX);
		goto out;
	}
	if (st != CF_OK) {
		st = cf_sig_fail(err, st, CF_SIG_CHECK_PASSWORD, "cannot read the password: %s",
		                 cf_strerror(st));
		goto out;
	}
	if (confirm && (first_len != second_len || sodium_memcmp(first, second, first_len) != 0)) {
		st = cf_sig_fail(err, CF_ERR_REJECTED, CF_SIG_CHECK_PASSWORD,
		                 "the passwords do not match");
		goto out;
	}
	*pw = first;
	*pw_len = first_len;
	first = NULL;
out:
	cf_key_secret_free(first);
	cf_key_secret_free(second);
	return st;
}
