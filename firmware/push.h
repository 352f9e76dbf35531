/* The push path: sign a compressed WriteRequest and POST it over one kept-alive connection. */
#ifndef AMP_PUSH_H
#define AMP_PUSH_H

#include "config.h"
#include "http.h"
#include "tls.h"

#include <stddef.h>
#include <stdint.h>

struct amp_push_result {
	int status;              /* HTTP status, 0 when no answer came */
	char message[1024];      /* one line: the receiver's first body line, or the transport error */
	int64_t retry_after_s;   /* -1 when the receiver gave none */
	char date[AMP_HTTP_VALUE_MAX]; /* the receiver's Date header, for clock checks */
};

struct amp_push {
	const struct amp_config *cfg;
	struct amp_tls conn;
	char host_header[300];
	char path[CONFIG_MAX_URL_LEN];      /* without the query */
	const char *query;                  /* into url.path after '?', or "" */
	char head[CONFIG_HTTP_HEADER_BUF_BYTES + CONFIG_MAX_SECRET_LEN];
	struct amp_http_response response;
	uint64_t requests;
	uint64_t reconnects;
};

/* Makes `p` safe to free. Cannot fail. */
void amp_push_init(struct amp_push *p);

/*
 * Prepares the connection for cfg->url (TLS set-up and CA bundle parsing when https). `cfg` must outlive `p`.
 * Returns 0 or the error of amp_tls_setup (p->conn.error says why).
 */
int amp_push_setup(struct amp_push *p, const struct amp_config *cfg) AMP_MUST_CHECK;

/*
 * POSTs `body` (a snappy-compressed WriteRequest), signed with SigV4 when [sigv4] is configured, and
 * reads the answer. A kept-alive connection the server closed meanwhile is reopened once.
 * Returns 0 (2xx), AMP_ERR_REJECTED (another status: res says which and why), or a transport error
 * (AMP_ERR_CONNECT, AMP_ERR_TIMEOUT, AMP_ERR_TLS, AMP_ERR_HTTP, AMP_ERR_CLOSED, ...; res->message says why).
 */
int amp_push_send(struct amp_push *p, const void *body, size_t len, struct amp_push_result *res) AMP_MUST_CHECK;

void amp_push_free(struct amp_push *p);

#endif
