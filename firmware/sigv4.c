/* AWS Signature Version 4: canonical request and string to sign streamed into SHA-256 and HMAC, no heap. */
#include "sigv4.h"

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#include <stdio.h>
#include <string.h>

/*
 * mbedTLS 2.x spells the int-returning SHA-256 calls *_ret (the plain names return void and are
 * deprecated); 3.x dropped the suffix. HMAC is built here on two SHA-256 contexts (RFC 2104) because
 * mbedtls_md_setup() allocates its HMAC state on the heap, which the agent avoids after start-up.
 */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define SHA256_STARTS(ctx) mbedtls_sha256_starts((ctx), 0)
#define SHA256_UPDATE(ctx, data, len) mbedtls_sha256_update((ctx), (data), (len))
#define SHA256_FINISH(ctx, out) mbedtls_sha256_finish((ctx), (out))
#else
#define SHA256_STARTS(ctx) mbedtls_sha256_starts_ret((ctx), 0)
#define SHA256_UPDATE(ctx, data, len) mbedtls_sha256_update_ret((ctx), (data), (len))
#define SHA256_FINISH(ctx, out) mbedtls_sha256_finish_ret((ctx), (out))
#endif

#define SHA256_LEN 32
#define SHA256_BLOCK 64
#define ALGORITHM "AWS4-HMAC-SHA256"
#define TERMINATOR "aws4_request"

/* The signer's own headers may join the caller's: x-amz-date, x-amz-security-token, x-amz-content-sha256. */
#define TABLE_SIZE (AMP_SIGV4_MAX_HEADERS + 3)

static const char HEX_LOWER[] = "0123456789abcdef";
static const char HEX_UPPER[] = "0123456789ABCDEF";

/* One header of the canonical list: borrowed pointers into the caller's strings. */
struct hdr {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* One query parameter: raw (still percent-encoded) slices of the caller's query string. */
struct param {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

/* A path segment kept by normalisation: offset and length in the caller's path. */
_Static_assert(AMP_SIGV4_MAX_PATH_LEN <= UINT16_MAX, "path offsets are 16-bit");
struct segment {
	uint16_t off;
	uint16_t len;
};

/*
 * Where canonical text goes: a SHA-256 context fed through a small staging block (so byte-at-a-time
 * encoders do not cost one hash call per byte), and optionally a caller's debug buffer.
 */
struct sink {
	mbedtls_sha256_context *sha;
	unsigned char stage[SHA256_BLOCK];
	size_t staged;
	char *text;
	size_t text_cap;
	size_t text_len;
	bool overflow;
	int err;
};

struct hmac {
	mbedtls_sha256_context inner;
	mbedtls_sha256_context outer;
};

/* Length of `s` when it is at most `max` bytes, else max + 1 (never reads past that). */
static size_t bounded_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n <= max && s[n] != '\0')
		n++;
	return n;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '.' || c == '~';
}

