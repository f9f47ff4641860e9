/* Test helpers shared by the Criterion suites (tests run from the repo root). */
#ifndef RQ_TEST_HELPERS_H
#define RQ_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "plan.h"
#include "price_table.h"
#include "quote.h"

/* A fresh private directory under /tmp; the caller frees the string. */
char *th_tmpdir(void);
/* Remove a directory tree made by th_tmpdir. */
void th_rmtree(const char *dir);

/* Run a shell command line; capture stdout and stderr (malloc'd, NUL-terminated;
 * either pointer may be NULL to discard). Returns the exit status, or -1. */
int th_run(const char *cmdline, char **out, char **err);
/* The regenquote binary under test: $REGENQUOTE_BIN, or the test build
 * ./build/regenquote-test, which has the fault points (REGENQUOTE_FAULT)
 * and issues on the date SOURCE_DATE_EPOCH fixes (the suite's fixed dates). */
const char *th_bin(void);
/* Create a register at path with the binary under test (`regenquote init`,
 * quietly): issuing needs one.  Returns its exit status. */
int th_init_register(const char *path);
/* The product binary, for what only it does (refusing to issue on a date
 * away from the clock): $REGENQUOTE_PRODUCT_BIN or ./regenquote. */
const char *th_product_bin(void);

/* Read a whole file (malloc'd) or NULL. */
char *th_read(const char *path, size_t *len);
/* Write text to path. Returns 0 on success. */
int th_write(const char *path, const char *text);

/* Copy pricing/ into dir, replacing the first occurrence of `from` by `to`
 * in file (clinic.json or catalog.json); from may be NULL for a plain copy.
 * Returns 0, or -1 if `from` was not found. */
int th_tables_with(const char *dir, const char *file, const char *from, const char *to);

/* All diagnostics joined, one per line (malloc'd). */
char *th_diags(const struct diag_list *dl);

/* Price a plan made of command-line style options ("source", "bone-marrow", …,
 * NULL) against pricing/ as of 2026-11-23. Returns the pricing status; on
 * success *q must be freed with quote_free. pt/plan are owned by the caller. */
int th_price(struct price_table *pt, struct plan *plan, struct quote *q, struct diag_list *dl,
             const char *const *opts);

/* Sum of amount_cents of lines in the total. */
long long th_sum_lines(const struct quote *q);

/* PostgreSQL for tests: the private server scripts/pg-test.sh starts
 * ($REGENQUOTE_TEST_PG holds its connection parameters). */
bool th_pg_available(void);
/* What a test does without that server: "fail" in CI (CI=true), else "skip". */
const char *th_pg_missing(void);
/* A fresh, empty database: its locator (postgresql:///t_PID_N?…) into out.
 * Returns 0, or -1 without a server. */
int th_pg_fresh(char *out, size_t size);
/* Run sql on locator: NULL, or the error message (malloc'd). */
char *th_pg_sql(const char *locator, const char *sql);
/* A libpq notice processor that drops notices. */
void th_pg_quiet(void *arg, const char *msg);

#endif
