/* Unit tests for the strict JSON parser: a table of documents it must refuse (with where and why), lookups, strings, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "json.h"

static const char imds_doc[] =
	"{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-11-26T10:00:00Z\",\n  \"Type\" : \"AWS-HMAC\",\n"
	"  \"AccessKeyId\" : \"ASIAEXAMPLE\",\n  \"SecretAccessKey\" : \"wJalr\\/K7MDENG\",\n"
	"  \"Token\" : \"IQoJb3Jp\\u0067in\",\n  \"Expiration\" : \"2026-11-26T16:00:00Z\"\n}";

static void test_credentials_document(void **state)
{
	struct amp_json_doc doc;
	char out[64];
	size_t len;

	(void)state;
	assert_int_equal(amp_json_parse(&doc, imds_doc, strlen(imds_doc)), AMP_OK);
	assert_int_equal(amp_json_type(&doc, 0), AMP_JSON_OBJECT);
	assert_int_equal(amp_json_string(&doc, amp_json_member(&doc, 0, "Code"), out, sizeof(out), &len), AMP_OK);
	assert_string_equal(out, "Success");
	assert_int_equal(len, 7);
	assert_int_equal(amp_json_string(&doc, amp_json_member(&doc, 0, "SecretAccessKey"), out, sizeof(out), NULL), AMP_OK);
	assert_string_equal(out, "wJalr/K7MDENG");
	assert_int_equal(amp_json_string(&doc, amp_json_member(&doc, 0, "Token"), out, sizeof(out), NULL), AMP_OK);
	assert_string_equal(out, "IQoJb3Jpgin");
	/* lookups are exact: case matters, absent keys are -1 */
	assert_int_equal(amp_json_member(&doc, 0, "token"), -1);
	assert_int_equal(amp_json_member(&doc, 0, "Nope"), -1);
	/* a string token is not an object to look into */
	assert_int_equal(amp_json_member(&doc, amp_json_member(&doc, 0, "Code"), "x"), -1);
	/* too small a buffer: refused, not cut */
	assert_int_equal(amp_json_string(&doc, amp_json_member(&doc, 0, "Code"), out, 7, NULL), AMP_ERR_FULL);
	assert_string_equal(out, "");
	assert_int_equal(amp_json_string(&doc, amp_json_member(&doc, 0, "Code"), out, 8, NULL), AMP_OK);
}

