/* Unit tests for http.c: request heads byte for byte, responses fed whole, byte by byte and split everywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- request head ---- */

static const struct amp_http_header rw_headers[] = {
	{"Content-Encoding", "snappy"},
	{"Content-Type", "application/x-protobuf"},
	{"X-Prometheus-Remote-Write-Version", "0.1.0"},
};

static const char rw_golden[] = "POST /workspaces/ws-1/api/v1/remote_write HTTP/1.1\r\n"
				"Host: aps-workspaces.eu-west-1.amazonaws.com\r\n"
				"Content-Encoding: snappy\r\n"
				"Content-Type: application/x-protobuf\r\n"
				"X-Prometheus-Remote-Write-Version: 0.1.0\r\n"
				"Content-Length: 1234\r\n"
				"\r\n";

static void test_request_golden(void **state)
{
	char buf[512];
	size_t len = 99;

	(void)state;
	assert_int_equal(amp_http_format_request(buf, sizeof(buf), &len, "POST",
						 "/workspaces/ws-1/api/v1/remote_write",
						 "aps-workspaces.eu-west-1.amazonaws.com", rw_headers,
						 N_ELEMS(rw_headers), 1234),
			 AMP_OK);
	assert_int_equal(len, strlen(rw_golden));
	assert_string_equal(buf, rw_golden);

	assert_int_equal(amp_http_format_request(buf, sizeof(buf), &len, "GET", "/latest/meta-data/?a=b",
						 "169.254.169.254", NULL, 0, AMP_HTTP_NO_BODY),
			 AMP_OK);
	assert_string_equal(buf, "GET /latest/meta-data/?a=b HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n");
	assert_int_equal(len, strlen(buf));

	assert_int_equal(amp_http_format_request(buf, sizeof(buf), &len, "PUT", "/latest/api/token",
						 "[::1]:8080", NULL, 0, 0),
			 AMP_OK);
	assert_string_equal(buf, "PUT /latest/api/token HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Length: 0\r\n\r\n");
}

/* Every buffer too small by any amount is refused whole; one byte more than the head (the NUL) fits. */
static void test_request_overflow(void **state)
{
	char buf[512];
	size_t need = strlen(rw_golden);
	size_t len;

	(void)state;
	for (size_t cap = 0; cap <= need; cap++) {
		memset(buf, 'x', sizeof(buf));
		len = 77;
		assert_int_equal(amp_http_format_request(buf, cap, &len, "POST",
							 "/workspaces/ws-1/api/v1/remote_write",
							 "aps-workspaces.eu-west-1.amazonaws.com", rw_headers,
							 N_ELEMS(rw_headers), 1234),
				 AMP_ERR_FULL);
		assert_int_equal(len, 0);
		if (cap > 0)
			assert_int_equal(buf[0], '\0');
		/* Nothing written past cap. */
		for (size_t i = cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'x');
	}
	assert_int_equal(amp_http_format_request(buf, need + 1, &len, "POST",
						 "/workspaces/ws-1/api/v1/remote_write",
						 "aps-workspaces.eu-west-1.amazonaws.com", rw_headers,
						 N_ELEMS(rw_headers), 1234),
			 AMP_OK);
	assert_int_equal(len, need);
}

struct bad_request {
	const char *why;
	const char *method;
	const char *path;
	const char *host;
	const char *name;  /* one header, or NULL for none */
	const char *value;
};

static const struct bad_request bad_requests[] = {
	{"CRLF in value", "POST", "/", "h", "X-A", "a\r\nX-Evil: 1"},
	{"LF in value", "POST", "/", "h", "X-A", "a\nb"},
	{"CR in value", "POST", "/", "h", "X-A", "a\rb"},
	{"control in value", "POST", "/", "h", "X-A", "a\x01"},
	{"DEL in value", "POST", "/", "h", "X-A", "a\x7f"},
	{"empty value", "POST", "/", "h", "X-A", ""},
	{"leading blank", "POST", "/", "h", "X-A", " a"},
	{"trailing blank", "POST", "/", "h", "X-A", "a\t"},
	{"CRLF in name", "POST", "/", "h", "X-A\r\nX-B", "v"},
	{"space in name", "POST", "/", "h", "X A", "v"},
	{"colon in name", "POST", "/", "h", "X-A:", "v"},
	{"empty name", "POST", "/", "h", "", "v"},
	{"NULL name", "POST", "/", "h", NULL, "v"},
	{"NULL value", "POST", "/", "h", "X-A", NULL},
	{"Host again", "POST", "/", "h", "host", "other"},
	{"Content-Length again", "POST", "/", "h", "Content-LENGTH", "5"},
	{"Transfer-Encoding", "POST", "/", "h", "Transfer-Encoding", "chunked"},
	{"relative path", "POST", "api/v1", "h", NULL, NULL},
	{"empty path", "POST", "", "h", NULL, NULL},
	{"absolute URL as path", "POST", "http://h/", "h", NULL, NULL},
	{"space in path", "POST", "/a b", "h", NULL, NULL},
	{"CRLF in path", "POST", "/a\r\nX-Evil: 1", "h", NULL, NULL},
	{"tab in path", "POST", "/a\tb", "h", NULL, NULL},
	{"empty method", "", "/", "h", NULL, NULL},
	{"space in method", "PO ST", "/", "h", NULL, NULL},
	{"CRLF in method", "POST\r\n", "/", "h", NULL, NULL},
	{"CRLF in host", "POST", "/", "h\r\nX-Evil: 1", NULL, NULL},
	{"empty host", "POST", "/", "", NULL, NULL},
};

