/* filesystem collector: size, free space and inodes of each mount (statfs in a helper with a deadline), as node_exporter. */
/* Documentation/filesystems/proc.rst 3.5 (/proc/<pid>/mountinfo: octal-escaped paths, "-" before fstype); statfs(2). */
#include "collector.h"
#include "collector_internal.h"
#include "config.h"
#include "log.h"
#include "port.h"
#include "sysattr.h"

#include <stdio.h>
#include <string.h>

#define MOD "filesystem"

/*
 * node_exporter 1.5's defaults (--collector.filesystem.mount-points-exclude and fs-types-exclude),
 * as globs: ^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/),
 * and cgroup* and proc* for cgroup2? and proc|procfs, so the list fits one INI line (docs/configuration.md).
 */
#define DEFAULT_MOUNT_POINTS_EXCLUDE \
	"/dev /dev/* /proc /proc/* /sys /sys/* /run/credentials/?* /var/lib/docker/?* /var/lib/containers/storage/?*"
#define DEFAULT_FS_TYPES_EXCLUDE \
	"autofs binfmt_misc bpf cgroup* configfs debugfs devpts devtmpfs fusectl hugetlbfs iso9660 mqueue nsfs " \
	"overlay proc* pstore rpc_pipefs securityfs selinuxfs squashfs sysfs tracefs"
/* File systems whose statfs goes over the network: off unless [filesystem] network = true. */
#define NETWORK_FS_TYPES \
	"nfs nfs4 cifs smb3 smbfs ncpfs 9p ceph glusterfs lustre afs coda davfs fuse.sshfs fuse.glusterfs " \
	"fuse.cephfs fuse.s3fs fuse.rclone fuse.davfs fuse.curlftpfs"
/* Defaults of [filesystem], for a ctx without options. */
#define DEFAULT_MOUNT_TIMEOUT_MS 2000u
/* Once the collection's time budget is spent, a mount still gets this long: healthy ones answer in microseconds. */
#define MIN_STATFS_MS 50u
/* Mounts remembered per collection to report each (device, mount point, type) once, as node_exporter. */
#define SEEN_MAX 256
/* Stuck mounts remembered to log only when one becomes stuck or answers again. */
#define STUCK_LOG_MAX 16

static const struct amp_family fam_size = {"node_filesystem_size_bytes", "Filesystem size in bytes.",
					   AMP_METRIC_GAUGE};
static const struct amp_family fam_free = {"node_filesystem_free_bytes", "Filesystem free space in bytes.",
					   AMP_METRIC_GAUGE};
static const struct amp_family fam_avail = {"node_filesystem_avail_bytes",
					    "Filesystem space available to non-root users in bytes.", AMP_METRIC_GAUGE};
static const struct amp_family fam_files = {"node_filesystem_files", "Filesystem total file nodes.",
					    AMP_METRIC_GAUGE};
static const struct amp_family fam_files_free = {"node_filesystem_files_free", "Filesystem total free file nodes.",
						 AMP_METRIC_GAUGE};
static const struct amp_family fam_readonly = {"node_filesystem_readonly", "Filesystem read-only status.",
					       AMP_METRIC_GAUGE};
static const struct amp_family fam_device_error = {
	"node_filesystem_device_error", "Whether an error occurred while getting statistics for the given device.",
	AMP_METRIC_GAUGE};

struct mount {
	char *device;
	char *mount_point;   /* the label: \040 and \011 decoded only, as node_exporter 1.5, rootfs stripped */
	char *fstype;
	bool readonly;
};

static uint64_t last_warn_ms;
static uint32_t seen[SEEN_MAX];
static unsigned seen_count;
static uint32_t stuck_logged[STUCK_LOG_MAX];
static unsigned stuck_now;   /* mounts that did not answer in the last collection */