/* RFC 9110 tchar: what a method or a header name may hold. */
static bool is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void to_hex(const unsigned char *bin, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = HEX_LOWER[bin[i] >> 4];
		out[2 * i + 1] = HEX_LOWER[bin[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/* ---- sink ---- */

static void sink_init(struct sink *s, mbedtls_sha256_context *sha, char *text, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->sha = sha;
	s->text = text;
	s->text_cap = text != NULL ? cap : 0;
	if (text != NULL && cap > 0)
		text[0] = '\0';
	else if (text != NULL)
		s->overflow = true; /* not even room for the NUL */
}

static void sink_flush(struct sink *s)
{
	if (s->staged > 0 && s->err == 0 && SHA256_UPDATE(s->sha, s->stage, s->staged) != 0)
		s->err = AMP_ERR_CRYPTO;
	s->staged = 0;
}

static void sink_put(struct sink *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (s->text != NULL && !s->overflow) {
		if (len < s->text_cap - s->text_len) {
			memcpy(s->text + s->text_len, p, len);
			s->text_len += len;
			s->text[s->text_len] = '\0';
		} else {
			s->overflow = true;
		}
	}
	while (len > 0) {
		size_t n = sizeof(s->stage) - s->staged;

		if (n > len)
			n = len;
		memcpy(s->stage + s->staged, p, n);
		s->staged += n;
		p += n;
		len -= n;
		if (s->staged == sizeof(s->stage))
			sink_flush(s);
	}
}

static void sink_str(struct sink *s, const char *str)
{
	sink_put(s, str, strlen(str));
}

static void sink_char(struct sink *s, char c)
{
	sink_put(s, &c, 1);
}

/* Percent-encodes one byte the SigV4 way: unreserved bytes as they are, others as %XX (upper case). */
static void sink_encoded_byte(struct sink *s, unsigned char c)
{
	char esc[3];

	if (is_unreserved(c)) {
		sink_char(s, (char)c);
		return;
	}
	esc[0] = '%';
	esc[1] = HEX_UPPER[c >> 4];
	esc[2] = HEX_UPPER[c & 0x0f];
	sink_put(s, esc, sizeof(esc));
}

/* Finishes the sink: flushes staged bytes, then reports a hash failure or a full debug buffer. */
static int sink_end(struct sink *s)
{
	sink_flush(s);
	if (s->err != 0)
		return s->err;
	if (s->overflow) {
		if (s->text != NULL && s->text_cap > 0)
			s->text[0] = '\0';
		return AMP_ERR_FULL;
	}
	return 0;
}

/* ---- HMAC-SHA256 over mbedTLS SHA-256 (RFC 2104), with keys already padded to one block ---- */

static void hmac_init(struct hmac *h)
{
	mbedtls_sha256_init(&h->inner);
	mbedtls_sha256_init(&h->outer);
}

static void hmac_free(struct hmac *h)
{
	mbedtls_sha256_free(&h->inner);
	mbedtls_sha256_free(&h->outer);
	mbedtls_platform_zeroize(h, sizeof(*h));
}

static int hmac_start(struct hmac *h, const unsigned char key[SHA256_BLOCK])
{
	unsigned char pad[SHA256_BLOCK];
	int ret = 0;

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = (unsigned char)(key[i] ^ 0x36);
	if (SHA256_STARTS(&h->inner) != 0 || SHA256_UPDATE(&h->inner, pad, sizeof(pad)) != 0)
		ret = AMP_ERR_CRYPTO;
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = (unsigned char)(key[i] ^ 0x5c);
	if (ret == 0 && (SHA256_STARTS(&h->outer) != 0 || SHA256_UPDATE(&h->outer, pad, sizeof(pad)) != 0))
		ret = AMP_ERR_CRYPTO;
	mbedtls_platform_zeroize(pad, sizeof(pad));
	return ret;
}

static int hmac_finish(struct hmac *h, unsigned char out[SHA256_LEN])
{
	unsigned char inner[SHA256_LEN];
	int ret = 0;

	if (SHA256_FINISH(&h->inner, inner) != 0 || SHA256_UPDATE(&h->outer, inner, sizeof(inner)) != 0 ||
	    SHA256_FINISH(&h->outer, out) != 0)
		ret = AMP_ERR_CRYPTO;
	mbedtls_platform_zeroize(inner, sizeof(inner));
	return ret;
}

/* out = HMAC(key, msg); `key` is one zero-padded block. */
static int hmac_once(const unsigned char key[SHA256_BLOCK], const char *msg, unsigned char out[SHA256_LEN])
{
	struct hmac h;
	int ret;

	hmac_init(&h);
	ret = hmac_start(&h, key);
	if (ret == 0 && SHA256_UPDATE(&h.inner, (const unsigned char *)msg, strlen(msg)) != 0)
		ret = AMP_ERR_CRYPTO;
	if (ret == 0)
		ret = hmac_finish(&h, out);
	hmac_free(&h);
	return ret;
}

/*
 * The first key, "AWS4" + secret, as an HMAC key block: longer than a block it is replaced by its
 * SHA-256 (as RFC 2104 says), so no buffer the size of the longest secret is needed.
 */
static int first_key_block(const char *secret, size_t secret_len, unsigned char block[SHA256_BLOCK])
{
	mbedtls_sha256_context sha;
	int ret = 0;

	memset(block, 0, SHA256_BLOCK);
	if (4 + secret_len <= SHA256_BLOCK) {
		memcpy(block, "AWS4", 4);
		memcpy(block + 4, secret, secret_len);
		return 0;
	}
	mbedtls_sha256_init(&sha);
	if (SHA256_STARTS(&sha) != 0 || SHA256_UPDATE(&sha, (const unsigned char *)"AWS4", 4) != 0 ||
	    SHA256_UPDATE(&sha, (const unsigned char *)secret, secret_len) != 0 ||
	    SHA256_FINISH(&sha, block) != 0)
		ret = AMP_ERR_CRYPTO;
	mbedtls_sha256_free(&sha);
	return ret;
}

/*
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
 * as a zero-padded key block. Every intermediate is wiped.
 */
static int derive_signing_key(const char *secret, size_t secret_len, const char *date8, const char *region,
			      const char *service, unsigned char block[SHA256_BLOCK])
{
	const char *steps[4];
	unsigned char key[SHA256_LEN];
	int ret;

	steps[0] = date8;
	steps[1] = region;
	steps[2] = service;
	steps[3] = TERMINATOR;
	ret = first_key_block(secret, secret_len, block);
	for (size_t i = 0; ret == 0 && i < 4; i++) {
		ret = hmac_once(block, steps[i], key);
		memset(block, 0, SHA256_BLOCK);
		memcpy(block, key, sizeof(key));
	}
	mbedtls_platform_zeroize(key, sizeof(key));
	if (ret != 0)
		mbedtls_platform_zeroize(block, SHA256_BLOCK);
	return ret;
}

/* ---- dates ---- */

/* Writes `v` as exactly `width` decimal digits (callers keep v below 10^width). */
static void put_digits(char *out, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

int amp_sigv4_format_date(int64_t unix_time, char out[AMP_SIGV4_DATE_LEN + 1])
{
	int64_t days, z, era, y;
	unsigned doe, yoe, doy, mp, d, m, secs;

	if (out == NULL)
		return AMP_ERR_INVALID;
	if (unix_time < 0 || unix_time > AMP_SIGV4_MAX_TIME)
		return AMP_ERR_RANGE;
	days = unix_time / 86400;
	secs = (unsigned)(unix_time % 86400);
	/* Civil date from a day count (proleptic Gregorian), after Howard Hinnant's days_from_civil inverse. */
	z = days + 719468;
	era = z / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	put_digits(out, (unsigned)y, 4);
	put_digits(out + 4, m, 2);
	put_digits(out + 6, d, 2);
	out[8] = 'T';
	put_digits(out + 9, secs / 3600, 2);
	put_digits(out + 11, secs / 60 % 60, 2);
	put_digits(out + 13, secs % 60, 2);
	out[15] = 'Z';
	out[16] = '\0';
	return 0;
}

/* ---- validation ---- */

/* A credential-scope part (access key, region, service): printable ASCII without "/", "," or space. */
static int check_scope_part(const char *s, size_t max, size_t *len)
{
	size_t n;

	if (s == NULL)
		return AMP_ERR_INVALID;
	n = bounded_len(s, max);
	if (n > max)
		return AMP_ERR_FULL;
	if (n == 0)
		return AMP_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ',')
			return AMP_ERR_INVALID;
	}
	*len = n;
	return 0;
}

/* A header value: no control byte but HTAB, not blank. Leading, trailing and inner blanks are fine. */
static int check_value(const char *v, size_t max, size_t *len)
{
	size_t n;
	bool blank = true;

	if (v == NULL)
		return AMP_ERR_INVALID;
	n = bounded_len(v, max);
	if (n > max)
		return AMP_ERR_FULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == ' ' || c == '\t')
			continue;
		if (is_ctl(c))
			return AMP_ERR_INVALID;
		blank = false;
	}
	if (blank)
		return AMP_ERR_INVALID;
	*len = n;
	return 0;
}

