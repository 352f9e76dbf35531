/* sockstat collector: sockets in use and their memory per protocol from /proc/net/sockstat{,6}, as node_sockstat_*. */
/* net/ipv4/proc.c (sockstat_seq_show), net/ipv6/proc.c: "PROTO: key value ..." lines; TCP and UDP "mem" is in pages. */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#include <stdbool.h>
#include <string.h>

#define MOD "sockstat"

enum sock_key { KEY_INUSE, KEY_ORPHAN, KEY_TW, KEY_ALLOC, KEY_MEM, KEY_MEMORY, KEY_COUNT };

/* The keys node_exporter maps (others are ignored there too); "memory" (FRAG) is bytes already. */
static const char *const key_names[KEY_COUNT] = {"inuse", "orphan", "tw", "alloc", "mem", "memory"};

#define MEM_BYTES KEY_COUNT /* the extra family: mem times the page size */

/* node_exporter's naming: node_sockstat_<PROTO>_<key>, gauge, help "Number of <PROTO> sockets in state <key>.". */
#define SF(proto, key) {"node_sockstat_" proto "_" key, "Number of " proto " sockets in state " key ".", AMP_METRIC_GAUGE}
#define PROTO(p) \
	{p, {SF(p, "inuse"), SF(p, "orphan"), SF(p, "tw"), SF(p, "alloc"), SF(p, "mem"), SF(p, "memory"), \
	     SF(p, "mem_bytes")}}

struct sock_proto {
	const char *name;
	struct amp_family fams[KEY_COUNT + 1];
};

/* The protocols the two files print (families are static: the registry keeps pointers to them). */
static const struct sock_proto protos[] = {
	PROTO("TCP"), PROTO("UDP"), PROTO("UDPLITE"), PROTO("RAW"), PROTO("FRAG"),
	PROTO("TCP6"), PROTO("UDP6"), PROTO("UDPLITE6"), PROTO("RAW6"), PROTO("FRAG6"),
};

#define PROTO_COUNT (sizeof(protos) / sizeof(protos[0]))

static const struct amp_family fam_used = {"node_sockstat_sockets_used", "Number of IPv4 sockets in use.",
					   AMP_METRIC_GAUGE};

static int find_key(const char *p, const char *end)
{
	for (int k = 0; k < KEY_COUNT; k++) {
		size_t n = strlen(key_names[k]);

		if ((size_t)(end - p) == n && memcmp(p, key_names[k], n) == 0)
			return k;
	}
	return -1;
}

/* Emits one "TCP: inuse 1 mem 2" line once every value of it parsed; returns NULL or why it is malformed. */
static const char *sockstat_line(struct amp_collect_ctx *ctx, void *arg, const char *line, const char *le,
				 unsigned lineno)
{
	const char *pos = line, *tok, *tok_end;
	const struct sock_proto *proto = NULL;
	bool sockets;
	uint64_t v;

	(void)arg;
	(void)lineno;
	tok = amp_procparse_next(&pos, le, &tok_end);
	if (tok == NULL || tok_end - tok < 2 || tok_end[-1] != ':')
		return "no \"PROTO:\"";
	sockets = tok_end - tok == 8 && memcmp(tok, "sockets:", 8) == 0;
	for (unsigned i = 0; i < PROTO_COUNT && !sockets; i++) {
		size_t n = strlen(protos[i].name);

		if (n == (size_t)(tok_end - tok - 1) && memcmp(protos[i].name, tok, n) == 0)
			proto = &protos[i];
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *p = tok_end, *key, *key_end;

		while ((key = amp_procparse_next(&p, le, &key_end)) != NULL) {
			const char *val, *val_end;
			int k;

			val = amp_procparse_next(&p, le, &val_end);
			if (val == NULL)
				return "a key without a value";
			if (amp_parse_u64(val, val_end, &v) == NULL)
				return "a value is not an unsigned decimal";
			if (pass == 0)
				continue;
			k = find_key(key, key_end);
			if (sockets && key_end - key == 4 && memcmp(key, "used", 4) == 0) {
				(void)amp_collect_emit(ctx, &fam_used, NULL, 0, (double)v);
			} else if (proto != NULL && k >= 0) {
				(void)amp_collect_emit(ctx, &proto->fams[k], NULL, 0, (double)v);
				if (k == KEY_MEM && ctx->page_size > 0)
					(void)amp_collect_emit(ctx, &proto->fams[MEM_BYTES], NULL, 0,
							       (double)v * (double)ctx->page_size);
			}
		}
	}
	if (proto == NULL && !sockets && amp_procparse_label_ok(tok, (size_t)(tok_end - tok - 1)))
		AMP_LOG_D(MOD, "%.*s: not a known protocol, skipped", (int)(tok_end - tok - 1), tok);
	return NULL;
}

/*
 * sockstat6 is absent without IPv6: skipped silently, like a missing sockstat. "mem" of TCP and UDP
 * counts pages; node_exporter adds <PROTO>_mem_bytes with the host's page size, and so do we (unless the
 * page size is unknown: then only mem). A malformed line is skipped and the rest still counts. Returns
 * the first error, after trying both files.
 */
static int sockstat_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_ms, last_warn6_ms;
	int rc = amp_procparse_lines(ctx, MOD, ctx->procfs, "net/sockstat", &last_warn_ms, sockstat_line, NULL);
	int rc6 = amp_procparse_lines(ctx, MOD, ctx->procfs, "net/sockstat6", &last_warn6_ms, sockstat_line, NULL);

	if (rc == AMP_ERR_NOTFOUND)
		rc = AMP_OK;
	if (rc6 == AMP_ERR_NOTFOUND)
		rc6 = AMP_OK;
	return rc != AMP_OK ? rc : rc6;
}

const struct amp_collector amp_collector_sockstat = {"sockstat", AMP_COLLECTOR_SOCKSTAT, sockstat_collect};
