/*
 * lint.c - cross-check a channel file against the interpreter template of
 * every sensor build in scope (<cf/lint.h>, docs/lint-codes.md).
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

#include <cf/lint.h>
#include "lint/lint_int.h"

/* hdr_off for a finding about the file as a whole (a --sensor option). */
#define NO_OFFSET UINT64_MAX
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
		snprintf(buf, cap, "; the file has %u field%s, the manifest %u", n,
		         n == 1 ? "" : "s", t->field_count);
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
		       "sensor %s supplies %u input value%s but the file has %u field%s: instance "
		       "%u%s has %s criterion on field %u '%s', which that build would read past "
		       "the end of its input array",
		       s->version, s->supplies, s->supplies == 1 ? "" : "s", fc, fc == 1 ? "" : "s",
		       in.id, name_part(&in, nb, sizeof nb), cf_crit_kind_phrase(cr.kind), f + 1,
		       fname.ptr);
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
		       "sensor %s supplies %u input value%s but the file has %u field%s; %s a "
		       "wildcard in every instance, so the fault is latent: the first non-wildcard "
		       "criterion there would be read past the end of the input array",
		       s->version, s->supplies, s->supplies == 1 ? "" : "s", fc, fc == 1 ? "" : "s",
		       range);
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
	pcre2_match_data *md = NULL;
	pcre2_match_context *mc = NULL;
	pcre2_code *code = NULL;
	cf_regex_error err;
	cf_status st = cf_regex_compile(cr->str.ptr, cr->str.len, nocase, 0, &code, &err);
	if (st == CF_ERR_REJECTED) {
		report(c, CF_ERROR, "regex-invalid", i, (int)f, 0, -1, NULL,
		       "regex '%s' does not compile under PCRE2_UTF%s: %s at pattern offset %zu", q,
		       nocase ? "|PCRE2_CASELESS" : "", err.message, err.offset);
		return CF_OK;
	}
	if (st != CF_OK)
		return CF_ERR_NOMEM;
	if (wanted(c, "regex-empty-match")) {
		md = pcre2_match_data_create_from_pattern(code, NULL);
		mc = cf_regex_match_context(c->match_limit);
		if (!md || !mc) {
			st = CF_ERR_NOMEM;
			goto out;
		}
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

/*
 * The pair checks use an index instead of comparing every pair (which took
 * 5 * 10^9 comparisons at 100,000 instances). Each instance is decoded once
 * into its non-wildcard criteria; then, in file order:
 *
 *   duplicates: instances are kept in a multimap keyed by a hash of their
 *     criteria as crit_same() compares them; j is a duplicate of the first
 *     earlier instance under its own hash whose criteria are the same.
 *   shadows: an earlier instance i can cover j only if it has j's action and
 *     constrains a subset of j's fields (a wildcard covers anything, a
 *     constrained criterion covers no wildcard). i is filed under its group
 *     (action, set of constrained fields) and under the first of its
 *     criteria that a covered criterion must share a key with: an equals
 *     (the value, ASCII-folded), a prefix (its bytes, folded), a regex (itself)
 *     or a uint/bool equals (the value); an instance with only ranges is filed
 *     under its group alone. For j, every group whose field set is a subset
 *     of j's is probed with the keys j's criteria give (a prefix key for every
 *     prefix length present on that field), and the earliest candidate that
 *     covers j is reported.
 *
 * Hashes only choose candidates; every finding is confirmed by comparing the
 * criteria, so the findings are those of comparing every pair. A file built
 * to defeat the keys (thousands of range-only instances with one action and
 * field set) is bounded by a budget of comparisons, past which the rest of
 * the pairs are skipped with a note.
 */

/* Comparisons allowed: PAIR_BUDGET_PER_INSTANCE per instance plus PAIR_BUDGET_BASE. */
#define PAIR_BUDGET_PER_INSTANCE 100u
#define PAIR_BUDGET_BASE 1000000u
/* Up to this many constrained fields, j's groups are found by enumerating the
 * subsets of its fields; above it, by scanning every group. */
#define PAIR_SUBSET_MAX 10u

typedef struct pcrit {
	cf_criterion c;
	unsigned field;
	uint8_t type;
} pcrit;

typedef struct pinst {
	size_t first; /* its non-wildcard criteria: pc[first .. first+count), by field */
	unsigned count;
	uint8_t action;
	uint64_t group; /* hash of (action, constrained fields) */
} pinst;

/* A multimap from 64-bit keys to instances, each key's instances in the
 * order they were added. An instance is under at most one key. */
typedef struct pmap {
	uint64_t *key;
	uint32_t *head, *tail; /* per slot; head UINT32_MAX: empty */
	uint32_t *next;        /* per instance */
	size_t mask;
} pmap;

typedef struct pairs {
	lctx *c;
	uint32_t n;
	pinst *in;
	pcrit *pc;
	pmap dup, shadow;
	pmap pfx;            /* (group, field) pairs some instance is filed under by a prefix */
	uint64_t *groups;    /* open addressing set of group hashes, 0 = empty */
	uint32_t *group_rep; /* per slot: an instance of the group */
	size_t gmask;
	uint32_t *glist; /* the group slots in use, for the scan */
	size_t nglist;
	uint32_t *plens[CF_MAX_FIELDS]; /* prefix lengths on each field, ascending */
	size_t nplens[CF_MAX_FIELDS];
	/* The instance being checked: per criterion k, the hash its keys use
	 * (jh[k]) and, for a string, its folded prefix hashes at the field's
	 * prefix lengths (jph + jph_off[k]). */
	uint64_t jh[CF_MAX_FIELDS];
	size_t jph_off[CF_MAX_FIELDS];
	uint64_t *jph;
	uint64_t budget;
	int stopped;
} pairs;

#define PNONE UINT32_MAX

static uint64_t pmix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 31);
}

