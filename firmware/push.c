/* Push: one request at a time on a kept-alive connection; headers signed exactly as they are sent. */
#include "push.h"
#include "clock.h"
#include "http_client.h"
#include "log.h"
#include "sigv4.h"

#include <mbedtls/base64.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define USER_AGENT "amp-agent/" AMP_VERSION

void amp_push_init(struct amp_push *p)
{
	memset(p, 0, sizeof(*p));
	amp_tls_init(&p->conn);
	amp_creds_init(&p->creds);
}

/* True when NO_PROXY (comma-separated host names or suffixes, "*" for all) names `host`. */
static bool no_proxy_for(const char *list, const char *host)
{
	size_t hl = strlen(host);

	while (*list != '\0') {
		size_t n = strcspn(list, ",");
		const char *e = list;
		size_t en = n;

		while (en > 0 && (*e == ' ' || *e == '.')) {
			e++;
			en--;
		}
		while (en > 0 && e[en - 1] == ' ')
			en--;
		if (en == 1 && e[0] == '*')
			return true;
		if (en > 0 && en <= hl && strncasecmp(host + hl - en, e, en) == 0 &&
		    (en == hl || host[hl - en - 1] == '.'))
			return true;
		list += n;
		if (*list == ',')
			list++;
	}
	return false;
}

/*
 * The proxy, as curl and the AWS SDKs find it: proxy_url, else HTTPS_PROXY (HTTP_PROXY for http://
 * receivers), lower case too, unless NO_PROXY names the receiver. Only http:// proxies tunnel here.
 */
static void choose_proxy(struct amp_push *p, const struct amp_config *cfg)
{
	static const char *const https_vars[] = {"HTTPS_PROXY", "https_proxy"};
	static const char *const http_vars[] = {"HTTP_PROXY", "http_proxy"};
	const char *const *vars = cfg->url.tls ? https_vars : http_vars;
	char value[CONFIG_MAX_URL_LEN];
	char no_proxy[1024];
	struct amp_url proxy;

	amp_tls_set_proxy(&p->conn, "", 0);
	if (strcmp(cfg->proxy_url, "none") == 0)
		return;
	if (cfg->proxy_url[0] != '\0') {
		amp_tls_set_proxy(&p->conn, cfg->proxy.host, cfg->proxy.port);
		AMP_LOG_I("push", "through the proxy %s:%u (proxy_url)", cfg->proxy.host, (unsigned)cfg->proxy.port);
		return;
	}
	for (unsigned i = 0; i < 2; i++) {
		if (port_getenv(vars[i], value, sizeof(value)) != AMP_OK || value[0] == '\0')
			continue;
		if ((port_getenv("NO_PROXY", no_proxy, sizeof(no_proxy)) == AMP_OK ||
		     port_getenv("no_proxy", no_proxy, sizeof(no_proxy)) == AMP_OK) &&
		    no_proxy_for(no_proxy, cfg->url.host)) {
			AMP_LOG_D("push", "%s: NO_PROXY names it, not through %s", cfg->url.host, vars[i]);
			return;
		}
		if (amp_config_parse_url(value, &proxy) != AMP_OK || proxy.tls) {
			AMP_LOG_W("push", "%s is not an http:// proxy URL; going direct", vars[i]);
			return;
		}
		amp_tls_set_proxy(&p->conn, proxy.host, proxy.port);
		AMP_LOG_I("push", "through the proxy %s:%u (%s)", proxy.host, (unsigned)proxy.port, vars[i]);
		return;
	}
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
	rc = amp_creds_setup(&p->creds, cfg);
	if (rc != AMP_OK) {
		snprintf(p->conn.error, sizeof(p->conn.error), "[sigv4] credentials cannot work (see above)");
		return rc;
	}
	rc = amp_tls_setup(&p->conn, cfg->url.tls, cfg->ca_file, cfg->remote_timeout_ms);
	if (rc == AMP_OK)
		choose_proxy(p, cfg);
	return rc;
}

/*
 * The secret of bearer or basic auth: inline, or its *_file read again whenever the file changed (a
 * rotator replaces it). A file that cannot be read keeps the last value that could (read into a scratch
 * buffer first, since a failed read leaves nothing in its buffer); before any, there is none. The
 * configuration does not keep the file's text: this is its only copy.
 */
