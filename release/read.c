/*
 * read.c - cf_bundle_open(): verify a bundle held in memory.
 *
 * The archive is read entry by entry with libarchive (tar formats only;
 * zstd, gzip or no compression, all in-process). Every cap is checked at
 * the entry's header, before its data is decompressed, and the data read
 * is counted against the size the header declared. Only then, with every
 * byte in memory, come the signature, the manifest and the files. The
 * checks run in the order docs/bundles.md lists; nothing is trusted before
 * the manifest's signature verified, and the manifest's JSON is parsed only
 * after that.
 *
 * Two libarchive readers are chained: "raw" decompresses the input (zstd,
 * gzip or none) and hands the stream on block by block through tap_read(),
 * which notes its length and where its final run of zero bytes starts; the
 * tar reader parses that stream. libarchive's tar reader stops at the first
 * zero block and accepts an archive without its end-of-archive marker, and
 * its filters ignore what follows the compressed data or decode a second
 * zstd frame or gzip member as more of the same stream. So after the last
 * entry the rest of the stream is drained through the tap (a bounded
 * amount) and checked here: the end marker where the entries end, then only
 * zero padding to the end of the tar record, then nothing left of the
 * input (check_end()). Before anything is decompressed, zstd input must be
 * one frame and nothing else: libzstd says where the first frame ends,
 * from the compressed bytes alone (check_zstd_frames()).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <zstd.h>

#include "release/bundle_int.h"

typedef struct rctx {
	const char *path;
	cf_diag_list *diags;
	uint64_t max_entries, max_entry_size, max_total;
} rctx;

/* A tar archive is 512-byte blocks, ended by two zero blocks (the end
 * marker); writers pad it with zeros to a whole record of 20 blocks. */
#define TAR_BLOCK 512u
#define TAR_END_MARKER (2 * TAR_BLOCK)
#define TAR_RECORD (20 * TAR_BLOCK)
/* How far past the allowed end the rest of the stream is decompressed to
 * count what is there; beyond this the message says "at least". */
#define TRAILING_COUNT_MAX ((uint64_t)1 << 20)

/* The decompressed stream on its way from the raw reader to the tar
 * reader: how long it is so far, and where its final run of zeros starts
 * (every byte from zero_from to len is zero). */
typedef struct tap {
	struct archive *raw;
	uint64_t len;
	uint64_t zero_from;
	int failed; /* raw reported an error; its text is in raw */
} tap;

