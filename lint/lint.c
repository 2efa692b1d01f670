/*
 * lint.c - cross-check a channel file against the interpreter template of
 * every sensor build in scope (cf_lint.h, docs/lint-codes.md).
 *
 * Order of the checks, each reported in full before the next:
 *   1. the format verifier (nothing else runs on a file it rejects);
 *   2. the header against the manifest: template known, id, version,
 *      fingerprint, and the file's own field table against its fingerprint;
 *   3. the sensors in scope: --sensor versions the manifest must list,
 *      requires_sensor, and field_count against what each build supplies;
 *   4. every instance and criterion: regexes, nocase, all-wildcard;
 *   5. pairs of instances: duplicates and shadowing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/cf_lint.h"
#include "lint/lint_int.h"

/* hdr_off for a finding about the file as a whole (a --sensor option). */
#define NO_OFFSET UINT64_MAX
/* Above this many instances the pairwise duplicate/shadow pass is skipped. */
#define PAIR_CAP 5000u
/* Regexes are quoted in messages up to this many bytes. */
#define QUOTE_MAX 60u

static const cf_lint_code codes[] = {
    {"format-magic", CF_ERROR, "The file is not a channel file.",
     "It does not start with the channel-file magic. Lint the .cf file that `cfc compile` "
     "wrote, not the YAML source or another file."},
    {"format-version", CF_ERROR, "The file has a format version this build does not read.",
     "It was written by a newer (or older) cfc. Rebuild it with this cfc, or lint it with "
     "the cfc that matches the sensors' format version."},
    {"format-corrupt", CF_ERROR, "The file fails the channel-file format verifier.",
     "An offset, count, string, enum or reserved field is invalid; the message names the "
     "structure and its byte offset. Sensors reject the file. Rebuild it with `cfc "
     "compile`; never edit channel files by hand."},
    {"format-checksum", CF_ERROR, "The file's checksum does not match its contents.",
     "The bytes changed after `cfc compile` wrote them (truncated copy, bit rot, editing). "
     "Rebuild or re-fetch the file."},
    {"format-limit", CF_ERROR, "The file exceeds a documented format cap.",
     "Sizes, counts and string lengths are capped (format/SPEC.md, Limits). Split the "
     "channel or shorten the strings."},
    {"template-unknown", CF_ERROR, "No template manifest defines the file's template.",
     "The file names a template type that none of the -t manifests defines, so it cannot "
     "be checked against any sensor build. Pass the manifest directory that defines it."},
    {"template-id", CF_ERROR, "The file's template id differs from the manifest's.",
     "Sensors identify template types by id; content built with another id is interpreted "
     "as the wrong type. Recompile the rules against the current manifest."},
    {"template-version", CF_ERROR, "The file's template version differs from the manifest's.",
     "The file was built against another revision of the template type. Recompile the rules "
     "against the current manifest."},
    {"template-fingerprint", CF_ERROR,
     "The file's template fingerprint differs from the manifest's.",
     "The fingerprint hashes the template's name, id, version and every field's name and "
     "type. A difference means the file's field layout is not the one sensors were built "
     "with. Recompile the rules against the current manifest."},
    {"field-table", CF_ERROR, "The file's field table does not hash to its own fingerprint.",
     "The fields embedded in the file and the fingerprint in its header disagree: the file "
     "was assembled from mismatched parts or altered. Rebuild it with `cfc compile`."},
    {"sensor-unknown", CF_ERROR, "A --sensor version is not listed in the template manifest.",
     "Linting against a sensor build the manifest does not describe proves nothing. Check "
     "the version, or add the build to the manifest."},
    {"requires-sensor", CF_ERROR, "requires_sensor is above every sensor build in the manifest.",
     "No deployed sensor would load this content. Lower requires_sensor, or add the new "
     "build to the manifest once it exists."},
    {"field-count", CF_ERROR, "The file has more fields than a sensor build in scope supplies.",
     "The interpreter of that build passes fewer input values than the file's instances "
     "carry criteria; a non-wildcard criterion past the supplied count reads past the end "
     "of the input array (Channel File 291, July 2024). Even when every such criterion is "
     "a wildcard the fault is latent. Set requires_sensor to the oldest build that supplies "
     "every field, or use a template revision that build supplies."},
    {"regex-invalid", CF_ERROR, "PCRE2 rejects a regex under the sensor's options.",
     "Sensors compile regexes with PCRE2_UTF (and PCRE2_CASELESS for nocase); a pattern "
     "that does not compile there never matches. Fix the pattern."},
    {"regex-too-long", CF_ERROR, "A regex is longer than the manifest's regex max_length.",
     "Sensors refuse patterns over the limit. Shorten the pattern or split the rule."},
    {"all-wildcard", CF_WARNING, "An instance's criteria are all wildcards.",
     "It matches every event of the template type. Constrain at least one field."},
    {"duplicate-instance", CF_WARNING, "Two instances have the same criteria.",
     "The later one adds nothing, or contradicts the earlier one's action. Remove or merge "
     "it."},
    {"shadowed-instance", CF_WARNING,
     "An earlier instance with the same action matches everything a later one does.",
     "Every criterion of the earlier instance is at least as broad, so the later one never "
     "adds a match. Remove it, narrow the earlier one, or change its action."},
    {"regex-backtracking", CF_WARNING, "A regex is prone to catastrophic backtracking.",
     "Nested or adjacent overlapping quantifiers let the input be split many ways; a "
     "generated subject made PCRE2 exceed the manifest's match_limit. On a sensor the match "
     "is abandoned and the rule silently misses. Make the repeats unambiguous or possessive "
     "(a++), or use an atomic group."},
    {"regex-empty-match", CF_WARNING, "A regex matches the empty string.",
     "An unanchored pattern that matches the empty string matches every value of the "
     "field. Anchor it or require at least one character."},
    {"nocase-no-letters", CF_WARNING, "nocase on a string or pattern with no letters.",
     "Case folding changes nothing there; the flag suggests a mistaken pattern. Remove "
     "nocase or fix the text."},
    {"sensor-out-of-scope", CF_NOTE, "A --sensor version is below the file's requires_sensor.",
     "That build never loads this content, so it is not checked."},
    {"pairs-skipped", CF_NOTE, "The duplicate and shadow checks were skipped.",
     "The file has more instances than the pairwise checks compare."},
};

