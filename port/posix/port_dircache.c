/* The POSIX port's directory cache (see port_dircache.h for what it holds and when it lets go). */
#define _GNU_SOURCE
#include "port_dircache.h"
#include "opts.h"
#include "port.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* linux/magic.h's values, spelled out so that the port builds against any libc's headers. */
#define DIRCACHE_PROC_MAGIC 0x9fa0
#define DIRCACHE_SYSFS_MAGIC 0x62656572

/*
 * A slot's fd when it holds no handle (the directory is on another file system), and what a lookup of a
 * directory that is not there returns. A missing directory takes no slot: it may be made any time
 * (~/.aws for a credentials file), and it must be seen at once.
 */
#define DIRCACHE_PLAIN (-1)
#define DIRCACHE_ABSENT (-2)

struct dircache_slot {
	uint32_t hash;  /* FNV-1a of the directory's path, to skip most comparisons */
	uint32_t off;   /* its path in dircache_paths, NUL-terminated */
	uint32_t len;
	int fd;         /* an O_PATH handle or DIRCACHE_PLAIN */
};

#if CONFIG_PORT_DIR_CACHE_SLOTS > 0
static struct dircache_slot dircache_slots[CONFIG_PORT_DIR_CACHE_SLOTS];
static char dircache_paths[CONFIG_PORT_DIR_CACHE_PATH_BYTES];
#else
static struct dircache_slot dircache_slots[1];
static char dircache_paths[1];
#endif
static unsigned dircache_used;       /* slots in use */
static size_t dircache_paths_used;   /* bytes of dircache_paths in use */
static uint64_t dircache_since_ms;   /* when the slots were last emptied */
static bool dircache_since_set;
static bool dircache_any_fs;

void port_dircache_hold_any_fs(bool any)
{
	port_dircache_forget();
	dircache_any_fs = any;
}

int port_dircache_held(void)
{
	int n = 0;

	for (unsigned i = 0; i < dircache_used; i++)
		n += dircache_slots[i].fd >= 0;
	return n;
}

void port_dircache_forget(void)
{
	for (unsigned i = 0; i < dircache_used; i++) {
		if (dircache_slots[i].fd >= 0)
			close(dircache_slots[i].fd);
	}
	dircache_used = 0;
	dircache_paths_used = 0;
}

static uint32_t dircache_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* A handle on the directory `dir`, or DIRCACHE_PLAIN / DIRCACHE_ABSENT. */
static int dircache_open_dir(const char *dir)
{
	struct statfs fs;
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? DIRCACHE_ABSENT : DIRCACHE_PLAIN;
	if (!dircache_any_fs &&
	    (fstatfs(fd, &fs) != 0 || (fs.f_type != DIRCACHE_PROC_MAGIC && fs.f_type != DIRCACHE_SYSFS_MAGIC))) {
		close(fd);
		return DIRCACHE_PLAIN;
	}
	return fd;
}

static struct dircache_slot *dircache_find(const char *dir, size_t len, uint32_t hash)
{
	for (unsigned i = 0; i < dircache_used; i++) {
		struct dircache_slot *s = &dircache_slots[i];

		if (s->hash == hash && s->len == len && memcmp(dircache_paths + s->off, dir, len) == 0)
			return s;
	}
	return NULL;
}

/*
 * A new slot for the directory `dir` (len bytes of a longer path); NULL when the cache is full, and when
 * the directory is not there (*absent is then set).
 */
static struct dircache_slot *dircache_add(const char *dir, size_t len, uint32_t hash, bool *absent)
{
	struct dircache_slot *s;
	char *copy;
	int fd;

	if (dircache_used >= CONFIG_PORT_DIR_CACHE_SLOTS || len + 1 > sizeof(dircache_paths) - dircache_paths_used)
		return NULL;
	copy = dircache_paths + dircache_paths_used;
	memcpy(copy, dir, len);
	copy[len] = '\0';
	fd = dircache_open_dir(copy);
	if (fd == DIRCACHE_ABSENT) {
		*absent = true;
		return NULL;
	}
	s = &dircache_slots[dircache_used];
	s->hash = hash;
	s->off = (uint32_t)dircache_paths_used;
	s->len = (uint32_t)len;
	s->fd = fd;
	dircache_used++;
	dircache_paths_used += len + 1;
	return s;
}

/*
 * The held directory had no `base`: was it removed and made again under its name (an interface
 * unplugged and plugged in)? Looks the path up again; 1 when the slot now holds a different directory
 * (a handle) to try again, 0 when the answer stands.
 */
static int dircache_recheck(struct dircache_slot *s)
{
	struct stat held, now;
	int fd = dircache_open_dir(dircache_paths + s->off);

	if (fd < 0) {
		/* gone, or elsewhere now: read by its whole path until the handles are let go */
		close(s->fd);
		s->fd = DIRCACHE_PLAIN;
		return 0;
	}
	if (fstat(s->fd, &held) == 0 && fstat(fd, &now) == 0 && held.st_dev == now.st_dev &&
	    held.st_ino == now.st_ino) {
		close(fd);
		return 0;
	}
	close(s->fd);
	s->fd = fd;
	return 1;
}

int port_dircache_open(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct dircache_slot *s;
	uint64_t now;
	size_t len;
	uint32_t hash;
	bool absent = false;
	int fd;

	if (CONFIG_PORT_DIR_CACHE_SLOTS == 0 || slash == NULL || slash == path || slash[1] == '\0')
		return open(path, O_RDONLY | O_CLOEXEC);
	/* Every handle is let go now and then, so that a renamed directory is not read for long. */
	now = port_monotonic_ms();
	if (!dircache_since_set || now - dircache_since_ms >= (uint64_t)CONFIG_PORT_DIR_CACHE_SECONDS * 1000u) {
		port_dircache_forget();
		dircache_since_ms = now;
		dircache_since_set = true;
	}
	len = (size_t)(slash - path);
	hash = dircache_hash(path, len);
	s = dircache_find(path, len, hash);
	if (s == NULL)
		s = dircache_add(path, len, hash, &absent);
	if (absent) {
		errno = ENOENT;
		return -1;
	}
	if (s == NULL || s->fd == DIRCACHE_PLAIN)
		return open(path, O_RDONLY | O_CLOEXEC);
	fd = openat(s->fd, slash + 1, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (dircache_recheck(s))
		return openat(s->fd, slash + 1, O_RDONLY | O_CLOEXEC);
	errno = ENOENT;
	return -1;
}
