/*
 * util.c - whole-file reads with a cap, safe output paths, the
 * input/output identity check, growable buffers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cf/base.h>

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

const char *cf_file_strerror(int err_no)
{
	switch (err_no) {
	case 0:
		return "I/O error";
	case ENOMEM:
		return "out of memory";
	case CF_EFILE_DIR:
		return "it is a directory";
	case CF_EFILE_FIFO:
		return "it is a FIFO, not a regular file";
	case CF_EFILE_CHRDEV:
		return "it is a character device, not a regular file";
	case CF_EFILE_BLKDEV:
		return "it is a block device, which cfc never writes to";
	case CF_EFILE_SOCKET:
		return "it is a socket";
	case CF_EFILE_SYMLINK:
		return "it is a symbolic link, which is not followed here";
	case CF_EFILE_DANGLING:
		return "it is a symbolic link to a file that does not exist";
	case CF_EFILE_CHANGED:
		return "it turned into another kind of file while being opened";
	case CF_EFILE_OTHER:
		return "it is not a regular file";
	}
	return err_no > 0 ? strerror(err_no) : "I/O error";
}

/* The CF_EFILE_* value for a kind of file that is not a regular file. */
static int kind_error(mode_t m)
{
	if (S_ISDIR(m))
		return CF_EFILE_DIR;
	if (S_ISFIFO(m))
		return CF_EFILE_FIFO;
	if (S_ISCHR(m))
		return CF_EFILE_CHRDEV;
	if (S_ISBLK(m))
		return CF_EFILE_BLKDEV;
	if (S_ISSOCK(m))
		return CF_EFILE_SOCKET;
	if (S_ISLNK(m))
		return CF_EFILE_SYMLINK;
	return CF_EFILE_OTHER;
}

/* Read fd to its end, at most cap bytes; st is its fstat. Does not close
 * fd. */
static cf_status read_fd(int fd, const struct stat *st, size_t cap, uint8_t **buf, size_t *len,
                         int *err_no)
{
	size_t size = 0;
	size_t alloc = 0;
	if (S_ISREG(st->st_mode)) {
		if ((uint64_t)st->st_size > (uint64_t)cap)
			return CF_ERR_LIMIT;
		alloc = (size_t)st->st_size + 1;
	}
	if (alloc < 4096)
		alloc = 4096;
	if (alloc > cap + 1)
		alloc = cap + 1;
	uint8_t *data = malloc(alloc);
	if (!data) {
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
					return CF_ERR_LIMIT;
				}
				if (r < 0) {
					*err_no = errno;
					free(data);
					return CF_ERR_IO;
				}
				break;
			}
			size_t nalloc = alloc > (cap + 1) / 2 ? cap + 1 : alloc * 2;
			uint8_t *n = realloc(data, nalloc);
			if (!n) {
				free(data);
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
			*err_no = errno;
			free(data);
			return CF_ERR_IO;
		}
		if (r == 0)
			break;
		size += (size_t)r;
	}
	data[size] = 0;
	*buf = data;
	*len = size;
	return CF_OK;
}

cf_status cf_file_read_ex(const char *path, size_t cap, unsigned flags, uint8_t **buf, size_t *len,
                          int *err_no)
{
	int e = 0, fd = -1;
	cf_status st = CF_ERR_IO;
	struct stat sb;
	*buf = NULL;
	*len = 0;
	int is_stdin = strcmp(path, "-") == 0;
	if (is_stdin) {
		fd = STDIN_FILENO;
	} else {
		int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
		if (flags & CF_READ_REGULAR) {
			/* Look before opening: opening a FIFO waits for a
			 * writer, and opening a device may do anything. */
			int r = flags & CF_READ_NOFOLLOW ? lstat(path, &sb) : stat(path, &sb);
			if (r != 0) {
				e = errno;
				goto out;
			}
			if (!S_ISREG(sb.st_mode)) {
				e = kind_error(sb.st_mode);
				goto out;
			}
			oflags |= O_NONBLOCK;
		}
		if (flags & CF_READ_NOFOLLOW)
			oflags |= O_NOFOLLOW;
		fd = open(path, oflags);
		if (fd < 0) {
			e = errno == ELOOP && (flags & CF_READ_NOFOLLOW) ? CF_EFILE_SYMLINK : errno;
			goto out;
		}
	}
	if (fstat(fd, &sb) != 0) {
		e = errno;
		goto out;
	}
	if (!is_stdin && (flags & CF_READ_REGULAR)) {
		/* Swapped between the stat and the open: refuse what was
		 * opened. O_NONBLOCK made that open return at once. */
		if (!S_ISREG(sb.st_mode)) {
			e = CF_EFILE_CHANGED;
			goto out;
		}
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
			e = errno;
			goto out;
		}
	}
	if (S_ISDIR(sb.st_mode)) {
		e = EISDIR;
		goto out;
	}
	st = read_fd(fd, &sb, cap, buf, len, &e);
