/* Error values shared by every amp-agent module: 0 is success, negative is a named reason. */
#ifndef AMP_ERROR_H
#define AMP_ERROR_H

#define AMP_OK 0
#define AMP_ERR_INVALID   (-1)  /* an argument or an input is malformed */
#define AMP_ERR_FULL      (-2)  /* a fixed-size buffer, table or arena has no room */
#define AMP_ERR_IO        (-3)  /* a file or device could not be read or written */
#define AMP_ERR_NOTFOUND  (-4)  /* a file, key or host does not exist */
#define AMP_ERR_TIMEOUT   (-5)  /* a deadline passed */
#define AMP_ERR_CONNECT   (-6)  /* no address of the host accepted a connection */
#define AMP_ERR_CLOSED    (-7)  /* the peer closed the connection */
#define AMP_ERR_TLS       (-8)  /* the TLS layer failed (handshake, verification, record) */
#define AMP_ERR_HTTP      (-9)  /* the peer's HTTP answer is malformed */
#define AMP_ERR_ENCODE    (-10) /* protobuf encoding failed */
#define AMP_ERR_COMPRESS  (-11) /* snappy compression failed */
#define AMP_ERR_CRYPTO    (-12) /* a hash or HMAC failed */
#define AMP_ERR_CONFIG    (-13) /* the configuration is invalid (details were logged) */
#define AMP_ERR_REJECTED  (-14) /* the receiver answered with a non-2xx status */
#define AMP_ERR_RANGE     (-15) /* a number is out of its allowed range */
#define AMP_ERR_AUTH      (-16) /* no usable credentials yet (the push waits for them) */

#if defined(__GNUC__)
#define AMP_MUST_CHECK __attribute__((warn_unused_result))
#else
#define AMP_MUST_CHECK
#endif

/* A short, static, human-readable text for an error value. */
const char *amp_strerror(int err);

#endif
