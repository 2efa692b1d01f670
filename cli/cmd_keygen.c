/*
 * cmd_keygen.c - `cfc keygen [-W] [-f] -p PUBKEY -s SECKEY`: a minisign key
 * pair. The secret key is encrypted with a password (scrypt, as minisign
 * does) unless -W; the password comes from --password-file FILE, from
 * $CFC_PASSWORD_FILE, or from the terminal (twice), never from argv.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cf/base.h>
#include <cf/sign.h>
#include "cli/cmd.h"

static int path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* `cfc keygen`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_keygen = {"keygen", cmd_keygen, "make a minisign key pair for signing channel files",
    "usage: cfc keygen [-W] [-f] [--password-file FILE] [--kdf LEVEL] -p PUBKEY -s SECKEY\n"
    "\n"
    "Write a new minisign key pair: the public key to PUBKEY (mode 0644) and the\n"
    "secret key to SECKEY (mode 0600), encrypted with a password (scrypt, as\n"
    "minisign does) unless -W. Stock `minisign` reads both files.\n"
    "\n"
    "The password is read from the terminal without echo, twice; for CI it is the\n"
    "first line of --password-file FILE or of the file named by the environment\n"
    "variable CFC_PASSWORD_FILE. It is never taken from the command line.\n"
    "\n"
    "  -p, --public-key FILE  public key file to write\n"
    "  -s, --secret-key FILE  secret key file to write\n"
    "  -W, --unencrypted      do not encrypt the secret key (minisign -G -W)\n"
    "  -f, --force            replace existing key files\n"
    "      --password-file FILE\n"
    "                         read the password from the first line of FILE\n"
    "      --kdf LEVEL        scrypt cost: sensitive (default, minisign's: 1 GiB,\n"
    "                         seconds per use) or interactive (16 MiB; for tests)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 written, 1 the passwords differ or are empty,\n"
    "2 usage error, an existing key file without -f, or a failed write.\n"};

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"unencrypted", no_argument, NULL, 'W'},
	    {"force", no_argument, NULL, 'f'},
	    {"public-key", required_argument, NULL, 'p'},
	    {"secret-key", required_argument, NULL, 's'},
	    {"password-file", required_argument, NULL, 'P'},
	    {"kdf", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *pub_path = NULL, *sec_path = NULL, *pw_file = NULL;
	int unencrypted = 0, force = 0;
	cf_kdf_level level = CF_KDF_SENSITIVE;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "Wfp:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'W':
			unencrypted = 1;
			break;
		case 'f':
			force = 1;
			break;
		case 'p':
			pub_path = optarg;
			break;
		case 's':
			sec_path = optarg;
			break;
		case 'P':
			pw_file = optarg;
			break;
		case 'k':
			if (strcmp(optarg, "sensitive") == 0)
				level = CF_KDF_SENSITIVE;
			else if (strcmp(optarg, "interactive") == 0)
				level = CF_KDF_INTERACTIVE;
			else
				return cli_bad_usage(
				    "keygen", "unknown --kdf '%s' (sensitive or interactive)",
				    optarg);
			break;
		case 'h':
			cli_usage(stdout, "keygen");
			return cli_finish(EXIT_OK);
		default:
			return cli_bad_option("keygen", argc, argv);
		}
	}
	if (optind != argc)
		return cli_bad_usage("keygen", "unexpected argument '%s'", argv[optind]);
	if (!pub_path || !sec_path)
		return cli_bad_usage("keygen", "both -p PUBKEY and -s SECKEY are required");
	if (strcmp(pub_path, "-") == 0 || strcmp(sec_path, "-") == 0)
		return cli_bad_usage("keygen", "key files must be named files, not '-'");
	/* By identity: "k", "./k", a link to k or a hard link of it. */
	int same = cf_same_output(pub_path, sec_path);
	if (same < 0) {
		cli_error("out of memory");
		return EXIT_TROUBLE;
	}
	if (same)
		return cli_bad_usage("keygen", "-p and -s name the same file");
	/* A dangling link could point at the other key: writing one would
	 * give the link a target, and the second write would replace it. */
	const char *dangling = cf_output_dangling(pub_path)   ? pub_path
	                       : cf_output_dangling(sec_path) ? sec_path
	                                                      : NULL;
	if (dangling) {
		cli_error("cannot write '%s': it is a symbolic link to a file that does not exist; "
		          "no key written",
		          dangling);
		return EXIT_TROUBLE;
	}
	if (!pw_file && !unencrypted) {
		const char *env = getenv("CFC_PASSWORD_FILE");
		if (env && *env)
			pw_file = env;
	}
	/* The one input: the password file must not be replaced by a key. */
	if (pw_file && !unencrypted) {
		cf_inputs *in = cf_inputs_new();
		const char *clash = NULL, *out_path = NULL;
		if (!in || cf_inputs_add(in, pw_file) != CF_OK) {
			cf_inputs_free(in);
			cli_error("out of memory");
			return EXIT_TROUBLE;
		}
		if ((clash = cf_inputs_clash(in, sec_path)))
			out_path = sec_path;
		else if ((clash = cf_inputs_clash(in, pub_path)))
			out_path = pub_path;
		if (clash)
			cli_error("cannot write '%s': it is the same file as the input '%s'",
			          out_path, clash);
		cf_inputs_free(in);
		if (clash)
			return EXIT_TROUBLE;
	}

	cf_seckey *sk = NULL;
	cf_pubkey *pk = NULL;
	char *pw = NULL, *sec_text = NULL, *pub_text = NULL;
	size_t pw_len = 0, sec_len = 0, pub_len = 0;
	int status = EXIT_TROUBLE, err_no = 0;
	cf_sig_error err;
	cf_status st;

	/* Refuse early, before asking for a password; the writes below are
	 * exclusive too, so a file that appears meanwhile is not replaced. */
	if (!force) {
		const char *existing = path_exists(sec_path)   ? sec_path
		                       : path_exists(pub_path) ? pub_path
		                                               : NULL;
		if (existing) {
			cli_error("'%s' already exists; use -f to overwrite the key pair",
			          existing);
			goto out;
		}
	}
	if (cf_sig_init() != CF_OK) {
		cli_error("libsodium failed to initialise");
		goto out;
	}
	if (!unencrypted) {
		st = cli_password_get(pw_file, 1, &pw, &pw_len, &err);
		if (st != CF_OK) {
			cli_error("%s", err.message);
			status = st == CF_ERR_REJECTED ? EXIT_REJECTED : EXIT_TROUBLE;
			goto out;
		}
		if (pw_len == 0) {
			cli_error("empty password; use -W for a secret key without a password");
			status = EXIT_REJECTED;
			goto out;
		}
	}
	if ((st = cf_seckey_generate(&sk, &pk)) != CF_OK ||
	    (st = cf_seckey_serialize(sk, unencrypted ? NULL : pw, pw_len, level, &sec_text,
	                              &sec_len)) != CF_OK ||
	    (st = cf_pubkey_serialize(pk, &pub_text, &pub_len)) != CF_OK) {
		cli_error("cannot make the key pair: %s", cf_strerror(st));
		goto out;
	}
	/* Both keys are staged (checked, and written to temporaries) before
	 * either is put in place: a -p that cannot be written leaves the old
	 * pair, or nothing, not a new secret key without its public key. */
	const char *paths[2] = {sec_path, pub_path};
	const char *texts[2] = {sec_text, pub_text};
	size_t lens[2] = {sec_len, pub_len};
	mode_t modes[2] = {0600, 0644};
	cf_staged *staged[2] = {NULL, NULL};
	int k;
	for (k = 0; k < 2; k++) {
		st = cf_file_stage(paths[k], texts[k], lens[k], modes[k], !force, &staged[k],
		                   &err_no);
		if (st != CF_OK)
			break;
	}
	if (k == 2) {
		/* A device or FIFO first: it may fail or wait for its reader,
		 * while putting a staged file in place is a rename. */
		int first = cf_file_staged_through(staged[1]) ? 1 : 0;
		for (int n = 0; n < 2 && st == CF_OK; n++) {
			k = n == 0 ? first : 1 - first;
			st = cf_file_commit(staged[k], &err_no);
			staged[k] = NULL;
		}
		if (st != CF_OK && !force && k != first)
			/* The first was new: do not leave half a pair. */
			unlink(paths[first]);
	}
	cf_file_discard(staged[0]);
	cf_file_discard(staged[1]);
	if (st != CF_OK) {
		if (st == CF_ERR_IO || st == CF_ERR_NOMEM)
			cli_write_error(paths[k], err_no);
		else
			cli_error("%s: %s", paths[k], cf_strerror(st));
		goto out;
	}
	uint8_t id[CF_KEY_ID_SIZE];
	char hex[2 * CF_KEY_ID_SIZE + 1];
	cf_pubkey_id(pk, id);
	cf_key_id_hex(id, hex);
	cli_printf(stdout, "key ID %s\n", hex);
	cli_printf(stdout, "secret key: %s (%s; keep it secret)\n", sec_path,
	           unencrypted ? "not encrypted" : "encrypted with the password");
	cli_printf(stdout, "public key: %s\n", pub_path);
	status = cli_finish(EXIT_OK);
out:
	cf_key_secret_free(pw);
	cf_key_secret_free(sec_text);
	free(pub_text);
	cf_seckey_free(sk);
	cf_pubkey_free(pk);
	return status;
}
