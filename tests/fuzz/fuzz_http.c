/* libFuzzer target: the HTTP response parser, fed in splits the input itself chooses. */
#include "fuzz_common.h"

#include "http.h"

static struct amp_http_response resp;

/*
 * Input: byte 0 picks HEAD or not; byte 1 seeds the split sizes; the rest is the response, fed in pieces
 * of 1..16 bytes (so every state boundary is crossed at every offset), then eof().
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 2;
	unsigned seed;
	int rc = AMP_HTTP_MORE;

	if (size < 2)
		return 0;
	amp_http_response_init(&resp);
	if (data[0] & 1)
		amp_http_response_set_head(&resp);
	seed = data[1];
	while (off < size && rc == AMP_HTTP_MORE) {
		size_t piece = 1 + (seed % 16), consumed = 0;

		seed = seed * 1103515245u + 12345u;
		if (piece > size - off)
			piece = size - off;
		rc = amp_http_response_feed(&resp, (const char *)data + off, piece, &consumed);
		if (consumed > piece)
			abort();
		if (rc == AMP_HTTP_MORE && consumed != piece)
			abort();
		off += consumed;
	}
	if (rc == AMP_HTTP_MORE)
		rc = amp_http_response_eof(&resp);
	if (rc == AMP_OK) {
		char line[80];

		if (resp.status < 100 || resp.status > 599 || resp.body_len > AMP_HTTP_BODY_KEEP)
			abort();
		(void)amp_http_body_first_line(&resp, line, sizeof(line));
	} else if (rc == AMP_ERR_HTTP && resp.error == NULL) {
		abort();
	}
	return 0;
}
