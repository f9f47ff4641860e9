/* The HTTP API without a browser: the server runs in-process on 127.0.0.1
 * (a free port), a small socket client makes the requests, signed in as a
 * staff account (srv_client.h).  Statuses, JSON, the security rules and
 * the access log (docs/api.md).  Signing in, roles, sessions, Host and
 * framing checks, deadlines and TLS: test_access.c. */
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
#include "srv_client.h"
#define NAME "José Müller-Ñúñez"

static const char PLAN[] =
    "{\"patient\": {\"name\": \"" NAME "\", \"id\": \"P-777\"},\n"
    " \"areas\": [\"left-ankle\"], \"cell_source\": \"bone-marrow\", \"adjuncts\": [\"prp-booster\"]}";


/* What the server keeps in the register (quotes, their history, bills, the
 * patient's side) is tested on every engine (ENGINE_TEST, srv_engine); the
 * HTTP rules (headers, methods, limits, static files) need a register only
 * to sign in, and run on the default, SQLite. */
TestSuite(server, .init = srv_setup, .fini = srv_teardown, .timeout = 60);

/* ---- the API --------------------------------------------------------------------- */

Test(server, catalog_lists_choices_with_reasons)
{
    srv = start(0, 0);
    login(FRONT_DESK);
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
    srv = start(0, 0);
    login(FRONT_DESK);
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
    srv = start(0, 0);
    login(FRONT_DESK);
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
    srv = start(0, 0);
    login(FRONT_DESK);
    struct resp r = post("/api/price", NULL, "{\"areas\": [\"left-ankle\",\n  \"cell_source\": 3}");
    cr_assert_eq(r.status, 400, "%s", r.body);
    cJSON *j = json(&r);
    cr_assert(strstr(first_error(j, "message"), "line 2, column 16"), "%s", r.body);
    cJSON_Delete(j);
    resp_free(&r);
}

Test(server, impossible_plan_is_422_with_fields)
{
    srv = start(0, 0);
    login(FRONT_DESK);
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

ENGINE_TEST(server, issue_list_show_pdf_revise_void_accept)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(FRONT_DESK);
    char *n1 = post_quote(PLAN);
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

    r = post("/api/quotes/Q-2026-000002/accept", NULL, "");
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    r = get("/api/quotes/Q-2026-000002", NULL);
    cr_assert(strstr(r.body, "\"actor\":\"" FRONT_DESK "\",\"action\":\"accepted\""),
              "the signed-in account is not recorded: %s", r.body);
    resp_free(&r);
    login(MANAGER); /* voiding is a manager's */
    r = post("/api/quotes/Q-2026-000002/void", NULL, "{}");
    cr_assert_eq(r.status, 422, "void without a reason: %s", r.body);
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

ENGINE_TEST(server, revise_refuses_another_patient)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(FRONT_DESK);
    char *n = post_quote(PLAN);
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
    srv = start(0, 0);
    login(FRONT_DESK);
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
    srv = start(0, 0);
    login(FRONT_DESK);
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
    srv = start(0, 0);
    login(FRONT_DESK);
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
    srv = start(0, 0);
    login(FRONT_DESK);
    const char req[] = "GET /api/catalog HTTP/1.1\r\nHost: attacker.example:80\r\nConnection: close\r\n\r\n";
    cr_assert_eq(raw_status(req, sizeof req - 1), 403);
    char ok[300];
    int n = snprintf(ok, sizeof ok, "GET /api/catalog HTTP/1.1\r\nHost: localhost\r\nCookie: %s\r\nConnection: close\r\n\r\n",
                     cookie);
    cr_assert_eq(raw_status(ok, (size_t)n), 200);
}

Test(server, oversized_body_is_413)
{
    srv = start(0, 1024);
    login(FRONT_DESK);
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
                     "Cookie: %s\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n%.2048s\r\n0\r\n\r\n", cookie, big);
    cr_assert_eq(raw_status(chunked, (size_t)n), 413);
    free(big);
    r = post("/api/price", NULL, PLAN);
    cr_assert_eq(r.status, 200, "a small body after a big one: %s", r.body);
    resp_free(&r);
}

