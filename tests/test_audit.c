/* The audit trail and the staff accounts through the command line:
 * `audit verify` finds an event edited, deleted, inserted or reordered
 * with the sqlite3 library behind the program's back, and names the first
 * broken one; an older register's events are chained by the migration;
 * `audit list` filters; `user add|passwd|disable|list` with passwords on
 * standard input, never repeated; who may do what on the command line;
 * a revision keeps its patient there too. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts.h"
#include "audit.h"
#include "helpers.h"
#include "register.h"
#include "settings.h"

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 " /* 2026-11-23 */

/* A fresh folder with an empty register of engine e (issuing needs one):
 * the test's register (th_reg()). */
static char *reg_tmpdir(size_t e)
{
    char *dir = th_tmpdir();
    cr_assert_not_null(dir);
    th_use_register(e, dir);
    return dir;
}

/* Run `regenquote ARGS --register REG` (stdin: the text of input, if any). */
static int rq(const char *dir, const char *input, const char *args, char **out, char **err)
{
    (void)dir;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s%s%s" DAY0 "%s %s --register '%s'", input ? "printf '%s\\n' '" : "",
             input ? input : "", input ? "' | " : "", th_bin(), args, th_reg());
    return th_run(cmd, out, err);
}

/* Run and expect status want; the output (malloc'd, stdout then stderr). */
static char *expect(const char *dir, const char *input, const char *args, int want)
{
    char *out, *err;
    int st = rq(dir, input, args, &out, &err);
    cr_assert_eq(st, want, "regenquote %s: exit %d, expected %d\n%s%s", args, st, want, out, err);
    size_t n = strlen(out) + strlen(err) + 1;
    char *all = malloc(n);
    snprintf(all, n, "%s%s", out, err);
    free(out);
    free(err);
    return all;
}

/* Run and expect status want and text in the output. */
static void says(const char *dir, const char *input, const char *args, int want, const char *text)
{
    char *o = expect(dir, input, args, want);
    cr_assert(strstr(o, text), "regenquote %s: expected '%s' in: %s", args, text, o);
    free(o);
}

static void ok(const char *dir, const char *args)
{
    char *cmd = malloc(strlen(args) + 300);
    sprintf(cmd, "%s --out-dir %s", args, dir);
    free(expect(dir, NULL, cmd, 0));
    free(cmd);
}

/* A register with three quotes, a revision, a void and an acceptance. */
static char *busy_register(size_t e)
{
    char *dir = reg_tmpdir(e);
    ok(dir, "quote --source adipose --area left-knee --patient-id P-1");
    ok(dir, "quote --source adipose --area right-knee --patient-id P-2");
    ok(dir, "quote --source bone-marrow --area left-ankle --patient-id P-3");
    ok(dir, "revise Q-2026-000001 --add prp-booster");
    ok(dir, "void Q-2026-000002 --reason 'Patient chose another clinic'");
    ok(dir, "accept Q-2026-000003");
    return dir;
}

/* Run SQL on the test's register behind the program's back, as someone
 * with the sqlite3 shell or a PostgreSQL superuser would; unlocked: with the
 * storage's own refusals switched off first (th_engine_sql_unlocked). */
static void tamper(bool unlocked, const char *sql)
{
    char *err = unlocked ? th_engine_sql_unlocked(th_reg_engine(), th_reg(), sql)
                         : th_engine_sql(th_reg_engine(), th_reg(), sql);
    cr_assert_null(err, "%s: %s", sql, err);
}

/* ---- verify ------------------------------------------------------------------------- */

ENGINE_TEST(audit, an_intact_trail_verifies_and_prints_its_head)
{
    char *dir = busy_register(eng->engine);
    char *o = expect(dir, NULL, "audit verify", 0);
    /* created (init) + 3 issued + 1 issued and 1 superseded + voided + accepted = 8 */
    cr_assert(strstr(o, "audit trail intact: 8 events; head 8:"), "%s", o);
    char anchor[120];
    snprintf(anchor, sizeof anchor, "audit verify --anchor %.*s", 2 + 64, strstr(o, "head ") + 5);
    free(expect(dir, NULL, anchor, 0));
    free(o);
    th_rmtree(dir);
    free(dir);
}

