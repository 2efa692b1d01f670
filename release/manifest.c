/*
 * manifest.c - the bundle manifest (manifest.json) and the trusted comment
 * of its signature.
 *
 * The manifest is canonical JSON: keys sorted, two-space indent, ASCII
 * only, one final newline (docs/bundles.md has an example):
 *
 *   bundle_version   1..2^63-1, must rise from bundle to bundle
 *   created          Unix time the bundle was made (SOURCE_DATE_EPOCH)
 *   expires          Unix time after which installers refuse it
 *   files[]          ascending by name, one record per channel file
 *   format           "cfc-bundle"
 *   format_version   1
 *   rings[]          {name, percent}, percentages rising to 100
 *
 * The decoder is strict: every key present, no other key, integers in
 * range, names plain, records sorted and unique, one file per channel.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <cf/base.h>
#include "release/bundle_int.h"

/* ---- Records -------------------------------------------------------------- */

static void record_clear(mrecord *r)
{
	free(r->name);
	free(r->sig_name);
	free(r->template_name);
	free(r->requires_sensor);
	memset(r, 0, sizeof *r);
}

void cf_bundle_manifest_clear(manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->file_count; i++)
		record_clear(&m->files[i]);
	free(m->files);
	for (size_t i = 0; i < m->ring_count; i++)
		free(m->rings[i].name);
	free(m->rings);
	memset(m, 0, sizeof *m);
}

static char *strndup_checked(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

cf_status cf_bundle_record_fill(mrecord *r, const char *name, const uint8_t *data, size_t len,
                                const cf_view *view, const char *sig, size_t sig_len)
{
	const cf_header *h = &view->hdr;
	memset(r, 0, sizeof *r);
	size_t nlen = strlen(name);
	r->name = cf_strdup(name);
	r->sig_name = malloc(nlen + sizeof ".minisig");
	r->template_name = strndup_checked(h->template_name.ptr, h->template_name.len);
	if (h->requires_sensor.len)
		r->requires_sensor =
		    strndup_checked(h->requires_sensor.ptr, h->requires_sensor.len);
	if (!r->name || !r->sig_name || !r->template_name ||
	    (h->requires_sensor.len && !r->requires_sensor)) {
		record_clear(r);
		return CF_ERR_NOMEM;
	}
	memcpy(r->sig_name, name, nlen);
	memcpy(r->sig_name + nlen, ".minisig", sizeof ".minisig");
	r->size = len;
	cf_bundle_hash(data, len, r->hash);
	r->sig_size = sig_len;
	cf_bundle_hash((const uint8_t *)sig, sig_len, r->sig_hash);
	r->channel = h->channel;
	r->content_version = h->content_version;
	r->template_id = h->template_id;
	r->template_version = h->template_version;
	memcpy(r->fingerprint, h->fingerprint, CF_FINGERPRINT_SIZE);
	r->field_count = h->field_count;
	r->instance_count = h->instance_count;
	return CF_OK;
}

/* ---- Rings ---------------------------------------------------------------- */

/* Ring names follow the template-name rule: [a-z][a-z0-9-]{0,63}. */
static int ring_name_valid(const char *s)
{
	return cf_name_valid_template(s, strlen(s));
}

int cf_bundle_rings_valid(const cf_bundle_ring *rings, size_t n, char *msg, size_t msg_cap)
{
	if (n == 0 || n > CF_BUNDLE_MAX_RINGS) {
		snprintf(msg, msg_cap, "%zu rings: between 1 and %u expected", n,
		         CF_BUNDLE_MAX_RINGS);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!rings[i].name || !ring_name_valid(rings[i].name)) {
			snprintf(msg, msg_cap, "ring %zu: name must match [a-z][a-z0-9-]{0,63}",
			         i + 1);
			return 0;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(rings[j].name, rings[i].name) == 0) {
				snprintf(msg, msg_cap, "ring '%s' named twice", rings[i].name);
				return 0;
			}
		}
		if (rings[i].percent < 1 || rings[i].percent > 100) {
			snprintf(msg, msg_cap, "ring '%s': percentage %u is not in 1..100",
			         rings[i].name, rings[i].percent);
			return 0;
		}
		if (i > 0 && rings[i].percent <= rings[i - 1].percent) {
			snprintf(msg, msg_cap,
			         "ring '%s': percentage %u does not rise above ring '%s' (%u)",
			         rings[i].name, rings[i].percent, rings[i - 1].name,
			         rings[i - 1].percent);
			return 0;
		}
	}
	if (rings[n - 1].percent != 100) {
		snprintf(msg, msg_cap, "the last ring ('%s', %u%%) must reach 100%%",
		         rings[n - 1].name, rings[n - 1].percent);
		return 0;
	}
	return 1;
}

