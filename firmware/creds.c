/* Credential provider: the source chain, refresh ahead of expiry with jitter, backoff while a source fails. */
#include "creds.h"
#include "clock.h"
#include "creds_internal.h"
#include "json.h"
#include "log.h"
#include "port.h"
#include "secret.h"

#include <stdio.h>
#include <string.h>

/* One client for every source: fetches never overlap, and its buffers are several KiB. */
static struct amp_http_client shared_http;

/*
 * The sources keep their state in their own files, one each, yet a reload sets up the next provider
 * before it frees the one in force. The provider that set the sources up last owns them: only the owner
 * releases them (else freeing the old provider would leave the new one with sources "not set up"), and a
 * provider that lost them (a reload that failed after the new provider had set them up) sets them up
 * again before it fetches.
 */
static const struct amp_creds_provider *sources_owner;

static const char *const mode_names[] = {
	[AMP_CREDS_AUTO] = "auto",
	[AMP_CREDS_STATIC] = "static",
	[AMP_CREDS_ENV] = "env",
	[AMP_CREDS_FILE] = "file",
	[AMP_CREDS_IMDS] = "imds",
	[AMP_CREDS_CONTAINER] = "container",
	[AMP_CREDS_IOT] = "iot",
};

struct amp_http_client *amp_creds_http(void)
{
	return &shared_http;
}

const char *amp_creds_mode_name(enum amp_creds_mode mode)
{
	return (unsigned)mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode] : "?";
}

int amp_creds_mode_parse(const char *text, enum amp_creds_mode *out)
{
	for (unsigned i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(text, mode_names[i]) == 0) {
			*out = (enum amp_creds_mode)i;
			return AMP_OK;
		}
	}
	return AMP_ERR_INVALID;
}

/* ---- helpers for the sources ---- */

int amp_creds_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap) {
		dst[0] = '\0';
		return AMP_ERR_FULL;
	}
	memcpy(dst, src, n + 1);
	return AMP_OK;
}

bool amp_creds_printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

bool amp_creds_access_key_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	}
	return true;
}

int amp_creds_getenv(const char *name, char *buf, size_t cap)
{
	int rc = port_getenv(name, buf, cap);

	if (rc == AMP_OK && buf[0] == '\0')
		return AMP_ERR_NOTFOUND;
	return rc;
}

void amp_creds_status_error(const struct amp_http_client *c, const char *what, char *why, size_t cap)
{
	char line[160];

	amp_http_body_first_line(&c->response, line, sizeof(line));
	snprintf(why, cap, "%s answered %d%s%s", what, c->response.status, line[0] ? ": " : "", line);
}

/* A string member into a fixed field: every problem named, no value shown. */
static int doc_string(const struct amp_json_doc *doc, int obj, const char *key, char *dst, size_t cap,
		      const char *what, char *why, size_t why_cap)
{
	int tok = amp_json_member(doc, obj, key);
	int rc;

	if (tok < 0 || amp_json_type(doc, tok) != AMP_JSON_STRING) {
		snprintf(why, why_cap, "%s: %s \"%s\"", what, tok < 0 ? "no" : "not a string:", key);
		return AMP_ERR_INVALID;
	}
	rc = amp_json_string(doc, tok, dst, cap, NULL);
	if (rc == AMP_ERR_FULL)
		snprintf(why, why_cap, "%s: \"%s\" longer than %zu bytes", what, key, cap - 1);
	else if (rc != AMP_OK)
		snprintf(why, why_cap, "%s: \"%s\" is not a valid string", what, key);
	return rc;
}

int amp_creds_parse_answer(const struct amp_http_client *c, enum amp_creds_doc kind, const char *what,
			   struct amp_creds *out, char *why, size_t cap)
{
	static const char *const aws_keys[4] = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
	static const char *const iot_keys[4] = {"accessKeyId", "secretAccessKey", "sessionToken", "expiration"};
	const char *const *keys = kind == AMP_CREDS_DOC_IOT ? iot_keys : aws_keys;
	const struct amp_http_response *r = &c->response;
	struct amp_json_doc doc;
	char expiration[64];
	int obj = 0;
	int rc;

