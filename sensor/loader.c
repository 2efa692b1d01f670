/*
 * loader.c - load content the way a sensor must (docs/sensor.md, "Loader").
 *
 * Steps, in order; the first that fails skips the file with a diagnostic
 * naming it, and whatever was active for the channel stays active:
 *   1 signature        with a public key: minisign signature + binding
 *   2 format           the strict format verifier
 *   3 template         template compiled in, manifest given, fingerprint and
 *                      field table equal to the manifest's
 *   4 requires_sensor  content for a newer build: skipped, a note
 *   5 field count      field_count must not exceed what this build supplies
 *   6 regex            every regex compiles (PCRE2_UTF, PCRE2_CASELESS for
 *                      nocase, JIT when available) within max_length
 *   7 version          only a content version above the active one replaces it
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include "sensor/sensor_int.h"

/* "s" after a count other than one. */
static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

static const char *const step_names[] = {
    "none", "signature", "format", "template", "requires_sensor", "field count", "regex", "version",
};

const char *cf_sensor_step_name(cf_sensor_step step)
{
	if ((unsigned)step >= sizeof step_names / sizeof step_names[0])
		return "unknown";
	return step_names[step];
}

static const scontent *find_active(const cf_sensor *s, uint32_t channel, size_t *pos)
{
	size_t lo = 0, hi = s->nactive;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->active[mid]->channel == channel) {
			*pos = mid;
			return s->active[mid];
		}
		if (s->active[mid]->channel < channel)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

/* Loader context for one file. */
typedef struct ld {
	cf_sensor *s;
	const char *path;
	cf_diag_list *diags;
	cf_sensor_load_result *res;
	const cf_view *v;       /* once the format step passed */
	const char *regex_code; /* step 6: the code of the first regex refused */
	int oom;
} ld;

/* " (FILE:LINE:COL)" for a source location, or "". */
static void loc_text(char *out, size_t cap, const cf_srcloc *loc)
{
	out[0] = 0;
	if (loc->line && loc->file.len)
		snprintf(out, cap, " (%.*s:%u:%u)", (int)loc->file.len, loc->file.ptr, loc->line,
		         loc->col);
}

