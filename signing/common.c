/*
 * common.c - shared helpers of signing/: libsodium start-up, error detail,
 * line splitting (strict, with the line ends real tools write) and strict
 * base64.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "signing/sig_int.h"

const char *cf_sig_check_name(cf_sig_check check)
{
	switch (check) {
	case CF_SIG_CHECK_NONE:
		return "none";
	case CF_SIG_CHECK_SYNTAX:
		return "signature file syntax";
	case CF_SIG_CHECK_ALGORITHM:
		return "signature algorithm";
	case CF_SIG_CHECK_KEY_ID:
		return "key ID";
	case CF_SIG_CHECK_SIGNATURE:
		return "signature";
	case CF_SIG_CHECK_GLOBAL:
		return "global signature";
	case CF_SIG_CHECK_FORMAT:
		return "format verifier";
	case CF_SIG_CHECK_BINDING:
		return "trusted comment binding";
	case CF_SIG_CHECK_KEY:
		return "key file";
	case CF_SIG_CHECK_PASSWORD:
		return "password";
	}
	return "unknown check";
}

cf_status cf_sig_init(void)
{
	return sodium_init() < 0 ? CF_ERR_INTERNAL : CF_OK;
}

cf_status cf_sig_ready(cf_sig_error *err)
{
	if (cf_sig_init() != CF_OK)
		return cf_sig_fail(err, CF_ERR_INTERNAL, CF_SIG_CHECK_NONE,
		                   "libsodium failed to initialise");
	return CF_OK;
}

cf_status cf_sig_fail(cf_sig_error *err, cf_status st, cf_sig_check check, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->status = st;
		err->check = check;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return st;
}

int cf_dec_parse(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

void cf_hex_encode(const uint8_t *bin, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, bin, n);
}

int cf_hex_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
	/* sodium_hex2bin also takes upper case; a canonical text does not. */
	if (len != 2 * n)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	size_t got = 0;
	if (sodium_hex2bin(out, n, s, len, NULL, &got, NULL) != 0 || got != n)
		return -1;
	return 0;
}

void cf_key_id_hex(const uint8_t id[CF_KEY_ID_SIZE], char out[2 * CF_KEY_ID_SIZE + 1])
{
	static const char hex[] = "0123456789ABCDEF";
	for (unsigned i = 0; i < CF_KEY_ID_SIZE; i++) {
		uint8_t b = id[CF_KEY_ID_SIZE - 1 - i];
		out[2 * i] = hex[b >> 4];
		out[2 * i + 1] = hex[b & 15];
	}
	out[2 * CF_KEY_ID_SIZE] = 0;
}

/* The length of the line end at text[off] (1 for "\n", 2 for "\r\n"), or 0. */
static size_t eol_at(const char *text, size_t len, size_t off)
{
	if (off < len && text[off] == '\n')
		return 1;
	if (len - off >= 2 && text[off] == '\r' && text[off + 1] == '\n')
		return 2;
	return 0;
}

/*
 * The grammar (docs/signing.md, "Line ends"): n lines, each ended by "\n"
 * or "\r\n"; the last line's end may be missing, and when it is there one
 * empty line may follow. A CR anywhere else and a NUL anywhere are errors.
 */
