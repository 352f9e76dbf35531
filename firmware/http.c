/* HTTP/1.1 client messages (RFC 9112): request head writer and incremental response parser, no heap. */
#include "http.h"

#include <string.h>

enum {
	ST_STATUS,      /* line: status line */
	ST_HEADER,      /* line: header field or the empty line ending the head */
	ST_BODY_LENGTH, /* bytes: Content-Length body */
	ST_BODY_CLOSE,  /* bytes: body until the connection ends */
	ST_CHUNK_SIZE,  /* line: chunk size [; extensions] */
	ST_CHUNK_DATA,  /* bytes: chunk data */
	ST_CHUNK_END,   /* line: the empty line after chunk data */
	ST_TRAILER,     /* line: trailer field or the empty line ending the message */
	ST_DONE,
	ST_ERROR,
};

/* ---- characters ---- */

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 9110 tchar: the characters of methods and field names. */
static bool is_tchar(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Control characters but tab: never allowed inside a field value or a reason phrase. */
static bool is_bad_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool is_token(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_tchar((unsigned char)s[i]))
			return false;
	}
	return true;
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Case-insensitive compare of s[0..n) with the lower-case NUL-terminated `want`. */
static bool equals_ci(const char *s, size_t n, const char *want)
{
	if (strlen(want) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (lower((unsigned char)s[i]) != (unsigned char)want[i])
			return false;
	}
	return true;
}

/* ---- request ---- */

/* Appends n bytes at *pos; false when they would not leave room for the final NUL. */
static bool put(char *buf, size_t cap, size_t *pos, const char *s, size_t n)
{
	if (n >= cap - *pos)
		return false;
	memcpy(buf + *pos, s, n);
	*pos += n;
	buf[*pos] = '\0';
	return true;
}

static bool puts_(char *buf, size_t cap, size_t *pos, const char *s)
{
	return put(buf, cap, pos, s, strlen(s));
}

/* RFC 9110 field-value with at least one character: no control but tab, no blank at either end. */
static bool is_field_value(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || is_blank((unsigned char)v[0]) || is_blank((unsigned char)v[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (is_bad_ctl((unsigned char)v[i]))
			return false;
	}
	return true;
}

int amp_http_host_header(char *out, size_t cap, const char *host, uint16_t port, bool tls)
{
	size_t n = host ? strlen(host) : 0;
	bool v6 = false;
	size_t pos = 0;
	char digits[8];
	int d = (int)sizeof(digits);

	if (cap > 0)
		out[0] = '\0';
	if (n == 0 || port == 0)
		return AMP_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];

		if (!is_alpha(c) && !is_digit(c) && strchr("-._~:%", c) == NULL)
			return AMP_ERR_INVALID;
		if (c == ':')
			v6 = true;
	}
	if (cap == 0)
		return AMP_ERR_FULL;
	digits[--d] = '\0';
	for (unsigned p = port; p > 0; p /= 10)
		digits[--d] = (char)('0' + p % 10);
	digits[--d] = ':';
	if ((v6 && !puts_(out, cap, &pos, "[")) || !put(out, cap, &pos, host, n) ||
	    (v6 && !puts_(out, cap, &pos, "]")) ||
	    (port != (tls ? 443 : 80) && !puts_(out, cap, &pos, digits + d))) {
		out[0] = '\0';
		return AMP_ERR_FULL;
	}
	return AMP_OK;
}

