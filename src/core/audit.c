/* audit — the audit trail as a hash chain over the register's history
 * (audit.h). */
#include "audit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "register_engine.h"
#include "sha256.h"

#define AUDIT_FORMAT "regenquote-audit-1\n"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define PAGE 1000

/* ---- the link's hash --------------------------------------------------------------- */

/* L(x): length, ':', x, "\n"; "-1:\n" for NULL. */
static void put_field(struct sha256 *c, const char *x)
{
    char len[32];
    if (!x) {
        sha256_update(c, "-1:\n", 4);
        return;
    }
    size_t n = strlen(x);
    int k = snprintf(len, sizeof len, "%zu:", n);
    sha256_update(c, len, (size_t)k);
    sha256_update(c, x, n);
    sha256_update(c, "\n", 1);
}

void audit_link_hash(int64_t seq, const char *prev, const struct reg_new_event *ev, char out[65])
{
    struct sha256 c;
    unsigned char d[32];
    char head[48];
    sha256_init(&c);
    sha256_update(&c, AUDIT_FORMAT, sizeof AUDIT_FORMAT - 1);
    int k = snprintf(head, sizeof head, "%" PRId64 "\n", seq);
    sha256_update(&c, head, (size_t)k);
    sha256_update(&c, prev, strlen(prev));
    sha256_update(&c, "\n", 1);
    put_field(&c, ev->at);
    put_field(&c, ev->actor);
    put_field(&c, ev->action);
    put_field(&c, ev->number);
    put_field(&c, ev->detail);
    sha256_final(&c, d);
    sha256_to_hex(d, out);
}

/* ---- appending --------------------------------------------------------------------- */

int audit_append(struct reg *r, const struct reg_new_event *ev, struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    int64_t seq;
    char prev[65], hash[65];
    if (eng->audit_head(s, &seq, prev, dl) != 0)
        return -1;
    audit_link_hash(seq + 1, prev, ev, hash);
    return eng->audit_append(s, ev, seq + 1, prev, hash, dl);
}

int audit_record(struct reg *r, const char *kind, const char *quote, const char *actor, const char *detail,
                 struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    char at[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct reg_new_event ev = { .number = quote ? quote : "-", .at = at, .actor = actor, .action = kind,
                                .detail = detail };
    if (eng->begin(s, dl) != 0)
        return -1;
    if (audit_append(r, &ev, dl) != 0) {
        eng->rollback(s);
        return -1;
    }
    return eng->commit(s, dl);
}

static struct reg_new_event event_of(const struct reg_audit_row *row)
{
    return (struct reg_new_event){
        .number = row->number, .at = row->at, .actor = row->actor, .action = row->action, .detail = row->detail,
    };
}

int audit_chain_existing(struct reg *r, struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    int64_t seq, after = 0;
    char prev[65];
    if (eng->audit_head(s, &seq, prev, dl) != 0)
        return -1;
    for (;;) {
        struct reg_audit_row *rows;
        size_t n;
        if (eng->audit_rows(s, NULL, after, PAGE, &rows, &n, dl) != 0)
            return -1;
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
            after = rows[i].ref;
            if (rows[i].linked)
                continue;
            struct reg_new_event ev = event_of(&rows[i]);
            char hash[65];
            audit_link_hash(++seq, prev, &ev, hash);
            rc = eng->audit_link(s, rows[i].ref, seq, prev, hash, dl);
            memcpy(prev, hash, sizeof prev);
        }
        reg_audit_rows_free(rows, n);
        if (rc != 0)
            return -1;
        if (n < PAGE)
            return 0;
    }
}

void reg_audit_rows_free(struct reg_audit_row *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].number);
        free(v[i].at);
        free(v[i].actor);
        free(v[i].action);
        free(v[i].detail);
    }
    free(v);
}

/* ---- reading ------------------------------------------------------------------------ */

void audit_events_free(struct audit_event *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].at);
        free(v[i].actor);
        free(v[i].kind);
        free(v[i].quote);
        free(v[i].detail);
    }
    free(v);
}

int audit_list(struct reg *r, const struct audit_filter *f, struct audit_event **out, size_t *n,
               struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    *out = NULL;
    *n = 0;
    char from[16], below[16];
    struct reg_audit_query q = {
        .actor = f->actor,
        .action = f->kind,
        .number = f->quote,
        .at_from = f->has_from ? date_iso(f->from, from) : NULL,
        .at_below = f->has_to ? date_iso(f->to + 1, below) : NULL,
        .newest_first = f->newest_first,
    };
    struct audit_event *v = NULL;
    size_t cap = 0;
    int64_t after = 0;
    for (;;) {
        size_t want = PAGE;
        if (f->limit && f->limit - *n < want)
            want = f->limit - *n;
        if (want == 0)
            break;
        struct reg_audit_row *rows;
        size_t got;
        if (eng->audit_rows(s, &q, after, want, &rows, &got, dl) != 0)
            goto fail;
        if (*n + got > cap) {
            size_t ncap = cap ? cap : 64;
            while (ncap < *n + got)
                ncap *= 2;
            struct audit_event *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                reg_audit_rows_free(rows, got);
                diag_error(dl, NULL, NULL, "out of memory");
                goto fail;
            }
            v = nv;
            cap = ncap;
        }
        for (size_t i = 0; i < got; i++) {
            struct audit_event *e = &v[(*n)++];
            struct reg_audit_row *w = &rows[i];
            e->seq = w->linked ? w->seq : 0;
            e->at = w->at;
            e->actor = w->actor;
            e->kind = w->action;
            e->detail = w->detail;
            e->quote = w->number && strcmp(w->number, "-") != 0 ? w->number : NULL;
            if (!e->quote)
                free(w->number);
            snprintf(e->hash, sizeof e->hash, "%s", w->linked ? w->hash : "");
            w->at = w->actor = w->action = w->detail = w->number = NULL;
            after = w->ref;
        }
        reg_audit_rows_free(rows, got);
        if (got < want)
            break;
    }
    *out = v;
    return 0;
