/*
 * Tests of the credential provider and its sources on the test port: scripted IMDS and container
 * answers, a settable clock, environment and files. Rotation, refresh margin with jitter, outages with
 * backoff, token reuse, and every kind of bad answer (each a clear error, never a crash or a secret).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "creds.h"
#include "creds_internal.h"
#include "port_test.h"
#include "test_files.h"

/* Every secret holds SENTINEL: no log line, error text or buffer left behind may contain it. */
#define SENTINEL "SENTINEL"
#define MIN_MS (60u * 1000u)

static struct amp_config cfg;
static struct amp_creds_provider prov;
static char answers[48][6144];
static unsigned answer_count;

static int setup(void **state)
{
	(void)state;
	port_test_reset();
	amp_clock_reset();
	amp_config_defaults(&cfg);
	snprintf(cfg.source, sizeof(cfg.source), "test.ini");
	cfg.sigv4_enabled = true;
	strcpy(cfg.region, "us-east-1");
	cfg.credentials = AMP_CREDS_IMDS;
	cfg.refresh_margin_ms = 5 * MIN_MS;
	amp_creds_init(&prov);
	answer_count = 0;
	port_test_set_monotonic_ms(1000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	amp_creds_free(&prov);
	return 0;
}


/* An HTTP answer kept for the whole test (the test port hands out pointers). */
static const char *answer(int status, const char *body)
{
	char *b;

	assert_true(answer_count < sizeof(answers) / sizeof(answers[0]));
	b = answers[answer_count++];
	snprintf(b, sizeof(answers[0]), "HTTP/1.1 %d Status\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
		 status, strlen(body), body);
	return b;
}

static const char *raw(const char *bytes)
{
	char *b;

	assert_true(answer_count < sizeof(answers) / sizeof(answers[0]));
	b = answers[answer_count++];
	snprintf(b, sizeof(answers[0]), "%s", bytes);
	return b;
}

static struct port_test_conn *serve(const char *response)
{
	struct port_test_conn *c = port_test_add_conn(AMP_OK);

	assert_non_null(c);
	port_test_add_recv(c, response);
	return c;
}

/* An IMDS / ECS credentials document expiring `in_ms` from the wall clock now. */
static const char *aws_doc(const char *id, int n, int64_t in_ms)
{
	static char doc[48][1024];
	static unsigned next;
	char when[32];
	char *d = doc[next++ % 48];

	amp_clock_format_iso8601(port_realtime_ms() + in_ms, when, sizeof(when));
	snprintf(d, sizeof(doc[0]),
		 "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-11-26T10:00:00Z\",\n  \"Type\" : \"AWS-HMAC\",\n"
		 "  \"AccessKeyId\" : \"%s\",\n  \"SecretAccessKey\" : \"secret%d" SENTINEL "\",\n"
		 "  \"Token\" : \"token%d" SENTINEL "\\/x\",\n  \"Expiration\" : \"%s\"\n}", id, n, n, when);
	return d;
}

/* The three IMDSv2 exchanges of a first fetch (token, role, credentials); returns the token's connection. */
static struct port_test_conn *script_imds(const char *doc, bool with_token)
{
	struct port_test_conn *t = NULL;

	if (with_token)
		t = serve(answer(200, "AQAEAtokenSENTINEL=="));
	serve(answer(200, "gateway-role\n"));
	serve(answer(200, doc));
	return t;
}

static bool sent_has(const struct port_test_conn *c, const char *text)
{
	return memmem(c->sent, c->sent_len, text, strlen(text)) != NULL;
}

/* Runs amp_creds_get with stderr captured; the log goes to `log`. */
static int get_captured(const struct amp_creds **out, char *why, size_t cap, char *log, size_t log_cap)
{
	FILE *f = tmpfile();
	int saved, rc;
	size_t n;

	assert_non_null(f);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(f), 2);
	rc = amp_creds_get(&prov, out, why, cap);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(log, 1, log_cap - 1, f);
	log[n] = '\0';
	fclose(f);
	return rc;
}

/* amp_creds_get that must succeed; checks that no secret reached the log or the reason. */
static const struct amp_creds *get_ok(void)
{
	const struct amp_creds *c = NULL;
	char why[512] = "";
	char log[4096];

	if (get_captured(&c, why, sizeof(why), log, sizeof(log)) != AMP_OK)
		fail_msg("amp_creds_get failed: %s", why);
	if (strstr(log, SENTINEL) != NULL)
		fail_msg("a secret reached the log");
	return c;
}

/* amp_creds_get that must fail; `why` gets the reason, checked for secrets. */
static void get_fails(char *why, size_t cap)
{
	const struct amp_creds *c = (const struct amp_creds *)1;
	char log[4096];

	assert_int_equal(get_captured(&c, why, cap, log, sizeof(log)), AMP_ERR_AUTH);
	assert_null(c);
	if (strstr(log, SENTINEL) != NULL || strstr(why, SENTINEL) != NULL)
		fail_msg("a secret reached the log or the reason");
}

