/* Who may reach the front desk, and who did what (issue #13): every API
 * request signed in, loopback included; sessions that are new at each
 * sign-in and end; roles; the actor is the signed-in account; the Host
 * name and the request's framing; deadlines that slow clients cannot
 * outlast; revisions that keep the patient; TLS off loopback; the audit
 * trail through the API.  Each finding of the issue is a test named
 * finding_N_…; the server runs in-process (srv_client.h). */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "helpers.h"
#include "register.h"
#include "settings.h"
#include "sha256.h"
#include "srv_client.h"

static const char PLAN[] =
    "{\"patient\": {\"name\": \"Ana Ruiz\", \"date_of_birth\": \"1979-03-02\"},"
    " \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\"}";

/* What is kept in the register (accounts, sessions, failed sign-ins,
 * roles, the actor of events, revisions, the audit trail) is tested on every
 * engine (ENGINE_TEST, srv_engine); the HTTP rules (Host, framing,
 * deadlines, TLS, cookie flags) need a register only to sign in, and run on
 * the default, SQLite. */
TestSuite(access, .init = srv_setup, .fini = srv_teardown, .timeout = 90);

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}


/* The status of GET path with the cookie c ("" for none). */
static int status_with(const char *path, const char *c)
{
    char saved[sizeof cookie], use[sizeof cookie];
    snprintf(saved, sizeof saved, "%s", cookie);
    snprintf(use, sizeof use, "%s", c);
    memcpy(cookie, use, sizeof cookie);
    struct resp r = get(path, NULL);
    int st = r.status;
    resp_free(&r);
    memcpy(cookie, saved, sizeof cookie);
    return st;
}

/* Sign in as name; the cookie ("rq_session=…", kept in out). */
static void login_as(const char *name, char *out, size_t size)
{
    login(name);
    snprintf(out, size, "%s", cookie);
}

/* The count sql selects in the test's register, read behind the server's back. */
static int count_in(const char *sql)
{
    char *v = th_engine_value(th_reg_engine(), th_reg(), sql);
    int n = atoi(v);
    free(v);
    return n;
}

/* Events of a kind in the register (all of them with kind NULL); kind and
 * actor are the tests' own plain words. */
static int count_events(const char *kind, const char *actor)
{
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE %s%s%s AND %s%s%s", kind ? "action = '" : "true",
             kind ? kind : "", kind ? "'" : "", actor ? "actor = '" : "true", actor ? actor : "", actor ? "'" : "");
    return count_in(sql);
}

/* ---- finding 1: no sign-in on loopback ---------------------------------------------- */

ENGINE_TEST(access, finding_1_every_api_request_needs_a_signed_in_account_on_loopback_too)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(FRONT_DESK);
    char *n = post_quote(PLAN);
    char pdf[128];
    snprintf(pdf, sizeof pdf, "/api/quotes/%s/pdf", n);
    cr_assert_eq(status_with(pdf, cookie), 200);
    static const char *const paths[] = { "/api/quotes", "/api/catalog", "/api/audit", "/api/nothing" };
    cr_assert_eq(status_with(pdf, ""), 401, "the PDF of a quote without signing in");
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        cr_assert_eq(status_with(paths[i], ""), 401, "%s without signing in", paths[i]);
    cookie[0] = '\0';
    struct resp r = post("/api/price", NULL, PLAN);
    cr_assert_eq(r.status, 401);
    resp_free(&r);
    /* a made-up or malformed session id is no session */
    cr_assert_eq(status_with(pdf, "rq_session=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 401);
    cr_assert_eq(status_with(pdf, "rq_session=../../etc"), 401);
    /* the page itself and its files are open: they hold no data */
    cr_assert_eq(status_with("/", ""), 200);
    cr_assert_eq(status_with("/app.js", ""), 200);
    r = get("/api/session", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "\"authenticated\":false,\"user\":null"), "%s", r.body);
    resp_free(&r);
    free(n);
}

/* ---- finding 2: Host names ------------------------------------------------------------- */

