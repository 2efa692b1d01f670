/*
 * cmd_dump.c - `cfc dump [--format yaml|json] FILE.cf`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfc/cf_dump.h"
#include "cfc/cf_util.h"
#include "cfc/cmd.h"

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int json = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "yaml") == 0)
				json = 0;
			else if (strcmp(optarg, "json") == 0)
				json = 1;
			else
				return cli_bad_usage("dump", "unknown format '%s' (yaml or json)",
				                     optarg);
			break;
		case 'h':
			cli_usage(stdout, "dump");
			return cli_finish(EXIT_OK);
		default:
			return cli_bad_option("dump", argc, argv);
		}
	}
	if (argc - optind != 1)
		return cli_bad_usage("dump", "expected exactly one FILE.cf");
	const char *path = argv[optind];

	uint8_t *buf = NULL;
	size_t len = 0;
	int err_no = 0;
	cf_status st = cf_file_read(path, (size_t)CF_MAX_FILE_SIZE, &buf, &len, &err_no);
	if (st == CF_ERR_LIMIT) {
		cli_error("%s: larger than the %llu-byte channel-file limit", path,
		          (unsigned long long)CF_MAX_FILE_SIZE);
		return EXIT_REJECTED;
	}
	if (st != CF_OK) {
		if (st == CF_ERR_IO)
			cli_io_error("open", path, err_no);
		else
			cli_error("%s: %s", path, cf_strerror(st));
		return EXIT_TROUBLE;
	}
	cf_view view;
	cf_verify_error verr;
	st = cf_verify(buf, len, &view, &verr);
	if (st == CF_ERR_NOMEM) {
		/* Not a verdict on the file. */
		cli_error("%s: out of memory", path);
		free(buf);
		return EXIT_TROUBLE;
	}
	if (st != CF_OK) {
		/* The verifier's message may quote bytes of the file: printed as a
		 * diagnostic, escaped like every other. */
		char msg[1024];
		snprintf(msg, sizeof msg, "%s: %s", cf_strerror(st), verr.message);
		cf_diag d;
		memset(&d, 0, sizeof d);
		d.severity = CF_ERROR;
		d.code = cf_verify_code(st);
		d.path = (char *)path;
		d.has_offset = 1;
		d.offset = verr.offset;
		d.message = msg;
		d.field = -1;
		cli_print_diag(&d);
		free(buf);
		return EXIT_REJECTED;
	}
	char *text = NULL;
	size_t text_len = 0;
	st = json ? cf_dump_json(&view, &text, &text_len) : cf_dump_yaml(&view, &text, &text_len);
	if (st != CF_OK) {
		cli_error("%s: %s", path, cf_strerror(st));
		free(buf);
		return EXIT_TROUBLE;
	}
	fwrite(text, 1, text_len, stdout);
	free(text);
	free(buf);
	return cli_finish(EXIT_OK);
}
