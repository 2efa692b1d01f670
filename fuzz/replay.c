/*
 * replay.c - a main() for fuzz targets outside libFuzzer: runs the target
 * once on every file named on the command line (or in a directory named
 * there). `make check` uses it to replay tests/corpus/TARGET/, so every crash
 * a fuzzer once found stays fixed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		perror(path);
		return 1;
	}
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf)
			break;
		if (len == cap) {
			uint8_t *n = realloc(buf, cap * 2);
			if (!n)
				break;
			buf = n;
			cap *= 2;
		}
		size_t r = fread(buf + len, 1, cap - len, fp);
		if (r == 0)
			break;
		len += r;
	}
	fclose(fp);
	if (!buf)
		return 1;
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0, count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= run_file(argv[i]);
			count++;
			continue;
		}
		struct dirent **names;
		int n = scandir(argv[i], &names, NULL, alphasort);
		for (int k = 0; k < n; k++) {
			if (names[k]->d_name[0] != '.') {
				size_t plen = strlen(argv[i]) + strlen(names[k]->d_name) + 2;
				char *p = malloc(plen);
				if (p) {
					snprintf(p, plen, "%s/%s", argv[i], names[k]->d_name);
					bad |= run_file(p);
					count++;
					free(p);
				}
			}
			free(names[k]);
		}
		free(n >= 0 ? names : NULL);
	}
	printf("replayed %d inputs\n", count);
	return bad;
}
