/* The PostgreSQL engine's connection faults, handled like disk faults: a
 * server that is not running, a wrong password, a connection dropped
 * inside the issuing transaction or between two quotes.  Nothing is
 * half-issued, no number is lost or reused, and every message is one line
 * naming host and database, never the password.  (What every engine must
 * do is in test_register_engine.c, which runs against PostgreSQL too.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "register.h"

static void need_pg(void)
{
    if (th_pg_available())
        return;
    if (!strcmp(th_pg_missing(), "fail"))
        cr_assert_fail("no PostgreSQL server for the tests: run them with 'make test'");
    criterion_skip_test("no PostgreSQL server (make test starts one with scripts/pg-test.sh)");
}

/* A fresh register on the test server: its locator in loc, open in *r. */
static struct reg *open_fresh(char *loc, size_t size)
{
    need_pg();
    cr_assert_eq(th_pg_fresh(loc, size), 0);
    struct reg *r = NULL;
    struct diag_list dl = { 0 };
    char *d = NULL;
    int rc = register_create(&r, loc, NULL, "test", &dl);
    if (rc != 0)
        d = th_diags(&dl);
    cr_assert_eq(rc, 0, "%s", d);
    diag_list_free(&dl);
    return r;
}

static int render_doc(void *ctx, const char *number, const unsigned char **pdf, size_t *len, struct diag_list *dl)
{
    (void)dl;
    static char doc[128];
    *len = (size_t)snprintf(doc, sizeof doc, "%%PDF-1.4\n%% %s\n%%%%EOF\n", number);
    *pdf = (const unsigned char *)doc;
    (void)ctx;
    return 0;
}

