/* libFuzzer target: the shared credentials file reader (the "file" credentials source) and the checks the provider applies. */
#include "fuzz_common.h"

#include "config.h"
#include "creds.h"
#include "creds_internal.h"

/*
 * Byte 0 of the input picks the profile looked for; the rest is the file. The source is called
 * directly, not through amp_creds_get: the provider wipes some 40 KiB of buffers per fetch, which
 * under the sanitizers' instrumentation took three quarters of the time.
 */
static const char *const profiles[] = {"default", "prod", "dev ops"};

static struct amp_config cfg;
static struct amp_creds out;

/* The source's one-line reason is logged: printable ASCII, one line, whatever the file held. */
static void check_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

/* A value taken from the file is bytes of the file, never longer than its field (NUL-terminated). */
static void check_from_input(const char *v, size_t cap, const uint8_t *data, size_t size)
{
	size_t n = strnlen(v, cap);

	if (n == cap || n > size || (n > 0 && memmem(data, size, v, n) == NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[300] = "";
	int rc;

	if (size < 1)
		return 0;
	fuzz_write("credentials", data + 1, size - 1);
	if (cfg.shared_credentials_file[0] == '\0') {
		/* once: the defaults wipe the configuration's secrets, as slow here as the provider's wipes */
		amp_config_defaults(&cfg);
		cfg.sigv4_enabled = true;
		cfg.credentials = AMP_CREDS_FILE;
		snprintf(cfg.shared_credentials_file, sizeof(cfg.shared_credentials_file), "%s/credentials", fuzz_dir());
	}
	snprintf(cfg.profile, sizeof(cfg.profile), "%s", profiles[data[0] % (sizeof(profiles) / sizeof(profiles[0]))]);
	if (amp_creds_source_file.setup(&cfg) != AMP_OK)
		abort();
	memset(&out, 0, sizeof(out));
	rc = amp_creds_source_file.fetch(&cfg, &out, why, sizeof(why));
	if (rc == AMP_OK) {
		/* empty values are the provider's to refuse (amp_creds_access_key_ok, amp_creds_printable) */
		if (out.expiration_ms != 0)
			abort();
		check_from_input(out.access_key, sizeof(out.access_key), data + 1, size - 1);
		check_from_input(out.secret_key, sizeof(out.secret_key), data + 1, size - 1);
		check_from_input(out.session_token, sizeof(out.session_token), data + 1, size - 1);
		check_line(out.origin);
		/* what the provider then checks before using them */
		(void)amp_creds_access_key_ok(out.access_key);
		(void)amp_creds_printable(out.secret_key);
		(void)amp_creds_printable(out.session_token);
	} else {
		if (rc != AMP_ERR_INVALID && rc != AMP_ERR_FULL && rc != AMP_ERR_NOTFOUND)
			abort();
		check_line(why);
		if (why[0] == '\0')
			abort();
	}
	return 0;
}
