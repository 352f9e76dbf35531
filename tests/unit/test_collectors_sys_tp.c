/* Tests of the collectors that call the system (filesystem, os, uname, time, timex) with the test port's fakes. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include "sys_expect.h"

#include <unistd.h>

#include "port.h"
#include "port_test.h"

static int setup(void **state)
{
	(void)state;
	port_test_reset();
	port_test_sys_defaults();
	sys_ctx_init(sys_fixture("proc", 0), sys_fixture("sys", 1));
	return 0;
}

/* ---- filesystem ---- */

/* The seven series of one mount that answered statfs, as node_exporter computes them. */
#define FS(labels, bsize, blocks, bfree, bavail, files, ffree, ro) \
	{"node_filesystem_device_error{" labels "}", 0}, \
	{"node_filesystem_size_bytes{" labels "}", (double)(blocks) * (double)(bsize)}, \
	{"node_filesystem_free_bytes{" labels "}", (double)(bfree) * (double)(bsize)}, \
	{"node_filesystem_avail_bytes{" labels "}", (double)(bavail) * (double)(bsize)}, \
	{"node_filesystem_files{" labels "}", files}, {"node_filesystem_files_free{" labels "}", ffree}, \
	{"node_filesystem_readonly{" labels "}", ro}
/* The test port's statfs answer for paths a test did not set. */
#define DEF 4096, 1000000, 400000, 350000, 65536, 60000
/* FS with DEF expanded into its arguments */
#define FSD(labels, ro) FS_(labels, DEF, ro)
#define FS_(...) FS(__VA_ARGS__)

/* The default lists as docs/configuration.md gives them, one INI line each. */
#define DOC_MOUNT_POINTS_EXCLUDE \
	"/dev /dev/* /proc /proc/* /sys /sys/* /run/credentials/?* /var/lib/docker/?* /var/lib/containers/storage/?*"
#define DOC_FS_TYPES_EXCLUDE \
	"autofs binfmt_misc bpf cgroup* configfs debugfs devpts devtmpfs fusectl hugetlbfs iso9660 mqueue nsfs overlay " \
	"proc* pstore rpc_pipefs securityfs selinuxfs squashfs sysfs tracefs"

static const struct port_statfs_info data_fs = {4096, 2000000, 1500000, 1400000, 120000, 110000};
static const struct port_statfs_info logs_fs = {1024, 500, 100, 50, 128, 64};

/*
 * The gateway of fixtures/proc/1/mountinfo: a read-only squashfs under an overlay root. node_exporter's
 * default exclusions drop /rom, /dev, /proc, /sys, cgroups, debugfs, /run/credentials/... and the docker
 * overlay; "/" stays though it is an overlay (keep_root); NFS and sshfs are off (network = false); /data,
 * mounted twice, is reported once; the USB stick does not answer statfs.
 */
static void test_filesystem_gateway(void **state)
{
	static const struct sys_expect exp[] = {
		FSD("device=overlay,fstype=overlay,mountpoint=/", 0),
		FSD("device=tmpfs,fstype=tmpfs,mountpoint=/run", 0),
		FSD("device=/dev/mmcblk0p3,fstype=ext4,mountpoint=/overlay", 0),
		FSD("device=tmpfs,fstype=tmpfs,mountpoint=/tmp", 0),
		FSD("device=/dev/mmcblk0p1,fstype=vfat,mountpoint=/boot", 1),
		/* mounted rw, but its superblock is read-only (errors=remount-ro struck) */
		FS("device=/dev/sda1,fstype=ext4,mountpoint=/data", 4096, 2000000, 1500000, 1400000, 120000, 110000, 1),
		/* node_exporter 1.5 decodes \040 and \011 in the label only; statfs got the real path */
		FS("device=/dev/mapper/vg0-logs,fstype=ext4,mountpoint=/mnt/back\\134slash\ttab", 1024, 500, 100, 50, 128,
		   64, 0),
		{"node_filesystem_device_error{device=/dev/sdb1,fstype=vfat,mountpoint=/media/usb stick}", 1},
	};
	uint64_t t0;

	(void)state;
	port_test_sys_statfs("/data", AMP_OK, &data_fs);
	port_test_sys_statfs("/mnt/back\\slash\ttab", AMP_OK, &logs_fs);
	port_test_sys_statfs("/media/usb stick", AMP_ERR_TIMEOUT, NULL);
	t0 = port_monotonic_ms();
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	sys_check(exp, SYS_COUNT(exp));
	/* one statfs per reported mount, and the stuck one cost the deadline, no more */
	assert_int_equal(port_test_sys_statfs_calls(), 8);
	assert_int_equal(port_monotonic_ms() - t0, 2000);
	/* the defaults as docs/configuration.md writes them are the defaults */
	snprintf(sys_fs_options.mount_points_exclude, AMP_FS_PATTERNS_LEN, "%s", DOC_MOUNT_POINTS_EXCLUDE);
	snprintf(sys_fs_options.fs_types_exclude, AMP_FS_PATTERNS_LEN, "%s", DOC_FS_TYPES_EXCLUDE);
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	sys_check(exp, SYS_COUNT(exp));
}

