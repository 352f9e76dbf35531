/*
 * port_statfs for POSIX: statfs(2) in a helper thread, so that a dead network mount, where statfs
 * sleeps until the server answers, cannot hold the agent's loop past a deadline.
 *
 * The helper answers requests over a SOCK_SEQPACKET socket pair (one message per request and reply;
 * MSG_NOSIGNAL where a pipe would raise SIGPIPE). One that misses a deadline is abandoned: the agent
 * closes its end and starts another helper at the next call; the abandoned one finds the socket closed
 * once its statfs returns, and ends. Until then its path counts as stuck and calls for it fail at once,
 * as node_exporter marks a mount stuck until its statfs returns.
 *
 * A thread, not a process: a forked helper carried a copy of the agent's page tables, about 1 MiB of
 * resident memory for a loop of recv, statfs and send; a thread costs its few pages of stack. The
 * helper blocks every signal, so that SIGTERM and SIGHUP still interrupt the agent's own waits.
 */
#define _GNU_SOURCE
#include "port.h"
#include "error.h"
#include "port_statfs.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>

#define STATFS_PATH_MAX 4096
/* Its frame holds a request (4 KiB); glibc adds its own. Only the pages touched become resident. */
#define STATFS_STACK_BYTES (64u * 1024u)

struct statfs_request {
	uint32_t seq;
	char path[STATFS_PATH_MAX];
};

struct statfs_reply {
	uint32_t seq;
	int32_t err;
	struct port_statfs_info info;
};

/*
 * A helper thread. `fd` is the helper's end of the socket pair, closed by the helper when it ends;
 * `ended` is set by the helper as its last act, and the slot is free again once the agent sees it.
 */
struct statfs_helper {
	bool used;
	bool stuck;          /* abandoned in a statfs of the path hashed in path_hash */
	uint64_t path_hash;
	int fd;
	atomic_bool ended;
};

/* The current helper and those abandoned (PORT_STATFS_MAX_STUCK), each slot either. */
static struct statfs_helper helpers[PORT_STATFS_MAX_STUCK + 1];
static struct statfs_helper *current;
static int current_fd = -1;   /* the agent's end of the current helper's socket */
static uint32_t helper_seq;
static _Atomic(port_statfs_fn) statfs_call = statfs;

void port_statfs_set_call(port_statfs_fn fn)
{
	atomic_store(&statfs_call, fn != NULL ? fn : statfs);
}

static uint64_t path_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void *helper_main(void *arg)
{
	struct statfs_helper *self = arg;
	struct statfs_request req;

	for (;;) {
		struct statfs_reply rep;
		struct statfs st;
		ssize_t n = recv(self->fd, &req, sizeof(req), 0);

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		memset(&rep, 0, sizeof(rep));
		rep.seq = req.seq;
		if ((size_t)n <= offsetof(struct statfs_request, path) || ((char *)&req)[n - 1] != '\0') {
			rep.err = EINVAL;
		} else if (atomic_load(&statfs_call)(req.path, &st) != 0) {
			rep.err = errno != 0 ? errno : EIO;
		} else {
			rep.info.bsize = (uint64_t)st.f_bsize;
			rep.info.blocks = (uint64_t)st.f_blocks;
			rep.info.bfree = (uint64_t)st.f_bfree;
			rep.info.bavail = (uint64_t)st.f_bavail;
			rep.info.files = (uint64_t)st.f_files;
			rep.info.ffree = (uint64_t)st.f_ffree;
		}
		/* abandoned meanwhile: the agent's end is closed and this fails, which ends the helper */
		if (send(self->fd, &rep, sizeof(rep), MSG_NOSIGNAL) < 0 && errno != EINTR)
			break;
	}
	close(self->fd);
	atomic_store(&self->ended, true);
	return NULL;
}

/* Frees the slots of helpers that ended: their mounts answered in the end. */
static void reap_ended(void)
{
	for (unsigned i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		if (helpers[i].used && &helpers[i] != current && atomic_load(&helpers[i].ended))
			helpers[i].used = false;
	}
}

static struct statfs_helper *free_slot(void)
{
	for (unsigned i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		if (!helpers[i].used)
			return &helpers[i];
	}
	return NULL;
}

/*
 * At exit the current helper is told to go (end of stream) and given a moment to end, so that it is
 * not cut off inside glibc; one stuck in statfs ends with the process.
 */