static bool name_is(const struct hdr *h, const char *lower_name)
{
	size_t n = strlen(lower_name);

	if (h->name_len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (lower(h->name[i]) != lower_name[i])
			return false;
	}
	return true;
}

static int check_header(const struct amp_sigv4_header *in, struct hdr *out)
{
	static const char *const reserved[] = {"authorization", "x-amz-date", "x-amz-security-token",
					       "x-amz-content-sha256"};
	size_t n;
	int ret;

	if (in->name == NULL)
		return AMP_ERR_INVALID;
	n = bounded_len(in->name, AMP_SIGV4_MAX_HEADER_NAME_LEN);
	if (n > AMP_SIGV4_MAX_HEADER_NAME_LEN)
		return AMP_ERR_FULL;
	if (n == 0)
		return AMP_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		if (!is_tchar((unsigned char)in->name[i]))
			return AMP_ERR_INVALID;
	}
	out->name = in->name;
	out->name_len = n;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (name_is(out, reserved[i]))
			return AMP_ERR_INVALID;
	}
	ret = check_value(in->value, AMP_SIGV4_MAX_HEADER_VALUE_LEN, &out->value_len);
	if (ret != 0)
		return ret;
	out->value = in->value;
	return 0;
}

static int check_method(const char *m)
{
	size_t n;

	if (m == NULL)
		return AMP_ERR_INVALID;
	n = bounded_len(m, AMP_SIGV4_MAX_METHOD_LEN);
	if (n > AMP_SIGV4_MAX_METHOD_LEN)
		return AMP_ERR_FULL;
	if (n == 0)
		return AMP_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		if (!is_tchar((unsigned char)m[i]))
			return AMP_ERR_INVALID;
	}
	return 0;
}

