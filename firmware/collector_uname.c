/* uname collector: node_uname_info, labelled with the kernel's uname fields (nodename included), as node_exporter. */
/* uname(2): struct utsname {sysname, nodename, release, version, machine, domainname}. */
#include "collector.h"
#include "log.h"
#include "port.h"
#include "sysattr.h"

#define MOD "uname"

static const struct amp_family fam_info = {"node_uname_info",
					   "Labeled system information as provided by the uname system call.",
					   AMP_METRIC_GAUGE};

static int uname_collect(struct amp_collect_ctx *ctx)
{
	static struct port_uname u;
	static char clean[6][sizeof(u.sysname) * 3];
	const char *const raw[6] = {u.sysname, u.release, u.version, u.machine, u.nodename, u.domainname};
	static const char *const names[6] = {"sysname", "release", "version", "machine", "nodename", "domainname"};
	struct amp_label labels[6];
	int rc = port_uname(&u);

	if (rc != AMP_OK) {
		AMP_LOG_W(MOD, "uname: %s", amp_strerror(rc));
		return rc;
	}
	/* a host name may hold bytes that are not UTF-8; each bad one can grow to U+FFFD's three bytes */
	for (unsigned i = 0; i < 6; i++)
		labels[i] = (struct amp_label){names[i], amp_sysattr_utf8(raw[i], clean[i], sizeof(clean[i]))};
	(void)amp_collect_emit(ctx, &fam_info, labels, 6, 1.0);
	return AMP_OK;
}

const struct amp_collector amp_collector_uname = {"uname", AMP_COLLECTOR_UNAME, uname_collect};