/* No secret may stay behind in the shared HTTP client after a fetch. */
static void assert_http_wiped(void)
{
	const struct amp_http_client *c = amp_creds_http();

	if (memmem(c, sizeof(*c), SENTINEL, strlen(SENTINEL)) != NULL)
		fail_msg("a secret stayed in the HTTP client's buffers");
}

/* ---- IMDSv2 ---- */

static void test_imds_first_fetch(void **state)
{
	struct port_test_conn *tok;
	const struct amp_creds *c;
	int64_t exp;

	(void)state;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	tok = script_imds(aws_doc("ASIAFIRST", 1, 60 * MIN_MS), true);
	exp = port_realtime_ms() + 60 * MIN_MS;
	c = get_ok();
	assert_string_equal(c->access_key, "ASIAFIRST");
	assert_string_equal(c->secret_key, "secret1" SENTINEL);
	assert_string_equal(c->session_token, "token1" SENTINEL "/x");
	/* the document's time has whole seconds */
	assert_true(c->expiration_ms == exp / 1000 * 1000);
	assert_string_equal(c->origin, "IMDSv2 role gateway-role");
	assert_int_equal(port_test_connections(), 3);
	/* the token request, then the token on both GETs, to IMDS's address */
	assert_string_equal(tok->host, "169.254.169.254");
	assert_int_equal(tok->port, 80);
	assert_true(sent_has(tok, "PUT /latest/api/token HTTP/1.1\r\n"));
	assert_true(sent_has(tok, "\r\nX-aws-ec2-metadata-token-ttl-seconds: 21600\r\n"));
	assert_true(sent_has(tok, "\r\nContent-Length: 0\r\n"));
	assert_true(sent_has(tok + 1, "GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\r\n"));
	assert_true(sent_has(tok + 1, "\r\nX-aws-ec2-metadata-token: AQAEAtokenSENTINEL==\r\n"));
	assert_true(sent_has(tok + 2, "GET /latest/meta-data/iam/security-credentials/gateway-role HTTP/1.1\r\n"));
	assert_true(sent_has(tok + 2, "\r\nX-aws-ec2-metadata-token: AQAEAtokenSENTINEL==\r\n"));
	for (int i = 0; i < 3; i++)
		assert_true(tok[i].closed);
	assert_http_wiped();
	/* held: no fetch until the refresh is due */
	for (int i = 0; i < 10; i++) {
		port_test_advance_ms(MIN_MS);
		assert_ptr_equal(get_ok(), c);
	}
	assert_int_equal(prov.fetches, 1);
	assert_int_equal(port_test_connections(), 3);
}

/*
 * Refresh ahead of Expiration by the margin plus up to half of it, every time at a different point
 * (jitter), with the token reused; the rotated keys replace the old ones, which are wiped.
 */
static void test_imds_refresh_margin_jitter_and_rotation(void **state)
{
	uint64_t due[6];
	const struct amp_creds *c;
	char old_secret[64];

	(void)state;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	script_imds(aws_doc("ASIA0", 0, 60 * MIN_MS), true);
	c = get_ok();
	for (int round = 1; round <= 5; round++) {
		uint64_t fetched_at = port_monotonic_ms();

		due[round] = prov.due_mono;
		/* 60 min valid, margin 5 min, jitter up to 2.5 min: due 52.5 to 55 min after the fetch */
		assert_true(due[round] >= fetched_at + 52 * MIN_MS + 30000 - 1000); /* the document has whole seconds */
		assert_true(due[round] <= fetched_at + 55 * MIN_MS);
		snprintf(old_secret, sizeof(old_secret), "%.60s", c->secret_key);
		port_test_clear_conns();
		port_test_advance_ms(due[round] - 1 - fetched_at);
		assert_int_equal(get_ok()->secret_key[6], old_secret[6]);
		assert_int_equal(port_test_connections(), 0);
		/* token still valid (6 h): only the role and the credentials are asked for */
		serve(answer(200, "gateway-role"));
		serve(answer(200, aws_doc("ASIANEXT", round, 60 * MIN_MS)));
		port_test_advance_ms(1);
		c = get_ok();
		assert_int_equal(port_test_connections(), 2);
		assert_int_equal(c->secret_key[6], '0' + round);
		assert_int_equal(prov.generation, (uint64_t)round + 1);
		/* the previous secret is nowhere in the provider any more */
		if (memmem(&prov, sizeof(prov), old_secret, strlen(old_secret)) != NULL)
			fail_msg("round %d: the replaced secret was not wiped", round);
		assert_http_wiped();
	}
	/* jitter: not all refreshes at the same offset before expiry */
	assert_true(due[2] - due[1] != due[3] - due[2] || due[4] - due[3] != due[5] - due[4]);
}

/*
 * IMDS goes away for longer than the refresh margin: the credentials in hand stay in use until they
 * expire, the source is asked again with growing pauses, and the first answer after it is back wins.
 */
