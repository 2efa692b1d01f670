/*
 * fuzz_common.h - shared set-up for the fuzz targets (header only: every
 * fuzz/fuzz_*.c is a target of its own).
 *
 * Targets that need template manifests load samples/templates once, from
 * $CFC_FUZZ_SRC or the current directory (fuzz/run.sh and tests/run.sh run
 * from the top of the source tree). A target that cannot find them aborts
 * at once rather than fuzz nothing.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cf/base.h>
#include <cf/template.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz: %s\n", what);
	abort();
}

/* The path of a file under the source tree, in a static buffer. */
static inline const char *fuzz_src_path(const char *rel)
{
	static char buf[4096];
	const char *top = getenv("CFC_FUZZ_SRC");
	snprintf(buf, sizeof buf, "%s/%s", top && *top ? top : ".", rel);
	return buf;
}

/* samples/templates, loaded once; never freed (lives as long as the process). */
static inline const cf_template_set *fuzz_templates(void)
{
	static cf_template_set *set;
	if (set)
		return set;
	set = cf_templates_new();
	cf_diag_list *d = cf_diags_new();
	if (!set || !d)
		fuzz_die("out of memory");
	if (cf_templates_load(set, fuzz_src_path("samples/templates"), d) != CF_OK)
		fuzz_die(
		    "cannot load samples/templates (run from the source tree or set CFC_FUZZ_SRC)");
	cf_diags_free(d);
	return set;
}

#endif
