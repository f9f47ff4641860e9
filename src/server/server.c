/* server — the front desk over HTTP (server.h): start and stop, the
 * daemon, and each request's life: its context made when its headers are
 * in (and refused then if it must be), its body gathered, then answered
 * through the route table (routes.c) and logged when it is done.  The
 * other files are listed in server_int.h. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "conns.h"
#include "handlers.h"
#include "http.h"
#include "outfile.h"
#include "ratelimit.h"
#include "register.h"
#include "regpool.h"
#include "request.h"
#include "routes.h"
#include "server_int.h"
#include "settings.h"
#include "tables.h"

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

/* ---- a request's life ------------------------------------------------------------------- */

/* libmicrohttpd calls this when the headers are in, once per piece of
 * body, and once more when the body is complete. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct req *rq = *con_cls;
    if (!rq) {
        if (!(rq = req_new(cls, c, method, url)))
            return MHD_NO;
        *con_cls = rq;
        return routes_refuse_early(rq, url) ? rq->ret : MHD_YES;
    }
    if (rq->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        int rc = req_add_body(rq, upload, *upload_size);
        *upload_size = 0;
        return rc == 0 ? MHD_YES : MHD_NO;
    }
    struct server *s = cls;
    conn_handling(s->conns, rq->conn);
    enum MHD_Result ret = routes_dispatch(rq, url);
    conn_sending(s->conns, rq->conn);
    return ret;
}

/* The access line: address, method, path, status and time; never a body,
 * a query string or a header value. */
static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)c;
    struct server *s = cls;
    struct req *rq = *con_cls;
    if (!rq)
        return;
    if (rq->status)
        srv_logf(&s->log, "%s \"%s %s\" %u %.1f ms", rq->addr, rq->method, rq->path, rq->status,
                 elapsed_ms(&rq->start));
    else
        srv_logf(&s->log, "%s \"%s %s\" closed before an answer (%d)", rq->addr, rq->method, rq->path, (int)toe);
    conn_reading(s->conns, rq->conn);
    req_free(rq);
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

/* Register handles kept open between requests (regpool.h): about one per
 * client a busy front desk serves at once.  Only for a database (a
 * connection is worth keeping); an SQLite file is opened per request, as
 * before the pool: a pooled SQLite handle was seen to leave a revision
 * unseen by other processes (tests/browser, "find the quote, revise it"). */
#define REGISTER_POOL 32

static void server_free(struct server *s)
{
    if (!s)
        return;
    conns_free(s->conns);
    tables_free(s->tables);
    ratelimit_free(s->rate);
    regpool_free(s->regs);
    ratelimit_free(s->login_failures);
    free(s->bind);
    free(s->templates_dir);
    free(s->register_path);
    free(s->out_dir);
    free(s->web_dir);
    free(s->desk);
    for (size_t i = 0; s->allow_hosts && s->allow_hosts[i]; i++)
        free(s->allow_hosts[i]);
    free(s->allow_hosts);
    free(s->tls_cert_pem);
    if (s->tls_key_pem) {
        memset(s->tls_key_pem, 0, strlen(s->tls_key_pem));
        free(s->tls_key_pem);
    }
    if (s->pw_init) {
        pthread_mutex_destroy(&s->pw_mu);
        pthread_cond_destroy(&s->pw_cv);
    }
    free(s);
}

/* The whole PEM file at path (at most 1 MiB) as a string, or NULL with a
 * diagnostic naming opt. */
static char *read_pem(const char *path, const char *opt, struct diag_list *dl)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(dl, path, opt, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    if (buf)
        n = fread(buf, 1, cap + 1, f);
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad || n > cap || n == 0) {
        free(buf);
        diag_error(dl, path, opt, "%s", !buf ? "out of memory" : bad ? "cannot read" : n ? "is larger than 1 MiB" : "is empty");
        return NULL;
    }
    buf[n] = '\0';
    if (!strstr(buf, "-----BEGIN ")) {
        free(buf);
        diag_error(dl, path, opt, "is not a PEM file (no '-----BEGIN' line)");
        return NULL;
    }
    return buf;
}