static void test_nested_and_types(void **state)
{
	static const char text[] =
		"{\"credentials\":{\"accessKeyId\":\"A\",\"n\":-12,\"big\":9223372036854775807,\"neg\":-9223372036854775808,"
		"\"over\":9223372036854775808,\"f\":1.5e3,\"t\":true,\"no\":false,\"z\":null,\"list\":[1,\"x\",{\"a\":[]}]},"
		"\"\\u00e9\\ud83d\\ude00\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\b\\f\\n\\r\\t\"}";
	struct amp_json_doc doc;
	int creds;
	int64_t v;
	bool b;
	char out[64];

	(void)state;
	assert_int_equal(amp_json_parse(&doc, text, strlen(text)), AMP_OK);
	creds = amp_json_member(&doc, 0, "credentials");
	assert_int_equal(amp_json_type(&doc, creds), AMP_JSON_OBJECT);
	assert_int_equal(amp_json_int(&doc, amp_json_member(&doc, creds, "n"), &v), AMP_OK);
	assert_int_equal(v, -12);
	assert_int_equal(amp_json_int(&doc, amp_json_member(&doc, creds, "big"), &v), AMP_OK);
	assert_true(v == INT64_MAX);
	assert_int_equal(amp_json_int(&doc, amp_json_member(&doc, creds, "neg"), &v), AMP_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(amp_json_int(&doc, amp_json_member(&doc, creds, "over"), &v), AMP_ERR_RANGE);
	assert_int_equal(amp_json_int(&doc, amp_json_member(&doc, creds, "f"), &v), AMP_ERR_INVALID);
	assert_int_equal(amp_json_bool(&doc, amp_json_member(&doc, creds, "t"), &b), AMP_OK);
	assert_true(b);
	assert_int_equal(amp_json_bool(&doc, amp_json_member(&doc, creds, "no"), &b), AMP_OK);
	assert_false(b);
	assert_int_equal(amp_json_bool(&doc, amp_json_member(&doc, creds, "z"), &b), AMP_ERR_INVALID);
	assert_int_equal(amp_json_type(&doc, amp_json_member(&doc, creds, "z")), AMP_JSON_NULL);
	assert_int_equal(amp_json_type(&doc, amp_json_member(&doc, creds, "list")), AMP_JSON_ARRAY);
	/* a member of the inner object is not one of the root */
	assert_int_equal(amp_json_member(&doc, 0, "accessKeyId"), -1);
	/* keys match after decoding escapes; strings decode to UTF-8 */
	assert_int_equal(amp_json_string(&doc, amp_json_member(&doc, 0, "\xc3\xa9\xf0\x9f\x98\x80"), out, sizeof(out), NULL),
			 AMP_OK);
	assert_string_equal(out, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ \b\f\n\r\t");
	assert_int_equal(amp_json_string(&doc, creds, out, sizeof(out), NULL), AMP_ERR_INVALID);
	assert_int_equal(amp_json_type(&doc, 999), 0);
	assert_int_equal(amp_json_type(&doc, -1), 0);
}

struct bad_json {
	const char *name;
	const char *text;
	size_t len;           /* 0: strlen */
	int rc;
	const char *error;    /* doc.error, exactly */
};

static const struct bad_json bad[] = {
	{"empty", "", 0, AMP_ERR_INVALID, "byte 0: unexpected end of the document"},
	{"blank", "  \n", 0, AMP_ERR_INVALID, "byte 3: unexpected end of the document"},
	{"html", "<html>captive portal</html>", 0, AMP_ERR_INVALID, "byte 0: unexpected character"},
	{"truncated object", "{\"a\":\"b\"", 0, AMP_ERR_INVALID, "byte 8: expected ',' or '}'"},
	{"truncated string", "{\"a\":\"bc", 0, AMP_ERR_INVALID, "byte 8: string without its closing quote"},
	{"truncated escape", "{\"a\":\"b\\", 0, AMP_ERR_INVALID, "byte 8: string without its closing quote"},
	{"trailing comma", "{\"a\":1,}", 0, AMP_ERR_INVALID, "byte 7: expected a quoted key"},
	{"trailing comma in array", "[1,]", 0, AMP_ERR_INVALID, "byte 3: unexpected character"},
	{"single quotes", "{'a':1}", 0, AMP_ERR_INVALID, "byte 1: expected a quoted key"},
	{"missing colon", "{\"a\" 1}", 0, AMP_ERR_INVALID, "byte 5: expected ':' after a key"},
	{"text after", "{} {}", 0, AMP_ERR_INVALID, "byte 3: text after the document"},
	{"comment", "{} // x", 0, AMP_ERR_INVALID, "byte 3: text after the document"},
	{"duplicate key", "{\"Token\":\"a\",\"Token\":\"b\"}", 0, AMP_ERR_INVALID, "byte 13: duplicate key"},
	{"duplicate key after escape", "{\"Token\":\"a\",\"T\\u006fken\":\"b\"}", 0, AMP_ERR_INVALID, "byte 13: duplicate key"},
	{"same key in two objects is fine", "{\"a\":{\"k\":1},\"b\":{\"k\":2},\"k\":3}", 0, AMP_OK, ""},
	{"leading zero", "{\"a\":01}", 0, AMP_ERR_INVALID, "byte 6: leading zero in a number"},
	{"plus sign", "{\"a\":+1}", 0, AMP_ERR_INVALID, "byte 5: unexpected character"},
	{"bare fraction", "{\"a\":1.}", 0, AMP_ERR_INVALID, "byte 7: expected a digit after '.'"},
	{"bad exponent", "{\"a\":1e}", 0, AMP_ERR_INVALID, "byte 7: expected a digit in the exponent"},
	{"minus alone", "-", 0, AMP_ERR_INVALID, "byte 1: expected a digit"},
	{"nan", "NaN", 0, AMP_ERR_INVALID, "byte 0: unexpected character"},
	{"truth", "tru", 0, AMP_ERR_INVALID, "byte 0: unexpected character"},
	{"raw newline in string", "\"a\nb\"", 0, AMP_ERR_INVALID, "byte 2: control character in a string"},
	{"nul byte", "\"a\0b\"", 5, AMP_ERR_INVALID, "byte 2: control character in a string"},
	{"nul outside strings", "{}\0", 3, AMP_ERR_INVALID, "byte 2: text after the document"},
	{"escaped nul", "\"a\\u0000\"", 0, AMP_ERR_INVALID, "byte 2: \\u0000 (NUL) in a string"},
	{"unknown escape", "\"\\x41\"", 0, AMP_ERR_INVALID, "byte 1: unknown escape"},
	{"short unicode escape", "\"\\u12\"", 0, AMP_ERR_INVALID, "byte 1: \\u needs four hex digits"},
	{"lone high surrogate", "\"\\ud83d\"", 0, AMP_ERR_INVALID, "byte 1: high surrogate without its low surrogate"},
	{"lone low surrogate", "\"\\ude00\"", 0, AMP_ERR_INVALID, "byte 1: lone low surrogate"},
	{"invalid utf-8", "\"\xff\"", 0, AMP_ERR_INVALID, "byte 1: invalid UTF-8"},
	{"overlong utf-8", "\"\xc0\xaf\"", 0, AMP_ERR_INVALID, "byte 1: invalid UTF-8"},
	{"utf-8 surrogate", "\"\xed\xa0\x80\"", 0, AMP_ERR_INVALID, "byte 1: invalid UTF-8"},
	{"cut utf-8", "\"\xe2\x82\"", 0, AMP_ERR_INVALID, "byte 1: invalid UTF-8"},
	{"too deep", "[[[[[[[[[1]]]]]]]]]", 0, AMP_ERR_FULL, "byte 8: nested deeper than 8"},
	{"deep enough", "[[[[[[[[1]]]]]]]]", 0, AMP_OK, ""},
};

static void test_refused(void **state)
{
	struct amp_json_doc doc;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad_json *c = &bad[i];
		int rc = amp_json_parse(&doc, c->text, c->len ? c->len : strlen(c->text));

		if (rc != c->rc || strcmp(doc.error, c->error) != 0)
			fail_msg("case \"%s\": rc %d error \"%s\", want %d \"%s\"", c->name, rc, doc.error, c->rc, c->error);
	}
}

static void test_limits(void **state)
{
	static char text[AMP_JSON_MAX_DOC + 16];
	struct amp_json_doc doc;
	size_t n = 0;

	(void)state;
	/* 64 tokens fit: an object with 31 members is 63 tokens, 32 are 65 */
	n = (size_t)snprintf(text, sizeof(text), "{");
	for (int i = 0; i < 31; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"k%d\":%d", i ? "," : "", i, i);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "}");
	assert_int_equal(amp_json_parse(&doc, text, n), AMP_OK);
	assert_int_equal(doc.count, 63);
	n--;
	n += (size_t)snprintf(text + n, sizeof(text) - n, ",\"k31\":31}");
	assert_int_equal(amp_json_parse(&doc, text, n), AMP_ERR_FULL);
	assert_string_equal(doc.error, "byte 268: more than 64 values and keys");
	/* the document size */
	memset(text, ' ', sizeof(text));
	text[0] = '1';
	assert_int_equal(amp_json_parse(&doc, text, AMP_JSON_MAX_DOC), AMP_OK);
	assert_int_equal(amp_json_parse(&doc, text, AMP_JSON_MAX_DOC + 1), AMP_ERR_FULL);
	assert_int_equal(amp_json_parse(&doc, NULL, 0), AMP_ERR_INVALID);
}

