/*
 * libFuzzer target: the HTTP request writer (amp_http_format_request, amp_http_host_header). Its inputs
 * come from the configuration and from credential sources on the network (a session token from IMDS
 * goes into X-Amz-Security-Token), so a value must never split into a second header or a second request.
 * Input: byte 0 picks the buffer size and whether there is a body; the rest is NUL-separated strings:
 * method, path, host, then header name/value pairs. Whatever is accepted must read back as exactly the
 * request that was asked for.
 */
#include "fuzz_common.h"

#include "http.h"

#define MAX_HEADERS 8
#define MAX_STRINGS (3 + 2 * MAX_HEADERS)

static char text[4096];
static char head[2048];

/* Splits text (NUL-terminated pieces) into at most MAX_STRINGS strings; returns how many. */
static unsigned split(char *s, size_t n, const char **out)
{
	unsigned count = 0;
	size_t start = 0;

	for (size_t i = 0; i <= n && count < MAX_STRINGS; i++) {
		if (i == n || s[i] == '\0') {
			s[i] = '\0';
			out[count++] = s + start;
			start = i + 1;
		}
	}
	return count;
}

/* Expects `want` at *p and moves past it. */
static void expect(const char **p, const char *want)
{
	size_t n = strlen(want);

	if (strncmp(*p, want, n) != 0)
		abort();
	*p += n;
}

/* Checks that the head is the request asked for, line by line, and that no value made a line of its own. */
static void check_head(size_t len, const char *method, const char *path, const char *host,
		       const struct amp_http_header *h, unsigned count, size_t content_length)
{
	const char *p = head;
	unsigned crlf = 0;

	if (len != strlen(head) || len < 4 || memcmp(head + len - 4, "\r\n\r\n", 4) != 0)
		abort();
	for (size_t i = 0; i < len; i++) {
		if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r'))
			abort(); /* a bare LF: a line break the receiver may honour */
		if (head[i] == '\r' && head[i + 1] != '\n')
			abort();
		crlf += head[i] == '\n';
	}
	/* request line, Host, the headers, Content-Length, the empty line */
	if (crlf != 2 + count + (content_length != AMP_HTTP_NO_BODY) + 1)
		abort();
	expect(&p, method);
	expect(&p, " ");
	expect(&p, path);
	expect(&p, " HTTP/1.1\r\nHost: ");
	expect(&p, host);
	expect(&p, "\r\n");
	for (unsigned i = 0; i < count; i++) {
		expect(&p, h[i].name);
		expect(&p, ": ");
		expect(&p, h[i].value);
		expect(&p, "\r\n");
	}
	if (content_length != AMP_HTTP_NO_BODY) {
		char cl[48];

		snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", content_length);
		expect(&p, cl);
	}
	expect(&p, "\r\n");
	if (*p != '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s[MAX_STRINGS];
	struct amp_http_header h[MAX_HEADERS];
	static const size_t caps[] = {0, 1, 16, 64, 256, sizeof(head)};
	size_t cap, content_length, len = 99;
	unsigned n, count;
	int rc;

	if (size < 1 || size - 1 >= sizeof(text))
		return 0;
	cap = caps[data[0] % (sizeof(caps) / sizeof(caps[0]))];
	content_length = (data[0] & 0x80) ? AMP_HTTP_NO_BODY : (size_t)data[0] * 1000003u;
	memcpy(text, data + 1, size - 1);
	n = split(text, size - 1, s);
	if (n < 3)
		return 0;
	count = (n - 3) / 2;
	for (unsigned i = 0; i < count; i++) {
		h[i].name = s[3 + 2 * i];
		h[i].value = s[4 + 2 * i];
	}
	rc = amp_http_format_request(head, cap, &len, s[0], s[1], s[2], h, count, content_length);
	if (rc == AMP_OK)
		check_head(len, s[0], s[1], s[2], h, count, content_length);
	else if ((rc != AMP_ERR_INVALID && rc != AMP_ERR_FULL) || len != 0 || (cap > 0 && head[0] != '\0'))
		abort();

	/* the Host value from a configured host name and port */
	rc = amp_http_host_header(head, cap, s[2], (uint16_t)(size * 257u), data[0] & 1);
	if (rc == AMP_OK) {
		for (const char *p = head; *p; p++) {
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				abort();
		}
	} else if (rc != AMP_ERR_INVALID && rc != AMP_ERR_FULL) {
		abort();
	}
	return 0;
}
