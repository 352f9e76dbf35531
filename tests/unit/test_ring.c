/*
 * Tests of the sample ring against a simple model: exact values (bit for bit) through the compact coding,
 * series sets that change, wrap-around, drop-oldest with counts, release, and walks over any prefix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

#define MODEL_MAX 4096
#define SERIES 200

struct model_frame {
	uint64_t seq;
	int64_t ts;
	unsigned count;
	amp_series_id id[SERIES];
	double value[SERIES];
};

static struct model_frame model[MODEL_MAX];
static unsigned model_head, model_len;
static struct amp_ring ring;
static double last[SERIES];

static struct model_frame *model_at(unsigned i)
{
	return &model[(model_head + i) % MODEL_MAX];
}

static int same(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Walks the oldest n frames and compares every sample, bit for bit, with the model. */
static void check_walk(unsigned n)
{
	static struct amp_ring_walk w;
	unsigned seen[CONFIG_MAX_FRAMES_PER_REQUEST] = {0};
	int rc;
	int prev = -1;

	assert_int_equal(amp_ring_walk_start(&w, &ring, n), AMP_OK);
	for (unsigned f = 0; f < n; f++)
		assert_int_equal(w.timestamp[f], model_at(f)->ts);
	while ((rc = amp_ring_walk_next(&w)) == 1) {
		assert_true((int)w.series > prev);
		prev = w.series;
		for (unsigned f = 0; f < n; f++) {
			const struct model_frame *m = model_at(f);
			unsigned k = seen[f];
			int has = k < m->count && m->id[k] == w.series;

			assert_int_equal(w.present[f], has);
			if (has) {
				if (!same(w.value[f], m->value[k]))
					fail_msg("frame %u series %u: %.17g != %.17g", f, w.series, w.value[f], m->value[k]);
				seen[f]++;
			}
		}
	}
	assert_int_equal(rc, 0);
	for (unsigned f = 0; f < n; f++)
		assert_int_equal(seen[f], model_at(f)->count);
}

static double next_value(unsigned id, int kind)
{
	static const double specials[] = {0.0, -0.0, INFINITY, -INFINITY, 1e300, 5e-324};
	uint64_t stale = 0x7ff0000000000002ull;
	double v;

	switch (kind) {
	case 0: return last[id];                                         /* unchanged */
	case 1: return last[id] + (double)(rand() % 50);                 /* small counter step */
	case 2: return (double)(rand() % 1000000) / 100.0;               /* ticks / 100 */
	case 3: return (double)rand() * 1024.0;                          /* kB * 1024 */
	case 4: return (double)rand() / (double)RAND_MAX;                /* arbitrary fraction */
	case 5: memcpy(&v, &stale, sizeof(v)); return v;                 /* staleness marker */
	case 6: return specials[rand() % 6];
	case 7: return (double)((int64_t)rand() * 1000003) - 5e15;       /* large, negative */
	default: return -(double)(rand() % 1000) / 1000.0;
	}
}

static void push_random(uint64_t seq, uint64_t *dropped)
{
	static struct amp_frame_entry e[SERIES];
	struct model_frame *m;
	uint64_t before = ring.dropped_frames;
	unsigned n = 0;
	int keep_set = rand() % 4 != 0 && model_len > 0;

	for (unsigned id = 0; id < SERIES; id++) {
		/* most collections have the same series as the one before (the 1-byte "same set" frames) */
		int present = keep_set ? 0 : rand() % 3 != 0;

		if (keep_set) {
			const struct model_frame *p = model_at(model_len - 1);

			for (unsigned k = 0; k < p->count; k++)
				present |= p->id[k] == id;
		}
		if (!present)
			continue;
		e[n].id = (amp_series_id)id;
		e[n].value = next_value(id, rand() % 9);
		if (!isnan(e[n].value))
			last[id] = e[n].value;
		n++;
	}
	assert_int_equal(amp_ring_push(&ring, (int64_t)seq * 15000, e, n), AMP_OK);
	for (uint64_t d = before; d < ring.dropped_frames; d++) {
		model_head = (model_head + 1) % MODEL_MAX;
		model_len--;
	}
	*dropped += ring.dropped_frames - before;
	m = model_at(model_len);
	m->seq = seq;
	m->ts = (int64_t)seq * 15000;
	m->count = n;
	for (unsigned k = 0; k < n; k++) {
		m->id[k] = e[k].id;
		m->value[k] = e[k].value;
	}
	model_len++;
}

