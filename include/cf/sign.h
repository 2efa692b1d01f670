/*
 * sign.h - minisign-compatible keys and signatures for channel files.
 *
 * Key and signature files are byte-compatible with minisign (0.6 to 0.12):
 * stock `minisign -V` verifies what cf_sig_sign_channel() writes, and secret
 * keys made by `minisign -G` (encrypted or -W) sign here. docs/signing.md
 * describes the files, the trusted comment and the order of the checks.
 *
 * Every primitive is libsodium's. Secret keys and passwords live in
 * sodium_malloc() memory and are wiped when freed. Nothing here prints or
 * exits; reading a password from the terminal is the front end's job.
 */
#ifndef CF_SIGN_H
#define CF_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <cf/api.h>
#include <cf/format.h>

#define CF_KEY_ID_SIZE 8u
/* The most bytes of comment text (after "untrusted comment: " or
 * "trusted comment: ") a line may carry: what minisign's 1024- and
 * 8192-byte line buffers can hold with the prefix and the newline. */
#define CF_SIG_UNTRUSTED_MAX 1003u
#define CF_SIG_TRUSTED_MAX 8173u
/* Caps on the files themselves, for readers. */
#define CF_SIG_FILE_MAX 16384u
#define CF_KEY_FILE_MAX 4096u
#define CF_PASSWORD_MAX 1024u
/* The largest scrypt limits a secret key file may ask for (4 x minisign's). */
#define CF_KDF_OPSLIMIT_CAP 134217728u /* 4 x 33554432 */
#define CF_KDF_MEMLIMIT_CAP ((uint64_t)4 << 30)

typedef struct cf_pubkey cf_pubkey;
typedef struct cf_seckey cf_seckey;
typedef struct cf_sig cf_sig;

/* Which check failed; the verifier runs them in this order. */
typedef enum cf_sig_check {
	CF_SIG_CHECK_NONE = 0,
	CF_SIG_CHECK_SYNTAX,    /* signature file syntax */
	CF_SIG_CHECK_ALGORITHM, /* "ED" (prehashed); "Ed" only with CF_SIG_ALLOW_LEGACY */
	CF_SIG_CHECK_KEY_ID,    /* signature made by another key */
	CF_SIG_CHECK_SIGNATURE, /* Ed25519 signature of the file */
	CF_SIG_CHECK_GLOBAL,    /* Ed25519 signature of sig || trusted comment */
	CF_SIG_CHECK_FORMAT,    /* the channel-file format verifier */
	CF_SIG_CHECK_BINDING,   /* trusted comment versus the file's header */
	CF_SIG_CHECK_KEY,       /* key file syntax or contents */
	CF_SIG_CHECK_PASSWORD,  /* secret key: wrong password */
} cf_sig_check;

/* Error detail: the status, the check at fault and a message naming what
 * is wrong and where ("line 2: ..."). */
typedef struct cf_sig_error {
	cf_status status;
	cf_sig_check check;
	char message[256];
} cf_sig_error;

/* "signature file syntax", "key ID", "global signature", ... */
CF_API const char *cf_sig_check_name(cf_sig_check check);

/* Initialise libsodium (every function below also does it on demand).
 * CF_ERR_INTERNAL when libsodium cannot start. */
CF_API cf_status cf_sig_init(void);

/* Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
CF_API void cf_hex_encode(const uint8_t *bin, size_t n, char *out);
/* Exactly 2n lower-case hex digits into n bytes; 0, or -1 for anything else
 * (upper case, other characters, another length). */
CF_API int cf_hex_decode(const char *s, size_t len, uint8_t *out, size_t n);

/* A canonical decimal (digits only, no sign, no leading zero) of at most
 * max into *out; 0, or -1 for anything else. For trusted comments. */
CF_API int cf_dec_parse(const char *s, size_t len, uint64_t max, uint64_t *out);

/* A key ID as minisign prints it: the 8 bytes as a little-endian 64-bit
 * number, 16 upper-case hex digits, NUL-terminated. */
CF_API void cf_key_id_hex(const uint8_t id[CF_KEY_ID_SIZE], char out[2 * CF_KEY_ID_SIZE + 1]);

/* ---- Public keys --------------------------------------------------------- */

/*
 * Line ends, for the key and signature file parsers below: each line ends
 * in "\n" or "\r\n"; the last line's end may be missing, or one empty line
 * may follow it; no other CR, no NUL, nothing more (docs/signing.md, "Line
 * ends"). The text of a line never includes its line end.
 */

/* Parse a public key file: "untrusted comment: ..." line, then the base64 of
 * "Ed" | key id (8) | Ed25519 key (32). Borrows text; on CF_OK the caller
 * frees *out with cf_pubkey_free(). */
