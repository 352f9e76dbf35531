/* The spool's API in a build without it (Kconfig CONFIG_SPOOL off): nothing is spooled, and asking for it says so. */
#include "spool.h"
#include "log.h"

static struct amp_spool_stats no_stats;

bool amp_spool_compiled(void)
{
	return false;
}

struct amp_spool_replay *amp_spool_replay_context(void)
{
	return NULL;
}

int amp_spool_open(const char *dir, uint64_t max_bytes)
{
	(void)max_bytes;
	AMP_LOG_E("spool", "%s: the spool is not compiled into this build (Kconfig CONFIG_SPOOL)", dir);
	return AMP_ERR_NOTFOUND;
}

bool amp_spool_enabled(void)
{
	return false;
}

int amp_spool_write(const struct amp_ring *ring, const struct amp_registry *reg, const struct amp_labels_common *labels)
{
	(void)ring;
	(void)reg;
	(void)labels;
	return AMP_OK;
}

void amp_spool_rotate(void)
{
}

uint64_t amp_spool_persisted_seq(void)
{
	return 0;
}

int amp_spool_replay_fill(struct amp_spool_replay *r, uint64_t live_tail_seq)
{
	(void)r;
	(void)live_tail_seq;
	return 0;
}

void amp_spool_replay_delivered(struct amp_spool_replay *r, uint64_t ring_seq)
{
	(void)r;
	(void)ring_seq;
}

void amp_spool_live_delivered(uint64_t seq)
{
	(void)seq;
}

const struct amp_spool_stats *amp_spool_stats(void)
{
	return &no_stats;
}
