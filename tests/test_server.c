/* The HTTP API without a browser: the server runs in-process on 127.0.0.1
 * (a free port), a small socket client makes the requests.  Statuses,
 * JSON, the security rules and the access log (docs/api.md). */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "register.h"
#include "server.h"

#define TOKEN "test-token-0123456789"
#define NAME "José Müller-Ñúñez"

static const char PLAN[] =
    "{\"patient\": {\"name\": \"" NAME "\", \"id\": \"P-777\"},\n"
    " \"areas\": [\"left-ankle\"], \"cell_source\": \"bone-marrow\", \"adjuncts\": [\"prp-booster\"]}";

/* ---- access log captured in memory ------------------------------------------ */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[1 << 16];
static size_t log_len;

static void log_cb(void *ctx, const char *line)
{
    (void)ctx;
    pthread_mutex_lock(&log_mu);
    size_t n = strlen(line);
    if (log_len + n + 2 < sizeof log_buf) {
        memcpy(log_buf + log_len, line, n);
        log_len += n;
        log_buf[log_len++] = '\n';
        log_buf[log_len] = '\0';
    }
    pthread_mutex_unlock(&log_mu);
}

static char *log_copy(void)
{
    pthread_mutex_lock(&log_mu);
    char *s = strdup(log_buf);
    pthread_mutex_unlock(&log_mu);
    return s;
}

/* ---- one server per test ---------------------------------------------------------- */

static char *dir;
static struct server *srv;

static struct server *start(const char *token, int rate, size_t max_body)
{
    char reg[512], out[512];
    snprintf(reg, sizeof reg, "%s/reg.db", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    struct server_opts o = {
        .bind = "127.0.0.1", .port = 0, .token = token,
        .prices_dir = "pricing", .templates_dir = "templates", .web_dir = "web",
        .register_path = reg, .out_dir = out, .actor = "test",
        .rate_per_minute = rate, .max_body = max_body,
        .has_today = true, .today = date_from_ymd(2026, 11, 23),
        .log = log_cb,
    };
    struct diag_list dl = { 0 };
    struct server *s = NULL;
    int rc = server_start(&s, &o, &dl);
    char *d = th_diags(&dl);
    cr_assert_eq(rc, 0, "server_start: %s", d);
    free(d);
    diag_list_free(&dl);
    return s;
}

static void setup(void)
{
    dir = th_tmpdir();
    /* the register the server opens: it never makes one */
    char reg[512];
    snprintf(reg, sizeof reg, "%s/reg.db", dir);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    cr_assert_eq(register_create(&r, reg, NULL, "test", &dl), 0);
    register_close(r);
    diag_list_free(&dl);
    log_len = 0;
    log_buf[0] = '\0';
    srv = NULL;
}

static void teardown(void)
{
    server_stop(srv);
    th_rmtree(dir);
    free(dir);
}

/* ---- a small HTTP client ------------------------------------------------------------ */

struct resp {
    int status;
    char *head;   /* status line and headers */
    char *body;
    size_t len;
};

static void resp_free(struct resp *r)
{
    free(r->head);
    free(r->body);
}

/* Send one request (extra: more header lines, each ending in \r\n) and read
 * the whole answer. */
static struct resp http(const char *method, const char *path, const char *extra, const char *body, size_t blen)
{
    struct resp r = { 0 };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)server_port(srv)) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char head[4096];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n%s%s", method, path,
                     server_port(srv), extra ? extra : "", body ? "" : "\r\n");
    if (body)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n\r\n", blen);
    cr_assert_eq(write(fd, head, (size_t)n), n);
    for (size_t off = 0; body && off < blen;) {
        ssize_t k = write(fd, body + off, blen - off);
        if (k <= 0)
            break; /* the server may refuse and close early (413) */
        off += (size_t)k;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t k = read(fd, buf + len, cap - len - 1);
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    close(fd);
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    cr_assert_not_null(sep, "no HTTP answer: %s", buf);
    *sep = '\0';
    r.head = strdup(buf);
    r.len = len - (size_t)(sep + 4 - buf);
    r.body = malloc(r.len + 1);
    memcpy(r.body, sep + 4, r.len);
    r.body[r.len] = '\0';
    free(buf);
    cr_assert_eq(sscanf(r.head, "HTTP/1.1 %d", &r.status), 1, "%s", r.head);
    return r;
}

