/* A PostgreSQL register used as docs/deploy.md sets it up: an owner role
 * creates and migrates the tables, sql/grant-app.sql grants an application
 * role what the program needs, and the front desks work as that role.
 * These tests do it on the private server (scripts/pg-test.sh): the whole
 * workflow through the command line and the front desk as the application
 * role; every table and sequence of the schema named in the grants, and no
 * DELETE, TRUNCATE or UPDATE of content granted; the database itself
 * refusing the application role's raw SQL that would rewrite or delete
 * quotes, history, bills and acceptances; a register created at each
 * earlier schema, migrated by the owner, then used by the application. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts.h"
#include "helpers.h"
#include "register.h"
#include "settings.h"
#include "srv_client.h"

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 " /* 2026-11-23 */
#define CA "examples/clinics/california"

/* the migration test makes seven registers, each with the binary under test */
TestSuite(pg_roles, .timeout = 240);

static void need_pg(void)
{
    if (th_pg_available())
        return;
    if (!strcmp(th_pg_missing(), "fail"))
        cr_assert_fail("no PostgreSQL server for the tests: run them with 'make test'");
    criterion_skip_test("no PostgreSQL server (make test starts one with scripts/pg-test.sh)");
}

/* A fresh database owned by a fresh owner role, and a fresh application
 * login role with no privileges yet; the locators connect as each (the
 * private server trusts its socket: no passwords).  The roles stay until
 * scripts/pg-test.sh removes the server. */
struct roles {
    char owner[48], app[48];
    char owner_loc[900], app_loc[900], admin_loc[900];
};

static void admin_sql(const char *sql)
{
    char *err = th_pg_sql(getenv("PGTEST_ADMIN"), sql);
    cr_assert_null(err, "%s: %s", sql, err);
}

static void make_roles(struct roles *ro)
{
    static int n;
    need_pg();
    char db[700], sql[300];
    cr_assert_eq(th_pg_fresh(db, sizeof db), 0);
    const char *name = db + strlen("postgresql:///");
    int name_len = (int)strcspn(name, "?");
    /* the socket parameters without the superuser's name */
    char params[600];
    snprintf(params, sizeof params, "%s", getenv("REGENQUOTE_TEST_PG"));
    char *user = strstr(params, "&user=");
    if (user)
        *user = '\0';
    n++;
    snprintf(ro->owner, sizeof ro->owner, "rqo_%ld_%d", (long)getpid(), n);
    snprintf(ro->app, sizeof ro->app, "rqa_%ld_%d", (long)getpid(), n);
    snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN; CREATE ROLE %s LOGIN; ALTER DATABASE %.*s OWNER TO %s",
             ro->owner, ro->app, name_len, name, ro->owner);
    admin_sql(sql);
    snprintf(ro->owner_loc, sizeof ro->owner_loc, "postgresql:///%.*s?%s&user=%s", name_len, name, params, ro->owner);
    snprintf(ro->app_loc, sizeof ro->app_loc, "postgresql:///%.*s?%s&user=%s", name_len, name, params, ro->app);
    snprintf(ro->admin_loc, sizeof ro->admin_loc, "%s", db);
    /* the superuser's part of docs/deploy.md, in the new database */
    snprintf(sql, sizeof sql, "REVOKE ALL ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO %s", ro->app);
    char *err = th_pg_sql(ro->admin_loc, sql);
    cr_assert_null(err, "%s: %s", sql, err);
}

/* psql -v app=ROLE -f sql/grant-app.sql as the owner: its exit status;
 * stderr into *err. */
static int grant(const struct roles *ro, const char *app, char **err)
{
    char cmd[2000];
    const char *bin = getenv("PGTEST_BIN");
    snprintf(cmd, sizeof cmd, "%s%spsql -X -q %s%s -f sql/grant-app.sql '%s'", bin ? bin : "", bin ? "/" : "",
             app ? "-v app=" : "", app ? app : "", ro->owner_loc);
    return th_run(cmd, NULL, err);
}

static void grant_ok(const struct roles *ro)
{
    char *err = NULL;
    cr_assert_eq(grant(ro, ro->app, &err), 0, "grant-app.sql: %s", err);
    cr_assert_str_eq(err, "", "grant-app.sql says nothing when it works: %s", err);
    free(err);
}

/* regenquote ARGS --register LOC on the suite's date: the exit status. */
static int rq(const char *loc, const char *args, char **out, char **err)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, DAY0 "%s %s --register '%s'", th_bin(), args, loc);
    return th_run(cmd, out, err);
}

