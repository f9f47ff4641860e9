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
    const char *name_key;         /* textfold() of patient_name, or NULL */
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
    const char *location, *desk;  /* where it was issued (schema 7); may be NULL */
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
    const char *name_key;         /* substring of the stored name_key (folded already) */
    const char *issued_from, *issued_to;      /* issued within, inclusive */
    const char *status;           /* stored status equal */
    const char *valid_until_min;  /* valid_until >= this */
    const char *valid_until_below;            /* valid_until < this */
    const char *location;         /* equal (schema 7) */
};

/* One year's number series: the last number given. */
struct reg_series {
    int year;
    long long last;
};

/* A stored PDF, by size and digest, for checking a copy without its bytes. */
struct reg_pdf_ref {
    char *number;
    int year;
    long long seq;                /* the quote's place in its year's series */
    size_t len;
    char sha256[65];
    char *desk;                   /* the desk that issued it, or NULL */
};
void reg_pdf_refs_free(struct reg_pdf_ref *v, size_t n);

/* ---- staff accounts, sessions and the audit chain (schema 5) ----------- */

/* A staff account as stored.  role is a role's name (roles.h); the engine
 * stores it as text and knows no role.  password_hash is the encoded hash
 * (its own salt and parameters); no password is ever given to an engine. */
struct reg_user {
    char *username, *role, *password_hash;
    char *created_at;             /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    bool disabled;
    long long failed_logins;      /* consecutive failed sign-ins */
    int64_t last_failed_unix;     /* the last of them (0: none) */
};
void reg_users_free(struct reg_user *v, size_t n);

/* A sign-in session as stored: only the SHA-256 of its id is kept. */
struct reg_session {
    char *username;
    int64_t created_unix, last_seen_unix;
    int64_t ended_unix;           /* 0 while it is open */
};

/* Which history events audit_rows() returns: every condition given
 * (non-NULL) must hold; at_from/at_below compare as text with `at`. */
struct reg_audit_query {
    const char *actor, *action, *number;
    const char *at_from;          /* at >= this */
    const char *at_below;         /* at < this */
    bool newest_first;            /* else in the order appended */
};

/* One history event with its link in the audit chain, if it has one. */
struct reg_audit_row {
    int64_t ref;                  /* the engine's order: grows with each event appended */
    char *number, *at, *actor, *action, *detail;
    bool linked;                  /* false: no link is stored for it */
    int64_t seq;                  /* its position in the chain (1, 2, …) */
    char prev[65], hash[65];      /* the previous link's hash and its own */
};
void reg_audit_rows_free(struct reg_audit_row *v, size_t n);
/* A final bill (bill.h), as stored: attached to the quote in force, its
 * file's bytes and digest kept whole, never replaced (a corrected bill is a
 * new bill naming the one it corrects).  Dates are YYYY-MM-DD, times UTC. */
struct reg_new_bill {
    const char *number;           /* the quote it is attached to */
    const char *given_for;        /* the number it was given for, when another
                                     (a superseded quote); else NULL */
    const char *bill_date;        /* the date on the bill */
    const char *format;           /* "csv" or "json" */
    const char *file_name;        /* as given on the command line; may be NULL */
    const unsigned char *bytes;
    size_t len;
    const char *sha256;           /* of bytes */
    const char *lines_json;       /* the lines as read (bill.c's JSON) */
    long long corrects;           /* id of the bill it replaces, or 0 */
    const char *added_by, *added_at;
    long long id;                 /* the id to store it under (a copied bill keeps
                                     its source's; taken: put_bill fails), or 0 for
                                     the next */
};

/* A stored bill; release an array with reg_bills_free. */
struct reg_bill {
    long long id;                 /* 1, 2, 3… in the register, never reused */
    char *number, *given_for, *bill_date, *format, *file_name;
    unsigned char *bytes;
    size_t len;
    char *sha256, *lines_json;
    long long corrects;
    char *added_by, *added_at;
};
void reg_bills_free(struct reg_bill *v, size_t n);

/* A clinic's explanation of one difference of the comparison (bill.h). */
struct reg_bill_note {
    long long id;                 /* handed out only */
    char *number;                 /* the quote */
    int line;                     /* the comparison's line number when written */
    char *row_key;                /* which difference: provider and code */
    char *text, *written_by, *written_at;
};
void reg_bill_notes_free(struct reg_bill_note *v, size_t n);

