/*
 * cmd_unbundle.c - `cfc unbundle -p PUBKEY [-C DIR] [--state DIR] BUNDLE`:
 * verify a release bundle completely in memory, then install it into DIR
 * (all files, or none when anything fails a check). Also the bundle half of
 * `cfc verify -p PUBKEY BUNDLE` (cli_bundle_verify()).
 *
 * The time an expiry is checked against is the clock, or CFC_NOW (Unix
 * seconds) when set: a test hook. SOURCE_DATE_EPOCH never moves it.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cf/base.h>
#include <cf/bundle.h>
#include <cf/sign.h>
#include "cli/cmd.h"

/* Read and verify a bundle; prints every diagnostic. Returns an exit
 * status; on EXIT_OK *out is the verified bundle. */
static int open_bundle(const cf_pubkey *pk, const char *path, cf_bundle **out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err_no = 0, status = EXIT_TROUBLE;
	uint64_t now = 0;
	cf_diag_list *diags = NULL;
	*out = NULL;
	if (cli_env_time("CFC_NOW", &now) != 0) {
		cli_error("CFC_NOW must be a decimal number of seconds");
		return EXIT_TROUBLE;
	}
	cf_status st = cf_file_read(path, (size_t)CF_BUNDLE_MAX_ARCHIVE_SIZE, &buf, &len, &err_no);
	if (st == CF_ERR_LIMIT) {
		cli_error("%s: larger than the %" PRIu64 "-byte cap on a bundle file", path,
		          (uint64_t)CF_BUNDLE_MAX_ARCHIVE_SIZE);
		return EXIT_REJECTED;
	}
	if (st != CF_OK) {
		if (st == CF_ERR_IO)
			cli_io_error("read", path, err_no);
		else
			cli_error("%s: %s", path, cf_strerror(st));
		return EXIT_TROUBLE;
	}
	if (!(diags = cf_diags_new())) {
		cli_error("out of memory");
		goto out;
	}
	cf_bundle_open_opts oo = {.now = now, .path = path};
	st = cf_bundle_open(buf, len, pk, &oo, out, diags);
	cli_print_diags(diags);
	if (st == CF_ERR_NOMEM && cf_diags_count(diags) == 0)
		cli_error("out of memory");
	status = cli_exit_status(st);
out:
	cf_diags_free(diags);
	free(buf);
	return status;
}

int cli_bundle_verify(const cf_pubkey *pk, const char *path)
{
	cf_bundle *b = NULL;
	int status = open_bundle(pk, path, &b);
	if (status != EXIT_OK)
		return status;
	char when[32];
	time_t t = (time_t)cf_bundle_expires(b);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof when, "@%" PRIu64, cf_bundle_expires(b));
	cli_printf(stdout,
	           "%s: bundle OK (bundle version %" PRIu64
	           ", %zu channel files, expires %s, rings",
	           path, cf_bundle_version(b), cf_bundle_file_count(b), when);
	for (size_t i = 0; i < cf_bundle_ring_count(b); i++) {
		cf_bundle_ring r = cf_bundle_ring_at(b, i);
		cli_printf(stdout, " %s:%u", r.name, r.percent);
	}
	printf(")\n");
	for (size_t i = 0; i < cf_bundle_file_count(b); i++) {
		const cf_bundle_file *f = cf_bundle_file_at(b, i);
		cli_printf(stdout,
		           "  %s: signature OK (channel %" PRIu32 ", version %" PRIu64
		           ", template %s, %u field%s)\n",
		           f->name, f->view.hdr.channel, f->view.hdr.content_version,
		           f->view.hdr.template_name.ptr, (unsigned)f->view.hdr.field_count,
		           f->view.hdr.field_count == 1 ? "" : "s");
	}
	cf_bundle_free(b);
	return EXIT_OK;
}

/* The path of name inside dir, in buf (cap bytes); NULL if it does not
 * fit (then it cannot be a file anyone opened either). */
