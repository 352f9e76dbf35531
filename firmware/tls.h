/* The connection under the HTTP client: TLS (mbedTLS over the port's sockets) or, for http:// URLs, plain TCP. */
#ifndef AMP_TLS_H
#define AMP_TLS_H

#include "error.h"
#include "port.h"

#include <mbedtls/ctr_drbg.h>
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
 * Connects to host:port and, with TLS, completes the handshake within timeout_ms.
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
