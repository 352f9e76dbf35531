/* The agent's run-time configuration: an INI file parsed with inih into fixed-size fields. */
#ifndef AMP_CONFIG_H
#define AMP_CONFIG_H

#include "error.h"
#include "filter.h"
#include "log.h"
#include "opts.h"

#include <stdbool.h>
#include <stdint.h>

struct amp_label_pair {
	char name[CONFIG_MAX_LABEL_VALUE_LEN];
	char value[CONFIG_MAX_LABEL_VALUE_LEN];
};

/* A parsed http:// or https:// URL. */
struct amp_url {
	bool tls;                       /* https */
	char host[256];                 /* without brackets for IPv6 literals */
	uint16_t port;                  /* explicit or the scheme's default */
	bool port_is_default;           /* true when the port is 80 for http or 443 for https */
	char path[CONFIG_MAX_URL_LEN];  /* path and query, at least "/" */
};

/*
 * AMP accepts, in order, samples up to about an hour older than the newest sample of the workspace (its
 * TSDB head), or up to the workspace's out-of-order window when that is wider; older ones make it answer
 * 400 for the whole request. The default for aps-workspaces URLs keeps a margin below the hour.
 */
#define AMP_CONFIG_AMP_AGE_LIMIT_MS (50u * 60u * 1000u)
/* [filesystem]: what the filesystem collector reports (node_exporter's --collector.filesystem.* flags). */
#define AMP_FS_PATTERNS_LEN 256
struct amp_filesystem_options {
	bool network;                          /* report network file systems (nfs, cifs, ...); default false */
	bool keep_root;                        /* report "/" whatever its type (overlay, squashfs); default true */
	char rootfs[CONFIG_MAX_PATH_LEN];      /* the host's root as the agent sees it (--path.rootfs); "/" */
	uint32_t mount_timeout_ms;             /* statfs deadline, also the most a collection waits; 2 s */
	char mount_points_exclude[AMP_FS_PATTERNS_LEN]; /* space-separated globs; "" = the default list */
	char fs_types_exclude[AMP_FS_PATTERNS_LEN];     /* space-separated globs; "" = the default list */
};

/* `[sigv4] credentials`: where SigV4 credentials come from (firmware/creds.h). */
enum amp_creds_mode {
	AMP_CREDS_AUTO = 0,  /* the chain: static, iot, env, file, container, imds */
	AMP_CREDS_STATIC,
	AMP_CREDS_ENV,
	AMP_CREDS_FILE,
	AMP_CREDS_IMDS,
	AMP_CREDS_CONTAINER,
	AMP_CREDS_IOT,
};

struct amp_config {
	char source[CONFIG_MAX_PATH_LEN]; /* the file the configuration came from, for messages */

	/* [agent] */
	uint32_t interval_ms;          /* default 15 s */
	char instance[CONFIG_MAX_LABEL_VALUE_LEN]; /* default: the host name */
	char job[CONFIG_MAX_LABEL_VALUE_LEN];      /* default: amp-agent */
	char procfs[CONFIG_MAX_PATH_LEN];          /* default /proc */
	char sysfs[CONFIG_MAX_PATH_LEN];           /* default /sys */
	enum amp_log_level log_level;              /* default info */
	bool log_syslog;                           /* log_target = syslog */
	uint32_t shutdown_timeout_ms;              /* default 10 s: pushing what is buffered on SIGTERM */
	char spool_dir[CONFIG_MAX_PATH_LEN];       /* "" (default): no spool */
	uint64_t spool_max_bytes;                  /* default 64 MiB */
	uint32_t spool_interval_ms;                /* default 60 s */

	/* [collectors]: bit (1u << amp_collector_id) set = turned off; every compiled-in collector is on by default */
	uint32_t collectors_disabled;
	/* [collectors] synthetic_series: series the test/benchmark collector makes up; 0 (default): none */
	uint32_t synthetic_series;

	/* [textfile] */
	char textfile_dir[CONFIG_MAX_PATH_LEN];    /* directory of *.prom files; "" (default): none read */

	/* [filter]: drop/keep rules, compiled, in file order */
	struct amp_filter filter;
	/* [filesystem] */
	struct amp_filesystem_options filesystem;

	/* [labels]: sorted by name once parsing ends */
	struct amp_label_pair labels[CONFIG_MAX_EXTRA_LABELS > 0 ? CONFIG_MAX_EXTRA_LABELS : 1];
	unsigned label_count;

