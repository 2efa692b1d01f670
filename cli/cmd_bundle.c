/*
 * cmd_bundle.c - `cfc bundle -s SECKEY -o BUNDLE.tar.zst [--bundle-version N]
 * [--ring NAME:PERCENT]... [--expires SECONDS|DATE] FILE.cf...`: package
 * signed channel files into a reproducible, signed release bundle.
 *
 * Every FILE.cf must carry FILE.cf.minisig, a valid signature by the
 * bundling key (made by `cfc sign`, where lint gates content); the bundler
 * signs only the manifest. docs/bundles.md has the details.
 */
#include <errno.h>
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

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* --expires: SECONDS after the creation time, or an absolute UTC date
 * YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ. */
static int parse_expires(const char *s, uint64_t created, uint64_t *out)
{
	unsigned long long secs = 0;
	if (cli_parse_u64(s, 1, (unsigned long long)INT64_MAX - created, &secs) == 0) {
		*out = created + secs;
		return 0;
	}
	/* Fixed-width digits only; timegm() then normalises, so a date that
	 * does not exist (Feb 30) shows up as a changed field. */
	int f[6] = {0, 0, 0, 0, 0, 0};
	static const int width[6] = {4, 2, 2, 2, 2, 2};
	static const char sep[6] = {'-', '-', 'T', ':', ':', 'Z'};
	size_t len = strlen(s), pos = 0;
	int nf = len == 10 ? 3 : len == 20 ? 6 : 0;
	if (!nf)
		return -1;
	for (int k = 0; k < nf; k++) {
		for (int d = 0; d < width[k]; d++, pos++) {
			if (s[pos] < '0' || s[pos] > '9')
				return -1;
			f[k] = f[k] * 10 + (s[pos] - '0');
		}
		if (k < nf - 1 || nf == 6) {
			if (s[pos] != sep[k])
				return -1;
			pos++;
		}
	}
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	time_t t = timegm(&tm);
	if (t < 0 || tm.tm_year != f[0] - 1900 || tm.tm_mon != f[1] - 1 || tm.tm_mday != f[2] ||
	    tm.tm_hour != f[3] || tm.tm_min != f[4] || tm.tm_sec != f[5])
		return -1;
	*out = (uint64_t)t;
	return 0;
}

/* --ring NAME:PERCENT; the library checks the name and the order. */
static int parse_ring(char *arg, cf_bundle_ring *r)
{
	char *colon = strrchr(arg, ':');
	unsigned long long pct = 0;
	if (!colon || colon == arg || cli_parse_u64(colon + 1, 1, 100, &pct) != 0)
		return -1;
	*colon = '\0';
	r->name = arg;
	r->percent = (unsigned)pct;
	return 0;
}

/* Read FILE.cf and FILE.cf.minisig into in. Returns an exit status. */
static int read_input(const char *path, cf_bundle_input *in)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err_no = 0;
	size_t n = strlen(path);
	char *sig_path = malloc(n + sizeof ".minisig");
	if (!sig_path) {
		cli_error("out of memory");
		return EXIT_TROUBLE;
	}
	memcpy(sig_path, path, n);
	memcpy(sig_path + n, ".minisig", sizeof ".minisig");
	int status = EXIT_TROUBLE;
	cf_status st = cf_file_read(path, (size_t)CF_BUNDLE_MAX_ENTRY_SIZE, &buf, &len, &err_no);
	if (st == CF_ERR_LIMIT) {
		cli_error("%s: larger than the %" PRIu64 "-byte cap on a bundle entry", path,
		          (uint64_t)CF_BUNDLE_MAX_ENTRY_SIZE);
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
	in->data = buf;
	in->len = len;
	buf = NULL;
	st = cf_file_read(sig_path, CF_SIG_FILE_MAX, &buf, &len, &err_no);
	if (st == CF_ERR_IO && err_no == ENOENT) {
		cli_error("%s: not signed (no '%s'): sign it with 'cfc sign' first", path,
		          sig_path);
		status = EXIT_REJECTED;
		goto out;
	}
	if (st == CF_ERR_LIMIT) {
		cli_error("%s: larger than %u bytes: not a signature file", sig_path,
		          CF_SIG_FILE_MAX);
		status = EXIT_REJECTED;
		goto out;
	}
	if (st != CF_OK) {
		if (st == CF_ERR_IO)
			cli_io_error("read", sig_path, err_no);
		else
			cli_error("%s: %s", sig_path, cf_strerror(st));
		goto out;
	}
	in->sig = (const char *)buf;
	in->sig_len = len;
	in->path = path;
	in->name = base_name(path);
	status = EXIT_OK;
out:
	free(sig_path);
	return status;
}

