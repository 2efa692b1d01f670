/*
 * supplied.c - what the reference sensor's integration code fills, per
 * template type and per build: the one source of truth for the input array.
 *
 * A build fills the first `supplies` fields of a template, in input-array
 * order. the manifests in samples/templates/ must say exactly the same thing
 * (tests/unit/test_sensor.c checks it, cf_sensor_new() refuses a manifest
 * that disagrees): the manifest the linter trusts can never drift from the
 * code that fills the array. Adding a field or a build means changing this
 * table and the manifest together.
 */
#include <stdio.h>
#include <string.h>

#include "sensor/sensor_int.h"

#define S CF_TYPE_STRING
#define U CF_TYPE_UINT
#define B CF_TYPE_BOOL
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* dns-query, id 15, revision 1. */
static const cf_sensor_field_def dns_fields[] = {
    {"query_name", S},     {"query_type", U},    {"response_code", U},
    {"answer_count", U},   {"process_image", S}, {"pid", U},
    {"query_length", U},   {"label_count", U},   {"longest_label", U},
    {"server_address", S}, {"server_port", U},   {"is_cached", B},
    {"answer_data", S},
};
static const cf_sensor_build_def dns_builds[] = {
    {"7.11.0", 13},
    {"7.16.0", 13},
    {"7.17.0", 13},
};

/*
 * ipc-named-pipe, id 7, revision 3: the July 2024 shape. Build 7.11.0's
 * integration code never wired up pipe_sddl, the 21st field.
 */
static const cf_sensor_field_def ipc_fields[] = {
    {"pipe_name", S},      {"client_pid", U},       {"client_image", S},
    {"server_image", S},   {"is_remote", B},        {"access_mask", U},
    {"server_pid", U},     {"operation", S},        {"client_command_line", S},
    {"client_user", S},    {"server_user", S},      {"client_integrity", U},
    {"session_id", U},     {"client_is_signed", B}, {"server_is_signed", B},
    {"remote_host", S},    {"pipe_mode", U},        {"max_instances", U},
    {"in_buffer_size", U}, {"out_buffer_size", U},  {"pipe_sddl", S},
};
static const cf_sensor_build_def ipc_builds[] = {
    {"7.11.0", 20},
    {"7.16.0", 21},
    {"7.17.0", 21},
};

/* process-creation, id 12, revision 2. */
static const cf_sensor_field_def proc_fields[] = {
    {"image", S},
    {"command_line", S},
    {"pid", U},
    {"parent_image", S},
    {"parent_command_line", S},
    {"parent_pid", U},
    {"user", S},
    {"integrity_level", U},
    {"is_elevated", B},
    {"session_id", U},
    {"current_directory", S},
    {"is_signed", B},
    {"signer", S},
    {"original_file_name", S},
    {"grandparent_image", S},
    {"token_elevation_type", U},
};
static const cf_sensor_build_def proc_builds[] = {
    {"7.11.0", 16},
    {"7.16.0", 16},
    {"7.17.0", 16},
};

/* Sorted by name. */
static const cf_sensor_template_def defs[] = {
    {"dns-query", 15, 1, COUNT(dns_fields), dns_fields, COUNT(dns_builds), dns_builds},
    {"ipc-named-pipe", 7, 3, COUNT(ipc_fields), ipc_fields, COUNT(ipc_builds), ipc_builds},
    {"process-creation", 12, 2, COUNT(proc_fields), proc_fields, COUNT(proc_builds), proc_builds},
};

const cf_sensor_template_def *cf_sensor_template_defs(size_t *count)
{
	if (count)
		*count = COUNT(defs);
	return defs;
}

