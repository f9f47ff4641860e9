/* api_quotes — the register through the API: issue, revise, void, accept,
 * list, show and the PDF of a quote (docs/api.md).  Issuing goes through
 * issue_quote(), the one path the command line takes too. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acceptance.h"
#include "delivery.h"
#include "http.h"
#include "human_text.h"
#include "issue.h"
#include "quote.h"
#include "register_view.h"
#include "server_int.h"
#include "sha256.h"
#include "tables.h"

#define LIST_DEFAULT_LIMIT 200
#define LIST_MAX_LIMIT 1000

/* ---- issue and revise ---------------------------------------------------------- */

static bool any_path(const struct diag_list *dl)
{
    for (size_t i = 0; i < dl->n; i++)
        if (dl->v[i].severity == DIAG_ERROR && dl->v[i].path)
            return true;
    return false;
}

/* { number, total_cents, issued, estimate_due, supersedes, pdf_url[, warnings] } */
static cJSON *issued_json(struct req *rq, const struct issue_result *res, const char *supersedes, bool warn)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "number", res->number);
    cJSON_AddNumberToObject(root, "total_cents", (double)res->total_cents);
    http_json_date(root, "issued", rq->today);
    if (res->has_estimate_due)
        http_json_date(root, "estimate_due", res->estimate_due);
    else
        cJSON_AddNullToObject(root, "estimate_due");
    http_json_str(root, "supersedes", supersedes);
    char url[128];
    snprintf(url, sizeof url, "/api/quotes/%s/pdf", res->number);
    cJSON_AddStringToObject(root, "pdf_url", url);
    if (warn) {
        /* Issued; only the PDF copy in the output folder is missing. */
        cJSON *w = cJSON_AddArrayToObject(root, "warnings");
        for (size_t i = 0; i < rq->dl.n; i++)
            cJSON_AddItemToArray(w, cJSON_CreateString(rq->dl.v[i].msg));
    }
    return root;
}

/* Issue rq->plan into r (revising `supersedes` when not NULL); answer 201. */
static void issue(struct req *rq, struct reg *r, const char *supersedes)
{
    struct server *s = rq->s;
    /* Price the plan first, so a wrong plan is 422 and a register failure 500. */
    struct quote q;
    struct table_slot *sl = api_price_plan(rq, &q);
    if (!sl)
        return;
    quote_free(&q);
    struct issue_opts io = {
        .out_dir = s->out_dir,
        .templates_dir = s->templates_dir,
        .a4 = s->a4,
        .actor = req_actor(rq),
        .supersedes = supersedes,
        .desk = s->desk,
        .cache = sl->cache,
        .idempotency_key = rq->plan.idempotency_key,
    };
    struct issue_result res;
    int rc = issue_quote(r, sl->pt, &rq->plan, rq->today, &io, &res, &rq->dl);
    if (rc == 1) {
        /* the request's idempotency key was issued before: that quote, once */
        char url[128];
        snprintf(url, sizeof url, "/api/quotes/%s", res.number);
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "number", res.number);
        cJSON_AddBoolToObject(root, "already_issued", true);
        http_send_json(rq, 200, root, "Location", url);
    } else if (rc != 0 && !res.number) {
        req_fail(rq, any_path(&rq->dl) ? 422 : 500);
    } else {
        if (rc != 0)
            srv_logf(&s->log, "quote %s issued but its PDF copy was not written; 'regenquote repair' writes it",
                     res.number);
        char url[128];
        snprintf(url, sizeof url, "/api/quotes/%s", res.number);
        http_send_json(rq, 201, issued_json(rq, &res, supersedes, rc != 0), "Location", url);
    }
    issue_result_free(&res);
}

/* POST /api/quotes: the body (ROUTE_PLAN) issued. */
void api_issue(struct req *rq)
{
    struct reg *r = req_register(rq);
    if (r)
        issue(rq, r, NULL);
}

/* POST /api/quotes/NUMBER/revise: the body, or the stored plan when it is
 * empty, issued as a new quote that supersedes NUMBER. */