static void test_imds_outage_backoff(void **state)
{
	const struct amp_creds *c;
	uint64_t start, last_try = 0, prev_pause = 0;
	unsigned tries = 0;
	char why[512];

	(void)state;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	script_imds(aws_doc("ASIAOLD", 1, 20 * MIN_MS), true);
	c = get_ok();
	start = port_monotonic_ms();
	port_test_clear_conns(); /* nothing scripted: every connect is refused */
	/* step through the outage second by second until the credentials expire */
	while (port_monotonic_ms() < start + 20 * MIN_MS - 1000) {
		uint64_t before = prov.fetches;

		port_test_advance_ms(1000);
		c = get_ok();
		assert_string_equal(c->access_key, "ASIAOLD");
		if (prov.fetches != before) {
			uint64_t now = port_monotonic_ms();

			if (tries >= 2) {
				uint64_t pause = now - last_try;
				uint64_t left = start + 20 * MIN_MS - last_try;

				/* capped exponential, each at least half the last one, unless capped at half of
				 * what the credentials had left: near expiry the tries come closer */
				assert_true(pause * 2 >= prev_pause || pause <= left / 2 + 1000);
				assert_true(pause <= AMP_CREDS_BACKOFF_MAX_MS + 1000);
				prev_pause = pause;
			} else if (tries == 1) {
				prev_pause = now - last_try;
			}
			last_try = now;
			tries++;
		}
	}
	/* the first try at the margin (15 min in), then roughly 1, 2, 4, ... 120 s pauses, closer at the end */
	assert_true(tries >= 6 && tries <= 40);
	/* the last try came in the last seconds of the credentials' life */
	assert_true(last_try >= start + 20 * MIN_MS - 3000);
	assert_true(prov.failures == tries);
	/* expired: nothing to sign with, and the reason says why */
	port_test_advance_ms(2000);
	get_fails(why, sizeof(why));
	assert_non_null(strstr(why, "waiting for credentials: imds: connect to 169.254.169.254:80"));
	/* IMDS is back: the next try after the pause gets new credentials (the token is still good) */
	serve(answer(200, "gateway-role"));
	serve(answer(200, aws_doc("ASIANEW", 2, 60 * MIN_MS)));
	port_test_advance_ms(AMP_CREDS_BACKOFF_MAX_MS + 1000);
	c = get_ok();
	assert_string_equal(c->access_key, "ASIANEW");
	assert_int_equal(prov.failures, 0);
	assert_int_equal(prov.backoff_ms, 0);
}

/* Credentials already inside the margin (IMDS had not rotated yet) are used, and asked for again soon. */
static void test_imds_not_rotated_yet(void **state)
{
	const struct amp_creds *c;

	(void)state;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	script_imds(aws_doc("ASIALATE", 1, 4 * MIN_MS), true);
	c = get_ok();
	assert_string_equal(c->access_key, "ASIALATE");
	assert_true(prov.due_mono <= port_monotonic_ms() + AMP_CREDS_BACKOFF_MIN_MS);
	serve(answer(200, "gateway-role"));
	serve(answer(200, aws_doc("ASIAROTATED", 2, 60 * MIN_MS)));
	port_test_advance_ms(AMP_CREDS_BACKOFF_MIN_MS);
	assert_string_equal(get_ok()->access_key, "ASIAROTATED");
}

/* A token IMDS no longer accepts (401) gets one new token and one more try. */
static void test_imds_token_expired(void **state)
{
	struct port_test_conn *again;

	(void)state;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	script_imds(aws_doc("ASIA1", 1, 60 * MIN_MS), true);
	(void)get_ok();
	port_test_clear_conns();
	serve(answer(401, ""));
	again = serve(answer(200, "NEWTOKEN"));
	serve(answer(200, "gateway-role"));
	serve(answer(200, aws_doc("ASIA2", 2, 60 * MIN_MS)));
	assert_int_equal(amp_creds_refresh_now(&prov), 1);
	assert_true(sent_has(again, "PUT /latest/api/token"));
	assert_true(sent_has(again + 1, "X-aws-ec2-metadata-token: NEWTOKEN\r\n"));
	assert_string_equal(get_ok()->access_key, "ASIA2");
}

/* IMDSv1 only when allowed: without a token the GETs carry no token header. */
static void test_imds_v1_fallback(void **state)
{
	struct port_test_conn *role;
	char why[512];

	(void)state;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	serve(answer(404, "Not Found"));
	get_fails(why, sizeof(why));
	assert_string_equal(why, "waiting for credentials: imds: IMDS token request answered 404: Not Found "
				 "(no IMDSv2; imds_v1_fallback = true allows IMDSv1)");
	assert_int_equal(port_test_connections(), 1);

	amp_creds_free(&prov);
	port_test_clear_conns();
	cfg.imds_v1_fallback = true;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	serve(answer(405, ""));
	role = serve(answer(200, "gateway-role"));
	serve(answer(200, aws_doc("ASIAV1", 1, 60 * MIN_MS)));
	assert_string_equal(get_ok()->origin, "IMDSv1 role gateway-role");
	assert_false(sent_has(role, "X-aws-ec2-metadata-token"));
}

/* A token request nobody answers (a container behind a hop limit of 1) costs one short timeout. */
static void test_imds_token_timeout(void **state)
{
	struct port_test_conn *c;
	uint64_t start;
	char why[512];

	(void)state;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	c = port_test_add_conn(AMP_OK);
	port_test_add_recv_rc(c, AMP_ERR_TIMEOUT);
	start = port_monotonic_ms();
	get_fails(why, sizeof(why));
	assert_true(port_monotonic_ms() - start <= 1000);
	assert_non_null(strstr(why, "(token request unanswered: not on EC2, or in a container behind a hop limit of 1)"));
}

