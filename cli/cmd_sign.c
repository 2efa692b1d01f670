/*
 * cmd_sign.c - `cfc sign -s SECKEY -t TEMPLATE... [-x SIGFILE] FILE.cf...`:
 * sign only what passes. Each file is run through the format verifier and
 * `cfc lint` (errors only) against the templates; a file that fails gets
 * its diagnostics printed and no signature, and the run exits 1, but the
 * other files are still signed. Signatures are minisign files with a
 * trusted comment that binds them to the file's header (docs/signing.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cf/base.h>
#include <cf/lint.h>
#include <cf/sign.h>
#include <cf/template.h>
#include "cli/cmd.h"

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Verify, lint and sign one file. Returns an exit status. */
static int sign_one(const cf_seckey *sk, const cf_template_set *templates, const char *path,
                    const char *sig_path, uint64_t ts)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char *own_sig_path = NULL, *text = NULL;
	size_t text_len = 0;
	cf_diag_list *diags = NULL;
	int err_no = 0, status = EXIT_TROUBLE;
	cf_sig_error err;

	cf_status st = cf_file_read(path, (size_t)CF_MAX_FILE_SIZE, &buf, &len, &err_no);
	if (st == CF_ERR_LIMIT) {
		cli_error("%s: larger than the %llu-byte channel-file limit", path,
		          (unsigned long long)CF_MAX_FILE_SIZE);
		status = EXIT_REJECTED;
		goto out;
	}
	if (st != CF_OK) {
		if (st == CF_ERR_IO)
			cli_io_error("read", path, err_no);
		else
			cli_error("%s: %s", path, cf_strerror(st));
		goto out;
	}
	if (!(diags = cf_diags_new())) {
		cli_error("out of memory");
		goto out;
	}
	cf_view view;
	cf_verify_error verr;
	const char *failed = "lint checks";
	memset(&verr, 0, sizeof verr);
	st = cf_verify(buf, len, &view, &verr);
	if (st == CF_ERR_NOMEM) {
		/* Not a verdict on the file: nothing is signed, exit 2. */
		cli_error("%s: not signed: out of memory", path);
		goto out;
	}
	if (st != CF_OK) {
		failed = "format verifier";
		cf_diag_add_offset(diags, CF_ERROR, cf_verify_code(st), path, verr.offset, "%s: %s",
		                   cf_strerror(st), verr.message);
	} else {
		cf_lint_opts opts;
		memset(&opts, 0, sizeof opts);
		opts.errors_only = 1;
		st = cf_lint_file(templates, path, buf, len, &opts, diags);
		if (st != CF_OK && st != CF_ERR_REJECTED) {
			cli_error("%s: lint: %s", path, cf_strerror(st));
			goto out;
		}
	}
	if (st != CF_OK || cf_diags_errors(diags) > 0) {
		cli_print_diags(diags);
		cli_error("%s: not signed: it fails the %s", path, failed);
		/* Diagnostics lost to a full heap: an out-of-memory run, not a verdict. */
		status = cf_diags_oom(diags) ? EXIT_TROUBLE : EXIT_REJECTED;
		goto out;
	}
	st = cf_sig_sign_channel(sk, buf, len, base_name(path), ts, &text, &text_len, &err);
	if (st != CF_OK) {
		cli_error("%s: not signed: %s", path, err.message);
		status = cli_exit_status(st);
		goto out;
	}
	if (!sig_path) {
		size_t n = strlen(path);
		if (!(own_sig_path = malloc(n + sizeof ".minisig"))) {
			cli_error("out of memory");
			goto out;
		}
		memcpy(own_sig_path, path, n);
		memcpy(own_sig_path + n, ".minisig", sizeof ".minisig");
		sig_path = own_sig_path;
	}
	st = cf_file_write_atomic(sig_path, text, text_len, 0644, 0, &err_no);
	if (st != CF_OK) {
		if (st == CF_ERR_IO)
			cli_write_error(sig_path, err_no);
		else
			cli_error("%s: %s", sig_path, cf_strerror(st));
		goto out;
	}
	if (strcmp(sig_path, "-") != 0)
		cli_printf(stdout, "%s: signed (channel %" PRIu32 ", version %" PRIu64 ") -> %s\n",
		           path, view.hdr.channel, view.hdr.content_version, sig_path);
	status = EXIT_OK;
