/* Shared by the credential provider (creds.c) and its sources (creds_<source>.c); not part of the API. */
#ifndef AMP_CREDS_INTERNAL_H
#define AMP_CREDS_INTERNAL_H

#include "creds.h"
#include "http_client.h"

#include <stddef.h>

/* One source of credentials. Each keeps its own state (static, in its file): there is one provider. */
struct amp_creds_source {
	const char *name;
	/*
	 * Decides from the configuration and the environment whether the source applies here.
	 * Returns 0 (it does), AMP_ERR_NOTFOUND (not configured here: `auto` skips it) or AMP_ERR_CONFIG (logged).
	 */
	int (*setup)(const struct amp_config *cfg);
	/*
	 * Fetches credentials into `out` (zeroed by the caller). Returns 0, AMP_ERR_NOTFOUND (nothing here:
	 * the chain goes on) or another error; `why` gets one line without secrets either way but 0.
	 */
	int (*fetch)(const struct amp_config *cfg, struct amp_creds *out, char *why, size_t cap);
	/* NULL, or 1 when what the source reads changed since its last successful fetch (0 when not). */
	int (*changed)(void);
	/* NULL, or forgets cached state (tokens: wiped) and releases connections. */
	void (*release)(void);
};

extern const struct amp_creds_source amp_creds_source_static;
extern const struct amp_creds_source amp_creds_source_env;
extern const struct amp_creds_source amp_creds_source_file;
extern const struct amp_creds_source amp_creds_source_imds;
extern const struct amp_creds_source amp_creds_source_container;
extern const struct amp_creds_source amp_creds_source_iot;

/* The HTTP client the sources share (one fetch at a time). Wipe it after each use: it held secrets. */
struct amp_http_client *amp_creds_http(void);

/* Credential documents, by who writes them. */
enum amp_creds_doc {
	AMP_CREDS_DOC_AWS, /* {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"[, "Code"]}: IMDS, ECS, Greengrass */
	AMP_CREDS_DOC_IOT, /* {"credentials": {"accessKeyId", "secretAccessKey", "sessionToken", "expiration"}} */
};

/*
 * Reads the credentials document of the answer in `c` (status 200 already checked) into `out`.
 * Returns 0 or AMP_ERR_INVALID / AMP_ERR_FULL with why = "<what>: <the problem>" (no value shown).
 */
int amp_creds_parse_answer(const struct amp_http_client *c, enum amp_creds_doc kind, const char *what,
			   struct amp_creds *out, char *why, size_t cap) AMP_MUST_CHECK;

/* why = "<what> answered <status>: <first line of the body>" (printable ASCII only). */
void amp_creds_status_error(const struct amp_http_client *c, const char *what, char *why, size_t cap);

/* Copies src into dst when it fits whole. Returns 0 or AMP_ERR_FULL (dst is then ""). */
int amp_creds_copy(char *dst, size_t cap, const char *src) AMP_MUST_CHECK;

/* Printable ASCII without whitespace: secret keys, tokens and header values from files and variables. */
bool amp_creds_printable(const char *s);

/* Access key ids: letters, digits and '_'. */
bool amp_creds_access_key_ok(const char *s);

/* Environment variable `name` into buf: 0, AMP_ERR_NOTFOUND (unset or empty) or AMP_ERR_FULL. */
int amp_creds_getenv(const char *name, char *buf, size_t cap);

#endif
