/*
 * Tests of the remote-write encoder, byte for byte against an independent encoder: protoc --encode of
 * the same WriteRequest written in protobuf text format (AMP_PROTOC, AMP_PROTO_DIR from ctest).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encoder.h"

static struct amp_registry reg;
static struct amp_labels_common common;
static unsigned char ring_storage[1 << 16];
static struct amp_ring ring;
static uint8_t out[1 << 16];
static struct amp_encoder_batch batch;

static const struct amp_family fam_cpu = {"node_cpu_seconds_total", "cpu", AMP_METRIC_COUNTER};
static const struct amp_family fam_load = {"node_load1", "load", AMP_METRIC_GAUGE};

/* Encodes `text` (protobuf text format of a WriteRequest) with protoc; returns the byte count. */
static size_t protoc_encode(const char *text, uint8_t *bytes, size_t cap)
{
	const char *protoc = getenv("AMP_PROTOC");
	const char *dir = getenv("AMP_PROTO_DIR");
	char in_path[] = "/tmp/amp-enc-in-XXXXXX";
	char out_path[] = "/tmp/amp-enc-out-XXXXXX";
	char cmd[1024];
	int in_fd = mkstemp(in_path), out_fd = mkstemp(out_path);
	FILE *f;
	size_t n;

	if (protoc == NULL || dir == NULL)
		fail_msg("AMP_PROTOC and AMP_PROTO_DIR must name protoc and the proto folder (set by ctest)");
	assert_true(in_fd >= 0 && out_fd >= 0);
	assert_int_equal(write(in_fd, text, strlen(text)), (ssize_t)strlen(text));
	close(in_fd);
	close(out_fd);
	snprintf(cmd, sizeof(cmd), "'%s' -I'%s' --encode=prometheus.WriteRequest remote.proto <%s >%s", protoc, dir,
		 in_path, out_path);
	assert_int_equal(system(cmd), 0);
	f = fopen(out_path, "rb");
	assert_non_null(f);
	n = fread(bytes, 1, cap, f);
	fclose(f);
	unlink(in_path);
	unlink(out_path);
	return n;
}

static int setup(void **state)
{
	const struct amp_label extra[] = {{"site", "tokyo-1"}, {"Zone", "A"}};

	(void)state;
	amp_registry_init(&reg);
	amp_ring_init(&ring, ring_storage, sizeof(ring_storage));
	memset(&batch, 0, sizeof(batch));
	assert_int_equal(amp_labels_common_init(&common, "gw-001", "amp-agent", extra, 2), AMP_OK);
	return 0;
}

static amp_series_id series(const struct amp_family *fam, const char *cpu, const char *mode)
{
	const struct amp_label l[] = {{"cpu", cpu}, {"mode", mode}};
	amp_series_id id;

	assert_int_equal(amp_registry_intern(&reg, fam, l, cpu ? 2 : 0, &id), AMP_OK);
	return id;
}

static void fill_batch(void)
{
	batch.reg = &reg;
	batch.common = &common;
	batch.ring = &ring;
	batch.frame_count = amp_ring_frames(&ring);
}

