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