/* The status of GET path with Host: host, signed in. */
static int with_host(const char *path, const char *host)
{
    char req[600];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nConnection: close\r\n\r\n", path,
                     host, cookie);
    return raw_status(req, (size_t)n);
}

Test(access, finding_2_host_must_be_an_ip_literal_localhost_or_an_allowed_name)
{
    const char *const allow[] = { "desk.clinic.example", NULL };
    struct server_opts o = { .allow_hosts = allow };
    srv = start_with(&o);
    login(FRONT_DESK);
    char h[64];
    static const char *const refused[] = { "127.attacker.example:8080", "127.0.0.1.nip.io", "attacker.example",
                                           "localhost.attacker.example", "127.1", "desk.clinic.example.evil.com",
                                           "" };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        cr_assert_eq(with_host("/api/quotes", refused[i]), 403, "Host: %s", refused[i]);
    snprintf(h, sizeof h, "127.0.0.1:%u", server_port(srv));
    cr_assert_eq(with_host("/api/quotes", h), 200, "Host: %s", h);
    static const char *const accepted[] = { "localhost", "LOCALHOST:8080", "[::1]:8080", "192.168.1.20",
                                            "desk.clinic.example", "Desk.Clinic.Example:443" };
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
        cr_assert_eq(with_host("/api/quotes", accepted[i]), 200, "Host: %s", accepted[i]);
    /* the page too: a rebinding page cannot load it under its own name */
    cr_assert_eq(with_host("/", "127.attacker.example:8080"), 403);
}

/* ---- finding 7: userinfo in Host, duplicate Content-Length ----------------------------- */

Test(access, finding_7_userinfo_in_host_and_duplicate_content_length_are_refused)
{
    srv = start(0, 0);
    login(FRONT_DESK);
    static const char *const hosts[] = { "127.0.0.1:18080@evil", "user@127.0.0.1", "127.0.0.1:18080:1",
                                         "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1/x", "[::1]@evil",
                                         "[::1]x" };
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
        cr_assert_eq(with_host("/api/quotes", hosts[i]), 403, "Host: %s", hosts[i]);
    char req[1024];
    static const char *const framing[] = {
        "Content-Length: 2\r\nContent-Length: 2\r\n",
        "Content-Length: 2\r\nContent-Length: 30\r\n",
        "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
    };
    for (size_t i = 0; i < sizeof framing / sizeof framing[0]; i++) {
        int n = snprintf(req, sizeof req,
                         "POST /api/price HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Regenquote: 1\r\nCookie: %s\r\n%s"
                         "Connection: close\r\n\r\n{}",
                         cookie, framing[i]);
        cr_assert_eq(raw_status(req, (size_t)n), 400, "%s", framing[i]);
    }
    int n = snprintf(req, sizeof req,
                     "GET /api/quotes HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: attacker.example\r\nCookie: %s\r\n"
                     "Connection: close\r\n\r\n", cookie);
    cr_assert_eq(raw_status(req, (size_t)n), 400, "two Host headers");
    /* one plain Content-Length is fine */
    n = snprintf(req, sizeof req,
                 "POST /api/price HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Regenquote: 1\r\nCookie: %s\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", cookie, strlen(PLAN), PLAN);
    cr_assert_eq(raw_status(req, (size_t)n), 200);
}

/* ---- finding 4: sessions ------------------------------------------------------------------- */

ENGINE_TEST(access, finding_4_each_sign_in_gets_a_new_session_that_ends_at_sign_out)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    char a[160], b[160];
    login_as(FRONT_DESK, a, sizeof a);
    login_as(FRONT_DESK, b, sizeof b);
    cr_assert_str_neq(a, b, "two sign-ins, one session id");
    cr_assert_eq(strlen(strchr(a, '=') + 1), 64, "a 256-bit id in hex: %s", a);
    cr_assert_eq(status_with("/api/quotes", a), 200);
    cr_assert_eq(status_with("/api/quotes", b), 200);
    /* the register keeps only the id's SHA-256 */
    char hash[65], sql[200];
    sha256_hex(strchr(a, '=') + 1, 64, hash);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE id_sha256 = '%s'", hash);
    cr_assert_eq(count_in(sql), 1, "the session's hash is not stored");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE id_sha256 = '%s'", strchr(a, '=') + 1);
    cr_assert_eq(count_in(sql), 0, "the session id itself is stored");
    /* sign out: that session ends, the other goes on; the cookie is cleared */
    snprintf(cookie, sizeof cookie, "%s", a);
    struct resp r = post("/api/logout", NULL, "{}");
    cr_assert_eq(r.status, 200);
    cr_assert(has_header(&r, "Max-Age=0"), "%s", r.head);
    resp_free(&r);
    cr_assert_eq(status_with("/api/quotes", a), 401, "the session still works after sign-out");
    cr_assert_eq(status_with("/api/quotes", b), 200);
    cr_assert_eq(count_events("logout", FRONT_DESK), 1);
    cr_assert_eq(count_events("login", FRONT_DESK), 2);
}

