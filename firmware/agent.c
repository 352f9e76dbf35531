/*
 * The agent loop and the statically allocated state it owns: registry, ring, request buffers, connection.
 * One thread: collect when due, push when a batch is due and no backoff holds it, sleep until the next of
 * those deadlines. While a request waits on the network, the port's idle hook keeps collecting on time.
 */
#include "agent.h"
#include "clock.h"
#include "collector.h"
#include "compress.h"
#include "encoder.h"
#include "expo.h"
#include "labels.h"
#include "log.h"
#include "port.h"
#include "ring.h"
#include "spool.h"

#include <stdio.h>
#include <string.h>

/* snappy's worst case for n input bytes is 32 + n + n / 6 (snappy_max_compressed_length). */
#define COMPRESSED_BUF_BYTES (32 + CONFIG_REQUEST_BUF_BYTES + CONFIG_REQUEST_BUF_BYTES / 6)
/* A Retry-After longer than this is a broken server, not advice. */
#define RETRY_AFTER_MAX_MS (3600u * 1000u)
/* A refused batch's reason is logged again at most this often. */
#define DROP_LOG_INTERVAL_MS (10u * 60u * 1000u)
/* Metadata (# TYPE, # HELP) of a family is sent when it first appears, then at most this often. */
#define METADATA_INTERVAL_MS (3600u * 1000u)
/* Prometheus's staleness marker: a NaN no arithmetic produces. */
#define STALE_NAN_BITS 0x7ff0000000000002ull

static const struct amp_config *agent_cfg;
static struct amp_registry registry;
static struct amp_labels_common common_labels;
static unsigned char ring_storage[CONFIG_RING_BYTES];
static struct amp_ring ring;
static struct amp_frame_entry frame_entries[CONFIG_MAX_SERIES];
static char file_buf[CONFIG_PROC_FILE_BUF_BYTES];
static struct amp_collect_ctx collect_ctx;
static uint8_t request_buf[CONFIG_REQUEST_BUF_BYTES];
static uint8_t compressed_buf[COMPRESSED_BUF_BYTES];
/* Two, so a reload can set up the new connection before it lets go of the old one. */
static struct amp_push pushes[2];
static struct amp_push *push = &pushes[0];
static bool push_ready;
static struct amp_selfstats stats;

/*
 * Where requests come from: the live ring, or spooled frames being replayed (with the registry and labels
 * they were spooled with). Each remembers its batch in flight: which frames it holds, so that a partly
 * sent batch never gains new frames.
 */
struct source {
	struct amp_ring *ring;
	const struct amp_registry *reg;
	const struct amp_labels_common *common;
	struct amp_encoder_batch batch;
	uint64_t first_seq;
	unsigned frames;
	bool replay;
};

static struct source live = {.ring = &ring, .reg = &registry, .common = &common_labels};
static struct amp_spool_replay *replay;   /* the spool's, NULL when it is not compiled in */
static struct source replayed = {.replay = true};
static uint64_t next_spool_ms;

/*
 * After a reload changed instance, job or [labels]: the live ring's frames before prev_boundary were
 * collected under prev_labels (copied, with their strings) and are pushed with them.
 */
static struct amp_labels_common prev_labels;
static char prev_strings[(CONFIG_MAX_EXTRA_LABELS + 2) * 2 * CONFIG_MAX_LABEL_VALUE_LEN];
static uint64_t prev_boundary;
static bool prev_active;

/* When each family's metadata last went out (monotonic ms, 0 = never), and which are due now. */
static uint64_t metadata_sent_ms[CONFIG_MAX_FAMILIES];
static uint8_t metadata_due[(CONFIG_MAX_FAMILIES + 7) / 8];

/* The schedule (monotonic ms). */
static uint64_t next_collect_ms;
static uint64_t next_push_ms;
static unsigned push_failures;

