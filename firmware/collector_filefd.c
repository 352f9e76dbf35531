/* filefd collector: allocated and maximum file handles from /proc/sys/fs/file-nr, as node_filefd_*. */
/* Documentation/admin-guide/sysctl/fs.rst (file-nr): "allocated unused maximum", three unsigned decimals. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#define MOD "filefd"
#define FILENR_FILE "sys/fs/file-nr"

static const struct amp_family fam_allocated = {"node_filefd_allocated", "File descriptor statistics: allocated.",
						AMP_METRIC_GAUGE};
static const struct amp_family fam_maximum = {"node_filefd_maximum", "File descriptor statistics: maximum.",
					      AMP_METRIC_GAUGE};

/* All or nothing: the one line must hold exactly three unsigned decimals (unused is 0 since 2.6). */
static int filefd_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms;
	struct amp_procparse_field f[3];
	struct amp_bad_lines bad;
	uint64_t v[3];
	const char *end;
	size_t len;
	int rc;

	rc = amp_collect_read(ctx, ctx->procfs, FILENR_FILE, &len);
	if (rc == AMP_ERR_NOTFOUND)
		return AMP_OK;
	if (rc != AMP_OK)
		return rc;
	end = ctx->buf + len;
	if (len > 0 && end[-1] == '\n')
		end--;
	if (amp_procparse_split(ctx->buf, end, f, 3) == 3 && amp_parse_u64(f[0].p, f[0].end, &v[0]) != NULL &&
	    amp_parse_u64(f[1].p, f[1].end, &v[1]) != NULL && amp_parse_u64(f[2].p, f[2].end, &v[2]) != NULL) {
		(void)amp_collect_emit(ctx, &fam_allocated, NULL, 0, (double)v[0]);
		(void)amp_collect_emit(ctx, &fam_maximum, NULL, 0, (double)v[2]);
		return AMP_OK;
	}
	amp_bad_lines_init(&bad, ctx, MOD, ctx->procfs, FILENR_FILE, &last_warn_ms);
	amp_bad_line(&bad, 1, "not three unsigned decimals");
	return AMP_ERR_INVALID;
}

const struct amp_collector amp_collector_filefd = {"filefd", AMP_COLLECTOR_FILEFD, filefd_collect};