static int check_path(const char *path, size_t *len)
{
	size_t n;

	if (path == NULL)
		return AMP_ERR_INVALID;
	n = bounded_len(path, AMP_SIGV4_MAX_PATH_LEN);
	if (n > AMP_SIGV4_MAX_PATH_LEN)
		return AMP_ERR_FULL;
	if (n > 0 && path[0] != '/')
		return AMP_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if (is_ctl(c) || c == '?' || c == '#')
			return AMP_ERR_INVALID;
	}
	*len = n;
	return 0;
}

/* ---- sorting (insertion sort: tables are small, and it is stable, which duplicate headers need) ---- */

static int compare_names(const struct hdr *a, const struct hdr *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;

	for (size_t i = 0; i < n; i++) {
		unsigned char ca = (unsigned char)lower(a->name[i]);
		unsigned char cb = (unsigned char)lower(b->name[i]);

		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	if (a->name_len == b->name_len)
		return 0;
	return a->name_len < b->name_len ? -1 : 1;
}

static void sort_headers(struct hdr *t, size_t count)
{
	for (size_t i = 1; i < count; i++) {
		struct hdr cur = t[i];
		size_t j = i;

		while (j > 0 && compare_names(&t[j - 1], &cur) > 0) {
			t[j] = t[j - 1];
			j--;
		}
		t[j] = cur;
	}
}

/*
 * Yields the SigV4 encoding of a raw query slice one character at a time: "%XX" escapes are decoded
 * and every byte is re-encoded, so "%e1%88%b4", "%E1%88%B4" and the raw UTF-8 all come out alike.
 */
struct enc_iter {
	const char *p;
	size_t n;
	size_t i;
	char pend[2];
	unsigned pend_len;
};

static void enc_iter_init(struct enc_iter *it, const char *p, size_t n)
{
	it->p = p;
	it->n = n;
	it->i = 0;
	it->pend_len = 0;
}

static int enc_next(struct enc_iter *it)
{
	unsigned char c;

	if (it->pend_len > 0) {
		int out = (unsigned char)it->pend[2 - it->pend_len];

		it->pend_len--;
		return out;
	}
	if (it->i >= it->n)
		return -1;
	c = (unsigned char)it->p[it->i];
	if (c == '%') {
		/* check_query() has made sure two hex digits follow */
		c = (unsigned char)(hex_value((unsigned char)it->p[it->i + 1]) << 4 |
				    hex_value((unsigned char)it->p[it->i + 2]));
		it->i += 3;
	} else {
		it->i++;
	}
	if (is_unreserved(c))
		return c;
	it->pend[0] = HEX_UPPER[c >> 4];
	it->pend[1] = HEX_UPPER[c & 0x0f];
	it->pend_len = 2;
	return '%';
}

static int compare_encoded(const char *a, size_t an, const char *b, size_t bn)
{
	struct enc_iter ia, ib;

	enc_iter_init(&ia, a, an);
	enc_iter_init(&ib, b, bn);
	for (;;) {
		int ca = enc_next(&ia);
		int cb = enc_next(&ib);

		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca < 0)
			return 0;
	}
}