static void test_filesystem_network_on(void **state)
{
	(void)state;
	sys_fs_options.network = true;
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	assert_true(sys_value("node_filesystem_size_bytes{device=gateway-nas:/export/logs,fstype=nfs4,mountpoint=/mnt/nfs}") ==
		    4096000000.0);
	assert_true(sys_has("node_filesystem_files{device=admin@10.0.0.1:/srv,fstype=fuse.sshfs,mountpoint=/mnt/sshfs}"));
	assert_int_equal(sys_ctx.entry_count, 10 * 7);
}

/* keep_root = false is node_exporter's behaviour: an overlay root is excluded like any overlay. */
static void test_filesystem_keep_root_off(void **state)
{
	(void)state;
	sys_fs_options.keep_root = false;
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	assert_false(sys_has("node_filesystem_device_error{device=overlay,fstype=overlay,mountpoint=/}"));
	assert_int_equal(sys_ctx.entry_count, 7 * 7);
}

static void test_filesystem_custom_excludes(void **state)
{
	(void)state;
	snprintf(sys_fs_options.mount_points_exclude, AMP_FS_PATTERNS_LEN, "/dev* /proc* /sys* /run* /var/*");
	snprintf(sys_fs_options.fs_types_exclude, AMP_FS_PATTERNS_LEN, "none");
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	assert_true(sys_has("node_filesystem_size_bytes{device=/dev/mmcblk0p2,fstype=squashfs,mountpoint=/rom}"));
	assert_false(sys_has("node_filesystem_size_bytes{device=tmpfs,fstype=tmpfs,mountpoint=/run}"));
	assert_false(sys_has("node_filesystem_size_bytes{device=devtmpfs,fstype=devtmpfs,mountpoint=/dev}"));
	/* "/" overlay, /rom, /overlay, /tmp, /boot, /data, USB stick, logs: 8 mounts */
	assert_int_equal(sys_ctx.entry_count, 8 * 7);
	/* "none" excludes no mount point either: /proc, /sys, /dev... all come back */
	snprintf(sys_fs_options.mount_points_exclude, AMP_FS_PATTERNS_LEN, "none");
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	assert_int_equal(sys_ctx.entry_count, 17 * 7);
	assert_true(sys_has("node_filesystem_readonly{device=none,fstype=ramfs,mountpoint=/run/credentials/systemd-sysusers.service}"));
}

/*
 * A collection waits at most mount_timeout for all its mounts together: the first stuck mount uses the
 * budget, the next one only gets the 50 ms floor. The collection still reports every other mount.
 */
