/* amp-agent's entry point: command line, configuration, then the agent loop. */
#include "error.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("amp-agent %s\n", AMP_VERSION);
		return 0;
	}
	fprintf(stderr, "amp-agent: not yet wired\n");
	return 2;
}