Test(server, rate_limit_is_429_with_retry_after)
{
    srv = start(5, 0);
    login(FRONT_DESK); /* the sign-in is the first of the five */
    for (int i = 0; i < 4; i++) {
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

ENGINE_TEST(server, access_log_has_no_patient_data)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(FRONT_DESK);
    char *n = post_quote(PLAN);
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
    static const char *const secrets[] = { "Müller", "M%C3%BCller", "José", "Jos%C3%A9", "P-777", "name=", "left-kne",
                                           "password" };
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        cr_assert_null(strstr(log, secrets[i]), "the log contains '%s':\n%s", secrets[i], log);
    cr_assert_null(strstr(log, strchr(cookie, '=') + 1), "the log contains the session id:\n%s", log);
    free(log);
    free(n);
}

Test(server, wrong_methods_and_addresses)
{
    srv = start(0, 0);
    login(MANAGER);
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
    srv = start(0, 0);
    login(MANAGER);
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
        { "POST", "/api/audit", "GET" },
        { "POST", "/api/audit/verify", "GET" },
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

/* A request's idempotency key is issued once through the API too: the
 * second POST answers 200 with the first quote's number, and no new number
 * is used. */
ENGINE_TEST(server, an_idempotency_key_issues_once)
{
    srv_engine(eng->engine);
    static const char KEYED[] = "{\"idempotency_key\": \"front-desk-42\", \"patient\": {\"name\": \"" NAME "\"},"
                                " \"areas\": [\"left-ankle\"], \"cell_source\": \"bone-marrow\"}";
    srv = start(0, 0);
    login(FRONT_DESK);
    struct resp r = post("/api/quotes", NULL, KEYED);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cJSON *j = json(&r);
    char *first = strdup(cJSON_GetObjectItem(j, "number")->valuestring);
    cJSON_Delete(j);
    resp_free(&r);
    r = post("/api/quotes", NULL, KEYED);
    cr_assert_eq(r.status, 200, "the same key again: %s", r.body);
    j = json(&r);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "number")->valuestring, first);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "already_issued")), "%s", r.body);
    cJSON_Delete(j);
    resp_free(&r);
    r = get("/api/quotes", NULL);
    j = json(&r);
    cr_assert_eq(cJSON_GetObjectItem(j, "count")->valueint, 1, "one quote: %s", r.body);
    cJSON_Delete(j);
    resp_free(&r);
    free(first);
}

/* A reason is typed text like any other (human_text.h): no terminal
 * escapes, no right-to-left override, not blank, at most 200 characters. */
ENGINE_TEST(server, a_void_reason_is_checked_like_typed_text)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(MANAGER); /* voiding is a manager's */
    char *n = post_quote(PLAN), path[96];
    snprintf(path, sizeof path, "/api/quotes/%s/void", n);
    static const char *const bad[] = {
        "{\"reason\": \"moved \\u001b[2J away\"}",
        "{\"reason\": \"\\u202etxt.exe\"}",
        "{\"reason\": \"  \\u200b \"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct resp r = post(path, NULL, bad[i]);
        cr_assert_eq(r.status, 422, "%s: %s", bad[i], r.body);
        cJSON *j = json(&r);
        cr_assert_str_eq(first_error(j, "field"), "reason");
        cJSON_Delete(j);
        resp_free(&r);
    }
    struct resp r = post(path, NULL, "{\"reason\": \"Patient chose another clinic\"}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    free(n);
}

/* ---- the final bill (api_bills.c) -------------------------------------------------------- */

ENGINE_TEST(server, bill_check_is_the_json_the_cli_prints)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(FRONT_DESK);
    char *number = post_quote(PLAN);
    /* a bill of one item the estimate does not have, added with the command line:
     * the rest of the estimate is not billed, so nobody is above it */
    char path[600], cmd[1600], *out, *err;
    snprintf(path, sizeof path, "%s/bill.csv", dir);
    cr_assert_eq(th_write(path, "bill_date,date_of_service,provider,code,description,quantity,amount\n"
                                "2026-12-01,2026-11-30,clinic,20611,Joint injection,1,450.00\n"),
                 0);
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=1795392000 %s bill add %s %s --register '%s'", th_bin(), number,
             path, th_reg());
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=1795392000 %s bill check %s --format json --register '%s'",
             th_bin(), number, th_reg());
    int st = th_run(cmd, &out, &err);
    cr_assert_eq(st, 0, "status %d: %s%s", st, out, err);
    char url[200];
    snprintf(url, sizeof url, "/api/quotes/%s/bill-check", number);
    struct resp r = get(url, NULL);
    cr_assert_eq(r.status, 403, "the front desk does not check bills: %s", r.body);
    cr_assert(strstr(r.body, "manager"), "the refusal names the role: %s", r.body);
    resp_free(&r);
    login(MANAGER);
    r = get(url, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *a = cJSON_Parse(out), *b = json(&r);
    cr_assert(a && b && cJSON_Compare(a, b, true), "the API and 'bill check --format json' differ:\n%s\n%s", out,
              r.body);
    cJSON_Delete(a);
    cJSON_Delete(b);
    resp_free(&r);
    free(out);
    free(err);
    r = get("/api/disputes", NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "{\"quotes\":[]}"), "%s", r.body);
    resp_free(&r);
    r = get("/api/quotes/Q-2026-999999/bill-check", NULL);
    cr_assert_eq(r.status, 404);
    resp_free(&r);
    free(number);
}