static void test_filesystem_stuck_budget(void **state)
{
	uint64_t t0;

	(void)state;
	sys_fs_options.mount_timeout_ms = 1000;
	port_test_sys_statfs("/data", AMP_ERR_TIMEOUT, NULL);
	port_test_sys_statfs("/tmp", AMP_ERR_TIMEOUT, NULL);
	t0 = port_monotonic_ms();
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	assert_int_equal(port_monotonic_ms() - t0, 1000 + 50);
	assert_true(sys_value("node_filesystem_device_error{device=/dev/sda1,fstype=ext4,mountpoint=/data}") == 1);
	assert_true(sys_value("node_filesystem_device_error{device=tmpfs,fstype=tmpfs,mountpoint=/tmp}") == 1);
	assert_false(sys_has("node_filesystem_size_bytes{device=tmpfs,fstype=tmpfs,mountpoint=/tmp}"));
	assert_int_equal(sys_ctx.entry_count, 6 * 7 + 2);
	/* a statfs that fails outright is a device error too, without waiting */
	port_test_sys_statfs("/data", AMP_ERR_IO, NULL);
	port_test_sys_statfs("/tmp", AMP_OK, NULL);
	t0 = port_monotonic_ms();
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	assert_int_equal(port_monotonic_ms() - t0, 0);
	assert_true(sys_value("node_filesystem_device_error{device=/dev/sda1,fstype=ext4,mountpoint=/data}") == 1);
	assert_int_equal(sys_ctx.entry_count, 7 * 7 + 1);
}

/* The host's root mounted at /host: labels are host paths, statfs goes through /host. */
static void test_filesystem_rootfs(void **state)
{
	static const char mountinfo[] = "1 0 8:1 / /host rw - ext4 /dev/sda1 rw\n"
					"2 1 8:2 / /host/data rw - ext4 /dev/sda2 rw\n"
					"3 0 8:3 / /hostile rw - ext4 /dev/sda3 rw\n"
					"4 0 8:4 / /host/var/lib/docker/x rw - ext4 /dev/sda4 rw\n";
	static const struct port_statfs_info root_fs = {4096, 10, 9, 8, 7, 6};
	static const struct sys_expect exp[] = {
		FS("device=/dev/sda1,fstype=ext4,mountpoint=/", 4096, 10, 9, 8, 7, 6, 0),
		FS("device=/dev/sda2,fstype=ext4,mountpoint=/data", 4096, 2000000, 1500000, 1400000, 120000, 110000, 0),
		/* not under the rootfs (a prefix, not a parent): left as it is */
		FS("device=/dev/sda3,fstype=ext4,mountpoint=/hostile", 1024, 500, 100, 50, 128, 64, 0),
	};
	char procfs[300];

	(void)state;
	snprintf(procfs, sizeof(procfs), "%s/rootfs-proc", sys_tmpdir);
	sys_write(procfs, "1/mountinfo", mountinfo, sizeof(mountinfo) - 1);
	sys_ctx.procfs = procfs;
	snprintf(sys_fs_options.rootfs, sizeof(sys_fs_options.rootfs), "/host/");
	port_test_sys_statfs("/host/", AMP_OK, &root_fs);
	port_test_sys_statfs("/host/data", AMP_OK, &data_fs);
	port_test_sys_statfs("/host/hostile", AMP_OK, &logs_fs);
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	sys_check(exp, SYS_COUNT(exp));
}

/* hidepid=2 hides /proc/1; hidepid=1 leaves it unreadable: either way the agent's own mounts are read. */
static void test_filesystem_hidepid(void **state)
{
	static const char self[] = "40 39 0:50 / / rw,relatime - overlay overlay rw\n"
				   "43 40 179:3 /var/lib/amp /var/lib/amp rw,noatime - ext4 /dev/mmcblk0p3 rw\n";
	char procfs[300];

	(void)state;
	snprintf(procfs, sizeof(procfs), "%s/hidepid", sys_tmpdir);
	sys_write(procfs, "self/mountinfo", self, sizeof(self) - 1);
	sys_ctx.procfs = procfs;
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	assert_int_equal(sys_ctx.entry_count, 2 * 7);
	assert_true(sys_has("node_filesystem_size_bytes{device=/dev/mmcblk0p3,fstype=ext4,mountpoint=/var/lib/amp}"));
	/* /proc/1 there but unreadable: a directory where the file should be fails every read */
	sys_write(procfs, "1/mountinfo/x", "", 0);
	assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
	assert_int_equal(sys_ctx.entry_count, 2 * 7);
	/* neither /proc/1 nor /proc/self has mountinfo: nothing to report, and no error */
	{
		char empty[300];

		snprintf(empty, sizeof(empty), "%s/hidepid2", sys_tmpdir);
		sys_write(empty, "self/.keep", "", 0);
		sys_ctx.procfs = empty;
		assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
		assert_int_equal(sys_ctx.entry_count, 0);
	}
}

