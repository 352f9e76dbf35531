/*
 * Proves the agent's own code allocates nothing in steady state: malloc and friends are interposed and
 * each call is attributed to its caller; over many collect + encode + compress + sign + push cycles
 * (test port, fixture /proc) no call may come from this executable's code (the agent, nanopb). Calls
 * from the libraries (snappy per compression, through operator new; libc) are counted and printed as a
 * figure.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "port_test.h"

#if defined(__SANITIZE_ADDRESS__)
#define AMP_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AMP_TEST_UNDER_ASAN 1
#endif
#endif

#define WARMUP_CYCLES 3
#define CYCLES 200

#ifndef AMP_TEST_UNDER_ASAN
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern char __executable_start;
extern char etext;

static int counting;
static unsigned long own_calls, library_calls;
static void *first_own_caller;

static void count(void *caller)
{
	if (!counting)
		return;
	if ((char *)caller >= &__executable_start && (char *)caller < &etext) {
		if (own_calls++ == 0)
			first_own_caller = caller;
	} else {
		library_calls++;
	}
}

void *malloc(size_t n)
{
	count(__builtin_return_address(0));
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	count(__builtin_return_address(0));
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	count(__builtin_return_address(0));
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}

/*
 * snappy is the only C++ in the agent, and allocates through operator new. Linked into this executable
 * (CONFIG_STATIC_SNAPPY) its calls come from inside the executable like the agent's, so its operator new
 * and new[] are defined here, under their mangled names (size_t is unsigned long on LP64, unsigned int
 * on ILP32), and count as the library's.
 */
#if SIZE_MAX > 0xffffffffu
#define CXX_NEW _Znwm
#define CXX_NEW_ARRAY _Znam
#else
#define CXX_NEW _Znwj
#define CXX_NEW_ARRAY _Znaj
#endif
void *CXX_NEW(size_t n);
void *CXX_NEW_ARRAY(size_t n);

static void *cxx_new(size_t n)
{
	void *p;

	if (counting)
		library_calls++;
	p = __libc_malloc(n != 0 ? n : 1);
	if (p == NULL)
		abort(); /* operator new would throw std::bad_alloc, which C cannot */
	return p;
}

void *CXX_NEW(size_t n)
{
	return cxx_new(n);
}

void *CXX_NEW_ARRAY(size_t n)
{
	return cxx_new(n);
}
#endif

#ifdef AMP_TEST_UNDER_ASAN
static void test_no_allocation_per_cycle(void **state)
{
	(void)state;
	skip(); /* ASan owns malloc; the plain build runs this test */
}
#else
static struct amp_config cfg;

static void test_no_allocation_per_cycle(void **state)
{
	const char *fixtures = getenv("AMP_TEST_FIXTURES");
	struct amp_push_result res;

	(void)state;
	assert_non_null(fixtures);
	port_test_reset();
	port_test_set_auto_response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	amp_config_defaults(&cfg);
	snprintf(cfg.source, sizeof(cfg.source), "test");
	snprintf(cfg.procfs, sizeof(cfg.procfs), "%s/proc", fixtures);
	snprintf(cfg.sysfs, sizeof(cfg.sysfs), "%s/sys", fixtures);
	assert_int_equal(amp_config_parse_url("http://receiver.test/api/v1/write", &cfg.url), AMP_OK);
	cfg.sigv4_enabled = true;
	strcpy(cfg.region, "us-east-1");
	strcpy(cfg.service, "aps");
	strcpy(cfg.access_key, "AKIDEXAMPLE");
	strcpy(cfg.secret_key, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
	assert_int_equal(amp_agent_start(&cfg, true), AMP_OK);

	for (int i = 0; i < WARMUP_CYCLES + CYCLES; i++) {
		counting = i >= WARMUP_CYCLES;
		port_test_advance_ms(15000);
		assert_int_equal(amp_agent_collect(), AMP_OK);
		assert_int_equal(amp_agent_flush(&res), AMP_OK);
	}
	counting = 0;
	amp_agent_stop();
	assert_true(port_test_auto_requests() >= WARMUP_CYCLES + CYCLES);
	/* valgrind replaces malloc itself, so the interposition never sees a call: under memcheck the
	 * cycles above are checked for memory errors and leaks, and the plain run counts allocations */
	if (getenv("LD_PRELOAD") != NULL && strstr(getenv("LD_PRELOAD"), "vgpreload") != NULL)
		return;
	printf("allocations per cycle over %d cycles: agent %.2f, libraries %.2f (libsnappy allocates per compression)\n",
	       CYCLES, (double)own_calls / CYCLES, (double)library_calls / CYCLES);
	if (own_calls != 0)
		fail_msg("%lu allocations from the agent's own code, the first called from %p", own_calls,
			 first_own_caller);
	/* the interposition works: the library allocations were seen */
	assert_true(library_calls > 0);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_allocation_per_cycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