cf_status cf_sig_lines(const char *text, size_t len, sig_line *lines, size_t n, const char *what,
                       cf_sig_check check, cf_sig_error *err)
{
	if (len == 0)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, check, "%s is empty", what);
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned lineno = (unsigned)i + 1;
		if (off == len)
			return cf_sig_fail(err, CF_ERR_SIGNATURE, check,
			                   "%s is truncated: %u line%s, expected %zu", what,
			                   lineno - 1, lineno == 2 ? "" : "s", n);
		const char *nl = memchr(text + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - text) : len;
		/* the line's text ends before its "\r\n" */
		size_t stop = nl && end > off && text[end - 1] == '\r' ? end - 1 : end;
		const char *nul = memchr(text + off, 0, end - off);
		if (nul)
			return cf_sig_fail(err, CF_ERR_SIGNATURE, check,
			                   "%s: line %u: NUL byte at column %zu", what, lineno,
			                   (size_t)(nul - (text + off)) + 1);
		const char *cr = memchr(text + off, '\r', stop - off);
		if (cr)
			return cf_sig_fail(
			    err, CF_ERR_SIGNATURE, check,
			    "%s: line %u: carriage return at column %zu (a line ends "
			    "in \"\\n\" or \"\\r\\n\")",
			    what, lineno, (size_t)(cr - (text + off)) + 1);
		if (!nl && i + 1 < n)
			return cf_sig_fail(err, CF_ERR_SIGNATURE, check,
			                   "%s is truncated: %u line%s, expected %zu", what, lineno,
			                   lineno == 1 ? "" : "s", n);
		lines[i].ptr = text + off;
		lines[i].len = stop - off;
		off = nl ? end + 1 : len;
	}
	/* After the last line: at most one empty line. */
	size_t p = off, empty = 0, e;
	while ((e = eol_at(text, len, p)) != 0) {
		empty++;
		p += e;
	}
	if (p != len)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, check,
		                   "%s: unexpected data after line %zu (%zu more byte%s)", what, n,
		                   len - off, len - off == 1 ? "" : "s");
	if (empty > 1)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, check,
		                   "%s: %zu empty lines after line %zu (at most one is allowed)",
		                   what, empty, n);
	return CF_OK;
}

cf_status cf_sig_comment_line(const sig_line *l, unsigned lineno, const char *prefix, size_t max,
                              const char *what, cf_sig_check check, cf_sig_error *err)
{
	size_t plen = strlen(prefix);
	if (l->len < plen || memcmp(l->ptr, prefix, plen) != 0)
		return cf_sig_fail(err, CF_ERR_SIGNATURE, check,
		                   "%s: line %u does not start with \"%s\"", what, lineno, prefix);
	if (l->len - plen > max)
		return cf_sig_fail(
		    err, CF_ERR_SIGNATURE, check,
		    "%s: line %u: comment of %zu bytes is longer than the %zu allowed", what,
		    lineno, l->len - plen, max);
	return CF_OK;
}

cf_status cf_sig_b64_line(const sig_line *l, unsigned lineno, uint8_t *out, size_t n,
                          const char *what, cf_sig_check check, cf_sig_error *err)
{
	size_t want = 4 * ((n + 2) / 3);
	if (l->len != want)
		return cf_sig_fail(
		    err, CF_ERR_SIGNATURE, check,
		    "line %u: %s has %zu base64 characters, expected %zu (%zu bytes)", lineno, what,
		    l->len, want, n);
	/* Decode into room for more than n bytes so that a well-formed line of
	 * the wrong size is told apart from bad base64; wiped after. */
	uint8_t tmp[SK_BYTES + 3];
	size_t got = 0;
	const char *end = NULL;
	cf_status st = CF_OK;
	if (n > SK_BYTES)
		return cf_sig_fail(err, CF_ERR_INTERNAL, check,
		                   "base64 line too long for the buffer");
	/* libsodium 1.0.18 decodes some bytes >= 0x80 as if they were base64
	 * digits: check the alphabet first. */
	for (size_t i = 0; i < l->len; i++) {
		char c = l->ptr[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/' || c == '='))
			return cf_sig_fail(err, CF_ERR_SIGNATURE, check,
			                   "line %u: %s is not valid base64 (byte 0x%02x at column "
			                   "%zu)",
			                   lineno, what, (unsigned)(unsigned char)c, i + 1);
	}
	if (sodium_base642bin(tmp, sizeof tmp, l->ptr, l->len, NULL, &got, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != l->ptr + l->len)
		st = cf_sig_fail(err, CF_ERR_SIGNATURE, check, "line %u: %s is not valid base64",
		                 lineno, what);
	else if (got != n)
		st = cf_sig_fail(err, CF_ERR_SIGNATURE, check,
		                 "line %u: %s decodes to %zu bytes, expected %zu", lineno, what,
		                 got, n);
	else
		memcpy(out, tmp, n);
	sodium_memzero(tmp, sizeof tmp);
	return st;
}

size_t cf_sig_b64_put(char *out, const uint8_t *bin, size_t n)
{
	size_t enc = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(out, enc, bin, n, sodium_base64_VARIANT_ORIGINAL);
	size_t w = enc - 1;
	out[w++] = '\n';
	out[w] = 0;
	return w;
}

int cf_sig_text_bad(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return !cf_utf8_valid(s, len);
}
