/*
 * main.c - the cfc command: a git-style table of subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cfc/cmd.h"

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
    {"dump", cmd_dump, "print a verified channel file as YAML or JSON",
     "usage: cfc dump [--format yaml|json] FILE.cf\n"
     "\n"
     "Verify FILE.cf with the strict format verifier and print it in the\n"
     "rule-source shape (YAML, default) or as JSON. `-` reads stdin.\n"
     "Compiling the YAML output again gives the same channel file.\n"
     "\n"
     "  -f, --format FMT   yaml (default) or json\n"
     "  -h, --help         show this help\n"
     "\n"
     "Exit status: 0 printed, 1 the file failed verification, 2 usage or I/O error.\n"},
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