fail:
    audit_events_free(v, *n);
    *n = 0;
    return -1;
}

/* ---- verifying ---------------------------------------------------------------------- */

bool audit_anchor_parse(const char *s, struct audit_anchor *a)
{
    char *end;
    errno = 0;
    long long seq = strtoll(s, &end, 10);
    if (errno || end == s || seq < 1 || *end != ':' || strlen(end + 1) != 64)
        return false;
    for (const char *h = end + 1; *h; h++)
        if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
            return false;
    a->seq = seq;
    memcpy(a->hash, end + 1, 65);
    return true;
}

/* Record the first problem, at the event row (NULL: the end of the trail). */
static void broken(struct audit_report *rep, int64_t seq, const struct reg_audit_row *row, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void broken(struct audit_report *rep, int64_t seq, const struct reg_audit_row *row, const char *fmt, ...)
{
    if (!rep->intact)
        return;
    rep->intact = false;
    rep->broken_seq = seq;
    if (row) {
        snprintf(rep->broken_at, sizeof rep->broken_at, "%s", row->at ? row->at : "?");
        snprintf(rep->broken_kind, sizeof rep->broken_kind, "%s", row->action ? row->action : "?");
        snprintf(rep->broken_quote, sizeof rep->broken_quote, "%s", row->number ? row->number : "-");
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->problem, sizeof rep->problem, fmt, ap);
    va_end(ap);
}

int audit_verify(struct reg *r, const struct audit_anchor *anchor, struct audit_report *rep,
                 struct diag_list *dl)
{
    struct reg_store *s;
    const struct reg_engine *eng = register_engine_of(r, &s);
    memset(rep, 0, sizeof *rep);
    rep->intact = true;
    int64_t head_seq;
    char head_hash[65];
    if (eng->audit_head(s, &head_seq, head_hash, dl) != 0)
        return -1;
    int64_t expect = 1, after = 0;
    char prev[65] = ZERO_HASH;
    bool anchor_seen = false;
    for (;;) {
        struct reg_audit_row *rows;
        size_t n;
        if (eng->audit_rows(s, NULL, after, PAGE, &rows, &n, dl) != 0)
            return -1;
        for (size_t i = 0; i < n && rep->intact; i++) {
            struct reg_audit_row *w = &rows[i];
            after = w->ref;
            rep->events++;
            if (!w->linked) {
                broken(rep, expect, w, "this event has no link in the chain: it was added behind the program's back");
                break;
            }
            if (w->seq > expect) {
                if (w->seq == expect + 1)
                    broken(rep, expect, w, "event %" PRId64 " of the chain should come before this one: it was deleted or moved",
                           expect);
                else
                    broken(rep, expect, w,
                           "events %" PRId64 " to %" PRId64 " of the chain should come before this one: they were deleted or moved",
                           expect, w->seq - 1);
                break;
            }
            if (w->seq < expect) {
                broken(rep, expect, w, "this is event %" PRId64 " of the chain, out of its place: the events were reordered",
                       w->seq);
                break;
            }
            if (strcmp(w->prev, prev) != 0) {
                broken(rep, expect, w,
                       "this event does not follow the one before it: an event was deleted, inserted or reordered");
                break;
            }
            struct reg_new_event ev = event_of(w);
            char hash[65];
            audit_link_hash(w->seq, w->prev, &ev, hash);
            if (strcmp(hash, w->hash) != 0) {
                broken(rep, expect, w, "this event was changed after it was recorded");
                break;
            }
            if (anchor && anchor->seq == w->seq) {
                anchor_seen = true;
                if (strcmp(anchor->hash, w->hash) != 0)
                    broken(rep, expect, w,
                           "this event's hash is not the anchor's: the chain was rewritten from here or before");
            }
            memcpy(prev, w->hash, sizeof prev);
            rep->head_seq = w->seq;
            expect++;
        }
        reg_audit_rows_free(rows, n);
        if (!rep->intact || n < PAGE)
            break;
    }
    memcpy(rep->head_hash, prev, sizeof rep->head_hash);
    if (rep->intact && (head_seq != rep->head_seq || strcmp(head_hash, prev) != 0)) {
        if (head_seq > rep->head_seq)
            broken(rep, rep->head_seq + 1, NULL,
                   "the trail ends at event %" PRId64 " but its recorded head is event %" PRId64
                   ": events at the end were deleted",
                   rep->head_seq, head_seq);
        else
            broken(rep, rep->head_seq, NULL, "the trail's recorded head is not its last event: the head was changed");
    }
    if (rep->intact && anchor && !anchor_seen)
        broken(rep, anchor->seq, NULL,
               "the trail has no event %" PRId64 " (the anchor's): events at the end were deleted", anchor->seq);
    return 0;
}
