/* Credentials source "container": ECS task roles, EKS Pod Identity and Greengrass v2's token exchange service. */
#include "creds_internal.h"
#include "log.h"
#include "secret.h"

#include <stdio.h>
#include <string.h>

/*
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is a path on 169.254.170.2 (ECS); otherwise
 * AWS_CONTAINER_CREDENTIALS_FULL_URI is a whole URL (EKS Pod Identity, Greengrass v2's
 * token exchange service at http://localhost:<port>/2016-11-01/credentialprovider/). As in the SDKs, a
 * full URI over plain http must point at the container host or loopback, where no one can listen in.
 * The Authorization header comes from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at every fetch: EKS
 * rotates it) or else AWS_CONTAINER_AUTHORIZATION_TOKEN.
 */
#define CONTAINER_HOST_URL "http://169.254.170.2"
#define CONTAINER_TIMEOUT_MS 2000u
#define CONTAINER_TOKEN_MAX 4096

static struct {
	bool configured;
	const char *from;                 /* the variable the URL came from */
	struct amp_url url;
	struct amp_tls conn;
	bool conn_ready;
	char token[CONTAINER_TOKEN_MAX];
} ctr;

/* Hosts plain http may go to: loopback, and the ECS and EKS container hosts (botocore's list). */
static bool host_allowed_for_http(const char *host)
{
	static const char *const allowed[] = {"localhost", "::1", "169.254.170.2", "169.254.170.23", "fd00:ec2::23"};

	if (strncmp(host, "127.", 4) == 0)
		return true;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (strcmp(host, allowed[i]) == 0)
			return true;
	}
	return false;
}

static int container_setup(const struct amp_config *cfg)
{
	char text[CONFIG_MAX_URL_LEN];
	char rel[CONFIG_MAX_URL_LEN];
	int rc;

	ctr.configured = false;
	rc = amp_creds_getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", rel, sizeof(rel));
	if (rc == AMP_OK) {
		ctr.from = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
		if (rel[0] != '/' || snprintf(text, sizeof(text), "%s%s", CONTAINER_HOST_URL, rel) >= (int)sizeof(text))
			rc = AMP_ERR_INVALID;
	} else if (rc == AMP_ERR_NOTFOUND) {
		ctr.from = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
		rc = amp_creds_getenv(ctr.from, text, sizeof(text));
		if (rc == AMP_ERR_NOTFOUND)
			return AMP_ERR_NOTFOUND;
	}
	if (rc != AMP_OK || amp_config_parse_url(text, &ctr.url) != AMP_OK) {
		AMP_LOG_E("creds", "%s: not a usable URL (or path) of at most %zu bytes", ctr.from, sizeof(text) - 1);
		return AMP_ERR_CONFIG;
	}
	if (!ctr.url.tls && !host_allowed_for_http(ctr.url.host)) {
		AMP_LOG_E("creds", "%s: http:// is only allowed to loopback or the container host (169.254.170.2, "
			  "169.254.170.23); use https://", ctr.from);
		return AMP_ERR_CONFIG;
	}
	if (ctr.conn_ready)
		amp_tls_free(&ctr.conn);
	amp_tls_init(&ctr.conn);
	rc = amp_tls_setup(&ctr.conn, ctr.url.tls, cfg->ca_file, CONTAINER_TIMEOUT_MS);
	ctr.conn_ready = true;
	if (rc != AMP_OK) {
		AMP_LOG_E("creds", "%s: %s", ctr.from, ctr.conn.error);
		return AMP_ERR_CONFIG;
	}
	ctr.configured = true;
	return AMP_OK;
}

/* The Authorization value: the token file's content when the file variable is set, else the token variable. */
static int read_token(char *why, size_t cap)
{
	char path[CONFIG_MAX_PATH_LEN];
	size_t n = 0;
	int rc = amp_creds_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, sizeof(path));

	if (rc == AMP_OK) {
		rc = amp_secret_read_file(path, ctr.token, sizeof(ctr.token), &n);
		if (rc != AMP_OK || n == 0) {
			snprintf(why, cap, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s", path,
				 rc == AMP_OK ? "empty" : rc == AMP_ERR_FULL ? "too large" : amp_strerror(rc));
			return rc == AMP_OK ? AMP_ERR_INVALID : rc;
		}
	} else {
		rc = amp_creds_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", ctr.token, sizeof(ctr.token));
		if (rc == AMP_ERR_NOTFOUND)
			return AMP_OK; /* ECS task roles need none */
		if (rc != AMP_OK) {
			snprintf(why, cap, "AWS_CONTAINER_AUTHORIZATION_TOKEN is too long");
			return rc;
		}
	}
	/* it goes into a header: a line break would inject another */
	for (const char *t = ctr.token; *t; t++) {
		if ((unsigned char)*t < 0x20 || *t == 0x7f) {
			amp_secret_wipe(ctr.token, sizeof(ctr.token));
			snprintf(why, cap, "the container authorization token holds a control character (not shown)");
			return AMP_ERR_INVALID;
		}
	}
	return AMP_OK;
}

static int container_fetch(const struct amp_config *cfg, struct amp_creds *out, char *why, size_t cap)
{
	struct amp_http_client *c = amp_creds_http();
	struct amp_http_header h[1] = {{"Authorization", ctr.token}};
	struct amp_http_client_request rq = {
		.method = "GET",
		.url = &ctr.url,
		.headers = h,
		.timeout_ms = CONTAINER_TIMEOUT_MS,
	};
	int rc;

	(void)cfg;
	if (!ctr.configured) {
		snprintf(why, cap, "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor _FULL_URI is set");
		return AMP_ERR_NOTFOUND;
	}
	rc = read_token(why, cap);
	if (rc != AMP_OK)
		return rc;
	rq.header_count = ctr.token[0] != '\0' ? 1 : 0;
	rc = amp_http_client_request(c, &ctr.conn, &rq);
	amp_secret_wipe(ctr.token, sizeof(ctr.token));
	if (rc != AMP_OK) {
		snprintf(why, cap, "%s", c->error);
		return rc;
	}
	if (c->response.status != 200) {
		amp_creds_status_error(c, "container credentials endpoint", why, cap);
		return AMP_ERR_REJECTED;
	}
	rc = amp_creds_parse_answer(c, AMP_CREDS_DOC_AWS, "container credentials document", out, why, cap);
	if (rc == AMP_OK)
		snprintf(out->origin, sizeof(out->origin), "the container endpoint (%s)", ctr.from);
	return rc;
}

static void container_release(void)
{
	amp_secret_wipe(ctr.token, sizeof(ctr.token));
	if (ctr.conn_ready)
		amp_tls_free(&ctr.conn);
	ctr.conn_ready = false;
	ctr.configured = false;
}

const struct amp_creds_source amp_creds_source_container = {
	.name = "container",
	.setup = container_setup,
	.fetch = container_fetch,
	.release = container_release,
};
