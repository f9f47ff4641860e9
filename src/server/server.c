/* server — the front desk over HTTP (see server.h and docs/api.md). */
#include "server.h"
#include "server_int.h"

#include "outfile.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog_view.h"
#include "issue.h"
#include "json_doc.h"
#include "plan.h"
#include "price_table.h"
#include "pricing.h"
#include "quote.h"
#include "register.h"
#include "register_view.h"
#include "render_pdf.h"
#include "ratelimit.h"
#include "sha256.h"
#include "tables.h"

#define COOKIE_NAME "rq_session"
#define CSRF_HEADER "X-Regenquote"
#define STAFF_HEADER "X-Regenquote-User"
#define MAX_STATIC_BYTES (4u * 1024u * 1024u)
#define LIST_DEFAULT_LIMIT 200
#define LIST_MAX_LIMIT 1000

/* ---- requests ------------------------------------------------------------------ */

/* One HTTP request, from its first call to its completion. */
struct req {
    struct server *s;
    struct timespec start;
    char method[8];
    char path[160];              /* for the access log: no query string */
    char addr[INET6_ADDRSTRLEN];
    char *body;
    size_t len, cap;
    bool too_large, answered, get_body;
    unsigned status;
    char actor[65];              /* staff named by the page, decoded */
};

void srv_logf(const struct srv_log *lg, const char *fmt, ...)
{
    if (!lg->fn)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lg->fn(lg->ctx, line);
}

rq_date srv_today(const struct server *s)
{
    return s->has_today ? s->today : date_from_unix((int64_t)time(NULL));
}

static char *dupstr(const char *s)
{
    return s ? strdup(s) : NULL;
}

static double elapsed_ms(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

/* ---- responses ---------------------------------------------------------------- */

enum rkind { R_API, R_PAGE, R_PDF };

static void secure_headers(struct MHD_Response *r, enum rkind k)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                            "form-action 'self'; object-src 'none'");
    MHD_add_response_header(r, "Cache-Control", k == R_PAGE ? "no-cache" : "no-store");
}

/* Queue body (malloc'd, taken) with status and type. */
static enum MHD_Result send_buf(struct MHD_Connection *c, struct req *rq, unsigned status,
                                const char *type, enum rkind k, void *body, size_t len,
                                const char *hname, const char *hval)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    secure_headers(r, k);
    if (hname)
        MHD_add_response_header(r, hname, hval);
    rq->status = status;
    rq->answered = true;
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, struct req *rq, unsigned status, cJSON *root,
                                 const char *hname, const char *hval)
{
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        static const char oom[] = "{\"errors\":[{\"field\":null,\"message\":\"out of memory\"}]}";
        char *t = strdup(oom);
        return t ? send_buf(c, rq, 500, "application/json; charset=utf-8", R_API, t, strlen(t), NULL, NULL)
                 : MHD_NO;
    }
    return send_buf(c, rq, status, "application/json; charset=utf-8", R_API, text, strlen(text), hname, hval);
}

static cJSON *jstr(cJSON *o, const char *key, const char *s)
{
    return s ? cJSON_AddStringToObject(o, key, s) : cJSON_AddNullToObject(o, key);
}

static cJSON *jdate(cJSON *o, const char *key, rq_date d)
{
    char b[16];
    return cJSON_AddStringToObject(o, key, date_iso(d, b));
}

static cJSON *error_item(const char *field, const char *msg, int line, int col)
{
    cJSON *e = cJSON_CreateObject();
    jstr(e, "field", field);
    cJSON_AddStringToObject(e, "message", msg ? msg : "");
    if (line > 0) {
        cJSON_AddNumberToObject(e, "line", line);
        cJSON_AddNumberToObject(e, "col", col);
    }
    return e;
}

static enum MHD_Result send_error(struct MHD_Connection *c, struct req *rq, unsigned status,
                                  const char *field, const char *hname, const char *hval,
                                  const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static enum MHD_Result send_error(struct MHD_Connection *c, struct req *rq, unsigned status,
                                  const char *field, const char *hname, const char *hval,
                                  const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *root = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(root, "errors");
    cJSON_AddItemToArray(a, error_item(field, msg, 0, 0));
    return send_json(c, rq, status, root, hname, hval);
}

/* The errors of dl (warnings left out) as { "errors": [...] }. */
static enum MHD_Result send_diags(struct MHD_Connection *c, struct req *rq, unsigned status,
                                  const struct diag_list *dl)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(root, "errors");
    size_t shown = 0;
    for (size_t i = 0; i < dl->n && shown < 50; i++) {
        const struct diag *d = &dl->v[i];
        if (d->severity != DIAG_ERROR)
            continue;
        cJSON_AddItemToArray(a, error_item(d->path, d->msg, d->line, d->col));
        shown++;
    }
    if (!shown)
        cJSON_AddItemToArray(a, error_item(NULL, dl->errors ? "out of memory" : "the request failed", 0, 0));
    return send_json(c, rq, status, root, NULL, NULL);
}

/* ---- request parsing helpers ------------------------------------------------------ */

static bool body_blank(const struct req *rq)
{
    for (size_t i = 0; i < rq->len; i++)
        if (!strchr(" \t\r\n", rq->body[i]))
            return false;
    return true;
}

