/* Texts for the error values of error.h. */
#include "error.h"

const char *amp_strerror(int err)
{
	switch (err) {
	case AMP_OK: return "success";
	case AMP_ERR_INVALID: return "invalid input";
	case AMP_ERR_FULL: return "no room left";
	case AMP_ERR_IO: return "input/output error";
	case AMP_ERR_NOTFOUND: return "not found";
	case AMP_ERR_TIMEOUT: return "timed out";
	case AMP_ERR_CONNECT: return "connection failed";
	case AMP_ERR_CLOSED: return "connection closed by peer";
	case AMP_ERR_TLS: return "TLS error";
	case AMP_ERR_HTTP: return "malformed HTTP response";
	case AMP_ERR_ENCODE: return "protobuf encoding failed";
	case AMP_ERR_COMPRESS: return "compression failed";
	case AMP_ERR_CRYPTO: return "cryptographic operation failed";
	case AMP_ERR_CONFIG: return "invalid configuration";
	case AMP_ERR_REJECTED: return "request rejected by receiver";
	case AMP_ERR_RANGE: return "value out of range";
	case AMP_ERR_AUTH: return "no usable credentials";
	default: return "unknown error";
	}
}
