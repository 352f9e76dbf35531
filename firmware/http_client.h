/* HTTP/1.1 exchanges over amp_tls with one deadline each: the push path's and the credential sources'. */
#ifndef AMP_HTTP_CLIENT_H
#define AMP_HTTP_CLIENT_H

#include "config.h"
#include "http.h"
#include "tls.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Writes `head` then `body` (may be NULL when body_len is 0) on the connected `conn` and reads one
 * response into `res`, the whole exchange ending by `deadline_ms` (port_monotonic_ms() time): a server
 * trickling bytes, or chunks without end, cannot hold the caller. `head_request` says the request was
 * HEAD (the answer has no body). *stale is set when the connection turned out closed before any byte of
 * the answer came (an idle kept-alive connection the server had closed: the request never reached it).
 * Returns 0 (res holds the answer, any status), AMP_ERR_HTTP (res->error says why), AMP_ERR_TIMEOUT,
 * AMP_ERR_CLOSED or another transport error of amp_tls.
 */
int amp_http_exchange(struct amp_tls *conn, struct amp_http_response *res, const char *head, size_t head_len,
		      const void *body, size_t body_len, bool head_request, uint64_t deadline_ms,
		      bool *stale) AMP_MUST_CHECK;

/* Room for one request and its answer. Static in its user: the response alone is several KiB. */
struct amp_http_client {
	struct amp_http_response response;
	char head[CONFIG_HTTP_HEADER_BUF_BYTES];
	char error[800];   /* one line: why the request failed (transport), naming the host */
};

struct amp_http_client_request {
	const char *method;                   /* "GET", "PUT", "HEAD" */
	const struct amp_url *url;            /* host, port and scheme (which must match conn's setup) */
	const char *target;                   /* path and query; NULL: url->path */
	const struct amp_http_header *headers;
	unsigned header_count;
	const void *body;                     /* NULL: no body and no Content-Length (GET) */
	size_t body_len;
	uint32_t timeout_ms;                  /* for connect, send and the whole answer together */
};

/*
 * One request on a new connection over `conn` (set up by amp_tls_setup for the URL's scheme), closed
 * afterwards; "Connection: close" is sent. The answer is in c->response.
 * Returns 0 (an answer came, any status), or AMP_ERR_NOTFOUND, AMP_ERR_CONNECT, AMP_ERR_TIMEOUT,
 * AMP_ERR_TLS, AMP_ERR_HTTP, AMP_ERR_CLOSED, AMP_ERR_FULL (head too long), AMP_ERR_INVALID (a header
 * value not fit for a request); c->error says why in one line.
 */
int amp_http_client_request(struct amp_http_client *c, struct amp_tls *conn,
			    const struct amp_http_client_request *rq) AMP_MUST_CHECK;

/* Overwrites the request head and the response (they may hold tokens and credentials) with zeros. */
void amp_http_client_wipe(struct amp_http_client *c);

#endif
