/* register_copy — a whole register moved from one store to another
 * (register_copy() in register.h): SQLite to PostgreSQL and back, or
 * between two of either.
 *
 * First the staff accounts, in one transaction (password hashes as stored;
 * nothing refers to an account but by its name).  Then quote by quote,
 * each in one transaction of the target (quote, PDF, price tables, status,
 * history, the series raised to its number, and what belongs to the quote:
 * its final bills with their ids, the explanations, the signed acceptance,
 * the delivery records and the e-mail consents), in number order, a
 * revision after the quote it replaces.  A quote already in the target is
 * checked to be the same (number, PDF digest, request, lines), and so is
 * each of its records there; only what the target lacks is appended, so a
 * run that was interrupted is resumed by running it again.  The end: the
 * register's own events, the series, the pattern; then everything is read
 * back from the target and compared with the source: every PDF's SHA-256,
 * each quote's events, bills (bytes and SHA-256), acceptance (the accepted
 * copy's bytes and SHA-256), deliveries and consents, and the accounts.
 * Sign-in sessions are not copied: a move signs everyone out. */
#include "register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "register_engine.h"
#include "register_int.h"
#include "sha256.h"

/* One copy run: both registers and what is known of the source. */
struct copy {
    struct reg *src, *dst;
    struct reg_entry *quotes;     /* the source's, by (year, seq) */
    size_t n;
    bool *done;
    struct reg_copy_report *rep;
    struct diag_list *dl;
};

static int by_number(const void *a, const void *b)
{
    const struct reg_entry *x = a, *y = b;
    if (x->year != y->year)
        return x->year < y->year ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return strcmp(x->number, y->number);
}

static long find(const struct copy *c, const char *number)
{
    for (size_t i = 0; number && i < c->n; i++)
        if (!strcmp(c->quotes[i].number, number))
            return (long)i;
    return -1;
}

static bool same_str(const char *a, const char *b)
{
    return a ? b && !strcmp(a, b) : !b;
}

static bool same_event(const struct reg_event *a, const struct reg_event *b)
{
    return same_str(a->at, b->at) && same_str(a->actor, b->actor) && same_str(a->action, b->action) &&
           same_str(a->detail, b->detail);
}

static bool same_bytes(const unsigned char *a, size_t na, const unsigned char *b, size_t nb)
{
    return na == nb && (na == 0 || !memcmp(a, b, na));
}

/* Is the SHA-256 of bytes the recorded digest? */
static bool digest_ok(const unsigned char *bytes, size_t len, const char *recorded)
{
    char sha[65];
    sha256_hex(bytes ? bytes : (const unsigned char *)"", len, sha);
    return recorded && !strcmp(sha, recorded);
}

/* ---- what belongs to a quote beside its history ---------------------------- */

/* One register's records of one quote. */
struct side {
    struct reg_bill *bills;
    size_t nbills;
    struct reg_bill_note *notes;
    size_t nnotes;
    struct reg_acceptance acc;
    bool has_acc;
    struct reg_delivery *dels;
    size_t ndels;
    struct reg_email_consent *cons;
    size_t ncons;
};

static void side_free(struct side *x)
{
    reg_bills_free(x->bills, x->nbills);
    reg_bill_notes_free(x->notes, x->nnotes);
    if (x->has_acc)
        reg_acceptance_free(&x->acc);
    reg_deliveries_free(x->dels, x->ndels);
    reg_email_consents_free(x->cons, x->ncons);
    memset(x, 0, sizeof *x);
}

/* Read number's records from r, bytes included.  0, or -1 with a diagnostic. */
static int side_read(struct reg *r, const char *number, struct side *x, struct diag_list *dl)
{
    memset(x, 0, sizeof *x);
    int acc = -1;                 /* 0: there is one, 1: none, -1: error */
    if (r->eng->bills(r->s, number, &x->bills, &x->nbills, dl) == 0 &&
        r->eng->bill_notes(r->s, number, &x->notes, &x->nnotes, dl) == 0)
        acc = r->eng->get_acceptance(r->s, number, true, &x->acc, dl);
    x->has_acc = acc == 0;
    if (acc < 0 || r->eng->deliveries(r->s, number, &x->dels, &x->ndels, dl) != 0 ||
        r->eng->email_consents(r->s, number, &x->cons, &x->ncons, dl) != 0) {
        side_free(x);
        return -1;
    }
    return 0;
}