/* Is the body well-formed JSON?  If not, answer 400 with the position. */
static bool check_json(struct MHD_Connection *c, struct req *rq, enum MHD_Result *ret)
{
    if (body_blank(rq)) {
        *ret = send_error(c, rq, 400, NULL, NULL, NULL, "the request body is empty; send the plan as a JSON object");
        return false;
    }
    struct jdoc doc;
    struct diag_list dl = { 0 };
    if (jdoc_parse(&doc, "request", rq->body ? rq->body : "", rq->len, &dl) == 0) {
        jdoc_free(&doc);
        diag_list_free(&dl);
        return true;
    }
    jdoc_free(&doc);
    cJSON *root = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(root, "errors");
    for (size_t i = 0; i < dl.n; i++) {
        char msg[700];
        if (dl.v[i].line > 0)
            snprintf(msg, sizeof msg, "line %d, column %d: %s", dl.v[i].line, dl.v[i].col, dl.v[i].msg);
        else
            snprintf(msg, sizeof msg, "%s", dl.v[i].msg);
        cJSON_AddItemToArray(a, error_item(dl.v[i].path, msg, dl.v[i].line, dl.v[i].col));
    }
    if (!dl.n)
        cJSON_AddItemToArray(a, error_item(NULL, "the body is not valid JSON", 0, 0));
    diag_list_free(&dl);
    *ret = send_json(c, rq, 400, root, NULL, NULL);
    return false;
}

/* Read the body as a plan.  On failure answers (400/422) and returns false. */
static bool read_plan(struct MHD_Connection *c, struct req *rq, struct plan *p, enum MHD_Result *ret)
{
    if (!check_json(c, rq, ret))
        return false;
    struct diag_list dl = { 0 };
    if (plan_load_text(p, "request", rq->body, rq->len, &dl) != 0) {
        *ret = send_diags(c, rq, 422, &dl);
        diag_list_free(&dl);
        return false;
    }
    diag_list_free(&dl);
    return true;
}

/* Line and column of byte offset off in text. */
static void text_pos(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

/* Parse a small JSON object body (void/accept/login).  NULL after answering. */
static cJSON *read_object(struct MHD_Connection *c, struct req *rq, bool blank_ok, enum MHD_Result *ret)
{
    if (body_blank(rq) && blank_ok)
        return cJSON_CreateObject();
    if (rq->body && memchr(rq->body, '\0', rq->len)) {
        *ret = send_error(c, rq, 400, NULL, NULL, NULL, "the body contains a NUL byte");
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(rq->body ? rq->body : "", &end, 1);
    if (!root) {
        int line, col;
        size_t off = end && rq->body ? (size_t)(end - rq->body) : 0;
        text_pos(rq->body ? rq->body : "", off, &line, &col);
        cJSON *r = cJSON_CreateObject();
        cJSON *a = cJSON_AddArrayToObject(r, "errors");
        char msg[120];
        snprintf(msg, sizeof msg, "line %d, column %d: JSON syntax error", line, col);
        cJSON_AddItemToArray(a, error_item(NULL, msg, line, col));
        *ret = send_json(c, rq, 400, r, NULL, NULL);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        *ret = send_error(c, rq, 400, NULL, NULL, NULL, "the body must be a JSON object");
        return NULL;
    }
    return root;
}

/* A quote number from a URL segment: letters, digits, - _ . only. */
static bool number_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-' || s[i] == '_' || s[i] == '.'))
            return false;
    return s[0] != '.';
}

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* Who does it: the X-Regenquote-User header (percent-encoded UTF-8, as the
 * page sends it; at most 64 bytes, no control characters), else the
 * server's actor.  The decoded name is kept in rq->actor. */
static const char *actor_of(struct MHD_Connection *c, struct req *rq)
{
    const char *u = MHD_lookup_connection_value(c, MHD_HEADER_KIND, STAFF_HEADER);
    if (!u || !*u || strlen(u) > 3 * sizeof rq->actor)
        return rq->s->actor;
    size_t n = 0;
    for (const char *p = u; *p; p++) {
        int ch = (unsigned char)*p;
        if (*p == '%') {
            int hi = hexval(p[1]), lo = hi >= 0 ? hexval(p[2]) : -1;
            if (lo < 0)
                return rq->s->actor;
            ch = hi * 16 + lo;
            p += 2;
        }
        if (ch < 0x20 || ch == 0x7f || n + 1 >= sizeof rq->actor)
            return rq->s->actor;
        rq->actor[n++] = (char)ch;
    }
    rq->actor[n] = '\0';
    return rq->actor;
}

static struct reg *open_reg(struct server *s, struct diag_list *dl)
{
    struct reg *r = NULL;
    if (register_open(&r, s->register_path, dl) != 0) {
        register_close(r);
        return NULL;
    }
    return r;
}

/* ---- catalog ------------------------------------------------------------------------ */

static enum MHD_Result api_catalog(struct MHD_Connection *c, struct req *rq)
{
    struct server *s = rq->s;
    struct diag_list dl = { 0 };
    rq_date today = srv_today(s);
    struct table_slot *sl = tables_acquire(s->tables, today, &dl);
    if (!sl) {
        enum MHD_Result ret = send_diags(c, rq, 500, &dl);
        diag_list_free(&dl);
        return ret;
    }
    /* names in the page's language (?lang=es); prices as in force today */
    const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    price_table_use_language(&sl->pt, lang);
    cJSON *root = catalog_view_json(&sl->pt, today);
    tables_release(s->tables, sl);
    return send_json(c, rq, 200, root, NULL, NULL);
}

/* ---- price ------------------------------------------------------------------------ */


static enum MHD_Result api_price(struct MHD_Connection *c, struct req *rq)
{
    struct server *s = rq->s;
    enum MHD_Result ret;
    struct plan plan;
    plan_init(&plan);
    if (!read_plan(c, rq, &plan, &ret)) {
        plan_free(&plan);
        return ret;
    }
    struct diag_list dl = { 0 };
    rq_date today = srv_today(s);
    struct table_slot *sl = tables_acquire(s->tables, today, &dl);
    if (!sl) {
        ret = send_diags(c, rq, 500, &dl);
    } else {
        struct quote q;
        price_table_use_language(&sl->pt, plan.language);
        if (pricing_compute(&sl->pt, &plan, today, &q, &dl) != 0) {
            tables_release(s->tables, sl);
            ret = send_diags(c, rq, 422, &dl);
        } else {
            char *text = quote_json_text(&q);
            quote_free(&q);
            tables_release(s->tables, sl);
            ret = text ? send_buf(c, rq, 200, "application/json; charset=utf-8", R_API, text, strlen(text), NULL, NULL)
                       : send_error(c, rq, 500, NULL, NULL, NULL, "out of memory");
        }
    }
    diag_list_free(&dl);
    plan_free(&plan);
    return ret;
}

/* ---- issue and revise -------------------------------------------------------------- */

static bool any_path(const struct diag_list *dl)
{
    for (size_t i = 0; i < dl->n; i++)
        if (dl->v[i].severity == DIAG_ERROR && dl->v[i].path)
            return true;
    return false;
}

/* Issue plan (revising `supersedes` when not NULL) and answer 201. */
static enum MHD_Result issue(struct MHD_Connection *c, struct req *rq, struct reg *r, const struct plan *plan,
                             const char *supersedes)
{
    struct server *s = rq->s;
    struct diag_list dl = { 0 };
    enum MHD_Result ret;
    rq_date today = srv_today(s);
    struct table_slot *sl = tables_acquire(s->tables, today, &dl);
    if (!sl) {
        ret = send_diags(c, rq, 500, &dl);
        diag_list_free(&dl);
        return ret;
    }
    /* Check the plan first, so a wrong plan is 422 and a register failure 500. */
    struct quote q;
    price_table_use_language(&sl->pt, plan->language);
    if (pricing_compute(&sl->pt, plan, today, &q, &dl) != 0) {
        tables_release(s->tables, sl);
        ret = send_diags(c, rq, 422, &dl);
        diag_list_free(&dl);
        return ret;
    }
    quote_free(&q);
    struct issue_opts io = {
        .out_dir = s->out_dir,
        .templates_dir = s->templates_dir,
        .a4 = s->a4,
        .actor = actor_of(c, rq),
        .supersedes = supersedes,
        .cache = sl->cache,
    };
    struct issue_result res;
    int rc = issue_quote(r, &sl->pt, plan, today, &io, &res, &dl);
    tables_release(s->tables, sl);
    if (rc != 0 && !res.number) {
        ret = send_diags(c, rq, any_path(&dl) ? 422 : 500, &dl);
    } else {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "number", res.number);
        cJSON_AddNumberToObject(root, "total_cents", (double)res.total_cents);
        jdate(root, "issued", today);
        if (res.has_estimate_due)
            jdate(root, "estimate_due", res.estimate_due);
        else
            cJSON_AddNullToObject(root, "estimate_due");
        jstr(root, "supersedes", supersedes);
        char url[128];
        snprintf(url, sizeof url, "/api/quotes/%s/pdf", res.number);
        cJSON_AddStringToObject(root, "pdf_url", url);
        if (rc != 0) {
            /* Issued; only the PDF copy in the output folder is missing. */
            cJSON *w = cJSON_AddArrayToObject(root, "warnings");
            for (size_t i = 0; i < dl.n; i++)
                cJSON_AddItemToArray(w, cJSON_CreateString(dl.v[i].msg));
            srv_logf(&s->log, "quote %s issued but its PDF copy was not written; 'regenquote repair' writes it", res.number);
        }
        snprintf(url, sizeof url, "/api/quotes/%s", res.number);
        ret = send_json(c, rq, 201, root, "Location", url);
    }
    issue_result_free(&res);
    diag_list_free(&dl);
    return ret;
}

