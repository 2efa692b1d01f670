/*
 * bundle.h - signed release bundles: a reproducible tar archive (zstd or
 * gzip) holding a signed manifest and signed channel files, the strict
 * in-memory verifier, and all-or-nothing installation with rollback state.
 *
 * docs/bundles.md describes the manifest, the caps, the checks and their
 * order, the rollback state and what installation guarantees.
 *
 * Nothing here prints or exits. Problems are appended to a diagnostic list
 * the caller owns (severity error, a stable code such as "bundle-entry-name",
 * path = the bundle, message naming the entry at fault); the function then
 * returns CF_ERR_REJECTED (the bundle is bad), CF_ERR_IO, CF_ERR_NOMEM,
 * CF_ERR_INVALID (API misuse) or CF_ERR_INTERNAL (libarchive without zstd or
 * gzip support).
 */
#ifndef CF_BUNDLE_H
#define CF_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include <cf/api.h>
#include <cf/base.h>
#include <cf/format.h>
#include <cf/sign.h>

/* ---- Caps (docs/bundles.md, "Caps") ---------------------------------------- */

#define CF_BUNDLE_MAX_ENTRIES 4096u                           /* archive entries */
#define CF_BUNDLE_MAX_ENTRY_SIZE ((uint64_t)64 << 20)         /* 64 MiB per entry */
#define CF_BUNDLE_MAX_TOTAL_SIZE ((uint64_t)256 << 20)        /* 256 MiB, all entries */
#define CF_BUNDLE_MAX_ARCHIVE_SIZE ((uint64_t)272 << 20)      /* the compressed file */
#define CF_BUNDLE_MAX_MANIFEST_SIZE ((uint64_t)4 << 20)       /* manifest.json */
#define CF_BUNDLE_MAX_FILES ((CF_BUNDLE_MAX_ENTRIES - 2) / 2) /* channel files */
#define CF_BUNDLE_MAX_NAME 100u                               /* entry name bytes */
#define CF_BUNDLE_MAX_RINGS 32u
#define CF_BUNDLE_MAX_RING_NAME 64u
#define CF_BUNDLE_DEFAULT_LIFETIME ((uint64_t)30 * 24 * 3600) /* expires - created */

#define CF_BUNDLE_MANIFEST "manifest.json"
#define CF_BUNDLE_MANIFEST_SIG "manifest.json.minisig"
#define CF_BUNDLE_STATE_FILE "cfc-state.json"

/* Fixed compression settings: part of the reproducibility promise. */
#define CF_BUNDLE_ZSTD_LEVEL 19
#define CF_BUNDLE_GZIP_LEVEL 9

typedef enum cf_bundle_compression {
	CF_BUNDLE_ZSTD = 1, /* .tar.zst */
	CF_BUNDLE_GZIP = 2, /* .tar.gz */
} cf_bundle_compression;

/*
 * The compression a bundle path asks for by its extension: ".tar.zst" or
 * ".tar.gz"; 0 for anything else.
 */
CF_API cf_bundle_compression cf_bundle_compression_for_path(const char *path);

/*
 * Nonzero when path looks like a bundle rather than a channel file: its
 * name ends in ".tar.zst", ".tar.gz", ".tgz" or ".tar", or its first bytes
 * are a zstd or gzip magic or a ustar header. Reads at most 512 bytes; an
 * unreadable file gives 0 (the caller's own open reports the error).
 */
CF_API int cf_bundle_path_is_bundle(const char *path);

/*
 * A plain entry name: 1..CF_BUNDLE_MAX_NAME bytes of [A-Za-z0-9._+-], not
 * starting with '.' or '-' (so no "..", no hidden files, no "/", no
 * absolute paths, no options). Returns 1 when valid.
 */
CF_API int cf_bundle_name_valid(const char *name, size_t len);

/* ---- Creating ---------------------------------------------------------- */

/* One channel file to bundle: its bytes and its minisign signature text
 * (both borrowed). name is the entry name (a plain name ending in ".cf");
 * the signature goes in as NAME.minisig. path names the input in
 * diagnostics (NULL: name). */
typedef struct cf_bundle_input {
	const char *name;
	const char *path;
	const uint8_t *data;
	size_t len;
	const char *sig;
	size_t sig_len;
} cf_bundle_input;

typedef struct cf_bundle_ring {
	const char *name; /* [a-z][a-z0-9-]{0,63} */
	unsigned percent; /* 1..100, strictly increasing, the last one 100 */
} cf_bundle_ring;

/* 1 when rings are valid: 1..CF_BUNDLE_MAX_RINGS of them, names valid and
 * distinct, percentages strictly rising and the last one 100. Otherwise 0
 * and msg (msg_cap bytes) says what is wrong. */
CF_API int cf_bundle_rings_valid(const cf_bundle_ring *rings, size_t n, char *msg, size_t msg_cap);

typedef struct cf_bundle_create_opts {
	uint64_t bundle_version; /* 1..2^63-1 */
	uint64_t created;        /* Unix time; also every entry's mtime */
	uint64_t expires;        /* Unix time, above created */
	const cf_bundle_ring *rings;
	size_t ring_count; /* 0: one ring "all" at 100 */
	cf_bundle_compression compression;
} cf_bundle_create_opts;

