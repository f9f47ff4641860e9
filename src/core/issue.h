/* issue — issuing a numbered quote: price the plan, render the PDF with
 * its number, store everything in the register in one transaction, then
 * write the PDF copy to the output folder.  The one path every front end
 * (command line, batch, web) uses to issue or revise a quote.
 *
 * Memory: results are malloc'd and released with issue_result_free(). */
#ifndef RQ_ISSUE_H
#define RQ_ISSUE_H

#include <stdbool.h>

#include "date.h"
#include "diag.h"
#include "plan.h"
#include "price_table.h"
#include "register.h"
#include "render_pdf.h"

struct issue_opts {
    const char *out_dir;         /* where the PDF copy goes */
    const char *templates_dir;   /* NULL = "templates" */
    bool a4;
    const char *actor;           /* who issues, for the history */
    const char *supersedes;      /* number of the quote this revises, or NULL */
    const char *desk;            /* the front desk issuing, kept with the quote, or NULL */
    struct render_cache *cache;  /* optional: templates read once (render_pdf.h) */
    const char *idempotency_key; /* optional: issue this request once (register.h) */
};

struct issue_result {
    char *number;                /* e.g. Q-2026-000123 */
    char *pdf_path;              /* out_dir/NUMBER.pdf */
    int64_t total_cents;
    bool has_estimate_due;
    rq_date estimate_due;
};

/* Issue plan as of `issued`.  Returns 0 and fills *res, or -1 with every
 * problem in dl: then nothing is stored and no number is used, unless
 * res->number is set, meaning the quote is issued and only its PDF copy
 * could not be written (the diagnostic says how to write it).
 * With o->idempotency_key (a request's "idempotency_key", or one a batch
 * derives), returns 1 when a quote already has that key: nothing is
 * issued, and res->number is that quote (the other fields are unset). */
int issue_quote(struct reg *r, const struct price_table *pt, const struct plan *plan,
                rq_date issued, const struct issue_opts *o, struct issue_result *res,
                struct diag_list *dl);

/* When the Good Faith Estimate is due, for a service scheduled on
 * `scheduled` and booked on `booked`: 3 business days after booking when
 * the service is 10 or more business days away, 1 business day when 3 to 9,
 * else the booking day itself (45 CFR 149.610(b)(1)(iii)). */
rq_date issue_estimate_due(rq_date booked, rq_date scheduled);

void issue_result_free(struct issue_result *res);

/* A revision is for the patient of the quote it replaces, on every path
 * (command line, API): each of the plan's patient fields (name, date of
 * birth, patient ID) that is missing is filled from old_request, the stored
 * request of quote `number`; one that differs is refused with a diagnostic
 * on its field (never repeating the values).  Names compare ignoring ASCII
 * letter case and runs of white space; a field the old quote lacks may be
 * added.  Returns 0, or -1 with the diagnostics. */
int issue_same_patient(struct plan *plan, const char *number, const char *old_request, struct diag_list *dl);

#endif
