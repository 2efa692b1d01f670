/*
 * fuzz_bundlesig.c - bundles whose manifest signature is always valid, so
 * that mutations reach what cf_bundle_open() checks after it: the manifest
 * itself, its expiry, the entry set and every file (size, hash, signature,
 * header against the manifest's record).
 *
 * The input is a list of entries, each: name length (1 byte), name, data
 * length (2 bytes, little-endian), data. The target writes them into a tar
 * archive (libarchive, ustar), and when one of them is "manifest.json" signs
 * it with the test key fuzz/keys/fuzz.key, with the trusted comment that
 * the manifest's own created and bundle_version call for, and adds the
 * signature as "manifest.json.minisig" (unless the input has one). The
 * seeds (fuzz/seed.sh) are the seed bundles of the bundle target in this
 * form; their channel-file signatures are valid for unmutated files.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include <cf/sign.h>
#include "fuzz/fuzz_common.h"
#include "release/bundle_int.h"

static const char PUBKEY[] = "untrusted comment: minisign public key 311911CD63E5A56C\n"
                             "RWRspeVjzREZMd2I9Bvv2gyvZk7jVKJRb3E/1EubvV5ZDuw1u6gloqS7\n";
static const char SECKEY[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAbKXlY80RGTEU"
    "hz8nmwFUtWB3R6KR8mW8G2eKCkGp6LS1Pvhgmo6cCt2I9Bvv2gyvZk7jVKJRb3E/1EubvV5ZDuw1u6gloqS7"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

#define MAX_ENTRIES 16
#define TAR_CAP ((size_t)4 << 20)

typedef struct ent {
	char name[256];
	const uint8_t *data;
	size_t len;
} ent;

static int add_entry(struct archive *a, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return -1;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 1721361600, 0);
	int r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return -1;
	if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
		return -1;
	return 0;
}

/* The manifest signature for data, or NULL. Caller frees with free(). */
static char *sign_manifest(const cf_seckey *sk, const uint8_t *data, size_t len, size_t *sig_len)
{
	char msg[256];
	manifest m;
	memset(&m, 0, sizeof m);
	uint64_t created = 1721361600, version = 1;
	if (cf_bundle_manifest_decode(data, len, &m, msg, sizeof msg) == CF_OK) {
		created = m.created;
		version = m.bundle_version;
	}
	cf_bundle_manifest_clear(&m);
	uint8_t hash[HASH_SIZE];
	cf_bundle_hash(data, len, hash);
	char *comment = NULL, *sig = NULL;
	cf_sig_error err;
	if (cf_bundle_comment_format(created, version, hash, &comment) == CF_OK)
		(void)cf_sig_sign(sk, data, len, comment, NULL, &sig, sig_len, &err);
	free(comment);
	return sig;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cf_pubkey *pk;
	static cf_seckey *sk;
	cf_sig_error err;
	if (!pk && cf_pubkey_parse(PUBKEY, sizeof PUBKEY - 1, &pk, &err) != CF_OK)
		fuzz_die("the fixed public key does not parse");
	if (!sk && cf_seckey_parse(SECKEY, sizeof SECKEY - 1, NULL, 0, &sk, &err) != CF_OK)
		fuzz_die("the fixed secret key does not parse");

	ent ents[MAX_ENTRIES];
	size_t n = 0, off = 0;
	int has_sig = 0;
	const ent *man = NULL;
	while (n < MAX_ENTRIES && off < size) {
		size_t nl = data[off++];
		if (nl == 0 || size - off < nl + 2)
			break;
		memcpy(ents[n].name, data + off, nl);
		ents[n].name[nl] = '\0';
		off += nl;
		size_t dl = (size_t)data[off] | (size_t)data[off + 1] << 8;
		off += 2;
		if (dl > size - off)
			dl = size - off;
		ents[n].data = data + off;
		ents[n].len = dl;
		off += dl;
		if (strlen(ents[n].name) != nl)
			continue; /* a NUL in the name: libarchive would cut it */
		if (strcmp(ents[n].name, CF_BUNDLE_MANIFEST) == 0)
			man = &ents[n];
		if (strcmp(ents[n].name, CF_BUNDLE_MANIFEST_SIG) == 0)
			has_sig = 1;
		n++;
	}

	uint8_t *tar = malloc(TAR_CAP);
	struct archive *a = archive_write_new();
	char *sig = NULL;
	size_t sig_len = 0, used = 0;
	if (!tar || !a || archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_open_memory(a, tar, TAR_CAP, &used) != ARCHIVE_OK)
		goto out;
	int ok = 1;
	for (size_t i = 0; i < n && ok; i++)
		ok = add_entry(a, ents[i].name, ents[i].data, ents[i].len) == 0;
	if (ok && man && !has_sig && (sig = sign_manifest(sk, man->data, man->len, &sig_len)))
		ok = add_entry(a, CF_BUNDLE_MANIFEST_SIG, sig, sig_len) == 0;
	if (archive_write_close(a) != ARCHIVE_OK || !ok)
		goto out;

	cf_bundle_open_opts opts = {.now = 1721361600u + 3600u, .path = "fuzz.tar"};
	cf_diag_list *d = cf_diags_new();
	if (!d)
		goto out;
	cf_bundle *b = NULL;
	cf_status st = cf_bundle_open(tar, used, pk, &opts, &b, d);
	if (st == CF_OK) {
		for (size_t i = 0; i < cf_bundle_file_count(b); i++) {
			const cf_bundle_file *f = cf_bundle_file_at(b, i);
			cf_view v;
			cf_verify_error e;
			if (cf_verify(f->data, f->len, &v, &e) != CF_OK)
				fuzz_die("an opened bundle holds a file the verifier rejects");
		}
	} else if (st == CF_ERR_REJECTED && cf_diags_errors(d) == 0) {
		fuzz_die("rejected without an error diagnostic");
	}
	cf_bundle_free(b);
	cf_diags_free(d);
out:
	if (a)
		archive_write_free(a);
	free(sig);
	free(tar);
	return 0;
}