	memset(&doc, 0, sizeof(doc));
	if (r->body_total > r->body_len) {
		snprintf(why, cap, "%s: document of %llu bytes is larger than CONFIG_HTTP_RESPONSE_BUF_BYTES (%zu)", what,
			 (unsigned long long)r->body_total, sizeof(r->body));
		return AMP_ERR_FULL;
	}
	rc = amp_json_parse(&doc, r->body, r->body_len);
	if (rc != AMP_OK) {
		snprintf(why, cap, "%s: not valid JSON: %s", what, doc.error);
		return rc;
	}
	if (amp_json_type(&doc, 0) != AMP_JSON_OBJECT) {
		snprintf(why, cap, "%s: not a JSON object", what);
		return AMP_ERR_INVALID;
	}
	if (kind == AMP_CREDS_DOC_IOT) {
		obj = amp_json_member(&doc, 0, "credentials");
		if (amp_json_type(&doc, obj) != AMP_JSON_OBJECT) {
			snprintf(why, cap, "%s: no \"credentials\" object", what);
			return AMP_ERR_INVALID;
		}
	} else if (amp_json_member(&doc, 0, "Code") >= 0) {
		/* IMDS says "Success"; anything else means the document holds no usable keys */
		char code[32];

		if (doc_string(&doc, 0, "Code", code, sizeof(code), what, why, cap) != AMP_OK)
			return AMP_ERR_INVALID;
		if (strcmp(code, "Success") != 0) {
			snprintf(why, cap, "%s: Code is not \"Success\"", what);
			return AMP_ERR_INVALID;
		}
	}
	rc = doc_string(&doc, obj, keys[0], out->access_key, sizeof(out->access_key), what, why, cap);
	if (rc == AMP_OK)
		rc = doc_string(&doc, obj, keys[1], out->secret_key, sizeof(out->secret_key), what, why, cap);
	if (rc == AMP_OK)
		rc = doc_string(&doc, obj, keys[2], out->session_token, sizeof(out->session_token), what, why, cap);
	if (rc == AMP_OK)
		rc = doc_string(&doc, obj, keys[3], expiration, sizeof(expiration), what, why, cap);
	if (rc == AMP_OK && amp_clock_parse_iso8601(expiration, &out->expiration_ms) != AMP_OK) {
		snprintf(why, cap, "%s: \"%s\" is not an ISO 8601 date-time", what, keys[3]);
		rc = AMP_ERR_INVALID;
	}
	if (rc == AMP_OK && out->session_token[0] == '\0') {
		snprintf(why, cap, "%s: \"%s\" is empty", what, keys[2]);
		rc = AMP_ERR_INVALID;
	}
	return rc;
}

/* ---- the provider ---- */

void amp_creds_init(struct amp_creds_provider *p)
{
	memset(p, 0, sizeof(*p));
	p->active = -1;
}