int amp_http_format_request(char *buf, size_t cap, size_t *len, const char *method, const char *path,
			    const char *host, const struct amp_http_header *headers, unsigned count,
			    size_t content_length)
{
	size_t pos = 0;
	bool ok;

	*len = 0;
	if (cap > 0)
		buf[0] = '\0';
	if (!method || !is_token(method, strlen(method)) || !path || path[0] != '/' || !host ||
	    !is_field_value(host) || (count > 0 && !headers))
		return AMP_ERR_INVALID;
	/* A space or control character would end the request line early: the rest would be read as headers. */
	for (const char *p = path; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return AMP_ERR_INVALID;
	}
	for (unsigned i = 0; i < count; i++) {
		const char *name = headers[i].name;

		if (!name || !is_token(name, strlen(name)) || !headers[i].value ||
		    !is_field_value(headers[i].value))
			return AMP_ERR_INVALID;
		/* Written here; a second copy would let the receiver pick either framing. */
		if (equals_ci(name, strlen(name), "host") || equals_ci(name, strlen(name), "content-length") ||
		    equals_ci(name, strlen(name), "transfer-encoding"))
			return AMP_ERR_INVALID;
	}
	if (cap == 0)
		return AMP_ERR_FULL;

	ok = puts_(buf, cap, &pos, method) && puts_(buf, cap, &pos, " ") && puts_(buf, cap, &pos, path) &&
	     puts_(buf, cap, &pos, " HTTP/1.1\r\nHost: ") && puts_(buf, cap, &pos, host) &&
	     puts_(buf, cap, &pos, "\r\n");
	for (unsigned i = 0; ok && i < count; i++) {
		ok = puts_(buf, cap, &pos, headers[i].name) && puts_(buf, cap, &pos, ": ") &&
		     puts_(buf, cap, &pos, headers[i].value) && puts_(buf, cap, &pos, "\r\n");
	}
	if (ok && content_length != AMP_HTTP_NO_BODY) {
		char digits[24];
		int d = (int)sizeof(digits);
		size_t v = content_length;

		digits[--d] = '\0';
		do {
			digits[--d] = (char)('0' + v % 10);
			v /= 10;
		} while (v > 0);
		ok = puts_(buf, cap, &pos, "Content-Length: ") && puts_(buf, cap, &pos, digits + d) &&
		     puts_(buf, cap, &pos, "\r\n");
	}
	ok = ok && puts_(buf, cap, &pos, "\r\n");
	if (!ok) {
		buf[0] = '\0';
		return AMP_ERR_FULL;
	}
	*len = pos;
	return AMP_OK;
}

/* ---- dates ---- */

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian), after Howard Hinnant's algorithm. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Reads n decimal digits at s; -1 when one is not a digit. */
static int read_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int amp_http_parse_date(const char *text, int64_t *epoch_s)
{
	static const char days[] = "MonTueWedThuFriSatSun";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int mday, year, hour, min, sec;
	unsigned mon = 0;
	bool day_ok = false;

	/* "Sun, 06 Nov 1994 08:49:37 GMT": fixed length, fixed positions. */
	if (!text || strlen(text) != 29 || memcmp(text + 3, ", ", 2) != 0 || text[7] != ' ' ||
	    text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':' ||
	    memcmp(text + 25, " GMT", 4) != 0)
		return AMP_ERR_INVALID;
	for (int i = 0; i < 7; i++)
		day_ok = day_ok || memcmp(text, days + 3 * i, 3) == 0;
	for (unsigned i = 0; i < 12; i++) {
		if (memcmp(text + 8, months + 3 * i, 3) == 0)
			mon = i + 1;
	}
	mday = read_digits(text + 5, 2);
	year = read_digits(text + 12, 4);
	hour = read_digits(text + 17, 2);
	min = read_digits(text + 20, 2);
	sec = read_digits(text + 23, 2);
	if (!day_ok || mon == 0 || mday < 1 || mday > mdays[mon - 1] || year < 0 || hour < 0 || hour > 23 ||
	    min < 0 || min > 59 || sec < 0 || sec > 60)
		return AMP_ERR_INVALID;
	if (mon == 2 && mday == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		return AMP_ERR_INVALID;
	*epoch_s = days_from_civil(year, mon, (unsigned)mday) * 86400 + hour * 3600 + min * 60 + sec;
	return AMP_OK;
}

/* ---- response ---- */

static int fail(struct amp_http_response *r, const char *why)
{
	r->state = ST_ERROR;
	r->keep_alive = false;
	r->error = why;
	return AMP_ERR_HTTP;
}

static int finish(struct amp_http_response *r)
{
	r->state = ST_DONE;
	return AMP_OK;
}

/* Clears what one message (interim or final) says; the byte budget and the request kind stay. */
static void reset_message(struct amp_http_response *r)
{
	r->status = 0;
	r->http_minor = 0;
	r->keep_alive = false;
	r->has_content_length = false;
	r->content_length = 0;
	r->chunked = false;
	r->retry_after_s = -1;
	r->retry_after[0] = '\0';
	r->date[0] = '\0';
	r->content_type[0] = '\0';
	r->te_seen = false;
	r->conn_close = false;
	r->conn_keep_alive = false;
	r->state = ST_STATUS;
}

void amp_http_response_init(struct amp_http_response *r)
{
	reset_message(r);
	r->body_total = 0;
	r->body_len = 0;
	r->error = NULL;
	r->head_request = false;
	r->started = false;
	r->remaining = 0;
	r->head_bytes = 0;
	r->line_len = 0;
}

void amp_http_response_set_head(struct amp_http_response *r)
{
	r->head_request = true;
}

/* "HTTP/1.x NNN reason": the reason may be empty, and its space missing too. */
static int parse_status(struct amp_http_response *r, const char *s, size_t n)
{
	int code;

	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !is_digit((unsigned char)s[7]) || s[8] != ' ' ||
	    (n > 12 && s[12] != ' '))
		return fail(r, "bad status line");
	code = read_digits(s + 9, 3);
	if (code < 100 || code > 599)
		return fail(r, "bad status code");
	for (size_t i = 13; i < n; i++) {
		if (is_bad_ctl((unsigned char)s[i]))
			return fail(r, "control character in reason phrase");
	}
	r->status = code;
	r->http_minor = (unsigned)(s[7] - '0');
	r->state = ST_HEADER;
	return AMP_HTTP_MORE;
}