int amp_agent_start(const struct amp_config *cfg, bool network)
{
	struct amp_label extra[CONFIG_MAX_EXTRA_LABELS > 0 ? CONFIG_MAX_EXTRA_LABELS : 1];
	int rc;

	agent_cfg = cfg;
	amp_registry_init(&registry);
	amp_ring_init(&ring, ring_storage, sizeof(ring_storage));
	memset(&stats, 0, sizeof(stats));
	memset(metadata_sent_ms, 0, sizeof(metadata_sent_ms));
	for (unsigned i = 0; i < cfg->label_count; i++)
		extra[i] = (struct amp_label){cfg->labels[i].name, cfg->labels[i].value};
	rc = amp_labels_common_init(&common_labels, cfg->instance, cfg->job, extra, cfg->label_count);
	if (rc != AMP_OK) {
		AMP_LOG_E("agent", "%s: [labels], instance and job do not form a valid label set: %s", cfg->source,
			  amp_strerror(rc));
		return AMP_ERR_CONFIG;
	}
	memset(&collect_ctx, 0, sizeof(collect_ctx));
	collect_ctx.procfs = cfg->procfs;
	collect_ctx.sysfs = cfg->sysfs;
	collect_ctx.clk_tck = port_clock_ticks_per_second();
	collect_ctx.page_size = port_page_size();
	collect_ctx.disabled = cfg->collectors_disabled;
	collect_ctx.filter = &cfg->filter;
	collect_ctx.textfile_dir = cfg->textfile_dir;
	collect_ctx.synthetic_series = cfg->synthetic_series;
	collect_ctx.filesystem = &cfg->filesystem;
	collect_ctx.reg = &registry;
	collect_ctx.entries = frame_entries;
	collect_ctx.entry_cap = CONFIG_MAX_SERIES;
	collect_ctx.buf = file_buf;
	collect_ctx.buf_cap = sizeof(file_buf);
	/* up and the self-metrics take the first registry slots: a full registry must not hide them */
	amp_selfstats_emit(&collect_ctx, &stats, &ring, sizeof(ring_storage));
	collect_ctx.entry_count = 0;
	live.frames = 0;
	replayed.frames = 0;
	replay = amp_spool_replay_context();
	if (replay != NULL) {
		replayed.ring = &replay->ring;
		replayed.reg = &replay->reg;
		replayed.common = &replay->common;
	}
	push_failures = 0;
	push_ready = false;
	if (network && cfg->spool_dir[0] != '\0' && amp_spool_open(cfg->spool_dir, cfg->spool_max_bytes) != AMP_OK)
		AMP_LOG_W("agent", "%s: [agent] spool_dir unusable: samples are held in RAM only", cfg->source);
	if (!network)
		return AMP_OK;
	push = &pushes[0];
	amp_push_init(push);
	rc = amp_push_setup(push, cfg);
	if (rc != AMP_OK) {
		AMP_LOG_E("agent", "%s: [remote_write] %s", cfg->source, push->conn.error);
		return rc;
	}
	push_ready = true;
	return AMP_OK;
}

/* Every series of the previous collection missing from this one gets Prometheus's staleness marker. */
static void add_staleness_markers(void)
{
	unsigned have = collect_ctx.entry_count;
	unsigned k = 0;
	double stale;
	const uint64_t bits = STALE_NAN_BITS;

	memcpy(&stale, &bits, sizeof(stale));
	for (unsigned id = 0; id < amp_registry_count(&registry); id++) {
		while (k < have && frame_entries[k].id < id)
			k++;
		if ((k < have && frame_entries[k].id == id) || !amp_ring_head_has(&ring, (amp_series_id)id))
			continue;
		if (collect_ctx.entry_count == collect_ctx.entry_cap)
			break;
		frame_entries[collect_ctx.entry_count++] = (struct amp_frame_entry){(amp_series_id)id, stale};
	}
	if (collect_ctx.entry_count != have)
		amp_collect_sort(&collect_ctx);
}