out:
	cf_diags_free(diags);
	free(buf);
	free(text);
	free(own_sig_path);
	return status;
}

/* Refuse, before anything is signed, a signature path (-x, or each
 * FILE.cf.minisig) that is one of the run's inputs (the secret key, the
 * password file, a template manifest, a channel file), another signature of
 * the run, or anything the write would refuse. Exit status. */
static int check_outputs(const char *sec_path, const char *pw_file, const char *const *tpl,
                         size_t ntpl, const char *sig_path, char *const *files, size_t nfiles)
{
	cf_inputs *in = cf_inputs_new();
	cf_inputs *outs = cf_inputs_new();
	cf_status st = in && outs ? cf_inputs_add(in, sec_path) : CF_ERR_NOMEM;
	if (!pw_file && (pw_file = getenv("CFC_PASSWORD_FILE")) && !*pw_file)
		pw_file = NULL;
	if (st == CF_OK && pw_file)
		st = cf_inputs_add(in, pw_file);
	for (size_t i = 0; st == CF_OK && i < ntpl; i++)
		st = cf_inputs_add_templates(in, tpl[i]);
	for (size_t i = 0; st == CF_OK && i < nfiles; i++)
		st = cf_inputs_add(in, files[i]);
	int status = st == CF_OK ? EXIT_OK : EXIT_TROUBLE;
	if (st != CF_OK)
		cli_error("out of memory");
	for (size_t i = 0; status == EXIT_OK && i < nfiles; i++) {
		char *own = NULL;
		const char *out = sig_path;
		if (!out) {
			size_t n = strlen(files[i]);
			if (!(own = malloc(n + sizeof ".minisig"))) {
				cli_error("out of memory");
				status = EXIT_TROUBLE;
				break;
			}
			memcpy(own, files[i], n);
			memcpy(own + n, ".minisig", sizeof ".minisig");
			out = own;
		}
		int e;
		const char *same = cf_inputs_clash(in, out);
		const char *twice = cf_inputs_clash(outs, out);
		if (same) {
			cli_error("cannot write '%s': it is the same file as the input '%s'; "
			          "nothing signed",
			          out, same);
			status = EXIT_TROUBLE;
		} else if (twice) {
			cli_error("cannot write '%s': it is the same file as the signature '%s' of "
			          "this run; nothing signed",
			          out, twice);
			status = EXIT_TROUBLE;
		} else if ((e = cf_file_check_output(out, 0)) != 0) {
			/* What the write would refuse (a directory, a socket, a
			 * dangling link, which another signature of this run could
			 * give a target), refused before the first signature. */
			cli_error("cannot write '%s': %s; nothing signed", out, cf_file_strerror(e));
			status = EXIT_TROUBLE;
		} else if (cf_inputs_add(outs, out) != CF_OK) {
			cli_error("out of memory");
			status = EXIT_TROUBLE;
		}
		free(own);
	}
	cf_inputs_free(in);
	cf_inputs_free(outs);
	return status;
}

