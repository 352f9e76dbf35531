/* Zeroing a static object without making its untouched pages resident. */
#ifndef AMP_ZERO_H
#define AMP_ZERO_H

#include <stddef.h>

/*
 * Sets n bytes to zero, writing only the 4 KiB pieces that are not zero already. A static object's pages
 * that were never written are not resident: a read maps the kernel's shared zero page, a write gives the
 * process a page of its own. memset at start-up wrote every page of the configuration, the push state
 * and the ring's index, tens of KiB of RSS for fields that stay empty.
 * Not for secrets: amp_secret_wipe is the one the compiler may not drop.
 */
void amp_zero(void *p, size_t n);

#endif
