/*
 * sig.c - minisign signature files: strict parser, signer and verifier.
 *
 * A signature file is exactly four lines (line ends: cf_sig_lines()):
 *   untrusted comment: TEXT            (not authenticated)
 *   base64(alg | key id | signature)   (74 bytes, layout in sig_int.h)
 *   trusted comment: TEXT              (covered by the global signature)
 *   base64(global signature)           (64 bytes)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "signing/sig_int.h"

#define DEFAULT_UNTRUSTED "signature from cfc secret key"

static char *copy_text(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = 0;
	}
	return d;
}

cf_status cf_sig_parse(const char *text, size_t len, cf_sig **out, cf_sig_error *err)
{
	static const char what[] = "signature file";
	const cf_sig_check chk = CF_SIG_CHECK_SYNTAX;
	sig_line lines[4];
	uint8_t raw[SIG_BYTES];
	cf_sig *sig = NULL;
	cf_status st;

	*out = NULL;
	if ((st = cf_sig_ready(err)) != CF_OK)
		return st;
	if ((st = cf_sig_lines(text, len, lines, 4, what, chk, err)) != CF_OK)
		return st;
	st = cf_sig_comment_line(&lines[0], 1, UNTRUSTED_PREFIX, CF_SIG_UNTRUSTED_MAX, what, chk,
	                         err);
	if (st != CF_OK)
		return st;
	if ((st = cf_sig_b64_line(&lines[1], 2, raw, sizeof raw, "signature", chk, err)) != CF_OK)
		return st;
	st = cf_sig_comment_line(&lines[2], 3, TRUSTED_PREFIX, CF_SIG_TRUSTED_MAX, what, chk, err);
	if (st != CF_OK)
		return st;
	sig = calloc(1, sizeof *sig);
	if (!sig)
		return cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
	st = cf_sig_b64_line(&lines[3], 4, sig->global, sizeof sig->global, "global signature", chk,
	                     err);
	if (st != CF_OK)
		goto out;
	memcpy(sig->alg, raw, 2);
	memcpy(sig->id, raw + 2, CF_KEY_ID_SIZE);
	memcpy(sig->sig, raw + 2 + CF_KEY_ID_SIZE, ED_SIG);
	size_t up = sizeof UNTRUSTED_PREFIX - 1, tp = sizeof TRUSTED_PREFIX - 1;
	sig->untrusted_len = lines[0].len - up;
	sig->trusted_len = lines[2].len - tp;
	sig->untrusted = copy_text(lines[0].ptr + up, sig->untrusted_len);
	sig->trusted = copy_text(lines[2].ptr + tp, sig->trusted_len);
	if (!sig->untrusted || !sig->trusted) {
		st = cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
		goto out;
	}
	*out = sig;
	sig = NULL;
	st = CF_OK;
out:
	cf_sig_free(sig);
	return st;
}

void cf_sig_free(cf_sig *sig)
{
	if (!sig)
		return;
	free(sig->untrusted);
	free(sig->trusted);
	free(sig);
}

const char *cf_sig_trusted_comment(const cf_sig *sig, size_t *len)
{
	if (len)
		*len = sig->trusted_len;
	return sig->trusted;
}

void cf_sig_key_id(const cf_sig *sig, uint8_t id[CF_KEY_ID_SIZE])
{
	memcpy(id, sig->id, CF_KEY_ID_SIZE);
}

int cf_sig_is_legacy(const cf_sig *sig)
{
	return memcmp(sig->alg, "Ed", 2) == 0;
}

/* BLAKE2b-512 (unkeyed) of msg: what an "ED" signature signs. */
static void prehash(const uint8_t *msg, size_t len, uint8_t out[crypto_generichash_BYTES_MAX])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES_MAX);
	crypto_generichash_update(&st, msg, len);
	crypto_generichash_final(&st, out, crypto_generichash_BYTES_MAX);
}

/* The message the global signature covers: signature | trusted comment. */
static uint8_t *global_message(const uint8_t sig[ED_SIG], const char *tc, size_t tc_len,
                               size_t *len)
{
	uint8_t *m = malloc(ED_SIG + tc_len);
	if (m) {
		memcpy(m, sig, ED_SIG);
		memcpy(m + ED_SIG, tc, tc_len);
		*len = ED_SIG + tc_len;
	}
	return m;
}