static enum MHD_Result api_issue(struct MHD_Connection *c, struct req *rq)
{
    enum MHD_Result ret;
    struct plan plan;
    plan_init(&plan);
    if (!read_plan(c, rq, &plan, &ret)) {
        plan_free(&plan);
        return ret;
    }
    struct diag_list dl = { 0 };
    struct reg *r = open_reg(rq->s, &dl);
    if (!r)
        ret = send_diags(c, rq, 500, &dl);
    else
        ret = issue(c, rq, r, &plan, NULL);
    register_close(r);
    diag_list_free(&dl);
    plan_free(&plan);
    return ret;
}

/* Fetch an entry or answer 404/500.  Returns 0 when found. */
static int get_entry(struct MHD_Connection *c, struct req *rq, struct reg *r, const char *number, bool pdf,
                     struct reg_entry *e, enum MHD_Result *ret)
{
    struct diag_list dl = { 0 };
    int rc = register_get(r, number, pdf, e, &dl);
    if (rc == 1)
        *ret = send_error(c, rq, 404, NULL, NULL, NULL, "there is no quote '%s' in the register", number);
    else if (rc != 0)
        *ret = send_diags(c, rq, 500, &dl);
    diag_list_free(&dl);
    return rc;
}

static enum MHD_Result api_revise(struct MHD_Connection *c, struct req *rq, const char *number)
{
    struct server *s = rq->s;
    enum MHD_Result ret;
    struct diag_list dl = { 0 };
    struct plan plan;
    struct reg_entry old;
    memset(&old, 0, sizeof old);
    plan_init(&plan);
    struct reg *r = open_reg(s, &dl);
    if (!r) {
        ret = send_diags(c, rq, 500, &dl);
        goto out;
    }
    if (get_entry(c, rq, r, number, false, &old, &ret) != 0)
        goto out;
    const char *st = reg_entry_status(&old, srv_today(s));
    if (!strcmp(st, "void") || !strcmp(st, "superseded")) {
        ret = send_error(c, rq, 409, NULL, NULL, NULL, "quote %s is %s%s%s; it cannot be revised", number, st,
                         old.superseded_by ? " by " : "", old.superseded_by ? old.superseded_by : "");
        goto out;
    }
    if (body_blank(rq)) {
        /* Re-issue the stored plan at today's prices. */
        if (plan_load_text(&plan, number, old.request_json, strlen(old.request_json), &dl) != 0) {
            ret = send_diags(c, rq, 500, &dl);
            goto out;
        }
    } else if (!read_plan(c, rq, &plan, &ret)) {
        goto out;
    }
    if (old.patient_id && plan.patient_id && strcmp(old.patient_id, plan.patient_id) != 0) {
        ret = send_error(c, rq, 422, "patient.id", NULL, NULL,
                         "the revision is for another patient than %s; issue a new quote instead", number);
        goto out;
    }
    ret = issue(c, rq, r, &plan, number);
out:
    reg_entry_free(&old);
    plan_free(&plan);
    register_close(r);
    diag_list_free(&dl);
    return ret;
}

