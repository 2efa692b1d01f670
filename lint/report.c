/*
 * report.c - lint findings as a JSON document or a SARIF 2.1.0 log, built
 * with jansson.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include <cf/lint.h>
#include "base/json_int.h"

#ifndef CF_VERSION
#define CF_VERSION "unknown"
#endif
/* SARIF wants an absolute URI for the tool; the project has no public home
 * yet, so this is a reserved placeholder (RFC 2606) until it does. */
#ifndef CF_LINT_INFO_URI
#define CF_LINT_INFO_URI "https://cfc.example.invalid/docs/lint-codes.md"
#endif
#define SARIF_SCHEMA                                                                               \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"

/* A JSON string; bytes that are not UTF-8 (a path, say) become '?'. */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	size_t n = strlen(s);
	if (cf_utf8_valid(s, n))
		return json_stringn(s, n);
	char *copy = cf_strdup(s);
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	json_t *j = json_stringn(copy, n);
	free(copy);
	return j;
}

static const char *level(cf_severity sev)
{
	return sev == CF_ERROR ? "error" : sev == CF_WARNING ? "warning" : "note";
}

static cf_status dump(json_t *root, char **out)
{
	return cf_json_text(root, JSON_INDENT(2), out, NULL);
}

/* The context of a finding: null where the finding has none. */
static int add_context(json_t *o, const cf_diag *d)
{
	if (json_object_set_new(o, "channel",
	                        d->channel ? json_integer(d->channel) : json_null()) ||
	    json_object_set_new(o, "instance",
	                        d->instance ? json_integer(d->instance) : json_null()) ||
	    json_object_set_new(o, "field",
	                        d->field >= 0 ? json_integer(d->field + 1) : json_null()) ||
	    json_object_set_new(o, "field_name", jstr(d->field_name)) ||
	    json_object_set_new(o, "sensor", jstr(d->sensor)))
		return -1;
	return 0;
}

/* A new object or array attached to parent under key (array when key is NULL). */
static json_t *child(json_t *parent, const char *key, json_t *(*make)(void))
{
	json_t *c = make();
	if (!c)
		return NULL;
	int rc = key ? json_object_set_new(parent, key, c) : json_array_append_new(parent, c);
	return rc ? NULL : c;
}

static json_t *finding(json_t *findings, const char *file, const cf_diag *d)
{
	json_t *f = child(findings, NULL, json_object);
	if (!f)
		return NULL;
	if (json_object_set_new(f, "file", jstr(file)) ||
	    json_object_set_new(f, "code", jstr(d->code ? d->code : "")) ||
	    json_object_set_new(f, "severity", json_string(cf_severity_label(d->severity))) ||
	    json_object_set_new(f, "message", jstr(d->message)) || add_context(f, d))
		return NULL;
	json_t *loc = child(f, "location", json_object);
	if (!loc || json_object_set_new(loc, "path", jstr(d->path)))
		return NULL;
	if (d->has_offset)
		return json_object_set_new(loc, "offset", json_integer((json_int_t)d->offset))
		           ? NULL
		           : f;
	if (d->line && (json_object_set_new(loc, "line", json_integer(d->line)) ||
	                json_object_set_new(loc, "col", json_integer(d->col))))
		return NULL;
	return f;
}

