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
 * in the output folder are copies written after the commit, each created
 * once and never replaced; register_repair() writes any that are missing.
 * The folder keeps a marker of the highest numbers given out from it
 * (outdir.h), so a restored or swapped register cannot give one again.
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

#define REGISTER_SCHEMA_VERSION 9
/* The schema that added staff accounts, sessions and the audit chain. */
#define REGISTER_SCHEMA_AUDIT 5
#define REGISTER_DEFAULT_PATTERN "Q-{year}-{seq:6}"

struct reg;

/* Open and migrate the register at path, a locator: a file path, or
 * "scheme://…" for an engine serving that scheme (postgresql, postgres; any
 * other gets a diagnostic).  Nothing is ever created here: when there is
 * no register at path (no file, or an empty one) the diagnostic names the
 * path and says how to make one ('regenquote init --register PATH'), so a
 * mistyped path is an error, not a new, empty register.  Returns 0, or -1
 * with a diagnostic. */
int register_open(struct reg **out, const char *path, struct diag_list *dl);
/* Create a new register at path (a file is made mode 0600, in a folder
 * made mode 0700 when it is missing) with a random id from the operating system and the number pattern
 * (NULL: REGISTER_DEFAULT_PATTERN, else checked as register_set_pattern
 * does), recording its creation by actor; and open it.  Refuses, changing
 * nothing, where a register (or anything else) is stored already.  Returns
 * 0, or -1 with a diagnostic. */
int register_create(struct reg **out, const char *path, const char *pattern, const char *actor,
                    struct diag_list *dl);
/* Close r (NULL is a no-op). */
void register_close(struct reg *r);

/* Whether the account running this is the register's owner: for a file,
 * the operating-system account that owns it; for a PostgreSQL database,
 * the connected role owns its tables.  False when that cannot be told. */
bool register_is_owner(struct reg *r);
/* The name of the storage engine behind r ("sqlite", "postgresql"). */
const char *register_engine_name(const struct reg *r);
/* The register's id: 32 hex digits, random, given when it was created (or
 * first opened by a regenquote that knows ids) and never changed; a
 * backup keeps it.  Borrowed until register_close(). */
const char *register_id(const struct reg *r);

/* Whether locator is a file path (not "scheme://…"). */
bool register_locator_is_path(const char *locator);
/* The locator as messages may show it, into out (size bytes, always
 * terminated): a path as it is; "scheme://…" without its user name and
 * password and without query parameters other than host, port and dbname
 * ("postgresql://db.example:5432/clinic").  Returns out. */
char *register_locator_display(const char *locator, char *out, size_t size);

/* Create an empty register at an older schema version, as an older
 * regenquote made it (for migration tests). */
int register_create_at_version(const char *path, int version, struct diag_list *dl);

/* The number pattern ({year}, {seq}, {seq:N} zero-padded to N digits). */
char *register_pattern(struct reg *r);
/* Change the pattern (recorded in the history).  Returns 0 or -1. */
int register_set_pattern(struct reg *r, const char *pattern, const char *actor,
                         struct diag_list *dl);
/* Check a pattern: it must contain {year} (the counter restarts each year)
 * and {seq} or {seq:N}, only [A-Za-z0-9-_.] besides, and not start with '.'. */
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
    const char *out_dir;          /* the folder its PDF copy goes to, or NULL:
                                   * checked before a number is given (its
                                   * marker, a file of that name) and its
                                   * marker raised after the commit */
    const char *idempotency_key;  /* may be NULL: see register_issue */
};

/* Called inside the issuing transaction with the new number: point *pdf at
 * the document (owned by ctx, which must keep it until register_issue
 * returns) or return -1 with a diagnostic. */
typedef int (*reg_render_fn)(void *ctx, const char *number, const unsigned char **pdf,
                             size_t *len, struct diag_list *dl);