Test(access, finding_4_the_cookie_is_httponly_samesite_strict_and_not_secure_on_plain_loopback)
{
    srv = start(0, 0);
    struct resp r = post("/api/login", NULL, "{\"username\": \"ana\", \"password\": \"ana-password-1\"}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    const char *sc = ci_find(r.head, "Set-Cookie: ");
    cr_assert_not_null(sc);
    cr_assert(strstr(sc, "HttpOnly") && strstr(sc, "SameSite=Strict") && strstr(sc, "Path=/"), "%s", r.head);
    cr_assert_null(strstr(sc, "Max-Age"), "a session cookie has no lifetime of its own: %s", r.head);
    cr_assert_null(strstr(sc, "Secure"), "Secure without TLS: %s", r.head);
    resp_free(&r);
}

ENGINE_TEST(access, finding_4_a_session_ends_when_idle_and_when_old)
{
    srv_engine(eng->engine);
    struct server_opts o = { .session_idle_s = 2, .session_max_s = 4 };
    srv = start_with(&o);
    char a[160], b[160];
    login_as(FRONT_DESK, a, sizeof a);
    login_as(FRONT_DESK, b, sizeof b);
    /* b is used every second: it outlives the idle time but not the lifetime */
    for (int i = 0; i < 3; i++) {
        sleep(1);
        cr_assert_eq(status_with("/api/quotes", b), 200, "second %d", i + 1);
    }
    cr_assert_eq(status_with("/api/quotes", a), 401, "unused for 3 s of 2 allowed");
    sleep(2);
    cr_assert_eq(status_with("/api/quotes", b), 401, "used, but 5 s old of 4 allowed");
    /* GET /api/session says so, and does not count as use */
    snprintf(cookie, sizeof cookie, "%s", b);
    struct resp r = get("/api/session", NULL);
    cr_assert(strstr(r.body, "\"authenticated\":false"), "%s", r.body);
    cr_assert(strstr(r.body, "\"idle_timeout_s\":2,\"max_lifetime_s\":4"), "%s", r.body);
    resp_free(&r);
}

ENGINE_TEST(access, finding_4_a_password_change_or_a_disabled_account_ends_its_sessions)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    char a[160], m[160];
    login_as(FRONT_DESK, a, sizeof a);
    login_as(MANAGER, m, sizeof m);
    struct reg *r;
    struct diag_list dl = { 0 };
    cr_assert_eq(register_open(&r, th_reg(), &dl), 0);
    long long ended = 0;
    cr_assert_eq(accounts_set_password(r, FRONT_DESK, "a-new-password-2", "test", &ended, &dl), 0);
    cr_assert_eq(ended, 1);
    cr_assert_eq(status_with("/api/quotes", a), 401, "a session outlived its password");
    cr_assert_eq(status_with("/api/quotes", m), 200);
    cr_assert_eq(accounts_disable(r, MANAGER, "test", &ended, &dl), 0);
    cr_assert_eq(ended, 1);
    cr_assert_eq(status_with("/api/quotes", m), 401, "a session outlived its account");
    register_close(r);
    diag_list_free(&dl);
    /* and a disabled account cannot sign in again */
    struct resp rr = post("/api/login", NULL, "{\"username\": \"max\", \"password\": \"max-password-1\"}");
    cr_assert_eq(rr.status, 401);
    resp_free(&rr);
}

