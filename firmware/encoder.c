/*
 * Remote-write encoder. The ring's walk yields the batch series by series in id order, each with its
 * samples from every frame; nanopb callbacks read straight from the walk, so nothing is copied per
 * request. A sizing pass decides how many series fit; the writing pass walks again.
 */
#include "encoder.h"
#include "remote.pb.h"

#include <pb_encode.h>
#include <string.h>

struct walk {
	const struct amp_encoder_batch *b;
	struct amp_ring_walk ring;
	amp_series_id end;         /* series at or above this are not in the request */
	int bounded;               /* end applies */
	int error;                 /* a corrupt frame stopped the walk */
};

static int walk_start(struct walk *w, const struct amp_encoder_batch *b)
{
	int rc;

	w->b = b;
	w->bounded = 0;
	w->error = 0;
	rc = amp_ring_walk_start(&w->ring, b->ring, b->frame_count);
	for (unsigned f = 0; rc == AMP_OK && b->restamp != NULL && f < w->ring.frames; f++)
		rc = b->restamp(&w->ring.timestamp[f]);
	return rc;
}

/* Moves to the next series of the request; 0 when none is left. */
static int walk_next(struct walk *w)
{
	for (;;) {
		int rc = amp_ring_walk_next(&w->ring);

		if (rc < 0)
			w->error = rc;
		if (rc <= 0)
			return 0;
		if (w->ring.series < w->b->first_series)
			continue;
		return !(w->bounded && w->ring.series >= w->end);
	}
}

static uint32_t walk_samples(const struct walk *w)
{
	uint32_t n = 0;

	for (unsigned f = 0; f < w->ring.frames; f++)
		n += w->ring.present[f];
	return n;
}

static bool encode_string(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
	const char *s = *arg;

	return pb_encode_tag_for_field(stream, field) && pb_encode_string(stream, (const pb_byte_t *)s, strlen(s));
}

static bool encode_labels(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
	const struct walk *w = *arg;
	struct amp_label set[AMP_LABELS_MAX];
	unsigned n = amp_labels_of(w->b->reg, w->ring.series, w->b->common, set);

	for (unsigned i = 0; i < n; i++) {
		prometheus_Label l = prometheus_Label_init_zero;

		l.name.funcs.encode = encode_string;
		l.name.arg = (void *)(uintptr_t)set[i].name;
		l.value.funcs.encode = encode_string;
		l.value.arg = (void *)(uintptr_t)set[i].value;
		if (!pb_encode_tag_for_field(stream, field) || !pb_encode_submessage(stream, prometheus_Label_fields, &l))
			return false;
	}
	return true;
}

static bool encode_samples(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
	const struct walk *w = *arg;

	/* Frames are oldest first, so samples of the series come out in time order. */
	for (unsigned f = 0; f < w->ring.frames; f++) {
		prometheus_Sample s;

		if (!w->ring.present[f])
			continue;
		s.value = w->ring.value[f];
		s.timestamp = w->ring.timestamp[f];
		if (!pb_encode_tag_for_field(stream, field) || !pb_encode_submessage(stream, prometheus_Sample_fields, &s))
			return false;
	}
	return true;
}

static void series_message(struct walk *w, prometheus_TimeSeries *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->labels.funcs.encode = encode_labels;
	ts->labels.arg = w;
	ts->samples.funcs.encode = encode_samples;
	ts->samples.arg = w;
}

static bool encode_timeseries(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
	struct walk *w = *arg;

	while (walk_next(w)) {
		prometheus_TimeSeries ts;

		series_message(w, &ts);
		if (!pb_encode_tag_for_field(stream, field) ||
		    !pb_encode_submessage(stream, prometheus_TimeSeries_fields, &ts))
			return false;
	}
	return w->error == 0;
}

/* The remote-write metric type of a family (MetricMetadata.MetricType). */
static prometheus_MetricMetadata_MetricType metadata_type(enum amp_metric_type t)
{
	switch (t) {
	case AMP_METRIC_COUNTER: return prometheus_MetricMetadata_MetricType_COUNTER;
	case AMP_METRIC_GAUGE: return prometheus_MetricMetadata_MetricType_GAUGE;
	default: return prometheus_MetricMetadata_MetricType_UNKNOWN;
	}
}

