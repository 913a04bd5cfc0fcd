#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include "CSpawn.h"

extern char **environ;

int cspawn(pid_t *pid, const char *path, char *const argv[], const char *cwd, const char *out_path, const char *err_path) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int result = posix_spawn_file_actions_init(&actions);
    if (result != 0) return result;
    result = posix_spawnattr_init(&attributes);
    if (result != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return result;
    }
    const int output_flags = O_WRONLY | O_CREAT | O_TRUNC;
    if (result == 0) result = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (result == 0) result = posix_spawn_file_actions_addopen(&actions, 1, out_path ? out_path : "/dev/null", output_flags, 0644);
    if (result == 0) result = posix_spawn_file_actions_addopen(&actions, 2, err_path ? err_path : "/dev/null", output_flags, 0644);
    if (result == 0) result = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (result == 0 && cwd) result = posix_spawn_file_actions_addchdir_np(&actions, cwd);

    // The spawning thread may be one of Dispatch's, which block nearly every signal; a child inherits the
    // mask, and a server that never sees SIGTERM or SIGHUP cannot be stopped or reloaded by a test. Every
    // disposition goes back to its default too (the test process ignores SIGPIPE, and may run under nohup).
    sigset_t none, defaults;
    sigemptyset(&none);
    sigfillset(&defaults);
    sigdelset(&defaults, SIGKILL);
    sigdelset(&defaults, SIGSTOP);
    if (result == 0) result = posix_spawnattr_setsigmask(&attributes, &none);
    if (result == 0) result = posix_spawnattr_setsigdefault(&attributes, &defaults);
    if (result == 0) result = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (result == 0) result = posix_spawn(pid, path, &actions, &attributes, argv, environ);

    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return result;
}