/* Refuse, before anything is read or written, an output that is one of
 * the run's inputs: the secret key, the password file, a FILE.cf or its
 * FILE.cf.minisig. Returns an exit status. */
static int check_output(const char *out_path, const char *sec_path, const char *pw_file,
                        char *const *files, size_t count)
{
	cf_inputs *in = cf_inputs_new();
	cf_status st = in ? cf_inputs_add(in, sec_path) : CF_ERR_NOMEM;
	if (!pw_file && (pw_file = getenv("CFC_PASSWORD_FILE")) && !*pw_file)
		pw_file = NULL;
	if (st == CF_OK && pw_file)
		st = cf_inputs_add(in, pw_file);
	for (size_t i = 0; st == CF_OK && i < count; i++) {
		size_t n = strlen(files[i]);
		char *sig = malloc(n + sizeof ".minisig");
		if (!sig) {
			st = CF_ERR_NOMEM;
			break;
		}
		memcpy(sig, files[i], n);
		memcpy(sig + n, ".minisig", sizeof ".minisig");
		if ((st = cf_inputs_add(in, files[i])) == CF_OK)
			st = cf_inputs_add(in, sig);
		free(sig);
	}
	int status = EXIT_OK;
	const char *same = st == CF_OK ? cf_inputs_clash(in, out_path) : NULL;
	if (st != CF_OK) {
		cli_error("out of memory");
		status = EXIT_TROUBLE;
	} else if (same) {
		cli_error("cannot write '%s': it is the same file as the input '%s'", out_path,
		          same);
		status = EXIT_TROUBLE;
	}
	cf_inputs_free(in);
	return status;
}