/* rq that must exit 0; its standard output (malloc'd) */
static char *rq_ok(const char *loc, const char *args)
{
    char *out = NULL, *err = NULL;
    int st = rq(loc, args, &out, &err);
    cr_assert_eq(st, 0, "regenquote %s: exit %d: %s", args, st, err);
    free(err);
    return out;
}

/* Raw SQL as the application role must be refused by PostgreSQL's privileges. */
static void refused(const struct roles *ro, const char *sql)
{
    char *err = th_pg_sql(ro->app_loc, sql);
    cr_assert_not_null(err, "the application role may not: %s", sql);
    cr_assert(strstr(err, "permission denied"), "%s: %s", sql, err);
    free(err);
}

/* The owner sets up a register for the application, as docs/deploy.md says:
 * init, a manager account named like this operating-system account (the
 * command line's staff account), the grants. */
static void owner_sets_up(const struct roles *ro)
{
    free(rq_ok(ro->owner_loc, "init"));
    char cmd[2000], *err = NULL;
    snprintf(cmd, sizeof cmd, "printf 'manager-password-1\\n' | %s user add %s --role manager --register '%s'",
             th_bin(), settings_os_account(), ro->owner_loc);
    cr_assert_eq(th_run(cmd, NULL, &err), 0, "user add: %s", err);
    free(err);
    grant_ok(ro);
}

Test(pg_roles, the_grants_name_every_table_and_sequence_and_grant_no_delete_truncate_or_content_update)
{
    struct roles ro;
    make_roles(&ro);
    free(rq_ok(ro.owner_loc, "init"));
    /* without the role's name, nothing is granted and psql says why */
    char *err = NULL;
    cr_assert_neq(grant(&ro, NULL, &err), 0);
    cr_assert(strstr(err, "name the application role"), "%s", err);
    free(err);
    grant_ok(&ro);
    /* applying it again changes nothing and is no error (after an upgrade) */
    grant_ok(&ro);
    char sql[3000];
    /* every table of the schema readable, every sequence usable; no table
     * the application may delete from, truncate, or update as a whole */
    snprintf(sql, sizeof sql,
             "DO $$DECLARE m text; BEGIN"
             " SELECT string_agg(c.relname || ':' || p, ', ' ORDER BY c.relname) INTO m"
             " FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace,"
             " LATERAL (VALUES ('no SELECT', c.relkind = 'r' AND NOT has_table_privilege('%s', c.oid, 'SELECT')),"
             "  ('no USAGE', c.relkind = 'S' AND NOT has_sequence_privilege('%s', c.oid, 'USAGE')),"
             "  ('DELETE', c.relkind = 'r' AND has_table_privilege('%s', c.oid, 'DELETE')),"
             "  ('TRUNCATE', c.relkind = 'r' AND has_table_privilege('%s', c.oid, 'TRUNCATE')),"
             "  ('UPDATE', c.relkind = 'r' AND has_table_privilege('%s', c.oid, 'UPDATE')),"
             "  ('sequence UPDATE', c.relkind = 'S' AND has_sequence_privilege('%s', c.oid, 'UPDATE')))"
             "  AS v(p, bad)"
             " WHERE s.nspname = 'public' AND c.relkind IN ('r', 'S') AND v.bad;"
             " IF m IS NOT NULL THEN RAISE EXCEPTION 'wrong grants: %%', m; END IF; END$$",
             ro.app, ro.app, ro.app, ro.app, ro.app, ro.app);
    err = th_pg_sql(ro.admin_loc, sql);
    cr_assert_null(err, "%s", err);
    /* of a quote, only its status, supersede link and idempotency key */
    snprintf(sql, sizeof sql,
             "DO $$DECLARE m text; BEGIN"
             " SELECT string_agg(attname, ', ' ORDER BY attname) INTO m FROM pg_attribute"
             " WHERE attrelid = 'quotes'::regclass AND attnum > 0 AND NOT attisdropped"
             " AND has_column_privilege('%s', 'quotes', attname, 'UPDATE');"
             " IF m IS DISTINCT FROM 'idempotency_key, status, superseded_by' THEN"
             "  RAISE EXCEPTION 'the application may update quotes: %%', m; END IF; END$$",
             ro.app);
    err = th_pg_sql(ro.admin_loc, sql);
    cr_assert_null(err, "%s", err);
}

