/* Secrets: volatile wiping, whole-file secret reads, and change detection through the port's stat. */
#include "secret.h"

#include <string.h>

void amp_secret_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int amp_secret_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	size_t start = 0;
	int rc;

	*len = 0;
	rc = port_read_file(path, buf, cap, &n);
	if (rc == AMP_OK && memchr(buf, '\0', n) != NULL)
		rc = AMP_ERR_INVALID;
	if (rc != AMP_OK) {
		amp_secret_wipe(buf, cap);
		return rc;
	}
	while (n > 0 && is_space(buf[n - 1]))
		n--;
	while (start < n && is_space(buf[start]))
		start++;
	memmove(buf, buf + start, n - start);
	n -= start;
	amp_secret_wipe(buf + n, cap - n);
	*len = n;
	return AMP_OK;
}

int amp_secret_watch_changed(struct amp_secret_watch *w, const char *path)
{
	struct port_file_info now;
	int rc = port_file_stat(path, &now);
	bool same;

	if (rc != AMP_OK) {
		w->valid = false;
		return rc;
	}
	same = w->valid && now.dev == w->seen.dev && now.ino == w->seen.ino && now.size == w->seen.size &&
	       now.mtime_ns == w->seen.mtime_ns && now.ctime_ns == w->seen.ctime_ns;
	w->seen = now;
	w->valid = true;
	return same ? 0 : 1;
}