ENGINE_TEST(access, failed_sign_ins_are_refused_alike_recorded_and_slowed_per_account)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    static const char *const wrong[] = {
        "{\"username\": \"ana\", \"password\": \"not-her-password\"}",
        "{\"username\": \"nobody\", \"password\": \"ana-password-1\"}",
    };
    char msg[2][200];
    for (int i = 0; i < 2; i++) {
        struct resp r = post("/api/login", NULL, wrong[i]);
        cr_assert_eq(r.status, 401, "%s", r.body);
        cr_assert_null(ci_find(r.head, "Set-Cookie"));
        cJSON *j = json(&r);
        snprintf(msg[i], sizeof msg[i], "%s", first_error(j, "message"));
        cJSON_Delete(j);
        resp_free(&r);
    }
    cr_assert_str_eq(msg[0], msg[1], "a wrong name and a wrong password must read the same");
    cr_assert_eq(count_events("login failed", FRONT_DESK), 1);
    cr_assert_eq(count_events("login failed", "-"), 1, "an unknown name is not recorded as an actor");
    /* ana: 5 failures in all cost nothing more; then she must wait, even with the right password */
    for (int i = 0; i < 4; i++) {
        struct resp r = post("/api/login", NULL, wrong[0]);
        cr_assert_eq(r.status, 401, "attempt %d: %s", i + 2, r.body);
        resp_free(&r);
    }
    struct resp r = post("/api/login", NULL, "{\"username\": \"ana\", \"password\": \"ana-password-1\"}");
    cr_assert_eq(r.status, 429, "%s", r.body);
    cr_assert(has_header(&r, "Retry-After: "), "%s", r.head);
    resp_free(&r);
    cr_assert_eq(count_events("login failed", FRONT_DESK), 6);
    sleep(3);
    login(FRONT_DESK); /* after the delay, the right password works and clears the count */
    /* the log names no password */
    char *log = log_copy();
    cr_assert_null(strstr(log, "password"), "%s", log);
    free(log);
}

Test(access, failed_sign_ins_are_slowed_per_address)
{
    struct server_opts o = { .login_failures_per_minute = 3 };
    srv = start_with(&o);
    for (int i = 0; i < 3; i++) {
        char body[120];
        snprintf(body, sizeof body, "{\"username\": \"guess%d\", \"password\": \"whatever-123\"}", i);
        struct resp r = post("/api/login", NULL, body);
        cr_assert_eq(r.status, 401, "%s", r.body);
        resp_free(&r);
    }
    struct resp r = post("/api/login", NULL, "{\"username\": \"ana\", \"password\": \"ana-password-1\"}");
    cr_assert_eq(r.status, 429, "the fourth failure from one address in a minute: %s", r.body);
    cr_assert(has_header(&r, "Retry-After: "), "%s", r.head);
    resp_free(&r);
}

/* ---- roles ----------------------------------------------------------------------------------- */

ENGINE_TEST(access, a_role_refusal_is_403_naming_the_role)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    add_user(FINANCE, ROLE_FINANCE);
    login(FRONT_DESK);
    char *n = post_quote(PLAN);
    char path[128];
    snprintf(path, sizeof path, "/api/quotes/%s/void", n);
    struct resp r = post(path, NULL, "{\"reason\": \"Patient chose another clinic\"}");
    cr_assert_eq(r.status, 403, "%s", r.body);
    cJSON *j = json(&r);
    cr_assert(strstr(first_error(j, "message"), "manager role"), "%s", r.body);
    cJSON *need = cJSON_GetObjectItem(j, "needs_role");
    cr_assert_eq(cJSON_GetArraySize(need), 1);
    cr_assert_str_eq(cJSON_GetArrayItem(need, 0)->valuestring, "manager");
    cJSON_Delete(j);
    resp_free(&r);
    cr_assert_eq(status_with("/api/audit", cookie), 403);
    /* finance: prices and reports, no issuing, no PDFs */
    login(FINANCE);
    r = post("/api/quotes", NULL, PLAN);
    cr_assert_eq(r.status, 403, "%s", r.body);
    cr_assert(strstr(r.body, "front-desk or manager role"), "%s", r.body);
    resp_free(&r);
    cr_assert_eq(status_with("/api/quotes", cookie), 200);
    cr_assert_eq(status_with("/api/catalog", cookie), 200);
    snprintf(path, sizeof path, "/api/quotes/%s/pdf", n);
    cr_assert_eq(status_with(path, cookie), 403);
    /* the manager may */
    login(MANAGER);
    snprintf(path, sizeof path, "/api/quotes/%s/void", n);
    r = post(path, NULL, "{\"reason\": \"Patient chose another clinic\"}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    r = get("/api/session", NULL);
    cr_assert(strstr(r.body, "\"role\":\"manager\",\"may\":[\"price\",\"issue\",\"accept\",\"find\",\"reprint\",\"void\","
                             "\"accounts\",\"audit\",\"bills\"]"), "%s", r.body);
    resp_free(&r);
    free(n);
}

