/* strbuf — a growing byte string, always NUL-terminated after its bytes.
 *
 * Memory: s is malloc'd (NULL until the first byte); the owner frees it.
 * An allocation failure sets oom and makes every later call a no-op, so a
 * writer checks oom once at the end. */
#ifndef RQ_STRBUF_H
#define RQ_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
    char *s;
    size_t n, cap;
    bool oom;
};

/* Append len bytes of data (any bytes). */
void strbuf_put(struct strbuf *b, const void *data, size_t len);
/* Append a NUL-terminated string. */
void strbuf_str(struct strbuf *b, const char *s);
/* Append printf-style text (at most 511 bytes a call). */
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
