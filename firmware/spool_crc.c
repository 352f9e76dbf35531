/*
 * The spool records' checksum, CRC-32 (IEEE 802.3): part of the file format, so in every build, with the
 * spool compiled in (spool.c) or not (spool_off.c).
 */
#include "spool.h"

uint32_t amp_spool_crc32(const void *data, size_t len)
{
	static uint32_t table[256];
	const unsigned char *p = data;
	uint32_t crc = 0xffffffffu;

	if (table[1] == 0) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = (c & 1u) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	while (len-- > 0)
		crc = table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}