static cf_diag *diag(ld *l, cf_severity sev, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static cf_diag *diag(ld *l, cf_severity sev, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cf_diag *d = cf_diag_add(l->diags, sev, code, l->path, 0, 0, "%s", msg);
	if (!d) {
		l->oom = 1;
		return NULL;
	}
	if (l->res->channel &&
	    cf_diag_set_context(d, l->res->channel, 0, -1, NULL, l->s->version) != CF_OK)
		l->oom = 1;
	return d;
}

/* Skip the file at step: an error (unsafe) or a note (newer, stale). */
static void skip(ld *l, cf_sensor_step step, cf_sensor_outcome outcome, const char *code,
                 const char *what)
{
	l->res->outcome = outcome;
	l->res->step = step;
	char keep[160] = "";
	size_t pos;
	const scontent *act = l->res->channel ? find_active(l->s, l->res->channel, &pos) : NULL;
	if (outcome == CF_SENSOR_SKIPPED_UNSAFE && act)
		snprintf(keep, sizeof keep,
		         "; channel %u keeps content version %llu (last known good)", act->channel,
		         (unsigned long long)act->version);
	else if (outcome == CF_SENSOR_SKIPPED_UNSAFE && l->res->channel)
		snprintf(keep, sizeof keep, "; channel %u has no active content", l->res->channel);
	diag(l, outcome == CF_SENSOR_SKIPPED_UNSAFE ? CF_ERROR : CF_NOTE, code,
	     "not loaded (step %d, %s): %s%s", (int)step, cf_sensor_step_name(step), what, keep);
	if (outcome == CF_SENSOR_SKIPPED_UNSAFE)
		l->s->stats.skipped_unsafe++;
	else if (outcome == CF_SENSOR_SKIPPED_NEWER)
		l->s->stats.skipped_newer++;
	else
		l->s->stats.skipped_stale++;
}

/* "channel 291 content version 42" */
static void ident(char *out, size_t cap, const cf_header *h)
{
	snprintf(out, cap, "channel %u content version %llu", h->channel,
	         (unsigned long long)h->content_version);
}

/* Step 3: why a template is not available in this sensor. */
static void template_unavailable(ld *l, const cf_header *h, const char *name)
{
	char id[96], what[512];
	const char *code = "template-unsupported";
	ident(id, sizeof id, h);
	const cf_sensor_template_def *def = cf_sensor_template_def_find(name);
	const cf_template *t = cf_templates_find(l->s->templates, name);
	int built = def && cf_sensor_def_supplies(def, l->s->version) >= 0;
	if (!t) {
		/* The fault cfc lint reports for the same file and manifests. */
		code = "template-unknown";
		snprintf(what, sizeof what,
		         "%s uses template '%s', but no template manifest for it was given (-t)%s",
		         id, name, built ? "" : ", and this sensor does not implement it");
	} else if (!def) {
		snprintf(what, sizeof what,
		         "%s uses template '%s', which sensor %s does not implement", id, name,
		         l->s->version);
	} else if (!built) {
		snprintf(what, sizeof what,
		         "%s uses template '%s', which build %s does not implement", id, name,
		         l->s->version);
	} else {
		code = "manifest-drift";
		snprintf(what, sizeof what,
		         "%s uses template '%s', whose manifest %s disagrees with the sensor's "
		         "definition",
		         id, name, t->path ? t->path : "");
	}
	skip(l, CF_SENSOR_STEP_TEMPLATE, CF_SENSOR_SKIPPED_UNSAFE, code, what);
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = 0;
}

/* Step 3. 0 when the content fits the template, else skipped. */
static int check_template(ld *l, int tmpl)
{
	const cf_view *v = l->v;
	const cf_header *h = &v->hdr;
	const stmpl *t = &l->s->tmpls[tmpl];
	char id[96], what[512];
	ident(id, sizeof id, h);
	if (memcmp(h->fingerprint, t->manifest->fingerprint, CF_FINGERPRINT_SIZE) != 0) {
		char a[2 * CF_FINGERPRINT_SIZE + 1], b[2 * CF_FINGERPRINT_SIZE + 1];
		hex(a, h->fingerprint, CF_FINGERPRINT_SIZE);
		hex(b, t->manifest->fingerprint, CF_FINGERPRINT_SIZE);
		snprintf(what, sizeof what,
		         "%s: template fingerprint %.16s... differs from the manifest's %.16s... "
		         "for '%s' (id %u, revision %u; content built for id %u, revision %u)",
		         id, a, b, t->def->name, t->manifest->id, t->manifest->version,
		         h->template_id, h->template_version);
		skip(l, CF_SENSOR_STEP_TEMPLATE, CF_SENSOR_SKIPPED_UNSAFE, "template-fingerprint",
		     what);
		return -1;
	}
	/* The fingerprint covers the field table the file claims only if the
	 * writer was honest: compare the table itself too. A table that differs
	 * under a matching fingerprint does not hash to the file's own
	 * fingerprint, the fault cfc lint calls field-table. */
	if (h->field_count != t->def->field_count) {
		snprintf(what, sizeof what,
		         "%s: field_count %u, but template '%s' defines %u field%s", id,
		         h->field_count, t->def->name, t->def->field_count,
		         plural(t->def->field_count));
		skip(l, CF_SENSOR_STEP_TEMPLATE, CF_SENSOR_SKIPPED_UNSAFE, "field-table", what);
		return -1;
	}
	for (unsigned i = 0; i < h->field_count; i++) {
		cf_str name;
		uint8_t type;
		cf_view_field(v, i, &name, &type);
		const cf_sensor_field_def *f = &t->def->fields[i];
		if (name.len != strlen(f->name) || memcmp(name.ptr, f->name, name.len) != 0 ||
		    type != f->type) {
			snprintf(what, sizeof what,
			         "%s: field %u is '%.*s' (%s), but template '%s' has '%s' (%s)", id,
			         i + 1, (int)name.len, name.ptr, cf_field_type_name(type),
			         t->def->name, f->name, cf_field_type_name(f->type));
			skip(l, CF_SENSOR_STEP_TEMPLATE, CF_SENSOR_SKIPPED_UNSAFE, "field-table",
			     what);
			return -1;
		}
	}
	return 0;
}

/* Step 5: the incident check. 0 when this build supplies every field. */
static int field_count_step(ld *l, int tmpl)
{
	const cf_view *v = l->v;
	const cf_header *h = &v->hdr;
	const stmpl *t = &l->s->tmpls[tmpl];
	if (h->field_count <= t->supplied)
		return 0;
	char id[96], what[768], first[384] = "";
	ident(id, sizeof id, h);
	/* The first instance and field that would be read past the array. */
	for (uint32_t i = 0; i < h->instance_count && !first[0]; i++) {
		for (unsigned f = t->supplied; f < h->field_count; f++) {
			cf_criterion c;
			cf_view_criterion(v, i, f, &c);
			if (c.kind == CF_CRIT_ANY)
				continue;
			cf_instance in;
			cf_srcloc loc;
			char where[160];
			cf_view_instance(v, i, &in);
			cf_view_criterion_loc(v, i, f, &loc);
			loc_text(where, sizeof where, &loc);
			snprintf(first, sizeof first,
			         "; instance %u would read field %u '%s' past the end of the input "
			         "array%s",
			         in.id, f + 1, t->def->fields[f].name, where);
			break;
		}
	}
	if (!first[0] && t->supplied + 1 == h->field_count)
		snprintf(first, sizeof first,
		         "; every criterion on field %u '%s' is a wildcard, so the fault is latent",
		         h->field_count, t->def->fields[t->supplied].name);
	else if (!first[0])
		snprintf(first, sizeof first,
		         "; every criterion on fields %u..%u is a wildcard, so the fault is latent",
		         t->supplied + 1, h->field_count);
	snprintf(what, sizeof what,
	         "%s has field_count %u, but sensor %s supplies only %u value%s for template "
	         "'%s'%s",
	         id, h->field_count, l->s->version, t->supplied, plural(t->supplied), t->def->name,
	         first);
	skip(l, CF_SENSOR_STEP_FIELD_COUNT, CF_SENSOR_SKIPPED_UNSAFE, "field-count", what);
	return -1;
}

static size_t add_size(size_t a, size_t b, int *ovf)
{
	size_t r;
	if (__builtin_add_overflow(a, b, &r))
		*ovf = 1;
	return r;
}

/* Remember the code of the first regex refused: the step's skip carries it. */
static void regex_refused(ld *l, const char *code)
{
	if (!l->regex_code)
		l->regex_code = code;
}

/* Compile one regex criterion. 0 ok, 1 rejected (diagnostic), -1 OOM. */
static int compile_regex(ld *l, const stmpl *t, scrit *c, const cf_criterion *cr,
                         const cf_instance *in, unsigned field, uint32_t index)
{
	cf_srcloc loc;
	char where[160], msg[256];
	uint32_t max = t->manifest->regex_max_length;
	if (cr->str.len > max) {
		cf_view_criterion_loc(l->v, index, field, &loc);
		loc_text(where, sizeof where, &loc);
		regex_refused(l, "regex-too-long");
		diag(l, CF_ERROR, "regex-too-long",
		     "instance %u field %u '%s': regex of %zu bytes exceeds the %u byte%s template "
		     "'%s' allows (regex.max_length)%s",
		     in->id, field + 1, t->def->fields[field].name, cr->str.len, max, plural(max),
		     t->def->name, where);
		return 1;
	}
	/* The compiler's and the linter's options and limits (regex_int.h). */
	cf_regex_error err;
	cf_status st = cf_regex_compile(cr->str.ptr, cr->str.len, c->nocase, 0, &c->re, &err);
	if (st == CF_ERR_NOMEM)
		return -1;
	if (st != CF_OK) {
		cf_view_criterion_loc(l->v, index, field, &loc);
		loc_text(where, sizeof where, &loc);
		snprintf(msg, sizeof msg, "%s", err.message);
		regex_refused(l, "regex-invalid");
		diag(l, CF_ERROR, "regex-invalid",
		     "instance %u field %u '%s': PCRE2 rejects the regex at offset %zu: %s%s",
		     in->id, field + 1, t->def->fields[field].name, err.offset, msg, where);
		return 1;
	}
	/* JIT where the platform has it; the interpreter otherwise. */
	c->jit = pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE) == 0;
	c->md = pcre2_match_data_create_from_pattern(c->re, NULL);
	return c->md ? 0 : -1;
}

