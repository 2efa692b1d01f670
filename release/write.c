/*
 * write.c - cf_bundle_create(): a reproducible, signed bundle.
 *
 * Policy: the bundler does not sign channel files. Each must arrive with a
 * signature by the bundling key that cf_sig_verify_channel() accepts, so
 * content enters a bundle only through `cfc sign`, where lint gates it.
 * The bundler signs the manifest, which pins every file's size and hash.
 *
 * Reproducibility: pax-restricted tar (plain ustar headers unless a value
 * needs more), entries in byte order of name, each a regular file with
 * mode 0644, uid and gid 0, no user or group name, mtime = the manifest's
 * creation time; no padding after the last block; gzip without its
 * timestamp; zstd at a fixed level on one thread. Compression runs inside
 * libarchive only: when it would fall back to an external program
 * (ARCHIVE_WARN) the bundle is not written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>

#include <cf/base.h>
#include "release/bundle_int.h"

/* An archive member to write: borrowed name and bytes. */
typedef struct wentry {
	const char *name;
	const uint8_t *data;
	size_t len;
} wentry;

static int wentry_cmp(const void *a, const void *b)
{
	return strcmp(((const wentry *)a)->name, ((const wentry *)b)->name);
}

static la_ssize_t buf_write(struct archive *a, void *client, const void *data, size_t n)
{
	cf_buf *b = client;
	if (cf_buf_append(b, data, n) != CF_OK) {
		archive_set_error(a, ENOMEM, "bundle larger than the cap or out of memory");
		return -1;
	}
	return (la_ssize_t)n;
}

static cf_status set_option(struct archive *a, const char *module, const char *key, const char *val)
{
	return archive_write_set_filter_option(a, module, key, val) == ARCHIVE_OK ? CF_OK
	                                                                          : CF_ERR_INTERNAL;
}

/* Write the sorted members as a tar into *out. */
static cf_status write_tar(wentry *members, size_t n, uint64_t mtime, cf_bundle_compression comp,
                           const char *path, cf_buf *out, cf_diag_list *diags)
{
	cf_status st = CF_ERR_INTERNAL;
	struct archive_entry *ae = NULL;
	struct archive *a = archive_write_new();
	char level[16];
	if (!a)
		return CF_ERR_NOMEM;
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK)
		goto fail;
	if (comp == CF_BUNDLE_ZSTD) {
		snprintf(level, sizeof level, "%d", CF_BUNDLE_ZSTD_LEVEL);
		if (archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
		    set_option(a, "zstd", "compression-level", level) != CF_OK ||
		    set_option(a, "zstd", "threads", "1") != CF_OK)
			goto fail;
	} else {
		snprintf(level, sizeof level, "%d", CF_BUNDLE_GZIP_LEVEL);
		if (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
		    set_option(a, "gzip", "compression-level", level) != CF_OK ||
		    set_option(a, "gzip", "timestamp", NULL) != CF_OK)
			goto fail;
	}
	if (archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open2(a, out, NULL, buf_write, NULL, NULL) != ARCHIVE_OK)
		goto fail;
	ae = archive_entry_new();
	if (!ae) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, members[i].name);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_size(ae, (la_int64_t)members[i].len);
		archive_entry_set_mtime(ae, (time_t)mtime, 0);
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
		if (archive_write_header(a, ae) != ARCHIVE_OK)
			goto fail;
		size_t done = 0;
		while (done < members[i].len) {
			la_ssize_t w =
			    archive_write_data(a, members[i].data + done, members[i].len - done);
			if (w <= 0)
				goto fail;
			done += (size_t)w;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto fail;
	st = CF_OK;
	goto out;
fail:
	if (diags)
		cf_diag_add(
		    diags, CF_ERROR, "bundle-write", path, 0, 0, "cannot write the archive: %s",
		    archive_error_string(a) ? archive_error_string(a)
		                            : "libarchive lacks built-in compression support");
out:
	archive_entry_free(ae);
	archive_write_free(a);
	return st;
}

/* Check one input: its name and its signature by pk. */
static cf_status check_input(const cf_pubkey *pk, const cf_bundle_input *in, cf_view *view,
                             cf_diag_list *diags)
{
	const char *where = in->path ? in->path : in->name;
	size_t n = in->name ? strlen(in->name) : 0;
	if (!cf_bundle_name_valid(in->name, n) || n < 4 || strcmp(in->name + n - 3, ".cf") != 0 ||
	    n + strlen(".minisig") > CF_BUNDLE_MAX_NAME)
		return cf_bundle_reject(
		    diags, where, "bundle-input",
		    "'%s' cannot name a bundle entry: expected NAME.cf, at most "
		    "%u bytes of [A-Za-z0-9._+-], not starting with '.' or '-'",
		    in->name ? in->name : "", CF_BUNDLE_MAX_NAME - 8);
	if ((uint64_t)in->len > CF_BUNDLE_MAX_ENTRY_SIZE)
		return cf_bundle_reject(diags, where, "bundle-limit",
		                        "%zu bytes, over the %" PRIu64
		                        "-byte cap on a bundle entry",
		                        in->len, (uint64_t)CF_BUNDLE_MAX_ENTRY_SIZE);
	if (!in->sig)
		return cf_bundle_reject(diags, where, "bundle-signature",
		                        "no signature: sign it with 'cfc sign' first");
	cf_sig *sig = NULL;
	cf_sig_error serr;
	cf_status st = cf_sig_parse(in->sig, in->sig_len, &sig, &serr);
	if (st == CF_OK)
		st = cf_sig_verify_channel(pk, sig, in->data, in->len, 0, view, NULL, &serr);
	cf_sig_free(sig);
	if (st == CF_ERR_NOMEM)
		return st;
	if (st != CF_OK)
		return cf_bundle_reject(diags, where, "bundle-signature",
		                        "signature check failed (%s): %s; every file must carry a "
		                        "valid signature by the bundling key",
		                        cf_sig_check_name(serr.check), serr.message);
	return CF_OK;
}

