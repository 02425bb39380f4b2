/* Runs one command as a fresh process and reports its cost.
 * Usage: timeit CMD [ARG...]
 * Prints "WALL_MS MAXRSS_KB EXIT_STATUS CPU_MS" on stdout once the command ends: wall time from
 * just before posix_spawn to wait4's return (whole process: exec, dynamic loading, work,
 * exit), the child's peak resident set and its user + system CPU time from getrusage (wait4),
 * which machine load does not inflate. The child's stdout goes
 * to /dev/null; its stderr and environment are inherited. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: timeit CMD [ARG...]\n");
        return 2;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    struct timespec t0, t1;
    pid_t pid;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (posix_spawnp(&pid, argv[1], &actions, NULL, argv + 1, environ) != 0) {
        perror("timeit: spawn");
        return 2;
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("timeit: wait4");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    double cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    printf("%.4f %ld %d %.4f\n", ms, ru.ru_maxrss, code, cpu);
    return 0;
}