/* ---- Encoding ------------------------------------------------------------- */

static json_t *hex_string(const uint8_t *bin, size_t n)
{
	char hex[2 * 64 + 1];
	cf_hex_encode(bin, n, hex);
	return json_string(hex);
}

/* json_object_set_new() takes the value even when it fails, and fails on
 * a NULL value, so one check covers both allocations. */
static int put(json_t *obj, const char *key, json_t *val)
{
	return json_object_set_new(obj, key, val);
}

static json_t *record_encode(const mrecord *r)
{
	json_t *o = json_object();
	json_t *sig = json_object();
	json_t *tpl = json_object();
	if (!o || !sig || !tpl)
		goto fail;
	if (put(sig, "name", json_string(r->sig_name)) ||
	    put(sig, "size", json_integer((json_int_t)r->sig_size)) ||
	    put(sig, "blake2b_256", hex_string(r->sig_hash, HASH_SIZE)))
		goto fail;
	if (put(tpl, "name", json_string(r->template_name)) ||
	    put(tpl, "id", json_integer(r->template_id)) ||
	    put(tpl, "version", json_integer(r->template_version)) ||
	    put(tpl, "fingerprint", hex_string(r->fingerprint, CF_FINGERPRINT_SIZE)))
		goto fail;
	json_t *req = r->requires_sensor ? json_string(r->requires_sensor) : json_null();
	if (put(o, "name", json_string(r->name)) ||
	    put(o, "size", json_integer((json_int_t)r->size)) ||
	    put(o, "blake2b_256", hex_string(r->hash, HASH_SIZE)) ||
	    put(o, "channel", json_integer(r->channel)) ||
	    put(o, "content_version", json_integer((json_int_t)r->content_version)) ||
	    put(o, "field_count", json_integer(r->field_count)) ||
	    put(o, "instance_count", json_integer(r->instance_count)) ||
	    put(o, "requires_sensor", req))
		goto fail;
	/* Ownership of sig and tpl passes to o even when the put fails. */
	json_t *s = sig, *t = tpl;
	sig = tpl = NULL;
	if (put(o, "signature", s) || put(o, "template", t))
		goto fail;
	return o;
fail:
	json_decref(o);
	json_decref(sig);
	json_decref(tpl);
	return NULL;
}

cf_status cf_bundle_manifest_encode(const manifest *m, char **out, size_t *out_len)
{
	cf_status st = CF_ERR_NOMEM;
	*out = NULL;
	*out_len = 0;
	if (m->bundle_version > JSON_U63_MAX || m->created > JSON_U63_MAX ||
	    m->expires > JSON_U63_MAX)
		return CF_ERR_INVALID;
	json_t *root = json_object();
	json_t *files = json_array();
	json_t *rings = json_array();
	if (!root || !files || !rings)
		goto out;
	for (size_t i = 0; i < m->file_count; i++)
		if (json_array_append_new(files, record_encode(&m->files[i])))
			goto out;
	for (size_t i = 0; i < m->ring_count; i++) {
		json_t *r = json_object();
		if (!r)
			goto out;
		if (json_array_append_new(rings, r) ||
		    put(r, "name", json_string(m->rings[i].name)) ||
		    put(r, "percent", json_integer(m->rings[i].percent)))
			goto out;
	}
	if (put(root, "format", json_string(MANIFEST_FORMAT)) ||
	    put(root, "format_version", json_integer(MANIFEST_FORMAT_VERSION)) ||
	    put(root, "bundle_version", json_integer((json_int_t)m->bundle_version)) ||
	    put(root, "created", json_integer((json_int_t)m->created)) ||
	    put(root, "expires", json_integer((json_int_t)m->expires)))
		goto out;
	json_t *f = files, *r = rings;
	files = rings = NULL;
	if (put(root, "files", f) || put(root, "rings", r))
		goto out;
	st = cf_bundle_json_text(root, out, out_len);
out:
	json_decref(root);
	json_decref(files);
	json_decref(rings);
	return st;
}