static uint64_t field_salt(unsigned f)
{
	return pmix(0x51ED270B27C3A6F5ull, (uint64_t)f + 1);
}

static uint64_t bytes_hash(const char *p, size_t n, int folded)
{
	uint64_t h = 0xCBF29CE484222325ull;
	for (size_t k = 0; k < n; k++) {
		h ^= folded ? (unsigned char)fold((unsigned char)p[k]) : (unsigned char)p[k];
		h *= 0x100000001B3ull;
	}
	return pmix(h, n);
}

static int pmap_init(pmap *m, uint32_t n)
{
	size_t size = 16;
	while (size < 2 * (size_t)n)
		size *= 2;
	m->mask = size - 1;
	m->key = malloc(size * sizeof *m->key);
	m->head = malloc(size * sizeof *m->head);
	m->tail = malloc(size * sizeof *m->tail);
	m->next = malloc((n ? n : 1) * sizeof *m->next);
	if (!m->key || !m->head || !m->tail || !m->next)
		return -1;
	for (size_t k = 0; k < size; k++)
		m->head[k] = PNONE;
	return 0;
}

static void pmap_free(pmap *m)
{
	free(m->key);
	free(m->head);
	free(m->tail);
	free(m->next);
}

/* The first instance under key, or PNONE. */
static uint32_t pmap_first(const pmap *m, uint64_t key)
{
	for (size_t k = key & m->mask;; k = (k + 1) & m->mask) {
		if (m->head[k] == PNONE)
			return PNONE;
		if (m->key[k] == key)
			return m->head[k];
	}
}

static void pmap_add(pmap *m, uint64_t key, uint32_t inst)
{
	size_t k = key & m->mask;
	while (m->head[k] != PNONE && m->key[k] != key)
		k = (k + 1) & m->mask;
	m->next[inst] = PNONE;
	if (m->head[k] == PNONE) {
		m->key[k] = key;
		m->head[k] = m->tail[k] = inst;
	} else {
		m->next[m->tail[k]] = inst;
		m->tail[k] = inst;
	}
}

static uint64_t dup_key(const pairs *p, const pinst *in)
{
	uint64_t h = 0x2545F4914F6CDD1Dull;
	for (unsigned k = 0; k < in->count; k++) {
		const pcrit *q = &p->pc[in->first + k];
		h = pmix(h, ((uint64_t)q->field << 8) | q->c.kind);
		if (q->type == CF_TYPE_STRING) {
			h = pmix(h, q->c.flags);
			h = pmix(h, bytes_hash(q->c.str.ptr, q->c.str.len, 0));
		} else {
			h = pmix(h, q->c.lo);
			if (q->c.kind == CF_CRIT_RANGE)
				h = pmix(h, q->c.hi);
		}
	}
	return h;
}