ENGINE_TEST(server, bill_check_needs_a_signed_in_account)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    struct resp r = get("/api/quotes/Q-2026-000001/bill-check", NULL);
    cr_assert_eq(r.status, 401);
    resp_free(&r);
    r = get("/api/disputes", NULL);
    cr_assert_eq(r.status, 401);
    resp_free(&r);
    login(MANAGER);
    r = get("/api/disputes", NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
}

/* The patient's side through the API, on the default (Texas) tables: no
 * notice; a drawn signature accepts the quote with the staff account as
 * witness; the accepted copy starts with the issued PDF; a void quote and a
 * bad signature are refused; e-mail needs consent. */
ENGINE_TEST(server, sign_notice_accepted_copy_and_refusals)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(FRONT_DESK);
    char *n1 = post_quote(PLAN), path[256];
    snprintf(path, sizeof path, "/api/quotes/%s/notice", n1);
    struct resp r = get(path, NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "\"notice\":null"), "%s", r.body);
    resp_free(&r);

    /* a 1×1 RGBA PNG */
    static const char sig[] = "{\"signer\":\"José Müller\",\"signature\":\"data:image/png;base64,"
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\"}";
    snprintf(path, sizeof path, "/api/quotes/%s/sign", n1);
    r = post(path, NULL, "{\"signer\":\"Ana\",\"signature\":\"data:text/plain;base64,AAAA\"}");
    cr_assert_eq(r.status, 422, "%s", r.body);
    resp_free(&r);
    r = post(path, NULL, sig);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cr_assert(strstr(r.body, "\"accepted_sha256\":\""), "%s", r.body);
    resp_free(&r);
    r = post(path, NULL, sig);
    cr_assert_eq(r.status, 409, "signing twice: %s", r.body);
    resp_free(&r);

    snprintf(path, sizeof path, "/api/quotes/%s/pdf", n1);
    struct resp issued = get(path, NULL);
    snprintf(path, sizeof path, "/api/quotes/%s/accepted", n1);
    r = get(path, NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(r.len > issued.len && !memcmp(r.body, issued.body, issued.len), "the issued PDF is a prefix");
    resp_free(&r);
    resp_free(&issued);
    snprintf(path, sizeof path, "/api/quotes/%s", n1);
    r = get(path, NULL);
    cr_assert(strstr(r.body, "\"status\":\"accepted\""), "%s", r.body);
    cr_assert(strstr(r.body, "\"actor\":\"" FRONT_DESK "\""), "the witness is the signed-in account: %s", r.body);
    resp_free(&r);

    char *n2 = post_quote(PLAN);
    login(MANAGER); /* voiding is a manager's */
    snprintf(path, sizeof path, "/api/quotes/%s/void", n2);
    r = post(path, NULL, "{\"reason\": \"Wrong plan\"}");
    resp_free(&r);
    snprintf(path, sizeof path, "/api/quotes/%s/sign", n2);
    r = post(path, NULL, sig);
    cr_assert_eq(r.status, 409, "%s", r.body);
    cr_assert(strstr(r.body, "is void"), "%s", r.body);
    resp_free(&r);
    snprintf(path, sizeof path, "/api/quotes/%s/accepted", n2);
    r = get(path, NULL);
    cr_assert_eq(r.status, 404, "%s", r.body);
    resp_free(&r);

    snprintf(path, sizeof path, "/api/quotes/%s/send", n1);
    r = post(path, NULL, "{\"to\":\"ana@example.org\"}");
    cr_assert(r.status == 503 || r.status == 409, "no relay or no consent: %d %s", r.status, r.body);
    resp_free(&r);
    free(n1);
    free(n2);
}