/* The endpoint comes from the key, else AWS_EC2_METADATA_SERVICE_ENDPOINT; AWS_EC2_METADATA_DISABLED turns IMDS off. */
static void test_imds_endpoint_and_disabled(void **state)
{
	struct port_test_conn *tok;
	char why[512];

	(void)state;
	port_test_setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://[fd00:ec2::254]");
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	tok = script_imds(aws_doc("ASIA6", 1, 60 * MIN_MS), true);
	(void)get_ok();
	assert_string_equal(tok->host, "fd00:ec2::254");
	assert_true(sent_has(tok, "\r\nHost: [fd00:ec2::254]\r\n"));

	amp_creds_free(&prov);
	port_test_clear_conns();
	strcpy(cfg.imds_endpoint, "http://localhost:1338");
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	tok = script_imds(aws_doc("ASIA7", 1, 60 * MIN_MS), true);
	(void)get_ok();
	assert_string_equal(tok->host, "localhost");
	assert_int_equal(tok->port, 1338);

	amp_creds_free(&prov);
	port_test_setenv("AWS_EC2_METADATA_DISABLED", "TRUE");
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	get_fails(why, sizeof(why));
	assert_string_equal(why, "waiting for credentials: imds: AWS_EC2_METADATA_DISABLED is true");
}

struct bad_answer {
	const char *name;
	const char *role;      /* the role answer (raw bytes) */
	const char *creds;     /* the credentials answer (raw bytes); NULL: none scripted */
	int creds_rc;          /* with creds NULL: what recv returns instead (0: nothing scripted) */
	const char *why;       /* expected reason after "waiting for credentials: imds: " */
};

#define OK_ROLE "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nrole"

/* Every bad answer of IMDS is a clear, one-line reason; nothing crashes, nothing secret is shown. */
static void test_imds_bad_answers(void **state)
{
	static char big[8192];
	static char big_answer[9000];
	const struct bad_answer cases[] = {
		{"no role", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", NULL, 0,
		 "no IAM role attached to this instance (IMDS answered 404)"},
		{"role error", "HTTP/1.1 500 Internal\r\nContent-Length: 5\r\n\r\noops\n", NULL, 0,
		 "IMDS role request answered 500: oops"},
		{"role not a name", "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n<html></ht>", NULL, 0,
		 "IMDS role answer is not a role name"},
		{"bad json", OK_ROLE, "{\"Code\":\"Succ", 0,
		 "IMDS credentials document: not valid JSON: byte 13: string without its closing quote"},
		{"html", OK_ROLE, "<html>captive portal</html>", 0,
		 "IMDS credentials document: not valid JSON: byte 0: unexpected character"},
		{"not an object", OK_ROLE, "[]", 0, "IMDS credentials document: not a JSON object"},
		{"code", OK_ROLE, "{\"Code\":\"Failed\"}", 0,
		 "IMDS credentials document: Code is not \"Success\""},
		{"no secret", OK_ROLE, "{\"AccessKeyId\":\"ASIA\"}", 0,
		 "IMDS credentials document: no \"SecretAccessKey\""},
		{"number key", OK_ROLE, "{\"AccessKeyId\":7}", 0,
		 "IMDS credentials document: not a string: \"AccessKeyId\""},
		{"bad date", OK_ROLE,
		 "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S" SENTINEL "\",\"Token\":\"T\",\"Expiration\":\"tomorrow\"}",
		 0, "IMDS credentials document: \"Expiration\" is not an ISO 8601 date-time"},
		{"expired", OK_ROLE,
		 "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S" SENTINEL "\",\"Token\":\"T\",\"Expiration\":\"2020-01-01T00:00:00Z\"}",
		 0, NULL /* checked by prefix below */},
		{"bad key id", OK_ROLE,
		 "{\"AccessKeyId\":\"A K\",\"SecretAccessKey\":\"S" SENTINEL "\",\"Token\":\"T\",\"Expiration\":\"2999-01-01T00:00:00Z\"}",
		 0, "the access key id is empty or holds characters other than letters, digits and '_'"},
		{"secret with space", OK_ROLE,
		 "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S " SENTINEL "\",\"Token\":\"T\",\"Expiration\":\"2999-01-01T00:00:00Z\"}",
		 0, "the secret key or session token is empty or holds whitespace or non-ASCII (not shown)"},
		{"empty token", OK_ROLE,
		 "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S" SENTINEL "\",\"Token\":\"\",\"Expiration\":\"2999-01-01T00:00:00Z\"}",
		 0, "IMDS credentials document: \"Token\" is empty"},
		{"http error", OK_ROLE, "HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n\r\n", 0,
		 "IMDS credentials request answered 503"},
		{"truncated", OK_ROLE, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"AccessKeyId\":", 0,
		 "bad HTTP response from 169.254.169.254: connection closed inside the response"},
		{"garbage", OK_ROLE, "SSH-2.0-OpenSSH\r\n\r\n", 0,
		 "bad HTTP response from 169.254.169.254: bad status line"},
		{"slow", OK_ROLE, NULL, AMP_ERR_TIMEOUT, "169.254.169.254:80: no complete answer in time"},
		{"closed at once", OK_ROLE, NULL, AMP_ERR_CLOSED,
		 "169.254.169.254:80: closed the connection without answering"},
		{"too large", OK_ROLE, big_answer, 0, NULL},
	};
	char why[512];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[0] = '"';
	big[sizeof(big) - 2] = '"';
	snprintf(big_answer, sizeof(big_answer), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(big), big);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_answer *k = &cases[i];
		char want[600];
		struct port_test_conn *c;

		amp_creds_free(&prov);
		port_test_clear_conns();
		answer_count = 0;
		assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
		serve(answer(200, "tok"));
		serve(raw(k->role));
		if (k->creds != NULL) {
			/* a whole answer is scripted as it is; a document gets a 200 head with its length */
			serve(k->creds == big_answer ? big_answer :
			      strncmp(k->creds, "HTTP/", 5) == 0 || strncmp(k->creds, "SSH", 3) == 0 ? raw(k->creds) :
			      answer(200, k->creds));
		} else if (k->creds_rc != 0) {
			c = port_test_add_conn(AMP_OK);
			port_test_add_recv_rc(c, k->creds_rc);
		}
		get_fails(why, sizeof(why));
		if (k->why != NULL) {
			snprintf(want, sizeof(want), "waiting for credentials: imds: %s", k->why);
			if (strcmp(why, want) != 0)
				fail_msg("case \"%s\":\n got  %s\n want %s", k->name, why, want);
		} else {
			if (strcmp(k->name, "expired") == 0)
				snprintf(want, sizeof(want), "credentials expired at 2020-01-01T00:00:00Z already");
			else
				snprintf(want, sizeof(want), "document of %zu bytes is larger than "
					 "CONFIG_HTTP_RESPONSE_BUF_BYTES (%d)", strlen(big), CONFIG_HTTP_RESPONSE_BUF_BYTES);
			if (strstr(why, want) == NULL)
				fail_msg("case \"%s\": %s", k->name, why);
		}
		assert_false(prov.have);
		assert_http_wiped();
	}
}