const cf_lint_code *cf_lint_codes(size_t *count)
{
	if (count)
		*count = sizeof codes / sizeof codes[0];
	return codes;
}

const cf_lint_code *cf_lint_code_find(const char *id)
{
	for (size_t i = 0; id && i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(codes[i].id, id) == 0)
			return &codes[i];
	return NULL;
}

/* ---- Reporting ------------------------------------------------------------ */

typedef struct lctx {
	const char *path;
	const cf_view *v;
	const cf_template *tpl;
	const cf_lint_opts *opts;
	cf_diag_list *diags;
	size_t errors;
	int oom;
	uint32_t max_length;
	uint64_t match_limit;
} lctx;

/* Whether a finding with this code is wanted. Errors always are. */
static int wanted(const lctx *c, const char *code)
{
	const cf_lint_code *lc = cf_lint_code_find(code);
	if (lc && lc->severity == CF_ERROR)
		return 1;
	if (c->opts->errors_only && lc && lc->severity == CF_WARNING)
		return 0;
	for (size_t i = 0; i < c->opts->disabled_count; i++)
		if (c->opts->disabled[i] && strcmp(c->opts->disabled[i], code) == 0)
			return 0;
	return 1;
}

/*
 * Add a finding. inst >= 0 locates it at that instance (field >= 0: at that
 * criterion) through the source map, else by byte offset; inst < 0 locates it
 * at hdr_off in the file's header. The context names the instance, the field
 * (field or ctx_field, whichever is >= 0) and the sensor.
 */
