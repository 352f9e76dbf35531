/* Push: one request at a time on a kept-alive connection; headers signed exactly as they are sent. */
#include "push.h"
#include "log.h"
#include "sigv4.h"

#include <stdio.h>
#include <string.h>

#define USER_AGENT "amp-agent/" AMP_VERSION

void amp_push_init(struct amp_push *p)
{
	memset(p, 0, sizeof(*p));
	amp_tls_init(&p->conn);
}

int amp_push_setup(struct amp_push *p, const struct amp_config *cfg)
{
	const char *q;
	size_t path_len;
	int rc;

	p->cfg = cfg;
	q = strchr(cfg->url.path, '?');
	path_len = q ? (size_t)(q - cfg->url.path) : strlen(cfg->url.path);
	memcpy(p->path, cfg->url.path, path_len);
	p->path[path_len] = '\0';
	p->query = q ? q + 1 : "";
	rc = amp_http_host_header(p->host_header, sizeof(p->host_header), cfg->url.host, cfg->url.port,
				  cfg->url.tls);
	if (rc != AMP_OK) {
		snprintf(p->conn.error, sizeof(p->conn.error), "%s: host not usable in a Host header", cfg->url.host);
		return rc;
	}
	return amp_tls_setup(&p->conn, cfg->url.tls, cfg->ca_file, cfg->remote_timeout_ms);
}

/* Builds the request head into p->head: the fixed headers, then the signature's when [sigv4] is set. */
static int build_head(struct amp_push *p, const void *body, size_t len, size_t *head_len)
{
	const struct amp_config *cfg = p->cfg;
	/* Exactly these are sent and, with SigV4, signed (Host is written by the HTTP layer from the same value). */
	struct amp_http_header headers[8] = {
		{"Content-Encoding", "snappy"},
		{"Content-Type", "application/x-protobuf"},
		{"User-Agent", USER_AGENT},
		{"X-Prometheus-Remote-Write-Version", "0.1.0"},
	};
	unsigned count = 4;
	struct amp_sigv4_result sig;
	int rc;

	if (cfg->sigv4_enabled) {
		struct amp_sigv4_header signed_headers[5];
		struct amp_sigv4_request req;
		const struct amp_sigv4_credentials cred = {cfg->access_key, cfg->secret_key, cfg->session_token};

		signed_headers[0] = (struct amp_sigv4_header){"Host", p->host_header};
		for (unsigned i = 0; i < count; i++)
			signed_headers[i + 1] = (struct amp_sigv4_header){headers[i].name, headers[i].value};
		amp_sigv4_request_init(&req);
		req.method = "POST";
		req.path = p->path;
		req.query = p->query;
		req.headers = signed_headers;
		req.header_count = count + 1;
		req.payload = body;
		req.payload_len = len;
		rc = amp_sigv4_sign(&req, &cred, cfg->region, cfg->service, port_realtime_ms() / 1000, &sig);
		if (rc != AMP_OK)
			return rc;
		headers[count++] = (struct amp_http_header){"X-Amz-Date", sig.amz_date};
		if (cfg->session_token[0] != '\0')
			headers[count++] = (struct amp_http_header){"X-Amz-Security-Token", cfg->session_token};
		headers[count++] = (struct amp_http_header){"Authorization", sig.authorization};
	}
	rc = amp_http_format_request(p->head, sizeof(p->head), head_len, "POST", cfg->url.path, p->host_header,
				     headers, count, len);
	return rc;
}

static void fail(struct amp_push_result *res, const char *what, int rc, const struct amp_tls *conn)
{
	if (conn->error[0] != '\0')
		snprintf(res->message, sizeof(res->message), "%s: %s", what, conn->error);
	else
		snprintf(res->message, sizeof(res->message), "%s: %s", what, amp_strerror(rc));
}

/*
 * Gives the connection's next operation what is left of the request's deadline: remote_timeout bounds
 * the whole exchange, so a server trickling bytes (or chunks without end) cannot hold the loop.
 */