/* Strict decimal: digits only, no sign, no overflow. */
static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (!is_digit((unsigned char)s[i]))
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Copies a value into a fixed capture field, cutting it to fit; the first occurrence wins. */
static void capture(char *dst, const char *v, size_t n)
{
	if (dst[0] != '\0')
		return;
	if (n > AMP_HTTP_VALUE_MAX - 1)
		n = AMP_HTTP_VALUE_MAX - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* "name: value"; trailer fields are checked the same way and then ignored. */
static bool next_element(const char **s, const char *end, const char **tok, size_t *tn)
{
	const char *p = *s, *e;

	while (p < end && (is_blank((unsigned char)*p) || *p == ','))
		p++;
	if (p >= end)
		return false;
	e = p;
	while (e < end && *e != ',')
		e++;
	*s = e;
	while (e > p && is_blank((unsigned char)e[-1]))
		e--;
	*tok = p;
	*tn = (size_t)(e - p);
	return true;
}

static int use_header(struct amp_http_response *r, const char *name, size_t nn, const char *v, size_t vn)
{
	const char *end = v + vn, *tok;
	size_t tn;

	if (equals_ci(name, nn, "content-length")) {
		uint64_t cl;

		if (!parse_u64(v, vn, &cl))
			return fail(r, "bad Content-Length");
		if (r->has_content_length && cl != r->content_length)
			return fail(r, "conflicting Content-Length headers");
		r->has_content_length = true;
		r->content_length = cl;
	} else if (equals_ci(name, nn, "transfer-encoding")) {
		/* Only a final "chunked" frames the body; any other last coding leaves it to the close. */
		r->te_seen = true;
		while (next_element(&v, end, &tok, &tn))
			r->chunked = equals_ci(tok, tn, "chunked");
	} else if (equals_ci(name, nn, "connection")) {
		while (next_element(&v, end, &tok, &tn)) {
			if (equals_ci(tok, tn, "close"))
				r->conn_close = true;
			else if (equals_ci(tok, tn, "keep-alive"))
				r->conn_keep_alive = true;
		}
	} else if (equals_ci(name, nn, "retry-after")) {
		uint64_t secs;

		if (r->retry_after[0] == '\0' && parse_u64(v, vn, &secs))
			r->retry_after_s = secs > INT32_MAX ? INT32_MAX : (int64_t)secs;
		capture(r->retry_after, v, vn);
	} else if (equals_ci(name, nn, "date")) {
		capture(r->date, v, vn);
	} else if (equals_ci(name, nn, "content-type")) {
		capture(r->content_type, v, vn);
	}
	return AMP_HTTP_MORE;
}

/* "name: value"; trailers are checked the same way and then ignored. */
static int parse_field(struct amp_http_response *r, const char *s, size_t n, bool trailer)
{
	const char *colon = memchr(s, ':', n);
	const char *v, *e = s + n;

	/* obs-fold (RFC 9112 5.2): a continuation line; we refuse it rather than guess. */
	if (is_blank((unsigned char)s[0]))
		return fail(r, "folded header line");
	if (!colon)
		return fail(r, "header line without colon");
	if (!is_token(s, (size_t)(colon - s)))
		return fail(r, "bad header name");
	v = colon + 1;
	while (v < e && is_blank((unsigned char)*v))
		v++;
	while (e > v && is_blank((unsigned char)e[-1]))
		e--;
	for (const char *p = v; p < e; p++) {
		if (is_bad_ctl((unsigned char)*p))
			return fail(r, "control character in header value");
	}
	if (trailer)
		return AMP_HTTP_MORE;
	return use_header(r, s, (size_t)(colon - s), v, (size_t)(e - v));
}

/* The empty line after the headers: decide how the body is framed (RFC 9112 6.3). */
static int end_of_head(struct amp_http_response *r)
{
	if (r->status < 200) {
		if (r->status == 101)
			return fail(r, "unexpected 101 Switching Protocols");
		reset_message(r);
		return AMP_HTTP_MORE;
	}
	if (r->http_minor >= 1)
		r->keep_alive = !r->conn_close;
	else
		r->keep_alive = r->conn_keep_alive && !r->conn_close;
	if (r->head_request || r->status == 204 || r->status == 304)
		return finish(r);
	if (r->te_seen) {
		if (r->http_minor == 0)
			return fail(r, "Transfer-Encoding in an HTTP/1.0 response");
		/* Both framings at once is how responses get split: take chunked, never reuse the connection. */
		if (r->has_content_length)
			r->keep_alive = false;
		if (r->chunked) {
			r->state = ST_CHUNK_SIZE;
			return AMP_HTTP_MORE;
		}
	} else if (r->has_content_length) {
		if (r->content_length == 0)
			return finish(r);
		r->remaining = r->content_length;
		r->state = ST_BODY_LENGTH;
		return AMP_HTTP_MORE;
	}
	r->keep_alive = false;
	r->state = ST_BODY_CLOSE;
	return AMP_HTTP_MORE;
}

/* "1a2b[ ; ext...]": hex size, optional extensions that we skip. */
static int parse_chunk_size(struct amp_http_response *r, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < n; i++) {
		unsigned char c = lower((unsigned char)s[i]);
		unsigned d;

		if (is_digit(c))
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			break;
		if (v > (UINT64_MAX >> 4))
			return fail(r, "chunk size overflows");
		v = (v << 4) | d;
	}
	if (i == 0)
		return fail(r, "bad chunk size");
	while (i < n && is_blank((unsigned char)s[i]))
		i++;
	if (i < n && s[i] != ';')
		return fail(r, "bad chunk size");
	if (v == 0) {
		r->state = ST_TRAILER;
	} else {
		r->remaining = v;
		r->state = ST_CHUNK_DATA;
	}
	return AMP_HTTP_MORE;
}