void api_revise(struct req *rq)
{
    const char *number = rq->number;
    struct reg_entry *old = req_entry(rq, false);
    if (!old)
        return;
    const char *st = reg_entry_status(old, rq->today);
    if (!strcmp(st, "void") || !strcmp(st, "superseded")) {
        http_send_error(rq, 409, NULL, NULL, NULL, "quote %s is %s%s%s; it cannot be revised", number, st,
                        old->superseded_by ? " by " : "", old->superseded_by ? old->superseded_by : "");
        return;
    }
    if (http_body_blank(rq)) {
        /* Re-issue the stored plan at today's prices. */
        if (plan_load_text(&rq->plan, number, old->request_json, strlen(old->request_json), &rq->dl) != 0) {
            req_fail(rq, 500);
            return;
        }
    } else if (!req_plan(rq)) {
        return;
    }
    if (issue_same_patient(&rq->plan, number, old->request_json, &rq->dl) != 0) {
        req_fail(rq, 422);
        return;
    }
    issue(rq, rq->reg, number);
}

/* ---- status ------------------------------------------------------------------------ */

/* The optional "reason" of the body (ROUTE_OBJECT), checked: *reason is
 * NULL or one line of text.  False after answering 422. */
static bool status_reason(struct req *rq, const char **reason)
{
    *reason = NULL;
    for (cJSON *k = rq->obj->child; k; k = k->next)
        if (strcmp(k->string, "reason") != 0) {
            http_send_error(rq, 422, k->string, NULL, NULL, "unknown field '%s'; expected 'reason'", k->string);
            return false;
        }
    cJSON *rs = cJSON_GetObjectItemCaseSensitive(rq->obj, "reason");
    if (!rs || cJSON_IsNull(rs))
        return true;
    if (!cJSON_IsString(rs)) {
        http_send_error(rq, 422, "reason", NULL, NULL, "the reason must be text");
        return false;
    }
    /* the one check of typed text, as on the command line */
    char why[HUMAN_TEXT_WHY];
    const char *bad = human_text_problem(rs->valuestring, HUMAN_TEXT_MAX, why);
    if (bad) {
        http_send_error(rq, 422, "reason", NULL, NULL, "the reason %s", bad);
        return false;
    }
    *reason = rs->valuestring;
    return true;
}

/* Set rq->number's status to "void" (a reason is required) or "accepted". */
static void set_status(struct req *rq, const char *status)
{
    bool is_void = !strcmp(status, "void");
    const char *reason;
    if (!status_reason(rq, &reason))
        return;
    if (is_void && (!reason || !*reason)) {
        http_send_error(rq, 422, "reason", NULL, NULL, "give the reason the quote is voided");
        return;
    }
    if (!req_entry(rq, false))
        return;
    if (register_set_status(rq->reg, rq->number, status, reason, req_actor(rq), rq->today, &rq->dl) != 0) {
        req_fail(rq, 409);
        return;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "number", rq->number);
    cJSON_AddStringToObject(root, "status", status);
    http_send_json(rq, 200, root, NULL, NULL);
}

void api_void(struct req *rq)
{
    set_status(rq, "void");
}

void api_accept(struct req *rq)
{
    /* a notice that requires signed consent: only a signed acceptance (POST .../sign) */
    struct table_slot *sl = req_entry(rq, false) ? req_tables(rq) : NULL;
    if (!sl)
        return;
    if (acceptance_unsigned_allowed(rq->reg, sl->pt->notices, rq->number, &rq->dl) != 0) {
        req_fail(rq, 409);
        return;
    }
    set_status(rq, "accepted");
}

/* ---- reads ---------------------------------------------------------------------------- */