/* A busy register tampered with by sql: `audit verify` must fail, saying
 * each of says (NULL-terminated).  Returns the register's folder (malloc'd;
 * the caller removes it with done()). */
static char *broken_by(size_t e, bool unlocked, const char *sql, const char *const *says)
{
    char *dir = busy_register(e);
    tamper(unlocked, sql);
    char *o = expect(dir, NULL, "audit verify", 1);
    for (size_t i = 0; says[i]; i++)
        cr_assert(strstr(o, says[i]), "expected '%s' in: %s", says[i], o);
    free(o);
    return dir;
}

static void done(char *dir)
{
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(audit, an_edited_event_is_named)
{
    done(broken_by(eng->engine, true, "UPDATE events SET detail = 'Typo' WHERE action = 'voided'",
                   (const char *const[]){ "audit trail broken at event 7 (",
                                          "voided, Q-2026-000002): this event was changed", NULL }));
    /* the actor or the time just as well */
    done(broken_by(eng->engine, true, "UPDATE events SET actor = 'mallory' WHERE id = 1",
                   (const char *const[]){ "broken at event 1 (", "changed after it was recorded", NULL }));
    done(broken_by(eng->engine, true, "UPDATE events SET at = '2026-01-01T00:00:00Z' WHERE id = 4",
                   (const char *const[]){ "broken at event 4 (2026-01-01T00:00:00Z", "changed", NULL }));
}

ENGINE_TEST(audit, a_deleted_event_is_named)
{
    done(broken_by(eng->engine, true, "DELETE FROM audit_links WHERE event_id = 3; DELETE FROM events WHERE id = 3",
                   (const char *const[]){ "broken at event 3 (",
                                          "event 3 of the chain should come before this one: it was deleted or moved",
                                          NULL }));
}

ENGINE_TEST(audit, an_inserted_event_is_named_and_never_chained_in)
{
    char *dir = broken_by(eng->engine, false, "INSERT INTO events(number, at, action, detail, actor) VALUES"
                          " ('Q-2026-000003', '2026-11-23T12:00:00Z', 'voided', 'never happened', 'max')",
                          (const char *const[]){ "broken at event 9 (2026-11-23T12:00:00Z, voided, Q-2026-000003): "
                                                 "this event has no link", NULL });
    /* the next real event does not chain it in */
    ok(dir, "accept Q-2026-000004");
    char *o = expect(dir, NULL, "audit verify", 1);
    cr_assert(strstr(o, "broken at event 9 ("), "%s", o);
    free(o);
    done(dir);
}

ENGINE_TEST(audit, reordered_events_are_named)
{
    /* events 2 and 3 change places, each with its own link */
    done(broken_by(eng->engine, true,
                   "UPDATE events SET id = -2 WHERE id = 2; UPDATE events SET id = 2 WHERE id = 3;"
                   "UPDATE events SET id = 3 WHERE id = -2;"
                   "UPDATE audit_links SET event_id = -2 WHERE event_id = 2;"
                   "UPDATE audit_links SET event_id = 2 WHERE event_id = 3;"
                   "UPDATE audit_links SET event_id = 3 WHERE event_id = -2;",
                   (const char *const[]){ "broken at event 2 (", "deleted or moved", NULL }));
}

ENGINE_TEST(audit, events_deleted_from_the_end_are_found)
{
    done(broken_by(eng->engine, true, "DELETE FROM audit_links WHERE event_id = 8; DELETE FROM events WHERE id = 8",
                   (const char *const[]){ "the trail ends at event 7 but its recorded head is event 8", NULL }));
}

ENGINE_TEST(audit, an_anchor_finds_a_rewritten_chain)
{
    char *dir = busy_register(eng->engine);
    char *o = expect(dir, NULL, "audit verify", 0);
    char anchor[200];
    snprintf(anchor, sizeof anchor, "audit verify --anchor 3:%064d", 0);
    free(o);
    o = expect(dir, NULL, anchor, 1);
    cr_assert(strstr(o, "broken at event 3 (") && strstr(o, "not the anchor's"), "%s", o);
    free(o);
    says(dir, NULL, "audit verify --anchor 99:0000000000000000000000000000000000000000000000000000000000000000", 1, "the trail has no event 99");
    o = expect(dir, NULL, "audit verify --anchor nonsense", 2);
    free(o);
    th_rmtree(dir);
    free(dir);
}

/* ---- migration ------------------------------------------------------------------------ */

ENGINE_TEST(audit, the_events_of_an_older_register_are_chained_when_it_is_migrated)
{
    char *dir = th_tmpdir(), loc[800];
    th_engine_locator(eng->engine, dir, loc, sizeof loc);
    struct diag_list dl = { 0 };
    cr_assert_eq(register_create_at_version(loc, REGISTER_SCHEMA_AUDIT - 1, &dl), 0);
    th_set_reg(eng->engine, loc);
    tamper(false, "INSERT INTO events(number, at, action, detail, actor) VALUES"
                " ('-', '2025-01-01T09:00:00Z', 'number pattern', 'Q-{year}-{seq:6}', 'alice'),"
                " ('-', '2025-01-02T09:00:00Z', 'number pattern', 'R-{seq:5}', 'bob')");
    char *o = expect(dir, NULL, "audit verify", 0);
    cr_assert(strstr(o, "audit trail intact: 4 events"), "two old events, the migration and the register's new id: %s", o);
    free(o);
    o = expect(dir, NULL, "audit list --format csv", 0);
    cr_assert(strstr(o, "seq,at,actor,kind,quote,detail,hash\n1,2025-01-01T09:00:00Z,alice,number pattern,,"), "%s", o);
    cr_assert(strstr(o, "\n3,") && strstr(o, ",regenquote,migrated,,"), "%s", o);
    free(o);
    diag_list_free(&dl);
    th_rmtree(dir);
    free(dir);
}

/* ---- list --------------------------------------------------------------------------------- */

ENGINE_TEST(audit, list_filters_by_actor_kind_quote_and_dates)
{
    char *dir = busy_register(eng->engine);
    char who[200];
    snprintf(who, sizeof who, "audit list --actor %s --kind issued --format csv", settings_os_account());
    char *o = expect(dir, NULL, who, 0);
    int lines = 0;
    for (char *c = o; *c; c++)
        lines += *c == '\n';
    cr_assert_eq(lines, 5, "a header and four issued quotes: %s", o);
    free(o);
    o = expect(dir, NULL, "audit list --quote Q-2026-000002 --format json", 0);
    cr_assert(strstr(o, "\"kind\":\t\"issued\"") && strstr(o, "\"kind\":\t\"voided\""), "%s", o);
    cr_assert(!strstr(o, "Q-2026-000001"), "%s", o);
    free(o);
    says(dir, NULL, "audit list --actor nobody", 0, "0 events");
    /* events are stamped with the clock: none before 2000, all up to 2199 */
    says(dir, NULL, "audit list --to 1999-12-31", 0, "0 events");
    says(dir, NULL, "audit list --from 2000-01-01 --to 2199-12-31 --limit 3", 0, "3 events");
    free(expect(dir, NULL, "audit list --from yesterday", 2));
    free(expect(dir, NULL, "audit frobnicate", 2));
    th_rmtree(dir);
    free(dir);
}

/* ---- accounts ------------------------------------------------------------------------------ */

ENGINE_TEST(audit, user_add_passwd_disable_list_with_passwords_on_standard_input)
{
    char *dir = reg_tmpdir(eng->engine);
    char *o = expect(dir, "first-desk-password", "user add ana --role front-desk", 0);
    cr_assert(strstr(o, "account 'ana' added, role front-desk"), "%s", o);
    cr_assert(!strstr(o, "first-desk-password"), "the password was repeated: %s", o);
    free(o);
    says(dir, "second-password", "user add ana --role manager", 1, "there is already an account 'ana'");
    o = expect(dir, "abc123", "user add bob --role manager", 1);
    cr_assert(strstr(o, "too short") && !strstr(o, "abc123"), "%s", o);
    free(o);
    free(expect(dir, "ana-password", "user add ana", 2));
    free(expect(dir, "ana-password", "user add Ana --role manager", 2));
    free(expect(dir, "ana-password", "user add ana --role boss", 2));
    says(dir, "a-new-password", "user passwd ana", 0, "password of 'ana' changed; 0 sessions ended");
    free(expect(dir, "a-new-password", "user passwd nobody", 1));
    says(dir, NULL, "user disable ana", 0, "account 'ana' is disabled");
    says(dir, NULL, "user list --format csv", 0, "name,role,status,created,failed_logins\nana,front-desk,disabled,");
    o = expect(dir, NULL, "audit list --format csv", 0);
    cr_assert(strstr(o, ",account added,,\"account ana, role front-desk\",") && strstr(o, ",password changed,,") &&
              strstr(o, ",account disabled,,"), "%s", o);
    cr_assert(!strstr(o, "password,") && !strstr(o, "a-new-password"), "%s", o);
    free(o);
    /* the register keeps an Argon2id hash, not the password */
    char *out = th_engine_value(eng->engine, th_reg(), "SELECT password_hash FROM users");
    cr_assert(!strncmp(out, "$argon2id$v=19$m=65536,t=2,p=1$", 31), "%s", out);
    free(out);
    th_rmtree(dir);
    free(dir);
}

/* Someone other than the register's owner acts with the role of the staff
 * account named like the operating-system account running the command.
 * On SQLite the owner is the file's (so this needs root, to give the file
 * away); on PostgreSQL the role that owns the tables, and the other one is
 * the application role with the grants docs/deploy.md gives it (sql/grant-app.sql). */
ENGINE_TEST(audit, the_register_owner_may_do_everything_another_account_what_its_role_allows)
{
    if (th_engine_is(eng->engine, "sqlite") && getuid() != 0) {
        cr_skip_test("needs root to give the register to another owner");
        return;
    }
    char *dir = busy_register(eng->engine);
    char owner[800];
    snprintf(owner, sizeof owner, "%s", th_reg());
    if (th_engine_is(eng->engine, "sqlite")) {
        /* the register now belongs to someone else: this account is no longer its owner */
        char cmd[900];
        snprintf(cmd, sizeof cmd, "chown 65534 %s", owner);
        cr_assert_eq(system(cmd), 0);
    } else {
        th_use_app_role();
    }
    char *o = expect(dir, NULL, "list", 1);
    cr_assert(strstr(o, "finding quotes needs the front-desk, manager or finance role") &&
              strstr(o, "has no staff account of that name"), "%s", o);
    free(o);
    /* with a front-desk account of its own name it may list, not void */
    struct reg *r;
    struct diag_list dl = { 0 };
    cr_assert_eq(register_open(&r, owner, &dl), 0);
    cr_assert_eq(accounts_add(r, settings_os_account(), ROLE_FRONT_DESK, "os-account-password", "test", &dl), 0);
    register_close(r);
    free(expect(dir, NULL, "list", 0));
    o = expect(dir, NULL, "void Q-2026-000003 --reason 'No longer wanted'", 1);
    cr_assert(strstr(o, "voiding a quote needs the manager role") && strstr(o, "its staff account is front-desk"), "%s", o);
    free(o);
    says(dir, "some-password-1", "user add carol --role manager", 1, "managing staff accounts needs the manager role");
    free(expect(dir, NULL, "audit verify", 1));
    diag_list_free(&dl);
    th_rmtree(dir);
    free(dir);
}

/* The application role of docs/deploy.md does a front desk's whole day
 * (issue, revise, accept, sign, deliver, consent) with its grants, and
 * can rewrite or delete nothing that was issued; what a superuser changes
 * behind the program's back, `audit verify` finds (broken_by above). */
ENGINE_TEST(audit, the_application_role_does_a_desks_work_and_cannot_rewrite_the_register)
{
    if (!th_engine_is(eng->engine, "postgresql")) {
        cr_skip_test("PostgreSQL only: an SQLite register has no roles");
        return;
    }
    char *dir = busy_register(eng->engine);
    char owner[800];
    snprintf(owner, sizeof owner, "%s", th_reg());
    struct reg *r;
    struct diag_list dl = { 0 };
    cr_assert_eq(register_open(&r, owner, &dl), 0);
    cr_assert_eq(accounts_add(r, settings_os_account(), ROLE_FRONT_DESK, "os-account-password", "test", &dl), 0);
    register_close(r);
    th_use_app_role();
    ok(dir, "quote --source adipose --area left-knee --patient-id P-4");
    ok(dir, "revise Q-2026-000005 --add prp-booster");
    ok(dir, "accept Q-2026-000006");
    /* a signed acceptance and its accepted copy (a 1x1 PNG, as the page sends it) */
    char cmd[600], *sig;
    snprintf(cmd, sizeof cmd, "echo iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5Er"
             "kJggg== | base64 -d > %s/sig.png", dir);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0);
    sig = cmd;
    snprintf(sig, sizeof cmd, "accept Q-2026-000004 --signature %s/sig.png --signer 'Ana Ruiz'", dir);
    says(dir, NULL, sig, 0, "Q-2026-000004 is now accepted (signed on paper");
    snprintf(sig, sizeof cmd, "reprint Q-2026-000004 --accepted -o %s/accepted.pdf", dir);
    free(expect(dir, NULL, sig, 0));
    says(dir, NULL, "deliver Q-2026-000001 --how paper", 0, "");
    says(dir, NULL, "consent Q-2026-000001 --email ana@example.com", 0, "");
    static const char *const refused[] = {
        "UPDATE events SET detail = 'rewritten'",
        "DELETE FROM events",
        "DELETE FROM quotes",
        "UPDATE quotes SET total_cents = 1",
        "UPDATE audit_links SET hash = 'x'",
        "DELETE FROM audit_links",
        "TRUNCATE quotes, events, audit_links",
        "UPDATE price_tables SET clinic_json = '{}'",
        "DROP TRIGGER events_append_only ON events",
        "ALTER TABLE events DISABLE TRIGGER USER",
        "SET session_replication_role = replica",
        "DELETE FROM acceptances",
        "DELETE FROM deliveries",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char *err = th_engine_sql(eng->engine, th_reg(), refused[i]);
        cr_assert_not_null(err, "the application role may: %s", refused[i]);
        cr_assert(strstr(err, "permission denied") || strstr(err, "must be owner"), "%s: %s", refused[i], err);
        free(err);
    }
    /* as the owner, the work is all there and the trail intact: the busy
     * register's 8 events, the account, 1 issued, 2 for the revision, two
     * acceptances, the delivery and the consent */
    th_set_reg(eng->engine, owner);
    says(dir, NULL, "audit verify", 0, "audit trail intact: 16 events");
    diag_list_free(&dl);
    th_rmtree(dir);
    free(dir);
}

