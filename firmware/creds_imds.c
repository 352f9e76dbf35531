/* Credentials source "imds": EC2 instance metadata, IMDSv2 (a session token first), IMDSv1 only when allowed. */
#include "creds_internal.h"
#include "log.h"
#include "port.h"
#include "secret.h"

#include <stdio.h>
#include <string.h>

/*
 * PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds gives a token, sent as
 * X-aws-ec2-metadata-token with each GET until shortly before its TTL ends. The role comes from
 * GET /latest/meta-data/iam/security-credentials/, its credentials from the same path plus the role.
 * Timeouts are short (as the SDKs' 1 s): with the default hop limit of 1, a token request from inside
 * a container is never answered, and the agent must not sit on it.
 */
#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_TOKEN_PATH "/latest/api/token"
#define IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"
#define IMDS_TOKEN_TTL_S 21600            /* the largest IMDS grants: one token request per 6 h */
#define IMDS_TOKEN_TTL_TEXT "21600"
#define IMDS_TOKEN_EARLY_MS 60000u        /* a token is renewed this long before its TTL ends */
#define IMDS_TIMEOUT_MS 1000u             /* per request */
#define IMDS_TOKEN_MAX 512
#define IMDS_ROLE_MAX 128                 /* IAM role names are at most 64 characters of [\w+=,.@-] */

static struct {
	bool configured;
	bool disabled;                  /* AWS_EC2_METADATA_DISABLED=true */
	bool v1_allowed;
	struct amp_url endpoint;
	struct amp_tls conn;            /* plain TCP: IMDS speaks http only */
	bool conn_ready;
	char token[IMDS_TOKEN_MAX];
	uint64_t token_until;           /* port_monotonic_ms() after which a new token is asked for */
	bool use_v1;                    /* this fetch goes without a token (allowed, and IMDS gave none) */
	char role[IMDS_ROLE_MAX];
} imds;

static void forget_token(void)
{
	amp_secret_wipe(imds.token, sizeof(imds.token));
	imds.token_until = 0;
}

static bool disabled_by_env(void)
{
	char v[16];

	/* botocore and the Java SDK read "true" case-insensitively */
	if (amp_creds_getenv("AWS_EC2_METADATA_DISABLED", v, sizeof(v)) != AMP_OK)
		return false;
	for (char *c = v; *c; c++)
		*c = *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : *c;
	return strcmp(v, "true") == 0;
}

static int imds_setup(const struct amp_config *cfg)
{
	char text[CONFIG_MAX_URL_LEN];
	const char *from = "[sigv4] imds_endpoint";
	int rc = AMP_OK;

	forget_token();
	imds.configured = false;
	imds.v1_allowed = cfg->imds_v1_fallback;
	imds.disabled = disabled_by_env();
	if (cfg->imds_endpoint[0] != '\0') {
		rc = amp_creds_copy(text, sizeof(text), cfg->imds_endpoint);
	} else {
		from = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
		rc = amp_creds_getenv(from, text, sizeof(text));
		if (rc == AMP_ERR_NOTFOUND)
			rc = amp_creds_copy(text, sizeof(text), IMDS_DEFAULT_ENDPOINT);
	}
	if (rc != AMP_OK || amp_config_parse_url(text, &imds.endpoint) != AMP_OK || imds.endpoint.tls) {
		AMP_LOG_E("creds", "%s: not an http:// URL of at most %zu bytes", from, sizeof(text) - 1);
		return AMP_ERR_CONFIG;
	}
	if (!imds.conn_ready) {
		amp_tls_init(&imds.conn);
		if (amp_tls_setup(&imds.conn, false, NULL, IMDS_TIMEOUT_MS) != AMP_OK)
			return AMP_ERR_CONFIG;
		imds.conn_ready = true;
	}
	imds.configured = true;
	return imds.disabled ? AMP_ERR_NOTFOUND : AMP_OK;
}

/* One request to IMDS; the answer is in the shared client. */
static int request(const char *method, const char *target, char *why, size_t cap)
{
	struct amp_http_client *c = amp_creds_http();
	bool put = strcmp(method, "PUT") == 0;
	const struct amp_http_header h = put ? (struct amp_http_header){"X-aws-ec2-metadata-token-ttl-seconds",
									IMDS_TOKEN_TTL_TEXT} :
					       (struct amp_http_header){"X-aws-ec2-metadata-token", imds.token};
	const struct amp_http_client_request rq = {
		.method = method,
		.url = &imds.endpoint,
		.target = target,
		.headers = &h,
		.header_count = put || !imds.use_v1 ? 1 : 0,
		.body = put ? "" : NULL,
		.timeout_ms = IMDS_TIMEOUT_MS,
	};
	int rc = amp_http_client_request(c, &imds.conn, &rq);

	if (rc != AMP_OK)
		snprintf(why, cap, "%s", c->error);
	return rc;
}

