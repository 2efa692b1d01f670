/*
 * cmd_pack_events.c - `cfc pack-events -t TEMPLATE... [-o OUT] [EVENTS]`:
 * JSON event lines into a binary event stream (format/EVENTS.md).
 *
 * Every line is checked against the template manifests as `cfc run` would
 * check it (template, field names, value types); one malformed line and
 * nothing is written. The stream's table names every template given with
 * -t and its fields in manifest order; blank lines are dropped, so record N
 * is the N-th event.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cf/base.h>
#include <cf/sensor.h>
#include <cf/template.h>
#include "cli/cmd.h"

/* The largest stream written: a stream is read record by record, but
 * this one is built in memory so that a failure leaves no file. */
#define PACK_OUTPUT_MAX ((size_t)1 << 30)

/* One event line into a record in out. CF_OK, CF_ERR_REJECTED with msg,
 * CF_ERR_LIMIT (the output cap), CF_ERR_NOMEM. */
static cf_status pack_line(const cf_template_set *set, const char *line, size_t len, cf_buf *out,
                           char *msg, size_t msg_len)
{
	json_error_t je;
	json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (json_error_code(&je) == json_error_out_of_memory)
			return CF_ERR_NOMEM;
		snprintf(msg, msg_len, "not valid JSON: %s (column %d)", je.text, je.column);
		return CF_ERR_REJECTED;
	}
	const char *tname;
	json_t *jf;
	cf_status st = cf_event_json_shape(root, &tname, &jf, msg, msg_len);
	if (st != CF_OK)
		goto out;
	size_t ti = 0, nt = cf_templates_count(set);
	while (ti < nt && strcmp(cf_templates_get(set, ti)->name, tname) != 0)
		ti++;
	if (ti == nt) {
		snprintf(msg, msg_len, "template '%s' is not in the manifests given (-t)", tname);
		st = CF_ERR_REJECTED;
		goto out;
	}
	const cf_template *t = cf_templates_get(set, ti);
	cf_sensor_value vals[CF_MAX_FIELDS];
	uint8_t given[CF_MAX_FIELDS];
	memset(given, 0, sizeof given);
	const char *key;
	json_t *val;
	json_object_foreach(jf, key, val)
	{
		int f = cf_template_field_index(t, key);
		if (f < 0) {
			snprintf(msg, msg_len, "unknown field '%s' for template '%s'", key,
			         t->name);
			st = CF_ERR_REJECTED;
			goto out;
		}
		st = cf_event_json_value(key, val, t->fields[f].type, &vals[f], msg, msg_len);
		if (st != CF_OK)
			goto out;
		given[f] = 1;
	}
	st = cf_evstream_put_record(out, (uint16_t)ti, vals, given, t->field_count);
	if (st == CF_ERR_REJECTED)
		snprintf(msg, msg_len, "the record would exceed the %zu-byte cap",
		         (size_t)CF_EVSTREAM_RECORD_MAX);
out:
	json_decref(root);
	return st;
}