/* A "price tables loaded" event for each table the server starts using. */
static void tables_loaded(void *ctx, const char *version, const char *sha256, bool at_start)
{
    struct server *s = ctx;
    struct reg *r = NULL;
    struct diag_list dl = { 0 };
    char detail[200];
    snprintf(detail, sizeof detail, "version %s, sha256 %s%s", version, sha256,
             at_start ? ", at start" : ", changed on disk");
    if (register_open(&r, s->register_path, &dl) != 0 ||
        audit_record(r, "price tables loaded", NULL, settings_os_account(), detail, &dl) != 0)
        srv_logf(&s->log, "cannot record the price tables in the audit trail: %s",
                 dl.n ? dl.v[0].msg : "out of memory");
    register_close(r);
    diag_list_free(&dl);
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
    pthread_mutex_init(&s->pw_mu, NULL);
    pthread_cond_init(&s->pw_cv, NULL);
    s->pw_init = true;
    s->bind = strdup(o->bind && *o->bind ? o->bind : SERVER_DEFAULT_BIND);
    s->templates_dir = strdup(o->templates_dir);
    s->register_path = strdup(o->register_path);
    s->out_dir = strdup(o->out_dir);
    s->web_dir = dupstr(o->web_dir);
    s->desk = o->desk && *o->desk ? strdup(o->desk) : NULL;
    s->a4 = o->a4;
    s->has_today = o->has_today;
    s->today = o->today;
    s->max_body = o->max_body ? o->max_body : SERVER_DEFAULT_MAX_BODY;
    s->policy.idle_s = o->session_idle_s ? o->session_idle_s : SERVER_DEFAULT_IDLE;
    s->policy.max_s = o->session_max_s ? o->session_max_s : SERVER_DEFAULT_LIFETIME;
    s->rate = ratelimit_new(o->rate_per_minute == 0 ? SERVER_DEFAULT_RATE : o->rate_per_minute);
    s->login_failures = ratelimit_new(o->login_failures_per_minute > 0 ? o->login_failures_per_minute
                                                                       : SERVER_DEFAULT_LOGIN_FAILURES);
    s->log = (struct srv_log){ o->log, o->log_ctx };
    unsigned request_s = o->request_timeout_s ? o->request_timeout_s : SERVER_DEFAULT_REQUEST_TIMEOUT;
    struct conns_opts co = {
        .request_timeout_s = request_s,
        .preauth_timeout_s = o->preauth_timeout_s ? o->preauth_timeout_s : SERVER_DEFAULT_PREAUTH_TIMEOUT,
        .sending_timeout_s = 60,
        .preauth_total = SERVER_PREAUTH_TOTAL,
        .preauth_per_address = SERVER_PREAUTH_PER_ADDRESS,
    };
    s->conns = conns_new(&co, &s->log);
    size_t nh = 0;
    while (o->allow_hosts && o->allow_hosts[nh])
        nh++;
    s->allow_hosts = calloc(nh + 1, sizeof *s->allow_hosts);
    bool ok = s->allow_hosts != NULL;
    for (size_t i = 0; ok && i < nh; i++)
        ok = (s->allow_hosts[i] = strdup(o->allow_hosts[i])) != NULL;
    if (!ok || !s->bind || !s->templates_dir || !s->register_path || !s->out_dir || (o->web_dir && !s->web_dir) ||
        !s->rate || !s->login_failures || !s->conns || (o->desk && *o->desk && !s->desk)) {
        diag_error(dl, NULL, NULL, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nh; i++)
        if (!http_host_name_ok(s->allow_hosts[i])) {
            diag_error(dl, NULL, "--allow-host", "'%.60s' is not a host name; use letters, digits, '.' and '-'",
                       s->allow_hosts[i]);
            goto fail;
        }
    if (s->policy.idle_s > s->policy.max_s) {
        diag_error(dl, NULL, "--session-idle", "a session's idle timeout (%lld s) is longer than its lifetime (%lld s)",
                   (long long)s->policy.idle_s, (long long)s->policy.max_s);
        goto fail;
    }

    /* Where to listen, and in what. */
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
    if (!o->tls_cert != !o->tls_key) {
        diag_error(dl, NULL, o->tls_cert ? "--tls-key" : "--tls-cert",
                   "TLS needs both the certificate (--tls-cert) and its private key (--tls-key)");
        goto fail;
    }
    s->tls = o->tls_cert != NULL;
    if (s->tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        diag_error(dl, NULL, "--tls-cert", "this libmicrohttpd was built without TLS");
        goto fail;
    }
    if (!s->loopback && !s->tls && !o->behind_tls_proxy) {
        diag_error(dl, NULL, "--bind",
                   "listening on '%s' lets other computers in over plain HTTP: give --tls-cert FILE and --tls-key FILE, "
                   "or --behind-tls-proxy when a TLS-terminating proxy on this machine fronts the server",
                   s->bind);
        goto fail;
    }
    if (s->tls && (!(s->tls_cert_pem = read_pem(o->tls_cert, "--tls-cert", dl)) ||
                   !(s->tls_key_pem = read_pem(o->tls_key, "--tls-key", dl))))
        goto fail;
    s->secure_cookie = s->tls || o->behind_tls_proxy;
    if (s->tls) {
        struct stat kst;
        if (stat(o->tls_key, &kst) == 0 && (kst.st_mode & 077))
            srv_logf(&s->log, "warning: the TLS private key '%s' can be read by other accounts; chmod 600 it",
                     o->tls_key);
    }

    /* Register and PDF copies: create, migrate, repair. */
    struct reg *r = NULL;
    int fixed = 0;
    if (!(s->regs = regpool_new(s->register_path, register_locator_is_path(s->register_path) ? 0 : REGISTER_POOL))) {
        diag_error(dl, NULL, NULL, "out of memory");
        goto fail;
    }
    if (outfile_make_dir(s->out_dir, dl) != 0 || register_open(&r, s->register_path, dl) != 0 ||
        register_repair_desk(r, s->out_dir, s->desk, false, 60, &fixed, dl) != 0) {
        register_close(r);
        goto fail;
    }
    regpool_give(s->regs, r);
    if (fixed)
        srv_logf(&s->log, "rewrote %d PDF cop%s that an interrupted run left missing or damaged", fixed, fixed == 1 ? "y" : "ies");

    /* Price tables now, so a broken table is reported at start (and the
     * one in use is recorded in the audit trail). */
    s->tables = tables_new(o->prices_dir, o->slots ? o->slots : SERVER_DEFAULT_SLOTS, srv_today(s), &s->log,
                           tables_loaded, s, dl);
    if (!s->tables)
        goto fail;

    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (v6)
        flags |= MHD_USE_IPv6;
    if (s->tls)
        flags |= MHD_USE_TLS;
    /* The TLS options come last: without TLS, the list ends before them. */
    s->daemon = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, s,
                                 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
                                 MHD_OPTION_NOTIFY_CONNECTION, conns_notify, s->conns,
                                 MHD_OPTION_CONNECTION_TIMEOUT, request_s,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SERVER_MAX_CONNECTIONS,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                                 s->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->tls_cert_pem,
                                 MHD_OPTION_HTTPS_MEM_KEY, s->tls_key_pem,
                                 MHD_OPTION_END);
    if (!s->daemon) {
        diag_error(dl, NULL, NULL, "cannot listen on %s port %u: %s", s->bind, o->port,
                   s->tls ? "the address or port is not available, or the TLS certificate and key do not fit"
                   : errno ? strerror(errno) : "the address or port is not available");
        goto fail;
    }
    if (conns_start(s->conns) != 0) {
        MHD_stop_daemon(s->daemon);
        diag_error(dl, NULL, NULL, "cannot start the connection watchdog");
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
    conns_stop(s->conns);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    server_free(s);
}
