/* syncfs() is Linux's: one call makes a whole batch of files durable. */
#define _GNU_SOURCE
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

int outfile_make_dir(const char *dir, struct diag_list *dl)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        diag_error(dl, dir, NULL, "is not a folder");
        return -1;
    }
    if (mkdir(dir, 0700) != 0) {
        diag_error(dl, dir, NULL, "cannot create the folder: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int outfile_open(struct outfile *o, const char *path, struct diag_list *dl)
{
    memset(o, 0, sizeof *o);
    size_t n = strlen(path) + 16;
    o->path = strdup(path);
    o->tmp = malloc(n);
    if (!o->path || !o->tmp) {
        outfile_abort(o);
        diag_error(dl, path, NULL, "out of memory");
        return -1;
    }
    snprintf(o->tmp, n, "%s.tmpXXXXXX", path);
    mode_t old = umask(077);
    int fd = mkstemp(o->tmp);
    umask(old);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        outfile_abort(o);
        diag_error(dl, path, NULL, "cannot create: %s", strerror(e));
        return -1;
    }
    fchmod(fd, 0600);
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        close(fd);
        outfile_abort(o);
        diag_error(dl, path, NULL, "cannot write: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* The descriptor path names, when it is standard output and the like
 * (/dev/stdout, /dev/fd/1, /proc/self/fd/1), directly or through symbolic
 * links; else -1. */
int outfile_descriptor(const char *path)
{
    char cur[4096], link[4096];
    snprintf(cur, sizeof cur, "%s", path);
    for (int hop = 0; hop < 8; hop++) {
        if (!strcmp(cur, "/dev/stdin"))
            return 0;
        if (!strcmp(cur, "/dev/stdout"))
            return 1;
        if (!strcmp(cur, "/dev/stderr"))
            return 2;
        const char *num = !strncmp(cur, "/dev/fd/", 8) ? cur + 8
                          : !strncmp(cur, "/proc/self/fd/", 14) ? cur + 14 : NULL;
        if (num && *num) {
            char *end;
            long n = strtol(num, &end, 10);
            if (!*end && n >= 0 && n < 1 << 20)
                return (int)n;
        }
        ssize_t len = readlink(cur, link, sizeof link - 1);
        if (len <= 0)
            return -1;
        link[len] = '\0';
        if (link[0] == '/') {
            snprintf(cur, sizeof cur, "%s", link);
        } else {
            /* relative to the link's folder */
            char *slash = strrchr(cur, '/');
            size_t keep = slash ? (size_t)(slash - cur) + 1 : 0;
            if (keep + (size_t)len + 1 > sizeof cur)
                return -1;
            memcpy(cur + keep, link, (size_t)len + 1);
        }
    }
    return -1;
}

int outfile_open_output(struct outfile *o, const char *path, struct diag_list *dl)
{
    int fd;
    int n = outfile_descriptor(path);
    if (n >= 0) {
        fd = fcntl(n, F_DUPFD_CLOEXEC, 3);
    } else {
        struct stat st;
        if (stat(path, &st) != 0 || S_ISREG(st.st_mode))
            return outfile_open(o, path, dl);
        if (S_ISDIR(st.st_mode)) {
            diag_error(dl, path, NULL, "is a folder; give the name of a file to write");
            return -1;
        }
        fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    }
    memset(o, 0, sizeof *o);
    if (fd < 0) {
        diag_error(dl, path, NULL, "cannot write: %s", strerror(errno));
        return -1;
    }
    o->path = strdup(path);
    o->f = o->path ? fdopen(fd, "wb") : NULL;
    if (!o->f) {
        int e = o->path ? errno : ENOMEM;
        close(fd);
        outfile_abort(o);
        diag_error(dl, path, NULL, "cannot write: %s", strerror(e));
        return -1;
    }
    return 0;
}

static void sync_dir_of(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(slash && dir[0] ? dir : slash ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int outfile_commit(struct outfile *o, struct diag_list *dl)
{
    int rc = 0;
    int e = 0;
    /* in place, only a regular file (standard output sent to one) is synced:
     * a pipe or a device has nothing to sync */
    struct stat st;
    bool sync = o->tmp || (fstat(fileno(o->f), &st) == 0 && S_ISREG(st.st_mode));
    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f) || (sync && fsync(fileno(o->f)) != 0)) {
        e = errno ? errno : EIO;
        rc = -1;
    }
    if (fclose(o->f) != 0 && rc == 0) {
        e = errno;
        rc = -1;
    }
    o->f = NULL;
    if (rc == 0 && o->tmp && rename(o->tmp, o->path) != 0) {
        e = errno;
        rc = -1;
    }
    if (rc == 0) {
        free(o->tmp);
        o->tmp = NULL;
    }
    if (rc != 0)
        diag_error(dl, o->path, NULL, "cannot write: %s", strerror(e));
    outfile_abort(o);
    return rc;
}

void outfile_abort(struct outfile *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp); /* after a successful rename this fails harmlessly */
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}

int outfile_commit_later(struct outfile *o, struct outfile_group *g, struct diag_list *dl)
{
    if (!o->tmp)
        return outfile_commit(o, dl); /* written in place: nothing to rename */
    int e = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        e = errno ? errno : EIO;
    if (fclose(o->f) != 0 && e == 0)
        e = errno;
    o->f = NULL;
    if (e == 0 && g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        char **nt = realloc(g->tmp, cap * sizeof *nt);
        if (nt)
            g->tmp = nt;
        char **np = realloc(g->path, cap * sizeof *np);
        if (np)
            g->path = np;
        if (nt && np)
            g->cap = cap;
        else
            e = ENOMEM;
    }
    if (e != 0) {
        diag_error(dl, o->path, NULL, "cannot write: %s", strerror(e));
        outfile_abort(o);
        return -1;
    }
    g->tmp[g->n] = o->tmp;
    g->path[g->n] = o->path;
    g->n++;
    o->tmp = o->path = NULL;
    outfile_abort(o);
    return 0;
}

int outfile_group_flush(struct outfile_group *g, struct diag_list *dl)
{
    if (g->n == 0)
        return 0;
    int fd = open(g->tmp[0], O_RDONLY | O_CLOEXEC);
    if (fd < 0 || syncfs(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        diag_error(dl, g->path[0], NULL, "cannot write: %s", strerror(e));
        outfile_group_abort(g);
        return -1;
    }
    close(fd);
    int rc = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (rc == 0 && rename(g->tmp[i], g->path[i]) != 0) {
            diag_error(dl, g->path[i], NULL, "cannot write: %s", strerror(errno));
            rc = -1;
        }
        if (rc != 0)
            unlink(g->tmp[i]);
    }
    /* the renames themselves: one sync per folder (batches use one) */
    if (rc == 0)
        sync_dir_of(g->path[0]);
    for (size_t i = 0; i < g->n; i++) {
        free(g->tmp[i]);
        free(g->path[i]);
    }
    g->n = 0;
    return rc;
}

void outfile_group_abort(struct outfile_group *g)
{
    for (size_t i = 0; i < g->n; i++) {
        unlink(g->tmp[i]);
        free(g->tmp[i]);
        free(g->path[i]);
    }
    free(g->tmp);
    free(g->path);
    memset(g, 0, sizeof *g);
}
