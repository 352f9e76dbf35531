/* libFuzzer target: the ring's frame decoder on hostile bytes (what a spool file may hold), and a round trip. */
#include "fuzz_common.h"

#include "collector.h"
#include "ring.h"

static struct amp_ring_codec dec, enc, chk;
static struct amp_frame_entry got[CONFIG_MAX_SERIES], again[CONFIG_MAX_SERIES];
static unsigned char coded[AMP_RING_FRAME_MAX_BYTES];

/*
 * Input: frames, each as a 2-byte little-endian length and that many bytes, decoded one after the other
 * against the same codec (frames are coded against the previous one). Each frame that decodes is coded
 * again by a second codec and decoded by a third: the values must come back bit for bit.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	amp_ring_codec_init(&dec);
	amp_ring_codec_init(&enc);
	amp_ring_codec_init(&chk);
	while (size - off >= 2) {
		size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8, clen = 0;
		unsigned count = 0, count2 = 0;
		int64_t ts = 0, ts2 = 0;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (amp_ring_frame_decode(&dec, data + off, len, &ts, got, &count) != AMP_OK)
			return 0;
		off += len;
		if (count > CONFIG_MAX_SERIES)
			abort();
		if (amp_ring_frame_encode(&enc, ts, got, count, coded, &clen) != AMP_OK)
			return 0;
		if (clen > sizeof(coded))
			abort();
		if (amp_ring_frame_decode(&chk, coded, clen, &ts2, again, &count2) != AMP_OK || ts2 != ts ||
		    count2 != count)
			abort();
		/* field by field: the entries have padding, and NaN != NaN */
		for (unsigned i = 0; i < count; i++)
			if (got[i].id != again[i].id || memcmp(&got[i].value, &again[i].value, sizeof(double)) != 0)
				abort();
	}
	return 0;
}
