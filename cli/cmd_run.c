/*
 * cmd_run.c - `cfc run -t TEMPLATE... --sensor VERSION [-p PUBKEY]
 * [--host-id ID] [--events FILE] CONTENT...`: the reference sensor.
 *
 * Loads every CONTENT file through the sensor's loader (docs/sensor.md),
 * then evaluates the events (JSON lines from --events or stdin) and prints
 * one JSON line per match on stdout, diagnostics and a summary on stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cf/base.h>
#include <cf/bundle.h>
#include <cf/sensor.h>
#include <cf/template.h>
#include "cli/cmd.h"

enum { OPT_SENSOR = 256, OPT_HOST_ID, OPT_EVENTS, OPT_NOW };

/* "s" after a count other than one. */
static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

static int push(const char ***arr, size_t *n, const char *s)
{
	const char **a = realloc(*arr, (*n + 1) * sizeof *a);
	if (!a)
		return -1;
	a[(*n)++] = s;
	*arr = a;
	return 0;
}

/* What the event loop and the report callback share. */
typedef struct run_ctx {
	const char *events_path;
	unsigned long long line;
	int out_error;
	int oom;
} run_ctx;

static void on_report(void *ud, const cf_sensor_report *r)
{
	run_ctx *rc = ud;
	char msg[512];
	if (r->kind == CF_SENSOR_REPORT_LIMIT) {
		snprintf(msg, sizeof msg,
		         "channel %u instance %u: regex on field '%s' hit a PCRE2 limit (%s); "
		         "treated as no match",
		         r->channel, r->instance, r->field_name ? r->field_name : "?",
		         cf_sensor_limit_name(r->pcre2_error));
		cli_say(CF_WARNING, "match-limit", rc->events_path, (uint32_t)rc->line, 0, msg);
		return;
	}
	if (r->kind == CF_SENSOR_REPORT_BOUNDS) {
		snprintf(msg, sizeof msg,
		         "channel %u instance %u: criterion on field %d '%s' is past the input "
		         "array this sensor supplies; treated as absent",
		         r->channel, r->instance, r->field + 1,
		         r->field_name ? r->field_name : "?");
		cli_say(CF_ERROR, "bounds", rc->events_path, (uint32_t)rc->line, 0, msg);
		return;
	}
	json_t *o = json_pack(
	    "{s:I,s:I,s:I,s:s?,s:s,s:s,s:s,s:I}", "line", (json_int_t)rc->line, "channel",
	    (json_int_t)r->channel, "instance", (json_int_t)r->instance, "name", r->name, "action",
	    cf_action_name(r->action), "severity", cf_severity_name(r->severity), "template",
	    r->template_name, "content_version", (json_int_t)r->content_version);
	char *s = o ? json_dumps(o, 0) : NULL;
	if (!s)
		rc->oom = 1;
	else if (fputs(s, stdout) == EOF || putchar('\n') == EOF)
		rc->out_error = 1;
	free(s);
	json_decref(o);
}

/* After an event is decoded: evaluate it. 0 go on, 1 stop (stdout
 * failed), -2 out of memory. */
static int eval_one(cf_sensor *sensor, cf_sensor_event *ev, run_ctx *rc)
{
	cf_sensor_event_eval(sensor, ev, on_report, rc);
	if (rc->oom)
		return -2;
	return rc->out_error ? 1 : 0;
}

/* Events as JSON lines. 0 done, -1 read error, -2 out of memory. */
static int run_lines(cf_sensor *sensor, cf_sensor_event *ev, cli_in *rd, run_ctx *rc,
                     unsigned long long *malformed)
{
	char msg[512];
	for (;;) {
		const char *line;
		size_t len;
		int too_long;
		int r = cli_in_line(rd, &line, &len, &too_long);
		if (r <= 0)
			return r;
		rc->line++;
		if (too_long) {
			snprintf(msg, sizeof msg, "line longer than the %zu-byte cap; skipped",
			         CF_SENSOR_EVENT_LINE_MAX);
			cli_say(CF_ERROR, "event", rc->events_path, (uint32_t)rc->line, 0, msg);
			++*malformed;
			continue;
		}
		if (cli_blank_line(line, len))
			continue;
		cf_status st = cf_sensor_event_parse(ev, line, len, msg, sizeof msg);
		if (st == CF_ERR_NOMEM)
			return -2;
		if (st != CF_OK) {
			cli_say(CF_ERROR, "event", rc->events_path, (uint32_t)rc->line, 0, msg);
			++*malformed;
			continue;
		}
		r = eval_one(sensor, ev, rc);
		if (r)
			return r < 0 ? r : 0;
	}
}

