/* Credentials source "static": the keys written in [sigv4] (access_key, secret_key, session_token). */
#include "creds_internal.h"

#include <stdio.h>

static int static_setup(const struct amp_config *cfg)
{
	return cfg->access_key[0] != '\0' && cfg->secret_key[0] != '\0' ? AMP_OK : AMP_ERR_NOTFOUND;
}

static int static_fetch(const struct amp_config *cfg, struct amp_creds *out, char *why, size_t cap)
{
	if (cfg->access_key[0] == '\0' || cfg->secret_key[0] == '\0') {
		snprintf(why, cap, "no access_key and secret_key in [sigv4]");
		return AMP_ERR_NOTFOUND;
	}
	if (amp_creds_copy(out->access_key, sizeof(out->access_key), cfg->access_key) != AMP_OK ||
	    amp_creds_copy(out->secret_key, sizeof(out->secret_key), cfg->secret_key) != AMP_OK ||
	    amp_creds_copy(out->session_token, sizeof(out->session_token), cfg->session_token) != AMP_OK) {
		snprintf(why, cap, "a key in [sigv4] is too long");
		return AMP_ERR_FULL;
	}
	out->expiration_ms = 0;
	snprintf(out->origin, sizeof(out->origin), "[sigv4] in %.100s", cfg->source);
	return AMP_OK;
}

const struct amp_creds_source amp_creds_source_static = {
	.name = "static",
	.setup = static_setup,
	.fetch = static_fetch,
};