/* GET /api/quotes/{number}/html: the issued quote as the HTML estimate,
 * behind the login, standing alone (its own policy: nothing loaded, no script). */
ENGINE_TEST(server, quote_as_html_needs_the_login_and_stands_alone)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(FRONT_DESK);
    struct resp r = post("/api/quotes", NULL, PLAN);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cJSON *j = json(&r);
    char path[128];
    snprintf(path, sizeof path, "/api/quotes/%s/html", cJSON_GetObjectItem(j, "number")->valuestring);
    cJSON_Delete(j);
    resp_free(&r);
    char saved[sizeof cookie];
    snprintf(saved, sizeof saved, "%s", cookie);
    cookie[0] = '\0'; /* nobody signed in */
    r = get(path, NULL);
    cr_expect_eq(r.status, 401);
    resp_free(&r);
    snprintf(cookie, sizeof cookie, "%s", saved);
    r = get(path, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(has_header(&r, "Content-Type: text/html; charset=utf-8"), "%s", r.head);
    cr_expect(has_header(&r, "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'"), "%s",
              r.head);
    cr_expect(has_header(&r, "X-Frame-Options: DENY"), "%s", r.head);
    cr_expect(strstr(r.body, "<html lang=\"en\">") != NULL);
    cr_expect(strstr(r.body, "Total you pay") != NULL);
    resp_free(&r);
    strcat(path, "?large-print=1");
    r = get(path, NULL);
    cr_expect(strstr(r.body, "<body class=\"large-print\">") != NULL);
    resp_free(&r);
    r = get("/api/quotes/Q-2026-999999/html", NULL);
    cr_expect_eq(r.status, 404);
    resp_free(&r);
}

/* The count of quotes GET /api/quotes?QUERY answers (asserted 200). */
static int list_count(const char *query)
{
    char path[200];
    snprintf(path, sizeof path, "/api/quotes?%s", query);
    struct resp r = get(path, NULL);
    cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
    cJSON *j = json(&r);
    int n = cJSON_GetObjectItem(j, "count")->valueint;
    cJSON_Delete(j);
    resp_free(&r);
    return n;
}

/* Downloading the issued PDF through the front desk records a "download"
 * delivery by the account signed in, once per account: the quote leaves
 * the undelivered list (the API's and the command line's), the history and
 * the audit trail name the account, and the chain stays intact. */
