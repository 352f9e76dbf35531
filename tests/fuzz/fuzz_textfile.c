/* libFuzzer target: the textfile collector's Prometheus text format parser, on one *.prom file. */
#include "fuzz_common.h"

#include "collector.h"
#include "registry.h"

static struct amp_registry reg;
static char read_buf[CONFIG_PROC_FILE_BUF_BYTES];
static struct amp_frame_entry entries[CONFIG_MAX_SERIES];
static struct amp_collect_ctx ctx;
static char textfile_dir[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (textfile_dir[0] == '\0') {
		snprintf(textfile_dir, sizeof(textfile_dir), "%s/textfile", fuzz_dir());
		mkdir(textfile_dir, 0700);
	}
	fuzz_write("textfile/fuzz.prom", data, size);
	fuzz_ctx_init(&ctx, &reg, entries, read_buf, sizeof(read_buf));
	ctx.textfile_dir = textfile_dir;
	(void)amp_collector_textfile.collect(&ctx);
	if (ctx.entry_count > ctx.entry_cap)
		abort();
	amp_collect_sort(&ctx);
	return 0;
}