static void report(lctx *c, cf_severity sev, const char *code, int64_t inst, int field,
                   uint64_t hdr_off, int ctx_field, const char *sensor, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

static void report(lctx *c, cf_severity sev, const char *code, int64_t inst, int field,
                   uint64_t hdr_off, int ctx_field, const char *sensor, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(msg = malloc((size_t)n + 1))) {
		c->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);

	cf_srcloc loc;
	memset(&loc, 0, sizeof loc);
	uint64_t off = hdr_off;
	uint32_t inst_id = 0;
	if (c->v && inst >= 0) {
		uint32_t i = (uint32_t)inst;
		cf_instance in;
		cf_view_instance(c->v, i, &in);
		inst_id = in.id;
		if (field >= 0)
			cf_view_criterion_loc(c->v, i, (unsigned)field, &loc);
		if (!loc.line)
			cf_view_instance_loc(c->v, i, &loc);
		off = cf_view_instance_offset(c->v, i, field);
	}
	cf_diag *d;
	if (inst < 0 && hdr_off == NO_OFFSET)
		d = cf_diag_add(c->diags, sev, code, c->path, 0, 0, "%s", msg);
	else if (loc.line && loc.file.len)
		d = cf_diag_add(c->diags, sev, code, loc.file.ptr, loc.line, loc.col, "%s", msg);
	else
		d = cf_diag_add_offset(c->diags, sev, code, c->path, off, "%s", msg);
	free(msg);
	if (!d) {
		c->oom = 1;
		return;
	}
	if (sev == CF_ERROR)
		c->errors++;
	int f = field >= 0 ? field : ctx_field;
	const char *fname = NULL;
	cf_str fs;
	if (c->v && f >= 0 && (unsigned)f < c->v->hdr.field_count) {
		cf_view_field(c->v, (unsigned)f, &fs, NULL);
		fname = fs.ptr;
	}
	if (cf_diag_set_context(d, c->v ? c->v->hdr.channel : 0, inst_id, f, fname, sensor) !=
	    CF_OK)
		c->oom = 1;
}

/* "msagent-pipe" as " 'msagent-pipe'", or "" when the instance has no name. */
static const char *name_part(const cf_instance *in, char *buf, size_t cap)
{
	if (!in->name.len)
		return "";
	snprintf(buf, cap, " '%s'", in->name.ptr);
	return buf;
}

/* A pattern or string for a message: at most QUOTE_MAX bytes, then "...". */
static const char *shorten(cf_str s, char *buf, size_t cap)
{
	size_t n = s.len;
	int cut = 0;
	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		/* Do not split a UTF-8 sequence. */
		while (n > 0 && ((unsigned char)s.ptr[n] & 0xc0) == 0x80)
			n--;
		cut = 1;
	}
	snprintf(buf, cap, "%.*s%s", (int)n, s.ptr, cut ? "..." : "");
	return buf;
}

/* ---- Header ------------------------------------------------------------- */