/*
 * Step 6: decode the verified file into the interpreter's structures and
 * compile its regexes. 0 loaded into *out, 1 a regex was rejected
 * (diagnostics say which), -1 out of memory.
 */
static int decode(ld *l, int tmpl, scontent **out)
{
	const cf_view *v = l->v;
	const cf_header *h = &v->hdr;
	const stmpl *t = &l->s->tmpls[tmpl];
	int ret = -1, bad = 0, ovf = 0;
	char *scratch = NULL;
	*out = NULL;
	scontent *c = calloc(1, sizeof *c);
	if (!c)
		goto out;
	c->channel = h->channel;
	c->version = h->content_version;
	c->tmpl = tmpl;
	c->field_count = h->field_count;
	c->path = cf_strdup(l->path);
	if (!c->path)
		goto out;
	/* Sizes first: criteria kept and string bytes. */
	size_t ncrit = 0, arena = 1, scratch_len = 1;
	for (uint32_t i = 0; i < h->instance_count; i++) {
		cf_instance in;
		cf_view_instance(v, i, &in);
		if (in.name.len)
			arena = add_size(arena, in.name.len + 1, &ovf);
		for (unsigned f = 0; f < h->field_count; f++) {
			cf_criterion cr;
			cf_view_criterion(v, i, f, &cr);
			if (cr.kind == CF_CRIT_ANY)
				continue;
			ncrit = add_size(ncrit, 1, &ovf);
			/* equals, prefix: the operand; regex: its required literal */
			if (cr.kind == CF_CRIT_EQUALS || cr.kind == CF_CRIT_PREFIX ||
			    cr.kind == CF_CRIT_REGEX)
				arena = add_size(arena, cr.str.len + 1, &ovf);
			if (cr.kind == CF_CRIT_REGEX && cr.str.len > scratch_len)
				scratch_len = cr.str.len;
		}
	}
	if (ovf)
		goto out;
	c->insts = calloc(h->instance_count ? h->instance_count : 1, sizeof *c->insts);
	c->crits = calloc(ncrit ? ncrit : 1, sizeof *c->crits);
	c->strings = malloc(arena);
	scratch = malloc(scratch_len);
	if (!c->insts || !c->crits || !c->strings || !scratch)
		goto out;
	c->ninst = h->instance_count;
	size_t ai = 0, ci = 0;
	c->strings[ai++] = 0;
	for (uint32_t i = 0; i < h->instance_count; i++) {
		cf_instance in;
		cf_view_instance(v, i, &in);
		sinst *si = &c->insts[i];
		si->id = in.id;
		si->action = in.action;
		si->severity = in.severity;
		if (in.name.len) {
			memcpy(c->strings + ai, in.name.ptr, in.name.len);
			c->strings[ai + in.name.len] = 0;
			si->name = c->strings + ai;
			ai += in.name.len + 1;
		}
		si->first = (uint32_t)ci;
		/* Cheap criteria first, regexes last: an instance is the AND of
		 * its criteria, so the order changes no result. */
		for (int pass = 0; pass < 2; pass++) {
			for (unsigned f = 0; f < h->field_count; f++) {
				cf_criterion cr;
				cf_view_criterion(v, i, f, &cr);
				if (cr.kind == CF_CRIT_ANY ||
				    (cr.kind == CF_CRIT_REGEX) != (pass == 1))
					continue;
				scrit *sc = &c->crits[ci++];
				c->ncrit = ci;
				sc->field = (uint16_t)f;
				sc->kind = cr.kind;
				sc->type = t->def->fields[f].type;
				sc->nocase = (cr.flags & CF_CRIT_NOCASE) ? 1 : 0;
				sc->lo = cr.lo;
				sc->hi = cr.hi;
				if (cr.kind == CF_CRIT_EQUALS || cr.kind == CF_CRIT_PREFIX) {
					if (sc->type == CF_TYPE_STRING) {
						memcpy(c->strings + ai, cr.str.ptr, cr.str.len);
						c->strings[ai + cr.str.len] = 0;
						sc->str = c->strings + ai;
						sc->len = (uint32_t)cr.str.len;
						ai += cr.str.len + 1;
					}
				} else if (cr.kind == CF_CRIT_REGEX) {
					int r = compile_regex(l, t, sc, &cr, &in, f, i);
					if (r < 0)
						goto out;
					bad |= r;
					/* Its required literal, for the index. */
					sc->str = c->strings + ai;
					sc->len = (uint32_t)cf_sensor_regex_literal(
					    cr.str.ptr, cr.str.len, c->strings + ai, scratch);
					c->strings[ai + sc->len] = 0;
					ai += sc->len + 1;
				}
			}
		}
		si->count = (uint32_t)(ci - si->first);
	}
	if (bad) {
		ret = 1;
		goto out;
	}
	if (cf_sensor_index_build(c) != 0)
		goto out;
	*out = c;
	c = NULL;
	ret = 0;
out:
	free(scratch);
	cf_sensor_content_free(c);
	return ret;
}