int amp_creds_setup(struct amp_creds_provider *p, const struct amp_config *cfg)
{
	static const struct amp_creds_source *const auto_chain[] = {
		&amp_creds_source_static, &amp_creds_source_iot, &amp_creds_source_env,
		&amp_creds_source_file, &amp_creds_source_container, &amp_creds_source_imds,
	};
	const struct amp_creds_source *const *want = auto_chain;
	unsigned count = sizeof(auto_chain) / sizeof(auto_chain[0]);
	const struct amp_creds_source *one = NULL;
	char names[128] = "";

	amp_creds_free(p);
	amp_creds_init(p);
	p->cfg = cfg;
	if (!cfg->sigv4_enabled)
		return AMP_OK;
	switch (cfg->credentials) {
	case AMP_CREDS_STATIC: one = &amp_creds_source_static; break;
	case AMP_CREDS_ENV: one = &amp_creds_source_env; break;
	case AMP_CREDS_FILE: one = &amp_creds_source_file; break;
	case AMP_CREDS_IMDS: one = &amp_creds_source_imds; break;
	case AMP_CREDS_CONTAINER: one = &amp_creds_source_container; break;
	case AMP_CREDS_IOT: one = &amp_creds_source_iot; break;
	case AMP_CREDS_AUTO: break;
	}
	if (one != NULL) {
		want = &one;
		count = 1;
	}
	sources_owner = p;
	for (unsigned i = 0; i < count; i++) {
		int rc = want[i]->setup(cfg);

		if (rc == AMP_ERR_CONFIG)
			return rc;
		/* a source chosen by name stays even when not configured: its fetch then says what is missing */
		if (rc == AMP_OK || one != NULL) {
			p->chain[p->chain_len++] = want[i];
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", p->chain_len > 1 ? ", " : "",
				 want[i]->name);
		}
	}
	if (p->chain_len == 0)
		AMP_LOG_W("creds", "credentials = auto found no source to try (AWS_EC2_METADATA_DISABLED and nothing else?)");
	else
		AMP_LOG_D("creds", "credentials = %s: %s", amp_creds_mode_name(cfg->credentials), names);
	return AMP_OK;
}

/* A random number in [0, n]. */
static uint64_t random_upto(uint64_t n)
{
	uint32_t r = 0;

	if (n == 0 || port_random(&r, sizeof(r)) != AMP_OK)
		return 0;
	return r % (n + 1);
}

/* The next pause after a failure: capped exponential, drawn from [half, all] of it. */
static uint32_t next_backoff(struct amp_creds_provider *p)
{
	uint32_t b = p->backoff_ms == 0 ? AMP_CREDS_BACKOFF_MIN_MS : p->backoff_ms * 2u;

	if (b > AMP_CREDS_BACKOFF_MAX_MS || b < p->backoff_ms)
		b = AMP_CREDS_BACKOFF_MAX_MS;
	p->backoff_ms = b;
	return b / 2u + (uint32_t)random_upto(b / 2u);
}

static void drop_current(struct amp_creds_provider *p)
{
	amp_secret_wipe(&p->current, sizeof(p->current));
	p->have = false;
	p->expires_mono = 0;
}

static bool same_keys(const struct amp_creds *a, const struct amp_creds *b)
{
	return strcmp(a->access_key, b->access_key) == 0 && strcmp(a->secret_key, b->secret_key) == 0 &&
	       strcmp(a->session_token, b->session_token) == 0;
}

/* Values a source handed over: well-formed and not already expired by the (corrected) clock. */
static int check_fetched(const struct amp_creds *c, int64_t now_wall, char *why, size_t cap)
{
	if (!amp_creds_access_key_ok(c->access_key)) {
		snprintf(why, cap, "the access key id is empty or holds characters other than letters, digits and '_'");
		return AMP_ERR_INVALID;
	}
	if (c->secret_key[0] == '\0' || !amp_creds_printable(c->secret_key) || !amp_creds_printable(c->session_token)) {
		snprintf(why, cap, "the secret key or session token is empty or holds whitespace or non-ASCII (not shown)");
		return AMP_ERR_INVALID;
	}
	if (c->expiration_ms != 0 && c->expiration_ms <= now_wall) {
		char when[32], now[32];

		amp_clock_format_iso8601(c->expiration_ms, when, sizeof(when));
		amp_clock_format_iso8601(now_wall, now, sizeof(now));
		snprintf(why, cap, "credentials expired at %s already (the clock reads %s)", when, now);
		return AMP_ERR_RANGE;
	}
	return AMP_OK;
}