static void test_request_refused(void **state)
{
	char buf[256];
	size_t len;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(bad_requests); i++) {
		const struct bad_request *c = &bad_requests[i];
		struct amp_http_header h = {c->name, c->value};
		bool with_header = c->name != NULL || c->value != NULL;
		int rc;

		len = 5;
		rc = amp_http_format_request(buf, sizeof(buf), &len, c->method, c->path, c->host,
					     with_header ? &h : NULL, with_header ? 1 : 0, 10);
		if (rc != AMP_ERR_INVALID)
			fail_msg("%s: got %d, want AMP_ERR_INVALID", c->why, rc);
		assert_int_equal(len, 0);
		assert_int_equal(buf[0], '\0');
	}
}

struct host_case {
	const char *host;
	uint16_t port;
	bool tls;
	int rc;
	const char *want;
};

static const struct host_case host_cases[] = {
	{"aps-workspaces.us-east-1.amazonaws.com", 443, true, AMP_OK, "aps-workspaces.us-east-1.amazonaws.com"},
	{"example.com", 8443, true, AMP_OK, "example.com:8443"},
	{"example.com", 80, false, AMP_OK, "example.com"},
	{"example.com", 443, false, AMP_OK, "example.com:443"},
	{"example.com", 80, true, AMP_OK, "example.com:80"},
	{"localhost", 65535, true, AMP_OK, "localhost:65535"},
	{"127.0.0.1", 9090, false, AMP_OK, "127.0.0.1:9090"},
	{"::1", 443, true, AMP_OK, "[::1]"},
	{"::1", 9090, true, AMP_OK, "[::1]:9090"},
	{"2001:db8::7", 80, false, AMP_OK, "[2001:db8::7]"},
	{"fe80::1%25eth0", 1, false, AMP_OK, "[fe80::1%25eth0]:1"},
	{"", 443, true, AMP_ERR_INVALID, ""},
	{NULL, 443, true, AMP_ERR_INVALID, ""},
	{"example.com", 0, true, AMP_ERR_INVALID, ""},
	{"[::1]", 443, true, AMP_ERR_INVALID, ""},
	{"exa mple.com", 443, true, AMP_ERR_INVALID, ""},
	{"example.com\r\nX-Evil: 1", 443, true, AMP_ERR_INVALID, ""},
	{"user@example.com", 443, true, AMP_ERR_INVALID, ""},
	{"example.com/path", 443, true, AMP_ERR_INVALID, ""},
};

static void test_host_header(void **state)
{
	char out[128];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(host_cases); i++) {
		const struct host_case *c = &host_cases[i];
		int rc = amp_http_host_header(out, sizeof(out), c->host, c->port, c->tls);

		if (rc != c->rc)
			fail_msg("host %s port %u: got %d, want %d", c->host ? c->host : "(null)", c->port, rc, c->rc);
		assert_string_equal(out, c->want);
		if (rc != AMP_OK)
			continue;
		/* Too small by any amount: refused, and an empty string left behind. */
		for (size_t cap = 1; cap <= strlen(c->want); cap++) {
			memset(out, 'x', sizeof(out));
			assert_int_equal(amp_http_host_header(out, cap, c->host, c->port, c->tls), AMP_ERR_FULL);
			assert_int_equal(out[0], '\0');
			for (size_t j = cap; j < sizeof(out); j++)
				assert_int_equal(out[j], 'x');
		}
		assert_int_equal(amp_http_host_header(out, 0, c->host, c->port, c->tls), AMP_ERR_FULL);
	}
}

/* ---- dates ---- */

struct date_case {
	const char *text;
	int rc;
	int64_t epoch;
};

static const struct date_case date_cases[] = {
	{"Sun, 06 Nov 1994 08:49:37 GMT", AMP_OK, 784111777},
	{"Thu, 01 Jan 1970 00:00:00 GMT", AMP_OK, 0},
	{"Tue, 29 Feb 2000 12:00:00 GMT", AMP_OK, 951825600},
	{"Fri, 31 Dec 2038 23:59:59 GMT", AMP_OK, 2177452799},
	{"Sat, 01 Jan 2000 00:00:00 GMT", AMP_OK, 946684800},
	{"Sunday, 06-Nov-94 08:49:37 GMT", AMP_ERR_INVALID, 0},
	{"Sun Nov  6 08:49:37 1994", AMP_ERR_INVALID, 0},
	{"Mon, 29 Feb 1900 00:00:00 GMT", AMP_ERR_INVALID, 0},
	{"Wed, 30 Feb 2000 00:00:00 GMT", AMP_ERR_INVALID, 0},
	{"Sun, 00 Nov 1994 08:49:37 GMT", AMP_ERR_INVALID, 0},
	{"Sun, 06 Nov 1994 24:00:00 GMT", AMP_ERR_INVALID, 0},
	{"Sun, 06 Nov 1994 08:60:00 GMT", AMP_ERR_INVALID, 0},
	{"Sun, 06 Nox 1994 08:49:37 GMT", AMP_ERR_INVALID, 0},
	{"Xyz, 06 Nov 1994 08:49:37 GMT", AMP_ERR_INVALID, 0},
	{"Sun, 06 Nov 1994 08:49:37 UTC", AMP_ERR_INVALID, 0},
	{"Sun, 06 Nov 19a4 08:49:37 GMT", AMP_ERR_INVALID, 0},
	{"Sun, 06 Nov 1994 08:49:37 GMT ", AMP_ERR_INVALID, 0},
	{"", AMP_ERR_INVALID, 0},
	{"120", AMP_ERR_INVALID, 0},
};