out:
	if (fd >= 0 && !is_stdin)
		close(fd);
	if (st != CF_OK && st != CF_ERR_LIMIT && e == 0)
		e = EIO;
	if (err_no)
		*err_no = st == CF_OK || st == CF_ERR_LIMIT ? 0 : e;
	return st;
}

cf_status cf_file_read(const char *path, size_t cap, uint8_t **buf, size_t *len, int *err_no)
{
	return cf_file_read_ex(path, cap, 0, buf, len, err_no);
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

/* A character device or FIFO: open what is there (never creating it),
 * check that it is still a device or FIFO, write through. 0, or an errno
 * or CF_EFILE_* value. */
static int write_through(const char *path, const void *buf, size_t len)
{
	/* Blocking: a FIFO's writer waits for its reader, as with `>`. */
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	struct stat sb;
	int e = 0;
	if (fstat(fd, &sb) != 0)
		e = errno;
	else if (!S_ISCHR(sb.st_mode) && !S_ISFIFO(sb.st_mode))
		e = CF_EFILE_CHANGED; /* opened, but nothing written */
	else if (cf_write_all(fd, buf, len) != 0)
		e = errno;
	if (close(fd) != 0 && e == 0)
		e = errno;
	return e;
}

/* How a staged output reaches its path. */
enum { STAGE_STDOUT, STAGE_THROUGH, STAGE_REPLACE };

struct cf_staged {
	int how;
	int exclusive;
	char *target; /* STAGE_THROUGH: the path; STAGE_REPLACE: the final file */
	char *tmp;    /* STAGE_REPLACE: the temporary, written and synced */
	char *dir;    /* STAGE_REPLACE: the directory of both */
	const void *buf; /* STAGE_STDOUT, STAGE_THROUGH: borrowed until commit */
	size_t len;
};

void cf_file_discard(cf_staged *s)
{
	if (!s)
		return;
	if (s->tmp)
		unlink(s->tmp);
	free(s->target);
	free(s->tmp);
	free(s->dir);
	free(s);
}

/*
 * Where path leads and how it is written (the rules of cf_file_write_atomic):
 * sets s->how and s->target. 0, or an errno or CF_EFILE_* value.
 */
static int resolve(const char *path, cf_staged *s)
{
	if (strcmp(path, "-") == 0) {
		s->how = STAGE_STDOUT;
		return 0;
	}
	struct stat lsb, sb;
	s->how = STAGE_REPLACE;
	if (lstat(path, &lsb) != 0) {
		if (errno != ENOENT)
			return errno;
		/* Nothing there: a new file. */
		s->target = cf_strdup(path);
		return s->target ? 0 : ENOMEM;
	}
	if (s->exclusive)
		return EEXIST;
	sb = lsb;
	if (S_ISLNK(lsb.st_mode) && stat(path, &sb) != 0)
		/* Refused rather than created through: a link to nowhere is
		 * how files get planted in places nobody meant. */
		return errno == ENOENT ? CF_EFILE_DANGLING : errno;
	if (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode)) {
		s->how = STAGE_THROUGH;
		s->target = cf_strdup(path);
		return s->target ? 0 : ENOMEM;
	}
	if (!S_ISREG(sb.st_mode))
		return kind_error(sb.st_mode);
	/* A link to a regular file: replace the final target in its own
	 * directory; the link stays a link. */
	if (!S_ISLNK(lsb.st_mode)) {
		s->target = cf_strdup(path);
		return s->target ? 0 : ENOMEM;
	}
	errno = 0;
	s->target = realpath(path, NULL);
	return s->target ? 0 : errno ? errno : ENOMEM;
}

/* The temporary of a replaced file: beside the target, so that rename()
 * is atomic, written and synced. 0, or an errno value. */
