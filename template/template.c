/*
 * template.c - template manifests (<cf/template.h>): load, validate, look up.
 *
 * A manifest is one YAML mapping (docs/guide.md, section 1). Every
 * problem is reported at its line:col; a manifest with any error adds
 * nothing to the set. The set keeps its templates sorted by name, so what
 * a run sees does not depend on the order of -t options.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cf/base.h>
#include <cf/template.h>
#include "base/yaml_int.h"

struct cf_template_set {
	cf_template **items; /* sorted by name */
	size_t count, cap;
	char **files; /* real paths already loaded, so naming a file twice is harmless */
	size_t nfiles, files_cap;
};

cf_template_set *cf_templates_new(void)
{
	return calloc(1, sizeof(cf_template_set));
}

static void template_free(cf_template *t)
{
	if (!t)
		return;
	free(t->name);
	for (size_t i = 0; t->fields && i < t->field_count; i++)
		free(t->fields[i].name);
	free(t->fields);
	for (size_t i = 0; t->sensors && i < t->sensor_count; i++)
		free(t->sensors[i].version);
	free(t->sensors);
	free(t->path);
	free(t);
}

void cf_templates_free(cf_template_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++)
		template_free(set->items[i]);
	free(set->items);
	for (size_t i = 0; i < set->nfiles; i++)
		free(set->files[i]);
	free(set->files);
	free(set);
}

cf_status cf_template_fingerprint(const char *name, uint16_t id, uint32_t version,
                                  const cf_fp_field *fields, unsigned field_count,
                                  uint8_t out[CF_FINGERPRINT_SIZE])
{
	cf_status st = CF_OK;
	uint8_t *enc = NULL;
	if (sodium_init() < 0) {
		st = CF_ERR_INTERNAL;
		goto out;
	}
	size_t len = cf_fingerprint_encode(name, id, version, fields, field_count, NULL, 0);
	if (len == 0) {
		st = CF_ERR_INVALID;
		goto out;
	}
	enc = malloc(len);
	if (!enc) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	if (cf_fingerprint_encode(name, id, version, fields, field_count, enc, len) != len) {
		st = CF_ERR_INTERNAL;
		goto out;
	}
	if (crypto_generichash(out, CF_FINGERPRINT_SIZE, enc, len, NULL, 0) != 0)
		st = CF_ERR_INTERNAL;
out:
	free(enc);
	return st;
}

/* ---- one manifest --------------------------------------------------------------- */

enum { K_TEMPLATE, K_ID, K_VERSION, K_FIELDS, K_SENSORS, K_REGEX, NKEYS };
static const char *const manifest_keys[NKEYS] = {"template", "id",      "version",
                                                 "fields",   "sensors", "regex"};

static const char *const field_type_names[] = {"string", "uint", "bool"};

static int parse_fields(cf_ycheck *c, const cf_ynode *seq, cf_template *t)
{
	const cf_ydoc *d = c->doc;
	if (cf_ycheck_kind(c, seq, CF_YNODE_SEQ, "'fields'"))
		return -1;
	if (seq->count < 1 || seq->count > CF_MAX_FIELDS) {
		cf_ycheck_diag(c, CF_ERROR, seq, "template-invalid",
		               "'fields' must list 1 to %u fields, not %u", CF_MAX_FIELDS,
		               seq->count);
		return -1;
	}
	t->fields = calloc(seq->count, sizeof *t->fields);
	if (!t->fields)
		return -2;
	const cf_ynode *where[CF_MAX_FIELDS];
	int any_bad = 0;
	for (const cf_ynode *it = cf_yaml_child(d, seq); it; it = cf_yaml_next(d, it)) {
		static const char *const keys[] = {"name", "type"};
		const cf_ynode *v[2];
		int bad = 0;
		if (cf_ycheck_map(c, it, "field", keys, 2, 0x3, v, NULL)) {
			any_bad = 1;
			continue;
		}
		const char *name;
		size_t len, type;
		if (cf_ycheck_str(c, v[0], "name", &name, &len)) {
			bad = 1;
		} else if (!cf_name_valid_field(name, len)) {
			cf_ycheck_diag(c, CF_ERROR, v[0], "bad-name",
			               "field name '%s' must match [a-z][a-z0-9_]{0,63}", name);
			bad = 1;
		} else {
			for (unsigned i = 0; i < t->field_count; i++) {
				if (strcmp(t->fields[i].name, name) == 0) {
					cf_ycheck_diag(c, CF_ERROR, v[0], "duplicate-field",
					               "duplicate field name '%s'", name);
					cf_ycheck_diag(c, CF_NOTE, where[i], NULL,
					               "'%s' first defined here", name);
					bad = 1;
					break;
				}
			}
		}
		if (cf_ycheck_enum(c, v[1], "type", field_type_names, 3, &type))
			bad = 1;
		if (bad) {
			any_bad = 1;
			continue;
		}
		cf_tpl_field *f = &t->fields[t->field_count];
		f->name = cf_strdup(name);
		if (!f->name)
			return -2;
		f->type = (uint8_t)cf_field_type_parse(field_type_names[type]);
		where[t->field_count] = v[0];
		t->field_count++;
	}
	return any_bad ? -1 : 0;
}

