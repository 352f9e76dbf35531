/*
 * Remote-write encoder. Frames hold (id, value) pairs in id order, so one cursor per frame walks every
 * frame in step: the next series is the smallest id under the cursors, and its samples are the frames
 * whose cursor shows it. nanopb callbacks read straight from there; nothing is copied per request.
 */
#include "encoder.h"
#include "remote.pb.h"

#include <pb_encode.h>
#include <string.h>

struct cursor {
	struct amp_frame_reader rd;
	amp_series_id id;
	double value;
	int valid;
};

struct walk {
	const struct amp_encoder_batch *b;
	struct cursor cur[CONFIG_MAX_FRAMES_PER_REQUEST];
	amp_series_id series;      /* the series being encoded */
	amp_series_id end;         /* series at or above this are not in the request */
	int bounded;               /* end applies */
};

static void cursor_step(struct cursor *c)
{
	c->valid = amp_frame_reader_next(&c->rd, &c->id, &c->value) == AMP_OK;
}

static void walk_start(struct walk *w, const struct amp_encoder_batch *b)
{
	w->b = b;
	w->bounded = 0;
	for (unsigned f = 0; f < b->frame_count; f++) {
		struct cursor *c = &w->cur[f];

		amp_frame_reader_init(&c->rd, &b->frames[f]);
		do
			cursor_step(c);
		while (c->valid && c->id < b->first_series);
	}
}

/* The next series under the cursors; 0 when none is left (or it is beyond the request's end). */
static int walk_next(struct walk *w)
{
	int found = 0;

	for (unsigned f = 0; f < w->b->frame_count; f++) {
		const struct cursor *c = &w->cur[f];

		if (c->valid && (!found || c->id < w->series)) {
			w->series = c->id;
			found = 1;
		}
	}
	return found && !(w->bounded && w->series >= w->end);
}

static uint32_t walk_samples(const struct walk *w)
{
	uint32_t n = 0;

	for (unsigned f = 0; f < w->b->frame_count; f++)
		n += w->cur[f].valid && w->cur[f].id == w->series;
	return n;
}

static void walk_advance(struct walk *w)
{
	for (unsigned f = 0; f < w->b->frame_count; f++) {
		if (w->cur[f].valid && w->cur[f].id == w->series)
			cursor_step(&w->cur[f]);
	}
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
	unsigned n = amp_labels_of(w->b->reg, w->series, w->b->common, set);

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
	for (unsigned f = 0; f < w->b->frame_count; f++) {
		const struct cursor *c = &w->cur[f];
		prometheus_Sample s;

		if (!c->valid || c->id != w->series)
			continue;
		s.value = c->value;
		s.timestamp = w->b->frames[f].timestamp_ms;
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
		walk_advance(w);
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
	/* static: the cursors are large with many frames, and there is one request in flight */
	static struct walk w;
	prometheus_WriteRequest req = prometheus_WriteRequest_init_zero;
	pb_ostream_t stream;
	size_t total = 0;

	b->series = 0;
	b->samples = 0;
	b->complete = 1;

	/* Sizing pass: take series while they fit the buffer and the sample limit. */
	walk_start(&w, b);
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
			b->next_series = w.series;
			break;
		}
		total += size;
		b->series++;
		b->samples += samples;
		walk_advance(&w);
	}
	if (b->series == 0)
		return AMP_ERR_NOTFOUND;

	walk_start(&w, b);
	w.bounded = !b->complete;
	w.end = b->next_series;
	req.timeseries.funcs.encode = encode_timeseries;
	req.timeseries.arg = &w;
	stream = pb_ostream_from_buffer(buf, cap);
	if (!pb_encode(&stream, prometheus_WriteRequest_fields, &req))
		return AMP_ERR_ENCODE;
	*len = stream.bytes_written;
	return AMP_OK;
}