static enum MHD_Result api_status(struct MHD_Connection *c, struct req *rq, const char *number, const char *status)
{
    struct server *s = rq->s;
    enum MHD_Result ret;
    bool is_void = !strcmp(status, "void");
    cJSON *body = read_object(c, rq, !is_void, &ret);
    if (!body)
        return ret;
    const char *reason = NULL;
    cJSON *rs = cJSON_GetObjectItemCaseSensitive(body, "reason");
    for (cJSON *k = body->child; k; k = k->next)
        if (strcmp(k->string, "reason") != 0) {
            ret = send_error(c, rq, 422, k->string, NULL, NULL, "unknown field '%s'; expected 'reason'", k->string);
            cJSON_Delete(body);
            return ret;
        }
    if (rs && !cJSON_IsNull(rs)) {
        if (!cJSON_IsString(rs)) {
            cJSON_Delete(body);
            return send_error(c, rq, 422, "reason", NULL, NULL, "the reason must be text");
        }
        reason = rs->valuestring;
    }
    if (reason) {
        size_t chars = 0;
        for (const unsigned char *p = (const unsigned char *)reason; *p; p++) {
            if (*p < 0x20 || *p == 0x7f) {
                cJSON_Delete(body);
                return send_error(c, rq, 422, "reason", NULL, NULL, "the reason contains a control character; write it on one line");
            }
            chars += (*p & 0xC0) != 0x80;
        }
        if (chars > PLAN_MAX_TEXT) {
            cJSON_Delete(body);
            return send_error(c, rq, 422, "reason", NULL, NULL, "the reason is longer than %d characters", PLAN_MAX_TEXT);
        }
    }
    if (is_void && (!reason || !*reason)) {
        cJSON_Delete(body);
        return send_error(c, rq, 422, "reason", NULL, NULL, "give the reason the quote is voided");
    }
    struct diag_list dl = { 0 };
    struct reg_entry e;
    memset(&e, 0, sizeof e);
    struct reg *r = open_reg(s, &dl);
    if (!r) {
        ret = send_diags(c, rq, 500, &dl);
    } else if (get_entry(c, rq, r, number, false, &e, &ret) == 0) {
        rq_date today = srv_today(s);
        if (register_set_status(r, number, is_void ? "void" : "accepted", reason, actor_of(c, rq), today, &dl) != 0) {
            ret = send_diags(c, rq, 409, &dl);
        } else {
            cJSON *root = cJSON_CreateObject();
            cJSON_AddStringToObject(root, "number", number);
            cJSON_AddStringToObject(root, "status", is_void ? "void" : "accepted");
            ret = send_json(c, rq, 200, root, NULL, NULL);
        }
    }
    reg_entry_free(&e);
    register_close(r);
    diag_list_free(&dl);
    cJSON_Delete(body);
    return ret;
}

/* ---- register reads ----------------------------------------------------------------- */

static enum MHD_Result api_list(struct MHD_Connection *c, struct req *rq)
{
    struct server *s = rq->s;
    struct reg_filter f;
    memset(&f, 0, sizeof f);
    f.today = srv_today(s);
    const char *v;
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "patient")) && *v)
        f.patient_id = v;
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name")) && *v)
        f.name = v;
    static const char *const dates[2] = { "from", "to" };
    for (int i = 0; i < 2; i++) {
        v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, dates[i]);
        if (!v || !*v)
            continue;
        if (!date_parse(v, i ? &f.to : &f.from))
            return send_error(c, rq, 400, dates[i], NULL, NULL, "'%s' is not a date; use YYYY-MM-DD", dates[i]);
        if (i)
            f.has_to = true;
        else
            f.has_from = true;
    }
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status")) && *v) {
        if (!reg_status_known(v))
            return send_error(c, rq, 400, "status", NULL, NULL, "unknown status; expected %s", REG_STATUS_WORDS);
        f.status = v;
    }
    long limit = LIST_DEFAULT_LIMIT;
    if ((v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit")) && *v) {
        char *end;
        errno = 0;
        limit = strtol(v, &end, 10);
        if (errno || *end || limit < 1 || limit > LIST_MAX_LIMIT)
            return send_error(c, rq, 400, "limit", NULL, NULL, "the limit must be a number from 1 to %d", LIST_MAX_LIMIT);
    }
    enum MHD_Result ret;
    struct diag_list dl = { 0 };
    struct reg_entry *ents = NULL;
    size_t n = 0;
    struct reg *r = open_reg(s, &dl);
    if (!r || register_list(r, &f, &ents, &n, &dl) != 0) {
        ret = send_diags(c, rq, 500, &dl);
    } else {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddNumberToObject(root, "count", (double)n);
        cJSON *a = cJSON_AddArrayToObject(root, "quotes");
        for (size_t i = 0; i < n && i < (size_t)limit; i++)
            cJSON_AddItemToArray(a, reg_entry_json(&ents[i], f.today));
        ret = send_json(c, rq, 200, root, NULL, NULL);
    }
    for (size_t i = 0; i < n; i++)
        reg_entry_free(&ents[i]);
    free(ents);
    register_close(r);
    diag_list_free(&dl);
    return ret;
}

