/*
 * names.c - status strings, enum names, name syntax, sensor versions and the
 * canonical template encoding that fingerprints hash.
 */
#include <string.h>

#include <cf/format.h>
#include "format/format_int.h"

const char *cf_strerror(cf_status st)
{
	switch (st) {
	case CF_OK:
		return "success";
	case CF_ERR_NOT_CHANNEL:
		return "not a channel file";
	case CF_ERR_VERSION:
		return "unsupported format version";
	case CF_ERR_CORRUPT:
		return "corrupt channel file";
	case CF_ERR_CHECKSUM:
		return "checksum mismatch";
	case CF_ERR_LIMIT:
		return "over a size limit";
	case CF_ERR_NOMEM:
		return "out of memory";
	case CF_ERR_IO:
		return "I/O error";
	case CF_ERR_INVALID:
		return "invalid argument";
	case CF_ERR_REJECTED:
		return "input rejected";
	case CF_ERR_SIGNATURE:
		return "bad signature";
	case CF_ERR_INTERNAL:
		return "internal error";
	}
	return "unknown error";
}

const char *cf_verify_code(cf_status st)
{
	switch (st) {
	case CF_OK:
		return NULL;
	case CF_ERR_NOT_CHANNEL:
		return "format-magic";
	case CF_ERR_VERSION:
		return "format-version";
	case CF_ERR_CHECKSUM:
		return "format-checksum";
	case CF_ERR_LIMIT:
		return "format-limit";
	case CF_ERR_NOMEM:
		return "out-of-memory";
	default:
		return "format-corrupt";
	}
}

static const char *const type_names[] = {NULL, "string", "uint", "bool"};
static const char *const kind_names[] = {"any", "equals", "prefix", "regex", "range"};
static const char *const kind_phrases[] = {"a wildcard", "an equals", "a prefix", "a regex",
                                           "a range"};
static const char *const action_names[] = {NULL, "detect", "block", "log"};
static const char *const severity_names[] = {NULL, "info", "low", "medium", "high", "critical"};

#define NAME_AT(table, i) ((i) < sizeof(table) / sizeof(table[0]) ? (table)[i] : NULL)

const char *cf_field_type_name(unsigned type)
{
	return NAME_AT(type_names, type);
}

const char *cf_crit_kind_name(unsigned kind)
{
	return NAME_AT(kind_names, kind);
}

const char *cf_crit_kind_phrase(unsigned kind)
{
	return NAME_AT(kind_phrases, kind);
}

const char *cf_action_name(unsigned action)
{
	return NAME_AT(action_names, action);
}

const char *cf_severity_name(unsigned severity)
{
	return NAME_AT(severity_names, severity);
}

static unsigned lookup(const char *const *table, size_t n, const char *name)
{
	for (size_t i = 1; name && i < n; i++)
		if (strcmp(table[i], name) == 0)
			return (unsigned)i;
	return 0;
}

unsigned cf_field_type_parse(const char *name)
{
	return lookup(type_names, sizeof type_names / sizeof type_names[0], name);
}

unsigned cf_action_parse(const char *name)
{
	return lookup(action_names, sizeof action_names / sizeof action_names[0], name);
}

unsigned cf_severity_parse(const char *name)
{
	return lookup(severity_names, sizeof severity_names / sizeof severity_names[0], name);
}

/* [a-z][a-z0-9-]{0,63} */
int cf_name_valid_template(const char *s, size_t len)
{
	if (len < 1 || len > 64 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

/* [a-z][a-z0-9_]{0,63} */
int cf_name_valid_field(const char *s, size_t len)
{
	if (len < 1 || len > 64 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

#define VERSION_MAX_PARTS 8

/* Parse one valid version into parts; returns the part count or 0. */
static int version_parts(const char *s, size_t len, uint32_t parts[VERSION_MAX_PARTS])
{
	int n = 0;
	size_t i = 0;
	if (len == 0 || len > 8 * 11)
		return 0;
	for (;;) {
		if (n == VERSION_MAX_PARTS)
			return 0;
		size_t start = i;
		uint64_t v = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (uint64_t)(s[i] - '0');
			if (v > UINT32_MAX)
				return 0;
			i++;
		}
		size_t digits = i - start;
		if (digits == 0 || (digits > 1 && s[start] == '0'))
			return 0;
		parts[n++] = (uint32_t)v;
		if (i == len)
			return n;
		if (s[i] != '.')
			return 0;
		i++;
	}
}

int cf_sensor_version_valid(const char *s, size_t len)
{
	uint32_t parts[VERSION_MAX_PARTS];
	return s && version_parts(s, len, parts) > 0;
}

int cf_sensor_version_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	uint32_t pa[VERSION_MAX_PARTS] = {0}, pb[VERSION_MAX_PARTS] = {0};
	(void)version_parts(a, alen, pa);
	(void)version_parts(b, blen, pb);
	for (int i = 0; i < VERSION_MAX_PARTS; i++)
		if (pa[i] != pb[i])
			return pa[i] < pb[i] ? -1 : 1;
	return 0;
}

#define FP_DOMAIN "cfc-template-v1"

size_t cf_fingerprint_encode(const char *template_name, uint16_t id, uint32_t version,
                             const cf_fp_field *fields, unsigned field_count, uint8_t *out,
                             size_t cap)
{
	size_t nlen = template_name ? strlen(template_name) : 0;
	if (!cf_name_valid_template(template_name, nlen) || field_count < 1 ||
	    field_count > CF_MAX_FIELDS || !fields)
		return 0;
	size_t total = sizeof FP_DOMAIN + 1 + nlen + 2 + 4 + 1;
	for (unsigned i = 0; i < field_count; i++) {
		size_t flen = fields[i].name ? strlen(fields[i].name) : 0;
		if (!cf_name_valid_field(fields[i].name, flen) ||
		    !cf_field_type_name(fields[i].type))
			return 0;
		total += 2 + flen;
	}
	if (cap < total)
		return total;
	uint8_t *p = out;
	memcpy(p, FP_DOMAIN, sizeof FP_DOMAIN); /* includes the NUL */
	p += sizeof FP_DOMAIN;
	*p++ = (uint8_t)nlen;
	memcpy(p, template_name, nlen);
	p += nlen;
	st16(p, id);
	p += 2;
	st32(p, version);
	p += 4;
	*p++ = (uint8_t)field_count;
	for (unsigned i = 0; i < field_count; i++) {
		size_t flen = strlen(fields[i].name);
		*p++ = fields[i].type;
		*p++ = (uint8_t)flen;
		memcpy(p, fields[i].name, flen);
		p += flen;
	}
	return total;
}