struct mount_case {
	const char *what;
	const char *text;
	size_t len;
	int rc;
	unsigned series;
};

#define TEXT(s) s, sizeof(s) - 1
#define GOOD "9 1 8:1 / /data rw - ext4 /dev/sda1 rw\n"

/* Malformed lines are skipped (and reported), the good line still counts; nothing crashes or overreads. */
static void test_filesystem_hostile(void **state)
{
	static const struct mount_case cases[] = {
		{"empty file", TEXT(""), AMP_OK, 0},
		{"blank lines only", TEXT("\n\n\n"), AMP_OK, 0},
		{"no separator", TEXT("9 1 8:1 / /x rw ext4 /dev/sda1 rw\n" GOOD), AMP_ERR_INVALID, 7},
		{"separator too early", TEXT("9 1 - ext4 /dev/sda1 rw\n" GOOD), AMP_ERR_INVALID, 7},
		{"nothing after the separator", TEXT("9 1 8:1 / /x rw -\n" GOOD), AMP_ERR_INVALID, 7},
		{"no source", TEXT("9 1 8:1 / /x rw - ext4\n" GOOD), AMP_ERR_INVALID, 7},
		{"mount id not a number", TEXT("x 1 8:1 / /x rw - ext4 /dev/sda1 rw\n" GOOD), AMP_ERR_INVALID, 7},
		{"major:minor without minor", TEXT("9 1 8: / /x rw - ext4 /dev/sda1 rw\n" GOOD), AMP_ERR_INVALID, 7},
		{"relative mount point", TEXT("9 1 8:1 / x rw - ext4 /dev/sda1 rw\n" GOOD), AMP_ERR_INVALID, 7},
		{"NUL inside a line", TEXT("9 1 8:1 / /x\0y rw - ext4 /dev/sda1 rw\n" GOOD), AMP_ERR_INVALID, 7},
		{"last line without newline", TEXT("9 1 8:1 / /data rw - ext4 /dev/sda1 rw"), AMP_OK, 7},
		{"optional fields", TEXT("9 1 8:1 / /data rw shared:1 master:2 unbindable - ext4 /dev/sda1 rw\n"), AMP_OK,
		 7},
		{"bad escapes stay as they are", TEXT("9 1 8:1 / /d\\9\\400\\04 rw - ext4 /dev/sda1 rw\n"), AMP_OK, 7},
		{"binary junk", TEXT("\x7f" "ELF\x02\x01\x01\xff\xfe - - -\n" GOOD), AMP_ERR_INVALID, 7},
	};

	(void)state;
	for (size_t i = 0; i < SYS_COUNT(cases); i++) {
		char procfs[300];

		print_message("  case: %s\n", cases[i].what);
		snprintf(procfs, sizeof(procfs), "%s/hostile%zu", sys_tmpdir, i);
		sys_write(procfs, "1/mountinfo", cases[i].text, cases[i].len);
		sys_ctx_init(procfs, "/nonexistent");
		assert_int_equal(sys_run(&amp_collector_filesystem), cases[i].rc);
		if (sys_ctx.entry_count != cases[i].series) {
			sys_dump();
			fail_msg("%s: %u series, expected %u", cases[i].what, sys_ctx.entry_count, cases[i].series);
		}
	}
	/* a path as long as the kernel allows: no statfs path overflow */
	{
		static char line[8192];
		char procfs[300];
		int n = snprintf(line, sizeof(line), "9 1 8:1 / /");

		memset(line + n, 'a', 4090);
		snprintf(line + n + 4090, sizeof(line) - (size_t)n - 4090, " rw - ext4 /dev/sda1 rw\n" GOOD);
		snprintf(procfs, sizeof(procfs), "%s/longpath", sys_tmpdir);
		sys_write(procfs, "1/mountinfo", line, strlen(line));
		sys_ctx_init(procfs, "/nonexistent");
		assert_int_equal(sys_run(&amp_collector_filesystem), AMP_OK);
		assert_true(sys_has("node_filesystem_size_bytes{device=/dev/sda1,fstype=ext4,mountpoint=/data}"));
	}
}

/* ---- os ---- */

