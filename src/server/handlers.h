/* handlers — what answers each address, one file per family, named in the
 * route table (routes.c), as the CLI's commands are in cli.c.
 *
 * A handler answers rq with one of http_send*() (or returns after a
 * req_*() call that failed, which answered).  It runs after the checks of
 * its route (session and role, cross-site, size, body as its flags ask), with
 * rq->today set and rq->number holding the quote named in the path; it
 * releases nothing it took from rq (the dispatcher calls req_end()). */
#ifndef RQ_HANDLERS_H
#define RQ_HANDLERS_H

#include <microhttpd.h>
#include <stdbool.h>

#include "diag.h"
#include "quote.h"
#include "request.h"

/* api_price.c: the catalog (?lang=es) and pricing without issuing. */
void api_catalog(struct req *rq);
void api_price(struct req *rq);
/* rq->plan priced into *q (the caller quote_free()s it) with a price-table
 * slot taken for rq, its texts in the plan's language; the slot is
 * returned for more work with the same table (issuing).  NULL after
 * answering 500 (no usable table) or 422 (each problem by field). */
struct table_slot *api_price_plan(struct req *rq, struct quote *q);

/* api_quotes.c: the register through the API. */
void api_issue(struct req *rq);
void api_revise(struct req *rq);
void api_void(struct req *rq);
void api_accept(struct req *rq);
void api_list(struct req *rq);
void api_show(struct req *rq);
void api_pdf(struct req *rq);
void api_html(struct req *rq);   /* api_html.c: the quote as an HTML page */

/* api_bills.c: the final bill against the estimate (bill.h's JSON). */
void api_bill_check(struct req *rq);
void api_bill_explain(struct req *rq);
void api_disputes(struct req *rq);

/* session.c: signing in and out, and who is signed in. */
void api_session(struct req *rq);
void api_login(struct req *rq);
void api_logout(struct req *rq);
/* Is the request's session cookie a live session?  Sets rq->who and
 * rq->authed; false after answering 401 (no live session) or 500. */
bool session_authenticate(struct req *rq);

/* api_audit.c: the audit trail (managers). */
void api_audit(struct req *rq);
void api_audit_verify(struct req *rq);

/* static.c: the page's files (GET and HEAD of anything outside /api/). */
enum MHD_Result static_serve(struct req *rq, const char *url);

/* api_consent.c: the patient's side (notice on screen, signature, accepted copy) */
void api_notice(struct req *rq);
void api_sign(struct req *rq);
void api_accepted_pdf(struct req *rq);
void api_consent(struct req *rq);
void api_send(struct req *rq);

#endif