/* Inside the issuing transaction, the server drops the connection. */
static int render_then_drop(void *ctx, const char *number, const unsigned char **pdf, size_t *len,
                            struct diag_list *dl)
{
    char *err = th_pg_sql((const char *)ctx,
                          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    cr_assert_null(err, "%s", err);
    return render_doc(NULL, number, pdf, len, dl);
}

static struct reg_issue sample(void)
{
    rq_date d = date_from_ymd(2026, 11, 23);
    return (struct reg_issue){
        .request_json = "{}", .quote_json = "{}", .tables_sha256 = "abc", .tables_version = "1",
        .clinic_json = "{}", .catalog_json = "{}", .issued = d, .valid_until = d + 30,
        .total_cents = 100, .language = "en", .actor = "t",
    };
}

/* The one-line message of a failed call, checked to name where and never
 * the password. */
static char *one_message(struct diag_list *dl, const char *password)
{
    char *d = th_diags(dl);
    cr_assert(dl->errors > 0);
    cr_assert_null(strstr(d, password), "the password is never shown: %s", d);
    char *nl = strchr(d, '\n');
    cr_assert(!nl || nl[1] == '\0', "one line: %s", d);
    diag_list_free(dl);
    return d;
}

/* The test server's socket parameters without the user: "host=…&port=…". */
static void socket_params(char *out, size_t size)
{
    snprintf(out, size, "%s", getenv("REGENQUOTE_TEST_PG"));
    char *user = strstr(out, "&user=");
    if (user)
        *user = '\0';
}

Test(reg_pg, a_wrong_password_is_one_line_naming_host_and_database_never_the_password)
{
    need_pg();
    char sock[600], loc[900], db[700];
    socket_params(sock, sizeof sock);
    /* the role rq_pw authenticates by password (scripts/pg-test.sh) */
    snprintf(loc, sizeof loc, "postgresql://rq_pw:Wr0ng-Passw0rd@/postgres?%s", sock);
    struct reg *r = NULL;
    struct diag_list dl = { 0 };
    cr_assert_eq(register_open(&r, loc, &dl), -1);
    cr_assert_null(r);
    char *d = one_message(&dl, "Wr0ng-Passw0rd");
    cr_assert(strstr(d, "postgresql:///postgres?host=/tmp/rq-pg."), "names the database and host: %s", d);
    cr_assert(strstr(d, "cannot connect to the register's database: ") && strstr(d, "password authentication failed"),
              "%s", d);
    cr_assert_null(strstr(d, "rq_pw:"), "%s", d);
    free(d);
    /* with the right one, postgres:// opens a register (the same engine) */
    cr_assert_eq(th_pg_fresh(db, sizeof db), 0);
    const char *name = db + strlen("postgresql:///");
    int name_len = (int)strcspn(name, "?");
    char sql[200], *err;
    snprintf(sql, sizeof sql, "ALTER DATABASE %.*s OWNER TO rq_pw", name_len, name);
    cr_assert_null((err = th_pg_sql(getenv("PGTEST_ADMIN"), sql)), "%s", err);
    snprintf(loc, sizeof loc, "postgres://rq_pw:%s@/%.*s?%s", getenv("PGTEST_PASSWORD"), name_len, name, sock);
    int rc = register_create(&r, loc, NULL, "test", &dl);
    d = th_diags(&dl);
    cr_assert_eq(rc, 0, "%s", d);
    free(d);
    cr_assert_str_eq(register_engine_name(r), "postgresql");
    register_close(r);
}

Test(reg_pg, a_server_that_is_not_running_is_one_line_naming_host_and_database)
{
    struct reg *r = NULL;
    struct diag_list dl = { 0 };
    /* connect_timeout bounds the wait for a server that may be restarting */
    const char *loc = "postgresql://clinic:s3cret-Pw@/regenquote?host=/tmp/rq-no-server-here&connect_timeout=1";
    cr_assert_eq(register_open(&r, loc, &dl), -1);
    char *d = one_message(&dl, "s3cret-Pw");
    cr_assert(strstr(d, "postgresql:///regenquote?host=/tmp/rq-no-server-here: cannot connect to the register's database: "),
              "%s", d);
    cr_assert(strstr(d, "No such file or directory"), "%s", d);
    free(d);
    /* the command line says the same, exit 1 */
    char cmd[1200], *out, *err;
    snprintf(cmd, sizeof cmd, "%s list --register '%s'", th_bin(), loc);
    cr_assert_eq(th_run(cmd, &out, &err), 1, "%s", err);
    cr_assert(!strncmp(err, "regenquote: postgresql:///regenquote?host=/tmp/rq-no-server-here: cannot connect", 80),
              "%s", err);
    cr_assert_null(strstr(err, "s3cret-Pw"), "%s", err);
    free(out);
    free(err);
}

Test(reg_pg, a_connection_dropped_inside_the_issuing_transaction_issues_nothing_and_loses_no_number)
{
    char loc[700];
    struct reg *r = open_fresh(loc, sizeof loc);
    struct diag_list dl = { 0 };
    struct reg_issue in = sample();
    char *number = NULL;
    cr_assert_eq(register_issue(r, &in, render_doc, NULL, &number, &dl), 0);
    cr_assert_str_eq(number, "Q-2026-000001");
    free(number);

    cr_assert_eq(register_issue(r, &in, render_then_drop, loc, &number, &dl), -1);
    cr_assert_null(number);
    char *d = one_message(&dl, "no password here");
    cr_assert(strstr(d, "the connection to the database server was lost"), "%s", d);
    free(d);

    /* the same handle goes on: it connects again, and the number the lost
     * transaction had is the next one given */
    cr_assert_eq(register_issue(r, &in, render_doc, NULL, &number, &dl), 0, "%s", th_diags(&dl));
    cr_assert_str_eq(number, "Q-2026-000002");
    free(number);
    struct reg_filter all = { .today = in.issued };
    struct reg_entry *v;
    size_t n;
    cr_assert_eq(register_list(r, &all, &v, &n, &dl), 0);
    cr_assert_eq(n, 2, "nothing half-issued");
    for (size_t i = 0; i < n; i++)
        reg_entry_free(&v[i]);
    free(v);
    struct reg_event *ev;
    cr_assert_eq(register_history(r, "Q-2026-000002", &ev, &n, &dl), 0);
    cr_assert_eq(n, 1, "one issued event, none from the lost attempt");
    reg_events_free(ev, n);
    register_close(r);
}

Test(reg_pg, a_connection_dropped_between_two_quotes_is_made_again)
{
    char loc[700];
    struct reg *r = open_fresh(loc, sizeof loc);
    struct diag_list dl = { 0 };
    struct reg_issue in = sample();
    char *number = NULL;
    for (int i = 1; i <= 3; i++) {
        /* the server ends the idle connection (as a restart would) */
        char *err = th_pg_sql(loc, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                   " WHERE datname = current_database() AND pid <> pg_backend_pid()");
        cr_assert_null(err, "%s", err);
        cr_assert_eq(register_issue(r, &in, render_doc, NULL, &number, &dl), 0, "%s", th_diags(&dl));
        char want[32];
        snprintf(want, sizeof want, "Q-2026-%06d", i);
        cr_assert_str_eq(number, want);
        free(number);
        /* reading after a drop works too */
        err = th_pg_sql(loc, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             " WHERE datname = current_database() AND pid <> pg_backend_pid()");
        free(err);
        struct reg_entry e;
        cr_assert_eq(register_get(r, want, true, &e, &dl), 0, "%s", th_diags(&dl));
        reg_entry_free(&e);
    }
    register_close(r);
}

Test(reg_pg, a_locator_is_shown_without_user_password_or_other_parameters)
{
    char b[300];
    cr_assert_str_eq(register_locator_display("postgresql://clinic:pa55@db.example:5433/quotes?sslmode=verify-full"
                                              "&password=other&host=db2.example",
                                              b, sizeof b),
                     "postgresql://db.example:5433/quotes?host=db2.example");
    cr_assert_str_eq(register_locator_display("postgres://u@/q?host=/run/pg&port=5432&application_name=x", b, sizeof b),
                     "postgres:///q?host=/run/pg&port=5432");
    cr_assert_str_eq(register_locator_display("postgresql://clinic:p@ss/w0rd:x@db.example/quotes", b, sizeof b),
                     "postgresql://db.example/quotes", "a password that was not percent-encoded");
    cr_assert_str_eq(register_locator_display("postgresql://db.example/quotes?user=a@b", b, sizeof b),
                     "postgresql://db.example/quotes");
    cr_assert_str_eq(register_locator_display("out/register.db", b, sizeof b), "out/register.db");
    cr_assert(register_locator_is_path("out/register.db"));
    cr_assert_not(register_locator_is_path("postgresql://x/y"));
}