typedef struct sensor_ref {
	cf_tpl_sensor s;
	const cf_ynode *node;
} sensor_ref;

static int sensor_ref_cmp(const void *pa, const void *pb)
{
	const sensor_ref *a = pa, *b = pb;
	int c = cf_sensor_version_cmp(a->s.version, strlen(a->s.version), b->s.version,
	                              strlen(b->s.version));
	if (c)
		return c;
	if (a->s.line != b->s.line)
		return a->s.line < b->s.line ? -1 : 1;
	return a->s.col < b->s.col ? -1 : a->s.col > b->s.col;
}

static int parse_sensors(cf_ycheck *c, const cf_ynode *seq, cf_template *t, int fields_ok)
{
	const cf_ydoc *d = c->doc;
	sensor_ref *refs = NULL;
	size_t n = 0;
	int rc = 0;
	if (cf_ycheck_kind(c, seq, CF_YNODE_SEQ, "'sensors'")) {
		rc = -1;
		goto out;
	}
	if (seq->count < 1) {
		cf_ycheck_diag(c, CF_ERROR, seq, "template-invalid",
		               "'sensors' must list at least one sensor build");
		rc = -1;
		goto out;
	}
	refs = calloc(seq->count, sizeof *refs);
	if (!refs) {
		rc = -2;
		goto out;
	}
	uint64_t max_supplies = fields_ok ? t->field_count : CF_MAX_FIELDS;
	for (const cf_ynode *it = cf_yaml_child(d, seq); it; it = cf_yaml_next(d, it)) {
		static const char *const keys[] = {"version", "supplies"};
		const cf_ynode *v[2];
		const char *ver;
		size_t len;
		uint64_t supplies = 0;
		if (cf_ycheck_map(c, it, "sensor", keys, 2, 0x3, v, NULL)) {
			rc = -1;
			continue;
		}
		int bad = 0;
		if (cf_ycheck_version(c, v[0], "version", "sensor version", &ver, &len))
			bad = 1;
		if (cf_ycheck_uint(c, v[1], "supplies", 0, max_supplies, &supplies))
			bad = 1;
		if (bad) {
			rc = -1;
			continue;
		}
		refs[n].s.version = cf_strdup(ver);
		if (!refs[n].s.version) {
			rc = -2;
			goto out;
		}
		refs[n].s.supplies = (uint32_t)supplies;
		refs[n].s.line = it->line;
		refs[n].s.col = it->col;
		refs[n].node = v[0];
		n++;
	}
	qsort(refs, n, sizeof *refs, sensor_ref_cmp);
	size_t g = 0; /* first of the current group of equal versions */
	for (size_t i = 1; i < n; i++) {
		if (cf_sensor_version_cmp(refs[g].s.version, strlen(refs[g].s.version),
		                          refs[i].s.version, strlen(refs[i].s.version)) != 0) {
			g = i;
			continue;
		}
		cf_ycheck_diag(c, CF_ERROR, refs[i].node, "duplicate-sensor",
		               "sensor version '%s' is listed twice", refs[i].s.version);
		cf_ycheck_diag(c, CF_NOTE, refs[g].node, NULL, "'%s' first listed here",
		               refs[g].s.version);
		rc = -1;
	}
	if (rc == 0) {
		t->sensors = calloc(n, sizeof *t->sensors);
		if (!t->sensors) {
			rc = -2;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			t->sensors[i] = refs[i].s;
			refs[i].s.version = NULL;
		}
		t->sensor_count = n;
	}
out:
	for (size_t i = 0; refs && i < n; i++)
		free(refs[i].s.version);
	free(refs);
	return rc;
}

