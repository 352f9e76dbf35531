/*
 * The sample ring: frames (one collection each: a timestamp and values in series-id order), oldest
 * first, stored compactly. A frame is encoded against the one before it: its series set is "the same as
 * before" in one byte or listed as id gaps, and each value costs 1 bit when unchanged, and otherwise a
 * small integer delta when it is a decimal with few digits (counters, byte counts, ticks / 100), or its
 * full 64 bits. Decoding walks all frames of a batch in step, series by series, as the encoder wants.
 */
#ifndef AMP_RING_H
#define AMP_RING_H

#include "collector.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AMP_RING_PRESENT_BYTES ((CONFIG_MAX_SERIES + 7) / 8)

/* What a series' next value is encoded against. */
struct amp_ring_codec {
	double value[CONFIG_MAX_SERIES];
	int8_t scale[CONFIG_MAX_SERIES];        /* value == k / 10^scale exactly; -1: not such a decimal */
	uint8_t present[AMP_RING_PRESENT_BYTES]; /* series of the frame */
	uint32_t count;                          /* series in present[] */
};

struct amp_ring {
	unsigned char *buf;
	size_t cap;
	size_t head;             /* where the next frame goes */
	size_t tail;             /* the oldest frame */
	size_t wrap;             /* while wrapped: end of the older frames, which continue at 0 */
	int wrapped;             /* used bytes are [tail, wrap) + [0, head) rather than [tail, head) */
	unsigned frames;
	size_t bytes;            /* bytes the frames take */
	uint64_t tail_seq;       /* sequence number of the oldest frame; frames are numbered from 0 */
	uint64_t dropped_frames; /* frames pushed out by newer ones while the ring was full */
	uint64_t dropped_samples;
	uint64_t persisted_seq;  /* frames below this are safe elsewhere (the spool): pushing them out loses nothing */
	uint64_t spilled_samples; /* samples of such frames pushed out (not counted as dropped) */
	uint64_t sending_first, sending_end; /* frames [first, end) are in a request in flight */
	uint64_t sending_dropped_frames;     /* of those, pushed out during the request: dropped only if it */
	uint64_t sending_dropped_samples;    /* did not deliver them (amp_ring_sent) */
	uint64_t samples;        /* samples held */
	struct amp_ring_codec head_state; /* after the newest frame: what the next frame is encoded against */
	struct amp_ring_codec tail_state; /* before the oldest frame: where decoding starts */
};

/* Uses `storage` (cap bytes, owned by the caller, statically allocated) as an empty ring. Cannot fail. */
void amp_ring_init(struct amp_ring *r, void *storage, size_t cap);

/*
 * Appends a frame of `count` entries (ids ascending, unique, below CONFIG_MAX_SERIES). When the ring is
 * full the oldest frames go first, counted in dropped_frames/dropped_samples. Not reentrant (one staging
 * buffer serves every ring). Returns 0, AMP_ERR_INVALID (ids not ascending or out of range) or
 * AMP_ERR_FULL (the frame alone is larger than the ring: then everything held is dropped and counted, and
 * the ring starts afresh).
 */
int amp_ring_push(struct amp_ring *r, int64_t timestamp_ms, const struct amp_frame_entry *entries,
		  unsigned count) AMP_MUST_CHECK;

unsigned amp_ring_frames(const struct amp_ring *r);

/*
 * How many of the oldest frames (at least 1 when there is any, at most max_frames) hold at most
 * max_samples samples together.
 */
unsigned amp_ring_frames_within(const struct amp_ring *r, unsigned max_frames, uint64_t max_samples);

/*
 * Frames [first_seq, end_seq) are in a request now in flight. A collection made meanwhile (the port's idle
 * hook) may push them out of a full ring; they then count as dropped only when amp_ring_sent() says the
 * request did not account for them, so that a frame is never both delivered and counted as dropped.
 */
void amp_ring_sending(struct amp_ring *r, uint64_t first_seq, uint64_t end_seq);

