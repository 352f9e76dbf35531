/* Credentials source "iot": the AWS IoT Core credentials provider, over mutual TLS with the device's certificate. */
#include "clock.h"
#include "creds_internal.h"
#include "log.h"
#include "port.h"

#include <stdio.h>
#include <string.h>

/*
 * GET https://<iot_endpoint>/role-aliases/<iot_role_alias>/credentials with the header
 * x-amzn-iot-thingname: <iot_thing_name>, authenticated by the device's X.509 certificate and key
 * (the endpoint is the account's `aws iot describe-endpoint --endpoint-type iot:CredentialProvider`).
 * The certificate and key are loaded at the first fetch, not at start-up, so a device provisioned
 * after boot still gets its credentials; a failed load is retried with the provider's backoff.
 */
#define IOT_TIMEOUT_MS 10000u

static struct {
	bool configured;
	struct amp_url url;
	char target[CONFIG_MAX_URL_LEN];
	struct amp_tls conn;
	bool conn_ready;
} iot;

static int iot_setup(const struct amp_config *cfg)
{
	char text[CONFIG_MAX_URL_LEN + 8];
	int n;

	iot.configured = false;
	/* a reload may name another certificate and key: the old key is freed (wiped) and the new loaded at first use */
	if (iot.conn_ready)
		amp_tls_free(&iot.conn);
	iot.conn_ready = false;
	if (cfg->iot_endpoint[0] == '\0')
		return AMP_ERR_NOTFOUND;
	/* the configuration checked the endpoint, alias and thing name */
	snprintf(text, sizeof(text), "%s%s", strstr(cfg->iot_endpoint, "://") ? "" : "https://", cfg->iot_endpoint);
	n = snprintf(iot.target, sizeof(iot.target), "/role-aliases/%s/credentials", cfg->iot_role_alias);
	if (amp_config_parse_url(text, &iot.url) != AMP_OK || !iot.url.tls || n >= (int)sizeof(iot.target)) {
		AMP_LOG_E("creds", "[sigv4] iot_endpoint: not an https endpoint");
		return AMP_ERR_CONFIG;
	}
	iot.configured = true;
	return AMP_OK;
}

/* Loads the CA bundle, certificate and key once; a failure is retried at the next fetch. */
static int load_tls(const struct amp_config *cfg, char *why, size_t cap)
{
	int rc;

	if (iot.conn_ready)
		return AMP_OK;
	amp_tls_init(&iot.conn);
	rc = amp_tls_setup(&iot.conn, true, cfg->iot_ca_file[0] ? cfg->iot_ca_file : cfg->ca_file,
			   IOT_TIMEOUT_MS);
	if (rc == AMP_OK)
		rc = amp_tls_set_client_cert(&iot.conn, cfg->iot_cert_file, cfg->iot_key_file);
	if (rc != AMP_OK) {
		snprintf(why, cap, "device certificate: %s", iot.conn.error);
		amp_tls_free(&iot.conn);
		return rc;
	}
	iot.conn_ready = true;
	return AMP_OK;
}

static int iot_fetch(const struct amp_config *cfg, struct amp_creds *out, char *why, size_t cap)
{
	struct amp_http_client *c = amp_creds_http();
	struct amp_http_header h[1] = {{"x-amzn-iot-thingname", cfg->iot_thing_name}};
	struct amp_http_client_request rq = {
		.method = "GET",
		.url = &iot.url,
		.target = iot.target,
		.headers = h,
		.header_count = 1,
		.timeout_ms = cfg->remote_timeout_ms < IOT_TIMEOUT_MS ? cfg->remote_timeout_ms : IOT_TIMEOUT_MS,
	};
	int rc;

	if (!iot.configured) {
		snprintf(why, cap, "no [sigv4] iot_endpoint");
		return AMP_ERR_NOTFOUND;
	}
	rc = load_tls(cfg, why, cap);
	if (rc != AMP_OK)
		return rc;
	/* only a clock known to be wrong, and only with the user's consent (docs/credentials.md) */
	iot.conn.tolerate_cert_dates = cfg->tls_clock_bootstrap && amp_clock_system_implausible();
	iot.conn.cert_time_ms = amp_clock_trusted() ? amp_clock_now_ms() : 0;
	rc = amp_http_client_request(c, &iot.conn, &rq);
	if (rc != AMP_OK) {
		/* the provider ends the handshake when it does not know the certificate: say so */
		snprintf(why, cap, "%s%s", c->error, rc == AMP_ERR_TLS ?
			 " (is the device certificate registered and active in AWS IoT?)" : "");
		return rc;
	}
	/* a verified AWS server: its Date may set a clock that had no idea */
	(void)amp_clock_observe_date(c->response.date, port_realtime_ms(), false, iot.url.host);
	if (c->response.status != 200) {
		amp_creds_status_error(c, "IoT credentials provider", why, cap);
		return AMP_ERR_REJECTED;
	}
	rc = amp_creds_parse_answer(c, AMP_CREDS_DOC_IOT, "IoT credentials document", out, why, cap);
	if (rc == AMP_OK)
		snprintf(out->origin, sizeof(out->origin), "AWS IoT role alias %.60s", cfg->iot_role_alias);
	return rc;
}

static void iot_release(void)
{
	if (iot.conn_ready)
		amp_tls_free(&iot.conn);
	iot.conn_ready = false;
	iot.configured = false;
}

const struct amp_creds_source amp_creds_source_iot = {
	.name = "iot",
	.setup = iot_setup,
	.fetch = iot_fetch,
	.release = iot_release,
};