static void fetch_failed(struct amp_creds_provider *p, uint64_t now, const char *why)
{
	uint32_t pause = next_backoff(p);
	bool repeat = p->failure_logged && strcmp(p->why, why) == 0;

	/* credentials about to expire are worth more tries: never wait past half the time they have left */
	if (p->have && p->expires_mono > now && pause > (p->expires_mono - now) / 2) {
		uint64_t half = (p->expires_mono - now) / 2;

		pause = half > AMP_CREDS_BACKOFF_MIN_MS / 2 ? (uint32_t)half : AMP_CREDS_BACKOFF_MIN_MS / 2;
	}
	p->failures++;
	p->due_mono = now + pause;
	snprintf(p->why, sizeof(p->why), "%s", why);
	if (repeat) {
		AMP_LOG_D("creds", "%s; next try in %u ms", why, (unsigned)pause);
		return;
	}
	p->failure_logged = true;
	if (p->have && p->expires_mono != 0) {
		char until[32];

		amp_clock_format_iso8601(p->current.expiration_ms, until, sizeof(until));
		AMP_LOG_W("creds", "cannot refresh credentials: %s; the current ones stay in use until %s; next try in %u s",
			  why, until, (unsigned)(pause + 999) / 1000);
	} else if (p->have) {
		AMP_LOG_W("creds", "cannot read credentials again: %s; the current ones stay in use", why);
	} else {
		AMP_LOG_E("creds", "no credentials: %s; pushes wait, samples stay buffered; next try in %u s", why,
			  (unsigned)(pause + 999) / 1000);
	}
}

/* Takes p->fetched as the current credentials and plans the next fetch. */
static void fetch_succeeded(struct amp_creds_provider *p, int index, uint64_t now, int64_t now_wall)
{
	uint64_t margin = p->cfg->refresh_margin_ms;
	int64_t expiration = p->fetched.expiration_ms;
	int64_t remaining = expiration - now_wall;
	bool changed = !p->have || !same_keys(&p->current, &p->fetched);
	char until[32] = "never";

	if (changed) {
		drop_current(p);
		memcpy(&p->current, &p->fetched, sizeof(p->current));
		p->generation++;
	} else {
		p->current.expiration_ms = expiration;
	}
	amp_secret_wipe(&p->fetched, sizeof(p->fetched));
	p->have = true;
	p->active = index;
	p->expires_mono = expiration != 0 ? now + (uint64_t)remaining : 0;
	if (expiration != 0)
		amp_clock_format_iso8601(expiration, until, sizeof(until));
	if (expiration == 0) {
		p->due_mono = UINT64_MAX; /* long-term keys: fetched again only when the source changes */
	} else if ((uint64_t)remaining > margin + AMP_CREDS_BACKOFF_MIN_MS) {
		/* ahead of expiry by the margin and up to half of it more, but never past the margin */
		uint64_t room = (uint64_t)remaining - margin;
		uint64_t jitter = random_upto((margin / 2 < room / 2 ? margin / 2 : room / 2));

		p->due_mono = now + room - jitter;
		p->backoff_ms = 0;
		p->failures = 0;
	} else {
		/* already inside the margin: the source has nothing newer yet (IMDS rotates late); ask again soon */
		uint32_t pause = next_backoff(p);

		p->due_mono = now + (pause < (uint64_t)remaining / 2 ? pause : (uint64_t)remaining / 2);
	}
	if (p->failure_logged) {
		AMP_LOG_I("creds", "credentials from %s again, valid until %s", p->current.origin, until);
		p->failure_logged = false;
		p->why[0] = '\0';
	} else if (changed) {
		AMP_LOG_I("creds", "credentials from %s, valid until %s", p->current.origin, until);
	} else {
		AMP_LOG_D("creds", "credentials from %s unchanged, valid until %s", p->current.origin, until);
	}
}

/* Appends as much of `s` as fits (a message: cutting it is fine), keeping dst NUL-terminated. */
static void append(char *dst, size_t cap, const char *s)
{
	size_t used = strlen(dst);

	while (*s != '\0' && used + 1 < cap)
		dst[used++] = *s++;
	dst[used] = '\0';
}

