/*
 * fuzz_format.c - the channel-file verifier, the accessors and `dump`.
 *
 * Each input is verified as it is, then again with its checksum made valid
 * so that mutations reach the structural checks behind it. Whatever
 * verifies is walked through every accessor and dumped as YAML and JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfc/cf_dump.h"
#include "format/cf_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const cf_view *v)
{
	volatile size_t sink = 0;
	for (unsigned f = 0; f < v->hdr.field_count; f++) {
		cf_str name;
		uint8_t type;
		cf_view_field(v, f, &name, &type);
		sink += name.len + type;
	}
	for (uint32_t i = 0; i < v->hdr.instance_count; i++) {
		cf_instance in;
		cf_srcloc loc;
		cf_view_instance(v, i, &in);
		cf_view_instance_loc(v, i, &loc);
		sink += in.name.len + loc.file.len + (size_t)cf_view_find_instance(v, in.id);
		for (unsigned f = 0; f < v->hdr.field_count; f++) {
			cf_criterion c;
			cf_view_criterion(v, i, f, &c);
			cf_view_criterion_loc(v, i, f, &loc);
			if (c.str.len)
				sink += (uint8_t)c.str.ptr[c.str.len - 1] +
				        (uint8_t)c.str.ptr[c.str.len];
			sink += loc.line;
		}
	}
	char *out = NULL;
	size_t len = 0;
	if (cf_dump_yaml(v, &out, &len) == CF_OK)
		free(out);
	if (cf_dump_json(v, &out, &len) == CF_OK)
		free(out);
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cf_view v;
	cf_verify_error e;
	if (cf_verify(data, size, &v, &e) == CF_OK)
		walk(&v);
	if (size < 4 || size > ((size_t)1 << 24))
		return 0;
	uint8_t *copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	uint32_t crc = cf_crc32c(copy, size - 4);
	for (int i = 0; i < 4; i++)
		copy[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
	if (cf_verify(copy, size, &v, &e) == CF_OK)
		walk(&v);
	free(copy);
	return 0;
}
