/* The sample ring: frames (one collection each: a timestamp and values in series-id order), oldest first. */
#ifndef AMP_RING_H
#define AMP_RING_H

#include "collector.h"
#include "error.h"

#include <stddef.h>
#include <stdint.h>

struct amp_ring {
	unsigned char *buf;
	size_t cap;
	size_t head;             /* where the next frame goes */
	size_t tail;             /* the oldest frame */
	size_t wrap;             /* while wrapped: end of the older frames, which continue at 0 */
	int wrapped;             /* used bytes are [tail, wrap) + [0, head) rather than [tail, head) */
	unsigned frames;
	uint64_t tail_seq;       /* sequence number of the oldest frame; frames are numbered from 0 */
	uint64_t dropped_frames; /* frames pushed out by newer ones while the ring was full */
	uint64_t dropped_samples;
	uint64_t samples;        /* samples held */
};

/* One frame as stored; read its samples with amp_frame_reader. */
struct amp_frame {
	uint64_t seq;
	int64_t timestamp_ms;
	uint32_t count;
	const unsigned char *data;
};

struct amp_frame_reader {
	struct amp_frame frame;
	uint32_t next;
};

/* Uses `storage` (cap bytes, owned by the caller, statically allocated) as an empty ring. Cannot fail. */
void amp_ring_init(struct amp_ring *r, void *storage, size_t cap);

/*
 * Appends a frame of `count` entries (ids ascending, unique). When the ring is full the oldest frames
 * go first, counted in dropped_frames/dropped_samples. Returns 0, AMP_ERR_INVALID (ids not ascending)
 * or AMP_ERR_FULL (the frame alone is larger than the ring).
 */
int amp_ring_push(struct amp_ring *r, int64_t timestamp_ms, const struct amp_frame_entry *entries,
		  unsigned count) AMP_MUST_CHECK;

unsigned amp_ring_frames(const struct amp_ring *r);

/*
 * Frame iteration, oldest first: *pos = 0 starts at the oldest frame; returns 0 and fills `out` while a
 * frame exists at that position, AMP_ERR_NOTFOUND past the newest. `index` counts frames from the oldest.
 */
int amp_ring_get(const struct amp_ring *r, unsigned index, size_t *pos, struct amp_frame *out);

/* Releases every frame whose sequence number is below `seq` (those a receiver accepted). */
void amp_ring_release_before(struct amp_ring *r, uint64_t seq);

void amp_frame_reader_init(struct amp_frame_reader *rd, const struct amp_frame *f);
/* Next sample of the frame; returns 0, or AMP_ERR_NOTFOUND at the end. */
int amp_frame_reader_next(struct amp_frame_reader *rd, amp_series_id *id, double *value);

#endif
