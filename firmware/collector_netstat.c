/* netstat collector: IP, ICMP, TCP and UDP protocol counters from /proc/net/{netstat,snmp,snmp6}, as node_netstat_*. */
/* net/ipv4/proc.c: "Proto: Names" / "Proto: values" line pairs; net/ipv6/proc.c (snmp6): "Ip6InOctets value". */
#include "collector.h"
#include "collector_internal.h"
#include "log.h"
#include "procparse.h"

#include <stdbool.h>
#include <string.h>

#define MOD "netstat"

struct netstat_field {
	const char *proto; /* "TcpExt", "Ip6"... */
	const char *name;  /* "ListenDrops" */
	uint8_t proto_len, name_len; /* known at compile time: every name of the files is looked up here */
	struct amp_family fam;
};

/* node_exporter's naming: node_netstat_<Proto>_<Name>, untyped, help "Statistic <Proto><Name>.". */
#define F(proto, name) \
	{proto, name, sizeof(proto) - 1, sizeof(name) - 1, \
	 {"node_netstat_" proto "_" name, "Statistic " proto name ".", AMP_METRIC_UNTYPED}}

/*
 * Every counter of these files that node_exporter 1.5's default --collector.netstat.fields selects:
 * ^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|
 * TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|
 * PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$
 * Families are static (the registry keeps pointers to them): a counter a future kernel adds that the
 * pattern would take is not collected until it is listed here.
 */
static const struct netstat_field fields[] = {
	/* netstat */
	F("TcpExt", "SyncookiesSent"), F("TcpExt", "SyncookiesRecv"), F("TcpExt", "SyncookiesFailed"),
	F("TcpExt", "ListenOverflows"), F("TcpExt", "ListenDrops"), F("TcpExt", "TCPTimeouts"),
	F("TcpExt", "TCPSynRetrans"), F("IpExt", "InOctets"), F("IpExt", "OutOctets"),
	/* snmp */
	F("Ip", "Forwarding"), F("Icmp", "InMsgs"), F("Icmp", "InErrors"), F("Icmp", "OutMsgs"),
	F("Tcp", "ActiveOpens"), F("Tcp", "PassiveOpens"), F("Tcp", "CurrEstab"), F("Tcp", "InSegs"),
	F("Tcp", "OutSegs"), F("Tcp", "RetransSegs"), F("Tcp", "InErrs"), F("Tcp", "OutRsts"),
	F("Udp", "InDatagrams"), F("Udp", "NoPorts"), F("Udp", "InErrors"), F("Udp", "OutDatagrams"),
	F("Udp", "RcvbufErrors"), F("Udp", "SndbufErrors"), F("UdpLite", "InErrors"),
	/* snmp6 */
	F("Ip6", "InOctets"), F("Ip6", "OutOctets"), F("Icmp6", "InMsgs"), F("Icmp6", "InErrors"),
	F("Icmp6", "OutMsgs"), F("Udp6", "InDatagrams"), F("Udp6", "NoPorts"), F("Udp6", "InErrors"),
	F("Udp6", "OutDatagrams"), F("Udp6", "RcvbufErrors"), F("Udp6", "SndbufErrors"), F("UdpLite6", "InErrors"),
};

#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))

/* The field of this proto and name (netstat, snmp). */
static const struct netstat_field *find_field(const char *proto, size_t proto_len, const char *name, size_t name_len)
{
	for (unsigned i = 0; i < FIELD_COUNT; i++) {
		size_t pl = fields[i].proto_len, nl = fields[i].name_len;

		if (pl == proto_len && nl == name_len && memcmp(fields[i].proto, proto, pl) == 0 &&
		    memcmp(fields[i].name, name, nl) == 0)
			return &fields[i];
	}
	return NULL;
}

/* The field whose proto and name, joined, are the key (snmp6: "Icmp6InMsgs"). */
static const struct netstat_field *find_joined(const char *key, size_t len)
{
	for (unsigned i = 0; i < FIELD_COUNT; i++) {
		size_t pl = fields[i].proto_len, nl = fields[i].name_len;

		if (pl + nl == len && memcmp(fields[i].proto, key, pl) == 0 && memcmp(fields[i].name, key + pl, nl) == 0)
			return &fields[i];
	}
	return NULL;
}

/* A counter: unsigned, or signed for the few the kernel prints with %ld (Tcp MaxConn is -1). */
static const char *parse_value(const char *p, const char *end, double *out)
{
	uint64_t u;
	int64_t i;

	if (p < end && *p == '-') {
		p = amp_parse_i64(p, end, &i);
		if (p != NULL)
			*out = (double)i;
		return p;
	}
	p = amp_parse_u64(p, end, &u);
	if (p != NULL)
		*out = (double)u;
	return p;
}