static int same_criteria(const pairs *p, const pinst *a, const pinst *b)
{
	if (a->count != b->count)
		return 0;
	for (unsigned k = 0; k < a->count; k++) {
		const pcrit *x = &p->pc[a->first + k], *y = &p->pc[b->first + k];
		if (x->field != y->field || !crit_same(&x->c, &y->c, x->type))
			return 0;
	}
	return 1;
}

/* i's criteria cover j's: every constrained field of i is constrained in j
 * and covers it (the fields i leaves as wildcards cover anything). */
static int covers(const pairs *p, const pinst *a, const pinst *b)
{
	if (a->action != b->action)
		return 0;
	unsigned kb = 0;
	for (unsigned ka = 0; ka < a->count; ka++) {
		const pcrit *x = &p->pc[a->first + ka];
		while (kb < b->count && p->pc[b->first + kb].field < x->field)
			kb++;
		if (kb == b->count || p->pc[b->first + kb].field != x->field)
			return 0;
		if (!crit_covers(&x->c, &p->pc[b->first + kb].c, x->type))
			return 0;
	}
	return 1;
}

/* Shadow keys: a tag, the group, the field and the operand's hash. */
enum { SK_NONE = 1, SK_EQUALS, SK_PREFIX, SK_REGEX, SK_VALUE };

static uint64_t skey(uint64_t group, unsigned tag, unsigned field, uint64_t h)
{
	return pmix(pmix(group, ((uint64_t)field << 8) | tag), h);
}

/* The key instance in is filed under (as a possible cover of later ones);
 * *pfield gets the field of a prefix key, else -1. */
static uint64_t cover_key(const pairs *p, const pinst *in, int *pfield)
{
	*pfield = -1;
	for (unsigned k = 0; k < in->count; k++) {
		const pcrit *q = &p->pc[in->first + k];
		const cf_criterion *a = &q->c;
		if (q->type == CF_TYPE_STRING) {
			if (a->kind == CF_CRIT_EQUALS)
				return skey(in->group, SK_EQUALS, q->field,
				            bytes_hash(a->str.ptr, a->str.len, 1));
			if (a->kind == CF_CRIT_PREFIX) {
				*pfield = (int)q->field;
				return skey(in->group, SK_PREFIX, q->field,
				            bytes_hash(a->str.ptr, a->str.len, 1));
			}
			if (a->kind == CF_CRIT_REGEX)
				return skey(in->group, SK_REGEX, q->field,
				            pmix(bytes_hash(a->str.ptr, a->str.len, 0), a->flags));
		} else if (a->kind == CF_CRIT_EQUALS) {
			return skey(in->group, SK_VALUE, q->field, a->lo);
		}
	}
	return skey(in->group, SK_NONE, 0, 0);
}

/* Candidates under key: the earliest that covers j lowers *best. */
static void probe_cover(pairs *p, uint64_t key, uint32_t j, uint32_t *best)
{
	for (uint32_t i = pmap_first(&p->shadow, key); i != PNONE && i < *best;
	     i = p->shadow.next[i]) {
		if (p->budget == 0) {
			p->stopped = 1;
			return;
		}
		p->budget--;
		if (covers(p, &p->in[i], &p->in[j])) {
			*best = i;
			return;
		}
	}
}

/* Every key j's criteria give in group g: sub[0..nsub) are the indexes (in
 * j's criteria) of the group's fields. */
