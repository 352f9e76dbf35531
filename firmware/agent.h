/* The agent: one loop that collects on schedule into the ring and drains the ring to the receiver. */
#ifndef AMP_AGENT_H
#define AMP_AGENT_H

#include "config.h"
#include "push.h"
#include "selfstats.h"

#include <stdbool.h>
#include <stdio.h>

/*
 * Sets up the registry, the ring, the common labels and, with `network`, the connection (CA bundle
 * parsed here, once). `cfg` must outlive the agent. Returns 0, AMP_ERR_CONFIG (labels unusable) or the
 * connection set-up's error, each logged in one line.
 */
int amp_agent_start(const struct amp_config *cfg, bool network) AMP_MUST_CHECK;

/*
 * Collects once into the ring: the collectors, up and the self-metrics, and a staleness marker for each
 * series of the previous collection that is gone. Returns 0 or AMP_ERR_FULL (not stored; logged).
 */
int amp_agent_collect(void) AMP_MUST_CHECK;

/*
 * Sends one request of what the ring holds (oldest first), now, whatever the batching and backoff
 * schedule says. `res` gets the answer. Returns 0 when accepted (or when the ring was empty:
 * res->status 0), AMP_ERR_REJECTED (a non-2xx status; the batch is dropped when the status says it
 * must never be resent) or a transport error.
 */
int amp_agent_push_one(struct amp_push_result *res) AMP_MUST_CHECK;

/*
 * Sends everything the ring holds, as as many requests as it takes, stopping at the first failure.
 * `last` (may be NULL) gets the last answer. Returns 0 when the ring is empty, else the failure.
 */
int amp_agent_flush(struct amp_push_result *last) AMP_MUST_CHECK;

/* Collects once and writes the samples in the text exposition format to `out`. */
int amp_agent_print(FILE *out) AMP_MUST_CHECK;

/*
 * Collects every interval and pushes (batching, retries with backoff) until SIGTERM or SIGINT, then
 * pushes what is left within shutdown_timeout. On SIGHUP it calls `reload` (may be NULL), which loads the
 * configuration again and hands it to amp_agent_reload. Returns 0.
 */
int amp_agent_run(int (*reload)(void));

/*
 * Applies a reloaded configuration: collectors, filters, queue settings, the connection (set up anew
 * before the old one goes) and labels. Collections already buffered keep the labels they were collected
 * with. `cfg` must outlive the agent. Returns 0, or an error (logged) with the old configuration still
 * in force: an unusable connection, or a second label change while collections from before the first
 * are still unsent. A new spool_dir takes effect at the next start.
 */
int amp_agent_reload(const struct amp_config *cfg) AMP_MUST_CHECK;

/* The counters behind the self-metrics. */
const struct amp_selfstats *amp_agent_stats(void);

/* Releases the connection. */
void amp_agent_stop(void);

#endif