static const char *auth_secret(struct amp_push *p, const char *inline_value, const char *file, char *why,
			       size_t cap)
{
	/* static: a secret's size; wiped right after use */
	static char fresh[sizeof(p->auth_secret)];
	size_t n = 0;
	int rc;

	if (file[0] == '\0')
		return inline_value;
	if (amp_secret_watch_changed(&p->auth_watch, file) != 1 && p->auth_secret_ok)
		return p->auth_secret;
	rc = amp_secret_read_file(file, fresh, sizeof(fresh), &n);
	if (rc == AMP_OK && n > 0) {
		if (!p->auth_secret_ok)
			AMP_LOG_D("push", "%s read", file);
		/* the old value wiped to its end: a shorter new one must not leave its tail behind */
		amp_secret_wipe(p->auth_secret, sizeof(p->auth_secret));
		memcpy(p->auth_secret, fresh, n + 1);
		amp_secret_wipe(fresh, n + 1);
		p->auth_secret_ok = true;
		return p->auth_secret;
	}
	amp_secret_wipe(fresh, sizeof(fresh));
	p->auth_watch.valid = false;
	p->auth_secret_ok = false;
	snprintf(why, cap, "%s: %s", file, rc == AMP_OK ? "empty" : amp_strerror(rc));
	return p->auth_secret[0] != '\0' ? p->auth_secret : NULL;
}

/* The Authorization value of bearer or basic auth into p->auth_value; NULL when neither is configured. */
static int auth_header(struct amp_push *p, const char **value, char *why, size_t cap)
{
	const struct amp_config *cfg = p->cfg;
	const char *secret;
	size_t used;

	*value = NULL;
	if (cfg->bearer_token[0] != '\0' || cfg->bearer_token_file[0] != '\0') {
		secret = auth_secret(p, cfg->bearer_token, cfg->bearer_token_file, why, cap);
		if (secret == NULL)
			return AMP_ERR_AUTH;
		if (snprintf(p->auth_value, sizeof(p->auth_value), "Bearer %s", secret) >= (int)sizeof(p->auth_value))
			return AMP_ERR_FULL;
	} else if (cfg->basic_auth_username[0] != '\0') {
		/* static: it holds the password, and is wiped right after use */
		static char plain[CONFIG_MAX_LABEL_VALUE_LEN + CONFIG_MAX_SECRET_LEN + 2];
		int n;
		int rc;

		secret = auth_secret(p, cfg->basic_auth_password, cfg->basic_auth_password_file, why, cap);
		if (secret == NULL)
			return AMP_ERR_AUTH;
		n = snprintf(plain, sizeof(plain), "%s:%s", cfg->basic_auth_username, secret);
		memcpy(p->auth_value, "Basic ", 6);
		rc = n < 0 || (size_t)n >= sizeof(plain) ? -1 :
		     mbedtls_base64_encode((unsigned char *)p->auth_value + 6, sizeof(p->auth_value) - 6, &used,
					   (const unsigned char *)plain, (size_t)n);
		amp_secret_wipe(plain, sizeof(plain));
		if (rc != 0)
			return AMP_ERR_FULL;
	} else {
		return AMP_OK;
	}
	*value = p->auth_value;
	return AMP_OK;
}

/* Builds the request head into p->head: the fixed headers, then the authentication's. */
static int build_head(struct amp_push *p, const void *body, size_t len, size_t *head_len, char *why, size_t cap)
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
	const char *auth;
	int rc;

	if (cfg->sigv4_enabled) {
		struct amp_sigv4_header signed_headers[5];
		struct amp_sigv4_request req;
		const struct amp_creds *creds;
		struct amp_sigv4_credentials cred;

		rc = amp_creds_get(&p->creds, &creds, why, cap);
		if (rc != AMP_OK)
			return rc;
		cred = (struct amp_sigv4_credentials){creds->access_key, creds->secret_key, creds->session_token};
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
		/* the corrected clock: AWS refuses signatures more than 5 minutes off its own */
		rc = amp_sigv4_sign(&req, &cred, cfg->region, cfg->service, amp_clock_now_ms() / 1000, &sig);
		if (rc != AMP_OK) {
			snprintf(why, cap, "cannot sign the request: %s", amp_strerror(rc));
			return rc;
		}
		headers[count++] = (struct amp_http_header){"X-Amz-Date", sig.amz_date};
		if (creds->session_token[0] != '\0')
			headers[count++] = (struct amp_http_header){"X-Amz-Security-Token", creds->session_token};
		headers[count++] = (struct amp_http_header){"Authorization", sig.authorization};
	} else {
		rc = auth_header(p, &auth, why, cap);
		if (rc != AMP_OK) {
			if (rc != AMP_ERR_AUTH)
				snprintf(why, cap, "Authorization header longer than it may be");
			goto done;
		}
		if (auth != NULL)
			headers[count++] = (struct amp_http_header){"Authorization", auth};
	}
	rc = amp_http_format_request(p->head, sizeof(p->head), head_len, "POST", cfg->url.path, p->host_header,
				     headers, count, len);
	if (rc != AMP_OK)
		snprintf(why, cap, "cannot build the request: %s", amp_strerror(rc));