static void probe_group(pairs *p, uint64_t g, uint32_t j, const unsigned *sub, unsigned nsub,
                        uint32_t *best)
{
	const pinst *in = &p->in[j];
	probe_cover(p, skey(g, SK_NONE, 0, 0), j, best);
	for (unsigned m = 0; m < nsub && !p->stopped; m++) {
		unsigned k = sub[m];
		const pcrit *q = &p->pc[in->first + k];
		const cf_criterion *b = &q->c;
		if (q->type == CF_TYPE_STRING) {
			if (b->kind == CF_CRIT_REGEX) {
				probe_cover(p, skey(g, SK_REGEX, q->field, p->jh[k]), j, best);
				continue;
			}
			if (b->kind == CF_CRIT_EQUALS)
				probe_cover(p, skey(g, SK_EQUALS, q->field, p->jh[k]), j, best);
			/* prefixes of every length present on the field, when some
			 * instance of the group is filed under a prefix there */
			if (pmap_first(&p->pfx, skey(g, SK_PREFIX, q->field, 0)) == PNONE)
				continue;
			const uint32_t *pl = p->plens[q->field];
			const uint64_t *ph = p->jph + p->jph_off[k];
			for (size_t l = 0; l < p->nplens[q->field] && pl[l] <= b->str.len; l++)
				probe_cover(p, skey(g, SK_PREFIX, q->field, ph[l]), j, best);
		} else if (b->kind == CF_CRIT_EQUALS ||
		           (b->kind == CF_CRIT_RANGE && b->lo == b->hi)) {
			probe_cover(p, skey(g, SK_VALUE, q->field, b->lo), j, best);
		}
	}
}

/* The hashes j's keys use (p->jh, p->jph), each computed once. */
static void key_hashes(pairs *p, uint32_t j)
{
	const pinst *in = &p->in[j];
	size_t off = 0;
	for (unsigned k = 0; k < in->count; k++) {
		const pcrit *q = &p->pc[in->first + k];
		const cf_criterion *b = &q->c;
		p->jh[k] = 0;
		p->jph_off[k] = off;
		if (q->type != CF_TYPE_STRING)
			continue;
		if (b->kind == CF_CRIT_REGEX) {
			p->jh[k] = pmix(bytes_hash(b->str.ptr, b->str.len, 0), b->flags);
			continue;
		}
		p->jh[k] = bytes_hash(b->str.ptr, b->str.len, 1);
		/* folded prefix hashes, as bytes_hash() of the first L bytes */
		const uint32_t *pl = p->plens[q->field];
		size_t np = p->nplens[q->field], l = 0;
		uint64_t h = 0xCBF29CE484222325ull;
		for (size_t n = 0; n <= b->str.len && l < np; n++) {
			while (l < np && pl[l] == n)
				p->jph[off + l++] = pmix(h, n);
			if (n < b->str.len) {
				h ^= (unsigned char)fold((unsigned char)b->str.ptr[n]);
				h *= 0x100000001B3ull;
			}
		}
		off += np;
	}
}

static uint64_t group_hash(uint8_t action, const pcrit *pc, unsigned n)
{
	uint64_t g = pmix(0x9FB21C651E98DF25ull, action);
	for (unsigned k = 0; k < n; k++)
		g ^= field_salt(pc[k].field);
	return g ? g : 1;
}

static int group_known(const pairs *p, uint64_t g, uint32_t *rep)
{
	for (size_t k = g & p->gmask;; k = (k + 1) & p->gmask) {
		if (!p->groups[k])
			return 0;
		if (p->groups[k] == g) {
			if (rep)
				*rep = p->group_rep[k];
			return 1;
		}
	}
}

static void group_add(pairs *p, uint64_t g, uint32_t inst)
{
	size_t k = g & p->gmask;
	while (p->groups[k] && p->groups[k] != g)
		k = (k + 1) & p->gmask;
	if (!p->groups[k]) {
		p->groups[k] = g;
		p->group_rep[k] = inst;
		p->glist[p->nglist++] = (uint32_t)k;
	}
}