/* ---- Decoding ------------------------------------------------------------- */

typedef struct dctx {
	char *msg;
	size_t cap;
} dctx;

static cf_status fail(dctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static cf_status fail(dctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->msg, c->cap, fmt, ap);
	va_end(ap);
	return CF_ERR_REJECTED;
}

/* obj must be an object holding exactly the keys in keys[]. */
static cf_status check_keys(dctx *c, const char *where, const json_t *obj, const char *const *keys,
                            size_t n)
{
	if (!json_is_object(obj))
		return fail(c, "%s: expected an object", where);
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)obj, key, val)
	{
		(void)val;
		size_t i = 0;
		while (i < n && strcmp(keys[i], key) != 0)
			i++;
		if (i == n)
			return fail(c, "%s: unknown key '%s'", where, key);
	}
	for (size_t i = 0; i < n; i++)
		if (!json_object_get(obj, keys[i]))
			return fail(c, "%s: missing key '%s'", where, keys[i]);
	return CF_OK;
}

static cf_status get_uint(dctx *c, const char *where, const json_t *obj, const char *key,
                          uint64_t lo, uint64_t hi, uint64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		return fail(c, "%s.%s: expected an integer", where, key);
	json_int_t i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < lo || (uint64_t)i > hi)
		return fail(c, "%s.%s: %lld is not in %" PRIu64 "..%" PRIu64, where, key,
		            (long long)i, lo, hi);
	*out = (uint64_t)i;
	return CF_OK;
}

static cf_status get_str(dctx *c, const char *where, const json_t *obj, const char *key,
                         const char **out, size_t *len)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_string(v))
		return fail(c, "%s.%s: expected a string", where, key);
	*out = json_string_value(v);
	*len = json_string_length(v);
	if (strlen(*out) != *len)
		return fail(c, "%s.%s: NUL byte in string", where, key);
	return CF_OK;
}

static cf_status get_hash(dctx *c, const char *where, const json_t *obj, const char *key,
                          uint8_t *out, size_t n)
{
	const char *s;
	size_t len;
	cf_status st = get_str(c, where, obj, key, &s, &len);
	if (st != CF_OK)
		return st;
	if (cf_hex_decode(s, len, out, n) != 0)
		return fail(c, "%s.%s: expected %zu lower-case hex digits", where, key, 2 * n);
	return CF_OK;
}

static cf_status dup_str(const char *s, size_t n, char **out)
{
	*out = strndup_checked(s, n);
	return *out ? CF_OK : CF_ERR_NOMEM;
}