/*
 * Build a bundle. Policy: every channel file must already carry a valid
 * signature by sk's key, bound to its header (cf_sig_verify_channel); the
 * bundler signs only the manifest. Files are checked in full and every
 * problem is reported (bad signature, bad name, two files for one channel,
 * one name twice, caps). The result is checked again with cf_bundle_open()
 * before it is returned. The same inputs and options give the same bytes.
 * Borrows everything; on CF_OK *out is malloc'd and the caller frees it
 * with free(). path names the output in diagnostics.
 */
CF_API cf_status cf_bundle_create(const cf_seckey *sk, const cf_bundle_input *files, size_t count,
                                  const cf_bundle_create_opts *opts, const char *path,
                                  uint8_t **out, size_t *out_len, cf_diag_list *diags);

/* ---- Verifying (in memory) -------------------------------------------- */

typedef struct cf_bundle cf_bundle;

/* One verified channel file of an open bundle. Every pointer is owned by
 * the bundle and valid until cf_bundle_free(). view borrows data. */
typedef struct cf_bundle_file {
	const char *name;    /* "c291.cf" */
	const uint8_t *data; /* the channel file */
	size_t len;
	const char *sig_name; /* "c291.cf.minisig" */
	const char *sig;      /* its signature file text, NUL-terminated */
	size_t sig_len;
	uint8_t hash[32]; /* BLAKE2b-256 of data */
	cf_view view;     /* verified by cf_verify() through the signature check */
} cf_bundle_file;

typedef struct cf_bundle_open_opts {
	uint64_t now;     /* Unix time the expiry is checked against */
	const char *path; /* names the bundle in diagnostics (NULL: "bundle") */
	/* Lower caps for tests and small devices; 0 means the default. Values
	 * above the defaults are clamped to them. */
	uint64_t max_entries, max_entry_size, max_total_size;
} cf_bundle_open_opts;

/*
 * Verify a bundle held in memory, in the order docs/bundles.md gives:
 * archive entries (tar only, zstd/gzip/none, caps enforced at each header
 * before its data is read, plain names of regular files only, no
 * duplicates), nothing after the archive (one zstd frame or gzip member
 * ending at len, the tar's end-of-archive marker after its last entry,
 * then only zero padding to the end of its 10240-byte record), the
 * manifest's signature by pk and its trusted comment, the manifest
 * itself, its expiry against opts->now, the entry set (nothing
 * unlisted, every listed file once) and each file (size, BLAKE2b-256,
 * signature size and hash, signature by pk bound to the header, header
 * equal to the manifest's record). Every file-level problem is reported.
 * The bundle copies what it keeps: buf may be freed afterwards. On CF_OK
 * *out is the verified bundle; the caller frees it with cf_bundle_free().
 */
CF_API cf_status cf_bundle_open(const uint8_t *buf, size_t len, const cf_pubkey *pk,
                                const cf_bundle_open_opts *opts, cf_bundle **out,
                                cf_diag_list *diags);
CF_API void cf_bundle_free(cf_bundle *b);

CF_API uint64_t cf_bundle_version(const cf_bundle *b);
CF_API uint64_t cf_bundle_created(const cf_bundle *b);
CF_API uint64_t cf_bundle_expires(const cf_bundle *b);
/* Files in the manifest's order (ascending by name). */
CF_API size_t cf_bundle_file_count(const cf_bundle *b);
CF_API const cf_bundle_file *cf_bundle_file_at(const cf_bundle *b, size_t i);
/* Rings in manifest order; the name is owned by the bundle. */
CF_API size_t cf_bundle_ring_count(const cf_bundle *b);
CF_API cf_bundle_ring cf_bundle_ring_at(const cf_bundle *b, size_t i);
/* The signed manifest and its signature, as in the archive (borrowed). */
CF_API const uint8_t *cf_bundle_manifest(const cf_bundle *b, size_t *len);
CF_API const char *cf_bundle_manifest_sig(const cf_bundle *b, size_t *len);

/* ---- Installing ---------------------------------------------------------- */

/*
 * Check a verified bundle against the rollback state in state_dir (the
 * file CF_BUNDLE_STATE_FILE; none yet means nothing installed): the bundle
 * version must be above the installed one, and each channel's content
 * version at least the installed one, equal only with identical bytes.
 * CF_OK, CF_ERR_REJECTED (diagnostics), CF_ERR_IO for an unreadable or
 * malformed state file.
 */
CF_API cf_status cf_bundle_check_state(const cf_bundle *b, const char *state_dir, const char *path,
                                       cf_diag_list *diags);

/*
 * Install a verified bundle into dir (which must exist): with state_dir
 * (NULL: none) the rollback check runs first under an exclusive lock on
 * state_dir. Then every file and signature is written into a fresh
 * mkdtemp() directory inside dir and fsync'd, each is renamed into place,
 * dir is fsync'd, the temporary directory removed, and last the state file
 * is replaced atomically. Nothing is written before every check passed.
 * CF_OK, CF_ERR_REJECTED (rollback), CF_ERR_IO (*err_no set when non-NULL),
 * CF_ERR_NOMEM.
 */
CF_API cf_status cf_bundle_install(const cf_bundle *b, const char *dir, const char *state_dir,
                                   const char *path, cf_diag_list *diags, int *err_no);

#endif
