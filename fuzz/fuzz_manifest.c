/*
 * fuzz_manifest.c - the bundle manifest (JSON) and its signature's trusted
 * comment, parsed strictly (release/manifest.c): what cf_bundle_open()
 * reaches only after a valid signature, so fuzzed here directly.
 *
 * A manifest that decodes is encoded again; the canonical encoding must
 * decode to the same encoding (a fixed point).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_common.h"
#include "release/bundle_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[256];
	manifest m;
	memset(&m, 0, sizeof m);
	if (cf_bundle_manifest_decode(data, size, &m, msg, sizeof msg) == CF_OK) {
		char *enc = NULL;
		size_t enc_len = 0;
		if (cf_bundle_manifest_encode(&m, &enc, &enc_len) == CF_OK) {
			manifest m2;
			memset(&m2, 0, sizeof m2);
			if (cf_bundle_manifest_decode((const uint8_t *)enc, enc_len, &m2, msg,
			                              sizeof msg) != CF_OK)
				fuzz_die("an encoded manifest does not decode");
			char *enc2 = NULL;
			size_t enc2_len = 0;
			if (cf_bundle_manifest_encode(&m2, &enc2, &enc2_len) == CF_OK &&
			    (enc2_len != enc_len || memcmp(enc, enc2, enc_len) != 0))
				fuzz_die("the manifest encoding is not a fixed point");
			free(enc2);
			cf_bundle_manifest_clear(&m2);
			free(enc);
		}
	}
	cf_bundle_manifest_clear(&m);

	uint64_t created = 0, version = 0;
	uint8_t hash[HASH_SIZE];
	(void)cf_bundle_comment_parse((const char *)data, size, &created, &version, hash, msg,
	                              sizeof msg);
	return 0;
}