/* Glob match: '*' any run of bytes ('/' included), '?' one byte. Iterative, with one backtrack point. */
static bool glob_match(const char *pat, size_t plen, const char *s)
{
	size_t p = 0, star = (size_t)-1, mark = 0;
	size_t i = 0, n = strlen(s);

	while (i < n) {
		if (p < plen && (pat[p] == '?' || pat[p] == s[i])) {
			p++;
			i++;
		} else if (p < plen && pat[p] == '*') {
			star = p++;
			mark = i;
		} else if (star != (size_t)-1) {
			p = star + 1;
			i = ++mark;
		} else {
			return false;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

/* True if `s` matches one of the space-separated globs of `list` ("none" matches nothing). */
static bool match_any(const char *list, const char *s)
{
	if (strcmp(list, "none") == 0)
		return false;
	for (const char *p = list; *p;) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n > 0 && glob_match(p, n, s))
			return true;
		p += n;
	}
	return false;
}

static uint32_t hash3(const struct mount *m)
{
	const char *parts[3] = {m->device, m->mount_point, m->fstype};
	uint32_t h = 2166136261u;

	for (unsigned i = 0; i < 3; i++) {
		for (const char *p = parts[i]; ; p++) {
			h = (h ^ (unsigned char)*p) * 16777619u;
			if (*p == '\0')
				break;
		}
	}
	return h;
}

/* node_exporter reports a (device, mount point, type) once: the first mount wins. */
static bool seen_before(const struct mount *m)
{
	uint32_t h = hash3(m);

	for (unsigned i = 0; i < seen_count; i++) {
		if (seen[i] == h)
			return true;
	}
	if (seen_count < SEEN_MAX)
		seen[seen_count++] = h;
	return false;
}

/* Decodes mountinfo's \ooo escapes in place; `all` false decodes only \040 and \011, as node_exporter's label. */
static void unescape(char *s, bool all)
{
	char *out = s;

	for (char *p = s; *p;) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			char c = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));

			if (all ? c != '\0' : c == ' ' || c == '\t') {
				*out++ = c;
				p += 4;
				continue;
			}
		}
		*out++ = *p++;
	}
	*out = '\0';
}