struct os_case {
	const char *what;
	const char *etc;        /* etc/os-release, NULL: absent */
	const char *usr_lib;    /* usr/lib/os-release, NULL: absent */
	int rc;
	const char *info;       /* the node_os_info series, NULL: none */
	const char *version;    /* the node_os_version series, NULL: none */
	double version_value;
};

static void test_os_release(void **state)
{
	static const struct os_case cases[] = {
		{"Debian 12",
		 "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
		 "VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\n",
		 NULL, AMP_OK,
		 "node_os_info{id=debian,name=Debian GNU/Linux,pretty_name=Debian GNU/Linux 12 (bookworm),"
		 "version=12 (bookworm),version_codename=bookworm,version_id=12}",
		 "node_os_version{id=debian,name=Debian GNU/Linux}", 12},
		{"Ubuntu 22.04 with ID_LIKE",
		 "NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\n", NULL,
		 AMP_OK, "node_os_info{id=ubuntu,id_like=debian,name=Ubuntu,pretty_name=Ubuntu 22.04.3 LTS,version_id=22.04}",
		 "node_os_version{id=ubuntu,id_like=debian,name=Ubuntu}", 22.04},
		{"Buildroot in /usr/lib only, three-part version",
		 NULL, "NAME=Buildroot\nVERSION=2023.02.1\nID=buildroot\nVERSION_ID=2023.02.1\nPRETTY_NAME=\"Buildroot 2023.02.1\"\n",
		 AMP_OK,
		 "node_os_info{id=buildroot,name=Buildroot,pretty_name=Buildroot 2023.02.1,version=2023.02.1,version_id=2023.02.1}",
		 "node_os_version{id=buildroot,name=Buildroot}", 2023.02},
		{"Yocto, single quotes, comments, export, blanks",
		 "# generated\n  export ID=poky\nNAME='Poky (Yocto Project Reference Distro)'\n\nVERSION_ID=4.0.13 # kirkstone\n"
		 "BUILD_ID=\"20231101\"\nIMAGE_ID=gateway-image\nIMAGE_VERSION=1.4.2\nVARIANT=\"Edge \\\"Pro\\\" \\$1\"\nVARIANT_ID=pro\n",
		 NULL, AMP_OK,
		 "node_os_info{build_id=20231101,id=poky,image_id=gateway-image,image_version=1.4.2,"
		 "name=Poky (Yocto Project Reference Distro),variant=Edge \"Pro\" $1,variant_id=pro,version_id=4.0.13}",
		 "node_os_version{id=poky,name=Poky (Yocto Project Reference Distro)}", 4.0},
		{"no version number", "ID=arch\nNAME=\"Arch Linux\"\nBUILD_ID=rolling\n", NULL, AMP_OK,
		 "node_os_info{build_id=rolling,id=arch,name=Arch Linux}", NULL, 0},
		{"version with a trailing dot", "ID=x\nVERSION_ID=12.\n", NULL, AMP_OK, "node_os_info{id=x,version_id=12.}",
		 "node_os_version{id=x}", 12},
		{"neither file", NULL, NULL, AMP_OK, NULL, NULL, 0},
		{"empty file", "", NULL, AMP_OK, "node_os_info{}", NULL, 0},
		{"malformed lines are skipped, the rest counts",
		 "ID=debian\nNAME=\"unterminated\nthis is not a key\nVERSION_ID=1 2\n=x\nPRETTY_NAME=ok\n", NULL,
		 AMP_ERR_INVALID, "node_os_info{id=debian,pretty_name=ok}", NULL, 0},
		{"not UTF-8", "ID=x\nPRETTY_NAME=\"Caf\xe9 OS\"\n", NULL, AMP_OK,
		 "node_os_info{id=x,pretty_name=Caf\xef\xbf\xbd OS}", NULL, 0},
	};

	(void)state;
	for (size_t i = 0; i < SYS_COUNT(cases); i++) {
		char root[300];

		print_message("  case: %s\n", cases[i].what);
		snprintf(root, sizeof(root), "%s/os%zu", sys_tmpdir, i);
		sys_write(root, "README", "", 0);
		if (cases[i].etc != NULL)
			sys_write(root, "etc/os-release", cases[i].etc, strlen(cases[i].etc));
		if (cases[i].usr_lib != NULL)
			sys_write(root, "usr/lib/os-release", cases[i].usr_lib, strlen(cases[i].usr_lib));
		sys_ctx_init("/nonexistent", "/nonexistent");
		assert_true(strlen(root) < sizeof(sys_fs_options.rootfs));
		memcpy(sys_fs_options.rootfs, root, strlen(root) + 1);
		assert_int_equal(sys_run(&amp_collector_os), cases[i].rc);
		assert_int_equal(sys_ctx.entry_count, (cases[i].info != NULL) + (cases[i].version != NULL));
		if (cases[i].info != NULL)
			assert_true(sys_value(cases[i].info) == 1);
		if (cases[i].version != NULL && sys_value(cases[i].version) != cases[i].version_value)
			fail_msg("%s: version %.17g", cases[i].what, sys_value(cases[i].version));
	}
}

