/*
 * cmd_compile.c - `cfc compile`: rule sources and template manifests into
 * one channel file.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cf/base.h>
#include <cf/compile.h>
#include <cf/template.h>
#include "cli/cmd.h"

/* Refuse an output that is one of the run's inputs (a source or a template
 * manifest, those of a -t directory included) before it is written.
 * Returns an exit status. */
static int check_output(const char *output, const char *const *tpaths, size_t ntpaths,
                        char *const *srcs, size_t nsrcs)
{
	cf_inputs *in = cf_inputs_new();
	cf_status st = in ? CF_OK : CF_ERR_NOMEM;
	for (size_t i = 0; st == CF_OK && i < ntpaths; i++)
		st = cf_inputs_add_templates(in, tpaths[i]);
	for (size_t i = 0; st == CF_OK && i < nsrcs; i++)
		st = cf_inputs_add(in, srcs[i]);
	int status = EXIT_OK;
	const char *same = st == CF_OK ? cf_inputs_clash(in, output) : NULL;
	if (st != CF_OK) {
		cli_error("out of memory");
		status = EXIT_TROUBLE;
	} else if (same) {
		cli_error("cannot write '%s': it is the same file as the input '%s'", output, same);
		status = EXIT_TROUBLE;
	}
	cf_inputs_free(in);
	return status;
}

/* `cfc compile`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_compile = {"compile", cmd_compile, "compile YAML rule sources into a channel file",
    "usage: cfc compile -t TEMPLATE... [-o OUT.cf] [--content-version N]\n"
    "                   [--strip-source] SOURCE.yaml...\n"
    "\n"
    "Compile rule sources into one channel file. Several sources may form one\n"
    "channel: they must agree on channel, template, version and requires_sensor,\n"
    "and instance ids must not collide. Every error of the run is reported as\n"
    "PATH:LINE:COL: error: MESSAGE [CODE] (codes: docs/compile-codes.md), and\n"
    "nothing is written when there is any. The output is written atomically and\n"
    "is the same bytes for the same sources, whatever their order.\n"
    "\n"
    "  -t, --template PATH    template manifest, or a directory of *.yaml\n"
    "                         manifests; repeat for more (at least one)\n"
    "  -o, --output FILE      output file, `-` for stdout\n"
    "                         (default C-<channel 8 digits>-<version 8 digits>.cf)\n"
    "      --content-version N\n"
    "                         use N (1..2^63-1) as the content version instead of\n"
    "                         the sources' `version`\n"
    "      --strip-source     leave the source map (file:line:col) out\n"
    "  -h, --help             show this help\n"
    "\n"
    "`-` as a SOURCE reads stdin.\n"
    "\n"
    "Exit status: 0 written, 1 errors in a source or manifest,\n"
    "2 usage error, unreadable file or failed write.\n"};

int cmd_compile(int argc, char **argv)
{
	enum { OPT_CONTENT_VERSION = 256, OPT_STRIP_SOURCE };
	static const struct option longopts[] = {
	    {"template", required_argument, NULL, 't'},
	    {"output", required_argument, NULL, 'o'},
	    {"content-version", required_argument, NULL, OPT_CONTENT_VERSION},
	    {"strip-source", no_argument, NULL, OPT_STRIP_SOURCE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int status = EXIT_TROUBLE;
	const char **tpaths = NULL;
	size_t ntpaths = 0;
	const char *output = NULL;
	cf_compile_options opt;
	cf_template_set *set = NULL;
	cf_diag_list *diags = NULL;
	cf_compile_result *res = NULL;
	memset(&opt, 0, sizeof opt);

	tpaths = calloc((size_t)argc, sizeof *tpaths);
	if (!tpaths) {
		cli_error("out of memory");
		goto out;
	}
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, ":t:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			tpaths[ntpaths++] = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_CONTENT_VERSION: {
			unsigned long long v;
			if (cli_parse_u64(optarg, 1, INT64_MAX, &v)) {
				status =
				    cli_bad_usage("compile",
				                  "--content-version must be an integer from 1 to "
				                  "9223372036854775807, not '%s'",
				                  optarg);
				goto out;
			}
			opt.content_version = v;
			break;
		}
		case OPT_STRIP_SOURCE:
			opt.strip_source = 1;
			break;
		case 'h':
			cli_usage(stdout, "compile");
			status = cli_finish(EXIT_OK);
			goto out;
		case ':':
			status = cli_bad_usage("compile", "option '%s' needs an argument",
			                       argv[optind - 1]);
			goto out;
		default:
			status = cli_bad_usage("compile", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (ntpaths == 0) {
		status = cli_bad_usage("compile", "no template manifest; give one with -t");
		goto out;
	}
	if (optind >= argc) {
		status = cli_bad_usage("compile", "no rule source given");
		goto out;
	}
	/* -o is known now: refuse a clash before any work. */
	if (output && (status = check_output(output, tpaths, ntpaths, argv + optind,
	                                     (size_t)(argc - optind))) != EXIT_OK)
		goto out;
	status = EXIT_TROUBLE;
	set = cf_templates_new();
	diags = cf_diags_new();
	if (!set || !diags) {
		cli_error("out of memory");
		goto out;
	}
	cf_status st = cf_templates_load_all(set, tpaths, ntpaths, diags);
	if (st == CF_ERR_NOMEM) {
		cli_print_diags(diags);
		cli_error("out of memory");
		goto out;
	}
	if (st == CF_ERR_IO) {
		/* A -t path that cannot be read: every source would only say
		 * "unknown template". */
		cli_print_diags(diags);
		status = EXIT_TROUBLE;
		goto out;
	}
	opt.templates = set;
	cf_status cst = cf_compile_files(&opt, (const char *const *)(argv + optind),
	                                 (size_t)(argc - optind), diags, &res);
	cli_print_diags(diags);
	if (cst == CF_ERR_NOMEM) {
		cli_error("out of memory");
		goto out;
	}
	if (st == CF_ERR_IO || cst == CF_ERR_IO) {
		status = EXIT_TROUBLE;
		goto out;
	}
	if (st != CF_OK || cst != CF_OK) {
		status = cli_exit_status(st != CF_OK ? st : cst);
		if (cst == CF_ERR_INTERNAL)
			cli_error("internal error while compiling");
		goto out;
	}
	char name[64];
	if (!output) {
		cf_compile_default_name(cf_compile_result_channel(res),
		                        cf_compile_result_version(res), name, sizeof name);
		output = name;
		if ((status = check_output(output, tpaths, ntpaths, argv + optind,
		                           (size_t)(argc - optind))) != EXIT_OK)
			goto out;
		status = EXIT_TROUBLE;
	}
	size_t len;
	const uint8_t *bytes = cf_compile_result_bytes(res, &len);
	int err_no = 0;
	if (cf_file_write_atomic(output, bytes, len, 0644, 0, &err_no) != CF_OK) {
		cli_write_error(output, err_no);
		status = EXIT_TROUBLE;
		goto out;
	}
	status = strcmp(output, "-") == 0 ? cli_finish(EXIT_OK) : EXIT_OK;
out:
	cf_compile_result_free(res);
	cf_diags_free(diags);
	cf_templates_free(set);
	free(tpaths);
	return status;
}