/* Allocate the next number and store the whole quote atomically.  With
 * supersedes set, that quote (issued or accepted) is marked superseded in
 * the same transaction.  With out_dir set, a number the folder already saw
 * given (a restored or swapped register) is refused, using up nothing, with
 * a message saying to run 'regenquote repair'.  On success *number_out is
 * malloc'd (dl may then hold warnings).
 * With an idempotency key, a request is issued once: the key is stored
 * with the quote, and when a quote already has it nothing is issued (no
 * number used, render not called) and 1 is returned with *number_out that
 * quote's number (malloc'd).  Returns 0, 1, or -1 with a diagnostic. */
int register_issue(struct reg *r, const struct reg_issue *in, reg_render_fn render, void *ctx,
                   char **number_out, struct diag_list *dl);

/* The quote issued with idempotency key `key`: 0 and *number (malloc'd),
 * 1 when there is none, -1 on error (with a diagnostic). */
int register_find_key(struct reg *r, const char *key, char **number, struct diag_list *dl);

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
    const char *name;             /* part of the name, whatever the case and accents
                                   * (textfold.h: "JOSE" finds "José"), or NULL */
    bool has_from, has_to;
    rq_date from, to;             /* issue dates, inclusive */
    const char *status;           /* issued/accepted/void/superseded/expired, or NULL */
    const char *location;         /* exact location id, or NULL */
    rq_date today;                /* for "expired" */
    bool undelivered;             /* only quotes with no delivery record */
    bool late;                    /* only quotes first delivered after their estimate_due */
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

/* A patient's signed acceptance of a quote (acceptance.h makes the copy).
 * Strings and bytes malloc'd when the register hands one out; release with
 * reg_acceptance_free().  When passed in, everything is borrowed. */
struct reg_acceptance {
    char *number, *signer, *signed_at, *witness;
    char *how;                    /* "screen" or "paper" */
    char *notice_state, *notice_sha256;       /* the state notice shown, or NULL */
    char *pdf_sha256, *tables_sha256;         /* of the issued PDF, of the price tables */
    char *signature_type;         /* "png" or "jpeg" */
    unsigned char *signature;
    size_t signature_len;
    unsigned char *accepted_pdf;  /* the accepted copy */
    size_t accepted_len;
    char *accepted_sha256;
    bool consent;                 /* the notice shown requires signed consent, and this
                                   * signature gives it: said in the history's "accepted"
                                   * event (derived from the notice; not stored apart) */
};
void reg_acceptance_free(struct reg_acceptance *a);

/* Called inside the accepting transaction with the quote (PDF included)
 * and the acceptance as it will be stored (pdf_sha256 and tables_sha256
 * filled in from the quote): point *pdf at the accepted copy (owned by ctx,
 * kept until register_accept_signed returns) or return -1 with a diagnostic. */
typedef int (*reg_accept_fn)(void *ctx, const struct reg_entry *e, const struct reg_acceptance *a,
                             const unsigned char **pdf, size_t *len, struct diag_list *dl);

/* Record a signed acceptance of `number` and mark it accepted, in one
 * transaction: refused (with the reason, changing nothing) unless the quote
 * is issued and not expired on `today` (a void, superseded, expired or
 * already accepted quote is not accepted).  a gives the signer, time,
 * witness, how, notice and signature; copy makes the accepted copy, stored
 * with its SHA-256.  Returns 0, or -1 with a diagnostic. */
int register_accept_signed(struct reg *r, const char *number, const struct reg_acceptance *a,
                           reg_accept_fn copy, void *ctx, rq_date today, struct diag_list *dl);

/* The acceptance of `number` (with_bytes: also the signature and the
 * accepted copy).  Returns 0, 1 when the quote has no signed acceptance
 * (with a diagnostic), -1 on error. */
int register_get_acceptance(struct reg *r, const char *number, bool with_bytes,
                            struct reg_acceptance *a, struct diag_list *dl);