static int write_temporary(cf_staged *s, const void *buf, size_t len, mode_t mode)
{
	size_t plen = strlen(s->target);
	s->dir = malloc(plen + 2);
	s->tmp = malloc(plen + 24);
	if (!s->dir || !s->tmp) {
		free(s->tmp);
		s->tmp = NULL;
		return ENOMEM;
	}
	memcpy(s->dir, s->target, plen + 1);
	char *slash = strrchr(s->dir, '/');
	if (!slash)
		strcpy(s->dir, ".");
	else if (slash == s->dir)
		s->dir[1] = 0;
	else
		*slash = 0;
	/* A short name of its own, not TARGET.suffix: a target name near
	 * NAME_MAX would make that one too long. Hidden, and a name no cfc
	 * output is given by default. */
	snprintf(s->tmp, plen + 24, "%s%s.cfc-tmp.XXXXXX", s->dir,
	         strcmp(s->dir, "/") == 0 ? "" : "/");
	int fd = mkstemp(s->tmp);
	if (fd < 0) {
		int e = errno;
		free(s->tmp);
		s->tmp = NULL;
		return e;
	}
	int e = 0;
	if (fchmod(fd, mode) != 0 || cf_write_all(fd, buf, len) != 0 || fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && !e)
		e = errno;
	return e; /* on failure the caller's discard removes the temporary */
}

cf_status cf_file_stage(const char *path, const void *buf, size_t len, mode_t mode,
                        int exclusive, cf_staged **out, int *err_no)
{
	*out = NULL;
	cf_staged *s = calloc(1, sizeof *s);
	int e = s ? 0 : ENOMEM;
	if (s) {
		s->exclusive = exclusive;
		s->buf = buf;
		s->len = len;
		e = resolve(path, s);
	}
	if (!e && s->how == STAGE_REPLACE)
		e = write_temporary(s, buf, len, mode);
	if (err_no)
		*err_no = e;
	if (e) {
		cf_file_discard(s);
		return e == ENOMEM ? CF_ERR_NOMEM : CF_ERR_IO;
	}
	*out = s;
	return CF_OK;
}

int cf_file_staged_through(const cf_staged *s)
{
	return s && s->how != STAGE_REPLACE;
}

cf_status cf_file_commit(cf_staged *s, int *err_no)
{
	int e = 0;
	if (s->how == STAGE_STDOUT) {
		if (fflush(stdout) != 0 || cf_write_all(STDOUT_FILENO, s->buf, s->len) != 0)
			e = errno ? errno : EIO;
	} else if (s->how == STAGE_THROUGH) {
		e = write_through(s->target, s->buf, s->len);
	} else if (s->exclusive) {
		/* link() fails if target exists: no window where it is replaced. */
		if (link(s->tmp, s->target) != 0)
			e = errno;
	} else {
		/* Last look: what is there now must still be a regular file or
		 * nothing (rename() would replace a device or FIFO too). */
		struct stat sb;
		if (lstat(s->target, &sb) == 0 && !S_ISREG(sb.st_mode))
			e = CF_EFILE_CHANGED;
		else if (rename(s->tmp, s->target) != 0)
			e = errno;
		else {
			free(s->tmp); /* renamed: nothing to remove */
			s->tmp = NULL;
		}
	}
	if (!e && s->how == STAGE_REPLACE) {
		int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	cf_file_discard(s); /* removes the temporary if it is still there */
	if (err_no)
		*err_no = e;
	return e == ENOMEM ? CF_ERR_NOMEM : e ? CF_ERR_IO : CF_OK;
}

int cf_file_check_output(const char *path, int exclusive)
{
	cf_staged s;
	memset(&s, 0, sizeof s);
	s.exclusive = exclusive;
	int e = resolve(path, &s);
	free(s.target);
	return e;
}

cf_status cf_file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
                               int exclusive, int *err_no)
{
	cf_staged *s = NULL;
	cf_status st = cf_file_stage(path, buf, len, mode, exclusive, &s, err_no);
	if (st != CF_OK)
		return st;
	return cf_file_commit(s, err_no);
}

/* ---- inputs and outputs ------------------------------------------------- */

typedef struct input_id {
	dev_t dev;
	ino_t ino;
	char *path;
} input_id;

struct cf_inputs {
	input_id *ids;
	size_t n, cap;
};

cf_inputs *cf_inputs_new(void)
{
	return calloc(1, sizeof(cf_inputs));
}