/* The earliest instance before j that covers it, or PNONE. */
static uint32_t find_cover(pairs *p, uint32_t j)
{
	const pinst *b = &p->in[j];
	unsigned sub[CF_MAX_FIELDS];
	uint32_t best = PNONE;
	key_hashes(p, j);
	if (b->count <= PAIR_SUBSET_MAX) {
		/* every subset of j's constrained fields that is a known group */
		for (uint32_t mask = 0; mask < (1u << b->count) && !p->stopped; mask++) {
			unsigned nsub = 0;
			uint64_t g = pmix(0x9FB21C651E98DF25ull, b->action);
			for (unsigned k = 0; k < b->count; k++)
				if (mask & (1u << k)) {
					sub[nsub++] = k;
					g ^= field_salt(p->pc[b->first + k].field);
				}
			g = g ? g : 1;
			if (group_known(p, g, NULL))
				probe_group(p, g, j, sub, nsub, &best);
		}
		return best;
	}
	/* many fields: scan the groups, keep those whose fields j constrains */
	for (size_t m = 0; m < p->nglist && !p->stopped; m++) {
		uint64_t g = p->groups[p->glist[m]];
		const pinst *r = &p->in[p->group_rep[p->glist[m]]];
		if (r->action != b->action || r->count > b->count)
			continue;
		unsigned nsub = 0, kb = 0;
		for (unsigned ka = 0; ka < r->count; ka++) {
			unsigned f = p->pc[r->first + ka].field;
			while (kb < b->count && p->pc[b->first + kb].field < f)
				kb++;
			if (kb == b->count || p->pc[b->first + kb].field != f)
				break;
			sub[nsub++] = kb;
		}
		if (nsub == r->count)
			probe_group(p, g, j, sub, nsub, &best);
	}
	return best;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void pairs_free(pairs *p)
{
	free(p->in);
	free(p->pc);
	pmap_free(&p->dup);
	pmap_free(&p->shadow);
	pmap_free(&p->pfx);
	free(p->groups);
	free(p->group_rep);
	free(p->glist);
	for (unsigned f = 0; f < CF_MAX_FIELDS; f++)
		free(p->plens[f]);
	free(p->jph);
}

/* Decode the instances and size the maps. 0, or -1 out of memory. */
static int pairs_init(pairs *p, lctx *c)
{
	const cf_view *v = c->v;
	uint32_t n = v->hdr.instance_count;
	unsigned fc = v->hdr.field_count;
	uint8_t types[CF_MAX_FIELDS];
	size_t npc = 0, plen_count[CF_MAX_FIELDS] = {0};
	p->c = c;
	p->n = n;
	for (unsigned f = 0; f < fc; f++)
		cf_view_field(v, f, NULL, &types[f]);
	for (uint32_t i = 0; i < n; i++)
		for (unsigned f = 0; f < fc; f++) {
			cf_criterion a;
			cf_view_criterion(v, i, f, &a);
			if (a.kind == CF_CRIT_ANY)
				continue;
			npc++;
			if (types[f] == CF_TYPE_STRING && a.kind == CF_CRIT_PREFIX)
				plen_count[f]++;
		}
	p->in = malloc(n * sizeof *p->in);
	p->pc = malloc((npc ? npc : 1) * sizeof *p->pc);
	size_t gsize = 16;
	while (gsize < 2 * (size_t)n)
		gsize *= 2;
	p->gmask = gsize - 1;
	p->groups = calloc(gsize, sizeof *p->groups);
	p->group_rep = malloc(gsize * sizeof *p->group_rep);
	p->glist = malloc(n * sizeof *p->glist);
	if (!p->in || !p->pc || !p->groups || !p->group_rep || !p->glist || pmap_init(&p->dup, n) ||
	    pmap_init(&p->shadow, n) || pmap_init(&p->pfx, n))
		return -1;
	for (unsigned f = 0; f < fc; f++)
		if (plen_count[f] && !(p->plens[f] = malloc(plen_count[f] * sizeof **p->plens)))
			return -1;
	size_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		cf_instance ci;
		cf_view_instance(v, i, &ci);
		pinst *in = &p->in[i];
		in->first = k;
		in->action = ci.action;
		for (unsigned f = 0; f < fc; f++) {
			cf_criterion a;
			cf_view_criterion(v, i, f, &a);
			if (a.kind == CF_CRIT_ANY)
				continue;
			pcrit *q = &p->pc[k];
			q->c = a;
			q->field = f;
			q->type = types[f];
			if (q->type == CF_TYPE_STRING && q->c.kind == CF_CRIT_PREFIX)
				p->plens[f][p->nplens[f]++] = (uint32_t)q->c.str.len;
			k++;
		}
		in->count = (unsigned)(k - in->first);
		in->group = group_hash(in->action, &p->pc[in->first], in->count);
	}
	for (unsigned f = 0; f < fc; f++) {
		/* ascending, without repeats */
		size_t m = 0;
		if (p->nplens[f])
			qsort(p->plens[f], p->nplens[f], sizeof **p->plens, cmp_u32);
		for (size_t q = 0; q < p->nplens[f]; q++)
			if (m == 0 || p->plens[f][m - 1] != p->plens[f][q])
				p->plens[f][m++] = p->plens[f][q];
		p->nplens[f] = m;
	}
	size_t total = 1;
	for (unsigned f = 0; f < fc; f++)
		total += p->nplens[f];
	p->jph = malloc(total * sizeof *p->jph);
	if (!p->jph)
		return -1;
	p->budget = (uint64_t)n * PAIR_BUDGET_PER_INSTANCE + PAIR_BUDGET_BASE;
	return 0;
}

