/* The agent: one loop that collects on schedule into the ring and drains the ring to the receiver. */
#ifndef AMP_AGENT_H
#define AMP_AGENT_H

#include "config.h"
#include "push.h"

#include <stdbool.h>
#include <stdio.h>

/*
 * Sets up the registry, the ring, the common labels and, with `network`, the connection (CA bundle
 * parsed here, once). `cfg` must outlive the agent. Returns 0, AMP_ERR_CONFIG (labels unusable) or the
 * connection set-up's error, each logged in one line.
 */
int amp_agent_start(const struct amp_config *cfg, bool network) AMP_MUST_CHECK;

/* Collects once into the ring. Returns 0 or AMP_ERR_FULL (the frame could not be stored; logged). */
int amp_agent_collect(void) AMP_MUST_CHECK;

/*
 * Sends everything the ring holds, oldest first, as as many requests as it takes. Stops at the first
 * failure, leaving what was not accepted in the ring. `last` (may be NULL) gets the last answer.
 * Returns 0 when the ring is empty, else the failure (AMP_ERR_REJECTED or a transport error).
 */
int amp_agent_flush(struct amp_push_result *last) AMP_MUST_CHECK;

/* Collects once and writes the samples in the text exposition format to `out`. */
int amp_agent_print(FILE *out) AMP_MUST_CHECK;

/* Collects every interval and pushes until SIGTERM or SIGINT. Returns 0 on a requested stop. */
int amp_agent_run(void);

/* Releases the connection and wipes nothing else (the configuration owns the secrets). */
void amp_agent_stop(void);

#endif
