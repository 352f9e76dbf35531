/* Agent loop and the statically allocated state it owns: registry, ring, request buffers, connection. */
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

#include <stdio.h>
#include <string.h>

/* snappy's worst case for n input bytes is 32 + n + n / 6 (snappy_max_compressed_length). */
#define COMPRESSED_BUF_BYTES (32 + CONFIG_REQUEST_BUF_BYTES + CONFIG_REQUEST_BUF_BYTES / 6)

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
static struct amp_encoder_batch batch;
static struct amp_push push;
static bool push_ready;

/* The batch in flight: which frames it holds, so that a partly sent batch never gains new frames. */
static uint64_t batch_first_seq;
static unsigned batch_frames;

int amp_agent_start(const struct amp_config *cfg, bool network)
{
	struct amp_label extra[CONFIG_MAX_EXTRA_LABELS > 0 ? CONFIG_MAX_EXTRA_LABELS : 1];
	int rc;

	agent_cfg = cfg;
	amp_registry_init(&registry);
	amp_ring_init(&ring, ring_storage, sizeof(ring_storage));
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
	collect_ctx.disabled = cfg->collectors_disabled;
	collect_ctx.reg = &registry;
	collect_ctx.entries = frame_entries;
	collect_ctx.entry_cap = CONFIG_MAX_SERIES;
	collect_ctx.buf = file_buf;
	collect_ctx.buf_cap = sizeof(file_buf);
	batch_frames = 0;
	push_ready = false;
	if (!network)
		return AMP_OK;
	amp_push_init(&push);
	rc = amp_push_setup(&push, cfg);
	if (rc != AMP_OK) {
		AMP_LOG_E("agent", "%s: [remote_write] %s", cfg->source, push.conn.error);
		return rc;
	}
	push_ready = true;
	return AMP_OK;
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
	if (collect_ctx.dropped_series > 0)
		AMP_LOG_D("agent", "%u series dropped (registry full or invalid)", (unsigned)collect_ctx.dropped_series);
	rc = amp_ring_push(&ring, now, collect_ctx.entries, collect_ctx.entry_count);
	if (rc != AMP_OK)
		AMP_LOG_E("agent", "cannot store a collection of %u samples: %s (CONFIG_RING_BYTES too small)",
			  collect_ctx.entry_count, amp_strerror(rc));
	return rc;
}

/* Fills the batch with the frames of the request in flight, choosing them when none is. */
static void batch_load(void)
{
	size_t pos = 0;
	unsigned avail = amp_ring_frames(&ring);

	/* Frames of a partly sent batch pushed out of a full ring: start a new batch (the rest was counted as dropped). */
	if (batch_frames > 0 && (ring.tail_seq != batch_first_seq || avail < batch_frames))
		batch_frames = 0;
	if (batch_frames == 0) {
		batch_frames = avail < CONFIG_MAX_FRAMES_PER_REQUEST ? avail : CONFIG_MAX_FRAMES_PER_REQUEST;
		batch_first_seq = ring.tail_seq;
		batch.first_series = 0;
	}
	batch.reg = &registry;
	batch.common = &common_labels;
	batch.frame_count = batch_frames;
	batch.max_samples = 0;
	for (unsigned i = 0; i < batch_frames; i++) {
		int rc = amp_ring_get(&ring, i, &pos, &batch.frames[i]);

		(void)rc; /* i < frames: always found */
		/* frames collected while the clock was unknown get their time now (flush checked it is known) */
		rc = amp_clock_restamp(&batch.frames[i].timestamp_ms);
		(void)rc;
	}
}

static void batch_done(void)
{
	amp_ring_release_before(&ring, batch_first_seq + batch_frames);
	batch_frames = 0;
}