int amp_agent_collect(void)
{
	unsigned failed;
	int64_t now;
	int rc;

	collect_ctx.now_ms = port_monotonic_ms();
	failed = amp_collect_all(&collect_ctx);
	/* provisional (held on the monotonic clock) while the wall clock is known wrong: see clock.h */
	now = amp_clock_stamp();
	if (failed > 0)
		AMP_LOG_D("agent", "%u collectors failed this collection", failed);
	stats.spool_bytes_written = amp_spool_stats()->bytes_written;
	stats.dropped[AMP_DROP_SPOOL_FULL] = amp_spool_stats()->samples_dropped;
	amp_selfstats_emit(&collect_ctx, &stats, &ring, sizeof(ring_storage));
	amp_collect_sort(&collect_ctx);
	stats.samples_collected += collect_ctx.entry_count;
	stats.dropped[AMP_DROP_SERIES_LIMIT] += collect_ctx.dropped_series;
	add_staleness_markers();
	rc = amp_ring_push(&ring, now, collect_ctx.entries, collect_ctx.entry_count);
	if (rc != AMP_OK)
		AMP_LOG_E("agent", "cannot store a collection of %u samples: %s (CONFIG_RING_BYTES too small)",
			  collect_ctx.entry_count, amp_strerror(rc));
	return rc;
}

/* The frames before `seq` of a source are done with (accepted, refused or too old): the spool may forget them. */
static void source_release(struct source *src, uint64_t seq)
{
	amp_ring_release_before(src->ring, seq);
	if (src->replay)
		amp_spool_replay_delivered(replay, seq);
	else
		amp_spool_live_delivered(seq);
}

/* Drops, counted as too old, the oldest frames that the receiver would refuse (sample_age_limit). */
static void drop_too_old(struct source *src)
{
	int64_t limit = agent_cfg->sample_age_limit_ms;
	int64_t now = amp_clock_now_ms();
	uint64_t before = src->ring->samples;

	if (limit == 0)
		return;
	/* a provisional stamp (taken while the clock was unknown) has no age yet */
	while (amp_ring_frames(src->ring) > 0 && !amp_clock_provisional(amp_ring_oldest_timestamp(src->ring)) &&
	       now - amp_ring_oldest_timestamp(src->ring) > limit)
		source_release(src, src->ring->tail_seq + 1);
	if (src->ring->samples != before) {
		stats.dropped[AMP_DROP_TOO_OLD] += before - src->ring->samples;
		AMP_LOG_W("push", "%llu %ssamples older than sample_age_limit (%u s) dropped",
			  (unsigned long long)(before - src->ring->samples), src->replay ? "spooled " : "",
			  (unsigned)(limit / 1000));
	}
}

/* Fills the batch with the frames of the request in flight, choosing them when none is. */
static void batch_load(struct source *src)
{
	struct amp_encoder_batch *batch = &src->batch;
	unsigned avail = amp_ring_frames(src->ring);

	/* Frames of a partly sent batch pushed out of a full ring: start a new batch (the rest was counted as dropped). */
	if (src->frames > 0 && (src->ring->tail_seq != src->first_seq || avail < src->frames))
		src->frames = 0;
	if (src->frames == 0) {
		/*
		 * Whole collections per request where they fit max_samples_per_send: a collection split over
		 * requests by series (only when one alone is larger) would, if pushed out of a full ring between
		 * its requests, count its already delivered part as dropped too.
		 */
		src->frames = amp_ring_frames_within(src->ring, CONFIG_MAX_FRAMES_PER_REQUEST,
						     agent_cfg->max_samples_per_send);
		src->first_seq = src->ring->tail_seq;
		batch->first_series = 0;
		if (!src->replay && prev_active && src->first_seq >= prev_boundary)
			prev_active = false;
		/* a request never mixes collections from before and after a label change */
		if (!src->replay && prev_active && src->first_seq + src->frames > prev_boundary)
			src->frames = (unsigned)(prev_boundary - src->first_seq);
	}
	batch->reg = src->reg;
	batch->common = !src->replay && prev_active && src->first_seq < prev_boundary ? &prev_labels : src->common;
	batch->ring = src->ring;
	batch->frame_count = src->frames;
	batch->max_samples = agent_cfg->max_samples_per_send;
	batch->metadata_due = NULL;
	/* collections made while the clock was unknown get their time now (push_once checked it is known) */
	batch->restamp = amp_clock_restamp;
}