CF_API cf_status cf_pubkey_parse(const char *text, size_t len, cf_pubkey **out, cf_sig_error *err);
/* The file text for pk (malloc'd, NUL-terminated; caller frees with free()). */
CF_API cf_status cf_pubkey_serialize(const cf_pubkey *pk, char **out, size_t *out_len);
CF_API void cf_pubkey_id(const cf_pubkey *pk, uint8_t id[CF_KEY_ID_SIZE]);
CF_API void cf_pubkey_free(cf_pubkey *pk);

/* ---- Secret keys --------------------------------------------------------- */

/* scrypt strength for cf_seckey_serialize(): minisign uses SENSITIVE
 * (opslimit 33554432, memlimit 1 GiB); INTERACTIVE (524288, 16 MiB) is for
 * tests and throw-away keys. Readers use the limits stored in the file. */
typedef enum cf_kdf_level { CF_KDF_SENSITIVE = 0, CF_KDF_INTERACTIVE = 1 } cf_kdf_level;

/* A new random key pair. Caller frees both with the matching _free(). */
CF_API cf_status cf_seckey_generate(cf_seckey **sk, cf_pubkey **pk);
/* Whether a secret key file is encrypted (needs a password). Checks the
 * syntax and the algorithm bytes; *encrypted is 0 for minisign -W keys. */
CF_API cf_status cf_seckey_encrypted(const char *text, size_t len, int *encrypted,
                                     cf_sig_error *err);
/*
 * Parse a secret key file and decrypt it with password (pw_len bytes; NULL
 * for an unencrypted key, where it is ignored). A wrong password gives
 * CF_ERR_SIGNATURE with check CF_SIG_CHECK_PASSWORD. An unencrypted key's
 * all-zero checksum (minisign -W) is accepted; every key must have an
 * Ed25519 public half that matches its seed. Borrows text and password; on
 * CF_OK the caller frees *out with cf_seckey_free().
 */
CF_API cf_status cf_seckey_parse(const char *text, size_t len, const char *password, size_t pw_len,
                                 cf_seckey **out, cf_sig_error *err);
/*
 * The secret key file text: encrypted with password under level's scrypt
 * limits, or unencrypted (kdf bytes 00 00, zero salt, limits and checksum,
 * as minisign -W writes) when password is NULL. *out is sodium_malloc'd;
 * the caller frees it with cf_key_secret_free().
 */
CF_API cf_status cf_seckey_serialize(const cf_seckey *sk, const char *password, size_t pw_len,
                                     cf_kdf_level level, char **out, size_t *out_len);
/* The public key of sk. Caller frees *pk with cf_pubkey_free(). */
CF_API cf_status cf_seckey_pubkey(const cf_seckey *sk, cf_pubkey **pk);
CF_API void cf_seckey_id(const cf_seckey *sk, uint8_t id[CF_KEY_ID_SIZE]);
/* Wipes and frees; accepts NULL. */
CF_API void cf_seckey_free(cf_seckey *sk);

/* ---- Secret files and passwords ------------------------------------------ */

/*
 * Read a whole file of at most cap bytes into sodium_malloc'd memory with a
 * NUL after the last byte (not counted in *len). CF_ERR_IO sets *err_no;
 * CF_ERR_LIMIT means larger than cap. Caller frees with cf_key_secret_free().
 */
CF_API cf_status cf_key_file_read(const char *path, size_t cap, char **text, size_t *len,
                                  int *err_no);
/*
 * A password from the first line of a file (the "\n" or "\r\n" that ends
 * it is dropped; at most CF_PASSWORD_MAX bytes, CF_ERR_LIMIT beyond).
 * CF_ERR_INVALID with *err_no 0 when the line holds a NUL byte. On CF_OK
 * the caller frees *pw with cf_key_secret_free().
 */
CF_API cf_status cf_key_password_file(const char *path, char **pw, size_t *pw_len, int *err_no);
/* Wipe and free memory from the functions above (sodium_free); NULL is ok. */
CF_API void cf_key_secret_free(void *p);

/* ---- Signatures ---------------------------------------------------------- */

/* Flags for the verify functions. */
#define CF_SIG_ALLOW_LEGACY 0x1u /* accept "Ed" (non-prehashed) signatures */

/*
 * Parse a signature file: exactly four lines (line ends as for key files,
 * above): "untrusted comment: TEXT" (<= CF_SIG_UNTRUSTED_MAX bytes), base64 of
 * alg (2) | key id (8) | signature (64), "trusted comment: TEXT"
 * (<= CF_SIG_TRUSTED_MAX), base64 of the global signature (64). Base64 is
 * the padded standard alphabet, canonical, nothing else on the line.
 * Checks syntax only. On CF_OK the caller frees *out with cf_sig_free().
 */
CF_API cf_status cf_sig_parse(const char *text, size_t len, cf_sig **out, cf_sig_error *err);
CF_API void cf_sig_free(cf_sig *sig);
/* Borrowed from sig: the trusted comment text (NUL-terminated). */
CF_API const char *cf_sig_trusted_comment(const cf_sig *sig, size_t *len);
CF_API void cf_sig_key_id(const cf_sig *sig, uint8_t id[CF_KEY_ID_SIZE]);
/* Nonzero for a legacy "Ed" signature. */
CF_API int cf_sig_is_legacy(const cf_sig *sig);