static int arm_deadline(struct amp_push *p, uint64_t deadline)
{
	uint64_t now = port_monotonic_ms();

	if (now >= deadline)
		return AMP_ERR_TIMEOUT;
	p->conn.timeout_ms = (uint32_t)(deadline - now);
	return AMP_OK;
}

/* Sends the head and body and reads one response. Sets *stale when a reused connection had been closed. */
static int exchange(struct amp_push *p, const void *body, size_t head_len, size_t len, uint64_t deadline,
		    int *stale)
{
	static char rx[4096];
	int rc;

	*stale = 0;
	rc = arm_deadline(p, deadline);
	if (rc == AMP_OK)
		rc = amp_tls_write_all(&p->conn, p->head, head_len);
	if (rc == AMP_OK)
		rc = amp_tls_write_all(&p->conn, body, len);
	if (rc == AMP_ERR_CLOSED) {
		*stale = 1;
		return rc;
	}
	if (rc != AMP_OK)
		return rc;
	amp_http_response_init(&p->response);
	for (;;) {
		size_t used;
		int n = arm_deadline(p, deadline);

		if (n == AMP_OK)
			n = amp_tls_read(&p->conn, rx, sizeof(rx));
		if (n == AMP_ERR_CLOSED) {
			rc = amp_http_response_eof(&p->response);
			if (rc == AMP_ERR_CLOSED)
				*stale = 1;
			return rc;
		}
		if (n < 0)
			return n;
		rc = amp_http_response_feed(&p->response, rx, (size_t)n, &used);
		if (rc != AMP_HTTP_MORE)
			return rc;
	}
}

int amp_push_send(struct amp_push *p, const void *body, size_t len, struct amp_push_result *res)
{
	const struct amp_url *url = &p->cfg->url;
	uint64_t deadline = port_monotonic_ms() + p->cfg->remote_timeout_ms;
	size_t head_len;
	int rc, stale;

	memset(res, 0, sizeof(*res));
	res->retry_after_s = -1;
	rc = build_head(p, body, len, &head_len);
	if (rc != AMP_OK) {
		snprintf(res->message, sizeof(res->message), "cannot build the request: %s", amp_strerror(rc));
		return rc;
	}
	p->requests++;
	for (int attempt = 0;; attempt++) {
		int reused = p->conn.connected;

		if (!reused) {
			rc = arm_deadline(p, deadline);
			if (rc == AMP_OK)
				rc = amp_tls_connect(&p->conn, url->host, url->port);
			if (rc != AMP_OK) {
				fail(res, "connect", rc, &p->conn);
				return rc;
			}
		}
		rc = exchange(p, body, head_len, len, deadline, &stale);
		if (rc == AMP_OK)
			break;
		amp_tls_close(&p->conn);
		/* An idle kept-alive connection the server closed: the request never reached it, send it again. */
		if (reused && stale && attempt == 0) {
			p->reconnects++;
			AMP_LOG_D("push", "kept-alive connection was closed by %s; reconnecting", url->host);
			continue;
		}
		if (rc == AMP_ERR_HTTP)
			snprintf(res->message, sizeof(res->message), "bad HTTP response from %s: %s", url->host,
				 p->response.error ? p->response.error : "malformed");
		else
			fail(res, "request", rc, &p->conn);
		return rc;
	}
	if (!p->response.keep_alive)
		amp_tls_close(&p->conn);
	res->status = p->response.status;
	res->retry_after_s = p->response.retry_after_s;
	snprintf(res->date, sizeof(res->date), "%s", p->response.date);
	amp_http_body_first_line(&p->response, res->message, sizeof(res->message));
	return res->status >= 200 && res->status <= 299 ? AMP_OK : AMP_ERR_REJECTED;
}

void amp_push_free(struct amp_push *p)
{
	amp_tls_free(&p->conn);
}