/* ---- finding 5: the actor ------------------------------------------------------------------- */

ENGINE_TEST(access, finding_5_the_actor_is_the_signed_in_account_whatever_the_request_says)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(FRONT_DESK);
    struct resp r = post("/api/quotes", "X-Regenquote-User: Mallory%1B%5B31m%FF\r\n", PLAN);
    cr_assert_eq(r.status, 201, "%s", r.body);
    resp_free(&r);
    r = get("/api/quotes/Q-2026-000001", NULL);
    cr_assert(strstr(r.body, "\"actor\":\"" FRONT_DESK "\",\"action\":\"issued\""), "%s", r.body);
    cr_assert_null(strstr(r.body, "Mallory"), "%s", r.body);
    resp_free(&r);
    cr_assert_eq(count_events(NULL, "Mallory"), 0);
}

ENGINE_TEST(access, finding_5_the_command_line_records_the_operating_system_account)
{
    srv_engine(eng->engine);
    char cmd[1200], *out, *err;
    snprintf(cmd, sizeof cmd,
             "REGENQUOTE_USER='Mallory' %s quote --source adipose --area left-knee --register '%s' --out-dir %s",
             th_bin(), th_reg(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "%s accept Q-2026-000001 --by Mallory --register '%s'", th_bin(), th_reg());
    cr_assert_eq(th_run(cmd, &out, &err), 2, "--by is gone: %s", err);
    cr_assert(strstr(err, "unknown option '--by'"), "%s", err);
    free(out); free(err);
    cr_assert_eq(count_events("issued", settings_os_account()), 1);
    cr_assert_eq(count_events(NULL, "Mallory"), 0);
}

/* ---- finding 6: revisions keep the patient ---------------------------------------------------- */

ENGINE_TEST(access, finding_6_a_revision_cannot_change_the_patient)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(FRONT_DESK);
    char *n = post_quote(PLAN); /* Ana Ruiz, no patient ID */
    char path[128];
    snprintf(path, sizeof path, "/api/quotes/%s/revise", n);
    static const char *const other[] = {
        "{\"patient\": {\"name\": \"Bob Stone\"}, \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\"}",
        "{\"patient\": {\"date_of_birth\": \"1980-01-01\"}, \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\"}",
    };
    static const char *const field[] = { "patient.name", "patient.date_of_birth" };
    for (int i = 0; i < 2; i++) {
        struct resp r = post(path, NULL, other[i]);
        cr_assert_eq(r.status, 422, "%s", r.body);
        cJSON *j = json(&r);
        cr_assert_str_eq(first_error(j, "field"), field[i]);
        cr_assert(!strstr(r.body, "Bob") && !strstr(r.body, "1980"), "the message repeats patient data: %s", r.body);
        cJSON_Delete(j);
        resp_free(&r);
    }
    /* without the patient, the revision is for Ana; a different case and spacing is the same name */
    struct resp r = post(path, NULL, "{\"areas\": [\"right-knee\"], \"cell_source\": \"adipose\"}");
    cr_assert_eq(r.status, 201, "%s", r.body);
    resp_free(&r);
    r = get("/api/quotes/Q-2026-000002", NULL);
    cJSON *j = json(&r);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "patient_name")->valuestring, "Ana Ruiz");
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "request"), "patient"),
                                         "date_of_birth")->valuestring, "1979-03-02");
    cJSON_Delete(j);
    resp_free(&r);
    r = post("/api/quotes/Q-2026-000002/revise", NULL,
             "{\"patient\": {\"name\": \"ana  RUIZ\", \"id\": \"P-1\"}, \"areas\": [\"right-knee\"], \"cell_source\": \"adipose\"}");
    cr_assert_eq(r.status, 201, "the same name, another case and spacing, and a patient ID added: %s", r.body);
    resp_free(&r);
    free(n);
}

