/* The remote-write encoder: streams a WriteRequest from the registry and ring frames through nanopb. */
#ifndef AMP_ENCODER_H
#define AMP_ENCODER_H

#include "labels.h"
#include "registry.h"
#include "ring.h"

#include <stddef.h>
#include <stdint.h>

/*
 * What one request carries: samples of series first_series.. (in id order) from the ring's oldest
 * `frame_count` frames. A batch that does not fit one request is sent as several, each continuing at
 * next_series.
 */
struct amp_encoder_batch {
	const struct amp_registry *reg;
	const struct amp_labels_common *common;
	const struct amp_ring *ring;
	unsigned frame_count;
	amp_series_id first_series;
	uint32_t max_samples;        /* per request; 0 = no limit but the buffer */
	/* families whose # TYPE/# HELP metadata goes in this request (bit i = registry family i), or NULL */
	const uint8_t *metadata_due;
	/* turns a frame's stored stamp into the one sent (amp_clock_restamp), or NULL: as stored */
	int (*restamp)(int64_t *timestamp_ms);

	/* set by amp_encoder_encode */
	uint32_t series;             /* series in the request */
	uint32_t samples;            /* samples in the request */
	uint32_t metadata;           /* metadata entries in the request */
	int complete;                /* every sample of the frames from first_series on is in the request */
	amp_series_id next_series;   /* where the next request continues when !complete */
};

/*
 * Encodes as much of the batch as fits `cap` bytes (and max_samples) into `buf`: first the due metadata,
 * then series. Series are never split within a request; samples of a series go oldest first.
 * Returns 0, AMP_ERR_NOTFOUND (no sample at or after first_series), AMP_ERR_FULL (not even one series
 * fits), AMP_ERR_INVALID (frame_count beyond the ring, or corrupt frames), AMP_ERR_RANGE (restamp could
 * not give a frame its time) or AMP_ERR_ENCODE.
 */
int amp_encoder_encode(struct amp_encoder_batch *b, uint8_t *buf, size_t cap, size_t *len) AMP_MUST_CHECK;

#endif