/* Send raw bytes, return the status of the answer (0 if none). */
static int raw_status(const char *data, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)server_port(srv)) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    for (size_t off = 0; off < len;) {
        ssize_t k = write(fd, data + off, len - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    char buf[256] = { 0 };
    ssize_t k = read(fd, buf, sizeof buf - 1);
    close(fd);
    int status = 0;
    if (k > 12)
        sscanf(buf, "HTTP/1.1 %d", &status);
    return status;
}

static struct resp get(const char *path, const char *extra)
{
    return http("GET", path, extra, NULL, 0);
}

static struct resp post(const char *path, const char *extra, const char *body)
{
    char h[1024];
    snprintf(h, sizeof h, "X-Regenquote: 1\r\nContent-Type: application/json\r\n%s", extra ? extra : "");
    return http("POST", path, h, body, strlen(body));
}

/* Case-insensitive strstr (header names are case-insensitive). */
static const char *ci_find(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
            i++;
        if (i == n)
            return hay;
    }
    return NULL;
}

static bool has_header(const struct resp *r, const char *line)
{
    return ci_find(r->head, line) != NULL;
}

static cJSON *json(const struct resp *r)
{
    cJSON *j = cJSON_Parse(r->body);
    cr_assert_not_null(j, "not JSON: %s", r->body);
    return j;
}

static const char *first_error(cJSON *j, const char *what)
{
    cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "errors"), 0);
    cr_assert_not_null(e, "no errors[] in the answer");
    cJSON *v = cJSON_GetObjectItem(e, what);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Issue PLAN; returns the number (malloc'd). */
static char *issue_plan(void)
{
    struct resp r = post("/api/quotes", NULL, PLAN);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cJSON *j = json(&r);
    char *n = strdup(cJSON_GetObjectItem(j, "number")->valuestring);
    cJSON_Delete(j);
    resp_free(&r);
    return n;
}

TestSuite(server, .init = setup, .fini = teardown, .timeout = 60);

/* ---- the API --------------------------------------------------------------------- */

Test(server, catalog_lists_choices_with_reasons)
{
    srv = start(NULL, 0, 0);
    struct resp r = get("/api/catalog", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(has_header(&r, "Content-Type: application/json"));
    cJSON *j = json(&r);
    cJSON *s;
    bool research = false, fits = false;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "sources"))
        if (!strcmp(cJSON_GetObjectItem(s, "id")->valuestring, "embryonic"))
            research = cJSON_IsString(cJSON_GetObjectItem(s, "research_only"));
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "methods"))
        if (!strcmp(cJSON_GetObjectItem(s, "id")->valuestring, "bmac"))
            fits = cJSON_GetArraySize(cJSON_GetObjectItem(s, "fits")) == 1;
    cr_assert(research, "embryonic has no research-only reason");
    cr_assert(fits, "bmac does not list the sources it fits");
    cr_assert_gt(cJSON_GetArraySize(cJSON_GetObjectItem(j, "discounts")), 0);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "languages")), 2);
    cJSON_Delete(j);
    resp_free(&r);
}

