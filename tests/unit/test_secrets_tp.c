/*
 * Secrets are wiped when replaced: after a credential refresh (IMDS, the credentials file, the container
 * endpoint), a rotated bearer token or password file, a reload and at exit, no copy of the old secret is
 * left anywhere in the process. The proof is a scan of the whole process: every readable and writable
 * mapping of /proc/self/maps, read through /proc/self/mem (so ASan and valgrind see no wild reads), for any
 * 16-byte slice of the old secret, of what it is sent as (base64 of user:password) and of the SigV4 keys
 * derived from it. A scan that finds the current secret where it must be shows the scan works.
 *
 * The test holds no secret in clear: each is random, kept XOR-masked, and unmasked only into the scripted
 * answers and files, which the test wipes (and the test port forgets what it was sent) before a scan.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include "agent.h"
#include "clock.h"
#include "creds.h"
#include "port_test.h"
#include "push.h"
#include "secret.h"
#include "sigv4.h"
#include "test_files.h"
#include "tls.h"

#define MASK 0xA5
#define WINDOW 16 /* a copy of this many bytes of a secret counts as a copy */
#define MIN_MS (60u * 1000u)

/* A secret or a value derived from it, XOR-masked so that the needle itself never matches. */
struct secret {
	char name[48];
	size_t len;
	unsigned char m[1200];
};

/* ---- secrets the test never holds in clear ---- */

/* `len` random letters and digits; `name` (no secret) says which secret in a failure message. */
static void make_secret(struct secret *s, const char *name, size_t len)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[sizeof(s->m)];

	assert_true(len <= sizeof(s->m) && len >= WINDOW);
	assert_int_equal(getrandom(r, len, 0), (ssize_t)len);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->len = len;
	for (size_t i = 0; i < len; i++)
		s->m[i] = (unsigned char)(alnum[r[i] % (sizeof(alnum) - 1)] ^ MASK);
	amp_secret_wipe(r, sizeof(r));
}

/* Takes `len` clear bytes into a masked secret and wipes them. */
static void mask_into(struct secret *s, const char *name, unsigned char *clear, size_t len)
{
	assert_true(len <= sizeof(s->m) && len >= WINDOW);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->len = len;
	for (size_t i = 0; i < len; i++)
		s->m[i] = clear[i] ^ MASK;
	amp_secret_wipe(clear, len);
}

/*
 * Copies `tmpl` to out, each "@0" ... "@9" replaced by that secret in clear; out == NULL only counts.
 * Returns the length written (out is NUL-terminated).
 */
static size_t expand(char *out, size_t cap, const char *tmpl, const struct secret *const *s)
{
	size_t n = 0;

	for (const char *t = tmpl; *t; t++) {
		if (t[0] == '@' && t[1] >= '0' && t[1] <= '9') {
			const struct secret *x = s[t[1] - '0'];

			for (size_t i = 0; i < x->len; i++, n++) {
				if (out != NULL) {
					assert_true(n + 1 < cap);
					out[n] = (char)(x->m[i] ^ MASK);
				}
			}
			t++;
			continue;
		}
		if (out != NULL) {
			assert_true(n + 1 < cap);
			out[n] = *t;
		}
		n++;
	}
	if (out != NULL)
		out[n] = '\0';
	return n;
}

/* Scripted answers: kept for the test's time (the test port hands out pointers), wiped before scans. */
static char answers[16][8192];
static unsigned answer_count;

/* An HTTP 200 answer whose body is `tmpl` with the secrets put in. */
static const char *answer(const char *tmpl, const struct secret *const *s)
{
	char *a;
	int head;

	assert_true(answer_count < sizeof(answers) / sizeof(answers[0]));
	a = answers[answer_count++];
	head = snprintf(a, sizeof(answers[0]), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
			expand(NULL, 0, tmpl, s));
	expand(a + head, sizeof(answers[0]) - (size_t)head, tmpl, s);
	return a;
}

static const char *plain_answer(const char *text)
{
	return answer(text, NULL);
}

/* Writes a file the way rotators do (a new file renamed over the old), without stdio: its buffer would keep a copy. */
static void write_secret_file(const char *path, const char *tmpl, const struct secret *const *s)
{
	static char text[4096];
	char tmp[300];
	size_t n = expand(text, sizeof(text), tmpl, s);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
	assert_int_equal(rename(tmp, path), 0);
	amp_secret_wipe(text, sizeof(text));
}

