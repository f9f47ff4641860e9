#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void diag_vadd(struct diag_list *dl, enum diag_severity sev, const char *file,
                      int line, int col, const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0)));
static void diag_vadd(struct diag_list *dl, enum diag_severity sev, const char *file,
                      int line, int col, const char *path, const char *fmt, va_list ap)
{
    if (sev == DIAG_ERROR)
        dl->errors++;
    else
        dl->warnings++;

    if (dl->n == dl->cap) {
        size_t ncap = dl->cap ? dl->cap * 2 : 8;
        struct diag *nv = realloc(dl->v, ncap * sizeof *nv);
        if (!nv)
            return;
        dl->v = nv;
        dl->cap = ncap;
    }
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct diag *d = &dl->v[dl->n];
    d->severity = sev;
    d->file = dup_or_null(file);
    d->line = line;
    d->col = col;
    d->path = dup_or_null(path && *path ? path : NULL);
    d->msg = strdup(msg);
    if (!d->msg) {
        free(d->file);
        free(d->path);
        return;
    }
    dl->n++;
}

void diag_add(struct diag_list *dl, enum diag_severity sev, const char *file,
              int line, int col, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(dl, sev, file, line, col, path, fmt, ap);
    va_end(ap);
}

void diag_error(struct diag_list *dl, const char *file, const char *path,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(dl, DIAG_ERROR, file, 0, 0, path, fmt, ap);
    va_end(ap);
}

char *diag_format(const struct diag *d, char *buf, size_t size)
{
    size_t off = 0;
    int n;
#define PUT(...)                                                        \
    do {                                                                \
        n = snprintf(buf + off, off < size ? size - off : 0, __VA_ARGS__); \
        if (n > 0)                                                      \
            off += (size_t)n;                                           \
    } while (0)
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (d->file) {
        PUT("%s:", d->file);
        if (d->line > 0)
            PUT("%d:%d:", d->line, d->col > 0 ? d->col : 1);
        PUT(" ");
    }
    if (d->severity == DIAG_WARNING)
        PUT("warning: ");
    if (d->path)
        PUT("%s: ", d->path);
    PUT("%s", d->msg);
#undef PUT
    return buf;
}

void diag_list_free(struct diag_list *dl)
{
    for (size_t i = 0; i < dl->n; i++) {
        free(dl->v[i].file);
        free(dl->v[i].path);
        free(dl->v[i].msg);
    }
    free(dl->v);
    memset(dl, 0, sizeof *dl);
}

void diag_list_write(FILE *to, const char *prefix, const struct diag_list *dl, size_t max)
{
    char buf[1200];
    size_t shown = 0;
    for (size_t i = 0; i < dl->n && shown < max; i++, shown++)
        fprintf(to, "%s: %s\n", prefix, diag_format(&dl->v[i], buf, sizeof buf));
    if (dl->n > max)
        fprintf(to, "%s: … and %zu more problems\n", prefix, dl->n - max);
    if (dl->errors > dl->n)
        fprintf(to, "%s: out of memory while reporting problems\n", prefix);
}
