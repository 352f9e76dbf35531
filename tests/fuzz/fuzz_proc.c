/* libFuzzer target: the /proc parsers, each collector run over a temp procfs root holding the input as its file. */
#include "fuzz_common.h"

#include "collector.h"
#include "registry.h"

/* The files the /proc collectors read; byte 0 of the input picks one, the rest is its content. */
static const char *const files[] = {
	"stat", "meminfo", "diskstats", "loadavg", "vmstat", "schedstat", "self/mountinfo", "sys/fs/file-nr",
	"net/dev", "net/netstat", "net/snmp", "net/snmp6", "net/sockstat", "net/sockstat6", "net/softnet_stat",
	"net/stat/nf_conntrack", "pressure/cpu", "pressure/io", "pressure/memory",
};
#define FILE_COUNT (sizeof(files) / sizeof(files[0]))

/* The collectors that read only /proc (filesystem also calls statvfs on the mount points it is given). */
static const enum amp_collector_id proc_ids[] = {
	AMP_COLLECTOR_CPU, AMP_COLLECTOR_MEMINFO, AMP_COLLECTOR_LOADAVG, AMP_COLLECTOR_STAT, AMP_COLLECTOR_VMSTAT,
	AMP_COLLECTOR_NETDEV, AMP_COLLECTOR_DISKSTATS, AMP_COLLECTOR_FILESYSTEM, AMP_COLLECTOR_PRESSURE,
	AMP_COLLECTOR_FILEFD, AMP_COLLECTOR_SCHEDSTAT, AMP_COLLECTOR_SOFTNET, AMP_COLLECTOR_CONNTRACK,
	AMP_COLLECTOR_NETSTAT, AMP_COLLECTOR_SOCKSTAT,
};

static struct amp_registry reg;
static char read_buf[CONFIG_PROC_FILE_BUF_BYTES];
static struct amp_frame_entry entries[CONFIG_MAX_SERIES];
static struct amp_collect_ctx ctx;
static char root[256];
static int last = -1;

/* Makes <root>/{self,sys/fs,net/stat,pressure} once. */
static void make_root(void)
{
	static const char *const dirs[] = {"", "/self", "/sys", "/sys/fs", "/net", "/net/stat", "/pressure"};
	char path[300];

	snprintf(root, sizeof(root), "%s/proc", fuzz_dir());
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		mkdir(path, 0700);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char rel[64];
	unsigned pick;

	if (size < 1)
		return 0;
	if (root[0] == '\0')
		make_root();
	pick = data[0] % FILE_COUNT;
	/* only the picked file exists: the other collectors skip silently */
	if (last >= 0 && (unsigned)last != pick) {
		char path[400];

		snprintf(path, sizeof(path), "%s/%s", root, files[last]);
		unlink(path);
	}
	snprintf(rel, sizeof(rel), "proc/%s", files[pick]);
	fuzz_write(rel, data + 1, size - 1);
	last = (int)pick;

	fuzz_ctx_init(&ctx, &reg, entries, read_buf, sizeof(read_buf));
	ctx.procfs = root;
	ctx.disabled = UINT32_MAX;
	for (size_t i = 0; i < sizeof(proc_ids) / sizeof(proc_ids[0]); i++)
		ctx.disabled &= ~(1u << proc_ids[i]);
	(void)amp_collect_all(&ctx);
	if (ctx.entry_count > ctx.entry_cap)
		abort();
	amp_collect_sort(&ctx);
	return 0;
}
