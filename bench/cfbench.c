/*
 * cfbench.c - in-process timings for `make bench` (bench/run.sh); not installed.
 *
 *   cfbench verify FILE.cf [REPS]
 *       read(2) of the file from the page cache into a buffer, BLAKE2b-512 of
 *       the buffer (what minisign -V hashes), and cf_verify() of the buffer:
 *       the median of REPS runs of each, as MB/s (1 MB = 10^6 bytes).
 *   cfbench eval TEMPLATE SENSOR FILE.cf EVENTS.jsonl [REPS]
 *       load FILE.cf into a reference sensor of build SENSOR, decode every
 *       event of EVENTS.jsonl into input arrays up front, then time
 *       cf_sensor_eval() over all of them: the median of REPS passes, as
 *       events per second (the interpreter alone, without JSON decoding).
 *
 * One line of `key=value` pairs on stdout; bench/run.sh reads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cf/base.h>
#include <cf/format.h>
#include <cf/sensor.h>
#include <cf/template.h>

#define MAX_REPS 51

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_d);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static int die(const char *what)
{
	fprintf(stderr, "cfbench: %s\n", what);
	return 2;
}

/* read(2) the whole file into buf (cap bytes). Bytes read, or -1. */
static long read_all(const char *path, uint8_t *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return (long)got;
}

static int cmd_verify(const char *path, int reps)
{
	FILE *f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0)
		return die("cannot open the file");
	long size = ftell(f);
	fclose(f);
	if (size <= 0)
		return die("empty file");
	uint8_t *buf = malloc((size_t)size + 1);
	if (!buf || sodium_init() < 0)
		return die("out of memory");
	double tr[MAX_REPS], th[MAX_REPS], tv[MAX_REPS];
	size_t len = (size_t)size;
	/* one untimed pass: page cache warm, buffer pages faulted in */
	if (read_all(path, buf, len + 1) != size)
		return die("short read");
	for (int i = 0; i < reps; i++) {
		double t0 = now();
		if (read_all(path, buf, len + 1) != size)
			return die("short read");
		double t1 = now();
		unsigned char h[crypto_generichash_BYTES_MAX];
		crypto_generichash(h, sizeof h, buf, len, NULL, 0);
		double t2 = now();
		cf_view v;
		cf_verify_error e;
		if (cf_verify(buf, len, &v, &e) != CF_OK) {
			fprintf(stderr, "cfbench: %s: %s\n", path, e.message);
			return 1;
		}
		double t3 = now();
		tr[i] = t1 - t0;
		th[i] = t2 - t1;
		tv[i] = t3 - t2;
	}
	double mb = (double)len / 1e6;
	double r = median(tr, reps), h = median(th, reps), v = median(tv, reps);
	printf("bytes=%zu read_s=%.6f read_mbs=%.0f blake2b_s=%.6f blake2b_mbs=%.0f verify_s=%.6f "
	       "verify_mbs=%.0f\n",
	       len, r, mb / r, h, mb / h, v, mb / v);
	free(buf);
	return 0;
}

/* Decoded events: input arrays of `nf` values, strings in their own copies. */
typedef struct evs {
	cf_sensor_value *vals;
	size_t n, cap;
	unsigned nf;
} evs;

static void count_match(void *ud, const cf_sensor_report *r)
{
	if (r->kind == CF_SENSOR_REPORT_MATCH)
		++*(unsigned long *)ud;
}

