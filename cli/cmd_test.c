/*
 * cmd_test.c - `cfc test -t TEMPLATE... [--require-coverage] SOURCE.yaml...`:
 * run every instance's embedded tests through the reference sensor's loader
 * and interpreter, for every sensor build in scope (docs/sensor.md).
 *
 * Sources are grouped into channels by (channel, content version): sources
 * that agree form one channel, as `cfc compile` would build it from them
 * together, and channels at different versions (c291-bad and c291-fixed)
 * are tested separately. Each channel is compiled in memory, loaded by a
 * sensor of every build in scope (the template manifest's builds at or above
 * requires_sensor) exactly as `cfc run` loads it, and each test event is
 * evaluated by that sensor's interpreter with the input array that build
 * supplies. A build that cannot load the content fails every test there.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include <cf/compile.h>
#include <cf/sensor.h>
#include <cf/template.h>
#include "cli/cmd.h"

enum { OPT_REQUIRE_COVERAGE = 256 };

/* A source compiled alone, to learn which channel it belongs to. */
typedef struct src {
	const char *path;
	uint32_t channel;
	uint64_t version;
	int ok;    /* compiled alone */
	int group; /* index of its group */
} src;

/* Per-instance and per-field bookkeeping for one channel. */
typedef struct inst_stat {
	uint32_t id;
	const char *name;
	unsigned tests, passed, failed;
} inst_stat;

typedef struct totals {
	unsigned long channels, channels_failed, instances, tests, runs, passed, failed, unloadable;
	unsigned long uncovered;
} totals;

/* "s" after a count other than one. */
static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

