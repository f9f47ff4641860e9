#include "infile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static FILE *open_kind(const char *path, const char *noun, const char *what, bool any_kind,
                       struct diag_list *dl)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        diag_error(dl, path, NULL, "cannot open%s%s: %s", noun ? " " : "", noun ? noun : "", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        diag_error(dl, path, NULL, "cannot open%s%s: %s", noun ? " " : "", noun ? noun : "", strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        diag_error(dl, path, NULL, "is a directory; expected %s", what);
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) && !any_kind) {
        diag_error(dl, path, NULL, "is a FIFO, a device or a socket, not a regular file; expected %s", what);
        close(fd);
        return NULL;
    }
    /* reading a pipe the user named waits for its data, as usual */
    int fl = fcntl(fd, F_GETFL);
    if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        diag_error(dl, path, NULL, "cannot open%s%s: %s", noun ? " " : "", noun ? noun : "", strerror(errno));
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        diag_error(dl, path, NULL, "cannot open%s%s: %s", noun ? " " : "", noun ? noun : "", strerror(errno));
        close(fd);
    }
    return f;
}

FILE *infile_open(const char *path, const char *noun, const char *what, struct diag_list *dl)
{
    return open_kind(path, noun, what, false, dl);
}

FILE *infile_open_named(const char *path, const char *noun, const char *what, struct diag_list *dl)
{
    return open_kind(path, noun, what, true, dl);
}
