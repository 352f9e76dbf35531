/* Snappy block compression of request bodies (remote write's Content-Encoding: snappy). */
#ifndef AMP_COMPRESS_H
#define AMP_COMPRESS_H

#include "error.h"

#include <stddef.h>

/* The output capacity that always suffices for `len` input bytes. */
size_t amp_compress_bound(size_t len);

/*
 * Compresses in[0..len) into out (cap bytes) in snappy's block format; *out_len gets the size.
 * Returns 0, AMP_ERR_FULL (cap below amp_compress_bound(len)) or AMP_ERR_COMPRESS.
 * Note: libsnappy allocates its working memory (about 160 KB for large inputs) on every call.
 */
int amp_compress(const void *in, size_t len, void *out, size_t cap, size_t *out_len) AMP_MUST_CHECK;

#endif
