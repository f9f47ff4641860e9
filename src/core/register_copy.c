/* register_copy — a whole register moved from one store to another
 * (register_copy() in register.h): SQLite to PostgreSQL and back, or
 * between two of either.
 *
 * Quote by quote, each in one transaction of the target (quote, PDF, price
 * tables, status, history, the series raised to its number), in number
 * order, a revision after the quote it replaces.  A quote already in the
 * target is checked to be the same (number, PDF digest, request, lines)
 * and only the history it lacks is appended, so a run that was interrupted
 * is resumed by running it again.  The end: the register's own events, the
 * series, the pattern; then every PDF is read back from the target and its
 * SHA-256 compared with the source's. */
#include "register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
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
 * the start of the source's?  Then append the rest and bring its status up
 * to date (one transaction).  Returns 0, or -1 with a diagnostic. */
static int bring_up_to_date(struct copy *c, const struct reg_entry *s, const struct reg_event *sev, size_t sn)
{
    struct reg *dst = c->dst;
    struct reg_entry d;
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
    bool status = !same_str(d.status, s->status) || !same_str(d.superseded_by, s->superseded_by);
    if (dn == sn && !status) {
        rc = 0;
        goto out;
    }
    if (dst->eng->begin(dst->s, c->dl) != 0)
        goto out;
    if ((status && dst->eng->set_status(dst->s, s->number, s->status, s->superseded_by, c->dl) != 0) ||
        add_events(dst, s->number, sev, dn, sn, c->dl) != 0 || dst->eng->commit(dst->s, c->dl) != 0) {
        dst->eng->rollback(dst->s);
        goto out;
    }
    c->rep->events += sn - dn;
    rc = 0;
out:
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
    char *clinic = NULL, *catalog = NULL;
    int rc = -1;
    if (register_get(src, q->number, true, &s, c->dl) != 0)
        return -1;
    char sha[65];
    sha256_hex(s.pdf ? s.pdf : (const unsigned char *)"", s.pdf_len, sha);
    if (!s.pdf_sha256 || strcmp(sha, s.pdf_sha256) != 0) {
        diag_error(c->dl, src->locator, NULL,
                   "the stored PDF of %s does not match its digest; the source register is damaged", s.number);
        goto out;
    }
    if (src->eng->history(src->s, s.number, &sev, &sn, c->dl) != 0)
        goto out;
    int there = dst->eng->has_quote(dst->s, s.number, c->dl);
    if (there < 0)
        goto out;
    if (there == 1) {
        rc = bring_up_to_date(c, &s, sev, sn);
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
        add_events(dst, s.number, sev, 0, sn, c->dl) != 0 ||
        dst->eng->raise_series(dst->s, s.year, s.seq, c->dl) != 0 || dst->eng->commit(dst->s, c->dl) != 0) {
        dst->eng->rollback(dst->s);
        goto out;
    }
    c->rep->copied++;
    c->rep->events += sn;
    rc = 0;
out:
    if (rc == 0)
        c->done[i] = true;
    free(clinic);
    free(catalog);
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
 * its number of events must be the source's. */
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
        size_t sn = 0, dn = 0;
        int rc = src->eng->history(src->s, s.number, &ev, &sn, c->dl);
        if (rc == 0) {
            reg_events_free(ev, sn);
            rc = dst->eng->history(dst->s, s.number, &ev, &dn, c->dl);
            if (rc == 0)
                reg_events_free(ev, dn);
        }
        if (rc != 0) {
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
        } else {
            c->rep->verified++;
        }
        reg_entry_free(&s);
        reg_entry_free(&d);
    }
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