static void hex_prefix(const uint8_t *fp, char out[17])
{
	for (unsigned i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", fp[i]);
}

/* Describe the first difference between the file's fields and the manifest's. */
static void field_diff(const cf_view *v, const cf_template *t, char *buf, size_t cap)
{
	unsigned n = v->hdr.field_count;
	buf[0] = 0;
	for (unsigned f = 0; f < n && f < t->field_count; f++) {
		cf_str name;
		uint8_t type;
		cf_view_field(v, f, &name, &type);
		const char *tn = cf_field_type_name(type);
		if (strcmp(name.ptr, t->fields[f].name) != 0 || type != t->fields[f].type) {
			const char *mt = cf_field_type_name(t->fields[f].type);
			snprintf(buf, cap,
			         "; field %u is '%s' (%s) in the file, '%s' (%s) in the manifest",
			         f + 1, name.ptr, tn ? tn : "?", t->fields[f].name, mt ? mt : "?");
			return;
		}
	}
	if (n != t->field_count)
		snprintf(buf, cap, "; the file has %u fields, the manifest %u", n, t->field_count);
}

static cf_status check_header(lctx *c)
{
	const cf_view *v = c->v;
	const cf_header *h = &v->hdr;
	const cf_template *t = c->tpl;
	cf_status st = CF_OK;
	cf_fp_field *fields = calloc(h->field_count ? h->field_count : 1, sizeof *fields);
	if (!fields)
		return CF_ERR_NOMEM;
	for (unsigned f = 0; f < h->field_count; f++) {
		cf_str name;
		cf_view_field(v, f, &name, &fields[f].type);
		fields[f].name = name.ptr;
	}
	uint8_t own[CF_FINGERPRINT_SIZE];
	st = cf_template_fingerprint(h->template_name.ptr, h->template_id, h->template_version,
	                             fields, h->field_count, own);
	if (st == CF_ERR_NOMEM)
		goto out;
	if (st != CF_OK || memcmp(own, h->fingerprint, CF_FINGERPRINT_SIZE) != 0) {
		char a[17], b[17];
		hex_prefix(h->fingerprint, a);
		hex_prefix(own, b);
		report(c, CF_ERROR, "field-table", -1, -1, CF_HDR_FINGERPRINT, -1, NULL,
		       "the header fingerprint %s... does not match the file's own template "
		       "'%s' id %u version %u and %u fields (they hash to %s...)",
		       a, h->template_name.ptr, h->template_id, h->template_version, h->field_count,
		       b);
	}
	st = CF_OK;
	if (!t)
		goto out;
	if (h->template_id != t->id)
		report(c, CF_ERROR, "template-id", -1, -1, CF_HDR_TEMPLATE_ID, -1, NULL,
		       "template '%s' has id %u in the file but %u in manifest %s", t->name,
		       h->template_id, t->id, t->path ? t->path : "(unnamed)");
	if (h->template_version != t->version)
		report(c, CF_ERROR, "template-version", -1, -1, CF_HDR_TEMPLATE_VERSION, -1, NULL,
		       "template '%s' is version %u in the file but version %u in manifest %s",
		       t->name, h->template_version, t->version, t->path ? t->path : "(unnamed)");
	if (memcmp(h->fingerprint, t->fingerprint, CF_FINGERPRINT_SIZE) != 0) {
		char a[17], b[17], diff[256];
		hex_prefix(h->fingerprint, a);
		hex_prefix(t->fingerprint, b);
		field_diff(v, t, diff, sizeof diff);
		report(c, CF_ERROR, "template-fingerprint", -1, -1, CF_HDR_FINGERPRINT, -1, NULL,
		       "template '%s' fingerprint %s... in the file differs from %s... in manifest "
		       "%s%s",
		       t->name, a, b, t->path ? t->path : "(unnamed)", diff);
	}
out:
	free(fields);
	return st;
}

/* ---- Sensors ------------------------------------------------------------ */

static int ver_cmp(const char *a, cf_str b)
{
	return cf_sensor_version_cmp(a, strlen(a), b.ptr, b.len);
}

/* The first instance, in file order, with a non-wildcard criterion at a
 * field >= from; its lowest such field. 0 when there is none. */
static int first_out_of_bounds(const cf_view *v, unsigned from, uint32_t *inst, unsigned *field)
{
	for (uint32_t i = 0; i < v->hdr.instance_count; i++)
		for (unsigned f = from; f < v->hdr.field_count; f++) {
			cf_criterion cr;
			cf_view_criterion(v, i, f, &cr);
			if (cr.kind != CF_CRIT_ANY) {
				*inst = i;
				*field = f;
				return 1;
			}
		}
	return 0;
}

static void check_field_count(lctx *c, const cf_tpl_sensor *s)
{
	const cf_view *v = c->v;
	unsigned fc = v->hdr.field_count;
	if (fc <= s->supplies)
		return;
	uint32_t i;
	unsigned f;
	if (first_out_of_bounds(v, s->supplies, &i, &f)) {
		cf_instance in;
		cf_criterion cr;
		cf_str fname;
		char nb[96];
		cf_view_instance(v, i, &in);
		cf_view_criterion(v, i, f, &cr);
		cf_view_field(v, f, &fname, NULL);
		report(c, CF_ERROR, "field-count", i, (int)f, 0, -1, s->version,
		       "sensor %s supplies %u input values but the file has %u fields: instance "
		       "%u%s has a %s criterion on field %u '%s', which that build would read past "
		       "the end of its input array",
		       s->version, s->supplies, fc, in.id, name_part(&in, nb, sizeof nb),
		       cf_crit_kind_name(cr.kind), f + 1, fname.ptr);
	} else {
		cf_str fname;
		cf_view_field(v, s->supplies, &fname, NULL);
		char range[64];
		if (s->supplies + 1 == fc)
			snprintf(range, sizeof range, "field %u '%s' is", fc, fname.ptr);
		else
			snprintf(range, sizeof range, "fields %u..%u are", s->supplies + 1, fc);
		report(c, CF_ERROR, "field-count", -1, -1, CF_HDR_FIELD_COUNT, (int)s->supplies,
		       s->version,
		       "sensor %s supplies %u input values but the file has %u fields; %s a "
		       "wildcard in every instance, so the fault is latent: the first non-wildcard "
		       "criterion there would be read past the end of the input array",
		       s->version, s->supplies, fc, range);
	}
}

static cf_status check_sensors(lctx *c)
{
	const cf_template *t = c->tpl;
	const cf_header *h = &c->v->hdr;
	const cf_lint_opts *o = c->opts;
	if (t->sensor_count == 0)
		return CF_OK;
	int has_req = h->requires_sensor.len > 0;
	const cf_tpl_sensor *newest = &t->sensors[t->sensor_count - 1];
	if (has_req && ver_cmp(newest->version, h->requires_sensor) < 0)
		report(
		    c, CF_ERROR, "requires-sensor", -1, -1, CF_HDR_REQUIRES_SENSOR, -1, NULL,
		    "requires_sensor %s is above every sensor build in manifest %s (newest: %s): "
		    "no sensor would load this content",
		    h->requires_sensor.ptr, t->path ? t->path : t->name, newest->version);
	unsigned char *in_scope = calloc(t->sensor_count, 1);
	if (!in_scope)
		return CF_ERR_NOMEM;
	for (size_t k = 0; k < t->sensor_count; k++)
		in_scope[k] = !has_req || ver_cmp(t->sensors[k].version, h->requires_sensor) >= 0;
	if (o->sensor_count > 0) {
		unsigned char *asked = calloc(t->sensor_count, 1);
		if (!asked) {
			free(in_scope);
			return CF_ERR_NOMEM;
		}
		for (size_t q = 0; q < o->sensor_count; q++) {
			const char *want = o->sensors[q];
			const cf_tpl_sensor *s = want && cf_sensor_version_valid(want, strlen(want))
			                             ? cf_template_sensor(t, want)
			                             : NULL;
			if (!s) {
				char list[256] = "";
				size_t used = 0;
				for (size_t k = 0; k < t->sensor_count && used + 2 < sizeof list;
				     k++) {
					int w = snprintf(list + used, sizeof list - used, "%s%s",
					                 k ? ", " : "", t->sensors[k].version);
					if (w < 0)
						break;
					used += (size_t)w;
				}
				if (used >= sizeof list)
					used = sizeof list - 1;
				report(c, CF_ERROR, "sensor-unknown", -1, -1, NO_OFFSET, -1, want,
				       "sensor %s is not listed in manifest %s for template '%s' "
				       "(it lists "
				       "%s)",
				       want ? want : "(null)", t->path ? t->path : t->name, t->name,
				       list);
				continue;
			}
			size_t k = (size_t)(s - t->sensors);
			if (!in_scope[k]) {
				if (!asked[k] && wanted(c, "sensor-out-of-scope"))
					report(c, CF_NOTE, "sensor-out-of-scope", -1, -1,
					       CF_HDR_REQUIRES_SENSOR, -1, s->version,
					       "sensor %s is not checked: the file requires sensor "
					       "%s or "
					       "newer",
					       s->version, h->requires_sensor.ptr);
				asked[k] = 2;
				continue;
			}
			asked[k] = 1;
		}
		for (size_t k = 0; k < t->sensor_count; k++)
			in_scope[k] = asked[k] == 1;
		free(asked);
	}
	for (size_t k = 0; k < t->sensor_count; k++)
		if (in_scope[k])
			check_field_count(c, &t->sensors[k]);
	free(in_scope);
	return CF_OK;
}

/* ---- Instances ------------------------------------------------------------ */

static cf_status check_regex(lctx *c, uint32_t i, unsigned f, const cf_criterion *cr)
{
	char qb[QUOTE_MAX + 8];
	const char *q = shorten(cr->str, qb, sizeof qb);
	int nocase = (cr->flags & CF_CRIT_NOCASE) != 0;
	if (cr->str.len > c->max_length) {
		report(c, CF_ERROR, "regex-too-long", i, (int)f, 0, -1, NULL,
		       "regex '%s' is %zu bytes long; the sensor's limit is %u (regex max_length)",
		       q, cr->str.len, c->max_length);
		return CF_OK;
	}
	int ec = 0;
	PCRE2_SIZE eo = 0;
	cf_status st = CF_OK;
	pcre2_match_data *md = NULL;
	pcre2_match_context *mc = NULL;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)cr->str.ptr, cr->str.len,
	                                 cf_lint_regex_options(nocase), &ec, &eo, NULL);
	if (!code) {
		if (ec == PCRE2_ERROR_HEAP_FAILED)
			return CF_ERR_NOMEM;
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", ec);
		report(c, CF_ERROR, "regex-invalid", i, (int)f, 0, -1, NULL,
		       "regex '%s' does not compile under PCRE2_UTF%s: %s at pattern offset %zu", q,
		       nocase ? "|PCRE2_CASELESS" : "", (const char *)msg, (size_t)eo);
		return CF_OK;
	}
	if (wanted(c, "regex-empty-match")) {
		md = pcre2_match_data_create_from_pattern(code, NULL);
		mc = pcre2_match_context_create(NULL);
		if (!md || !mc) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		uint64_t lim = c->match_limit;
		pcre2_set_match_limit(mc, lim > UINT32_MAX ? UINT32_MAX : lim ? (uint32_t)lim : 1);
		int rc = pcre2_match(code, (PCRE2_SPTR) "", 0, 0, 0, md, mc);
		if (rc >= 0)
			report(c, CF_WARNING, "regex-empty-match", i, (int)f, 0, -1, NULL,
			       "regex '%s' matches the empty string%s", q,
			       cr->str.ptr[0] == '^' ? ""
			                             : ", so it matches somewhere in every value");
	}
	if (wanted(c, "regex-backtracking")) {
		char why[512];
		int r = cf_lint_regex_backtracks(cr->str.ptr, cr->str.len, nocase, c->match_limit,
		                                 why, sizeof why);
		if (r < 0) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		if (r > 0)
			report(c, CF_WARNING, "regex-backtracking", i, (int)f, 0, -1, NULL,
			       "regex '%s' is prone to catastrophic backtracking: %s (%llu)", q,
			       why, (unsigned long long)c->match_limit);
	}