static void test_matches_protoc_byte_for_byte(void **state)
{
	amp_series_id idle = series(&fam_cpu, "0", "idle");
	amp_series_id load = series(&fam_load, NULL, NULL);
	amp_series_id user = series(&fam_cpu, "0", "user");
	const struct amp_frame_entry f1[] = {{idle, 1234.56}, {load, 0.25}, {user, 0.0}};
	const struct amp_frame_entry f2[] = {{idle, 1249.5}, {user, 1e-300}}; /* load absent in the 2nd collection */
	static uint8_t expect[1 << 16];
	size_t len, n;
	const char *text =
		"timeseries {\n"
		" labels { name: \"Zone\" value: \"A\" }\n"
		" labels { name: \"__name__\" value: \"node_cpu_seconds_total\" }\n"
		" labels { name: \"cpu\" value: \"0\" }\n"
		" labels { name: \"instance\" value: \"gw-001\" }\n"
		" labels { name: \"job\" value: \"amp-agent\" }\n"
		" labels { name: \"mode\" value: \"idle\" }\n"
		" labels { name: \"site\" value: \"tokyo-1\" }\n"
		" samples { value: 1234.56 timestamp: 1700000000000 }\n"
		" samples { value: 1249.5 timestamp: 1700000015000 }\n"
		"}\n"
		"timeseries {\n"
		" labels { name: \"Zone\" value: \"A\" }\n"
		" labels { name: \"__name__\" value: \"node_load1\" }\n"
		" labels { name: \"instance\" value: \"gw-001\" }\n"
		" labels { name: \"job\" value: \"amp-agent\" }\n"
		" labels { name: \"site\" value: \"tokyo-1\" }\n"
		" samples { value: 0.25 timestamp: 1700000000000 }\n"
		"}\n"
		"timeseries {\n"
		" labels { name: \"Zone\" value: \"A\" }\n"
		" labels { name: \"__name__\" value: \"node_cpu_seconds_total\" }\n"
		" labels { name: \"cpu\" value: \"0\" }\n"
		" labels { name: \"instance\" value: \"gw-001\" }\n"
		" labels { name: \"job\" value: \"amp-agent\" }\n"
		" labels { name: \"mode\" value: \"user\" }\n"
		" labels { name: \"site\" value: \"tokyo-1\" }\n"
		" samples { value: 0 timestamp: 1700000000000 }\n"
		" samples { value: 1e-300 timestamp: 1700000015000 }\n"
		"}\n";

	(void)state;
	assert_int_equal(amp_ring_push(&ring, 1700000000000, f1, 3), AMP_OK);
	assert_int_equal(amp_ring_push(&ring, 1700000015000, f2, 2), AMP_OK);
	fill_batch();
	assert_int_equal(amp_encoder_encode(&batch, out, sizeof(out), &len), AMP_OK);
	assert_true(batch.complete);
	assert_int_equal(batch.series, 3);
	assert_int_equal(batch.samples, 5);
	n = protoc_encode(text, expect, sizeof(expect));
	assert_int_equal(len, n);
	assert_memory_equal(out, expect, n);
}

/* Values and timestamps at and around proto3's defaults: 0 is left out, -0 (its sign bit) and negatives are not. */
static void test_defaults_match_protoc(void **state)
{
	amp_series_id load = series(&fam_load, NULL, NULL);
	const struct amp_frame_entry f1[] = {{load, -0.0}};
	const struct amp_frame_entry f2[] = {{load, 0.0}};
	const struct amp_frame_entry f3[] = {{load, -1e308}};
	static uint8_t expect[1 << 12];
	size_t len, n;
	const char *text =
		"timeseries {\n"
		" labels { name: \"Zone\" value: \"A\" }\n"
		" labels { name: \"__name__\" value: \"node_load1\" }\n"
		" labels { name: \"instance\" value: \"gw-001\" }\n"
		" labels { name: \"job\" value: \"amp-agent\" }\n"
		" labels { name: \"site\" value: \"tokyo-1\" }\n"
		" samples { value: -0 timestamp: -1000 }\n"
		" samples { value: 0 timestamp: 0 }\n"
		" samples { value: -1e308 timestamp: 1 }\n"
		"}\n";

	(void)state;
	assert_int_equal(amp_ring_push(&ring, -1000, f1, 1), AMP_OK);
	assert_int_equal(amp_ring_push(&ring, 0, f2, 1), AMP_OK);
	assert_int_equal(amp_ring_push(&ring, 1, f3, 1), AMP_OK);
	fill_batch();
	assert_int_equal(amp_encoder_encode(&batch, out, sizeof(out), &len), AMP_OK);
	assert_int_equal(batch.samples, 3);
	n = protoc_encode(text, expect, sizeof(expect));
	assert_int_equal(len, n);
	assert_memory_equal(out, expect, n);
}

