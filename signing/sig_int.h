/*
 * sig_int.h - private structures and helpers of signing/.
 *
 * The minisign structures, all packed byte arrays written as one line of
 * padded standard base64:
 *
 * Public key (42 bytes)
 *   OFFSET  SIZE  MEANING
 *        0     2  signature algorithm "Ed"
 *        2     8  key id
 *       10    32  Ed25519 public key
 *
 * Secret key (158 bytes)
 *   OFFSET  SIZE  MEANING
 *        0     2  signature algorithm "Ed"
 *        2     2  key derivation: "Sc" (scrypt) or 00 00 (unencrypted, minisign -W)
 *        4     2  checksum algorithm "B2" (BLAKE2b-256)
 *        6    32  scrypt salt
 *       38     8  scrypt opslimit, little-endian
 *       46     8  scrypt memlimit, little-endian
 *       54     8  key id                 \
 *       62    64  Ed25519 secret key      > XORed with scrypt(104) when "Sc"
 *      126    32  checksum               /  = BLAKE2b-256("Ed" | key id | secret key)
 *
 * Signature (74 bytes), line 2 of a signature file
 *   OFFSET  SIZE  MEANING
 *        0     2  "ED": Ed25519 of the BLAKE2b-512 of the file; "Ed": of the file (legacy)
 *        2     8  key id
 *       10    64  Ed25519 signature
 * Line 4 is the global signature (64 bytes): Ed25519 of signature | trusted comment.
 */
#ifndef CF_SIG_INT_H
#define CF_SIG_INT_H

#include <stdarg.h>

#include <cf/sign.h>

#define PK_BYTES 42u
#define SK_BYTES 158u
#define SIG_BYTES 74u
#define ED_PK 32u
#define ED_SK 64u
#define ED_SIG 64u
#define SK_SECRET_OFF 54u
#define SK_SECRET_LEN 104u
#define SK_CHK_LEN 32u
#define SALT_LEN 32u

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "

struct cf_pubkey {
	uint8_t id[CF_KEY_ID_SIZE];
	uint8_t pk[ED_PK];
};

/* Allocated with sodium_malloc(). */
struct cf_seckey {
	uint8_t id[CF_KEY_ID_SIZE];
	uint8_t sk[ED_SK]; /* seed (32) then public key (32) */
};

struct cf_sig {
	uint8_t alg[2];
	uint8_t id[CF_KEY_ID_SIZE];
	uint8_t sig[ED_SIG];
	uint8_t global[ED_SIG];
	char *untrusted; /* NUL-terminated copies */
	size_t untrusted_len;
	char *trusted;
	size_t trusted_len;
};

/* One line of a text file, without its line end ("\n" or "\r\n"). */
typedef struct sig_line {
	const char *ptr;
	size_t len;
} sig_line;

/* sodium_init() once; CF_ERR_INTERNAL when it fails. */
cf_status cf_sig_ready(cf_sig_error *err);

/* Fill err (may be NULL) and return st. */
cf_status cf_sig_fail(cf_sig_error *err, cf_status st, cf_sig_check check, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Split text into exactly n lines; what names the file in messages
 * ("signature file"). Each line ends in "\n" or "\r\n"; the last line may
 * lack its end, or be followed by one empty line. No NUL anywhere, no CR
 * but in a "\r\n", nothing else after line n. Errors are CF_ERR_SIGNATURE
 * with the given check.
 */
cf_status cf_sig_lines(const char *text, size_t len, sig_line *lines, size_t n, const char *what,
                       cf_sig_check check, cf_sig_error *err);

/* Check "untrusted comment: TEXT" with TEXT at most max bytes. */
cf_status cf_sig_comment_line(const sig_line *l, unsigned lineno, const char *prefix, size_t max,
                              const char *what, cf_sig_check check, cf_sig_error *err);

/*
 * Decode a base64 line that must hold exactly n bytes into out: exactly
 * 4*ceil(n/3) characters of the padded standard alphabet, canonical.
 * what names the content ("signature"). CF_ERR_SIGNATURE on error.
 */
cf_status cf_sig_b64_line(const sig_line *l, unsigned lineno, uint8_t *out, size_t n,
                          const char *what, cf_sig_check check, cf_sig_error *err);

/* Encode n bytes as padded standard base64 plus "\n" at out (room for
 * 4*ceil(n/3) + 1 bytes and a NUL). Returns the bytes written (no NUL). */
size_t cf_sig_b64_put(char *out, const uint8_t *bin, size_t n);

/* Nonzero when s (len bytes) has a byte < 0x20 or 0x7f, or is not UTF-8. */
int cf_sig_text_bad(const char *s, size_t len);

/*
 * cf_sig_verify() with the BLAKE2b-512 of msg already computed (known, 64
 * bytes; NULL: hash msg here). A prehashed ("ED") signature is checked
 * against known; a legacy one against msg itself.
 */
cf_status cf_sig_verify_digest(const cf_pubkey *pk, const cf_sig *sig, const uint8_t *msg,
                               size_t len, const uint8_t *known, unsigned flags, cf_sig_error *err);

#endif