/* A name as it may be shown: printable ASCII, the rest as '?', cut short. */
static void shown(const char *name, char out[128])
{
	size_t i = 0;
	for (; name && name[i] && i < 120; i++) {
		unsigned char ch = (unsigned char)name[i];
		out[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (name && name[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

static const char *type_name(mode_t type)
{
	switch (type) {
	case AE_IFLNK:
		return "a symbolic link";
	case AE_IFDIR:
		return "a directory";
	case AE_IFCHR:
		return "a character device";
	case AE_IFBLK:
		return "a block device";
	case AE_IFIFO:
		return "a FIFO";
	case AE_IFSOCK:
		return "a socket";
	default:
		return "not a regular file";
	}
}

static void entries_free(bentry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].name);
		free(e[i].data);
	}
	free(e);
}

/* Case-insensitive first, so names that differ only in case sit side by
 * side; byte order breaks ties, so the order is total. */
static int entry_cmp(const void *a, const void *b)
{
	const bentry *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);
	return c ? c : strcmp(x->name, y->name);
}

static const bentry *entry_find(const bentry *e, size_t n, const char *name)
{
	bentry key = {(char *)name, NULL, 0};
	if (n == 0) /* e is NULL then, and bsearch must not see it */
		return NULL;
	return bsearch(&key, e, n, sizeof *e, entry_cmp);
}

/* Check one header; on CF_OK the caller reads size bytes of data. */
static cf_status check_header(rctx *c, struct archive_entry *ae, uint64_t index, uint64_t total,
                              uint64_t *size)
{
	char name[128];
	const char *raw = archive_entry_pathname(ae);
	shown(raw, name);
	if (index > c->max_entries)
		return cf_bundle_reject(c->diags, c->path, "bundle-limit",
		                        "more than %" PRIu64 " archive entries", c->max_entries);
	if (!raw)
		return cf_bundle_reject(c->diags, c->path, "bundle-entry-name",
		                        "entry %" PRIu64 ": no usable path name", index);
	if (archive_entry_hardlink(ae))
		return cf_bundle_reject(c->diags, c->path, "bundle-entry-type",
		                        "entry '%s': a hard link; only regular files are allowed",
		                        name);
	mode_t type = archive_entry_filetype(ae);
	if (type != AE_IFREG || archive_entry_symlink(ae))
		return cf_bundle_reject(c->diags, c->path, "bundle-entry-type",
		                        "entry '%s': %s; only regular files are allowed", name,
		                        archive_entry_symlink(ae) ? "a symbolic link"
		                                                  : type_name(type));
	if (!cf_bundle_name_valid(raw, strlen(raw)))
		return cf_bundle_reject(c->diags, c->path, "bundle-entry-name",
		                        "entry '%s': not a plain file name (only [A-Za-z0-9._+-], "
		                        "at most %u bytes, no leading '.' or '-'; no '/', '..' or "
		                        "absolute paths)",
		                        name, CF_BUNDLE_MAX_NAME);
	if (archive_entry_sparse_count(ae) > 0)
		return cf_bundle_reject(c->diags, c->path, "bundle-entry-type",
		                        "entry '%s': a sparse file; only plain regular files are "
		                        "allowed",
		                        name);
	if (!archive_entry_size_is_set(ae) || archive_entry_size(ae) < 0)
		return cf_bundle_reject(c->diags, c->path, "bundle-archive",
		                        "entry '%s': no size in its header", name);
	uint64_t sz = (uint64_t)archive_entry_size(ae);
	if (sz > c->max_entry_size)
		return cf_bundle_reject(c->diags, c->path, "bundle-limit",
		                        "entry '%s': %" PRIu64 " bytes, over the %" PRIu64
		                        "-byte cap on one entry",
		                        name, sz, c->max_entry_size);
	if (sz > c->max_total - total)
		return cf_bundle_reject(c->diags, c->path, "bundle-limit",
		                        "entry '%s': %" PRIu64 " bytes would take the archive past "
		                        "the %" PRIu64 "-byte cap on its decompressed contents",
		                        name, sz, c->max_total);
	*size = sz;
	return CF_OK;
}

/* libarchive reports "Unrecognized archive format" with EILSEQ (its
 * private ARCHIVE_ERRNO_FILE_FORMAT); anything else at the first header is
 * damage to something it did recognise (a truncated zstd stream, say). A
 * decompression error that reached the tar reader through the tap has its
 * cause in the raw reader. */
static cf_status archive_fail(rctx *c, struct archive *a, const tap *t, uint64_t entries,
                              const char *name)
{
	int from_raw = t && t->failed;
	const char *why = archive_error_string(from_raw ? t->raw : a);
	if (!why)
		why = "unknown error";
	if (entries == 0 && !from_raw && archive_errno(a) == EILSEQ)
		return cf_bundle_reject(c->diags, c->path, "bundle-archive",
		                        "not a bundle (a tar archive, optionally zstd or gzip "
		                        "compressed): %s",
		                        why);
	if (name)
		return cf_bundle_reject(c->diags, c->path, "bundle-archive",
		                        "entry '%s': corrupt or truncated archive: %s", name, why);
	if (entries == 0)
		return cf_bundle_reject(c->diags, c->path, "bundle-archive",
		                        "corrupt or truncated archive: %s", why);
	return cf_bundle_reject(c->diags, c->path, "bundle-archive",
	                        "corrupt or truncated archive after %" PRIu64 " entries: %s",
	                        entries, why);
}

static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Note n more bytes of the decompressed stream. Only the trailing zeros of
 * a block are scanned (a tar block at a time while they last), so data
 * costs next to nothing. */
static void tap_note(tap *t, const uint8_t *p, size_t n)
{
	static const uint8_t zeros[TAR_BLOCK];
	size_t i = n;
	while (i >= TAR_BLOCK && memcmp(p + i - TAR_BLOCK, zeros, TAR_BLOCK) == 0)
		i -= TAR_BLOCK;
	while (i > 0 && p[i - 1] == 0)
		i--;
	if (i > 0)
		t->zero_from = t->len + i;
	t->len += n;
}

/* The tar reader's read callback: the raw reader's next block, noted. */
static la_ssize_t tap_read(struct archive *a, void *arg, const void **out)
{
	tap *t = arg;
	const void *p = NULL;
	size_t n = 0;
	la_int64_t off = 0;
	int r = archive_read_data_block(t->raw, &p, &n, &off);
	*out = NULL;
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK) {
		const char *why = archive_error_string(t->raw);
		t->failed = 1;
		archive_set_error(a, EIO, "%s", why ? why : "decompression failed");
		return ARCHIVE_FATAL;
	}
	tap_note(t, p, n);
	*out = p;
	return (la_ssize_t)n;
}