/* The filter and limit of GET /api/quotes from its query.  False after answering 400. */
static bool list_query(struct req *rq, struct reg_filter *f, long *limit)
{
    memset(f, 0, sizeof *f);
    f->today = rq->today;
    const char *v;
    if ((v = http_query(rq, "patient")) && *v)
        f->patient_id = v;
    if ((v = http_query(rq, "name")) && *v)
        f->name = v;
    if ((v = http_query(rq, "location")) && *v)
        f->location = v;
    if (!http_query_dates(rq, &f->has_from, &f->from, &f->has_to, &f->to))
        return false;
    if ((v = http_query(rq, "status")) && *v) {
        if (!reg_status_known(v)) {
            http_send_error(rq, 400, "status", NULL, NULL, "unknown status; expected %s", REG_STATUS_WORDS);
            return false;
        }
        f->status = v;
    }
    /* undelivered=1, late=1: as 'list --undelivered' and 'list --late' */
    const char *flags[] = { "undelivered", "late" };
    bool *sets[] = { &f->undelivered, &f->late };
    for (size_t i = 0; i < 2; i++)
        if ((v = http_query(rq, flags[i])) && *v) {
            if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0) {
                http_send_error(rq, 400, flags[i], NULL, NULL, "'%s' is 1 or 0", flags[i]);
                return false;
            }
            *sets[i] = *v == '1';
        }
    *limit = LIST_DEFAULT_LIMIT;
    return http_query_limit(rq, 1, LIST_MAX_LIMIT, limit);
}

void api_list(struct req *rq)
{
    struct reg_filter f;
    long limit;
    if (!list_query(rq, &f, &limit))
        return;
    struct reg *r = req_register(rq);
    if (!r)
        return;
    struct reg_entry *ents = NULL;
    size_t n = 0;
    if (register_list(r, &f, &ents, &n, &rq->dl) != 0) {
        req_fail(rq, 500);
    } else {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddNumberToObject(root, "count", (double)n);
        cJSON *a = cJSON_AddArrayToObject(root, "quotes");
        for (size_t i = 0; i < n && i < (size_t)limit; i++)
            cJSON_AddItemToArray(a, reg_entry_json(&ents[i], f.today));
        http_send_json(rq, 200, root, NULL, NULL);
    }
    for (size_t i = 0; i < n; i++)
        reg_entry_free(&ents[i]);
    free(ents);
}

void api_show(struct req *rq)
{
    struct reg_entry *e = req_entry(rq, false);
    if (!e)
        return;
    struct reg_event *ev = NULL;
    size_t nev = 0;
    if (register_history(rq->reg, rq->number, &ev, &nev, &rq->dl) != 0) {
        req_fail(rq, 500);
    } else {
        cJSON *root = reg_entry_json(e, rq->today);
        if (root) { /* else out of memory: 500 */
            char url[128];
            snprintf(url, sizeof url, "/api/quotes/%s/pdf", e->number);
            cJSON_AddStringToObject(root, "pdf_url", url);
            cJSON_AddItemToObject(root, "history", reg_history_json(ev, nev));
            /* Stored JSON, checked before it is embedded as it is. */
            cJSON *req_doc = e->request_json ? cJSON_Parse(e->request_json) : NULL;
            cJSON *q_doc = e->quote_json ? cJSON_Parse(e->quote_json) : NULL;
            cJSON_AddItemToObject(root, "request", req_doc ? req_doc : cJSON_CreateNull());
            cJSON_AddItemToObject(root, "quote", q_doc ? q_doc : cJSON_CreateNull());
        }
        http_send_json(rq, 200, root, NULL, NULL);
    }
    reg_events_free(ev, nev);
}

void api_pdf(struct req *rq)
{
    struct reg_entry *e = req_entry(rq, true);
    if (!e)
        return;
    char hex[65];
    sha256_hex(e->pdf ? e->pdf : (const unsigned char *)"", e->pdf_len, hex);
    if (!e->pdf || !e->pdf_sha256 || strcmp(hex, e->pdf_sha256) != 0) {
        http_send_error(rq, 500, NULL, NULL, NULL,
                        "the stored PDF of %s does not match its digest; the register is damaged", rq->number);
        return;
    }
    /* the copy reached whoever downloads it: a "download" delivery by the
     * account signed in (once per account; a HEAD is no download) */
    if (strcmp(rq->method, "HEAD") != 0 && delivery_record_download(rq->reg, rq->number, req_actor(rq), &rq->dl) < 0) {
        req_fail(rq, 500);
        return;
    }
    char disp[160];
    snprintf(disp, sizeof disp, "inline; filename=\"%s.pdf\"", e->number);
    unsigned char *pdf = e->pdf;
    e->pdf = NULL; /* the answer takes it */
    http_send(rq, 200, "application/pdf", HTTP_PDF, pdf, e->pdf_len, "Content-Disposition", disp);
}
