/* HTTP exchanges with a deadline over the whole request and answer; one-shot requests for credential sources. */
#include "http_client.h"
#include "port.h"
#include "secret.h"

#include <stdio.h>
#include <string.h>

/* Gives the connection's next operation what is left of the deadline. */
static int arm_deadline(struct amp_tls *conn, uint64_t deadline)
{
	uint64_t now = port_monotonic_ms();

	if (now >= deadline)
		return AMP_ERR_TIMEOUT;
	conn->timeout_ms = (uint32_t)(deadline - now);
	return AMP_OK;
}

int amp_http_exchange(struct amp_tls *conn, struct amp_http_response *res, const char *head, size_t head_len,
		      const void *body, size_t body_len, bool head_request, uint64_t deadline_ms, bool *stale)
{
	/* whatever was read may have been a credentials document: wiped on every way out */
	static char rx[4096];
	int rc;

	*stale = false;
	amp_http_response_init(res);
	if (head_request)
		amp_http_response_set_head(res);
	rc = arm_deadline(conn, deadline_ms);
	if (rc == AMP_OK)
		rc = amp_tls_write_all(conn, head, head_len);
	if (rc == AMP_OK && body_len > 0)
		rc = amp_tls_write_all(conn, body, body_len);
	if (rc == AMP_ERR_CLOSED)
		*stale = true;
	while (rc == AMP_OK) {
		size_t used;
		int n = arm_deadline(conn, deadline_ms);

		if (n == AMP_OK)
			n = amp_tls_read(conn, rx, sizeof(rx));
		if (n == AMP_ERR_CLOSED) {
			rc = amp_http_response_eof(res);
			if (rc == AMP_ERR_CLOSED)
				*stale = true;
			break;
		}
		if (n < 0) {
			rc = n;
			break;
		}
		rc = amp_http_response_feed(res, rx, (size_t)n, &used);
		if (rc == AMP_HTTP_MORE)
			rc = AMP_OK;
		else
			break;
	}
	amp_secret_wipe(rx, sizeof(rx));
	return rc;
}

int amp_http_client_request(struct amp_http_client *c, struct amp_tls *conn, const struct amp_http_client_request *rq)
{
	struct amp_http_header headers[12];
	char host[300];
	size_t head_len;
	uint64_t deadline = port_monotonic_ms() + rq->timeout_ms;
	bool stale;
	int rc;

	c->error[0] = '\0';
	if (rq->header_count + 1 > sizeof(headers) / sizeof(headers[0])) {
		snprintf(c->error, sizeof(c->error), "%s: too many headers", rq->url->host);
		return AMP_ERR_FULL;
	}
	rc = amp_http_host_header(host, sizeof(host), rq->url->host, rq->url->port, rq->url->tls);
	if (rc != AMP_OK) {
		snprintf(c->error, sizeof(c->error), "%s: host not usable in a Host header", rq->url->host);
		return rc;
	}
	for (unsigned i = 0; i < rq->header_count; i++)
		headers[i] = rq->headers[i];
	headers[rq->header_count] = (struct amp_http_header){"Connection", "close"};
	rc = amp_http_format_request(c->head, sizeof(c->head), &head_len, rq->method,
				     rq->target ? rq->target : rq->url->path, host, headers, rq->header_count + 1,
				     rq->body ? rq->body_len : AMP_HTTP_NO_BODY);
	if (rc != AMP_OK) {
		snprintf(c->error, sizeof(c->error), "%s: cannot build the request: %s", rq->url->host,
			 rc == AMP_ERR_FULL ? "longer than CONFIG_HTTP_HEADER_BUF_BYTES" : "a header value is not valid");
		return rc;
	}
	rc = arm_deadline(conn, deadline);
	if (rc == AMP_OK)
		rc = amp_tls_connect(conn, rq->url->host, rq->url->port);
	if (rc != AMP_OK) {
		if (conn->error[0] != '\0')
			snprintf(c->error, sizeof(c->error), "%s", conn->error);
		else
			snprintf(c->error, sizeof(c->error), "connect to %s:%u: %s", rq->url->host,
				 (unsigned)rq->url->port, amp_strerror(rc));
		return rc;
	}
	rc = amp_http_exchange(conn, &c->response, c->head, head_len, rq->body, rq->body ? rq->body_len : 0,
			       strcmp(rq->method, "HEAD") == 0, deadline, &stale);
	if (rc == AMP_ERR_HTTP)
		snprintf(c->error, sizeof(c->error), "bad HTTP response from %s: %s", rq->url->host,
			 c->response.error ? c->response.error : "malformed");
	else if (rc != AMP_OK && conn->error[0] != '\0')
		snprintf(c->error, sizeof(c->error), "%s: %s", rq->url->host, conn->error);
	else if (rc != AMP_OK)
		snprintf(c->error, sizeof(c->error), "%s:%u: %s", rq->url->host, (unsigned)rq->url->port,
			 rc == AMP_ERR_TIMEOUT ? "no complete answer in time" :
			 rc == AMP_ERR_CLOSED ? "closed the connection without answering" : amp_strerror(rc));
	amp_tls_close(conn);
	return rc;
}

void amp_http_client_wipe(struct amp_http_client *c)
{
	amp_secret_wipe(c->head, sizeof(c->head));
	amp_secret_wipe(c->response.body, sizeof(c->response.body));
	amp_secret_wipe(c->response.line, sizeof(c->response.line));
	c->response.body_len = 0;
}