/*
 * The request in flight ended. `accounted`: the receiver accepted all of its frames' samples, or refused
 * them and the caller counted them as refused; otherwise its frames pushed out meanwhile count as dropped.
 */
void amp_ring_sent(struct amp_ring *r, bool accounted);

/* The oldest frame's timestamp; 0 when the ring is empty. */
int64_t amp_ring_oldest_timestamp(const struct amp_ring *r);

/* ---- The frame coding, for the spool, which stores frames coded against a state of its own ---- */

/* Largest coded frame: header, 3-byte id varints and 71 bits per value. */
#define AMP_RING_FRAME_MAX_BYTES (17u + 3u * CONFIG_MAX_SERIES + (71u * CONFIG_MAX_SERIES + 7u) / 8u)

/* Empties a codec state (what a ring, and a spool file, starts from). Cannot fail. */
void amp_ring_codec_init(struct amp_ring_codec *c);

/*
 * Codes a frame against `c` (which moves on to it) into out (AMP_RING_FRAME_MAX_BYTES); *out_len gets
 * its size. Returns 0 or AMP_ERR_INVALID (ids not ascending or out of range).
 */
int amp_ring_frame_encode(struct amp_ring_codec *c, int64_t timestamp_ms, const struct amp_frame_entry *entries,
			  unsigned count, unsigned char *out, size_t *out_len) AMP_MUST_CHECK;

/*
 * Decodes a coded frame of `len` bytes against `c` (which moves on to it) into out[CONFIG_MAX_SERIES].
 * Returns 0 or AMP_ERR_INVALID (malformed: bytes from a file must be treated as hostile).
 */
int amp_ring_frame_decode(struct amp_ring_codec *c, const unsigned char *frame, size_t len, int64_t *timestamp_ms,
			  struct amp_frame_entry *out, unsigned *count) AMP_MUST_CHECK;

/* The coded bytes of the frame with sequence number `seq`, or NULL when the ring does not hold it. */
const unsigned char *amp_ring_frame_at(const struct amp_ring *r, uint64_t seq, size_t *len);

/* True when series `id` was in the newest frame (for staleness markers). */
bool amp_ring_head_has(const struct amp_ring *r, amp_series_id id);

/* Releases every frame whose sequence number is below `seq` (those a receiver accepted). */
void amp_ring_release_before(struct amp_ring *r, uint64_t seq);

/*
 * A walk over the oldest `frames` frames, series by series in id order. After amp_ring_walk_next()
 * returned 1, `series` is the series, and for each frame f, present[f] says whether it has a sample and
 * value[f] is that sample; timestamp[f] is frame f's time.
 */
struct amp_ring_walk {
	const struct amp_ring *r;
	unsigned frames;
	struct amp_ring_walk_frame {
		const unsigned char *ids;      /* explicit frames: the id gaps still to read */
		const unsigned char *ids_end;
		const unsigned char *bits;     /* the value bit stream */
		size_t bit_len;
		size_t bit_pos;
		uint32_t ids_left;
		amp_series_id next_id;
		bool explicit_ids;
		bool has_next;
		bool started;
	} f[CONFIG_MAX_FRAMES_PER_REQUEST];
	int64_t timestamp[CONFIG_MAX_FRAMES_PER_REQUEST];
	uint64_t first_seq;
	uint32_t tail_scan;                      /* frame 0 with the tail's series set: next id to look at */
	amp_series_id series;
	bool present[CONFIG_MAX_FRAMES_PER_REQUEST];
	double value[CONFIG_MAX_FRAMES_PER_REQUEST];
};

/* Starts a walk over the oldest `frames` frames (at most CONFIG_MAX_FRAMES_PER_REQUEST and the ring's). */
int amp_ring_walk_start(struct amp_ring_walk *w, const struct amp_ring *r, unsigned frames) AMP_MUST_CHECK;

/* Moves to the next series with a sample in any frame. Returns 1, 0 at the end, or AMP_ERR_INVALID (corrupt). */
int amp_ring_walk_next(struct amp_ring_walk *w) AMP_MUST_CHECK;

#endif
