/* AWS credentials for SigV4: a chain of sources in the AWS SDKs' order, refreshed ahead of expiry. */
#ifndef AMP_CREDS_H
#define AMP_CREDS_H

#include "config.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The provider answers one question: "credentials valid now, or when to ask again". Sources
 * (firmware/creds_<source>.c) are tried in the order of the AWS SDKs' default chain for
 * `[sigv4] credentials = auto`: static keys from [sigv4], AWS IoT Core (when iot_endpoint is set),
 * the environment, the shared credentials file, container credentials (ECS, Greengrass), EC2 IMDSv2.
 * The first source that answers is kept; a source that is not configured here (no variable, no file)
 * lets the chain go on; one that is configured but fails stops it (its error is the answer).
 *
 * Temporary credentials are fetched again ahead of their Expiration (refresh_margin plus up to half of
 * it as jitter, so a fleet does not ask at once). When a fetch fails, the current credentials stay in use
 * until they expire, and the source is asked again with capped exponential backoff with jitter (never
 * waiting past half the time the current credentials have left, so the last tries come before they
 * expire). Nothing
 * here ever keeps the agent from starting: without credentials the push waits (AMP_ERR_AUTH) and the
 * samples stay buffered. Fetches are synchronous, bounded by short timeouts (IMDS 1 s per request,
 * container 2 s, IoT 10 s). Credentials replaced or dropped are wiped.
 */

#define AMP_CREDS_ACCESS_KEY_MAX 128
#define AMP_CREDS_MAX_SOURCES 6

/* First and largest pause between failed fetches; each pause is drawn from [half, all] of its value. */
#define AMP_CREDS_BACKOFF_MIN_MS 1000u
#define AMP_CREDS_BACKOFF_MAX_MS 120000u

struct amp_creds {
	char access_key[AMP_CREDS_ACCESS_KEY_MAX];
	char secret_key[CONFIG_MAX_SECRET_LEN];
	char session_token[CONFIG_MAX_SECRET_LEN]; /* "" for long-term keys */
	int64_t expiration_ms;                     /* wall clock, ms since the epoch; 0 = does not expire */
	char origin[128];                          /* where they came from, for log lines (no secret) */
};

struct amp_creds_source;

struct amp_creds_provider {
	const struct amp_config *cfg;
	const struct amp_creds_source *chain[AMP_CREDS_MAX_SOURCES];
	unsigned chain_len;
	int active;                 /* index in chain of the source in use; -1 until one answered */
	bool have;                  /* current holds credentials valid until expires_mono */
	struct amp_creds current;
	struct amp_creds fetched;   /* a fetch lands here, so a failure never touches current */
	uint64_t generation;        /* counts changes of current */
	uint64_t expires_mono;      /* port_monotonic_ms() when current expires; 0 = never */
	uint64_t due_mono;          /* next planned fetch; 0 = at the next get */
	uint32_t backoff_ms;        /* the last pause after a failure; 0 after a success */
	unsigned failures;          /* failed fetches in a row */
	uint64_t fetches;           /* fetches attempted, for tests and self-metrics */
	char why[300];              /* the last failure, one line, no secret */
	bool failure_logged;
};

/* Makes `p` safe to free; without setup it has no source. Cannot fail. */
void amp_creds_init(struct amp_creds_provider *p);

/*
 * Builds the chain for cfg->credentials (`cfg` must outlive `p`). Reads the environment, never the
 * network. Returns 0, or AMP_ERR_CONFIG when a chosen source cannot work with this configuration
 * (logged); an unreachable source is not an error here.
 */
int amp_creds_setup(struct amp_creds_provider *p, const struct amp_config *cfg) AMP_MUST_CHECK;

/*
 * Credentials valid now: fetches first when a refresh is due or the source changed (the credentials
 * file was rewritten). Returns 0 with *out set, or AMP_ERR_AUTH when none are usable yet (why, which
 * may be NULL, says why in one line); never blocks longer than one fetch.
 */
int amp_creds_get(struct amp_creds_provider *p, const struct amp_creds **out, char *why, size_t cap) AMP_MUST_CHECK;

/*
 * The receiver refused the credentials (expired or invalid): fetches now. Returns 1 when this gave
 * credentials different from those refused, else 0 (the same ones, or the fetch failed): retrying the
 * request is worth it only on 1.
 */
int amp_creds_refresh_now(struct amp_creds_provider *p);

/* When the provider plans its next fetch (port_monotonic_ms() time), UINT64_MAX when none is planned. */
uint64_t amp_creds_next_fetch(const struct amp_creds_provider *p);

/* Wipes the credentials and releases the sources' connections; idempotent. */
void amp_creds_free(struct amp_creds_provider *p);

/* The name of a `[sigv4] credentials` mode ("auto", "imds", ...). */
const char *amp_creds_mode_name(enum amp_creds_mode mode);

/* Parses a `[sigv4] credentials` mode. Returns 0 or AMP_ERR_INVALID. */
int amp_creds_mode_parse(const char *text, enum amp_creds_mode *out) AMP_MUST_CHECK;

#endif
