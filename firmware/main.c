/* amp-agent's entry point: command line, configuration, then one of run, --once, --print, --check. */
#include "agent.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "port.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_CONFIG "/etc/amp-agent/amp-agent.ini"

enum exit_code {
	EXIT_OK = 0,
	EXIT_PUSH_FAILED = 1, /* --once: the receiver did not accept the request, or could not be reached */
	EXIT_USAGE = 2,       /* bad command line or configuration */
};

enum mode { MODE_RUN, MODE_ONCE, MODE_PRINT, MODE_CHECK };

/* Static: each holds secrets of a few KiB. Two, so that SIGHUP can load the next beside the one in force. */
static struct amp_config configs[2];
static struct amp_config *config = &configs[0];
static const char *config_path;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: amp-agent [-c FILE] [--once | --print | --check]\n"
		"\n"
		"Collects host metrics and pushes them with Prometheus remote write (SigV4-signed for\n"
		"Amazon Managed Service for Prometheus) until SIGTERM or SIGINT.\n"
		"\n"
		"  -c, --config FILE  configuration (default " DEFAULT_CONFIG ")\n"
		"      --once         collect once, push, exit 0 only if the receiver accepted it\n"
		"      --print        collect once, write the samples in Prometheus text format to\n"
		"                     stdout (the labels they would be pushed with); no network\n"
		"      --check        validate the configuration and exit\n"
		"      --version      print the version and exit\n"
		"  -h, --help         this text\n"
		"\n"
		"Exit status: 0 success, 1 push failed (--once), 2 usage or configuration error.\n");
}

static int parse_args(int argc, char **argv, const char **path, enum mode *mode)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		enum mode m = MODE_RUN;

		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "amp-agent: %s needs a file name\n", a);
				return EXIT_USAGE;
			}
			*path = argv[++i];
			continue;
		}
		if (strcmp(a, "--version") == 0) {
			printf("amp-agent %s\n", AMP_VERSION);
			return -1;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return -1;
		}
		if (strcmp(a, "--once") == 0)
			m = MODE_ONCE;
		else if (strcmp(a, "--print") == 0)
			m = MODE_PRINT;
		else if (strcmp(a, "--check") == 0)
			m = MODE_CHECK;
		else {
			fprintf(stderr, "amp-agent: unknown argument '%s' (see --help)\n", a);
			return EXIT_USAGE;
		}
		if (*mode != MODE_RUN && *mode != m) {
			fprintf(stderr, "amp-agent: --once, --print and --check exclude each other\n");
			return EXIT_USAGE;
		}
		*mode = m;
	}
	return EXIT_OK;
}

static int run_once(void)
{
	struct amp_push_result res;
	int rc = amp_agent_collect();

	if (rc == AMP_OK)
		rc = amp_agent_flush(&res);
	if (rc == AMP_OK) {
		AMP_LOG_I("agent", "%s accepted the samples (HTTP %d)", config->url.host, res.status);
		return EXIT_OK;
	}
	/* The flush logged the reason; --once also ends with it on one line, for scripts. */
	if (rc == AMP_ERR_REJECTED)
		fprintf(stderr, "amp-agent: push failed: %s answered %d: %s\n", config->url.host, res.status, res.message);
	else
		fprintf(stderr, "amp-agent: push failed: %s\n", res.message[0] ? res.message : amp_strerror(rc));
	return EXIT_PUSH_FAILED;
}

/* SIGHUP: the file is read again; a bad one leaves the running configuration in force. */
static int reload_config(void)
{
	struct amp_config *next = config == &configs[0] ? &configs[1] : &configs[0];

	AMP_LOG_I("agent", "SIGHUP: reloading %s", config_path);
	if (amp_config_load(next, config_path) != AMP_OK || amp_agent_reload(next) != AMP_OK) {
		AMP_LOG_E("agent", "%s: not reloaded; the running configuration stays in force", config_path);
		amp_config_wipe_secrets(next);
		return AMP_ERR_CONFIG;
	}
	amp_config_wipe_secrets(config);
	config = next;
	amp_log_set_level(config->log_level);
	amp_log_use_syslog(config->log_syslog);
	return AMP_OK;
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	enum mode mode = MODE_RUN;
	int rc = parse_args(argc, argv, &path, &mode);

	if (rc < 0)
		return EXIT_OK;
	if (rc != EXIT_OK)
		return rc;
	config_path = path;
	if (amp_config_load(config, path) != AMP_OK)
		return EXIT_USAGE;
	amp_log_set_level(config->log_level);
	if (config->log_syslog && mode == MODE_RUN)
		amp_log_use_syslog(1);

	if (mode == MODE_CHECK) {
		printf("%s: configuration OK\n", path);
		rc = EXIT_OK;
		goto cleanup;
	}
	port_stop_signals_install();
	if (amp_agent_start(config, mode != MODE_PRINT) != AMP_OK) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	if (mode == MODE_PRINT)
		rc = amp_agent_print(stdout) == AMP_OK ? EXIT_OK : EXIT_PUSH_FAILED;
	else if (mode == MODE_ONCE)
		rc = run_once();
	else
		rc = amp_agent_run(reload_config);
	amp_agent_stop();
cleanup:
	amp_config_wipe_secrets(config);
	return rc;
}
