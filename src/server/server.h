/* server — the front desk over HTTP: a JSON API (docs/api.md) and the
 * page in web/, on libmicrohttpd, over the same library as the command
 * line (pricing_compute, issue_quote, the register).  No pricing rule is
 * written here.
 *
 * A library module: it never prints and never exits.  Each request's
 * access line (method, path without the query string, status, time; never
 * a body, a query string or a header value) and each operational message
 * go to the caller's log callback, which may be called from any server
 * thread at once (it must be thread-safe).
 *
 * Threads: libmicrohttpd runs one thread per connection.  Each request
 * opens its own SQLite connection to the register.  Price tables and PDF
 * template caches live in a small pool of slots (one table + one render
 * cache each); a request takes a slot for the time it prices or renders,
 * so a table's prices-in-force date is never changed under another
 * request.  Tables are reloaded when clinic.json or catalog.json change on
 * disk (a table with problems is not used: the last good one stays).
 *
 * Security (docs/api.md "Security"): bound to 127.0.0.1 unless told
 * otherwise; on any non-loopback address a token is required and checked
 * on every API request (Authorization: Bearer, or the HttpOnly
 * SameSite=Strict session cookie set by POST /api/login); every POST needs
 * the header X-Regenquote: 1 and a matching Origin when one is sent; body
 * size limit (413); per-client rate limit (429); security headers on every
 * response. */
#ifndef RQ_SERVER_H
#define RQ_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "date.h"
#include "diag.h"

#define SERVER_DEFAULT_PORT 8080
#define SERVER_DEFAULT_BIND "127.0.0.1"
#define SERVER_DEFAULT_MAX_BODY (64u * 1024u)
#define SERVER_DEFAULT_RATE 600     /* API requests per minute per client */
#define SERVER_DEFAULT_SLOTS 4      /* price tables / render caches */

/* Called with one line (no newline) of log; ctx is server_opts.log_ctx. */
typedef void (*server_log_fn)(void *ctx, const char *line);

struct server_opts {
    const char *bind;            /* numeric IPv4 or IPv6 address; NULL = 127.0.0.1 */
    unsigned port;               /* 0 = any free port (see server_port) */
    const char *token;           /* NULL or "" = none; required off loopback */
    const char *prices_dir;      /* holds clinic.json and catalog.json (required) */
    const char *templates_dir;   /* PDF wording and font (required) */
    const char *register_path;   /* SQLite register, created if missing (required) */
    const char *out_dir;         /* PDF copies (required; created if missing) */
    const char *web_dir;         /* the page's files, or NULL: API only */
    const char *actor;           /* recorded as who issued, unless the request names staff */
    const char *desk;            /* this front desk's name, kept with each quote, or NULL */
    bool a4;                     /* PDFs on A4 instead of US Letter */
    size_t max_body;             /* bytes; 0 = SERVER_DEFAULT_MAX_BODY */
    int rate_per_minute;         /* API requests per client per minute; 0 = default, <0 = off */
    unsigned slots;              /* 0 = SERVER_DEFAULT_SLOTS */
    bool has_today;              /* fix "today" (tests, SOURCE_DATE_EPOCH) */
    rq_date today;
    server_log_fn log;           /* may be NULL: nothing is logged */
    void *log_ctx;
};

struct server;

/* Check the options, load the price tables, open the register (creating
 * it and the output folder if needed, and rewriting PDF copies an
 * interrupted run left missing) and start listening.  Returns 0 and sets
 * *out, or -1 with diagnostics (then nothing is running).  The strings in
 * o are copied. */
int server_start(struct server **out, const struct server_opts *o, struct diag_list *dl);

/* The TCP port the server listens on (useful after port 0). */
unsigned server_port(const struct server *s);

/* Stop accepting, wait for requests in progress to finish, release
 * everything.  s may be NULL. */
void server_stop(struct server *s);

/* True if addr (numeric IPv4/IPv6) is a loopback address. */
bool server_addr_is_loopback(const char *addr);

#endif