/* Forgets the test's own copies: the scripted answers, and what the test port was sent. */
static void forget_test_copies(void)
{
	amp_secret_wipe(answers, sizeof(answers));
	answer_count = 0;
	port_test_clear_conns();
}

/* Whether a connection was sent the secret (masked comparison: no clear copy made). */
static bool sent_secret(const struct port_test_conn *c, const struct secret *s)
{
	for (size_t i = 0; i + s->len <= c->sent_len; i++) {
		size_t k = 0;

		while (k < s->len && (unsigned char)c->sent[i + k] == (s->m[k] ^ MASK))
			k++;
		if (k == s->len)
			return true;
	}
	return false;
}

/* ---- the whole-process scan ---- */

#define SCAN_MAX_NEEDLES 16
#define SCAN_MAX_ENTRIES 8192
#define SCAN_CHUNK (1u << 20)
/* Larger mappings are sanitizer shadow or reserved address space, not data. */
#define SCAN_MAPPING_MAX (64ull << 20)

struct scan_hit {
	size_t count;
	uintptr_t first;
	char mapping[128];
};

/* Every position of every needle, chained by its first two bytes (so no needle is kept in clear here). */
static struct {
	const struct secret *needle[SCAN_MAX_NEEDLES];
	unsigned count;
	int32_t head[65536];
	int32_t next[SCAN_MAX_ENTRIES];
	uint8_t which[SCAN_MAX_ENTRIES];
	uint16_t pos[SCAN_MAX_ENTRIES];
	unsigned entries;
} idx;

static unsigned char chunk[WINDOW + SCAN_CHUNK];
static char maps_text[1 << 16];

static void index_needles(const struct secret *const *needles, unsigned count)
{
	memset(&idx, 0, sizeof(idx));
	memset(idx.head, 0xff, sizeof(idx.head));
	assert_true(count <= SCAN_MAX_NEEDLES);
	for (unsigned i = 0; i < count; i++) {
		const struct secret *s = needles[i];

		idx.needle[i] = s;
		for (size_t j = 0; j + WINDOW <= s->len; j++) {
			unsigned key = (unsigned)(s->m[j] ^ MASK) | (unsigned)(s->m[j + 1] ^ MASK) << 8;

			assert_true(idx.entries < SCAN_MAX_ENTRIES);
			idx.which[idx.entries] = (uint8_t)i;
			idx.pos[idx.entries] = (uint16_t)j;
			idx.next[idx.entries] = idx.head[key];
			idx.head[key] = (int32_t)idx.entries++;
		}
	}
	idx.count = count;
}

static void scan_block(const unsigned char *b, size_t n, uintptr_t addr, const char *mapping, struct scan_hit *hits)
{
	uintptr_t own = (uintptr_t)chunk;

	for (size_t p = 0; p + WINDOW <= n; p++) {
		unsigned key = (unsigned)b[p] | (unsigned)b[p + 1] << 8;

		for (int32_t e = idx.head[key]; e >= 0; e = idx.next[e]) {
			const struct secret *s = idx.needle[idx.which[e]];
			size_t k = 2;

			while (k < WINDOW && b[p + k] == (s->m[idx.pos[e] + k] ^ MASK))
				k++;
			/* the scan's own buffer holds what it just read: not a copy of its own */
			if (k < WINDOW || (addr + p >= own && addr + p < own + sizeof(chunk)))
				continue;
			if (hits[idx.which[e]].count++ == 0) {
				hits[idx.which[e]].first = addr + p;
				snprintf(hits[idx.which[e]].mapping, sizeof(hits[0].mapping), "%s", mapping);
			}
			break; /* one hit per position */
		}
	}
}

