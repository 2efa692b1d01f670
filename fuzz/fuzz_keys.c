/*
 * fuzz_keys.c - key and signature files: cf_pubkey_parse, cf_seckey_parse,
 * cf_sig_parse, cf_sig_binding_parse, and cf_sig_verify of what parses.
 *
 * Every input goes through every parser (each rejects the others' files at
 * once). Secret keys are parsed without a password: an encrypted key stops
 * at "a password is needed" before any key derivation, so the fuzzer never
 * runs scrypt with limits it chose (keys.c checks them against the caps
 * before deriving anyway). A signature that parses is verified against the
 * fixed test key fuzz/keys/fuzz.pub and the message "fuzz\n", and its
 * trusted comment is parsed as a channel-file binding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cf/sign.h>
#include "fuzz/fuzz_common.h"

static const char PUBKEY[] = "untrusted comment: minisign public key 311911CD63E5A56C\n"
                             "RWRspeVjzREZMd2I9Bvv2gyvZk7jVKJRb3E/1EubvV5ZDuw1u6gloqS7\n";
static const uint8_t MESSAGE[] = "fuzz\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cf_pubkey *fixed;
	cf_sig_error err = {0};
	if (!fixed && cf_pubkey_parse(PUBKEY, sizeof PUBKEY - 1, &fixed, &err) != CF_OK)
		fuzz_die("the fixed public key does not parse");

	const char *text = (const char *)data;
	volatile size_t sink = 0;

	cf_pubkey *pk = NULL;
	if (cf_pubkey_parse(text, size, &pk, &err) == CF_OK) {
		char *out = NULL;
		size_t out_len = 0;
		uint8_t id[CF_KEY_ID_SIZE];
		cf_pubkey_id(pk, id);
		if (cf_pubkey_serialize(pk, &out, &out_len) == CF_OK) {
			cf_pubkey *again = NULL;
			if (cf_pubkey_parse(out, out_len, &again, &err) != CF_OK)
				fuzz_die("a serialized public key does not parse");
			cf_pubkey_free(again);
			free(out);
		}
		cf_pubkey_free(pk);
	}
	sink += strnlen(err.message, sizeof err.message);

	int encrypted = 0;
	if (cf_seckey_encrypted(text, size, &encrypted, &err) == CF_OK && !encrypted) {
		cf_seckey *sk = NULL;
		if (cf_seckey_parse(text, size, NULL, 0, &sk, &err) == CF_OK) {
			cf_pubkey *spk = NULL;
			if (cf_seckey_pubkey(sk, &spk) == CF_OK)
				cf_pubkey_free(spk);
			cf_seckey_free(sk);
		}
	} else {
		/* Without a password nothing is derived, encrypted or not. */
		cf_seckey *sk = NULL;
		if (cf_seckey_parse(text, size, NULL, 0, &sk, &err) == CF_OK)
			fuzz_die("an encrypted secret key parsed without a password");
	}

	cf_sig *sig = NULL;
	if (cf_sig_parse(text, size, &sig, &err) == CF_OK) {
		size_t clen = 0;
		const char *comment = cf_sig_trusted_comment(sig, &clen);
		cf_sig_binding b;
		(void)cf_sig_binding_parse(comment, clen, &b, &err);
		(void)cf_sig_verify(fixed, sig, MESSAGE, sizeof MESSAGE - 1, CF_SIG_ALLOW_LEGACY,
		                    &err);
		sink += (size_t)cf_sig_is_legacy(sig);
		cf_sig_free(sig);
	}

	/* The whole input as a trusted comment too. */
	cf_sig_binding b;
	if (cf_sig_binding_parse(text, size, &b, &err) == CF_OK)
		sink += b.file.len + b.template_name.len + b.field_count;
	(void)sink;
	return 0;
}