Test(pg_roles, the_grants_refuse_a_register_of_another_schema)
{
    struct roles ro;
    make_roles(&ro);
    struct diag_list dl = { 0 };
    cr_assert_eq(register_create_at_version(ro.owner_loc, REGISTER_SCHEMA_VERSION - 1, &dl), 0);
    diag_list_free(&dl);
    char *err = NULL, want[100];
    cr_assert_eq(grant(&ro, ro.app, &err), 3, "psql stops at the error: %s", err);
    snprintf(want, sizeof want, "grant-app.sql is written for schema %d; this register is at schema %d",
             REGISTER_SCHEMA_VERSION, REGISTER_SCHEMA_VERSION - 1);
    cr_assert(strstr(err, want), "%s", err);
    free(err);
    /* nothing granted */
    err = th_pg_sql(ro.app_loc, "SELECT 1 FROM quotes");
    cr_assert(err && strstr(err, "permission denied for table quotes"), "%s", err);
    free(err);
}

/* A small RGBA PNG, a scanned signature (as test_accept.c draws one). */
static void make_png(const char *path)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import zlib,struct\n"
             "w,h=40,20\n"
             "raw=b''.join(b'\\\\x00'+b''.join((b'\\\\x10\\\\x10\\\\x60\\\\xff' if y==10 else b'\\\\x00\\\\x00\\\\x00\\\\x00') for x in range(w)) for y in range(h))\n"
             "c=lambda t,d: struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)&0xffffffff)\n"
             "open('%s','wb').write(b'\\\\x89PNG\\\\r\\\\n\\\\x1a\\\\n'+c(b'IHDR',struct.pack('>IIBBBBB',w,h,8,6,0,0,0))+c(b'IDAT',zlib.compress(raw))+c(b'IEND',b''))\"",
             path);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0, "python3 png");
}

/* the bill test_bill.c calls equal: line for line the estimate of
 * examples/three-providers.json */
static const char BILL[] =
    "bill_date,date_of_service,provider,code,description,quantity,amount\n"
    "2026-12-01,2026-11-30,clinic,99204,Evaluation,1,0.00\n"
    ",2026-11-30,clinic,imaging-review,Imaging review,1,150.00\n"
    ",2026-11-30,clinic,38232,Bone marrow harvest,1,2650.00\n"
    ",2026-11-30,clinic,bmac,BMAC,1,3200.00\n"
    ",2026-11-30,clinic,20999,MSC injection,1,1500.00\n"
    ",2026-11-30,clinic,76942,Ultrasound guidance,1,200.00\n"
    ",2026-11-30,clinic,99213,Follow-up visits,4,0.00\n"
    ",2026-11-30,clinic,0232T,PRP booster,1,850.00\n"
    ",2026-11-30,clinic,DISCOUNT,Military discount,1,-855.00\n"
    ",2026-11-30,capitol-cell-lab,86367,Cell count,1,380.00\n"
    ",2026-11-30,1963574029,DISCOUNT,Military discount,1,-38.00\n"
    ",2026-11-30,hill-country-surgery,asc-facility-fee,Facility fee,1,1650.00\n";