/*
 * Sign msg (prehashed "ED": Ed25519 over its BLAKE2b-512) with the given
 * trusted comment (no CR or LF; <= CF_SIG_TRUSTED_MAX bytes) and
 * untrusted comment (same rules, <= CF_SIG_UNTRUSTED_MAX; NULL: a default).
 * On CF_OK *out is the signature file text, malloc'd and NUL-terminated;
 * the caller frees it with free().
 */
CF_API cf_status cf_sig_sign(const cf_seckey *sk, const uint8_t *msg, size_t len,
                             const char *trusted_comment, const char *untrusted_comment, char **out,
                             size_t *out_len, cf_sig_error *err);
/* Check a parsed signature of msg: algorithm, key ID, signature, global
 * signature, in that order. CF_OK or CF_ERR_SIGNATURE (err says which). */
CF_API cf_status cf_sig_verify(const cf_pubkey *pk, const cf_sig *sig, const uint8_t *msg,
                               size_t len, unsigned flags, cf_sig_error *err);

/* ---- Channel files: the trusted comment binds the signature to the file -- */

/*
 * The trusted comment of a channel-file signature: tab-separated key:value
 * pairs, in this order when written, each exactly once when read:
 *   timestamp:UNIX  file:BASENAME  channel:N  version:N  template:NAME
 *   fingerprint:64-LOWER-HEX  fields:N
 * file is informational (files get renamed); the rest must match the
 * header of the file the signature is checked against.
 */
typedef struct cf_sig_binding {
	uint64_t timestamp;
	cf_str file; /* borrowed from the parsed text */
	uint32_t channel;
	uint64_t content_version;
	cf_str template_name; /* borrowed from the parsed text */
	uint8_t fingerprint[CF_FINGERPRINT_SIZE];
	uint16_t field_count;
} cf_sig_binding;

/* Parse a trusted comment strictly (known keys only, each once, canonical
 * numbers). Borrows text: b's strings point into it. */
CF_API cf_status cf_sig_binding_parse(const char *text, size_t len, cf_sig_binding *b,
                                      cf_sig_error *err);
/* Format the trusted comment for a verified header (malloc'd, caller frees
 * with free()). CF_ERR_INVALID when file_name has a control character, is
 * not UTF-8, or is empty. */
CF_API cf_status cf_sig_binding_format(const cf_header *hdr, const char *file_name,
                                       uint64_t timestamp, char **out, size_t *out_len);

/*
 * Sign a channel file: runs the format verifier (a file that fails is not
 * signed: CF_SIG_CHECK_FORMAT and the verifier's status), then signs with
 * a trusted comment naming file_name (a basename) and timestamp. On CF_OK
 * *out is the signature file text; the caller frees it with free().
 */
CF_API cf_status cf_sig_sign_channel(const cf_seckey *sk, const uint8_t *buf, size_t len,
                                     const char *file_name, uint64_t timestamp, char **out,
                                     size_t *out_len, cf_sig_error *err);
/*
 * Verify a channel file against a parsed signature: algorithm, key ID,
 * signature, global signature, format verifier, binding (channel, content
 * version, template name, fingerprint and field count against the header).
 * On CF_OK *view (may be NULL) is the verified view of buf and *binding
 * (may be NULL) the parsed trusted comment, borrowing from sig.
 */
CF_API cf_status cf_sig_verify_channel(const cf_pubkey *pk, const cf_sig *sig, const uint8_t *buf,
                                       size_t len, unsigned flags, cf_view *view,
                                       cf_sig_binding *binding, cf_sig_error *err);

/*
 * cf_sig_verify_channel() of the regular file open on fd (read from its
 * current offset to its end, at most cap bytes), reading, hashing and
 * verifying at once: one thread reads the file in chunks and then runs the
 * format verifier while the calling thread hashes each chunk as it arrives,
 * so a large file takes about the time of its hash. Findings are reported in
 * the same order as cf_sig_verify_channel(). On CF_OK and on rejections
 * (CF_ERR_SIGNATURE, a format status) *buf holds the file's bytes (view
 * points into them; caller frees with free()) and *len its size.
 * CF_ERR_INVALID when fd is not a regular file (use cf_sig_verify_channel()),
 * CF_ERR_LIMIT when it is larger than cap, CF_ERR_IO (err->message says what,
 * *err_no the errno) when reading fails or the file changes size while it is
 * read, CF_ERR_NOMEM.
 */
CF_API cf_status cf_sig_verify_channel_fd(const cf_pubkey *pk, const cf_sig *sig, int fd,
                                          size_t cap, unsigned flags, uint8_t **buf, size_t *len,
                                          int *err_no, cf_view *view, cf_sig_binding *binding,
                                          cf_sig_error *err);

#endif
