/* HTTP/1.1 client messages: a request head writer and an incremental response parser (bytes only, no I/O). */
#ifndef AMP_HTTP_H
#define AMP_HTTP_H

#include "error.h"
#include "opts.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* amp_http_response_feed(): the response is not complete yet; feed more bytes. */
#define AMP_HTTP_MORE 1

/* Longest line (status line, header, chunk size, trailer) the parser takes, CRLF included. */
#ifndef AMP_HTTP_LINE_MAX
#define AMP_HTTP_LINE_MAX 4096
#endif
/* Most bytes of status lines, headers and trailers in one response (interim 1xx responses count too). */
#ifndef AMP_HTTP_HEAD_MAX
#define AMP_HTTP_HEAD_MAX 16384
#endif
/* Room for a captured header value (Date, Retry-After, Content-Type); longer values are cut. */
#define AMP_HTTP_VALUE_MAX 128
/* Bytes kept of the response body; the rest is consumed, counted and dropped. */
#define AMP_HTTP_BODY_KEEP CONFIG_HTTP_RESPONSE_BUF_BYTES

/* amp_http_format_request(): leave Content-Length out (a request without a body, e.g. GET). */
#define AMP_HTTP_NO_BODY ((size_t)-1)

struct amp_http_header {
	const char *name;
	const char *value;
};

/*
 * Writes the Host header value for `host` (IPv6 literals without brackets; they get them) and `port`:
 * ":port" is added only when it is not the scheme's default (443 with `tls`, else 80). AMP's signature
 * covers Host, and it must not carry ":443".
 * Returns 0, AMP_ERR_INVALID (empty host, a character outside letters, digits and "-._~:%", port 0) or
 * AMP_ERR_FULL (does not fit `cap` with its terminating NUL).
 */
int amp_http_host_header(char *out, size_t cap, const char *host, uint16_t port, bool tls) AMP_MUST_CHECK;

/*
 * Writes "METHOD path HTTP/1.1\r\nHost: host\r\n", each of `headers` as "name: value\r\n", then
 * "Content-Length: n\r\n" (unless `content_length` is AMP_HTTP_NO_BODY) and the empty line into `buf`,
 * NUL-terminated; *len is the head's length without the NUL.
 * Returns 0, AMP_ERR_INVALID (method not a token; path not starting with '/' or holding a space or a
 * control character; a header name not a token, or Host, Content-Length or Transfer-Encoding, which are
 * written here; a value empty, with leading or trailing blanks, or holding CR, LF, NUL or another control
 * character but tab) or AMP_ERR_FULL (the head does not fit `cap`). On error *len is 0.
 */
int amp_http_format_request(char *buf, size_t cap, size_t *len, const char *method, const char *path,
			    const char *host, const struct amp_http_header *headers, unsigned count,
			    size_t content_length) AMP_MUST_CHECK;

/*
 * Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", the only form RFC 9110 lets senders write;
 * the obsolete RFC 850 and asctime forms are refused) into seconds since the Unix epoch.
 * Returns 0 or AMP_ERR_INVALID.
 */
int amp_http_parse_date(const char *text, int64_t *epoch_s) AMP_MUST_CHECK;

/* One response being parsed. The fields above `private` are results; read them once feed() returned 0. */
struct amp_http_response {
	int status;                        /* 100..599 */
	unsigned http_minor;               /* 1 for HTTP/1.1, 0 for HTTP/1.0 */
	bool keep_alive;                   /* the connection may carry the next request */
	bool has_content_length;
	uint64_t content_length;
	bool chunked;
	int64_t retry_after_s;             /* Retry-After in seconds; -1 when absent or an HTTP-date */
	char retry_after[AMP_HTTP_VALUE_MAX];  /* raw value ("" when absent); see amp_http_parse_date() */
	char date[AMP_HTTP_VALUE_MAX];     /* raw Date value, "" when absent */
	char content_type[AMP_HTTP_VALUE_MAX];
	uint64_t body_total;               /* body bytes received (after de-chunking) */
	size_t body_len;                   /* bytes kept in body[], at most AMP_HTTP_BODY_KEEP */
	char body[AMP_HTTP_BODY_KEEP];
	const char *error;                 /* static text saying why feed() or eof() failed, else NULL */

	/* private: parser state */
	int state;
	bool head_request;
	bool started;
	bool te_seen;
	bool conn_close;
	bool conn_keep_alive;
	uint64_t remaining;                /* bytes left of the body or of the current chunk */
	size_t head_bytes;
	size_t line_len;
	char line[AMP_HTTP_LINE_MAX + 1];
};

/* Makes `r` ready for a response to a request that is not HEAD. Cannot fail. */
void amp_http_response_init(struct amp_http_response *r);

/* Call after init when the request was HEAD: the response then has no body, whatever its headers say. */
void amp_http_response_set_head(struct amp_http_response *r);

/*
 * Parses the next `len` bytes of the response. Returns:
 *   0 (AMP_OK)     the response is complete; *consumed bytes of `data` belonged to it, any after are
 *                  the next response's (feeding a complete response again returns 0 with *consumed 0);
 *   AMP_HTTP_MORE  all `len` bytes were taken (*consumed == len) and more are needed; a body that ends
 *                  with the connection (no Content-Length, not chunked) ends with amp_http_response_eof();
 *   AMP_ERR_HTTP   the bytes are not a valid response or break a limit (AMP_HTTP_LINE_MAX,
 *                  AMP_HTTP_HEAD_MAX); r->error says why; every later call fails the same way.
 * Interim 1xx responses are skipped (101 is an error: no upgrade was asked for).
 */
int amp_http_response_feed(struct amp_http_response *r, const char *data, size_t len, size_t *consumed)
	AMP_MUST_CHECK;

/*
 * Tells the parser the connection ended. Returns 0 when that completes the response (a body delimited by
 * the close, or a response already complete), AMP_ERR_CLOSED when not a byte of the response had come
 * (typically an idle keep-alive connection the server closed: send again on a new one), or AMP_ERR_HTTP
 * when the response was cut short.
 */
int amp_http_response_eof(struct amp_http_response *r) AMP_MUST_CHECK;

/*
 * Writes the first non-blank line of the kept body into `out` (NUL-terminated, cut to cap - 1), blanks
 * around it trimmed, tabs as spaces and every other byte that is not printable ASCII as '?' (a peer's
 * text must not forge log lines or terminal escapes), for one-line messages like
 * "receiver answered 400: <line>". Returns the length written (0 and nothing written when cap is 0).
 */
size_t amp_http_body_first_line(const struct amp_http_response *r, char *out, size_t cap);

#endif