static cf_status decode_record(dctx *c, size_t index, const json_t *o, mrecord *r)
{
	static const char *const keys[] = {
	    "name",           "size",
	    "blake2b_256",    "signature",
	    "channel",        "content_version",
	    "template",       "field_count",
	    "instance_count", "requires_sensor",
	};
	static const char *const sig_keys[] = {"name", "size", "blake2b_256"};
	static const char *const tpl_keys[] = {"name", "id", "version", "fingerprint"};
	char where[64], swhere[80], twhere[80];
	snprintf(where, sizeof where, "files[%zu]", index);
	snprintf(swhere, sizeof swhere, "%s.signature", where);
	snprintf(twhere, sizeof twhere, "%s.template", where);
	uint64_t v;
	const char *s;
	size_t n;
	cf_status st = check_keys(c, where, o, keys, sizeof keys / sizeof keys[0]);
	if (st != CF_OK)
		return st;
	if ((st = get_str(c, where, o, "name", &s, &n)) != CF_OK)
		return st;
	if (!cf_bundle_name_valid(s, n) || n < 4 || strcmp(s + n - 3, ".cf") != 0 ||
	    n + strlen(".minisig") > CF_BUNDLE_MAX_NAME)
		return fail(c, "%s.name: '%s' is not a plain channel-file name (NAME.cf)", where,
		            s);
	if ((st = dup_str(s, n, &r->name)) != CF_OK)
		return st;
	if ((st = get_uint(c, where, o, "size", 1, CF_BUNDLE_MAX_ENTRY_SIZE, &r->size)) != CF_OK ||
	    (st = get_hash(c, where, o, "blake2b_256", r->hash, HASH_SIZE)) != CF_OK)
		return st;
	if ((st = get_uint(c, where, o, "channel", 1, UINT32_MAX, &v)) != CF_OK)
		return st;
	r->channel = (uint32_t)v;
	if ((st = get_uint(c, where, o, "content_version", 1, JSON_U63_MAX, &r->content_version)) !=
	    CF_OK)
		return st;
	if ((st = get_uint(c, where, o, "field_count", 1, CF_MAX_FIELDS, &v)) != CF_OK)
		return st;
	r->field_count = (uint16_t)v;
	if ((st = get_uint(c, where, o, "instance_count", 0, CF_MAX_INSTANCES, &v)) != CF_OK)
		return st;
	r->instance_count = (uint32_t)v;
	const json_t *req = json_object_get(o, "requires_sensor");
	if (!json_is_null(req)) {
		if ((st = get_str(c, where, o, "requires_sensor", &s, &n)) != CF_OK)
			return st;
		if (!cf_sensor_version_valid(s, n))
			return fail(c, "%s.requires_sensor: '%s' is not a sensor version", where,
			            s);
		if ((st = dup_str(s, n, &r->requires_sensor)) != CF_OK)
			return st;
	}

	const json_t *sig = json_object_get(o, "signature");
	if ((st = check_keys(c, swhere, sig, sig_keys, 3)) != CF_OK ||
	    (st = get_str(c, swhere, sig, "name", &s, &n)) != CF_OK)
		return st;
	if (n != strlen(r->name) + strlen(".minisig") ||
	    strncmp(s, r->name, strlen(r->name)) != 0 ||
	    strcmp(s + strlen(r->name), ".minisig") != 0)
		return fail(c, "%s.name: '%s' is not '%s.minisig'", swhere, s, r->name);
	if ((st = dup_str(s, n, &r->sig_name)) != CF_OK)
		return st;
	if ((st = get_uint(c, swhere, sig, "size", 1, CF_SIG_FILE_MAX, &r->sig_size)) != CF_OK ||
	    (st = get_hash(c, swhere, sig, "blake2b_256", r->sig_hash, HASH_SIZE)) != CF_OK)
		return st;

	const json_t *tpl = json_object_get(o, "template");
	if ((st = check_keys(c, twhere, tpl, tpl_keys, 4)) != CF_OK ||
	    (st = get_str(c, twhere, tpl, "name", &s, &n)) != CF_OK)
		return st;
	if (n == 0 || n > 64)
		return fail(c, "%s.name: expected 1 to 64 bytes", twhere);
	if ((st = dup_str(s, n, &r->template_name)) != CF_OK)
		return st;
	if ((st = get_uint(c, twhere, tpl, "id", 1, UINT16_MAX, &v)) != CF_OK)
		return st;
	r->template_id = (uint16_t)v;
	if ((st = get_uint(c, twhere, tpl, "version", 1, UINT32_MAX, &v)) != CF_OK)
		return st;
	r->template_version = (uint32_t)v;
	return get_hash(c, twhere, tpl, "fingerprint", r->fingerprint, CF_FINGERPRINT_SIZE);
}