/* The reader's buffer (CF_SENSOR_EVENT_LINE_MAX) holds a whole table or
 * record: cli_in_take() is never asked for more than it can return. */
_Static_assert(CF_EVSTREAM_TABLE_MAX <= CF_SENSOR_EVENT_LINE_MAX, "table larger than the reader");
_Static_assert(CF_EVSTREAM_RECORD_MAX <= CF_SENSOR_EVENT_LINE_MAX, "record larger than the reader");

/*
 * A binary event stream (format/EVENTS.md): "line" numbers are record
 * numbers. A malformed record is reported and skipped like a malformed
 * line; one longer than the cap is skipped unread. A bad prefix or table
 * rejects the whole stream (-3), a truncated record ends it. 0 done, -1
 * read error, -2 out of memory, -3 stream rejected.
 */
static int run_binary(cf_sensor *sensor, cf_sensor_event *ev, cli_in *rd, run_ctx *rc,
                      unsigned long long *malformed)
{
	char msg[512];
	const uint8_t *p;
	cf_sensor_evmap *map = NULL;
	uint32_t tl = 0;
	int ret = 0;
	long got = cli_in_take(rd, CF_EVSTREAM_PREFIX_LEN, &p);
	if (got < 0)
		return -1;
	cf_status st = cf_evstream_prefix(p, (size_t)got, &tl, msg, sizeof msg);
	if (st == CF_OK) {
		got = cli_in_take(rd, tl, &p);
		if (got < 0)
			return -1;
		if ((size_t)got < tl) {
			snprintf(msg, sizeof msg, "event stream table truncated: %ld of %u bytes",
			         got, (unsigned)tl);
			st = CF_ERR_REJECTED;
		} else {
			st = cf_sensor_evmap_new(sensor, p, tl, &map, msg, sizeof msg);
		}
	}
	if (st == CF_ERR_NOMEM)
		return -2;
	if (st != CF_OK) {
		cli_say(CF_ERROR, "event", rc->events_path, 0, 0, msg);
		return -3;
	}
	for (;;) {
		got = cli_in_take(rd, 4, &p);
		if (got < 0) {
			ret = -1;
			break;
		}
		if (got == 0)
			break;
		rc->line++;
		if (got < 4) {
			snprintf(msg, sizeof msg, "record truncated: %ld of 4 length bytes", got);
			cli_say(CF_ERROR, "event", rc->events_path, (uint32_t)rc->line, 0, msg);
			++*malformed;
			break;
		}
		uint32_t len = cf_evstream_record_len(p);
		if (len > CF_EVSTREAM_RECORD_MAX) {
			snprintf(msg, sizeof msg,
			         "record of %u bytes exceeds the %zu-byte cap; skipped",
			         (unsigned)len, (size_t)CF_EVSTREAM_RECORD_MAX);
			cli_say(CF_ERROR, "event", rc->events_path, (uint32_t)rc->line, 0, msg);
			++*malformed;
			int sk = cli_in_skip(rd, len);
			if (sk < 0) {
				ret = -1;
				break;
			}
			if (sk > 0)
				break;
			continue;
		}
		got = cli_in_take(rd, len, &p);
		if (got < 0) {
			ret = -1;
			break;
		}
		if ((size_t)got < len) {
			snprintf(msg, sizeof msg, "record truncated: %ld of %u byte%s", got,
			         (unsigned)len, plural(len));
			cli_say(CF_ERROR, "event", rc->events_path, (uint32_t)rc->line, 0, msg);
			++*malformed;
			break;
		}
		st = cf_sensor_event_decode(ev, map, p, len, msg, sizeof msg);
		if (st == CF_ERR_NOMEM) {
			ret = -2;
			break;
		}
		if (st != CF_OK) {
			cli_say(CF_ERROR, "event", rc->events_path, (uint32_t)rc->line, 0, msg);
			++*malformed;
			continue;
		}
		int r = eval_one(sensor, ev, rc);
		if (r) {
			ret = r < 0 ? r : 0;
			break;
		}
	}
	cf_sensor_evmap_free(map);
	return ret;
}

/* Load one content file (and its signature with a key). 0 done, -1 I/O
 * trouble (reported), -2 out of memory. */
