/* Snappy through its C API (snappy-c.h); the library itself is C++ and allocates per call. */
#include "compress.h"

#include <snappy-c.h>

size_t amp_compress_bound(size_t len)
{
	return snappy_max_compressed_length(len);
}

int amp_compress(const void *in, size_t len, void *out, size_t cap, size_t *out_len)
{
	size_t n = cap;

	if (cap < snappy_max_compressed_length(len))
		return AMP_ERR_FULL;
	if (snappy_compress(in, len, out, &n) != SNAPPY_OK)
		return AMP_ERR_COMPRESS;
	*out_len = n;
	return AMP_OK;
}