/* A recorded consent to e-mail a quote to an address (schema 7), as stored;
 * release an array with reg_email_consents_free. */
struct reg_email_consent {
    char *number, *address;
    char *at;                     /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    char *actor;                  /* who recorded it */
};
void reg_email_consents_free(struct reg_email_consent *v, size_t n);

struct reg_engine {
    const char *name;             /* "sqlite": what tests and messages call it */
    /* The locator scheme it serves ("scheme://…"), or NULL for the engine
     * that takes a plain file path (there is one such engine); alias, a
     * second spelling of the scheme it also serves, or NULL. */
    const char *scheme, *alias;

    /* ---- connection ---- */

    /* Connect to the register at locator, with the durability register.h
     * promises (a commit is on disk when it returns), a wait of about a
     * minute for another writer's lock, and its storage private to its
     * owner: an engine that keeps files tightens one open to others, with a
     * warning naming it and the mode it had, and refuses one it cannot.  With create, storage is made if
     * there is none (new storage has schema version 0; a file gets its
     * folder, private, when that is missing too); without, nothing is
     * created: returns 1, with no diagnostic (register.c words it), when
     * there is no storage at locator.  The schema is not touched: register.c
     * migrates it.  Returns 0, 1 or -1. */
    int (*open)(struct reg_store **out, const char *locator, bool create, struct diag_list *dl);
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

    /* ---- who owns it ---- */

    /* Whether this connection is the register's owner: for a file, the
     * operating-system account running this process owns it; for a
     * database, the role connected owns (or is a member of the role that
     * owns) its tables.  1 yes, 0 no, -1 error (with a diagnostic). */
    int (*is_owner)(struct reg_store *s, struct diag_list *dl);

    /* ---- schema ---- */

    /* The stored schema version: 0 for new, empty storage.  Storage that
     * holds something else than a register (another program's tables) is
     * refused with a diagnostic, so a register is never made inside it.  In
     * a transaction (to migrate) or not (a reader's check that there is
     * nothing to do). */
    int (*schema_version)(struct reg_store *s, int *version, struct diag_list *dl);
    /* Take the storage from schema version `from` to `to` (0 <= from < to <=
     * REGISTER_SCHEMA_VERSION) and record `to`.  In a transaction.  From
     * version 2 the storage itself refuses to change or delete a history event or to
     * delete a quote, whoever asks.  Version 3 adds each quote's name_key,
     * and the step gives the quotes already stored theirs: textfold() of
     * their patient_name (the core's function, so every engine's keys agree). */
    int (*migrate)(struct reg_store *s, int from, int to, struct diag_list *dl);

    /* ---- the number pattern ---- */

    /* The stored pattern (*pattern malloc'd), or *pattern NULL if none. */
    int (*get_pattern)(struct reg_store *s, char **pattern, struct diag_list *dl);
    /* Store the pattern, replacing any.  In a transaction. */
    int (*set_pattern)(struct reg_store *s, const char *pattern, struct diag_list *dl);

    /* ---- the register's identity ---- */

    /* The register's id (*id malloc'd), or *id NULL if none is stored. */
    int (*get_id)(struct reg_store *s, char **id, struct diag_list *dl);
    /* Store the register's id; fails, storing nothing, if one is stored
     * already (an id never changes).  In a transaction. */
    int (*set_id)(struct reg_store *s, const char *id, struct diag_list *dl);

    /* ---- issuing: all in one transaction ---- */