/* Marks the families whose metadata is due: new ones, and those sent more than METADATA_INTERVAL_MS ago. */
static void metadata_schedule(struct amp_encoder_batch *batch, uint64_t now)
{
	memset(metadata_due, 0, sizeof(metadata_due));
	for (unsigned fam = 0; fam < registry.family_count; fam++) {
		if (metadata_sent_ms[fam] == 0 || now - metadata_sent_ms[fam] >= METADATA_INTERVAL_MS)
			metadata_due[fam / 8] |= (uint8_t)(1u << (fam % 8));
	}
	batch->metadata_due = metadata_due;
}

static void metadata_sent(uint64_t now)
{
	for (unsigned fam = 0; fam < registry.family_count; fam++) {
		if ((metadata_due[fam / 8] >> (fam % 8)) & 1u)
			metadata_sent_ms[fam] = now > 0 ? now : 1;
	}
}

/* The request went through, or was refused for good: move past its series, release finished frames. */
static void batch_advance(struct source *src)
{
	if (!src->batch.complete) {
		src->batch.first_series = src->batch.next_series;
		return;
	}
	source_release(src, src->first_seq + src->frames);
	src->frames = 0;
}

/* True for answers that say "try again later" rather than "never send this again". */
static bool retryable(int rc, const struct amp_push_result *res)
{
	if (rc != AMP_ERR_REJECTED)
		return true; /* no answer: connection, TLS, timeout */
	if (res->status >= 500 || res->status == 408)
		return true;
	if (res->status == 429)
		return agent_cfg->retry_on_http_429;
	/* Credentials or a signature the receiver refuses: fixable on the device, so keep the data. */
	return res->status == 401 || res->status == 403;
}

static void log_refused(const struct amp_push_result *res, uint64_t samples)
{
	static int last_status;
	static uint64_t last_log_ms;
	uint64_t now = port_monotonic_ms();

	if (res->status != last_status || last_log_ms == 0 || now - last_log_ms >= DROP_LOG_INTERVAL_MS) {
		AMP_LOG_E("push", "%s answered %d: %s; %llu samples dropped (never resent: the receiver may have "
			  "ingested part of them)", agent_cfg->url.host, res->status, res->message, (unsigned long long)samples);
		last_status = res->status;
		last_log_ms = now;
	} else {
		AMP_LOG_D("push", "%s answered %d again; %llu samples dropped", agent_cfg->url.host, res->status,
			  (unsigned long long)samples);
	}
}

/*
 * The source of the next request: spooled frames not in the live ring go first (oldest first, so each
 * series stays in time order), then the live ring. NULL when nothing waits.
 */
static struct source *next_source(void)
{
	if (amp_spool_enabled()) {
		drop_too_old(&replayed);
		if (amp_ring_frames(&replay->ring) == 0 && amp_spool_replay_fill(replay, ring.tail_seq) < 0)
			AMP_LOG_W("push", "a spool file is damaged; its readable part is replayed");
		if (amp_ring_frames(&replay->ring) > 0)
			return &replayed;
	}
	drop_too_old(&live);
	return amp_ring_frames(&ring) > 0 ? &live : NULL;
}

