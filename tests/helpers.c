#include "helpers.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "pricing.h"

char *th_tmpdir(void)
{
    char tmpl[] = "/tmp/rqtest.XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

void th_rmtree(const char *dir)
{
    char cmd[512];
    if (!dir || strncmp(dir, "/tmp/rqtest.", 12) != 0)
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
}

char *th_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int th_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = strlen(text);
    int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

const char *th_bin(void)
{
    const char *b = getenv("REGENQUOTE_BIN");
    return b && *b ? b : "./build/regenquote-test";
}

int th_init_register(const char *path)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "%s init --register '%s' >/dev/null", th_bin(), path);
    return th_run(cmd, NULL, NULL);
}

const char *th_product_bin(void)
{
    const char *b = getenv("REGENQUOTE_PRODUCT_BIN");
    return b && *b ? b : "./regenquote";
}

int th_run(const char *cmdline, char **out, char **err)
{
    char *dir = th_tmpdir();
    if (!dir)
        return -1;
    char o[300], e[300];
    snprintf(o, sizeof o, "%s/out", dir);
    snprintf(e, sizeof e, "%s/err", dir);
    size_t n = strlen(cmdline) + 700;
    char *full = malloc(n);
    /* the outer braces keep the shell's own "Killed" notices quiet */
    snprintf(full, n, "( ( %s ) >'%s' 2>'%s' </dev/null ) 2>/dev/null", cmdline, o, e);
    int st = system(full);
    free(full);
    if (out)
        *out = th_read(o, NULL);
    if (err)
        *err = th_read(e, NULL);
    th_rmtree(dir);
    free(dir);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

int th_tables_with(const char *dir, const char *file, const char *from, const char *to)
{
    static const char *const files[] = { "clinic.json", "catalog.json" };
    int found = from ? -1 : 0;
    for (int i = 0; i < 2; i++) {
        char src[256], dst[512];
        snprintf(src, sizeof src, "pricing/%s", files[i]);
        snprintf(dst, sizeof dst, "%s/%s", dir, files[i]);
        char *text = th_read(src, NULL);
        if (!text)
            return -1;
        if (from && !strcmp(file, files[i])) {
            char *at = strstr(text, from);
            if (at) {
                size_t pre = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
                char *nt = malloc(strlen(text) - fl + tl + 1);
                memcpy(nt, text, pre);
                memcpy(nt + pre, to, tl);
                strcpy(nt + pre + tl, at + fl);
                free(text);
                text = nt;
                found = 0;
            }
        }
        th_write(dst, text);
        free(text);
    }
    return found;
}

char *th_diags(const struct diag_list *dl)
{
    size_t cap = 64 + dl->n * 1200;
    char *s = malloc(cap), buf[1200];
    size_t off = 0;
    s[0] = '\0';
    for (size_t i = 0; i < dl->n; i++)
        off += (size_t)snprintf(s + off, cap - off, "%s\n", diag_format(&dl->v[i], buf, sizeof buf));
    return s;
}

int th_price(struct price_table *pt, struct plan *plan, struct quote *q, struct diag_list *dl,
             const char *const *opts)
{
    plan_init(plan);
    if (price_table_load(pt, "pricing", dl) != 0)
        return -2;
    for (size_t i = 0; opts[i]; i += 2)
        if (plan_apply_option(plan, opts[i], opts[i + 1], dl) != 0)
            return -3;
    return pricing_compute(pt, plan, date_from_ymd(2026, 11, 23), q, dl);
}

long long th_sum_lines(const struct quote *q)
{
    long long s = 0;
    for (size_t i = 0; i < q->n_lines; i++)
        if (q->lines[i].in_total)
            s += q->lines[i].amount_cents;
    return s;
}

/* ---- PostgreSQL ------------------------------------------------------------ */

bool th_pg_available(void)
{
    const char *p = getenv("REGENQUOTE_TEST_PG");
    return p && *p;
}

const char *th_pg_missing(void)
{
    const char *ci = getenv("CI");
    return ci && !strcmp(ci, "true") ? "fail" : "skip";
}

char *th_pg_sql(const char *locator, const char *sql)
{
    PGconn *c = PQconnectdb(locator);
    char *err = NULL;
    if (PQstatus(c) != CONNECTION_OK) {
        err = strdup(PQerrorMessage(c));
    } else {
        PQsetNoticeProcessor(c, th_pg_quiet, NULL);
        PGresult *res = PQexec(c, sql);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            err = strdup(PQresultErrorMessage(res));
        PQclear(res);
    }
    PQfinish(c);
    return err;
}

void th_pg_quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

int th_pg_fresh(char *out, size_t size)
{
    static int n;
    const char *params = getenv("REGENQUOTE_TEST_PG");
    if (!params || !*params)
        return -1;
    char admin[600], sql[128], db[64];
    /* process ids come round again within one run (pid_max is often
     * 32768, and every test starts many processes): a random part keeps
     * two tests' databases apart */
    unsigned r = 0;
    FILE *u = fopen("/dev/urandom", "rb");
    if (!u || fread(&r, sizeof r, 1, u) != 1)
        r = (unsigned)time(NULL);
    if (u)
        fclose(u);
    snprintf(db, sizeof db, "t_%ld_%d_%08x", (long)getpid(), ++n, r);
    snprintf(admin, sizeof admin, "postgresql:///postgres?%s", params);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
    char *err = th_pg_sql(admin, sql);
    if (err) {
        fprintf(stderr, "cannot create the test database %s: %s\n", db, err);
        free(err);
        return -1;
    }
    snprintf(out, size, "postgresql:///%s?%s", db, params);
    return 0;
}

/* ---- the register's engines ---------------------------------------------- */

/* A new engine is one line here: every ENGINE_TEST then runs against it. */
const struct th_engine TH_ENGINES[] = {
    { "sqlite", "{dir}/reg.db" },
    { "postgresql", "{pgdb}" },
};
const size_t TH_N_ENGINES = sizeof TH_ENGINES / sizeof TH_ENGINES[0];

struct criterion_test_params th_engine_params(void)
{
    static struct th_engine_param params[sizeof TH_ENGINES / sizeof TH_ENGINES[0]];
    for (size_t i = 0; i < TH_N_ENGINES; i++)
        params[i].engine = i;
    return cr_make_param_array(struct th_engine_param, params, TH_N_ENGINES);
}

bool th_engine_is(size_t e, const char *name)
{
    return e < TH_N_ENGINES && !strcmp(TH_ENGINES[e].name, name);
}

size_t th_engine_index(const char *name)
{
    for (size_t i = 0; i < TH_N_ENGINES; i++)
        if (!strcmp(TH_ENGINES[i].name, name))
            return i;
    cr_assert_fail("no engine '%s'", name);
    return 0;
}

void th_engine_locator(size_t e, const char *dir, char *out, size_t size)
{
    cr_assert_lt(e, TH_N_ENGINES);
    const char *t = TH_ENGINES[e].locator, *at;
    if (!strcmp(t, "{pgdb}")) {
        if (!th_pg_available()) {
            if (!strcmp(th_pg_missing(), "fail"))
                cr_assert_fail("no PostgreSQL server for the tests: run them with 'make test' (scripts/pg-test.sh)");
            criterion_skip_test("no PostgreSQL server (make test starts one with scripts/pg-test.sh)");
        }
        cr_assert_eq(th_pg_fresh(out, size), 0, "a fresh test database");
        return;
    }
    at = strstr(t, "{dir}");
    cr_assert_not_null(at, "%s: the locator template names no {dir}", TH_ENGINES[e].name);
    snprintf(out, size, "%.*s%s%s", (int)(at - t), t, dir, at + 5);
}

char *th_engine_sql(size_t e, const char *locator, const char *sql)
{
    if (th_engine_is(e, "postgresql"))
        return th_pg_sql(locator, sql);
    cr_assert(th_engine_is(e, "sqlite"), "th_engine_sql: no raw access to engine %zu", e);
    sqlite3 *db;
    char *msg = NULL, *err = NULL;
    cr_assert_eq(sqlite3_open_v2(locator, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK, "%s", locator);
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        err = strdup(msg ? msg : "refused");
    sqlite3_free(msg);
    sqlite3_close(db);
    return err;
}

char *th_engine_sql_unlocked(size_t e, const char *locator, const char *sql)
{
    const char *unlock = th_engine_is(e, "postgresql") ? "SET session_replication_role = replica;"
                                                       : "DROP TRIGGER events_append_only_u;"
                                                         "DROP TRIGGER events_append_only_d;"
                                                         "DROP TRIGGER audit_links_append_only_u;"
                                                         "DROP TRIGGER audit_links_append_only_d;";
    size_t n = strlen(unlock) + strlen(sql) + 1;
    char *all = malloc(n);
    snprintf(all, n, "%s%s", unlock, sql);
    char *err = th_engine_sql(e, locator, all);
    free(all);
    return err;
}

static int first_value(void *arg, int ncol, char **vals, char **names)
{
    (void)names;
    char **out = arg;
    if (!*out && ncol > 0)
        *out = strdup(vals[0] ? vals[0] : "");
    return 0;
}

char *th_engine_value(size_t e, const char *locator, const char *sql)
{
    char *v = NULL;
    if (th_engine_is(e, "postgresql")) {
        PGconn *c = PQconnectdb(locator);
        cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
        PQsetNoticeProcessor(c, th_pg_quiet, NULL);
        PGresult *res = PQexec(c, sql);
        cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(res));
        v = strdup(PQntuples(res) > 0 && PQnfields(res) > 0 ? PQgetvalue(res, 0, 0) : "");
        PQclear(res);
        PQfinish(c);
        return v;
    }
    cr_assert(th_engine_is(e, "sqlite"), "th_engine_value: no raw access to engine %zu", e);
    sqlite3 *db;
    char *msg = NULL;
    cr_assert_eq(sqlite3_open_v2(locator, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "%s", locator);
    sqlite3_busy_timeout(db, 10000);
    int rc = sqlite3_exec(db, sql, first_value, &v, &msg);
    cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_close(db);
    return v ? v : strdup("");
}

void th_engine_query_cmd(size_t e, const char *locator, const char *sql, char *out, size_t size)
{
    if (th_engine_is(e, "postgresql")) {
        /* scripts/pg-test.sh exports the server's bin folder */
        snprintf(out, size, "\"${PGTEST_BIN:-/usr/bin}/psql\" -XAtq '%s' -c \"%s\"", locator, sql);
        return;
    }
    cr_assert(th_engine_is(e, "sqlite"), "th_engine_query_cmd: no client for engine %zu", e);
    snprintf(out, size, "sqlite3 '%s' \"%s\"", locator, sql);
}

static char cur_reg[800];
static size_t cur_engine;

void th_use_register(size_t e, const char *dir)
{
    th_engine_locator(e, dir, cur_reg, sizeof cur_reg);
    cur_engine = e;
    cr_assert_eq(th_init_register(cur_reg), 0, "regenquote init --register '%s'", cur_reg);
}

void th_set_reg(size_t e, const char *locator)
{
    cr_assert_lt(strlen(locator), sizeof cur_reg);
    snprintf(cur_reg, sizeof cur_reg, "%s", locator);
    cur_engine = e;
}

const char *th_reg(void)
{
    return cur_reg;
}

size_t th_reg_engine(void)
{
    return cur_engine;
}

void th_use_app_role(void)
{
    cr_assert(th_engine_is(cur_engine, "postgresql"), "th_use_app_role: a PostgreSQL register only");
    /* roles belong to the whole server, which tests share: made once */
    char *err = th_pg_sql(getenv("PGTEST_ADMIN"),
                          "DO $$BEGIN CREATE ROLE rq_app LOGIN;"
                          " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END$$");
    cr_assert_null(err, "CREATE ROLE rq_app: %s", err);
    /* the grants docs/deploy.md says to run: sql/grant-app.sql, by psql */
    char cmd[1400], *out = NULL;
    const char *bin = getenv("PGTEST_BIN");
    snprintf(cmd, sizeof cmd, "%s%spsql -X -q -v app=rq_app -f sql/grant-app.sql '%s' 2>&1", bin ? bin : "",
             bin ? "/" : "", cur_reg);
    cr_assert_eq(th_run(cmd, &out, NULL), 0, "sql/grant-app.sql: %s", out);
    free(out);
    char *user = strstr(cur_reg, "&user=");
    cr_assert_not_null(user, "%s", cur_reg);
    snprintf(user, sizeof cur_reg - (size_t)(user - cur_reg), "&user=rq_app");
}