cf_status cf_lint_report_json(const cf_lint_result *files, size_t nfiles, char **out)
{
	cf_status st = CF_ERR_NOMEM;
	size_t errors = 0, warnings = 0, notes = 0;
	*out = NULL;
	json_t *root = json_object();
	if (!root)
		return CF_ERR_NOMEM;
	json_t *tool = child(root, "tool", json_object);
	json_t *summary = child(root, "summary", json_object);
	json_t *jfiles = child(root, "files", json_array);
	json_t *findings = child(root, "findings", json_array);
	if (!tool || !summary || !jfiles || !findings)
		goto out;
	if (json_object_set_new(tool, "name", json_string("cfc lint")) ||
	    json_object_set_new(tool, "version", json_string(CF_VERSION)))
		goto out;
	size_t unread = 0;
	for (size_t i = 0; i < nfiles; i++) {
		if (files[i].unread) {
			/* Not linted: no counts to give, and the run has no
			 * verdict (summary.complete is false). */
			unread++;
			json_t *jf = child(jfiles, NULL, json_object);
			if (!jf || json_object_set_new(jf, "path", jstr(files[i].path)) ||
			    json_object_set_new(jf, "errors", json_null()) ||
			    json_object_set_new(jf, "warnings", json_null()) ||
			    json_object_set_new(jf, "unreadable", jstr(files[i].unread)))
				goto out;
			continue;
		}
		size_t fe = 0, fw = 0;
		for (size_t k = 0; k < cf_diags_count(files[i].diags); k++) {
			const cf_diag *d = cf_diags_get(files[i].diags, k);
			fe += d->severity == CF_ERROR;
			fw += d->severity == CF_WARNING;
			notes += d->severity == CF_NOTE;
			if (!finding(findings, files[i].path, d))
				goto out;
		}
		errors += fe;
		warnings += fw;
		json_t *jf = child(jfiles, NULL, json_object);
		if (!jf || json_object_set_new(jf, "path", jstr(files[i].path)) ||
		    json_object_set_new(jf, "errors", json_integer((json_int_t)fe)) ||
		    json_object_set_new(jf, "warnings", json_integer((json_int_t)fw)))
			goto out;
	}
	if (json_object_set_new(summary, "complete", json_boolean(unread == 0)) ||
	    json_object_set_new(summary, "files", json_integer((json_int_t)nfiles)) ||
	    json_object_set_new(summary, "unreadable", json_integer((json_int_t)unread)) ||
	    json_object_set_new(summary, "errors", json_integer((json_int_t)errors)) ||
	    json_object_set_new(summary, "warnings", json_integer((json_int_t)warnings)) ||
	    json_object_set_new(summary, "notes", json_integer((json_int_t)notes)))
		goto out;
	st = dump(root, out);
out:
	json_decref(root);
	return st;
}

/* ---- SARIF -------------------------------------------------------------- */

/* A path as a URI reference: percent-encoded, file:// for absolute paths. */
static json_t *path_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *u = malloc(3 * n + 8);
	if (!u)
		return NULL;
	size_t o = 0;
	if (path[0] == '/') {
		memcpy(u, "file://", 7);
		o = 7;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/", c)) {
			u[o++] = (char)c;
		} else {
			u[o++] = '%';
			u[o++] = hex[c >> 4];
			u[o++] = hex[c & 15];
		}
	}
	u[o] = 0;
	json_t *j = json_string(u);
	free(u);
	return j;
}

