/*
 * Tests of the spool on real files: frames written by one run are replayed by the next with their values,
 * timestamps and labels; the ack is honoured; torn, corrupt, newer-version and junk files never crash it.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"

#define SERIES 20
#define FRAMES 40

static char dir[64];
static struct amp_registry reg;
static struct amp_labels_common common;
static unsigned char ring_storage[1 << 16];
static struct amp_ring ring;
static struct amp_spool_replay replay;
static unsigned char replay_storage[1 << 16];
static const struct amp_family fam = {"node_test_value", "A test family.", AMP_METRIC_GAUGE};
static amp_series_id ids[SERIES];

static double value_of(unsigned frame, unsigned series)
{
	return series % 3 == 0 ? 42.0 : (double)(frame * 1000 + series) / 100.0;
}

static int setup(void **state)
{
	const struct amp_label extra[] = {{"site", "tokyo-1"}};

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/amp-spool-XXXXXX");
	assert_non_null(mkdtemp(dir));
	amp_registry_init(&reg);
	assert_int_equal(amp_labels_common_init(&common, "gw-1", "amp-agent", extra, 1), AMP_OK);
	for (unsigned i = 0; i < SERIES; i++) {
		char v[8];
		const struct amp_label l[] = {{"n", v}};

		snprintf(v, sizeof(v), "%u", i);
		assert_int_equal(amp_registry_intern(&reg, &fam, l, 1, &ids[i]), AMP_OK);
	}
	amp_ring_init(&ring, ring_storage, sizeof(ring_storage));
	amp_ring_init(&replay.ring, replay_storage, sizeof(replay_storage));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void push_frames(unsigned first, unsigned n)
{
	struct amp_frame_entry e[SERIES];

	for (unsigned f = first; f < first + n; f++) {
		for (unsigned i = 0; i < SERIES; i++)
			e[i] = (struct amp_frame_entry){ids[i], value_of(f, i)};
		assert_int_equal(amp_ring_push(&ring, 1700000000000 + (int64_t)f * 15000, e, SERIES), AMP_OK);
	}
}

/* Replays everything there is (acking as it goes) and checks each frame; returns the frames seen. */
static unsigned replay_all(unsigned first_expected)
{
	static struct amp_ring_walk w;
	unsigned seen = 0;

	while (amp_spool_replay_fill(&replay, UINT64_MAX) > 0 || amp_ring_frames(&replay.ring) > 0) {
		unsigned n = amp_ring_frames(&replay.ring);
		int rc;

		if (n > CONFIG_MAX_FRAMES_PER_REQUEST)
			n = CONFIG_MAX_FRAMES_PER_REQUEST;
		assert_int_equal(amp_ring_walk_start(&w, &replay.ring, n), AMP_OK);
		for (unsigned f = 0; f < n; f++)
			assert_int_equal(w.timestamp[f], 1700000000000 + (int64_t)(first_expected + seen + f) * 15000);
		while ((rc = amp_ring_walk_next(&w)) == 1) {
			struct amp_label set[AMP_LABELS_MAX];
			unsigned k = amp_labels_of(&replay.reg, w.series, &replay.common, set), series = 99;

			/* the labels it was collected with, the agent's included */
			for (unsigned j = 0; j < k; j++) {
				if (strcmp(set[j].name, "n") == 0)
					series = (unsigned)atoi(set[j].value);
				if (strcmp(set[j].name, "site") == 0)
					assert_string_equal(set[j].value, "tokyo-1");
				if (strcmp(set[j].name, "instance") == 0)
					assert_string_equal(set[j].value, "gw-1");
			}
			assert_true(series < SERIES);
			for (unsigned f = 0; f < n; f++) {
				assert_true(w.present[f]);
				assert_true(w.value[f] == value_of(first_expected + seen + f, series));
			}
		}
		assert_int_equal(rc, 0);
		seen += n;
		amp_ring_release_before(&replay.ring, replay.ring.tail_seq + n);
		amp_spool_replay_delivered(&replay, replay.ring.tail_seq);
	}
	return seen;
}

static unsigned spool_files(void)
{
	char cmd[160];
	FILE *p;
	unsigned n = 0;

	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -c 'spool$'", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%u", &n), 1);
	pclose(p);
	return n;
}

static void test_write_then_replay_after_restart(void **state)
{
	(void)state;
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	push_frames(0, FRAMES / 2);
	assert_int_equal(amp_spool_write(&ring, &reg, &common), AMP_OK);
	push_frames(FRAMES / 2, FRAMES / 2);
	assert_int_equal(amp_spool_write(&ring, &reg, &common), AMP_OK);
	assert_int_equal(amp_spool_persisted_seq(), FRAMES);
	assert_int_equal(amp_spool_stats()->frames_written, FRAMES);
	/* the next run: everything comes back, in order, then the files go */
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	assert_int_equal(replay_all(0), FRAMES);
	assert_int_equal(spool_files(), 0);
	/* and a third run finds nothing to send again */
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	assert_int_equal(replay_all(0), 0);
}

