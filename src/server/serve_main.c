/* regenquote-serve: the front desk's HTTP server, which `regenquote serve`
 * runs (execv, same process).  A separate program so that only the server
 * loads libmicrohttpd and the TLS libraries it brings.  This file is its
 * command line: options, messages and signal handling over server.h. */

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "server.h"
#include "settings.h"

enum { EXIT_DATA = 1, EXIT_USAGE = 2 };

static const char SERVE_HELP[] =
    "Usage: regenquote serve [options]\n"
    "\n"
    "The front desk in a browser: serve the quoting page and its JSON API\n"
    "(docs/api.md) until Ctrl-C or SIGTERM. Open the address it prints and sign in\n"
    "with a staff account ('regenquote user add'). Quotes are issued into the same\n"
    "register, with the same price tables, as 'regenquote quote'.\n"
    "\n"
    "  --port N                   TCP port (default 8080; 0 = any free port)\n"
    "  --bind ADDR                numeric address to listen on (default 127.0.0.1);\n"
    "                             any other than loopback needs TLS (or --behind-tls-proxy)\n"
    "  --tls-cert FILE            HTTPS: the certificate chain (PEM)\n"
    "  --tls-key FILE             HTTPS: its private key (PEM; keep it mode 600)\n"
    "  --behind-tls-proxy         a TLS-terminating proxy on this machine fronts the\n"
    "                             server: plain HTTP off loopback is allowed, cookies are Secure\n"
    "  --allow-host NAME          also answer to Host NAME (repeatable; an IP address or\n"
    "                             localhost is always accepted)\n"
    "  --session-idle SECONDS     a session ends when unused this long (default 900)\n"
    "  --session-max SECONDS      a session ends this long after sign-in (default 28800)\n"
    "  --request-timeout SECONDS  time for a request's headers and body (default 15; 5\n"
    "                             before a connection has signed in)\n"
    "  --rate-limit N             API requests per minute from one address (default 600;\n"
    "                             0 = no limit)\n"
    "  --prices DIR  --templates DIR  --a4\n"
    "  --web DIR                  the page's files (default $REGENQUOTE_WEB, ./web,\n"
    "                             then the installed copy)\n"
    "  --register FILE|URI        the register: an SQLite file, or postgresql://… for a\n"
    "                             chain's database (default $REGENQUOTE_REGISTER, out/register.db)\n"
    "  --desk NAME                this front desk's name, kept with each quote it issues\n"
    "                             (default $REGENQUOTE_DESK)\n"
    "  --out-dir DIR              where PDF copies are written (default out or $REGENQUOTE_OUT)\n"
    "\n"
    "Every request but the sign-in page needs a signed-in staff account; the\n"
    "history records it. The access log (stderr) has one line per request:\n"
    "address, method, path without the query string, status and time; never\n"
    "patient data, a password or a session id.\n";

enum { OPT_PORT = 700, OPT_BIND, OPT_RATE, OPT_PRICES, OPT_TEMPLATES, OPT_A4, OPT_WEB, OPT_REGISTER,
       OPT_OUT_DIR, OPT_TLS_CERT, OPT_TLS_KEY, OPT_PROXY, OPT_ALLOW_HOST, OPT_IDLE, OPT_MAX, OPT_TIMEOUT,
       OPT_DESK };

#define MAX_ALLOW_HOSTS 16

/* Access and server messages to stderr, one line each, with UTC time. */
static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s %s\n", ts, line);
}

/* A bounded number from an option; -1 when it is not one. */
static long number_arg(const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    return v;
}