Test(server, catalog_is_the_document_the_cli_prints)
{
    srv = start(NULL, 0, 0);
    static const char *const ask[][2] = { { "/api/catalog", "" }, { "/api/catalog?lang=es", " --lang es" } };
    for (size_t i = 0; i < 2; i++) {
        struct resp r = get(ask[i][0], NULL);
        cr_assert_eq(r.status, 200);
        char cmd[600], *out, *err;
        /* the server's today (2026-11-23) fixed for the command line too */
        snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=1795392000 %s catalog --format json --prices pricing%s",
                 th_bin(), ask[i][1]);
        cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
        size_t n = strlen(out);
        cr_assert(n > 0 && out[n - 1] == '\n');
        out[n - 1] = '\0';
        cr_assert_str_eq(out, r.body, "%s differs from 'regenquote catalog --format json%s'", ask[i][0], ask[i][1]);
        free(out);
        free(err);
        resp_free(&r);
    }
}

Test(server, price_matches_the_engine)
{
    srv = start(NULL, 0, 0);
    struct resp r = post("/api/price", NULL, PLAN);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *j = json(&r);
    double total = cJSON_GetObjectItem(j, "total_cents")->valuedouble;
    cJSON_Delete(j);
    resp_free(&r);
    /* The same plan through the library directly. */
    struct price_table pt;
    struct plan plan;
    struct quote q;
    struct diag_list dl = { 0 };
    static const char *const opts[] = { "source", "bone-marrow", "area", "left-ankle", "add", "prp-booster", NULL };
    cr_assert_eq(th_price(&pt, &plan, &q, &dl, opts), 0);
    cr_assert_eq((long long)total, (long long)q.total_cents);
    quote_free(&q);
    plan_free(&plan);
    price_table_free(&pt);
    diag_list_free(&dl);
}

Test(server, malformed_json_is_400_with_line_and_column)
{
    srv = start(NULL, 0, 0);
    struct resp r = post("/api/price", NULL, "{\"areas\": [\"left-ankle\",\n  \"cell_source\": 3}");
    cr_assert_eq(r.status, 400, "%s", r.body);
    cJSON *j = json(&r);
    cr_assert(strstr(first_error(j, "message"), "line 2, column 16"), "%s", r.body);
    cJSON_Delete(j);
    resp_free(&r);
}

Test(server, impossible_plan_is_422_with_fields)
{
    srv = start(NULL, 0, 0);
    struct resp r = post("/api/price", NULL,
                         "{\"areas\": [\"left-kne\"], \"cell_source\": \"bone-marrow\", \"processing_method\": \"adipose-concentrate\"}");
    cr_assert_eq(r.status, 422, "%s", r.body);
    cr_assert(strstr(r.body, "\"field\":\"areas[0]\""), "%s", r.body);
    cr_assert(strstr(r.body, "did you mean 'left-knee'"), "%s", r.body);
    cr_assert(strstr(r.body, "\"field\":\"processing_method\""), "%s", r.body);
    resp_free(&r);
    r = post("/api/price", NULL, "{\"areas\": [\"left-knee\"], \"cell_source\": \"embryonic\"}");
    cr_assert_eq(r.status, 422);
    cr_assert(strstr(r.body, "research"), "%s", r.body);
    resp_free(&r);
}