Test(pg_roles, the_application_role_runs_the_whole_workflow_and_the_database_refuses_it_rewriting_history)
{
    struct roles ro;
    make_roles(&ro);
    char *tmp = th_tmpdir(), args[1500], *out, *err;
    owner_sets_up(&ro);
    const char *app = ro.app_loc;

    /* issue: the three-providers estimate ($9,287.00), a California one, one to revise */
    snprintf(args, sizeof args, "quote examples/three-providers.json --out-dir %s/out", tmp);
    out = rq_ok(app, args);
    cr_assert(strstr(out, "Q-2026-000001"), "%s", out);
    free(out);
    snprintf(args, sizeof args, "quote %s/request-adipose-knee.json --prices %s --out-dir %s/out", CA, CA, tmp);
    out = rq_ok(app, args);
    cr_assert(strstr(out, "Q-2026-000002"), "%s", out);
    free(out);
    snprintf(args, sizeof args, "quote examples/adipose-two-knees.json --out-dir %s/out", tmp);
    free(rq_ok(app, args));
    out = rq_ok(app, "show Q-2026-000001 --format json");
    cJSON *shown = cJSON_Parse(out);
    cr_assert_not_null(shown, "%s", out);
    /* test_bill.c's arithmetic: $7,695.00 at the clinic + $342.00 at the lab
     * (the facility bills separately) */
    cr_assert_eq(cJSON_GetObjectItem(shown, "total_cents")->valuedouble, 803700.0, "%s", out);
    cJSON_Delete(shown);
    free(out);

    /* reprint, byte for byte the issued copy */
    snprintf(args, sizeof args, "reprint Q-2026-000001 -o %s/again.pdf", tmp);
    free(rq_ok(app, args));
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cmp %s/out/Q-2026-000001.pdf %s/again.pdf", tmp, tmp);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0, "the reprint is the issued PDF byte for byte");

    /* revise, then void the revision */
    snprintf(args, sizeof args, "revise Q-2026-000003 --add prp-booster --out-dir %s/out", tmp);
    out = rq_ok(app, args);
    cr_assert(strstr(out, "Q-2026-000004"), "%s", out);
    free(out);
    free(rq_ok(app, "void Q-2026-000004 --reason 'Patient chose another plan'"));
    out = rq_ok(app, "show Q-2026-000003");
    cr_assert(strstr(out, "superseded"), "%s", out);
    free(out);
    out = rq_ok(app, "show Q-2026-000004");
    cr_assert(strstr(out, "void"), "%s", out);
    free(out);

    /* accept with a signature file; the accepted copy reprints */
    char png[600];
    snprintf(png, sizeof png, "%s/sig.png", tmp);
    make_png(png);
    snprintf(args, sizeof args, "accept Q-2026-000002 --signature %s --signer 'Ana Rivera' --prices %s", png, CA);
    out = rq_ok(app, args);
    cr_assert(strstr(out, "Q-2026-000002 is now accepted"), "%s", out);
    free(out);
    snprintf(args, sizeof args, "reprint Q-2026-000002 --accepted -o %s/acc.pdf", tmp);
    free(rq_ok(app, args));

    /* deliver, consent to e-mail */
    free(rq_ok(app, "deliver Q-2026-000001 --how paper"));
    free(rq_ok(app, "consent Q-2026-000001 --email ana@example.org"));
    out = rq_ok(app, "list --undelivered");
    cr_assert_null(strstr(out, "Q-2026-000001"), "delivered: %s", out);
    free(out);

    /* the final bill: the facility billed $400.00 over its $1,250.00, flagged */
    char bill[600];
    snprintf(bill, sizeof bill, "%s/bill.csv", tmp);
    cr_assert_eq(th_write(bill, BILL), 0);
    snprintf(args, sizeof args, "bill add Q-2026-000001 %s", bill);
    free(rq_ok(app, args));
    cr_assert_eq(rq(app, "bill check Q-2026-000001", &out, &err), 3, "a flagged provider: %s", err);
    free(out);
    free(err);
    free(rq_ok(app, "bill explain Q-2026-000001 --line 12 --text 'Three hours of room time, not two'"));
    cr_assert_eq(rq(app, "bill check Q-2026-000001", &out, &err), 3, "%s", err);
    cr_assert(strstr(out, "Three hours of room time, not two"), "%s", out);
    free(out);
    free(err);

    /* the audit chain, whole */
    out = rq_ok(app, "audit verify");
    cr_assert(!strncmp(out, "audit trail intact: ", 20), "%s", out);
    free(out);

    /* staff accounts are the owner's to add: the manager running the
     * command as the application role is refused by the database */
    char cmd2[2000];
    snprintf(cmd2, sizeof cmd2, "printf 'eve-password-1\\n' | %s user add eve --role manager --register '%s'",
             th_bin(), app);
    cr_assert_eq(th_run(cmd2, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "permission denied for table users"), "%s", err);
    free(out);
    free(err);

    /* what the database itself refuses the application role */
    refused(&ro, "UPDATE quotes SET total_cents = 1 WHERE number = 'Q-2026-000001'");
    refused(&ro, "UPDATE quotes SET pdf = '\\x00'::bytea, pdf_sha256 = 'x' WHERE number = 'Q-2026-000001'");
    refused(&ro, "UPDATE quotes SET patient_name = 'Someone Else'");
    refused(&ro, "DELETE FROM quotes WHERE number = 'Q-2026-000004'");
    refused(&ro, "DELETE FROM events");
    refused(&ro, "DELETE FROM bills");
    refused(&ro, "DELETE FROM bill_notes");
    refused(&ro, "DELETE FROM acceptances");
    refused(&ro, "DELETE FROM deliveries");
    refused(&ro, "DELETE FROM email_consents");
    refused(&ro, "DELETE FROM audit_links");
    refused(&ro, "DELETE FROM users");
    refused(&ro, "DELETE FROM sessions");
    refused(&ro, "TRUNCATE quotes CASCADE");
    refused(&ro, "TRUNCATE events CASCADE");
    refused(&ro, "TRUNCATE bills, bill_notes, acceptances, deliveries, email_consents");
    refused(&ro, "UPDATE events SET detail = 'nothing happened'");
    refused(&ro, "UPDATE events SET actor = 'someone'");
    refused(&ro, "UPDATE audit_links SET hash = prev");
    refused(&ro, "UPDATE acceptances SET signer = 'x'");
    refused(&ro, "UPDATE bills SET sha256 = 'x'");
    refused(&ro, "UPDATE price_tables SET clinic_json = '{}'");
    refused(&ro, "UPDATE users SET role = 'manager'");
    refused(&ro, "UPDATE users SET disabled = false");
    refused(&ro, "INSERT INTO users(username, role, password_hash, created_at) VALUES ('eve', 'manager', 'x', 'now')");
    refused(&ro, "UPDATE schema_version SET version = 1");
    refused(&ro, "SELECT setval('events_id_seq', 1)");
    /* what it may update is still guarded by the triggers: an event's
     * history, whoever asks (here the owner) */
    err = th_pg_sql(ro.owner_loc, "DELETE FROM events");
    cr_assert(err && strstr(err, "the history is append-only"), "%s", err);
    free(err);
    /* and all of it still there, intact */
    out = rq_ok(app, "audit verify");
    free(out);
    out = rq_ok(app, "list");
    for (int i = 1; i <= 4; i++) {
        char num[32];
        snprintf(num, sizeof num, "Q-2026-%06d", i);
        cr_assert(strstr(out, num), "%s in %s", num, out);
    }
    free(out);
    th_rmtree(tmp);
    free(tmp);
}