/* Whether p starts with the magic number of a zstd frame or of a
 * skippable frame (RFC 8878, sections 3.1.1 and 3.1.2). */
static int zstd_magic(const uint8_t *p, size_t len)
{
	if (len < 4)
		return 0;
	uint32_t m = ld32(p);
	return m == ZSTD_MAGICNUMBER ||
	       (m & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
}

/*
 * zstd input is exactly one frame and nothing after it. Checked on the
 * compressed bytes before any of them is decompressed: libzstd's
 * ZSTD_findFrameCompressedSize() finds the end of the first frame from its
 * frame header and block headers alone, so a second frame, however much it
 * would inflate to, costs nothing. *unwalked is set when libzstd finds no
 * whole, well-formed frame there (damage the decompressor will report).
 */
static cf_status check_zstd_frames(rctx *c, const uint8_t *buf, size_t len, int *unwalked)
{
	*unwalked = 0;
	if (!zstd_magic(buf, len))
		return CF_OK;
	if (ld32(buf) != ZSTD_MAGICNUMBER)
		return cf_bundle_reject(c->diags, c->path, "bundle-archive",
		                        "the zstd data starts with a skippable frame; a bundle is "
		                        "exactly one zstd frame holding the tar archive");
	size_t end = ZSTD_findFrameCompressedSize(buf, len);
	if (ZSTD_isError(end) || end == 0 || end > len) {
		*unwalked = 1;
		return CF_OK;
	}
	if (end == len)
		return CF_OK;
	return cf_bundle_reject(
	    c->diags, c->path, "bundle-archive", "%zu byte%s after the end of the archive (%s)",
	    len - end, len - end == 1 ? "" : "s",
	    zstd_magic(buf + end, len - end) ? "a second zstd frame; a bundle is exactly one"
	                                     : "after the zstd frame that holds it");
}

/*
 * gzip input is exactly one member, intact, holding the whole stream.
 * libarchive's gzip reader checks neither the member's CRC-32 nor its
 * length (ISIZE), decodes a second member as more of the same stream and
 * ignores what follows the last one, so the compressed bytes go once more
 * through zlib, which checks both: inflate must end the first member
 * exactly at the end of the input, with stream_len bytes out (what the
 * tar reader was given, already within the caps; more is not inflated).
 */
static cf_status check_gzip(rctx *c, const uint8_t *buf, size_t len, uint64_t stream_len)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (len > UINT_MAX)
		return cf_bundle_reject(c->diags, c->path, "bundle-archive",
		                        "the gzip data is larger than zlib takes in one piece");
	if (inflateInit2(&z, 15 + 16) != Z_OK) /* gzip only, 32 KiB window */
		return CF_ERR_NOMEM;
	uint8_t out[16384];
	uint64_t total = 0;
	int r;
	z.next_in = (Bytef *)(uintptr_t)buf;
	z.avail_in = (uInt)len;
	do {
		z.next_out = out;
		z.avail_out = sizeof out;
		r = inflate(&z, Z_NO_FLUSH);
		total += sizeof out - z.avail_out;
	} while (r == Z_OK && total <= stream_len);
	char why[160] = "";
	if (r == Z_MEM_ERROR) {
		inflateEnd(&z);
		return CF_ERR_NOMEM;
	}
	if (r == Z_DATA_ERROR)
		snprintf(why, sizeof why, "the gzip data is damaged (%s)",
		         z.msg ? z.msg : "zlib found an error");
	else if (total > stream_len || (r == Z_STREAM_END && total != stream_len))
		snprintf(why, sizeof why,
		         "the gzip member is not the whole archive: it holds %s%" PRIu64
		         " bytes, the archive read is %" PRIu64 " (a second member, or damage)",
		         r == Z_STREAM_END ? "" : "more than ", total, stream_len);
	else if (r != Z_STREAM_END)
		snprintf(why, sizeof why, "the gzip data ends before its member does");
	else if (z.avail_in)
		snprintf(why, sizeof why,
		         "%u byte%s after the gzip member that holds the archive (a second "
		         "member, or other data)",
		         z.avail_in, z.avail_in == 1 ? "" : "s");
	inflateEnd(&z);
	if (why[0])
		return cf_bundle_reject(c->diags, c->path, "bundle-archive", "%s", why);
	return CF_OK;
}

