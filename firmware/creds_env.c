/* Credentials source "env": AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, as the AWS SDKs read them. */
#include "creds_internal.h"

#include <stdio.h>

static int env_setup(const struct amp_config *cfg)
{
	char id[AMP_CREDS_ACCESS_KEY_MAX];

	(void)cfg;
	return amp_creds_getenv("AWS_ACCESS_KEY_ID", id, sizeof(id)) == AMP_ERR_NOTFOUND ? AMP_ERR_NOTFOUND : AMP_OK;
}

static int env_fetch(const struct amp_config *cfg, struct amp_creds *out, char *why, size_t cap)
{
	int rc;

	(void)cfg;
	rc = amp_creds_getenv("AWS_ACCESS_KEY_ID", out->access_key, sizeof(out->access_key));
	if (rc == AMP_ERR_NOTFOUND) {
		snprintf(why, cap, "AWS_ACCESS_KEY_ID is not set");
		return rc;
	}
	if (rc != AMP_OK) {
		snprintf(why, cap, "AWS_ACCESS_KEY_ID is longer than %zu bytes", sizeof(out->access_key) - 1);
		return AMP_ERR_INVALID;
	}
	rc = amp_creds_getenv("AWS_SECRET_ACCESS_KEY", out->secret_key, sizeof(out->secret_key));
	if (rc != AMP_OK) {
		snprintf(why, cap, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is %s",
			 rc == AMP_ERR_NOTFOUND ? "not" : "too long");
		return AMP_ERR_INVALID;
	}
	rc = amp_creds_getenv("AWS_SESSION_TOKEN", out->session_token, sizeof(out->session_token));
	if (rc == AMP_ERR_FULL) {
		snprintf(why, cap, "AWS_SESSION_TOKEN is longer than %zu bytes", sizeof(out->session_token) - 1);
		return AMP_ERR_INVALID;
	}
	out->expiration_ms = 0;
	snprintf(out->origin, sizeof(out->origin), "the environment (AWS_ACCESS_KEY_ID)");
	return AMP_OK;
}

const struct amp_creds_source amp_creds_source_env = {
	.name = "env",
	.setup = env_setup,
	.fetch = env_fetch,
};