/* ---- uname ---- */

static void test_uname(void **state)
{
	static const struct port_uname odd = {"Linux", "gw-\xff\xfe-01", "5.10.160-rt", "#1 SMP PREEMPT_RT", "armv7l", ""};

	(void)state;
	assert_int_equal(sys_run(&amp_collector_uname), AMP_OK);
	assert_true(sys_value("node_uname_info{domainname=(none),machine=aarch64,nodename=test-host,release=6.1.0-test,"
			      "sysname=Linux,version=#1 SMP PREEMPT Tue Jan 10 2023}") == 1);
	assert_int_equal(sys_ctx.entry_count, 1);
	/* a host name that is not UTF-8 is repaired; an empty domain name is left out, like any empty label */
	port_test_sys_uname(AMP_OK, &odd);
	assert_int_equal(sys_run(&amp_collector_uname), AMP_OK);
	assert_true(sys_value("node_uname_info{machine=armv7l,nodename=gw-\xef\xbf\xbd-01,release=5.10.160-rt,"
			      "sysname=Linux,version=#1 SMP PREEMPT_RT}") == 1);
	port_test_sys_uname(AMP_ERR_IO, NULL);
	assert_int_equal(sys_run(&amp_collector_uname), AMP_ERR_IO);
	assert_int_equal(sys_ctx.entry_count, 0);
}

/* ---- time and timex ---- */

static void test_time(void **state)
{
	static const struct sys_expect exp[] = {
		{"node_time_seconds{}", 1700000000123 / 1000.0},
		{"node_time_zone_offset_seconds{time_zone=CEST}", 7200},
		{"node_time_clocksource_available_info{clocksource=arch_sys_counter,device=0}", 1},
		{"node_time_clocksource_current_info{clocksource=arch_sys_counter,device=0}", 1},
	};

	(void)state;
	port_test_set_realtime_ms(1700000000123);
	port_test_sys_time_zone("CEST", 7200);
	assert_int_equal(sys_run(&amp_collector_time), AMP_OK);
	sys_check(exp, SYS_COUNT(exp));
	/* no clock sources in sysfs: the clock and the zone still */
	sys_ctx.sysfs = "/nonexistent";
	port_test_sys_time_zone("PST", -28800);
	assert_int_equal(sys_run(&amp_collector_time), AMP_OK);
	assert_int_equal(sys_ctx.entry_count, 2);
	assert_true(sys_value("node_time_zone_offset_seconds{time_zone=PST}") == -28800);
}

struct timex_case {
	const char *what;
	int rc;
	struct port_timex t;
	int collect_rc;
};