/*
 * After the last entry. end is where the last entry's data ends (padded to
 * 512 bytes), used how much of the stream the tar reader took from there
 * (1024 when it found the two zero blocks of the end marker). Drains
 * the rest of the decompressed stream through the tap, at most
 * TRAILING_COUNT_MAX bytes past the allowed end, then requires: the end
 * marker right at end; only zero bytes after it, and none past the end of
 * the 10240-byte tar record that holds it; and all of the input consumed
 * (for gzip, one member: its trailer's size is the stream's).
 */
static cf_status check_end(rctx *c, tap *t, uint64_t end, uint64_t used, const uint8_t *buf,
                           size_t len, uint64_t entries)
{
	uint64_t marker_end = end + TAR_END_MARKER;
	uint64_t allowed = (marker_end + TAR_RECORD - 1) / TAR_RECORD * TAR_RECORD;
	uint64_t stop = allowed + TRAILING_COUNT_MAX;
	int cut = 0;
	for (;;) {
		const void *p = NULL;
		size_t n = 0;
		la_int64_t off = 0;
		int r = archive_read_data_block(t->raw, &p, &n, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			return archive_fail(c, t->raw, NULL, entries, NULL);
		/* Past the count cap, one block more tells whether the count
		 * was complete. */
		cut = t->len > stop;
		tap_note(t, p, n);
		if (cut)
			break;
	}
	int nonzero = t->zero_from > end;
	if (t->len < marker_end ||
	    (nonzero && (t->zero_from <= marker_end || used < TAR_END_MARKER)))
		return cf_bundle_reject(c->diags, c->path, "bundle-archive",
		                        "the archive has no end-of-archive marker (two 512-byte "
		                        "blocks of zeros after its last entry)");
	if (nonzero || t->len > allowed)
		return cf_bundle_reject(
		    c->diags, c->path, "bundle-archive",
		    "%s%" PRIu64 " byte%s after the end of the archive (%s)",
		    cut ? "at least " : "", t->len - marker_end,
		    t->len - marker_end == 1 ? "" : "s",
		    nonzero ? "not all zeros; only zero padding to the end of the 10240-byte tar "
		              "record may follow the end-of-archive marker"
		            : "zero padding past the end of the 10240-byte tar record");
	la_int64_t consumed = archive_filter_bytes(t->raw, -1);
	if (consumed >= 0 && (uint64_t)consumed < (uint64_t)len)
		return cf_bundle_reject(c->diags, c->path, "bundle-archive",
		                        "%" PRIu64 " byte%s after the end of the archive (after "
		                        "the %s data that holds it)",
		                        (uint64_t)len - (uint64_t)consumed,
		                        (uint64_t)len - (uint64_t)consumed == 1 ? "" : "s",
		                        archive_filter_name(t->raw, 0));
	if (archive_filter_code(t->raw, 0) == ARCHIVE_FILTER_GZIP)
		return check_gzip(c, buf, len, t->len);
	return CF_OK;
}

/* Read every entry into memory, enforcing the caps as it goes, then check
 * that nothing follows the archive. */
static cf_status read_entries(rctx *c, const uint8_t *buf, size_t len, bentry **out,
                              size_t *out_count)
{
	cf_status st = CF_ERR_NOMEM;
	bentry *e = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	int unwalked = 0;
	tap t = {archive_read_new(), 0, 0, 0};
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	*out = NULL;
	*out_count = 0;
	if (!a || !t.raw)
		goto out;
	/* ARCHIVE_WARN here means "would run an external program": refused. */
	if (archive_read_support_filter_zstd(t.raw) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(t.raw) != ARCHIVE_OK ||
	    archive_read_support_filter_none(t.raw) != ARCHIVE_OK ||
	    archive_read_support_format_raw(t.raw) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK) {
		st = CF_ERR_INTERNAL;
		if (c->diags)
			cf_diag_add(c->diags, CF_ERROR, "bundle-internal", c->path, 0, 0,
			            "libarchive lacks built-in zstd or gzip support");
		goto out;
	}
	if ((st = check_zstd_frames(c, buf, len, &unwalked)) != CF_OK)
		goto out;
	if (archive_read_open_memory(t.raw, buf, len) != ARCHIVE_OK ||
	    archive_read_next_header(t.raw, &ae) != ARCHIVE_OK) {
		st = archive_fail(c, t.raw, NULL, 0, NULL);
		goto out;
	}
	/* Filters count the input itself as one: more than two is a
	 * compressed stream inside another, whose own end nothing checks. */
	if (archive_filter_count(t.raw) > 2) {
		st = cf_bundle_reject(c->diags, c->path, "bundle-archive",
		                      "compressed more than once (%s inside %s); a bundle is a tar "
		                      "archive compressed once with zstd or gzip, or not at all",
		                      archive_filter_name(t.raw, 0), archive_filter_name(t.raw, 1));
		goto out;
	}
	if (archive_read_open(a, &t, NULL, tap_read, NULL) != ARCHIVE_OK) {
		st = archive_fail(c, a, &t, 0, NULL);
		goto out;
	}
	for (;;) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			/* ARCHIVE_WARN included: a malformed header is not "mostly ok". */
			st = archive_fail(c, a, &t, n, NULL);
			goto out;
		}
		if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_TAR) {
			st = cf_bundle_reject(c->diags, c->path, "bundle-archive",
			                      "not a tar archive (%s)", archive_format_name(a));
			goto out;
		}
		uint64_t size = 0;
		if ((st = check_header(c, ae, (uint64_t)n + 1, total, &size)) != CF_OK)
			goto out;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			bentry *ne = realloc(e, ncap * sizeof *e);
			if (!ne) {
				st = CF_ERR_NOMEM;
				goto out;
			}
			e = ne;
			cap = ncap;
		}
		bentry *cur = &e[n];
		memset(cur, 0, sizeof *cur);
		n++;
		cur->name = strdup(archive_entry_pathname(ae));
		cur->data = malloc((size_t)size + 1);
		if (!cur->name || !cur->data) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		size_t got = 0;
		while (got < size) {
			la_ssize_t r2 = archive_read_data(a, cur->data + got, (size_t)size - got);
			if (r2 < 0 || (r2 == 0 && got < size)) {
				st = archive_fail(c, a, &t, n, cur->name);
				goto out;
			}
			got += (size_t)r2;
		}
		uint8_t probe[16];
		la_ssize_t extra = archive_read_data(a, probe, sizeof probe);
		if (extra != 0) {
			st = extra < 0 ? archive_fail(c, a, &t, n, cur->name)
			               : cf_bundle_reject(c->diags, c->path, "bundle-archive",
			                                  "entry '%s': more data than its header "
			                                  "declares",
			                                  cur->name);
			goto out;
		}
		cur->data[size] = 0;
		cur->len = (size_t)size;
		total += size;
	}
	/* The last call of the tar reader started right after the last
	 * entry's data (and its padding to 512 bytes): that is where the end
	 * marker must be. What it took from there says whether it found two
	 * zero blocks. */
	la_int64_t end = archive_read_header_position(a);
	la_int64_t pos = archive_filter_bytes(a, 0);
	if (end < 0 || pos < end) {
		st = CF_ERR_INTERNAL;
		if (c->diags)
			cf_diag_add(c->diags, CF_ERROR, "bundle-internal", c->path, 0, 0,
			            "libarchive did not report where the archive ends");
		goto out;
	}
	if ((st = check_end(c, &t, (uint64_t)end, (uint64_t)(pos - end), buf, len, n)) != CF_OK)
		goto out;
	if (unwalked) {
		st = cf_bundle_reject(c->diags, c->path, "bundle-archive",
		                      "the zstd data is not one well-formed zstd frame");
		goto out;
	}
	/* An archive with no entries leaves e NULL: qsort must not see it. */
	if (n > 1)
		qsort(e, n, sizeof *e, entry_cmp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(e[i - 1].name, e[i].name) == 0) {
			st = cf_bundle_reject(c->diags, c->path, "bundle-entry-duplicate",
			                      "entry '%s': in the archive more than once",
			                      e[i].name);
			goto out;
		}
		if (strcasecmp(e[i - 1].name, e[i].name) == 0) {
			st = cf_bundle_reject(c->diags, c->path, "bundle-entry-duplicate",
			                      "entries '%s' and '%s': names may not differ only in "
			                      "case",
			                      e[i - 1].name, e[i].name);
			goto out;
		}
	}
	*out = e;
	*out_count = n;
	e = NULL;
	n = 0;
	st = CF_OK;
