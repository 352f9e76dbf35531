/* The agent's own health as metrics (amp_agent_*, and up), pushed with the rest every collection. */
#ifndef AMP_SELFSTATS_H
#define AMP_SELFSTATS_H

#include "collector.h"
#include "ring.h"

#include <stdint.h>

/* Why samples were lost; the `reason` label of amp_agent_samples_dropped_total. */
enum amp_drop_reason {
	AMP_DROP_RING_FULL,     /* pushed out of the ring by newer ones during an outage */
	AMP_DROP_TOO_OLD,       /* older than sample_age_limit when their turn came */
	AMP_DROP_REJECTED,      /* the receiver refused the request (400 and other 4xx): never resent */
	AMP_DROP_RATE_LIMITED,  /* 429 with retry_on_http_429 = false */
	AMP_DROP_SERIES_LIMIT,  /* the registry or the frame was full (CONFIG_MAX_SERIES, label arena) */
	AMP_DROP_ENCODE,        /* a series too large for one request (CONFIG_REQUEST_BUF_BYTES) */
	AMP_DROP_SPOOL_FULL,    /* the oldest spool file deleted to stay under spool_max_bytes */
	AMP_DROP_REASON_COUNT,
};

enum amp_request_class { AMP_REQ_2XX, AMP_REQ_3XX, AMP_REQ_4XX, AMP_REQ_5XX, AMP_REQ_ERROR, AMP_REQ_CLASS_COUNT };

struct amp_selfstats {
	uint64_t samples_collected;
	uint64_t samples_pushed;
	uint64_t dropped[AMP_DROP_REASON_COUNT]; /* AMP_DROP_RING_FULL is read from the ring instead */
	uint64_t requests[AMP_REQ_CLASS_COUNT];
	double push_seconds_sum;
	double push_seconds_last;
	int64_t last_success_ms;                 /* wall clock of the last accepted request, 0 = never */
	uint64_t spool_bytes_written;            /* set by the agent from the spool before each emit */
};

/* The request class of an HTTP status (0 = no answer). */
enum amp_request_class amp_selfstats_class(int status);

/*
 * Emits up 1, amp_agent_build_info and the counters into the frame being built (before it is sorted).
 * `ring` gives occupancy and the ring-full drops.
 */
void amp_selfstats_emit(struct amp_collect_ctx *ctx, const struct amp_selfstats *st, const struct amp_ring *ring,
			size_t ring_capacity);

#endif
