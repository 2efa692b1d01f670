/*
 * base.h - the base helpers of libcf (base/): files and outputs, growable
 * buffers, and diagnostics as data.
 *
 * Files (base/util.c): whole-file reads with a cap, safe output paths
 * (atomic replacement, write-through to devices and FIFOs, refusal of
 * everything else), the input/output identity check, growable buffers.
 *
 * Diagnostics (base/diag.c): library code never prints: it appends
 * diagnostics to a list the caller owns, and the front end prints them gcc
 * style:
 *   PATH:LINE:COL: error: MESSAGE [CODE]
 * Codes are stable kebab-case names, documented in docs/ (compile codes in
 * docs/compile-codes.md, lint codes in docs/lint-codes.md).
 */
#ifndef CF_BASE_H
#define CF_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <cf/api.h>
#include <cf/format.h>

/* ---- Files, outputs and buffers (base/util.c) ------------------------------- */

/*
 * Read a whole file ("-" is stdin) of at most cap bytes. On CF_OK *buf is a
 * malloc'd buffer with a NUL after the last byte (not counted in *len); the
 * caller frees it with free(). CF_ERR_IO sets *err_no to the errno;
 * CF_ERR_NOMEM sets it to ENOMEM; CF_ERR_LIMIT means the file is larger
 * than cap.
 */
CF_API cf_status cf_file_read(const char *path, size_t cap, uint8_t **buf, size_t *len,
                              int *err_no);

/*
 * err_no values for files the helpers below refuse by their kind. They are
 * negative, so never an errno; cf_file_strerror() puts them in words.
 */
enum {
	CF_EFILE_DIR = -1,      /* a directory */
	CF_EFILE_FIFO = -2,     /* a FIFO (named pipe) */
	CF_EFILE_CHRDEV = -3,   /* a character device */
	CF_EFILE_BLKDEV = -4,   /* a block device */
	CF_EFILE_SOCKET = -5,   /* a Unix-domain socket */
	CF_EFILE_SYMLINK = -6,  /* a symbolic link where none is followed */
	CF_EFILE_DANGLING = -7, /* a symbolic link to nothing */
	CF_EFILE_CHANGED = -8,  /* became another kind of file while being opened */
	CF_EFILE_OTHER = -9,    /* any other kind that is not a regular file */
};

/*
 * The words for an err_no of the file helpers, as the end of "cannot write
 * 'PATH': ...": strerror() for an errno, "out of memory" for ENOMEM, "I/O
 * error" for 0, and a sentence for each CF_EFILE_* value. Never NULL.
 */
CF_API const char *cf_file_strerror(int err_no);

/* Flags of cf_file_read_ex(). */
#define CF_READ_REGULAR 1u  /* only a regular file; never blocks on a FIFO or device */
#define CF_READ_NOFOLLOW 2u /* a symbolic link is refused (CF_EFILE_SYMLINK) */

/*
 * cf_file_read() with flags. With CF_READ_REGULAR the path is stat'ed
 * before it is opened, opened with O_NONBLOCK and fstat'ed again, so that
 * a FIFO, device, socket or directory is refused (CF_ERR_IO, *err_no one
 * of CF_EFILE_*) without ever being read or waited on. "-" is stdin and
 * takes no flags.
 */
CF_API cf_status cf_file_read_ex(const char *path, size_t cap, unsigned flags, uint8_t **buf,
                                 size_t *len, int *err_no);