static void test_random_push_walk_release(void **state)
{
	static unsigned char storage[6000];
	uint64_t seq = 0, dropped = 0, released = 0;

	(void)state;
	srand(7);
	model_head = model_len = 0;
	memset(last, 0, sizeof(last));
	amp_ring_init(&ring, storage, sizeof(storage));
	for (int step = 0; step < 6000; step++) {
		int action = rand() % 10;

		if (action < 6) {
			push_random(seq++, &dropped);
		} else if (action < 8 && model_len > 0) {
			unsigned k = (unsigned)(rand() % (int)model_len) + 1;

			amp_ring_release_before(&ring, model_at(k - 1)->seq + 1);
			model_head = (model_head + k) % MODEL_MAX;
			model_len -= k;
			released += k;
		}
		assert_int_equal(amp_ring_frames(&ring), model_len);
		if (model_len > 0) {
			unsigned max = model_len < CONFIG_MAX_FRAMES_PER_REQUEST ? model_len : CONFIG_MAX_FRAMES_PER_REQUEST;

			check_walk((unsigned)(rand() % (int)max) + 1);
		}
	}
	/* every frame is either still held, released or counted as dropped: none vanish */
	assert_int_equal(seq, model_len + dropped + released);
	assert_int_equal(ring.dropped_frames, dropped);
	assert_true(dropped > 0);
	assert_true(released > 0);
}

static void test_refuses_unsorted_and_oversized(void **state)
{
	static unsigned char storage[64];
	struct amp_frame_entry e[32] = {{5, 1.0}, {5, 2.0}};

	(void)state;
	amp_ring_init(&ring, storage, sizeof(storage));
	assert_int_equal(amp_ring_push(&ring, 1, e, 2), AMP_ERR_INVALID);
	e[0].id = CONFIG_MAX_SERIES;
	assert_int_equal(amp_ring_push(&ring, 1, e, 1), AMP_ERR_INVALID);
	for (unsigned i = 0; i < 32; i++) {
		e[i].id = (amp_series_id)i;
		e[i].value = (double)rand() / 3.0;
	}
	/* a frame larger than the ring: refused, counted, and the ring stays usable */
	assert_int_equal(amp_ring_push(&ring, 1, e, 32), AMP_ERR_FULL);
	assert_int_equal(amp_ring_frames(&ring), 0);
	assert_int_equal(ring.dropped_samples, 32);
	assert_int_equal(amp_ring_push(&ring, 2, e, 2), AMP_OK);
	model_head = 0;
	model_len = 1;
	model[0] = (struct model_frame){.seq = 1, .ts = 2, .count = 2, .id = {0, 1}, .value = {e[0].value, e[1].value}};
	check_walk(1);
}

/* A frame as the ring lays it out (native endianness): header, then the id varints and value bits. */
static size_t frame_make(unsigned char *out, uint32_t count, uint8_t flags, const unsigned char *body, size_t body_len)
{
	uint32_t len = (uint32_t)(17 + body_len);
	int64_t ts = 1000;

	memcpy(out, &len, 4);
	memcpy(out + 4, &count, 4);
	memcpy(out + 8, &ts, 8);
	out[16] = flags;
	memcpy(out + 17, body, body_len);
	return len;
}

/*
 * Spool files are hostile: a value whose k is past 2^53 (the encoder never writes one), or a delta that
 * takes k past it, is refused (found by tests/fuzz/fuzz_ring: the delta overflowed int64).
 */
