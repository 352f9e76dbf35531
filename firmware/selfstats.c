/* Self-metrics: what an operator needs to see which gateways of a fleet are behind or losing data. */
#include "selfstats.h"

#include <stdio.h>

static const struct amp_family fam_up = {"up", "1 if the agent collected; as Prometheus sets for a scraped target.",
					 AMP_METRIC_GAUGE};
static const struct amp_family fam_build = {"amp_agent_build_info", "A metric with a constant '1' value labeled by "
					    "the agent's version.", AMP_METRIC_GAUGE};
static const struct amp_family fam_collected = {"amp_agent_samples_collected_total",
						"Samples collected into the ring (self-metrics included).",
						AMP_METRIC_COUNTER};
static const struct amp_family fam_pushed = {"amp_agent_samples_pushed_total",
					     "Samples the receiver accepted (2xx).", AMP_METRIC_COUNTER};
static const struct amp_family fam_dropped = {"amp_agent_samples_dropped_total",
					      "Samples lost, by reason.", AMP_METRIC_COUNTER};
static const struct amp_family fam_requests = {"amp_agent_requests_total",
					       "Remote-write requests by HTTP status class (error: no answer).",
					       AMP_METRIC_COUNTER};
static const struct amp_family fam_push_sum = {"amp_agent_push_duration_seconds_sum",
					       "Total time spent on remote-write requests.", AMP_METRIC_COUNTER};
static const struct amp_family fam_push_count = {"amp_agent_push_duration_seconds_count",
						 "Remote-write requests timed.", AMP_METRIC_COUNTER};
static const struct amp_family fam_push_last = {"amp_agent_last_push_duration_seconds",
						"Duration of the last remote-write request.", AMP_METRIC_GAUGE};
static const struct amp_family fam_last_ok = {"amp_agent_last_successful_push_timestamp_seconds",
					      "When the receiver last accepted a request (0: never).", AMP_METRIC_GAUGE};
static const struct amp_family fam_ring_used = {"amp_agent_ring_used_bytes",
						"Bytes of the sample ring holding samples not yet accepted.",
						AMP_METRIC_GAUGE};
static const struct amp_family fam_ring_cap = {"amp_agent_ring_capacity_bytes", "Size of the sample ring.",
					       AMP_METRIC_GAUGE};
static const struct amp_family fam_pending = {"amp_agent_pending_samples",
					      "Samples in the ring not yet accepted by the receiver.",
					      AMP_METRIC_GAUGE};
static const struct amp_family fam_pending_frames = {"amp_agent_pending_collections",
						     "Collections in the ring not yet accepted by the receiver.",
						     AMP_METRIC_GAUGE};
static const struct amp_family fam_spool = {"amp_agent_spool_written_bytes_total",
					    "Bytes written to the spool on flash (only while pushes fail).",
					    AMP_METRIC_COUNTER};
static const struct amp_family fam_filtered = {"amp_agent_samples_filtered_total",
					       "Samples the [filter] rules dropped before the ring, by what matched.",
					       AMP_METRIC_COUNTER};
static const struct amp_family fam_series = {"amp_agent_series", "Series known to the registry.",
					     AMP_METRIC_GAUGE};

static const char *const drop_reasons[AMP_DROP_REASON_COUNT] = {
	"ring_full", "too_old", "rejected", "rate_limited", "series_limit", "encode", "spool_full",
};
static const char *const request_classes[AMP_REQ_CLASS_COUNT] = {"2xx", "3xx", "4xx", "5xx", "error"};

enum amp_request_class amp_selfstats_class(int status)
{
	if (status >= 200 && status <= 299)
		return AMP_REQ_2XX;
	if (status >= 300 && status <= 399)
		return AMP_REQ_3XX;
	if (status >= 400 && status <= 499)
		return AMP_REQ_4XX;
	if (status >= 500 && status <= 599)
		return AMP_REQ_5XX;
	return AMP_REQ_ERROR;
}

void amp_selfstats_emit(struct amp_collect_ctx *ctx, const struct amp_selfstats *st, const struct amp_ring *ring,
			size_t ring_capacity)
{
	const struct amp_label version[] = {{"version", AMP_VERSION}};

	(void)amp_collect_emit(ctx, &fam_up, NULL, 0, 1.0);
	(void)amp_collect_emit(ctx, &fam_build, version, 1, 1.0);
	(void)amp_collect_emit(ctx, &fam_collected, NULL, 0, (double)st->samples_collected);
	(void)amp_collect_emit(ctx, &fam_pushed, NULL, 0, (double)st->samples_pushed);
	for (unsigned i = 0; i < AMP_DROP_REASON_COUNT; i++) {
		const struct amp_label l[] = {{"reason", drop_reasons[i]}};
		uint64_t n = i == AMP_DROP_RING_FULL ? ring->dropped_samples : st->dropped[i];

		(void)amp_collect_emit(ctx, &fam_dropped, l, 1, (double)n);
	}
	for (unsigned i = 0; i < AMP_REQ_CLASS_COUNT; i++) {
		const struct amp_label l[] = {{"status_class", request_classes[i]}};

		(void)amp_collect_emit(ctx, &fam_requests, l, 1, (double)st->requests[i]);
	}
	(void)amp_collect_emit(ctx, &fam_push_sum, NULL, 0, st->push_seconds_sum);
	(void)amp_collect_emit(ctx, &fam_push_count, NULL, 0,
			       (double)(st->requests[AMP_REQ_2XX] + st->requests[AMP_REQ_3XX] +
					st->requests[AMP_REQ_4XX] + st->requests[AMP_REQ_5XX] + st->requests[AMP_REQ_ERROR]));
	(void)amp_collect_emit(ctx, &fam_push_last, NULL, 0, st->push_seconds_last);
	(void)amp_collect_emit(ctx, &fam_last_ok, NULL, 0, (double)st->last_success_ms / 1000.0);
	(void)amp_collect_emit(ctx, &fam_ring_used, NULL, 0, (double)ring->bytes);
	(void)amp_collect_emit(ctx, &fam_ring_cap, NULL, 0, (double)ring_capacity);
	(void)amp_collect_emit(ctx, &fam_pending, NULL, 0, (double)ring->samples);
	(void)amp_collect_emit(ctx, &fam_pending_frames, NULL, 0, (double)ring->frames);
	(void)amp_collect_emit(ctx, &fam_series, NULL, 0, (double)amp_registry_count(ctx->reg));
	(void)amp_collect_emit(ctx, &fam_spool, NULL, 0, (double)st->spool_bytes_written);
	{
		const struct amp_label by_name[] = {{"reason", "name"}};
		const struct amp_label by_label[] = {{"reason", "label"}};

		(void)amp_collect_emit(ctx, &fam_filtered, by_name, 1, (double)ctx->filtered_by_name);
		(void)amp_collect_emit(ctx, &fam_filtered, by_label, 1, (double)ctx->filtered_by_label);
	}
}