/* ---- containers (ECS, EKS Pod Identity, Greengrass) ---- */

static void test_container_sources(void **state)
{
	struct port_test_conn *c;
	char path[256];
	char why[512];
	FILE *f;

	(void)state;
	cfg.credentials = AMP_CREDS_CONTAINER;
	/* not configured: said so */
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	get_fails(why, sizeof(why));
	assert_string_equal(why, "waiting for credentials: container: neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
				 "_FULL_URI is set");
	/* ECS: a path on 169.254.170.2, no token */
	amp_creds_free(&prov);
	port_test_setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc-123");
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	c = serve(answer(200, aws_doc("ASIAECS", 1, 60 * MIN_MS)));
	assert_string_equal(get_ok()->access_key, "ASIAECS");
	assert_string_equal(c->host, "169.254.170.2");
	assert_true(sent_has(c, "GET /v2/credentials/abc-123 HTTP/1.1\r\n"));
	assert_false(sent_has(c, "Authorization"));
	/* Greengrass: a full URI on loopback with the token from the environment */
	amp_creds_free(&prov);
	port_test_setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", NULL);
	port_test_setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://localhost:34567/2016-11-01/credentialprovider/");
	port_test_setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ggToken" SENTINEL);
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	c = serve(answer(200, aws_doc("ASIAGG", 1, 60 * MIN_MS)));
	assert_string_equal(get_ok()->origin, "the container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)");
	assert_int_equal(c->port, 34567);
	assert_true(sent_has(c, "GET /2016-11-01/credentialprovider/ HTTP/1.1\r\n"));
	assert_true(sent_has(c, "\r\nAuthorization: ggToken" SENTINEL "\r\n"));
	/* the token file wins over the variable, and is read at every fetch (EKS rotates it) */
	snprintf(path, sizeof(path), "%s/eks-token", test_files_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("fileToken1" SENTINEL "\n", f);
	fclose(f);
	port_test_setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path);
	c = serve(answer(200, aws_doc("ASIAGG2", 2, 60 * MIN_MS)));
	assert_int_equal(amp_creds_refresh_now(&prov), 1);
	assert_true(sent_has(c, "\r\nAuthorization: fileToken1" SENTINEL "\r\n"));
	/* refused: the endpoint's first line is the reason */
	c = serve(answer(401, "{\"message\":\"invalid authorization token\"}"));
	assert_int_equal(amp_creds_refresh_now(&prov), 0);
	assert_string_equal(prov.why, "container: container credentials endpoint answered 401: "
				      "{\"message\":\"invalid authorization token\"}");
	/* a token with a line break would inject a header: refused */
	f = fopen(path, "w");
	fputs("a" SENTINEL "\r\nX-Evil: 1\n", f);
	fclose(f);
	assert_int_equal(amp_creds_refresh_now(&prov), 0);
	assert_string_equal(prov.why, "container: the container authorization token holds a control character (not shown)");
	/* plain http to anything but loopback or the container host is a configuration error */
	amp_creds_free(&prov);
	port_test_setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://credentials.example.com/creds");
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_ERR_CONFIG);
}

