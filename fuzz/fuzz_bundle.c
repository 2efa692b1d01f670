/*
 * fuzz_bundle.c - the in-memory bundle verifier (cf_bundle_open): archive
 * entries and caps, nothing after the archive (the end-of-archive marker,
 * zero padding, one zstd frame or gzip member), the manifest's signature,
 * the manifest, the entry set and every file, against the fixed test key
 * fuzz/keys/fuzz.pub.
 *
 * The seeds (fuzz/seed.sh) are real bundles signed with fuzz/keys/fuzz.key
 * at SOURCE_DATE_EPOCH 1721361600; the fuzzer checks them an hour later.
 * tests/corpus/bundle adds variants of them with something after the
 * archive (a second zstd frame or gzip member, data after the end marker,
 * no end marker) and one whose zstd frame carries a checksum.
 * Low caps make the cap checks reachable with small inputs. A bundle that
 * opens is read back through every accessor.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include <cf/bundle.h>
#include <cf/sign.h>
#include "fuzz/fuzz_common.h"

static const char PUBKEY[] = "untrusted comment: minisign public key 311911CD63E5A56C\n"
                             "RWRspeVjzREZMd2I9Bvv2gyvZk7jVKJRb3E/1EubvV5ZDuw1u6gloqS7\n";

static void walk(const cf_bundle *b)
{
	volatile size_t sink = 0;
	sink += (size_t)(cf_bundle_version(b) + cf_bundle_created(b) + cf_bundle_expires(b));
	for (size_t i = 0; i < cf_bundle_file_count(b); i++) {
		const cf_bundle_file *f = cf_bundle_file_at(b, i);
		cf_view v;
		cf_verify_error e;
		if (cf_verify(f->data, f->len, &v, &e) != CF_OK)
			fuzz_die("an opened bundle holds a file the verifier rejects");
		sink += strlen(f->name) + strlen(f->sig_name) + f->sig_len + f->hash[0];
	}
	for (size_t i = 0; i < cf_bundle_ring_count(b); i++) {
		cf_bundle_ring r = cf_bundle_ring_at(b, i);
		sink += strlen(r.name) + r.percent;
	}
	size_t len = 0;
	if (cf_bundle_manifest(b, &len))
		sink += len;
	if (cf_bundle_manifest_sig(b, &len))
		sink += len;
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cf_pubkey *pk;
	cf_sig_error err;
	if (!pk && cf_pubkey_parse(PUBKEY, sizeof PUBKEY - 1, &pk, &err) != CF_OK)
		fuzz_die("the fixed public key does not parse");

	/* Two runs: the default caps, then small ones the fuzzer can reach. */
	for (int pass = 0; pass < 2; pass++) {
		cf_bundle_open_opts opts = {.now = 1721361600u + 3600u, .path = "fuzz.tar.zst"};
		if (pass == 1) {
			opts.max_entries = 6;
			opts.max_entry_size = 4096;
			opts.max_total_size = 8192;
		}
		cf_diag_list *d = cf_diags_new();
		if (!d)
			return 0;
		cf_bundle *b = NULL;
		cf_status st = cf_bundle_open(data, size, pk, &opts, &b, d);
		if (st == CF_OK)
			walk(b);
		else if (st == CF_ERR_REJECTED && cf_diags_errors(d) == 0)
			fuzz_die("rejected without an error diagnostic");
		cf_bundle_free(b);
		cf_diags_free(d);
	}
	return 0;
}