/* Step 7: activate unless a content version >= it is active. */
static cf_status activate(ld *l, scontent *c)
{
	size_t pos;
	cf_sensor *s = l->s;
	const scontent *act = find_active(s, c->channel, &pos);
	char id[96];
	snprintf(id, sizeof id, "channel %u content version %llu", c->channel,
	         (unsigned long long)c->version);
	if (act && act->version >= c->version) {
		char what[320];
		snprintf(what, sizeof what,
		         "%s passed every check, but content version %llu (%s) is already active "
		         "and only a higher version replaces it",
		         id, (unsigned long long)act->version, act->path);
		skip(l, CF_SENSOR_STEP_VERSION, CF_SENSOR_SKIPPED_STALE, "stale-content", what);
		cf_sensor_content_free(c);
		return CF_OK;
	}
	if (act) {
		l->res->replaced = act->version;
		cf_sensor_content_free(s->active[pos]);
		s->active[pos] = c;
	} else {
		if (s->nactive == s->cap) {
			size_t ncap = s->cap ? 2 * s->cap : 8;
			scontent **na = realloc(s->active, ncap * sizeof *na);
			if (!na) {
				cf_sensor_content_free(c);
				return CF_ERR_NOMEM;
			}
			s->active = na;
			s->cap = ncap;
		}
		memmove(&s->active[pos + 1], &s->active[pos],
		        (s->nactive - pos) * sizeof *s->active);
		s->active[pos] = c;
		s->nactive++;
	}
	s->stats.loaded++;
	l->res->outcome = CF_SENSOR_LOADED;
	l->res->step = CF_SENSOR_STEP_NONE;
	l->res->instances = c->ninst;
	char rep[64] = "";
	if (l->res->replaced)
		snprintf(rep, sizeof rep, ", replacing content version %llu",
		         (unsigned long long)l->res->replaced);
	diag(l, CF_NOTE, "loaded", "loaded %s (template %s, %u instance%s, sensor %s)%s", id,
	     s->tmpls[c->tmpl].def->name, c->ninst, plural(c->ninst), s->version, rep);
	return CF_OK;
}

