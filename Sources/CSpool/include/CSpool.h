#ifndef CSPOOL_H
#define CSPOOL_H

/// An anonymous memory file (memfd_create(2), close-on-exec): -1 with errno set where the kernel or
/// libc has none. Glibc declares memfd_create only under _GNU_SOURCE, which Swift's Glibc module
/// does not set, hence this one-function shim.
int cspool_memfd(const char *name);

#endif