out:
	entries_free(e, n);
	archive_read_free(a); /* before t.raw, which its callback reads */
	archive_read_free(t.raw);
	return st;
}

/* The manifest's signature, its trusted comment and the manifest. */
static cf_status check_manifest(rctx *c, const cf_pubkey *pk, const bentry *man, const bentry *msig,
                                manifest *m)
{
	cf_sig *sig = NULL;
	cf_sig_error serr;
	char msg[256];
	cf_status st = cf_sig_parse((const char *)msig->data, msig->len, &sig, &serr);
	if (st == CF_ERR_NOMEM)
		goto out;
	if (st != CF_OK) {
		st = cf_bundle_reject(c->diags, c->path, "bundle-manifest-signature",
		                      "entry '" CF_BUNDLE_MANIFEST_SIG "': %s", serr.message);
		goto out;
	}
	st = cf_sig_verify(pk, sig, man->data, man->len, 0, &serr);
	if (st == CF_ERR_NOMEM)
		goto out;
	if (st != CF_OK) {
		st = cf_bundle_reject(c->diags, c->path, "bundle-manifest-signature",
		                      "entry '" CF_BUNDLE_MANIFEST
		                      "': signature check failed (%s): %s",
		                      cf_sig_check_name(serr.check), serr.message);
		goto out;
	}
	size_t tlen = 0;
	const char *tc = cf_sig_trusted_comment(sig, &tlen);
	uint64_t created = 0, version = 0;
	uint8_t want[HASH_SIZE], got[HASH_SIZE];
	if (cf_bundle_comment_parse(tc, tlen, &created, &version, want, msg, sizeof msg) != CF_OK) {
		st = cf_bundle_reject(c->diags, c->path, "bundle-manifest-signature",
		                      "entry '" CF_BUNDLE_MANIFEST_SIG "': %s", msg);
		goto out;
	}
	cf_bundle_hash(man->data, man->len, got);
	if (memcmp(want, got, HASH_SIZE) != 0) {
		st = cf_bundle_reject(c->diags, c->path, "bundle-manifest-signature",
		                      "entry '" CF_BUNDLE_MANIFEST "': its BLAKE2b-256 is not the "
		                      "one the signature's trusted comment names");
		goto out;
	}
	st = cf_bundle_manifest_decode(man->data, man->len, m, msg, sizeof msg);
	if (st == CF_ERR_REJECTED)
		st = cf_bundle_reject(c->diags, c->path, "bundle-manifest",
		                      "entry '" CF_BUNDLE_MANIFEST "': %s", msg);
	if (st != CF_OK)
		goto out;
	if (m->bundle_version != version || m->created != created) {
		st = cf_bundle_reject(c->diags, c->path, "bundle-manifest-signature",
		                      "entry '" CF_BUNDLE_MANIFEST "': bundle version %" PRIu64
		                      " and creation time %" PRIu64
		                      " differ from the signature's trusted comment (%" PRIu64
		                      ", %" PRIu64 ")",
		                      m->bundle_version, m->created, version, created);
		cf_bundle_manifest_clear(m);
		goto out;
	}
out:
	cf_sig_free(sig);
	return st;
}