cf_status cf_sensor_load_impl(cf_sensor *s, const char *path, const uint8_t *buf, size_t len,
                              const char *sig, size_t sig_len, int check_field_count,
                              cf_sensor_load_result *res, cf_diag_list *diags)
{
	cf_status st = CF_OK;
	cf_sig *sg = NULL;
	cf_view view;
	cf_sensor_load_result dummy;
	if (!res)
		res = &dummy;
	memset(res, 0, sizeof *res);
	if (!s || !path || (!buf && len))
		return CF_ERR_INVALID;
	ld l = {s, path, diags, res, NULL, NULL, 0};
	char what[768];

	/* 1: signature (and with it the format verifier and the binding). */
	if (s->pk) {
		cf_sig_error se;
		memset(&se, 0, sizeof se);
		if (!sig) {
			snprintf(what, sizeof what,
			         "unsigned content: a public key is set and there is no signature "
			         "(expected %s.minisig)",
			         path);
			skip(&l, CF_SENSOR_STEP_SIGNATURE, CF_SENSOR_SKIPPED_UNSAFE, "signature",
			     what);
			goto out;
		}
		if (cf_sig_parse(sig, sig_len, &sg, &se) != CF_OK) {
			if (se.status == CF_ERR_NOMEM) {
				st = CF_ERR_NOMEM;
				goto out;
			}
			snprintf(what, sizeof what, "signature file: %s", se.message);
			skip(&l, CF_SENSOR_STEP_SIGNATURE, CF_SENSOR_SKIPPED_UNSAFE, "signature",
			     what);
			goto out;
		}
		cf_status vs = cf_sig_verify_channel(s->pk, sg, buf, len, 0, &view, NULL, &se);
		if (vs == CF_ERR_NOMEM) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		if (vs != CF_OK) {
			/* The format verifier runs inside the signature check: its
			 * verdict carries the verifier's code, as in cfc lint. */
			int fmt = se.check == CF_SIG_CHECK_FORMAT;
			snprintf(what, sizeof what, "%s%s%s",
			         fmt ? "" : cf_sig_check_name(se.check), fmt ? "" : ": ",
			         se.message);
			skip(&l, fmt ? CF_SENSOR_STEP_FORMAT : CF_SENSOR_STEP_SIGNATURE,
			     CF_SENSOR_SKIPPED_UNSAFE,
			     fmt ? cf_verify_code(se.status) : "signature", what);
			goto out;
		}
	} else {
		/* 2: the format verifier. */
		cf_verify_error ve;
		memset(&ve, 0, sizeof ve);
		cf_status vs = cf_verify(buf, len, &view, &ve);
		if (vs == CF_ERR_NOMEM) {
			/* Not a verdict on the file: the run fails, the file is not judged. */
			st = CF_ERR_NOMEM;
			goto out;
		}
		if (vs != CF_OK) {
			snprintf(what, sizeof what, "%s at offset 0x%llx: %s", cf_strerror(vs),
			         (unsigned long long)ve.offset, ve.message);
			skip(&l, CF_SENSOR_STEP_FORMAT, CF_SENSOR_SKIPPED_UNSAFE,
			     cf_verify_code(vs), what);
			goto out;
		}
	}
	l.v = &view;
	res->channel = view.hdr.channel;
	res->content_version = view.hdr.content_version;

	/* 3: template known, fingerprint, field table. */
	const char *tname = view.hdr.template_name.ptr; /* NUL-terminated in a verified file */
	int tmpl = cf_sensor_template_index(s, tname);
	if (tmpl < 0) {
		template_unavailable(&l, &view.hdr, tname);
		goto out;
	}
	if (check_template(&l, tmpl) != 0)
		goto out;

	/* 4: requires_sensor. */
	const cf_str *rq = &view.hdr.requires_sensor;
	if (rq->len &&
	    cf_sensor_version_cmp(rq->ptr, rq->len, s->version, strlen(s->version)) > 0) {
		char id[96];
		ident(id, sizeof id, &view.hdr);
		snprintf(what, sizeof what,
		         "%s requires sensor %.*s or newer; this is %s (content for a newer "
		         "sensor, not an error)",
		         id, (int)rq->len, rq->ptr, s->version);
		skip(&l, CF_SENSOR_STEP_REQUIRES_SENSOR, CF_SENSOR_SKIPPED_NEWER,
		     "sensor-out-of-scope", what);
		goto out;
	}

	/* 5: field_count against what this build supplies. */
	if (check_field_count && field_count_step(&l, tmpl) != 0)
		goto out;

	/* 6: decode and compile the regexes. */
	scontent *c = NULL;
	int r = decode(&l, tmpl, &c);
	if (r < 0) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	if (r > 0) {
		char id[96];
		ident(id, sizeof id, &view.hdr);
		snprintf(what, sizeof what, "%s has a regex this sensor cannot use (see above)",
		         id);
		skip(&l, CF_SENSOR_STEP_REGEX, CF_SENSOR_SKIPPED_UNSAFE,
		     l.regex_code ? l.regex_code : "regex-invalid", what);
		goto out;
	}

	/* 7: activate. */
	st = activate(&l, c);
out:
	cf_sig_free(sg);
	if (st == CF_OK && l.oom)
		st = CF_ERR_NOMEM;
	return st;
}

cf_status cf_sensor_load(cf_sensor *s, const char *path, const uint8_t *buf, size_t len,
                         const char *sig, size_t sig_len, cf_sensor_load_result *res,
                         cf_diag_list *diags)
{
	return cf_sensor_load_impl(s, path, buf, len, sig, sig_len, 1, res, diags);
}
