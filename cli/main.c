/*
 * main.c - the cfc command: a git-style table of subcommands.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

static const cmd commands[] = {
    /* Subcommands register here, in pipeline order. */
    {"compile", cmd_compile, "compile YAML rule sources into a channel file",
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
     "2 usage error, unreadable file or failed write.\n"},
    {"lint", cmd_lint, "check channel files against every sensor build's template",
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
     "2 usage error, unreadable file or template, out of memory.\n"},
    {"test", cmd_test, "run rules' embedded tests through the reference sensor",
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
     "with --require-coverage, 2 usage error, unreadable file or out of memory.\n"},
    {"dump", cmd_dump, "print a verified channel file as YAML or JSON",
     "usage: cfc dump [--format yaml|json] [--split DIR] FILE.cf\n"
     "\n"
     "Verify FILE.cf with the strict format verifier and print it in the\n"
     "rule-source shape (YAML, default) or as JSON. `-` reads stdin.\n"
     "Compiling the YAML output again gives the same channel file. YAML over\n"
     "the 16 MiB one rule source may hold is printed with a warning; --split\n"
     "writes it as sources that compile back instead.\n"
     "\n"
     "  -f, --format FMT   yaml (default) or json\n"
     "  -s, --split DIR    write DIR/part-0001.yaml, ... each within one source's\n"
     "                     caps; compiled together they give FILE.cf back. DIR\n"
     "                     is created, or must be an empty directory\n"
     "  -h, --help         show this help\n"
     "\n"
     "Exit status: 0 printed, 1 the file failed verification, 2 usage or I/O error.\n"},
    {"keygen", cmd_keygen, "make a minisign key pair for signing channel files",
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
     "2 usage error, an existing key file without -f, or a failed write.\n"},
    {"sign", cmd_sign, "sign channel files that pass the verifier and lint",
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
     "a wrong password or a bad key file, 2 usage error or I/O error.\n"},
    {"verify", cmd_verify, "check channel files' signatures and their binding",
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
     "2 usage error or unreadable file.\n"},
    {"bundle", cmd_bundle, "package signed channel files into a signed release bundle",
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
     "otherwise rejected, 2 usage error, I/O error or out of memory.\n"},
    {"unbundle", cmd_unbundle, "verify a release bundle and install it, all or nothing",
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
     "2 usage error, I/O error or out of memory.\n"},
    {"run", cmd_run, "the reference sensor: load content, match events",
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
     "lines and records do not change it.\n"},
    {"pack-events", cmd_pack_events, "turn JSON event lines into a binary event stream",
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
     "2 usage error, unreadable or unwritable file, out of memory.\n"},
};

static const size_t ncommands = sizeof commands / sizeof commands[0];

const cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < ncommands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_help(FILE *fp)
{
	fprintf(fp, "usage: cfc SUBCOMMAND [OPTIONS] [ARGS]\n"
	            "       cfc help SUBCOMMAND | cfc SUBCOMMAND --help | cfc --version\n"
	            "\n"
	            "cfc compiles detection rules into channel files, lints them against every\n"
	            "sensor build's interpreter template, signs what passes and packages signed\n"
	            "release bundles.\n"
	            "\n"
	            "Subcommands:\n");
	for (size_t i = 0; i < ncommands; i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp,
	        "\n"
	        "Exit status: 0 success, 1 input rejected (diagnostics printed),\n"
	        "2 usage error, unreadable or unwritable file, out of memory, internal error.\n");
}

int main(int argc, char **argv)
{
	/* getopt would print a refused option raw; cli_bad_option() says it
	 * escaped instead. */
	opterr = 0;
	/* A reader that goes away (`cfc dump big.cf | head`) shows up as
	 * EPIPE on the next write, which cli_finish() and cfc run turn into a
	 * quiet exit 2, instead of a death by signal (status 141). */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		print_help(stderr);
		return EXIT_TROUBLE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		print_help(stdout);
		return cli_finish(EXIT_OK);
	}
	if (strcmp(sub, "--version") == 0 || strcmp(sub, "version") == 0) {
		printf("cfc %s (channel-file format %u)\n", CF_VERSION, CF_FORMAT_VERSION);
		return cli_finish(EXIT_OK);
	}
	if (strcmp(sub, "help") == 0) {
		if (argc < 3) {
			print_help(stdout);
			return cli_finish(EXIT_OK);
		}
		if (!cmd_find(argv[2])) {
			cli_error("unknown subcommand '%s'; see 'cfc --help'", argv[2]);
			return EXIT_TROUBLE;
		}
		cli_usage(stdout, argv[2]);
		return cli_finish(EXIT_OK);
	}
	const cmd *c = cmd_find(sub);
	if (!c) {
		cli_error("unknown subcommand '%s'; see 'cfc --help'", sub);
		return EXIT_TROUBLE;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_usage(stdout, sub);
			return cli_finish(EXIT_OK);
		}
	}
	return c->run(argc - 1, argv + 1);
}