static void test_ack_survives_restart(void **state)
{
	(void)state;
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	push_frames(0, FRAMES);
	assert_int_equal(amp_spool_write(&ring, &reg, &common), AMP_OK);
	/* the live ring delivered the first 10 before the power went */
	amp_spool_live_delivered(10);
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	assert_int_equal(replay_all(10), FRAMES - 10);
}

static void test_torn_and_corrupt_files(void **state)
{
	char path[128], cmd[256];
	unsigned got;

	(void)state;
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	push_frames(0, FRAMES);
	assert_int_equal(amp_spool_write(&ring, &reg, &common), AMP_OK);
	snprintf(path, sizeof(path), "%s/0000000000000001.spool", dir);
	/* a power cut in the middle of the last append: the torn record is skipped, the rest replays */
	{
		FILE *f = fopen(path, "rb");
		long size;

		assert_non_null(f);
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		size = ftell(f);
		fclose(f);
		assert_int_equal(truncate(path, (off_t)(size - 7)), 0);
	}
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	got = replay_all(0);
	assert_true(got > 0 && got < FRAMES);
	/* junk named like a spool file, and a flipped byte: refused or cut short, never a crash */
	snprintf(cmd, sizeof(cmd), "head -c 5000 /dev/urandom > '%s/00000000000000aa.spool'", dir);
	assert_int_equal(system(cmd), 0);
	push_frames(FRAMES, 4);
	assert_int_equal(amp_spool_write(&ring, &reg, &common), AMP_OK);
	snprintf(cmd, sizeof(cmd), "printf '\\377' | dd of='%s/00000000000000ab.spool' bs=1 seek=300 conv=notrunc 2>/dev/null",
		 dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	while (amp_spool_replay_fill(&replay, UINT64_MAX) > 0 || amp_ring_frames(&replay.ring) > 0) {
		amp_ring_release_before(&replay.ring, replay.ring.tail_seq + amp_ring_frames(&replay.ring));
		amp_spool_replay_delivered(&replay, replay.ring.tail_seq);
	}
}

/* Only the names the spool writes are its files: look-alikes are neither replayed nor removed. */
static void test_only_its_own_names(void **state)
{
	static const char *const lookalikes[] = {"+000000000000001.spool", " 000000000000001.spool",
						 "0x00000000000001.spool", "000000000000000A.spool",
						 "0000000000000001.spoolx", "000000000000001.spool"};
	char from[128], to[160], cmd[400];

	(void)state;
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	push_frames(0, 4);
	assert_int_equal(amp_spool_write(&ring, &reg, &common), AMP_OK);
	snprintf(from, sizeof(from), "%s/0000000000000001.spool", dir);
	for (unsigned i = 0; i < sizeof(lookalikes) / sizeof(lookalikes[0]); i++) {
		snprintf(to, sizeof(to), "%s/%s", dir, lookalikes[i]);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(unlink(from), 0);
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	assert_int_equal(replay_all(0), 0);
	for (unsigned i = 0; i < sizeof(lookalikes) / sizeof(lookalikes[0]); i++) {
		snprintf(to, sizeof(to), "%s/%s", dir, lookalikes[i]);
		assert_int_equal(access(to, F_OK), 0);
		unlink(to);
	}
}

static void test_newer_version_is_left_alone(void **state)
{
	char path[128];
	unsigned char rec[29] = {21, 0, 0, 0, 0, 0, 0, 0, 1, 'A', 'M', 'P', 'S', 'P', 'O', 'O', 'L', 9, 0, 0, 0};
	uint32_t crc = amp_spool_crc32(rec + 8, 21);
	FILE *f;

	(void)state;
	memcpy(rec + 4, &crc, 4);
	snprintf(path, sizeof(path), "%s/0000000000000005.spool", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(rec, 1, sizeof(rec), f), sizeof(rec));
	fclose(f);
	assert_int_equal(amp_spool_open(dir, 1 << 20), AMP_OK);
	assert_int_equal(replay_all(0), 0);
	/* a newer agent's file stays for the newer agent (an update rolled back) */
	assert_int_equal(access(path, F_OK), 0);
}

static void test_max_bytes_drops_oldest_counted(void **state)
{
	(void)state;
	assert_int_equal(amp_spool_open(dir, 100000), AMP_OK);
	for (unsigned round = 0; round < 150; round++) {
		push_frames(round * 40, 40);
		assert_int_equal(amp_spool_write(&ring, &reg, &common), AMP_OK);
		amp_ring_release_before(&ring, ring.tail_seq + amp_ring_frames(&ring));
		ring.persisted_seq = amp_spool_persisted_seq();
	}
	printf("spool: %llu bytes written for %u samples\n", (unsigned long long)amp_spool_stats()->bytes_written,
	       150u * 40u * SERIES);
	assert_true(amp_spool_stats()->samples_dropped > 0);
	assert_true(amp_spool_stats()->samples_dropped % SERIES == 0);
}

int main(void)
{
	if (!amp_spool_compiled()) {
		printf("the spool is not compiled into this build (CONFIG_SPOOL): its tests do not apply\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_then_replay_after_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_and_corrupt_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_its_own_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version_is_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_bytes_drops_oldest_counted, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
