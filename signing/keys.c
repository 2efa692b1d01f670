/*
 * keys.c - minisign public and secret key files (layouts in sig_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "format/le.h"
#include "signing/sig_int.h"

#define SECKEY_COMMENT "minisign encrypted secret key"

static int all_zero(const uint8_t *p, size_t n)
{
	return sodium_is_zero(p, n) == 1;
}

/* ---- Public keys --------------------------------------------------------- */

cf_status cf_pubkey_parse(const char *text, size_t len, cf_pubkey **out, cf_sig_error *err)
{
	static const char what[] = "public key file";
	sig_line lines[2];
	uint8_t raw[PK_BYTES];
	cf_status st;

	*out = NULL;
	if ((st = cf_sig_ready(err)) != CF_OK)
		return st;
	st = cf_sig_lines(text, len, lines, 2, what, CF_SIG_CHECK_KEY, err);
	if (st != CF_OK)
		return st;
	st = cf_sig_comment_line(&lines[0], 1, UNTRUSTED_PREFIX, CF_SIG_UNTRUSTED_MAX, what,
	                         CF_SIG_CHECK_KEY, err);
	if (st != CF_OK)
		return st;
	st = cf_sig_b64_line(&lines[1], 2, raw, sizeof raw, "public key", CF_SIG_CHECK_KEY, err);
	if (st != CF_OK)
		return st;
	if (memcmp(raw, "Ed", 2) != 0)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_KEY,
		                   "public key: unsupported signature algorithm 0x%02x%02x (not "
		                   "\"Ed\")",
		                   raw[0], raw[1]);
	cf_pubkey *pk = malloc(sizeof *pk);
	if (!pk)
		return cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
	memcpy(pk->id, raw + 2, CF_KEY_ID_SIZE);
	memcpy(pk->pk, raw + 2 + CF_KEY_ID_SIZE, ED_PK);
	*out = pk;
	return CF_OK;
}

cf_status cf_pubkey_serialize(const cf_pubkey *pk, char **out, size_t *out_len)
{
	uint8_t raw[PK_BYTES];
	char hex[2 * CF_KEY_ID_SIZE + 1];
	*out = NULL;
	*out_len = 0;
	if (cf_sig_init() != CF_OK)
		return CF_ERR_INTERNAL;
	memcpy(raw, "Ed", 2);
	memcpy(raw + 2, pk->id, CF_KEY_ID_SIZE);
	memcpy(raw + 2 + CF_KEY_ID_SIZE, pk->pk, ED_PK);
	cf_key_id_hex(pk->id, hex);
	size_t cap = sizeof UNTRUSTED_PREFIX + 64 + 2 * sizeof raw;
	char *text = malloc(cap);
	if (!text)
		return CF_ERR_NOMEM;
	int n = snprintf(text, cap, UNTRUSTED_PREFIX "minisign public key %s\n", hex);
	size_t w = (size_t)n;
	w += cf_sig_b64_put(text + w, raw, sizeof raw);
	*out = text;
	*out_len = w;
	return CF_OK;
}

void cf_pubkey_id(const cf_pubkey *pk, uint8_t id[CF_KEY_ID_SIZE])
{
	memcpy(id, pk->id, CF_KEY_ID_SIZE);
}

void cf_pubkey_free(cf_pubkey *pk)
{
	free(pk);
}

/* ---- Secret keys --------------------------------------------------------- */

/* BLAKE2b-256("Ed" | key id | secret key) of a decrypted 158-byte key. */
static void seckey_checksum(const uint8_t *raw, uint8_t chk[SK_CHK_LEN])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, SK_CHK_LEN);
	crypto_generichash_update(&st, raw, 2);
	crypto_generichash_update(&st, raw + SK_SECRET_OFF, CF_KEY_ID_SIZE + ED_SK);
	crypto_generichash_final(&st, chk, SK_CHK_LEN);
	sodium_memzero(&st, sizeof st);
}

/* Decode and check the fixed part of a secret key file into raw (158
 * bytes of sodium_malloc'd memory). */