static void test_decode_refuses_k_out_of_range(void **state)
{
	/* id 0, new scale 0, k = 2^63 - 1 */
	static const unsigned char huge[] = {0x00, 0xc7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc};
	/* id 0, new scale 0, k = 2^53 - 1 (the largest the encoder writes) */
	static const unsigned char top[] = {0x00, 0xc6, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc};
	/* the previous frame's series, delta 2^63 - 1 */
	static const unsigned char delta[] = {0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xe0};
	struct amp_ring_codec c;
	struct amp_frame_entry out[CONFIG_MAX_SERIES];
	unsigned char frame[64];
	unsigned count;
	int64_t ts;
	size_t len;

	(void)state;
	amp_ring_codec_init(&c);
	len = frame_make(frame, 1, 1, huge, sizeof(huge));
	assert_int_equal(amp_ring_frame_decode(&c, frame, len, &ts, out, &count), AMP_ERR_INVALID);
	amp_ring_codec_init(&c);
	len = frame_make(frame, 1, 1, top, sizeof(top));
	assert_int_equal(amp_ring_frame_decode(&c, frame, len, &ts, out, &count), AMP_OK);
	assert_int_equal(count, 1);
	assert_true(out[0].value == 9007199254740991.0);
	len = frame_make(frame, 1, 0, delta, sizeof(delta));
	assert_int_equal(amp_ring_frame_decode(&c, frame, len, &ts, out, &count), AMP_ERR_INVALID);
}

/* Pushes a frame of 8 samples whose values change every time (so no frame codes smaller than another). */
static void push_changing(int64_t ts)
{
	struct amp_frame_entry e[8];

	for (unsigned i = 0; i < 8; i++) {
		e[i].id = (amp_series_id)i;
		e[i].value = (double)rand() / (double)RAND_MAX;
	}
	assert_int_equal(amp_ring_push(&ring, ts, e, 8), AMP_OK);
}

/*
 * A frame pushed out of a full ring while a request carries it (a collection during a slow request) is
 * counted as dropped only if that request did not deliver it: never both delivered and dropped.
 */
static void test_pushed_out_while_sending(void **state)
{
	static unsigned char storage[320];
	int64_t ts = 0;

	(void)state;
	amp_ring_init(&ring, storage, sizeof(storage));
	while (ring.dropped_frames == 0)
		push_changing(ts++);
	for (int delivered = 1; delivered >= 0; delivered--) {
		uint64_t frames = ring.dropped_frames, samples = ring.dropped_samples;
		uint64_t first = ring.tail_seq, out;

		amp_ring_sending(&ring, first, first + 1);
		push_changing(ts++);
		out = ring.tail_seq - first; /* the frame in flight, and any others the new one needed room from */
		assert_true(out >= 1);
		assert_int_equal(ring.dropped_frames, frames + out - 1);
		assert_int_equal(ring.dropped_samples, samples + 8 * (out - 1));
		amp_ring_sent(&ring, delivered);
		assert_int_equal(ring.dropped_frames, frames + out - (delivered ? 1 : 0));
		assert_int_equal(ring.dropped_samples, samples + 8 * (out - (delivered ? 1 : 0)));
	}
	/* with no request in flight, the oldest frame pushed out counts at once */
	{
		uint64_t frames = ring.dropped_frames, first = ring.tail_seq;

		push_changing(ts++);
		assert_int_equal(ring.dropped_frames, frames + (ring.tail_seq - first));
		assert_true(ring.tail_seq > first);
	}
}

/* The point of the coding: unchanged values cost a bit, counters a byte or two. */
static void test_compact(void **state)
{
	static unsigned char storage[1 << 20];
	static struct amp_frame_entry e[500];
	size_t bytes_after_first = 0;

	(void)state;
	amp_ring_init(&ring, storage, sizeof(storage));
	for (int f = 0; f < 100; f++) {
		for (unsigned i = 0; i < 500; i++) {
			e[i].id = (amp_series_id)i;
			if (i < 300)
				e[i].value = 4096.0 * 1024;                            /* constant gauges */
			else if (i < 450)
				e[i].value = (double)(1000000 + f * (int)i * 7) / 100.0; /* cpu-seconds-like counters */
			else
				e[i].value = (double)(123456789 + f * 1500);           /* byte counters */
		}
		assert_int_equal(amp_ring_push(&ring, f * 15000, e, 500), AMP_OK);
		if (f == 0)
			bytes_after_first = ring.bytes;
	}
	printf("ring: %.3f bytes per sample after the first collection\n",
	       (double)(ring.bytes - bytes_after_first) / (99.0 * 500));
	assert_true((double)(ring.bytes - bytes_after_first) / (99.0 * 500) < 1.5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_push_walk_release),
		cmocka_unit_test(test_refuses_unsorted_and_oversized),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_decode_refuses_k_out_of_range),
		cmocka_unit_test(test_pushed_out_while_sending),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