/* The test's event as one line of JSON (the fields it gives, in order). */
static char *event_json(const cf_sensor *s, int tmpl, const cf_rule_test *t)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	for (unsigned f = 0; f < t->field_count; f++) {
		const cf_test_value *v = &t->values[f];
		if (!v->present)
			continue;
		json_t *j;
		if (v->type == CF_TYPE_STRING)
			j = json_stringn(v->str ? v->str : "", v->str_len);
		else if (v->type == CF_TYPE_BOOL)
			j = json_boolean(v->num);
		else if (v->num <= (uint64_t)INT64_MAX)
			j = json_integer((json_int_t)v->num);
		else
			j = json_real((double)v->num);
		const char *name = cf_sensor_field_name(s, tmpl, f);
		if (!j || !name || json_object_set_new(o, name, j) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	char *out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return out;
}

typedef struct eval_ctx {
	uint32_t want;
	int matched;
	unsigned limits;
} eval_ctx;

static void on_report(void *ud, const cf_sensor_report *r)
{
	eval_ctx *e = ud;
	if (r->instance != e->want)
		return;
	if (r->kind == CF_SENSOR_REPORT_MATCH)
		e->matched = 1;
	else if (r->kind == CF_SENSOR_REPORT_LIMIT)
		e->limits++;
}

/*
 * Run the tests of one compiled channel. Returns 0 all passed (and coverage
 * when required), 1 something failed, -1 out of memory.
 */
static int test_channel(const cf_template_set *set, const cf_compile_result *res, const char *label,
                        int require_coverage, totals *tot)
{
	int ret = -1, failed = 0;
	size_t len;
	const uint8_t *bytes = cf_compile_result_bytes(res, &len);
	const cf_template *tpl = cf_compile_result_template(res);
	cf_view v;
	inst_stat *is = NULL;
	int *pass_all = NULL, *pass_any = NULL; /* per test: passed on every / some loaded sensor */
	cf_sensor *s = NULL;
	cf_diag_list *diags = NULL;
	cf_sensor_value *vals = NULL;
	char *ev = NULL;
	char msg[2048];
	cf_status vst = cf_verify(bytes, len, &v, NULL);
	if (vst == CF_ERR_NOMEM)
		goto out; /* out of memory is not a verdict on the rules */
	if (vst != CF_OK || !tpl) {
		cli_error("%s: the compiler produced a file the verifier rejects", label);
		ret = 1;
		goto out;
	}
	const cf_header *h = &v.hdr;
	size_t ntests = cf_compile_result_test_count(res);
	is = calloc(h->instance_count ? h->instance_count : 1, sizeof *is);
	pass_all = calloc(ntests ? ntests : 1, sizeof *pass_all);
	pass_any = calloc(ntests ? ntests : 1, sizeof *pass_any);
	if (!is || !pass_all || !pass_any)
		goto out;
	for (uint32_t i = 0; i < h->instance_count; i++) {
		cf_instance in;
		cf_view_instance(&v, i, &in);
		is[i].id = in.id;
		is[i].name = in.name.len ? in.name.ptr : NULL;
	}
	for (size_t k = 0; k < ntests; k++) {
		const cf_rule_test *t = cf_compile_result_test(res, k);
		int64_t ii = cf_view_find_instance(&v, t->instance_id);
		if (ii >= 0)
			is[ii].tests++;
		pass_all[k] = 1;
	}
	cli_printf(stdout, "channel %" PRIu32 " content version %" PRIu64 ", template %s (%s)\n",
	           h->channel, h->content_version, tpl->name, label);
	tot->channels++;
	tot->instances += h->instance_count;
	tot->tests += ntests;

	/* Every build in scope: the manifest's builds at or above requires_sensor. */
	unsigned in_scope = 0, loaded_any = 0;
	const char *unloaded[16];
	size_t nunloaded = 0;
	for (size_t si = 0; si < tpl->sensor_count; si++) {
		const char *ver = tpl->sensors[si].version;
		const cf_str *rq = &h->requires_sensor;
		if (rq->len && cf_sensor_version_cmp(ver, strlen(ver), rq->ptr, rq->len) < 0)
			continue;
		in_scope++;
		cf_sensor_free(s);
		s = NULL;
		cf_diags_free(diags);
		diags = cf_diags_new();
		if (!diags)
			goto out;
		cf_status st = cf_sensor_new(ver, set, &s, diags);
		cf_sensor_load_result lr;
		memset(&lr, 0, sizeof lr);
		if (st == CF_ERR_NOMEM)
			goto out;
		if (st == CF_OK) {
			st = cf_sensor_load(s, label, bytes, len, NULL, 0, &lr, diags);
			if (st == CF_ERR_NOMEM)
				goto out;
		}
		if (st != CF_OK || lr.outcome != CF_SENSOR_LOADED) {
			/* The content is broken for this build: every test fails here. */
			for (size_t d = 0; d < cf_diags_count(diags); d++)
				if (cf_diags_get(diags, d)->severity == CF_ERROR)
					cli_print_diag(cf_diags_get(diags, d));
			char step[64];
			snprintf(step, sizeof step, "step %d, %s", (int)lr.step,
			         cf_sensor_step_name(lr.step));
			if (nunloaded < sizeof unloaded / sizeof unloaded[0])
				unloaded[nunloaded++] = ver;
			char fails[64];
			if (ntests == 0)
				snprintf(fails, sizeof fails, "no test can run");
			else if (ntests == 1)
				snprintf(fails, sizeof fails, "its 1 test fails");
			else
				snprintf(fails, sizeof fails, "all %zu tests fail", ntests);
			snprintf(msg, sizeof msg,
			         "channel %" PRIu32 " content version %" PRIu64
			         " cannot be loaded by sensor %s (%s): %s on that sensor",
			         h->channel, h->content_version, ver,
			         st != CF_OK ? "no such sensor build" : step, fails);
			cli_say(CF_ERROR, "test-load", label, 0, 0, msg);
			cli_printf(stdout, "  sensor %-8s NOT LOADED (%s): %zu test%s fail%s\n",
			           ver, step, ntests, plural(ntests), ntests == 1 ? "s" : "");
			for (uint32_t i = 0; i < h->instance_count; i++)
				is[i].failed += is[i].tests;
			tot->runs += ntests;
			tot->failed += ntests;
			tot->unloadable++;
			failed = 1;
			continue;
		}
		loaded_any++;
		int tmpl = cf_sensor_template_index(s, tpl->name);
		unsigned sup = cf_sensor_supplied(s, tmpl);
		free(vals);
		vals = calloc(sup ? sup : 1, sizeof *vals);
		if (!vals)
			goto out;
		unsigned sp = 0, sf = 0;
		for (size_t k = 0; k < ntests; k++) {
			const cf_rule_test *t = cf_compile_result_test(res, k);
			memset(vals, 0, (sup ? sup : 1) * sizeof *vals);
			/* The integration code fills only what this build supplies. */
			for (unsigned f = 0; f < t->field_count && f < sup; f++) {
				const cf_test_value *tv = &t->values[f];
				if (!tv->present)
					continue;
				vals[f].type = tv->type;
				vals[f].u = tv->num;
				vals[f].s = tv->str;
				vals[f].len = tv->str_len;
			}
			eval_ctx e = {t->instance_id, 0, 0};
			cf_sensor_eval(s, tmpl, vals, sup, on_report, &e);
			int64_t ii = cf_view_find_instance(&v, t->instance_id);
			if (e.matched == t->expect_match) {
				sp++;
				pass_any[k] = 1;
				if (ii >= 0)
					is[ii].passed++;
				continue;
			}
			sf++;
			pass_all[k] = 0;
			if (ii >= 0)
				is[ii].failed++;
			free(ev);
			ev = event_json(s, tmpl, t);
			if (!ev)
				goto out;
			snprintf(msg, sizeof msg,
			         "test of instance %" PRIu32
			         "%s%s%s failed on sensor %s: expected %s, "
			         "got %s%s; event %s",
			         t->instance_id, ii >= 0 && is[ii].name ? " (" : "",
			         ii >= 0 && is[ii].name ? is[ii].name : "",
			         ii >= 0 && is[ii].name ? ")" : "", ver,
			         t->expect_match ? "match" : "no-match",
			         e.matched ? "match" : "no match",
			         e.limits ? " (a regex hit the PCRE2 match limit)" : "", ev);
			cli_say(CF_ERROR, "test-failed", t->path, t->line, t->col, msg);
		}
		cli_printf(stdout, "  sensor %-8s %u passed, %u failed\n", ver, sp, sf);
		tot->runs += ntests;
		tot->passed += sp;
		tot->failed += sf;
		if (sf)
			failed = 1;
	}
	if (in_scope == 0) {
		/* The fault cfc lint reports as requires-sensor: no build loads it. */
		snprintf(msg, sizeof msg,
		         "requires_sensor %.*s is above every sensor build of template '%s' in "
		         "manifest %s (newest: %s): no sensor would load this content",
		         (int)h->requires_sensor.len, h->requires_sensor.ptr, tpl->name,
		         tpl->path ? tpl->path : tpl->name,
		         tpl->sensor_count ? tpl->sensors[tpl->sensor_count - 1].version : "none");
		cli_say(CF_ERROR, "requires-sensor", label, 0, 0, msg);
		failed = 1;
	}

	/* Per-rule breakdown. */
	for (uint32_t i = 0; i < h->instance_count; i++) {
		cli_printf(stdout, "  instance %-10" PRIu32 " %-44s %2u %-5s  %s", is[i].id,
		           is[i].name ? is[i].name : "-", is[i].tests,
		           is[i].tests == 1 ? "test" : "tests",
		           is[i].failed  ? "FAIL"
		           : is[i].tests ? "ok"
		                         : "untested");
		if (is[i].failed)
			cli_printf(stdout, " (%u of %u run%s failed)", is[i].failed,
			           is[i].failed + is[i].passed,
			           plural(is[i].failed + is[i].passed));
		for (size_t u = 0; u < nunloaded && is[i].tests; u++)
			cli_printf(stdout, "%s%s", u ? ", " : "; content not loadable on ",
			           unloaded[u]);
		putchar('\n');
	}

	/* Field coverage: a field is covered when a match test that passed on
	 * every sensor that loaded the content (and on at least one) exercised a non-wildcard
	 * criterion of its instance on that field. */
	unsigned constrained = 0, covered = 0;
	cli_printf(stdout,
	           "  coverage (fields with a non-wildcard criterion exercised by a passing match "
	           "test):\n");
	for (unsigned f = 0; f < h->field_count; f++) {
		int con = 0, cov = 0;
		uint32_t first_inst = 0;
		cf_srcloc loc;
		memset(&loc, 0, sizeof loc);
		for (uint32_t i = 0; i < h->instance_count; i++) {
			cf_criterion c;
			cf_view_criterion(&v, i, f, &c);
			if (c.kind == CF_CRIT_ANY)
				continue;
			if (!con) {
				first_inst = is[i].id;
				cf_view_criterion_loc(&v, i, f, &loc);
			}
			con = 1;
			for (size_t k = 0; k < ntests && !cov; k++) {
				const cf_rule_test *t = cf_compile_result_test(res, k);
				if (t->instance_id == is[i].id && t->expect_match && pass_all[k] &&
				    pass_any[k])
					cov = 1;
			}
		}
		cf_str fname;
		uint8_t ftype;
		cf_view_field(&v, f, &fname, &ftype);
		if (!con)
			continue;
		constrained++;
		covered += cov ? 1u : 0u;
		cli_printf(stdout, "    %-3u %-24.*s %s\n", f + 1, (int)fname.len, fname.ptr,
		           cov ? "covered" : "NOT COVERED");
		if (!cov) {
			tot->uncovered++;
			snprintf(msg, sizeof msg,
			         "field %u '%.*s' is constrained (first by instance %" PRIu32
			         ") but no passing match test exercises it",
			         f + 1, (int)fname.len, fname.ptr, first_inst);
			char *file = NULL;
			if (loc.line && loc.file.len) {
				file = malloc(loc.file.len + 1);
				if (!file)
					goto out;
				memcpy(file, loc.file.ptr, loc.file.len);
				file[loc.file.len] = 0;
			}
			cli_say(require_coverage ? CF_ERROR : CF_WARNING, "coverage",
			        file ? file : label, file ? loc.line : 0, file ? loc.col : 0, msg);
			free(file);
			if (require_coverage)
				failed = 1;
		}
	}
	unsigned unconstrained = h->field_count - constrained;
	cli_printf(stdout, "    %u of %u constrained field%s covered; %u field%s %s everywhere\n",
	           covered, constrained, plural(constrained), unconstrained, plural(unconstrained),
	           unconstrained == 1 ? "is a wildcard" : "are wildcards");
	(void)loaded_any;
	cli_printf(stdout, "  result: %s\n", failed ? "FAIL" : "ok");
	if (failed)
		tot->channels_failed++;
	ret = failed;
out:
	free(ev);
	free(vals);
	cf_sensor_free(s);
	cf_diags_free(diags);
	free(is);
	free(pass_all);
	free(pass_any);
	return ret;
}

/* `cfc test`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_test = {"test", cmd_test, "run rules' embedded tests through the reference sensor",
    "usage: cfc test -t TEMPLATE... [--require-coverage] SOURCE.yaml...\n"
    "\n"
    "Compile the rule sources in memory (sources with the same channel and\n"
    "version form one channel; others are tested separately) and run every\n"
    "instance's embedded tests through the reference sensor's loader and\n"
    "interpreter, once per sensor build in scope (the template manifest's builds\n"
    "at or above requires_sensor), with the input array that build supplies.\n"
    "A build that cannot load the content fails all tests there. A failing test\n"
    "is reported at its FILE:LINE:COL with the event, the expected and the\n"
    "actual result. stdout gets a per-rule breakdown, field coverage (which\n"
    "constrained fields some passing match test exercised) and a summary.\n"
    "See docs/sensor.md.\n"
    "\n"
    "  -t, --template PATH    template manifest, or a directory of them (repeats)\n"
    "      --require-coverage fail when a field that an instance constrains has no\n"
    "                         passing match test on it\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 every test passed, 1 a test failed, content could not be\n"
    "loaded by a sensor in scope, a source was rejected, or coverage is missing\n"
    "with --require-coverage, 2 usage error, unreadable file or out of memory.\n"};

int cmd_test(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"template", required_argument, NULL, 't'},
	    {"require-coverage", no_argument, NULL, OPT_REQUIRE_COVERAGE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int status = EXIT_TROUBLE, require_coverage = 0, rejected = 0, trouble = 0;
	const char **tpl_paths = NULL, **paths = NULL;
	size_t ntpl = 0;
	cf_template_set *set = NULL;
	cf_diag_list *diags = NULL;
	src *srcs = NULL;
	int c;
	totals tot;
	memset(&tot, 0, sizeof tot);
	tpl_paths = calloc((size_t)argc, sizeof *tpl_paths);
	paths = calloc((size_t)argc, sizeof *paths);
	if (!tpl_paths || !paths)
		goto nomem;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			tpl_paths[ntpl++] = optarg;
			break;
		case OPT_REQUIRE_COVERAGE:
			require_coverage = 1;
			break;
		case 'h':
			cli_usage(stdout, "test");
			status = cli_finish(EXIT_OK);
			goto out;
		default:
			status = cli_bad_option("test", argc, argv);
			goto out;
		}
	}
	if (ntpl == 0) {
		status = cli_bad_usage("test", "no template manifest given (-t TEMPLATE)");
		goto out;
	}
	if (optind >= argc) {
		status = cli_bad_usage("test", "no rule source given (SOURCE.yaml...)");
		goto out;
	}
	set = cf_templates_new();
	diags = cf_diags_new();
	if (!set || !diags)
		goto nomem;
	cf_status st = CF_OK;
	for (size_t i = 0; i < ntpl; i++) {
		cf_status s2 = cf_templates_load(set, tpl_paths[i], diags);
		if (s2 != CF_OK && (st == CF_OK || s2 != CF_ERR_REJECTED))
			st = s2;
	}
	cli_print_diags(diags);
	if (st != CF_OK) {
		if (st == CF_ERR_NOMEM)
			goto nomem;
		status = cli_exit_status(st);
		goto out;
	}
	cf_compile_options opt;
	memset(&opt, 0, sizeof opt);
	opt.templates = set;

	/* Compile each source alone to learn its channel and version. */
	size_t n = (size_t)(argc - optind);
	srcs = calloc(n, sizeof *srcs);
	if (!srcs)
		goto nomem;
	int ngroups = 0;
	for (size_t i = 0; i < n; i++) {
		src *sr = &srcs[i];
		sr->path = argv[optind + (int)i];
		sr->group = -1;
		cf_diag_list *d = cf_diags_new();
		cf_compile_result *r = NULL;
		if (!d)
			goto nomem;
		st = cf_compile_files(&opt, &sr->path, 1, d, &r);
		if (st == CF_OK) {
			sr->ok = 1;
			sr->channel = cf_compile_result_channel(r);
			sr->version = cf_compile_result_version(r);
		} else {
			/* Report why; the source is left out. */
			cli_print_diags(d);
			if (st == CF_ERR_NOMEM) {
				cf_diags_free(d);
				goto nomem;
			}
			if (st == CF_ERR_IO)
				trouble = 1;
			else
				rejected = 1;
		}
		cf_compile_result_free(r);
		cf_diags_free(d);
		if (!sr->ok)
			continue;
		for (size_t j = 0; j < i; j++)
			if (srcs[j].ok && srcs[j].channel == sr->channel &&
			    srcs[j].version == sr->version) {
				sr->group = srcs[j].group;
				break;
			}
		if (sr->group < 0)
			sr->group = ngroups++;
	}

	/* Then each channel from all of its sources together. */
	for (int g = 0; g < ngroups; g++) {
		const char **gp = paths;
		size_t gn = 0;
		char label[1024] = "";
		size_t ll = 0;
		for (size_t i = 0; i < n; i++) {
			if (srcs[i].group != g)
				continue;
			gp[gn++] = srcs[i].path;
			int w = snprintf(label + ll, sizeof label - ll, "%s%s", ll ? " + " : "",
			                 srcs[i].path);
			if (w > 0 && (size_t)w < sizeof label - ll)
				ll += (size_t)w;
		}
		cf_diag_list *d = cf_diags_new();
		cf_compile_result *r = NULL;
		if (!d)
			goto nomem;
		st = cf_compile_files(&opt, gp, gn, d, &r);
		cli_print_diags(d);
		cf_diags_free(d);
		if (st == CF_ERR_NOMEM)
			goto nomem;
		if (st != CF_OK) {
			rejected = 1;
			tot.channels_failed++;
			continue;
		}
		int tr = test_channel(set, r, label, require_coverage, &tot);
		cf_compile_result_free(r);
		if (tr < 0)
			goto nomem;
		if (tr > 0)
			rejected = 1;
	}
	cli_printf(stdout,
	           "summary: %lu channel%s (%lu failed), %lu instance%s, %lu test%s; %lu test "
	           "run%s across sensors: %lu passed, %lu failed; %lu sensor load%s refused; %lu "
	           "constrained field%s without a passing match test\n",
	           tot.channels, plural(tot.channels), tot.channels_failed, tot.instances,
	           plural(tot.instances), tot.tests, plural(tot.tests), tot.runs, plural(tot.runs),
	           tot.passed, tot.failed, tot.unloadable, plural(tot.unloadable), tot.uncovered,
	           plural(tot.uncovered));
	status = cli_finish(trouble ? EXIT_TROUBLE : rejected ? EXIT_REJECTED : EXIT_OK);
	goto out;
nomem:
	cli_error("out of memory");
	status = EXIT_TROUBLE;
out:
	free(srcs);
	cf_diags_free(diags);
	cf_templates_free(set);
	free(tpl_paths);
	free(paths);
	return status;
}
