/*
 * main.c - the cfc command: a git-style table of subcommands.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

/* Every subcommand, in pipeline order; each is defined, with its help text
 * beside its option table, in cli/cmd_NAME.c. */
static const cmd *const commands[] = {
    &cli_compile, &cli_lint,   &cli_test,     &cli_dump, &cli_keygen,      &cli_sign,
    &cli_verify,  &cli_bundle, &cli_unbundle, &cli_run,  &cli_pack_events,
};

static const size_t ncommands = sizeof commands / sizeof commands[0];

const cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < ncommands; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
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
		fprintf(fp, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
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