int amp_agent_flush(struct amp_push_result *last)
{
	static struct amp_push_result scratch;
	struct amp_push_result *res = last ? last : &scratch;

	if (!push_ready)
		return AMP_ERR_CONNECT;
	/* samples are never sent with a time known to be wrong: ask the receiver for it first */
	if (amp_ring_frames(&ring) > 0 && !amp_clock_trusted()) {
		int rc = amp_push_probe_clock(&push, res);

		if (rc != AMP_OK)
			return rc; /* res->message says why the samples wait */
	}
	while (amp_ring_frames(&ring) > 0) {
		size_t len, zlen;
		int rc;

		batch_load();
		rc = amp_encoder_encode(&batch, request_buf, sizeof(request_buf), &len);
		if (rc == AMP_ERR_NOTFOUND) {
			/* frames without samples (every collector skipped): nothing to send */
			batch_done();
			continue;
		}
		if (rc != AMP_OK) {
			AMP_LOG_E("push", "cannot encode a request: %s (a series larger than CONFIG_REQUEST_BUF_BYTES?)",
				  amp_strerror(rc));
			batch_done();
			return rc;
		}
		rc = amp_compress(request_buf, len, compressed_buf, sizeof(compressed_buf), &zlen);
		if (rc != AMP_OK) {
			AMP_LOG_E("push", "cannot compress a request: %s", amp_strerror(rc));
			return rc;
		}
		rc = amp_push_send(&push, compressed_buf, zlen, res);
		if (rc != AMP_OK)
			return rc; /* the caller reports it: once per outage in the loop, as the exit line of --once */
		AMP_LOG_D("push", "%s accepted %u series, %u samples (%zu bytes, %zu compressed): %d",
			  agent_cfg->url.host, (unsigned)batch.series, (unsigned)batch.samples, len, zlen, res->status);
		if (batch.complete)
			batch_done();
		else
			batch.first_series = batch.next_series;
	}
	return AMP_OK;
}

int amp_agent_print(FILE *out)
{
	int rc = amp_agent_collect();

	if (rc != AMP_OK)
		return rc;
	return amp_expo_write(out, &registry, &common_labels, collect_ctx.entries, collect_ctx.entry_count);
}

/* Logs a failed push once per outage (and again when the reason changes), not once per interval. */
static void report_failure(int rc, const struct amp_push_result *res, char *last, size_t cap)
{
	char line[sizeof(res->message) + 300]; /* room for the host name and the status */

	if (rc == AMP_ERR_REJECTED)
		snprintf(line, sizeof(line), "%s answered %d: %s", agent_cfg->url.host, res->status, res->message);
	else
		snprintf(line, sizeof(line), "%s", res->message[0] ? res->message : amp_strerror(rc));
	if (strncmp(line, last, cap) == 0) {
		AMP_LOG_D("push", "%s", line);
		return;
	}
	AMP_LOG_E("push", "%s (%u collections held)", line, amp_ring_frames(&ring));
	snprintf(last, cap, "%s", line);
}

int amp_agent_run(void)
{
	static struct amp_push_result res;
	static char last_failure[sizeof(res.message) + 300];
	uint64_t next = port_monotonic_ms();

	/* host and path only: a query string may carry a receiver's token */
	AMP_LOG_I("agent", "pushing to %s:%u%.*s every %u ms", agent_cfg->url.host, (unsigned)agent_cfg->url.port,
		  (int)strcspn(agent_cfg->url.path, "?"), agent_cfg->url.path, (unsigned)agent_cfg->interval_ms);
	while (!port_stop_requested()) {
		uint64_t now = port_monotonic_ms();

		if (now >= next) {
			int rc;

			/* a collection that cannot be stored was logged; pushing the older ones still helps */
			if (amp_agent_collect() != AMP_OK)
				AMP_LOG_D("agent", "collection at %llu ms not stored", (unsigned long long)now);
			next += agent_cfg->interval_ms;
			/* after a stall (suspend, a slow receiver) do not fire a burst of catch-up collections */
			if (next <= now)
				next = now + agent_cfg->interval_ms;
			rc = amp_agent_flush(&res);
			if (rc != AMP_OK) {
				report_failure(rc, &res, last_failure, sizeof(last_failure));
			} else if (last_failure[0] != '\0') {
				AMP_LOG_I("push", "%s accepts samples again", agent_cfg->url.host);
				last_failure[0] = '\0';
			}
			continue;
		}
		port_sleep_ms((uint32_t)(next - now));
	}
	AMP_LOG_I("agent", "stopping; %u collections not yet pushed", amp_ring_frames(&ring));
	return AMP_OK;
}

void amp_agent_stop(void)
{
	if (push_ready)
		amp_push_free(&push);
	push_ready = false;
}
