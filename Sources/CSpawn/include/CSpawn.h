#ifndef CSPAWN_H
#define CSPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` (NULL-terminated) and the current environment through posix_spawn(3):
/// standard input from /dev/null, standard output and error to the files named (created or truncated;
/// NULL: /dev/null), every other descriptor closed, `cwd` as its directory (NULL: this one), no signal
/// blocked and every signal at its default disposition. Returns 0 and sets `*pid`, or an errno value.
///
/// For the tests' child processes, instead of Foundation's Process: its run() on Linux copies 256 bytes
/// of each /proc/self/fd entry's name, reading past short entries (swift-corelibs-foundation #5472), and
/// crashed the test process here. closefrom and chdir file actions are declared only under _GNU_SOURCE,
/// which Swift's Glibc module does not set, hence a C shim.
int cspawn(pid_t *pid, const char *path, char *const argv[], const char *cwd, const char *out_path, const char *err_path);

#endif