static json_t *text(const char *s)
{
	json_t *o = json_object();
	if (o && json_object_set_new(o, "text", jstr(s))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *sarif_rules(void)
{
	size_t n;
	const cf_lint_code *codes = cf_lint_codes(&n);
	json_t *rules = json_array();
	if (!rules)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *r = child(rules, NULL, json_object);
		if (!r || json_object_set_new(r, "id", jstr(codes[i].id)) ||
		    json_object_set_new(r, "name", jstr(codes[i].id)) ||
		    json_object_set_new(r, "shortDescription", text(codes[i].summary)) ||
		    json_object_set_new(r, "fullDescription", text(codes[i].help)) ||
		    json_object_set_new(r, "help", text(codes[i].help)))
			goto nomem;
		json_t *cfg = child(r, "defaultConfiguration", json_object);
		if (!cfg ||
		    json_object_set_new(cfg, "level", json_string(level(codes[i].severity))))
			goto nomem;
	}
	return rules;
nomem:
	json_decref(rules);
	return NULL;
}

static int rule_index(const char *code)
{
	size_t n;
	const cf_lint_code *codes = cf_lint_codes(&n);
	for (size_t i = 0; code && i < n; i++)
		if (strcmp(codes[i].id, code) == 0)
			return (int)i;
	return -1;
}

static json_t *sarif_result(const char *file, const cf_diag *d)
{
	json_t *r = json_object();
	if (!r)
		return NULL;
	int idx = rule_index(d->code);
	if (json_object_set_new(r, "ruleId", jstr(d->code ? d->code : "cfc")) ||
	    (idx >= 0 && json_object_set_new(r, "ruleIndex", json_integer(idx))) ||
	    json_object_set_new(r, "level", json_string(level(d->severity))) ||
	    json_object_set_new(r, "message", text(d->message)))
		goto nomem;
	json_t *locs = child(r, "locations", json_array);
	json_t *loc = locs ? child(locs, NULL, json_object) : NULL;
	json_t *phys = loc ? child(loc, "physicalLocation", json_object) : NULL;
	json_t *art = phys ? child(phys, "artifactLocation", json_object) : NULL;
	if (!art || json_object_set_new(art, "uri", path_uri(d->path ? d->path : file)))
		goto nomem;
	if (d->has_offset || d->line) {
		json_t *region = child(phys, "region", json_object);
		if (!region)
			goto nomem;
		if (d->has_offset) {
			if (json_object_set_new(region, "byteOffset",
			                        json_integer((json_int_t)d->offset)))
				goto nomem;
		} else if (json_object_set_new(region, "startLine", json_integer(d->line)) ||
		           (d->col &&
		            json_object_set_new(region, "startColumn", json_integer(d->col))))
			goto nomem;
	}
	json_t *target = child(r, "analysisTarget", json_object);
	json_t *props = child(r, "properties", json_object);
	if (!target || !props || json_object_set_new(target, "uri", path_uri(file)) ||
	    add_context(props, d))
		goto nomem;
	return r;
nomem:
	json_decref(r);
	return NULL;
}

cf_status cf_lint_report_sarif(const cf_lint_result *files, size_t nfiles, char **out)
{
	cf_status st = CF_ERR_NOMEM;
	*out = NULL;
	json_t *root = json_object();
	if (!root)
		return CF_ERR_NOMEM;
	if (json_object_set_new(root, "$schema", json_string(SARIF_SCHEMA)) ||
	    json_object_set_new(root, "version", json_string("2.1.0")))
		goto out;
	json_t *runs = child(root, "runs", json_array);
	json_t *run = runs ? child(runs, NULL, json_object) : NULL;
	json_t *tool = run ? child(run, "tool", json_object) : NULL;
	json_t *driver = tool ? child(tool, "driver", json_object) : NULL;
	/* Columns count characters (libyaml's marks, base/yaml.c), not UTF-16
	 * code units: SARIF 2.1.0 section 3.14.27. */
	if (!driver || json_object_set_new(run, "columnKind", json_string("unicodeCodePoints")))
		goto out;
	json_t *results = child(run, "results", json_array);
	if (!results)
		goto out;
	if (json_object_set_new(driver, "name", json_string("cfc lint")) ||
	    json_object_set_new(driver, "version", json_string(CF_VERSION)) ||
	    json_object_set_new(driver, "semanticVersion", json_string(CF_VERSION)) ||
	    json_object_set_new(driver, "informationUri", json_string(CF_LINT_INFO_URI)) ||
	    json_object_set_new(driver, "rules", sarif_rules()))
		goto out;
	for (size_t i = 0; i < nfiles; i++)
		for (size_t k = 0; k < cf_diags_count(files[i].diags); k++)
			if (json_array_append_new(
			        results,
			        sarif_result(files[i].path, cf_diags_get(files[i].diags, k))))
				goto out;
	/* One invocation: it did not succeed when a file could not be read
	 * (SARIF 2.1.0 section 3.20.14); each such file is a notification. */
	json_t *invs = child(run, "invocations", json_array);
	json_t *inv = invs ? child(invs, NULL, json_object) : NULL;
	json_t *notes = inv ? child(inv, "toolExecutionNotifications", json_array) : NULL;
	if (!notes)
		goto out;
	int ok = 1;
	for (size_t i = 0; i < nfiles; i++) {
		if (!files[i].unread)
			continue;
		ok = 0;
		json_t *n = child(notes, NULL, json_object);
		json_t *locs = n ? child(n, "locations", json_array) : NULL;
		json_t *loc = locs ? child(locs, NULL, json_object) : NULL;
		json_t *phys = loc ? child(loc, "physicalLocation", json_object) : NULL;
		json_t *art = phys ? child(phys, "artifactLocation", json_object) : NULL;
		if (!art || json_object_set_new(n, "level", json_string("error")) ||
		    json_object_set_new(n, "message", text(files[i].unread)) ||
		    json_object_set_new(art, "uri", path_uri(files[i].path)))
			goto out;
	}
	if (json_object_set_new(inv, "executionSuccessful", json_boolean(ok)))
		goto out;
	st = dump(root, out);
out:
	json_decref(root);
	return st;
}
