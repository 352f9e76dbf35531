/*
 * The spool: what the ring holds during an outage, appended to files on flash every spool_interval, so a
 * power cut loses at most that interval; replayed first, oldest first, once the receiver is back (also
 * after a restart). Files are append-only, checksummed record by record, fsynced, and deleted whole once
 * delivered; the read position is an append-only "ack" file, so nothing accepted is sent again and
 * nothing unsent is skipped.
 */
#ifndef AMP_SPOOL_H
#define AMP_SPOOL_H

#include "labels.h"
#include "registry.h"
#include "ring.h"

#include <stdbool.h>
#include <stdint.h>

#define AMP_SPOOL_VERSION 1u
#define AMP_SPOOL_MAX_FILES 256

/* A spooled frame's place in delivery order: the writing run (epoch) and the frame's ring sequence. */
struct amp_spool_pos {
	uint64_t epoch;
	uint64_t seq;
};

/*
 * What replays spooled frames: a registry and label set of its own (series as they were spooled, with
 * the labels they were collected with), and a ring the push path drains before the live one.
 */
struct amp_spool_replay {
	struct amp_registry reg;
	struct amp_labels_common common;
	struct amp_ring ring;
	uint64_t epoch;                 /* of the file being replayed */
	uint64_t seq_base;              /* ring seq of the replay ring's frame 0 ... */
	uint64_t spool_seq[CONFIG_MAX_FRAMES_PER_REQUEST * 4]; /* ... and each held frame's spooled seq */
};

struct amp_spool_stats {
	uint64_t bytes_written;
	uint64_t frames_written;
	uint64_t frames_replayed;
	uint64_t samples_dropped;       /* oldest files deleted to stay under spool_max_bytes */
	uint64_t write_errors;
};

/* True when the spool is compiled into this build (Kconfig CONFIG_SPOOL). */
bool amp_spool_compiled(void);

/* The replay context the spool owns (NULL when the spool is not compiled in). */
struct amp_spool_replay *amp_spool_replay_context(void);

/*
 * Opens (creating it) the spool directory: lists its files, reads the ack, and starts a new epoch.
 * Returns 0, or AMP_ERR_IO / AMP_ERR_NOTFOUND (logged: the agent runs on without a spool).
 */
int amp_spool_open(const char *dir, uint64_t max_bytes) AMP_MUST_CHECK;

bool amp_spool_enabled(void);

/*
 * Appends the ring's frames the spool does not have yet (one fsync). `labels` are the labels the frames
 * were collected with. Returns 0, AMP_ERR_FULL (no space: logged, counted), AMP_ERR_IO.
 */
int amp_spool_write(const struct amp_ring *ring, const struct amp_registry *reg,
		    const struct amp_labels_common *labels) AMP_MUST_CHECK;

/* Closes the file being written: the next write starts a new one (with the labels then current). */
void amp_spool_rotate(void);

/* The live ring's frames before this are in the spool. */
uint64_t amp_spool_persisted_seq(void);

/*
 * Loads spooled frames not yet delivered and not in the live ring (live_tail_seq: the live ring's oldest
 * frame) into r->ring, oldest first, as room allows. Returns the number of frames loaded (0: nothing
 * to replay now), or AMP_ERR_INVALID when a file is corrupt past a torn record (the rest is skipped).
 */
int amp_spool_replay_fill(struct amp_spool_replay *r, uint64_t live_tail_seq);

/* The replay ring's frames before `ring_seq` were accepted: records the position, deletes finished files. */
void amp_spool_replay_delivered(struct amp_spool_replay *r, uint64_t ring_seq);

/* The live ring's frames before `seq` were accepted (or dropped unspooled): same, for this run's files. */
void amp_spool_live_delivered(uint64_t seq);

const struct amp_spool_stats *amp_spool_stats(void);

/* CRC-32 (IEEE 802.3), as the records carry. */
uint32_t amp_spool_crc32(const void *data, size_t len);

#endif
