/*
 * crc32c.c - CRC-32C, the channel-file checksum: SSE4.2 instruction when the
 * CPU has it, slice-by-8 tables otherwise.
 */
#include <cf/format.h>
#include "format/crc32c_table.h"
#include "format/format_int.h"

static uint32_t crc32c_soft(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		uint32_t lo = ld32(p) ^ crc;
		uint32_t hi = ld32(p + 4);
		crc = crc32c_table[7][lo & 0xff] ^ crc32c_table[6][(lo >> 8) & 0xff] ^
		      crc32c_table[5][(lo >> 16) & 0xff] ^ crc32c_table[4][lo >> 24] ^
		      crc32c_table[3][hi & 0xff] ^ crc32c_table[2][(hi >> 8) & 0xff] ^
		      crc32c_table[1][(hi >> 16) & 0xff] ^ crc32c_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p,
                                                            size_t len)
{
	uint64_t c = crc;
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8); /* x86-64 is little-endian */
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	uint32_t c32 = (uint32_t)c;
	while (len--)
		c32 = _mm_crc32_u8(c32, *p++);
	return c32;
}

static int have_sse42(void)
{
	return __builtin_cpu_supports("sse4.2");
}
#else
static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	return crc32c_soft(crc, p, len);
}

static int have_sse42(void)
{
	return 0;
}
#endif

uint32_t cf_crc32c(const uint8_t *buf, size_t len)
{
	uint32_t crc = 0xffffffffu;
	crc = have_sse42() ? crc32c_hw(crc, buf, len) : crc32c_soft(crc, buf, len);
	return crc ^ 0xffffffffu;
}
