/* routes — the API's route table and its dispatcher (routes.h). */
#include "routes.h"

#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "http.h"
#include "ratelimit.h"
#include "roles.h"
#include "server_int.h"

enum {
    ROUTE_OPEN = 1 << 0,     /* no session needed: signing in and out */
    ROUTE_PLAN = 1 << 1,     /* the body is read as a plan (rq->plan) before the handler: 400/422 */
    ROUTE_OBJECT = 1 << 2,   /* the body is parsed as a JSON object (rq->obj) before the handler: 400 */
    ROUTE_BLANK_OK = 1 << 3, /* with ROUTE_OBJECT: an empty body is {} */
};

struct route {
    const char *method;          /* "GET" (answers HEAD too) or "POST" */
    const char *path;            /* exact, or with "{number}": a quote number (path_match) */
    void (*run)(struct req *rq); /* handlers.h */
    unsigned flags;
    enum staff_action action;    /* what the signed-in account must be allowed (roles.h) */
};

/* Three rules are not flags, so that no route can forget them: every POST
 * changes something and must pass the cross-site check; every address
 * needs a signed-in account unless its route says ROUTE_OPEN; and that
 * account's role must allow the route's action. */
static const struct route ROUTES[] = {
    { "GET", "/api/session", api_session, ROUTE_OPEN, ACTION_PRICE },
    { "POST", "/api/login", api_login, ROUTE_OPEN | ROUTE_OBJECT, ACTION_PRICE },
    { "POST", "/api/logout", api_logout, ROUTE_OPEN, ACTION_PRICE },
    { "GET", "/api/catalog", api_catalog, 0, ACTION_PRICE },
    { "POST", "/api/price", api_price, ROUTE_PLAN, ACTION_PRICE },
    { "GET", "/api/quotes", api_list, 0, ACTION_FIND },
    { "POST", "/api/quotes", api_issue, ROUTE_PLAN, ACTION_ISSUE },
    { "GET", "/api/quotes/{number}", api_show, 0, ACTION_FIND },
    { "GET", "/api/quotes/{number}/pdf", api_pdf, 0, ACTION_REPRINT },
    { "GET", "/api/quotes/{number}/html", api_html, 0, ACTION_REPRINT },
    /* a plan or nothing (the stored plan), read after the quote's checks */
    { "POST", "/api/quotes/{number}/revise", api_revise, 0, ACTION_ISSUE },
    { "POST", "/api/quotes/{number}/void", api_void, ROUTE_OBJECT, ACTION_VOID },
    { "POST", "/api/quotes/{number}/accept", api_accept, ROUTE_OBJECT | ROUTE_BLANK_OK, ACTION_ACCEPT },
    { "GET", "/api/quotes/{number}/notice", api_notice, 0, ACTION_ACCEPT },
    { "POST", "/api/quotes/{number}/sign", api_sign, ROUTE_OBJECT, ACTION_ACCEPT },
    { "GET", "/api/quotes/{number}/accepted", api_accepted_pdf, 0, ACTION_REPRINT },
    { "POST", "/api/quotes/{number}/consent", api_consent, ROUTE_OBJECT, ACTION_ACCEPT },
    { "POST", "/api/quotes/{number}/send", api_send, ROUTE_OBJECT, ACTION_REPRINT },
    { "GET", "/api/quotes/{number}/bill-check", api_bill_check, 0, ACTION_BILLS },
    { "POST", "/api/quotes/{number}/bill-explain", api_bill_explain, ROUTE_OBJECT, ACTION_BILLS },
    { "GET", "/api/disputes", api_disputes, 0, ACTION_BILLS },
    { "GET", "/api/audit", api_audit, 0, ACTION_AUDIT },
    { "GET", "/api/audit/verify", api_audit_verify, 0, ACTION_AUDIT },
};
#define N_ROUTES (sizeof ROUTES / sizeof ROUTES[0])

enum match { NO_MATCH, MATCH, BAD_NUMBER };

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

/* Does url fit pattern?  "{number}" takes url's segment up to the next '/'
 * (BAD_NUMBER unless it is a plain quote number; else copied into number);
 * what follows the segment must equal the rest of the pattern, a lone
 * trailing '/' counting as nothing. */
static enum match path_match(const char *pattern, const char *url, char number[65])
{
    static const char HOLE[] = "{number}";
    const char *hole = strstr(pattern, HOLE);
    if (!hole)
        return strcmp(pattern, url) == 0 ? MATCH : NO_MATCH;
    size_t pre = (size_t)(hole - pattern);
    if (strncmp(pattern, url, pre) != 0)
        return NO_MATCH;
    const char *num = url + pre, *slash = strchr(num, '/');
    size_t n = slash ? (size_t)(slash - num) : strlen(num);
    if (!number_ok(num, n))
        return BAD_NUMBER;
    const char *tail = hole + sizeof HOLE - 1;
    if (strcmp(slash ? slash + 1 : "", *tail == '/' ? tail + 1 : tail) != 0)
        return NO_MATCH;
    memcpy(number, num, n);
    number[n] = '\0';
    return MATCH;
}

/* The route of method (HEAD as GET) on url, or NULL. */
static const struct route *route_for(const char *method, const char *url)
{
    char number[65];
    const char *m = strcmp(method, "POST") != 0 ? "GET" : "POST";
    for (size_t i = 0; i < N_ROUTES; i++)
        if (!strcmp(ROUTES[i].method, m) && path_match(ROUTES[i].path, url, number) == MATCH)
            return &ROUTES[i];
    return NULL;
}