cf_status cf_bundle_manifest_decode(const uint8_t *buf, size_t len, manifest *m, char *msg,
                                    size_t msg_cap)
{
	static const char *const keys[] = {"format",  "format_version", "bundle_version", "created",
	                                   "expires", "rings",          "files"};
	dctx c = {msg, msg_cap};
	cf_status st = CF_ERR_REJECTED;
	json_error_t jerr;
	memset(m, 0, sizeof *m);
	msg[0] = '\0';
	json_t *root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		st = fail(&c, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if ((st = check_keys(&c, "manifest", root, keys, sizeof keys / sizeof keys[0])) != CF_OK)
		goto out;
	const char *s;
	size_t n;
	uint64_t v;
	if ((st = get_str(&c, "manifest", root, "format", &s, &n)) != CF_OK)
		goto out;
	if (strcmp(s, MANIFEST_FORMAT) != 0) {
		st = fail(&c, "manifest.format: '%s' is not '%s'", s, MANIFEST_FORMAT);
		goto out;
	}
	if ((st = get_uint(&c, "manifest", root, "format_version", 0, JSON_U63_MAX, &v)) != CF_OK)
		goto out;
	if (v != MANIFEST_FORMAT_VERSION) {
		st = fail(&c,
		          "manifest.format_version: %" PRIu64
		          " is not supported (this build reads %d)",
		          v, MANIFEST_FORMAT_VERSION);
		goto out;
	}
	if ((st = get_uint(&c, "manifest", root, "bundle_version", 1, JSON_U63_MAX,
	                   &m->bundle_version)) != CF_OK ||
	    (st = get_uint(&c, "manifest", root, "created", 0, JSON_U63_MAX, &m->created)) !=
	        CF_OK ||
	    (st = get_uint(&c, "manifest", root, "expires", 0, JSON_U63_MAX, &m->expires)) != CF_OK)
		goto out;
	if (m->expires <= m->created) {
		st = fail(&c, "manifest.expires: %" PRIu64 " is not after created (%" PRIu64 ")",
		          m->expires, m->created);
		goto out;
	}

	const json_t *rings = json_object_get(root, "rings");
	if (!json_is_array(rings) || json_array_size(rings) == 0 ||
	    json_array_size(rings) > CF_BUNDLE_MAX_RINGS) {
		st = fail(&c, "manifest.rings: expected an array of 1 to %u rings",
		          CF_BUNDLE_MAX_RINGS);
		goto out;
	}
	m->rings = calloc(json_array_size(rings), sizeof *m->rings);
	if (!m->rings) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	cf_bundle_ring tmp[CF_BUNDLE_MAX_RINGS];
	for (size_t i = 0; i < json_array_size(rings); i++) {
		static const char *const rkeys[] = {"name", "percent"};
		char where[32];
		snprintf(where, sizeof where, "rings[%zu]", i);
		const json_t *r = json_array_get(rings, i);
		if ((st = check_keys(&c, where, r, rkeys, 2)) != CF_OK ||
		    (st = get_str(&c, where, r, "name", &s, &n)) != CF_OK ||
		    (st = get_uint(&c, where, r, "percent", 1, 100, &v)) != CF_OK)
			goto out;
		if ((st = dup_str(s, n, &m->rings[i].name)) != CF_OK)
			goto out;
		m->ring_count = i + 1;
		m->rings[i].percent = (unsigned)v;
		tmp[i].name = m->rings[i].name;
		tmp[i].percent = m->rings[i].percent;
	}
	if (!cf_bundle_rings_valid(tmp, m->ring_count, msg, msg_cap)) {
		st = CF_ERR_REJECTED;
		goto out;
	}

	const json_t *files = json_object_get(root, "files");
	if (!json_is_array(files) || json_array_size(files) == 0 ||
	    json_array_size(files) > CF_BUNDLE_MAX_FILES) {
		st = fail(&c, "manifest.files: expected an array of 1 to %u records",
		          CF_BUNDLE_MAX_FILES);
		goto out;
	}
	m->files = calloc(json_array_size(files), sizeof *m->files);
	if (!m->files) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < json_array_size(files); i++) {
		m->file_count = i + 1;
		if ((st = decode_record(&c, i, json_array_get(files, i), &m->files[i])) != CF_OK)
			goto out;
		if (i > 0 && strcmp(m->files[i - 1].name, m->files[i].name) >= 0) {
			st = fail(&c, "files[%zu].name: '%s' does not sort after '%s'", i,
			          m->files[i].name, m->files[i - 1].name);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcasecmp(m->files[j].name, m->files[i].name) == 0) {
				st = fail(&c, "files[%zu].name: '%s' and '%s' differ only in case",
				          i, m->files[j].name, m->files[i].name);
				goto out;
			}
			if (m->files[j].channel == m->files[i].channel) {
				st = fail(&c,
				          "files[%zu]: channel %" PRIu32 " is also carried by '%s'",
				          i, m->files[i].channel, m->files[j].name);
				goto out;
			}
		}
	}
	st = CF_OK;