Test(server, downloading_the_pdf_records_a_delivery_once_per_account)
{
    srv = start(0, 0);
    login(FRONT_DESK);
    char *n1 = post_quote(PLAN), *n2 = post_quote(PLAN), path[256], cmd[800], *out, *err;
    cr_assert_eq(list_count("undelivered=1"), 2, "two new quotes are undelivered");
    snprintf(path, sizeof path, "/api/quotes/%s/pdf", n1);
    struct resp r = http("HEAD", path, NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    cr_assert_eq(list_count("undelivered=1"), 2, "a HEAD is no download");
    for (int i = 0; i < 3; i++) { /* three fetches, one record */
        r = get(path, NULL);
        cr_assert_eq(r.status, 200, "%s", r.body);
        cr_assert(r.len > 1000 && !memcmp(r.body, "%PDF-", 5));
        resp_free(&r);
    }
    cr_assert_eq(list_count("undelivered=1"), 1, "the downloaded quote is delivered");
    r = get("/api/quotes?undelivered=1", NULL);
    cr_assert(strstr(r.body, n2) && !strstr(r.body, n1), "only %s is undelivered: %s", n2, r.body);
    resp_free(&r);
    r = get("/api/quotes?undelivered=yes", NULL);
    cr_assert_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
    /* the command line's list reads the same record */
    snprintf(cmd, sizeof cmd, "%s list --undelivered --register %s/reg.db", th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, n2) && !strstr(out, n1), "list --undelivered: %s", out);
    free(out);
    free(err);
    snprintf(path, sizeof path, "/api/quotes/%s", n1);
    r = get(path, NULL);
    cr_assert(strstr(r.body, "\"actor\":\"" FRONT_DESK "\",\"action\":\"delivered\",\"detail\":\"download\""),
              "the history names the account: %s", r.body);
    resp_free(&r);
    /* another account's first download is its own record */
    login(MANAGER);
    snprintf(path, sizeof path, "/api/quotes/%s/pdf", n1);
    r = get(path, NULL);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    snprintf(path, sizeof path, "/api/audit?kind=delivered&quote=%s", n1);
    r = get(path, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cJSON *j = json(&r), *ev;
    cr_assert_eq(cJSON_GetObjectItem(j, "count")->valueint, 2, "one event per account: %s", r.body);
    int desk = 0, manager = 0;
    cJSON_ArrayForEach(ev, cJSON_GetObjectItem(j, "events"))
    {
        const char *actor = cJSON_GetObjectItem(ev, "actor")->valuestring;
        cr_assert_str_eq(cJSON_GetObjectItem(ev, "detail")->valuestring, "download");
        desk += !strcmp(actor, FRONT_DESK);
        manager += !strcmp(actor, MANAGER);
    }
    cr_assert(desk == 1 && manager == 1, "attributed to both accounts: %s", r.body);
    cJSON_Delete(j);
    resp_free(&r);
    r = get("/api/audit/verify", NULL);
    cr_assert(strstr(r.body, "\"intact\":true"), "%s", r.body);
    resp_free(&r);
    free(n1);
    free(n2);
}

/* The clinic's explanation of a bill line, written in the front desk: only
 * the roles that handle bills may write it; it is the same record `bill
 * explain` makes (the command line's comparison shows it, by the account
 * signed in); a line the comparison does not have and an empty text are
 * refused with the field; a quote with no bill is 404. */
Test(server, a_bill_line_is_explained_through_the_api)
{
    srv = start(0, 0);
    add_user(FINANCE, ROLE_FINANCE);
    login(FRONT_DESK);
    char *number = post_quote(PLAN), *other = post_quote(PLAN);
    char path[600], cmd[1600], *out, *err;
    snprintf(path, sizeof path, "%s/bill.csv", dir);
    cr_assert_eq(th_write(path, "bill_date,date_of_service,provider,code,description,quantity,amount\n"
                                "2026-12-01,2026-11-30,clinic,20611,Joint injection,1,450.00\n"),
                 0);
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=1795392000 %s bill add %s %s --register %s/reg.db", th_bin(), number,
             path, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    char url[200];
    snprintf(url, sizeof url, "/api/quotes/%s/bill-explain", number);
    static const char BODY[] = "{\"line\": 1, \"text\": \"Billed separately: the injection was added on the day\"}";
    struct resp r = post(url, NULL, BODY);
    cr_assert_eq(r.status, 403, "the front desk does not explain bills: %s", r.body);
    cr_assert(strstr(r.body, "finance"), "the refusal names the roles: %s", r.body);
    resp_free(&r);

    login(FINANCE);
    r = post(url, NULL, "{\"line\": 99, \"text\": \"No such line\"}");
    cr_assert_eq(r.status, 422, "%s", r.body);
    cJSON *j = json(&r);
    cr_assert_str_eq(first_error(j, "field"), "line");
    cr_assert(strstr(first_error(j, "message"), "has no line 99"), "%s", r.body);
    cJSON_Delete(j);
    resp_free(&r);
    r = post(url, NULL, "{\"line\": 1, \"text\": \"\"}");
    cr_assert_eq(r.status, 422, "%s", r.body);
    resp_free(&r);
    r = post(url, NULL, "{\"line\": \"1\", \"text\": \"x\"}");
    cr_assert_eq(r.status, 422, "%s", r.body);
    resp_free(&r);
    r = post(url, NULL, "{\"line\": 1, \"text\": \"x\", \"by\": \"someone\"}");
    cr_assert_eq(r.status, 422, "an unknown field: %s", r.body);
    resp_free(&r);
    snprintf(path, sizeof path, "/api/quotes/%s/bill-explain", other);
    r = post(path, NULL, BODY);
    cr_assert_eq(r.status, 404, "no bill yet: %s", r.body);
    resp_free(&r);

    r = post(url, NULL, BODY);
    cr_assert_eq(r.status, 201, "%s", r.body);
    j = json(&r);
    const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "providers"), 0);
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(p, "rows"), 0);
    cr_assert_eq(cJSON_GetObjectItem(row, "line")->valueint, 1);
    const cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItem(row, "explanations"), 0);
    cr_assert(ex, "the answer shows the explanation: %s", r.body);
    cr_assert_str_eq(cJSON_GetObjectItem(ex, "text")->valuestring,
                     "Billed separately: the injection was added on the day");
    cr_assert_str_eq(cJSON_GetObjectItem(ex, "written_by")->valuestring, FINANCE);
    cJSON_Delete(j);
    resp_free(&r);
    /* the command line reads the same record */
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=1795392000 %s bill check %s --register %s/reg.db", th_bin(), number,
             dir);
    th_run(cmd, &out, &err);
    cr_assert(strstr(out, "explained by " FINANCE ": Billed separately: the injection was added on the day"),
              "bill check: %s%s", out, err);
    free(out);
    free(err);
    login(MANAGER);
    snprintf(path, sizeof path, "/api/audit?kind=bill%%20explained&quote=%s", number);
    r = get(path, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, "\"count\":1") && strstr(r.body, "\"actor\":\"" FINANCE "\""),
              "the audit trail names who wrote it: %s", r.body);
    resp_free(&r);
    free(number);
    free(other);
}

