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
 * Security (docs/api.md "Security", SECURITY.md): every API request but
 * the sign-in's own (session, login, logout) needs a live session of a
 * staff account (accounts.h), loopback included, and the role its route
 * names (roles.h); the session is a random id in an HttpOnly,
 * SameSite=Strict cookie (Secure under TLS), of which the register keeps
 * only the hash, ending when idle, when old, at sign-out, at a password
 * change and when the account is disabled.  Every change is recorded as
 * an event of the audit trail (audit.h) with the signed-in account as its
 * actor.  Host must be an IP literal, localhost or a name the operator
 * allows; a request's framing is checked (one Host, one plain
 * Content-Length, no Content-Length beside Transfer-Encoding); every POST
 * needs X-Regenquote: 1 and a matching Origin when one is sent; a request
 * has a deadline for its headers and body, shorter before its connection
 * is signed in (conns.h); body size limit (413); per-client rate limits
 * (429), on failed sign-ins too; security headers on every response.
 * Off loopback it speaks TLS (libmicrohttpd with GnuTLS), unless the
 * operator states that a TLS-terminating proxy on the same machine fronts
 * it. */
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
#define SERVER_DEFAULT_IDLE 900     /* seconds a session lasts unused (15 minutes) */
#define SERVER_DEFAULT_LIFETIME 28800 /* seconds a session lasts at most (8 hours) */
#define SERVER_DEFAULT_REQUEST_TIMEOUT 15 /* seconds for a request's headers and body */
#define SERVER_DEFAULT_PREAUTH_TIMEOUT 5  /* the same, before a connection is signed in */
#define SERVER_DEFAULT_LOGIN_FAILURES 10  /* failed sign-ins a minute per client address */
#define SERVER_MAX_CONNECTIONS 256
#define SERVER_PREAUTH_TOTAL 128    /* connections not (yet) signed in, at most */
#define SERVER_PREAUTH_PER_ADDRESS 16

/* Called with one line (no newline) of log; ctx is server_opts.log_ctx. */
typedef void (*server_log_fn)(void *ctx, const char *line);

struct server_opts {
    const char *bind;            /* numeric IPv4 or IPv6 address; NULL = 127.0.0.1 */
    unsigned port;               /* 0 = any free port (see server_port) */
    const char *tls_cert, *tls_key; /* PEM files: speak HTTPS (both or neither) */
    bool behind_tls_proxy;       /* a TLS-terminating proxy on this machine fronts it */
    const char *const *allow_hosts; /* more Host names to answer to (NULL-terminated), or NULL */
    const char *prices_dir;      /* holds clinic.json and catalog.json (required) */
    const char *templates_dir;   /* PDF wording and font (required) */
    const char *register_path;   /* SQLite register, created if missing (required) */
    const char *out_dir;         /* PDF copies (required; created if missing) */
    const char *web_dir;         /* the page's files, or NULL: API only */
    const char *desk;            /* this front desk's name, kept with each quote, or NULL */
    bool a4;                     /* PDFs on A4 instead of US Letter */
    size_t max_body;             /* bytes; 0 = SERVER_DEFAULT_MAX_BODY */
    int rate_per_minute;         /* API requests per client per minute; 0 = default, <0 = off */
    int login_failures_per_minute; /* failed sign-ins per client per minute; 0 = default */
    unsigned slots;              /* 0 = SERVER_DEFAULT_SLOTS */
    unsigned session_idle_s;     /* 0 = SERVER_DEFAULT_IDLE */
    unsigned session_max_s;      /* 0 = SERVER_DEFAULT_LIFETIME */
    unsigned request_timeout_s;  /* 0 = SERVER_DEFAULT_REQUEST_TIMEOUT */
    unsigned preauth_timeout_s;  /* 0 = SERVER_DEFAULT_PREAUTH_TIMEOUT */
    bool has_today;              /* fix "today" (tests, SOURCE_DATE_EPOCH) */
    rq_date today;
    server_log_fn log;           /* may be NULL: nothing is logged */
    void *log_ctx;
};

struct server;

/* Check the options, open the register (creating it and the output folder
 * if needed, and rewriting PDF copies an interrupted run left missing),
 * load the price tables (recording them in the audit trail) and start
 * listening.  Returns 0 and sets
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