/* node_exporter's arithmetic, written out again independently of the collector. */
static void timex_expect(const struct port_timex *t, struct sys_expect *e)
{
	double div = (t->status & 0x2000) != 0 ? 1e9 : 1e6;
	const double ppm16 = 1000000.0 * 65536.0;
	const struct sys_expect v[] = {
		{"node_timex_sync_status{}", t->state == 5 ? 0 : 1},
		{"node_timex_offset_seconds{}", (double)t->offset / div},
		{"node_timex_frequency_adjustment_ratio{}", 1 + (double)t->freq / ppm16},
		{"node_timex_maxerror_seconds{}", (double)t->maxerror / 1e6},
		{"node_timex_estimated_error_seconds{}", (double)t->esterror / 1e6},
		{"node_timex_status{}", t->status},
		{"node_timex_loop_time_constant{}", (double)t->constant},
		{"node_timex_tick_seconds{}", (double)t->tick / 1e6},
		{"node_timex_pps_frequency_hertz{}", (double)t->ppsfreq / ppm16},
		{"node_timex_pps_jitter_seconds{}", (double)t->jitter / div},
		{"node_timex_pps_shift_seconds{}", t->shift},
		{"node_timex_pps_stability_hertz{}", (double)t->stabil / ppm16},
		{"node_timex_pps_jitter_total{}", (double)t->jitcnt},
		{"node_timex_pps_calibration_total{}", (double)t->calcnt},
		{"node_timex_pps_error_total{}", (double)t->errcnt},
		{"node_timex_pps_stability_exceeded_total{}", (double)t->stbcnt},
		{"node_timex_tai_offset_seconds{}", t->tai},
	};

	memcpy(e, v, sizeof(v));
}

static void test_timex(void **state)
{
	static const struct timex_case cases[] = {
		{"synchronised, nanoseconds", AMP_OK,
		 {0, -1500, 655360, 16000, 2000, 0x2001, 7, 10000, 0, 250, 0, 0, 0, 0, 0, 0, 37}, AMP_OK},
		/* a board without RTC before NTP answered: TIME_ERROR and STA_UNSYNC (0x40) */
		{"unsynchronised, microseconds", AMP_OK,
		 {5, 123456, -2883584, 16000000, 16000000, 0x40, 2, 4000, 1310720, 12, 2, 6553, 3, 100, 1, 2, 0}, AMP_OK},
		{"PPS with large counters", AMP_OK,
		 {1, 0, 0, 0, 0, 0x0003 | 0x0100 | 0x0200, 10, 10000, -65536, 999999, 4, 65536, 1LL << 40, 1LL << 50, 0,
		  INT64_MAX, -37},
		 AMP_OK},
		{"refused by seccomp", AMP_ERR_NOTFOUND, {0}, AMP_OK},
		{"failing", AMP_ERR_IO, {0}, AMP_ERR_IO},
	};

	(void)state;
	for (size_t i = 0; i < SYS_COUNT(cases); i++) {
		struct sys_expect exp[17];

		print_message("  case: %s\n", cases[i].what);
		port_test_sys_timex(cases[i].rc, &cases[i].t);
		assert_int_equal(sys_run(&amp_collector_timex), cases[i].collect_rc);
		if (cases[i].rc != AMP_OK) {
			assert_int_equal(sys_ctx.entry_count, 0);
			continue;
		}
		timex_expect(&cases[i].t, exp);
		sys_check(exp, SYS_COUNT(exp));
	}
	/* the counters are counters, the rest gauges, as node_exporter types them */
	port_test_sys_timex(AMP_OK, &cases[0].t);
	assert_int_equal(sys_run(&amp_collector_timex), AMP_OK);
	for (unsigned i = 0; i < sys_ctx.entry_count; i++) {
		const struct amp_family *f = amp_registry_family(&sys_reg, sys_entries[i].id);
		size_t n = strlen(f->name);

		assert_int_equal(f->type, n > 6 && strcmp(f->name + n - 6, "_total") == 0 ? AMP_METRIC_COUNTER : AMP_METRIC_GAUGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_filesystem_gateway, setup),
		cmocka_unit_test_setup(test_filesystem_network_on, setup),
		cmocka_unit_test_setup(test_filesystem_keep_root_off, setup),
		cmocka_unit_test_setup(test_filesystem_custom_excludes, setup),
		cmocka_unit_test_setup(test_filesystem_stuck_budget, setup),
		cmocka_unit_test_setup(test_filesystem_rootfs, setup),
		cmocka_unit_test_setup(test_filesystem_hidepid, setup),
		cmocka_unit_test_setup(test_filesystem_hostile, setup),
		cmocka_unit_test_setup(test_os_release, setup),
		cmocka_unit_test_setup(test_uname, setup),
		cmocka_unit_test_setup(test_time, setup),
		cmocka_unit_test_setup(test_timex, setup),
	};

	return cmocka_run_group_tests(tests, sys_group_setup, sys_group_teardown);
}