out:
	json_decref(root);
	if (st != CF_OK)
		cf_bundle_manifest_clear(m);
	return st;
}

/* ---- The manifest signature's trusted comment ------------------------------ */

/*
 *   timestamp:CREATED<TAB>file:manifest.json<TAB>bundle_version:N
 *   <TAB>manifest_blake2b_256:<64 lower-case hex>
 */
cf_status cf_bundle_comment_format(uint64_t created, uint64_t bundle_version,
                                   const uint8_t hash[HASH_SIZE], char **out)
{
	char hex[HASH_HEX];
	cf_hex_encode(hash, HASH_SIZE, hex);
	cf_buf b;
	cf_buf_init(&b, 1024);
	cf_status st = cf_buf_printf(&b,
	                             "timestamp:%" PRIu64 "\tfile:" CF_BUNDLE_MANIFEST
	                             "\tbundle_version:%" PRIu64 "\tmanifest_blake2b_256:%s",
	                             created, bundle_version, hex);
	if (st != CF_OK) {
		cf_buf_free(&b);
		return st;
	}
	*out = cf_buf_take(&b, NULL);
	return *out ? CF_OK : CF_ERR_NOMEM;
}

cf_status cf_bundle_comment_parse(const char *text, size_t len, uint64_t *created,
                                  uint64_t *bundle_version, uint8_t hash[HASH_SIZE], char *msg,
                                  size_t msg_cap)
{
	static const char *const keys[] = {"timestamp", "file", "bundle_version",
	                                   "manifest_blake2b_256"};
	dctx c = {msg, msg_cap};
	const char *p = text, *end = text + len;
	for (size_t k = 0; k < 4; k++) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		const char *field_end = tab ? tab : end;
		if ((k < 3) != (tab != NULL))
			return fail(&c, "trusted comment: expected 4 tab-separated fields");
		size_t klen = strlen(keys[k]);
		if ((size_t)(field_end - p) < klen + 1 || memcmp(p, keys[k], klen) != 0 ||
		    p[klen] != ':')
			return fail(&c, "trusted comment: field %zu is not '%s:'", k + 1, keys[k]);
		const char *v = p + klen + 1;
		size_t vlen = (size_t)(field_end - v);
		switch (k) {
		case 0:
			if (cf_dec_parse(v, vlen, JSON_U63_MAX, created) != 0)
				return fail(&c, "trusted comment: bad timestamp");
			break;
		case 1:
			if (vlen != strlen(CF_BUNDLE_MANIFEST) ||
			    memcmp(v, CF_BUNDLE_MANIFEST, vlen) != 0)
				return fail(&c, "trusted comment: file is not " CF_BUNDLE_MANIFEST);
			break;
		case 2:
			if (cf_dec_parse(v, vlen, JSON_U63_MAX, bundle_version) != 0)
				return fail(&c, "trusted comment: bad bundle_version");
			break;
		default:
			if (cf_hex_decode(v, vlen, hash, HASH_SIZE) != 0)
				return fail(&c, "trusted comment: bad manifest_blake2b_256");
			break;
		}
		p = tab ? tab + 1 : end;
	}
	return CF_OK;
}