/* ---- the front desk as the application role --------------------------------------- */

static void add_account(const struct roles *ro, const char *name, enum role role)
{
    char pw[64];
    snprintf(pw, sizeof pw, "%s-password-1", name);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    int rc = register_open(&r, ro->owner_loc, &dl);
    if (rc == 0)
        rc = accounts_add(r, name, role, pw, "test", &dl);
    char *d = th_diags(&dl);
    cr_assert_eq(rc, 0, "add %s: %s", name, d);
    free(d);
    diag_list_free(&dl);
    register_close(r);
}

Test(pg_roles, the_front_desk_signs_in_issues_and_voids_as_the_application_role)
{
    struct roles ro;
    make_roles(&ro);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    cr_assert_eq(register_create(&r, ro.owner_loc, NULL, "test", &dl), 0);
    register_close(r);
    diag_list_free(&dl);
    add_account(&ro, MANAGER, ROLE_MANAGER);
    grant_ok(&ro);

    dir = th_tmpdir();
    cookie[0] = '\0';
    char out_dir[512];
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    struct server_opts o = {
        .bind = "127.0.0.1", .prices_dir = "pricing", .templates_dir = "templates", .web_dir = "web",
        .register_path = ro.app_loc, .out_dir = out_dir, .has_today = true, .today = date_from_ymd(2026, 11, 23),
        .desk = "desk-1",
    };
    int rc = server_start(&srv, &o, &dl);
    char *d = th_diags(&dl);
    cr_assert_eq(rc, 0, "the front desk starts as the application role: %s", d);
    free(d);
    diag_list_free(&dl);

    /* a wrong password is counted (sign-in throttling), the right one signs in */
    struct resp w = post("/api/login", NULL, "{\"username\": \"max\", \"password\": \"not-the-password\"}");
    cr_assert_eq(w.status, 401, "%d %s", w.status, w.body);
    resp_free(&w);
    char *err = th_pg_sql(ro.admin_loc,
                          "DO $$BEGIN IF (SELECT failed_logins FROM users WHERE username = 'max') <> 1 THEN"
                          " RAISE EXCEPTION 'the failure was not counted'; END IF; END$$");
    cr_assert_null(err, "%s", err);
    login(MANAGER);
    err = th_pg_sql(ro.admin_loc,
                    "DO $$BEGIN IF (SELECT failed_logins FROM users WHERE username = 'max') <> 0 THEN"
                    " RAISE EXCEPTION 'a sign-in clears the failures'; END IF; END$$");
    cr_assert_null(err, "%s", err);

    char *n = post_quote("{\"patient\": {\"name\": \"Pat Example\", \"id\": \"P-777\"},"
                         " \"areas\": [\"left-ankle\"], \"cell_source\": \"bone-marrow\"}");
    cr_assert_str_eq(n, "Q-2026-000001");
    free(n);
    struct resp p = get("/api/quotes/Q-2026-000001/pdf", NULL);
    cr_assert_eq(p.status, 200, "%s", p.body);
    cr_assert(p.len > 1000 && !memcmp(p.body, "%PDF-", 5));
    resp_free(&p);
    struct resp v = post("/api/quotes/Q-2026-000001/void", NULL, "{\"reason\": \"Patient chose another clinic\"}");
    cr_assert_eq(v.status, 200, "%s", v.body);
    resp_free(&v);
    struct resp a = get("/api/audit/verify", NULL);
    cr_assert_eq(a.status, 200, "%s", a.body);
    resp_free(&a);
    struct resp lo = post("/api/logout", NULL, "{}");
    cr_assert_eq(lo.status, 200, "%s", lo.body);
    resp_free(&lo);
    err = th_pg_sql(ro.admin_loc,
                    "DO $$BEGIN IF (SELECT count(*) FROM sessions WHERE ended_unix > 0) <> 1 THEN"
                    " RAISE EXCEPTION 'the sign-out did not end the session'; END IF; END$$");
    cr_assert_null(err, "%s", err);
    /* the quote kept whole, as the desk recorded it */
    err = th_pg_sql(ro.admin_loc,
                    "DO $$BEGIN IF (SELECT status || ' ' || desk FROM quotes WHERE number = 'Q-2026-000001')"
                    " <> 'void desk-1' THEN RAISE EXCEPTION 'not as issued and voided'; END IF; END$$");
    cr_assert_null(err, "%s", err);
    server_stop(srv);
    srv = NULL;
    th_rmtree(dir);
    free(dir);
    dir = NULL;
}