/* Scans every readable, writable mapping of the process for the needles; hits[i] says where needle i is. */
static void scan_process(const struct secret *const *needles, unsigned count, struct scan_hit *hits)
{
	int maps = open("/proc/self/maps", O_RDONLY);
	int mem = open("/proc/self/mem", O_RDONLY);
	size_t len = 0;
	char *line;

	assert_true(maps >= 0 && mem >= 0);
	for (;;) {
		ssize_t n = read(maps, maps_text + len, sizeof(maps_text) - 1 - len);

		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
		assert_true(len < sizeof(maps_text) - 1);
	}
	maps_text[len] = '\0';
	close(maps);
	index_needles(needles, count);
	memset(hits, 0, count * sizeof(hits[0]));
	for (line = strtok(maps_text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		unsigned long long start, end;
		char perms[8] = "";
		int name_at = 0;
		size_t carry = 0;

		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &start, &end, perms, &name_at) < 3)
			continue;
		if (perms[0] != 'r' || perms[1] != 'w' || end - start > SCAN_MAPPING_MAX)
			continue;
		for (unsigned long long at = start; at < end;) {
			size_t want = end - at < SCAN_CHUNK ? (size_t)(end - at) : SCAN_CHUNK;
			ssize_t got = pread(mem, chunk + carry, want, (off_t)at);

			if (got <= 0)
				break; /* a guard page or a mapping gone meanwhile */
			scan_block(chunk, carry + (size_t)got, (uintptr_t)(at - carry), name_at ? line + name_at : "", hits);
			at += (unsigned long long)got;
			/* a copy may straddle two reads */
			if (carry + (size_t)got >= WINDOW - 1) {
				memmove(chunk, chunk + carry + (size_t)got - (WINDOW - 1), WINDOW - 1);
				carry = WINDOW - 1;
			}
		}
	}
	close(mem);
	amp_secret_wipe(chunk, sizeof(chunk));
}

/* Fails when any needle is found anywhere in the process (says where: the address and its mapping). */
static void assert_nowhere(const struct secret *const *needles, unsigned count)
{
	struct scan_hit hits[SCAN_MAX_NEEDLES];

	scan_process(needles, count, hits);
	for (unsigned i = 0; i < count; i++) {
		if (hits[i].count > 0)
			fail_msg("%s: %zu copies left, the first at %#" PRIxPTR " (%s)", needles[i]->name, hits[i].count,
				 hits[i].first, hits[i].mapping[0] ? hits[i].mapping : "anonymous");
	}
}

/* The other side: the scan finds what must be there (the secret in use). */
static void assert_somewhere(const struct secret *s)
{
	struct scan_hit hit;

	scan_process(&s, 1, &hit);
	if (hit.count == 0)
		fail_msg("%s: not found, but it is in use: the scan is broken", s->name);
}

/* ---- SigV4's derived keys, to look for them too ---- */

static void hmac(const unsigned char *key, size_t key_len, const char *msg, unsigned char out[32])
{
	assert_int_equal(mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, key_len,
					 (const unsigned char *)msg, strlen(msg), out), 0);
}

/* kDate, kRegion, kService and kSigning of `secret` on the day of `unix_ms` for us-east-1/aps. */
static void derived_keys(const struct secret *secret, int64_t unix_ms, struct secret out[4])
{
	static const char *const names[4] = {"kDate", "kRegion", "kService", "kSigning"};
	unsigned char first[4 + sizeof(secret->m)];
	unsigned char k[4][32];
	char date[AMP_SIGV4_DATE_LEN + 1];

	assert_int_equal(amp_sigv4_format_date(unix_ms / 1000, date), AMP_OK);
	date[8] = '\0';
	memcpy(first, "AWS4", 4);
	for (size_t i = 0; i < secret->len; i++)
		first[4 + i] = secret->m[i] ^ MASK;
	hmac(first, 4 + secret->len, date, k[0]);
	amp_secret_wipe(first, sizeof(first));
	hmac(k[0], 32, "us-east-1", k[1]);
	hmac(k[1], 32, "aps", k[2]);
	hmac(k[2], 32, "aws4_request", k[3]);
	for (int i = 0; i < 4; i++) {
		char name[48];

		snprintf(name, sizeof(name), "%.30s's %s", secret->name, names[i]);
		mask_into(&out[i], name, k[i], 32);
	}
}

/* ---- the push path on the test port ---- */

static struct amp_config cfg;
static struct amp_push push;

/* The receiver closes after each answer: every push opens a connection of its own script. */
static const char ok_response[] = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
static const char body[] = "\x01\x02snappy";
#define BODY_LEN (sizeof(body) - 1)

static int setup(void **state)
{
	(void)state;
	port_test_reset();
	amp_clock_reset();
	amp_config_defaults(&cfg);
	snprintf(cfg.source, sizeof(cfg.source), "test.ini");
	assert_int_equal(amp_config_parse_url("http://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/"
					      "remote_write", &cfg.url), AMP_OK);
	cfg.remote_timeout_ms = 5000;
	strcpy(cfg.region, "us-east-1");
	amp_push_init(&push);
	port_test_set_monotonic_ms(1000);
	forget_test_copies();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	amp_push_free(&push);
	amp_config_wipe_secrets(&cfg);
	forget_test_copies();
	return 0;
}