/* The container endpoint's bad answers: each a one-line reason naming the source, the secrets unshown. */
static void test_container_bad_answers(void **state)
{
	static const struct {
		const char *name;
		const char *answer;   /* a document (answered 200) or a whole answer ("HTTP/..."); NULL: rc below */
		int rc;               /* with answer NULL: what connect (AMP_ERR_CONNECT) or recv returns */
		const char *why;
	} cases[] = {
		{"bad json", "{\"AccessKeyId\":", 0,
		 "container credentials document: not valid JSON: byte 15: unexpected end of the document"},
		{"wrong content", "<html><body>Sign in to the Wi-Fi</body></html>", 0,
		 "container credentials document: not valid JSON: byte 0: unexpected character"},
		{"no expiration", "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S" SENTINEL "\",\"Token\":\"T\"}", 0,
		 "container credentials document: no \"Expiration\""},
		{"duplicate key", "{\"AccessKeyId\":\"A\",\"AccessKeyId\":\"B\"}", 0,
		 "container credentials document: not valid JSON: byte 19: duplicate key"},
		{"server error", "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 12\r\n\r\nbackend down", 0,
		 "container credentials endpoint answered 500: backend down"},
		{"truncated", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"A", 0,
		 "bad HTTP response from 127.0.0.1: connection closed inside the response"},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0,
		 "bad HTTP response from 127.0.0.1: bad chunk size"},
		{"slow", NULL, AMP_ERR_TIMEOUT, "127.0.0.1:8080: no complete answer in time"},
		{"refused", NULL, AMP_ERR_CONNECT, "connect to 127.0.0.1:8080: connection failed"},
	};
	char why[512];
	char want[600];

	(void)state;
	cfg.credentials = AMP_CREDS_CONTAINER;
	port_test_setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/creds");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t start;

		amp_creds_free(&prov);
		port_test_clear_conns();
		answer_count = 0;
		assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
		if (cases[i].answer != NULL)
			serve(strncmp(cases[i].answer, "HTTP/", 5) == 0 ? raw(cases[i].answer) : answer(200, cases[i].answer));
		else if (cases[i].rc == AMP_ERR_CONNECT)
			port_test_add_conn(AMP_ERR_CONNECT);
		else
			port_test_add_recv_rc(port_test_add_conn(AMP_OK), cases[i].rc);
		start = port_monotonic_ms();
		get_fails(why, sizeof(why));
		snprintf(want, sizeof(want), "waiting for credentials: container: %s", cases[i].why);
		if (strcmp(why, want) != 0)
			fail_msg("case \"%s\":\n got  %s\n want %s", cases[i].name, why, want);
		/* a slow endpoint costs the container timeout (2 s) at most */
		assert_true(port_monotonic_ms() - start <= 2000);
		assert_false(prov.have);
		assert_http_wiped();
	}
}

/* ---- environment, static keys, the shared credentials file ---- */

