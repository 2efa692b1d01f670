/*
 * util.c - whole-file reads with a cap, atomic writes, growable buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfc/cf_util.h"

char *cf_strdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

cf_status cf_file_read(const char *path, size_t cap, uint8_t **buf, size_t *len, int *err_no)
{
	*buf = NULL;
	*len = 0;
	if (err_no)
		*err_no = 0;
	int is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto io_error;
	struct stat st;
	if (fstat(fd, &st) != 0)
		goto io_error;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto io_error;
	}
	size_t size = 0;
	size_t alloc = 0;
	if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > (uint64_t)cap) {
			if (!is_stdin)
				close(fd);
			return CF_ERR_LIMIT;
		}
		alloc = (size_t)st.st_size + 1;
	}
	if (alloc < 4096)
		alloc = 4096;
	if (alloc > cap + 1)
		alloc = cap + 1;
	uint8_t *data = malloc(alloc);
	if (!data) {
		if (!is_stdin)
			close(fd);
		if (err_no)
			*err_no = ENOMEM;
		return CF_ERR_NOMEM;
	}
	for (;;) {
		if (size + 1 >= alloc) {
			if (size >= cap) {
				/* One more byte would pass the cap: probe for it. */
				uint8_t probe;
				ssize_t r = read(fd, &probe, 1);
				if (r < 0 && errno == EINTR)
					continue;
				if (r > 0) {
					free(data);
					if (!is_stdin)
						close(fd);
					return CF_ERR_LIMIT;
				}
				if (r < 0) {
					free(data);
					goto io_error;
				}
				break;
			}
			size_t nalloc = alloc > (cap + 1) / 2 ? cap + 1 : alloc * 2;
			uint8_t *n = realloc(data, nalloc);
			if (!n) {
				free(data);
				if (!is_stdin)
					close(fd);
				if (err_no)
					*err_no = ENOMEM;
				return CF_ERR_NOMEM;
			}
			data = n;
			alloc = nalloc;
		}
		size_t want = alloc - 1 - size;
		if (want > cap - size)
			want = cap - size;
		ssize_t r = read(fd, data + size, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(data);
			goto io_error;
		}
		if (r == 0)
			break;
		size += (size_t)r;
	}
	if (!is_stdin)
		close(fd);
	data[size] = 0;
	*buf = data;
	*len = size;
	return CF_OK;

io_error:
	if (err_no)
		*err_no = errno;
	if (fd >= 0 && !is_stdin) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return CF_ERR_IO;
}

int cf_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

cf_status cf_file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
                               int exclusive, int *err_no)
{
	if (err_no)
		*err_no = 0;
	if (strcmp(path, "-") == 0) {
		if (fflush(stdout) != 0 || cf_write_all(STDOUT_FILENO, buf, len) != 0) {
			if (err_no)
				*err_no = errno;
			return CF_ERR_IO;
		}
		return CF_OK;
	}
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 16);
	char *dir = malloc(plen + 2);
	if (!tmp || !dir) {
		free(tmp);
		free(dir);
		if (err_no)
			*err_no = ENOMEM;
		return CF_ERR_NOMEM;
	}
	/* The temporary lives beside the target so rename() is atomic. */
	memcpy(dir, path, plen + 1);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	int saved = 0;
	cf_status st = CF_ERR_IO;
	if (fd < 0) {
		saved = errno;
		goto out;
	}
	if (fchmod(fd, mode) != 0 || cf_write_all(fd, buf, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) != 0) {
		saved = errno;
		unlink(tmp);
		goto out;
	}
	if (exclusive) {
		/* link() fails if path exists: no window where it is replaced. */
		if (link(tmp, path) != 0) {
			saved = errno;
			unlink(tmp);
			goto out;
		}
		unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	st = CF_OK;
out:
	if (err_no)
		*err_no = saved;
	free(tmp);
	free(dir);
	return st;
}

void cf_buf_init(cf_buf *b, size_t limit)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->limit = limit ? limit : SIZE_MAX / 2;
}

void cf_buf_free(cf_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

cf_status cf_buf_reserve(cf_buf *b, size_t extra)
{
	if (extra > b->limit - b->len)
		return CF_ERR_LIMIT;
	size_t need = b->len + extra + 1; /* room for a NUL */
	if (need <= b->cap)
		return CF_OK;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 4 ? need : ncap * 2;
	/* Never more than the limit holds: doubling near a 1 GiB limit would
	 * otherwise ask for 2 GiB. */
	if (b->limit < SIZE_MAX && ncap > b->limit + 1)
		ncap = b->limit + 1;
	uint8_t *n = realloc(b->data, ncap);
	if (!n)
		return CF_ERR_NOMEM;
	b->data = n;
	b->cap = ncap;
	return CF_OK;
}

cf_status cf_buf_append(cf_buf *b, const void *data, size_t n)
{
	cf_status st = cf_buf_reserve(b, n);
	if (st != CF_OK)
		return st;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = 0;
	return CF_OK;
}

cf_status cf_buf_printf(cf_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return CF_ERR_INVALID;
	cf_status st = cf_buf_reserve(b, (size_t)n);
	if (st != CF_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CF_OK;
}

char *cf_buf_take(cf_buf *b, size_t *len)
{
	if (!b->data && cf_buf_reserve(b, 0) != CF_OK)
		return NULL;
	char *d = (char *)b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}