static struct port_test_conn *serve(const char *a, const char *b)
{
	struct port_test_conn *c = port_test_add_conn(AMP_OK);

	assert_non_null(c);
	port_test_add_recv(c, a);
	if (b != NULL)
		port_test_add_recv(c, b);
	return c;
}

static void push_ok(void)
{
	struct amp_push_result res;
	int rc = amp_push_send(&push, body, BODY_LEN, &res);

	if (rc != AMP_OK)
		fail_msg("push failed: %s", res.message);
	assert_int_equal(res.status, 200);
}

/* One set of temporary AWS credentials and the SigV4 keys derived from its secret on a day. */
struct aws_set {
	struct secret key, token;
	struct secret derived[4];
};

static void make_set(struct aws_set *s, const char *name, size_t key_len, size_t token_len)
{
	char n[40];

	snprintf(n, sizeof(n), "%s secret key", name);
	make_secret(&s->key, n, key_len);
	snprintf(n, sizeof(n), "%s session token", name);
	make_secret(&s->token, n, token_len);
}

/* Every needle of a set: its secret key, its token, and the keys derived from the secret. */
static void assert_set_nowhere(const struct aws_set *s)
{
	const struct secret *n[6] = {&s->key, &s->token, &s->derived[0], &s->derived[1], &s->derived[2],
				     &s->derived[3]};

	assert_nowhere(n, 6);
}

/* An IMDS credentials document for `s`, expiring `in_ms` from now. */
static const char *imds_doc(const struct aws_set *s, const char *id, int64_t in_ms)
{
	const struct secret *v[2] = {&s->key, &s->token};
	char when[32];
	char tmpl[512];

	amp_clock_format_iso8601(port_realtime_ms() + in_ms, when, sizeof(when));
	snprintf(tmpl, sizeof(tmpl),
		 "{\n  \"Code\" : \"Success\",\n  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"%s\",\n"
		 "  \"SecretAccessKey\" : \"@0\",\n  \"Token\" : \"@1\",\n  \"Expiration\" : \"%s\"\n}", id, when);
	return answer(tmpl, v);
}

/* IMDSv2 hands out A, then B at the refresh: no trace of A is left, B is where it must be. */
static void test_imds_refresh_leaves_no_copy(void **state)
{
	static struct aws_set a, b;
	struct port_test_conn *receiver;

	(void)state;
	make_set(&a, "IMDS A", 40, 900);
	make_set(&b, "IMDS B", 40, 700);
	cfg.sigv4_enabled = true;
	cfg.credentials = AMP_CREDS_IMDS;
	assert_int_equal(amp_push_setup(&push, &cfg), AMP_OK);
	serve(plain_answer("AQAEAimdsTokenxxxxxxxxxxxxxxxxxxxxxxxxxxx=="), NULL);
	serve(plain_answer("gateway-role"), NULL);
	serve(imds_doc(&a, "ASIAFIRST", 60 * MIN_MS), NULL);
	receiver = serve(ok_response, NULL);
	derived_keys(&a.key, amp_clock_now_ms(), a.derived);
	push_ok();
	assert_true(sent_secret(receiver, &a.token));
	forget_test_copies();
	assert_somewhere(&a.key);
	assert_somewhere(&a.token);

	/* the refresh: inside the margin, IMDS (its session token still good) gives B */
	port_test_advance_ms(56 * MIN_MS);
	serve(plain_answer("gateway-role"), NULL);
	serve(imds_doc(&b, "ASIASECOND", 60 * MIN_MS), NULL);
	receiver = serve(ok_response, NULL);
	derived_keys(&b.key, amp_clock_now_ms(), b.derived);
	push_ok();
	assert_int_equal(push.creds.fetches, 2);
	assert_true(sent_secret(receiver, &b.token));
	forget_test_copies();
	assert_set_nowhere(&a);
	assert_somewhere(&b.key);
	assert_somewhere(&b.token);

	/* at exit everything goes */
	amp_push_free(&push);
	assert_set_nowhere(&b);
}