static int compare_params(const struct param *a, const struct param *b)
{
	int c = compare_encoded(a->key, a->key_len, b->key, b->key_len);

	return c != 0 ? c : compare_encoded(a->value, a->value_len, b->value, b->value_len);
}

static void sort_params(struct param *t, size_t count)
{
	for (size_t i = 1; i < count; i++) {
		struct param cur = t[i];
		size_t j = i;

		while (j > 0 && compare_params(&t[j - 1], &cur) > 0) {
			t[j] = t[j - 1];
			j--;
		}
		t[j] = cur;
	}
}

/* Splits and checks the query: every "%" starts a two-hex-digit escape; no control byte, no "#". */
static int parse_query(const char *q, struct param *params, size_t *count)
{
	size_t n, start = 0;

	*count = 0;
	if (q == NULL)
		return 0;
	n = bounded_len(q, AMP_SIGV4_MAX_QUERY_LEN);
	if (n > AMP_SIGV4_MAX_QUERY_LEN)
		return AMP_ERR_FULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)q[i];

		if (is_ctl(c) || c == '#')
			return AMP_ERR_INVALID;
		if (c == '%' && (i + 2 >= n || hex_value((unsigned char)q[i + 1]) < 0 ||
				 hex_value((unsigned char)q[i + 2]) < 0))
			return AMP_ERR_INVALID;
	}
	while (start <= n) {
		const char *amp = memchr(q + start, '&', n - start);
		size_t end = amp != NULL ? (size_t)(amp - q) : n;

		if (end > start) {
			const char *eq = memchr(q + start, '=', end - start);
			struct param *p;

			if (*count == AMP_SIGV4_MAX_QUERY_PARAMS)
				return AMP_ERR_FULL;
			p = &params[(*count)++];
			p->key = q + start;
			p->key_len = eq != NULL ? (size_t)(eq - p->key) : end - start;
			p->value = eq != NULL ? eq + 1 : q + end;
			p->value_len = eq != NULL ? (size_t)(q + end - p->value) : 0;
		}
		start = end + 1;
	}
	return 0;
}

/* ---- canonical request pieces ---- */

static void emit_encoded_path_bytes(struct sink *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '/')
			sink_char(s, '/');
		else
			sink_encoded_byte(s, (unsigned char)p[i]);
	}
}

/* RFC 3986 dot-segment removal plus "//" collapsing, as AWS does for every service but S3. */
static int emit_normalized_path(struct sink *s, const char *path, size_t n)
{
	struct segment segs[AMP_SIGV4_MAX_PATH_SEGMENTS];
	size_t count = 0, i = 0;

	while (i < n) {
		size_t start, len;

		while (i < n && path[i] == '/')
			i++;
		start = i;
		while (i < n && path[i] != '/')
			i++;
		len = i - start;
		if (len == 0 || (len == 1 && path[start] == '.'))
			continue;
		if (len == 2 && path[start] == '.' && path[start + 1] == '.') {
			if (count > 0)
				count--;
			continue;
		}
		if (count == AMP_SIGV4_MAX_PATH_SEGMENTS)
			return AMP_ERR_FULL;
		segs[count].off = (uint16_t)start;
		segs[count].len = (uint16_t)len;
		count++;
	}
	sink_char(s, '/');
	for (size_t k = 0; k < count; k++) {
		if (k > 0)
			sink_char(s, '/');
		emit_encoded_path_bytes(s, path + segs[k].off, segs[k].len);
	}
	if (count > 0 && path[n - 1] == '/')
		sink_char(s, '/');
	return 0;
}

