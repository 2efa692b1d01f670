/*
 * event.c - events as JSON lines, the reference sensor's integration code:
 * it fills the input array with the values this build supplies.
 *
 *   {"template": NAME, "fields": {NAME: VALUE, ...}}
 *
 * A string field takes a JSON string, a uint field a non-negative JSON
 * integer (up to 2^63-1, jansson's range), a bool field true or false; null
 * or a missing field is an absent value. Anything else rejects the line.
 * Fields the template defines beyond what this build supplies are checked
 * and then dropped, as the build's integration code never fills them.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor_int.h"

cf_status cf_sensor_event_new(const cf_sensor *s, cf_sensor_event **out)
{
	cf_status st = CF_OK;
	*out = NULL;
	cf_sensor_event *ev = calloc(1, sizeof *ev);
	if (!ev)
		return CF_ERR_NOMEM;
	ev->s = s;
	ev->tmpl = -1;
	ev->vals = calloc(s->ntmpl ? s->ntmpl : 1, sizeof *ev->vals);
	if (!ev->vals) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->ntmpl; i++) {
		/* Exactly as many values as the build supplies (at least one
		 * element is allocated so that calloc(0) is never asked). */
		size_t n = s->tmpls[i].supplied;
		ev->vals[i] = calloc(n ? n : 1, sizeof **ev->vals);
		if (!ev->vals[i]) {
			st = CF_ERR_NOMEM;
			goto out;
		}
	}
	*out = ev;
	ev = NULL;
out:
	cf_sensor_event_free(ev);
	return st;
}

void cf_sensor_event_free(cf_sensor_event *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; ev->vals && i < ev->s->ntmpl; i++)
		free(ev->vals[i]);
	free(ev->vals);
	json_decref(ev->root);
	free(ev);
}

const char *cf_sensor_event_template(const cf_sensor_event *ev)
{
	return ev ? cf_sensor_template_name(ev->s, ev->tmpl) : NULL;
}

static cf_status reject(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static cf_status reject(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (cap)
		vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
	return CF_ERR_REJECTED;
}

static const char *json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

void cf_sensor_event_reset(cf_sensor_event *ev)
{
	json_decref(ev->root);
	ev->root = NULL;
	ev->tmpl = -1;
}

cf_status cf_event_json_shape(json_t *root, const char **tname, json_t **fields, char *msg,
                              size_t msg_len)
{
	*tname = NULL;
	*fields = NULL;
	if (!json_is_object(root))
		return reject(msg, msg_len, "an event is a JSON object, not %s",
		              json_type_name(root));
	const char *key;
	json_t *val;
	json_object_foreach(root, key, val)
	{
		if (strcmp(key, "template") != 0 && strcmp(key, "fields") != 0)
			return reject(msg, msg_len,
			              "unknown key '%s' (an event has \"template\" and \"fields\")",
			              key);
	}
	json_t *jt = json_object_get(root, "template");
	json_t *jf = json_object_get(root, "fields");
	if (!jt || !json_is_string(jt))
		return reject(msg, msg_len, "\"template\" must be a string naming the template");
	if (!jf || !json_is_object(jf))
		return reject(msg, msg_len, "\"fields\" must be an object of field values");
	*tname = json_string_value(jt);
	*fields = jf;
	return CF_OK;
}

cf_status cf_event_json_value(const char *key, json_t *val, uint8_t type, cf_sensor_value *v,
                              char *msg, size_t msg_len)
{
	memset(v, 0, sizeof *v);
	if (json_is_null(val))
		return CF_OK; /* absent */
	if (type == CF_TYPE_STRING) {
		if (!json_is_string(val))
			return reject(msg, msg_len, "field '%s' is a string, not %s", key,
			              json_type_name(val));
		v->type = CF_TYPE_STRING;
		v->s = json_string_value(val);
		v->len = json_string_length(val);
	} else if (type == CF_TYPE_UINT) {
		if (!json_is_integer(val))
			return reject(msg, msg_len,
			              "field '%s' is a uint: a non-negative integer, not %s", key,
			              json_type_name(val));
		json_int_t x = json_integer_value(val);
		if (x < 0)
			return reject(msg, msg_len, "field '%s' is a uint, not negative (%lld)",
			              key, (long long)x);
		v->type = CF_TYPE_UINT;
		v->u = (uint64_t)x;
	} else {
		if (!json_is_boolean(val))
			return reject(msg, msg_len, "field '%s' is a bool, not %s", key,
			              json_type_name(val));
		v->type = CF_TYPE_BOOL;
		v->u = json_is_true(val) ? 1 : 0;
	}
	return CF_OK;
}

cf_status cf_sensor_event_parse(cf_sensor_event *ev, const char *line, size_t len, char *msg,
                                size_t msg_len)
{
	if (msg_len)
		msg[0] = 0;
	cf_sensor_event_reset(ev);
	if (len > CF_SENSOR_EVENT_LINE_MAX) {
		snprintf(msg, msg_len, "line of %zu bytes exceeds the %zu-byte cap", len,
		         CF_SENSOR_EVENT_LINE_MAX);
		return CF_ERR_LIMIT;
	}
	json_error_t je;
	json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (json_error_code(&je) == json_error_out_of_memory)
			return CF_ERR_NOMEM;
		return reject(msg, msg_len, "not valid JSON: %s (column %d)", je.text, je.column);
	}
	ev->root = root;
	const char *tname;
	json_t *jf;
	cf_status st = cf_event_json_shape(root, &tname, &jf, msg, msg_len);
	if (st != CF_OK)
		return st;
	int tmpl = cf_sensor_template_index(ev->s, tname);
	if (tmpl < 0)
		return reject(msg, msg_len, "template '%s' is not supplied by sensor %s", tname,
		              ev->s->version);
	const stmpl *t = &ev->s->tmpls[tmpl];
	cf_sensor_value *vals = ev->vals[tmpl];
	memset(vals, 0, (t->supplied ? t->supplied : 1) * sizeof *vals);
	const char *key;
	json_t *val;
	unsigned next = 0; /* fields mostly come in template order: try that first */
	json_object_foreach(jf, key, val)
	{
		int f = next < t->def->field_count && strcmp(t->def->fields[next].name, key) == 0
		            ? (int)next
		            : cf_sensor_field_index(ev->s, tmpl, key);
		if (f < 0)
			return reject(msg, msg_len, "unknown field '%s' for template '%s'", key,
			              t->def->name);
		next = (unsigned)f + 1;
		cf_sensor_value v;
		st = cf_event_json_value(key, val, t->def->fields[f].type, &v, msg, msg_len);
		if (st != CF_OK)
			return st;
		/* This build's integration code fills only the first `supplied`. */
		if ((unsigned)f < t->supplied)
			vals[f] = v;
	}
	ev->tmpl = tmpl;
	return CF_OK;
}

long cf_sensor_event_eval(cf_sensor *s, const cf_sensor_event *ev, cf_sensor_report_fn fn, void *ud)
{
	if (!s || !ev || ev->tmpl < 0 || ev->s != s)
		return -1;
	return cf_sensor_eval(s, ev->tmpl, ev->vals[ev->tmpl], s->tmpls[ev->tmpl].supplied, fn, ud);
}