    /* Increment the year's counter (a new year starts at 1) and give its new
     * value.  With begin()'s lock and rollback() undoing the increment, the
     * numbers a year's committed quotes get are 1, 2, 3… without a gap and
     * never twice. */
    int (*next_seq)(struct reg_store *s, int year, long long *seq, struct diag_list *dl);
    /* The year's counter: the last number it gave (0 when none yet). */
    int (*series)(struct reg_store *s, int year, long long *last, struct diag_list *dl);
    /* Raise the year's counter to last if it is lower; never lowers it.
     * (register.c moves a series past numbers given out from a later state
     * of the register, as a recorded repair.)  In a transaction. */
    int (*raise_series)(struct reg_store *s, int year, long long last, struct diag_list *dl);
    /* Whether a quote is stored under number: 1 yes, 0 no, -1 error. */
    int (*has_quote)(struct reg_store *s, const char *number, struct diag_list *dl);
    /* Store price tables under their digest, unless that digest is stored
     * already (then the stored text stays as it is).  In a transaction. */
    int (*put_tables)(struct reg_store *s, const struct reg_tables *t, struct diag_list *dl);
    /* Store a new quote, PDF bytes included.  Fails, storing nothing, if its
     * number or (year, seq) is taken.  In a transaction. */
    int (*insert_quote)(struct reg_store *s, const struct reg_new_quote *q, struct diag_list *dl);
    /* Give the quote just stored by insert_quote, in this transaction, its
     * idempotency key.  Fails if another quote has that key (a key names
     * one quote, ever).  In a transaction. */
    int (*set_key)(struct reg_store *s, const char *number, const char *key, struct diag_list *dl);
    /* The number of the quote with idempotency key `key`: 0 and *number
     * (malloc'd), 1 if none has it (no diagnostic), or -1. */
    int (*find_key)(struct reg_store *s, const char *key, char **number, struct diag_list *dl);

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
    /* Number, year and seq, PDF size, PDF digest and desk of every quote committed at or before
     * created_by (seconds since the epoch; a quote whose commit time is not
     * known counts as old enough), without the bytes. */
    int (*pdf_refs)(struct reg_store *s, int64_t created_by, struct reg_pdf_ref **out, size_t *n,
                    struct diag_list *dl);

    /* ---- copying a register (register_copy.c) ---- */

    /* Every year's series, by year (*out malloc'd, free() it).  (Raising
     * one is raise_series.) */
    int (*series_all)(struct reg_store *s, struct reg_series **out, size_t *n, struct diag_list *dl);

    /* ---- final bills (schema 6) ---- */

    /* Store a bill; *id receives its id: b->id when given (a copy keeps
     * the source's ids; fails, storing nothing, if that id is taken, and
     * later bills still get ids above every stored one), else the next.
     * Nothing stored is ever changed or deleted (the storage refuses).  In a
     * transaction. */
    int (*put_bill)(struct reg_store *s, const struct reg_new_bill *b, long long *id,
                    struct diag_list *dl);
    /* The bills attached to number, bytes included, oldest first (by id). */
    int (*bills)(struct reg_store *s, const char *number, struct reg_bill **out, size_t *n,
                 struct diag_list *dl);
    /* Append an explanation (its id is ignored).  In a transaction. */
    int (*put_bill_note)(struct reg_store *s, const struct reg_bill_note *note, struct diag_list *dl);
    /* The explanations of number's comparison, oldest first. */
    int (*bill_notes)(struct reg_store *s, const char *number, struct reg_bill_note **out, size_t *n,
                      struct diag_list *dl);
    /* The numbers that have at least one bill (*out: malloc'd array of
     * malloc'd strings), in number order. */
    int (*billed_numbers)(struct reg_store *s, char ***out, size_t *n, struct diag_list *dl);
    /* ---- the patient's side (schema 7) ---- */

    /* Store a signed acceptance, bytes included; fails, storing nothing, if
     * the quote has one already.  In a transaction. */
    int (*put_acceptance)(struct reg_store *s, const struct reg_acceptance *a, struct diag_list *dl);
    /* The acceptance of number (zeroed first; the signature and the accepted
     * copy only with with_bytes).  Returns 0, 1 if none (no diagnostic), or -1. */
    int (*get_acceptance)(struct reg_store *s, const char *number, bool with_bytes,
                          struct reg_acceptance *a, struct diag_list *dl);

    /* Append a delivery record (how the estimate reached the patient).  In a
     * transaction. */
    int (*add_delivery)(struct reg_store *s, const struct reg_delivery *d, struct diag_list *dl);
    /* The delivery records of number, in the order appended. */
    int (*deliveries)(struct reg_store *s, const char *number, struct reg_delivery **out, size_t *n,
                      struct diag_list *dl);
    /* Record the patient's consent to receive number by e-mail at address.
     * In a transaction. */
    int (*add_email_consent)(struct reg_store *s, const char *number, const char *address, const char *at,
                             const char *actor, struct diag_list *dl);
    /* Whether consent to e-mail number to address is recorded: 0 yes, 1 no
     * (no diagnostic), -1 error. */
    int (*email_consent)(struct reg_store *s, const char *number, const char *address, struct diag_list *dl);
    /* Every consent recorded for number (any address), in the order
     * recorded (for copying a register). */
    int (*email_consents)(struct reg_store *s, const char *number, struct reg_email_consent **out, size_t *n,
                          struct diag_list *dl);