/* The first field in which two records differ, as a message names it, or NULL. */
static const char *bill_differs(const struct reg_bill *a, const struct reg_bill *b)
{
    if (a->id != b->id)
        return "its id";
    if (!same_bytes(a->bytes, a->len, b->bytes, b->len) || !same_str(a->sha256, b->sha256))
        return "its file";
    if (!same_str(a->bill_date, b->bill_date) || !same_str(a->format, b->format) ||
        !same_str(a->file_name, b->file_name) || !same_str(a->lines_json, b->lines_json))
        return "what was read from it";
    if (!same_str(a->given_for, b->given_for) || a->corrects != b->corrects)
        return "the quote or bill it was given for";
    if (!same_str(a->added_by, b->added_by) || !same_str(a->added_at, b->added_at))
        return "who added it or when";
    return NULL;
}

static const char *note_differs(const struct reg_bill_note *a, const struct reg_bill_note *b)
{
    if (a->line != b->line || !same_str(a->row_key, b->row_key))
        return "the line it explains";
    if (!same_str(a->text, b->text))
        return "its text";
    if (!same_str(a->written_by, b->written_by) || !same_str(a->written_at, b->written_at))
        return "who wrote it or when";
    return NULL;
}

static const char *acceptance_differs(const struct reg_acceptance *a, const struct reg_acceptance *b)
{
    if (!same_bytes(a->accepted_pdf, a->accepted_len, b->accepted_pdf, b->accepted_len) ||
        !same_str(a->accepted_sha256, b->accepted_sha256))
        return "the accepted copy";
    if (!same_bytes(a->signature, a->signature_len, b->signature, b->signature_len) ||
        !same_str(a->signature_type, b->signature_type))
        return "the signature";
    if (!same_str(a->signer, b->signer) || !same_str(a->signed_at, b->signed_at) ||
        !same_str(a->witness, b->witness) || !same_str(a->how, b->how))
        return "who signed, when or how";
    if (!same_str(a->notice_state, b->notice_state) || !same_str(a->notice_sha256, b->notice_sha256) ||
        !same_str(a->pdf_sha256, b->pdf_sha256) || !same_str(a->tables_sha256, b->tables_sha256))
        return "the estimate or notice it accepts";
    return NULL;
}

static const char *delivery_differs(const struct reg_delivery *a, const struct reg_delivery *b)
{
    if (!same_str(a->how, b->how) || !same_str(a->detail, b->detail))
        return "how it was delivered";
    if (!same_str(a->at, b->at) || !same_str(a->actor, b->actor))
        return "who delivered it or when";
    return NULL;
}

static const char *consent_differs(const struct reg_email_consent *a, const struct reg_email_consent *b)
{
    if (!same_str(a->address, b->address))
        return "its address";
    if (!same_str(a->at, b->at) || !same_str(a->actor, b->actor))
        return "who recorded it or when";
    return NULL;
}

/* Are the target's records of number (d) the start of the source's (s),
 * each equal?  0 yes; else -1 with a diagnostic naming the quote, the
 * record and what differs (verifying: d is the finished copy). */