/* `cfc sign`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_sign = {"sign", cmd_sign, "sign channel files that pass the verifier and lint",
    "usage: cfc sign -s SECKEY -t TEMPLATE... [-x SIGFILE] [--password-file FILE]\n"
    "                FILE.cf...\n"
    "\n"
    "Sign each FILE.cf that passes the format verifier and `cfc lint` with no\n"
    "errors against the templates, writing FILE.cf.minisig (or -x) atomically: a\n"
    "prehashed minisign signature that stock `minisign -V` verifies, whose\n"
    "trusted comment binds it to the file's channel, content version, template\n"
    "name and fingerprint and field count (docs/signing.md). A file that fails\n"
    "gets its diagnostics printed and no signature; the others are still signed.\n"
    "\n"
    "The secret key may come from cfc keygen or minisign -G (with or without -W).\n"
    "An encrypted key's password is read from the terminal without echo, or for\n"
    "CI from the first line of --password-file FILE or of the file named by the\n"
    "environment variable CFC_PASSWORD_FILE; never from the command line.\n"
    "The timestamp in the trusted comment is SOURCE_DATE_EPOCH when set.\n"
    "\n"
    "  -s, --secret-key FILE  minisign secret key\n"
    "  -t, --template PATH    template manifest, or a directory of *.yaml\n"
    "                         manifests; repeat for more (at least one)\n"
    "  -x, --signature FILE   signature file, with exactly one FILE.cf\n"
    "                         (`-` writes it to stdout)\n"
    "      --password-file FILE\n"
    "                         read the key's password from the first line of FILE\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 every file signed, 1 a file failed verification or lint,\n"
    "a wrong password or a bad key file, 2 usage error or I/O error.\n"};

int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"secret-key", required_argument, NULL, 's'},
	    {"template", required_argument, NULL, 't'},
	    {"signature", required_argument, NULL, 'x'},
	    {"password-file", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *sec_path = NULL, *sig_path = NULL, *pw_file = NULL;
	const char **tpl_paths = NULL;
	size_t ntpl = 0;
	cf_template_set *templates = NULL;
	cf_diag_list *diags = NULL;
	cf_seckey *sk = NULL;
	int status = EXIT_TROUBLE;
	int c;

	if (!(tpl_paths = calloc((size_t)argc, sizeof *tpl_paths))) {
		cli_error("out of memory");
		return EXIT_TROUBLE;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:t:x:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sec_path = optarg;
			break;
		case 't':
			tpl_paths[ntpl++] = optarg;
			break;
		case 'x':
			sig_path = optarg;
			break;
		case 'P':
			pw_file = optarg;
			break;
		case 'h':
			cli_usage(stdout, "sign");
			status = cli_finish(EXIT_OK);
			goto out;
		default:
			status = cli_bad_option("sign", argc, argv);
			goto out;
		}
	}
	int nfiles = argc - optind;
	if (!sec_path || ntpl == 0 || nfiles < 1) {
		status = cli_bad_usage("sign", "-s SECKEY, at least one -t TEMPLATE and at least "
		                               "one FILE.cf are required");
		goto out;
	}
	if (sig_path && nfiles != 1) {
		status = cli_bad_usage("sign", "-x SIGFILE goes with exactly one FILE.cf");
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			status = cli_bad_usage("sign", "name the channel file to sign; stdin is "
			                               "not accepted");
			goto out;
		}
	}
	if ((status = check_outputs(sec_path, pw_file, tpl_paths, ntpl, sig_path, argv + optind,
	                            (size_t)nfiles)) != EXIT_OK)
		goto out;
	status = EXIT_TROUBLE;
	uint64_t ts = 0;
	if (cli_env_time("SOURCE_DATE_EPOCH", &ts) != 0) {
		cli_error("SOURCE_DATE_EPOCH must be a decimal number of seconds");
		goto out;
	}
	if (!(templates = cf_templates_new()) || !(diags = cf_diags_new())) {
		cli_error("out of memory");
		goto out;
	}
	cf_status tst = cf_templates_load_all(templates, tpl_paths, ntpl, diags);
	if (tst != CF_OK || cf_diags_errors(diags) > 0) {
		cli_print_diags(diags);
		int oom = tst == CF_ERR_NOMEM || cf_diags_oom(diags);
		cli_error("no file signed: %s",
		          oom ? "out of memory" : "the templates have errors");
		status =
		    !oom && (tst == CF_ERR_REJECTED || tst == CF_OK) ? EXIT_REJECTED : EXIT_TROUBLE;
		goto out;
	}
	if ((status = cli_load_seckey(sec_path, pw_file, &sk)) != EXIT_OK)
		goto out;
	for (int i = optind; i < argc; i++) {
		int s = sign_one(sk, templates, argv[i], sig_path, ts);
		if (s > status)
			status = s;
	}
	status = cli_finish(status);
out:
	cf_seckey_free(sk);
	cf_diags_free(diags);
	cf_templates_free(templates);
	free(tpl_paths);
	return status;
}