cf_status cf_sig_sign(const cf_seckey *sk, const uint8_t *msg, size_t len,
                      const char *trusted_comment, const char *untrusted_comment, char **out,
                      size_t *out_len, cf_sig_error *err)
{
	uint8_t raw[SIG_BYTES], global[ED_SIG], digest[crypto_generichash_BYTES_MAX];
	uint8_t *gm = NULL;
	char *text = NULL;
	size_t gm_len = 0;
	cf_status st;

	*out = NULL;
	*out_len = 0;
	if ((st = cf_sig_ready(err)) != CF_OK)
		return st;
	char dflt[sizeof DEFAULT_UNTRUSTED + 2 * CF_KEY_ID_SIZE + 1];
	if (!untrusted_comment) {
		char hex[2 * CF_KEY_ID_SIZE + 1];
		cf_key_id_hex(sk->id, hex);
		snprintf(dflt, sizeof dflt, "%s %s", DEFAULT_UNTRUSTED, hex);
		untrusted_comment = dflt;
	}
	size_t uc_len = strlen(untrusted_comment), tc_len = strlen(trusted_comment);
	if (uc_len > CF_SIG_UNTRUSTED_MAX || strpbrk(untrusted_comment, "\r\n"))
		return cf_sig_fail(err, CF_ERR_INVALID, CF_SIG_CHECK_SYNTAX,
		                   "the untrusted comment is too long or has a line break");
	if (tc_len > CF_SIG_TRUSTED_MAX || strpbrk(trusted_comment, "\r\n"))
		return cf_sig_fail(err, CF_ERR_INVALID, CF_SIG_CHECK_SYNTAX,
		                   "the trusted comment is too long or has a line break");
	memcpy(raw, "ED", 2);
	memcpy(raw + 2, sk->id, CF_KEY_ID_SIZE);
	prehash(msg, len, digest);
	if (crypto_sign_detached(raw + 2 + CF_KEY_ID_SIZE, NULL, digest, sizeof digest, sk->sk) !=
	    0) {
		st = cf_sig_fail(err, CF_ERR_INTERNAL, CF_SIG_CHECK_SIGNATURE, "signing failed");
		goto out;
	}
	gm = global_message(raw + 2 + CF_KEY_ID_SIZE, trusted_comment, tc_len, &gm_len);
	if (!gm) {
		st = cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
		goto out;
	}
	if (crypto_sign_detached(global, NULL, gm, gm_len, sk->sk) != 0) {
		st = cf_sig_fail(err, CF_ERR_INTERNAL, CF_SIG_CHECK_GLOBAL, "signing failed");
		goto out;
	}
	size_t cap = sizeof UNTRUSTED_PREFIX + uc_len + 1 + 4 * ((SIG_BYTES + 2) / 3) + 1 +
	             sizeof TRUSTED_PREFIX + tc_len + 1 + 4 * ((ED_SIG + 2) / 3) + 2;
	text = malloc(cap);
	if (!text) {
		st = cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
		goto out;
	}
	size_t w = 0;
	memcpy(text + w, UNTRUSTED_PREFIX, sizeof UNTRUSTED_PREFIX - 1);
	w += sizeof UNTRUSTED_PREFIX - 1;
	memcpy(text + w, untrusted_comment, uc_len);
	w += uc_len;
	text[w++] = '\n';
	w += cf_sig_b64_put(text + w, raw, sizeof raw);
	memcpy(text + w, TRUSTED_PREFIX, sizeof TRUSTED_PREFIX - 1);
	w += sizeof TRUSTED_PREFIX - 1;
	memcpy(text + w, trusted_comment, tc_len);
	w += tc_len;
	text[w++] = '\n';
	w += cf_sig_b64_put(text + w, global, sizeof global);
	*out = text;
	*out_len = w;
	st = CF_OK;
out:
	free(gm);
	sodium_memzero(digest, sizeof digest);
	return st;
}

cf_status cf_sig_verify(const cf_pubkey *pk, const cf_sig *sig, const uint8_t *msg, size_t len,
                        unsigned flags, cf_sig_error *err)
{
	return cf_sig_verify_digest(pk, sig, msg, len, NULL, flags, err);
}

cf_status cf_sig_verify_digest(const cf_pubkey *pk, const cf_sig *sig, const uint8_t *msg,
                               size_t len, const uint8_t *known, unsigned flags, cf_sig_error *err)
{
	uint8_t digest[crypto_generichash_BYTES_MAX];
	char want[2 * CF_KEY_ID_SIZE + 1], got[2 * CF_KEY_ID_SIZE + 1];
	uint8_t *gm = NULL;
	size_t gm_len = 0;
	cf_status st;

	if ((st = cf_sig_ready(err)) != CF_OK)
		return st;
	int legacy = memcmp(sig->alg, "Ed", 2) == 0;
	if (legacy && !(flags & CF_SIG_ALLOW_LEGACY))
		return cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_ALGORITHM,
		                   "legacy \"Ed\" (not prehashed) signature refused; --legacy "
		                   "accepts it");
	if (!legacy && memcmp(sig->alg, "ED", 2) != 0)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_ALGORITHM,
		                   "unsupported signature algorithm 0x%02x%02x (not \"ED\")",
		                   sig->alg[0], sig->alg[1]);
	if (memcmp(sig->id, pk->id, CF_KEY_ID_SIZE) != 0) {
		cf_key_id_hex(sig->id, got);
		cf_key_id_hex(pk->id, want);
		return cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_KEY_ID,
		                   "signed by key ID %s, but the public key's ID is %s", got, want);
	}
	int bad;
	if (legacy) {
		bad = crypto_sign_verify_detached(sig->sig, msg, len, pk->pk);
	} else {
		if (known)
			memcpy(digest, known, sizeof digest);
		else
			prehash(msg, len, digest);
		bad = crypto_sign_verify_detached(sig->sig, digest, sizeof digest, pk->pk);
	}
	if (bad != 0)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_SIGNATURE,
		                   "the signature does not match the file's contents");
	gm = global_message(sig->sig, sig->trusted, sig->trusted_len, &gm_len);
	if (!gm)
		return cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
	if (crypto_sign_verify_detached(sig->global, gm, gm_len, pk->pk) != 0)
		st = cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_GLOBAL,
		                 "the global signature does not match the trusted comment");
	else
		st = CF_OK;
	free(gm);
	return st;
}