static int side_check(struct reg *dst, const char *number, const struct side *s, const struct side *d, bool verifying,
                      struct diag_list *dl)
{
    const struct {
        const char *name;
        size_t src, dst;
    } kinds[] = {
        { "bills", s->nbills, d->nbills },
        { "bill explanations", s->nnotes, d->nnotes },
        { "signed acceptances", s->has_acc, d->has_acc },
        { "delivery records", s->ndels, d->ndels },
        { "e-mail consents", s->ncons, d->ncons },
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (kinds[k].dst > kinds[k].src || (verifying && kinds[k].dst != kinds[k].src)) {
            diag_error(dl, dst->locator, NULL, "quote %s has %zu %s in the %s and %zu in the source%s", number,
                       kinds[k].dst, kinds[k].name, verifying ? "copy" : "target register", kinds[k].src,
                       verifying ? "" : "; nothing more was copied");
            return -1;
        }
    const char *f = NULL, *what = NULL;
    char which[80] = "";
    for (size_t i = 0; !f && i < d->nbills; i++)
        if ((f = bill_differs(&s->bills[i], &d->bills[i])) != NULL) {
            what = "bill";
            snprintf(which, sizeof which, " %lld", s->bills[i].id);
        }
    for (size_t i = 0; !f && i < d->nnotes; i++)
        if ((f = note_differs(&s->notes[i], &d->notes[i])) != NULL) {
            what = "bill explanation";
            snprintf(which, sizeof which, " %zu", i + 1);
        }
    if (!f && d->has_acc && (f = acceptance_differs(&s->acc, &d->acc)) != NULL)
        what = "the signed acceptance";
    for (size_t i = 0; !f && i < d->ndels; i++)
        if ((f = delivery_differs(&s->dels[i], &d->dels[i])) != NULL) {
            what = "delivery record";
            snprintf(which, sizeof which, " %zu", i + 1);
        }
    for (size_t i = 0; !f && i < d->ncons; i++)
        if ((f = consent_differs(&s->cons[i], &d->cons[i])) != NULL) {
            what = "e-mail consent";
            snprintf(which, sizeof which, " %zu", i + 1);
        }
    if (!f)
        return 0;
    if (verifying)
        diag_error(dl, dst->locator, NULL, "the copy of %s%s of quote %s is not the source's (%s)", what, which, number,
                   f);
    else
        diag_error(dl, dst->locator, NULL,
                   "%s%s of quote %s is already in the target register and differs from the source's (%s); nothing "
                   "more was copied",
                   what, which, number, f);
    return -1;
}

/* In the finished copy, each bill's file and the accepted copy hash to
 * their recorded SHA-256.  0, or -1 with a diagnostic. */
static int side_digests(struct reg *dst, const char *number, const struct side *d, struct diag_list *dl)
{
    for (size_t i = 0; i < d->nbills; i++)
        if (!digest_ok(d->bills[i].bytes, d->bills[i].len, d->bills[i].sha256)) {
            diag_error(dl, dst->locator, NULL, "the copy of bill %lld of quote %s does not match its SHA-256",
                       d->bills[i].id, number);
            return -1;
        }
    if (d->has_acc && !digest_ok(d->acc.accepted_pdf, d->acc.accepted_len, d->acc.accepted_sha256)) {
        diag_error(dl, dst->locator, NULL, "the accepted copy of quote %s does not match its SHA-256", number);
        return -1;
    }
    return 0;
}

/* What the target lacks of the source's records (d the start of s). */
struct added {
    size_t bills, notes, acceptances, deliveries, consents;
};

/* Append to dst what d lacks of s, in this order: bills (keeping their
 * ids, so a correction still names the bill it corrects), explanations,
 * the acceptance, deliveries, consents.  In dst's transaction.  *add
 * counts them.  0, or -1 with a diagnostic. */
static int side_append(struct reg *dst, const char *number, const struct side *s, const struct side *d,
                       struct added *add, struct diag_list *dl)
{
    memset(add, 0, sizeof *add);
    for (size_t i = d->nbills; i < s->nbills; i++) {
        const struct reg_bill *b = &s->bills[i];
        struct reg_new_bill nb = {
            .number = number, .given_for = b->given_for, .bill_date = b->bill_date, .format = b->format,
            .file_name = b->file_name, .bytes = b->bytes, .len = b->len, .sha256 = b->sha256,
            .lines_json = b->lines_json, .corrects = b->corrects, .added_by = b->added_by,
            .added_at = b->added_at, .id = b->id,
        };
        long long id = 0;
        if (dst->eng->put_bill(dst->s, &nb, &id, dl) != 0)
            return -1;
        if (id != b->id) {
            diag_error(dl, dst->locator, NULL, "bill %lld of quote %s was stored as bill %lld; nothing more was copied",
                       b->id, number, id);
            return -1;
        }
        add->bills++;
    }
    for (size_t i = d->nnotes; i < s->nnotes; i++) {
        if (dst->eng->put_bill_note(dst->s, &s->notes[i], dl) != 0)
            return -1;
        add->notes++;
    }
    if (s->has_acc && !d->has_acc) {
        if (dst->eng->put_acceptance(dst->s, &s->acc, dl) != 0)
            return -1;
        add->acceptances++;
    }
    for (size_t i = d->ndels; i < s->ndels; i++) {
        if (dst->eng->add_delivery(dst->s, &s->dels[i], dl) != 0)
            return -1;
        add->deliveries++;
    }
    for (size_t i = d->ncons; i < s->ncons; i++) {
        const struct reg_email_consent *k = &s->cons[i];
        if (dst->eng->add_email_consent(dst->s, number, k->address, k->at, k->actor, dl) != 0)
            return -1;
        add->consents++;
    }
    return 0;
}

static bool side_pending(const struct side *s, const struct side *d)
{
    return d->nbills < s->nbills || d->nnotes < s->nnotes || (s->has_acc && !d->has_acc) || d->ndels < s->ndels ||
           d->ncons < s->ncons;
}

/* The source's records of a quote counted in the report; add: what this
 * run appended (committed). */
static void count_side(struct reg_copy_report *rep, const struct side *s, const struct added *add)
{
    rep->bills.source += s->nbills;
    rep->bill_notes.source += s->nnotes;
    rep->acceptances.source += s->has_acc;
    rep->deliveries.source += s->ndels;
    rep->consents.source += s->ncons;
    rep->bills.copied += add->bills;
    rep->bill_notes.copied += add->notes;
    rep->acceptances.copied += add->acceptances;
    rep->deliveries.copied += add->deliveries;
    rep->consents.copied += add->consents;
}

/* ---- staff accounts ---------------------------------------------------------- */

static const char *account_differs(const struct reg_user *a, const struct reg_user *b)
{
    if (!same_str(a->password_hash, b->password_hash))
        return "its password";
    if (!same_str(a->role, b->role))
        return "its role";
    if (a->disabled != b->disabled)
        return a->disabled ? "it is disabled in the source" : "it is disabled in the target";
    if (!same_str(a->created_at, b->created_at))
        return "when it was added";
    return NULL;
}

/* Every account of the source the target lacks, in one transaction, as
 * stored (hash, role, disabled, created, failed sign-ins); an account the
 * target has already must be the source's (its lockout count is the
 * target's own and is not compared).  Accounts only the target has stay. */
static int copy_accounts(struct copy *c)
{
    struct reg *src = c->src, *dst = c->dst;
    struct reg_user *su = NULL, *du = NULL;
    size_t sn = 0, dn = 0, added = 0;
    int rc = -1;
    if (src->eng->user_list(src->s, &su, &sn, c->dl) != 0 || dst->eng->user_list(dst->s, &du, &dn, c->dl) != 0)
        goto out;
    c->rep->accounts.source = sn;
    bool began = false;
    for (size_t i = 0; i < sn; i++) {
        const struct reg_user *there = NULL;
        for (size_t j = 0; !there && j < dn; j++)
            if (same_str(su[i].username, du[j].username))
                there = &du[j];
        if (there) {
            const char *f = account_differs(&su[i], there);
            if (f) {
                diag_error(c->dl, dst->locator, NULL,
                           "account '%s' is already in the target register and differs from the source's (%s); "
                           "nothing was copied",
                           su[i].username, f);
                goto fail;
            }
            continue;
        }
        if (!began && dst->eng->begin(dst->s, c->dl) != 0)
            goto out;
        began = true;
        if (dst->eng->user_insert(dst->s, &su[i], c->dl) != 0)
            goto fail;
        added++;
    }
    if (began && dst->eng->commit(dst->s, c->dl) != 0)
        goto out;
    c->rep->accounts.copied = added;
    rc = 0;
    goto out;
fail:
    if (began)
        dst->eng->rollback(dst->s);
out:
    reg_users_free(su, sn);
    reg_users_free(du, dn);
    return rc;
}

/* Every account of the source is in the target, the same. */
static int verify_accounts(struct copy *c)
{
    struct reg *src = c->src, *dst = c->dst;
    struct reg_user *su = NULL, *du = NULL;
    size_t sn = 0, dn = 0, bad = 0;
    if (src->eng->user_list(src->s, &su, &sn, c->dl) != 0 || dst->eng->user_list(dst->s, &du, &dn, c->dl) != 0) {
        reg_users_free(su, sn);
        return -1;
    }
    for (size_t i = 0; i < sn; i++) {
        const struct reg_user *there = NULL;
        for (size_t j = 0; !there && j < dn; j++)
            if (same_str(su[i].username, du[j].username))
                there = &du[j];
        const char *f = there ? account_differs(&su[i], there) : "it is missing";
        if (f && bad++ < 5)
            diag_error(c->dl, dst->locator, NULL, "the copy of account '%s' is not the source's (%s)", su[i].username, f);
    }
    reg_users_free(su, sn);
    reg_users_free(du, dn);
    return bad ? -1 : 0;
}

static int add_events(struct reg *r, const char *number, const struct reg_event *ev, size_t from, size_t n,
                      struct diag_list *dl)
{
    for (size_t i = from; i < n; i++) {
        struct reg_new_event ne = {
            .number = number, .at = ev[i].at, .actor = ev[i].actor, .action = ev[i].action, .detail = ev[i].detail,
        };
        /* chained in the target's audit trail, with their own time and actor */
        if (audit_append(r, &ne, dl) != 0)
            return -1;
    }
    return 0;
}

/* A quote the target has already: the same quote, whose history there is
 * the start of the source's, and whose records there (ss: the source's)
 * are the start of the source's?  Then append the rest and bring its
 * status up to date (one transaction).  Returns 0, or -1 with a diagnostic. */
static int bring_up_to_date(struct copy *c, const struct reg_entry *s, const struct reg_event *sev, size_t sn,
                            const struct side *ss)
{
    struct reg *dst = c->dst;
    struct reg_entry d;
    struct side ds = { 0 };
    struct added add = { 0 };
    int rc = -1;
    if (dst->eng->get(dst->s, s->number, false, &d, c->dl) != 0)
        return -1;
    struct reg_event *dev = NULL;
    size_t dn = 0;
    if (!same_str(d.pdf_sha256, s->pdf_sha256) || !same_str(d.request_json, s->request_json) ||
        !same_str(d.quote_json, s->quote_json) || !same_str(d.issued, s->issued) || d.year != s->year ||
        d.seq != s->seq) {
        diag_error(c->dl, dst->locator, NULL,
                   "quote %s is already in the target register and differs from the source's; nothing more was copied",
                   s->number);
        goto out;
    }
    if (dst->eng->history(dst->s, s->number, &dev, &dn, c->dl) != 0)
        goto out;
    bool prefix = dn <= sn;
    for (size_t i = 0; prefix && i < dn; i++)
        prefix = same_event(&dev[i], &sev[i]);
    if (!prefix) {
        diag_error(c->dl, dst->locator, NULL,
                   "the history of quote %s in the target register is not the source's; nothing more was copied",
                   s->number);
        goto out;
    }
    if (side_read(dst, s->number, &ds, c->dl) != 0 || side_check(dst, s->number, ss, &ds, false, c->dl) != 0)
        goto out;
    bool status = !same_str(d.status, s->status) || !same_str(d.superseded_by, s->superseded_by);
    if (dn == sn && !status && !side_pending(ss, &ds)) {
        count_side(c->rep, ss, &add);
        rc = 0;
        goto out;
    }
    if (dst->eng->begin(dst->s, c->dl) != 0)
        goto out;
    if ((status && dst->eng->set_status(dst->s, s->number, s->status, s->superseded_by, c->dl) != 0) ||
        add_events(dst, s->number, sev, dn, sn, c->dl) != 0 || side_append(dst, s->number, ss, &ds, &add, c->dl) != 0 ||
        dst->eng->commit(dst->s, c->dl) != 0) {
        dst->eng->rollback(dst->s);
        goto out;
    }
    c->rep->events += sn - dn;
    count_side(c->rep, ss, &add);
    rc = 0;
out:
    side_free(&ds);
    reg_events_free(dev, dn);
    reg_entry_free(&d);
    return rc;
}

/* Copy the source's quote i (after the quote it replaces), unless done. */
static int copy_one(struct copy *c, size_t i, int depth)
{
    if (c->done[i])
        return 0;
    const struct reg_entry *q = &c->quotes[i];
    long prev = find(c, q->supersedes);
    if (prev >= 0 && depth < 1000 && copy_one(c, (size_t)prev, depth + 1) != 0)
        return -1;
    struct reg *src = c->src, *dst = c->dst;
    struct reg_entry s;
    struct reg_event *sev = NULL;
    size_t sn = 0;
    struct side ss = { 0 }, none = { 0 };
    struct added add = { 0 };
    char *clinic = NULL, *catalog = NULL;
    int rc = -1;
    if (register_get(src, q->number, true, &s, c->dl) != 0)
        return -1;
    if (!digest_ok(s.pdf, s.pdf_len, s.pdf_sha256)) {
        diag_error(c->dl, src->locator, NULL,
                   "the stored PDF of %s does not match its digest; the source register is damaged", s.number);
        goto out;
    }
    if (src->eng->history(src->s, s.number, &sev, &sn, c->dl) != 0 || side_read(src, s.number, &ss, c->dl) != 0)
        goto out;
    for (size_t b = 0; b < ss.nbills; b++)
        if (!digest_ok(ss.bills[b].bytes, ss.bills[b].len, ss.bills[b].sha256)) {
            diag_error(c->dl, src->locator, NULL,
                       "bill %lld of %s does not match its digest; the source register is damaged", ss.bills[b].id,
                       s.number);
            goto out;
        }
    if (ss.has_acc && !digest_ok(ss.acc.accepted_pdf, ss.acc.accepted_len, ss.acc.accepted_sha256)) {
        diag_error(c->dl, src->locator, NULL,
                   "the accepted copy of %s does not match its digest; the source register is damaged", s.number);
        goto out;
    }
    int there = dst->eng->has_quote(dst->s, s.number, c->dl);
    if (there < 0)
        goto out;
    if (there == 1) {
        rc = bring_up_to_date(c, &s, sev, sn, &ss);
        goto out;
    }
    if (register_get_tables(src, s.tables_sha256, &clinic, &catalog, c->dl) != 0)
        goto out;
    struct reg_tables t = {
        .sha256 = s.tables_sha256, .version = s.tables_version, .clinic_json = clinic, .catalog_json = catalog,
    };
    struct reg_new_quote nq = {
        .number = s.number, .year = s.year, .seq = s.seq, .status = s.status,
        .patient_id = s.patient_id, .patient_name = s.patient_name,
        .issued = s.issued, .valid_until = s.valid_until, .scheduled = s.scheduled, .estimate_due = s.estimate_due,
        .total_cents = s.total_cents, .language = s.language, .tables_sha256 = s.tables_sha256,
        .request_json = s.request_json, .quote_json = s.quote_json,
        .pdf = s.pdf, .pdf_len = s.pdf_len, .pdf_sha256 = s.pdf_sha256,
        .supersedes = s.supersedes, .created_unix = s.created_unix, .location = s.location, .desk = s.desk,
    };
    if (dst->eng->begin(dst->s, c->dl) != 0)
        goto out;
    if (dst->eng->put_tables(dst->s, &t, c->dl) != 0 || dst->eng->insert_quote(dst->s, &nq, c->dl) != 0 ||
        (s.superseded_by && dst->eng->set_status(dst->s, s.number, s.status, s.superseded_by, c->dl) != 0) ||
        add_events(dst, s.number, sev, 0, sn, c->dl) != 0 || side_append(dst, s.number, &ss, &none, &add, c->dl) != 0 ||
        dst->eng->raise_series(dst->s, s.year, s.seq, c->dl) != 0 || dst->eng->commit(dst->s, c->dl) != 0) {
        dst->eng->rollback(dst->s);
        goto out;
    }
    c->rep->copied++;
    c->rep->events += sn;
    count_side(c->rep, &ss, &add);
    rc = 0;
    /* the kill tests: a copy interrupted between two quotes resumes */
    register_fault_point("copy-after-quote");
out:
    if (rc == 0)
        c->done[i] = true;
    free(clinic);
    free(catalog);
    side_free(&ss);
    reg_events_free(sev, sn);
    reg_entry_free(&s);
    return rc;
}

/* The register's own events ("-"): those of the source the target lacks
 * are appended; the series and the pattern are brought level.  One
 * transaction.  *changed counts the events appended. */
static int copy_register_level(struct copy *c, size_t *changed)
{
    struct reg *src = c->src, *dst = c->dst;
    struct reg_event *sev = NULL, *dev = NULL;
    size_t sn = 0, dn = 0, ns = 0;
    struct reg_series *series = NULL;
    char *pattern = NULL;
    bool *used = NULL;
    int rc = -1;
    *changed = 0;
    if (src->eng->history(src->s, "-", &sev, &sn, c->dl) != 0 || dst->eng->history(dst->s, "-", &dev, &dn, c->dl) != 0 ||
        src->eng->series_all(src->s, &series, &ns, c->dl) != 0 || src->eng->get_pattern(src->s, &pattern, c->dl) != 0)
        goto out;
    if (!(used = calloc(dn + 1, sizeof *used))) {
        diag_error(c->dl, dst->locator, NULL, "out of memory");
        goto out;
    }
    if (dst->eng->begin(dst->s, c->dl) != 0)
        goto out;
    for (size_t i = 0; i < sn; i++) {
        bool have = false;
        for (size_t j = 0; !have && j < dn; j++)
            if (!used[j] && same_event(&sev[i], &dev[j]))
                have = used[j] = true;
        if (have)
            continue;
        if (add_events(dst, "-", sev, i, i + 1, c->dl) != 0)
            goto fail;
        (*changed)++;
    }
    for (size_t i = 0; i < ns; i++)
        if (dst->eng->raise_series(dst->s, series[i].year, series[i].last, c->dl) != 0)
            goto fail;
    if (pattern && dst->eng->set_pattern(dst->s, pattern, c->dl) != 0)
        goto fail;
    if (dst->eng->commit(dst->s, c->dl) != 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    dst->eng->rollback(dst->s);
out:
    free(used);
    free(pattern);
    free(series);
    reg_events_free(sev, sn);
    reg_events_free(dev, dn);
    return rc;
}

/* Read every quote back from the target: its PDF's SHA-256, its status and
 * its number of events must be the source's, and its records (bills,
 * explanations, acceptance, deliveries, consents) the source's, equal and
 * as many, each bill and accepted copy matching its SHA-256; then the
 * accounts. */
static int verify(struct copy *c)
{
    struct reg *src = c->src, *dst = c->dst;
    size_t bad = 0;
    for (size_t i = 0; i < c->n; i++) {
        struct reg_entry s, d;
        if (register_get(src, c->quotes[i].number, false, &s, c->dl) != 0)
            return -1;
        if (register_get(dst, s.number, true, &d, c->dl) != 0) {
            reg_entry_free(&s);
            return -1;
        }
        char sha[65];
        sha256_hex(d.pdf ? d.pdf : (const unsigned char *)"", d.pdf_len, sha);
        struct reg_event *ev;
        struct side ss = { 0 }, ds = { 0 };
        size_t sn = 0, dn = 0;
        int rc = src->eng->history(src->s, s.number, &ev, &sn, c->dl);
        if (rc == 0) {
            reg_events_free(ev, sn);
            rc = dst->eng->history(dst->s, s.number, &ev, &dn, c->dl);
            if (rc == 0)
                reg_events_free(ev, dn);
        }
        if (rc == 0 && (rc = side_read(src, s.number, &ss, c->dl)) == 0)
            rc = side_read(dst, s.number, &ds, c->dl);
        if (rc != 0) {
            side_free(&ss);
            reg_entry_free(&s);
            reg_entry_free(&d);
            return -1;
        }
        char srcsha[65];
        snprintf(srcsha, sizeof srcsha, "%s", s.pdf_sha256 ? s.pdf_sha256 : "");
        if (strcmp(sha, srcsha) != 0 || !same_str(d.pdf_sha256, srcsha)) {
            if (bad++ < 5)
                diag_error(c->dl, dst->locator, NULL, "the copy of %s has another PDF than the source's (SHA-256 %.12s, not %.12s)",
                           s.number, sha, srcsha);
        } else if (dn < sn || !same_str(d.status, s.status)) {
            if (bad++ < 5)
                diag_error(c->dl, dst->locator, NULL, "the copy of %s has %zu events and status %s; the source %zu and %s",
                           s.number, dn, d.status, sn, s.status);
        } else if (side_check(dst, s.number, &ss, &ds, true, c->dl) != 0 ||
                   side_digests(dst, s.number, &ds, c->dl) != 0) {
            bad++;
        } else {
            c->rep->verified++;
        }
        side_free(&ss);
        side_free(&ds);
        reg_entry_free(&s);
        reg_entry_free(&d);
    }
    if (verify_accounts(c) != 0)
        bad++;
    return bad ? -1 : 0;
}

static size_t count_tables(const struct reg_entry *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; !seen && j < i; j++)
            seen = same_str(v[i].tables_sha256, v[j].tables_sha256);
        k += !seen;
    }
    return k;
}

