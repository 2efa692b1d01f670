/*
 * rings.c - staged deployment: which ring of the fleet a host is in
 * (docs/sensor.md, "Rings").
 *
 * bucket(host) = BLAKE2b-256("cfc-ring-v1" NUL || host id), its first 8
 * bytes read little-endian, mod 10000. Rings are listed in rollout order;
 * ring i covers the buckets [100 * (p_0 + ... + p_{i-1}),
 * 100 * (p_0 + ... + p_i)). A host takes a bundle when its bucket falls in
 * one of the rings the bundle lists.
 */
#include <sodium.h>
#include <string.h>

#include "sensor/sensor_int.h"

#define RING_DOMAIN "cfc-ring-v1"

uint32_t cf_sensor_ring_bucket(const char *host_id)
{
	uint8_t h[32];
	crypto_generichash_state st;
	if (!host_id)
		host_id = "";
	if (sodium_init() < 0)
		return 0;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)RING_DOMAIN, sizeof RING_DOMAIN);
	crypto_generichash_update(&st, (const unsigned char *)host_id, strlen(host_id));
	crypto_generichash_final(&st, h, sizeof h);
	uint64_t x = 0;
	for (int i = 7; i >= 0; i--)
		x = (x << 8) | h[i];
	return (uint32_t)(x % 10000u);
}

int cf_sensor_ring_of(const cf_sensor_ring *rings, size_t count, const char *host_id)
{
	uint32_t bucket = cf_sensor_ring_bucket(host_id);
	uint64_t cum = 0;
	for (size_t i = 0; i < count; i++) {
		cum += (uint64_t)rings[i].percent * 100u;
		if (bucket < cum)
			return (int)i;
	}
	return -1;
}