done:
	/*
	 * The head is the one copy the request needs. A value built anew for each request would otherwise
	 * keep, past the end of a shorter new token, the tail of the one before; a head that failed halfway
	 * may hold part of a token.
	 */
	amp_secret_wipe(p->auth_value, sizeof(p->auth_value));
	if (rc != AMP_OK)
		amp_secret_wipe(p->head, sizeof(p->head));
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
 * Sends p->head (and body) on the kept-alive connection, reconnecting once when the server had closed
 * it, and reads the answer into p->response. Returns 0 when an answer came, else a transport error.
 */
static int transport(struct amp_push *p, const void *body, size_t head_len, size_t len, bool head_request,
		     uint64_t deadline, struct amp_push_result *res)
{
	const struct amp_url *url = &p->cfg->url;
	bool stale;
	int rc;

	for (int attempt = 0;; attempt++) {
		bool reused = p->conn.connected;

		if (!reused) {
			uint64_t now = port_monotonic_ms();

			rc = now < deadline ? AMP_OK : AMP_ERR_TIMEOUT;
			if (rc == AMP_OK) {
				p->conn.timeout_ms = (uint32_t)(deadline - now);
				/* only while the system clock is known wrong, and only when the user opted in */
				p->conn.tolerate_cert_dates = p->cfg->tls_clock_bootstrap && amp_clock_system_implausible();
				p->conn.cert_time_ms = amp_clock_trusted() ? amp_clock_now_ms() : 0;
				rc = amp_tls_connect(&p->conn, url->host, url->port);
			}
			if (rc != AMP_OK) {
				fail(res, "connect", rc, &p->conn);
				return rc;
			}
			if (p->conn.cert_dates_tolerated)
				AMP_LOG_W("push", "%s: certificate dates not checked (the clock is known wrong; "
					  "tls_clock_bootstrap = true)", url->host);
		}
		rc = amp_http_exchange(&p->conn, &p->response, p->head, head_len, body, len, head_request, deadline,
				       &stale);
		p->response_wall_ms = port_realtime_ms();
		if (rc == AMP_OK)
			return AMP_OK;
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
}

/* Case-insensitive search of `needle` in the kept body (not NUL-terminated). */
static bool body_says(const struct amp_http_response *r, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= r->body_len; i++) {
		size_t k = 0;

		while (k < n) {
			char a = r->body[i + k], b = needle[k];

			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (char)(b - 'A' + 'a');
			if (a != b)
				break;
			k++;
		}
		if (k == n)
			return true;
	}
	return false;
}

enum refusal { REFUSED_OTHER, REFUSED_CLOCK, REFUSED_CREDENTIALS };

/*
 * Why a 401/403 came, from the error texts of AWS (AMP's front door speaks the JSON protocol: the code
 * and message are in the body) and the usual receivers. Clock first: AWS wraps skew in
 * InvalidSignatureException too.
 */
static enum refusal classify(const struct amp_http_response *r)
{
	static const char *const clock[] = {
		"Signature expired", "Signature not yet current", "RequestTimeTooSkewed", "RequestExpired",
		"RequestInTheFuture",
	};
	static const char *const creds[] = {
		"ExpiredToken", "security token included in the request is expired",
		"security token included in the request is invalid", "InvalidClientTokenId", "UnrecognizedClient",
		"signature we calculated does not match", "SignatureDoesNotMatch", "InvalidSignatureException",
		"token has expired", "token is expired",
	};

	if (r->status != 401 && r->status != 403)
		return REFUSED_OTHER;
	for (size_t i = 0; i < sizeof(clock) / sizeof(clock[0]); i++) {
		if (body_says(r, clock[i]))
			return REFUSED_CLOCK;
	}
	for (size_t i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		if (body_says(r, creds[i]))
			return REFUSED_CREDENTIALS;
	}
	return REFUSED_OTHER;
}

/* Whether the credentials or the bearer/basic secret changed since the refused request. */
static bool fresh_credentials(struct amp_push *p)
{
	if (p->cfg->sigv4_enabled)
		return amp_creds_refresh_now(&p->creds) == 1;
	/* a bearer token or password file that a rotator replaced meanwhile */
	if ((p->cfg->bearer_token_file[0] != '\0' || p->cfg->basic_auth_password_file[0] != '\0') &&
	    amp_secret_watch_changed(&p->auth_watch, p->cfg->bearer_token_file[0] != '\0' ?
				     p->cfg->bearer_token_file : p->cfg->basic_auth_password_file) == 1) {
		p->auth_watch.valid = false; /* read it again when the head is built */
		return true;
	}
	return false;
}

