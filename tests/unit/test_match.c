/* Tests of the pattern matcher: a table of full matches (checked against Python's re.fullmatch), refusals, worst cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match.h"

struct match_case {
	const char *pattern;
	const char *input;
	bool match;
};

/* Every row agrees with Python's re.fullmatch(pattern, input, re.S) and with Go's ^(?s:pattern)$. */
static const struct match_case cases[] = {
	{"", "", true},
	{"", "a", false},
	{"abc", "abc", true},
	{"abc", "abcd", false},
	{"abc", "xabc", false},
	{"abc", "ab", false},
	{"a.c", "abc", true},
	{"a.c", "a\nc", true},
	{"a.c", "ac", false},
	{".*", "", true},
	{".*", "anything at all", true},
	{".+", "", false},
	{".+", "x", true},
	{"a*", "", true},
	{"a*", "aaaa", true},
	{"a*", "aaab", false},
	{"a+", "", false},
	{"a+b", "aaab", true},
	{"ab?c", "ac", true},
	{"ab?c", "abc", true},
	{"ab?c", "abbc", false},
	{"a*?b", "aab", true},
	{"a+?", "aa", true},
	{"node_.*", "node_cpu_seconds_total", true},
	{"node_.*", "go_memstats", false},
	{"node_scrape_.*", "node_scrape_collector_success", true},
	{"node_(cpu|memory)_.*", "node_cpu_seconds_total", true},
	{"node_(cpu|memory)_.*", "node_memory_MemFree_bytes", true},
	{"node_(cpu|memory)_.*", "node_disk_io_now", false},
	{"node_(?:cpu|memory)_.*", "node_memory_x", true},
	{"a|b|c", "b", true},
	{"a|b|c", "d", false},
	{"a|", "", true},
	{"|a", "a", true},
	{"(a|)+b", "aab", true},
	{"()", "", true},
	{"(ab)*", "ababab", true},
	{"(ab)*", "ababa", false},
	{"(a(b(c|d)*)+)?e", "abcdbde", true},
	{"(a(b(c|d)*)+)?e", "e", true},
	{"(a(b(c|d)*)+)?e", "ace", false},
	{"loop[0-9]+", "loop0", true},
	{"loop[0-9]+", "loop12", true},
	{"loop[0-9]+", "loop", false},
	{"loop[0-9]+", "loopa", false},
	{"[abc]", "b", true},
	{"[abc]", "d", false},
	{"[^abc]", "d", true},
	{"[^abc]", "a", false},
	{"[^abc]", "\n", true},
	{"[]a]", "]", true},
	{"[]a]", "a", true},
	{"[a-]", "-", true},
	{"[-a]", "-", true},
	{"[a\\-z]", "-", true},
	{"[a\\-z]", "b", false},
	{"[\\]]", "]", true},
	{"[\\d.]+", "1.5", true},
	{"[\\w]+", "Ab_9", true},
	{"[\\s]", "\t", true},
	{"[a-cx-z]+", "abxz", true},
	{"[a-cx-z]+", "abd", false},
	{"\\d+", "0123", true},
	{"\\d+", "12a", false},
	{"\\D", "a", true},
	{"\\D", "1", false},
	{"\\w+", "sda1_x", true},
	{"\\W", "-", true},
	{"\\s", " ", true},
	{"\\S", " ", false},
	{"a\\.b", "a.b", true},
	{"a\\.b", "axb", false},
	{"\\(\\)\\[\\]\\{\\}\\*\\+\\?\\|\\^\\$\\\\", "()[]{}*+?|^$\\", true},
	{"a\\tb", "a\tb", true},
	{"a\\nb", "a\nb", true},
	{"^abc$", "abc", true},
	{"^abc", "abc", true},
	{"abc$", "abc", true},
	{"a^b", "ab", false},
	{"a$b", "ab", false},
	{"(^a|b)c", "bc", true},
	{"(^a|b)c", "ac", true},
	{"]", "]", true},
	{"\xc3\xa9", "\xc3\xa9", true},
	{".", "\xc3\xa9", true},       /* one character, two bytes */
	{"..", "\xc3\xa9", false},
	{"a.b", "a\xe2\x82\xac" "b", true},
	{"[\xc3\xa0-\xc3\xbf]", "\xc3\xa9", true},
	{"[^a]", "\xc3\xa9", true},
	{".", "\xff", true},            /* an invalid byte is one character (U+FFFD), as in Go */
	{"..", "\xc3", false},
	{"(a*)*", "aaaa", true},
	{"(a*)+b", "aaab", true},
	{"(a?)*", "", true},
	{"(a|ab)(c|bcd)(d*)", "abcd", true},
	{"sd[a-z]|nvme[0-9]+n[0-9]+|mmcblk[0-9]+", "nvme0n1", true},
	{"sd[a-z]|nvme[0-9]+n[0-9]+|mmcblk[0-9]+", "mmcblk0p1", false},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct amp_match m;
		struct amp_match_error err;
		const struct match_case *c = &cases[i];
		int rc = amp_match_compile(&m, c->pattern, &err);

		if (rc != AMP_OK)
			fail_msg("/%s/: refused: %s at %zu", c->pattern, err.why, err.offset);
		if (amp_match_full(&m, c->input, strlen(c->input)) != c->match)
			fail_msg("/%s/ on \"%s\": want %s", c->pattern, c->input, c->match ? "match" : "no match");
	}
}

