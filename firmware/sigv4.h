/* AWS Signature Version 4 request signing (header form), streamed through mbedTLS SHA-256, no heap. */
#ifndef AMP_SIGV4_H
#define AMP_SIGV4_H

#include "error.h"
#include "opts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Who adds which header. The caller lists every header it will send that should be signed (at least
 * Host; for AMP also Content-Encoding, Content-Type, X-Prometheus-Remote-Write-Version, ...), with
 * the exact values it will send. The signer itself adds, to the canonical headers only:
 *   x-amz-date            always, value = result.amz_date
 *   x-amz-security-token  when credentials.session_token is non-empty, value = that token
 *   x-amz-content-sha256  when request.sign_content_sha256 is set, value = result.payload_hash
 * and the caller must then send "X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256" and
 * "Authorization" (result.authorization) with exactly those values. The caller's list must not hold
 * any of these four names (AMP_ERR_INVALID), nor an empty or all-blank value (AMP_ERR_INVALID: an
 * empty header may be dropped on the way and break the signature), nor CR, LF or other control bytes
 * but HTAB in a value (AMP_ERR_INVALID: no folded or injected header lines).
 *
 * AMP (service "aps"): the signed Host must not carry ":443"; x-amz-content-sha256 is not needed.
 */

/* Fixed limits. Going over any of them is AMP_ERR_FULL, never a silent truncation. */
#define AMP_SIGV4_MAX_HEADERS 16              /* headers in the caller's list */
#define AMP_SIGV4_MAX_HEADER_NAME_LEN 64      /* bytes of one header name */
#define AMP_SIGV4_MAX_HEADER_VALUE_LEN CONFIG_HTTP_HEADER_BUF_BYTES /* bytes of one header value */
#define AMP_SIGV4_MAX_PATH_LEN CONFIG_MAX_URL_LEN /* bytes of the path */
#define AMP_SIGV4_MAX_PATH_SEGMENTS 64        /* "/"-separated segments of the path */
#define AMP_SIGV4_MAX_QUERY_LEN CONFIG_MAX_URL_LEN /* bytes of the query string */
#define AMP_SIGV4_MAX_QUERY_PARAMS 16         /* "&"-separated parameters of the query */
#define AMP_SIGV4_MAX_METHOD_LEN 16
#define AMP_SIGV4_MAX_ACCESS_KEY_LEN 127
#define AMP_SIGV4_MAX_SECRET_LEN CONFIG_MAX_SECRET_LEN /* secret access key and session token */
#define AMP_SIGV4_MAX_REGION_LEN 63
#define AMP_SIGV4_MAX_SERVICE_LEN 63

/* Latest signing time: 9999-12-31T23:59:59Z (the date has four year digits). */
#define AMP_SIGV4_MAX_TIME INT64_C(253402300799)

#define AMP_SIGV4_DATE_LEN 16     /* "YYYYMMDDTHHMMSSZ" */
#define AMP_SIGV4_HASH_HEX_LEN 64 /* lowercase hex SHA-256 */

/* Room for "name;name;..." over the caller's headers and the three the signer may add. */
#define AMP_SIGV4_SIGNED_HEADERS_SIZE ((AMP_SIGV4_MAX_HEADERS + 3) * (AMP_SIGV4_MAX_HEADER_NAME_LEN + 1))
#define AMP_SIGV4_AUTHORIZATION_SIZE \
	(sizeof("AWS4-HMAC-SHA256 Credential=////aws4_request, SignedHeaders=, Signature=") + \
	 AMP_SIGV4_MAX_ACCESS_KEY_LEN + 8 + AMP_SIGV4_MAX_REGION_LEN + AMP_SIGV4_MAX_SERVICE_LEN + \
	 AMP_SIGV4_SIGNED_HEADERS_SIZE + AMP_SIGV4_HASH_HEX_LEN)

/* One header to sign; both strings NUL-terminated. Names are matched without regard to case. */
struct amp_sigv4_header {
	const char *name;
	const char *value;
};

/* Borrowed for the call only; the signer keeps no copy. */
struct amp_sigv4_credentials {
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL or "" for long-term credentials */
};