/* A whole line is in r->line (LF included; a bare LF ends a line too, as RFC 9112 2.2 allows). */
static int line_done(struct amp_http_response *r)
{
	size_t n = r->line_len - 1;
	const char *s = r->line;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	/* A bare CR or a NUL is where parsers disagree about where a line ends: refuse both. */
	if (memchr(s, '\r', n) || memchr(s, '\0', n))
		return fail(r, r->state == ST_STATUS || r->state == ST_HEADER ? "CR or NUL inside a header line"
									       : "CR or NUL inside a line");
	r->line[n] = '\0';
	switch (r->state) {
	case ST_STATUS:
		return parse_status(r, s, n);
	case ST_HEADER:
		return n == 0 ? end_of_head(r) : parse_field(r, s, n, false);
	case ST_CHUNK_SIZE:
		return parse_chunk_size(r, s, n);
	case ST_CHUNK_END:
		if (n != 0)
			return fail(r, "chunk data longer than its size");
		r->state = ST_CHUNK_SIZE;
		return AMP_HTTP_MORE;
	case ST_TRAILER:
		return n == 0 ? finish(r) : parse_field(r, s, n, true);
	default:
		return fail(r, "internal state");
	}
}

static void keep_body(struct amp_http_response *r, const char *data, size_t n)
{
	size_t room = AMP_HTTP_BODY_KEEP - r->body_len;

	if (room > n)
		room = n;
	memcpy(r->body + r->body_len, data, room);
	r->body_len += room;
	r->body_total += n;
}