static int str_eq(cf_str s, const char *z)
{
	if (!z)
		return s.len == 0;
	return s.len == strlen(z) && memcmp(s.ptr, z, s.len) == 0;
}

/* One listed file: size, hash, signature size and hash, signature, header. */
static cf_status check_file(rctx *c, const cf_pubkey *pk, const mrecord *r, const bentry *fe,
                            const bentry *se, cf_bundle_file *out)
{
	uint8_t h[HASH_SIZE];
	char want[HASH_HEX], got[HASH_HEX];
	cf_sig *sig = NULL;
	cf_sig_error serr;
	cf_status st = CF_OK;
	const bentry *pair[2] = {fe, se};
	const uint64_t sizes[2] = {r->size, r->sig_size};
	const uint8_t *hashes[2] = {r->hash, r->sig_hash};
	for (int k = 0; k < 2; k++) {
		if (pair[k]->len != sizes[k]) {
			st = cf_bundle_reject(
			    c->diags, c->path, "bundle-size",
			    "entry '%s': %zu byte%s, but the manifest lists %" PRIu64, pair[k]->name,
			    pair[k]->len, pair[k]->len == 1 ? "" : "s", sizes[k]);
			goto out;
		}
		cf_bundle_hash(pair[k]->data, pair[k]->len, h);
		if (memcmp(h, hashes[k], HASH_SIZE) != 0) {
			cf_hex_encode(h, HASH_SIZE, got);
			cf_hex_encode(hashes[k], HASH_SIZE, want);
			st = cf_bundle_reject(
			    c->diags, c->path, "bundle-hash",
			    "entry '%s': BLAKE2b-256 %s, but the manifest lists %s", pair[k]->name,
			    got, want);
			goto out;
		}
	}
	st = cf_sig_parse((const char *)se->data, se->len, &sig, &serr);
	if (st == CF_OK)
		st = cf_sig_verify_channel(pk, sig, fe->data, fe->len, 0, &out->view, NULL, &serr);
	if (st == CF_ERR_NOMEM)
		goto out;
	if (st != CF_OK) {
		st = cf_bundle_reject(c->diags, c->path, "bundle-signature",
		                      "entry '%s': signature check failed (%s): %s", fe->name,
		                      cf_sig_check_name(serr.check), serr.message);
		goto out;
	}
	const cf_header *hd = &out->view.hdr;
	const char *what = NULL;
	if (hd->channel != r->channel)
		what = "channel";
	else if (hd->content_version != r->content_version)
		what = "content version";
	else if (!str_eq(hd->template_name, r->template_name))
		what = "template name";
	else if (hd->template_id != r->template_id)
		what = "template id";
	else if (hd->template_version != r->template_version)
		what = "template version";
	else if (memcmp(hd->fingerprint, r->fingerprint, CF_FINGERPRINT_SIZE) != 0)
		what = "template fingerprint";
	else if (hd->field_count != r->field_count)
		what = "field count";
	else if (hd->instance_count != r->instance_count)
		what = "instance count";
	else if (!str_eq(hd->requires_sensor, r->requires_sensor))
		what = "requires_sensor";
	if (what) {
		st = cf_bundle_reject(
		    c->diags, c->path, "bundle-header",
		    "entry '%s': the file's %s differs from the manifest's record", fe->name, what);
		goto out;
	}
	out->name = fe->name;
	out->data = fe->data;
	out->len = fe->len;
	out->sig_name = se->name;
	out->sig = (const char *)se->data;
	out->sig_len = se->len;
	memcpy(out->hash, r->hash, HASH_SIZE);
out:
	cf_sig_free(sig);
	return st;
}

