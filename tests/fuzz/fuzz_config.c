/* libFuzzer target: the INI configuration loader and validator, on a file holding the input. */
#include "fuzz_common.h"

#include "config.h"

static struct amp_config cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[256];
	struct amp_url url;
	uint32_t ms;
	char text[512];

	fuzz_write("amp.ini", data, size);
	snprintf(path, sizeof(path), "%s/amp.ini", fuzz_dir());
	(void)amp_config_load(&cfg, path);
	amp_config_wipe_secrets(&cfg);
	/* the value parsers alone, on the input as one NUL-terminated value */
	if (size < sizeof(text)) {
		memcpy(text, data, size);
		text[size] = '\0';
		(void)amp_config_parse_duration(text, &ms);
		(void)amp_config_parse_url(text, &url);
	}
	return 0;
}