int amp_http_response_feed(struct amp_http_response *r, const char *data, size_t len, size_t *consumed)
{
	size_t i = 0;
	int rc = AMP_HTTP_MORE;

	*consumed = 0;
	if (r->state == ST_DONE)
		return AMP_OK;
	if (r->state == ST_ERROR)
		return AMP_ERR_HTTP;
	if (len > 0)
		r->started = true;
	while (rc == AMP_HTTP_MORE && i < len) {
		size_t n = len - i;

		switch (r->state) {
		case ST_STATUS:
		case ST_HEADER:
		case ST_CHUNK_SIZE:
		case ST_CHUNK_END:
		case ST_TRAILER: {
			const char *nl = memchr(data + i, '\n', n);

			if (nl)
				n = (size_t)(nl - (data + i)) + 1;
			if (n > AMP_HTTP_LINE_MAX - r->line_len) {
				rc = fail(r, "line too long");
				break;
			}
			if (r->state != ST_CHUNK_SIZE && r->state != ST_CHUNK_END) {
				r->head_bytes += n;
				if (r->head_bytes > AMP_HTTP_HEAD_MAX) {
					rc = fail(r, "headers too large");
					break;
				}
			}
			memcpy(r->line + r->line_len, data + i, n);
			r->line_len += n;
			i += n;
			if (nl) {
				rc = line_done(r);
				r->line_len = 0;
			}
			break;
		}
		case ST_BODY_LENGTH:
		case ST_CHUNK_DATA:
			if (n > r->remaining)
				n = (size_t)r->remaining;
			keep_body(r, data + i, n);
			i += n;
			r->remaining -= n;
			if (r->remaining == 0) {
				if (r->state == ST_BODY_LENGTH)
					rc = finish(r);
				else
					r->state = ST_CHUNK_END;
			}
			break;
		case ST_BODY_CLOSE:
			keep_body(r, data + i, n);
			i += n;
			break;
		default:
			rc = fail(r, "internal state");
			break;
		}
	}
	*consumed = i;
	return rc;
}

int amp_http_response_eof(struct amp_http_response *r)
{
	switch (r->state) {
	case ST_DONE:
		return AMP_OK;
	case ST_BODY_CLOSE:
		return finish(r);
	case ST_ERROR:
		return AMP_ERR_HTTP;
	default:
		if (!r->started) {
			(void)fail(r, "connection closed before the response");
			return AMP_ERR_CLOSED;
		}
		return fail(r, "connection closed inside the response");
	}
}

size_t amp_http_body_first_line(const struct amp_http_response *r, char *out, size_t cap)
{
	size_t i = 0, n = 0, keep = 0;

	if (cap == 0)
		return 0;
	while (i < r->body_len && (is_blank((unsigned char)r->body[i]) || r->body[i] == '\r' || r->body[i] == '\n'))
		i++;
	for (; i < r->body_len && r->body[i] != '\r' && r->body[i] != '\n' && n < cap - 1; i++) {
		unsigned char c = (unsigned char)r->body[i];

		out[n++] = c == '\t' ? ' ' : (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		if (!is_blank(c))
			keep = n;
	}
	out[keep] = '\0';
	return keep;
}
