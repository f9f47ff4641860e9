/* register_engine — how a register is stored: the interface an engine implements.
 *
 * register.c holds what the register means (numbering policy, status rules,
 * the supersede chain, what an entry keeps, repair of the PDF copies) and
 * reaches storage only through a `struct reg_engine`.  An engine is one file
 * (register_sqlite.c, register_pg.c) that stores and fetches exactly what it is given: it
 * decides no number, no status and no message about the register's rules.
 * docs/register.md ("The storage interface") lists what every engine must
 * guarantee.
 *
 * Conventions for every operation below:
 *   - it returns 0 on success and -1 on failure, after appending to dl a
 *     diagnostic whose file is the register's locator and whose message
 *     says what could not be done ("cannot read the register: …");
 *   - "in a transaction" means between begin() and commit()/rollback() on
 *     the same store; writes are only ever called there, reads may be
 *     called inside (they see the transaction's own writes) or outside
 *     (they see committed data only);
 *   - strings and bytes passed in are borrowed for the call; strings and
 *     arrays handed out are malloc'd and owned by the caller (struct
 *     reg_entry: reg_entry_free; struct reg_event: reg_events_free; struct
 *     reg_pdf_ref: reg_pdf_refs_free); an operation that fails hands out
 *     nothing (*out NULL, *n 0).
 *
 * Only the core sees this header: front ends use register.h. */
#ifndef RQ_REGISTER_ENGINE_H
#define RQ_REGISTER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "register.h"

/* One engine's connection to one register; each engine defines it. */
struct reg_store;

/* A quote as it is stored, whole: register.c has numbered, rendered and
 * digested it.  Dates are YYYY-MM-DD. */
struct reg_new_quote {
    const char *number;           /* unique in the register */
    int year;
    long long seq;                /* (year, seq) is unique too */
    const char *status;           /* the status it starts with */
    const char *patient_id, *patient_name;    /* may be NULL */
    const char *issued, *valid_until;
    const char *scheduled, *estimate_due;     /* may be NULL */
    int64_t total_cents;
    const char *language;
    const char *tables_sha256;    /* stored before with put_tables */
    const char *request_json, *quote_json;
    const unsigned char *pdf;
    size_t pdf_len;
    const char *pdf_sha256;
    const char *supersedes;       /* may be NULL */
    int64_t created_unix;         /* commit time, seconds since the epoch */
    const char *location, *desk;  /* where it was issued (schema 3); may be NULL */
};

/* The price tables of a quote, stored once per digest. */
struct reg_tables {
    const char *sha256, *version, *clinic_json, *catalog_json;
};

/* One history event to append.  `number` is a quote number, or "-" for an
 * event about the register itself (pattern change, migration). */
struct reg_new_event {
    const char *number, *at;      /* at: UTC, YYYY-MM-DDTHH:MM:SSZ */
    const char *actor, *action;
    const char *detail;           /* may be NULL */
};

/* Which entries list() returns: every condition given (non-NULL) must
 * hold.  Dates are YYYY-MM-DD and compare as dates. */
struct reg_query {
    const char *patient_id;       /* equal */
    const char *name;             /* substring of patient_name, ASCII case folded */
    const char *issued_from, *issued_to;      /* issued within, inclusive */
    const char *status;           /* stored status equal */
    const char *valid_until_min;  /* valid_until >= this */
    const char *valid_until_below;            /* valid_until < this */
    const char *location;         /* equal (schema 3) */
};

/* One year's number series: the last number given. */
struct reg_series {
    int year;
    long long last;
};

/* A stored PDF, by size and digest, for checking a copy without its bytes. */
struct reg_pdf_ref {
    char *number;
    size_t len;
    char sha256[65];
    char *desk;                   /* the desk that issued it, or NULL */
};
void reg_pdf_refs_free(struct reg_pdf_ref *v, size_t n);

struct reg_engine {
    const char *name;             /* "sqlite": what tests and messages call it */
    /* The locator scheme it serves ("scheme://…"), or NULL for the engine
     * that takes a plain file path (there is one such engine); alias, a
     * second spelling of the scheme it also serves, or NULL. */
    const char *scheme, *alias;

    /* ---- connection ---- */

    /* Connect to the register at locator, creating its storage if there is
     * none (a new register has schema version 0), with the durability
     * register.h promises (a commit is on disk when it returns) and a wait
     * of about a minute for another writer's lock.  The schema is not
     * touched: register.c migrates it. */
    int (*open)(struct reg_store **out, const char *locator, struct diag_list *dl);
    /* Disconnect; a transaction still open is rolled back.  NULL is a no-op. */
    void (*close)(struct reg_store *s);

    /* ---- transactions ---- */

