/* Secrets in memory and in files: wiping, reading a secret file, noticing that a file changed on disk. */
#ifndef AMP_SECRET_H
#define AMP_SECRET_H

#include "error.h"
#include "port.h"

#include <stdbool.h>
#include <stddef.h>

/* Overwrites n bytes with zeros in a way the compiler may not remove (memset on a dying buffer may go). */
void amp_secret_wipe(void *p, size_t n);

/*
 * Reads the file at `path` whole into `buf` and strips surrounding whitespace (a trailing newline, CRLF),
 * leaving the text NUL-terminated at buf[0]; *len gets its length (0 for a blank file).
 * Returns 0, AMP_ERR_NOTFOUND, AMP_ERR_IO, AMP_ERR_FULL (larger than cap - 1 bytes) or AMP_ERR_INVALID
 * (a NUL byte inside). On error buf holds nothing of the file.
 */
int amp_secret_read_file(const char *path, char *buf, size_t cap, size_t *len) AMP_MUST_CHECK;

/* What a file looked like when last read; zeroed means never seen. */
struct amp_secret_watch {
	struct port_file_info seen;
	bool valid;
};

/*
 * Tells whether the file at `path` may hold something else than when amp_secret_watch_changed last
 * saw it: another inode (replaced by rename, as rotators do), size, modification or status-change time.
 * The first call on a zeroed watch says changed. Returns 1 (changed), 0 (same) or the error of
 * port_file_stat (the watch then forgets the file, so it counts as changed once it is back). A caller
 * that then fails to read the file sets w->valid = false, so the next call says changed again.
 */
int amp_secret_watch_changed(struct amp_secret_watch *w, const char *path);

#endif