/*
 * Write buf to an output path. What happens depends on what path names,
 * after following symbolic links (README.md, "Output files"):
 *
 *   "-"                  stdout, written as it is;
 *   nothing              a new file: a temporary file in the same
 *                        directory, fsync, rename, fsync of the directory;
 *   a regular file       replaced atomically the same way; behind a
 *                        symbolic link, the link's final target is replaced
 *                        in its own directory and the link is kept;
 *   a character device   opened for writing (no O_CREAT, no O_TRUNC),
 *   or a FIFO            checked with fstat and written through, never
 *                        replaced; a FIFO waits for its reader;
 *   anything else        refused, nothing written: a directory, socket or
 *                        block device (CF_EFILE_DIR, _SOCKET, _BLKDEV), a
 *                        dangling symbolic link (CF_EFILE_DANGLING).
 *
 * On failure the previous file (or no file) is left and the temporary is
 * removed. mode is a new file's permission bits (e.g. 0644, 0600 for
 * secrets). With exclusive set a path that exists in any form, a dangling
 * link included, is not touched (CF_ERR_IO, EEXIST), and a new file is
 * linked into place so that one appearing meanwhile is not replaced either.
 * CF_ERR_IO sets *err_no to an errno or a CF_EFILE_* value; CF_ERR_NOMEM
 * sets it to ENOMEM.
 */
CF_API cf_status cf_file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
                                      int exclusive, int *err_no);

/*
 * cf_file_write_atomic() in two steps, for a run that writes several outputs
 * that belong together (a key pair): stage each, and commit only when all
 * were staged. Staging resolves the path by the rules above and refuses what
 * they refuse; a file to be replaced (or created) is written to its
 * temporary and synced, so that commit is a rename (or link() when
 * exclusive). A device, FIFO or "-" is written at commit, from buf, which
 * stays borrowed until then. cf_file_staged_through() says so: commit those
 * first, as they may fail or block (a FIFO waits for its reader) while a
 * rename does not. commit and discard free the handle; discard removes the
 * temporary. Errors as for cf_file_write_atomic().
 */
typedef struct cf_staged cf_staged;
CF_API cf_status cf_file_stage(const char *path, const void *buf, size_t len, mode_t mode,
                               int exclusive, cf_staged **out, int *err_no);
CF_API int cf_file_staged_through(const cf_staged *s);
CF_API cf_status cf_file_commit(cf_staged *s, int *err_no);
CF_API void cf_file_discard(cf_staged *s);

/*
 * Whether cf_file_write_atomic() would take path, without writing anything:
 * 0, or the errno or CF_EFILE_* value it would fail with on what is there now
 * (a directory, socket, block device, dangling link; EEXIST when exclusive).
 * For a run that checks every output before the first is written.
 */
CF_API int cf_file_check_output(const char *path, int exclusive);

/*
 * The identities (st_dev, st_ino after following symbolic links) of the
 * regular files a run reads, so that an output that is one of them can be
 * refused before anything is written: cf_inputs_clash(). Paths that do not
 * exist or are not regular files are not recorded (an output can only
 * replace a regular file), nor is "-" unless stdin is a regular file.
 */
typedef struct cf_inputs cf_inputs;

/* NULL when out of memory. Free with cf_inputs_free() (NULL is fine). */
CF_API cf_inputs *cf_inputs_new(void);
CF_API void cf_inputs_free(cf_inputs *in);

/* Record one input path (copied). CF_OK or CF_ERR_NOMEM. */
CF_API cf_status cf_inputs_add(cf_inputs *in, const char *path);

/*
 * Record a template argument (-t): a file, or when path is a directory
 * every entry cf_is_manifest_name() accepts, as cf_templates_load() reads
 * them. Nothing is opened but the directory. CF_OK or CF_ERR_NOMEM.
 */
CF_API cf_status cf_inputs_add_templates(cf_inputs *in, const char *path);

/*
 * The input that output names (a regular file with the same st_dev and
 * st_ino, links followed), as recorded (borrowed from in), or NULL: also
 * for "-", for an output that does not exist yet, and for one that is not
 * a regular file (a device or FIFO is written through, never replaced).
 */
CF_API const char *cf_inputs_clash(const cf_inputs *in, const char *output);

/*
 * Whether two output paths name the same file: by identity when both
 * exist, by the identity of the directory and the last name when neither
 * does ("k", "./k" and "d/../k" are one file). 1 same, 0 not, -1 out of
 * memory.
 */
