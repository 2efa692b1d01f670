/*
 * regex.c - the one regex policy (regex_int.h).
 */
#include <stdio.h>
#include <string.h>

#include "template/regex_int.h"

uint32_t cf_regex_options(int nocase)
{
	return PCRE2_UTF | (nocase ? PCRE2_CASELESS : 0u);
}

cf_status cf_regex_compile(const char *pat, size_t len, int nocase, uint32_t extra,
                           pcre2_code **out, cf_regex_error *err)
{
	*out = NULL;
	if (extra & ~(uint32_t)PCRE2_AUTO_CALLOUT)
		return CF_ERR_INVALID;
	int code = 0;
	PCRE2_SIZE off = 0;
	pcre2_code *re =
	    pcre2_compile((PCRE2_SPTR)pat, len, cf_regex_options(nocase) | extra, &code, &off, NULL);
	if (re) {
		*out = re;
		return CF_OK;
	}
	/* pcre2_compile() reports a failed allocation as a compile error
	 * (PCRE2_ERROR_HEAP_FAILED); it is not the pattern's fault. */
	if (code == PCRE2_ERROR_HEAP_FAILED)
		return CF_ERR_NOMEM;
	if (err) {
		PCRE2_UCHAR msg[sizeof err->message];
		if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "PCRE2 error %d", code);
		snprintf(err->message, sizeof err->message, "%s", (const char *)msg);
		err->offset = off > len ? len : (size_t)off;
	}
	return CF_ERR_REJECTED;
}

pcre2_match_context *cf_regex_match_context(uint64_t match_limit)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	if (mc)
		pcre2_set_match_limit(mc, match_limit > UINT32_MAX ? UINT32_MAX
		                          : match_limit          ? (uint32_t)match_limit
		                                                 : 1u);
	return mc;
}
