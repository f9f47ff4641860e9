/* register — the quote register: every issued quote, numbered, kept whole.
 *
 * A register is named by a locator: a file path is an SQLite file (WAL,
 * synchronous=FULL, mode 0600); postgresql://… (or postgres://…) is a
 * PostgreSQL database, for several front desks on several machines (a
 * libpq URI: it may carry a password, which no message repeats; see
 * register_locator_display()); the storage behind it is an engine
 * (register_engine.h, one file each), chosen by the locator, so nothing in
 * this header depends on it.  Each entry keeps the canonical request, the
 * computed quote (lines and totals, as JSON), the full price tables used
 * (by digest), the dates, the PDF bytes and digest, and its status; history
 * is append-only (the storage refuses updates and deletes).
 * docs/register.md describes the protocol.
 *
 * Numbers come from a yearly series incremented inside the same write
 * transaction (holding the register's one writer lock) that stores the
 * whole quote, PDF included: a quote is either committed whole with its
 * number or not at all, and concurrent issuers are serialised.  PDF files
 * in the output folder are copies written after the commit;
 * register_repair() rewrites any that are missing or damaged.
 *
 * Memory: struct reg is opaque, from register_open() to register_close().
 * Every string a function returns is malloc'd and owned by the caller. */
#ifndef RQ_REGISTER_H
#define RQ_REGISTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "diag.h"

#define REGISTER_SCHEMA_VERSION 3
#define REGISTER_DEFAULT_PATTERN "Q-{year}-{seq:6}"

struct reg;

/* Open (creating if needed; a file is made mode 0600, a database must
 * exist and gets the register's tables) and migrate the register at path,
 * a locator: a file path, or "scheme://…" for an engine serving that
 * scheme (postgresql, postgres; any other gets a diagnostic).
 * Returns 0, or -1 with a diagnostic. */
int register_open(struct reg **out, const char *path, struct diag_list *dl);
/* Close r (NULL is a no-op). */
void register_close(struct reg *r);

/* The name of the storage engine behind r ("sqlite", "postgresql"). */
const char *register_engine_name(const struct reg *r);

/* Whether locator is a file path (not "scheme://…"). */
bool register_locator_is_path(const char *locator);
/* The locator as messages may show it, into out (size bytes, always
 * terminated): a path as it is; "scheme://…" without its user name and
 * password and without query parameters other than host, port and dbname
 * ("postgresql://db.example:5432/clinic").  Returns out. */
char *register_locator_display(const char *locator, char *out, size_t size);

/* Create an empty register at an older schema version (for migration tests). */
int register_create_at_version(const char *path, int version, struct diag_list *dl);

/* The number pattern ({year}, {seq}, {seq:N} zero-padded to N digits). */
char *register_pattern(struct reg *r);
/* Change the pattern (recorded in the history).  Returns 0 or -1. */
int register_set_pattern(struct reg *r, const char *pattern, const char *actor,
                         struct diag_list *dl);
/* Check a pattern: it must contain {seq} or {seq:N}, only [A-Za-z0-9-_./]. */
bool register_pattern_ok(const char *pattern);

/* What an issuing call stores. All strings are borrowed for the call. */
struct reg_issue {
    const char *request_json;     /* canonical request */
    const char *quote_json;       /* computed lines and totals */
    const char *tables_sha256;    /* digest of the price tables */
    const char *tables_version;
    const char *clinic_json, *catalog_json; /* their full text */
    const char *patient_id, *patient_name; /* may be NULL */
    rq_date issued, valid_until;
    bool has_scheduled;
    rq_date scheduled, estimate_due;
    int64_t total_cents;
    const char *language;
    const char *supersedes;       /* number this replaces, or NULL */
    const char *actor;            /* who issues */
    const char *location;         /* the clinic location's id, or NULL */
    const char *desk;             /* the front desk that issues, or NULL */
};

/* Called inside the issuing transaction with the new number: point *pdf at
 * the document (owned by ctx, which must keep it until register_issue
 * returns) or return -1 with a diagnostic. */
typedef int (*reg_render_fn)(void *ctx, const char *number, const unsigned char **pdf,
                             size_t *len, struct diag_list *dl);

/* Allocate the next number and store the whole quote atomically.  With
 * supersedes set, that quote (issued or accepted) is marked superseded in
 * the same transaction.  On success *number_out is malloc'd. */
int register_issue(struct reg *r, const struct reg_issue *in, reg_render_fn render, void *ctx,
                   char **number_out, struct diag_list *dl);

/* One register entry, as list/show/reprint need it.  Strings malloc'd;
 * release with reg_entry_free(). */
