/* server_int — what the server's files share, private to src/server: the
 * running server's state and its log.  The files, one job each:
 *   server.c      start and stop, the daemon, a request's life (on_request)
 *   routes.c      the API's route table and its dispatcher; checks before the body
 *   request.c     one request's context: body, register, table slot, diagnostics
 *   http.c        answers, body and header checks, the access log's words
 *   tables.c      the price tables in slots, reloaded when their files change
 *   ratelimit.c   requests per minute per client address
 *   regpool.c     open register handles kept between requests
 *   api_price.c   GET /api/catalog, POST /api/price
 *   api_quotes.c  issue, revise, void, accept, list, show, pdf
 *   session.c     signing in and out, who is signed in (accounts.h)
 *   conns.c       connection deadlines, the share of unauthenticated connections
 *   api_audit.c   the audit trail for managers
 *   static.c      the page's files */
#ifndef RQ_SERVER_INT_H
#define RQ_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "date.h"
#include "server.h"

#include <pthread.h>

#include "accounts.h"

struct MHD_Daemon;
struct conns;
struct ratelimit;
struct regpool;
struct tables;

/* Where log lines go: the caller's callback (server_opts.log), or nowhere. */
struct srv_log {
    server_log_fn fn;
    void *ctx;
};

/* Log one line (formatted, at most 1023 bytes); nothing when lg->fn is NULL. */
void srv_logf(const struct srv_log *lg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct server {
    struct MHD_Daemon *daemon;
    unsigned port;
    char *bind, *templates_dir, *register_path, *out_dir, *web_dir, *desk;
    char **allow_hosts;          /* NULL-terminated, or NULL */
    char *tls_cert_pem, *tls_key_pem; /* with TLS */
    bool a4, loopback, has_today, tls, secure_cookie;
    rq_date today;
    size_t max_body;
    struct session_policy policy;
    struct srv_log log;
    struct tables *tables;
    struct ratelimit *rate;      /* API requests per address */
    struct ratelimit *login_failures; /* failed sign-ins per address */
    struct conns *conns;
    struct regpool *regs;        /* open register handles between requests (regpool.h) */
    /* at most PASSWORD_CHECKS_AT_ONCE Argon2id checks at a time (64 MiB each) */
    pthread_mutex_t pw_mu;
    pthread_cond_t pw_cv;
    unsigned pw_busy;
    bool pw_init;
};

/* The server's today: the date server_opts fixed, else the clock's (UTC). */
rq_date srv_today(const struct server *s);

#endif