/* One request. *retry says whether a failure should be retried with the same samples. */
static int push_once(struct amp_push_result *res, bool *retry)
{
	struct source *src;

	*retry = false;
	memset(res, 0, sizeof(*res));
	res->retry_after_s = -1;
	if (!push_ready)
		return AMP_ERR_CONNECT;
	/* samples are never sent with a time known to be wrong: ask the receiver for it first */
	if (amp_ring_frames(&ring) > 0 && !amp_clock_trusted()) {
		int rc = amp_push_probe_clock(push, res);

		if (rc != AMP_OK) {
			*retry = true;
			return rc; /* res->message says why the samples wait */
		}
	}
	while ((src = next_source()) != NULL) {
		struct amp_encoder_batch *batch = &src->batch;
		size_t len, zlen;
		uint64_t t0;
		int rc;

		batch_load(src);
		if (!src->replay)
			metadata_schedule(batch, port_monotonic_ms());
		rc = amp_encoder_encode(batch, request_buf, sizeof(request_buf), &len);
		if (rc == AMP_ERR_RANGE) {
			/* a provisional stamp the clock cannot turn into a time yet: the samples wait */
			snprintf(res->message, sizeof(res->message), "the wall clock is not known yet: samples wait");
			*retry = true;
			return rc;
		}
		if (rc == AMP_ERR_NOTFOUND) {
			batch->complete = 1; /* frames without samples (every collector skipped): nothing to send */
			batch_advance(src);
			continue;
		}
		if (rc != AMP_OK) {
			/* a series larger than the whole request buffer, or a corrupt ring: never sendable */
			uint64_t before = src->ring->samples;

			source_release(src, src->first_seq + src->frames);
			stats.dropped[AMP_DROP_ENCODE] += before - src->ring->samples;
			AMP_LOG_E("push", "cannot encode a request: %s; %u collections (%llu samples) dropped",
				  amp_strerror(rc), src->frames, (unsigned long long)(before - src->ring->samples));
			src->frames = 0;
			continue;
		}
		rc = amp_compress(request_buf, len, compressed_buf, sizeof(compressed_buf), &zlen);
		if (rc != AMP_OK) {
			snprintf(res->message, sizeof(res->message), "cannot compress a request: %s", amp_strerror(rc));
			return rc;
		}
		t0 = port_monotonic_ms();
		amp_ring_sending(src->ring, src->first_seq, src->first_seq + src->frames);
		rc = amp_push_send(push, compressed_buf, zlen, res);
		*retry = rc != AMP_OK && retryable(rc, res);
		/* accepted or refused (and counted so below), whole: not dropped if pushed out meanwhile */
		amp_ring_sent(src->ring, !*retry && batch->complete);
		stats.push_seconds_last = (double)(port_monotonic_ms() - t0) / 1000.0;
		stats.push_seconds_sum += stats.push_seconds_last;
		stats.requests[amp_selfstats_class(res->status)]++;
		if (rc == AMP_OK) {
			if (batch->metadata > 0)
				metadata_sent(port_monotonic_ms());
			stats.samples_pushed += batch->samples;
			stats.last_success_ms = port_realtime_ms();
			AMP_LOG_D("push", "%s accepted %u series, %u %ssamples (%zu bytes, %zu compressed): %d",
				  agent_cfg->url.host, (unsigned)batch->series, (unsigned)batch->samples,
				  src->replay ? "spooled " : "", len, zlen, res->status);
			batch_advance(src);
			return AMP_OK;
		}
		if (!*retry) {
			stats.dropped[res->status == 429 ? AMP_DROP_RATE_LIMITED : AMP_DROP_REJECTED] += batch->samples;
			log_refused(res, batch->samples);
			batch_advance(src);
		}
		return rc;
	}
	return AMP_OK;
}

int amp_agent_push_one(struct amp_push_result *res)
{
	bool retry;

	return push_once(res, &retry);
}

int amp_agent_flush(struct amp_push_result *last)
{
	static struct amp_push_result scratch;
	struct amp_push_result *res = last ? last : &scratch;

	while (amp_ring_frames(&ring) > 0) {
		int rc = amp_agent_push_one(res);

		if (rc != AMP_OK)
			return rc;
	}
	return AMP_OK;
}

int amp_agent_print(FILE *out)
{
	int rc;

	collect_ctx.now_ms = port_monotonic_ms();
	(void)amp_collect_all(&collect_ctx);
	amp_selfstats_emit(&collect_ctx, &stats, &ring, sizeof(ring_storage));
	amp_collect_sort(&collect_ctx);
	rc = amp_expo_write(out, &registry, &common_labels, collect_ctx.entries, collect_ctx.entry_count);
	return rc;
}

/* Random milliseconds in [0, span): jitter, so a fleet back from the same outage does not retry in step. */
static uint32_t jitter(uint32_t span)
{
	uint32_t r = 0;

	if (span == 0 || port_random(&r, sizeof(r)) != AMP_OK)
		return 0;
	return r % span;
}

/* Capped exponential backoff with jitter (half fixed, half random); a Retry-After wins. */
static uint32_t backoff_ms(const struct amp_push_result *res)
{
	uint64_t d = agent_cfg->min_backoff_ms;

	for (unsigned i = 1; i < push_failures && d < agent_cfg->max_backoff_ms; i++)
		d *= 2;
	if (d > agent_cfg->max_backoff_ms)
		d = agent_cfg->max_backoff_ms;
	d = d / 2 + jitter((uint32_t)(d - d / 2) + 1);
	if (res->retry_after_s >= 0) {
		uint64_t ra = (uint64_t)res->retry_after_s * 1000u;

		d = ra > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : ra;
	}
	return (uint32_t)d;
}