static bool has_option(const char *options, const char *want)
{
	size_t n = strlen(want);

	for (const char *p = options; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && memcmp(p, want, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

static bool all_digits(const char *s, bool colon)
{
	bool any = false;

	for (; *s; s++) {
		if (*s == ':' && colon && any) {
			colon = false;
			any = false;
			continue;
		}
		if (*s < '0' || *s > '9')
			return false;
		any = true;
	}
	return any && !colon;
}

/*
 * Splits one mountinfo line in place: "id parent major:minor root mount_point options [optional...] -
 * fstype source super_options". Returns NULL, or the reason the line is malformed.
 */
static const char *parse_line(char *line, struct mount *m)
{
	char *tok[64];
	unsigned n = 0, sep = 0;

	for (char *p = line; *p && n < 64;) {
		tok[n++] = p;
		p += strcspn(p, " ");
		if (*p == ' ')
			*p++ = '\0';
	}
	for (unsigned i = 6; i < n; i++) {
		if (strcmp(tok[i], "-") == 0) {
			sep = i;
			break;
		}
	}
	if (sep == 0 || n < sep + 3)
		return "not a mountinfo line (fields up to \"- fstype source\")";
	if (!all_digits(tok[0], false) || !all_digits(tok[1], false) || !all_digits(tok[2], true))
		return "mount id, parent id or major:minor is not a number";
	if (tok[4][0] != '/' || tok[sep + 1][0] == '\0')
		return "mount point is not an absolute path";
	m->mount_point = tok[4];
	m->fstype = tok[sep + 1];
	m->device = tok[sep + 2];
	/* /proc/mounts, which node_exporter reads, says "ro" when either the mount or the superblock is */
	m->readonly = has_option(tok[5], "ro") || (n > sep + 3 && has_option(tok[sep + 3], "ro"));
	return NULL;
}

/* The mount point as seen from the host's root: node_exporter strips --path.rootfs (at a path boundary here). */
static char *strip_rootfs(char *mp, const char *rootfs, size_t rootfs_len)
{
	if (rootfs_len == 0 || strncmp(mp, rootfs, rootfs_len) != 0)
		return mp;
	if (mp[rootfs_len] == '\0') {
		mp[0] = '/';
		mp[1] = '\0';
		return mp;
	}
	return mp[rootfs_len] == '/' ? mp + rootfs_len : mp;
}

static void log_stuck(const char *mount_point, bool stuck, uint32_t timeout_ms)
{
	uint32_t h = 2166136261u;
	unsigned i;

	for (const char *p = mount_point; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (i = 0; i < STUCK_LOG_MAX && stuck_logged[i] != h; i++)
		;
	if (stuck && i == STUCK_LOG_MAX) {
		AMP_LOG_W(MOD, "%s: no statfs answer within %u ms: stuck, reported with device_error 1 until it answers",
			  mount_point, (unsigned)timeout_ms);
		for (i = 0; i < STUCK_LOG_MAX && stuck_logged[i] != 0; i++)
			;
		if (i < STUCK_LOG_MAX)
			stuck_logged[i] = h;
	} else if (!stuck && i < STUCK_LOG_MAX) {
		AMP_LOG_I(MOD, "%s: answers statfs again", mount_point);
		stuck_logged[i] = 0;
	}
}

struct fs_settings {
	const char *rootfs;
	size_t rootfs_len;      /* without a trailing '/'; 0 for "/" */
	const char *mount_points_exclude;
	const char *fs_types_exclude;
	bool network;
	bool keep_root;
	uint32_t timeout_ms;
	uint64_t deadline_ms;   /* the collection's statfs budget */
};

static void one_mount(struct amp_collect_ctx *ctx, struct fs_settings *s, struct mount *m, char *raw_mount_point)
{
	static char path[AMP_SYSATTR_PATH_MAX + 4096];
	const struct amp_label labels[] = {{"device", m->device}, {"fstype", m->fstype}, {"mountpoint", m->mount_point}};
	struct port_statfs_info st;
	uint64_t now;
	uint32_t timeout;
	int rc;

	if (match_any(s->mount_points_exclude, m->mount_point) ||
	    (match_any(s->fs_types_exclude, m->fstype) && !(s->keep_root && strcmp(m->mount_point, "/") == 0))) {
		AMP_LOG_D(MOD, "%s (%s): excluded", m->mount_point, m->fstype);
		return;
	}
	if (!s->network && match_any(NETWORK_FS_TYPES, m->fstype)) {
		AMP_LOG_D(MOD, "%s (%s): network file system, skipped ([filesystem] network = false)", m->mount_point,
			  m->fstype);
		return;
	}
	if (seen_before(m))
		return;
	/* statfs needs the real path: every escape decoded, under the rootfs */
	unescape(raw_mount_point, true);
	raw_mount_point = strip_rootfs(raw_mount_point, s->rootfs, s->rootfs_len);
	if (snprintf(path, sizeof(path), "%.*s%s", (int)s->rootfs_len, s->rootfs, raw_mount_point) >= (int)sizeof(path)) {
		(void)amp_collect_emit(ctx, &fam_device_error, labels, 3, 1.0);
		return;
	}
	now = port_monotonic_ms();
	timeout = now >= s->deadline_ms ? 0 : (uint32_t)(s->deadline_ms - now);
	if (timeout > s->timeout_ms)
		timeout = s->timeout_ms;
	if (timeout < MIN_STATFS_MS)
		timeout = MIN_STATFS_MS;
	rc = port_statfs(path, &st, timeout);
	if (rc == AMP_ERR_TIMEOUT) {
		stuck_now++;
		log_stuck(m->mount_point, true, timeout);
	} else {
		log_stuck(m->mount_point, false, timeout);
	}
	if (rc != AMP_OK) {
		AMP_LOG_D(MOD, "statfs %s: %s", path, amp_strerror(rc));
		(void)amp_collect_emit(ctx, &fam_device_error, labels, 3, 1.0);
		return;
	}
	(void)amp_collect_emit(ctx, &fam_device_error, labels, 3, 0.0);
	(void)amp_collect_emit(ctx, &fam_size, labels, 3, (double)st.blocks * (double)st.bsize);
	(void)amp_collect_emit(ctx, &fam_free, labels, 3, (double)st.bfree * (double)st.bsize);
	(void)amp_collect_emit(ctx, &fam_avail, labels, 3, (double)st.bavail * (double)st.bsize);
	(void)amp_collect_emit(ctx, &fam_files, labels, 3, (double)st.files);
	(void)amp_collect_emit(ctx, &fam_files_free, labels, 3, (double)st.ffree);
	(void)amp_collect_emit(ctx, &fam_readonly, labels, 3, m->readonly ? 1.0 : 0.0);
}

static void settings(const struct amp_collect_ctx *ctx, struct fs_settings *s)
{
	const struct amp_filesystem_options *o = ctx->filesystem;

	s->rootfs = o != NULL && o->rootfs[0] != '\0' ? o->rootfs : "/";
	s->rootfs_len = strlen(s->rootfs);
	while (s->rootfs_len > 0 && s->rootfs[s->rootfs_len - 1] == '/')
		s->rootfs_len--;
	s->mount_points_exclude =
		o != NULL && o->mount_points_exclude[0] != '\0' ? o->mount_points_exclude : DEFAULT_MOUNT_POINTS_EXCLUDE;
	s->fs_types_exclude = o != NULL && o->fs_types_exclude[0] != '\0' ? o->fs_types_exclude : DEFAULT_FS_TYPES_EXCLUDE;
	s->network = o != NULL && o->network;
	s->keep_root = o == NULL || o->keep_root;
	s->timeout_ms = o != NULL && o->mount_timeout_ms > 0 ? o->mount_timeout_ms : DEFAULT_MOUNT_TIMEOUT_MS;
	s->deadline_ms = port_monotonic_ms() + s->timeout_ms;
}

/*
 * The mounts of init (/proc/1), as node_exporter: the host's, when the agent runs in a container that
 * shares the host's PID namespace. With hidepid, /proc/1 is hidden or unreadable: the agent's own then.
 */
static int read_mountinfo(struct amp_collect_ctx *ctx, const char **file, size_t *len)
{
	char path[AMP_SYSATTR_PATH_MAX];
	int rc = amp_sysattr_path(path, sizeof(path), ctx->procfs, "1/mountinfo", NULL);

	*file = "1/mountinfo";
	if (rc == AMP_OK)
		rc = port_read_file(path, ctx->buf, ctx->buf_cap, len);
	if (rc == AMP_OK)
		return AMP_OK;
	AMP_LOG_D(MOD, "%s/1/mountinfo: %s, reading self/mountinfo", ctx->procfs, amp_strerror(rc));
	*file = "self/mountinfo";
	return amp_collect_read(ctx, ctx->procfs, "self/mountinfo", len);
}

static int filesystem_collect(struct amp_collect_ctx *ctx)
{
	static char raw[4096 + 1];
	struct fs_settings s;
	struct amp_bad_lines bad;
	const char *file;
	unsigned lineno = 0;
	size_t len;
	int rc = read_mountinfo(ctx, &file, &len);

	if (rc == AMP_ERR_NOTFOUND)
		return AMP_OK;
	if (rc != AMP_OK)
		return rc;
	settings(ctx, &s);
	seen_count = 0;
	stuck_now = 0;
	amp_bad_lines_init(&bad, ctx, MOD, ctx->procfs, file, &last_warn_ms);
	/* port_read_file left a NUL at buf[len]: lines are cut in place */
	for (char *line = ctx->buf, *end = ctx->buf + len, *next; line < end; line = next) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *le = nl != NULL ? nl : end;
		struct mount m;
		const char *why;

		next = nl != NULL ? nl + 1 : end;
		lineno++;
		*le = '\0';
		if (line == le)
			continue;
		if (strlen(line) != (size_t)(le - line)) {
			amp_bad_line(&bad, lineno, "NUL byte in line");
			continue;
		}
		why = parse_line(line, &m);
		if (why == NULL && strlen(m.mount_point) >= sizeof(raw))
			why = "mount point longer than PATH_MAX";
		if (why != NULL) {
			amp_bad_line(&bad, lineno, why);
			continue;
		}
		/* the label keeps node_exporter's partial decoding; statfs gets a full decoding of a copy */
		strcpy(raw, m.mount_point);
		unescape(m.mount_point, false);
		m.mount_point = strip_rootfs(m.mount_point, s.rootfs, s.rootfs_len);
		one_mount(ctx, &s, &m, raw);
	}
	if (stuck_now > 0)
		AMP_LOG_D(MOD, "%u mount(s) stuck this collection", stuck_now);
	return bad.count > 0 ? AMP_ERR_INVALID : AMP_OK;
}

const struct amp_collector amp_collector_filesystem = {"filesystem", AMP_COLLECTOR_FILESYSTEM, filesystem_collect};