Test(server, issue_list_show_pdf_revise_void_accept)
{
    srv = start(NULL, 0, 0);
    char *n1 = issue_plan();
    cr_assert_str_eq(n1, "Q-2026-000001");
    char path[256];
    snprintf(path, sizeof path, "%s/out/%s.pdf", dir, n1);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "no PDF copy");
    cr_assert_eq(st.st_mode & 0777, 0600);

    struct resp r = get("/api/quotes?name=m%C3%BCller&status=issued", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "\"count\":1"), "%s", r.body);
    cr_assert(strstr(r.body, n1));
    resp_free(&r);

    snprintf(path, sizeof path, "/api/quotes/%s/pdf", n1);
    r = get(path, NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(has_header(&r, "Content-Type: application/pdf"));
    cr_assert(r.len > 1000 && !memcmp(r.body, "%PDF-", 5));
    resp_free(&r);

    snprintf(path, sizeof path, "/api/quotes/%s/revise", n1);
    r = post(path, NULL, "");
    cr_assert_eq(r.status, 201, "%s", r.body);
    cr_assert(strstr(r.body, "\"supersedes\":\"Q-2026-000001\""), "%s", r.body);
    resp_free(&r);
    r = post(path, NULL, "");
    cr_assert_eq(r.status, 409, "revising a superseded quote: %s", r.body);
    resp_free(&r);

    r = get("/api/quotes/Q-2026-000001", NULL);
    cr_assert_eq(r.status, 200);
    cJSON *j = json(&r);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "superseded");
    cr_assert(cJSON_IsObject(cJSON_GetObjectItem(j, "request")));
    cr_assert(cJSON_IsObject(cJSON_GetObjectItem(j, "quote")));
    cr_assert_geq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "history")), 2);
    cJSON_Delete(j);
    resp_free(&r);

    r = post("/api/quotes/Q-2026-000002/void", NULL, "{}");
    cr_assert_eq(r.status, 422, "void without a reason: %s", r.body);
    resp_free(&r);
    r = post("/api/quotes/Q-2026-000002/accept", "X-Regenquote-User: Ana%20L%C3%B3pez\r\n", "");
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    r = get("/api/quotes/Q-2026-000002", NULL);
    cr_assert(strstr(r.body, "\"actor\":\"Ana López\""), "staff name not recorded: %s", r.body);
    resp_free(&r);
    r = post("/api/quotes/Q-2026-000002/void", NULL, "{\"reason\": \"Patient chose another clinic\"}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    r = post("/api/quotes/Q-2026-000002/accept", NULL, "");
    cr_assert_eq(r.status, 409, "accepting a void quote: %s", r.body);
    resp_free(&r);

    r = get("/api/quotes/Q-2026-000099", NULL);
    cr_assert_eq(r.status, 404);
    resp_free(&r);
    r = get("/api/quotes/..%2Fetc/pdf", NULL);
    cr_assert_eq(r.status, 404);
    resp_free(&r);
    r = get("/api/quotes?from=2026-13-01", NULL);
    cr_assert_eq(r.status, 400);
    resp_free(&r);
    free(n1);
}

Test(server, revise_refuses_another_patient)
{
    srv = start(NULL, 0, 0);
    char *n = issue_plan();
    char path[128];
    snprintf(path, sizeof path, "/api/quotes/%s/revise", n);
    struct resp r = post(path, NULL, "{\"patient\": {\"id\": \"P-999\"}, \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\"}");
    cr_assert_eq(r.status, 422, "%s", r.body);
    cr_assert(strstr(r.body, "patient.id"), "%s", r.body);
    resp_free(&r);
    free(n);
}

/* ---- security ---------------------------------------------------------------------- */

Test(server, security_headers_on_every_answer)
{
    srv = start(NULL, 0, 0);
    static const char *const paths[] = { "/", "/app.js", "/api/catalog", "/api/nothing" };
    for (size_t i = 0; i < 4; i++) {
        struct resp r = get(paths[i], NULL);
        cr_assert(has_header(&r, "Content-Security-Policy: default-src 'self'"), "%s: %s", paths[i], r.head);
        cr_assert(has_header(&r, "frame-ancestors 'none'"), "%s", paths[i]);
        cr_assert(has_header(&r, "X-Content-Type-Options: nosniff"), "%s", paths[i]);
        resp_free(&r);
    }
}