static enum MHD_Result api_show(struct MHD_Connection *c, struct req *rq, const char *number)
{
    struct server *s = rq->s;
    enum MHD_Result ret;
    struct diag_list dl = { 0 };
    struct reg_entry e;
    memset(&e, 0, sizeof e);
    struct reg_event *ev = NULL;
    size_t nev = 0;
    struct reg *r = open_reg(s, &dl);
    if (!r) {
        ret = send_diags(c, rq, 500, &dl);
    } else if (get_entry(c, rq, r, number, false, &e, &ret) == 0) {
        if (register_history(r, number, &ev, &nev, &dl) != 0) {
            ret = send_diags(c, rq, 500, &dl);
        } else {
            cJSON *root = reg_entry_json(&e, srv_today(s));
            char url[128];
            snprintf(url, sizeof url, "/api/quotes/%s/pdf", e.number);
            cJSON_AddStringToObject(root, "pdf_url", url);
            cJSON_AddItemToObject(root, "history", reg_history_json(ev, nev));
            /* Stored JSON, checked before it is embedded as it is. */
            cJSON *req_doc = e.request_json ? cJSON_Parse(e.request_json) : NULL;
            cJSON *q_doc = e.quote_json ? cJSON_Parse(e.quote_json) : NULL;
            cJSON_AddItemToObject(root, "request", req_doc ? req_doc : cJSON_CreateNull());
            cJSON_AddItemToObject(root, "quote", q_doc ? q_doc : cJSON_CreateNull());
            ret = send_json(c, rq, 200, root, NULL, NULL);
        }
    }
    reg_events_free(ev, nev);
    reg_entry_free(&e);
    register_close(r);
    diag_list_free(&dl);
    return ret;
}

static enum MHD_Result api_pdf(struct MHD_Connection *c, struct req *rq, const char *number)
{
    struct server *s = rq->s;
    enum MHD_Result ret;
    struct diag_list dl = { 0 };
    struct reg_entry e;
    memset(&e, 0, sizeof e);
    struct reg *r = open_reg(s, &dl);
    if (!r) {
        ret = send_diags(c, rq, 500, &dl);
    } else if (get_entry(c, rq, r, number, true, &e, &ret) == 0) {
        char hex[65];
        sha256_hex(e.pdf ? e.pdf : (const unsigned char *)"", e.pdf_len, hex);
        if (!e.pdf || !e.pdf_sha256 || strcmp(hex, e.pdf_sha256) != 0) {
            ret = send_error(c, rq, 500, NULL, NULL, NULL,
                             "the stored PDF of %s does not match its digest; the register is damaged", number);
        } else {
            char disp[160];
            snprintf(disp, sizeof disp, "inline; filename=\"%s.pdf\"", e.number);
            unsigned char *pdf = e.pdf;
            size_t len = e.pdf_len;
            e.pdf = NULL;
            ret = send_buf(c, rq, 200, "application/pdf", R_PDF, pdf, len, "Content-Disposition", disp);
        }
    }
    reg_entry_free(&e);
    register_close(r);
    diag_list_free(&dl);
    return ret;
}

/* ---- session -------------------------------------------------------------------------- */

/* Compare secrets in time independent of where they differ. */
static bool secret_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return d == 0;
}

static bool authorised(struct MHD_Connection *c, const struct server *s)
{
    if (!s->token)
        return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h && !strncmp(h, "Bearer ", 7) && secret_eq(h + 7, s->token))
        return true;
    const char *ck = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE_NAME);
    return ck && secret_eq(ck, s->session);
}

static enum MHD_Result api_session(struct MHD_Connection *c, struct req *rq)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "auth_required", rq->s->token != NULL);
    cJSON_AddBoolToObject(root, "authenticated", authorised(c, rq->s));
    jdate(root, "today", srv_today(rq->s));
    return send_json(c, rq, 200, root, NULL, NULL);
}

static enum MHD_Result api_login(struct MHD_Connection *c, struct req *rq)
{
    struct server *s = rq->s;
    enum MHD_Result ret;
    cJSON *body = read_object(c, rq, false, &ret);
    if (!body)
        return ret;
    cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "token");
    bool ok = !s->token || (cJSON_IsString(t) && secret_eq(t->valuestring, s->token));
    cJSON_Delete(body);
    if (!ok)
        return send_error(c, rq, 401, "token", NULL, NULL, "the access token is not right");
    char cookie[200];
    snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict", s->token ? s->session : "");
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "authenticated", true);
    return send_json(c, rq, 200, root, s->token ? MHD_HTTP_HEADER_SET_COOKIE : NULL, cookie);
}