/* Merge a check's status into the run's: NOMEM wins, then REJECTED. */
static cf_status merge(cf_status acc, cf_status st)
{
	if (acc == CF_ERR_NOMEM || st == CF_ERR_NOMEM)
		return CF_ERR_NOMEM;
	return acc != CF_OK ? acc : st;
}

cf_status cf_bundle_open(const uint8_t *buf, size_t len, const cf_pubkey *pk,
                         const cf_bundle_open_opts *opts, cf_bundle **out, cf_diag_list *diags)
{
	cf_status st = CF_ERR_NOMEM;
	cf_bundle *b = NULL;
	char when[32], now_s[32];
	if (out)
		*out = NULL;
	if (!buf || !pk || !opts || !out)
		return CF_ERR_INVALID;
	if ((st = cf_sig_init()) != CF_OK)
		return st;
	rctx c = {opts->path ? opts->path : "bundle", diags, CF_BUNDLE_MAX_ENTRIES,
	          CF_BUNDLE_MAX_ENTRY_SIZE, CF_BUNDLE_MAX_TOTAL_SIZE};
	if (opts->max_entries && opts->max_entries < c.max_entries)
		c.max_entries = opts->max_entries;
	if (opts->max_entry_size && opts->max_entry_size < c.max_entry_size)
		c.max_entry_size = opts->max_entry_size;
	if (opts->max_total_size && opts->max_total_size < c.max_total)
		c.max_total = opts->max_total_size;
	if ((uint64_t)len > CF_BUNDLE_MAX_ARCHIVE_SIZE)
		return cf_bundle_reject(diags, c.path, "bundle-limit",
		                        "%zu bytes, over the %" PRIu64 "-byte cap on a bundle file",
		                        len, (uint64_t)CF_BUNDLE_MAX_ARCHIVE_SIZE);

	b = calloc(1, sizeof *b);
	if (!b) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	/* 1. Entries, with every cap enforced while reading. */
	if ((st = read_entries(&c, buf, len, &b->entries, &b->entry_count)) != CF_OK)
		goto out;
	/* 2. The manifest and its signature must be there. */
	b->manifest_entry = entry_find(b->entries, b->entry_count, CF_BUNDLE_MANIFEST);
	b->manifest_sig_entry = entry_find(b->entries, b->entry_count, CF_BUNDLE_MANIFEST_SIG);
	if (!b->manifest_entry) {
		st = cf_bundle_reject(diags, c.path, "bundle-manifest",
		                      "no '" CF_BUNDLE_MANIFEST "' in the archive");
		goto out;
	}
	if (!b->manifest_sig_entry) {
		st = cf_bundle_reject(diags, c.path, "bundle-manifest-signature",
		                      "'" CF_BUNDLE_MANIFEST
		                      "' is not signed (no '" CF_BUNDLE_MANIFEST_SIG
		                      "' in the archive)");
		goto out;
	}
	/* 3-4. Signature, trusted comment, then the manifest's contents. */
	if ((st = check_manifest(&c, pk, b->manifest_entry, b->manifest_sig_entry, &b->m)) != CF_OK)
		goto out;
	/* 5. Expiry. */
	if (opts->now >= b->m.expires) {
		cf_bundle_fmt_time(b->m.expires, when);
		cf_bundle_fmt_time(opts->now, now_s);
		st = cf_bundle_reject(diags, c.path, "bundle-expired",
		                      "the manifest expired at %s (now %s); keep the content "
		                      "installed now and ask for a fresh bundle",
		                      when, now_s);
		goto out;
	}
	/* 6. The entry set: nothing unlisted, every listed file present. */
	st = CF_OK;
	for (size_t i = 0; i < b->entry_count; i++) {
		const bentry *e = &b->entries[i];
		if (e == b->manifest_entry || e == b->manifest_sig_entry)
			continue;
		int listed = 0;
		for (size_t j = 0; j < b->m.file_count && !listed; j++)
			listed = strcmp(e->name, b->m.files[j].name) == 0 ||
			         strcmp(e->name, b->m.files[j].sig_name) == 0;
		if (!listed)
			st = merge(st, cf_bundle_reject(diags, c.path, "bundle-entry-unlisted",
			                                "entry '%s': not listed in the manifest",
			                                e->name));
	}
	for (size_t j = 0; j < b->m.file_count; j++) {
		const mrecord *r = &b->m.files[j];
		if (!entry_find(b->entries, b->entry_count, r->name))
			st = merge(st, cf_bundle_reject(diags, c.path, "bundle-file-missing",
			                                "'%s' is listed in the manifest but not in "
			                                "the archive",
			                                r->name));
		if (!entry_find(b->entries, b->entry_count, r->sig_name))
			st = merge(st, cf_bundle_reject(diags, c.path, "bundle-file-missing",
			                                "'%s' is listed in the manifest but not in "
			                                "the archive",
			                                r->sig_name));
	}
	if (st != CF_OK)
		goto out;
	/* 7. Each file: size, hash, signature, header against its record. */
	b->files = calloc(b->m.file_count, sizeof *b->files);
	b->rings = calloc(b->m.ring_count, sizeof *b->rings);
	if (!b->files || !b->rings) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	for (size_t j = 0; j < b->m.file_count; j++) {
		const mrecord *r = &b->m.files[j];
		st =
		    merge(st, check_file(&c, pk, r, entry_find(b->entries, b->entry_count, r->name),
		                         entry_find(b->entries, b->entry_count, r->sig_name),
		                         &b->files[j]));
	}
	if (st != CF_OK)
		goto out;
	for (size_t i = 0; i < b->m.ring_count; i++) {
		b->rings[i].name = b->m.rings[i].name;
		b->rings[i].percent = b->m.rings[i].percent;
	}
	*out = b;
	b = NULL;
out:
	if (st == CF_ERR_NOMEM && diags)
		cf_diag_add(diags, CF_ERROR, "out-of-memory", c.path, 0, 0, "out of memory");
	cf_bundle_free(b);
	return st;
}