out:
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	pcre2_code_free(code);
	return st;
}

static cf_status check_instances(lctx *c)
{
	const cf_view *v = c->v;
	for (uint32_t i = 0; i < v->hdr.instance_count; i++) {
		cf_instance in;
		cf_view_instance(v, i, &in);
		int wild = 1;
		for (unsigned f = 0; f < v->hdr.field_count; f++) {
			cf_criterion cr;
			cf_view_criterion(v, i, f, &cr);
			if (cr.kind == CF_CRIT_ANY)
				continue;
			wild = 0;
			if (cr.kind == CF_CRIT_REGEX) {
				cf_status st = check_regex(c, i, f, &cr);
				if (st != CF_OK)
					return st;
			}
			int is_str = cr.kind == CF_CRIT_EQUALS || cr.kind == CF_CRIT_PREFIX ||
			             cr.kind == CF_CRIT_REGEX;
			if (is_str && (cr.flags & CF_CRIT_NOCASE) &&
			    wanted(c, "nocase-no-letters") &&
			    !cf_lint_has_letters(cr.str.ptr, cr.str.len,
			                         cr.kind == CF_CRIT_REGEX)) {
				char qb[QUOTE_MAX + 8];
				uint8_t type = 0;
				cf_view_field(v, f, NULL, &type);
				if (type == CF_TYPE_STRING)
					report(
					    c, CF_WARNING, "nocase-no-letters", i, (int)f, 0, -1,
					    NULL,
					    "nocase on %s '%s', which has no letters: case folding "
					    "changes nothing",
					    cf_crit_kind_name(cr.kind),
					    shorten(cr.str, qb, sizeof qb));
			}
		}
		if (wild && wanted(c, "all-wildcard")) {
			char nb[96];
			report(
			    c, CF_WARNING, "all-wildcard", i, -1, 0, -1, NULL,
			    "instance %u%s has only wildcard criteria: it matches every '%s' event "
			    "(action %s)",
			    in.id, name_part(&in, nb, sizeof nb), v->hdr.template_name.ptr,
			    cf_action_name(in.action) ? cf_action_name(in.action) : "?");
		}
	}
	return CF_OK;
}