/* A free loopback port with nothing listening on it. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* The patient's consent to e-mail, given at the front desk, is kept in the
 * register and is what sending asks for: refused (409) before it, tried
 * after it (here the relay refuses the connection: 502), and recorded in
 * the quote's history. */
ENGINE_TEST(server, consent_given_through_the_api_is_what_sending_asks_for)
{
    srv_engine(eng->engine);
    char prices[512], mail[600], text[300];
    snprintf(prices, sizeof prices, "%s/prices", dir);
    cr_assert_eq(mkdir(prices, 0700), 0);
    cr_assert_eq(th_tables_with(prices, "clinic.json", NULL, NULL), 0);
    snprintf(mail, sizeof mail, "%s/mail.json", prices);
    snprintf(text, sizeof text, "{ \"server\": \"127.0.0.1\", \"port\": %d, \"security\": \"none\", "
             "\"from\": \"billing@clinic.example\", \"timeout_seconds\": 2 }", closed_port());
    cr_assert_eq(th_write(mail, text), 0);
    struct server_opts o = { .prices_dir = prices };
    srv = start_with(&o);
    login(FRONT_DESK);
    char *n = post_quote(PLAN), path[128];
    snprintf(path, sizeof path, "/api/quotes/%s/send", n);
    struct resp r = post(path, NULL, "{\"to\":\"ana@example.org\"}");
    cr_assert_eq(r.status, 409, "no consent yet: %s", r.body);
    cr_assert(strstr(r.body, "has not consented"), "%s", r.body);
    resp_free(&r);
    snprintf(path, sizeof path, "/api/quotes/%s/consent", n);
    r = post(path, NULL, "{\"email\":\"ana@example.org\"}");
    cr_assert_eq(r.status, 201, "%s", r.body);
    resp_free(&r);
    r = post(path, NULL, "{\"email\":\"not an address\"}");
    cr_assert_eq(r.status, 422, "%s", r.body);
    resp_free(&r);
    snprintf(path, sizeof path, "/api/quotes/%s/send", n);
    r = post(path, NULL, "{\"to\":\"ana@example.org\"}");
    cr_assert_eq(r.status, 502, "consented; the relay refuses: %s", r.body);
    cr_assert(strstr(r.body, "refused the connection"), "%s", r.body);
    resp_free(&r);
    r = post(path, NULL, "{\"to\":\"bob@example.org\"}");
    cr_assert_eq(r.status, 409, "consent is for one address: %s", r.body);
    resp_free(&r);
    snprintf(path, sizeof path, "/api/quotes/%s", n);
    r = get(path, NULL);
    cr_assert(strstr(r.body, "\"actor\":\"" FRONT_DESK "\",\"action\":\"consent\""), "%s", r.body);
    resp_free(&r);
    char *addr = th_engine_value(th_reg_engine(), th_reg(), "SELECT address FROM email_consents");
    cr_assert_str_eq(addr, "ana@example.org");
    free(addr);
    char *sent = th_engine_value(th_reg_engine(), th_reg(), "SELECT count(*) FROM deliveries");
    cr_assert_str_eq(sent, "0", "a message the relay refused is no delivery");
    free(sent);
    free(n);
}

/* A quote issued at a front desk keeps that desk's name (--desk) and the
 * location the plan names; the list filters by location (issue #14). */
