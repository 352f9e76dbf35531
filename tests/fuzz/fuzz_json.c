/* libFuzzer target: the JSON parser and the readers the credential sources use on what it parsed. */
#include "fuzz_common.h"

#include <stdbool.h>

#include "json.h"

static struct amp_json_doc doc;

/* The members the credential sources (IMDS, container, IoT) read. */
static const char *const keys[] = {
	"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "Code", "credentials", "accessKeyId",
	"secretAccessKey", "sessionToken", "expiration",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[256];
	size_t len;
	int64_t i64;
	bool b;

	if (amp_json_parse(&doc, (const char *)data, size) != AMP_OK)
		return 0;
	for (unsigned t = 0; t < doc.count; t++) {
		(void)amp_json_type(&doc, (int)t);
		if (amp_json_string(&doc, (int)t, out, sizeof(out), &len) == AMP_OK && len >= sizeof(out))
			abort();
		(void)amp_json_int(&doc, (int)t, &i64);
		(void)amp_json_bool(&doc, (int)t, &b);
		if (amp_json_type(&doc, (int)t) == AMP_JSON_OBJECT)
			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				(void)amp_json_member(&doc, (int)t, keys[k]);
	}
	/* out-of-range tokens must be refused, not read */
	(void)amp_json_type(&doc, -1);
	(void)amp_json_type(&doc, (int)doc.count);
	(void)amp_json_string(&doc, (int)doc.count, out, sizeof(out), NULL);
	for (size_t i = 0; i < size;)
		if (amp_json_utf8_next((const char *)data, size, &i) < 0)
			i++;
	return 0;
}