/* The shared credentials file rewritten with shorter keys: nothing of the longer old ones stays. */
static void test_credentials_file_rewrite_leaves_no_copy(void **state)
{
	static const char tmpl[] = "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = @0\n"
				   "aws_session_token = @1\n";
	static struct aws_set a, b;
	const struct secret *v[2];
	struct port_test_conn *receiver;

	(void)state;
	make_set(&a, "file A", 40, 1000);
	make_set(&b, "file B", 20, 100);
	snprintf(cfg.shared_credentials_file, sizeof(cfg.shared_credentials_file), "%s/credentials", test_files_dir);
	v[0] = &a.key;
	v[1] = &a.token;
	write_secret_file(cfg.shared_credentials_file, tmpl, v);
	cfg.sigv4_enabled = true;
	cfg.credentials = AMP_CREDS_FILE;
	assert_int_equal(amp_push_setup(&push, &cfg), AMP_OK);
	receiver = serve(ok_response, NULL);
	derived_keys(&a.key, amp_clock_now_ms(), a.derived);
	push_ok();
	assert_true(sent_secret(receiver, &a.token));
	forget_test_copies();
	assert_somewhere(&a.key);

	v[0] = &b.key;
	v[1] = &b.token;
	write_secret_file(cfg.shared_credentials_file, tmpl, v);
	receiver = serve(ok_response, NULL);
	push_ok();
	assert_true(sent_secret(receiver, &b.token));
	forget_test_copies();
	assert_set_nowhere(&a);
	assert_somewhere(&b.key);
}

/* A bearer token file rotated to a shorter token: no tail of the old one stays behind the new. */
static void test_bearer_file_rotation_leaves_no_copy(void **state)
{
	static struct secret a, b;
	const struct secret *v[1];
	struct port_test_conn *receiver;

	(void)state;
	make_secret(&a, "bearer token A", 600);
	make_secret(&b, "bearer token B", 60);
	snprintf(cfg.bearer_token_file, sizeof(cfg.bearer_token_file), "%s/bearer", test_files_dir);
	v[0] = &a;
	write_secret_file(cfg.bearer_token_file, "@0\n", v);
	assert_int_equal(amp_push_setup(&push, &cfg), AMP_OK);
	receiver = serve(ok_response, NULL);
	push_ok();
	assert_true(sent_secret(receiver, &a));
	forget_test_copies();
	assert_somewhere(&a);

	v[0] = &b;
	write_secret_file(cfg.bearer_token_file, "@0\n", v);
	receiver = serve(ok_response, NULL);
	push_ok();
	assert_true(sent_secret(receiver, &b));
	forget_test_copies();
	v[0] = &a;
	assert_nowhere(v, 1);
	assert_somewhere(&b);
	amp_push_free(&push);
	v[0] = &b;
	assert_nowhere(v, 1);
}

/* base64("gateway:" + password), past the part that is the user name's alone. */
static void basic_value(const struct secret *password, struct secret *out)
{
	unsigned char plain[8 + sizeof(password->m)];
	unsigned char b64[2 * sizeof(plain)];
	size_t n = 0;
	char name[48];

	memcpy(plain, "gateway:", 8);
	for (size_t i = 0; i < password->len; i++)
		plain[8 + i] = password->m[i] ^ MASK;
	assert_int_equal(mbedtls_base64_encode(b64, sizeof(b64), &n, plain, 8 + password->len), 0);
	amp_secret_wipe(plain, sizeof(plain));
	snprintf(name, sizeof(name), "base64 of user:%.20s", password->name);
	mask_into(out, name, b64 + 12, n - 12 - 4); /* the last characters may be padding */
	amp_secret_wipe(b64, sizeof(b64));
}

/* The same for a basic auth password file: neither the password nor its base64 form stays. */
static void test_password_file_rotation_leaves_no_copy(void **state)
{
	static struct secret a, b, a64, b64;
	const struct secret *v[2];
	struct port_test_conn *receiver;

	(void)state;
	make_secret(&a, "password A", 300);
	make_secret(&b, "password B", 40);
	basic_value(&a, &a64);
	basic_value(&b, &b64);
	strcpy(cfg.basic_auth_username, "gateway");
	snprintf(cfg.basic_auth_password_file, sizeof(cfg.basic_auth_password_file), "%s/password", test_files_dir);
	v[0] = &a;
	write_secret_file(cfg.basic_auth_password_file, "@0\n", v);
	assert_int_equal(amp_push_setup(&push, &cfg), AMP_OK);
	receiver = serve(ok_response, NULL);
	push_ok();
	assert_true(sent_secret(receiver, &a64));
	forget_test_copies();
	assert_somewhere(&a);

	v[0] = &b;
	write_secret_file(cfg.basic_auth_password_file, "@0\n", v);
	receiver = serve(ok_response, NULL);
	push_ok();
	assert_true(sent_secret(receiver, &b64));
	forget_test_copies();
	v[0] = &a;
	v[1] = &a64;
	assert_nowhere(v, 2);
	amp_push_free(&push);
	v[0] = &b;
	v[1] = &b64;
	assert_nowhere(v, 2);
}