static void emit_encoded_slice(struct sink *s, const char *p, size_t n)
{
	struct enc_iter it;
	int c;

	enc_iter_init(&it, p, n);
	while ((c = enc_next(&it)) >= 0)
		sink_char(s, (char)c);
}

/* The value with leading and trailing blanks dropped and inner runs of blanks made one space. */
static void emit_trimmed_value(struct sink *s, const char *v, size_t n)
{
	bool pending_space = false, started = false;
	size_t run = 0;

	for (size_t i = 0; i <= n; i++) {
		bool blank = i < n && (v[i] == ' ' || v[i] == '\t');

		if (i < n && !blank) {
			if (run == 0) {
				if (pending_space && started)
					sink_char(s, ' ');
				pending_space = false;
			}
			run++;
			continue;
		}
		/* end of a run of non-blank bytes: write it in one piece */
		if (run > 0) {
			sink_put(s, v + i - run, run);
			started = true;
			run = 0;
		}
		pending_space = true;
	}
}

static void emit_headers(struct sink *s, const struct hdr *t, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		bool continues = i > 0 && compare_names(&t[i - 1], &t[i]) == 0;

		if (continues) {
			sink_char(s, ',');
		} else {
			if (i > 0)
				sink_char(s, '\n');
			for (size_t k = 0; k < t[i].name_len; k++)
				sink_char(s, lower(t[i].name[k]));
			sink_char(s, ':');
		}
		emit_trimmed_value(s, t[i].value, t[i].value_len);
	}
	sink_char(s, '\n');
}

static int build_signed_headers(const struct hdr *t, size_t count, char *out, size_t cap)
{
	size_t len = 0;

	for (size_t i = 0; i < count; i++) {
		if (i > 0 && compare_names(&t[i - 1], &t[i]) == 0)
			continue;
		if (len + (len > 0) + t[i].name_len + 1 > cap)
			return AMP_ERR_FULL;
		if (len > 0)
			out[len++] = ';';
		for (size_t k = 0; k < t[i].name_len; k++)
			out[len++] = lower(t[i].name[k]);
	}
	out[len] = '\0';
	return 0;
}

/* ---- public ---- */

void amp_sigv4_request_init(struct amp_sigv4_request *req)
{
	memset(req, 0, sizeof(*req));
	req->normalize_path = true;
}

int amp_sigv4_payload_hash(const void *data, size_t len, char hex[AMP_SIGV4_HASH_HEX_LEN + 1])
{
	mbedtls_sha256_context sha;
	unsigned char digest[SHA256_LEN];
	int ret = 0;

	if (hex == NULL || (data == NULL && len > 0))
		return AMP_ERR_INVALID;
	mbedtls_sha256_init(&sha);
	if (SHA256_STARTS(&sha) != 0 || (len > 0 && SHA256_UPDATE(&sha, data, len) != 0) ||
	    SHA256_FINISH(&sha, digest) != 0)
		ret = AMP_ERR_CRYPTO;
	mbedtls_sha256_free(&sha);
	if (ret == 0)
		to_hex(digest, sizeof(digest), hex);
	return ret;
}

static int check_payload_hash(const char *hex, char out[AMP_SIGV4_HASH_HEX_LEN + 1])
{
	if (bounded_len(hex, AMP_SIGV4_HASH_HEX_LEN) != AMP_SIGV4_HASH_HEX_LEN)
		return AMP_ERR_INVALID;
	for (size_t i = 0; i < AMP_SIGV4_HASH_HEX_LEN; i++) {
		if (hex_value((unsigned char)hex[i]) < 0 || (hex[i] >= 'A' && hex[i] <= 'F'))
			return AMP_ERR_INVALID;
	}
	memcpy(out, hex, AMP_SIGV4_HASH_HEX_LEN + 1);
	return 0;
}