/* `cfc bundle`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_bundle = {"bundle", cmd_bundle, "package signed channel files into a signed release bundle",
    "usage: cfc bundle -s SECKEY -o BUNDLE.tar.zst [--bundle-version N]\n"
    "                  [--ring NAME:PERCENT]... [--expires SECONDS|DATE] FILE.cf...\n"
    "\n"
    "Write a reproducible tar archive (.tar.zst: zstd, .tar.gz: gzip; any other\n"
    "name is a usage error) holding manifest.json, manifest.json.minisig and\n"
    "each FILE.cf with its FILE.cf.minisig. Every FILE.cf must already carry\n"
    "FILE.cf.minisig, a valid signature by SECKEY's key bound to its header\n"
    "(make it with cfc sign, which lints first); the bundler signs only the\n"
    "manifest, which pins each file's size, BLAKE2b-256, channel, content\n"
    "version, template, field count and requires_sensor. Two files for one\n"
    "channel are an error. SOURCE_DATE_EPOCH, when set, is the creation time:\n"
    "the same inputs then give the same bytes. See docs/bundles.md.\n"
    "\n"
    "  -s, --secret-key FILE  minisign secret key (cfc keygen or minisign -G)\n"
    "  -o, --output FILE      the bundle to write (atomically)\n"
    "      --bundle-version N 1..2^63-1, must rise from bundle to bundle\n"
    "                         (default: the creation time in Unix seconds)\n"
    "      --ring NAME:PERCENT rollout ring (repeats): names [a-z][a-z0-9-]*,\n"
    "                         percentages strictly rising, the last one 100\n"
    "                         (default: one ring all:100)\n"
    "      --expires WHEN     SECONDS after creation, or a UTC date YYYY-MM-DD or\n"
    "                         YYYY-MM-DDTHH:MM:SSZ (default: 30 days)\n"
    "      --password-file FILE\n"
    "                         read the key's password from the first line of FILE\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 bundle written, 1 a file is unsigned, badly signed or\n"
    "otherwise rejected, 2 usage error, I/O error or out of memory.\n"};

int cmd_bundle(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"secret-key", required_argument, NULL, 's'},
	    {"output", required_argument, NULL, 'o'},
	    {"bundle-version", required_argument, NULL, 'V'},
	    {"ring", required_argument, NULL, 'r'},
	    {"expires", required_argument, NULL, 'e'},
	    {"password-file", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *sec_path = NULL, *out_path = NULL, *expires_arg = NULL, *pw_file = NULL;
	cf_bundle_ring rings[CF_BUNDLE_MAX_RINGS];
	size_t ring_count = 0;
	unsigned long long version = 0;
	int have_version = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:o:P:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sec_path = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'V':
			if (cli_parse_u64(optarg, 1, (unsigned long long)INT64_MAX, &version) != 0)
				return cli_bad_usage("bundle",
				                     "--bundle-version: '%s' is not in 1..%lld",
				                     optarg, (long long)INT64_MAX);
			have_version = 1;
			break;
		case 'r':
			if (ring_count == CF_BUNDLE_MAX_RINGS)
				return cli_bad_usage("bundle", "at most %u --ring options",
				                     CF_BUNDLE_MAX_RINGS);
			if (parse_ring(optarg, &rings[ring_count]) != 0)
				return cli_bad_usage(
				    "bundle", "--ring: '%s' is not NAME:PERCENT (1..100)", optarg);
			ring_count++;
			break;
		case 'e':
			expires_arg = optarg;
			break;
		case 'P':
			pw_file = optarg;
			break;
		case 'h':
			cli_usage(stdout, "bundle");
			return cli_finish(EXIT_OK);
		default:
			return cli_bad_option("bundle", argc, argv);
		}
	}
	if (!sec_path || !out_path)
		return cli_bad_usage("bundle", "-s SECKEY and -o BUNDLE are required");
	cf_bundle_compression comp = cf_bundle_compression_for_path(out_path);
	if (!comp)
		return cli_bad_usage("bundle",
		                     "'%s': the bundle name must end in .tar.zst (zstd) or .tar.gz "
		                     "(gzip)",
		                     out_path);
	if (optind >= argc)
		return cli_bad_usage("bundle", "expected at least one FILE.cf");
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			return cli_bad_usage("bundle", "FILE.cf cannot be stdin: its signature "
			                               "is read from FILE.cf.minisig");
	uint64_t created = 0, expires = 0;
	if (cli_env_time("SOURCE_DATE_EPOCH", &created) != 0)
		return cli_bad_usage("bundle", "SOURCE_DATE_EPOCH must be a decimal number of "
		                               "seconds");
	if (!expires_arg)
		expires = created + CF_BUNDLE_DEFAULT_LIFETIME;
	else if (parse_expires(expires_arg, created, &expires) != 0)
		return cli_bad_usage("bundle",
		                     "--expires: '%s' is not SECONDS or a UTC date YYYY-MM-DD or "
		                     "YYYY-MM-DDTHH:MM:SSZ",
		                     expires_arg);
	if (expires <= created)
		return cli_bad_usage("bundle", "--expires: %s is not after the creation time",
		                     expires_arg);

	char msg[256];
	if (ring_count && !cf_bundle_rings_valid(rings, ring_count, msg, sizeof msg))
		return cli_bad_usage("bundle", "--ring: %s", msg);

	size_t count = (size_t)(argc - optind);
	int clash = check_output(out_path, sec_path, pw_file, argv + optind, count);
	if (clash != EXIT_OK)
		return clash;
	cf_bundle_input *in = calloc(count, sizeof *in);
	cf_seckey *sk = NULL;
	cf_diag_list *diags = cf_diags_new();
	uint8_t *bundle = NULL;
	size_t bundle_len = 0;
	int status = EXIT_TROUBLE;
	if (!in || !diags) {
		cli_error("out of memory");
		goto out;
	}
	if ((status = cli_load_seckey(sec_path, pw_file, &sk)) != EXIT_OK)
		goto out;
	for (size_t i = 0; i < count; i++) {
		int s = read_input(argv[optind + (int)i], &in[i]);
		if (s > status)
			status = s;
	}
	if (status != EXIT_OK)
		goto out;
	cf_bundle_create_opts bo = {
	    .bundle_version = have_version ? (uint64_t)version : created,
	    .created = created,
	    .expires = expires,
	    .rings = rings,
	    .ring_count = ring_count,
	    .compression = comp,
	};
	if (!have_version && bo.bundle_version == 0)
		bo.bundle_version = 1;
	cf_status st = cf_bundle_create(sk, in, count, &bo, out_path, &bundle, &bundle_len, diags);
	cli_print_diags(diags);
	if (st != CF_OK) {
		if (st == CF_ERR_NOMEM)
			cli_error("out of memory");
		status = cli_exit_status(st);
		goto out;
	}
	int err_no = 0;
	st = cf_file_write_atomic(out_path, bundle, bundle_len, 0644, 0, &err_no);
	if (st != CF_OK) {
		if (st == CF_ERR_IO)
			cli_write_error(out_path, err_no);
		else
			cli_error("%s: %s", out_path, cf_strerror(st));
		status = EXIT_TROUBLE;
		goto out;
	}
	status = cli_finish(EXIT_OK);
out:
	for (size_t i = 0; in && i < count; i++) {
		free((void *)in[i].data);
		free((void *)in[i].sig);
	}
	free(in);
	free(bundle);
	cf_diags_free(diags);
	cf_seckey_free(sk);
	return status;
}
