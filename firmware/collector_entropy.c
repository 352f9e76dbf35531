/* entropy collector: the kernel's entropy estimate and pool size, as node_entropy_available_bits and _pool_size_bits. */
/* Documentation/admin-guide/sysctl/kernel.rst (random): entropy_avail and poolsize hold one decimal each, in bits. */
#include "collector.h"
#include "collector_internal.h"
#include "procparse.h"

#define MOD "entropy"

struct entropy_file {
	const char *file;
	struct amp_family fam;
};

static const struct entropy_file entropy_files[] = {
	{"sys/kernel/random/entropy_avail",
	 {"node_entropy_available_bits", "Bits of available entropy.", AMP_METRIC_GAUGE}},
	{"sys/kernel/random/poolsize", {"node_entropy_pool_size_bits", "Bits of entropy pool.", AMP_METRIC_GAUGE}},
};

#define ENTROPY_FILE_COUNT (sizeof(entropy_files) / sizeof(entropy_files[0]))

/* Each file on its own; a missing one is skipped silently. Returns the first error, after trying both. */
static int entropy_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms[ENTROPY_FILE_COUNT];
	int first_rc = AMP_OK;

	for (unsigned i = 0; i < ENTROPY_FILE_COUNT; i++) {
		uint64_t v;
		int rc = amp_procparse_read_u64(ctx, MOD, ctx->procfs, entropy_files[i].file, &last_warn_ms[i], &v);

		if (rc == AMP_OK)
			(void)amp_collect_emit(ctx, &entropy_files[i].fam, NULL, 0, (double)v);
		else if (rc != AMP_ERR_NOTFOUND && first_rc == AMP_OK)
			first_rc = rc;
	}
	return first_rc;
}

const struct amp_collector amp_collector_entropy = {"entropy", AMP_COLLECTOR_ENTROPY, entropy_collect};