/* Every quote of r (list entries, no PDF), sorted by (year, seq). */
static int all_quotes(struct reg *r, struct reg_entry **v, size_t *n, struct diag_list *dl)
{
    struct reg_query all = { 0 };
    if (r->eng->list(r->s, &all, v, n, dl) != 0)
        return -1;
    if (*n > 1)
        qsort(*v, *n, sizeof **v, by_number);
    return 0;
}

int register_copy(const char *from, const char *to, reg_copy_progress_fn progress, void *ctx,
                  struct reg_copy_report *rep, struct diag_list *dl)
{
    memset(rep, 0, sizeof *rep);
    char shown_from[512], shown_to[512];
    register_locator_display(from, shown_from, sizeof shown_from);
    register_locator_display(to, shown_to, sizeof shown_to);
    if (!strcmp(from, to)) {
        diag_error(dl, NULL, "--to", "the target is the source register; give another one");
        return -1;
    }
    struct stat st;
    if (register_locator_is_path(from) && stat(from, &st) != 0) {
        diag_error(dl, shown_from, NULL, "there is no register here; check --from");
        return -1;
    }
    struct copy c = { .rep = rep, .dl = dl };
    struct reg_entry *theirs = NULL;
    size_t n_theirs = 0;
    int rc = -1;
    if (register_open(&c.src, from, dl) != 0 ||
        register_open_copy_target(&c.dst, to, register_id(c.src), "register copy", dl) != 0)
        goto out;
    if (all_quotes(c.src, &c.quotes, &c.n, dl) != 0 || all_quotes(c.dst, &theirs, &n_theirs, dl) != 0)
        goto out;
    rep->quotes = c.n;
    rep->tables = count_tables(c.quotes, c.n);
    /* only an empty register, or one this copy filled in part */
    for (size_t i = 0; i < n_theirs; i++)
        if (find(&c, theirs[i].number) < 0) {
            diag_error(dl, shown_to, NULL,
                       "the target register already holds quote %s, which the source does not; copy into an empty "
                       "register",
                       theirs[i].number);
            goto out;
        }
    if (strcmp(register_id(c.src), register_id(c.dst)) != 0)
        diag_add(dl, DIAG_WARNING, shown_to, 0, 0, NULL,
                 "is another register (id %.8s…, the source's is %.8s…): a folder the source issued into refuses "
                 "it until 'regenquote repair --out-dir DIR' adopts that folder",
                 register_id(c.dst), register_id(c.src));
    if (!(c.done = calloc(c.n + 1, sizeof *c.done))) {
        diag_error(dl, shown_to, NULL, "out of memory");
        goto out;
    }
    /* events and bills name accounts (by name: nothing refers to an account's row) */
    if (copy_accounts(&c) != 0)
        goto out;
    for (size_t i = 0; i < c.n; i++) {
        if (copy_one(&c, i, 0) != 0)
            goto out;
        if (progress)
            progress(ctx, i + 1, c.n);
    }
    size_t own = 0;
    if (copy_register_level(&c, &own) != 0)
        goto out;
    rep->events += own;
    if (verify(&c) != 0)
        goto out;
    rc = 0;
out:
    reg_entries_free(theirs, n_theirs);
    reg_entries_free(c.quotes, c.n);
    free(c.done);
    register_close(c.src);
    register_close(c.dst);
    return rc;
}
