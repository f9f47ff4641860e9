#include "issue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
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
    };
    if (register_issue(r, &in, render_numbered, &ctx, &res->number, dl) != 0)
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
     * rewrites if this step is interrupted. */
    struct outfile of;
    bool written = false;
    if (outfile_open(&of, res->pdf_path, dl) == 0) {
        if (fwrite(ctx.pdf, 1, ctx.len, of.f) != ctx.len) {
            outfile_abort(&of);
            diag_error(dl, res->pdf_path, NULL, "cannot write the PDF");
        } else {
            written = outfile_commit(&of, dl) == 0;
        }
    }
    if (!written) {
        diag_error(dl, NULL, NULL,
                   "quote %s is issued and kept in the register, but its PDF copy was not written; 'regenquote reprint %s' writes it",
                   res->number, res->number);
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
