/*
 * test_signing.c - minisign keys and signatures: round trips, every
 * malformation of key and signature files, the line ends they may have,
 * wrong passwords, the trusted-comment binding, and tamper loops over a
 * signed buffer and its signature.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include <cf/format.h>
#include <cf/sign.h>

/* ---- fixtures ------------------------------------------------------------ */

static cf_seckey *g_sk, *g_sk2;
static cf_pubkey *g_pk, *g_pk2;
static cf_sig *g_bound_sig; /* check_channel()'s last signature with a binding */

static int setup(void **state)
{
	(void)state;
	if (cf_sig_init() != CF_OK)
		return -1;
	if (cf_seckey_generate(&g_sk, &g_pk) != CF_OK)
		return -1;
	if (cf_seckey_generate(&g_sk2, &g_pk2) != CF_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cf_seckey_free(g_sk);
	cf_seckey_free(g_sk2);
	cf_pubkey_free(g_pk);
	cf_pubkey_free(g_pk2);
	cf_sig_free(g_bound_sig);
	g_bound_sig = NULL;
	return 0;
}

/* A small verified channel file: channel 291, the given content version. */
static uint8_t *build_channel(uint64_t version, size_t *len)
{
	cf_build_header h;
	memset(&h, 0, sizeof h);
	h.channel = 291;
	h.content_version = version;
	h.template_name = "ipc-named-pipe";
	h.template_id = 7;
	h.template_version = 3;
	for (unsigned i = 0; i < CF_FINGERPRINT_SIZE; i++)
		h.fingerprint[i] = (uint8_t)(0xa0 + i);
	cf_builder *b = cf_builder_new(&h);
	assert_non_null(b);
	assert_int_equal(cf_builder_add_field(b, "pipe_name", CF_TYPE_STRING), CF_OK);
	assert_int_equal(cf_builder_add_field(b, "client_pid", CF_TYPE_UINT), CF_OK);
	cf_build_criterion c[2];
	memset(c, 0, sizeof c);
	c[0].kind = CF_CRIT_PREFIX;
	c[0].str = "\\\\.\\pipe\\msagent_";
	c[0].str_len = strlen(c[0].str);
	cf_build_instance in;
	memset(&in, 0, sizeof in);
	in.id = 1001;
	in.action = CF_ACTION_DETECT;
	in.severity = CF_SEVERITY_HIGH;
	assert_int_equal(cf_builder_add_instance(b, &in, c), CF_OK);
	uint8_t *out = NULL;
	assert_int_equal(cf_builder_finish(b, &out, len), CF_OK);
	cf_builder_free(b);
	return out;
}

static char *b64(const uint8_t *bin, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(cap);
	assert_non_null(s);
	sodium_bin2base64(s, cap, bin, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* printf into a malloc'd string. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	assert_true(n >= 0);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* Decode line 2 of a two- or four-line file into raw (at most cap bytes). */
static size_t line2_raw(const char *text, uint8_t *raw, size_t cap)
{
	const char *l2 = strchr(text, '\n') + 1;
	const char *e = strchr(l2, '\n');
	size_t n = 0;
	assert_int_equal(sodium_base642bin(raw, cap, l2, (size_t)(e - l2), NULL, &n, NULL,
	                                   sodium_base64_VARIANT_ORIGINAL),
	                 0);
	return n;
}

/* text with line 2 replaced by the base64 of raw. */
static char *with_line2(const char *text, const uint8_t *raw, size_t n)
{
	const char *l2 = strchr(text, '\n') + 1;
	const char *e = strchr(l2, '\n');
	char *enc = b64(raw, n);
	char *r = fmt("%.*s%s%s", (int)(l2 - text), text, enc, e);
	free(enc);
	return r;
}

static cf_status parse_pub(const char *text, cf_sig_error *e)
{
	cf_pubkey *pk = NULL;
	memset(e, 0, sizeof *e);
	cf_status st = cf_pubkey_parse(text, strlen(text), &pk, e);
	if (st == CF_OK)
		assert_non_null(pk);
	else
		assert_null(pk);
	cf_pubkey_free(pk);
	return st;
}

static cf_status parse_sec(const char *text, const char *pw, cf_sig_error *e)
{
	cf_seckey *sk = NULL;
	memset(e, 0, sizeof *e);
	cf_status st = cf_seckey_parse(text, strlen(text), pw, pw ? strlen(pw) : 0, &sk, e);
	if (st == CF_OK)
		assert_non_null(sk);
	else
		assert_null(sk);
	cf_seckey_free(sk);
	return st;
}

static cf_status parse_sig(const char *text, size_t len, cf_sig **out, cf_sig_error *e)
{
	memset(e, 0, sizeof *e);
	return cf_sig_parse(text, len, out, e);
}

/* Parse and verify a raw-message signature; every failure has a message. */
static cf_status check_raw(const cf_pubkey *pk, const char *text, size_t tlen, const uint8_t *msg,
                           size_t len, unsigned flags, cf_sig_error *e)
{
	cf_sig *sig = NULL;
	cf_status st = parse_sig(text, tlen, &sig, e);
	if (st == CF_OK)
		st = cf_sig_verify(pk, sig, msg, len, flags, e);
	if (st != CF_OK) {
		assert_int_equal(e->status, st);
		assert_true(strlen(e->message) > 0);
	}
	cf_sig_free(sig);
	return st;
}

/* The binding *b points into the parsed signature: the last one asked for
 * is kept until the next call (or teardown), so the caller can read it. */
static cf_status check_channel(const cf_pubkey *pk, const char *text, const uint8_t *buf,
                               size_t len, cf_sig_binding *b, cf_sig_error *e)
{
	cf_sig_free(g_bound_sig);
	g_bound_sig = NULL;
	cf_sig *sig = NULL;
	cf_status st = parse_sig(text, strlen(text), &sig, e);
	if (st == CF_OK) {
		cf_view v;
		st = cf_sig_verify_channel(pk, sig, buf, len, 0, &v, b, e);
		if (st == CF_OK)
			assert_int_equal(v.hdr.channel, 291);
	}
	if (b)
		g_bound_sig = sig;
	else
		cf_sig_free(sig);
	return st;
}

static char *sign_raw(const cf_seckey *sk, const uint8_t *msg, size_t len, const char *tc)
{
	char *out = NULL;
	size_t out_len = 0;
	cf_sig_error e;
	assert_int_equal(cf_sig_sign(sk, msg, len, tc, NULL, &out, &out_len, &e), CF_OK);
	assert_int_equal(strlen(out), out_len);
	return out;
}

/* ---- keys ---------------------------------------------------------------- */

static void test_key_id_hex(void **state)
{
	(void)state;
	const uint8_t id[8] = {0x10, 0x5b, 0xe5, 0xd8, 0x3b, 0x77, 0x69, 0x6b};
	char hex[17];
	cf_key_id_hex(id, hex);
	assert_string_equal(hex, "6B69773BD8E55B10");
	const uint8_t small[8] = {0x01, 0, 0, 0, 0, 0, 0, 0};
	cf_key_id_hex(small, hex);
	assert_string_equal(hex, "0000000000000001"); /* zero-padded, like minisign 0.12 */
}

static void test_pubkey_roundtrip(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(cf_pubkey_serialize(g_pk, &text, &len), CF_OK);
	assert_int_equal(strlen(text), len);
	assert_true(strncmp(text, "untrusted comment: minisign public key ", 39) == 0);
	cf_pubkey *pk = NULL;
	cf_sig_error e;
	assert_int_equal(cf_pubkey_parse(text, len, &pk, &e), CF_OK);
	uint8_t a[8], b[8];
	cf_pubkey_id(pk, a);
	cf_seckey_id(g_sk, b);
	assert_memory_equal(a, b, 8);
	char *again = NULL;
	size_t again_len = 0;
	assert_int_equal(cf_pubkey_serialize(pk, &again, &again_len), CF_OK);
	assert_string_equal(text, again);
	/* The public half of the secret key is the same key. */
	cf_pubkey *derived = NULL;
	assert_int_equal(cf_seckey_pubkey(g_sk, &derived), CF_OK);
	char *dtext = NULL;
	size_t dlen = 0;
	assert_int_equal(cf_pubkey_serialize(derived, &dtext, &dlen), CF_OK);
	assert_string_equal(text, dtext);
	free(dtext);
	cf_pubkey_free(derived);
	free(again);
	free(text);
	cf_pubkey_free(pk);
	/* A real minisign 0.11 public key (unpadded key ID in the comment). */
	static const char real[] = "untrusted comment: minisign public key 6B69773BD8E55B10\n"
	                           "RWQQW+XYO3dpa2uDXuCDW6q/m86Vk6cFOlvpmCstuPlEtZz3PhfeBm8m\n";
	assert_int_equal(cf_pubkey_parse(real, strlen(real), &pk, &e), CF_OK);
	cf_pubkey_id(pk, a);
	char hex[17];
	cf_key_id_hex(a, hex);
	assert_string_equal(hex, "6B69773BD8E55B10");
	cf_pubkey_free(pk);
}

static void test_seckey_unencrypted_roundtrip(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(cf_seckey_serialize(g_sk, NULL, 0, CF_KDF_SENSITIVE, &text, &len), CF_OK);
	assert_int_equal(strlen(text), len);
	assert_true(strncmp(text, "untrusted comment: minisign encrypted secret key\n", 49) == 0);
	/* minisign -W layout: kdf 00 00, zero salt and limits, zero checksum. */
	uint8_t raw[200];
	assert_int_equal(line2_raw(text, raw, sizeof raw), 158);
	assert_memory_equal(raw, "Ed\0\0B2", 6);
	for (size_t i = 6; i < 54; i++)
		assert_int_equal(raw[i], 0);
	for (size_t i = 126; i < 158; i++)
		assert_int_equal(raw[i], 0);
	int enc = -1;
	cf_sig_error e;
	assert_int_equal(cf_seckey_encrypted(text, len, &enc, &e), CF_OK);
	assert_int_equal(enc, 0);
	cf_seckey *sk = NULL;
	/* No password needed; one given is ignored. */
	assert_int_equal(cf_seckey_parse(text, len, NULL, 0, &sk, &e), CF_OK);
	cf_seckey_free(sk);
	assert_int_equal(cf_seckey_parse(text, len, "x", 1, &sk, &e), CF_OK);
	uint8_t a[8], b[8];
	cf_seckey_id(sk, a);
	cf_seckey_id(g_sk, b);
	assert_memory_equal(a, b, 8);
	/* It signs what g_pk verifies. */
	const uint8_t msg[] = "hello";
	char *sig = sign_raw(sk, msg, sizeof msg, "t");
	assert_int_equal(check_raw(g_pk, sig, strlen(sig), msg, sizeof msg, 0, &e), CF_OK);
	free(sig);
	cf_seckey_free(sk);

	/* A correct checksum on an unencrypted key is fine too. */
	uint8_t chk[32];
	crypto_generichash_state hs;
	crypto_generichash_init(&hs, NULL, 0, 32);
	crypto_generichash_update(&hs, raw, 2);
	crypto_generichash_update(&hs, raw + 54, 72);
	crypto_generichash_final(&hs, chk, 32);
	memcpy(raw + 126, chk, 32);
	char *t2 = with_line2(text, raw, 158);
	assert_int_equal(parse_sec(t2, NULL, &e), CF_OK);
	free(t2);
	/* A wrong non-zero checksum means corruption. */
	raw[126] ^= 1;
	t2 = with_line2(text, raw, 158);
	assert_int_equal(parse_sec(t2, NULL, &e), CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_KEY);
	assert_non_null(strstr(e.message, "checksum mismatch"));
	free(t2);
	/* A secret key whose public half does not match its seed. */
	memset(raw + 126, 0, 32);
	raw[100] ^= 1;
	t2 = with_line2(text, raw, 158);
	assert_int_equal(parse_sec(t2, NULL, &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "does not match the seed"));
	free(t2);
	cf_key_secret_free(text);
}

static void test_seckey_encrypted(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(
	    cf_seckey_serialize(g_sk, "correct horse", 13, CF_KDF_INTERACTIVE, &text, &len), CF_OK);
	uint8_t raw[200];
	assert_int_equal(line2_raw(text, raw, sizeof raw), 158);
	assert_memory_equal(raw, "EdScB2", 6);
	uint64_t ops = 0, mem = 0;
	for (unsigned i = 0; i < 8; i++) {
		ops |= (uint64_t)raw[38 + i] << (8 * i);
		mem |= (uint64_t)raw[46 + i] << (8 * i);
	}
	assert_int_equal(ops, crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_INTERACTIVE);
	assert_int_equal(mem, crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_INTERACTIVE);
	int enc = -1;
	cf_sig_error e;
	assert_int_equal(cf_seckey_encrypted(text, len, &enc, &e), CF_OK);
	assert_int_equal(enc, 1);
	cf_seckey *sk = NULL;
	assert_int_equal(cf_seckey_parse(text, len, "correct horse", 13, &sk, &e), CF_OK);
	uint8_t a[8], b[8];
	cf_seckey_id(sk, a);
	cf_seckey_id(g_sk, b);
	assert_memory_equal(a, b, 8);
	cf_seckey_free(sk);
	/* Wrong password: a clear error, not a corrupt key. */
	assert_int_equal(cf_seckey_parse(text, len, "correct horsf", 13, &sk, &e),
	                 CF_ERR_SIGNATURE);
	assert_null(sk);
	assert_int_equal(e.check, CF_SIG_CHECK_PASSWORD);
	assert_non_null(strstr(e.message, "wrong password"));
	assert_int_equal(cf_seckey_parse(text, len, "", 0, &sk, &e), CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_PASSWORD);
	/* No password at all. */
	assert_int_equal(cf_seckey_parse(text, len, NULL, 0, &sk, &e), CF_ERR_INVALID);
	assert_int_equal(e.check, CF_SIG_CHECK_PASSWORD);
	/* Limits over the caps are refused before any key derivation. */
	uint8_t big[200];
	memcpy(big, raw, 158);
	big[46 + 4] = 0x02; /* memlimit 8 GiB */
	char *t2 = with_line2(text, big, 158);
	assert_int_equal(parse_sec(t2, "correct horse", &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "memlimit"));
	free(t2);
	memcpy(big, raw, 158);
	big[38 + 4] = 0x01; /* opslimit 2^32 */
	t2 = with_line2(text, big, 158);
	assert_int_equal(parse_sec(t2, "correct horse", &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "opslimit"));
	free(t2);
	/* One past the opslimit cap (4 x minisign's 33554432): refused too. */
	memcpy(big, raw, 158);
	memset(big + 38, 0, 8);
	big[38] = 0x01;
	big[41] = 0x08; /* 0x08000001 = 134217729 */
	t2 = with_line2(text, big, 158);
	assert_int_equal(parse_sec(t2, "correct horse", &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "opslimit"));
	free(t2);
	/* A flipped bit in the encrypted part reads as a wrong password. */
	memcpy(big, raw, 158);
	big[60] ^= 0x10;
	t2 = with_line2(text, big, 158);
	assert_int_equal(parse_sec(t2, "correct horse", &e), CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_PASSWORD);
	free(t2);
	cf_key_secret_free(text);
}

/* Every malformation of a key file, each with its own message. */
static void test_key_malformed(void **state)
{
	(void)state;
	char *pub = NULL, *sec = NULL;
	size_t plen = 0, slen = 0;
	cf_sig_error e;
	assert_int_equal(cf_pubkey_serialize(g_pk, &pub, &plen), CF_OK);
	assert_int_equal(cf_seckey_serialize(g_sk, NULL, 0, CF_KDF_SENSITIVE, &sec, &slen), CF_OK);

	/* Truncated at every length (but for the final newline alone, which
	 * may be missing: test_line_ends). */
	for (size_t n = 0; n + 1 < plen; n++) {
		cf_pubkey *pk = NULL;
		assert_int_not_equal(cf_pubkey_parse(pub, n, &pk, &e), CF_OK);
		assert_null(pk);
		assert_true(strlen(e.message) > 0);
	}
	for (size_t n = 0; n + 1 < slen; n++) {
		cf_seckey *sk = NULL;
		assert_int_not_equal(cf_seckey_parse(sec, n, NULL, 0, &sk, &e), CF_OK);
		assert_null(sk);
		int enc;
		assert_int_not_equal(cf_seckey_encrypted(sec, n, &enc, &e), CF_OK);
	}
	assert_int_equal(parse_pub("", &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "empty"));

	const char *nl = strchr(pub, '\n');
	const char *b = nl + 1;
	int blen = (int)(plen - (size_t)(b - pub) - 1);
	struct {
		char *text;
		const char *expect;
	} cases[] = {
	    {fmt("comment: x\n%s", b), "does not start with"},
	    {fmt("%s\n%s", "untrusted comment: x", b), NULL},
	    {fmt("untrusted comment: x\r\n%s", b), NULL},
	    {fmt("untrusted comment: x\n%.*s\r\n", blen, b), NULL},
	    {fmt("untrusted comment: x\n%.*s", blen, b), NULL},
	    {fmt("untrusted comment: x\n%s\n", b), NULL},
	    {fmt("untrusted comment: x\r\n%.*s\r", blen, b), "line 2: carriage return"},
	    {fmt("untrusted comment: x\n%s\n\n", b), "2 empty lines after line 2"},
	    {fmt("untrusted comment: x\n%sextra\n", b), "unexpected data"},
	    {fmt("untrusted comment: x\n"), "truncated: 1 line, expected 2"},
	    {fmt("untrusted comment: x"), "truncated: 1 line, expected 2"},
	    {fmt("untrusted comment: x\n%.*s\n", blen - 4, b), "base64 characters"},
	    {fmt("untrusted comment: x\n%.*sAAAA\n", blen, b), "base64 characters"},
	    {fmt("untrusted comment: x\n %.*s\n", blen - 1, b), "not valid base64"},
	    {fmt("untrusted comment: x\n%.*s*\n", blen - 1, b), "not valid base64"},
	    {fmt("untrusted comment: x\n%.*s=\n", blen - 1, b), "line 2: public key"},
	    {fmt("untrusted comment: x\n%.*s\x80\n", blen - 1, b), "byte 0x80"},
	    {fmt("untrusted comment: %01004d\n%s", 0, b), "longer than"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cf_status st = parse_pub(cases[i].text, &e);
		if (!cases[i].expect) {
			assert_int_equal(st, CF_OK);
		} else {
			if (st == CF_OK || !strstr(e.message, cases[i].expect))
				fail_msg("case %zu: status %d, message \"%s\", expected \"%s\"", i,
				         (int)st, e.message, cases[i].expect);
			assert_int_equal(e.check, CF_SIG_CHECK_KEY);
		}
		free(cases[i].text);
	}
	/* NUL inside the file. */
	char withnul[200];
	memcpy(withnul, pub, plen);
	withnul[3] = 0;
	cf_pubkey *pk = NULL;
	assert_int_equal(cf_pubkey_parse(withnul, plen, &pk, &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "NUL"));
	/* The longest comment minisign can read is accepted. */
	char *longest = fmt("untrusted comment: %01003d\n%s", 0, b);
	assert_int_equal(parse_pub(longest, &e), CF_OK);
	free(longest);

	/* Wrong lengths that are still valid base64 (a 43-byte and a 41-byte key). */
	uint8_t raw[64];
	assert_int_equal(line2_raw(pub, raw, sizeof raw), 42);
	char *t = with_line2(pub, raw, 41);
	assert_int_equal(parse_pub(t, &e), CF_ERR_SIGNATURE);
	free(t);
	raw[42] = 0;
	t = with_line2(pub, raw, 43);
	assert_int_equal(parse_pub(t, &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "base64 characters"));
	free(t);
	/* 40 bytes: the same number of base64 characters but "==" padding. */
	t = with_line2(pub, raw, 40);
	assert_int_equal(parse_pub(t, &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "decodes to 40 bytes"));
	free(t);
	/* Wrong algorithm bytes. */
	raw[1] = 'D';
	t = with_line2(pub, raw, 42);
	assert_int_equal(parse_pub(t, &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "unsupported signature algorithm"));
	free(t);

	/* Secret key: algorithm, kdf and checksum bytes. */
	uint8_t sraw[200];
	assert_int_equal(line2_raw(sec, sraw, sizeof sraw), 158);
	static const struct {
		size_t off;
		uint8_t val;
		const char *expect;
	} sk_cases[] = {
	    {0, 'X', "signature algorithm"},
	    {1, 'D', "signature algorithm"},
	    {2, 'S', "key derivation"},
	    {3, 'c', "key derivation"},
	    {4, 'B', NULL}, /* unchanged: control */
	    {5, '3', "checksum algorithm"},
	};
	for (size_t i = 0; i < sizeof sk_cases / sizeof sk_cases[0]; i++) {
		uint8_t m[200];
		memcpy(m, sraw, 158);
		m[sk_cases[i].off] = sk_cases[i].val;
		t = with_line2(sec, m, 158);
		cf_status st = parse_sec(t, NULL, &e);
		if (!sk_cases[i].expect)
			assert_int_equal(st, CF_OK);
		else if (st == CF_OK || !strstr(e.message, sk_cases[i].expect))
			fail_msg("secret key case %zu: \"%s\"", i, e.message);
		free(t);
	}
	t = with_line2(sec, sraw, 157);
	assert_int_equal(parse_sec(t, NULL, &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "decodes to 157 bytes"));
	free(t);
	/* A secret key file given where a public key is expected, and back. */
	assert_int_equal(parse_pub(sec, &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "base64 characters"));
	assert_int_equal(parse_sec(pub, NULL, &e), CF_ERR_SIGNATURE);
	free(pub);
	cf_key_secret_free(sec);
}

/* ---- signatures ---------------------------------------------------------- */

static void test_sign_verify_roundtrip(void **state)
{
	(void)state;
	const uint8_t msg[] = "channel file bytes";
	cf_sig_error e;
	char *text = sign_raw(g_sk, msg, sizeof msg, "timestamp:1\tfile:x");
	cf_sig *sig = NULL;
	assert_int_equal(cf_sig_parse(text, strlen(text), &sig, &e), CF_OK);
	size_t tcl = 0;
	assert_string_equal(cf_sig_trusted_comment(sig, &tcl), "timestamp:1\tfile:x");
	assert_int_equal(tcl, 18);
	assert_false(cf_sig_is_legacy(sig));
	uint8_t a[8], b[8];
	cf_sig_key_id(sig, a);
	cf_pubkey_id(g_pk, b);
	assert_memory_equal(a, b, 8);
	assert_int_equal(cf_sig_verify(g_pk, sig, msg, sizeof msg, 0, &e), CF_OK);
	cf_sig_free(sig);
	/* Ed25519 is deterministic: the same inputs give the same file. */
	char *again = sign_raw(g_sk, msg, sizeof msg, "timestamp:1\tfile:x");
	assert_string_equal(text, again);
	free(again);
	/* The "ED" signature is over BLAKE2b-512 of the message. */
	uint8_t raw[80], digest[64];
	assert_int_equal(line2_raw(text, raw, sizeof raw), 74);
	assert_memory_equal(raw, "ED", 2);
	crypto_generichash(digest, 64, msg, sizeof msg, NULL, 0);
	uint8_t pkraw[64];
	char *pub = NULL;
	size_t plen;
	assert_int_equal(cf_pubkey_serialize(g_pk, &pub, &plen), CF_OK);
	assert_int_equal(line2_raw(pub, pkraw, sizeof pkraw), 42);
	assert_int_equal(crypto_sign_verify_detached(raw + 10, digest, 64, pkraw + 10), 0);
	free(pub);
	/* Empty message and an empty trusted comment are fine. */
	char *empty = sign_raw(g_sk, msg, 0, "");
	assert_int_equal(check_raw(g_pk, empty, strlen(empty), msg, 0, 0, &e), CF_OK);
	free(empty);
	/* Comments with control characters or over the caps are refused. */
	char *out = NULL;
	size_t ol;
	assert_int_equal(cf_sig_sign(g_sk, msg, 1, "a\nb", NULL, &out, &ol, &e), CF_ERR_INVALID);
	assert_int_equal(cf_sig_sign(g_sk, msg, 1, "a", "x\ry", &out, &ol, &e), CF_ERR_INVALID);
	char *huge = calloc(1, CF_SIG_TRUSTED_MAX + 2);
	assert_non_null(huge);
	memset(huge, 'a', CF_SIG_TRUSTED_MAX);
	assert_int_equal(cf_sig_sign(g_sk, msg, 1, huge, NULL, &out, &ol, &e), CF_OK);
	assert_int_equal(check_raw(g_pk, out, ol, msg, 1, 0, &e), CF_OK);
	free(out);
	huge[CF_SIG_TRUSTED_MAX] = 'a';
	assert_int_equal(cf_sig_sign(g_sk, msg, 1, huge, NULL, &out, &ol, &e), CF_ERR_INVALID);
	free(huge);
	free(text);
}

static void test_verify_order(void **state)
{
	(void)state;
	const uint8_t msg[] = "abc";
	const uint8_t other[] = "abd";
	cf_sig_error e;
	char *text = sign_raw(g_sk, msg, sizeof msg, "tc");
	/* Wrong public key: the key ID differs. */
	assert_int_equal(check_raw(g_pk2, text, strlen(text), msg, sizeof msg, 0, &e),
	                 CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_KEY_ID);
	/* Same key ID, another key: the signature fails. */
	char *pub2 = NULL;
	size_t l2;
	assert_int_equal(cf_pubkey_serialize(g_pk2, &pub2, &l2), CF_OK);
	uint8_t raw[64], id[8];
	assert_int_equal(line2_raw(pub2, raw, sizeof raw), 42);
	cf_pubkey_id(g_pk, id);
	memcpy(raw + 2, id, 8);
	char *forged = with_line2(pub2, raw, 42);
	cf_pubkey *fpk = NULL;
	assert_int_equal(cf_pubkey_parse(forged, strlen(forged), &fpk, &e), CF_OK);
	assert_int_equal(check_raw(fpk, text, strlen(text), msg, sizeof msg, 0, &e),
	                 CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_SIGNATURE);
	cf_pubkey_free(fpk);
	free(forged);
	free(pub2);
	/* Another message. */
	assert_int_equal(check_raw(g_pk, text, strlen(text), other, sizeof other, 0, &e),
	                 CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_SIGNATURE);
	/* A trusted comment from another signature: the global signature fails. */
	char *t2 = NULL;
	const char *tc = strstr(text, "trusted comment: tc\n");
	assert_non_null(tc);
	t2 = fmt("%.*strusted comment: tC\n%s", (int)(tc - text), text, tc + 20);
	assert_int_equal(check_raw(g_pk, t2, strlen(t2), msg, sizeof msg, 0, &e), CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_GLOBAL);
	free(t2);
	/* Unknown algorithm bytes. */
	uint8_t sraw[80];
	assert_int_equal(line2_raw(text, sraw, sizeof sraw), 74);
	sraw[1] = 'X';
	t2 = with_line2(text, sraw, 74);
	assert_int_equal(check_raw(g_pk, t2, strlen(t2), msg, sizeof msg, 0, &e), CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_ALGORITHM);
	assert_non_null(strstr(e.message, "unsupported signature algorithm"));
	free(t2);
	free(text);
}

static void test_legacy(void **state)
{
	(void)state;
	const uint8_t msg[] = "legacy signed bytes";
	cf_sig_error e;
	/* Build a legacy "Ed" signature by hand: Ed25519 over the message. */
	char *ref = sign_raw(g_sk, msg, sizeof msg, "legacy");
	uint8_t raw[80], global[64];
	assert_int_equal(line2_raw(ref, raw, sizeof raw), 74);
	char *sec = NULL;
	size_t slen;
	assert_int_equal(cf_seckey_serialize(g_sk, NULL, 0, CF_KDF_SENSITIVE, &sec, &slen), CF_OK);
	uint8_t sraw[200];
	assert_int_equal(line2_raw(sec, sraw, sizeof sraw), 158);
	const uint8_t *edsk = sraw + 62;
	raw[1] = 'd';
	crypto_sign_detached(raw + 10, NULL, msg, sizeof msg, edsk);
	uint8_t gm[64 + 6];
	memcpy(gm, raw + 10, 64);
	memcpy(gm + 64, "legacy", 6);
	crypto_sign_detached(global, NULL, gm, sizeof gm, edsk);
	char *s1 = b64(raw, 74), *s2 = b64(global, 64);
	char *text = fmt("untrusted comment: legacy\n%s\ntrusted comment: legacy\n%s\n", s1, s2);
	cf_sig *sig = NULL;
	assert_int_equal(cf_sig_parse(text, strlen(text), &sig, &e), CF_OK);
	assert_true(cf_sig_is_legacy(sig));
	cf_sig_free(sig);
	assert_int_equal(check_raw(g_pk, text, strlen(text), msg, sizeof msg, 0, &e),
	                 CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_ALGORITHM);
	assert_non_null(strstr(e.message, "legacy"));
	assert_int_equal(
	    check_raw(g_pk, text, strlen(text), msg, sizeof msg, CF_SIG_ALLOW_LEGACY, &e), CF_OK);
	/* With the flag a legacy signature is still checked. */
	assert_int_equal(
	    check_raw(g_pk, text, strlen(text), msg, sizeof msg - 1, CF_SIG_ALLOW_LEGACY, &e),
	    CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_SIGNATURE);
	free(s1);
	free(s2);
	free(text);
	free(ref);
	cf_key_secret_free(sec);
}

static void test_sig_malformed(void **state)
{
	(void)state;
	const uint8_t msg[] = "m";
	cf_sig_error e;
	char *text = sign_raw(g_sk, msg, sizeof msg, "tc");
	size_t len = strlen(text);
	/* Truncated at every length (but for the final newline alone). */
	for (size_t n = 0; n + 1 < len; n++) {
		cf_sig *sig = NULL;
		cf_status st = parse_sig(text, n, &sig, &e);
		assert_int_equal(st, CF_ERR_SIGNATURE);
		assert_null(sig);
		assert_int_equal(e.check, CF_SIG_CHECK_SYNTAX);
	}
	/* Split into its four lines. */
	char *l[4];
	const char *p = text;
	for (int i = 0; i < 4; i++) {
		const char *nl = strchr(p, '\n');
		l[i] = fmt("%.*s", (int)(nl - p), p);
		p = nl + 1;
	}
	size_t b2 = strlen(l[1]), b4 = strlen(l[3]);
	struct {
		char *text;
		const char *expect;
	} cases[] = {
	    {fmt("%s\n%s\n%s\n%s\n", l[0], l[1], l[2], l[3]), NULL},
	    {fmt("%s\n%s\n%s\n%s", l[0], l[1], l[2], l[3]), NULL},
	    {fmt("%s\n%s\n%s\n", l[0], l[1], l[2]), "truncated: 3 lines"},
	    {fmt("%s\n%s\n%s", l[0], l[1], l[2]), "truncated: 3 lines"},
	    {fmt("%s\n%s\n%s\n%s\n\n", l[0], l[1], l[2], l[3]), NULL},
	    {fmt("%s\n%s\n%s\n%s\n\n\n", l[0], l[1], l[2], l[3]), "2 empty lines after line 4"},
	    {fmt("%s\r\n%s\n%s\n%s\n", l[0], l[1], l[2], l[3]), NULL},
	    {fmt("%s\n%s\n%s\n%s\r\n", l[0], l[1], l[2], l[3]), NULL},
	    {fmt("%s\r%s\n%s\n%s\n", l[0], l[1], l[2], l[3]), "line 1: carriage return"},
	    {fmt("Untrusted comment: x\n%s\n%s\n%s\n", l[1], l[2], l[3]), "line 1 does not start"},
	    {fmt("%s\n%s\nTrusted comment: tc\n%s\n", l[0], l[1], l[3]), "line 3 does not start"},
	    {fmt("%s\n%s\n%s\n%s\n", l[0], l[2], l[1], l[3]), "line 2: signature has"},
	    {fmt("%s\n%.*s\n%s\n%s\n", l[0], (int)b2 - 1, l[1], l[2], l[3]), "base64 characters"},
	    {fmt("%s\n%s=\n%s\n%s\n", l[0], l[1], l[2], l[3]), "base64 characters"},
	    {fmt("%s\n%.*s!\n%s\n%s\n", l[0], (int)b2 - 1, l[1], l[2], l[3]), "not valid base64"},
	    {fmt("%s\n%.*s-%s\n%s\n%s\n", l[0], 5, l[1], l[1] + 6, l[2], l[3]), "not valid base64"},
	    {fmt("%s\n%.*s_%s\n%s\n%s\n", l[0], 5, l[1], l[1] + 6, l[2], l[3]), "not valid base64"},
	    {fmt("%s\n%s\n%s\n%.*s\n", l[0], l[1], l[2], (int)b4 - 2, l[3]), "global signature"},
	    {fmt("%s\n%s\n%s\n%.*s?=\n", l[0], l[1], l[2], (int)b4 - 2, l[3]), "not valid base64"},
	    {fmt("%s\n%s\n%s\n%s\n%s\n", l[0], l[1], l[2], l[3], l[3]), "unexpected data"},
	    {fmt("untrusted comment: %01004d\n%s\n%s\n%s\n", 0, l[1], l[2], l[3]),
	     "longer than the 1003"},
	    {fmt("untrusted comment: %01003d\n%s\n%s\n%s\n", 0, l[1], l[2], l[3]), NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cf_sig *sig = NULL;
		cf_status st = parse_sig(cases[i].text, strlen(cases[i].text), &sig, &e);
		if (!cases[i].expect) {
			assert_int_equal(st, CF_OK);
			assert_int_equal(cf_sig_verify(g_pk, sig, msg, sizeof msg, 0, &e), CF_OK);
		} else if (st == CF_OK || !strstr(e.message, cases[i].expect)) {
			fail_msg("case %zu: status %d, message \"%s\", expected \"%s\"", i, (int)st,
			         e.message, cases[i].expect);
		}
		cf_sig_free(sig);
		free(cases[i].text);
	}
	/* Non-canonical base64: the unused low bits of the last character set. */
	{
		char *bad = fmt("%s\n%s\n%s\n%s\n", l[0], l[1], l[2], l[3]);
		char *eq = strchr(strchr(bad, '\n') + 1, '=');
		assert_non_null(eq);
		char *last = eq - 1;
		/* 74 bytes: 2 bytes in the last group, 2 unused bits in its 3rd char. */
		static const char alpha[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		int v = (int)(strchr(alpha, *last) - alpha);
		*last = alpha[v ^ 1];
		cf_sig *sig = NULL;
		assert_int_equal(parse_sig(bad, strlen(bad), &sig, &e), CF_ERR_SIGNATURE);
		assert_non_null(strstr(e.message, "not valid base64"));
		free(bad);
	}
	/* Trusted comment: the longest minisign reads, and one byte more. */
	char *tc = malloc(CF_SIG_TRUSTED_MAX + 2);
	assert_non_null(tc);
	memset(tc, 'x', CF_SIG_TRUSTED_MAX + 1);
	tc[CF_SIG_TRUSTED_MAX + 1] = 0;
	char *t2 = fmt("%s\n%s\ntrusted comment: %s\n%s\n", l[0], l[1], tc, l[3]);
	cf_sig *sig = NULL;
	assert_int_equal(parse_sig(t2, strlen(t2), &sig, &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "longer than the 8173"));
	free(t2);
	tc[CF_SIG_TRUSTED_MAX] = 0;
	t2 = fmt("%s\n%s\ntrusted comment: %s\n%s\n", l[0], l[1], tc, l[3]);
	assert_int_equal(parse_sig(t2, strlen(t2), &sig, &e), CF_OK);
	assert_int_equal(cf_sig_verify(g_pk, sig, msg, sizeof msg, 0, &e), CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_GLOBAL);
	cf_sig_free(sig);
	free(t2);
	free(tc);
	/* NUL byte in the trusted comment. */
	char *withnul = fmt("%s\n%s\n%s\n%s\n", l[0], l[1], l[2], l[3]);
	size_t wl = strlen(withnul);
	*(strstr(withnul, "trusted comment: tc") + 17) = 0;
	assert_int_equal(parse_sig(withnul, wl, &sig, &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "line 3: NUL byte"));
	free(withnul);
	for (int i = 0; i < 4; i++)
		free(l[i]);
	free(text);
}

/* ---- line ends ----------------------------------------------------------- */

/* The line ends a key or signature file may have (docs/signing.md, "Line
 * ends"), and the near misses that stay refused. */
static const struct line_form {
	const char *name;
	const char *eol; /* each line's end; NULL: alternate "\r\n" and "\n" */
	int lf_first;    /* with eol NULL: line 1 ends in "\n" */
	size_t drop;     /* bytes of the last line end left out */
	const char *tail;
	int edit;         /* 1: an empty line after line 1; 2: a space before the last line end */
	const char *fail; /* NULL: accepted; else a part of the message */
} line_forms[] = {
    {"LF", "\n", 0, 0, "", 0, NULL},
    {"LF, one empty line at the end", "\n", 0, 0, "\n", 0, NULL},
    {"LF, no final newline", "\n", 0, 1, "", 0, NULL},
    {"CRLF", "\r\n", 0, 0, "", 0, NULL},
    {"CRLF, one empty line at the end", "\r\n", 0, 0, "\r\n", 0, NULL},
    {"CRLF, no final line end", "\r\n", 0, 2, "", 0, NULL},
    {"CRLF then LF", NULL, 0, 0, "", 0, NULL},
    {"LF then CRLF", NULL, 1, 0, "", 0, NULL},
    {"CRLF, one empty LF line at the end", "\r\n", 0, 0, "\n", 0, NULL},
    /* near misses */
    {"bare CR", "\r", 0, 0, "", 0, "line 1: carriage return at column"},
    {"CRLF without its last LF", "\r\n", 0, 1, "", 0, "carriage return at column"},
    {"CR CR LF", "\r\r\n", 0, 0, "", 0, "line 1: carriage return at column"},
    {"LF CR", "\n\r", 0, 0, "", 0, "line 2: carriage return at column 1 "},
    {"LF, two empty lines at the end", "\n", 0, 0, "\n\n", 0, "2 empty lines after line"},
    {"CRLF, two empty lines at the end", "\r\n", 0, 0, "\r\n\r\n", 0, "2 empty lines after"},
    {"LF, three empty lines at the end", "\n", 0, 0, "\n\r\n\n", 0, "3 empty lines after"},
    {"an empty line, then a CR", "\n", 0, 0, "\n\r", 0, "unexpected data after line"},
    {"a line of one space at the end", "\n", 0, 0, " \n", 0, "unexpected data after line"},
    {"a line of one tab at the end", "\r\n", 0, 0, "\t\r\n", 0, "unexpected data after line"},
    {"an extra line", "\n", 0, 0, "x\n", 0, "unexpected data after line"},
    {"an empty line in the middle", "\n", 0, 0, "", 1, "unexpected data after line"},
    {"CRLF, an empty line in the middle", "\r\n", 0, 0, "", 1, "unexpected data after line"},
    {"a space at the end of the base64 line", "\n", 0, 0, "", 2, "base64 characters"},
    {"CRLF, a space at the end of the base64 line", "\r\n", 0, 0, "", 2, "base64 characters"},
};

/* text (every line ending in "\n") rewritten into form f; malloc'd, *len
 * bytes. */
static char *line_form_apply(const char *text, const struct line_form *f, size_t *len)
{
	size_t n = strlen(text), cap = 3 * n + 16, w = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	unsigned lineno = 0;
	size_t last_eol = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] != '\n') {
			out[w++] = text[i];
			continue;
		}
		lineno++;
		if (f->edit == 2 && i + 1 == n)
			out[w++] = ' ';
		const char *eol = f->eol;
		if (!eol)
			eol = (lineno % 2 == 1) == !f->lf_first ? "\r\n" : "\n";
		last_eol = strlen(eol);
		memcpy(out + w, eol, last_eol);
		w += last_eol;
		if (f->edit == 1 && lineno == 1) {
			memcpy(out + w, eol, last_eol);
			w += last_eol;
		}
	}
	assert_true(f->drop <= last_eol);
	w -= f->drop;
	size_t tl = strlen(f->tail);
	memcpy(out + w, f->tail, tl);
	w += tl;
	assert_true(w < cap);
	out[w] = 0;
	*len = w;
	return out;
}

/* Check one form of one file: accepted (parse and compare with want) or
 * refused with its message. kind: 0 public key, 1 secret key, 2 signature. */
static void line_form_check(int kind, const char *canon, const char *pw, const char *want,
                            const struct line_form *f)
{
	static const char *const kind_name[] = {"public key", "secret key", "signature"};
	size_t len = 0;
	char *text = line_form_apply(canon, f, &len);
	cf_sig_error e;
	memset(&e, 0, sizeof e);
	cf_status st;
	char *got = NULL;
	size_t got_len = 0;
	if (kind == 0) {
		cf_pubkey *pk = NULL;
		st = cf_pubkey_parse(text, len, &pk, &e);
		if (st == CF_OK)
			assert_int_equal(cf_pubkey_serialize(pk, &got, &got_len), CF_OK);
		cf_pubkey_free(pk);
	} else if (kind == 1) {
		int enc = -1;
		cf_status st2 = cf_seckey_encrypted(text, len, &enc, &e);
		cf_seckey *sk = NULL;
		st = cf_seckey_parse(text, len, pw, pw ? strlen(pw) : 0, &sk, &e);
		assert_int_equal(st2, st);
		if (st == CF_OK) {
			assert_int_equal(enc, pw != NULL);
			cf_pubkey *pk = NULL;
			assert_int_equal(cf_seckey_pubkey(sk, &pk), CF_OK);
			assert_int_equal(cf_pubkey_serialize(pk, &got, &got_len), CF_OK);
			cf_pubkey_free(pk);
		}
		cf_seckey_free(sk);
	} else {
		cf_sig *sig = NULL;
		st = cf_sig_parse(text, len, &sig, &e);
		if (st == CF_OK) {
			const uint8_t msg[] = "line ends";
			assert_int_equal(cf_sig_verify(g_pk, sig, msg, sizeof msg, 0, &e), CF_OK);
			size_t tl = 0;
			got = strdup(cf_sig_trusted_comment(sig, &tl));
			assert_non_null(got);
			assert_int_equal(strlen(got), tl);
		}
		cf_sig_free(sig);
	}
	if (!f->fail) {
		if (st != CF_OK)
			fail_msg("%s, %s: refused: %s", kind_name[kind], f->name, e.message);
		assert_string_equal(got, want);
	} else {
		if (st != CF_ERR_SIGNATURE || !strstr(e.message, f->fail))
			fail_msg("%s, %s: status %d, message \"%s\", expected \"%s\"",
			         kind_name[kind], f->name, (int)st, e.message, f->fail);
		assert_int_equal(e.check, kind == 2 ? CF_SIG_CHECK_SYNTAX : CF_SIG_CHECK_KEY);
	}
	free(got);
	free(text);
}

/* Public keys, secret keys (unencrypted and encrypted) and signatures in
 * every accepted line-end form parse to the same thing; the near misses are
 * refused, each with its message. */
static void test_line_ends(void **state)
{
	(void)state;
	char *pub = NULL, *sec = NULL, *esec = NULL;
	size_t plen = 0, slen = 0, elen = 0;
	assert_int_equal(cf_pubkey_serialize(g_pk, &pub, &plen), CF_OK);
	assert_int_equal(cf_seckey_serialize(g_sk, NULL, 0, CF_KDF_SENSITIVE, &sec, &slen), CF_OK);
	assert_int_equal(cf_seckey_serialize(g_sk, "pw", 2, CF_KDF_INTERACTIVE, &esec, &elen),
	                 CF_OK);
	const uint8_t msg[] = "line ends";
	char *sig = sign_raw(g_sk, msg, sizeof msg, "timestamp:1\tfile:x");
	for (size_t i = 0; i < sizeof line_forms / sizeof line_forms[0]; i++) {
		const struct line_form *f = &line_forms[i];
		line_form_check(0, pub, NULL, pub, f);
		line_form_check(1, sec, NULL, pub, f);
		line_form_check(1, esec, "pw", pub, f);
		line_form_check(2, sig, NULL, "timestamp:1\tfile:x", f);
	}
	free(sig);
	free(pub);
	cf_key_secret_free(sec);
	cf_key_secret_free(esec);
}

/* Flip every byte of a signed buffer, and every byte of its signature file:
 * everything is rejected except edits to the untrusted comment's text,
 * which minisign's format leaves unauthenticated by design. */
static void test_tamper_loop(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *buf = build_channel(42, &len);
	cf_sig_error e;
	char *text = NULL;
	size_t tlen = 0;
	assert_int_equal(
	    cf_sig_sign_channel(g_sk, buf, len, "c291.cf", 1700000000, &text, &tlen, &e), CF_OK);
	assert_int_equal(check_channel(g_pk, text, buf, len, NULL, &e), CF_OK);
	unsigned rejected = 0;
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			buf[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(check_channel(g_pk, text, buf, len, NULL, &e),
			                 CF_ERR_SIGNATURE);
			assert_int_equal(e.check, CF_SIG_CHECK_SIGNATURE);
			buf[i] ^= (uint8_t)(1u << bit);
			rejected++;
		}
	}
	assert_int_equal(rejected, 2 * len);
	size_t comment_start = strlen("untrusted comment: ");
	size_t comment_end = (size_t)(strchr(text, '\n') - text);
	for (size_t i = 0; i < tlen; i++) {
		for (int bit = 0; bit < 8; bit++) {
			text[i] ^= (char)(1u << bit);
			cf_sig *sig = NULL;
			cf_status st = parse_sig(text, tlen, &sig, &e);
			if (st == CF_OK)
				st = cf_sig_verify_channel(g_pk, sig, buf, len, 0, NULL, NULL, &e);
			cf_sig_free(sig);
			int in_comment = i >= comment_start && i < comment_end;
			int harmless =
			    in_comment && text[i] != '\n' && text[i] != '\r' && text[i] != 0;
			if (harmless)
				assert_int_equal(st, CF_OK);
			else if (st == CF_OK)
				fail_msg("flipping bit %d of signature byte %zu was accepted", bit,
				         i);
			text[i] ^= (char)(1u << bit);
		}
	}
	assert_int_equal(check_channel(g_pk, text, buf, len, NULL, &e), CF_OK);
	free(text);
	free(buf);
}

/* Every truncation of a signature file, a public key and an unencrypted
 * secret key is refused with a message; only the final newline may be
 * missing. (tests/cli/signing_reject.sh runs a few of these lengths through
 * the command line; this loop runs all of them.) */
/* The verdict on text cut to n of total bytes: accepted only one byte short
 * (the final newline), else refused with a message. */
static void check_cut(cf_status st, size_t n, size_t total, const char *what,
                      const cf_sig_error *e)
{
	if (n + 1 == total)
		assert_int_equal(st, CF_OK);
	else if (st == CF_OK)
		fail_msg("%s cut to %zu of %zu bytes was accepted", what, n, total);
	else
		assert_true(strlen(e->message) > 0);
}

static void test_truncation_loop(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *buf = build_channel(42, &len);
	cf_sig_error e;
	char *sig = NULL;
	size_t slen = 0;
	assert_int_equal(
	    cf_sig_sign_channel(g_sk, buf, len, "c291.cf", 1700000000, &sig, &slen, &e), CF_OK);
	for (size_t n = 0; n < slen; n++) {
		cf_sig *parsed = NULL;
		cf_status st = parse_sig(sig, n, &parsed, &e);
		if (st == CF_OK)
			st = cf_sig_verify_channel(g_pk, parsed, buf, len, 0, NULL, NULL, &e);
		cf_sig_free(parsed);
		check_cut(st, n, slen, "a signature", &e);
	}
	char *pub = NULL;
	size_t plen = 0;
	assert_int_equal(cf_pubkey_serialize(g_pk, &pub, &plen), CF_OK);
	for (size_t n = 0; n < plen; n++) {
		cf_pubkey *pk = NULL;
		memset(&e, 0, sizeof e);
		cf_status st = cf_pubkey_parse(pub, n, &pk, &e);
		cf_pubkey_free(pk);
		check_cut(st, n, plen, "a public key", &e);
	}
	char *sec = NULL;
	size_t klen = 0;
	assert_int_equal(cf_seckey_serialize(g_sk, NULL, 0, CF_KDF_SENSITIVE, &sec, &klen), CF_OK);
	for (size_t n = 0; n < klen; n++) {
		cf_seckey *sk = NULL;
		memset(&e, 0, sizeof e);
		cf_status st = cf_seckey_parse(sec, n, NULL, 0, &sk, &e);
		cf_seckey_free(sk);
		check_cut(st, n, klen, "a secret key", &e);
	}
	cf_key_secret_free(sec);
	free(pub);
	free(sig);
	free(buf);
}

/* ---- the channel-file binding -------------------------------------------- */

static void test_channel_sign_verify(void **state)
{
	(void)state;
	size_t l41 = 0, l42 = 0;
	uint8_t *v41 = build_channel(41, &l41);
	uint8_t *v42 = build_channel(42, &l42);
	cf_sig_error e;
	char *s41 = NULL, *s42 = NULL;
	size_t n;
	assert_int_equal(cf_sig_sign_channel(g_sk, v41, l41, "c291.cf", 1721361240, &s41, &n, &e),
	                 CF_OK);
	assert_int_equal(cf_sig_sign_channel(g_sk, v42, l42, "c291.cf", 1721361240, &s42, &n, &e),
	                 CF_OK);
	cf_sig_binding b;
	assert_int_equal(check_channel(g_pk, s42, v42, l42, &b, &e), CF_OK);
	assert_int_equal(b.channel, 291);
	assert_int_equal(b.content_version, 42);
	assert_int_equal(b.field_count, 2);
	assert_int_equal(b.timestamp, 1721361240);
	assert_int_equal(b.file.len, 7);
	assert_memory_equal(b.file.ptr, "c291.cf", 7);
	assert_memory_equal(b.template_name.ptr, "ipc-named-pipe", 14);
	assert_int_equal(b.fingerprint[0], 0xa0);
	/* The trusted comment, exactly. */
	assert_non_null(strstr(s42, "\ntrusted comment: timestamp:1721361240\tfile:c291.cf\t"
	                            "channel:291\tversion:42\ttemplate:ipc-named-pipe\t"
	                            "fingerprint:a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8"
	                            "b9babbbcbdbebf\tfields:2\n"));
	/* The version-41 signature moved onto version 42. */
	assert_int_equal(check_channel(g_pk, s41, v42, l42, NULL, &e), CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_SIGNATURE);
	/* A valid signature over the file whose trusted comment names another
	 * version: only the binding catches it. */
	const char *tc = strstr(s42, "\ntrusted comment: ") + 18;
	char *tc41 = fmt("%.*s", (int)(strchr(tc, '\n') - tc), tc);
	char *vp = strstr(tc41, "version:42");
	vp[9] = '1';
	char *forged = sign_raw(g_sk, v42, l42, tc41);
	assert_int_equal(check_channel(g_pk, forged, v42, l42, NULL, &e), CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_BINDING);
	assert_non_null(strstr(e.message, "signed for content version 41, but the file is "
	                                  "version 42"));
	free(forged);
	struct {
		const char *from, *to, *expect;
	} subs[] = {
	    {"channel:291", "channel:292", "channel 292"},
	    {"template:ipc-named-pipe", "template:ipc-named-pipf", "template"},
	    {"fingerprint:a0", "fingerprint:b0", "fingerprint"},
	    {"fields:2", "fields:3", "field count of 3"},
	};
	vp[9] = '2'; /* back to the right version; change one other key at a time */
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		char *at = strstr(tc41, subs[i].from);
		assert_non_null(at);
		char *mod =
		    fmt("%.*s%s%s", (int)(at - tc41), tc41, subs[i].to, at + strlen(subs[i].from));
		forged = sign_raw(g_sk, v42, l42, mod);
		assert_int_equal(check_channel(g_pk, forged, v42, l42, NULL, &e), CF_ERR_SIGNATURE);
		assert_int_equal(e.check, CF_SIG_CHECK_BINDING);
		if (!strstr(e.message, subs[i].expect))
			fail_msg("binding case %zu: \"%s\"", i, e.message);
		free(forged);
		free(mod);
	}
	/* The file name is informational: a renamed file still verifies. */
	char *renamed = NULL;
	assert_int_equal(cf_sig_sign_channel(g_sk, v42, l42, "other-name.cf", 5, &renamed, &n, &e),
	                 CF_OK);
	assert_int_equal(check_channel(g_pk, renamed, v42, l42, &b, &e), CF_OK);
	assert_memory_equal(b.file.ptr, "other-name.cf", 13);
	free(renamed);
	/* minisign's own default trusted comment is not a binding. */
	forged = sign_raw(g_sk, v42, l42, "timestamp:1721361240\tfile:c291.cf\thashed");
	assert_int_equal(check_channel(g_pk, forged, v42, l42, NULL, &e), CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_BINDING);
	assert_non_null(strstr(e.message, "hashed"));
	free(forged);
	/* A valid signature over bytes that are not a channel file. */
	const uint8_t junk[] = "not a channel file";
	forged = sign_raw(g_sk, junk, sizeof junk, tc41);
	assert_int_equal(check_channel(g_pk, forged, junk, sizeof junk, NULL, &e),
	                 CF_ERR_NOT_CHANNEL);
	assert_int_equal(e.check, CF_SIG_CHECK_FORMAT);
	free(forged);
	/* cf_sig_sign_channel refuses what the verifier refuses. */
	char *out = NULL;
	assert_int_not_equal(cf_sig_sign_channel(g_sk, junk, sizeof junk, "j.cf", 1, &out, &n, &e),
	                     CF_OK);
	assert_int_equal(e.check, CF_SIG_CHECK_FORMAT);
	assert_null(out);
	v42[l42 / 2] ^= 1;
	assert_int_not_equal(cf_sig_sign_channel(g_sk, v42, l42, "c.cf", 1, &out, &n, &e), CF_OK);
	assert_int_equal(e.check, CF_SIG_CHECK_FORMAT);
	v42[l42 / 2] ^= 1;
	/* File names that cannot go in a trusted comment. */
	assert_int_equal(cf_sig_sign_channel(g_sk, v42, l42, "a\tb.cf", 1, &out, &n, &e),
	                 CF_ERR_INVALID);
	assert_int_equal(cf_sig_sign_channel(g_sk, v42, l42, "a\nb.cf", 1, &out, &n, &e),
	                 CF_ERR_INVALID);
	assert_int_equal(cf_sig_sign_channel(g_sk, v42, l42, "", 1, &out, &n, &e), CF_ERR_INVALID);
	assert_int_equal(cf_sig_sign_channel(g_sk, v42, l42, "\xff.cf", 1, &out, &n, &e),
	                 CF_ERR_INVALID);
	free(tc41);
	free(s41);
	free(s42);
	free(v41);
	free(v42);
}

static void test_binding_parse(void **state)
{
	(void)state;
	static const char fp[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	cf_sig_binding b;
	cf_sig_error e;
	char *ok = fmt("timestamp:0\tfile:x\tchannel:1\tversion:9223372036854775807\t"
	               "template:a\tfingerprint:%s\tfields:255",
	               fp);
	assert_int_equal(cf_sig_binding_parse(ok, strlen(ok), &b, &e), CF_OK);
	assert_int_equal(b.timestamp, 0);
	assert_true(b.content_version == INT64_MAX);
	assert_int_equal(b.field_count, 255);
	assert_int_equal(b.fingerprint[31], 0xff);
	free(ok);
	/* Any order is fine when every key is there once. */
	ok = fmt("fields:1\tfingerprint:%s\ttemplate:a-b\tversion:1\tchannel:4294967295\t"
	         "file:y z\ttimestamp:18446744073709551615",
	         fp);
	assert_int_equal(cf_sig_binding_parse(ok, strlen(ok), &b, &e), CF_OK);
	assert_true(b.timestamp == UINT64_MAX);
	assert_int_equal(b.channel, UINT32_MAX);
	free(ok);
	const char *base = "timestamp:1\tfile:x\tchannel:1\tversion:1\ttemplate:a\t"
	                   "fingerprint:%s\tfields:1%s";
	struct {
		const char *from, *to, *expect;
	} cases[] = {
	    {"timestamp:1", "timestamp:01", "bad timestamp"},
	    {"timestamp:1", "timestamp:18446744073709551616", "bad timestamp"},
	    {"timestamp:1", "timestamp:", "bad timestamp"},
	    {"timestamp:1", "timestamp:-1", "bad timestamp"},
	    {"timestamp:1", "timestamp:+1", "bad timestamp"},
	    {"timestamp:1", "time:1", "unknown key"},
	    {"timestamp:1", "timestamp 1", "not key:value"},
	    {"channel:1", "channel:0", "bad channel"},
	    {"channel:1", "channel:4294967296", "bad channel"},
	    {"channel:1", "channel:1 ", "bad channel"},
	    {"version:1", "version:9223372036854775808", "bad version"},
	    {"version:1", "version:0", "bad version"},
	    {"template:a", "template:A", "bad template"},
	    {"template:a", "template:", "bad template"},
	    {"template:a", "template:1a", "bad template"},
	    {"template:a", "template:a_b", "bad template"},
	    {"fields:1", "fields:256", "bad fields"},
	    {"fields:1", "fields:1x", "bad fields"},
	    {"file:x", "file:", "bad file"},
	    {"file:x", "file:\x01", "bad file"},
	    {"file:x", "file:\xc3", "bad file"},
	    {"file:x\t", "", "no \"file\""},
	    {"file:x", "file:x\tfile:y", "duplicate key \"file\""},
	    {"channel:1\t", "", "no \"channel\""},
	    {"\tfields:1", "", "no \"fields\""},
	    {"\tfields:1", "\tfields:1\t", "not key:value"},
	    {"\tfields:1", "\tfields:1\thashed", "not key:value"},
	};
	char *tmpl = fmt(base, fp, "");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *at = strstr(tmpl, cases[i].from);
		assert_non_null(at);
		char *t = fmt("%.*s%s%s", (int)(at - tmpl), tmpl, cases[i].to,
		              at + strlen(cases[i].from));
		cf_status st = cf_sig_binding_parse(t, strlen(t), &b, &e);
		if (st == CF_OK || !strstr(e.message, cases[i].expect))
			fail_msg("case %zu (%s): status %d, \"%s\"", i, t, (int)st, e.message);
		assert_int_equal(e.check, CF_SIG_CHECK_BINDING);
		free(t);
	}
	free(tmpl);
	/* Fingerprints: 64 lower-case hex digits. */
	const char *bad_fps[] = {
	    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeefff",
	    "0011223344556677889gaabbccddeeff00112233445566778899aabbccddeeff",
	};
	for (size_t i = 0; i < sizeof bad_fps / sizeof bad_fps[0]; i++) {
		char *t = fmt(base, bad_fps[i], "");
		assert_int_equal(cf_sig_binding_parse(t, strlen(t), &b, &e), CF_ERR_SIGNATURE);
		assert_non_null(strstr(e.message, "bad fingerprint"));
		free(t);
	}
	assert_int_equal(cf_sig_binding_parse("", 0, &b, &e), CF_ERR_SIGNATURE);
	assert_non_null(strstr(e.message, "empty"));
}

/* ---- passwords and secret files ------------------------------------------ */

static char *temp_file(const char *data, size_t len)
{
	char *path = strdup("/tmp/cfc-test-signing.XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_password_file(void **state)
{
	(void)state;
	static const struct {
		const char *data;
		size_t len;
		cf_status st;
		const char *pw;
	} cases[] = {
	    {"secret\n", 7, CF_OK, "secret"},
	    {"secret", 6, CF_OK, "secret"},
	    {"secret\r\nsecond line\n", 20, CF_OK, "secret"},
	    {"\n", 1, CF_OK, ""},
	    {"", 0, CF_OK, ""},
	    {"with space \n", 12, CF_OK, "with space "},
	    {"a\0b\n", 4, CF_ERR_INVALID, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *path = temp_file(cases[i].data, cases[i].len);
		char *pw = NULL;
		size_t pl = 0;
		int err_no = 0;
		assert_int_equal(cf_key_password_file(path, &pw, &pl, &err_no), cases[i].st);
		if (cases[i].pw) {
			assert_int_equal(pl, strlen(cases[i].pw));
			assert_memory_equal(pw, cases[i].pw, pl);
			assert_int_equal(pw[pl], 0);
		} else {
			assert_null(pw);
		}
		cf_key_secret_free(pw);
		unlink(path);
		free(path);
	}
	/* The longest password, and one byte more. */
	char *big = malloc(CF_PASSWORD_MAX + 3);
	assert_non_null(big);
	memset(big, 'p', CF_PASSWORD_MAX + 3);
	big[CF_PASSWORD_MAX] = '\n';
	char *path = temp_file(big, CF_PASSWORD_MAX + 1);
	char *pw = NULL;
	size_t pl = 0;
	int err_no = 0;
	assert_int_equal(cf_key_password_file(path, &pw, &pl, &err_no), CF_OK);
	assert_int_equal(pl, CF_PASSWORD_MAX);
	cf_key_secret_free(pw);
	unlink(path);
	free(path);
	big[CF_PASSWORD_MAX] = 'p';
	big[CF_PASSWORD_MAX + 1] = '\n';
	path = temp_file(big, CF_PASSWORD_MAX + 2);
	assert_int_equal(cf_key_password_file(path, &pw, &pl, &err_no), CF_ERR_LIMIT);
	unlink(path);
	free(path);
	path = temp_file(big, CF_PASSWORD_MAX + 3);
	assert_int_equal(cf_key_password_file(path, &pw, &pl, &err_no), CF_ERR_LIMIT);
	unlink(path);
	free(path);
	free(big);
	assert_int_equal(cf_key_password_file("/nonexistent/pw", &pw, &pl, &err_no), CF_ERR_IO);
	assert_int_not_equal(err_no, 0);
	assert_int_equal(cf_key_password_file("/tmp", &pw, &pl, &err_no), CF_ERR_IO);
}

static void test_key_file_read(void **state)
{
	(void)state;
	char *path = temp_file("abc", 3);
	char *text = NULL;
	size_t len = 0;
	int err_no = 0;
	assert_int_equal(cf_key_file_read(path, 3, &text, &len, &err_no), CF_OK);
	assert_int_equal(len, 3);
	assert_string_equal(text, "abc");
	cf_key_secret_free(text);
	assert_int_equal(cf_key_file_read(path, 2, &text, &len, &err_no), CF_ERR_LIMIT);
	assert_null(text);
	unlink(path);
	free(path);
	assert_int_equal(cf_key_file_read("/nonexistent", 10, &text, &len, &err_no), CF_ERR_IO);
	cf_key_secret_free(NULL);
}

/* cf_sig_verify_channel_fd: the same findings as on a buffer, read from a
 * file by a second thread while the caller hashes. */
static cf_status check_channel_fd(const char *sig_text, const char *path, size_t cap,
                                  cf_sig_error *e)
{
	cf_sig *sig = NULL;
	cf_status st = parse_sig(sig_text, strlen(sig_text), &sig, e);
	assert_int_equal(st, CF_OK);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	uint8_t *buf = NULL;
	size_t len = 0;
	int err_no = 0;
	cf_view v;
	cf_sig_binding b;
	st = cf_sig_verify_channel_fd(g_pk, sig, fd, cap, 0, &buf, &len, &err_no, &v, &b, e);
	if (st == CF_OK) {
		assert_int_equal(v.hdr.channel, 291);
		assert_int_equal(b.content_version, 42);
		assert_ptr_equal(v.hdr.template_name.ptr >= (const char *)buf &&
		                     v.hdr.template_name.ptr < (const char *)buf + len,
		                 1);
	}
	close(fd);
	free(buf);
	cf_sig_free(sig);
	return st;
}

static void test_channel_verify_fd(void **state)
{
	(void)state;
	size_t l42 = 0, n;
	uint8_t *v42 = build_channel(42, &l42);
	cf_sig_error e;
	char *s42 = NULL;
	assert_int_equal(cf_sig_sign_channel(g_sk, v42, l42, "c291.cf", 1721361240, &s42, &n, &e),
	                 CF_OK);
	char *path = temp_file((const char *)v42, l42);
	assert_int_equal(check_channel_fd(s42, path, l42, &e), CF_OK);
	assert_int_equal(check_channel_fd(s42, path, l42 - 1, &e), CF_ERR_LIMIT);
	unlink(path);
	free(path);
	/* a changed byte: the signature check, as on a buffer */
	v42[l42 - 1] ^= 1;
	path = temp_file((const char *)v42, l42);
	assert_int_equal(check_channel_fd(s42, path, l42, &e), CF_ERR_SIGNATURE);
	assert_int_equal(e.check, CF_SIG_CHECK_SIGNATURE);
	unlink(path);
	free(path);
	/* not a regular file */
	int p[2];
	assert_int_equal(pipe(p), 0);
	cf_sig *sig = NULL;
	assert_int_equal(parse_sig(s42, strlen(s42), &sig, &e), CF_OK);
	uint8_t *buf = NULL;
	size_t len = 0;
	assert_int_equal(
	    cf_sig_verify_channel_fd(g_pk, sig, p[0], l42, 0, &buf, &len, NULL, NULL, NULL, &e),
	    CF_ERR_INVALID);
	assert_null(buf);
	close(p[0]);
	close(p[1]);
	cf_sig_free(sig);
	free(s42);
	free(v42);
}

static void test_check_names(void **state)
{
	(void)state;
	for (int c = CF_SIG_CHECK_NONE; c <= CF_SIG_CHECK_PASSWORD; c++)
		assert_true(strlen(cf_sig_check_name((cf_sig_check)c)) > 0);
	assert_string_equal(cf_sig_check_name(CF_SIG_CHECK_KEY_ID), "key ID");
	/* Destructors accept NULL. */
	cf_sig_free(NULL);
	cf_pubkey_free(NULL);
	cf_seckey_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_id_hex),
	    cmocka_unit_test(test_pubkey_roundtrip),
	    cmocka_unit_test(test_seckey_unencrypted_roundtrip),
	    cmocka_unit_test(test_seckey_encrypted),
	    cmocka_unit_test(test_key_malformed),
	    cmocka_unit_test(test_sign_verify_roundtrip),
	    cmocka_unit_test(test_verify_order),
	    cmocka_unit_test(test_legacy),
	    cmocka_unit_test(test_channel_verify_fd),
	    cmocka_unit_test(test_sig_malformed),
	    cmocka_unit_test(test_line_ends),
	    cmocka_unit_test(test_tamper_loop),
	    cmocka_unit_test(test_truncation_loop),
	    cmocka_unit_test(test_channel_sign_verify),
	    cmocka_unit_test(test_binding_parse),
	    cmocka_unit_test(test_password_file),
	    cmocka_unit_test(test_key_file_read),
	    cmocka_unit_test(test_check_names),
	};
	return cmocka_run_group_tests_name("signing", tests, setup, teardown);
}