static int parse_regex(cf_ycheck *c, const cf_ynode *map, cf_template *t)
{
	static const char *const keys[] = {"max_length", "match_limit"};
	const cf_ynode *v[2];
	uint64_t x;
	int rc = cf_ycheck_map(c, map, "'regex'", keys, 2, 0, v, NULL);
	if (v[0]) {
		if (cf_ycheck_uint(c, v[0], "max_length", 1, CF_MAX_STRING_LEN, &x))
			rc = -1;
		else
			t->regex_max_length = (uint32_t)x;
	}
	if (v[1]) {
		if (cf_ycheck_uint(c, v[1], "match_limit", 1, UINT32_MAX, &x))
			rc = -1;
		else
			t->regex_match_limit = x;
	}
	return rc;
}

/*
 * Validate one manifest document into a new template. Returns 0 and *out,
 * -1 after reporting errors, -2 when out of memory. *id_node is where the
 * id is, for the duplicate-id message.
 */
static int parse_manifest(cf_ycheck *c, const char *path, cf_template **out,
                          const cf_ynode **id_node)
{
	const cf_ydoc *d = c->doc;
	const cf_ynode *v[NKEYS];
	const cf_ynode *root = cf_yaml_root(d);
	uint64_t x;
	int rc = 0;
	*out = NULL;
	cf_template *t = calloc(1, sizeof *t);
	if (!t)
		return -2;
	t->regex_max_length = CF_DEFAULT_REGEX_MAX_LENGTH;
	t->regex_match_limit = CF_DEFAULT_REGEX_MATCH_LIMIT;
	if (!root) {
		cf_diag_add(c->diags, CF_ERROR, "wrong-type", path, 1, 1,
		            "empty file; a template manifest is a mapping");
		c->errors++;
		rc = -1;
		goto out;
	}
	if (cf_ycheck_map(c, root, "template manifest", manifest_keys, NKEYS, 0x1f, v, NULL))
		rc = -1;
	if (root->kind != CF_YNODE_MAP)
		goto out;
	*id_node = v[K_ID];
	t->line = root->line;
	t->col = root->col;
	if (v[K_TEMPLATE]) {
		const char *name;
		size_t len;
		t->line = v[K_TEMPLATE]->line;
		t->col = v[K_TEMPLATE]->col;
		if (cf_ycheck_str(c, v[K_TEMPLATE], "template", &name, &len)) {
			rc = -1;
		} else if (!cf_name_valid_template(name, len)) {
			cf_ycheck_diag(c, CF_ERROR, v[K_TEMPLATE], "bad-name",
			               "template name '%s' must match [a-z][a-z0-9-]{0,63}", name);
			rc = -1;
		} else if (!(t->name = cf_strdup(name))) {
			rc = -2;
			goto out;
		}
	}
	if (v[K_ID]) {
		if (cf_ycheck_uint(c, v[K_ID], "id", 1, UINT16_MAX, &x))
			rc = -1;
		else
			t->id = (uint16_t)x;
	}
	if (v[K_VERSION]) {
		if (cf_ycheck_uint(c, v[K_VERSION], "version", 1, UINT32_MAX, &x))
			rc = -1;
		else
			t->version = (uint32_t)x;
	}
	int fields_ok = 0;
	if (v[K_FIELDS]) {
		int r = parse_fields(c, v[K_FIELDS], t);
		if (r == -2) {
			rc = -2;
			goto out;
		}
		if (r)
			rc = -1;
		fields_ok = r == 0;
	}
	if (v[K_SENSORS]) {
		int r = parse_sensors(c, v[K_SENSORS], t, fields_ok);
		if (r == -2) {
			rc = -2;
			goto out;
		}
		if (r)
			rc = -1;
	}
	if (v[K_REGEX] && parse_regex(c, v[K_REGEX], t))
		rc = -1;
	if (rc)
		goto out;
	t->path = cf_strdup(path);
	cf_fp_field fp[CF_MAX_FIELDS];
	for (unsigned i = 0; i < t->field_count; i++) {
		fp[i].name = t->fields[i].name;
		fp[i].type = t->fields[i].type;
	}
	cf_status st =
	    cf_template_fingerprint(t->name, t->id, t->version, fp, t->field_count, t->fingerprint);
	if (!t->path || st == CF_ERR_NOMEM) {
		rc = -2;
		goto out;
	}
	if (st != CF_OK) {
		cf_diag_add(c->diags, CF_ERROR, "template-invalid", path, t->line, t->col,
		            "cannot compute the template fingerprint: %s", cf_strerror(st));
		c->errors++;
		rc = -1;
		goto out;
	}
	*out = t;
	t = NULL;
out:
	template_free(t);
	return rc;
}