struct reg_entry {
    char *number, *status;        /* issued, accepted, void, superseded */
    char *patient_id, *patient_name;
    char *issued, *valid_until, *scheduled, *estimate_due; /* YYYY-MM-DD or NULL */
    int64_t total_cents;
    char *language, *tables_version, *tables_sha256;
    char *supersedes, *superseded_by;
    char *request_json, *quote_json;
    unsigned char *pdf;
    size_t pdf_len;
    char *pdf_sha256;
    char *location, *desk;        /* where it was issued, or NULL */
    int year;                     /* its number's series and place in it */
    long long seq;
    int64_t created_unix;         /* commit time (0: not known) */
};
void reg_entry_free(struct reg_entry *e);
/* Free n entries and the array holding them (what register_list hands out). */
void reg_entries_free(struct reg_entry *v, size_t n);

/* Status as a reader sees it on `today`: "expired" for an issued quote
 * past its valid-until date, else the stored status. */
const char *reg_entry_status(const struct reg_entry *e, rq_date today);

/* Fetch one entry (with_pdf: also the PDF bytes).  Returns 0, 1 if there is
 * no such number (with a diagnostic), -1 on error. */
int register_get(struct reg *r, const char *number, bool with_pdf, struct reg_entry *e,
                 struct diag_list *dl);

/* The price tables an entry was priced with (full text). */
int register_get_tables(struct reg *r, const char *sha256, char **clinic_json,
                        char **catalog_json, struct diag_list *dl);

struct reg_filter {
    const char *patient_id;       /* exact, or NULL */
    const char *name;             /* case-insensitive substring, or NULL */
    bool has_from, has_to;
    rq_date from, to;             /* issue dates, inclusive */
    const char *status;           /* issued/accepted/void/superseded/expired, or NULL */
    const char *location;         /* exact location id, or NULL */
    rq_date today;                /* for "expired" */
};

/* Entries matching f, newest first (without PDFs or JSON). *out is a
 * malloc'd array of *n entries; free each with reg_entry_free, then it. */
int register_list(struct reg *r, const struct reg_filter *f, struct reg_entry **out, size_t *n,
                  struct diag_list *dl);

/* Change status: "void" (reason required) or "accepted".  Refuses changes
 * that make no sense (voiding a superseded quote, accepting a void one). */
int register_set_status(struct reg *r, const char *number, const char *status,
                        const char *reason, const char *actor, rq_date today,
                        struct diag_list *dl);

struct reg_event {
    char *at, *actor, *action, *detail;
};
/* The history of one quote, oldest first. */
int register_history(struct reg *r, const char *number, struct reg_event **out, size_t *n,
                     struct diag_list *dl);
void reg_events_free(struct reg_event *v, size_t n);

/* Make the PDF copies in out_dir match the register: rewrite every file
 * that is missing or of the wrong size (with verify, also every file whose
 * SHA-256 differs) among quotes committed at least min_age seconds ago (so
 * a concurrent issuer still writing its copy is left alone); remove
 * temporary files left by an interrupted run (older than a minute).
 * *fixed counts rewritten files. */
int register_repair(struct reg *r, const char *out_dir, bool verify, int min_age, int *fixed,
                    struct diag_list *dl);

/* What register_copy() did. */
struct reg_copy_report {
    size_t quotes, copied, events, tables;  /* in the source; copied by this run */
    size_t verified;              /* PDFs read back from the target with the source's SHA-256 */
};
/* Called after each quote (done of total), or NULL. */
typedef void (*reg_copy_progress_fn)(void *ctx, size_t done, size_t total);

/* Copy the whole register `from` into the register `to` (any engines: a
 * file, a postgresql:// database): every quote with its PDF, price tables,
 * history, number series and pattern, quote by quote, each in one
 * transaction of the target.  Safe to run again and to resume after an
 * interruption: a quote already there (same number, same PDF digest) is
 * not copied again, only the history it lacks is appended.  Refuses a
 * target that holds a quote the source does not, or whose copy differs.
 * Verifies at the end by counts and by the SHA-256 of every PDF read back
 * from the target.  Returns 0 with *rep filled, or -1 with diagnostics. */
int register_copy(const char *from, const char *to, reg_copy_progress_fn progress, void *ctx,
                  struct reg_copy_report *rep, struct diag_list *dl);

/* The same for the quotes one front desk issued (desk NULL: every quote):
 * with a register shared by a chain, each desk's folder holds its own. */
int register_repair_desk(struct reg *r, const char *out_dir, const char *desk, bool verify, int min_age,
                         int *fixed, struct diag_list *dl);

/* Test hook, only in test builds (RQ_FAULT_INJECTION; the Makefile's
 * build/regenquote-fault): when the environment variable REGENQUOTE_FAULT
 * names a point ("after-number", "after-render", "after-commit"), the
 * issuing process kills itself there with SIGKILL, to prove crash safety.
 * In the product it is nothing. */
#ifdef RQ_FAULT_INJECTION
void register_fault_point(const char *name);
#else
#define register_fault_point(name) ((void)0)
#endif

#endif