static void test_env_and_static(void **state)
{
	const struct amp_creds *c;
	char why[512];

	(void)state;
	cfg.credentials = AMP_CREDS_ENV;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	get_fails(why, sizeof(why));
	assert_string_equal(why, "waiting for credentials: env: AWS_ACCESS_KEY_ID is not set");
	port_test_setenv("AWS_ACCESS_KEY_ID", "AKIAENV");
	port_test_advance_ms(AMP_CREDS_BACKOFF_MAX_MS);
	get_fails(why, sizeof(why));
	assert_string_equal(why, "waiting for credentials: env: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
	port_test_setenv("AWS_SECRET_ACCESS_KEY", "envSecret" SENTINEL);
	port_test_setenv("AWS_SESSION_TOKEN", "envToken" SENTINEL);
	port_test_advance_ms(AMP_CREDS_BACKOFF_MAX_MS);
	c = get_ok();
	assert_string_equal(c->access_key, "AKIAENV");
	assert_string_equal(c->session_token, "envToken" SENTINEL);
	assert_true(c->expiration_ms == 0);
	/* long-term: never fetched again, and a refresh gives nothing new (the request is not sent again) */
	assert_true(amp_creds_next_fetch(&prov) == UINT64_MAX);
	assert_int_equal(amp_creds_refresh_now(&prov), 0);

	amp_creds_free(&prov);
	cfg.credentials = AMP_CREDS_STATIC;
	strcpy(cfg.access_key, "AKIASTATIC");
	strcpy(cfg.secret_key, "staticSecret" SENTINEL);
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	c = get_ok();
	assert_string_equal(c->access_key, "AKIASTATIC");
	assert_string_equal(c->session_token, "");
	assert_string_equal(c->origin, "[sigv4] in test.ini");
	for (int i = 0; i < 100; i++)
		(void)get_ok();
	assert_int_equal(prov.fetches, 1);
	assert_int_equal(amp_creds_refresh_now(&prov), 0);
	amp_creds_free(&prov);
	if (memmem(&prov, sizeof(prov), SENTINEL, strlen(SENTINEL)) != NULL)
		fail_msg("amp_creds_free left a secret behind");
}

static void test_shared_credentials_file(void **state)
{
	static char long_token[1600];
	static char text[4096];
	char path[256];
	char why[512];
	const struct amp_creds *c;

	(void)state;
	memset(long_token, 'T', sizeof(long_token) - 1);
	memcpy(long_token, SENTINEL, strlen(SENTINEL));
	snprintf(path, sizeof(path), "%s/credentials", test_files_dir);
	/* ~/.aws/credentials from HOME, profile from AWS_PROFILE */
	snprintf(text, sizeof(text), "%s", test_files_dir);
	port_test_setenv("HOME", text);
	port_test_setenv("AWS_PROFILE", "gateway");
	cfg.credentials = AMP_CREDS_FILE;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	get_fails(why, sizeof(why));
	snprintf(text, sizeof(text), "waiting for credentials: file: %s/.aws/credentials: cannot read: not found", test_files_dir);
	assert_string_equal(why, text);
	/* AWS_SHARED_CREDENTIALS_FILE names another file; a token longer than inih's lines is fine here */
	amp_creds_free(&prov);
	port_test_setenv("AWS_SHARED_CREDENTIALS_FILE", path);
	snprintf(text, sizeof(text),
		 "# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d" SENTINEL "\n\n"
		 "[gateway]\r\nAWS_ACCESS_KEY_ID=ASIAGW1\r\naws_secret_access_key =  gw1" SENTINEL "  \r\n"
		 "aws_session_token = %s\r\nregion = eu-west-1\n[other]\naws_access_key_id = AKIAOTHER\n", long_token);
	test_files_replace(path, text);
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	c = get_ok();
	assert_string_equal(c->access_key, "ASIAGW1");
	assert_string_equal(c->secret_key, "gw1" SENTINEL);
	assert_string_equal(c->session_token, long_token);
	snprintf(text, sizeof(text), "%s [gateway]", path);
	assert_string_equal(c->origin, text);
	/* unchanged file: not read again */
	for (int i = 0; i < 5; i++)
		(void)get_ok();
	assert_int_equal(prov.fetches, 1);
	/* an external rotator replaces the file: the next get reads it */
	test_files_replace(path, "[gateway]\naws_access_key_id = ASIAGW2\naws_secret_access_key = gw2" SENTINEL "\n");
	c = get_ok();
	assert_string_equal(c->access_key, "ASIAGW2");
	assert_string_equal(c->session_token, "");
	assert_int_equal(prov.generation, 2);
	/* a broken rewrite keeps the keys in use and says why */
	test_files_replace(path, "[gateway]\naws_access_key_id = ASIAGW3\n  aws_secret_access_key = x\n");
	c = get_ok();
	assert_string_equal(c->access_key, "ASIAGW2");
	snprintf(text, sizeof(text), "file: %s:3: indented line in [gateway]", path);
	assert_string_equal(prov.why, text);
	test_files_replace(path, "[gateway]\naws_access_key_id = A\naws_access_key_id = B\naws_secret_access_key = s\n");
	(void)get_ok();
	snprintf(text, sizeof(text), "file: %s:3: aws_access_key_id given twice in [gateway]", path);
	assert_string_equal(prov.why, text);
	/* a NUL byte would cut the secret short, unseen until the receiver refused it (found by fuzz_credfile) */
	{
		static const char nul[] = "[gateway]\naws_access_key_id = A\naws_secret_access_key = s\0" SENTINEL "\n";
		char tmp[300];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.new", path);
		f = fopen(tmp, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(rename(tmp, path), 0);
	}
	c = get_ok();
	assert_string_equal(c->access_key, "ASIAGW2");
	snprintf(text, sizeof(text), "file: %s:3: aws_secret_access_key holds a NUL byte", path);
	assert_string_equal(prov.why, text);
	test_files_replace(path, "[gateway]\naws_access_key_id = A\n");
	(void)get_ok();
	snprintf(text, sizeof(text), "file: %s: profile [gateway] lacks aws_secret_access_key", path);
	assert_string_equal(prov.why, text);
	/* the profile key wins over AWS_PROFILE */
	amp_creds_free(&prov);
	strcpy(cfg.profile, "missing");
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	get_fails(why, sizeof(why));
	snprintf(text, sizeof(text), "waiting for credentials: file: %s: no profile [missing]", path);
	assert_string_equal(why, text);
}

/* ---- the chain ---- */

static void test_auto_chain_order(void **state)
{
	char why[1024];
	char path[256];

	(void)state;
	cfg.credentials = AMP_CREDS_AUTO;
	/* nothing anywhere: every source says why, IMDS last (refused here) */
	snprintf(path, sizeof(path), "%s/none", test_files_dir);
	port_test_setenv("AWS_SHARED_CREDENTIALS_FILE", path);
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	assert_int_equal(prov.chain_len, 2); /* file, imds: nothing of static, iot, env and container is set */
	get_fails(why, sizeof(why));
	snprintf(path, sizeof(path),
		 "waiting for credentials: file: %s/none: cannot read: not found; "
		 "imds: connect to 169.254.169.254:80: connection failed", test_files_dir);
	assert_string_equal(why, path);
	/* the environment comes before IMDS: IMDS is never asked */
	amp_creds_free(&prov);
	port_test_setenv("AWS_ACCESS_KEY_ID", "AKIAENV");
	port_test_setenv("AWS_SECRET_ACCESS_KEY", "s" SENTINEL);
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	script_imds(aws_doc("ASIAIMDS", 1, 60 * MIN_MS), true);
	assert_string_equal(get_ok()->access_key, "AKIAENV");
	assert_int_equal(port_test_connections(), 0);
	/* static keys come first of all */
	amp_creds_free(&prov);
	strcpy(cfg.access_key, "AKIACONFIG");
	strcpy(cfg.secret_key, "c" SENTINEL);
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	assert_string_equal(get_ok()->access_key, "AKIACONFIG");
	/* a container endpoint that is configured but fails stops the chain: IMDS is not tried */
	amp_creds_free(&prov);
	cfg.access_key[0] = cfg.secret_key[0] = '\0';
	port_test_setenv("AWS_ACCESS_KEY_ID", NULL);
	port_test_setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds");
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	port_test_clear_conns();
	serve(answer(500, "down"));
	get_fails(why, sizeof(why));
	assert_non_null(strstr(why, "; container: container credentials endpoint answered 500: down"));
	assert_null(strstr(why, "imds"));
	/* once a source answered, the provider keeps to it */
	serve(answer(200, aws_doc("ASIACTR", 1, 60 * MIN_MS)));
	port_test_advance_ms(AMP_CREDS_BACKOFF_MAX_MS);
	assert_string_equal(get_ok()->access_key, "ASIACTR");
	assert_int_equal(prov.active, 1); /* file, container, imds */
	/* without [sigv4] there is nothing to do */
	amp_creds_free(&prov);
	cfg.sigv4_enabled = false;
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	get_fails(why, sizeof(why));
	assert_string_equal(why, "no credential source configured");
}

/* The IoT document (its TLS path is covered by tests/integration/creds.sh). */
static void test_iot_document(void **state)
{
	struct amp_http_client *c = amp_creds_http();
	struct amp_creds out;
	char why[300];
	const char *doc = "{\"credentials\":{\"accessKeyId\":\"ASIAIOT\",\"secretAccessKey\":\"s" SENTINEL "\","
			  "\"sessionToken\":\"t" SENTINEL "\",\"expiration\":\"2026-11-26T16:00:00Z\"}}";

	(void)state;
	memset(&out, 0, sizeof(out));
	amp_http_response_init(&c->response);
	c->response.status = 200;
	c->response.body_len = c->response.body_total = strlen(doc);
	memcpy(c->response.body, doc, strlen(doc));
	assert_int_equal(amp_creds_parse_answer(c, AMP_CREDS_DOC_IOT, "IoT document", &out, why, sizeof(why)), AMP_OK);
	assert_string_equal(out.access_key, "ASIAIOT");
	assert_string_equal(out.session_token, "t" SENTINEL);
	assert_true(out.expiration_ms == INT64_C(1795708800000));
	/* the AWS form is not the IoT form */
	assert_int_equal(amp_creds_parse_answer(c, AMP_CREDS_DOC_AWS, "doc", &out, why, sizeof(why)), AMP_ERR_INVALID);
	assert_string_equal(why, "doc: no \"AccessKeyId\"");
	memcpy(c->response.body, "{\"credentials\":7}", 17);
	c->response.body_len = c->response.body_total = 17;
	assert_int_equal(amp_creds_parse_answer(c, AMP_CREDS_DOC_IOT, "IoT document", &out, why, sizeof(why)),
			 AMP_ERR_INVALID);
	assert_string_equal(why, "IoT document: no \"credentials\" object");
	amp_http_client_wipe(c);
	/* configured but its certificate cannot be read: a reason, retried later, no crash */
	cfg.credentials = AMP_CREDS_IOT;
	strcpy(cfg.iot_endpoint, "localhost:8443");
	strcpy(cfg.iot_role_alias, "alias");
	strcpy(cfg.iot_thing_name, "thing");
	snprintf(cfg.iot_cert_file, sizeof(cfg.iot_cert_file), "%s/absent.pem", test_files_dir);
	snprintf(cfg.iot_key_file, sizeof(cfg.iot_key_file), "%s/absent.key", test_files_dir);
	snprintf(cfg.ca_file, sizeof(cfg.ca_file), "%s/absent-ca.pem", test_files_dir);
	assert_int_equal(amp_creds_setup(&prov, &cfg), AMP_OK);
	get_fails(why, sizeof(why));
	assert_non_null(strstr(why, "waiting for credentials: iot: device certificate: "));
	assert_non_null(strstr(why, "absent-ca.pem"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_imds_first_fetch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_refresh_margin_jitter_and_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_outage_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_not_rotated_yet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_token_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_v1_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_token_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_endpoint_and_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_bad_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_bad_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_and_static, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_credentials_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_chain_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iot_document, setup, teardown),
	};

	return cmocka_run_group_tests(tests, test_files_setup, test_files_teardown);
}
