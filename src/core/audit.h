/* audit — the audit trail: every change in the register is a history event
 * (actor, time, kind, the quote it concerns, a detail), and every event is
 * a link in a hash chain, so that an event edited, deleted, inserted or
 * reordered behind the program's back (with the sqlite3 shell, say) is
 * found by audit_verify(), which names the first broken one.
 *
 * The chain.  Event number n (n = 1, 2, …, in the order appended) stores
 * prev = the hash of event n-1 (64 '0's for the first) and
 *
 *     hash = lowercase hex SHA-256 of
 *            "regenquote-audit-1\n" n "\n" prev "\n"
 *            L(at) L(actor) L(kind) L(quote) L(detail)
 *
 * where L(x) is x's length in bytes, ':', x and "\n" (a detail that is
 * absent is "-1:\n"), quote is the quote number or "-" for an event about
 * the register itself (a sign-in, an account, the price tables), and at is
 * the UTC time YYYY-MM-DDTHH:MM:SSZ.  The register also records the head
 * (the last link's position and hash), so that events deleted from the end
 * are found too.  What the chain cannot prove (it has no secret: whoever can
 * write the file can rewrite the chain from an event onwards) is in
 * SECURITY.md; an anchor (a position and hash noted outside the register)
 * checks that too.
 *
 * Memory: strings in the structures below are malloc'd; release them with
 * the matching *_free(). */
#ifndef RQ_AUDIT_H
#define RQ_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "register.h"

struct reg_new_event;

/* One event of the trail. */
struct audit_event {
    int64_t seq;                 /* its position in the chain, 0 if it has no link */
    char *at, *actor, *kind;
    char *quote;                 /* a quote number, or NULL for the register itself */
    char *detail;                /* may be NULL */
    char hash[65];               /* its link's hash ("" without a link) */
};
void audit_events_free(struct audit_event *v, size_t n);

/* Which events audit_list() returns: every condition given (non-NULL)
 * must hold. */
struct audit_filter {
    const char *actor;           /* exactly this account */
    const char *kind;            /* exactly this kind ("issued", "login failed", …) */
    const char *quote;           /* about this quote number */
    bool has_from, has_to;
    rq_date from, to;            /* UTC dates, inclusive */
    bool newest_first;           /* else oldest first */
    size_t limit;                /* at most this many (0: all) */
};

/* The events matching f.  *out is a malloc'd array of *n events (free with
 * audit_events_free).  Returns 0, or -1 with a diagnostic. */
int audit_list(struct reg *r, const struct audit_filter *f, struct audit_event **out, size_t *n,
               struct diag_list *dl);

/* What audit_verify() found.  When the trail is intact, broken_* are
 * empty; else they describe the first event (in the order stored) where it
 * is broken, and problem says how. */
struct audit_report {
    bool intact;
    int64_t events;              /* events checked */
    int64_t head_seq;            /* the last link: position and hash */
    char head_hash[65];
    int64_t broken_seq;          /* the position it should have had */
    char broken_at[32], broken_kind[64], broken_quote[65];
    char problem[240];           /* one sentence, no full stop */
};

/* A link noted outside the register (position and hash), checked by
 * audit_verify when given. */
struct audit_anchor {
    int64_t seq;
    char hash[65];
};

/* Parse "SEQ:HASH" into *a; false if it is not one. */
bool audit_anchor_parse(const char *s, struct audit_anchor *a);

/* Walk the whole trail, recomputing every link: fills *rep.  Returns 0
 * (intact or not: see rep->intact), or -1 when the register cannot be
 * read. */
int audit_verify(struct reg *r, const struct audit_anchor *anchor, struct audit_report *rep,
                 struct diag_list *dl);

/* Record an event of kind about quote (NULL: the register itself) by
 * actor, now, in a transaction of its own.  Returns 0 or -1. */
int audit_record(struct reg *r, const char *kind, const char *quote, const char *actor, const char *detail,
                 struct diag_list *dl);

/* The hash of an event at position seq after a link whose hash is prev
 * (the format above) into out. */
void audit_link_hash(int64_t seq, const char *prev, const struct reg_new_event *ev, char out[65]);

/* ---- for the core's register code (register.c) ----------------------- */

/* Append ev to the history as the next link of the chain.  In a
 * transaction.  Returns 0 or -1 with a diagnostic. */
int audit_append(struct reg *r, const struct reg_new_event *ev, struct diag_list *dl);

/* Chain the events of a register older than the audit chain, in the order
 * they were appended (once, while it is migrated, in its transaction). */
int audit_chain_existing(struct reg *r, struct diag_list *dl);

#endif