/*
 * What to sign. Start from amp_sigv4_request_init(), then set the fields.
 *
 * `path` is the path exactly as it goes on the request line (may hold raw spaces or UTF-8, which the
 * signer percent-encodes; "%" itself is encoded again as "%25", as AWS wants for every service but
 * S3). It must start with "/" (or be empty, meaning "/") and hold no "?", "#" or control byte.
 * `normalize_path` removes "." and ".." segments and empty segments ("//") first, as every service
 * but S3 expects.
 * `query` is the text after "?" (NULL or "" for none); parameters are split at "&" and "=",
 * percent-decoded ("%XX"; "+" is a literal plus), re-encoded the SigV4 way and sorted by key, then value.
 * The payload is `payload`/`payload_len` (payload may be NULL when payload_len is 0), unless
 * `payload_hash_hex` is set: then it is the payload's SHA-256 as 64 lowercase hex digits, taken as is.
 *
 * The optional debug buffers receive, NUL-terminated, the canonical request and the string to sign
 * (for tests and troubleshooting). The canonical request holds the session token's value, so it is
 * as secret as the token: never log it. A buffer too small is AMP_ERR_FULL.
 */
struct amp_sigv4_request {
	const char *method; /* "GET", "POST", ...: an HTTP token, sent as given */
	const char *path;
	const char *query;
	const struct amp_sigv4_header *headers;
	size_t header_count;
	const void *payload;
	size_t payload_len;
	const char *payload_hash_hex;
	bool normalize_path;      /* default true */
	bool sign_content_sha256; /* default false; S3 wants it, AMP does not */

	char *canonical_request_out; /* optional */
	size_t canonical_request_size;
	char *string_to_sign_out; /* optional */
	size_t string_to_sign_size;
};

/* The signer's output: the headers the caller sends along with its own. Holds no secret. */
struct amp_sigv4_result {
	char amz_date[AMP_SIGV4_DATE_LEN + 1];           /* X-Amz-Date value, "20150830T123600Z" */
	char payload_hash[AMP_SIGV4_HASH_HEX_LEN + 1];   /* hex SHA-256 of the payload */
	char signature[AMP_SIGV4_HASH_HEX_LEN + 1];      /* hex, also inside authorization */
	char signed_headers[AMP_SIGV4_SIGNED_HEADERS_SIZE]; /* "host;x-amz-date;..." */
	char authorization[AMP_SIGV4_AUTHORIZATION_SIZE]; /* Authorization value */
	size_t canonical_request_len; /* bytes written to canonical_request_out (0 when none) */
	size_t string_to_sign_len;    /* bytes written to string_to_sign_out (0 when none) */
};

/* Zeroes `req` and sets normalize_path. Cannot fail. */
void amp_sigv4_request_init(struct amp_sigv4_request *req);

/*
 * Signs `req` for `region` and `service` at `unix_time` (seconds since the epoch, UTC) and fills `res`
 * (zeroed first, so after an error it holds no partial signature). The derived keys and HMAC state are
 * wiped from the stack before returning.
 * Returns 0;
 * AMP_ERR_INVALID (a NULL or malformed argument: see the notes above and at struct amp_sigv4_request;
 *                  region, service and access key must be non-empty printable ASCII without "/", "," or space);
 * AMP_ERR_FULL (a limit above is exceeded, or a debug buffer is too small);
 * AMP_ERR_RANGE (unix_time is negative or after AMP_SIGV4_MAX_TIME);
 * AMP_ERR_CRYPTO (mbedTLS failed).
 */
int amp_sigv4_sign(const struct amp_sigv4_request *req, const struct amp_sigv4_credentials *cred,
		   const char *region, const char *service, int64_t unix_time,
		   struct amp_sigv4_result *res) AMP_MUST_CHECK;

/*
 * Writes the lowercase hex SHA-256 of `data` (NULL allowed when len is 0) and a NUL to `hex`.
 * Returns 0, AMP_ERR_INVALID or AMP_ERR_CRYPTO.
 */
int amp_sigv4_payload_hash(const void *data, size_t len, char hex[AMP_SIGV4_HASH_HEX_LEN + 1]) AMP_MUST_CHECK;

/*
 * Writes `unix_time` as "YYYYMMDDTHHMMSSZ" (UTC) and a NUL to `out`.
 * Returns 0, AMP_ERR_INVALID (NULL out) or AMP_ERR_RANGE (negative or after AMP_SIGV4_MAX_TIME).
 */
int amp_sigv4_format_date(int64_t unix_time, char out[AMP_SIGV4_DATE_LEN + 1]) AMP_MUST_CHECK;

#endif
