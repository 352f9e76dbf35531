/*
 * Remote-write encoder. The ring's walk yields the batch series by series in id order, each with its
 * samples from every frame; nanopb callbacks read straight from the walk, so nothing is copied per
 * request. A sizing pass decides how many series fit; the writing pass walks again.
 *
 * The series (TimeSeries, Label, Sample: nearly all of a request) are written with nanopb's field
 * primitives and sizes computed here, not as nanopb submessages: pb_encode_submessage encodes a message
 * twice (once to size it), so nested that encoded every label six times a request, and was most of the
 * agent's CPU. The bytes are the same as nanopb's (and protoc's: test_encoder.c).
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
	int pending;               /* ring.series is read but not yet returned (a walk resumed, below) */
};

static int walk_start(struct walk *w, const struct amp_encoder_batch *b)
{
	int rc;

	w->b = b;
	w->bounded = 0;
	w->error = 0;
	w->pending = 0;
	rc = amp_ring_walk_start(&w->ring, b->ring, b->frame_count);
	for (unsigned f = 0; rc == AMP_OK && b->restamp != NULL && f < w->ring.frames; f++)
		rc = b->restamp(&w->ring.timestamp[f]);
	return rc;
}

/* Moves to the next series of the request; 0 when none is left. */
static int walk_next(struct walk *w)
{
	if (w->pending) {
		w->pending = 0;
		return !(w->bounded && w->ring.series >= w->end);
	}
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

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* One series of the walk: its labels (with their lengths) and its size on the wire. */
struct series_wire {
	struct amp_label set[AMP_LABELS_MAX];
	size_t name_len[AMP_LABELS_MAX];
	size_t value_len[AMP_LABELS_MAX];
	unsigned labels;
	size_t size; /* of the TimeSeries message, without its own tag and length */
};

/* A length-delimited field with a one-byte tag (every field number here is below 16). */
static size_t delimited_size(size_t n)
{
	return 1 + varint_len(n) + n;
}

static size_t label_size(const struct series_wire *sw, unsigned i)
{
	return delimited_size(sw->name_len[i]) + delimited_size(sw->value_len[i]);
}

/* proto3: a field holding its default (all-zero bits, 0) is left out, as nanopb and protoc do. */
static bool value_is_default(double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	return bits == 0;
}

static size_t sample_size(double value, int64_t timestamp)
{
	return (value_is_default(value) ? 0 : 1 + 8) + (timestamp == 0 ? 0 : 1 + varint_len((uint64_t)timestamp));
}

static void series_wire_load(const struct walk *w, struct series_wire *sw)
{
	sw->labels = amp_labels_of(w->b->reg, w->ring.series, w->b->common, sw->set);
	sw->size = 0;
	for (unsigned i = 0; i < sw->labels; i++) {
		sw->name_len[i] = strlen(sw->set[i].name);
		sw->value_len[i] = strlen(sw->set[i].value);
		sw->size += delimited_size(label_size(sw, i));
	}
	/* Frames are oldest first, so samples of the series come out in time order. */
	for (unsigned f = 0; f < w->ring.frames; f++) {
		if (w->ring.present[f])
			sw->size += delimited_size(sample_size(w->ring.value[f], w->ring.timestamp[f]));
	}
}

static bool put_string_field(pb_ostream_t *stream, uint32_t tag, const char *s, size_t n)
{
	return pb_encode_tag(stream, PB_WT_STRING, tag) && pb_encode_string(stream, (const pb_byte_t *)s, n);
}

static bool put_series(pb_ostream_t *stream, const struct walk *w, const struct series_wire *sw)
{
	if (!pb_encode_varint(stream, sw->size))
		return false;
	for (unsigned i = 0; i < sw->labels; i++) {
		if (!pb_encode_tag(stream, PB_WT_STRING, prometheus_TimeSeries_labels_tag) ||
		    !pb_encode_varint(stream, label_size(sw, i)) ||
		    !put_string_field(stream, prometheus_Label_name_tag, sw->set[i].name, sw->name_len[i]) ||
		    !put_string_field(stream, prometheus_Label_value_tag, sw->set[i].value, sw->value_len[i]))
			return false;
	}
	for (unsigned f = 0; f < w->ring.frames; f++) {
		double value = w->ring.value[f];
		int64_t timestamp = w->ring.timestamp[f];

		if (!w->ring.present[f])
			continue;
		if (!pb_encode_tag(stream, PB_WT_STRING, prometheus_TimeSeries_samples_tag) ||
		    !pb_encode_varint(stream, sample_size(value, timestamp)))
			return false;
		if (!value_is_default(value) &&
		    (!pb_encode_tag(stream, PB_WT_64BIT, prometheus_Sample_value_tag) || !pb_encode_fixed64(stream, &value)))
			return false;
		if (timestamp != 0 && (!pb_encode_tag(stream, PB_WT_VARINT, prometheus_Sample_timestamp_tag) ||
				       !pb_encode_varint(stream, (uint64_t)timestamp)))
			return false;
	}
	return true;
}

/* static: AMP_LABELS_MAX labels and their lengths are too much for a small stack; one request at a time */
static struct series_wire series_wire;

static bool encode_timeseries(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
	struct walk *w = *arg;

	while (walk_next(w)) {
		series_wire_load(w, &series_wire);
		if (!pb_encode_tag_for_field(stream, field) || !put_series(stream, w, &series_wire))
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

/*
 * A batch larger than one request is sent as several, each continuing at the series where the last
 * stopped. Walking the frames again from their start would decode every series before that once per
 * request and pass (quadratic in the series), so the walk is kept where the last request stopped, on the
 * first series it left out: valid while the batch is the same frames of the same ring and goes on at that
 * series (not after a failed request, which is sent again from its own first series). The frames keep the
 * stamps the first request's restamp gave them, so every request of a collection carries the same one.
 */
static struct {
	const struct amp_ring *ring;
	uint64_t tail_seq;
	unsigned frames;
	amp_series_id series;
	bool valid;
} resume;

static bool can_resume(const struct walk *w, const struct amp_encoder_batch *b)
{
	return resume.valid && b->first_series > 0 && resume.ring == b->ring &&
	       resume.tail_seq == b->ring->tail_seq && resume.frames == b->frame_count &&
	       resume.series == b->first_series && w->ring.series == b->first_series;
}

int amp_encoder_encode(struct amp_encoder_batch *b, uint8_t *buf, size_t cap, size_t *len)
{
	/* static: walks are large with many frames, and there is one request in flight */
	static struct walk w, start; /* the walk; where this request's series start, for the writing pass */
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
	if (can_resume(&w, b)) {
		w.b = b;
		w.bounded = 0;
		w.error = 0;
		w.pending = 1;
	} else {
		rc = walk_start(&w, b);
		if (rc != AMP_OK)
			return rc == AMP_ERR_RANGE ? rc : AMP_ERR_INVALID;
	}
	resume.valid = false;
	start = w;
	while (walk_next(&w)) {
		uint32_t samples = walk_samples(&w);
		size_t size;

		series_wire_load(&w, &series_wire);
		size = delimited_size(series_wire.size);
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

	w = start;
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
	/* the writing pass stopped on next_series, read but left out: the next request starts there */
	if (!b->complete) {
		resume.ring = b->ring;
		resume.tail_seq = b->ring->tail_seq;
		resume.frames = b->frame_count;
		resume.series = b->next_series;
		resume.valid = true;
	}
	return AMP_OK;
}
