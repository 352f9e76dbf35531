/* Shared helpers of the libFuzzer targets: quiet logs, a private temp directory, writing the input to a file. */
#ifndef AMP_FUZZ_COMMON_H
#define AMP_FUZZ_COMMON_H

#define _GNU_SOURCE /* mkdtemp */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "log.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A directory of our own under /tmp, made once per process (libFuzzer runs millions of inputs). Logs go
 * to syslog, which nobody listens to here: millions of one-line errors on stderr would drown a crash.
 */
static inline const char *fuzz_dir(void)
{
	static char dir[64];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/amp-fuzz-XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		amp_log_use_syslog(1);
		amp_log_set_level(AMP_LOG_ERROR);
	}
	return dir;
}

/* Writes the input as <fuzz_dir()>/<rel> (parents must exist); aborts when it cannot (a broken harness). */
static inline void fuzz_write(const char *rel, const uint8_t *data, size_t size)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), rel);
	f = fopen(path, "wb");
	if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
}

/* Empties `reg` and points `ctx` at it and at the frame and read buffer (CONFIG_* sizes), as the agent does. */
static inline void fuzz_ctx_init(struct amp_collect_ctx *ctx, struct amp_registry *reg,
				 struct amp_frame_entry *entries, char *buf, size_t buf_cap)
{
	amp_registry_init(reg);
	memset(ctx, 0, sizeof(*ctx));
	ctx->procfs = "/nonexistent";
	ctx->sysfs = "/nonexistent";
	ctx->clk_tck = 100;
	ctx->page_size = 4096;
	ctx->now_ms = 1000;
	ctx->reg = reg;
	ctx->entries = entries;
	ctx->entry_cap = CONFIG_MAX_SERIES;
	ctx->buf = buf;
	ctx->buf_cap = buf_cap;
}

#endif
