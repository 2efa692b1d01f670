/*
 * cf_util.h - whole-file reads with a cap, atomic writes, growable buffers.
 */
#ifndef CF_UTIL_H
#define CF_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/cf_format.h"

/*
 * Read a whole file ("-" is stdin) of at most cap bytes. On CF_OK *buf is a
 * malloc'd buffer with a NUL after the last byte (not counted in *len); the
 * caller frees it with free(). CF_ERR_IO sets *err_no to the errno;
 * CF_ERR_NOMEM sets it to ENOMEM; CF_ERR_LIMIT means the file is larger
 * than cap.
 */
cf_status cf_file_read(const char *path, size_t cap, uint8_t **buf, size_t *len, int *err_no);

/*
 * Write buf atomically: a temporary file in the same directory, fsync,
 * rename over path, fsync of the directory. On failure the previous file (or
 * no file) is left and the temporary is removed. "-" writes to stdout.
 * mode is the new file's permission bits (e.g. 0644, 0600 for secrets).
 * With exclusive set an existing path is not replaced (CF_ERR_IO, EEXIST).
 * CF_ERR_NOMEM sets *err_no to ENOMEM.
 */
cf_status cf_file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
                               int exclusive, int *err_no);

/* write() all len bytes, retrying short writes and EINTR; 0, or -1 with
 * errno set. */
int cf_write_all(int fd, const void *buf, size_t len);

/* A growable byte buffer with a hard cap on its size. */
typedef struct cf_buf {
	uint8_t *data;
	size_t len, cap, limit;
} cf_buf;

/* limit: the most bytes the buffer may ever hold (0: SIZE_MAX / 2). */
void cf_buf_init(cf_buf *b, size_t limit);
void cf_buf_free(cf_buf *b);
/* CF_ERR_NOMEM, or CF_ERR_LIMIT past the buffer's limit. */
cf_status cf_buf_reserve(cf_buf *b, size_t extra);
cf_status cf_buf_append(cf_buf *b, const void *data, size_t n);
cf_status cf_buf_printf(cf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Detach the data (NUL-terminated) and reset b; caller frees with free(). */
char *cf_buf_take(cf_buf *b, size_t *len);

/* strdup that returns NULL on NULL input or when out of memory. */
char *cf_strdup(const char *s);

#endif