/* Metadata of the due families leads the request, as protoc encodes it. */
static void test_metadata_matches_protoc(void **state)
{
	amp_series_id load = series(&fam_load, NULL, NULL);
	amp_series_id idle = series(&fam_cpu, "0", "idle");
	const struct amp_frame_entry f1[] = {{load, 0.5}, {idle, 3}};
	static const uint8_t due[1] = {0x3};
	static uint8_t expect[1 << 16];
	size_t len, n;
	const char *text =
		"timeseries {\n"
		" labels { name: \"Zone\" value: \"A\" }\n"
		" labels { name: \"__name__\" value: \"node_load1\" }\n"
		" labels { name: \"instance\" value: \"gw-001\" }\n"
		" labels { name: \"job\" value: \"amp-agent\" }\n"
		" labels { name: \"site\" value: \"tokyo-1\" }\n"
		" samples { value: 0.5 timestamp: 5000 }\n"
		"}\n"
		"timeseries {\n"
		" labels { name: \"Zone\" value: \"A\" }\n"
		" labels { name: \"__name__\" value: \"node_cpu_seconds_total\" }\n"
		" labels { name: \"cpu\" value: \"0\" }\n"
		" labels { name: \"instance\" value: \"gw-001\" }\n"
		" labels { name: \"job\" value: \"amp-agent\" }\n"
		" labels { name: \"mode\" value: \"idle\" }\n"
		" labels { name: \"site\" value: \"tokyo-1\" }\n"
		" samples { value: 3 timestamp: 5000 }\n"
		"}\n"
		"metadata { type: GAUGE metric_family_name: \"node_load1\" help: \"load\" }\n"
		"metadata { type: COUNTER metric_family_name: \"node_cpu_seconds_total\" help: \"cpu\" }\n";

	(void)state;
	assert_int_equal(amp_ring_push(&ring, 5000, f1, 2), AMP_OK);
	fill_batch();
	batch.metadata_due = due;
	assert_int_equal(amp_encoder_encode(&batch, out, sizeof(out), &len), AMP_OK);
	assert_int_equal(batch.metadata, 2);
	n = protoc_encode(text, expect, sizeof(expect));
	assert_int_equal(len, n);
	assert_memory_equal(out, expect, n);
}

/* A batch larger than one request is split by series, every sample sent exactly once, in order. */
static void test_split_by_buffer_and_sample_limit(void **state)
{
	struct amp_frame_entry e[40];
	char cpu[8];
	size_t len;
	unsigned requests = 0, samples = 0, series_total = 0;

	(void)state;
	for (unsigned i = 0; i < 40; i++) {
		snprintf(cpu, sizeof(cpu), "%u", i);
		e[i].id = series(&fam_cpu, cpu, "idle");
		e[i].value = i;
	}
	for (int f = 0; f < 3; f++)
		assert_int_equal(amp_ring_push(&ring, 1000 * (f + 1), e, 40), AMP_OK);
	fill_batch();
	batch.max_samples = 25;
	for (;;) {
		assert_int_equal(amp_encoder_encode(&batch, out, 1500, &len), AMP_OK);
		assert_true(len <= 1500);
		assert_true(batch.samples <= 25);
		assert_int_equal(batch.samples, batch.series * 3);
		requests++;
		samples += batch.samples;
		series_total += batch.series;
		if (batch.complete)
			break;
		assert_int_equal(batch.next_series, batch.first_series + batch.series);
		batch.first_series = batch.next_series;
	}
	assert_int_equal(samples, 120);
	assert_int_equal(series_total, 40);
	assert_true(requests >= 5);
	/* a buffer too small for any series is an error, not an empty request */
	batch.first_series = 0;
	assert_int_equal(amp_encoder_encode(&batch, out, 20, &len), AMP_ERR_FULL);
	/* nothing at or after first_series */
	batch.first_series = 40;
	assert_int_equal(amp_encoder_encode(&batch, out, sizeof(out), &len), AMP_ERR_NOTFOUND);
}