static void metadata_message(const struct amp_family *f, prometheus_MetricMetadata *m)
{
	memset(m, 0, sizeof(*m));
	m->type = metadata_type(f->type);
	m->metric_family_name.funcs.encode = encode_string;
	m->metric_family_name.arg = (void *)(uintptr_t)f->name;
	m->help.funcs.encode = encode_string;
	m->help.arg = (void *)(uintptr_t)f->help;
}

static bool metadata_due(const struct amp_encoder_batch *b, unsigned fam)
{
	return b->metadata_due != NULL && (b->metadata_due[fam / 8] >> (fam % 8)) & 1u;
}

static bool encode_metadata(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
	const struct amp_encoder_batch *b = *arg;

	for (unsigned fam = 0; fam < b->reg->family_count; fam++) {
		prometheus_MetricMetadata m;

		if (!metadata_due(b, fam))
			continue;
		metadata_message(b->reg->families[fam], &m);
		if (!pb_encode_tag_for_field(stream, field) ||
		    !pb_encode_submessage(stream, prometheus_MetricMetadata_fields, &m))
			return false;
	}
	return true;
}

static size_t varint_len(size_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

int amp_encoder_encode(struct amp_encoder_batch *b, uint8_t *buf, size_t cap, size_t *len)
{
	/* static: the walk is large with many frames, and there is one request in flight */
	static struct walk w;
	prometheus_WriteRequest req = prometheus_WriteRequest_init_zero;
	pb_ostream_t stream;
	size_t total = 0;
	int rc;

	b->series = 0;
	b->samples = 0;
	b->metadata = 0;
	b->complete = 1;

	/* Metadata first: a few hundred bytes per request, once an hour, rather than a sample less. */
	for (unsigned fam = 0; fam < b->reg->family_count; fam++) {
		prometheus_MetricMetadata m;
		size_t size;

		if (!metadata_due(b, fam))
			continue;
		metadata_message(b->reg->families[fam], &m);
		if (!pb_get_encoded_size(&size, prometheus_MetricMetadata_fields, &m))
			return AMP_ERR_ENCODE;
		total += 1 + varint_len(size) + size;
		b->metadata++;
	}
	if (total > cap / 2)
		return AMP_ERR_FULL; /* metadata crowding out the samples: CONFIG_REQUEST_BUF_BYTES far too small */

	/* Sizing pass: take series while they fit the buffer and the sample limit. */
	rc = walk_start(&w, b);
	if (rc != AMP_OK)
		return rc == AMP_ERR_RANGE ? rc : AMP_ERR_INVALID;
	while (walk_next(&w)) {
		prometheus_TimeSeries ts;
		uint32_t samples = walk_samples(&w);
		size_t size;

		series_message(&w, &ts);
		if (!pb_get_encoded_size(&size, prometheus_TimeSeries_fields, &ts))
			return AMP_ERR_ENCODE;
		size += 1 + varint_len(size);
		if (total + size > cap || (b->max_samples && b->samples + samples > b->max_samples)) {
			if (b->series == 0)
				return AMP_ERR_FULL;
			b->complete = 0;
			b->next_series = w.ring.series;
			break;
		}
		total += size;
		b->series++;
		b->samples += samples;
	}
	if (w.error != 0)
		return AMP_ERR_INVALID;
	if (b->series == 0)
		return AMP_ERR_NOTFOUND;

	if (walk_start(&w, b) != AMP_OK)
		return AMP_ERR_INVALID;
	w.bounded = !b->complete;
	w.end = b->next_series;
	req.timeseries.funcs.encode = encode_timeseries;
	req.timeseries.arg = &w;
	if (b->metadata > 0) {
		req.metadata.funcs.encode = encode_metadata;
		req.metadata.arg = (void *)(uintptr_t)b;
	}
	stream = pb_ostream_from_buffer(buf, cap);
	if (!pb_encode(&stream, prometheus_WriteRequest_fields, &req))
		return w.error != 0 ? AMP_ERR_INVALID : AMP_ERR_ENCODE;
	*len = stream.bytes_written;
	return AMP_OK;
}