void cf_inputs_free(cf_inputs *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->n; i++)
		free(in->ids[i].path);
	free(in->ids);
	free(in);
}

cf_status cf_inputs_add(cf_inputs *in, const char *path)
{
	struct stat sb;
	if (!in || !path)
		return CF_ERR_INVALID;
	int is_stdin = strcmp(path, "-") == 0;
	if ((is_stdin ? fstat(STDIN_FILENO, &sb) : stat(path, &sb)) != 0 || !S_ISREG(sb.st_mode))
		return CF_OK; /* nothing an output could replace */
	for (size_t i = 0; i < in->n; i++)
		if (in->ids[i].dev == sb.st_dev && in->ids[i].ino == sb.st_ino)
			return CF_OK;
	if (in->n == in->cap) {
		size_t ncap = in->cap ? in->cap * 2 : 8;
		input_id *n = realloc(in->ids, ncap * sizeof *n);
		if (!n)
			return CF_ERR_NOMEM;
		in->ids = n;
		in->cap = ncap;
	}
	char *copy = cf_strdup(is_stdin ? "<stdin>" : path);
	if (!copy)
		return CF_ERR_NOMEM;
	in->ids[in->n].dev = sb.st_dev;
	in->ids[in->n].ino = sb.st_ino;
	in->ids[in->n].path = copy;
	in->n++;
	return CF_OK;
}

int cf_is_manifest_name(const char *name)
{
	size_t len = strlen(name);
	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".yaml") == 0;
}

cf_status cf_inputs_add_templates(cf_inputs *in, const char *path)
{
	struct stat sb;
	if (!in || !path)
		return CF_ERR_INVALID;
	if (strcmp(path, "-") == 0 || stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return cf_inputs_add(in, path);
	DIR *dir = opendir(path);
	if (!dir)
		return CF_OK; /* the template loader says why */
	cf_status st = CF_OK;
	size_t plen = strlen(path);
	int slash = plen && path[plen - 1] == '/';
	struct dirent *d;
	while (st == CF_OK && (d = readdir(dir)) != NULL) {
		if (!cf_is_manifest_name(d->d_name))
			continue;
		size_t n = plen + strlen(d->d_name) + 2;
		char *p = malloc(n);
		if (!p) {
			st = CF_ERR_NOMEM;
			break;
		}
		snprintf(p, n, "%s%s%s", path, slash ? "" : "/", d->d_name);
		st = cf_inputs_add(in, p);
		free(p);
	}
	closedir(dir);
	return st;
}

const char *cf_inputs_clash(const cf_inputs *in, const char *output)
{
	struct stat sb;
	if (!in || !output || strcmp(output, "-") == 0 || stat(output, &sb) != 0 ||
	    !S_ISREG(sb.st_mode))
		return NULL;
	for (size_t i = 0; i < in->n; i++)
		if (in->ids[i].dev == sb.st_dev && in->ids[i].ino == sb.st_ino)
			return in->ids[i].path;
	return NULL;
}

/* The identity of path's directory and its last name (borrowed from
 * path): 0, -1 when the directory cannot be stat'ed, -2 out of memory. */
static int dir_and_name(const char *path, struct stat *dsb, const char **name)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		*name = path;
		return stat(".", dsb) == 0 ? 0 : -1;
	}
	*name = slash + 1;
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	char *dir = malloc(n + 1);
	if (!dir)
		return -2;
	memcpy(dir, path, n);
	dir[n] = 0;
	int r = stat(dir, dsb) == 0 ? 0 : -1;
	free(dir);
	return r;
}

int cf_output_dangling(const char *path)
{
	struct stat sb;
	if (!path || strcmp(path, "-") == 0 || lstat(path, &sb) != 0 || !S_ISLNK(sb.st_mode))
		return 0;
	return stat(path, &sb) != 0;
}

int cf_same_output(const char *a, const char *b)
{
	struct stat sa, sb;
	if (!a || !b)
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
	if (ea && eb)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (ea || eb)
		return 0;
	const char *na, *nb;
	int ra = dir_and_name(a, &sa, &na);
	int rb = ra == 0 ? dir_and_name(b, &sb, &nb) : -1;
	if (ra == -2 || rb == -2)
		return -1;
	return ra == 0 && rb == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino &&
	       strcmp(na, nb) == 0;
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