CF_API int cf_same_output(const char *a, const char *b);

/*
 * 1 when path is a symbolic link whose target does not exist (or cannot be
 * reached). The writer refuses such an output; a command with several
 * outputs asks first, because an earlier output of the same run could
 * create the link's target and the later write would then replace it.
 */
CF_API int cf_output_dangling(const char *path);

/* 1 when a directory entry's name is one cf_templates_load() reads from a
 * template directory: "*.yaml", not hidden. */
CF_API int cf_is_manifest_name(const char *name);

/* write() all len bytes, retrying short writes and EINTR; 0, or -1 with
 * errno set. */
CF_API int cf_write_all(int fd, const void *buf, size_t len);

/* A growable byte buffer with a hard cap on its size. */
typedef struct cf_buf {
	uint8_t *data;
	size_t len, cap, limit;
} cf_buf;

/* limit: the most bytes the buffer may ever hold (0: SIZE_MAX / 2). */
CF_API void cf_buf_init(cf_buf *b, size_t limit);
CF_API void cf_buf_free(cf_buf *b);
/* CF_ERR_NOMEM, or CF_ERR_LIMIT past the buffer's limit. */
CF_API cf_status cf_buf_reserve(cf_buf *b, size_t extra);
CF_API cf_status cf_buf_append(cf_buf *b, const void *data, size_t n);
CF_API cf_status cf_buf_printf(cf_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Detach the data (NUL-terminated) and reset b; caller frees with free(). */
CF_API char *cf_buf_take(cf_buf *b, size_t *len);

/* strdup that returns NULL on NULL input or when out of memory. */
CF_API char *cf_strdup(const char *s);

/* ---- Diagnostics (base/diag.c) ---------------------------------------------- */

typedef enum cf_severity {
	CF_NOTE = 0,
	CF_WARNING = 1,
	CF_ERROR = 2,
} cf_severity;

typedef struct cf_diag {
	cf_severity severity;
	const char *code; /* static string, e.g. "field-count"; may be NULL */
	char *path;       /* file the finding is in; NULL: none */
	uint32_t line;    /* 1-based; 0: no line (then col is ignored) */
	uint32_t col;     /* 1-based; 0: unknown */
	int has_offset;   /* byte offset instead of line:col (binary files) */
	uint64_t offset;
	char *message;
	/* Optional context for structured output (lint JSON/SARIF). */
	uint32_t channel;  /* 0: none */
	uint32_t instance; /* instance id; 0: none */
	int field;         /* 0-based field index; -1: none */
	char *field_name;  /* NULL: none */
	char *sensor;      /* sensor version; NULL: none */
} cf_diag;

typedef struct cf_diag_list cf_diag_list;

/* Returns NULL when out of memory. Caller frees with cf_diags_free(). */
CF_API cf_diag_list *cf_diags_new(void);
CF_API void cf_diags_free(cf_diag_list *l);

/*
 * Append a diagnostic; path is copied, message is printf-formatted. Returns
 * the new entry (owned by the list, valid until the next append) so the
 * caller may fill the context fields with cf_diag_set_context(), or NULL
 * when out of memory (the list then remembers that it lost an entry).
 */
CF_API cf_diag *cf_diag_add(cf_diag_list *l, cf_severity sev, const char *code, const char *path,
                            uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
CF_API cf_diag *cf_diag_addv(cf_diag_list *l, cf_severity sev, const char *code, const char *path,
                             uint32_t line, uint32_t col, const char *fmt, va_list ap);
/* Same, located by byte offset in a binary file. */
CF_API cf_diag *cf_diag_add_offset(cf_diag_list *l, cf_severity sev, const char *code,
                                   const char *path, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Copies field_name and sensor (either may be NULL). */
CF_API cf_status cf_diag_set_context(cf_diag *d, uint32_t channel, uint32_t instance, int field,
                                     const char *field_name, const char *sensor);

CF_API size_t cf_diags_count(const cf_diag_list *l);
CF_API const cf_diag *cf_diags_get(const cf_diag_list *l, size_t i);
CF_API size_t cf_diags_errors(const cf_diag_list *l);
CF_API size_t cf_diags_warnings(const cf_diag_list *l);
/* Nonzero when an append failed for lack of memory. */
CF_API int cf_diags_oom(const cf_diag_list *l);
/* Turn every warning into an error (--werror). */
CF_API void cf_diags_promote_warnings(cf_diag_list *l);
/* Stable sort by path, line, col (then insertion order). */
CF_API void cf_diags_sort(cf_diag_list *l);

CF_API const char *cf_severity_label(cf_severity sev); /* "error", "warning", "note" */

/*
 * One diagnostic as a line of text: PATH:LINE:COL: error: MESSAGE [CODE]
 * (or PATH: offset 0xNN: ...), with a newline; colour escapes only when
 * color is nonzero. The path and the message go through cf_text_escape(),
 * so no control character from an input reaches the terminal. Returns a
 * malloc'd string the caller frees with free(), or NULL when out of memory.
 * Front ends print it; the library does not.
 */
CF_API char *cf_diag_format(const cf_diag *d, int color);

/*
 * Nonzero for the code points text output shows as \uNNNN although they are
 * valid and not controls: U+2028 and U+2029 (line and paragraph separators,
 * a line break to some viewers), the bidirectional controls U+061C, U+200E,
 * U+200F, U+202A-U+202E, U+2066-U+2069 (a right-to-left override turns
 * "evil\u202ecod.exe" into what reads as "evilexe.doc"), and U+200B, U+2060
 * and U+FEFF (zero width: two names that print alike). `cfc dump` writes
 * them as \uNNNN escapes in double quotes too.
 */
CF_API int cf_text_invisible(uint32_t cp);

/*
 * Text from inputs (paths, names, regexes, values, comments) made safe for a
 * terminal or a log. Copies s[0..len), embedded NULs included, escaping
 * every control character visibly:
 *   \n \r \t        for newline, carriage return and tab;
 *   \xNN            for the other C0 controls (0x00-0x1f) and DEL (0x7f);
 *   \u00NN          for the C1 controls U+0080-U+009F (UTF-8 c2 80..c2 9f);
 *   \uNNNN          for what cf_text_invisible() lists: the line and
 *                   paragraph separators, the bidirectional controls (they
 *                   reorder what a terminal shows) and the invisible
 *                   characters that make two strings look the same;
 *   \xNN            for each byte that is not part of valid UTF-8 (a lone
 *                   continuation byte, a truncated or overlong sequence, a
 *                   surrogate, a code point above U+10FFFF).
 * Printable UTF-8 passes unchanged, backslashes included (Windows paths),
 * so the result is for reading, not for decoding back.
 *
 * Writes as many whole characters as fit in out[0..cap) followed by a NUL,
 * sets *out_len to the bytes written (the NUL not counted) and returns how
 * many bytes of s it consumed. A cap of at least CF_TEXT_ESCAPE_MIN always
 * consumes something; call again with the rest. Never allocates.
 */
#define CF_TEXT_ESCAPE_MIN 7
CF_API size_t cf_text_escape(const char *s, size_t len, char *out, size_t cap, size_t *out_len);

/* The same escaping, appended to b. CF_ERR_NOMEM, or CF_ERR_LIMIT past b's
 * limit (b then holds a prefix of the escaped text). */
CF_API cf_status cf_text_escape_buf(cf_buf *b, const char *s, size_t len);

/* ---- What one YAML source may hold (base/yaml.c) ---------------------------- */

/* Rule sources and template manifests alike; a larger one is refused with a
 * located error. `cfc dump --split` keeps each part within both. */
#define CF_YAML_MAX_SIZE ((size_t)16 << 20) /* bytes of one source file */
#define CF_YAML_MAX_NODES 4000000u          /* nodes of one document */

#endif