/* Logs a failed push once per outage (and again when the reason changes), not once per attempt. */
static void report_failure(int rc, const struct amp_push_result *res, char *last, size_t cap, uint32_t delay)
{
	char line[sizeof(res->message) + 300]; /* room for the host name and the status */

	if (rc == AMP_ERR_REJECTED)
		snprintf(line, sizeof(line), "%s answered %d: %s", agent_cfg->url.host, res->status, res->message);
	else
		snprintf(line, sizeof(line), "%s", res->message[0] ? res->message : amp_strerror(rc));
	if (strncmp(line, last, cap) == 0) {
		AMP_LOG_D("push", "%s (retry in %u ms)", line, (unsigned)delay);
		return;
	}
	AMP_LOG_E("push", "%s; retrying with backoff, %u collections held", line, amp_ring_frames(&ring));
	snprintf(last, cap, "%s", line);
}

/* The collection schedule; also the port's idle hook, so collections stay on time during a slow request. */
static uint64_t collect_if_due(void *unused)
{
	uint64_t now = port_monotonic_ms();

	(void)unused;
	if (now >= next_collect_ms) {
		/* a collection that cannot be stored was logged; pushing the older ones still helps */
		if (amp_agent_collect() != AMP_OK)
			AMP_LOG_D("agent", "collection at %llu ms not stored", (unsigned long long)now);
		next_collect_ms += agent_cfg->interval_ms;
		/* after a stall (suspend, a blocking DNS lookup) do not fire a burst of catch-up collections */
		if (next_collect_ms <= now)
			next_collect_ms = now + agent_cfg->interval_ms;
	}
	return next_collect_ms;
}

/*
 * When the next request is due (monotonic ms): a partly sent batch continues at once; otherwise when
 * max_samples_per_send samples wait, or the oldest has waited batch_send_deadline; never before a backoff
 * ends. UINT64_MAX when nothing waits.
 */
static uint64_t push_due_ms(uint64_t now)
{
	int64_t age;
	uint64_t due;

	if (!push_ready || amp_ring_frames(&ring) == 0)
		return UINT64_MAX;
	age = amp_clock_provisional(amp_ring_oldest_timestamp(&ring)) ? INT64_MAX
									: amp_clock_now_ms() - amp_ring_oldest_timestamp(&ring);
	if (amp_spool_enabled() && amp_ring_frames(&replay->ring) > 0)
		return now > next_push_ms ? now : next_push_ms;
	if (live.frames > 0 || ring.samples >= agent_cfg->max_samples_per_send || age < 0 ||
	    (uint64_t)age >= agent_cfg->batch_send_deadline_ms)
		due = now;
	else
		due = now + (agent_cfg->batch_send_deadline_ms - (uint64_t)age);
	return due > next_push_ms ? due : next_push_ms;
}

/*
 * While pushes fail, what the ring holds goes to the spool every spool_interval (and at once when
 * `now_too`), so a power cut loses at most an interval. While the link is up nothing is written.
 */
static void spool_if_due(bool now_too)
{
	uint64_t now = port_monotonic_ms();

	if (!amp_spool_enabled() || amp_ring_frames(&ring) == 0 || (!now_too && (push_failures == 0 || now < next_spool_ms)))
		return;
	next_spool_ms = now + agent_cfg->spool_interval_ms;
	if (amp_spool_write(&ring, &registry, &common_labels) != AMP_OK)
		AMP_LOG_D("agent", "spool write failed (logged by the spool)");
	ring.persisted_seq = amp_spool_persisted_seq();
}