/* ---- the set ----------------------------------------------------------------- */

static cf_status set_insert(cf_template_set *set, cf_template *t)
{
	if (set->count == set->cap) {
		size_t ncap = set->cap ? set->cap * 2 : 8;
		cf_template **n = realloc(set->items, ncap * sizeof *n);
		if (!n)
			return CF_ERR_NOMEM;
		set->items = n;
		set->cap = ncap;
	}
	size_t i = set->count;
	while (i > 0 && strcmp(set->items[i - 1]->name, t->name) > 0) {
		set->items[i] = set->items[i - 1];
		i--;
	}
	set->items[i] = t;
	set->count++;
	return CF_OK;
}

/* Remember a file's real path; 1 if it was loaded before, 0 if new, -1 on OOM. */
static int seen_file(cf_template_set *set, const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return 0; /* stdin or a vanished file: nothing to compare */
	for (size_t i = 0; i < set->nfiles; i++) {
		if (strcmp(set->files[i], real) == 0) {
			free(real);
			return 1;
		}
	}
	if (set->nfiles == set->files_cap) {
		size_t ncap = set->files_cap ? set->files_cap * 2 : 8;
		char **n = realloc(set->files, ncap * sizeof *n);
		if (!n) {
			free(real);
			return -1;
		}
		set->files = n;
		set->files_cap = ncap;
	}
	set->files[set->nfiles++] = real;
	return 0;
}

/* Parse, validate and add one manifest held in memory. */
static cf_status load_buffer(cf_template_set *set, const char *path, const uint8_t *buf, size_t len,
                             cf_diag_list *out_diags)
{
	cf_ydoc *doc = NULL;
	cf_template *t = NULL;
	/* Collected here, handed on in document order. */
	cf_diag_list *diags = cf_diags_new();
	if (!diags)
		return CF_ERR_NOMEM;
	cf_status st = cf_yaml_parse(path, buf, len, diags, &doc);
	if (st != CF_OK)
		goto out;
	cf_ycheck c = {doc, diags, 0};
	const cf_ynode *id_node = NULL;
	int rc = parse_manifest(&c, path, &t, &id_node);
	if (rc) {
		st = rc == -2 ? CF_ERR_NOMEM : CF_ERR_REJECTED;
		goto out;
	}
	const cf_template *same = cf_templates_find(set, t->name);
	if (same) {
		cf_diag_add(diags, CF_ERROR, "duplicate-template", path, t->line, t->col,
		            "template '%s' is defined twice", t->name);
		cf_diag_add(diags, CF_NOTE, NULL, same->path, same->line, same->col,
		            "'%s' first defined here", t->name);
		st = CF_ERR_REJECTED;
		goto out;
	}
	same = cf_templates_find_id(set, t->id);
	if (same) {
		cf_ycheck_diag(&c, CF_ERROR, id_node, "duplicate-template",
		               "template id %u is already used by template '%s'", t->id,
		               same->name);
		cf_diag_add(diags, CF_NOTE, NULL, same->path, same->line, same->col,
		            "'%s' defined here", same->name);
		st = CF_ERR_REJECTED;
		goto out;
	}
	st = set_insert(set, t);
	if (st == CF_OK)
		t = NULL;
out:
	cf_diags_append_sorted(out_diags, diags);
	cf_diags_free(diags);
	template_free(t);
	cf_yaml_free(doc);
	return st;
}

/* read_flags: CF_READ_REGULAR for a directory's entries (never blocks on a
 * FIFO or device there); 0 for a path given by name, which may be a pipe. */
static cf_status load_file(cf_template_set *set, const char *path, unsigned read_flags,
                           cf_diag_list *diags)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err_no = 0;
	cf_status st = cf_file_read_ex(path, CF_YAML_MAX_SIZE, read_flags, &buf, &len, &err_no);
	if (st == CF_ERR_IO) {
		cf_diag_add(diags, CF_ERROR, NULL, NULL, 0, 0, "cannot open '%s': %s", path,
		            cf_file_strerror(err_no));
		goto out;
	}
	if (st == CF_ERR_LIMIT) {
		cf_diag_add(diags, CF_ERROR, "yaml-limit", path, 0, 0, "file larger than %zu bytes",
		            CF_YAML_MAX_SIZE);
		st = CF_ERR_REJECTED;
		goto out;
	}
	if (st != CF_OK)
		goto out;
	int seen = seen_file(set, path);
	if (seen) {
		st = seen < 0 ? CF_ERR_NOMEM : CF_OK;
		goto out;
	}
	st = load_buffer(set, path, buf, len, diags);
