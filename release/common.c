/*
 * common.c - hashing, hex, names, diagnostics and times shared by the
 * bundle writer, reader and installer.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/json_int.h"
#include "release/bundle_int.h"

void cf_bundle_hash(const uint8_t *buf, size_t len, uint8_t out[HASH_SIZE])
{
	/* BLAKE2b-256, unkeyed; crypto_generichash cannot fail with these sizes. */
	(void)crypto_generichash(out, HASH_SIZE, buf, (unsigned long long)len, NULL, 0);
}

cf_status cf_bundle_json_text(json_t *root, char **out, size_t *out_len)
{
	return cf_json_text(root, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_ENSURE_ASCII, out, out_len);
}

cf_status cf_bundle_reject(cf_diag_list *diags, const char *path, const char *code, const char *fmt,
                           ...)
{
	if (!diags)
		return CF_ERR_REJECTED;
	va_list ap;
	va_start(ap, fmt);
	cf_diag *d = cf_diag_addv(diags, CF_ERROR, code, path, 0, 0, fmt, ap);
	va_end(ap);
	return d ? CF_ERR_REJECTED : CF_ERR_NOMEM;
}

void cf_bundle_fmt_time(uint64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t > (uint64_t)253402300799 || !gmtime_r(&tt, &tm) ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "@%llu", (unsigned long long)t);
}

int cf_bundle_name_valid(const char *name, size_t len)
{
	if (!name || len == 0 || len > CF_BUNDLE_MAX_NAME)
		return 0;
	if (name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' || c == '-';
		if (!ok)
			return 0;
	}
	return 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

cf_bundle_compression cf_bundle_compression_for_path(const char *path)
{
	if (!path)
		return 0;
	if (ends_with(path, ".tar.zst"))
		return CF_BUNDLE_ZSTD;
	if (ends_with(path, ".tar.gz"))
		return CF_BUNDLE_GZIP;
	return 0;
}

int cf_bundle_path_is_bundle(const char *path)
{
	if (!path)
		return 0;
	if (ends_with(path, ".tar.zst") || ends_with(path, ".tar.gz") || ends_with(path, ".tgz") ||
	    ends_with(path, ".tar"))
		return 1;
	if (strcmp(path, "-") == 0)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	uint8_t head[512];
	size_t got = 0;
	while (got < sizeof head) {
		ssize_t r = read(fd, head + got, sizeof head - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
	if (got >= 4 && memcmp(head, zstd_magic, 4) == 0)
		return 1;
	if (got >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return 1;
	if (got >= 262 && memcmp(head + 257, "ustar", 5) == 0)
		return 1;
	return 0;
}