static enum MHD_Result api_logout(struct MHD_Connection *c, struct req *rq)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "authenticated", false);
    return send_json(c, rq, 200, root, MHD_HTTP_HEADER_SET_COOKIE,
                     COOKIE_NAME "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

/* ---- static files ------------------------------------------------------------------------ */

static const char *content_type(const char *path)
{
    static const char *const map[][2] = {
        { ".html", "text/html; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" }, { ".svg", "image/svg+xml" },
        { ".png", "image/png" }, { ".ico", "image/x-icon" }, { ".json", "application/json; charset=utf-8" },
        { ".txt", "text/plain; charset=utf-8" }, { ".woff2", "font/woff2" },
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(dot, map[i][0]))
            return map[i][1];
    return NULL;
}

static enum MHD_Result serve_static(struct MHD_Connection *c, struct req *rq, const char *url)
{
    struct server *s = rq->s;
    if (!strcmp(url, "/"))
        url = "/index.html";
    /* Only plain names: letters, digits, - _ . and folders; no dot-files, no "..". */
    bool ok = url[0] == '/' && strlen(url) < 200;
    for (const char *p = url; ok && *p; p++) {
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
             *p == '_' || *p == '.' || *p == '/';
        if (*p == '/' && (p[1] == '.' || p[1] == '/'))
            ok = false;
    }
    const char *type = ok ? content_type(url) : NULL;
    if (!type)
        return send_error(c, rq, 404, NULL, NULL, NULL, "there is nothing at this address");
    if (!s->web_dir)
        return send_error(c, rq, 404, NULL, NULL, NULL,
                          "the front-desk page is not installed (no web folder); the API under /api/ works");
    char path[4096];
    snprintf(path, sizeof path, "%s%s", s->web_dir, url);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > MAX_STATIC_BYTES) {
        if (fd >= 0)
            close(fd);
        return send_error(c, rq, 404, NULL, NULL, NULL, "there is nothing at this address");
    }
    size_t len = (size_t)st.st_size;
    char *buf = malloc(len ? len : 1);
    size_t got = 0;
    while (buf && got < len) {
        ssize_t k = read(fd, buf + got, len - got);
        if (k <= 0) {
            if (k < 0 && errno == EINTR)
                continue;
            break;
        }
        got += (size_t)k;
    }
    close(fd);
    if (!buf || got != len) {
        free(buf);
        return send_error(c, rq, 500, NULL, NULL, NULL, "cannot read the page's files");
    }
    return send_buf(c, rq, 200, type, R_PAGE, buf, len, NULL, NULL);
}

/* ---- request checks ------------------------------------------------------------------------ */

/* The host part of a Host header ("127.0.0.1:8080" -> "127.0.0.1"). */
static void host_name(const char *host, char *out, size_t size)
{
    size_t n;
    if (host[0] == '[') {
        const char *e = strchr(host, ']');
        n = e ? (size_t)(e - host) + 1 : strlen(host);
    } else {
        const char *e = strchr(host, ':');
        n = e ? (size_t)(e - host) : strlen(host);
    }
    if (n >= size)
        n = size - 1;
    memcpy(out, host, n);
    out[n] = '\0';
}

/* On loopback without a token, refuse Host names other than loopback ones
 * (a web page on another site cannot reach us through DNS rebinding). */
static bool host_ok(struct MHD_Connection *c, const struct server *s)
{
    if (s->token || !s->loopback)
        return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!h)
        return false;
    char name[80];
    host_name(h, name, sizeof name);
    return !strcmp(name, "localhost") || !strcmp(name, "[::1]") || !strncmp(name, "127.", 4) ||
           !strcmp(name, s->bind);
}

/* A state-changing request must carry X-Regenquote: 1 (a header a page on
 * another site cannot send without our consent) and, when the browser
 * names the page's origin, it must be ours. */
static const char *csrf_problem(struct MHD_Connection *c)
{
    const char *x = MHD_lookup_connection_value(c, MHD_HEADER_KIND, CSRF_HEADER);
    if (!x || strcmp(x, "1") != 0)
        return "the request lacks the header 'X-Regenquote: 1' that every POST needs (cross-site requests are refused)";
    const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (site && !strcmp(site, "cross-site"))
        return "cross-site requests are refused";
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (origin) {
        const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
        const char *rest = !strncmp(origin, "http://", 7) ? origin + 7 : !strncmp(origin, "https://", 8) ? origin + 8 : NULL;
        if (!host || !rest || strcmp(rest, host) != 0)
            return "the request comes from another site (its Origin does not match the Host); refused";
    }
    return NULL;
}

/* For the access log: the path if it is plain ASCII, else a placeholder. */
static void log_path(const char *url, char *out, size_t size)
{
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '"') {
            snprintf(out, size, "(path with other characters)");
            return;
        }
    snprintf(out, size, "%.*s%s", (int)(size > 4 ? size - 4 : 0), url, strlen(url) + 4 >= size ? "…" : "");
}

static void client_addr(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)size);
}

/* ---- routing ----------------------------------------------------------------------------------- */