static void test_parse_date(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(date_cases); i++) {
		int64_t t = -12345;
		int rc = amp_http_parse_date(date_cases[i].text, &t);

		if (rc != date_cases[i].rc)
			fail_msg("\"%s\": got %d, want %d", date_cases[i].text, rc, date_cases[i].rc);
		if (rc == AMP_OK)
			assert_int_equal(t, date_cases[i].epoch);
		else
			assert_int_equal(t, -12345);
	}
}

/* ---- responses ---- */

/* What one parse ended with: the return code, the bytes taken and the public results. */
struct outcome {
	int rc;
	size_t consumed;
	struct amp_http_response r;
};

static const size_t no_cuts[1];

/* Feeds `msg` in pieces ending at the offsets in cuts[] (then the rest), then eof if asked. */
static void run(const char *msg, size_t len, bool head, bool eof, const size_t *cuts, size_t ncuts,
		struct outcome *o)
{
	size_t off = 0;

	amp_http_response_init(&o->r);
	if (head)
		amp_http_response_set_head(&o->r);
	o->rc = AMP_HTTP_MORE;
	o->consumed = 0;
	for (size_t k = 0; k <= ncuts && o->rc == AMP_HTTP_MORE; k++) {
		size_t end = k < ncuts ? cuts[k] : len;
		size_t used = 12345;

		o->rc = amp_http_response_feed(&o->r, msg + off, end - off, &used);
		assert_true(used <= end - off);
		if (o->rc == AMP_HTTP_MORE)
			assert_int_equal(used, end - off);
		o->consumed += used;
		off = end;
	}
	if (eof && o->rc == AMP_HTTP_MORE)
		o->rc = amp_http_response_eof(&o->r);
}

static void assert_same(const struct outcome *a, const struct outcome *b, const char *name, const char *how)
{
	bool same = a->rc == b->rc;

	if (same && a->rc == AMP_OK) {
		same = a->consumed == b->consumed && a->r.status == b->r.status &&
		       a->r.http_minor == b->r.http_minor && a->r.keep_alive == b->r.keep_alive &&
		       a->r.chunked == b->r.chunked && a->r.has_content_length == b->r.has_content_length &&
		       a->r.content_length == b->r.content_length && a->r.retry_after_s == b->r.retry_after_s &&
		       strcmp(a->r.retry_after, b->r.retry_after) == 0 && strcmp(a->r.date, b->r.date) == 0 &&
		       strcmp(a->r.content_type, b->r.content_type) == 0 && a->r.body_total == b->r.body_total &&
		       a->r.body_len == b->r.body_len && memcmp(a->r.body, b->r.body, a->r.body_len) == 0;
	}
	if (!same)
		fail_msg("%s: fed %s differs from fed whole (rc %d vs %d)", name, how, b->rc, a->rc);
}

struct resp_case {
	const char *name;
	const char *msg;
	size_t len;            /* 0: strlen(msg) */
	bool head;             /* the request was HEAD */
	bool eof;              /* the connection ends after msg */
	int rc;
	size_t tail;           /* bytes of msg after the response (pipelined) */
	int status;
	bool keep_alive;
	const char *body;      /* body expected whole (and kept whole) */
	int64_t retry_after_s;
	const char *retry_after;
	const char *date;
	const char *content_type;
};

#define CHUNKED_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
#define NEXT "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
#define NUL_IN_VALUE "HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n"
#define NUL_IN_NAME "HTTP/1.1 200 OK\r\nX\0A: b\r\nContent-Length: 0\r\n\r\n"

