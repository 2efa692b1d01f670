/*
 * cmd_verify.c - `cfc verify -p PUBKEY [-x SIGFILE] [--legacy] FILE.cf...`:
 * check each file's minisign signature and that its trusted comment binds
 * it to the file's header. The checks run in a fixed order and the first
 * that fails is named: signature file syntax, algorithm, key ID, signature,
 * global signature, format verifier, trusted-comment binding.
 *
 * An argument that names a bundle (.tar.zst, .tar.gz, .tgz) goes to
 * verify_bundle() instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cf/base.h>
#include <cf/bundle.h>
#include <cf/sign.h>
#include "cli/cmd.h"

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int is_bundle(const char *path)
{
	/* By name, or by its first bytes (zstd, gzip or tar magic). */
	return has_suffix(path, ".tar.zst") || has_suffix(path, ".tar.gz") ||
	       has_suffix(path, ".tgz") || cf_bundle_path_is_bundle(path);
}

/* Verify a release bundle with pk (cli/cmd_unbundle.c, docs/bundles.md).
 * Returns an exit status. Bundles hold prehashed signatures only. */
static int verify_bundle(const cf_pubkey *pk, const char *path, unsigned flags)
{
	(void)flags;
	return cli_bundle_verify(pk, path);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Read a whole file, reporting problems; returns an exit status. */
static int read_input(const char *path, size_t cap, const char *what, uint8_t **buf, size_t *len)
{
	int err_no = 0;
	cf_status st = cf_file_read(path, cap, buf, len, &err_no);
	if (st == CF_OK)
		return EXIT_OK;
	if (st == CF_ERR_LIMIT) {
		cli_error("%s: %s larger than %zu bytes", path, what, cap);
		return EXIT_REJECTED;
	}
	if (st == CF_ERR_IO)
		cli_io_error("read", path, err_no);
	else
		cli_error("%s: %s", path, cf_strerror(st));
	return EXIT_TROUBLE;
}

/* From this size on, a channel file is read, hashed and verified at once
 * (cf_sig_verify_channel_fd). */
#define STREAM_MIN ((off_t)4 << 20)

static int verify_one(const cf_pubkey *pk, const char *path, const char *sig_path, unsigned flags)
{
	uint8_t *sig_text = NULL, *buf = NULL;
	size_t sig_len = 0, len = 0;
	char *own_sig_path = NULL;
	cf_sig *sig = NULL;
	cf_sig_error err;
	int status, fd = -1;

	if (!sig_path) {
		size_t n = strlen(path);
		own_sig_path = malloc(n + sizeof ".minisig");
		if (!own_sig_path) {
			cli_error("out of memory");
			return EXIT_TROUBLE;
		}
		memcpy(own_sig_path, path, n);
		memcpy(own_sig_path + n, ".minisig", sizeof ".minisig");
		sig_path = own_sig_path;
	}
	status = read_input(sig_path, CF_SIG_FILE_MAX, "signature file", &sig_text, &sig_len);
	if (status != EXIT_OK)
		goto out;
	/* A large regular file is read, hashed and verified at once; others
	 * are read whole first. */
	struct stat sb;
	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 &&
	    (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < STREAM_MIN ||
	     (uint64_t)sb.st_size > CF_MAX_FILE_SIZE)) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		status = read_input(path, (size_t)CF_MAX_FILE_SIZE, "channel file", &buf, &len);
		if (status != EXIT_OK)
			goto out;
	}
	memset(&err, 0, sizeof err);
	cf_status st = cf_sig_parse((const char *)sig_text, sig_len, &sig, &err);
	if (st == CF_OK) {
		cf_view view;
		cf_sig_binding b;
		if (fd >= 0) {
			int err_no = 0;
			st = cf_sig_verify_channel_fd(pk, sig, fd, (size_t)CF_MAX_FILE_SIZE, flags,
			                              &buf, &len, &err_no, &view, &b, &err);
			if (st == CF_ERR_IO) {
				if (err_no == ESTALE)
					cli_error("%s: %s", path, err.message);
				else
					cli_io_error("read", path, err_no);
				status = EXIT_TROUBLE;
				goto out;
			}
		} else {
			st = cf_sig_verify_channel(pk, sig, buf, len, flags, &view, &b, &err);
		}
		if (st == CF_OK) {
			uint8_t id[CF_KEY_ID_SIZE];
			char hex[2 * CF_KEY_ID_SIZE + 1];
			cf_sig_key_id(sig, id);
			cf_key_id_hex(id, hex);
			cli_printf(stdout,
			           "%s: signature OK (key ID %s, channel %" PRIu32
			           ", version %" PRIu64
			           ", template %s, %u field%s, signed at %" PRIu64 ")\n",
			           path, hex, view.hdr.channel, view.hdr.content_version,
			           view.hdr.template_name.ptr, (unsigned)view.hdr.field_count,
			           view.hdr.field_count == 1 ? "" : "s", b.timestamp);
			const char *name = base_name(path);
			if (strlen(name) != b.file.len || memcmp(name, b.file.ptr, b.file.len) != 0)
				cli_printf(
				    stderr,
				    "cfc: note: %s: signed under the name '%.*s' (informational; "
				    "the header matches)\n",
				    path, (int)b.file.len, b.file.ptr);
			status = EXIT_OK;
			goto out;
		}
	}
	if (st == CF_ERR_NOMEM || st == CF_ERR_INTERNAL || st == CF_ERR_INVALID ||
	    st == CF_ERR_LIMIT) {
		cli_error("%s: %s", path, err.message);
		status = EXIT_TROUBLE;
		goto out;
	}
	if (err.check == CF_SIG_CHECK_SYNTAX)
		cli_error("%s: signature file syntax: %s: %s", path, sig_path, err.message);
	else
		cli_error("%s: %s check failed: %s", path, cf_sig_check_name(err.check),
		          err.message);
	status = EXIT_REJECTED;
