/* json.c - JSON text for the library's outputs (json_int.h). */
#include <stdlib.h>

#include "base/json_int.h"

cf_status cf_json_text(const json_t *root, size_t flags, char **out, size_t *out_len)
{
	if (!root || !out)
		return CF_ERR_INVALID;
	/* The first call measures, the second writes: no buffer of jansson's. */
	size_t n = json_dumpb(root, NULL, 0, flags);
	if (n == 0)
		return CF_ERR_NOMEM;
	char *buf = malloc(n + 2);
	if (!buf)
		return CF_ERR_NOMEM;
	if (json_dumpb(root, buf, n, flags) != n) {
		free(buf);
		return CF_ERR_NOMEM;
	}
	buf[n] = '\n';
	buf[n + 1] = '\0';
	*out = buf;
	if (out_len)
		*out_len = n + 1;
	return CF_OK;
}