/* An answer cut off in the middle of the credentials: what came of it is wiped too (the fetch failed). */
static void test_cut_off_answer_leaves_no_copy(void **state)
{
	static struct aws_set a;
	struct port_test_conn *c;
	struct amp_push_result res;
	char *cut;

	(void)state;
	make_set(&a, "cut-off", 40, 900);
	cfg.sigv4_enabled = true;
	cfg.credentials = AMP_CREDS_IMDS;
	assert_int_equal(amp_push_setup(&push, &cfg), AMP_OK);
	serve(plain_answer("AQAEAimdsTokenxxxxxxxxxxxxxxxxxxxxxxxxxxx=="), NULL);
	serve(plain_answer("gateway-role"), NULL);
	/* the document less its last 10 bytes, then the connection closes */
	cut = (char *)imds_doc(&a, "ASIACUT", 60 * MIN_MS);
	cut[strlen(cut) - 10] = '\0';
	c = port_test_add_conn(AMP_OK);
	port_test_add_recv(c, cut);
	port_test_add_recv_rc(c, AMP_ERR_CLOSED);
	assert_int_equal(amp_push_send(&push, body, BODY_LEN, &res), AMP_ERR_AUTH);
	forget_test_copies();
	{
		const struct secret *v[2] = {&a.key, &a.token};

		assert_nowhere(v, 2);
	}
}

/* The container endpoint's authorization token file and its answers, rotated: nothing of the old stays. */
static void test_container_rotation_leaves_no_copy(void **state)
{
	static struct aws_set a, b;
	static struct secret ta, tb;
	static char path[300];
	const struct secret *v[1];
	struct port_test_conn *endpoint;

	(void)state;
	make_set(&a, "container A", 40, 900);
	make_set(&b, "container B", 40, 300);
	make_secret(&ta, "container auth token A", 800);
	make_secret(&tb, "container auth token B", 100);
	snprintf(path, sizeof(path), "%s/eks-token", test_files_dir);
	port_test_setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
	port_test_setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path);
	v[0] = &ta;
	write_secret_file(path, "@0\n", v);
	cfg.sigv4_enabled = true;
	cfg.credentials = AMP_CREDS_CONTAINER;
	assert_int_equal(amp_push_setup(&push, &cfg), AMP_OK);
	endpoint = serve(imds_doc(&a, "ASIACTRA", 60 * MIN_MS), NULL);
	serve(ok_response, NULL);
	derived_keys(&a.key, amp_clock_now_ms(), a.derived);
	push_ok();
	assert_true(sent_secret(endpoint, &ta));
	forget_test_copies();
	assert_somewhere(&a.key);

	/* EKS rotates the token file; the next refresh sends the new token and gets new credentials */
	v[0] = &tb;
	write_secret_file(path, "@0\n", v);
	port_test_advance_ms(56 * MIN_MS);
	endpoint = serve(imds_doc(&b, "ASIACTRB", 60 * MIN_MS), NULL);
	serve(ok_response, NULL);
	derived_keys(&b.key, amp_clock_now_ms(), b.derived);
	push_ok();
	assert_true(sent_secret(endpoint, &tb));
	forget_test_copies();
	assert_set_nowhere(&a);
	v[0] = &ta;
	assert_nowhere(v, 1);
	/* the token is read at each fetch and wiped after it: not even the current one is kept */
	v[0] = &tb;
	assert_nowhere(v, 1);
	assert_somewhere(&b.key);
	amp_push_free(&push);
	assert_set_nowhere(&b);
}

/* ---- the agent: reload (SIGHUP) and exit ---- */

static struct amp_config cfgs[3];

/* A configuration of the agent pushing with SigV4 on the fixture roots; `mode` says where keys come from. */
static struct amp_config *agent_config(int i, enum amp_creds_mode mode)
{
	const char *fixtures = getenv("AMP_TEST_FIXTURES");
	struct amp_config *c = &cfgs[i];

	assert_non_null(fixtures);
	*c = cfg;
	snprintf(c->procfs, sizeof(c->procfs), "%s/proc", fixtures);
	snprintf(c->sysfs, sizeof(c->sysfs), "%s/sys", fixtures);
	c->sigv4_enabled = true;
	c->credentials = mode;
	return c;
}