/* On SIGTERM: push what is buffered, within shutdown_timeout. */
static void drain_on_shutdown(void)
{
	uint64_t deadline = port_monotonic_ms() + agent_cfg->shutdown_timeout_ms;
	struct amp_push_result res;

	while (push_ready && amp_ring_frames(&ring) > 0) {
		uint64_t now = port_monotonic_ms();
		bool retry;

		if (now >= deadline)
			break;
		if (push_once(&res, &retry) != AMP_OK && retry) {
			uint32_t delay;

			push_failures++;
			delay = backoff_ms(&res);
			if (now + delay >= deadline)
				break;
			port_sleep_ms(delay);
		}
	}
	if (amp_ring_frames(&ring) > 0 && amp_spool_enabled()) {
		spool_if_due(true);
		AMP_LOG_I("agent", "stopping; %u collections not pushed are in the spool", amp_ring_frames(&ring));
	} else if (amp_ring_frames(&ring) > 0) {
		AMP_LOG_W("agent", "stopping with %u collections (%llu samples in %zu bytes of the ring) not pushed",
			  amp_ring_frames(&ring), (unsigned long long)ring.samples, ring.bytes);
	}
	else
		AMP_LOG_I("agent", "stopping; everything collected was pushed");
}

int amp_agent_run(int (*reload)(void))
{
	static struct amp_push_result res;
	static char last_failure[sizeof(res.message) + 300];
	uint64_t start = port_monotonic_ms();
	uint32_t watchdog_ms = port_watchdog_interval_ms();

	/* host and path only: a query string may carry a receiver's token */
	AMP_LOG_I("agent", "pushing to %s:%u%.*s every %u ms", agent_cfg->url.host, (unsigned)agent_cfg->url.port,
		  (int)strcspn(agent_cfg->url.path, "?"), agent_cfg->url.path, (unsigned)agent_cfg->interval_ms);
	next_collect_ms = start;
	/* A fleet restarted together (power back, new firmware) spreads its first pushes over an interval. */
	next_push_ms = start + jitter(agent_cfg->interval_ms);
	port_set_idle_hook(collect_if_due, NULL, next_collect_ms);
	/* systemd Type=notify: started only now, with the configuration checked and the receiver known */
	if (port_notify("READY=1") == AMP_ERR_IO)
		AMP_LOG_W("agent", "NOTIFY_SOCKET is set but unusable: the service manager cannot be told we run");
	while (!port_stop_requested()) {
		uint64_t now, wake;

		uint64_t due;

		/* each pass of the loop proves it is not hung; WatchdogSec must outlast one push */
		if (watchdog_ms > 0)
			(void)port_notify("WATCHDOG=1");
		if (port_reload_requested() && reload != NULL)
			(void)reload();
		now = port_monotonic_ms();
		wake = collect_if_due(NULL);
		due = push_due_ms(now);

		if (due <= now) {
			bool retry;
			int rc = push_once(&res, &retry);

			if (rc == AMP_OK) {
				push_failures = 0;
				next_push_ms = 0;
				if (last_failure[0] != '\0') {
					AMP_LOG_I("push", "%s accepts samples again", agent_cfg->url.host);
					last_failure[0] = '\0';
				}
			} else if (retry) {
				uint32_t delay;

				push_failures++;
				delay = backoff_ms(&res);
				next_push_ms = port_monotonic_ms() + delay;
				report_failure(rc, &res, last_failure, sizeof(last_failure), delay);
				if (push_failures == 1)
					next_spool_ms = port_monotonic_ms() + agent_cfg->spool_interval_ms;
			} else {
				push_failures = 0; /* a refused batch says nothing about the link */
			}
			continue;
		}
		spool_if_due(false);
		if (due < wake)
			wake = due;
		if (amp_spool_enabled() && push_failures > 0 && next_spool_ms < wake)
			wake = next_spool_ms > now ? next_spool_ms : now + 1;
		/* a long wait is slept in pieces, so the watchdog hears from us in time */
		if (watchdog_ms > 0 && wake - now > watchdog_ms)
			wake = now + watchdog_ms;
		port_sleep_ms((uint32_t)(wake - now < 60000 ? wake - now : 60000));
	}
	(void)port_notify("STOPPING=1");
	port_set_idle_hook(NULL, NULL, 0);
	drain_on_shutdown();
	return AMP_OK;
}

