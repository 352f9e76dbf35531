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

#include "log.h"

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

#endif
