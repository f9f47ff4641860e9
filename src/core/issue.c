#include "issue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outdir.h"
#include "pricing.h"
#include "quote.h"
#include "render_pdf.h"

rq_date issue_estimate_due(rq_date booked, rq_date scheduled)
{
    int days = date_business_days_between(booked, scheduled);
    if (days >= 10)
        return date_add_business_days(booked, 3);
    if (days >= 3)
        return date_add_business_days(booked, 1);
    return booked;
}

struct render_ctx {
    const struct quote *q;
    const struct issue_opts *o;
    unsigned char *pdf;
    size_t len;
};

static int render_numbered(void *vctx, const char *number, const unsigned char **pdf, size_t *len,
                           struct diag_list *dl)
{
    struct render_ctx *c = vctx;
    struct render_opts ro = {
        .templates_dir = c->o->templates_dir,
        .a4 = c->o->a4,
        .quote_number = number,
        .supersedes = c->o->supersedes,
        .cache = c->o->cache,
    };
    free(c->pdf);
    c->pdf = NULL;
    if (render_pdf_mem(c->q, &ro, &c->pdf, &c->len, dl) != 0)
        return -1;
    *pdf = c->pdf;
    *len = c->len;
    return 0;
}

int issue_quote(struct reg *r, const struct price_table *pt, const struct plan *plan,
                rq_date issued, const struct issue_opts *o, struct issue_result *res,
                struct diag_list *dl)
{
    memset(res, 0, sizeof *res);
    struct quote q;
    if (pricing_compute(pt, plan, issued, &q, dl) != 0)
        return -1;
    int rc = -1;
    char *request = plan_to_json(plan);
    char *qjson = quote_json_text(&q);
    struct render_ctx ctx = { .q = &q, .o = o };
    if (!request || !qjson) {
        diag_error(dl, NULL, NULL, "out of memory");
        goto out;
    }
    struct reg_issue in = {
        .request_json = request,
        .quote_json = qjson,
        .tables_sha256 = pt->sha256,
        .tables_version = pt->version,
        .clinic_json = pt->clinic_doc.text,
        .catalog_json = pt->catalog_doc.text,
        .patient_id = plan->patient_id,
        .patient_name = plan->patient_name,
        .issued = q.issued,
        .valid_until = q.valid_until,
        .has_scheduled = q.has_scheduled,
        .scheduled = q.scheduled,
        .estimate_due = q.has_scheduled ? issue_estimate_due(q.issued, q.scheduled) : 0,
        .total_cents = q.total_cents,
        .language = q.language,
        .supersedes = o->supersedes,
        .actor = o->actor,
        /* where it was issued: the plan's location, or the clinic's default */
        .location = q.location ? q.location->id : plan->location,
        .desk = o->desk,
        .out_dir = o->out_dir,
        .idempotency_key = o->idempotency_key,
    };
    int reg_rc = register_issue(r, &in, render_numbered, &ctx, &res->number, dl);
    if (reg_rc == 1) {
        rc = 1;
        goto out;
    }
    if (reg_rc != 0)
        goto out;
    res->total_cents = q.total_cents;
    res->has_estimate_due = in.has_scheduled;
    res->estimate_due = in.estimate_due;
    size_t n = strlen(o->out_dir) + strlen(res->number) + 8;
    res->pdf_path = malloc(n);
    if (!res->pdf_path) {
        diag_error(dl, NULL, NULL, "out of memory");
        goto out;
    }
    snprintf(res->pdf_path, n, "%s/%s.pdf", o->out_dir, res->number);
    /* The quote is committed; the file is a copy that register_repair()
     * writes if this step is interrupted.  An issued copy is created, never
     * replaced. */
    int put = outdir_put_copy(res->pdf_path, ctx.pdf, ctx.len, dl);
    if (put == 2) {
        diag_error(dl, res->pdf_path, NULL,
                   "already exists and is not quote %s as issued (kept in the register); both are left as they "
                   "are: move that file aside, then 'regenquote repair' writes the register's copy", res->number);
        goto out;
    }
    if (put < 0) {
        diag_error(dl, NULL, NULL,
                   "quote %s is issued and kept in the register, but its PDF copy was not written; 'regenquote repair' writes it",
                   res->number);
        goto out;
    }
    rc = 0;
out:
    free(ctx.pdf);
    free(request);
    free(qjson);
    quote_free(&q);
    return rc;
}

void issue_result_free(struct issue_result *res)
{
    free(res->number);
    free(res->pdf_path);
    memset(res, 0, sizeof *res);
}

/* ---- revisions keep the patient --------------------------------------------------- */

/* Equal but for ASCII letter case and runs of white space (none at the ends). */
static bool same_name(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '\t')
            a++;
        while (*b == ' ' || *b == '\t')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        while (*a && *b && *a != ' ' && *a != '\t' && *b != ' ' && *b != '\t') {
            char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
            char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
            if (x != y)
                return false;
            a++;
            b++;
        }
        bool ga = !*a || *a == ' ' || *a == '\t', gb = !*b || *b == ' ' || *b == '\t';
        if (ga != gb)
            return false;
    }
}

int issue_same_patient(struct plan *plan, const char *number, const char *old_request, struct diag_list *dl)
{
    struct plan old;
    struct diag_list odl = { 0 };
    plan_init(&old);
    if (!old_request || plan_load_text(&old, number, old_request, strlen(old_request), &odl) != 0) {
        diag_list_free(&odl);
        plan_free(&old);
        diag_error(dl, NULL, NULL, "the stored plan of %s cannot be read; the register is damaged", number);
        return -1;
    }
    diag_list_free(&odl);
    struct {
        char **now;
        char *was;
        const char *field, *what;
        bool by_name;
    } f[] = {
        { &plan->patient_name, old.patient_name, "patient.name", "name", true },
        { &plan->patient_dob, old.patient_dob, "patient.date_of_birth", "date of birth", false },
        { &plan->patient_id, old.patient_id, "patient.id", "patient ID", false },
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (!f[i].was)
            continue;
        if (!*f[i].now) {
            if (!(*f[i].now = strdup(f[i].was))) {
                diag_error(dl, NULL, NULL, "out of memory");
                rc = -1;
            }
        } else if (f[i].by_name ? !same_name(*f[i].now, f[i].was) : strcmp(*f[i].now, f[i].was) != 0) {
            diag_error(dl, NULL, f[i].field,
                       "the revision is for another patient than %s (the %s differs); a revision keeps the "
                       "patient: issue a new quote instead",
                       number, f[i].what);
            rc = -1;
        }
    }
    plan_free(&old);
    return rc;
}