const cf_sensor_template_def *cf_sensor_template_def_find(const char *name)
{
	for (size_t i = 0; name && i < COUNT(defs); i++)
		if (strcmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}

static int version_eq(const char *a, const char *b)
{
	size_t al = strlen(a), bl = strlen(b);
	return cf_sensor_version_valid(a, al) && cf_sensor_version_valid(b, bl) &&
	       cf_sensor_version_cmp(a, al, b, bl) == 0;
}

int cf_sensor_def_supplies(const cf_sensor_template_def *def, const char *version)
{
	for (size_t i = 0; def && version && i < def->build_count; i++)
		if (version_eq(def->builds[i].version, version))
			return def->builds[i].supplies;
	return -1;
}

int cf_sensor_build_known(const char *version)
{
	for (size_t i = 0; i < COUNT(defs); i++)
		if (cf_sensor_def_supplies(&defs[i], version) >= 0)
			return 1;
	return 0;
}

/* One disagreement, located at the manifest; -1 when out of memory. */
static int drift(cf_diag_list *diags, const cf_template *t, uint32_t line, uint32_t col,
                 const char *what)
{
	cf_diag *d = cf_diag_add(diags, CF_ERROR, "manifest-drift", t->path, line, col,
	                         "template '%s': %s", t->name, what);
	return d ? 0 : -1;
}

cf_status cf_sensor_manifest_check(const cf_template *t, cf_diag_list *diags)
{
	char m[512];
	int bad = 0, oom = 0;
	const cf_sensor_template_def *def = cf_sensor_template_def_find(t->name);
	if (!def) {
		oom |= drift(diags, t, t->line, t->col,
		             "not compiled into the reference sensor (sensor/supplied.c)");
		bad = 1;
		goto out;
	}
	if (t->id != def->id) {
		snprintf(m, sizeof m, "id %u, but the sensor's definition has id %u", t->id,
		         def->id);
		oom |= drift(diags, t, t->line, t->col, m);
		bad = 1;
	}
	if (t->version != def->version) {
		snprintf(m, sizeof m, "revision %u, but the sensor's definition has revision %u",
		         t->version, def->version);
		oom |= drift(diags, t, t->line, t->col, m);
		bad = 1;
	}
	if (t->field_count != def->field_count) {
		snprintf(m, sizeof m, "%u field%s, but the sensor's definition has %u",
		         t->field_count, t->field_count == 1 ? "" : "s", def->field_count);
		oom |= drift(diags, t, t->line, t->col, m);
		bad = 1;
	}
	for (unsigned i = 0; i < t->field_count && i < def->field_count; i++) {
		const cf_tpl_field *f = &t->fields[i];
		const cf_sensor_field_def *g = &def->fields[i];
		if (strcmp(f->name, g->name) != 0 || f->type != g->type) {
			snprintf(m, sizeof m,
			         "field %u is '%s' (%s), but the sensor fills '%s' (%s) there",
			         i + 1, f->name, cf_field_type_name(f->type), g->name,
			         cf_field_type_name(g->type));
			oom |= drift(diags, t, t->line, t->col, m);
			bad = 1;
		}
	}
	for (size_t i = 0; i < t->sensor_count; i++) {
		const cf_tpl_sensor *ts = &t->sensors[i];
		int sup = cf_sensor_def_supplies(def, ts->version);
		if (sup < 0)
			snprintf(m, sizeof m, "sensor %s is not a build the sensor defines",
			         ts->version);
		else if ((uint32_t)sup != ts->supplies)
			snprintf(m, sizeof m,
			         "sensor %s supplies %u value%s, but that build's code fills %d",
			         ts->version, ts->supplies, ts->supplies == 1 ? "" : "s", sup);
		else
			continue;
		oom |= drift(diags, t, ts->line, ts->col, m);
		bad = 1;
	}
	for (size_t i = 0; i < def->build_count; i++) {
		if (cf_template_sensor(t, def->builds[i].version))
			continue;
		snprintf(m, sizeof m, "sensor %s (supplies %u) is missing from the manifest",
		         def->builds[i].version, def->builds[i].supplies);
		oom |= drift(diags, t, t->line, t->col, m);
		bad = 1;
	}
out:
	if (oom)
		return CF_ERR_NOMEM;
	return bad ? CF_ERR_REJECTED : CF_OK;
}
