/* TLS client on mbedTLS: the library never touches sockets; its bio callbacks go through the port. */
#include "tls.h"
#include "clock.h"
#include "log.h"
#include "opts.h"
#include "secret.h"

#include <mbedtls/error.h>
#include <mbedtls/version.h>
#include <stdio.h>
#include <string.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define AMP_MBEDTLS_3 1
#endif

void amp_tls_init(struct amp_tls *t)
{
	memset(t, 0, sizeof(*t));
	port_socket_init(&t->sock);
	mbedtls_ssl_init(&t->ssl);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_x509_crt_init(&t->ca);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_x509_crt_init(&t->own_cert);
	mbedtls_pk_init(&t->own_key);
}

static void set_error(struct amp_tls *t, const char *what, int mbed_rc)
{
	char text[100];

	mbedtls_strerror(mbed_rc, text, sizeof(text));
	snprintf(t->error, sizeof(t->error), "%s: %s (-0x%04x)", what, text, (unsigned)-mbed_rc);
}

/* The DRBG's entropy source is the port's random bytes (getrandom on Linux). */
static int entropy_from_port(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	return port_random(buf, len) == AMP_OK ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct amp_tls *t = ctx;
	int n = port_tcp_send(&t->sock, buf, len, t->timeout_ms);

	if (n >= 0)
		return n;
	if (n == AMP_ERR_TIMEOUT)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	return MBEDTLS_ERR_SSL_CONN_EOF;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct amp_tls *t = ctx;
	int n = port_tcp_recv(&t->sock, buf, len, t->timeout_ms);

	if (n >= 0)
		return n;
	if (n == AMP_ERR_CLOSED)
		return 0; /* end of stream: mbedTLS reports MBEDTLS_ERR_SSL_CONN_EOF */
	if (n == AMP_ERR_TIMEOUT)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int64_t x509_ms(const mbedtls_x509_time *x)
{
	return amp_clock_utc_ms(x->year, x->mon, x->day, x->hour, x->min, x->sec);
}

/*
 * mbedTLS checks certificate dates against the system clock, which on a device without an RTC may read
 * 1970. While the caller says so (the clock is known wrong and the user opted in), mbedTLS's two date
 * flags are replaced by a check against the corrected time, or dropped while no time is known; every
 * other verification failure still fails the handshake.
 */
static int verify_dates(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct amp_tls *t = ctx;

	(void)depth;
	if (!t->tolerate_cert_dates)
		return 0;
	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	if (t->cert_time_ms == 0)
		t->cert_dates_tolerated = true;
	else if (t->cert_time_ms < x509_ms(&crt->valid_from))
		*flags |= MBEDTLS_X509_BADCERT_FUTURE;
	else if (t->cert_time_ms > x509_ms(&crt->valid_to))
		*flags |= MBEDTLS_X509_BADCERT_EXPIRED;
	return 0;
}

int amp_tls_setup(struct amp_tls *t, bool use_tls, const char *ca_file, uint32_t timeout_ms)
{
	static const char pers[] = "amp-agent";
	int rc;

	t->use_tls = use_tls;
	t->timeout_ms = timeout_ms;
	if (!use_tls)
		return AMP_OK;
	rc = mbedtls_ctr_drbg_seed(&t->drbg, entropy_from_port, NULL, (const unsigned char *)pers, sizeof(pers) - 1);
	if (rc != 0) {
		set_error(t, "random generator", rc);
		return AMP_ERR_CRYPTO;
	}
	/* A positive result counts certificates of the bundle that failed to parse: usable if any parsed. */
	rc = mbedtls_x509_crt_parse_file(&t->ca, ca_file);
	if (rc < 0 || t->ca.version == 0) {
		set_error(t, ca_file, rc < 0 ? rc : MBEDTLS_ERR_X509_INVALID_FORMAT);
		return rc == MBEDTLS_ERR_PK_FILE_IO_ERROR ? AMP_ERR_NOTFOUND : AMP_ERR_TLS;
	}
	if (rc > 0)
		AMP_LOG_D("tls", "%s: %d certificates could not be parsed and are ignored", ca_file, rc);
	rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					 MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc != 0) {
		set_error(t, "TLS configuration", rc);
		return AMP_ERR_TLS;
	}
	/* Debian's mbedTLS 2.28 still enables TLS 1.0 and 1.1: set the floor explicitly. */
#ifdef AMP_MBEDTLS_3
	mbedtls_ssl_conf_min_tls_version(&t->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
	mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	mbedtls_ssl_conf_verify(&t->conf, verify_dates, t);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
#if CONFIG_TLS_MAX_FRAG_LEN != 0 && defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
	mbedtls_ssl_conf_max_frag_len(&t->conf, CONFIG_TLS_MAX_FRAG_LEN == 512    ? MBEDTLS_SSL_MAX_FRAG_LEN_512
						: CONFIG_TLS_MAX_FRAG_LEN == 1024 ? MBEDTLS_SSL_MAX_FRAG_LEN_1024
						: CONFIG_TLS_MAX_FRAG_LEN == 2048 ? MBEDTLS_SSL_MAX_FRAG_LEN_2048
										  : MBEDTLS_SSL_MAX_FRAG_LEN_4096);
#endif
	rc = mbedtls_ssl_setup(&t->ssl, &t->conf);
	if (rc != 0) {
		set_error(t, "TLS setup", rc);
		return AMP_ERR_TLS;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	t->configured = true;
	return AMP_OK;
}

/* Room for the largest key file taken: an RSA 4096 key in PEM is about 3.3 KB. */
#define AMP_TLS_KEY_FILE_MAX 8192

/*
 * Parses the private key file into t->own_key. Read here, not by mbedtls_pk_parse_keyfile: that reads
 * through a stdio buffer which fclose frees without wiping, leaving the key's text in the heap.
 */
static int parse_key_file(struct amp_tls *t, const char *key_file)
{
	static char text[AMP_TLS_KEY_FILE_MAX];
	size_t n = 0;
	int rc = port_read_file(key_file, text, sizeof(text), &n);

	if (rc != AMP_OK) {
		amp_secret_wipe(text, sizeof(text));
		snprintf(t->error, sizeof(t->error), "%s: %s", key_file,
			 rc == AMP_ERR_FULL ? "larger than a private key file may be" : amp_strerror(rc));
		return rc == AMP_ERR_FULL ? AMP_ERR_TLS : AMP_ERR_NOTFOUND;
	}
	/* as mbedtls_pk_parse_keyfile: PEM is parsed with its terminating NUL (port_read_file wrote it), DER without */
	if (strstr(text, "-----BEGIN ") != NULL)
		n++;
#ifdef AMP_MBEDTLS_3
	rc = mbedtls_pk_parse_key(&t->own_key, (const unsigned char *)text, n, NULL, 0, mbedtls_ctr_drbg_random,
				  &t->drbg);
#else
	rc = mbedtls_pk_parse_key(&t->own_key, (const unsigned char *)text, n, NULL, 0);
#endif
	amp_secret_wipe(text, sizeof(text));
	if (rc != 0) {
		set_error(t, key_file, rc);
		return AMP_ERR_TLS;
	}
	return AMP_OK;
}

int amp_tls_set_client_cert(struct amp_tls *t, const char *cert_file, const char *key_file)
{
	int rc;

	if (!t->configured)
		return AMP_ERR_INVALID;
	mbedtls_x509_crt_free(&t->own_cert);
	mbedtls_pk_free(&t->own_key);
	mbedtls_x509_crt_init(&t->own_cert);
	mbedtls_pk_init(&t->own_key);
	rc = mbedtls_x509_crt_parse_file(&t->own_cert, cert_file);
	if (rc != 0) {
		set_error(t, cert_file, rc);
		return rc == MBEDTLS_ERR_PK_FILE_IO_ERROR ? AMP_ERR_NOTFOUND : AMP_ERR_TLS;
	}
	rc = parse_key_file(t, key_file);
	if (rc != AMP_OK)
		return rc;
#ifdef AMP_MBEDTLS_3
	rc = mbedtls_pk_check_pair(&t->own_cert.pk, &t->own_key, mbedtls_ctr_drbg_random, &t->drbg);
#else
	rc = mbedtls_pk_check_pair(&t->own_cert.pk, &t->own_key);
#endif
	if (rc != 0) {
		snprintf(t->error, sizeof(t->error), "%s: the key does not belong to the certificate %s", key_file,
			 cert_file);
		return AMP_ERR_TLS;
	}
	rc = mbedtls_ssl_conf_own_cert(&t->conf, &t->own_cert, &t->own_key);
	if (rc != 0) {
		set_error(t, "client certificate", rc);
		return AMP_ERR_TLS;
	}
	return AMP_OK;
}

/* True for mbedTLS's "the peer's protocol version is outside our bounds" (a TLS 1.0/1.1-only server). */
static bool is_version_error(int rc)
{
#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
	if (rc == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
		return true;
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
	if (rc == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
		return true;
#endif
	(void)rc;
	return false;
}

static int handshake(struct amp_tls *t, const char *host)
{
	uint32_t flags;
	int rc = mbedtls_ssl_session_reset(&t->ssl);

	if (rc == 0)
		rc = mbedtls_ssl_set_hostname(&t->ssl, host);
	if (rc != 0) {
		set_error(t, "TLS session", rc);
		return AMP_ERR_TLS;
	}
	do
		rc = mbedtls_ssl_handshake(&t->ssl);
	while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (rc == 0)
		return AMP_OK;
	if (rc == MBEDTLS_ERR_SSL_TIMEOUT) {
		snprintf(t->error, sizeof(t->error), "TLS handshake with %s timed out", host);
		return AMP_ERR_TIMEOUT;
	}
	flags = mbedtls_ssl_get_verify_result(&t->ssl);
	if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0 && flags != (uint32_t)-1) {
		char info[256];
		char *nl;

		mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
		/* verify_info writes one line per problem: keep the first for a one-line message */
		nl = strchr(info, '\n');
		if (nl)
			*nl = '\0';
		snprintf(t->error, sizeof(t->error), "certificate of %s not trusted: %s", host, info);
		return AMP_ERR_TLS;
	}
	if (is_version_error(rc)) {
		snprintf(t->error, sizeof(t->error),
			 "TLS handshake with %s: the server offers no TLS version we accept (TLS 1.2 or later)", host);
		return AMP_ERR_TLS;
	}
	set_error(t, "TLS handshake", rc);
	return AMP_ERR_TLS;
}

void amp_tls_set_proxy(struct amp_tls *t, const char *host, uint16_t port)
{
	snprintf(t->proxy_host, sizeof(t->proxy_host), "%s", host);
	t->proxy_port = port;
}

/*
 * The status of "HTTP/1.x NNN[ reason]" (RFC 9112 status-line), read as strictly as
 * amp_http_response_feed reads one; -1 for anything else ("HTTP/1.1 2000", "HTTP/1.1 200\0" are not 200).
 */
static int connect_status(const char *line)
{
	if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ')
		return -1;
	for (int i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
	}
	if (line[12] != ' ' && line[12] != '\r' && line[12] != '\n')
		return -1;
	return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

/*
 * Asks the proxy for a tunnel to host:port (RFC 9110 CONNECT) and reads its answer's head; what follows a
 * 2xx is the server's. A proxy that sends more than the head before we speak is not one we understand.
 */
static int proxy_tunnel(struct amp_tls *t, const char *host, uint16_t port)
{
	char buf[1024];
	size_t used = 0;
	int n, status;
	const char *bracket = strchr(host, ':') != NULL ? "[" : "";
	const char *close = bracket[0] ? "]" : "";

	n = snprintf(buf, sizeof(buf), "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n\r\n", bracket, host, close,
		     (unsigned)port, bracket, host, close, (unsigned)port);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return AMP_ERR_FULL;
	for (int sent = 0; sent < n;) {
		int k = port_tcp_send(&t->sock, buf + sent, (size_t)(n - sent), t->timeout_ms);

		if (k < 0)
			return k;
		sent += k;
	}
	/* one byte at a time: nothing of the tunnel's own traffic may be read here */
	while (used < sizeof(buf) - 1) {
		int k = port_tcp_recv(&t->sock, buf + used, 1, t->timeout_ms);

		if (k < 0)
			return k;
		used++;
		if (used >= 4 && memcmp(buf + used - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	buf[used] = '\0';
	if (used == sizeof(buf) - 1 || (status = connect_status(buf)) < 0) {
		snprintf(t->error, sizeof(t->error), "proxy %s:%u: not an HTTP answer to CONNECT", t->proxy_host,
			 (unsigned)t->proxy_port);
		return AMP_ERR_HTTP;
	}
	if (status < 200 || status > 299) {
		size_t keep = 0;

		/* the proxy's status line goes to the log: printable ASCII only, as amp_http_body_first_line */
		while (keep < 80 && buf[keep] != '\0' && buf[keep] != '\r' && buf[keep] != '\n') {
			unsigned char c = (unsigned char)buf[keep];

			buf[keep++] = c == '\t' ? ' ' : c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
		buf[keep] = '\0';
		snprintf(t->error, sizeof(t->error), "proxy %s:%u refused the tunnel to %s:%u: %.80s", t->proxy_host,
			 (unsigned)t->proxy_port, host, (unsigned)port, buf);
		return AMP_ERR_CONNECT;
	}
	return AMP_OK;
}

int amp_tls_connect(struct amp_tls *t, const char *host, uint16_t port)
{
	int rc;

	amp_tls_close(t);
	t->error[0] = '\0';
	t->cert_dates_tolerated = false;
	if (t->proxy_host[0] != '\0') {
		rc = port_tcp_connect(&t->sock, t->proxy_host, t->proxy_port, t->timeout_ms);
		if (rc != AMP_OK) {
			snprintf(t->error, sizeof(t->error), "connect to proxy %s:%u: %s", t->proxy_host,
				 (unsigned)t->proxy_port, amp_strerror(rc));
			return rc;
		}
		rc = proxy_tunnel(t, host, port);
		if (rc != AMP_OK) {
			if (t->error[0] == '\0')
				snprintf(t->error, sizeof(t->error), "proxy %s:%u: %s", t->proxy_host, (unsigned)t->proxy_port,
					 amp_strerror(rc));
			port_tcp_close(&t->sock);
			return rc;
		}
	} else {
		rc = port_tcp_connect(&t->sock, host, port, t->timeout_ms);
		if (rc != AMP_OK) {
			snprintf(t->error, sizeof(t->error), "connect to %s:%u: %s", host, (unsigned)port,
				 amp_strerror(rc));
			return rc;
		}
	}
	if (t->use_tls) {
		if (!t->configured) {
			snprintf(t->error, sizeof(t->error), "TLS not set up");
			port_tcp_close(&t->sock);
			return AMP_ERR_TLS;
		}
		rc = handshake(t, host);
		if (rc != AMP_OK) {
			port_tcp_close(&t->sock);
			return rc;
		}
	}
	t->connected = true;
	return AMP_OK;
}

static int map_ssl_error(struct amp_tls *t, int rc, const char *what)
{
	if (rc == MBEDTLS_ERR_SSL_TIMEOUT)
		return AMP_ERR_TIMEOUT;
	if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF || rc == 0)
		return AMP_ERR_CLOSED;
	set_error(t, what, rc);
	return AMP_ERR_TLS;
}

int amp_tls_write_all(struct amp_tls *t, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!t->connected)
		return AMP_ERR_CLOSED;
	while (len > 0) {
		int n;

		if (t->use_tls) {
			n = mbedtls_ssl_write(&t->ssl, p, len);
			if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
				continue;
			if (n <= 0)
				return map_ssl_error(t, n, "TLS write");
		} else {
			n = port_tcp_send(&t->sock, p, len, t->timeout_ms);
			if (n < 0)
				return n;
		}
		p += n;
		len -= (size_t)n;
	}
	return AMP_OK;
}

int amp_tls_read(struct amp_tls *t, void *buf, size_t len)
{
	if (!t->connected)
		return AMP_ERR_CLOSED;
	if (!t->use_tls)
		return port_tcp_recv(&t->sock, buf, len, t->timeout_ms);
	for (;;) {
		int n = mbedtls_ssl_read(&t->ssl, buf, len);

		if (n > 0)
			return n;
		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
		if (n == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
			continue;
#endif
		return map_ssl_error(t, n, "TLS read");
	}
}

void amp_tls_close(struct amp_tls *t)
{
	if (t->connected && t->use_tls)
		(void)mbedtls_ssl_close_notify(&t->ssl);
	t->connected = false;
	port_tcp_close(&t->sock);
}

void amp_tls_free(struct amp_tls *t)
{
	amp_tls_close(t);
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_x509_crt_free(&t->own_cert);
	mbedtls_pk_free(&t->own_key);
	t->configured = false;
}