/* `cfc pack-events`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_pack_events = {"pack-events", cmd_pack_events, "turn JSON event lines into a binary event stream",
    "usage: cfc pack-events -t TEMPLATE... [-o OUT] [EVENTS]\n"
    "\n"
    "Read JSON event lines ({\"template\": NAME, \"fields\": {NAME: VALUE}}, from\n"
    "EVENTS or stdin) and write them as a binary event stream (format/EVENTS.md)\n"
    "that `cfc run --events` reads without decoding JSON. Every line is checked\n"
    "against the template manifests as `cfc run` checks it: the template must be\n"
    "given with -t, each field must be one of its fields, each value of the\n"
    "field's type (null: absent). Malformed lines are reported as FILE:LINE and\n"
    "nothing is written. Blank lines are dropped: record N is the N-th event.\n"
    "The stream's table names every template given, fields in manifest order.\n"
    "\n"
    "  -t, --template PATH  template manifest, or a directory of them (repeats)\n"
    "  -o, --output OUT     where to write (atomically; default stdout, which\n"
    "                       must not be a terminal; `-`: stdout)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 written; 1 a malformed line or template, more templates than\n"
    "a stream's table names (256), or a stream over 1 GiB (nothing written);\n"
    "2 usage error, unreadable or unwritable file, out of memory.\n"};

int cmd_pack_events(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"template", required_argument, NULL, 't'},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int status = EXIT_TROUBLE;
	const char **tpl = NULL;
	size_t ntpl = 0;
	const char *out_path = "-";
	cf_template_set *set = NULL;
	cf_diag_list *diags = NULL;
	FILE *in = NULL;
	cli_in rd;
	int have_rd = 0;
	cf_buf out;
	cf_buf_init(&out, PACK_OUTPUT_MAX);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			const char **a = realloc(tpl, (ntpl + 1) * sizeof *a);
			if (!a)
				goto nomem;
			a[ntpl++] = optarg;
			tpl = a;
			break;
		}
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			cli_usage(stdout, "pack-events");
			status = cli_finish(EXIT_OK);
			goto done;
		default:
			status = cli_bad_option("pack-events", argc, argv);
			goto done;
		}
	}
	if (ntpl == 0) {
		status = cli_bad_usage("pack-events", "no template manifest given (-t TEMPLATE)");
		goto done;
	}
	if (argc - optind > 1) {
		status = cli_bad_usage("pack-events", "expected at most one EVENTS file");
		goto done;
	}
	if (strcmp(out_path, "-") == 0 && isatty(STDOUT_FILENO)) {
		status = cli_bad_usage("pack-events",
		                       "not writing a binary stream to a terminal (use -o OUT)");
		goto done;
	}
	const char *in_path = optind < argc ? argv[optind] : "-";
	/* Refuse -o naming an input (the events, a template manifest) before
	 * anything is read. */
	{
		cf_inputs *ins = cf_inputs_new();
		cf_status ist = ins ? cf_inputs_add(ins, in_path) : CF_ERR_NOMEM;
		for (size_t i = 0; ist == CF_OK && i < ntpl; i++)
			ist = cf_inputs_add_templates(ins, tpl[i]);
		const char *same = ist == CF_OK ? cf_inputs_clash(ins, out_path) : NULL;
		if (same)
			cli_error("cannot write '%s': it is the same file as the input '%s'",
			          out_path, same);
		cf_inputs_free(ins);
		if (ist != CF_OK)
			goto nomem;
		if (same)
			goto done;
	}

	set = cf_templates_new();
	diags = cf_diags_new();
	if (!set || !diags)
		goto nomem;
	cf_status st = cf_templates_load_all(set, tpl, ntpl, diags);
	cli_print_diags(diags);
	if (st != CF_OK) {
		if (st == CF_ERR_NOMEM)
			goto nomem;
		status = cli_exit_status(st);
		goto done;
	}
	if (cf_templates_count(set) > CF_EVSTREAM_TEMPLATES_MAX) {
		cli_error("%zu templates: a stream's table names at most %u",
		          cf_templates_count(set), CF_EVSTREAM_TEMPLATES_MAX);
		status = EXIT_REJECTED;
		goto done;
	}
	st = cf_evstream_put_header(&out, set);
	if (st == CF_ERR_NOMEM)
		goto nomem;
	if (st != CF_OK) {
		cli_error("the templates cannot be named in a stream's table (%s)",
		          cf_strerror(st));
		status = EXIT_REJECTED;
		goto done;
	}

	if (strcmp(in_path, "-") == 0) {
		in = stdin;
		in_path = "<stdin>";
	} else if (!(in = fopen(in_path, "r"))) {
		cli_io_error("open", in_path, errno);
		goto done;
	}
	if (cli_in_init(&rd, in, CF_SENSOR_EVENT_LINE_MAX) != 0)
		goto nomem;
	have_rd = 1;
	unsigned long long lineno = 0, events = 0, bad = 0;
	for (;;) {
		const char *line;
		size_t len;
		int too_long;
		char msg[512];
		int r = cli_in_line(&rd, &line, &len, &too_long);
		if (r < 0) {
			cli_io_error("read", in_path, errno);
			goto done;
		}
		if (r == 0)
			break;
		lineno++;
		if (too_long) {
			snprintf(msg, sizeof msg, "line longer than the %zu-byte cap",
			         CF_SENSOR_EVENT_LINE_MAX);
			cli_say(CF_ERROR, "event", in_path, (uint32_t)lineno, 0, msg);
			bad++;
			continue;
		}
		if (cli_blank_line(line, len))
			continue;
		st = pack_line(set, line, len, &out, msg, sizeof msg);
		if (st == CF_ERR_NOMEM)
			goto nomem;
		if (st == CF_ERR_LIMIT) {
			cli_error("%s:%llu: the stream would exceed %zu bytes; split the events",
			          in_path, lineno, PACK_OUTPUT_MAX);
			status = EXIT_REJECTED;
			goto done;
		}
		if (st != CF_OK) {
			cli_say(CF_ERROR, "event", in_path, (uint32_t)lineno, 0, msg);
			bad++;
			continue;
		}
		events++;
	}
	if (bad) {
		fprintf(stderr, "cfc pack-events: %llu malformed lines; nothing written\n", bad);
		status = EXIT_REJECTED;
		goto done;
	}
	int err_no = 0;
	st = cf_file_write_atomic(out_path, out.data, out.len, 0644, 0, &err_no);
	if (st != CF_OK) {
		cli_write_error(out_path, err_no);
		goto done;
	}
	cli_printf(stderr, "cfc pack-events: %llu event%s, %zu byte%s -> %s\n", events,
	           events == 1 ? "" : "s", out.len, out.len == 1 ? "" : "s",
	           strcmp(out_path, "-") == 0 ? "<stdout>" : out_path);
	status = cli_finish(EXIT_OK);
	goto done;
nomem:
	cli_error("out of memory");
	status = EXIT_TROUBLE;
done:
	if (have_rd)
		cli_in_free(&rd);
	if (in && in != stdin)
		fclose(in);
	cf_buf_free(&out);
	cf_diags_free(diags);
	cf_templates_free(set);
	free(tpl);
	return status;
}