/* ISO 8601 / RFC 3339 times as credential documents carry them (parsed by clock.c). */
static void test_iso8601(void **state)
{
	static const struct {
		const char *text;
		int64_t ms;   /* -1: refused */
	} cases[] = {
		{"1970-01-01T00:00:00Z", 0},
		{"2026-11-26T16:00:00Z", 1795708800000},
		{"2026-11-26t16:00:00z", 1795708800000},
		{"2026-11-26T16:00:00.5Z", 1795708800500},
		{"2026-11-26T16:00:00.123456789Z", 1795708800123},
		{"2026-11-26T17:30:00+01:30", 1795708800000},
		{"2026-11-26T11:00:00-05:00", 1795708800000},
		{"2024-02-29T00:00:00Z", 1709164800000},
		{"2000-03-01T00:00:00Z", 951868800000},
		{"9999-12-31T23:59:59Z", 253402300799000},
		{"2023-02-29T00:00:00Z", -1},
		{"1900-02-28T00:00:00Z", -1},
		{"1969-12-31T23:59:59Z", -1},
		{"2026-13-01T00:00:00Z", -1},
		{"2026-11-26T24:00:00Z", -1},
		{"2026-11-26T16:00:00", -1},
		{"2026-11-26 16:00:00Z", -1},
		{"2026-11-26T16:00:00.Z", -1},
		{"2026-11-26T16:00:00+0100", -1},
		{"2026-11-26T16:00:00Zjunk", -1},
		{"26-11-2026T16:00:00Z", -1},
		{"", -1},
	};
	char back[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = 0;
		int rc = amp_clock_parse_iso8601(cases[i].text, &ms);

		if (cases[i].ms < 0 ? rc != AMP_ERR_INVALID : rc != AMP_OK || ms != cases[i].ms)
			fail_msg("\"%s\": rc %d ms %lld", cases[i].text, rc, (long long)ms);
	}
	assert_int_equal(amp_clock_parse_iso8601(NULL, &(int64_t){0}), AMP_ERR_INVALID);
	amp_clock_format_iso8601(1795708800000, back, sizeof(back));
	assert_string_equal(back, "2026-11-26T16:00:00Z");
	amp_clock_format_iso8601(951868799000, back, sizeof(back));
	assert_string_equal(back, "2000-02-29T23:59:59Z");
	amp_clock_format_iso8601(253402300799000, back, sizeof(back));
	assert_string_equal(back, "9999-12-31T23:59:59Z");
	amp_clock_format_iso8601(0, back, sizeof(back));
	assert_string_equal(back, "1970-01-01T00:00:00Z");
	amp_clock_format_iso8601(-5, back, sizeof(back));
	assert_string_equal(back, "-5 ms");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credentials_document),
		cmocka_unit_test(test_nested_and_types),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_iso8601),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