/* Is url the address of a route that needs no session? */
static bool path_open(const char *url)
{
    char number[65];
    for (size_t i = 0; i < N_ROUTES; i++)
        if ((ROUTES[i].flags & ROUTE_OPEN) && path_match(ROUTES[i].path, url, number) == MATCH)
            return true;
    return false;
}

/* 403 naming the roles that may take the route's action:
 * { "errors": [ … ], "needs_role": [ "manager" ] }. */
static void refuse_role(struct req *rq, enum staff_action a)
{
    char roles[80];
    cJSON *root = cJSON_CreateObject();
    cJSON *errs = cJSON_AddArrayToObject(root, "errors");
    cJSON *e = cJSON_CreateObject();
    char msg[300];
    snprintf(msg, sizeof msg, "%s needs %s; '%s' is signed in as %s", action_words(a),
             action_roles(a, roles, sizeof roles), rq->who.name, role_name(rq->who.role));
    cJSON_AddNullToObject(e, "field");
    cJSON_AddStringToObject(e, "message", msg);
    cJSON_AddItemToArray(errs, e);
    cJSON *need = cJSON_AddArrayToObject(root, "needs_role");
    for (enum role r = ROLE_FRONT_DESK; r <= ROLE_FINANCE; r++)
        if (role_may(r, a))
            cJSON_AddItemToArray(need, cJSON_CreateString(role_name(r)));
    http_send_json(rq, 403, root, NULL, NULL);
}

static enum MHD_Result too_large(struct req *rq)
{
    return http_send_error(rq, 413, NULL, NULL, NULL, "the request is larger than the %zu KiB limit",
                           rq->s->max_body / 1024);
}

bool routes_refuse_early(struct req *rq, const char *url)
{
    bool api = !strncmp(url, "/api/", 5), post = !strcmp(rq->method, "POST");
    const char *why = http_framing_problem(rq);
    if (why) {
        http_send_error(rq, 400, NULL, "Connection", "close", "%s; refused", why);
        return true;
    }
    if (!http_host_ok(rq)) {
        http_send_error(rq, 403, NULL, NULL, NULL,
                        "this server answers only to an IP address, localhost or a name its operator allows "
                        "(Host header refused)");
        return true;
    }
    if (!post && strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
        http_send_error(rq, 405, NULL, "Allow", "GET, HEAD, POST", "method not allowed");
        return true;
    }
    if (post && !api) {
        http_send_error(rq, 405, NULL, "Allow", "GET, HEAD", "method not allowed");
        return true;
    }
    if (!api)
        return false;
    int wait = ratelimit_take(rq->s->rate, rq->addr);
    if (wait > 0) {
        char w[16];
        snprintf(w, sizeof w, "%d", wait);
        http_send_error(rq, 429, NULL, "Retry-After", w,
                        "too many requests from this computer; try again in %d second%s", wait, wait == 1 ? "" : "s");
        return true;
    }
    why = post ? http_csrf_problem(rq) : NULL;
    if (why) {
        http_send_error(rq, 403, NULL, NULL, NULL, "%s", why);
        return true;
    }
    if (!path_open(url)) {
        if (!session_authenticate(rq))
            return true;
        const struct route *rt = route_for(rq->method, url);
        if (rt && !role_may(rq->who.role, rt->action)) {
            refuse_role(rq, rt->action);
            return true;
        }
    }
    if (post && http_declared_too_large(rq)) {
        too_large(rq);
        return true;
    }
    return false;
}

/* The API's answer to rq: the route's body checks and handler, 405 or 404. */
static enum MHD_Result answer_api(struct req *rq, const char *url)
{
    const char *method = strcmp(rq->method, "POST") != 0 ? "GET" : "POST";
    const struct route *hit = NULL;
    const char *other = NULL;    /* a method the address has, for 405 */
    bool bad_number = false;
    for (size_t i = 0; i < N_ROUTES && !hit; i++) {
        enum match m = path_match(ROUTES[i].path, url, rq->number);
        bad_number |= m == BAD_NUMBER;
        if (m == MATCH && !strcmp(ROUTES[i].method, method))
            hit = &ROUTES[i];
        else if (m == MATCH)
            other = ROUTES[i].method;
    }
    if (!hit && other)
        return http_send_error(rq, 405, NULL, "Allow", other, "use %s", other);
    if (!hit && bad_number)
        return http_send_error(rq, 404, NULL, NULL, NULL, "there is no such quote");
    if (!hit)
        return http_send_error(rq, 404, NULL, NULL, NULL, "unknown API address; see docs/api.md");
    rq->today = srv_today(rq->s);
    if ((hit->flags & ROUTE_PLAN) && !req_plan(rq))
        return rq->ret;
    if ((hit->flags & ROUTE_OBJECT) && !req_object(rq, hit->flags & ROUTE_BLANK_OK))
        return rq->ret;
    hit->run(rq);
    if (!rq->answered && rq->ret == MHD_YES)
        http_send_error(rq, 500, NULL, NULL, NULL, "the request was not answered");
    return rq->ret;
}

enum MHD_Result routes_dispatch(struct req *rq, const char *url)
{
    enum MHD_Result ret;
    if (rq->get_body)
        ret = http_send_error(rq, 400, NULL, NULL, NULL, "a %s request has no body", rq->method);
    else if (rq->too_large)
        ret = too_large(rq);
    else if (strncmp(url, "/api/", 5) != 0)
        ret = static_serve(rq, url);
    else
        ret = answer_api(rq, url);
    req_end(rq);
    return ret;
}