static enum MHD_Result route_api(struct MHD_Connection *c, struct req *rq, const char *url, bool post)
{
    const char *p = url + 5; /* after "/api/" */
    if (!strcmp(p, "session"))
        return post ? send_error(c, rq, 405, NULL, "Allow", "GET", "use GET") : api_session(c, rq);
    if (!strcmp(p, "login"))
        return post ? api_login(c, rq) : send_error(c, rq, 405, NULL, "Allow", "POST", "use POST");
    if (!strcmp(p, "logout"))
        return post ? api_logout(c, rq) : send_error(c, rq, 405, NULL, "Allow", "POST", "use POST");
    if (!strcmp(p, "catalog"))
        return post ? send_error(c, rq, 405, NULL, "Allow", "GET", "use GET") : api_catalog(c, rq);
    if (!strcmp(p, "price"))
        return post ? api_price(c, rq) : send_error(c, rq, 405, NULL, "Allow", "POST", "use POST");
    if (!strcmp(p, "quotes"))
        return post ? api_issue(c, rq) : api_list(c, rq);
    if (!strncmp(p, "quotes/", 7)) {
        const char *num = p + 7, *slash = strchr(num, '/');
        size_t n = slash ? (size_t)(slash - num) : strlen(num);
        if (!number_ok(num, n))
            return send_error(c, rq, 404, NULL, NULL, NULL, "there is no such quote");
        char number[65];
        memcpy(number, num, n);
        number[n] = '\0';
        const char *verb = slash ? slash + 1 : "";
        if (!*verb)
            return post ? send_error(c, rq, 405, NULL, "Allow", "GET", "use GET") : api_show(c, rq, number);
        if (!strcmp(verb, "pdf"))
            return post ? send_error(c, rq, 405, NULL, "Allow", "GET", "use GET") : api_pdf(c, rq, number);
        if (!strcmp(verb, "revise") || !strcmp(verb, "void") || !strcmp(verb, "accept")) {
            if (!post)
                return send_error(c, rq, 405, NULL, "Allow", "POST", "use POST");
            if (!strcmp(verb, "revise"))
                return api_revise(c, rq, number);
            return api_status(c, rq, number, !strcmp(verb, "void") ? "void" : "accepted");
        }
    }
    return send_error(c, rq, 404, NULL, NULL, NULL, "unknown API address; see docs/api.md");
}

/* Checks made before any body is read.  Returns true after answering. */
static bool early_refusal(struct MHD_Connection *c, struct req *rq, const char *url, bool post,
                          enum MHD_Result *ret)
{
    struct server *s = rq->s;
    bool api = !strncmp(url, "/api/", 5);
    if (!host_ok(c, s)) {
        *ret = send_error(c, rq, 403, NULL, NULL, NULL,
                          "this server answers only to localhost or 127.0.0.1 (Host header refused)");
        return true;
    }
    if (!post && strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
        *ret = send_error(c, rq, 405, NULL, "Allow", "GET, HEAD, POST", "method not allowed");
        return true;
    }
    if (post && !api) {
        *ret = send_error(c, rq, 405, NULL, "Allow", "GET, HEAD", "method not allowed");
        return true;
    }
    if (!api)
        return false;
    int wait = ratelimit_take(s->rate, rq->addr);
    if (wait > 0) {
        char w[16];
        snprintf(w, sizeof w, "%d", wait);
        *ret = send_error(c, rq, 429, NULL, "Retry-After", w,
                          "too many requests from this computer; try again in %d second%s", wait, wait == 1 ? "" : "s");
        return true;
    }
    if (post) {
        const char *why = csrf_problem(c);
        if (why) {
            *ret = send_error(c, rq, 403, NULL, NULL, NULL, "%s", why);
            return true;
        }
    }
    bool open_path = !strcmp(url, "/api/session") || !strcmp(url, "/api/login") || !strcmp(url, "/api/logout");
    if (!open_path && !authorised(c, s)) {
        *ret = send_error(c, rq, 401, NULL, "WWW-Authenticate", "Bearer realm=\"regenquote\"",
                          "sign in first: give the access token (Authorization: Bearer, or POST /api/login)");
        return true;
    }
    if (post) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno || *end || n > s->max_body) {
                *ret = send_error(c, rq, 413, NULL, NULL, NULL, "the request is larger than the %zu KiB limit",
                                  s->max_body / 1024);
                return true;
            }
        }
    }
    return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct server *s = cls;
    struct req *rq = *con_cls;
    bool post = !strcmp(method, "POST");
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        rq->s = s;
        clock_gettime(CLOCK_MONOTONIC, &rq->start);
        snprintf(rq->method, sizeof rq->method, "%.7s", method);
        log_path(url, rq->path, sizeof rq->path);
        client_addr(c, rq->addr, sizeof rq->addr);
        enum MHD_Result ret;
        if (early_refusal(c, rq, url, post, &ret))
            return ret;
        return MHD_YES;
    }
    if (rq->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!post) {
            rq->get_body = true;
        } else if (rq->too_large || rq->len + *upload_size > s->max_body) {
            rq->too_large = true;
        } else {
            if (rq->len + *upload_size + 1 > rq->cap) {
                size_t cap = rq->cap ? rq->cap : 4096;
                while (cap < rq->len + *upload_size + 1)
                    cap *= 2;
                char *nb = realloc(rq->body, cap);
                if (!nb)
                    return MHD_NO;
                rq->body = nb;
                rq->cap = cap;
            }
            memcpy(rq->body + rq->len, upload, *upload_size);
            rq->len += *upload_size;
            rq->body[rq->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->get_body)
        return send_error(c, rq, 400, NULL, NULL, NULL, "a %s request has no body", rq->method);
    if (rq->too_large)
        return send_error(c, rq, 413, NULL, NULL, NULL, "the request is larger than the %zu KiB limit", s->max_body / 1024);
    if (!strncmp(url, "/api/", 5))
        return route_api(c, rq, url, post);
    return serve_static(c, rq, url);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)c;
    struct server *s = cls;
    struct req *rq = *con_cls;
    if (!rq)
        return;
    if (rq->status)
        srv_logf(&s->log, "%s \"%s %s\" %u %.1f ms", rq->addr, rq->method, rq->path, rq->status, elapsed_ms(&rq->start));
    else
        srv_logf(&s->log, "%s \"%s %s\" closed before an answer (%d)", rq->addr, rq->method, rq->path, (int)toe);
    free(rq->body);
    free(rq);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct server *s = cls;
    if (!s->log.fn)
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    srv_logf(&s->log, "http: %s", line);
}

