/* session — signing in and out of the front desk, and who is signed in
 * (docs/api.md "Signing in"): GET /api/session, POST /api/login and
 * /api/logout, and the check every other API request passes.  The
 * accounts, their passwords and sessions are the core's (accounts.h);
 * this file adds what is HTTP's: the cookie, the per-address limit on
 * failed sign-ins, and a bound on the password checks running at once. */
#include "handlers.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "conns.h"
#include "http.h"
#include "ratelimit.h"
#include "server_int.h"

/* Argon2id takes 64 MiB a check: at most this many at once. */
#define PASSWORD_CHECKS_AT_ONCE 4

static const char *cookie_token(const struct req *rq)
{
    return MHD_lookup_connection_value(rq->c, MHD_COOKIE_KIND, HTTP_SESSION_COOKIE);
}

/* Is the request's session live?  Sets rq->who and rq->authed (and marks
 * its connection signed in).  touch: count it as use (the idle timeout
 * restarts).  -1 after answering 500 (the register failed). */
static int check(struct req *rq, bool touch)
{
    const char *token = cookie_token(rq);
    if (!token)
        return 1;
    struct reg *r = req_register(rq);
    if (!r)
        return -1;
    int rc = session_check(r, token, &rq->s->policy, (int64_t)time(NULL), touch, &rq->who, &rq->dl);
    if (rc < 0) {
        req_fail(rq, 500);
        return -1;
    }
    rq->authed = rc == 0;
    if (rq->authed)
        conn_authenticated(rq->s->conns, rq->conn);
    return rc;
}

bool session_authenticate(struct req *rq)
{
    int rc = check(rq, true);
    if (rc > 0)
        http_send_error(rq, 401, NULL, "WWW-Authenticate", "Cookie realm=\"regenquote\"",
                        "sign in first (POST /api/login); a session ends when unused for %lld minutes, after "
                        "%lld hours, at sign-out and when its password changes",
                        (long long)rq->s->policy.idle_s / 60, (long long)rq->s->policy.max_s / 3600);
    return rc == 0;
}

/* { name, role, may: [actions] } of the signed-in account. */
static cJSON *who_json(const struct session_who *w)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "name", w->name);
    cJSON_AddStringToObject(u, "role", role_name(w->role));
    cJSON *may = cJSON_AddArrayToObject(u, "may");
    for (int a = 0; a < ACTION_COUNT; a++)
        if (role_may(w->role, (enum staff_action)a))
            cJSON_AddItemToArray(may, cJSON_CreateString(action_id((enum staff_action)a)));
    return u;
}

void api_session(struct req *rq)
{
    if (check(rq, false) < 0)
        return;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "authenticated", rq->authed);
    if (rq->authed) {
        cJSON_AddItemToObject(root, "user", who_json(&rq->who));
        int64_t now = (int64_t)time(NULL), idle = rq->who.last_seen + rq->s->policy.idle_s - now,
                max = rq->who.created + rq->s->policy.max_s - now;
        cJSON_AddNumberToObject(root, "expires_in_s", (double)(idle < max ? idle : max));
    } else {
        cJSON_AddNullToObject(root, "user");
    }
    cJSON_AddNumberToObject(root, "idle_timeout_s", (double)rq->s->policy.idle_s);
    cJSON_AddNumberToObject(root, "max_lifetime_s", (double)rq->s->policy.max_s);
    http_json_date(root, "today", rq->today);
    http_send_json(rq, 200, root, NULL, NULL);
}

static void gate_enter(struct server *s)
{
    pthread_mutex_lock(&s->pw_mu);
    while (s->pw_busy >= PASSWORD_CHECKS_AT_ONCE)
        pthread_cond_wait(&s->pw_cv, &s->pw_mu);
    s->pw_busy++;
    pthread_mutex_unlock(&s->pw_mu);
}

static void gate_leave(struct server *s)
{
    pthread_mutex_lock(&s->pw_mu);
    s->pw_busy--;
    pthread_cond_signal(&s->pw_cv);
    pthread_mutex_unlock(&s->pw_mu);
}

static enum MHD_Result slowed(struct req *rq, int wait)
{
    char w[16];
    snprintf(w, sizeof w, "%d", wait);
    return http_send_error(rq, 429, NULL, "Retry-After", w,
                           "too many failed sign-ins; try again in %d second%s", wait, wait == 1 ? "" : "s");
}

/* The body (ROUTE_OBJECT): { "username": "…", "password": "…" }. */
void api_login(struct req *rq)
{
    struct server *s = rq->s;
    for (cJSON *k = rq->obj->child; k; k = k->next)
        if (strcmp(k->string, "username") != 0 && strcmp(k->string, "password") != 0) {
            http_send_error(rq, 422, k->string, NULL, NULL, "unknown field '%.40s'; expected 'username' and 'password'",
                            k->string);
            return;
        }
    cJSON *u = cJSON_GetObjectItemCaseSensitive(rq->obj, "username");
    cJSON *p = cJSON_GetObjectItemCaseSensitive(rq->obj, "password");
    if (!cJSON_IsString(u) || !cJSON_IsString(p)) {
        http_send_error(rq, 422, !cJSON_IsString(u) ? "username" : "password", NULL, NULL,
                        "give the account's name and password as text");
        return;
    }
    int wait = ratelimit_wait(s->login_failures, rq->addr);
    if (wait > 0) {
        slowed(rq, wait);
        return;
    }
    struct reg *r = req_register(rq);
    if (!r)
        return;
    struct login_outcome out;
    gate_enter(s);
    int rc = accounts_login(r, u->valuestring, p->valuestring, rq->addr, (int64_t)time(NULL), &out, &rq->dl);
    gate_leave(s);
    if (rc != 0) {
        req_fail(rq, 500);
        return;
    }
    if (out.result == LOGIN_SLOWED) {
        slowed(rq, out.retry_after);
        return;
    }
    if (out.result == LOGIN_REFUSED) {
        ratelimit_take(s->login_failures, rq->addr);
        http_send_error(rq, 401, NULL, NULL, NULL, "the account name or the password is not right");
        return;
    }
    char cookie[200];
    http_session_cookie(rq, out.token, cookie, sizeof cookie);
    memset(out.token, 0, sizeof out.token);
    conn_authenticated(s->conns, rq->conn);
    struct session_who w = { .role = out.role };
    snprintf(w.name, sizeof w.name, "%s", u->valuestring);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "authenticated", true);
    cJSON_AddItemToObject(root, "user", who_json(&w));
    http_send_json(rq, 200, root, MHD_HTTP_HEADER_SET_COOKIE, cookie);
}

void api_logout(struct req *rq)
{
    const char *token = cookie_token(rq);
    if (token) {
        struct reg *r = req_register(rq);
        if (!r)
            return;
        if (session_logout(r, token, rq->addr, (int64_t)time(NULL), &rq->dl) != 0) {
            req_fail(rq, 500);
            return;
        }
    }
    char cookie[200];
    http_session_cookie(rq, NULL, cookie, sizeof cookie);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "authenticated", false);
    http_send_json(rq, 200, root, MHD_HTTP_HEADER_SET_COOKIE, cookie);
}