static void helper_at_exit(void)
{
	if (current == NULL)
		return;
	close(current_fd);
	for (int i = 0; i < 40 && !atomic_load(&current->ended); i++)
		port_sleep_ms(5);
	current = NULL;
	current_fd = -1;
}

static int helper_start(void)
{
	static bool at_exit_set;
	struct statfs_helper *h = free_slot();
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t thread;
	size_t stack = STATFS_STACK_BYTES;
	long min = sysconf(_SC_THREAD_STACK_MIN);
	int sv[2];
	int rc;

	if (!at_exit_set)
		at_exit_set = atexit(helper_at_exit) == 0;
	if (h == NULL)
		return AMP_ERR_FULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return AMP_ERR_IO;
	if (min > 0 && (size_t)min > stack)
		stack = (size_t)min;
	*h = (struct statfs_helper){.used = true, .fd = sv[1]};
	atomic_init(&h->ended, false);
	if (pthread_attr_init(&attr) != 0) {
		close(sv[0]);
		close(sv[1]);
		h->used = false;
		return AMP_ERR_IO;
	}
	(void)pthread_attr_setstacksize(&attr, stack);
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* the helper inherits this mask: every signal stays with the agent's own thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&thread, &attr, helper_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		close(sv[0]);
		close(sv[1]);
		h->used = false;
		return AMP_ERR_IO;
	}
	current = h;
	current_fd = sv[0];
	return AMP_OK;
}

/* Lets go of the current helper; a stuck one keeps its slot (and its path stuck) until it ends. */
static void helper_abandon(bool stuck, uint64_t h)
{
	close(current_fd);
	current->stuck = stuck;
	current->path_hash = h;
	current = NULL;
	current_fd = -1;
}

static bool path_stuck(uint64_t h)
{
	for (unsigned i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		if (helpers[i].used && &helpers[i] != current && helpers[i].stuck && helpers[i].path_hash == h)
			return true;
	}
	return false;
}

static unsigned stuck_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		n += helpers[i].used && &helpers[i] != current;
	return n;
}

static int statfs_errno(int err)
{
	if (err == 0)
		return AMP_OK;
	if (err == ENOENT || err == ENOTDIR)
		return AMP_ERR_NOTFOUND;
	return err == ENAMETOOLONG ? AMP_ERR_FULL : AMP_ERR_IO;
}

int port_statfs_helpers(void)
{
	reap_ended();
	return (int)stuck_count() + (current != NULL);
}

int port_statfs(const char *path, struct port_statfs_info *out, uint32_t timeout_ms)
{
	static struct statfs_request req;
	struct statfs_reply rep;
	size_t len = strlen(path);
	uint64_t h = path_hash(path);
	uint64_t deadline = port_monotonic_ms() + timeout_ms;
	int rc;

	if (len >= STATFS_PATH_MAX)
		return AMP_ERR_FULL;
	reap_ended();
	if (path_stuck(h))
		return AMP_ERR_TIMEOUT;
	/* Every request may end in abandoning the helper: there must be room to remember it. */
	if (stuck_count() >= PORT_STATFS_MAX_STUCK)
		return AMP_ERR_FULL;
	req.seq = ++helper_seq;
	memcpy(req.path, path, len + 1);
	for (int attempt = 0;; attempt++) {
		if (current == NULL && (rc = helper_start()) != AMP_OK)
			return rc;
		if (send(current_fd, &req, offsetof(struct statfs_request, path) + len + 1, MSG_NOSIGNAL) >= 0)
			break;
		/* a helper that ended between two calls: replace it once */
		helper_abandon(false, 0);
		if (attempt > 0)
			return AMP_ERR_IO;
	}
	for (;;) {
		struct pollfd p = {.fd = current_fd, .events = POLLIN};
		uint64_t now = port_monotonic_ms();
		int n = poll(&p, 1, now >= deadline ? 0 : (int)(deadline - now));
		ssize_t r;

		if (n == 0) {
			helper_abandon(true, h);
			return AMP_ERR_TIMEOUT;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			helper_abandon(false, 0);
			return AMP_ERR_IO;
		}
		r = recv(current_fd, &rep, sizeof(rep), MSG_DONTWAIT);
		if (r == (ssize_t)sizeof(rep) && rep.seq == req.seq)
			break;
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
			helper_abandon(false, 0);
			return AMP_ERR_IO;
		}
		/* a short or stale reply: wait on for ours */
	}
	rc = statfs_errno(rep.err);
	if (rc == AMP_OK)
		*out = rep.info;
	return rc;
}
