/*
 * sensor.c - a reference sensor of one build: its templates, its active
 * content and its counters.
 */
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include "sensor/sensor_int.h"

/* JIT stack for every regex of a sensor: 32 KiB growing up to 1 MiB. */
#define JIT_STACK_START (32u * 1024u)
#define JIT_STACK_MAX (1024u * 1024u)

/* Make template t of the set available when this build supplies it and its
 * manifest agrees with the built-in definition. 1 added, 0 not, -1 OOM. */
static int add_template(cf_sensor *s, const cf_template *t, cf_diag_list *diags)
{
	const cf_sensor_template_def *def = cf_sensor_template_def_find(t->name);
	if (!def)
		return 0; /* content for it is skipped at the template step */
	int sup = cf_sensor_def_supplies(def, s->version);
	if (sup < 0)
		return 0;
	cf_status st = cf_sensor_manifest_check(t, diags);
	if (st == CF_ERR_NOMEM)
		return -1;
	if (st != CF_OK)
		return 0;
	stmpl *e = &s->tmpls[s->ntmpl];
	memset(e, 0, sizeof *e);
	e->manifest = t;
	e->def = def;
	e->supplied = (unsigned)sup;
	e->mctx = cf_regex_match_context(t->regex_match_limit);
	if (!e->mctx)
		return -1;
	if (s->jit)
		pcre2_jit_stack_assign(e->mctx, NULL, s->jit);
	s->ntmpl++;
	return 1;
}

cf_status cf_sensor_new(const char *version, const cf_template_set *templates, cf_sensor **out,
                        cf_diag_list *diags)
{
	cf_status st = CF_OK;
	cf_sensor *s = NULL;
	*out = NULL;
	if (!version || !cf_sensor_version_valid(version, strlen(version))) {
		if (!cf_diag_add(diags, CF_ERROR, "bad-version", NULL, 0, 0,
		                 "'%s' is not a sensor version (dotted decimal, e.g. 7.16.0)",
		                 version ? version : "")) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		st = CF_ERR_INVALID;
		goto out;
	}
	if (!cf_sensor_build_known(version)) {
		if (!cf_diag_add(diags, CF_ERROR, "sensor-unknown", NULL, 0, 0,
		                 "sensor %s is not a build the reference sensor defines "
		                 "(sensor/supplied.c)",
		                 version)) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		st = CF_ERR_INVALID;
		goto out;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	s->templates = templates;
	s->version = cf_strdup(version);
	size_t n = cf_templates_count(templates);
	s->tmpls = calloc(n ? n : 1, sizeof *s->tmpls);
	if (!s->version || !s->tmpls) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	/* Without JIT support this is NULL and matching uses the interpreter. */
	s->jit = pcre2_jit_stack_create(JIT_STACK_START, JIT_STACK_MAX, NULL);
	for (size_t i = 0; i < n; i++) {
		if (add_template(s, cf_templates_get(templates, i), diags) < 0) {
			st = CF_ERR_NOMEM;
			goto out;
		}
	}
	*out = s;
	s = NULL;
out:
	cf_sensor_free(s);
	return st;
}

void cf_sensor_content_free(scontent *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->crits && i < c->ncrit; i++) {
		pcre2_match_data_free(c->crits[i].md);
		pcre2_code_free(c->crits[i].re);
	}
	cf_sensor_index_free(c);
	free(c->crits);
	free(c->insts);
	free(c->strings);
	free(c->path);
	free(c);
}

void cf_sensor_unload_all(cf_sensor *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nactive; i++)
		cf_sensor_content_free(s->active[i]);
	s->nactive = 0;
}

void cf_sensor_free(cf_sensor *s)
{
	if (!s)
		return;
	cf_sensor_unload_all(s);
	free(s->active);
	for (size_t i = 0; s->tmpls && i < s->ntmpl; i++)
		pcre2_match_context_free(s->tmpls[i].mctx);
	free(s->tmpls);
	pcre2_jit_stack_free(s->jit);
	free(s->version);
	free(s);
}

const char *cf_sensor_version(const cf_sensor *s)
{
	return s ? s->version : NULL;
}

void cf_sensor_set_pubkey(cf_sensor *s, const cf_pubkey *pk)
{
	if (s)
		s->pk = pk;
}

size_t cf_sensor_channel_count(const cf_sensor *s)
{
	return s ? s->nactive : 0;
}

cf_status cf_sensor_channel_get(const cf_sensor *s, size_t i, cf_sensor_channel_info *out)
{
	if (!s || i >= s->nactive || !out)
		return CF_ERR_INVALID;
	const scontent *c = s->active[i];
	out->channel = c->channel;
	out->content_version = c->version;
	out->template_name = s->tmpls[c->tmpl].def->name;
	out->path = c->path;
	out->instances = c->ninst;
	return CF_OK;
}

int cf_sensor_template_index(const cf_sensor *s, const char *name)
{
	for (size_t i = 0; s && name && i < s->ntmpl; i++)
		if (strcmp(s->tmpls[i].def->name, name) == 0)
			return (int)i;
	return -1;
}

size_t cf_sensor_template_count(const cf_sensor *s)
{
	return s ? s->ntmpl : 0;
}

static const stmpl *tmpl_at(const cf_sensor *s, int tmpl)
{
	if (!s || tmpl < 0 || (size_t)tmpl >= s->ntmpl)
		return NULL;
	return &s->tmpls[tmpl];
}

const char *cf_sensor_template_name(const cf_sensor *s, int tmpl)
{
	const stmpl *t = tmpl_at(s, tmpl);
	return t ? t->def->name : NULL;
}

unsigned cf_sensor_template_fields(const cf_sensor *s, int tmpl)
{
	const stmpl *t = tmpl_at(s, tmpl);
	return t ? t->def->field_count : 0;
}

unsigned cf_sensor_supplied(const cf_sensor *s, int tmpl)
{
	const stmpl *t = tmpl_at(s, tmpl);
	return t ? t->supplied : 0;
}

int cf_sensor_field_index(const cf_sensor *s, int tmpl, const char *name)
{
	const stmpl *t = tmpl_at(s, tmpl);
	for (unsigned i = 0; t && name && i < t->def->field_count; i++)
		if (strcmp(t->def->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

uint8_t cf_sensor_field_type(const cf_sensor *s, int tmpl, unsigned field)
{
	const stmpl *t = tmpl_at(s, tmpl);
	return t && field < t->def->field_count ? t->def->fields[field].type : 0;
}

const char *cf_sensor_field_name(const cf_sensor *s, int tmpl, unsigned field)
{
	const stmpl *t = tmpl_at(s, tmpl);
	return t && field < t->def->field_count ? t->def->fields[field].name : NULL;
}

void cf_sensor_get_stats(const cf_sensor *s, cf_sensor_stats *out)
{
	if (!out)
		return;
	if (s)
		*out = s->stats;
	else
		memset(out, 0, sizeof *out);
}