static int load_one(cf_sensor *sensor, const char *path, int with_key, cf_diag_list *diags)
{
	uint8_t *buf = NULL;
	char *sig = NULL;
	size_t len = 0, sig_len = 0;
	int err_no = 0, ret = 0;
	cf_status st = cf_file_read(path, (size_t)CF_MAX_FILE_SIZE, &buf, &len, &err_no);
	if (st == CF_ERR_LIMIT) {
		if (!cf_diag_add(
		        diags, CF_ERROR, "format-limit", path, 0, 0,
		        "not loaded (step 2, format): larger than the %llu-byte channel-file "
		        "limit",
		        (unsigned long long)CF_MAX_FILE_SIZE))
			ret = -2;
		goto out;
	}
	if (st != CF_OK) {
		cli_io_error("open", path, err_no);
		ret = st == CF_ERR_NOMEM ? -2 : -1;
		goto out;
	}
	if (with_key) {
		size_t pl = strlen(path);
		char *sp = malloc(pl + sizeof ".minisig");
		if (!sp) {
			ret = -2;
			goto out;
		}
		memcpy(sp, path, pl);
		memcpy(sp + pl, ".minisig", sizeof ".minisig");
		uint8_t *sb = NULL;
		st = cf_file_read(sp, CF_SIG_FILE_MAX, &sb, &sig_len, &err_no);
		free(sp);
		if (st == CF_OK)
			sig = (char *)sb;
		else if (st == CF_ERR_NOMEM)
			ret = -2;
		/* Missing or unreadable: the loader refuses it as unsigned. */
		if (ret)
			goto out;
	}
	cf_sensor_load_result res;
	st = cf_sensor_load(sensor, path, buf, len, sig, sig ? sig_len : 0, &res, diags);
	if (st == CF_ERR_NOMEM)
		ret = -2;
	else if (st != CF_OK)
		ret = -1;
out:
	free(buf);
	free(sig);
	return ret;
}

/* What happened to the bundles on the command line. */
typedef struct bundle_stats {
	unsigned long taken, not_yet, rejected;
} bundle_stats;

/*
 * Load a release bundle: verified in memory with the public key (manifest
 * signature, expiry against now, every file's size, hash and signature),
 * then taken only when this host's ring is open (docs/sensor.md, "Rings");
 * each file of a taken bundle goes through the loader like a lone file.
 * 0 done, -1 I/O trouble (reported), -2 out of memory.
 */
