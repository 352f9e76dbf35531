/* libFuzzer target: the shared credentials file reader (credentials = file), through the provider that checks what it read. */
#include "fuzz_common.h"

#include "config.h"
#include "creds.h"

/* Byte 0 of the input picks the profile looked for; the rest is the file. */
static const char *const profiles[] = {"default", "prod", "dev ops"};

static struct amp_config cfg;
static struct amp_creds_provider provider;

/* The provider's one-line reason is logged: printable ASCII, one line, whatever the file held. */
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
	const struct amp_creds *out;
	char why[300] = "";
	int rc;

	if (size < 1)
		return 0;
	fuzz_write("credentials", data + 1, size - 1);
	amp_config_defaults(&cfg);
	cfg.sigv4_enabled = true;
	cfg.credentials = AMP_CREDS_FILE;
	snprintf(cfg.shared_credentials_file, sizeof(cfg.shared_credentials_file), "%s/credentials", fuzz_dir());
	snprintf(cfg.profile, sizeof(cfg.profile), "%s", profiles[data[0] % (sizeof(profiles) / sizeof(profiles[0]))]);
	amp_creds_init(&provider);
	if (amp_creds_setup(&provider, &cfg) != AMP_OK)
		abort();
	rc = amp_creds_get(&provider, &out, why, sizeof(why));
	check_line(why);
	check_line(provider.why);
	if (rc == AMP_OK) {
		if (out == NULL || out->access_key[0] == '\0' || out->secret_key[0] == '\0' || out->expiration_ms != 0)
			abort();
		check_from_input(out->access_key, sizeof(out->access_key), data + 1, size - 1);
		check_from_input(out->secret_key, sizeof(out->secret_key), data + 1, size - 1);
		check_from_input(out->session_token, sizeof(out->session_token), data + 1, size - 1);
		check_line(out->origin);
	} else if (rc != AMP_ERR_AUTH || out != NULL) {
		abort();
	}
	amp_creds_free(&provider);
	return 0;
}
