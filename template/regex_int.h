/*
 * regex_int.h - the one regex policy (internal to libcf, not installed).
 *
 * Every regex criterion is compiled and matched the way a sensor does it,
 * and only here: the compiler (is the pattern valid?), the linter (does it
 * compile for the sensor, can it match the empty string, does it backtrack?)
 * and the reference sensor (load, match) call these functions and never
 * pcre2_compile() or pcre2_match_context_create() themselves; `make check`
 * holds them to it (tests/cli/regex_policy.sh, with nm). A change of policy
 * (options, limits, what a pattern may start with) is made once, here.
 *
 * The policy today: PCRE2_UTF always, PCRE2_CASELESS for `nocase: true`,
 * nothing else (no PCRE2_UCP: \d, \w, \s are ASCII classes); the pattern is
 * at most the template's regex.max_length bytes, which each caller checks
 * with its own words; a match runs under the template's regex.match_limit.
 */
#ifndef CF_REGEX_INT_H
#define CF_REGEX_INT_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include <cf/format.h>

/* PCRE2's message and where in the pattern it points, for a refused one. */
typedef struct cf_regex_error {
	size_t offset; /* bytes into the pattern, at most its length */
	char message[256];
} cf_regex_error;

/* The compile options of a regex criterion. */
uint32_t cf_regex_options(int nocase);

/*
 * Compile pat[0..len) under the policy. extra may add PCRE2_AUTO_CALLOUT
 * (the linter counts match steps with it) and nothing else: any other bit
 * is CF_ERR_INVALID. CF_OK: *out is the code, freed with pcre2_code_free().
 * CF_ERR_REJECTED: PCRE2 refuses the pattern, *err says why (when err is
 * not NULL). CF_ERR_NOMEM: PCRE2 could not get memory (not a verdict on the
 * pattern).
 */
cf_status cf_regex_compile(const char *pat, size_t len, int nocase, uint32_t extra,
                           pcre2_code **out, cf_regex_error *err);

/*
 * A match context carrying the template's match limit (regex.match_limit,
 * clamped to 1..UINT32_MAX: 0 would mean "no limit" to PCRE2). NULL when out
 * of memory; free with pcre2_match_context_free().
 */
pcre2_match_context *cf_regex_match_context(uint64_t match_limit);

#endif
