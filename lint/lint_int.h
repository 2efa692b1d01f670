/*
 * lint_int.h - private helpers of the lint component.
 */
#ifndef CF_LINT_INT_H
#define CF_LINT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cf/format.h>
#include "template/regex_int.h" /* the regex policy: options, compile, limits */

/*
 * Nonzero when a string (or, with is_regex, a pattern's literal text) holds
 * anything that case folding could change: an ASCII letter, a non-ASCII
 * character, or in a pattern an escape that may denote one (\x, \o, \N{...},
 * \p, octal). Escape letters such as the d of \d and group names do not count.
 */
int cf_lint_has_letters(const char *s, size_t len, int is_regex);

/*
 * Look for catastrophic backtracking in a pattern PCRE2 accepts: a static
 * pass finds nested or adjacent overlapping quantifiers and overlapping
 * alternatives under a repeat, then each suspect is confirmed by matching
 * generated adversarial subjects with a match context whose match limit is
 * match_limit. PCRE2's match limit does not count backtracking inside a
 * single-character repeat (\d+\d+x on 4096 digits then "!x" runs for seconds
 * under a limit of 100000), so the subjects also run with auto-callouts
 * counting every pattern item tried, against the same budget. Returns 1
 * when a subject hit a PCRE2 limit or the budget (why says which construct
 * and subject), 0 when none did or nothing was suspect, -1 out of memory.
 */
int cf_lint_regex_backtracks(const char *pat, size_t len, int nocase, uint64_t match_limit,
                             char *why, size_t why_len);

#endif