/* ---- finding 3: slow clients ----------------------------------------------------------------------- */

/* A connection to the server from source address src (127.0.0.x), non-blocking reads. */
static int connect_from(const char *src, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in me = { .sin_family = AF_INET };
    inet_pton(AF_INET, src, &me.sin_addr);
    cr_assert_eq(bind(fd, (struct sockaddr *)&me, sizeof me), 0, "bind %s: %s", src, strerror(errno));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Has the server closed fd (or reset it)? */
static bool closed_by_server(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, 0) <= 0)
        return false;
    char b[64];
    ssize_t k = recv(fd, b, sizeof b, MSG_DONTWAIT);
    return k <= 0;
}

struct dribble {
    int *fds;
    size_t n;
    volatile int stop;
};

/* A header line on every connection every 300 ms, until told to stop. */
static void *dribbler(void *arg)
{
    struct dribble *d = arg;
    while (!d->stop) {
        for (size_t i = 0; i < d->n; i++)
            send(d->fds[i], "X-Slow: 1\r\n", 11, MSG_NOSIGNAL | MSG_DONTWAIT);
        nanosleep(&(struct timespec){ 0, 300000000L }, NULL);
    }
    return NULL;
}

Test(access, finding_3_slow_clients_from_the_desks_own_address_cannot_lock_it_out)
{
    struct server_opts o = { .preauth_timeout_s = 2, .request_timeout_s = 3 };
    srv = start_with(&o);
    login(FRONT_DESK);
    enum { SLOW = 128 };
    int fds[SLOW];
    for (int i = 0; i < SLOW; i++) {
        fds[i] = connect_from("127.0.0.1", (uint16_t)server_port(srv));
        const char start_line[] = "GET /api/quotes HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        cr_assert_eq(send(fds[i], start_line, sizeof start_line - 1, MSG_NOSIGNAL), (ssize_t)sizeof start_line - 1);
    }
    struct dribble d = { fds, SLOW, 0 };
    pthread_t t;
    pthread_create(&t, NULL, dribbler, &d);
    /* the desk, on the same address, keeps working while they dribble */
    double t0 = now_s();
    for (int i = 0; i < 4; i++) {
        double s0 = now_s();
        cr_assert_eq(status_with("/api/quotes", cookie), 200, "request %d while slow clients hold connections", i + 1);
        cr_assert_lt(now_s() - s0, 2.0, "request %d took %.1f s", i + 1, now_s() - s0);
        nanosleep(&(struct timespec){ 0, 700000000L }, NULL);
    }
    /* and every slow connection is closed once its request's time is up */
    while (now_s() - t0 < 5.0)
        nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
    int open = 0;
    for (int i = 0; i < SLOW; i++)
        open += !closed_by_server(fds[i]);
    d.stop = 1;
    pthread_join(t, NULL);
    for (int i = 0; i < SLOW; i++)
        close(fds[i]);
    cr_assert_eq(open, 0, "%d of %d slow connections still open after 5 s (2 s allowed before signing in)", open, SLOW);
    char *log = log_copy();
    cr_assert(strstr(log, "did not finish a request in time"), "%s", log);
    free(log);
}