    /* ---- keeping it ---- */

    /* Write a consistent copy of the whole register (as of one moment,
     * while others may go on issuing) to the file dest, which a later
     * open() can use as the register: readable by its owner only (0600),
     * whole or not at all (written under a temporary name beside dest,
     * synced, then renamed over it).  dest may not be the register's own
     * storage.  Outside a transaction. */
    int (*backup)(struct reg_store *s, const char *dest, struct diag_list *dl);
    /* Check that the storage itself is sound (its structure, not the
     * register's rules): 0 sound; 1 damaged, with what the check found in
     * finding[0..size) (no diagnostic: register.c words it); -1 when it
     * could not check.  Outside a transaction. */
    int (*check)(struct reg_store *s, char *finding, size_t size, struct diag_list *dl);
    /* ---- staff accounts (schema 5) ---- */

    /* Store a new account.  Fails, storing nothing, if the name is taken.
     * In a transaction. */
    int (*user_insert)(struct reg_store *s, const struct reg_user *u, struct diag_list *dl);
    /* Fill u (zeroed first) with the account named username.  Returns 0, 1
     * if there is none (no diagnostic), or -1. */
    int (*user_get)(struct reg_store *s, const char *username, struct reg_user *u, struct diag_list *dl);
    /* Every account, by name. */
    int (*user_list)(struct reg_store *s, struct reg_user **out, size_t *n, struct diag_list *dl);
    /* Replace an existing account's role, password_hash, disabled,
     * failed_logins and last_failed_unix (its name and created_at stay).
     * Accounts are never deleted.  In a transaction. */
    int (*user_update)(struct reg_store *s, const struct reg_user *u, struct diag_list *dl);

    /* ---- sessions (schema 5) ---- */

    /* Store a new open session under the SHA-256 (hex) of its id.  In a
     * transaction. */
    int (*session_insert)(struct reg_store *s, const char *id_sha256, const char *username, int64_t created_unix,
                          struct diag_list *dl);
    /* Fill out (zeroed first) with the session stored under id_sha256.
     * Returns 0, 1 if there is none (no diagnostic), or -1. */
    int (*session_get)(struct reg_store *s, const char *id_sha256, struct reg_session *out, struct diag_list *dl);
    /* Set an open session's last use.  In a transaction. */
    int (*session_touch)(struct reg_store *s, const char *id_sha256, int64_t last_seen_unix, struct diag_list *dl);
    /* End the open session stored under id_sha256, or (id_sha256 NULL) every
     * open session of username, at ended_unix with a reason; *ended counts
     * them.  In a transaction. */
    int (*session_end)(struct reg_store *s, const char *id_sha256, const char *username, int64_t ended_unix,
                       const char *reason, long long *ended, struct diag_list *dl);

    /* ---- the audit chain (schema 5) ---- */

    /* The chain's recorded head: the last link's position and hash (0 and
     * 64 '0's for an empty chain). */
    int (*audit_head)(struct reg_store *s, int64_t *seq, char hash[65], struct diag_list *dl);
    /* Append ev to the history with its link (position seq, the previous
     * hash, its own hash) and record that link as the head, all at once.
     * In a transaction. */
    int (*audit_append)(struct reg_store *s, const struct reg_new_event *ev, int64_t seq, const char *prev,
                        const char *hash, struct diag_list *dl);
    /* Store the link of an event already in the history (ref from
     * audit_rows) and record it as the head: for chaining the events of an
     * older register once, when it is migrated.  In a transaction. */
    int (*audit_link)(struct reg_store *s, int64_t ref, int64_t seq, const char *prev, const char *hash,
                      struct diag_list *dl);
    /* At most limit events matching q (NULL: all) with their links, in the
     * order appended (newest first if q says so), after the event `after`
     * (0: from the first; newest first: before it). */
    int (*audit_rows)(struct reg_store *s, const struct reg_audit_query *q, int64_t after, size_t limit,
                      struct reg_audit_row **out, size_t *n, struct diag_list *dl);
};

/* For the core's own modules over the register (accounts.c, audit.c): the
 * engine and the store behind r. */
const struct reg_engine *register_engine_of(struct reg *r, struct reg_store **s);

/* The engines this build has (register.c picks one by locator). */
extern const struct reg_engine reg_engine_sqlite;
extern const struct reg_engine reg_engine_pg;

#endif
