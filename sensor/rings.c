/*
 * rings.c - staged deployment: which ring of the fleet a host is in, and
 * whether its ring is open yet (docs/sensor.md, "Rings").
 *
 * bucket(host) = BLAKE2b-256("cfc-ring-v1" NUL || host id), its first 8
 * bytes read little-endian, mod 10000. A bundle lists rings in rollout order
 * with cumulative percentages rising to 100: ring i covers the buckets
 * [100 * p_{i-1}, 100 * p_i). Ring i opens CF_SENSOR_RING_INTERVAL * i after
 * the bundle's signed creation time; a host takes the bundle once its ring
 * is open. Everything is a function of the signed manifest, the host id and
 * the clock: the same inputs give the same decision on every host.
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
	/* sizeof includes the NUL: the domain is "cfc-ring-v1\0". */
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
	for (size_t i = 0; rings && i < count; i++)
		if ((uint64_t)bucket < (uint64_t)rings[i].percent * 100u)
			return (int)i;
	return -1;
}

int cf_sensor_ring_takes(const cf_sensor_ring *rings, size_t count, const char *host_id,
                         uint64_t created, uint64_t now, int *ring, uint64_t *opens)
{
	int r = cf_sensor_ring_of(rings, count, host_id);
	uint64_t at = 0;
	int takes = 0;
	if (r >= 0) {
		uint64_t delay;
		if (__builtin_mul_overflow((uint64_t)r, CF_SENSOR_RING_INTERVAL, &delay) ||
		    __builtin_add_overflow(created, delay, &at))
			at = 0; /* past the end of time: never */
		else
			takes = now >= at;
	}
	if (ring)
		*ring = r;
	if (opens)
		*opens = at;
	return takes;
}