/* Gets a session token unless the one held is still good. */
static int get_token(char *why, size_t cap)
{
	struct amp_http_client *c = amp_creds_http();
	int rc;

	imds.use_v1 = false;
	if (imds.token[0] != '\0' && port_monotonic_ms() < imds.token_until)
		return AMP_OK;
	forget_token();
	rc = request("PUT", IMDS_TOKEN_PATH, why, cap);
	if (rc != AMP_OK) {
		if (imds.v1_allowed) {
			AMP_LOG_D("creds", "IMDSv2 token request failed (%s); trying IMDSv1", why);
			imds.use_v1 = true;
			return AMP_OK;
		}
		/* an IMDS that never answers is not there (or a container behind a hop limit of 1) */
		if (rc == AMP_ERR_TIMEOUT)
			snprintf(why + strlen(why), cap - strlen(why),
				 " (token request unanswered: not on EC2, or in a container behind a hop limit of 1)");
		return rc == AMP_ERR_TIMEOUT || rc == AMP_ERR_CONNECT || rc == AMP_ERR_NOTFOUND ? AMP_ERR_NOTFOUND : rc;
	}
	if (c->response.status == 200) {
		char line[IMDS_TOKEN_MAX];
		size_t n = amp_http_body_first_line(&c->response, line, sizeof(line));

		if (n == 0 || c->response.body_total != n || !amp_creds_printable(line) ||
		    amp_creds_copy(imds.token, sizeof(imds.token), line) != AMP_OK) {
			amp_secret_wipe(line, sizeof(line));
			snprintf(why, cap, "IMDS token answer is not a token");
			return AMP_ERR_INVALID;
		}
		amp_secret_wipe(line, sizeof(line));
		imds.token_until = port_monotonic_ms() + (uint64_t)IMDS_TOKEN_TTL_S * 1000u - IMDS_TOKEN_EARLY_MS;
		return AMP_OK;
	}
	/* 404 and 405: an IMDS without IMDSv2 (or a proxy that forbids PUT) */
	if ((c->response.status == 404 || c->response.status == 405) && imds.v1_allowed) {
		imds.use_v1 = true;
		return AMP_OK;
	}
	amp_creds_status_error(c, "IMDS token request", why, cap);
	if (c->response.status == 404 || c->response.status == 405)
		snprintf(why + strlen(why), cap - strlen(why), " (no IMDSv2; imds_v1_fallback = true allows IMDSv1)");
	return AMP_ERR_REJECTED;
}

static bool role_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("_+=,.@-", c) != NULL);
}

/* A GET with the token; a 401 (token expired or revoked) gets one new token and one more try. */
static int get_with_token(const char *target, char *why, size_t cap)
{
	struct amp_http_client *c = amp_creds_http();

	for (int attempt = 0;; attempt++) {
		int rc = request("GET", target, why, cap);

		if (rc != AMP_OK)
			return rc == AMP_ERR_TIMEOUT || rc == AMP_ERR_CONNECT ? AMP_ERR_NOTFOUND : rc;
		if (c->response.status != 401 || attempt > 0 || imds.use_v1)
			return AMP_OK;
		forget_token();
		rc = get_token(why, cap);
		if (rc != AMP_OK)
			return rc;
	}
}

static int imds_fetch(const struct amp_config *cfg, struct amp_creds *out, char *why, size_t cap)
{
	struct amp_http_client *c = amp_creds_http();
	char target[sizeof(IMDS_ROLE_PATH) + IMDS_ROLE_MAX];
	int rc;

	(void)cfg;
	if (!imds.configured || imds.disabled) {
		snprintf(why, cap, imds.disabled ? "AWS_EC2_METADATA_DISABLED is true" : "not set up");
		return AMP_ERR_NOTFOUND;
	}
	rc = get_token(why, cap);
	if (rc == AMP_OK)
		rc = get_with_token(IMDS_ROLE_PATH, why, cap);
	if (rc != AMP_OK)
		return rc;
	if (c->response.status == 404) {
		snprintf(why, cap, "no IAM role attached to this instance (IMDS answered 404)");
		return AMP_ERR_NOTFOUND;
	}
	if (c->response.status != 200) {
		amp_creds_status_error(c, "IMDS role request", why, cap);
		return AMP_ERR_REJECTED;
	}
	/* the first line names the role; a role name is at most 64 characters of [\w+=,.@-] */
	amp_http_body_first_line(&c->response, imds.role, sizeof(imds.role));
	for (const char *r = imds.role; *r; r++) {
		if (!role_char(*r))
			imds.role[0] = '\0';
	}
	if (imds.role[0] == '\0' || strlen(imds.role) > 64) {
		snprintf(why, cap, "IMDS role answer is not a role name");
		return AMP_ERR_INVALID;
	}
	snprintf(target, sizeof(target), "%s%s", IMDS_ROLE_PATH, imds.role);
	rc = get_with_token(target, why, cap);
	if (rc != AMP_OK)
		return rc;
	if (c->response.status != 200) {
		amp_creds_status_error(c, "IMDS credentials request", why, cap);
		return AMP_ERR_REJECTED;
	}
	rc = amp_creds_parse_answer(c, AMP_CREDS_DOC_AWS, "IMDS credentials document", out, why, cap);
	if (rc != AMP_OK)
		return rc;
	snprintf(out->origin, sizeof(out->origin), "IMDS%s role %.64s", imds.use_v1 ? "v1" : "v2", imds.role);
	return AMP_OK;
}

static void imds_release(void)
{
	forget_token();
	if (imds.conn_ready)
		amp_tls_free(&imds.conn);
	imds.conn_ready = false;
	imds.configured = false;
}

const struct amp_creds_source amp_creds_source_imds = {
	.name = "imds",
	.setup = imds_setup,
	.fetch = imds_fetch,
	.release = imds_release,
};