static cf_status seckey_decode(const char *text, size_t len, uint8_t *raw, int *encrypted,
                               cf_sig_error *err)
{
	static const char what[] = "secret key file";
	sig_line lines[2];
	cf_status st = cf_sig_lines(text, len, lines, 2, what, CF_SIG_CHECK_KEY, err);
	if (st != CF_OK)
		return st;
	st = cf_sig_comment_line(&lines[0], 1, UNTRUSTED_PREFIX, CF_SIG_UNTRUSTED_MAX, what,
	                         CF_SIG_CHECK_KEY, err);
	if (st != CF_OK)
		return st;
	st = cf_sig_b64_line(&lines[1], 2, raw, SK_BYTES, "secret key", CF_SIG_CHECK_KEY, err);
	if (st != CF_OK)
		return st;
	if (memcmp(raw, "Ed", 2) != 0)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_KEY,
		                   "secret key: unsupported signature algorithm 0x%02x%02x (not "
		                   "\"Ed\")",
		                   raw[0], raw[1]);
	if (memcmp(raw + 2, "Sc", 2) == 0)
		*encrypted = 1;
	else if (raw[2] == 0 && raw[3] == 0)
		*encrypted = 0;
	else
		return cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_KEY,
		                   "secret key: unsupported key derivation 0x%02x%02x (not \"Sc\" "
		                   "or 00 00)",
		                   raw[2], raw[3]);
	if (memcmp(raw + 4, "B2", 2) != 0)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_KEY,
		                   "secret key: unsupported checksum algorithm 0x%02x%02x (not "
		                   "\"B2\")",
		                   raw[4], raw[5]);
	if (*encrypted) {
		uint64_t ops = ld64(raw + 38);
		uint64_t mem = ld64(raw + 46);
		if (ops > CF_KDF_OPSLIMIT_CAP)
			return cf_sig_fail(
			    err, CF_ERR_SIGNATURE, CF_SIG_CHECK_KEY,
			    "secret key: scrypt opslimit %llu is over the cap of %llu",
			    (unsigned long long)ops, (unsigned long long)CF_KDF_OPSLIMIT_CAP);
		if (mem > CF_KDF_MEMLIMIT_CAP)
			return cf_sig_fail(
			    err, CF_ERR_SIGNATURE, CF_SIG_CHECK_KEY,
			    "secret key: scrypt memlimit %llu is over the cap of %llu",
			    (unsigned long long)mem, (unsigned long long)CF_KDF_MEMLIMIT_CAP);
	}
	return CF_OK;
}

cf_status cf_seckey_encrypted(const char *text, size_t len, int *encrypted, cf_sig_error *err)
{
	cf_status st = cf_sig_ready(err);
	if (st != CF_OK)
		return st;
	uint8_t *raw = sodium_malloc(SK_BYTES);
	if (!raw)
		return cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
	st = seckey_decode(text, len, raw, encrypted, err);
	sodium_free(raw);
	return st;
}

cf_status cf_seckey_parse(const char *text, size_t len, const char *password, size_t pw_len,
                          cf_seckey **out, cf_sig_error *err)
{
	uint8_t *raw = NULL, *stream = NULL, *scratch = NULL;
	cf_seckey *sk = NULL;
	int encrypted = 0;
	cf_status st;

	*out = NULL;
	if ((st = cf_sig_ready(err)) != CF_OK)
		return st;
	raw = sodium_malloc(SK_BYTES);
	stream = sodium_malloc(SK_SECRET_LEN);
	/* checksum (32) | derived public key (32) | derived secret key (64) */
	scratch = sodium_malloc(SK_CHK_LEN + ED_PK + ED_SK);
	if (!raw || !stream || !scratch) {
		st = cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
		goto out;
	}
	if ((st = seckey_decode(text, len, raw, &encrypted, err)) != CF_OK)
		goto out;
	if (encrypted) {
		if (!password) {
			st = cf_sig_fail(err, CF_ERR_INVALID, CF_SIG_CHECK_PASSWORD,
			                 "the secret key is encrypted: a password is needed");
			goto out;
		}
		if (crypto_pwhash_scryptsalsa208sha256(stream, SK_SECRET_LEN, password, pw_len,
		                                       raw + 6, ld64(raw + 38),
		                                       (size_t)ld64(raw + 46)) != 0) {
			st = cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_KEY,
			                 "scrypt key derivation failed (out of memory?)");
			goto out;
		}
		for (size_t i = 0; i < SK_SECRET_LEN; i++)
			raw[SK_SECRET_OFF + i] ^= stream[i];
	}
	uint8_t *chk = scratch;
	uint8_t *dpk = scratch + SK_CHK_LEN;
	uint8_t *dsk = dpk + ED_PK;
	const uint8_t *stored_chk = raw + SK_SECRET_OFF + CF_KEY_ID_SIZE + ED_SK;
	seckey_checksum(raw, chk);
	if (sodium_memcmp(chk, stored_chk, SK_CHK_LEN) != 0) {
		if (encrypted) {
			st = cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_PASSWORD,
			                 "wrong password for this secret key (checksum mismatch "
			                 "after decryption)");
			goto out;
		}
		/* minisign -W writes (and never checks) an all-zero checksum. */
		if (!all_zero(stored_chk, SK_CHK_LEN)) {
			st = cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_KEY,
			                 "secret key: checksum mismatch: the key is corrupt");
			goto out;
		}
	}
	const uint8_t *key = raw + SK_SECRET_OFF + CF_KEY_ID_SIZE;
	crypto_sign_seed_keypair(dpk, dsk, key);
	if (sodium_memcmp(dpk, key + 32, ED_PK) != 0) {
		st = cf_sig_fail(err, CF_ERR_SIGNATURE, CF_SIG_CHECK_KEY,
		                 "secret key: the public half does not match the seed: the key "
		                 "is corrupt");
		goto out;
	}
	sk = sodium_malloc(sizeof *sk);
	if (!sk) {
		st = cf_sig_fail(err, CF_ERR_NOMEM, CF_SIG_CHECK_NONE, "out of memory");
		goto out;
	}
	memcpy(sk->id, raw + SK_SECRET_OFF, CF_KEY_ID_SIZE);
	memcpy(sk->sk, key, ED_SK);
	*out = sk;
	st = CF_OK;
