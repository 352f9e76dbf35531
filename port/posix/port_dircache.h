/*
 * The directory cache of the POSIX port: open handles on the /proc and /sys directories the collectors
 * read files from, so that each read opens its file relative to the directory (openat) instead of
 * walking the whole path again. A collection opens about 130 such files; the path walk was a third
 * of the agent's CPU time (/sys/class/net/IF is a symbolic link into /sys/devices, each component a
 * kernfs lookup with its own permission check).
 *
 * Only directories on procfs and sysfs are held: a regular file system's files are replaced by
 * rename, and the textfile collector and the tests read those. A held directory that was removed
 * (a network interface unplugged) answers ENOENT, which makes the cache look its path up again, so a
 * re-created directory of the same name is found at once. What it cannot see is a directory renamed
 * while another takes its name: that is read through the old handle until every handle is let go,
 * which happens every CONFIG_PORT_DIR_CACHE_SECONDS and on port_files_forget() (a reload).
 */
#ifndef AMP_PORT_DIRCACHE_H
#define AMP_PORT_DIRCACHE_H

#include <stdbool.h>

/* Opens `path` read-only (O_CLOEXEC) through the cache; returns the descriptor, or -1 with errno set as open(2) does. */
int port_dircache_open(const char *path);

/* Closes every held directory handle. */
void port_dircache_forget(void);

/* Tests only: hold directories on every file system, not just procfs and sysfs (a test's tree is on tmpfs or disk). */
void port_dircache_hold_any_fs(bool any);

/* Tests only: how many directory handles the cache holds now. */
int port_dircache_held(void);

#endif