/* How and when an estimate reached the patient.  Strings malloc'd when the
 * register hands them out (reg_deliveries_free); borrowed when passed in. */
struct reg_delivery {
    char *number;
    char *how;                    /* "paper", "email" or "download" */
    char *at;                     /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    char *actor;                  /* who handed, sent or recorded it */
    char *detail;                 /* e-mail: the address and Message-ID; or NULL */
};
void reg_deliveries_free(struct reg_delivery *v, size_t n);

/* Is how a delivery kind ("paper", "email", "download")? */
bool register_delivery_kind_ok(const char *how);

/* Record that `number` reached the patient (d->number is ignored; d->at is
 * when).  Any stored quote may be recorded (a copy handed over is a fact,
 * whatever the quote's status).  Returns 0, or -1 with a diagnostic. */
int register_deliver(struct reg *r, const char *number, const struct reg_delivery *d, struct diag_list *dl);
/* The same, unless a delivery of the same kind by the same actor is
 * already recorded: checked and written in one transaction under the
 * register's writer lock, so two at once record one.  Returns 0 recorded,
 * 1 already there (nothing written), or -1 with a diagnostic. */
int register_deliver_once(struct reg *r, const char *number, const struct reg_delivery *d, struct diag_list *dl);
/* The delivery records of number, oldest first. */
int register_deliveries(struct reg *r, const char *number, struct reg_delivery **out, size_t *n,
                        struct diag_list *dl);
/* Record the patient's consent to receive `number` by e-mail at address. */
int register_consent_email(struct reg *r, const char *number, const char *address, const char *at,
                           const char *actor, struct diag_list *dl);
/* 0 when consent to e-mail number to address is recorded; 1 (with a
 * diagnostic saying how to record it) when not; -1 on error. */
int register_email_consent(struct reg *r, const char *number, const char *address, struct diag_list *dl);

struct reg_event {
    char *at, *actor, *action, *detail;
};
/* The history of one quote, oldest first. */
int register_history(struct reg *r, const char *number, struct reg_event **out, size_t *n,
                     struct diag_list *dl);
void reg_events_free(struct reg_event *v, size_t n);

/* The folder of PDF copies, out_dir, as an issuing run leaves it (quick):
 * write every copy that is missing among quotes committed at least min_age
 * seconds ago (so a concurrent issuer still writing its own is left alone);
 * never replace a file: a copy that differs from the register (by size;
 * with verify, by SHA-256) gets a warning and is left as it is; remove
 * temporary files of interrupted writes (older than a minute); raise the
 * folder's marker to this register's numbers.  A folder whose marker names
 * another register is left untouched (issuing into it is refused).
 * *fixed counts the copies written.  Returns 0, or -1 with a diagnostic. */
int register_repair(struct reg *r, const char *out_dir, bool verify, int min_age, int *fixed,
                    struct diag_list *dl);

/* One kind of record register_copy() carries: how many the source holds,
 * how many this run added to the target. */
struct reg_copy_count {
    size_t source, copied;
};
/* What register_copy() did. */
struct reg_copy_report {
    size_t quotes, copied, events, tables;  /* in the source; copied by this run */
    size_t verified;              /* PDFs read back from the target with the source's SHA-256 */
    struct reg_copy_count accounts;         /* staff accounts, password hashes as stored */
    struct reg_copy_count bills, bill_notes;             /* final bills (ids kept), explanations */
    struct reg_copy_count acceptances, deliveries, consents; /* signed acceptances, delivery records, e-mail consents */
};
/* Called after each quote (done of total), or NULL. */
typedef void (*reg_copy_progress_fn)(void *ctx, size_t done, size_t total);