out:
	/* sodium_free() wipes before it frees. */
	sodium_free(raw);
	sodium_free(stream);
	sodium_free(scratch);
	return st;
}

cf_status cf_seckey_generate(cf_seckey **skp, cf_pubkey **pkp)
{
	cf_seckey *sk = NULL;
	cf_pubkey *pk = NULL;
	*skp = NULL;
	*pkp = NULL;
	if (cf_sig_init() != CF_OK)
		return CF_ERR_INTERNAL;
	sk = sodium_malloc(sizeof *sk);
	pk = malloc(sizeof *pk);
	if (!sk || !pk) {
		if (sk)
			sodium_free(sk);
		free(pk);
		return CF_ERR_NOMEM;
	}
	randombytes_buf(sk->id, sizeof sk->id);
	crypto_sign_keypair(pk->pk, sk->sk);
	memcpy(pk->id, sk->id, sizeof pk->id);
	*skp = sk;
	*pkp = pk;
	return CF_OK;
}

cf_status cf_seckey_serialize(const cf_seckey *sk, const char *password, size_t pw_len,
                              cf_kdf_level level, char **out, size_t *out_len)
{
	static const char comment[] = UNTRUSTED_PREFIX SECKEY_COMMENT "\n";
	uint8_t *raw = NULL, *stream = NULL;
	char *text = NULL;
	cf_status st = CF_ERR_NOMEM;

	*out = NULL;
	*out_len = 0;
	if (cf_sig_init() != CF_OK)
		return CF_ERR_INTERNAL;
	size_t cap = sizeof comment + 4 * ((SK_BYTES + 2) / 3) + 2;
	raw = sodium_malloc(SK_BYTES);
	stream = sodium_malloc(SK_SECRET_LEN);
	text = sodium_malloc(cap);
	if (!raw || !stream || !text)
		goto out;
	memset(raw, 0, SK_BYTES);
	memcpy(raw, "Ed", 2);
	memcpy(raw + 4, "B2", 2);
	memcpy(raw + SK_SECRET_OFF, sk->id, CF_KEY_ID_SIZE);
	memcpy(raw + SK_SECRET_OFF + CF_KEY_ID_SIZE, sk->sk, ED_SK);
	if (password) {
		uint64_t ops = level == CF_KDF_INTERACTIVE
		                   ? crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_INTERACTIVE
		                   : crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE;
		uint64_t mem = level == CF_KDF_INTERACTIVE
		                   ? crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_INTERACTIVE
		                   : crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE;
		memcpy(raw + 2, "Sc", 2);
		randombytes_buf(raw + 6, SALT_LEN);
		st64(raw + 38, ops);
		st64(raw + 46, mem);
		seckey_checksum(raw, raw + SK_SECRET_OFF + CF_KEY_ID_SIZE + ED_SK);
		if (crypto_pwhash_scryptsalsa208sha256(stream, SK_SECRET_LEN, password, pw_len,
		                                       raw + 6, ops, (size_t)mem) != 0)
			goto out;
		for (size_t i = 0; i < SK_SECRET_LEN; i++)
			raw[SK_SECRET_OFF + i] ^= stream[i];
	}
	/* Unencrypted (minisign -W): kdf 00 00, zero salt, limits and checksum. */
	memcpy(text, comment, sizeof comment - 1);
	size_t w = sizeof comment - 1;
	w += cf_sig_b64_put(text + w, raw, SK_BYTES);
	*out = text;
	*out_len = w;
	text = NULL;
	st = CF_OK;
out:
	if (raw)
		sodium_free(raw);
	if (stream)
		sodium_free(stream);
	if (text)
		sodium_free(text);
	return st;
}

cf_status cf_seckey_pubkey(const cf_seckey *sk, cf_pubkey **out)
{
	cf_pubkey *pk = malloc(sizeof *pk);
	*out = NULL;
	if (!pk)
		return CF_ERR_NOMEM;
	memcpy(pk->id, sk->id, CF_KEY_ID_SIZE);
	memcpy(pk->pk, sk->sk + 32, ED_PK);
	*out = pk;
	return CF_OK;
}

void cf_seckey_id(const cf_seckey *sk, uint8_t id[CF_KEY_ID_SIZE])
{
	memcpy(id, sk->id, CF_KEY_ID_SIZE);
}

void cf_seckey_free(cf_seckey *sk)
{
	if (sk)
		sodium_free(sk);
}