    /* Start a write transaction holding the register's one writer lock:
     * until commit or rollback no other connection, in any process, can
     * write, so a number read and incremented inside it cannot be given
     * twice.  Waits for the lock (about a minute) before failing. */
    int (*begin)(struct reg_store *s, struct diag_list *dl);
    /* Make everything since begin() durable and visible at once.  On
     * failure nothing of the transaction is kept (it is rolled back). */
    int (*commit)(struct reg_store *s, struct diag_list *dl);
    /* Undo everything since begin().  Harmless without a transaction; never
     * reports (the caller is already reporting the failure that led here). */
    void (*rollback)(struct reg_store *s);

    /* ---- schema ---- */

    /* The stored schema version (0 for a new register).  In a transaction
     * (to migrate) or not (a reader's check that there is nothing to do). */
    int (*schema_version)(struct reg_store *s, int *version, struct diag_list *dl);
    /* Take the storage from schema version `from` to `to` (0 <= from < to <=
     * REGISTER_SCHEMA_VERSION) and record `to`.  In a transaction.  From
     * version 2 the storage itself refuses to change or delete a history event or to
     * delete a quote, whoever asks. */
    int (*migrate)(struct reg_store *s, int from, int to, struct diag_list *dl);

    /* ---- the number pattern ---- */

    /* The stored pattern (*pattern malloc'd), or *pattern NULL if none. */
    int (*get_pattern)(struct reg_store *s, char **pattern, struct diag_list *dl);
    /* Store the pattern, replacing any.  In a transaction. */
    int (*set_pattern)(struct reg_store *s, const char *pattern, struct diag_list *dl);

    /* ---- issuing: all in one transaction ---- */

    /* Increment the year's counter (a new year starts at 1) and give its new
     * value.  With begin()'s lock and rollback() undoing the increment, the
     * numbers a year's committed quotes get are 1, 2, 3… without a gap and
     * never twice. */
    int (*next_seq)(struct reg_store *s, int year, long long *seq, struct diag_list *dl);
    /* Whether a quote is stored under number: 1 yes, 0 no, -1 error. */
    int (*has_quote)(struct reg_store *s, const char *number, struct diag_list *dl);
    /* Store price tables under their digest, unless that digest is stored
     * already (then the stored text stays as it is).  In a transaction. */
    int (*put_tables)(struct reg_store *s, const struct reg_tables *t, struct diag_list *dl);
    /* Store a new quote, PDF bytes included.  Fails, storing nothing, if its
     * number or (year, seq) is taken.  In a transaction. */
    int (*insert_quote)(struct reg_store *s, const struct reg_new_quote *q, struct diag_list *dl);

    /* ---- changes ---- */

    /* Set a stored quote's status and, when superseded_by is not NULL, the
     * number that replaces it.  Nothing else of the quote ever changes.  In a
     * transaction. */
    int (*set_status)(struct reg_store *s, const char *number, const char *status,
                      const char *superseded_by, struct diag_list *dl);
    /* Append an event to the history (kept in the order appended).  In a
     * transaction. */
    int (*add_event)(struct reg_store *s, const struct reg_new_event *ev, struct diag_list *dl);

    /* ---- reading ---- */

    /* Fill e (zeroed first) with every field of struct reg_entry (year, seq,
     * created_unix, location and desk included: what copying a register
     * needs), the PDF
     * bytes only with with_pdf.  Returns 0, 1 if there is no such number (no
     * diagnostic: register.c words it), or -1. */
    int (*get)(struct reg_store *s, const char *number, bool with_pdf, struct reg_entry *e,
               struct diag_list *dl);
    /* The full text of the price tables stored under sha256.  Returns 0, 1
     * if there are none (no diagnostic), or -1. */
    int (*get_tables)(struct reg_store *s, const char *sha256, char **clinic_json,
                      char **catalog_json, struct diag_list *dl);
    /* The entries matching q (without JSON or PDF), newest first: by issue
     * date, then year, then seq, all descending. */
    int (*list)(struct reg_store *s, const struct reg_query *q, struct reg_entry **out, size_t *n,
                struct diag_list *dl);
    /* The events of one number ("-": of the register), in the order appended. */
    int (*history)(struct reg_store *s, const char *number, struct reg_event **out, size_t *n,
                   struct diag_list *dl);
    /* Number, PDF size, PDF digest and desk of every quote committed at or before
     * created_by (seconds since the epoch; a quote whose commit time is not
     * known counts as old enough), without the bytes. */
    int (*pdf_refs)(struct reg_store *s, int64_t created_by, struct reg_pdf_ref **out, size_t *n,
                    struct diag_list *dl);

    /* ---- copying a register (register_copy.c) ---- */

    /* Every year's series, by year (*out malloc'd, free() it). */
    int (*series)(struct reg_store *s, struct reg_series **out, size_t *n, struct diag_list *dl);
    /* Raise the year's counter to last (a counter already higher stays).
     * In a transaction. */
    int (*put_series)(struct reg_store *s, int year, long long last, struct diag_list *dl);
};

/* The engines this build has (register.c picks one by locator). */
extern const struct reg_engine reg_engine_sqlite;
extern const struct reg_engine reg_engine_pg;

#endif
