/*
 * cmd_dump.c - `cfc dump [--format yaml|json] [--split DIR] FILE.cf`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cf/base.h>
#include <cf/compile.h>
#include "cli/cmd.h"

/* What one rule source may hold (base/yaml.c): a part stays under both. */
#define PART_MAX_BYTES CF_YAML_MAX_SIZE
#define PART_MAX_NODES ((size_t)CF_YAML_MAX_NODES - 16)

/* Remove the first n parts written into dir (and dir, when made). */
static void unwind(const char *dir, unsigned n, int made)
{
	char name[64];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (unsigned k = 1; dfd >= 0 && k <= n; k++) {
		snprintf(name, sizeof name, "part-%04u.yaml", k);
		unlinkat(dfd, name, 0);
	}
	if (dfd >= 0)
		close(dfd);
	if (made)
		rmdir(dir);
}

/*
 * --split DIR: the channel as rule sources DIR/part-0001.yaml, ... each within
 * the size and node caps of one source, so that compiling every DIR/part-*.yaml
 * gives the file back. DIR is made, or must be an empty directory (parts
 * of an older dump beside these would compile in as duplicates). All or
 * nothing: on failure the parts written are removed.
 */
static int dump_split(const char *path, const cf_view *v, const char *dir)
{
	int made = 0;
	if (mkdir(dir, 0777) == 0) {
		made = 1;
	} else if (errno != EEXIST) {
		cli_io_error("create the directory", dir, errno);
		return EXIT_TROUBLE;
	} else {
		struct stat sb;
		if (lstat(dir, &sb) == 0 && S_ISLNK(sb.st_mode)) {
			/* The parts go into a directory, not through a link to one. */
			cli_error("cannot write into '%s': it is a symbolic link; give the directory "
			          "itself",
			          dir);
			return EXIT_TROUBLE;
		}
		if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			cli_error("cannot write into '%s': it is not a directory", dir);
			return EXIT_TROUBLE;
		}
		DIR *d = opendir(dir);
		if (!d) {
			cli_io_error("open the directory", dir, errno);
			return EXIT_TROUBLE;
		}
		int empty = 1;
		for (struct dirent *de; empty && (de = readdir(d));)
			empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
		closedir(d);
		if (!empty) {
			cli_error("'%s' is not empty; --split writes into a new or empty directory",
			          dir);
			return EXIT_TROUBLE;
		}
	}
	uint32_t n = v->hdr.instance_count, first = 0, guess = n;
	unsigned part = 0;
	size_t plen = strlen(dir) + 32;
	char *file = malloc(plen);
	if (!file) {
		cli_error("out of memory");
		unwind(dir, 0, made);
		return EXIT_TROUBLE;
	}
	int status = EXIT_OK;
	do {
		uint32_t count = guess < n - first ? guess : n - first;
		char *text = NULL;
		size_t len = 0, nodes = 0;
		for (;;) {
			cf_status st = cf_dump_yaml_part(v, first, count, &text, &len, &nodes);
			if (st != CF_OK) {
				cli_error("%s: %s", path, cf_strerror(st));
				status = EXIT_TROUBLE;
				goto out;
			}
			if ((len <= PART_MAX_BYTES && nodes <= PART_MAX_NODES) || count <= 1)
				break;
			/* Too big: shrink in proportion to the overshoot. */
			double f = (double)PART_MAX_BYTES / (double)len;
			double g = (double)PART_MAX_NODES / (double)nodes;
			uint32_t c = (uint32_t)((double)count * (f < g ? f : g) * 0.97);
			count = c >= count ? count - 1 : c ? c : 1;
			free(text);
			text = NULL;
		}
		if (len > PART_MAX_BYTES || nodes > PART_MAX_NODES) {
			cf_instance in;
			cf_view_instance(v, first, &in);
			cli_error("%s: instance %u alone is %zu bytes (%zu YAML nodes) as YAML, over "
			          "what one rule source may hold (%zu bytes, %zu nodes)",
			          path, in.id, len, nodes, PART_MAX_BYTES, PART_MAX_NODES);
			free(text);
			status = EXIT_REJECTED;
			goto out;
		}
		part++;
		snprintf(file, plen, "%s/part-%04u.yaml", dir, part);
		int err_no = 0;
		cf_status st = cf_file_write_atomic(file, text, len, 0644, 0, &err_no);
		free(text);
		if (st != CF_OK) {
			cli_write_error(file, err_no);
			part--;
			status = EXIT_TROUBLE;
			goto out;
		}
		first += count;
		guess = count;
	} while (first < n);
	fprintf(stderr, "cfc dump: %u instance%s written as %u rule source%s in ", n,
	        n == 1 ? "" : "s",
	        part, part == 1 ? "" : "s");
	cli_printf(stderr, "%s/\n", dir);
out:
	if (status != EXIT_OK)
		unwind(dir, part, made);
	free(file);
	return status;
}

/* `cfc dump`: its line in `cfc help` and its --help text, beside the option
 * table below that the text describes. */
const cmd cli_dump = {"dump", cmd_dump, "print a verified channel file as YAML or JSON",
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
    "Exit status: 0 printed, 1 the file failed verification, 2 usage or I/O error.\n"};

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"split", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int json = 0;
	const char *split = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:s:h", opts, NULL)) != -1) {
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
		case 's':
			split = optarg;
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
	if (split && json)
		return cli_bad_usage("dump", "--split writes YAML rule sources; it takes no "
		                             "--format json");
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
	if (split) {
		int r = dump_split(path, &view, split);
		free(buf);
		return r;
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
	if (!json && text_len > PART_MAX_BYTES)
		cli_warning("this YAML is %zu bytes, over the %zu that cfc compile reads from one "
		            "source; 'cfc dump --split DIR' writes it as sources that compile back",
		            text_len, PART_MAX_BYTES);
	return cli_finish(EXIT_OK);
}
