#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int outfile_commit(struct outfile *o, struct diag_list *dl)
{
    int rc = 0;
    int e = 0;
    if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0) {
        e = errno ? errno : EIO;
        rc = -1;
    }
    if (fclose(o->f) != 0 && rc == 0) {
        e = errno;
        rc = -1;
    }
    o->f = NULL;
    if (rc == 0 && rename(o->tmp, o->path) != 0) {
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