static int cmd_eval(const char *tpath, const char *version, const char *cfpath, const char *evpath,
                    int reps)
{
	cf_diag_list *diags = cf_diags_new();
	cf_template_set *set = cf_templates_new();
	cf_sensor *s = NULL;
	if (!diags || !set)
		return die("out of memory");
	if (cf_templates_load(set, tpath, diags) != CF_OK)
		return die("cannot load the templates");
	if (cf_sensor_new(version, set, &s, diags) != CF_OK)
		return die("cannot make the sensor");
	FILE *f = fopen(cfpath, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0)
		return die("cannot open the channel file");
	long size = ftell(f);
	rewind(f);
	uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
		return die("cannot read the channel file");
	fclose(f);
	cf_sensor_load_result res;
	double t0 = now();
	if (cf_sensor_load(s, cfpath, buf, (size_t)size, NULL, 0, &res, diags) != CF_OK ||
	    res.outcome != CF_SENSOR_LOADED)
		return die("content did not load");
	double load_s = now() - t0;
	free(buf);

	/* Decode the events (one template per run). */
	FILE *ef = fopen(evpath, "r");
	if (!ef)
		return die("cannot open the events");
	evs E = {NULL, 0, 0, 0};
	int tmpl = -1;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t ll;
	while ((ll = getline(&line, &lcap, ef)) > 0) {
		json_error_t je;
		json_t *root = json_loadb(line, (size_t)ll, 0, &je);
		json_t *fields = root ? json_object_get(root, "fields") : NULL;
		const char *tn = json_string_value(json_object_get(root, "template"));
		if (!fields || !tn)
			return die("bad event line");
		if (tmpl < 0) {
			tmpl = cf_sensor_template_index(s, tn);
			if (tmpl < 0)
				return die("event template not supplied");
			E.nf = cf_sensor_supplied(s, tmpl);
		}
		if (E.n == E.cap) {
			E.cap = E.cap ? 2 * E.cap : 1024;
			E.vals = realloc(E.vals, E.cap * E.nf * sizeof *E.vals);
			if (!E.vals)
				return die("out of memory");
		}
		cf_sensor_value *v = &E.vals[E.n * E.nf];
		memset(v, 0, E.nf * sizeof *v);
		const char *key;
		json_t *val;
		json_object_foreach(fields, key, val)
		{
			int fi = cf_sensor_field_index(s, tmpl, key);
			if (fi < 0 || (unsigned)fi >= E.nf)
				continue;
			if (json_is_string(val)) {
				v[fi].type = CF_TYPE_STRING;
				v[fi].len = json_string_length(val);
				char *copy = malloc(v[fi].len + 1);
				if (!copy)
					return die("out of memory");
				memcpy(copy, json_string_value(val), v[fi].len + 1);
				v[fi].s = copy;
			} else if (json_is_integer(val)) {
				v[fi].type = CF_TYPE_UINT;
				v[fi].u = (uint64_t)json_integer_value(val);
			} else if (json_is_boolean(val)) {
				v[fi].type = CF_TYPE_BOOL;
				v[fi].u = json_is_true(val);
			}
		}
		json_decref(root);
		E.n++;
	}
	free(line);
	fclose(ef);
	if (E.n == 0)
		return die("no events");

	double t[MAX_REPS];
	unsigned long matches = 0;
	for (int r = 0; r < reps; r++) {
		matches = 0;
		double a = now();
		for (size_t i = 0; i < E.n; i++)
			cf_sensor_eval(s, tmpl, &E.vals[i * E.nf], E.nf, count_match, &matches);
		t[r] = now() - a;
	}
	double m = median(t, reps);
	printf("events=%zu matches=%lu load_s=%.6f eval_s=%.6f events_per_s=%.0f\n", E.n, matches,
	       load_s, m, (double)E.n / m);
	for (size_t i = 0; i < E.n * E.nf; i++)
		free((void *)E.vals[i].s);
	free(E.vals);
	cf_sensor_free(s);
	cf_templates_free(set);
	cf_diags_free(diags);
	return 0;
}

int main(int argc, char **argv)
{
	int reps;
	if (argc >= 3 && strcmp(argv[1], "verify") == 0) {
		reps = argc > 3 ? atoi(argv[3]) : 5;
		return cmd_verify(argv[2], reps < 1 ? 1 : reps > MAX_REPS ? MAX_REPS : reps);
	}
	if (argc >= 6 && strcmp(argv[1], "eval") == 0) {
		reps = argc > 6 ? atoi(argv[6]) : 5;
		return cmd_eval(argv[2], argv[3], argv[4], argv[5],
		                reps < 1          ? 1
		                : reps > MAX_REPS ? MAX_REPS
		                                  : reps);
	}
	fprintf(stderr, "usage: cfbench verify FILE.cf [REPS]\n"
	                "       cfbench eval TEMPLATE SENSOR FILE.cf EVENTS.jsonl [REPS]\n");
	return 2;
}
