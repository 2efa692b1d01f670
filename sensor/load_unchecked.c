/*
 * load_unchecked.c - TEST ONLY: cf_sensor_load_unchecked() (sensor_int.h).
 *
 * Compiled into the test archive (Makefile TESTING_SRCS) and never into the
 * installed libcf.a: a loader that skips checks a sensor must make has no
 * place in what ships. tests/cli/api.sh holds the library to it.
 */
#include "sensor/sensor_int.h"

cf_status cf_sensor_load_unchecked(cf_sensor *s, const char *path, const uint8_t *buf, size_t len,
                                   cf_sensor_load_result *res, cf_diag_list *diags)
{
	/* No signature either: this entry exists only to bypass checks in tests. */
	const cf_pubkey *pk = s ? s->pk : NULL;
	if (s)
		s->pk = NULL;
	cf_status st = cf_sensor_load_impl(s, path, buf, len, NULL, 0, 0, res, diags);
	if (s)
		s->pk = pk;
	return st;
}