/* Checks everything but the payload and fills the sorted header table. */
static int prepare(const struct amp_sigv4_request *req, const struct amp_sigv4_credentials *cred,
		   const char *region, const char *service, struct amp_sigv4_result *res, struct hdr *table,
		   size_t *count, size_t *secret_len)
{
	size_t len, token_len = 0;
	bool have_host = false;
	int ret;

	if ((ret = check_method(req->method)) != 0)
		return ret;
	if ((ret = check_scope_part(cred->access_key, AMP_SIGV4_MAX_ACCESS_KEY_LEN, &len)) != 0 ||
	    (ret = check_scope_part(region, AMP_SIGV4_MAX_REGION_LEN, &len)) != 0 ||
	    (ret = check_scope_part(service, AMP_SIGV4_MAX_SERVICE_LEN, &len)) != 0)
		return ret;
	if (cred->secret_key == NULL)
		return AMP_ERR_INVALID;
	*secret_len = bounded_len(cred->secret_key, AMP_SIGV4_MAX_SECRET_LEN);
	if (*secret_len > AMP_SIGV4_MAX_SECRET_LEN)
		return AMP_ERR_FULL;
	if (*secret_len == 0)
		return AMP_ERR_INVALID;
	if (cred->session_token != NULL && cred->session_token[0] != '\0') {
		ret = check_value(cred->session_token, AMP_SIGV4_MAX_SECRET_LEN, &token_len);
		if (ret != 0)
			return ret;
	}
	if (req->header_count > AMP_SIGV4_MAX_HEADERS)
		return AMP_ERR_FULL;
	if (req->header_count > 0 && req->headers == NULL)
		return AMP_ERR_INVALID;
	*count = 0;
	for (size_t i = 0; i < req->header_count; i++) {
		ret = check_header(&req->headers[i], &table[*count]);
		if (ret != 0)
			return ret;
		have_host = have_host || name_is(&table[*count], "host");
		(*count)++;
	}
	/* SigV4 requires Host to be signed; without it the signature cannot be valid. */
	if (!have_host)
		return AMP_ERR_INVALID;
	table[*count] = (struct hdr){"x-amz-date", 10, res->amz_date, AMP_SIGV4_DATE_LEN};
	(*count)++;
	if (token_len > 0) {
		table[*count] = (struct hdr){"x-amz-security-token", 20, cred->session_token, token_len};
		(*count)++;
	}
	if (req->sign_content_sha256) {
		table[*count] = (struct hdr){"x-amz-content-sha256", 20, res->payload_hash, AMP_SIGV4_HASH_HEX_LEN};
		(*count)++;
	}
	sort_headers(table, *count);
	return 0;
}

static int write_canonical_request(const struct amp_sigv4_request *req, const struct hdr *table, size_t count,
				   const struct amp_sigv4_result *res, struct sink *s)
{
	struct param params[AMP_SIGV4_MAX_QUERY_PARAMS];
	size_t path_len, nparams;
	int ret;

	if ((ret = check_path(req->path, &path_len)) != 0)
		return ret;
	if ((ret = parse_query(req->query, params, &nparams)) != 0)
		return ret;
	sort_params(params, nparams);

	sink_str(s, req->method);
	sink_char(s, '\n');
	if (path_len == 0)
		sink_char(s, '/');
	else if (req->normalize_path)
		ret = emit_normalized_path(s, req->path, path_len);
	else
		emit_encoded_path_bytes(s, req->path, path_len);
	if (ret != 0)
		return ret;
	sink_char(s, '\n');
	for (size_t i = 0; i < nparams; i++) {
		if (i > 0)
			sink_char(s, '&');
		emit_encoded_slice(s, params[i].key, params[i].key_len);
		sink_char(s, '=');
		emit_encoded_slice(s, params[i].value, params[i].value_len);
	}
	sink_char(s, '\n');
	emit_headers(s, table, count);
	sink_char(s, '\n');
	sink_str(s, res->signed_headers);
	sink_char(s, '\n');
	sink_str(s, res->payload_hash);
	return 0;
}

