/* libFuzzer target: the CONNECT proxy's answer (amp_tls_connect through a proxy), over the test port's scripted socket. */
#include "fuzz_common.h"

#include "port_test.h"
#include "tls.h"

/*
 * Input: byte 0 chooses the receiver's host (bit 0: an IPv6 address, sent in brackets) and how the
 * proxy's connection ends after the rest of the input (bits 1-2: closed, timeout, I/O error, closed);
 * the rest is what the proxy answers. The tunnel is plain TCP: what is checked is the proxy's part.
 */
static const char *const hosts[] = {"aps-workspaces.us-east-1.amazonaws.com", "fd00::5"};
static const int endings[] = {AMP_ERR_CLOSED, AMP_ERR_TIMEOUT, AMP_ERR_IO, AMP_ERR_CLOSED};

static struct amp_tls tls;

/* A message for the log: one line of printable ASCII, whatever the proxy sent. */
static void check_line(const char *s)
{
	if (*s == '\0')
		abort();
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

/* A tunnel is up only on a well-formed "HTTP/1.x 2NN[ reason]" line, as amp_http_response_feed reads one. */
static void check_status_line(const uint8_t *a, size_t n)
{
	if (n < 13 || memcmp(a, "HTTP/1.", 7) != 0 || (a[7] != '0' && a[7] != '1') || a[8] != ' ' || a[9] != '2' ||
	    a[10] < '0' || a[10] > '9' || a[11] < '0' || a[11] > '9' || (a[12] != ' ' && a[12] != '\r' && a[12] != '\n'))
		abort();
}

/* After a 2xx, every byte that followed the answer's head is the tunnel's, still there to be read. */
static void check_rest(const uint8_t *answer, size_t size)
{
	static const char end[] = "\r\n\r\n";
	const uint8_t *head_end = memmem(answer, size, end, 4);
	size_t off;
	char buf[512];
	int n;

	if (head_end == NULL)
		abort();
	off = (size_t)(head_end - answer) + 4;
	while ((n = amp_tls_read(&tls, buf, sizeof(buf))) > 0) {
		if ((size_t)n > size - off || memcmp(buf, answer + off, (size_t)n) != 0)
			abort();
		off += (size_t)n;
	}
	if (off != size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *host;
	struct port_test_conn *c;
	char expect[256];
	int rc;

	if (size < 1)
		return 0;
	if (!ready) {
		(void)fuzz_dir(); /* quiet logs */
		amp_tls_init(&tls);
		if (amp_tls_setup(&tls, false, NULL, 1000) != AMP_OK)
			abort();
		amp_tls_set_proxy(&tls, "proxy.corp.example", 3128);
		ready = 1;
	}
	host = hosts[data[0] & 1];
	port_test_clear_conns();
	c = port_test_add_conn(AMP_OK);
	if (size > 1)
		c->steps[c->step_count++] = (struct port_test_step){(const char *)data + 1, size - 1, 0};
	port_test_add_recv_rc(c, endings[(data[0] >> 1) & 3]);

	rc = amp_tls_connect(&tls, host, 443);
	snprintf(expect, sizeof(expect), "CONNECT %s%s%s:443 HTTP/1.1\r\nHost: %s%s%s:443\r\n\r\n", data[0] & 1 ? "[" : "",
		 host, data[0] & 1 ? "]" : "", data[0] & 1 ? "[" : "", host, data[0] & 1 ? "]" : "");
	if (c->sent_len != strlen(expect) || memcmp(c->sent, expect, c->sent_len) != 0)
		abort();
	if (rc == AMP_OK) {
		check_status_line(data + 1, size - 1);
		check_rest(data + 1, size - 1);
		amp_tls_close(&tls);
	} else {
		if (rc != AMP_ERR_HTTP && rc != AMP_ERR_CONNECT && rc != AMP_ERR_CLOSED && rc != AMP_ERR_TIMEOUT &&
		    rc != AMP_ERR_IO)
			abort();
		check_line(tls.error);
		if (!c->closed)
			abort();
	}
	return 0;
}