static const struct resp_case resp_cases[] = {
	{"content-length body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
	 0, false, false, AMP_OK, 0, 200, true, "hello", -1, "", "", "text/plain"},
	{"empty reason", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 0, false, false, AMP_OK, 0, 200, true, "",
	 -1, "", "", ""},
	{"no reason, no space", "HTTP/1.1 400\r\nContent-Length: 3\r\n\r\nbad", 0, false, false, AMP_OK, 0, 400,
	 true, "bad", -1, "", "", ""},
	{"case-insensitive names", "HTTP/1.1 200 OK\r\ncontent-LENGTH: 2\r\nCONNECTION: Close\r\n\r\nok", 0, false,
	 false, AMP_OK, 0, 200, false, "ok", -1, "", "", ""},
	{"duplicate equal content-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
	 0, false, false, AMP_OK, 0, 200, true, "ok", -1, "", "", ""},
	{"blanks around values", "HTTP/1.1 200 OK\r\nContent-Length: \t 2 \t\r\nContent-Type:text/x \r\n\r\nok", 0,
	 false, false, AMP_OK, 0, 200, true, "ok", -1, "", "", "text/x"},
	{"chunked, extensions and trailers",
	 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	 "4;name=value\r\nWiki\r\n5 ; a ; b=\"c\"\r\npedia\r\nA\r\n in chunks\r\n000\r\n"
	 "X-Checksum: abc\r\nX-Other: 1\r\n\r\n",
	 0, false, false, AMP_OK, 0, 200, true, "Wikipedia in chunks", -1, "", "", ""},
	{"chunked, upper-case hex, no trailers",
	 "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
	 "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
	 0, false, false, AMP_OK, 0, 500, true, "abcdefghijklmnopqrstuvwxyz", -1, "", "", ""},
	{"chunked beats content-length, no reuse",
	 "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", 0,
	 false, false, AMP_OK, 0, 200, false, "hi", -1, "", "", ""},
	{"close-delimited body", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end", 0, false, true,
	 AMP_OK, 0, 200, false, "until the end", -1, "", "", ""},
	{"no length at all", "HTTP/1.1 502 Bad Gateway\r\n\r\nupstream", 0, false, true, AMP_OK, 0, 502, false,
	 "upstream", -1, "", "", ""},
	{"close-delimited, empty", "HTTP/1.0 200 OK\r\n\r\n", 0, false, true, AMP_OK, 0, 200, false, "", -1, "",
	 "", ""},
	{"non-chunked coding is close-delimited", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz", 0,
	 false, true, AMP_OK, 0, 200, false, "xyz", -1, "", "", ""},
	{"chunked not last is close-delimited", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n1\r\nx",
	 0, false, true, AMP_OK, 0, 200, false, "1\r\nx", -1, "", "", ""},
	{"codings over two headers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
	 "1\r\nx\r\n0\r\n\r\n", 0, false, false, AMP_OK, 0, 200, true, "x", -1, "", "", ""},
	{"close-delimited without eof needs more", "HTTP/1.1 200 OK\r\n\r\nsome", 0, false, false, AMP_HTTP_MORE,
	 0, 0, false, NULL, 0, NULL, NULL, NULL},
	{"HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, false, false, AMP_OK, 0, 200,
	 false, "x", -1, "", "", ""},
	{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx", 0,
	 false, false, AMP_OK, 0, 200, true, "x", -1, "", "", ""},
	{"connection list with close", "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
	 0, false, false, AMP_OK, 0, 200, false, "", -1, "", "", ""},
	{"connection upgrade only", "HTTP/1.1 200 OK\r\nConnection: upgrade\r\nContent-Length: 0\r\n\r\n", 0, false,
	 false, AMP_OK, 0, 200, true, "", -1, "", "", ""},
	{"pipelined bytes after a body", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi" NEXT, 0, false, false,
	 AMP_OK, sizeof(NEXT) - 1, 200, true, "hi", -1, "", "", ""},
	{"pipelined bytes after chunked", CHUNKED_HEAD "1\r\nx\r\n0\r\n\r\n" NEXT,
	 0, false, false, AMP_OK, sizeof(NEXT) - 1, 200, true, "x", -1, "", "", ""},
	{"100-continue then 200",
	 "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-A: b\r\n\r\n"
	 "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone",
	 0, false, false, AMP_OK, 0, 200, true, "done", -1, "", "", ""},
	{"interim headers do not leak",
	 "HTTP/1.1 100 Continue\r\nContent-Length: 7\r\nDate: x\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
	 0, false, false, AMP_OK, 0, 204, true, "", -1, "", "", ""},
	{"204 has no body", "HTTP/1.1 204 No Content\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n" NEXT, 0, false,
	 false, AMP_OK, sizeof(NEXT) - 1, 204, true, "", -1, "", "Sun, 06 Nov 1994 08:49:37 GMT", ""},
	{"304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n" NEXT, 0, false, false, AMP_OK,
	 sizeof(NEXT) - 1, 304, true, "", -1, "", "", ""},
	{"HEAD response has no body", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" NEXT, 0, true, false, AMP_OK,
	 sizeof(NEXT) - 1, 200, true, "", -1, "", "", ""},
	{"HEAD response, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0, true, false, AMP_OK, 0,
	 200, true, "", -1, "", "", ""},
	{"429 with Retry-After seconds and Date",
	 "HTTP/1.1 429 Too Many Requests\r\nDate: Tue, 29 Feb 2000 12:00:00 GMT\r\nRetry-After: 120\r\n"
	 "Retry-After: 5\r\nContent-Type: application/json\r\nContent-Length: 33\r\n\r\n"
	 "{\"message\":\"Rate exceeded\"}\r\nmore",
	 0, false, false, AMP_OK, 0, 429, true, "{\"message\":\"Rate exceeded\"}\r\nmore", 120, "120",
	 "Tue, 29 Feb 2000 12:00:00 GMT", "application/json"},
	{"503 with Retry-After date",
	 "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Fri, 31 Dec 2038 23:59:59 GMT\r\nContent-Length: 0\r\n\r\n",
	 0, false, false, AMP_OK, 0, 503, true, "", -1, "Fri, 31 Dec 2038 23:59:59 GMT", "", ""},
	{"Retry-After too long for a number",
	 "HTTP/1.1 503 x\r\nRetry-After: 99999999999999999999999\r\nContent-Length: 0\r\n\r\n",
	 0, false, false, AMP_OK, 0, 503, true, "", -1, "99999999999999999999999", "", ""},
	{"Retry-After large", "HTTP/1.1 503 x\r\nRetry-After: 9999999999\r\nContent-Length: 0\r\n\r\n", 0, false,
	 false, AMP_OK, 0, 503, true, "", INT32_MAX, "9999999999", "", ""},
	{"bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 0, false, false, AMP_OK, 0, 200, true, "ok",
	 -1, "", "", ""},
	{"obs-text in values", "HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\nX-A: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n", 0,
	 false, false, AMP_OK, 0, 200, true, "", -1, "", "", ""},
	{"empty header value", "HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n", 0, false, false, AMP_OK,
	 0, 200, true, "", -1, "", "", ""},

	/* Malformed: every one is AMP_ERR_HTTP, however it is split. */
	{.name = "HTTP/2 status line", .msg = "HTTP/2 200 OK\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "HTTP/1.x without digit", .msg = "HTTP/1.x 200 OK\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "not HTTP", .msg = "HTTX/1.1 200 OK\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "two-digit status", .msg = "HTTP/1.1 20 OK\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "four-digit status", .msg = "HTTP/1.1 2000 OK\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "status below 100", .msg = "HTTP/1.1 099 Hm\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "status above 599", .msg = "HTTP/1.1 600 Hm\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "status not digits", .msg = "HTTP/1.1 2x0 OK\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "reason glued to code", .msg = "HTTP/1.1 200OK\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "leading empty line", .msg = "\r\nHTTP/1.1 200 OK\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "control in reason", .msg = "HTTP/1.1 200 O\x01K\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "101 switching protocols",
	 .msg = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "header without colon", .msg = "HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\nhello", .rc = AMP_ERR_HTTP},
	{.name = "space before colon", .msg = "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello", .rc = AMP_ERR_HTTP},
	{.name = "empty header name", .msg = "HTTP/1.1 200 OK\r\n: x\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "obs-fold line",
	 .msg = "HTTP/1.1 200 OK\r\nX-A: a\r\n  folded\r\nContent-Length: 0\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "obs-fold with tab", .msg = "HTTP/1.1 200 OK\r\nX-A: a\r\n\tfolded\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "NUL in header value", .msg = NUL_IN_VALUE, .len = sizeof(NUL_IN_VALUE) - 1, .rc = AMP_ERR_HTTP},
	{.name = "NUL in header name", .msg = NUL_IN_NAME, .len = sizeof(NUL_IN_NAME) - 1, .rc = AMP_ERR_HTTP},
	{.name = "bare CR in header",
	 .msg = "HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 0\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "control in header value", .msg = "HTTP/1.1 200 OK\r\nX-A: a\x1b[31m\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "negative content-length", .msg = "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "signed content-length", .msg = "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx", .rc = AMP_ERR_HTTP},
	{.name = "content-length not digits",
	 .msg = "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "content-length with inner space",
	 .msg = "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "content-length list", .msg = "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", .rc = AMP_ERR_HTTP},
	{.name = "empty content-length", .msg = "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "huge content-length",
	 .msg = "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "content-length 2^64",
	 .msg = "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "conflicting content-length",
	 .msg = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", .rc = AMP_ERR_HTTP},
	{.name = "transfer-encoding in HTTP/1.0",
	 .msg = "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "bad chunk size", .msg = CHUNKED_HEAD "zz\r\n", .rc = AMP_ERR_HTTP},
	{.name = "empty chunk size", .msg = CHUNKED_HEAD "\r\n", .rc = AMP_ERR_HTTP},
	{.name = "negative chunk size", .msg = CHUNKED_HEAD "-1\r\n", .rc = AMP_ERR_HTTP},
	{.name = "junk after chunk size", .msg = CHUNKED_HEAD "1 x\r\na\r\n0\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "chunk size overflows", .msg = CHUNKED_HEAD "10000000000000000\r\n", .rc = AMP_ERR_HTTP},
	{.name = "chunk longer than its size", .msg = CHUNKED_HEAD "2\r\nabc\r\n0\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "chunk without CRLF", .msg = CHUNKED_HEAD "2\r\nab0\r\n\r\n", .rc = AMP_ERR_HTTP},
	{.name = "bad trailer", .msg = CHUNKED_HEAD "0\r\nno colon\r\n\r\n", .rc = AMP_ERR_HTTP},

	/* The connection ends early. */
	{.name = "eof before anything", .msg = "", .eof = true, .rc = AMP_ERR_CLOSED},
	{.name = "eof in status line", .msg = "HTTP/1.1 20", .eof = true, .rc = AMP_ERR_HTTP},
	{.name = "eof in headers", .msg = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", .eof = true, .rc = AMP_ERR_HTTP},
	{.name = "eof after 100 continue", .msg = "HTTP/1.1 100 Continue\r\n\r\n", .eof = true, .rc = AMP_ERR_HTTP},
	{.name = "eof in content-length body",
	 .msg = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", .eof = true, .rc = AMP_ERR_HTTP},
	{.name = "eof in chunk", .msg = CHUNKED_HEAD "5\r\nhel", .eof = true, .rc = AMP_ERR_HTTP},
	{.name = "eof before last chunk", .msg = CHUNKED_HEAD "1\r\nx\r\n", .eof = true, .rc = AMP_ERR_HTTP},
	{.name = "eof in trailers", .msg = CHUNKED_HEAD "0\r\n", .eof = true, .rc = AMP_ERR_HTTP},
	{.name = "incomplete without eof",
	 .msg = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", .rc = AMP_HTTP_MORE},
};

/* Checks one case against its expectations, then that byte-by-byte and every two-piece split agree. */
static void check_response(const char *name, const char *msg, size_t len, bool head, bool eof, int want_rc,
			   size_t tail, const struct resp_case *want, const char *body, size_t body_total)
{
	struct outcome *whole = malloc(sizeof(*whole));
	struct outcome *other = malloc(sizeof(*other));
	size_t *cuts = malloc((len + 1) * sizeof(*cuts));

	assert_non_null(whole);
	assert_non_null(other);
	assert_non_null(cuts);
	run(msg, len, head, eof, no_cuts, 0, whole);
	if (whole->rc != want_rc)
		fail_msg("%s: got %d (%s), want %d", name, whole->rc, whole->r.error ? whole->r.error : "-", want_rc);
	if (want_rc == AMP_OK) {
		assert_int_equal(whole->consumed, len - tail);
		assert_null(whole->r.error);
		assert_int_equal(whole->r.body_total, body_total);
		assert_int_equal(whole->r.body_len,
				 body_total < AMP_HTTP_BODY_KEEP ? body_total : AMP_HTTP_BODY_KEEP);
		assert_memory_equal(whole->r.body, body, whole->r.body_len);
		if (want) {
			assert_int_equal(whole->r.status, want->status);
			if (whole->r.keep_alive != want->keep_alive)
				fail_msg("%s: keep_alive %d", name, whole->r.keep_alive);
			assert_int_equal(whole->r.retry_after_s, want->retry_after_s);
			assert_string_equal(whole->r.retry_after, want->retry_after);
			assert_string_equal(whole->r.date, want->date);
			assert_string_equal(whole->r.content_type, want->content_type);
		}
		/* A complete response takes no more bytes. */
		size_t used = 9;
		assert_int_equal(amp_http_response_feed(&whole->r, "HTTP", 4, &used), AMP_OK);
		assert_int_equal(used, 0);
		assert_int_equal(amp_http_response_eof(&whole->r), AMP_OK);
	} else if (want_rc == AMP_ERR_HTTP || want_rc == AMP_ERR_CLOSED) {
		size_t used = 9;

		assert_non_null(whole->r.error);
		assert_false(whole->r.keep_alive);
		/* A failed parse stays failed. */
		assert_int_equal(amp_http_response_feed(&whole->r, "\r\n", 2, &used), AMP_ERR_HTTP);
		assert_int_equal(used, 0);
		assert_int_equal(amp_http_response_eof(&whole->r), AMP_ERR_HTTP);
	}

	for (size_t i = 0; i < len; i++)
		cuts[i] = i + 1;
	run(msg, len, head, eof, cuts, len, other);
	assert_same(whole, other, name, "byte by byte");
	for (size_t k = 0; k <= len; k++) {
		cuts[0] = k;
		run(msg, len, head, eof, cuts, 1, other);
		assert_same(whole, other, name, "in two pieces");
	}
	free(cuts);
	free(other);
	free(whole);
}

static void test_responses(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(resp_cases); i++) {
		const struct resp_case *c = &resp_cases[i];
		size_t len = c->len ? c->len : strlen(c->msg);

		check_response(c->name, c->msg, len, c->head, c->eof, c->rc, c->tail, c, c->body ? c->body : "",
			       c->body ? strlen(c->body) : 0);
	}
}

/* The reason given names the actual fault, for the one-line error the push path logs. */
static const struct {
	const char *msg;
	const char *why;
} reasons[] = {
	{"HTTP/1.1 200 OK\r\nX-A: a\r\n folded: b\r\n\r\n", "folded header line"},
	{"HTTP/1.1 200 OK\r\nX-A a\r\n\r\n", "header line without colon"},
	{"HTTP/1.1 200 OK\r\nX A: a\r\n\r\n", "bad header name"},
	{"HTTP/1.1 200 OK\r\nX-A: \x7f\r\n\r\n", "control character in header value"},
	{"HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", "CR or NUL inside a header line"},
	{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "conflicting Content-Length headers"},
	{"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", "bad Content-Length"},
	{"HTTP/1.1 101 Switching Protocols\r\n\r\n", "unexpected 101 Switching Protocols"},
	{"HTTP/1.1 700 OK\r\n\r\n", "bad status code"},
	{"HTTP/1.1  200 OK\r\n\r\n", "bad status line"},
	{CHUNKED_HEAD "fffffffffffffffff\r\n", "chunk size overflows"},
	{CHUNKED_HEAD "g\r\n", "bad chunk size"},
	{CHUNKED_HEAD "1\r\nab\r\n", "chunk data longer than its size"},
	{"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding in an HTTP/1.0 response"},
};

static void test_error_reasons(void **state)
{
	struct amp_http_response r;
	size_t used;

	(void)state;
	for (size_t i = 0; i < N_ELEMS(reasons); i++) {
		amp_http_response_init(&r);
		assert_int_equal(amp_http_response_feed(&r, reasons[i].msg, strlen(reasons[i].msg), &used),
				 AMP_ERR_HTTP);
		assert_non_null(r.error);
		assert_string_equal(r.error, reasons[i].why);
	}
	amp_http_response_init(&r);
	assert_int_equal(amp_http_response_eof(&r), AMP_ERR_CLOSED);
	assert_string_equal(r.error, "connection closed before the response");
	amp_http_response_init(&r);
	assert_int_equal(amp_http_response_feed(&r, "HTTP/1.1 200 OK\r\n", 17, &used), AMP_HTTP_MORE);
	assert_int_equal(amp_http_response_eof(&r), AMP_ERR_HTTP);
	assert_string_equal(r.error, "connection closed inside the response");
}

/* Every valid case with each byte replaced by a few hostile ones: never a crash, only the three outcomes. */
static void test_mutated_inputs(void **state)
{
	static const unsigned char subst[] = {0x00, '\r', '\n', ' ', ':', ';', '0', 'f', 0x7f, 0xff};
	struct outcome *o = malloc(sizeof(*o));
	char buf[512];

	(void)state;
	assert_non_null(o);
	for (size_t c = 0; c < N_ELEMS(resp_cases); c++) {
		size_t len = resp_cases[c].len ? resp_cases[c].len : strlen(resp_cases[c].msg);

		assert_true(len <= sizeof(buf));
		for (size_t i = 0; i < len; i++) {
			for (size_t k = 0; k < sizeof(subst); k++) {
				memcpy(buf, resp_cases[c].msg, len);
				buf[i] = (char)subst[k];
				run(buf, len, false, true, no_cuts, 0, o);
				assert_true(o->rc == AMP_OK || o->rc == AMP_ERR_HTTP || o->rc == AMP_ERR_CLOSED);
				assert_true(o->consumed <= len);
				assert_true(o->r.body_len <= AMP_HTTP_BODY_KEEP && o->r.body_len <= o->r.body_total);
				if (o->rc == AMP_OK)
					assert_true(o->r.status >= 200 && o->r.status <= 599);
			}
		}
	}
	free(o);
}

enum framing { BY_LENGTH, BY_CHUNKS, BY_CLOSE };

/* Builds a 413 response with `n` body bytes 'a'..'z' repeating, framed as asked (1000-byte chunks). */
static char *big_message(enum framing how, size_t n, char **body_out, size_t *len_out)
{
	char *msg = malloc(2 * n + 256);
	char *body = malloc(n + 1);
	size_t pos = (size_t)sprintf(msg, "HTTP/1.1 413 Too Large\r\n");

	assert_non_null(msg);
	assert_non_null(body);
	for (size_t i = 0; i < n; i++)
		body[i] = (char)('a' + i % 26);
	if (how == BY_LENGTH)
		pos += (size_t)sprintf(msg + pos, "Content-Length: %zu\r\n\r\n", n);
	else if (how == BY_CHUNKS)
		pos += (size_t)sprintf(msg + pos, "Transfer-Encoding: chunked\r\n\r\n");
	else
		pos += (size_t)sprintf(msg + pos, "Connection: close\r\n\r\n");
	for (size_t off = 0; off < n;) {
		size_t take = how == BY_CHUNKS && n - off > 1000 ? 1000 : n - off;

		if (how == BY_CHUNKS)
			pos += (size_t)sprintf(msg + pos, "%zx\r\n", take);
		memcpy(msg + pos, body + off, take);
		pos += take;
		off += take;
		if (how == BY_CHUNKS)
			pos += (size_t)sprintf(msg + pos, "\r\n");
	}
	if (how == BY_CHUNKS)
		pos += (size_t)sprintf(msg + pos, "0\r\n\r\n");
	*body_out = body;
	*len_out = pos;
	return msg;
}

/* Bodies longer than what is kept: the prefix is kept, the whole is consumed and counted. */
static void test_body_truncation(void **state)
{
	static const size_t sizes[] = {AMP_HTTP_BODY_KEEP - 1, AMP_HTTP_BODY_KEEP, AMP_HTTP_BODY_KEEP + 1,
				       AMP_HTTP_BODY_KEEP + 1500};

	(void)state;
	for (int how = BY_LENGTH; how <= BY_CLOSE; how++) {
		for (size_t s = 0; s < N_ELEMS(sizes); s++) {
			char *body, *msg;
			size_t len;

			msg = big_message((enum framing)how, sizes[s], &body, &len);
			check_response("big body", msg, len, false, how == BY_CLOSE, AMP_OK, 0, NULL, body, sizes[s]);
			free(msg);
			free(body);
		}
	}
}

/* A line over AMP_HTTP_LINE_MAX, or heads over AMP_HTTP_HEAD_MAX, fail without reading further. */
static void test_limits(void **state)
{
	size_t cap = 2 * AMP_HTTP_HEAD_MAX + 256;
	char *msg = malloc(cap);
	struct outcome *o = malloc(sizeof(*o));
	size_t pos;

	(void)state;
	assert_non_null(msg);
	assert_non_null(o);

	/* The longest line taken, CRLF included, is AMP_HTTP_LINE_MAX bytes. */
	for (int extra = 0; extra <= 1; extra++) {
		pos = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\nX-Long: ");
		size_t fill = AMP_HTTP_LINE_MAX - strlen("X-Long: ") - 2 + (size_t)extra;
		memset(msg + pos, 'v', fill);
		pos += fill;
		pos += (size_t)sprintf(msg + pos, "\r\nContent-Length: 0\r\n\r\n");
		run(msg, pos, false, false, no_cuts, 0, o);
		assert_int_equal(o->rc, extra ? AMP_ERR_HTTP : AMP_OK);
		if (extra)
			assert_string_equal(o->r.error, "line too long");
	}

	/* A line without end is refused once it passes the limit, not buffered. */
	amp_http_response_init(&o->r);
	memset(msg, 'x', cap);
	{
		size_t used;
		int rc = amp_http_response_feed(&o->r, msg, cap, &used);

		assert_int_equal(rc, AMP_ERR_HTTP);
		assert_true(used <= AMP_HTTP_LINE_MAX);
	}

	/* Many short header lines add up to more than the head limit. */
	pos = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\n");
	while (pos < AMP_HTTP_HEAD_MAX + 100)
		pos += (size_t)sprintf(msg + pos, "X-Filler: %0100d\r\n", 7);
	pos += (size_t)sprintf(msg + pos, "Content-Length: 0\r\n\r\n");
	run(msg, pos, false, false, no_cuts, 0, o);
	assert_int_equal(o->rc, AMP_ERR_HTTP);
	assert_string_equal(o->r.error, "headers too large");

	/* Endless 100 Continue responses count against the same budget. */
	pos = 0;
	while (pos < AMP_HTTP_HEAD_MAX + 100)
		pos += (size_t)sprintf(msg + pos, "HTTP/1.1 100 Continue\r\n\r\n");
	run(msg, pos, false, false, no_cuts, 0, o);
	assert_int_equal(o->rc, AMP_ERR_HTTP);

	/* Trailers too. */
	pos = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
	while (pos < AMP_HTTP_HEAD_MAX + 100)
		pos += (size_t)sprintf(msg + pos, "X-Filler: %0100d\r\n", 7);
	pos += (size_t)sprintf(msg + pos, "\r\n");
	run(msg, pos, false, false, no_cuts, 0, o);
	assert_int_equal(o->rc, AMP_ERR_HTTP);

	free(o);
	free(msg);
}

/* Captured values longer than their field are cut, never overrun. */
static void test_long_captures(void **state)
{
	char msg[1024];
	char want[AMP_HTTP_VALUE_MAX];
	struct outcome o;
	size_t pos = (size_t)sprintf(msg, "HTTP/1.1 200 OK\r\nContent-Type: ");

	(void)state;
	memset(msg + pos, 't', 300);
	pos += 300;
	pos += (size_t)sprintf(msg + pos, "\r\nContent-Length: 0\r\n\r\n");
	run(msg, pos, false, false, no_cuts, 0, &o);
	assert_int_equal(o.rc, AMP_OK);
	memset(want, 't', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	assert_string_equal(o.r.content_type, want);
}

/* Two responses on one connection: the bytes left over from the first start the second. */
static void test_keep_alive_sequence(void **state)
{
	static const char wire[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
				   "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
				   "3\r\ntwo\r\n0\r\n\r\n";
	struct amp_http_response r;
	size_t used;

	(void)state;
	amp_http_response_init(&r);
	assert_int_equal(amp_http_response_feed(&r, wire, sizeof(wire) - 1, &used), AMP_OK);
	assert_int_equal(r.status, 200);
	assert_true(r.keep_alive);
	assert_memory_equal(r.body, "one", 3);
	amp_http_response_init(&r);
	assert_int_equal(amp_http_response_feed(&r, wire + used, sizeof(wire) - 1 - used, &used), AMP_OK);
	assert_int_equal(r.status, 400);
	assert_int_equal(r.body_len, 3);
	assert_memory_equal(r.body, "two", 3);
}

struct line_case {
	const char *body;
	size_t cap;
	const char *want;
};

static const struct line_case line_cases[] = {
	{"{\"message\":\"Rate exceeded\"}", 64, "{\"message\":\"Rate exceeded\"}"},
	{"  \r\n\n\t error: bad\tthing\x01\xff here  \r\nsecond line", 64, "error: bad thing?? here"},
	{"\x1b[31mred\x1b[0m\n", 64, "?[31mred?[0m"},
	{"abcdefgh\n", 5, "abcd"},
	{"abc", 1, ""},
	{"", 16, ""},
	{" \r\n \n", 16, ""},
	{"a\rb", 16, "a"},
};

static void test_first_line(void **state)
{
	struct amp_http_response r;
	char out[64];

	(void)state;
	for (size_t i = 0; i < N_ELEMS(line_cases); i++) {
		amp_http_response_init(&r);
		r.body_len = strlen(line_cases[i].body);
		memcpy(r.body, line_cases[i].body, r.body_len);
		memset(out, 'x', sizeof(out));
		assert_int_equal(amp_http_body_first_line(&r, out, line_cases[i].cap), strlen(line_cases[i].want));
		assert_string_equal(out, line_cases[i].want);
		if (line_cases[i].cap < sizeof(out))
			assert_int_equal(out[line_cases[i].cap], 'x');
	}
	out[0] = 'x';
	assert_int_equal(amp_http_body_first_line(&r, out, 0), 0);
	assert_int_equal(out[0], 'x');

	/* Through the parser: the line an error message would quote. */
	static const char wire[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 34\r\n\r\n"
				   "out of order sample\x07\nsecond line\n\n";
	size_t used;

	amp_http_response_init(&r);
	assert_int_equal(amp_http_response_feed(&r, wire, sizeof(wire) - 1, &used), AMP_OK);
	assert_int_equal(amp_http_body_first_line(&r, out, sizeof(out)), strlen("out of order sample?"));
	assert_string_equal(out, "out of order sample?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_golden),
		cmocka_unit_test(test_request_overflow),
		cmocka_unit_test(test_request_refused),
		cmocka_unit_test(test_host_header),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_error_reasons),
		cmocka_unit_test(test_mutated_inputs),
		cmocka_unit_test(test_body_truncation),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_long_captures),
		cmocka_unit_test(test_keep_alive_sequence),
		cmocka_unit_test(test_first_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
