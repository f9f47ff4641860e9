/* diag — diagnostics as values.
 *
 * Every function in the core that can fail takes a `struct diag_list *` and
 * appends what went wrong: the file, a 1-based line and column (0 when not
 * known), the field path (`items[3].price`) and a one-sentence message
 * without a final full stop.  The core never prints; front ends format a
 * diagnostic with diag_format() and decide where it goes.
 *
 * Memory: the list owns copies of every string added to it; free it with
 * diag_list_free().  A failed allocation inside diag_add() still counts the
 * diagnostic, so a caller never mistakes an error for success. */
#ifndef RQ_DIAG_H
#define RQ_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

struct diag {
    enum diag_severity severity;
    char *file;   /* may be NULL */
    int line;     /* 1-based, 0 = unknown */
    int col;      /* 1-based (characters), 0 = unknown */
    char *path;   /* field path, may be NULL */
    char *msg;
};

struct diag_list {
    struct diag *v;
    size_t n, cap;
    size_t errors;    /* includes diagnostics lost to allocation failure */
    size_t warnings;
};

/* Append a diagnostic; file and path may be NULL.  Never fails visibly. */
void diag_add(struct diag_list *dl, enum diag_severity sev, const char *file,
              int line, int col, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Shorthand for an error without position. */
void diag_error(struct diag_list *dl, const char *file, const char *path,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Format one diagnostic as `file:line:col: path: message` (the parts that
 * are known) into buf; returns buf.  Output is truncated to size. */
char *diag_format(const struct diag *d, char *buf, size_t size);

/* Write the diagnostics to `to` (the caller's stream: the core never picks
 * one), one line each as "PREFIX: …", at most max of them, then how many
 * more there were and whether any were lost to a failed allocation. */
void diag_list_write(FILE *to, const char *prefix, const struct diag_list *dl, size_t max);

/* Free all diagnostics and reset the list to empty. */
void diag_list_free(struct diag_list *dl);

#endif