static const char *join_path(char *buf, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(buf, cap, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= cap ? NULL : buf;
}

/* Refuse, before anything is installed, a file the installation would
 * write (each channel file and signature in dir, the state file) that is
 * the bundle itself or the public key. Returns an exit status. */
static int check_outputs(const cf_bundle *b, const char *dir, const char *state_dir,
                         const char *pub_path, const char *path)
{
	cf_inputs *in = cf_inputs_new();
	cf_status st = in ? cf_inputs_add(in, pub_path) : CF_ERR_NOMEM;
	if (st == CF_OK)
		st = cf_inputs_add(in, path);
	if (st != CF_OK) {
		cf_inputs_free(in);
		cli_error("out of memory");
		return EXIT_TROUBLE;
	}
	char buf[4096];
	const char *out = NULL, *same = NULL;
	for (size_t i = 0; !same && i < cf_bundle_file_count(b); i++) {
		const cf_bundle_file *f = cf_bundle_file_at(b, i);
		if ((out = join_path(buf, sizeof buf, dir, f->name)))
			same = cf_inputs_clash(in, out);
		if (!same && (out = join_path(buf, sizeof buf, dir, f->sig_name)))
			same = cf_inputs_clash(in, out);
	}
	if (!same && state_dir &&
	    (out = join_path(buf, sizeof buf, state_dir, CF_BUNDLE_STATE_FILE)))
		same = cf_inputs_clash(in, out);
	if (same)
		cli_error("cannot write '%s': it is the same file as the input '%s'; nothing "
		          "installed",
		          out, same);
	cf_inputs_free(in);
	return same ? EXIT_TROUBLE : EXIT_OK;
}

/* `cfc unbundle`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_unbundle = {"unbundle", cmd_unbundle, "verify a release bundle and install it, all or nothing",
    "usage: cfc unbundle -p PUBKEY [-C DIR] [--state DIR] BUNDLE\n"
    "\n"
    "Verify BUNDLE completely in memory, then install its channel files and\n"
    "signatures into DIR. Checked first, in this order: archive entries (tar,\n"
    "zstd/gzip/none; only regular files with plain names, no duplicates; caps\n"
    "of 4096 entries, 64 MiB per entry and 256 MiB in all, enforced while\n"
    "reading), the manifest's signature by PUBKEY, the manifest, its expiry,\n"
    "no unlisted entry and every listed file present, then each file's size,\n"
    "BLAKE2b-256, signature and header. With --state, the bundle version and\n"
    "every channel's content version must not go back (equal content versions\n"
    "only with identical bytes). A rejected bundle writes nothing. Files are\n"
    "written into a temporary directory inside DIR, fsync'd and renamed into\n"
    "place; the state file is replaced last. CFC_NOW (Unix seconds) overrides\n"
    "the clock for the expiry check. See docs/bundles.md.\n"
    "\n"
    "  -p, --public-key FILE  minisign public key the bundle must be signed with\n"
    "  -C, --directory DIR    install into DIR (default: the current directory)\n"
    "      --state DIR        rollback state directory (holds cfc-state.json)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 installed, 1 bundle rejected (nothing written),\n"
    "2 usage error, I/O error or out of memory.\n"};

int cmd_unbundle(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"public-key", required_argument, NULL, 'p'},
	    {"directory", required_argument, NULL, 'C'},
	    {"state", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *pub_path = NULL, *dir = ".", *state_dir = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:C:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pub_path = optarg;
			break;
		case 'C':
			dir = optarg;
			break;
		case 'S':
			state_dir = optarg;
			break;
		case 'h':
			cli_usage(stdout, "unbundle");
			return cli_finish(EXIT_OK);
		default:
			return cli_bad_option("unbundle", argc, argv);
		}
	}
	if (!pub_path)
		return cli_bad_usage("unbundle", "-p PUBKEY is required");
	if (argc - optind != 1)
		return cli_bad_usage("unbundle", "expected exactly one BUNDLE");
	const char *path = argv[optind];

	int err_no = 0, status = EXIT_TROUBLE;
	cf_pubkey *pk = NULL;
	cf_bundle *b = NULL;
	cf_diag_list *diags = NULL;
	cf_status st;
	if ((status = cli_load_pubkey(pub_path, &pk)) != EXIT_OK)
		goto out;
	if ((status = open_bundle(pk, path, &b)) != EXIT_OK)
		goto out;
	if ((status = check_outputs(b, dir, state_dir, pub_path, path)) != EXIT_OK)
		goto out;
	if (!(diags = cf_diags_new())) {
		cli_error("out of memory");
		status = EXIT_TROUBLE;
		goto out;
	}
	st = cf_bundle_install(b, dir, state_dir, path, diags, &err_no);
	cli_print_diags(diags);
	if (st != CF_OK) {
		if (st == CF_ERR_NOMEM && cf_diags_count(diags) == 0)
			cli_error("out of memory");
		status = cli_exit_status(st);
		goto out;
	}
	cli_printf(stdout, "%s: installed bundle version %" PRIu64 " (%zu channel files) into %s\n",
	           path, cf_bundle_version(b), cf_bundle_file_count(b), dir);
	status = cli_finish(EXIT_OK);
out:
	cf_diags_free(diags);
	cf_bundle_free(b);
	cf_pubkey_free(pk);
	return status;
}