struct refusal {
	const char *pattern;
	int rc;
	const char *why;
	size_t offset;
};

static const struct refusal refusals[] = {
	{"a{2}", AMP_ERR_INVALID, "counted repetition {n,m} is not supported (write \\{ for a brace)", 1},
	{"a}", AMP_ERR_INVALID, "counted repetition {n,m} is not supported (write \\{ for a brace)", 1},
	{"(?i)abc", AMP_ERR_INVALID, "flags and named groups (?...) are not supported", 0},
	{"(?P<x>a)", AMP_ERR_INVALID, "flags and named groups (?...) are not supported", 0},
	{"*a", AMP_ERR_INVALID, "missing argument to repetition operator", 0},
	{"a|*", AMP_ERR_INVALID, "missing argument to repetition operator", 2},
	{"(+)", AMP_ERR_INVALID, "missing argument to repetition operator", 1},
	{"a**", AMP_ERR_INVALID, "nested repetition operator", 2},
	{"a*+", AMP_ERR_INVALID, "nested repetition operator", 2},
	{"a*??", AMP_ERR_INVALID, "nested repetition operator", 3},
	{"(ab", AMP_ERR_INVALID, "missing closing )", 0},
	{"ab)", AMP_ERR_INVALID, "unexpected )", 2},
	{"[ab", AMP_ERR_INVALID, "missing closing ]", 0},
	{"[]", AMP_ERR_INVALID, "missing closing ]", 0},
	{"[z-a]", AMP_ERR_INVALID, "invalid character class range", 2},
	{"[[:alpha:]]", AMP_ERR_INVALID, "[:name:] classes are not supported", 1},
	{"[\\D]", AMP_ERR_INVALID, "negated Perl class inside [...] is not supported", 1},
	{"\\bword", AMP_ERR_INVALID, "unsupported escape", 0},
	{"\\pL", AMP_ERR_INVALID, "unsupported escape", 0},
	{"\\x41", AMP_ERR_INVALID, "unsupported escape", 0},
	{"\\1", AMP_ERR_INVALID, "unsupported escape", 0},
	{"a\\", AMP_ERR_INVALID, "trailing backslash", 1},
	{"[a\\", AMP_ERR_INVALID, "trailing backslash", 2},
	{"a\xff", AMP_ERR_INVALID, "pattern is not valid UTF-8", 1},
	{"[\xc3]", AMP_ERR_INVALID, "pattern is not valid UTF-8", 1},
	{"((((((((((((((((((a))))))))))))))))))", AMP_ERR_FULL, "groups nested too deep", 16},
};

static void test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		static struct amp_match m;
		struct amp_match_error err;
		const struct refusal *r = &refusals[i];
		int rc = amp_match_compile(&m, r->pattern, &err);

		if (rc != r->rc || err.why == NULL || strcmp(err.why, r->why) != 0 || err.offset != r->offset)
			fail_msg("/%s/: rc %d \"%s\" at %zu; want %d \"%s\" at %zu", r->pattern, rc,
				 err.why != NULL ? err.why : "(none)", err.offset, r->rc, r->why, r->offset);
		/* A refused pattern matches nothing, not even the empty string. */
		assert_false(amp_match_full(&m, "", 0));
	}
}