/* ---- start and stop ---------------------------------------------------------------------------- */

bool server_addr_is_loopback(const char *addr)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, addr, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, addr, &a6) == 1) {
        static const unsigned char lo[16] = { [15] = 1 };
        return memcmp(a6.s6_addr, lo, 16) == 0;
    }
    return false;
}

static int random_hex(char *out, size_t bytes)
{
    unsigned char b[32];
    if (bytes > sizeof b)
        return -1;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t k = read(fd, b, bytes);
    close(fd);
    if (k != (ssize_t)bytes)
        return -1;
    for (size_t i = 0; i < bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}


static void server_free(struct server *s)
{
    if (!s)
        return;
    tables_free(s->tables);
    ratelimit_free(s->rate);
    free(s->bind);
    free(s->token);
    free(s->templates_dir);
    free(s->register_path);
    free(s->out_dir);
    free(s->web_dir);
    free(s->actor);
    free(s);
}

int server_start(struct server **out, const struct server_opts *o, struct diag_list *dl)
{
    *out = NULL;
    if (!o->prices_dir || !o->templates_dir || !o->register_path || !o->out_dir) {
        diag_error(dl, NULL, NULL, "the server needs the price tables, templates, register and output folders");
        return -1;
    }
    struct server *s = calloc(1, sizeof *s);
    if (!s) {
        diag_error(dl, NULL, NULL, "out of memory");
        return -1;
    }
    s->bind = strdup(o->bind && *o->bind ? o->bind : SERVER_DEFAULT_BIND);
    s->token = o->token && *o->token ? strdup(o->token) : NULL;
    s->templates_dir = strdup(o->templates_dir);
    s->register_path = strdup(o->register_path);
    s->out_dir = strdup(o->out_dir);
    s->web_dir = dupstr(o->web_dir);
    s->actor = strdup(o->actor && *o->actor ? o->actor : "front-desk");
    s->a4 = o->a4;
    s->has_today = o->has_today;
    s->today = o->today;
    s->max_body = o->max_body ? o->max_body : SERVER_DEFAULT_MAX_BODY;
    s->rate = ratelimit_new(o->rate_per_minute == 0 ? SERVER_DEFAULT_RATE : o->rate_per_minute);
    s->log = (struct srv_log){ o->log, o->log_ctx };
    if (!s->bind || (o->token && *o->token && !s->token) || !s->templates_dir || !s->register_path ||
        !s->out_dir || (o->web_dir && !s->web_dir) || !s->actor || !s->rate) {
        diag_error(dl, NULL, NULL, "out of memory");
        goto fail;
    }

    /* Where to listen, and whether a token is needed. */
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    bool v6 = false;
    struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&ss;
    if (o->port > 65535) {
        diag_error(dl, NULL, "--port", "%u is not a TCP port; use 1 to 65535", o->port);
        goto fail;
    }
    if (inet_pton(AF_INET, s->bind, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)o->port);
    } else if (inet_pton(AF_INET6, s->bind, &sin6->sin6_addr) == 1) {
        v6 = true;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)o->port);
    } else {
        diag_error(dl, NULL, "--bind", "'%s' is not a numeric IP address (e.g. 127.0.0.1 or 0.0.0.0)", s->bind);
        goto fail;
    }
    s->loopback = server_addr_is_loopback(s->bind);
    if (!s->loopback && !s->token) {
        diag_error(dl, NULL, "--token",
                   "listening on '%s' lets other computers in: give an access token with --token or $REGENQUOTE_TOKEN",
                   s->bind);
        goto fail;
    }
    if (s->token && strlen(s->token) < 12) {
        diag_error(dl, NULL, "--token", "the access token is too short; use at least 12 characters");
        goto fail;
    }
    if (s->token) {
        char salt[65];
        if (random_hex(salt, 32) != 0) {
            diag_error(dl, "/dev/urandom", NULL, "cannot read random bytes for the session cookie");
            goto fail;
        }
        struct sha256 h;
        unsigned char d[32];
        sha256_init(&h);
        sha256_update(&h, salt, strlen(salt));
        sha256_update(&h, s->token, strlen(s->token));
        sha256_final(&h, d);
        sha256_to_hex(d, s->session);
    }

    /* Price tables now, so a broken table is reported at start. */
    s->tables = tables_new(o->prices_dir, o->slots ? o->slots : SERVER_DEFAULT_SLOTS, srv_today(s), &s->log, dl);
    if (!s->tables)
        goto fail;

    /* Register and PDF copies: create, migrate, repair. */
    struct reg *r = NULL;
    int fixed = 0;
    if (outfile_make_dir(s->out_dir, dl) != 0 || register_open(&r, s->register_path, dl) != 0 ||
        register_repair(r, s->out_dir, false, 60, &fixed, dl) != 0) {
        register_close(r);
        goto fail;
    }
    register_close(r);
    if (fixed)
        srv_logf(&s->log, "rewrote %d PDF cop%s that an interrupted run left missing or damaged", fixed, fixed == 1 ? "y" : "ies");

    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (v6)
        flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, s,
                                 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
                                 MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)128,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                                 MHD_OPTION_END);
    if (!s->daemon) {
        diag_error(dl, NULL, NULL, "cannot listen on %s port %u: %s", s->bind, o->port,
                   errno ? strerror(errno) : "the address or port is not available");
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : o->port;
    *out = s;
    return 0;
fail:
    server_free(s);
    return -1;
}

unsigned server_port(const struct server *s)
{
    return s ? s->port : 0;
}

void server_stop(struct server *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    server_free(s);
}
