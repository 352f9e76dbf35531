/* Tests of the sample ring against a simple model: order, wrap-around, drop-oldest, release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ring.h"

#define MODEL_MAX 4096

struct model_frame {
	uint64_t seq;
	int64_t ts;
	unsigned count;
};

static struct model_frame model[MODEL_MAX];
static unsigned model_head, model_len;

static void model_check(const struct amp_ring *r)
{
	size_t pos = 0;
	struct amp_frame f;

	assert_int_equal(amp_ring_frames(r), model_len);
	for (unsigned i = 0; i < model_len; i++) {
		const struct model_frame *m = &model[(model_head + i) % MODEL_MAX];
		struct amp_frame_reader rd;
		amp_series_id id;
		double v;
		unsigned n = 0;

		assert_int_equal(amp_ring_get(r, i, &pos, &f), AMP_OK);
		assert_int_equal(f.seq, m->seq);
		assert_int_equal(f.timestamp_ms, m->ts);
		assert_int_equal(f.count, m->count);
		amp_frame_reader_init(&rd, &f);
		while (amp_frame_reader_next(&rd, &id, &v) == AMP_OK) {
			/* values encode (timestamp, id) so that a misplaced byte shows */
			assert_int_equal(id, n * 3);
			assert_true(v == (double)m->ts * 1000.0 + id);
			n++;
		}
		assert_int_equal(n, m->count);
	}
	assert_int_equal(amp_ring_get(r, model_len, &pos, &f), AMP_ERR_NOTFOUND);
}

static void push_frame(struct amp_ring *r, uint64_t seq, int64_t ts, unsigned count, uint64_t *dropped)
{
	static struct amp_frame_entry e[512];
	uint64_t before = r->dropped_frames;

	for (unsigned i = 0; i < count; i++) {
		e[i].id = (amp_series_id)(i * 3);
		e[i].value = (double)ts * 1000.0 + e[i].id;
	}
	assert_int_equal(amp_ring_push(r, ts, e, count), AMP_OK);
	/* the model drops as many oldest frames as the ring reported */
	for (uint64_t d = before; d < r->dropped_frames; d++) {
		model_head = (model_head + 1) % MODEL_MAX;
		model_len--;
	}
	*dropped += r->dropped_frames - before;
	model[(model_head + model_len) % MODEL_MAX] = (struct model_frame){seq, ts, count};
	model_len++;
}

static void test_random_push_and_release(void **state)
{
	static unsigned char storage[3000];
	struct amp_ring r;
	uint64_t seq = 0, dropped = 0, released = 0;

	(void)state;
	srand(7);
	model_head = model_len = 0;
	amp_ring_init(&r, storage, sizeof(storage));
	for (int step = 0; step < 20000; step++) {
		int action = rand() % 10;

		if (action < 7) {
			push_frame(&r, seq, (int64_t)seq * 15000, (unsigned)(rand() % 60), &dropped);
			seq++;
		} else if (model_len > 0) {
			unsigned k = (unsigned)(rand() % (int)model_len) + 1;
			uint64_t upto = model[(model_head + k - 1) % MODEL_MAX].seq + 1;

			amp_ring_release_before(&r, upto);
			model_head = (model_head + k) % MODEL_MAX;
			model_len -= k;
			released += k;
		}
		model_check(&r);
	}
	/* every frame is either still held, released or counted as dropped: none vanish */
	assert_int_equal(seq, model_len + dropped + released);
	assert_int_equal(r.dropped_frames, dropped);
	assert_true(dropped > 0);
}

static void test_refuses_unsorted_and_oversized(void **state)
{
	static unsigned char storage[256];
	struct amp_ring r;
	struct amp_frame_entry e[32] = {{5, 1.0}, {5, 2.0}};

	(void)state;
	amp_ring_init(&r, storage, sizeof(storage));
	assert_int_equal(amp_ring_push(&r, 1, e, 2), AMP_ERR_INVALID);
	for (unsigned i = 0; i < 32; i++)
		e[i].id = (amp_series_id)i;
	assert_int_equal(amp_ring_push(&r, 1, e, 32), AMP_ERR_FULL);
	assert_int_equal(amp_ring_frames(&r), 0);
}

static void test_full_ring_drops_oldest_and_counts(void **state)
{
	static unsigned char storage[16 + 10 * 4 + 16 + 10 * 4];
	struct amp_ring r;
	struct amp_frame_entry e[4] = {{0, 1}, {1, 2}, {2, 3}, {3, 4}};
	struct amp_frame f;
	size_t pos = 0;

	(void)state;
	amp_ring_init(&r, storage, sizeof(storage));
	for (int i = 0; i < 3; i++)
		assert_int_equal(amp_ring_push(&r, i, e, 4), AMP_OK);
	assert_int_equal(amp_ring_frames(&r), 2);
	assert_int_equal(r.dropped_frames, 1);
	assert_int_equal(r.dropped_samples, 4);
	assert_int_equal(amp_ring_get(&r, 0, &pos, &f), AMP_OK);
	assert_int_equal(f.timestamp_ms, 1);
	assert_int_equal(f.seq, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_push_and_release),
		cmocka_unit_test(test_refuses_unsorted_and_oversized),
		cmocka_unit_test(test_full_ring_drops_oldest_and_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
