/*
 * cmd_lint.c - `cfc lint -t TEMPLATE... [--sensor VERSION]... [--format
 * text|json|sarif] [--werror] [-W no-CODE]... FILE.cf...`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include <cf/lint.h>
#include <cf/template.h>
#include "cli/cmd.h"

enum { FMT_TEXT, FMT_JSON, FMT_SARIF };
enum { OPT_WERROR = 256, OPT_LIST = 257 };

/* Append s to a growable array of borrowed strings. */
static int push(const char ***arr, size_t *n, const char *s)
{
	const char **a = realloc(*arr, (*n + 1) * sizeof *a);
	if (!a)
		return -1;
	a[(*n)++] = s;
	*arr = a;
	return 0;
}

static void drop(const char **arr, size_t *n, const char *s)
{
	size_t o = 0;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(arr[i], s) != 0)
			arr[o++] = arr[i];
	*n = o;
}

static void list_codes(void)
{
	size_t n;
	const cf_lint_code *codes = cf_lint_codes(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-22s %-8s %s\n", codes[i].id, cf_severity_label(codes[i].severity),
		       codes[i].summary);
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* "cannot open 'PATH': REASON", malloc'd, for the reports. */
static char *unread_msg(const char *path, const char *reason)
{
	size_t n = strlen(path) + strlen(reason) + 20;
	char *m = malloc(n);
	if (m)
		snprintf(m, n, "cannot open '%s': %s", path, reason);
	return m;
}

/* `cfc lint`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_lint = {"lint", cmd_lint, "check channel files against every sensor build's template",
    "usage: cfc lint -t TEMPLATE... [--sensor VERSION]... [--format text|json|sarif]\n"
    "                [--werror] [-W no-CODE]... FILE.cf...\n"
    "\n"
    "Verify each channel file and check it against the template manifest of\n"
    "every sensor build in scope: the manifest's sensors at or above the file's\n"
    "requires_sensor, narrowed by --sensor. Errors: a field count above what a\n"
    "build supplies (naming the instance and field that would be read out of\n"
    "bounds, or saying the fault is latent), a template id, version or\n"
    "fingerprint that differs from the manifest's, an unknown template, a file\n"
    "the format verifier rejects, a regex PCRE2 rejects or that exceeds the\n"
    "manifest's max_length, a requires_sensor above every build. Warnings:\n"
    "all-wildcard, duplicate and shadowed instances, regexes prone to\n"
    "catastrophic backtracking or matching the empty string, nocase without\n"
    "letters. Every code is documented in docs/lint-codes.md.\n"
    "\n"
    "  -t, --template PATH    template manifest, or a directory of *.yaml\n"
    "                         manifests; repeat for more (at least one)\n"
    "  -s, --sensor VERSION   check only this sensor build (repeatable); it must\n"
    "                         be listed in the manifest\n"
    "  -f, --format FMT       text (default): PATH:LINE:COL: error: MESSAGE [CODE]\n"
    "                         on stderr, located in the YAML source through the\n"
    "                         source map (else FILE.cf: offset 0xNN), then a\n"
    "                         summary line; json: one document on stdout;\n"
    "                         sarif: a SARIF 2.1.0 log on stdout\n"
    "      --werror           treat warnings as errors (also -W error)\n"
    "  -W no-CODE             leave out the warnings with this code; -W CODE\n"
    "                         turns it back on (errors cannot be disabled)\n"
    "      --list-codes       print every lint code and exit\n"
    "  -h, --help             show this help\n"
    "\n"
    "`-` as a FILE reads stdin.\n"
    "\n"
    "Exit status: 0 no errors, 1 errors (or warnings with --werror),\n"
    "2 usage error, unreadable file or template, out of memory.\n"};

int cmd_lint(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"template", required_argument, NULL, 't'},
	    {"sensor", required_argument, NULL, 's'},
	    {"format", required_argument, NULL, 'f'},
	    {"werror", no_argument, NULL, OPT_WERROR},
	    {"list-codes", no_argument, NULL, OPT_LIST},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int status = EXIT_TROUBLE;
	int format = FMT_TEXT, werror = 0, trouble = 0;
	const char **tpl_paths = NULL, **sensors = NULL, **disabled = NULL;
	size_t ntpl = 0, nsensors = 0, ndisabled = 0;
	cf_template_set *set = NULL;
	cf_diag_list *tdiags = NULL;
	cf_lint_result *results = NULL;
	char **unread = NULL;
	size_t nfiles = 0;
	char *doc = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:s:f:W:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (push(&tpl_paths, &ntpl, optarg))
				goto nomem;
			break;
		case 's':
			if (!cf_sensor_version_valid(optarg, strlen(optarg))) {
				status = cli_bad_usage("lint",
				                       "'%s' is not a sensor version (dotted "
				                       "decimals, e.g. 7.11.0)",
				                       optarg);
				goto out;
			}
			if (push(&sensors, &nsensors, optarg))
				goto nomem;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0) {
				format = FMT_TEXT;
			} else if (strcmp(optarg, "json") == 0) {
				format = FMT_JSON;
			} else if (strcmp(optarg, "sarif") == 0) {
				format = FMT_SARIF;
			} else {
				status = cli_bad_usage(
				    "lint", "unknown format '%s' (text, json or sarif)", optarg);
				goto out;
			}
			break;
		case OPT_WERROR:
			werror = 1;
			break;
		case 'W': {
			const char *code = optarg;
			int off = strncmp(code, "no-", 3) == 0;
			if (strcmp(code, "error") == 0) {
				werror = 1;
				break;
			}
			if (strcmp(code, "no-error") == 0) {
				werror = 0;
				break;
			}
			if (off)
				code += 3;
			const cf_lint_code *lc = cf_lint_code_find(code);
			if (!lc) {
				status = cli_bad_usage("lint",
				                       "unknown lint code '%s' (see 'cfc lint "
				                       "--list-codes')",
				                       code);
				goto out;
			}
			if (lc->severity == CF_ERROR) {
				status = cli_bad_usage(
				    "lint", "'%s' is an error and cannot be disabled", code);
				goto out;
			}
			drop(disabled, &ndisabled, code);
			if (off && push(&disabled, &ndisabled, code))
				goto nomem;
			break;
		}
		case OPT_LIST:
			list_codes();
			status = cli_finish(EXIT_OK);
			goto out;
		case 'h':
			cli_usage(stdout, "lint");
			status = cli_finish(EXIT_OK);
			goto out;
		default:
			status = cli_bad_option("lint", argc, argv);
			goto out;
		}
	}
	if (ntpl == 0) {
		status = cli_bad_usage("lint", "no template manifest given (-t TEMPLATE)");
		goto out;
	}
	if (optind >= argc) {
		status = cli_bad_usage("lint", "no channel file given");
		goto out;
	}

	set = cf_templates_new();
	tdiags = cf_diags_new();
	if (!set || !tdiags)
		goto nomem;
	cf_status st = cf_templates_load_all(set, tpl_paths, ntpl, tdiags);
	cli_print_diags(tdiags);
	if (st != CF_OK) {
		if (st == CF_ERR_NOMEM)
			cli_error("out of memory");
		status = cli_exit_status(st);
		goto out;
	}

	nfiles = (size_t)(argc - optind);
	results = calloc(nfiles, sizeof *results);
	unread = calloc(nfiles, sizeof *unread);
	if (!results || !unread)
		goto nomem;
	cf_lint_opts lo;
	memset(&lo, 0, sizeof lo);
	lo.sensors = sensors;
	lo.sensor_count = nsensors;
	lo.disabled = disabled;
	lo.disabled_count = ndisabled;
	size_t errors = 0, warnings = 0;
	for (size_t i = 0; i < nfiles; i++) {
		const char *path = argv[optind + (int)i];
		cf_diag_list *d = cf_diags_new();
		results[i].path = path;
		results[i].diags = d;
		if (!d)
			goto nomem;
		uint8_t *buf = NULL;
		size_t len = 0;
		int err_no = 0;
		st = cf_file_read(path, (size_t)CF_MAX_FILE_SIZE, &buf, &len, &err_no);
		if (st == CF_ERR_LIMIT) {
			if (!cf_diag_add(d, CF_ERROR, "format-limit", path, 0, 0,
			                 "larger than the %llu-byte channel-file limit",
			                 (unsigned long long)CF_MAX_FILE_SIZE))
				goto nomem;
		} else if (st != CF_OK) {
			if (st == CF_ERR_IO)
				cli_io_error("open", path, err_no);
			else
				cli_error("%s: %s", path, cf_strerror(st));
			/* The JSON and SARIF reports say so too: a run with a
			 * file missing is not a clean run. */
			if (st == CF_ERR_NOMEM)
				goto nomem;
			results[i].unread = unread[i] = unread_msg(
			    path, st == CF_ERR_IO && err_no ? cf_file_strerror(err_no) : cf_strerror(st));
			if (!unread[i])
				goto nomem;
			trouble = 1;
			continue;
		} else {
			st = cf_lint_file(set, path, buf, len, &lo, d);
			free(buf);
			if (st == CF_ERR_NOMEM || cf_diags_oom(d))
				goto nomem;
		}
		if (werror)
			cf_diags_promote_warnings(d);
		errors += cf_diags_errors(d);
		warnings += cf_diags_warnings(d);
	}

	if (format == FMT_TEXT) {
		for (size_t i = 0; i < nfiles; i++)
			cli_print_diags(results[i].diags);
		/* A file that could not be read was not linted: the run has no
		 * verdict to sum up (exit 2), as when a manifest cannot be read. */
		if (!trouble)
			fprintf(stderr, "%zu %s, %zu %s, %zu %s\n", nfiles,
			        plural(nfiles, "file", "files"), errors,
			        plural(errors, "error", "errors"), warnings,
			        plural(warnings, "warning", "warnings"));
	} else {
		st = format == FMT_JSON ? cf_lint_report_json(results, nfiles, &doc)
		                        : cf_lint_report_sarif(results, nfiles, &doc);
		if (st != CF_OK)
			goto nomem;
		fputs(doc, stdout);
	}
	status = trouble ? EXIT_TROUBLE : errors ? EXIT_REJECTED : EXIT_OK;
	status = cli_finish(status);
	goto out;
nomem:
	cli_error("out of memory");
	status = EXIT_TROUBLE;
out:
	free(doc);
	for (size_t i = 0; results && i < nfiles; i++)
		cf_diags_free((cf_diag_list *)results[i].diags);
	for (size_t i = 0; unread && i < nfiles; i++)
		free(unread[i]);
	free(unread);
	free(results);
	cf_diags_free(tdiags);
	cf_templates_free(set);
	free(tpl_paths);
	free(sensors);
	free(disabled);
	return status;
}