int amp_sigv4_sign(const struct amp_sigv4_request *req, const struct amp_sigv4_credentials *cred,
		   const char *region, const char *service, int64_t unix_time, struct amp_sigv4_result *res)
{
	struct hdr table[TABLE_SIZE];
	mbedtls_sha256_context cr_sha;
	struct hmac mac;
	struct sink s;
	unsigned char key[SHA256_BLOCK];
	unsigned char digest[SHA256_LEN];
	char date8[9];
	char cr_hex[AMP_SIGV4_HASH_HEX_LEN + 1];
	size_t count = 0, secret_len = 0;
	int ret, n;

	if (res == NULL)
		return AMP_ERR_INVALID;
	memset(res, 0, sizeof(*res));
	if (req == NULL || cred == NULL)
		return AMP_ERR_INVALID;
	mbedtls_sha256_init(&cr_sha);
	hmac_init(&mac);
	memset(key, 0, sizeof(key));

	ret = amp_sigv4_format_date(unix_time, res->amz_date);
	if (ret != 0)
		goto cleanup;
	memcpy(date8, res->amz_date, 8);
	date8[8] = '\0';
	ret = prepare(req, cred, region, service, res, table, &count, &secret_len);
	if (ret != 0)
		goto cleanup;
	if (req->payload_hash_hex != NULL)
		ret = check_payload_hash(req->payload_hash_hex, res->payload_hash);
	else
		ret = amp_sigv4_payload_hash(req->payload, req->payload_len, res->payload_hash);
	if (ret != 0)
		goto cleanup;
	ret = build_signed_headers(table, count, res->signed_headers, sizeof(res->signed_headers));
	if (ret != 0)
		goto cleanup;

	/* Task 1: the canonical request, hashed as it is written. */
	if (SHA256_STARTS(&cr_sha) != 0) {
		ret = AMP_ERR_CRYPTO;
		goto cleanup;
	}
	sink_init(&s, &cr_sha, req->canonical_request_out, req->canonical_request_size);
	ret = write_canonical_request(req, table, count, res, &s);
	if (ret == 0)
		ret = sink_end(&s);
	res->canonical_request_len = s.text_len;
	if (ret != 0)
		goto cleanup;
	if (SHA256_FINISH(&cr_sha, digest) != 0) {
		ret = AMP_ERR_CRYPTO;
		goto cleanup;
	}
	to_hex(digest, sizeof(digest), cr_hex);

	/* Tasks 3 and 4: the signing key, then the string to sign streamed straight into its HMAC. */
	ret = derive_signing_key(cred->secret_key, secret_len, date8, region, service, key);
	if (ret == 0)
		ret = hmac_start(&mac, key);
	if (ret != 0)
		goto cleanup;
	sink_init(&s, &mac.inner, req->string_to_sign_out, req->string_to_sign_size);
	sink_str(&s, ALGORITHM "\n");
	sink_str(&s, res->amz_date);
	sink_char(&s, '\n');
	sink_str(&s, date8);
	sink_char(&s, '/');
	sink_str(&s, region);
	sink_char(&s, '/');
	sink_str(&s, service);
	sink_str(&s, "/" TERMINATOR "\n");
	sink_str(&s, cr_hex);
	ret = sink_end(&s);
	res->string_to_sign_len = s.text_len;
	if (ret == 0)
		ret = hmac_finish(&mac, digest);
	if (ret != 0)
		goto cleanup;
	to_hex(digest, sizeof(digest), res->signature);

	n = snprintf(res->authorization, sizeof(res->authorization),
		     ALGORITHM " Credential=%s/%s/%s/%s/" TERMINATOR ", SignedHeaders=%s, Signature=%s",
		     cred->access_key, date8, region, service, res->signed_headers, res->signature);
	if (n < 0 || (size_t)n >= sizeof(res->authorization))
		ret = AMP_ERR_FULL;

cleanup:
	mbedtls_sha256_free(&cr_sha);
	hmac_free(&mac);
	mbedtls_platform_zeroize(key, sizeof(key));
	mbedtls_platform_zeroize(digest, sizeof(digest));
	mbedtls_platform_zeroize(&s, sizeof(s));
	if (ret != 0)
		memset(res, 0, sizeof(*res));
	return ret;
}
