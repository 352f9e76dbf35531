/* libFuzzer target: the spool reader, on a spool directory holding one file of the input's bytes. */
#include "fuzz_common.h"

#include <dirent.h>

#include "ring.h"
#include "spool.h"

static struct amp_spool_replay *replay;

/* Removes the files of `dir` (the spool keeps no subdirectories). */
static void fuzz_empty_dir(const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[256];
	int rounds = 0, n;

	snprintf(dir, sizeof(dir), "%s/spool", fuzz_dir());
	mkdir(dir, 0700);
	/* an earlier input's files (the ack, this run's epoch files) must not leak into this one */
	fuzz_empty_dir(dir);
	fuzz_write("spool/0000000000000001.spool", data, size);
	if (amp_spool_open(dir, 1 << 20) != AMP_OK)
		return 0;
	replay = amp_spool_replay_context();
	if (replay == NULL)
		return 0;
	while ((n = amp_spool_replay_fill(replay, UINT64_MAX)) > 0 && rounds++ < 64) {
		struct amp_ring_walk w;
		unsigned frames = amp_ring_frames(&replay->ring);

		if (frames > CONFIG_MAX_FRAMES_PER_REQUEST)
			frames = CONFIG_MAX_FRAMES_PER_REQUEST;

		if (amp_ring_walk_start(&w, &replay->ring, frames) == AMP_OK)
			while (amp_ring_walk_next(&w) > 0)
				;
		amp_ring_release_before(&replay->ring, replay->ring.tail_seq + frames);
		amp_spool_replay_delivered(replay, replay->ring.tail_seq);
	}
	return 0;
}
