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
 *   session.c     the token: session, login, logout, who is signed in
 *   static.c      the page's files */
#ifndef RQ_SERVER_INT_H
#define RQ_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "date.h"
#include "server.h"

struct MHD_Daemon;
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
    char *bind, *token, *templates_dir, *register_path, *out_dir, *web_dir, *actor, *desk;
    bool a4, loopback, has_today;
    rq_date today;
    size_t max_body;
    char session[65];            /* cookie value proving the token was given (session.c) */
    struct srv_log log;
    struct tables *tables;
    struct ratelimit *rate;
    struct regpool *regs;        /* open register handles between requests (regpool.h) */
};

/* The server's today: the date server_opts fixed, else the clock's (UTC). */
rq_date srv_today(const struct server *s);

#endif