ENGINE_TEST(server, a_quote_keeps_the_desk_and_location_it_came_from)
{
    srv_engine(eng->engine);
    struct server_opts o = { .desk = "round-rock-1" };
    srv = start_with(&o);
    login(FRONT_DESK);
    free(post_quote("{\"areas\": [\"left-knee\"], \"cell_source\": \"adipose\", \"location\": \"round-rock\"}"));
    free(post_quote("{\"areas\": [\"left-knee\"], \"cell_source\": \"adipose\", \"location\": \"westlake\"}"));
    struct resp r = get("/api/quotes?location=round-rock", NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, "\"count\":1,"), "%s", r.body);
    cr_assert(strstr(r.body, "\"location\":\"round-rock\",\"desk\":\"round-rock-1\""), "%s", r.body);
    resp_free(&r);
    r = get("/api/quotes/Q-2026-000002", NULL);
    cr_assert(strstr(r.body, "\"location\":\"westlake\",\"desk\":\"round-rock-1\""), "%s", r.body);
    resp_free(&r);
}

/* Where the estimate carries a notice that requires signed consent (the
 * California sample clinic moved to Utah), the front desk cannot accept
 * the quote without the signature (409, saying what to do); the patient's
 * signature through /sign is that acceptance. */
Test(server, accepting_without_a_signature_is_refused_where_the_notice_requires_signed_consent)
{
    char prices[400], cmd[1600];
    snprintf(prices, sizeof prices, "%s/prices", dir);
    snprintf(cmd, sizeof cmd,
             "mkdir %s && cp examples/clinics/california/*.json %s/ && "
             "sed -i 's/\"state\": \"CA\"/\"state\": \"UT\"/' %s/clinic.json",
             prices, prices, prices);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0, "%s", cmd);
    struct server_opts o = { .prices_dir = prices };
    srv = start_with(&o);
    login(FRONT_DESK);
    char *plan = th_read("examples/clinics/california/request-adipose-knee.json", NULL);
    cr_assert_not_null(plan);
    char *n = post_quote(plan), path[128];
    snprintf(path, sizeof path, "/api/quotes/%s/accept", n);
    struct resp r = post(path, NULL, "");
    cr_assert_eq(r.status, 409, "%s", r.body);
    cr_assert(strstr(r.body, "carries Utah's stem-cell notice, which requires the patient's signed consent"), "%s",
              r.body);
    resp_free(&r);
    snprintf(path, sizeof path, "/api/quotes/%s", n);
    r = get(path, NULL);
    cr_assert(strstr(r.body, "\"status\":\"issued\""), "still issued: %s", r.body);
    resp_free(&r);
    static const char sig[] = "{\"signer\":\"Ana Lucía Rivera\",\"signature\":\"data:image/png;base64,"
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\"}";
    snprintf(path, sizeof path, "/api/quotes/%s/sign", n);
    r = post(path, NULL, sig);
    cr_assert_eq(r.status, 201, "the signed acceptance: %s", r.body);
    resp_free(&r);
    free(plan);
    free(n);
}

static void *download_once(void *path)
{
    struct resp r = get(path, NULL);
    int ok = r.status == 200;
    resp_free(&r);
    return ok ? path : NULL;
}

/* Six downloads of one PDF at the same moment by one account record one
 * delivery: the check and the record are one transaction. */
ENGINE_TEST(server, simultaneous_downloads_record_one_delivery)
{
    srv_engine(eng->engine);
    srv = start(0, 0);
    login(FRONT_DESK);
    char *n = post_quote(PLAN), path[128];
    snprintf(path, sizeof path, "/api/quotes/%s/pdf", n);
    pthread_t t[6];
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, download_once, path), 0);
    size_t ok = 0;
    for (size_t i = 0; i < 6; i++) {
        void *res;
        pthread_join(t[i], &res);
        ok += res != NULL;
    }
    cr_assert_eq(ok, 6, "every download is answered");
    snprintf(path, sizeof path, "/api/quotes/%s", n);
    struct resp r = get(path, NULL);
    size_t delivered = 0;
    for (const char *p = r.body; (p = strstr(p, "\"action\":\"delivered\"")); p++)
        delivered++;
    cr_assert_eq(delivered, 1, "one delivery recorded: %s", r.body);
    resp_free(&r);
    free(n);
}