static int load_bundle(cf_sensor *sensor, const char *path, const cf_pubkey *pk,
                       const char *host_id, uint64_t now, cf_diag_list *diags, bundle_stats *bs)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err_no = 0, ret = 0;
	cf_bundle *b = NULL;
	cf_sensor_ring *rings = NULL;
	char *name = NULL;
	cf_status st = cf_file_read(path, (size_t)CF_BUNDLE_MAX_ARCHIVE_SIZE, &buf, &len, &err_no);
	if (st == CF_ERR_LIMIT) {
		if (!cf_diag_add(diags, CF_ERROR, "bundle-limit", path, 0, 0,
		                 "bundle not taken: larger than the %llu-byte cap",
		                 (unsigned long long)CF_BUNDLE_MAX_ARCHIVE_SIZE))
			ret = -2;
		bs->rejected++;
		goto out;
	}
	if (st != CF_OK) {
		cli_io_error("open", path, err_no);
		ret = st == CF_ERR_NOMEM ? -2 : -1;
		goto out;
	}
	cf_bundle_open_opts bo;
	memset(&bo, 0, sizeof bo);
	bo.now = now;
	bo.path = path;
	st = cf_bundle_open(buf, len, pk, &bo, &b, diags);
	if (st == CF_ERR_NOMEM) {
		ret = -2;
		goto out;
	}
	if (st != CF_OK) {
		if (!cf_diag_add(diags, CF_ERROR, "bundle", path, 0, 0,
		                 "bundle not taken: it failed verification (%s)", cf_strerror(st)))
			ret = -2;
		bs->rejected++;
		goto out;
	}
	size_t nr = cf_bundle_ring_count(b);
	rings = calloc(nr ? nr : 1, sizeof *rings);
	if (!rings) {
		ret = -2;
		goto out;
	}
	for (size_t i = 0; i < nr; i++) {
		cf_bundle_ring r = cf_bundle_ring_at(b, i);
		rings[i].name = r.name;
		rings[i].percent = r.percent;
	}
	int ring;
	uint64_t opens;
	int takes =
	    cf_sensor_ring_takes(rings, nr, host_id, cf_bundle_created(b), now, &ring, &opens);
	unsigned bucket = cf_sensor_ring_bucket(host_id);
	if (!takes) {
		if (ring < 0
		        ? !cf_diag_add(diags, CF_NOTE, "ring", path, 0, 0,
		                       "bundle version %llu not taken: host '%s' (bucket %u) is "
		                       "in none of its rings",
		                       (unsigned long long)cf_bundle_version(b), host_id, bucket)
		        : !cf_diag_add(diags, CF_NOTE, "ring", path, 0, 0,
		                       "bundle version %llu not taken yet: host '%s' (bucket %u) "
		                       "is in ring '%s', which opens at %llu (now %llu)",
		                       (unsigned long long)cf_bundle_version(b), host_id, bucket,
		                       rings[ring].name, (unsigned long long)opens,
		                       (unsigned long long)now))
			ret = -2;
		bs->not_yet++;
		goto out;
	}
	if (!cf_diag_add(diags, CF_NOTE, "ring", path, 0, 0,
	                 "bundle version %llu taken: host '%s' (bucket %u) is in ring '%s', open "
	                 "since %llu; %zu channel file%s",
	                 (unsigned long long)cf_bundle_version(b), host_id, bucket,
	                 rings[ring].name, (unsigned long long)opens, cf_bundle_file_count(b),
	                 plural(cf_bundle_file_count(b)))) {
		ret = -2;
		goto out;
	}
	bs->taken++;
	for (size_t i = 0; i < cf_bundle_file_count(b); i++) {
		const cf_bundle_file *f = cf_bundle_file_at(b, i);
		size_t pl = strlen(path), nl = strlen(f->name);
		free(name);
		name = malloc(pl + nl + 2);
		if (!name) {
			ret = -2;
			goto out;
		}
		memcpy(name, path, pl);
		name[pl] = ':';
		memcpy(name + pl + 1, f->name, nl + 1);
		cf_sensor_load_result res;
		st = cf_sensor_load(sensor, name, f->data, f->len, f->sig, f->sig_len, &res, diags);
		if (st == CF_ERR_NOMEM) {
			ret = -2;
			goto out;
		}
	}
out:
	free(name);
	free(rings);
	cf_bundle_free(b);
	free(buf);
	return ret;
}