Test(access, finding_3_half_open_connections_cannot_take_every_slot)
{
    /* off loopback (a proxy stated, so plain HTTP), the deadline long: the
     * share of connections not signed in is what keeps room for staff */
    struct server_opts o = { .bind = "0.0.0.0", .behind_tls_proxy = true, .preauth_timeout_s = 60,
                             .request_timeout_s = 60 };
    srv = start_with(&o);
    login(FRONT_DESK);
    enum { HALF_OPEN = 260 };
    int fds[HALF_OPEN];
    for (int i = 0; i < HALF_OPEN; i++) {
        char src[32];
        snprintf(src, sizeof src, "127.0.0.%d", 2 + i % 50);
        fds[i] = connect_from(src, (uint16_t)server_port(srv));
    }
    nanosleep(&(struct timespec){ 1, 800000000L }, NULL); /* more than a second: they are not clients that send at once */
    double s0 = now_s();
    cr_assert_eq(status_with("/api/quotes", cookie), 200, "a signed-in request with %d half-open connections", HALF_OPEN);
    cr_assert_lt(now_s() - s0, 2.0);
    int closed = 0;
    for (int i = 0; i < HALF_OPEN; i++) {
        closed += closed_by_server(fds[i]);
        close(fds[i]);
    }
    cr_assert_geq(closed, HALF_OPEN - SERVER_PREAUTH_TOTAL, "at most %d connections may wait unauthenticated",
                  SERVER_PREAUTH_TOTAL);
}

/* ---- finding 8: TLS off loopback ------------------------------------------------------------------------- */

Test(access, finding_8_off_loopback_the_server_refuses_plain_http)
{
    struct server_opts o = { .bind = "0.0.0.0", .prices_dir = "pricing", .templates_dir = "templates",
                             .register_path = "unused.db", .out_dir = "unused" };
    struct diag_list dl = { 0 };
    struct server *s = NULL;
    char reg[512];
    snprintf(reg, sizeof reg, "%s/reg.db", dir);
    o.register_path = reg;
    o.out_dir = dir;
    cr_assert_eq(server_start(&s, &o, &dl), -1);
    cr_assert_null(s);
    char *d = th_diags(&dl);
    cr_assert(strstr(d, "--tls-cert") && strstr(d, "--behind-tls-proxy"), "%s", d);
    free(d);
    diag_list_free(&dl);
    o.tls_cert = "x.pem"; /* a certificate without its key */
    cr_assert_eq(server_start(&s, &o, &dl), -1);
    d = th_diags(&dl);
    cr_assert(strstr(d, "--tls-key"), "%s", d);
    free(d);
    diag_list_free(&dl);
    cr_assert(server_addr_is_loopback("127.0.0.1") && server_addr_is_loopback("::1"));
    cr_assert(!server_addr_is_loopback("0.0.0.0") && !server_addr_is_loopback("192.168.1.5"));
}

Test(access, finding_8_the_server_speaks_tls_with_a_certificate)
{
    char cmd[1600], cert[512], key[512], *out, *err;
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost "
             "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout %s -out %s",
             key, cert);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "openssl: %s", err);
    free(out); free(err);
    struct server_opts o = { .bind = "0.0.0.0", .tls_cert = cert, .tls_key = key };
    srv = start_with(&o);
    unsigned port = server_port(srv);
    /* HTTPS answers (the certificate is its own issuer: checked against itself) */
    snprintf(cmd, sizeof cmd,
             "curl -sS --cacert %s --resolve localhost:%u:127.0.0.1 -o /dev/null -w '%%{http_code}' "
             "https://localhost:%u/api/session", cert, port, port);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "curl: %s", err);
    cr_assert_str_eq(out, "200");
    free(out); free(err);
    /* sign-in over TLS: the cookie is Secure */
    snprintf(cmd, sizeof cmd,
             "curl -sS -i --cacert %s --resolve localhost:%u:127.0.0.1 -H 'X-Regenquote: 1' "
             "-d '{\"username\": \"ana\", \"password\": \"ana-password-1\"}' https://localhost:%u/api/login",
             cert, port, port);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "curl: %s", err);
    cr_assert(strstr(out, "HTTP/1.1 200") && strstr(out, "; Secure"), "%s", out);
    free(out); free(err);
    /* plain HTTP on that port gets no answer */
    snprintf(cmd, sizeof cmd, "curl -sS -m 5 -o /dev/null -w '%%{http_code}' http://127.0.0.1:%u/api/session", port);
    int rc = th_run(cmd, &out, &err);
    cr_assert(rc != 0 || strcmp(out, "200") != 0, "plain HTTP answered on the TLS port");
    free(out); free(err);
}