	/* [remote_write] */
	char url_text[CONFIG_MAX_URL_LEN];
	struct amp_url url;
	char ca_file[CONFIG_MAX_PATH_LEN];   /* default /etc/ssl/certs/ca-certificates.crt */
	uint32_t remote_timeout_ms;          /* default 30 s */
	/* [remote_write] queue settings, named as Prometheus's queue_config */
	uint32_t max_samples_per_send;       /* default 2000 */
	uint32_t batch_send_deadline_ms;     /* default 5 s */
	uint32_t min_backoff_ms;             /* default 30 ms */
	uint32_t max_backoff_ms;             /* default 5 s */
	bool retry_on_http_429;              /* default true */
	uint32_t sample_age_limit_ms;        /* 0 = no limit; default 0, or AMP_CONFIG_AMP_AGE_LIMIT_MS for AMP URLs */
	/* other authentication than SigV4 (named as in Prometheus); at most one of the three */
	char bearer_token[CONFIG_MAX_SECRET_LEN];         /* inline, or what bearer_token_file held at load */
	char bearer_token_file[CONFIG_MAX_PATH_LEN];      /* read again when it changes */
	char basic_auth_username[CONFIG_MAX_LABEL_VALUE_LEN];
	char basic_auth_password[CONFIG_MAX_SECRET_LEN];  /* inline, or what basic_auth_password_file held */
	char basic_auth_password_file[CONFIG_MAX_PATH_LEN];
	bool tls_clock_bootstrap;            /* tolerate certificate dates while the clock is known wrong */
	/* proxy_url: "" = from the environment (HTTPS_PROXY, NO_PROXY), "none" = direct, else an http:// proxy */
	char proxy_url[CONFIG_MAX_URL_LEN];
	struct amp_url proxy;

	/* [sigv4]: present means requests are signed */
	bool sigv4_enabled;
	char region[64];
	char service[64];                    /* default aps */
	char access_key[128];
	char secret_key[CONFIG_MAX_SECRET_LEN];
	char session_token[CONFIG_MAX_SECRET_LEN];
	enum amp_creds_mode credentials;     /* default auto */
	uint32_t refresh_margin_ms;          /* refresh temporary credentials this long before they expire; 5 min */
	char profile[128];                   /* shared credentials file profile; default AWS_PROFILE, else default */
	char shared_credentials_file[CONFIG_MAX_PATH_LEN]; /* default AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials */
	char imds_endpoint[CONFIG_MAX_URL_LEN]; /* default AWS_EC2_METADATA_SERVICE_ENDPOINT, http://169.254.169.254 */
	bool imds_v1_fallback;               /* allow IMDSv1 when IMDSv2 gives no token */
	char iot_endpoint[CONFIG_MAX_URL_LEN]; /* AWS IoT credentials provider host[:port] or https:// URL */
	char iot_role_alias[129];
	char iot_thing_name[129];
	char iot_cert_file[CONFIG_MAX_PATH_LEN];
	char iot_key_file[CONFIG_MAX_PATH_LEN];
	char iot_ca_file[CONFIG_MAX_PATH_LEN]; /* default: [remote_write] ca_file */
};

/*
 * Fills `cfg` with every default. Cannot fail; the instance default is the host name.
 */
void amp_config_defaults(struct amp_config *cfg);

/*
 * Reads and validates the INI file at `path` into `cfg` (which amp_config_load first resets to the
 * defaults). Every problem is logged as one line "PATH:LINE: [section] key: what is wrong" (no secret
 * value is ever printed). Returns 0, AMP_ERR_NOTFOUND / AMP_ERR_IO (file unreadable) or AMP_ERR_CONFIG.
 */
int amp_config_load(struct amp_config *cfg, const char *path) AMP_MUST_CHECK;

/* Parses "15s", "500ms", "2m", "1h" (a positive whole number and a unit). Returns 0 or AMP_ERR_INVALID. */
int amp_config_parse_duration(const char *text, uint32_t *out_ms) AMP_MUST_CHECK;

/* Parses an http:// or https:// URL. Returns 0 or AMP_ERR_INVALID. */
int amp_config_parse_url(const char *text, struct amp_url *out) AMP_MUST_CHECK;

/* Overwrites secret fields with zeros (before the struct is dropped or replaced). */
void amp_config_wipe_secrets(struct amp_config *cfg);

#endif