/* `cfc run`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_run = {"run", cmd_run, "the reference sensor: load content, match events",
    "usage: cfc run -t TEMPLATE... --sensor VERSION [-p PUBKEY] [--host-id ID]\n"
    "               [--events FILE] CONTENT...\n"
    "\n"
    "Load each CONTENT channel file the way sensor build VERSION must, then match\n"
    "the events (JSON lines {\"template\": NAME, \"fields\": {NAME: VALUE}} from\n"
    "--events or stdin) and print one JSON line per match on stdout:\n"
    "{\"line\", \"channel\", \"instance\", \"name\", \"action\", \"severity\",\n"
    "\"template\", \"content_version\"}. Loader steps, in order: signature (with\n"
    "-p; FILE.minisig must exist), format verifier, template and fingerprint,\n"
    "requires_sensor, field count against what VERSION supplies, regexes. Content\n"
    "that fails a step is skipped with a diagnostic naming it; the last content\n"
    "that loaded for its channel stays active, other channels keep running. Of\n"
    "several files for one channel the highest content version that loads wins.\n"
    "Malformed event lines are reported (FILE:LINE) and skipped. A summary goes\n"
    "to stderr. See docs/sensor.md.\n"
    "\n"
    "Events whose first byte is 0x89 are read as a binary event stream\n"
    "(format/EVENTS.md, written by `cfc pack-events`): the same events without\n"
    "JSON decoding; \"line\" then counts records, and a malformed record is\n"
    "reported and skipped like a malformed line.\n"
    "\n"
    "A CONTENT that is a release bundle (.tar.zst, .tar.gz) needs -p: it is\n"
    "verified in memory, then taken only once this host's ring is open (ring i\n"
    "of the manifest opens i x 24 h after the bundle's creation; the host's\n"
    "ring follows from a hash of its id), and its files are loaded as above.\n"
    "\n"
    "  -t, --template PATH  template manifest, or a directory of them (repeats)\n"
    "      --sensor VERSION the sensor build to emulate (e.g. 7.11.0)\n"
    "  -p, --public-key FILE\n"
    "                       require minisign signatures by this key\n"
    "      --host-id ID     this host's id, for the rings of a bundle (default:\n"
    "                       the host name)\n"
    "      --now SECONDS    the time (Unix) for bundle expiry and rings\n"
    "      --events FILE    events as JSON lines or a binary event stream\n"
    "                       (default stdin; `-`: stdin)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 all content loaded or was only for a newer sensor (or stale),\n"
    "1 some content was skipped as unsafe, a bundle was rejected, a bounds event\n"
    "occurred or a binary event stream's header was rejected, 2 usage error, a\n"
    "bundle without -p, an unreadable file or out of memory. Malformed event\n"
    "lines and records do not change it.\n"};

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"template", required_argument, NULL, 't'},
	    {"sensor", required_argument, NULL, OPT_SENSOR},
	    {"public-key", required_argument, NULL, 'p'},
	    {"pubkey", required_argument, NULL, 'p'}, /* older spelling */
	    {"host-id", required_argument, NULL, OPT_HOST_ID},
	    {"events", required_argument, NULL, OPT_EVENTS},
	    {"now", required_argument, NULL, OPT_NOW},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int status = EXIT_TROUBLE, trouble = 0;
	const char **tpl_paths = NULL;
	size_t ntpl = 0;
	const char *version = NULL, *pub_path = NULL, *host_id = NULL, *events_path = NULL;
	uint64_t now = 0;
	int have_now = 0;
	char hostname[256];
	bundle_stats bs = {0, 0, 0};
	cf_template_set *set = NULL;
	cf_diag_list *diags = NULL;
	cf_sensor *sensor = NULL;
	cf_sensor_event *ev = NULL;
	cf_pubkey *pk = NULL;
	FILE *in = NULL;
	cli_in rd;
	int have_rd = 0, stream_rejected = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (push(&tpl_paths, &ntpl, optarg))
				goto nomem;
			break;
		case OPT_SENSOR:
			version = optarg;
			break;
		case 'p':
			pub_path = optarg;
			break;
		case OPT_HOST_ID:
			host_id = optarg;
			break;
		case OPT_EVENTS:
			events_path = optarg;
			break;
		case OPT_NOW: {
			unsigned long long x;
			if (cli_parse_u64(optarg, 0, UINT64_MAX, &x)) {
				status = cli_bad_usage("run", "--now takes Unix seconds, not '%s'",
				                       optarg);
				goto out;
			}
			now = x;
			have_now = 1;
			break;
		}
		case 'h':
			cli_usage(stdout, "run");
			status = cli_finish(EXIT_OK);
			goto out;
		default:
			status = cli_bad_option("run", argc, argv);
			goto out;
		}
	}
	if (ntpl == 0) {
		status = cli_bad_usage("run", "no template manifest given (-t TEMPLATE)");
		goto out;
	}
	if (!version) {
		status = cli_bad_usage("run", "no sensor build given (--sensor VERSION)");
		goto out;
	}
	if (!cf_sensor_version_valid(version, strlen(version))) {
		status = cli_bad_usage("run",
		                       "'%s' is not a sensor version (dotted decimals, e.g. "
		                       "7.16.0)",
		                       version);
		goto out;
	}
	if (optind >= argc) {
		status = cli_bad_usage("run", "no content given (CONTENT.cf...)");
		goto out;
	}
	if (!have_now)
		now = (uint64_t)time(NULL);
	if (!host_id) {
		/* The ring a host is in follows from its id; by default its name. */
		if (gethostname(hostname, sizeof hostname) != 0)
			hostname[0] = 0;
		hostname[sizeof hostname - 1] = 0;
		host_id = hostname;
	}

	set = cf_templates_new();
	diags = cf_diags_new();
	if (!set || !diags)
		goto nomem;
	cf_status st = cf_templates_load_all(set, tpl_paths, ntpl, diags);
	if (st != CF_OK) {
		cli_print_diags(diags);
		if (st == CF_ERR_NOMEM)
			cli_error("out of memory");
		status = cli_exit_status(st);
		goto out;
	}
	st = cf_sensor_new(version, set, &sensor, diags);
	if (st != CF_OK) {
		cli_print_diags(diags);
		if (st == CF_ERR_NOMEM)
			goto nomem;
		status = EXIT_TROUBLE;
		goto out;
	}
	if (pub_path) {
		/* A sensor without its key cannot load anything: exit 2 whatever
		 * is wrong with the file. */
		if (cli_load_pubkey(pub_path, &pk) != EXIT_OK) {
			status = EXIT_TROUBLE;
			goto out;
		}
		cf_sensor_set_pubkey(sensor, pk);
	}

	for (int i = optind; i < argc; i++) {
		int r;
		if (cf_bundle_path_is_bundle(argv[i])) {
			if (!pk) {
				cli_error("'%s' is a bundle: verifying it needs a public key (-p)",
				          argv[i]);
				trouble = 1;
				continue;
			}
			r = load_bundle(sensor, argv[i], pk, host_id, now, diags, &bs);
		} else {
			r = load_one(sensor, argv[i], pk != NULL, diags);
		}
		if (r == -2)
			goto nomem;
		if (r < 0)
			trouble = 1;
	}
	cli_print_diags(diags);
	if (cf_diags_oom(diags))
		goto nomem;

	/* Events. */
	const char *ev_name = "<stdin>";
	if (events_path && strcmp(events_path, "-") != 0) {
		in = fopen(events_path, "r");
		if (!in) {
			cli_io_error("open", events_path, errno);
			goto out;
		}
		ev_name = events_path;
	} else {
		in = stdin;
	}
	if (cf_sensor_event_new(sensor, &ev) != CF_OK)
		goto nomem;
	/* A record of a binary stream is as long as a line may be. */
	if (cli_in_init(&rd, in, CF_SENSOR_EVENT_LINE_MAX) != 0)
		goto nomem;
	have_rd = 1;
	/* Matches so far reach stdout before cfc waits for more events (a
	 * live feed through a pipe), not only when a buffer fills. */
	rd.flush = stdout;
	run_ctx rc = {ev_name, 0, 0, 0};
	unsigned long long malformed = 0;
	int first = cli_in_peek(&rd);
	int r = first == -2     ? -1
	        : first == 0x89 ? run_binary(sensor, ev, &rd, &rc, &malformed)
	                        : run_lines(sensor, ev, &rd, &rc, &malformed);
	if (r == -2)
		goto nomem;
	if (r == -1) {
		cli_io_error("read", ev_name, errno);
		trouble = 1;
	} else if (r == -3) {
		stream_rejected = 1;
	}

	cf_sensor_stats ss;
	cf_sensor_get_stats(sensor, &ss);
	size_t nch = cf_sensor_channel_count(sensor);
	cli_printf(stderr,
	           "cfc run: sensor %s: %llu event%s, %llu match%s, %llu malformed line%s; "
	           "content: %llu loaded, %llu skipped as unsafe, %llu for a newer sensor, %llu "
	           "stale; %zu channel%s active; %llu regex limit hit%s, %llu bounds event%s\n",
	           version, (unsigned long long)ss.events, plural(ss.events),
	           (unsigned long long)ss.matches, ss.matches == 1 ? "" : "es", malformed,
	           plural(malformed), (unsigned long long)ss.loaded,
	           (unsigned long long)ss.skipped_unsafe, (unsigned long long)ss.skipped_newer,
	           (unsigned long long)ss.skipped_stale, nch, plural(nch),
	           (unsigned long long)ss.limit_hits, plural(ss.limit_hits),
	           (unsigned long long)ss.bounds_events, plural(ss.bounds_events));
	if (bs.taken || bs.not_yet || bs.rejected)
		fprintf(stderr,
		        "cfc run: bundles: %lu taken, %lu not taken (ring not open), %lu "
		        "rejected\n",
		        bs.taken, bs.not_yet, bs.rejected);
	status =
	    trouble ? EXIT_TROUBLE
	    : (ss.skipped_unsafe > 0 || ss.bounds_events > 0 || bs.rejected > 0 || stream_rejected)
	        ? EXIT_REJECTED
	        : EXIT_OK;
	status = cli_finish(status);
	goto out;
nomem:
	cli_error("out of memory");
	status = EXIT_TROUBLE;
out:
	if (in && in != stdin)
		fclose(in);
	if (have_rd)
		cli_in_free(&rd);
	cf_sensor_event_free(ev);
	cf_sensor_free(sensor);
	cf_pubkey_free(pk);
	cf_diags_free(diags);
	cf_templates_free(set);
	free(tpl_paths);
	return status;
}