Test(access, behind_a_stated_tls_proxy_the_cookie_is_secure)
{
    struct server_opts o = { .bind = "0.0.0.0", .behind_tls_proxy = true };
    srv = start_with(&o);
    struct resp r = post("/api/login", NULL, "{\"username\": \"ana\", \"password\": \"ana-password-1\"}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(has_header(&r, "; Secure"), "%s", r.head);
    resp_free(&r);
}

/* ---- the audit trail through the API ---------------------------------------------------------------------- */

ENGINE_TEST(access, the_manager_reads_and_verifies_the_audit_trail)
{
    srv_engine(eng->engine);
    char prices[512];
    snprintf(prices, sizeof prices, "%s/pricing", dir);
    char mk[600];
    snprintf(mk, sizeof mk, "mkdir -p %s", prices);
    cr_assert_eq(system(mk), 0);
    cr_assert_eq(th_tables_with(prices, "catalog.json", NULL, NULL), 0);
    struct server_opts o = { .prices_dir = prices };
    srv = start_with(&o);
    login(FRONT_DESK);
    char *n = post_quote(PLAN);
    login(MANAGER);
    /* finance changes the prices: the server's next use records the new table */
    sleep(1); /* a different modification time */
    cr_assert_eq(th_tables_with(prices, "clinic.json", "\"quote_validity_days\": 30", "\"quote_validity_days\": 31"), 0);
    cr_assert_eq(status_with("/api/catalog", cookie), 200);
    struct resp r = get("/api/audit?limit=50", NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *j = json(&r);
    cJSON *ev = cJSON_GetObjectItem(j, "events");
    bool login_ana = false, issued = false, at_start = false, changed = false;
    cJSON *e;
    cJSON_ArrayForEach(e, ev)
    {
        const char *kind = cJSON_GetObjectItem(e, "kind")->valuestring, *actor = cJSON_GetObjectItem(e, "actor")->valuestring;
        cJSON *q = cJSON_GetObjectItem(e, "quote"), *d = cJSON_GetObjectItem(e, "detail");
        login_ana |= !strcmp(kind, "login") && !strcmp(actor, FRONT_DESK);
        issued |= !strcmp(kind, "issued") && !strcmp(actor, FRONT_DESK) && cJSON_IsString(q) && !strcmp(q->valuestring, n);
        at_start |= !strcmp(kind, "price tables loaded") && strstr(d->valuestring, "at start");
        changed |= !strcmp(kind, "price tables loaded") && strstr(d->valuestring, "changed on disk");
    }
    cr_assert(login_ana && issued && at_start && changed, "%s", r.body);
    cr_assert_gt(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 0), "seq")->valuedouble,
                 cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 1), "seq")->valuedouble, "newest first");
    cJSON_Delete(j);
    resp_free(&r);
    r = get("/api/audit?actor=ana&kind=issued", NULL);
    cr_assert(strstr(r.body, "\"count\":1,"), "%s", r.body);
    resp_free(&r);
    r = get("/api/audit?from=2026-99-01", NULL);
    cr_assert_eq(r.status, 400);
    resp_free(&r);
    r = get("/api/audit/verify", NULL);
    cr_assert(strstr(r.body, "\"intact\":true"), "%s", r.body);
    resp_free(&r);
    /* an event edited behind the program's back */
    char *err = th_engine_sql_unlocked(th_reg_engine(), th_reg(),
                                       "UPDATE events SET actor = 'max' WHERE action = 'issued'");
    cr_assert_null(err, "%s", err);
    r = get("/api/audit/verify", NULL);
    cr_assert(strstr(r.body, "\"intact\":false") && strstr(r.body, "\"kind\":\"issued\"") &&
              strstr(r.body, "changed after it was recorded"), "%s", r.body);
    resp_free(&r);
    free(n);
}
