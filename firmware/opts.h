/* Compile-time options: the Kconfig-generated header, a default for every symbol, and sanity checks. */
#ifndef AMP_OPTS_H
#define AMP_OPTS_H

#include "amp_config.h" /* generated from Kconfig and the board's defconfig at configure time */

#ifndef CONFIG_MAX_SERIES
#define CONFIG_MAX_SERIES 2048
#endif
#ifndef CONFIG_MAX_FAMILIES
#define CONFIG_MAX_FAMILIES 1024
#endif
#ifndef CONFIG_LABEL_ARENA_BYTES
#define CONFIG_LABEL_ARENA_BYTES 65536
#endif
#ifndef CONFIG_MAX_SERIES_LABELS
#define CONFIG_MAX_SERIES_LABELS 12
#endif
#ifndef CONFIG_RING_BYTES
#define CONFIG_RING_BYTES 1048576
#endif
#ifndef CONFIG_REQUEST_BUF_BYTES
#define CONFIG_REQUEST_BUF_BYTES 131072
#endif
#ifndef CONFIG_MAX_FRAMES_PER_REQUEST
#define CONFIG_MAX_FRAMES_PER_REQUEST 64
#endif
#ifndef CONFIG_HTTP_HEADER_BUF_BYTES
#define CONFIG_HTTP_HEADER_BUF_BYTES 4096
#endif
#ifndef CONFIG_HTTP_RESPONSE_BUF_BYTES
#define CONFIG_HTTP_RESPONSE_BUF_BYTES 4096
#endif
#ifndef CONFIG_MAX_URL_LEN
#define CONFIG_MAX_URL_LEN 512
#endif
#ifndef CONFIG_MAX_SECRET_LEN
#define CONFIG_MAX_SECRET_LEN 2048
#endif
#ifndef CONFIG_TLS_MAX_FRAG_LEN
#define CONFIG_TLS_MAX_FRAG_LEN 0
#endif
#ifndef CONFIG_MAX_EXTRA_LABELS
#define CONFIG_MAX_EXTRA_LABELS 16
#endif
#ifndef CONFIG_MAX_LABEL_VALUE_LEN
#define CONFIG_MAX_LABEL_VALUE_LEN 128
#endif
#ifndef CONFIG_MAX_PATH_LEN
#define CONFIG_MAX_PATH_LEN 256
#endif
#ifndef CONFIG_SPOOL_REPLAY_BYTES
#define CONFIG_SPOOL_REPLAY_BYTES 65536
#endif
#ifndef CONFIG_CONFIG_FILE_MAX_BYTES
#define CONFIG_CONFIG_FILE_MAX_BYTES 65536
#endif
#ifndef CONFIG_PROC_FILE_BUF_BYTES
#define CONFIG_PROC_FILE_BUF_BYTES 65536
#endif

#if defined(CONFIG_LOG_COMPILE_ERROR)
#define AMP_LOG_COMPILED_MAX 0
#elif defined(CONFIG_LOG_COMPILE_WARN)
#define AMP_LOG_COMPILED_MAX 1
#elif defined(CONFIG_LOG_COMPILE_INFO)
#define AMP_LOG_COMPILED_MAX 2
#else
#define AMP_LOG_COMPILED_MAX 3
#endif

/* Series ids are 16-bit in the ring's frames. */
#if CONFIG_MAX_SERIES > 65000
#error "CONFIG_MAX_SERIES must fit a 16-bit series id"
#endif
/* AMP refuses request bodies over 1 MB; snappy's worst case for n bytes is 32 + n + n/6. */
#if 32 + CONFIG_REQUEST_BUF_BYTES + CONFIG_REQUEST_BUF_BYTES / 6 > 1000000
#error "CONFIG_REQUEST_BUF_BYTES could compress to more than AMP's 1 MB request limit"
#endif
#if CONFIG_TLS_MAX_FRAG_LEN != 0 && CONFIG_TLS_MAX_FRAG_LEN != 512 && CONFIG_TLS_MAX_FRAG_LEN != 1024 && \
	CONFIG_TLS_MAX_FRAG_LEN != 2048 && CONFIG_TLS_MAX_FRAG_LEN != 4096
#error "CONFIG_TLS_MAX_FRAG_LEN must be 0, 512, 1024, 2048 or 4096"
#endif

#endif