/* Print "regenquote serve: MESSAGE; see 'regenquote serve --help'"; returns 2. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("regenquote serve: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("; see 'regenquote serve --help'\n", stderr);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "port", required_argument, NULL, OPT_PORT },
        { "bind", required_argument, NULL, OPT_BIND },
        { "tls-cert", required_argument, NULL, OPT_TLS_CERT },
        { "tls-key", required_argument, NULL, OPT_TLS_KEY },
        { "behind-tls-proxy", no_argument, NULL, OPT_PROXY },
        { "allow-host", required_argument, NULL, OPT_ALLOW_HOST },
        { "session-idle", required_argument, NULL, OPT_IDLE },
        { "session-max", required_argument, NULL, OPT_MAX },
        { "request-timeout", required_argument, NULL, OPT_TIMEOUT },
        { "rate-limit", required_argument, NULL, OPT_RATE },
        { "prices", required_argument, NULL, OPT_PRICES },
        { "templates", required_argument, NULL, OPT_TEMPLATES },
        { "a4", no_argument, NULL, OPT_A4 },
        { "web", required_argument, NULL, OPT_WEB },
        { "register", required_argument, NULL, OPT_REGISTER },
        { "out-dir", required_argument, NULL, OPT_OUT_DIR },
        { "desk", required_argument, NULL, OPT_DESK },
        { NULL, 0, NULL, 0 },
    };
    struct server_opts so = { .port = SERVER_DEFAULT_PORT, .log = log_line };
    const char *prices = NULL, *templates = NULL, *web = NULL, *reg = NULL, *out = NULL, *desk = NULL;
    const char *hosts[MAX_ALLOW_HOSTS + 1] = { NULL };
    size_t nhosts = 0;
    int c;
    long v;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(SERVE_HELP, stdout); return 0;
        case OPT_PORT:
            if ((v = number_arg(optarg, 0, 65535)) < 0)
                return usage_error("--port '%s' is not a port number; use 0 to 65535", optarg);
            so.port = (unsigned)v;
            break;
        case OPT_BIND: so.bind = optarg; break;
        case OPT_TLS_CERT: so.tls_cert = optarg; break;
        case OPT_TLS_KEY: so.tls_key = optarg; break;
        case OPT_PROXY: so.behind_tls_proxy = true; break;
        case OPT_ALLOW_HOST:
            if (nhosts == MAX_ALLOW_HOSTS)
                return usage_error("at most %d --allow-host names", MAX_ALLOW_HOSTS);
            hosts[nhosts++] = optarg;
            so.allow_hosts = hosts;
            break;
        case OPT_IDLE:
        case OPT_MAX:
        case OPT_TIMEOUT:
            if ((v = number_arg(optarg, 1, 7 * 24 * 3600)) < 0)
                return usage_error("%s '%s' is not a number of seconds (1 to 604800)", argv[optind - 2], optarg);
            *(c == OPT_IDLE ? &so.session_idle_s : c == OPT_MAX ? &so.session_max_s : &so.request_timeout_s) =
                (unsigned)v;
            break;
        case OPT_RATE:
            if ((v = number_arg(optarg, 0, 1000000)) < 0)
                return usage_error("--rate-limit '%s' is not a number of requests per minute", optarg);
            so.rate_per_minute = v == 0 ? -1 : (int)v;
            break;
        case OPT_PRICES: prices = optarg; break;
        case OPT_TEMPLATES: templates = optarg; break;
        case OPT_A4: so.a4 = true; break;
        case OPT_WEB: web = optarg; break;
        case OPT_REGISTER: reg = optarg; break;
        case OPT_OUT_DIR: out = optarg; break;
        case OPT_DESK: desk = optarg; break;
        case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        struct diag_list tdl = { 0 };
        /* the front desk issues legal estimates: a SOURCE_DATE_EPOCH away
         * from the clock is refused, as by every issuing command */
        int bad = settings_issue_date(&so.today, &tdl);
        if (bad)
            diag_list_write(stderr, "regenquote", &tdl, 5);
        diag_list_free(&tdl);
        if (bad)
            return EXIT_USAGE;
        so.has_today = true;
    }
    so.prices_dir = settings_prices_dir(prices);
    so.templates_dir = settings_templates_dir(templates);
    so.register_path = settings_register_path(reg);
    so.out_dir = settings_out_dir(out);
    so.web_dir = settings_web_dir(web);
    so.desk = settings_desk(desk);
    if (web && !so.web_dir)
        return usage_error("--web needs a folder");
    struct stat st;
    if (so.web_dir && (stat(so.web_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        fprintf(stderr, "regenquote: '%s' is not a folder; give the page's folder with --web DIR\n", so.web_dir);
        return EXIT_DATA;
    }
    if (!so.web_dir)
        fprintf(stderr, "regenquote: warning: the front-desk page was not found (no ./web or installed copy); serving the API only\n");

    /* Signals are taken by this thread alone, with sigwait: block them
     * before the server's threads start, so they inherit the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0) {
        fprintf(stderr, "regenquote: cannot set up signal handling\n");
        return EXIT_DATA;
    }
    struct diag_list dl = { 0 };
    struct server *srv = NULL;
    if (server_start(&srv, &so, &dl) != 0) {
        diag_list_write(stderr, "regenquote", &dl, 20);
        diag_list_free(&dl);
        return EXIT_DATA;
    }
    diag_list_free(&dl);
    const char *host = so.bind ? so.bind : SERVER_DEFAULT_BIND;
    bool v6 = strchr(host, ':') != NULL;
    fprintf(stderr, "regenquote: front desk at %s://%s%s%s:%u/ (Ctrl-C stops)\n", so.tls_cert ? "https" : "http",
            v6 ? "[" : "", host, v6 ? "]" : "", server_port(srv));
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    fprintf(stderr, "regenquote: %s received; finishing requests in progress and stopping\n",
            sig == SIGINT ? "interrupt" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
    server_stop(srv);
    fprintf(stderr, "regenquote: stopped\n");
    return 0;
}
