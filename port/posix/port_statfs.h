/* The POSIX port's statfs helper thread (port_statfs.c): what the tests reach beyond port.h. */
#ifndef AMP_PORT_STATFS_H
#define AMP_PORT_STATFS_H

#include <sys/statfs.h>

typedef int (*port_statfs_fn)(const char *path, struct statfs *out);

/*
 * Tests only: the call the helper makes instead of statfs(2) (NULL: statfs again). A test's call that
 * blocks stands in for a mount whose server is gone, which a test cannot make.
 */
void port_statfs_set_call(port_statfs_fn fn);

/* Tests only: helper threads alive, the current one and those abandoned that have not ended yet. */
int port_statfs_helpers(void);

#endif