static void agent_push_ok(void)
{
	struct amp_push_result res;
	int rc;

	assert_int_equal(amp_agent_collect(), AMP_OK);
	rc = amp_agent_flush(&res);
	if (rc != AMP_OK)
		fail_msg("push failed: %s", res.message);
}

/*
 * Static keys A in the configuration, then a reload to IMDS (B), then another reload to IMDS (C), as
 * main.c does on SIGHUP: the new configuration loaded beside the old one, the old one's secrets wiped
 * once the agent took the new one. At each step nothing of the keys before is left; at exit nothing at all.
 */
static void test_reload_and_exit_leave_no_copy(void **state)
{
	static struct aws_set a, b, c;
	struct amp_config *ca, *cb, *cc;
	struct port_test_conn *receiver;

	(void)state;
	make_set(&a, "static A", 40, 900);
	make_set(&b, "reloaded IMDS B", 40, 800);
	make_set(&c, "reloaded IMDS C", 40, 700);
	ca = agent_config(0, AMP_CREDS_STATIC);
	strcpy(ca->access_key, "AKIASTATIC");
	expand(ca->secret_key, sizeof(ca->secret_key), "@0", (const struct secret *[]){&a.key});
	expand(ca->session_token, sizeof(ca->session_token), "@0", (const struct secret *[]){&a.token});
	assert_int_equal(amp_agent_start(ca, true), AMP_OK);
	receiver = serve(ok_response, NULL);
	derived_keys(&a.key, amp_clock_now_ms(), a.derived);
	agent_push_ok();
	assert_true(sent_secret(receiver, &a.token));
	forget_test_copies();
	assert_somewhere(&a.key);

	/* SIGHUP: IMDS now */
	cb = agent_config(1, AMP_CREDS_IMDS);
	assert_int_equal(amp_agent_reload(cb), AMP_OK);
	amp_config_wipe_secrets(ca);
	port_test_advance_ms(MIN_MS);
	serve(plain_answer("AQAEAimdsTokenxxxxxxxxxxxxxxxxxxxxxxxxxxx=="), NULL);
	serve(plain_answer("gateway-role"), NULL);
	serve(imds_doc(&b, "ASIARELOADB", 60 * MIN_MS), NULL);
	receiver = serve(ok_response, NULL);
	derived_keys(&b.key, amp_clock_now_ms(), b.derived);
	agent_push_ok();
	assert_true(sent_secret(receiver, &b.token));
	forget_test_copies();
	assert_set_nowhere(&a);
	assert_somewhere(&b.key);

	/* SIGHUP again, the same source: the new provider's source must still work after the old one let go */
	cc = agent_config(2, AMP_CREDS_IMDS);
	assert_int_equal(amp_agent_reload(cc), AMP_OK);
	amp_config_wipe_secrets(cb);
	port_test_advance_ms(MIN_MS);
	serve(plain_answer("AQAEAimdsTokenyyyyyyyyyyyyyyyyyyyyyyyyyyy=="), NULL);
	serve(plain_answer("gateway-role"), NULL);
	serve(imds_doc(&c, "ASIARELOADC", 60 * MIN_MS), NULL);
	receiver = serve(ok_response, NULL);
	derived_keys(&c.key, amp_clock_now_ms(), c.derived);
	agent_push_ok();
	assert_true(sent_secret(receiver, &c.token));
	forget_test_copies();
	assert_set_nowhere(&b);
	assert_somewhere(&c.key);

	/* exit, as main.c ends */
	amp_agent_stop();
	amp_config_wipe_secrets(cc);
	assert_set_nowhere(&c);
}

/*
 * A reload that fails after the new provider had set the sources up (here IMDS, whose endpoint the new
 * configuration gets wrong) leaves the old provider in force: it sets its sources up again and fetches.
 */