/* One fetch: the active source, or the chain until a source answers. Returns 0 or the last source's error. */
static int fetch(struct amp_creds_provider *p)
{
	uint64_t now = port_monotonic_ms();
	char summary[sizeof(p->why)] = "";
	char why[sizeof(p->why)];
	int first = p->active >= 0 ? p->active : 0;
	int last = p->active >= 0 ? p->active : (int)p->chain_len - 1;
	int rc = AMP_ERR_NOTFOUND;

	p->fetches++;
	if (sources_owner != p) {
		/* a failure here shows as the source's own "not set up" at its fetch */
		for (unsigned i = 0; i < p->chain_len; i++)
			(void)p->chain[i]->setup(p->cfg);
		sources_owner = p;
	}
	for (int i = first; i <= last; i++) {
		const struct amp_creds_source *src = p->chain[i];

		amp_secret_wipe(&p->fetched, sizeof(p->fetched));
		why[0] = '\0';
		rc = src->fetch(p->cfg, &p->fetched, why, sizeof(why));
		amp_http_client_wipe(amp_creds_http());
		/* read after the fetch: a source may have corrected the clock (a server's Date) */
		now = port_monotonic_ms();
		if (rc == AMP_OK) {
			int64_t now_wall = amp_clock_now_ms();

			rc = check_fetched(&p->fetched, now_wall, why, sizeof(why));
			if (rc == AMP_OK) {
				fetch_succeeded(p, i, now, now_wall);
				return AMP_OK;
			}
		}
		if (summary[0] != '\0')
			append(summary, sizeof(summary), "; ");
		append(summary, sizeof(summary), src->name);
		append(summary, sizeof(summary), ": ");
		append(summary, sizeof(summary), why[0] ? why : amp_strerror(rc));
		/* a source that is there but fails is the answer; one that is not there lets the chain go on */
		if (rc != AMP_ERR_NOTFOUND)
			break;
	}
	amp_secret_wipe(&p->fetched, sizeof(p->fetched));
	fetch_failed(p, now, summary[0] ? summary : "no credential source configured");
	return rc;
}

int amp_creds_get(struct amp_creds_provider *p, const struct amp_creds **out, char *why, size_t cap)
{
	uint64_t now = port_monotonic_ms();

	*out = NULL;
	if (p->chain_len == 0) {
		if (why != NULL)
			snprintf(why, cap, "no credential source configured");
		return AMP_ERR_AUTH;
	}
	if (p->have && p->expires_mono != 0 && now >= p->expires_mono) {
		AMP_LOG_W("creds", "credentials from %s expired; pushes wait for new ones", p->current.origin);
		drop_current(p);
	}
	if (p->have && p->active >= 0 && p->chain[p->active]->changed != NULL && p->chain[p->active]->changed() == 1)
		p->due_mono = 0;
	if (now >= p->due_mono)
		(void)fetch(p);
	if (!p->have) {
		/* no countdown in it: the agent logs a push failure again only when its text changes */
		if (why != NULL)
			snprintf(why, cap, "waiting for credentials: %s", p->why);
		return AMP_ERR_AUTH;
	}
	*out = &p->current;
	return AMP_OK;
}

int amp_creds_refresh_now(struct amp_creds_provider *p)
{
	uint64_t generation = p->generation;

	if (p->chain_len == 0)
		return 0;
	(void)fetch(p);
	return p->generation != generation && p->have ? 1 : 0;
}

uint64_t amp_creds_next_fetch(const struct amp_creds_provider *p)
{
	return p->chain_len == 0 ? UINT64_MAX : p->due_mono;
}

void amp_creds_free(struct amp_creds_provider *p)
{
	for (unsigned i = 0; i < p->chain_len && sources_owner == p; i++) {
		if (p->chain[i]->release != NULL)
			p->chain[i]->release();
	}
	if (sources_owner == p)
		sources_owner = NULL;
	drop_current(p);
	amp_secret_wipe(&p->fetched, sizeof(p->fetched));
	amp_http_client_wipe(amp_creds_http());
	p->chain_len = 0;
	p->active = -1;
}
