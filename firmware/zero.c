/* amp_zero: see zero.h for why it reads before it writes. */
#include "zero.h"

#include <stdint.h>
#include <string.h>

#define ZERO_PIECE 4096u

static int all_zero(const unsigned char *b, size_t n)
{
	/* n >= 1; each byte equals the next and the first is zero */
	return b[0] == 0 && (n == 1 || memcmp(b, b + 1, n - 1) == 0);
}

void amp_zero(void *p, size_t n)
{
	unsigned char *b = p;

	while (n > 0) {
		size_t piece = ZERO_PIECE - ((uintptr_t)b & (ZERO_PIECE - 1));

		if (piece > n)
			piece = n;
		if (!all_zero(b, piece))
			memset(b, 0, piece);
		b += piece;
		n -= piece;
	}
}