static bool same_labels(const struct amp_labels_common *a, const struct amp_labels_common *b)
{
	if (a->count != b->count)
		return false;
	for (unsigned i = 0; i < a->count; i++) {
		if (strcmp(a->items[i].name, b->items[i].name) != 0 || strcmp(a->items[i].value, b->items[i].value) != 0)
			return false;
	}
	return true;
}

/* Keeps the current labels, with copies of their strings, for the frames collected under them. */
static void keep_previous_labels(void)
{
	size_t used = 0;

	prev_labels.count = common_labels.count;
	for (unsigned i = 0; i < common_labels.count; i++) {
		const char *pair[2] = {common_labels.items[i].name, common_labels.items[i].value};
		const char *copies[2];

		for (int k = 0; k < 2; k++) {
			size_t n = strlen(pair[k]) + 1;

			copies[k] = memcpy(prev_strings + used, pair[k], n); /* sized for the most labels of the most bytes */
			used += n;
		}
		prev_labels.items[i] = (struct amp_label){copies[0], copies[1]};
	}
	prev_boundary = ring.tail_seq + amp_ring_frames(&ring);
	prev_active = amp_ring_frames(&ring) > 0;
}

int amp_agent_reload(const struct amp_config *cfg)
{
	struct amp_label extra[CONFIG_MAX_EXTRA_LABELS > 0 ? CONFIG_MAX_EXTRA_LABELS : 1];
	struct amp_labels_common next;
	bool labels_change;

	for (unsigned i = 0; i < cfg->label_count; i++)
		extra[i] = (struct amp_label){cfg->labels[i].name, cfg->labels[i].value};
	if (amp_labels_common_init(&next, cfg->instance, cfg->job, extra, cfg->label_count) != AMP_OK) {
		AMP_LOG_E("agent", "%s: [labels], instance and job do not form a valid label set; keeping the old "
			  "configuration", cfg->source);
		return AMP_ERR_CONFIG;
	}
	labels_change = !same_labels(&next, &common_labels);
	if (labels_change && prev_active && ring.tail_seq < prev_boundary) {
		AMP_LOG_E("agent", "%s: labels changed again while collections under the labels before the last "
			  "reload are still unsent; keeping the old configuration (reload once they are pushed)",
			  cfg->source);
		return AMP_ERR_CONFIG;
	}
	if (strcmp(cfg->spool_dir, agent_cfg->spool_dir) != 0)
		AMP_LOG_W("agent", "%s: a new spool_dir takes effect at the next start", cfg->source);
	if (push_ready) {
		struct amp_push *other = push == &pushes[0] ? &pushes[1] : &pushes[0];
		int rc;

		amp_push_init(other);
		rc = amp_push_setup(other, cfg);
		if (rc != AMP_OK) {
			AMP_LOG_E("agent", "%s: [remote_write] %s; keeping the old configuration", cfg->source,
				  other->conn.error);
			amp_push_free(other);
			return rc;
		}
		amp_push_free(push);
		push = other;
		push_failures = 0;
		next_push_ms = 0;
	}
	if (labels_change) {
		/* what the spool will hold of the old frames must carry the old labels: write it now, close the file */
		if (amp_spool_enabled() && push_failures > 0)
			spool_if_due(true);
		amp_spool_rotate();
		keep_previous_labels();
	}
	/* even unchanged, the items must point into the new configuration's strings: the old one is wiped */
	common_labels = next;
	agent_cfg = cfg;
	collect_ctx.procfs = cfg->procfs;
	collect_ctx.sysfs = cfg->sysfs;
	collect_ctx.disabled = cfg->collectors_disabled;
	collect_ctx.filter = &cfg->filter;
	collect_ctx.textfile_dir = cfg->textfile_dir;
	collect_ctx.synthetic_series = cfg->synthetic_series;
	collect_ctx.filesystem = &cfg->filesystem;
	port_files_forget(); /* procfs and sysfs may name other trees now */
	AMP_LOG_I("agent", "%s: configuration reloaded%s", cfg->source,
		  labels_change && prev_active ? " (buffered samples keep the labels they were collected with)" : "");
	return AMP_OK;
}

const struct amp_selfstats *amp_agent_stats(void)
{
	return &stats;
}

void amp_agent_stop(void)
{
	if (push_ready)
		amp_push_free(push);
	push_ready = false;
}