out:
	free(buf);
	return st;
}

cf_status cf_templates_load_buffer(cf_template_set *set, const char *path, const uint8_t *buf,
                                   size_t len, cf_diag_list *diags)
{
	if (!set || !path || !buf || !diags)
		return CF_ERR_INVALID;
	return load_buffer(set, path, buf, len, diags);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static cf_status load_dir(cf_template_set *set, const char *path, cf_diag_list *diags)
{
	cf_status st = CF_OK;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *dir = opendir(path);
	if (!dir) {
		cf_diag_add(diags, CF_ERROR, NULL, NULL, 0, 0, "cannot open '%s': %s", path,
		            strerror(errno));
		st = CF_ERR_IO;
		goto out;
	}
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (!cf_is_manifest_name(e->d_name))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof *nn);
			if (!nn) {
				st = CF_ERR_NOMEM;
				goto out;
			}
			names = nn;
			cap = ncap;
		}
		size_t len = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n]) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		int slash = path[0] && path[strlen(path) - 1] == '/';
		snprintf(names[n], len, "%s%s%s", path, slash ? "" : "/", e->d_name);
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++) {
		cf_status s = load_file(set, names[i], CF_READ_REGULAR, diags);
		if (s == CF_ERR_NOMEM || s == CF_ERR_INTERNAL) {
			st = s;
			goto out;
		}
		if (s == CF_ERR_IO || (s != CF_OK && st == CF_OK))
			st = s;
	}
out:
	if (dir)
		closedir(dir);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return st;
}

cf_status cf_templates_load(cf_template_set *set, const char *path, cf_diag_list *diags)
{
	struct stat sb;
	if (!set || !path || !diags)
		return CF_ERR_INVALID;
	if (strcmp(path, "-") != 0 && stat(path, &sb) != 0) {
		cf_diag_add(diags, CF_ERROR, NULL, NULL, 0, 0, "cannot open '%s': %s", path,
		            strerror(errno));
		return CF_ERR_IO;
	}
	if (strcmp(path, "-") != 0 && S_ISDIR(sb.st_mode))
		return load_dir(set, path, diags);
	return load_file(set, path, 0, diags);
}

const cf_template *cf_templates_find(const cf_template_set *set, const char *name)
{
	size_t lo = 0, hi = set ? set->count : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->items[mid]->name, name);
		if (c == 0)
			return set->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const cf_template *cf_templates_find_id(const cf_template_set *set, uint16_t id)
{
	for (size_t i = 0; set && i < set->count; i++)
		if (set->items[i]->id == id)
			return set->items[i];
	return NULL;
}

size_t cf_templates_count(const cf_template_set *set)
{
	return set ? set->count : 0;
}

const cf_template *cf_templates_get(const cf_template_set *set, size_t i)
{
	return set && i < set->count ? set->items[i] : NULL;
}

int cf_template_field_index(const cf_template *t, const char *name)
{
	for (unsigned i = 0; t && name && i < t->field_count; i++)
		if (strcmp(t->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

const cf_tpl_sensor *cf_template_sensor(const cf_template *t, const char *version)
{
	if (!t || !version || !cf_sensor_version_valid(version, strlen(version)))
		return NULL;
	for (size_t i = 0; i < t->sensor_count; i++)
		if (cf_sensor_version_cmp(t->sensors[i].version, strlen(t->sensors[i].version),
		                          version, strlen(version)) == 0)
			return &t->sensors[i];
	return NULL;
}

/* How grave a load status is, for cf_templates_load_all(). */
static int gravity(cf_status st)
{
	switch (st) {
	case CF_OK:
		return 0;
	case CF_ERR_REJECTED:
		return 1;
	case CF_ERR_IO:
		return 3;
	default:
		return 2;
	}
}

cf_status cf_templates_load_all(cf_template_set *set, const char *const *paths, size_t n,
                                cf_diag_list *diags)
{
	if (!set || (n && !paths) || !diags)
		return CF_ERR_INVALID;
	cf_status worst = CF_OK;
	for (size_t i = 0; i < n; i++) {
		cf_status st = cf_templates_load(set, paths[i], diags);
		if (st == CF_ERR_NOMEM)
			return st;
		if (gravity(st) > gravity(worst))
			worst = st;
	}
	return worst;
}