/* ---- Pairs -------------------------------------------------------------- */

static int fold(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/*
 * Every string of the set {q[0..n)} (with its case variants when q_ci)
 * equals p[0..n) (case-insensitively when p_ci). Case folding is ASCII
 * only here, which can only miss a cover, never invent one.
 */
static int str_covers(const char *p, int p_ci, const char *q, int q_ci, size_t n)
{
	if (p_ci) {
		for (size_t k = 0; k < n; k++)
			if (fold((unsigned char)p[k]) != fold((unsigned char)q[k]))
				return 0;
		return 1;
	}
	if (q_ci && cf_lint_has_letters(q, n, 0))
		return 0;
	return memcmp(p, q, n) == 0;
}

static int crit_same(const cf_criterion *a, const cf_criterion *b, uint8_t type)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind == CF_CRIT_ANY)
		return 1;
	if (type == CF_TYPE_STRING)
		return a->flags == b->flags && a->str.len == b->str.len &&
		       memcmp(a->str.ptr, b->str.ptr, a->str.len) == 0;
	if (a->kind == CF_CRIT_RANGE)
		return a->lo == b->lo && a->hi == b->hi;
	return a->lo == b->lo;
}

/* Criterion a matches every value criterion b matches. */
static int crit_covers(const cf_criterion *a, const cf_criterion *b, uint8_t type)
{
	if (a->kind == CF_CRIT_ANY)
		return 1;
	if (b->kind == CF_CRIT_ANY)
		return 0;
	if (type == CF_TYPE_UINT) {
		uint64_t alo = a->lo, ahi = a->kind == CF_CRIT_RANGE ? a->hi : a->lo;
		uint64_t blo = b->lo, bhi = b->kind == CF_CRIT_RANGE ? b->hi : b->lo;
		return alo <= blo && bhi <= ahi;
	}
	if (type != CF_TYPE_STRING)
		return a->kind == b->kind && a->lo == b->lo;
	int a_ci = (a->flags & CF_CRIT_NOCASE) != 0, b_ci = (b->flags & CF_CRIT_NOCASE) != 0;
	if (a->kind == CF_CRIT_REGEX || b->kind == CF_CRIT_REGEX)
		return crit_same(a, b, type);
	if (a->kind == CF_CRIT_EQUALS)
		return b->kind == CF_CRIT_EQUALS && a->str.len == b->str.len &&
		       str_covers(a->str.ptr, a_ci, b->str.ptr, b_ci, a->str.len);
	/* a is a prefix; b an equals or a prefix that must start with it. */
	return b->str.len >= a->str.len &&
	       str_covers(a->str.ptr, a_ci, b->str.ptr, b_ci, a->str.len);
}

