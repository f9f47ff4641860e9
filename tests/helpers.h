/* Test helpers shared by the Criterion suites (tests run from the repo root). */
#ifndef RQ_TEST_HELPERS_H
#define RQ_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
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
/* A fresh, empty database: its locator (postgresql:///t_PID_N_RANDOM?…) into out.
 * Returns 0, or -1 without a server. */
int th_pg_fresh(char *out, size_t size);
/* Run sql on locator: NULL, or the error message (malloc'd). */
char *th_pg_sql(const char *locator, const char *sql);
/* A libpq notice processor that drops notices. */
void th_pg_quiet(void *arg, const char *msg);


/* ---- the register's engines ------------------------------------------------
 * Every test of what the register keeps runs against every storage engine:
 * the same test, parameterised by engine (ENGINE_TEST), so that adding an
 * engine is one line in TH_ENGINES (helpers.c).  Each engine has a name and
 * where a fresh, empty register for one test lives: "{dir}" is that test's
 * own temporary folder, "{pgdb}" a new database on the private PostgreSQL
 * server that scripts/pg-test.sh starts for `make test`. */
struct th_engine {
    const char *name, *locator;
};
extern const struct th_engine TH_ENGINES[];
extern const size_t TH_N_ENGINES;

/* Criterion copies parameters between processes: an index, no pointer. */
struct th_engine_param {
    size_t engine;
};
/* One parameter per engine, for ParameterizedTestParameters. */
struct criterion_test_params th_engine_params(void);

/* A test of suite run once per engine; in its body eng->engine names which.
 * Test options (.timeout = …) may follow the name, as with Test(). */
#define ENGINE_TEST(suite, name, ...)                                                   \
    ParameterizedTestParameters(suite, name) { return th_engine_params(); }             \
    ParameterizedTest(struct th_engine_param *eng, suite, name, ##__VA_ARGS__)

/* Whether engine e is the one called name ("sqlite", "postgresql"). */
bool th_engine_is(size_t e, const char *name);
/* The index of the engine called name (asserted to exist). */
size_t th_engine_index(const char *name);
/* The locator of a fresh register of engine e for the folder dir (a new,
 * empty database for PostgreSQL), into out.  Without a PostgreSQL server
 * its tests fail in CI and are skipped elsewhere (th_pg_missing). */
void th_engine_locator(size_t e, const char *dir, char *out, size_t size);
/* Run sql on the storage at locator behind the program's back, as someone
 * with the sqlite3 shell or psql would: NULL if it was done, else the
 * storage's refusal (malloc'd). */
char *th_engine_sql(size_t e, const char *locator, const char *sql);
/* The same with the storage's own refusals switched off first, as whoever
 * may do that would: SQLite's append-only triggers on events and
 * audit_links dropped; on PostgreSQL every trigger of the session (the
 * append-only ones and the foreign keys) by session_replication_role =
 * replica, which only a superuser may set. */
char *th_engine_sql_unlocked(size_t e, const char *locator, const char *sql);
/* The first column of the first row sql selects at locator, as text
 * (malloc'd; "" for no row or NULL); the query must succeed (asserted). */
char *th_engine_value(size_t e, const char *locator, const char *sql);

/* A shell command that prints what sql selects at locator with the
 * engine's own client (sqlite3, psql), one row a line, columns joined by
 * '|', into out: for a test's shell script. */
void th_engine_query_cmd(size_t e, const char *locator, const char *sql, char *out, size_t size);

/* The register of the running test (each test runs in its own process):
 * th_use_register makes a fresh one of engine e for the folder dir with
 * `regenquote init` (asserted) and keeps its locator, which th_reg()
 * returns and th_reg_engine() names the engine of, until the next call. */
void th_use_register(size_t e, const char *dir);
const char *th_reg(void);
size_t th_reg_engine(void);
/* Make locator (a register of engine e made otherwise) the test's register. */
void th_set_reg(size_t e, const char *locator);
/* PostgreSQL only: from now on the test's register is reached as the
 * application role rq_app, with exactly the grants docs/deploy.md gives
 * (read from that file, so the documentation is what is tested), not as
 * the tables' owner. */
void th_use_app_role(void);

#endif