/* ---- finding 6 on the command line ------------------------------------------------------------ */

ENGINE_TEST(audit, finding_6_a_revision_on_the_command_line_keeps_the_patient)
{
    char *dir = reg_tmpdir(eng->engine);
    ok(dir, "quote --source adipose --area left-knee --patient-name 'Ana Ruiz'");
    char *o = expect(dir, NULL, "revise Q-2026-000001 --patient-name 'Bob Stone'", 1);
    cr_assert(strstr(o, "patient.name: the revision is for another patient than Q-2026-000001") && !strstr(o, "Bob"),
              "%s", o);
    free(o);
    char req[500];
    snprintf(req, sizeof req, "%s/bob.json", dir);
    th_write(req, "{\"patient\": {\"name\": \"Bob Stone\"}, \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\"}");
    char args[700];
    snprintf(args, sizeof args, "revise Q-2026-000001 %s --out-dir %s", req, dir);
    free(expect(dir, NULL, args, 1));
    th_write(req, "{\"areas\": [\"left-knee\"], \"cell_source\": \"adipose\"}");
    free(expect(dir, NULL, args, 0));
    o = expect(dir, NULL, "list --format csv", 0);
    cr_assert(strstr(o, "Q-2026-000002,2026-11-23,2026-12-23,issued,,Ana Ruiz"), "the revision is Ana's: %s", o);
    free(o);
    th_rmtree(dir);
    free(dir);
}
