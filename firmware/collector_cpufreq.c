/* cpufreq collector: each CPU's current, minimum and maximum frequencies from /sys/devices/system/cpu, as node_exporter. */
/* Documentation/admin-guide/pm/cpufreq.rst: cpuN/cpufreq -> policyM, frequencies in kHz; cpuinfo_cur_freq is root-only. */
#include "collector.h"
#include "log.h"
#include "sysattr.h"

#include <stdio.h>
#include <string.h>

#define MOD "cpufreq"
#define CPU_DIR "devices/system/cpu"

struct cpufreq_file {
	const char *name;
	struct amp_family fam;
};

/* node_exporter's order; every file is optional (cpufreq drivers differ, offline CPUs have none). */
static const struct cpufreq_file files[] = {
	{"cpuinfo_cur_freq", {"node_cpu_frequency_hertz", "Current cpu thread frequency in hertz.", AMP_METRIC_GAUGE}},
	{"cpuinfo_min_freq", {"node_cpu_frequency_min_hertz", "Minimum cpu thread frequency in hertz.", AMP_METRIC_GAUGE}},
	{"cpuinfo_max_freq", {"node_cpu_frequency_max_hertz", "Maximum cpu thread frequency in hertz.", AMP_METRIC_GAUGE}},
	{"scaling_cur_freq",
	 {"node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz.", AMP_METRIC_GAUGE}},
	{"scaling_min_freq",
	 {"node_cpu_scaling_frequency_min_hertz", "Minimum scaled CPU thread frequency in hertz.", AMP_METRIC_GAUGE}},
	{"scaling_max_freq",
	 {"node_cpu_scaling_frequency_max_hertz", "Maximum scaled CPU thread frequency in hertz.", AMP_METRIC_GAUGE}},
};

static uint64_t last_warn_ms;

/* "cpu" and a number: cpufreq/ and cpuidle/ sit in the same directory. */
static bool keep_cpu(const char *name, int is_dir)
{
	return is_dir && amp_sysattr_numbered(name, "cpu");
}

static int cpufreq_collect(struct amp_collect_ctx *ctx)
{
	const struct amp_sysattr_names *names;
	bool bad = false;
	int rc = amp_sysattr_scan(ctx, MOD, CPU_DIR, keep_cpu, &names);

	if (rc != AMP_OK)
		return rc;
	for (unsigned i = 0; i < names->count; i++) {
		const char *cpu = amp_sysattr_name(names, i);
		char dir[96], number[128];
		/* a label value, made valid UTF-8 like every other: a directory name may hold any byte */
		const struct amp_label labels[] = {{"cpu", amp_sysattr_utf8(cpu + 3, number, sizeof(number))}};

		if (snprintf(dir, sizeof(dir), CPU_DIR "/%s/cpufreq", cpu) >= (int)sizeof(dir))
			continue;
		for (unsigned f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
			char *v;
			uint64_t khz;

			/* unreadable (root-only cpuinfo_cur_freq: EACCES) or absent: skipped without a word */
			rc = amp_sysattr_read(ctx->sysfs, dir, files[f].name, AMP_SYSATTR_TRIM_SPACE, ctx->buf, ctx->buf_cap,
					      &v);
			if (rc != AMP_OK) {
				AMP_LOG_D(MOD, "%s/%s/%s: %s, skipped", ctx->sysfs, dir, files[f].name, amp_strerror(rc));
				continue;
			}
			/* what the kernel prints when the driver cannot tell */
			if (strcmp(v, "<unknown>") == 0)
				continue;
			if (!amp_sysattr_u64(v, &khz)) {
				amp_sysattr_bad(ctx, MOD, ctx->sysfs, dir, files[f].name, &last_warn_ms,
						"not a frequency in kHz");
				bad = true;
				continue;
			}
			(void)amp_collect_emit(ctx, &files[f].fam, labels, 1, (double)khz * 1000.0);
		}
	}
	return bad ? AMP_ERR_INVALID : AMP_OK;
}

const struct amp_collector amp_collector_cpufreq = {"cpufreq", AMP_COLLECTOR_CPUFREQ, cpufreq_collect};
