/* The push path: sign a compressed WriteRequest and POST it over one kept-alive connection. */
#ifndef AMP_PUSH_H
#define AMP_PUSH_H

#include "config.h"
#include "creds.h"
#include "http.h"
#include "secret.h"
#include "tls.h"

#include <stddef.h>
#include <stdint.h>

struct amp_push_result {
	int status;              /* HTTP status, 0 when no answer came */
	char message[1024];      /* one line: the receiver's first body line, or the transport error */
	int64_t retry_after_s;   /* -1 when the receiver gave none */
	char date[AMP_HTTP_VALUE_MAX]; /* the receiver's Date header, for clock checks */
	unsigned auth_retries;   /* sent again after a credential refresh (0 or 1) */
	unsigned clock_retries;  /* sent again after a clock correction (0 or 1) */
};

/* "Basic " and the base64 of "user:password". */
#define AMP_PUSH_AUTH_VALUE_MAX (8 + 4 * ((CONFIG_MAX_LABEL_VALUE_LEN + CONFIG_MAX_SECRET_LEN + 2) / 3 + 1))

struct amp_push {
	const struct amp_config *cfg;
	struct amp_tls conn;
	char host_header[300];
	char path[CONFIG_MAX_URL_LEN];      /* without the query */
	const char *query;                  /* into url.path after '?', or "" */
	char head[CONFIG_HTTP_HEADER_BUF_BYTES + CONFIG_MAX_SECRET_LEN];
	struct amp_http_response response;
	int64_t response_wall_ms;           /* port_realtime_ms() when the last answer was complete */
	struct amp_creds_provider creds;    /* SigV4 credentials ([sigv4]) */
	char auth_secret[CONFIG_MAX_SECRET_LEN]; /* bearer token or password as last read from its *_file */
	struct amp_secret_watch auth_watch;
	bool auth_secret_ok;
	char auth_value[AMP_PUSH_AUTH_VALUE_MAX]; /* bearer or basic auth's value, while the head is built */
	uint64_t requests;
	uint64_t reconnects;
	uint64_t auth_retries;              /* requests sent again after refreshed credentials */
	uint64_t clock_retries;             /* requests sent again after a clock correction */
};

/* Makes `p` safe to free. Cannot fail. */
void amp_push_init(struct amp_push *p);

/*
 * Prepares the connection for cfg->url (TLS set-up and CA bundle parsing when https) and, with [sigv4],
 * the credential chain (no network yet). `cfg` must outlive `p`.
 * Returns 0, the error of amp_tls_setup, or AMP_ERR_CONFIG (a credential source cannot work; logged);
 * p->conn.error says why.
 */
int amp_push_setup(struct amp_push *p, const struct amp_config *cfg) AMP_MUST_CHECK;

/*
 * POSTs `body` (a snappy-compressed WriteRequest), authenticated as configured (SigV4 with the credential
 * provider's keys, a bearer token, or basic auth), and reads the answer. A kept-alive connection the
 * server closed meanwhile is reopened once. Every answer's Date goes to the clock (firmware/clock.h).
 * A 401/403 saying the token expired or the signature is invalid makes the provider fetch credentials
 * at once, and the request is sent again once when that gave new ones; a 403 saying the signature's
 * time is off (AWS: "Signature expired", RequestTimeTooSkewed, ...) corrects the signing clock from
 * the answer's Date and sends again once.
 * Returns 0 (2xx), AMP_ERR_REJECTED (another status: res says which and why), AMP_ERR_AUTH (no usable
 * credentials yet: nothing was sent), or a transport error (AMP_ERR_CONNECT, AMP_ERR_TIMEOUT,
 * AMP_ERR_TLS, AMP_ERR_HTTP, AMP_ERR_CLOSED, ...; res->message says why).
 */
int amp_push_send(struct amp_push *p, const void *body, size_t len, struct amp_push_result *res) AMP_MUST_CHECK;

/*
 * Asks the receiver for the time: an unsigned HEAD of the URL, whose answer (any status) carries a Date.
 * For a clock known to be wrong (firmware/clock.h); with [remote_write] tls_clock_bootstrap the TLS
 * handshake then forgives certificate dates, and only them.
 * Returns 0 when the clock is trusted afterwards, AMP_ERR_RANGE when the answer had no usable Date, or a
 * transport error; res->message says why.
 */
int amp_push_probe_clock(struct amp_push *p, struct amp_push_result *res) AMP_MUST_CHECK;

void amp_push_free(struct amp_push *p);

#endif