static void test_failed_reload_keeps_the_old_provider_working(void **state)
{
	static struct amp_creds_provider next;
	static struct aws_set a, b;
	const struct amp_creds *cr;
	struct amp_config *bad;

	(void)state;
	make_set(&a, "before the reload", 40, 300);
	make_set(&b, "after the failed reload", 40, 300);
	cfg.sigv4_enabled = true;
	cfg.credentials = AMP_CREDS_IMDS;
	assert_int_equal(amp_push_setup(&push, &cfg), AMP_OK);
	serve(plain_answer("AQAEAimdsTokenxxxxxxxxxxxxxxxxxxxxxxxxxxx=="), NULL);
	serve(plain_answer("gateway-role"), NULL);
	serve(imds_doc(&a, "ASIABEFORE", 60 * MIN_MS), NULL);
	assert_int_equal(amp_creds_get(&push.creds, &cr, NULL, 0), AMP_OK);
	forget_test_copies();

	bad = &cfgs[0];
	*bad = cfg;
	strcpy(bad->imds_endpoint, "https://169.254.169.254"); /* IMDS speaks http only */
	amp_creds_init(&next);
	assert_int_equal(amp_creds_setup(&next, bad), AMP_ERR_CONFIG);
	amp_creds_free(&next);

	/* the refresh: a new IMDS token (the failed set-up wiped the old one), then B */
	port_test_advance_ms(56 * MIN_MS);
	serve(plain_answer("AQAEAimdsTokenyyyyyyyyyyyyyyyyyyyyyyyyyyy=="), NULL);
	serve(plain_answer("gateway-role"), NULL);
	serve(imds_doc(&b, "ASIAAFTER", 60 * MIN_MS), NULL);
	assert_int_equal(amp_creds_get(&push.creds, &cr, NULL, 0), AMP_OK);
	assert_string_equal(cr->access_key, "ASIAAFTER");
	forget_test_copies();
	{
		const struct secret *v[2] = {&a.key, &a.token};

		assert_nowhere(v, 2);
	}
}

/* ---- the IoT device's private key ---- */

/*
 * The private key file read by amp_tls_set_client_cert and freed by amp_tls_free (at a reload, at exit):
 * neither its PEM text nor the private scalar stays. In memory mbedTLS keeps the scalar as little-endian
 * limbs: the scalar's bytes reversed, which the scan finds while the key is loaded.
 */
static void test_device_key_leaves_no_copy(void **state)
{
	static struct amp_tls tls;
	static char pem[4096];
	static struct secret pem_line, scalar;
	unsigned char d[32];
	mbedtls_pk_context pk;
	char key[300], crt[300], cmd[1024];
	const char *line;
	size_t n = 0;
	int fd;

	(void)state;
	snprintf(key, sizeof(key), "%s/device.key", test_files_dir);
	snprintf(crt, sizeof(crt), "%s/device.crt", test_files_dir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s "
		 "-out %s -subj /CN=device -days 2 >/dev/null 2>&1", key, crt);
	assert_int_equal(system(cmd), 0);
	/* the needles: the PEM's first full line of base64, and the scalar reversed */
	fd = open(key, O_RDONLY);
	assert_true(fd >= 0);
	for (ssize_t got; (got = read(fd, pem + n, sizeof(pem) - 1 - n)) > 0;)
		n += (size_t)got;
	close(fd);
	pem[n] = '\0';
	line = strchr(pem, '\n');
	assert_non_null(line);
	mbedtls_pk_init(&pk);
	assert_int_equal(mbedtls_pk_parse_key(&pk, (const unsigned char *)pem, n + 1, NULL, 0), 0);
	mask_into(&pem_line, "device key PEM", (unsigned char *)line + 1, 64);
	amp_secret_wipe(pem, sizeof(pem));
	assert_int_equal(mbedtls_mpi_write_binary(&mbedtls_pk_ec(pk)->d, d, sizeof(d)), 0);
	mbedtls_pk_free(&pk);
	for (size_t i = 0; i < sizeof(d) / 2; i++) {
		unsigned char t = d[i];

		d[i] = d[sizeof(d) - 1 - i];
		d[sizeof(d) - 1 - i] = t;
	}
	mask_into(&scalar, "device key scalar", d, sizeof(d));
	{
		const struct secret *v[2] = {&pem_line, &scalar};

		/* the test's own reading left nothing: what a later scan finds is the agent's */
		assert_nowhere(v, 2);
		amp_tls_init(&tls);
		assert_int_equal(amp_tls_setup(&tls, true, crt, 1000), AMP_OK);
		assert_int_equal(amp_tls_set_client_cert(&tls, crt, key), AMP_OK);
		assert_somewhere(&scalar);
		amp_tls_free(&tls);
		assert_nowhere(v, 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_imds_refresh_leaves_no_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credentials_file_rewrite_leaves_no_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_off_answer_leaves_no_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_rotation_leaves_no_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bearer_file_rotation_leaves_no_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_file_rotation_leaves_no_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_and_exit_leave_no_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_reload_keeps_the_old_provider_working, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_key_leaves_no_copy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, test_files_setup, test_files_teardown);
}