static cf_status check_pairs(lctx *c)
{
	const cf_view *v = c->v;
	uint32_t n = v->hdr.instance_count;
	unsigned fc = v->hdr.field_count;
	int dup_on = wanted(c, "duplicate-instance"), shadow_on = wanted(c, "shadowed-instance");
	if (n < 2 || (!dup_on && !shadow_on))
		return CF_OK;
	if (n > PAIR_CAP) {
		if (wanted(c, "pairs-skipped"))
			report(c, CF_NOTE, "pairs-skipped", -1, -1, NO_OFFSET, -1, NULL,
			       "%u instances: the duplicate and shadow checks compare at most %u",
			       n, PAIR_CAP);
		return CF_OK;
	}
	uint8_t *types = malloc(fc);
	if (!types)
		return CF_ERR_NOMEM;
	for (unsigned f = 0; f < fc; f++)
		cf_view_field(v, f, NULL, &types[f]);
	for (uint32_t j = 1; j < n; j++) {
		int done = 0;
		for (int pass = 0; pass < 2 && !done; pass++) {
			if ((pass == 0 && !dup_on) || (pass == 1 && !shadow_on))
				continue;
			cf_instance bj;
			cf_view_instance(v, j, &bj);
			for (uint32_t i = 0; i < j && !done; i++) {
				cf_instance ai;
				cf_view_instance(v, i, &ai);
				if (pass == 1 && ai.action != bj.action)
					continue;
				unsigned f = 0;
				for (; f < fc; f++) {
					cf_criterion a, b;
					cf_view_criterion(v, i, f, &a);
					cf_view_criterion(v, j, f, &b);
					if (pass == 0 ? !crit_same(&a, &b, types[f])
					              : !crit_covers(&a, &b, types[f]))
						break;
				}
				if (f < fc)
					continue;
				char na[96], nb[96];
				const char *act_a = cf_action_name(ai.action),
				           *act_b = cf_action_name(bj.action);
				if (pass == 0)
					report(
					    c, CF_WARNING, "duplicate-instance", j, -1, 0, -1, NULL,
					    "instance %u%s has the same criteria as instance %u%s "
					    "(actions %s and %s)",
					    bj.id, name_part(&bj, nb, sizeof nb), ai.id,
					    name_part(&ai, na, sizeof na), act_b ? act_b : "?",
					    act_a ? act_a : "?");
				else
					report(c, CF_WARNING, "shadowed-instance", j, -1, 0, -1,
					       NULL,
					       "instance %u%s is shadowed by instance %u%s: with "
					       "the same "
					       "action (%s) and criteria at least as broad, it "
					       "matches "
					       "every event this one does",
					       bj.id, name_part(&bj, nb, sizeof nb), ai.id,
					       name_part(&ai, na, sizeof na), act_a ? act_a : "?");
				done = 1;
			}
		}
	}
	free(types);
	return CF_OK;
}