/* Copy the whole register `from` into the register `to` (any engines: a
 * file, a postgresql:// database): first the staff accounts (one
 * transaction; password hashes as stored, so everyone keeps their
 * password), then quote by quote, each in one transaction of the target,
 * every quote with its PDF, price tables, history, final bills (with their
 * ids) and explanations, signed acceptance, delivery records and e-mail
 * consents; then the register's own events, number series and pattern.
 * Sign-in sessions are not copied: everyone signs in again on the target.
 * Safe to run again and to resume after an interruption: what the target
 * holds already is checked equal to the source's and not copied again;
 * only what it lacks is added.  Refuses a target that holds a quote the
 * source does not, or a quote, account, bill, explanation, acceptance,
 * delivery or consent that differs from the source's (naming it and what
 * differs).  Verifies at the end by counts, by the SHA-256 of every PDF,
 * bill and accepted copy read back from the target, and byte for byte
 * against the source.  Returns 0 with *rep filled, or -1 with diagnostics. */
int register_copy(const char *from, const char *to, reg_copy_progress_fn progress, void *ctx,
                  struct reg_copy_report *rep, struct diag_list *dl);

/* Open the register at path as the target of a copy, creating it (as
 * register_create() does, with the id `id`, the source's, so that folders
 * the source issued into accept it) when there is none there yet; creation
 * is recorded by actor.  Returns 0, or -1 with a diagnostic. */
int register_open_copy_target(struct reg **out, const char *path, const char *id, const char *actor,
                              struct diag_list *dl);

/* The same for the quotes one front desk issued (desk NULL: every quote):
 * with a register shared by a chain, each desk's folder holds its own. */
int register_repair_desk(struct reg *r, const char *out_dir, const char *desk, bool verify, int min_age,
                         int *fixed, struct diag_list *dl);

/* What register_reconcile() found and did. */
struct reg_repair_report {
    int written;                  /* missing copies written */
    int differing;                /* copies that differ from the register, left as they are */
    int orphans;                  /* quote files in the folder the register does not have */
    int advanced;                 /* years whose series was moved past the folder's numbers */
    bool adopted;                 /* the folder's marker named another register */
    bool damaged;                 /* the storage or a stored document failed the check */
};

/* `regenquote repair`: make the register and its folder agree, and say
 * what needs a person.  With verify, first check the storage itself (the
 * engine's check) and every stored PDF against its digest, and stop there
 * if either fails.  Then: a year's series that is behind the numbers given
 * out from out_dir (its marker; files named like the register's numbers)
 * is moved past them, and a folder of another register is adopted, each
 * recorded in the history (by actor) and reported as a warning; files for
 * numbers the register does not have are reported by number; missing
 * copies are written, differing ones reported and left as they are; the
 * marker is brought up to date; stale temporary files go.  Returns 0 when
 * nothing needs a person (warnings may report what was put right), 1 when
 * something does (a damaged register, a differing copy, and with verify an
 * orphaned file: each with a diagnostic saying what to do), -1 on error. */
int register_reconcile(struct reg *r, const char *out_dir, bool verify, const char *actor,
                       struct reg_repair_report *rep, struct diag_list *dl);

/* Write a backup of the whole register to the file dest: consistent (as of
 * one moment, while others may go on issuing), mode 0600, whole or not at
 * all (a temporary name beside dest, renamed over it).  It keeps the
 * register's id and series, so a restored copy is known for what it is
 * (docs/register.md, "Restoring a backup").  Returns 0 or -1. */
int register_backup(struct reg *r, const char *dest, struct diag_list *dl);

/* Test hook, only in the test build (RQ_TEST_BUILD; the Makefile's
 * build/regenquote-test): when the environment variable REGENQUOTE_FAULT
 * names a point ("after-number", "after-render", "after-commit"; for
 * `register copy`, "copy-after-quote": after the first quote's
 * transaction), the process kills itself there with SIGKILL, to prove
 * crash safety.
 * In the product it is nothing. */
#ifdef RQ_TEST_BUILD
void register_fault_point(const char *name);
#else
#define register_fault_point(name) ((void)0)
#endif

#endif