out:
	if (fd >= 0)
		close(fd);
	cf_sig_free(sig);
	free(sig_text);
	free(buf);
	free(own_sig_path);
	return status;
}

/* `cfc verify`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_verify = {"verify", cmd_verify, "check channel files' signatures and their binding",
    "usage: cfc verify -p PUBKEY [-x SIGFILE] [--legacy] FILE.cf...\n"
    "       cfc verify -p PUBKEY BUNDLE\n"
    "\n"
    "A BUNDLE (named .tar.zst, .tar.gz or .tgz, or starting with a zstd, gzip or\n"
    "tar magic) is checked the way cfc unbundle checks it, without installing\n"
    "anything: see cfc unbundle --help and docs/bundles.md.\n"
    "\n"
    "Check each FILE.cf against its minisign signature FILE.cf.minisig (or -x).\n"
    "The checks run in this order and the first that fails is named:\n"
    "signature file syntax, signature algorithm (prehashed \"ED\"), key ID,\n"
    "signature, global signature (over the trusted comment), format verifier,\n"
    "trusted comment binding (channel, version, template, fingerprint and field\n"
    "count against the file's header). The file name in the trusted comment is\n"
    "informational: a renamed file verifies, with a note. See docs/signing.md.\n"
    "\n"
    "  -p, --public-key FILE  minisign public key (from cfc keygen or minisign -G)\n"
    "  -x, --signature FILE   signature file, with exactly one FILE.cf\n"
    "      --legacy           also accept legacy non-prehashed \"Ed\" signatures\n"
    "  -h, --help             show this help\n"
    "\n"
    "`-` as FILE.cf reads stdin (needs -x). Prints one `signature OK` line per\n"
    "good file on stdout.\n"
    "\n"
    "Exit status: 0 every file verified, 1 a signature or file was rejected,\n"
    "2 usage error or unreadable file.\n"};

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"public-key", required_argument, NULL, 'p'},
	    {"signature", required_argument, NULL, 'x'},
	    {"legacy", no_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *pub_path = NULL, *sig_path = NULL;
	unsigned flags = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:x:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pub_path = optarg;
			break;
		case 'x':
			sig_path = optarg;
			break;
		case 'L':
			flags |= CF_SIG_ALLOW_LEGACY;
			break;
		case 'h':
			cli_usage(stdout, "verify");
			return cli_finish(EXIT_OK);
		default:
			return cli_bad_option("verify", argc, argv);
		}
	}
	int nfiles = argc - optind;
	if (!pub_path)
		return cli_bad_usage("verify", "-p PUBKEY is required");
	if (nfiles < 1)
		return cli_bad_usage("verify", "expected at least one FILE.cf or a BUNDLE");
	if (sig_path && nfiles != 1)
		return cli_bad_usage("verify", "-x SIGFILE goes with exactly one FILE.cf");
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0 && !sig_path)
			return cli_bad_usage("verify",
			                     "reading FILE.cf from stdin needs -x SIGFILE");
		if (sig_path && is_bundle(argv[i]))
			return cli_bad_usage("verify", "-x SIGFILE does not apply to a bundle");
	}

	cf_pubkey *pk = NULL;
	int status = cli_load_pubkey(pub_path, &pk);
	if (status != EXIT_OK)
		goto out;
	for (int i = optind; i < argc; i++) {
		int s = is_bundle(argv[i]) ? verify_bundle(pk, argv[i], flags)
		                           : verify_one(pk, argv[i], sig_path, flags);
		if (s > status)
			status = s;
	}
	status = cli_finish(status);
out:
	cf_pubkey_free(pk);
	return status;
}