static int input_cmp(const void *a, const void *b)
{
	const cf_bundle_input *x = *(const cf_bundle_input *const *)a;
	const cf_bundle_input *y = *(const cf_bundle_input *const *)b;
	return strcmp(x->name, y->name);
}

cf_status cf_bundle_create(const cf_seckey *sk, const cf_bundle_input *files, size_t count,
                           const cf_bundle_create_opts *opts, const char *path, uint8_t **out,
                           size_t *out_len, cf_diag_list *diags)
{
	cf_status st = CF_ERR_NOMEM;
	cf_pubkey *pk = NULL;
	cf_view *views = NULL;
	const cf_bundle_input **sorted = NULL;
	manifest m;
	char *man = NULL, *comment = NULL, *man_sig = NULL;
	size_t man_len = 0, sig_len = 0;
	wentry *members = NULL;
	cf_buf tar;
	cf_bundle *check = NULL;
	char msg[256];
	static const cf_bundle_ring default_ring = {"all", 100};

	memset(&m, 0, sizeof m);
	cf_buf_init(&tar, (size_t)CF_BUNDLE_MAX_ARCHIVE_SIZE);
	if (out)
		*out = NULL;
	if (out_len)
		*out_len = 0;
	if (!path)
		path = "bundle";
	if (!sk || !out || !out_len || !opts || (count && !files))
		return CF_ERR_INVALID;
	if (opts->compression != CF_BUNDLE_ZSTD && opts->compression != CF_BUNDLE_GZIP)
		return CF_ERR_INVALID;
	if ((st = cf_sig_init()) != CF_OK)
		return st;

	/* Options. */
	st = CF_OK;
	if (count == 0)
		st = cf_bundle_reject(diags, path, "bundle-input", "no channel files to bundle");
	else if (count > CF_BUNDLE_MAX_FILES)
		st = cf_bundle_reject(diags, path, "bundle-limit",
		                      "%zu channel files, over the cap of %u", count,
		                      CF_BUNDLE_MAX_FILES);
	if (opts->bundle_version < 1 || opts->bundle_version > JSON_U63_MAX)
		st = cf_bundle_reject(diags, path, "bundle-input",
		                      "bundle version %" PRIu64 " is not in 1..%" PRIu64,
		                      opts->bundle_version, JSON_U63_MAX);
	if (opts->created > JSON_U63_MAX || opts->expires > JSON_U63_MAX ||
	    opts->expires <= opts->created)
		st = cf_bundle_reject(diags, path, "bundle-input",
		                      "expiry %" PRIu64 " is not after the creation time %" PRIu64,
		                      opts->expires, opts->created);
	const cf_bundle_ring *rings = opts->ring_count ? opts->rings : &default_ring;
	size_t ring_count = opts->ring_count ? opts->ring_count : 1;
	if (!rings || !cf_bundle_rings_valid(rings, ring_count, msg, sizeof msg))
		st = cf_bundle_reject(diags, path, "bundle-ring", "%s", rings ? msg : "no rings");
	if (st != CF_OK)
		goto out;

	/* Every file: name, cap, its own signature by this key. */
	if ((st = cf_seckey_pubkey(sk, &pk)) != CF_OK)
		goto out;
	views = calloc(count, sizeof *views);
	sorted = calloc(count, sizeof *sorted);
	if (!views || !sorted) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < count; i++) {
		cf_status fst = check_input(pk, &files[i], &views[i], diags);
		if (fst == CF_ERR_NOMEM) {
			st = fst;
			goto out;
		}
		if (fst != CF_OK)
			st = fst;
		total += files[i].len + files[i].sig_len;
		sorted[i] = &files[i];
	}
	if (st != CF_OK)
		goto out;
	if (total > CF_BUNDLE_MAX_TOTAL_SIZE - CF_BUNDLE_MAX_MANIFEST_SIZE - CF_SIG_FILE_MAX) {
		st = cf_bundle_reject(diags, path, "bundle-limit",
		                      "%" PRIu64 " bytes of files, over the %" PRIu64
		                      "-byte cap on a bundle's contents",
		                      total, (uint64_t)CF_BUNDLE_MAX_TOTAL_SIZE);
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		for (size_t j = 0; j < i; j++) {
			const char *pi = files[i].path ? files[i].path : files[i].name;
			if (strcasecmp(files[i].name, files[j].name) == 0)
				st = cf_bundle_reject(
				    diags, pi, "bundle-input",
				    "entry name '%s' is already taken by '%s'", files[i].name,
				    files[j].path ? files[j].path : files[j].name);
			else if (views[i].hdr.channel == views[j].hdr.channel)
				st = cf_bundle_reject(
				    diags, pi, "bundle-channel-duplicate",
				    "channel %" PRIu32 " is also carried by '%s': one "
				    "file per channel",
				    views[i].hdr.channel,
				    files[j].path ? files[j].path : files[j].name);
			if (st == CF_ERR_NOMEM)
				goto out;
		}
	}
	if (st != CF_OK)
		goto out;

	/* The manifest, in name order. */
	qsort(sorted, count, sizeof *sorted, input_cmp);
	m.bundle_version = opts->bundle_version;
	m.created = opts->created;
	m.expires = opts->expires;
	m.files = calloc(count, sizeof *m.files);
	m.rings = calloc(ring_count, sizeof *m.rings);
	if (!m.files || !m.rings) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < ring_count; i++) {
		m.rings[i].name = cf_strdup(rings[i].name);
		if (!m.rings[i].name) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		m.rings[i].percent = rings[i].percent;
		m.ring_count = i + 1;
	}
	for (size_t i = 0; i < count; i++) {
		const cf_bundle_input *in = sorted[i];
		const cf_view *v = &views[in - files];
		if ((st = cf_bundle_record_fill(&m.files[i], in->name, in->data, in->len, v,
		                                in->sig, in->sig_len)) != CF_OK)
			goto out;
		m.file_count = i + 1;
	}
	if ((st = cf_bundle_manifest_encode(&m, &man, &man_len)) != CF_OK)
		goto out;
	if ((uint64_t)man_len > CF_BUNDLE_MAX_MANIFEST_SIZE) {
		st = cf_bundle_reject(diags, path, "bundle-limit",
		                      "the manifest would be %zu bytes, over the %" PRIu64
		                      "-byte cap",
		                      man_len, (uint64_t)CF_BUNDLE_MAX_MANIFEST_SIZE);
		goto out;
	}

	/* Its signature: the trusted comment binds version, time and hash. */
	uint8_t mhash[HASH_SIZE];
	cf_bundle_hash((const uint8_t *)man, man_len, mhash);
	if ((st = cf_bundle_comment_format(m.created, m.bundle_version, mhash, &comment)) != CF_OK)
		goto out;
	cf_sig_error serr;
	st = cf_sig_sign(sk, (const uint8_t *)man, man_len, comment,
	                 "signature of a cfc bundle manifest", &man_sig, &sig_len, &serr);
	if (st != CF_OK) {
		if (st != CF_ERR_NOMEM && diags)
			cf_diag_add(diags, CF_ERROR, "bundle-signature", path, 0, 0,
			            "cannot sign the manifest: %s", serr.message);
		goto out;
	}

	/* The archive: every member sorted by byte order of its name. */
	size_t nmem = 2 * count + 2;
	members = calloc(nmem, sizeof *members);
	if (!members) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	members[0] = (wentry){CF_BUNDLE_MANIFEST, (const uint8_t *)man, man_len};
	members[1] = (wentry){CF_BUNDLE_MANIFEST_SIG, (const uint8_t *)man_sig, sig_len};
	for (size_t i = 0; i < count; i++) {
		members[2 + 2 * i] = (wentry){m.files[i].name, sorted[i]->data, sorted[i]->len};
		members[3 + 2 * i] = (wentry){m.files[i].sig_name, (const uint8_t *)sorted[i]->sig,
		                              sorted[i]->sig_len};
	}
	qsort(members, nmem, sizeof *members, wentry_cmp);
	if ((st = write_tar(members, nmem, m.created, opts->compression, path, &tar, diags)) !=
	    CF_OK)
		goto out;

	/* Read it back the way an installer will, at the moment it was made. */
	cf_bundle_open_opts oo = {.now = m.created, .path = path};
	cf_diag_list *scratch = cf_diags_new();
	if (!scratch) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	st = cf_bundle_open(tar.data, tar.len, pk, &oo, &check, scratch);
	if (st != CF_OK && st != CF_ERR_NOMEM) {
		if (diags)
			cf_diag_add(diags, CF_ERROR, "bundle-internal", path, 0, 0,
			            "the bundle written does not verify: %s",
			            cf_diags_count(scratch) ? cf_diags_get(scratch, 0)->message
			                                    : cf_strerror(st));
		st = CF_ERR_INTERNAL;
	}
	cf_diags_free(scratch);
	if (st != CF_OK)
		goto out;
	*out = tar.data;
	*out_len = tar.len;
	tar.data = NULL;
out:
	cf_bundle_free(check);
	cf_buf_free(&tar);
	free(members);
	free(man_sig);
	free(comment);
	free(man);
	cf_bundle_manifest_clear(&m);
	free(sorted);
	free(views);
	cf_pubkey_free(pk);
	return st;
}
