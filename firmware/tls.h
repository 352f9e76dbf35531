/* The connection under the HTTP client: TLS (mbedTLS over the port's sockets) or, for http:// URLs, plain TCP. */
#ifndef AMP_TLS_H
#define AMP_TLS_H

#include "error.h"
#include "port.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct amp_tls {
	bool use_tls;
	bool connected;
	bool configured;
	uint32_t timeout_ms;          /* for each read and write */
	struct port_socket sock;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt own_cert;    /* client certificate (mutual TLS), when set */
	mbedtls_pk_context own_key;
	/*
	 * Set by the caller before a connect, for a system clock known to be wrong (firmware/clock.h):
	 * mbedTLS's date checks (against the system clock) are replaced by a check against cert_time_ms,
	 * the corrected time, or, while that is 0 (the time is not known at all), by none. Chain,
	 * signatures and host name are verified as always. cert_dates_tolerated tells afterwards that a
	 * certificate was accepted without any date check.
	 */
	bool tolerate_cert_dates;
	int64_t cert_time_ms;
	bool cert_dates_tolerated;
	/* an HTTP proxy the connection tunnels through with CONNECT (proxy_url, HTTPS_PROXY), when set */
	char proxy_host[256];
	uint16_t proxy_port;
	char error[512];              /* the last failure, one line, for messages */
};

/* Makes `t` safe to free. Cannot fail. */
void amp_tls_init(struct amp_tls *t);

/*
 * Prepares a TLS client (TLS 1.2 minimum, server certificate and host name verified against the CA
 * bundle in `ca_file`) or, when use_tls is false, a plain TCP one. Done once at start-up: parsing the
 * bundle allocates inside mbedTLS.
 * Returns 0, AMP_ERR_NOTFOUND/AMP_ERR_TLS (no usable CA certificate in ca_file) or AMP_ERR_CRYPTO.
 */
int amp_tls_setup(struct amp_tls *t, bool use_tls, const char *ca_file, uint32_t timeout_ms) AMP_MUST_CHECK;

/*
 * Adds a client certificate and its private key (PEM or DER files; the key unencrypted) for servers
 * that ask for one (mutual TLS, as AWS IoT Core's credentials provider does). Call after amp_tls_setup.
 * Returns 0, AMP_ERR_NOTFOUND (a file cannot be read), AMP_ERR_TLS (unparsable, or the key does not
 * belong to the certificate; t->error says which) or AMP_ERR_INVALID (not set up for TLS).
 */
int amp_tls_set_client_cert(struct amp_tls *t, const char *cert_file, const char *key_file) AMP_MUST_CHECK;

/* Tunnels every later connection through the HTTP proxy at host:port (HTTP CONNECT); "" for none. */
void amp_tls_set_proxy(struct amp_tls *t, const char *host, uint16_t port);

/*
 * Connects to host:port (through the proxy's CONNECT tunnel when one is set) and, with TLS, completes
 * the handshake within timeout_ms; the server is verified as if reached directly.
 * Returns 0, AMP_ERR_NOTFOUND, AMP_ERR_CONNECT, AMP_ERR_TIMEOUT or AMP_ERR_TLS (t->error says why).
 */
int amp_tls_connect(struct amp_tls *t, const char *host, uint16_t port) AMP_MUST_CHECK;

/* Writes all of buf. Returns 0, AMP_ERR_TIMEOUT, AMP_ERR_CLOSED, AMP_ERR_IO or AMP_ERR_TLS. */
int amp_tls_write_all(struct amp_tls *t, const void *buf, size_t len) AMP_MUST_CHECK;

/* Reads what is available, up to len. Returns the count (> 0), AMP_ERR_CLOSED at end, or an error. */
int amp_tls_read(struct amp_tls *t, void *buf, size_t len) AMP_MUST_CHECK;

/* Closes the connection (sending close_notify with TLS); the setup stays for the next connect. */
void amp_tls_close(struct amp_tls *t);

/* Releases everything; idempotent. */
void amp_tls_free(struct amp_tls *t);

#endif