int amp_push_send(struct amp_push *p, const void *body, size_t len, struct amp_push_result *res)
{
	const struct amp_url *url = &p->cfg->url;
	uint64_t deadline = port_monotonic_ms() + p->cfg->remote_timeout_ms;
	bool clock_retried = false, auth_retried = false;
	size_t head_len;

	memset(res, 0, sizeof(*res));
	res->retry_after_s = -1;
	for (;;) {
		int rc;
		int clock_changed;
		enum refusal why;

		rc = build_head(p, body, len, &head_len, res->message, sizeof(res->message));
		if (rc != AMP_OK)
			return rc;
		p->requests++;
		rc = transport(p, body, head_len, len, false, deadline, res);
		amp_secret_wipe(p->head, sizeof(p->head)); /* it held a token */
		if (rc != AMP_OK)
			return rc;
		if (!p->response.keep_alive)
			amp_tls_close(&p->conn);
		res->status = p->response.status;
		res->retry_after_s = p->response.retry_after_s;
		snprintf(res->date, sizeof(res->date), "%s", p->response.date);
		amp_http_body_first_line(&p->response, res->message, sizeof(res->message));
		clock_changed = amp_clock_observe_date(p->response.date, p->response_wall_ms, false, url->host);
		if (res->status >= 200 && res->status <= 299)
			return AMP_OK;
		why = classify(&p->response);
		if (why == REFUSED_CLOCK && !clock_retried) {
			clock_retried = true;
			if (amp_clock_observe_date(p->response.date, p->response_wall_ms, true, url->host) == 1)
				clock_changed = 1;
			if (clock_changed == 1) {
				p->clock_retries++;
				res->clock_retries++;
				AMP_LOG_I("push", "%s refused the signature's time (%d); sending again with the corrected clock",
					  url->host, res->status);
				continue;
			}
		}
		if ((why == REFUSED_CREDENTIALS || why == REFUSED_CLOCK) && !auth_retried) {
			auth_retried = true;
			if (fresh_credentials(p)) {
				p->auth_retries++;
				res->auth_retries++;
				AMP_LOG_I("push", "%s refused the credentials (%d: %s); sending again with new ones",
					  url->host, res->status, res->message);
				continue;
			}
		}
		return AMP_ERR_REJECTED;
	}
}

int amp_push_probe_clock(struct amp_push *p, struct amp_push_result *res)
{
	const struct amp_url *url = &p->cfg->url;
	uint64_t deadline = port_monotonic_ms() + p->cfg->remote_timeout_ms;
	size_t head_len;
	int rc;

	memset(res, 0, sizeof(*res));
	res->retry_after_s = -1;
	rc = amp_http_format_request(p->head, sizeof(p->head), &head_len, "HEAD", url->path, p->host_header,
				     &(struct amp_http_header){"User-Agent", USER_AGENT}, 1, AMP_HTTP_NO_BODY);
	if (rc != AMP_OK) {
		snprintf(res->message, sizeof(res->message), "cannot build the request: %s", amp_strerror(rc));
		return rc;
	}
	rc = transport(p, NULL, head_len, 0, true, deadline, res);
	if (rc != AMP_OK) {
		char why[sizeof(res->message)];

		memcpy(why, res->message, sizeof(why));
		snprintf(res->message, sizeof(res->message), "clock unknown, samples held: %.960s", why);
		return rc;
	}
	if (!p->response.keep_alive)
		amp_tls_close(&p->conn);
	res->status = p->response.status;
	snprintf(res->date, sizeof(res->date), "%s", p->response.date);
	if (amp_clock_observe_date(p->response.date, p->response_wall_ms, false, url->host) < 0) {
		snprintf(res->message, sizeof(res->message), "clock unknown, samples held: %s answered %d without a usable "
			 "Date header", url->host, res->status);
		return AMP_ERR_RANGE;
	}
	if (!amp_clock_trusted()) {
		snprintf(res->message, sizeof(res->message), "clock unknown, samples held: %s's Date did not set it",
			 url->host);
		return AMP_ERR_RANGE;
	}
	return AMP_OK;
}

void amp_push_free(struct amp_push *p)
{
	amp_tls_free(&p->conn);
	amp_creds_free(&p->creds);
	amp_secret_wipe(p->auth_secret, sizeof(p->auth_secret));
	amp_secret_wipe(p->auth_value, sizeof(p->auth_value));
	amp_secret_wipe(p->head, sizeof(p->head));
}