static void test_limits(void **state)
{
	static struct amp_match m;
	static char big[AMP_MATCH_MAX_PATTERN + 2];
	struct amp_match_error err;

	(void)state;
	memset(big, 'a', AMP_MATCH_MAX_PATTERN + 1);
	big[AMP_MATCH_MAX_PATTERN + 1] = '\0';
	assert_int_equal(amp_match_compile(&m, big, &err), AMP_ERR_FULL);
	assert_string_equal(err.why, "pattern too long");
	/* One instruction per literal, plus MATCH: the longest literal that fits, and one more. */
	memset(big, 'a', sizeof(big));
	big[CONFIG_MATCH_MAX_INSTS - 1] = '\0';
	assert_int_equal(amp_match_compile(&m, big, &err), AMP_OK);
	assert_true(amp_match_full(&m, big, strlen(big)));
	big[CONFIG_MATCH_MAX_INSTS - 1] = 'a';
	big[CONFIG_MATCH_MAX_INSTS] = '\0';
	assert_int_equal(amp_match_compile(&m, big, &err), AMP_ERR_FULL);
	/* Ranges: \w takes four. */
	{
		char ranges[4 * CONFIG_MATCH_MAX_RANGES + 8];
		size_t n = 0;

		for (unsigned i = 0; i <= CONFIG_MATCH_MAX_RANGES / 4 && n + 3 < sizeof(ranges); i++) {
			memcpy(ranges + n, "\\w", 2);
			n += 2;
		}
		ranges[n] = '\0';
		assert_int_equal(amp_match_compile(&m, ranges, &err), AMP_ERR_FULL);
		assert_string_equal(err.why, "too many character-class ranges (CONFIG_MATCH_MAX_RANGES)");
	}
	assert_int_equal(amp_match_compile(&m, NULL, &err), AMP_ERR_INVALID);
	assert_int_equal(amp_match_compile(&m, "a", NULL), AMP_OK);
	assert_false(amp_match_full(NULL, "a", 1));
	assert_false(amp_match_full(&m, NULL, 1));
	/* The length is what counts, not a NUL: embedded NULs are characters. */
	assert_int_equal(amp_match_compile(&m, "a.b", NULL), AMP_OK);
	assert_true(amp_match_full(&m, "a\0b", 3));
	assert_false(amp_match_full(&m, "a\0b", 2));
}

/* Patterns that take a backtracking engine exponential time finish here in time linear in the input. */
static void test_pathological(void **state)
{
	static const char *const patterns[] = {
		"(a*)*(a*)*(a*)*(a*)*(a*)*b",
		"(a|a)*(a|a)*(a|a)*b",
		"(x+x+)+y",
		"(.*)*(.*)*(.*)*z",
		"((a?){20})", /* refused: counted repetition */
	};
	static struct amp_match m;
	static char input[100001];
	clock_t start;
	double secs;

	(void)state;
	memset(input, 'a', sizeof(input) - 1);
	start = clock();
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		int rc = amp_match_compile(&m, patterns[i], NULL);

		if (i == 4) {
			assert_int_equal(rc, AMP_ERR_INVALID);
			continue;
		}
		assert_int_equal(rc, AMP_OK);
		if (i == 2)
			memset(input, 'x', sizeof(input) - 1);
		assert_false(amp_match_full(&m, input, sizeof(input) - 1));
	}
	/* a?^n a^n, the classic: exponential for backtracking, n * program length here. */
	{
		char pat[128] = "";
		char in[32];

		for (int i = 0; i < 25; i++)
			strcat(pat, "a?");
		for (int i = 0; i < 25; i++)
			strcat(pat, "a");
		memset(in, 'a', 25);
		assert_int_equal(amp_match_compile(&m, pat, NULL), AMP_OK);
		assert_true(amp_match_full(&m, in, 25));
	}
	secs = (double)(clock() - start) / CLOCKS_PER_SEC;
	/* About 4e5 characters through programs of ~30 instructions: milliseconds, even under valgrind seconds. */
	if (secs > 20.0)
		fail_msg("pathological patterns took %.1f s", secs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_pathological),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