/* ---- migrations: the owner's, then the application's use ---------------------------- */

Test(pg_roles, a_register_of_every_earlier_schema_migrated_by_the_owner_serves_the_application_role)
{
    for (int from = 1; from < REGISTER_SCHEMA_VERSION; from++) {
        struct roles ro;
        make_roles(&ro);
        struct diag_list dl = { 0 };
        cr_assert_eq(register_create_at_version(ro.owner_loc, from, &dl), 0, "schema %d", from);
        diag_list_free(&dl);
        char *out, *err;
        /* the grants are for the current schema only */
        char *gerr = NULL;
        cr_assert_eq(grant(&ro, ro.app, &gerr), 3, "grants on schema %d", from);
        free(gerr);
        /* the application role (with what it could read before the
         * upgrade) cannot migrate: it is told who can */
        char sql[200];
        snprintf(sql, sizeof sql, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s", ro.app);
        char *aerr = th_pg_sql(ro.owner_loc, sql);
        cr_assert_null(aerr, "%s", aerr);
        cr_assert_eq(rq(ro.app_loc, "list", &out, &err), 1, "from schema %d: %s", from, err);
        char want[200];
        snprintf(want, sizeof want,
                 ": the register is at schema %d and this regenquote needs schema %d: only the role that owns its"
                 " tables can bring it up to date; run one register command as that role (docs/deploy.md)\n",
                 from, REGISTER_SCHEMA_VERSION);
        cr_assert(strstr(err, want), "from schema %d: %s", from, err);
        free(out);
        free(err);
        /* the owner's first command migrates it */
        out = rq_ok(ro.owner_loc, "list");
        free(out);
        char cmd[2000];
        snprintf(cmd, sizeof cmd, "printf 'manager-password-1\\n' | %s user add %s --role manager --register '%s'",
                 th_bin(), settings_os_account(), ro.owner_loc);
        cr_assert_eq(th_run(cmd, NULL, &err), 0, "user add: %s", err);
        free(err);
        grant_ok(&ro);
        char *dir2 = th_tmpdir(), args[800];
        snprintf(args, sizeof args, "quote examples/adipose-two-knees.json --out-dir %s/out", dir2);
        out = rq_ok(ro.app_loc, args);
        cr_assert(strstr(out, "Q-2026-000001"), "from schema %d: %s", from, out);
        free(out);
        snprintf(args, sizeof args, "revise Q-2026-000001 --add prp-booster --out-dir %s/out", dir2);
        free(rq_ok(ro.app_loc, args));
        free(rq_ok(ro.app_loc, "deliver Q-2026-000002 --how paper"));
        free(rq_ok(ro.app_loc, "audit verify"));
        th_rmtree(dir2);
        free(dir2);
    }
}
