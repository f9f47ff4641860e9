/* regpool — open register handles kept between requests.
 *
 * Opening a register costs a connection to a PostgreSQL server (a new
 * server process, authentication, a schema check) or an SQLite file's
 * setup; a front desk answers many requests a second, so the handles a
 * request used are kept for the next one instead of closed.  A handle is
 * used by one request at a time; a PostgreSQL handle whose connection the
 * server dropped connects again by itself at its next use (register_pg.c).
 * Thread-safe.
 *
 * Memory: the pool owns the handles it keeps; a taken handle belongs to the
 * caller until it is given back. */
#ifndef RQ_REGPOOL_H
#define RQ_REGPOOL_H

#include <stddef.h>

#include "diag.h"
#include "register.h"

struct regpool;

/* A pool for the register at locator keeping at most max idle handles;
 * NULL when out of memory. */
struct regpool *regpool_new(const char *locator, size_t max);
/* An idle handle, or a newly opened one; NULL with a diagnostic when the
 * register cannot be opened. */
struct reg *regpool_take(struct regpool *p, struct diag_list *dl);
/* Give r back after a request (kept, or closed when the pool is full).
 * NULL is a no-op. */
void regpool_give(struct regpool *p, struct reg *r);
/* Close every idle handle and free the pool (NULL is a no-op). */
void regpool_free(struct regpool *p);

#endif
