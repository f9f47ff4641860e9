/* static — the page's files from the web folder, by plain names only. */
#include "handlers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "server_int.h"

#define MAX_STATIC_BYTES (4u * 1024u * 1024u)

/* The Content-Type of a file the page may have, or NULL (not served). */
static const char *content_type(const char *path)
{
    static const char *const map[][2] = {
        { ".html", "text/html; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" }, { ".svg", "image/svg+xml" },
        { ".png", "image/png" }, { ".ico", "image/x-icon" }, { ".json", "application/json; charset=utf-8" },
        { ".txt", "text/plain; charset=utf-8" }, { ".woff2", "font/woff2" },
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(dot, map[i][0]))
            return map[i][1];
    return NULL;
}

/* The whole file at path (at most MAX_STATIC_BYTES, a regular file) into
 * a malloc'd buffer.  1 when there is no such file to serve, -1 when it
 * cannot be read, 0 with *buf and *len set. */
static int read_file(const char *path, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > MAX_STATIC_BYTES) {
        if (fd >= 0)
            close(fd);
        return 1;
    }
    *len = (size_t)st.st_size;
    *buf = malloc(*len ? *len : 1);
    size_t got = 0;
    while (*buf && got < *len) {
        ssize_t k = read(fd, *buf + got, *len - got);
        if (k <= 0) {
            if (k < 0 && errno == EINTR)
                continue;
            break;
        }
        got += (size_t)k;
    }
    close(fd);
    if (!*buf || got != *len) {
        free(*buf);
        return -1;
    }
    return 0;
}

enum MHD_Result static_serve(struct req *rq, const char *url)
{
    struct server *s = rq->s;
    if (!strcmp(url, "/"))
        url = "/index.html";
    /* Only plain names: letters, digits, - _ . and folders; no dot-files, no "..". */
    bool ok = url[0] == '/' && strlen(url) < 200;
    for (const char *p = url; ok && *p; p++) {
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
             *p == '_' || *p == '.' || *p == '/';
        if (*p == '/' && (p[1] == '.' || p[1] == '/'))
            ok = false;
    }
    const char *type = ok ? content_type(url) : NULL;
    if (!type)
        return http_send_error(rq, 404, NULL, NULL, NULL, "there is nothing at this address");
    if (!s->web_dir)
        return http_send_error(rq, 404, NULL, NULL, NULL,
                               "the front-desk page is not installed (no web folder); the API under /api/ works");
    char path[4096];
    snprintf(path, sizeof path, "%s%s", s->web_dir, url);
    char *buf = NULL;
    size_t len = 0;
    int rc = read_file(path, &buf, &len);
    if (rc > 0)
        return http_send_error(rq, 404, NULL, NULL, NULL, "there is nothing at this address");
    if (rc < 0)
        return http_send_error(rq, 500, NULL, NULL, NULL, "cannot read the page's files");
    return http_send(rq, 200, type, HTTP_PAGE, buf, len, NULL, NULL);
}
