/* tables — the price tables in a pool of slots, each one table and one PDF
 * template cache.  A request takes a slot for the time it prices or
 * renders, so no table's prices-in-force date or language changes under
 * another request.  A slot's table is loaded again when clinic.json or
 * catalog.json change on disk; a changed table with problems is not used
 * (the last good one stays, and the log says so once). */
#ifndef RQ_TABLES_H
#define RQ_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "date.h"
#include "diag.h"
#include "price_table.h"
#include "render_pdf.h"

struct srv_log;
struct tables;

/* What identifies the two files a table was loaded from. */
struct table_files {
    struct timespec mtime[2], ctime[2];
    off_t size[2];
    ino_t ino[2];
    bool ok;
};

/* One slot.  *pt and cache are the holder's to use (and pt's language to
 * switch) from tables_acquire() to tables_release(); the rest is tables.c's.
 * The table is never copied (its language slots point into it). */
struct table_slot {
    struct price_table *pt;      /* malloc'd, while loaded */
    struct render_cache *cache;
    bool loaded, busy;
    rq_date on;                  /* the date pt's prices are set to */
    struct table_files files;
};

/* Told of every price table the pool starts using whose digest differs
 * from the last one it told of (the first at start, then each changed
 * table a slot loads): version and sha256 borrowed for the call, at_start
 * for the first.  Called from any thread, one call at a time. */
typedef void (*tables_loaded_fn)(void *ctx, const char *version, const char *sha256, bool at_start);

/* n slots (n >= 1), each with a render cache; the tables of prices_dir
 * (copied) loaded into the first with the prices in force on `today`, and
 * logged ("price tables: version V from 'DIR'").  on_load (may be NULL)
 * with ctx is told of each new table.  Returns the pool, or NULL with
 * diagnostics (the tables' problems, or out of memory).  lg is borrowed
 * for the pool's life. */
struct tables *tables_new(const char *prices_dir, size_t n, rq_date today, const struct srv_log *lg,
                          tables_loaded_fn on_load, void *ctx, struct diag_list *dl);

/* Take a free slot (waiting for one), its table up to date with the files
 * and set to the prices in force on `today`.  NULL with diagnostics when
 * there is no usable table; then no slot is held.  Thread-safe. */
struct table_slot *tables_acquire(struct tables *t, rq_date today, struct diag_list *dl);

/* Give a slot back.  sl may be NULL.  Thread-safe. */
void tables_release(struct tables *t, struct table_slot *sl);

/* Free the pool and its tables; no slot may be held.  t may be NULL. */
void tables_free(struct tables *t);

#endif