/* ---- Entry point ------------------------------------------------------------ */

cf_status cf_lint_file(const cf_template_set *templates, const char *path, const uint8_t *buf,
                       size_t len, const cf_lint_opts *opts, cf_diag_list *diags)
{
	static const cf_lint_opts no_opts;
	lctx c;
	memset(&c, 0, sizeof c);
	c.path = path;
	c.opts = opts ? opts : &no_opts;
	c.diags = diags;
	c.max_length = CF_DEFAULT_REGEX_MAX_LENGTH;
	c.match_limit = CF_DEFAULT_REGEX_MATCH_LIMIT;
	cf_status st = CF_OK;
	if (!diags)
		return CF_ERR_INVALID;

	cf_view view;
	cf_verify_error verr;
	cf_status vst = cf_verify(buf, len, &view, &verr);
	if (vst != CF_OK) {
		if (vst == CF_ERR_NOMEM || vst == CF_ERR_INVALID)
			return vst;
		const char *code = vst == CF_ERR_NOT_CHANNEL ? "format-magic"
		                   : vst == CF_ERR_VERSION   ? "format-version"
		                   : vst == CF_ERR_CHECKSUM  ? "format-checksum"
		                   : vst == CF_ERR_LIMIT     ? "format-limit"
		                                             : "format-corrupt";
		report(&c, CF_ERROR, code, -1, -1, verr.offset, -1, NULL, "%s",
		       verr.message[0] ? verr.message : cf_strerror(vst));
		goto out;
	}
	c.v = &view;
	const cf_header *h = &view.hdr;
	c.tpl = templates ? cf_templates_find(templates, h->template_name.ptr) : NULL;
	if (!c.tpl) {
		const cf_template *by_id =
		    templates ? cf_templates_find_id(templates, h->template_id) : NULL;
		char hint[160] = "";
		if (by_id)
			snprintf(hint, sizeof hint, " (manifest %s defines id %u as '%s')",
			         by_id->path ? by_id->path : by_id->name, h->template_id,
			         by_id->name);
		report(&c, CF_ERROR, "template-unknown", -1, -1, CF_HDR_TEMPLATE_NAME, -1, NULL,
		       "no template manifest defines template '%s' (id %u, version %u)%s; sensor "
		       "checks skipped",
		       h->template_name.ptr, h->template_id, h->template_version, hint);
	} else {
		c.max_length = c.tpl->regex_max_length;
		c.match_limit = c.tpl->regex_match_limit;
	}
	st = check_header(&c);
	if (st == CF_OK && c.tpl)
		st = check_sensors(&c);
	if (st == CF_OK)
		st = check_instances(&c);
	if (st == CF_OK)
		st = check_pairs(&c);
out:
	if (st != CF_OK)
		return st;
	if (c.oom)
		return CF_ERR_NOMEM;
	return c.errors ? CF_ERR_REJECTED : CF_OK;
}