static void pair_report(lctx *c, int dup, uint32_t i, uint32_t j)
{
	const cf_view *v = c->v;
	cf_instance ai, bj;
	cf_view_instance(v, i, &ai);
	cf_view_instance(v, j, &bj);
	char na[96], nb[96];
	const char *act_a = cf_action_name(ai.action), *act_b = cf_action_name(bj.action);
	if (dup)
		report(c, CF_WARNING, "duplicate-instance", j, -1, 0, -1, NULL,
		       "instance %u%s has the same criteria as instance %u%s (actions %s and %s)",
		       bj.id, name_part(&bj, nb, sizeof nb), ai.id, name_part(&ai, na, sizeof na),
		       act_b ? act_b : "?", act_a ? act_a : "?");
	else
		report(c, CF_WARNING, "shadowed-instance", j, -1, 0, -1, NULL,
		       "instance %u%s is shadowed by instance %u%s: with the same action (%s) and "
		       "criteria at least as broad, it matches every event this one does",
		       bj.id, name_part(&bj, nb, sizeof nb), ai.id, name_part(&ai, na, sizeof na),
		       act_a ? act_a : "?");
}

static cf_status check_pairs(lctx *c)
{
	const cf_view *v = c->v;
	uint32_t n = v->hdr.instance_count;
	int dup_on = wanted(c, "duplicate-instance"), shadow_on = wanted(c, "shadowed-instance");
	if (n < 2 || (!dup_on && !shadow_on))
		return CF_OK;
	pairs p;
	memset(&p, 0, sizeof p);
	cf_status st = CF_ERR_NOMEM;
	if (pairs_init(&p, c) != 0)
		goto out;
	for (uint32_t j = 0; j < n && !p.stopped; j++) {
		pinst *b = &p.in[j];
		uint64_t dk = dup_key(&p, b);
		int done = 0;
		if (dup_on) {
			for (uint32_t i = pmap_first(&p.dup, dk); i != PNONE; i = p.dup.next[i])
				if (same_criteria(&p, &p.in[i], b)) {
					pair_report(c, 1, i, j);
					done = 1;
					break;
				}
		}
		if (!done && shadow_on && j > 0) {
			uint32_t i = find_cover(&p, j);
			if (p.stopped)
				break;
			if (i != PNONE)
				pair_report(c, 0, i, j);
		}
		pmap_add(&p.dup, dk, j);
		int pf;
		pmap_add(&p.shadow, cover_key(&p, b, &pf), j);
		if (pf >= 0) {
			uint64_t pk = skey(b->group, SK_PREFIX, (unsigned)pf, 0);
			if (pmap_first(&p.pfx, pk) == PNONE)
				pmap_add(&p.pfx, pk, j);
		}
		group_add(&p, b->group, j);
	}
	if (p.stopped && wanted(c, "pairs-skipped"))
		report(c, CF_NOTE, "pairs-skipped", -1, -1, NO_OFFSET, -1, NULL,
		       "%u instances: the shadow check stopped after %llu comparisons; later "
		       "instances were not checked for duplicates or shadows",
		       n,
		       (unsigned long long)(n * (uint64_t)PAIR_BUDGET_PER_INSTANCE +
		                            PAIR_BUDGET_BASE));
	st = CF_OK;
out:
	pairs_free(&p);
	return st;
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
		report(&c, CF_ERROR, cf_verify_code(vst), -1, -1, verr.offset, -1, NULL, "%s",
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