Test(server, static_files_stay_inside_the_web_folder)
{
    srv = start(NULL, 0, 0);
    struct resp r = get("/", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(has_header(&r, "Content-Type: text/html"));
    resp_free(&r);
    static const char *const bad[] = { "/../Makefile", "/%2e%2e/Makefile", "/.gitignore", "/web/../../etc/passwd",
                                       "/index.html.bak" };
    for (size_t i = 0; i < 5; i++) {
        r = get(bad[i], NULL);
        cr_assert_eq(r.status, 404, "%s answered %d", bad[i], r.status);
        resp_free(&r);
    }
}

Test(server, post_without_csrf_header_or_from_another_site_is_403)
{
    srv = start(NULL, 0, 0);
    struct resp r = http("POST", "/api/price", "Content-Type: application/json\r\n", PLAN, strlen(PLAN));
    cr_assert_eq(r.status, 403, "%s", r.body);
    cr_assert(strstr(r.body, "X-Regenquote"), "%s", r.body);
    resp_free(&r);
    r = post("/api/price", "Origin: http://evil.example\r\n", PLAN);
    cr_assert_eq(r.status, 403, "%s", r.body);
    resp_free(&r);
    r = post("/api/price", "Sec-Fetch-Site: cross-site\r\n", PLAN);
    cr_assert_eq(r.status, 403, "%s", r.body);
    resp_free(&r);
    char origin[128];
    snprintf(origin, sizeof origin, "Origin: http://127.0.0.1:%u\r\n", server_port(srv));
    r = post("/api/price", origin, PLAN);
    cr_assert_eq(r.status, 200, "same origin refused: %s", r.body);
    resp_free(&r);
}

Test(server, foreign_host_name_is_refused_on_loopback)
{
    srv = start(NULL, 0, 0);
    const char req[] = "GET /api/catalog HTTP/1.1\r\nHost: attacker.example:80\r\nConnection: close\r\n\r\n";
    cr_assert_eq(raw_status(req, sizeof req - 1), 403);
    const char ok[] = "GET /api/catalog HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    cr_assert_eq(raw_status(ok, sizeof ok - 1), 200);
}

Test(server, token_is_required_when_set)
{
    srv = start(TOKEN, 0, 0);
    struct resp r = get("/api/catalog", NULL);
    cr_assert_eq(r.status, 401);
    cr_assert(has_header(&r, "WWW-Authenticate: Bearer"));
    resp_free(&r);
    r = get("/api/quotes", "Authorization: Bearer wrong-token-000000\r\n");
    cr_assert_eq(r.status, 401);
    resp_free(&r);
    r = post("/api/price", NULL, PLAN);
    cr_assert_eq(r.status, 401);
    resp_free(&r);
    r = get("/api/catalog", "Authorization: Bearer " TOKEN "\r\n");
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    r = get("/api/session", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "\"auth_required\":true,\"authenticated\":false"), "%s", r.body);
    resp_free(&r);
    /* The page's way in: a login that sets an HttpOnly, SameSite=Strict cookie. */
    r = post("/api/login", NULL, "{\"token\": \"nope\"}");
    cr_assert_eq(r.status, 401);
    resp_free(&r);
    r = post("/api/login", NULL, "{\"token\": \"" TOKEN "\"}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(has_header(&r, "HttpOnly") && has_header(&r, "SameSite=Strict"), "%s", r.head);
    const char *ck = ci_find(r.head, "Set-Cookie: ");
    cr_assert_not_null(ck);
    char cookie[200];
    cr_assert_eq(sscanf(ck + 12, "%199[^;]", cookie), 1);
    cr_assert_null(strstr(cookie, TOKEN), "the cookie holds the token itself");
    resp_free(&r);
    char h[300];
    snprintf(h, sizeof h, "Cookie: %s\r\n", cookie);
    r = get("/api/catalog", h);
    cr_assert_eq(r.status, 200, "the session cookie is not accepted");
    resp_free(&r);
}

Test(server, refuses_to_listen_off_loopback_without_token)
{
    char reg[512];
    snprintf(reg, sizeof reg, "%s/reg.db", dir);
    struct server_opts o = { .bind = "0.0.0.0", .prices_dir = "pricing", .templates_dir = "templates",
                             .register_path = reg, .out_dir = dir };
    struct diag_list dl = { 0 };
    struct server *s = NULL;
    cr_assert_eq(server_start(&s, &o, &dl), -1);
    cr_assert_null(s);
    char *d = th_diags(&dl);
    cr_assert(strstr(d, "token"), "%s", d);
    free(d);
    diag_list_free(&dl);
    cr_assert(server_addr_is_loopback("127.0.0.1") && server_addr_is_loopback("::1"));
    cr_assert(!server_addr_is_loopback("0.0.0.0") && !server_addr_is_loopback("192.168.1.5"));
}

Test(server, oversized_body_is_413)
{
    srv = start(NULL, 0, 1024);
    char *big = malloc(4096);
    memset(big, ' ', 4095);
    big[0] = '{';
    big[4094] = '}';
    big[4095] = '\0';
    struct resp r = post("/api/price", NULL, big);
    cr_assert_eq(r.status, 413, "%s", r.body);
    cr_assert(strstr(r.body, "limit"), "%s", r.body);
    resp_free(&r);
    /* Without a Content-Length (chunked), the limit holds too. */
    char chunked[4096];
    int n = snprintf(chunked, sizeof chunked,
                     "POST /api/price HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Regenquote: 1\r\nConnection: close\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n800\r\n%.2048s\r\n0\r\n\r\n", big);
    cr_assert_eq(raw_status(chunked, (size_t)n), 413);
    free(big);
    r = post("/api/price", NULL, PLAN);
    cr_assert_eq(r.status, 200, "a small body after a big one: %s", r.body);
    resp_free(&r);
}

Test(server, rate_limit_is_429_with_retry_after)
{
    srv = start(NULL, 5, 0);
    for (int i = 0; i < 5; i++) {
        struct resp r = get("/api/session", NULL);
        cr_assert_eq(r.status, 200, "request %d", i + 1);
        resp_free(&r);
    }
    struct resp r = get("/api/catalog", NULL);
    cr_assert_eq(r.status, 429);
    cr_assert(has_header(&r, "Retry-After: "), "%s", r.head);
    resp_free(&r);
    /* The page itself is not rate limited. */
    r = get("/style.css", NULL);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
}

Test(server, access_log_has_no_patient_data)
{
    srv = start(NULL, 0, 0);
    char *n = issue_plan();
    struct resp r = get("/api/quotes?name=M%C3%BCller&patient=P-777", NULL);
    resp_free(&r);
    r = post("/api/price", NULL, "{\"patient\": {\"name\": \"" NAME "\"}, \"areas\": [\"left-kne\"]}");
    resp_free(&r);
    r = get("/api/quotes/Jos%C3%A9%20M%C3%BCller", NULL);
    resp_free(&r);
    server_stop(srv); /* every access line is written */
    srv = NULL;
    char *log = log_copy();
    cr_assert(strstr(log, "\"POST /api/quotes\" 201"), "%s", log);
    cr_assert(strstr(log, "\"GET /api/quotes\" 200"), "%s", log);
    static const char *const secrets[] = { "Müller", "M%C3%BCller", "José", "Jos%C3%A9", "P-777", "name=", "left-kne" };
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        cr_assert_null(strstr(log, secrets[i]), "the log contains '%s':\n%s", secrets[i], log);
    free(log);
    free(n);
}

Test(server, wrong_methods_and_addresses)
{
    srv = start(NULL, 0, 0);
    struct resp r = http("DELETE", "/api/quotes/Q-2026-000001", "X-Regenquote: 1\r\n", NULL, 0);
    cr_assert_eq(r.status, 405);
    resp_free(&r);
    r = get("/api/price", NULL);
    cr_assert_eq(r.status, 405);
    cr_assert(has_header(&r, "Allow: POST"));
    resp_free(&r);
    r = get("/api/unknown", NULL);
    cr_assert_eq(r.status, 404);
    cr_assert(strstr(r.body, "\"errors\""));
    resp_free(&r);
    r = post("/api/quotes/Q-2026-000001/void", NULL, "[1, 2");
    cr_assert_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
    r = post("/api/price", NULL, "");
    cr_assert_eq(r.status, 400, "%s", r.body);
    cr_assert(strstr(r.body, "empty"), "%s", r.body);
    resp_free(&r);
    r = http("GET", "/api/catalog", NULL, "{}", 2);
    cr_assert_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
}

Test(server, every_address_refuses_the_other_method_with_allow)
{
    srv = start(NULL, 0, 0);
    /* method sent, address, the method it has */
    static const char *const cases[][3] = {
        { "POST", "/api/session", "GET" },
        { "GET", "/api/login", "POST" },
        { "GET", "/api/logout", "POST" },
        { "POST", "/api/catalog", "GET" },
        { "GET", "/api/price", "POST" },
        { "POST", "/api/quotes/Q-2026-000001", "GET" },
        { "POST", "/api/quotes/Q-2026-000001/pdf", "GET" },
        { "GET", "/api/quotes/Q-2026-000001/revise", "POST" },
        { "GET", "/api/quotes/Q-2026-000001/void", "POST" },
        { "HEAD", "/api/quotes/Q-2026-000001/accept", "POST" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct resp r = !strcmp(cases[i][0], "POST") ? post(cases[i][1], NULL, "{}")
                                                    : http(cases[i][0], cases[i][1], NULL, NULL, 0);
        char allow[40], use[40];
        snprintf(allow, sizeof allow, "Allow: %s\r\n", cases[i][2]);
        snprintf(use, sizeof use, "\"use %s\"", cases[i][2]);
        cr_assert_eq(r.status, 405, "%s %s: %d", cases[i][0], cases[i][1], r.status);
        cr_assert(has_header(&r, allow), "%s %s: %s", cases[i][0], cases[i][1], r.head);
        if (strcmp(cases[i][0], "HEAD") != 0)
            cr_assert(strstr(r.body, use), "%s %s: %s", cases[i][0], cases[i][1], r.body);
        resp_free(&r);
    }
    /* a quote number that cannot be one, and an address under a quote that does not exist */
    struct resp r = get("/api/quotes/.x/pdf", NULL);
    cr_assert_eq(r.status, 404);
    cr_assert(strstr(r.body, "there is no such quote"), "%s", r.body);
    resp_free(&r);
    r = get("/api/quotes/Q-2026-000001/nope", NULL);
    cr_assert_eq(r.status, 404);
    cr_assert(strstr(r.body, "unknown API address"), "%s", r.body);
    resp_free(&r);
}

/* GET /api/quotes/{number}/html: the issued quote as the HTML estimate,
 * behind the login, standing alone (its own policy: nothing loaded, no script). */
Test(server, quote_as_html_needs_the_login_and_stands_alone)
{
    srv = start(TOKEN, 0, 0);
    struct resp r = post("/api/quotes", "Authorization: Bearer " TOKEN "\r\n", PLAN);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cJSON *j = json(&r);
    char path[128];
    snprintf(path, sizeof path, "/api/quotes/%s/html", cJSON_GetObjectItem(j, "number")->valuestring);
    cJSON_Delete(j);
    resp_free(&r);
    r = get(path, NULL);
    cr_expect_eq(r.status, 401);
    resp_free(&r);
    r = get(path, "Authorization: Bearer " TOKEN "\r\n");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(has_header(&r, "Content-Type: text/html; charset=utf-8"), "%s", r.head);
    cr_expect(has_header(&r, "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'"), "%s",
              r.head);
    cr_expect(has_header(&r, "X-Frame-Options: DENY"), "%s", r.head);
    cr_expect(strstr(r.body, "<html lang=\"en\">") != NULL);
    cr_expect(strstr(r.body, "Total you pay") != NULL);
    resp_free(&r);
    strcat(path, "?large-print=1");
    r = get(path, "Authorization: Bearer " TOKEN "\r\n");
    cr_expect(strstr(r.body, "<body class=\"large-print\">") != NULL);
    resp_free(&r);
    r = get("/api/quotes/Q-2026-999999/html", "Authorization: Bearer " TOKEN "\r\n");
    cr_expect_eq(r.status, 404);
    resp_free(&r);
}