void cf_bundle_free(cf_bundle *b)
{
	if (!b)
		return;
	cf_bundle_manifest_clear(&b->m);
	entries_free(b->entries, b->entry_count);
	free(b->files);
	free(b->rings);
	free(b);
}

uint64_t cf_bundle_version(const cf_bundle *b)
{
	return b->m.bundle_version;
}

uint64_t cf_bundle_created(const cf_bundle *b)
{
	return b->m.created;
}

uint64_t cf_bundle_expires(const cf_bundle *b)
{
	return b->m.expires;
}

size_t cf_bundle_file_count(const cf_bundle *b)
{
	return b->m.file_count;
}

const cf_bundle_file *cf_bundle_file_at(const cf_bundle *b, size_t i)
{
	return i < b->m.file_count ? &b->files[i] : NULL;
}

size_t cf_bundle_ring_count(const cf_bundle *b)
{
	return b->m.ring_count;
}

cf_bundle_ring cf_bundle_ring_at(const cf_bundle *b, size_t i)
{
	cf_bundle_ring none = {NULL, 0};
	return i < b->m.ring_count ? b->rings[i] : none;
}

const uint8_t *cf_bundle_manifest(const cf_bundle *b, size_t *len)
{
	*len = b->manifest_entry->len;
	return b->manifest_entry->data;
}

const char *cf_bundle_manifest_sig(const cf_bundle *b, size_t *len)
{
	*len = b->manifest_sig_entry->len;
	return (const char *)b->manifest_sig_entry->data;
}
