/* The I/O floor: writes exactly the given bytes to the given files and nothing else.
 * Usage: floor OUTDIR PACK
 * PACK holds records "NAME\0LENGTH\0BYTES" (NAME relative to OUTDIR, flat or in folders that
 * already exist; LENGTH in decimal). Each file is opened with O_CREAT|O_TRUNC, written with
 * one write(2) and closed: no temporary file, no rename, no fsync, no lock. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *name) {
    fprintf(stderr, "floor: %s %s: %s\n", what, name, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: floor OUTDIR PACK\n");
        return 2;
    }
    int pack = open(argv[2], O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (pack < 0 || fstat(pack, &st) < 0) die("reading", argv[2]);
    char *buf = malloc(st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(pack, buf + got, st.st_size - got);
        if (n <= 0) die("reading", argv[2]);
        got += n;
    }
    close(pack);
    if (mkdir(argv[1], 0755) < 0 && errno != EEXIST) die("creating", argv[1]);
    int dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) die("opening", argv[1]);
    char *p = buf, *end = buf + got;
    while (p < end) {
        char *name = p;
        p += strlen(p) + 1;
        char *rest;
        size_t len = strtoull(p, &rest, 10);
        p = rest + 1;
        int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) die("creating", name);
        size_t done = 0;
        while (done < len) {
            ssize_t n = write(fd, p + done, len - done);
            if (n < 0) die("writing", name);
            done += n;
        }
        close(fd);
        p += len;
    }
    return 0;
}