/*
 * A batch sent as several requests: each request continuing where the last stopped (the walk resumed)
 * is byte for byte the one encoded from scratch, and a request sent again after a failure (same first
 * series) is the same bytes too.
 */
static void test_continued_requests_match_fresh_ones(void **state)
{
	enum { MAX_REQUESTS = 16 };
	static uint8_t fresh[MAX_REQUESTS][4096], again[4096];
	static size_t fresh_len[MAX_REQUESTS];
	static amp_series_id fresh_first[MAX_REQUESTS];
	static uint8_t other_storage[4096];
	static struct amp_ring other;
	struct amp_encoder_batch other_batch;
	struct amp_frame_entry e[40];
	char cpu[8];
	size_t len, again_len;
	unsigned requests = 0, n;

	(void)state;
	for (unsigned i = 0; i < 40; i++) {
		snprintf(cpu, sizeof(cpu), "%u", i);
		e[i].id = series(&fam_cpu, cpu, i % 2 ? "idle" : "user");
	}
	for (int f = 0; f < 4; f++) {
		for (unsigned i = 0; i < 40; i++)
			e[i].value = i * 1.5 + f * (i % 3);
		/* some series missing from some collections: the frames' id lists differ */
		assert_int_equal(amp_ring_push(&ring, 1000 * (f + 1), e + f, 40 - 2 * f), AMP_OK);
	}
	fill_batch();
	batch.max_samples = 22;
	/* another ring, sent whole: encoding it leaves nothing to resume */
	amp_ring_init(&other, other_storage, sizeof(other_storage));
	assert_int_equal(amp_ring_push(&other, 1000, e, 1), AMP_OK);
	other_batch = batch;
	other_batch.ring = &other;
	other_batch.frame_count = 1;
	other_batch.max_samples = 0;

	/* each request from scratch */
	for (n = 0; n < MAX_REQUESTS; n++) {
		fresh_first[n] = batch.first_series;
		assert_int_equal(amp_encoder_encode(&other_batch, again, sizeof(again), &again_len), AMP_OK);
		assert_true(other_batch.complete);
		assert_int_equal(amp_encoder_encode(&batch, fresh[n], sizeof(fresh[n]), &fresh_len[n]), AMP_OK);
		if (batch.complete)
			break;
		batch.first_series = batch.next_series;
	}
	assert_true(n >= 3 && n < MAX_REQUESTS);
	/* the same requests, each continuing the last; each sent twice (a retry starts over) */
	batch.first_series = 0;
	for (;;) {
		amp_series_id first = batch.first_series;
		int complete;
		amp_series_id next;

		assert_int_equal(amp_encoder_encode(&batch, out, sizeof(out), &len), AMP_OK);
		assert_int_equal(first, fresh_first[requests]);
		assert_int_equal(len, fresh_len[requests]);
		assert_memory_equal(out, fresh[requests], len);
		complete = batch.complete;
		next = batch.next_series;
		assert_int_equal(amp_encoder_encode(&batch, again, sizeof(again), &again_len), AMP_OK);
		assert_int_equal(again_len, len);
		assert_memory_equal(again, out, len);
		requests++;
		if (complete)
			break;
		/* the retry above started over and stopped at next again: the next request continues from it */
		batch.first_series = next;
	}
	assert_int_equal(requests, n + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_matches_protoc_byte_for_byte, setup),
		cmocka_unit_test_setup(test_split_by_buffer_and_sample_limit, setup),
		cmocka_unit_test_setup(test_continued_requests_match_fresh_ones, setup),
		cmocka_unit_test_setup(test_metadata_matches_protoc, setup),
		cmocka_unit_test_setup(test_defaults_match_protoc, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