/* "Proto:" at the start of a line: returns its length without the colon, or 0. */
static size_t proto_prefix(const char *line, const char *le)
{
	const char *p = line;

	while (p < le && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
		p++;
	return p > line && p < le && *p == ':' ? (size_t)(p - line) : 0;
}

/*
 * Checks a "Proto: names" / "Proto: values" pair (same proto, as many values as names, every value a
 * counter) and only then emits the selected counters; returns NULL or why the pair is malformed.
 */
static const char *emit_pair(struct amp_collect_ctx *ctx, const char *h, const char *he, const char *v,
			     const char *ve)
{
	size_t plen = proto_prefix(h, he);
	const char *hp, *vp, *name, *name_end, *val, *val_end;
	double value;

	if (plen == 0 || proto_prefix(v, ve) != plen || memcmp(h, v, plen) != 0)
		return "not a \"Proto: names\" line followed by its \"Proto: values\" line";
	for (int pass = 0; pass < 2; pass++) {
		hp = h + plen + 1;
		vp = v + plen + 1;
		for (;;) {
			name = amp_procparse_next(&hp, he, &name_end);
			val = amp_procparse_next(&vp, ve, &val_end);
			if (name == NULL || val == NULL)
				break;
			if (pass == 0) {
				if (parse_value(val, val_end, &value) == NULL)
					return "a value is not a decimal integer";
			} else {
				const struct netstat_field *f = find_field(h, plen, name, (size_t)(name_end - name));

				if (f != NULL && parse_value(val, val_end, &value) != NULL)
					(void)amp_collect_emit(ctx, &f->fam, NULL, 0, value);
			}
		}
		if (name != NULL || val != NULL)
			return "not as many values as names";
	}
	return NULL;
}

/*
 * netstat and snmp: line pairs. A malformed pair is skipped whole and the others still count. Returns 0
 * (a missing file too), AMP_ERR_INVALID after a malformed pair, or amp_collect_read's other errors.
 */
static int collect_pairs(struct amp_collect_ctx *ctx, const char *file, uint64_t *last_warn_ms)
{
	struct amp_bad_lines bad;
	struct amp_lines lines;
	const char *h, *he, *v, *ve;
	size_t len;
	int rc = amp_collect_read(ctx, ctx->procfs, file, &len);

	if (rc == AMP_ERR_NOTFOUND)
		return AMP_OK;
	if (rc != AMP_OK)
		return rc;
	amp_bad_lines_init(&bad, ctx, MOD, ctx->procfs, file, last_warn_ms);
	amp_lines_init(&lines, ctx->buf, len);
	while (amp_lines_next(&lines, &h, &he)) {
		unsigned hline = lines.lineno;
		const char *why;

		if (amp_parse_skip_blanks(h, he) == he)
			continue;
		if (!amp_lines_next(&lines, &v, &ve)) {
			amp_bad_line(&bad, hline, "names without a values line");
			break;
		}
		why = emit_pair(ctx, h, he, v, ve);
		if (why != NULL) {
			amp_bad_line(&bad, hline, why);
			/* A values line that is really the next names line starts the next pair. */
			if (proto_prefix(v, ve) != proto_prefix(h, he) || memcmp(h, v, proto_prefix(h, he)) != 0) {
				lines.pos = v;
				lines.lineno--;
			}
		}
	}
	return bad.count > 0 ? AMP_ERR_INVALID : AMP_OK;
}

/* snmp6: "Ip6InOctets   value" lines. */
static const char *snmp6_line(struct amp_collect_ctx *ctx, void *arg, const char *line, const char *le,
			      unsigned lineno)
{
	struct amp_procparse_field f[2];
	const struct netstat_field *nf;
	double value;

	(void)arg;
	(void)lineno;
	if (amp_procparse_split(line, le, f, 2) != 2 || parse_value(f[1].p, f[1].end, &value) == NULL)
		return "not \"name value\" with a decimal integer";
	nf = find_joined(f[0].p, (size_t)(f[0].end - f[0].p));
	if (nf != NULL)
		(void)amp_collect_emit(ctx, &nf->fam, NULL, 0, value);
	return NULL;
}

/*
 * Each file on its own: a missing one (snmp6 without IPv6) is skipped silently, a malformed line (pair)
 * is skipped and the rest still counts. Returns the first error, after trying every file.
 */
static int netstat_collect(struct amp_collect_ctx *ctx)
{
	static uint64_t last_warn_netstat_ms, last_warn_snmp_ms, last_warn_snmp6_ms;
	int rc = collect_pairs(ctx, "net/netstat", &last_warn_netstat_ms);
	int rc2 = collect_pairs(ctx, "net/snmp", &last_warn_snmp_ms);
	int rc3 = amp_procparse_lines(ctx, MOD, ctx->procfs, "net/snmp6", &last_warn_snmp6_ms, snmp6_line, NULL);

	if (rc3 == AMP_ERR_NOTFOUND)
		rc3 = AMP_OK;
	return rc != AMP_OK ? rc : rc2 != AMP_OK ? rc2 : rc3;
}

const struct amp_collector amp_collector_netstat = {"netstat", AMP_COLLECTOR_NETSTAT, netstat_collect};
