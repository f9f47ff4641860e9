/* The quote register, end to end through the binary: numbers, files,
 * crash safety, reprints, revisions, status changes, filters, migration. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "register.h"
#include "settings.h"

#include <cjson/cJSON.h>

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 " /* 2026-11-23 */

/* Run regenquote with the register and output in dir. */
static int rq(const char *dir, const char *env, const char *args, char **out, char **err)
{
    char cmd[4096];
    /* the fault points exist only in the test build */
    const char *bin = env && strstr(env, "REGENQUOTE_FAULT=") ? th_fault_bin() : th_bin();
    snprintf(cmd, sizeof cmd, "%s%s %s --register %s/reg.db --out-dir %s", env ? env : DAY0, bin,
             args, dir, dir);
    return th_run(cmd, out, err);
}

/* Issue one quote; returns its number (malloc'd). */
static char *issue(const char *dir, const char *args)
{
    char *out, *err, cmd[2048];
    snprintf(cmd, sizeof cmd, "quote %s", args);
    cr_assert_eq(rq(dir, NULL, cmd, &out, &err), 0, "%s", err);
    char *sp = strchr(out, ' ');
    cr_assert_not_null(sp, "%s", out);
    *sp = '\0';
    free(err);
    return out;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

Test(reg, issue_prints_number_file_and_total_and_keeps_files_private)
{
    char *dir = th_tmpdir(), *out, *err;
    cr_assert_eq(rq(dir, NULL, "quote examples/three-sessions-banked.json", &out, &err), 0, "%s", err);
    char want[600];
    snprintf(want, sizeof want,
             "Q-2026-000001  %s/Q-2026-000001.pdf  total $12,350.00  estimate due by 2026-11-27\n", dir);
    cr_assert_str_eq(out, want, "scheduled 2027-02-01, 10+ business days out: due 3 business days after 11-23 (Thanksgiving skipped)");
    char p[400];
    struct stat st;
    snprintf(p, sizeof p, "%s/Q-2026-000001.pdf", dir);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    snprintf(p, sizeof p, "%s/reg.db", dir);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "show Q-2026-000001", &out, &err), 0, "%s", err);
    char who[100];
    snprintf(who, sizeof who, "issued      %-12s total", settings_os_account());
    cr_assert(strstr(out, who), "the actor is the operating-system account running the command: %s", out);
    cr_assert(strstr(out, "Price table   2026.11-1"), "%s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(reg, numbers_follow_the_pattern_and_restart_each_year)
{
    char *dir = th_tmpdir(), *out, *err;
    char *a = issue(dir, "--source adipose --area left-knee");
    cr_assert_str_eq(a, "Q-2026-000001");
    cr_assert_eq(rq(dir, "SOURCE_DATE_EPOCH=1798761600 ", "quote --source adipose --area left-knee", &out, &err), 0,
                 "%s", err); /* 2027-01-01 */
    cr_assert(!strncmp(out, "Q-2027-000001 ", 14), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "quote --source adipose --area left-knee --number-pattern EST{year}-{seq:4}",
                    &out, &err), 0, "%s", err);
    cr_assert(!strncmp(out, "EST2026-0002 ", 13), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "quote --source adipose --area left-knee --number-pattern 'Q/{seq}'", &out, &err), 1);
    cr_assert(strstr(err, "is not a number pattern"), "%s", err);
    free(out); free(err);
    free(a);
    th_rmtree(dir);
    free(dir);
}

Test(reg, twenty_concurrent_issuers_get_twenty_distinct_numbers, .timeout = 120)
{
    char *dir = th_tmpdir(), cmd[4096], *out, *err;
    /* 20 processes at once, each issuing one quote */
    snprintf(cmd, sizeof cmd,
             "for i in $(seq 1 20); do " DAY0 "%s quote examples/adipose-two-knees.json --register %s/reg.db"
             " --out-dir %s >%s/o.$i 2>&1 & done; wait; cat %s/o.* | cut -d' ' -f1 | sort | uniq | wc -l",
             th_bin(), dir, dir, dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0);
    cr_assert_str_eq(out, "20\n", "20 distinct numbers");
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "ls %s/*.pdf | wc -l", dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    cr_assert_str_eq(out, "20\n", "20 PDFs");
    free(out);
    cr_assert_eq(rq(dir, NULL, "list --format csv", &out, &err), 0, "%s", err);
    cr_assert_eq(count_lines(out), 21, "20 entries and a header:\n%s", out);
    cr_assert(strstr(out, "Q-2026-000020,"), "numbers 1..20 without gaps");
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(reg, a_kill_before_commit_leaves_no_quote)
{
    char *dir = th_tmpdir(), *out, *err;
    char *first = issue(dir, "--source adipose --area left-knee");
    static const char *const points[] = { "after-number", "after-render" };
    for (int i = 0; i < 2; i++) {
        char env[200];
        snprintf(env, sizeof env, DAY0 "REGENQUOTE_FAULT=%s ", points[i]);
        cr_assert_eq(rq(dir, env, "quote --source adipose --area right-knee", &out, &err), 137,
                     "killed by the fault hook");
        free(out); free(err);
    }
    cr_assert_eq(rq(dir, NULL, "list --format csv", &out, &err), 0, "%s", err);
    cr_assert_eq(count_lines(out), 2, "only the first quote: %s", out);
    free(out); free(err);
    char *next = issue(dir, "--source adipose --area right-knee");
    cr_assert_str_eq(next, "Q-2026-000002", "no number was used by the killed runs");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A %s | grep -v '^reg.db' | sort | tr '\\n' ' '", dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    cr_assert_str_eq(out, "Q-2026-000001.pdf Q-2026-000002.pdf ", "no partial files: %s", out);
    free(out);
    free(first);
    free(next);
    th_rmtree(dir);
    free(dir);
}

Test(reg, the_product_has_no_fault_points)
{
    char *dir = th_tmpdir(), *out, *err, cmd[1200];
    snprintf(cmd, sizeof cmd, DAY0 "REGENQUOTE_FAULT=after-number %s quote --source adipose --area left-knee "
             "--register %s/reg.db --out-dir %s", th_bin(), dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "the product binary ignores REGENQUOTE_FAULT: %s", err);
    cr_assert(strstr(out, "Q-2026-000001"), "%s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(reg, a_kill_after_commit_is_repaired_by_the_next_run)
{
    char *dir = th_tmpdir(), *out, *err, p[400];
    cr_assert_eq(rq(dir, DAY0 "REGENQUOTE_FAULT=after-commit ", "quote --source adipose --area left-knee", &out,
                    &err), 137, "killed by the fault hook");
    free(out); free(err);
    snprintf(p, sizeof p, "%s/Q-2026-000001.pdf", dir);
    cr_assert_eq(file_size(p), -1, "killed before the copy was written");
    /* the quote is whole in the register; the next run rewrites the copy
     * (issuing runs leave copies younger than a minute to their writer,
     * so this test asks for the repair explicitly) */
    cr_assert_eq(rq(dir, NULL, "repair", &out, &err), 0, "%s", err);
    cr_assert_str_eq(out, "register OK; 1 PDF copy rewritten\n");
    free(out); free(err);
    cr_assert_gt(file_size(p), 1000);
    char *n2 = issue(dir, "--source adipose --area right-knee");
    cr_assert_str_eq(n2, "Q-2026-000002", "the next number follows");
    cr_assert_eq(rq(dir, NULL, "repair --verify", &out, &err), 0, "%s", err);
    cr_assert_str_eq(out, "register OK; 0 PDF copies rewritten\n");
    free(out); free(err);
    /* a damaged copy of the same size is found by --verify */
    FILE *f = fopen(p, "r+b");
    fseek(f, 100, SEEK_SET);
    fputc('#', f);
    fclose(f);
    cr_assert_eq(rq(dir, NULL, "repair --verify", &out, &err), 0, "%s", err);
    cr_assert_str_eq(out, "register OK; 1 PDF copy rewritten\n");
    free(out); free(err);
    free(n2);
    th_rmtree(dir);
    free(dir);
}

Test(reg, reprint_is_byte_identical_after_the_prices_change)
{
    char *dir = th_tmpdir(), *out, *err, cmd[2048];
    char prices[400];
    snprintf(prices, sizeof prices, "%s/prices", dir);
    mkdir(prices, 0700);
    cr_assert_eq(th_tables_with(prices, "catalog.json", NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "quote examples/bone-marrow-one-ankle.json --prices %s", prices);
    cr_assert_eq(rq(dir, NULL, cmd, &out, &err), 0, "%s", err);
    free(out); free(err);
    char orig[400], again[400];
    snprintf(orig, sizeof orig, "%s/Q-2026-000001.pdf", dir);
    snprintf(again, sizeof again, "%s/reprint.pdf", dir);
    /* finance raises a price */
    cr_assert_eq(th_tables_with(prices, "catalog.json", "\"price\": \"3200.00\"", "\"price\": \"3450.00\""), 0);
    snprintf(cmd, sizeof cmd, "reprint Q-2026-000001 -o %s", again);
    cr_assert_eq(rq(dir, "SOURCE_DATE_EPOCH=1798761600 ", cmd, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "cmp %s %s", orig, again);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0, "reprint differs from the original");
    /* and a new quote uses the new price */
    snprintf(cmd, sizeof cmd, "quote examples/bone-marrow-one-ankle.json --prices %s", prices);
    cr_assert_eq(rq(dir, NULL, cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "total $8,302.84"), "250.00 more: %s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(reg, revise_chain_and_superseded_quotes)
{
    char *dir = th_tmpdir(), *out, *err;
    char *q1 = issue(dir, "examples/bone-marrow-one-ankle.json");
    cr_assert_eq(rq(dir, NULL, "revise Q-2026-000001 --add prp-booster", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2026-000002") && strstr(out, "replaces Q-2026-000001"), "%s", out);
    cr_assert(strstr(out, "total $8,902.84"), "8,052.84 + PRP 850: %s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "revise Q-2026-000002 examples/bone-marrow-one-ankle.json --sessions 2", &out, &err),
                 0, "%s", err);
    cr_assert(strstr(out, "Q-2026-000003") && strstr(out, "replaces Q-2026-000002"), "%s", out);
    free(out); free(err);
    /* the new PDF names the quote it replaces */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "pdftotext %s/Q-2026-000003.pdf - | tr -s ' \\n' '  '", dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    cr_assert(strstr(out, "Q-2026-000002"), "the PDF says which quote it replaces:\n%s", out);
    free(out);
    cr_assert_eq(rq(dir, NULL, "list --format csv", &out, &err), 0);
    cr_assert(strstr(out, "Q-2026-000001,2026-11-23,2026-12-23,superseded,"), "%s", out);
    cr_assert(strstr(out, ",Q-2026-000001,Q-2026-000003,"), "Q2 replaces Q1 and is replaced by Q3: %s", out);
    cr_assert(strstr(out, "Q-2026-000003,2026-11-23,2026-12-23,issued,"), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "revise Q-2026-000001 --add prp-booster", &out, &err), 1);
    cr_assert(strstr(err, "quote Q-2026-000001 is superseded; only an issued or accepted quote can be revised"),
              "%s", err);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "revise Q-2026-000009", &out, &err), 1);
    cr_assert(strstr(err, "there is no quote 'Q-2026-000009' in the register"), "%s", err);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "revise Q-2026-000003 --patient-id P-99999", &out, &err), 1);
    cr_assert(strstr(err, "the revision is for another patient"), "%s", err);
    free(out); free(err);
    free(q1);
    th_rmtree(dir);
    free(dir);
}

Test(reg, void_and_accept)
{
    char *dir = th_tmpdir(), *out, *err;
    free(issue(dir, "--source adipose --area left-knee --patient-id P-1"));
    free(issue(dir, "--source adipose --area left-knee --patient-id P-2"));
    cr_assert_eq(rq(dir, NULL, "void Q-2026-000001", &out, &err), 2);
    cr_assert(strstr(err, "give the reason with --reason TEXT"), "%s", err);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "void Q-2026-000001 --reason 'Patient chose another clinic'", &out, &err), 0,
                 "%s", err);
    cr_assert_str_eq(out, "Q-2026-000001 is now void\n");
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "void Q-2026-000001 --reason again", &out, &err), 1);
    cr_assert(strstr(err, "quote Q-2026-000001 is void; it cannot be voided"), "%s", err);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "accept Q-2026-000001", &out, &err), 1);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "accept Q-2026-000002", &out, &err), 0, "%s", err);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "show Q-2026-000001", &out, &err), 0);
    cr_assert(strstr(out, "Status        void"), "%s", out);
    char voided[120];
    snprintf(voided, sizeof voided, "voided      %-12s Patient chose another clinic", settings_os_account());
    cr_assert(strstr(out, voided), "%s", out);
    free(out); free(err);
    /* expired: 31 days later an issued quote shows as expired and cannot be accepted */
    free(issue(dir, "--source adipose --area left-knee --patient-id P-3"));
    cr_assert_eq(rq(dir, "SOURCE_DATE_EPOCH=1798070400 ", "list --status expired --format csv", &out, &err), 0);
    cr_assert(strstr(out, "Q-2026-000003,2026-11-23,2026-12-23,expired,P-3"), "%s", out);
    cr_assert_eq(count_lines(out), 2, "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, "SOURCE_DATE_EPOCH=1798070400 ", "accept Q-2026-000003", &out, &err), 1);
    cr_assert(strstr(err, "it has expired; revise it to issue a new estimate"), "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(reg, list_filters_and_formats)
{
    char *dir = th_tmpdir(), *out, *err;
    free(issue(dir, "examples/bone-marrow-one-ankle.json"));
    free(issue(dir, "examples/adipose-two-knees.json"));
    cr_assert_eq(rq(dir, "SOURCE_DATE_EPOCH=1796169600 ", "quote examples/cord-tissue-prp-booster.json", &out, &err),
                 0, "%s", err); /* 2026-12-02 */
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "list --patient P-10442 --format csv", &out, &err), 0);
    cr_assert_eq(count_lines(out), 2, "%s", out);
    cr_assert(strstr(out, "José Müller-Ñúñez"), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "list --from 2026-12-01 --format csv", &out, &err), 0);
    cr_assert_eq(count_lines(out), 2, "%s", out);
    cr_assert(strstr(out, "Q-2026-000003,2026-12-02"), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "list --to 2026-11-30 --name \"o'brien\" --format json", &out, &err), 0);
    /* the same fields as the front desk's API (register_view.h) */
    cJSON *list = cJSON_Parse(out);
    cr_assert(cJSON_IsArray(list) && cJSON_GetArraySize(list) == 1, "%s", out);
    cJSON *q = cJSON_GetArrayItem(list, 0);
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(q, "patient_name")->valuestring, "Zoë O'Brien-Łukasik");
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(q, "total_cents")->valuedouble, 1005000);
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(q, "language")->valuestring, "en");
    cr_assert(cJSON_HasObjectItem(q, "estimate_due"), "%s", out);
    cr_assert_null(strstr(out, "Q-2026-000001"), "%s", out);
    cJSON_Delete(list);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "list", &out, &err), 0);
    cr_assert(strstr(out, "3 quotes"), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "list --status pending", &out, &err), 2);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "list --from yesterday", &out, &err), 2);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(reg, history_is_append_only)
{
    char *dir = th_tmpdir(), p[400];
    free(issue(dir, "--source adipose --area left-knee"));
    snprintf(p, sizeof p, "%s/reg.db", dir);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(p, &db), SQLITE_OK);
    cr_assert_neq(sqlite3_exec(db, "UPDATE events SET actor = 'mallory'", NULL, NULL, NULL), SQLITE_OK);
    cr_assert_neq(sqlite3_exec(db, "DELETE FROM events", NULL, NULL, NULL), SQLITE_OK);
    cr_assert_neq(sqlite3_exec(db, "DELETE FROM quotes", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    th_rmtree(dir);
    free(dir);
}

Test(reg, an_older_register_is_migrated)
{
    char *dir = th_tmpdir(), p[400], *out, *err;
    snprintf(p, sizeof p, "%s/reg.db", dir);
    struct diag_list dl = { 0 };
    cr_assert_eq(register_create_at_version(p, 1, &dl), 0);
    /* a quote as version 1 stored it: no estimate due date, no actor */
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(p, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db,
                              "INSERT INTO price_tables VALUES ('abc', '2025.1', '{}', '{}');"
                              "INSERT INTO series VALUES (2025, 7);"
                              "INSERT INTO quotes(number, year, seq, status, patient_id, patient_name, issued,"
                              " valid_until, total_cents, language, tables_sha256, request_json, quote_json, pdf,"
                              " pdf_sha256) VALUES ('Q-2025-000007', 2025, 7, 'issued', 'P-7', 'Old Patient',"
                              " '2025-06-01', '2025-07-01', 123456, 'en', 'abc', '{}', '{}', x'25504446',"
                              " 'x');"
                              "INSERT INTO events(number, at, action, detail) VALUES"
                              " ('Q-2025-000007', '2025-06-01T10:00:00Z', 'issued', 'total $1,234.56');",
                              NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    cr_assert_eq(rq(dir, NULL, "list --format csv", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2025-000007,2025-06-01,2025-07-01,expired,P-7,Old Patient,1234.56"), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "show Q-2025-000007", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "issued      unknown      total $1,234.56"), "old events get actor 'unknown': %s", out);
    free(out); free(err);
    cr_assert_eq(sqlite3_open(p, &db), SQLITE_OK);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    sqlite3_step(st);
    cr_assert_eq(sqlite3_column_int(st, 0), REGISTER_SCHEMA_VERSION);
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* new quotes continue in the new year's series */
    free(issue(dir, "--source adipose --area left-knee"));
    diag_list_free(&dl);
    th_rmtree(dir);
    free(dir);
}

Test(reg, estimate_due_dates)
{
    rq_date mon = date_from_ymd(2026, 11, 23);
    char b[11];
    /* 10+ business days out: 3 business days (Thanksgiving Thu 11-26 skipped) */
    cr_assert_str_eq(date_iso(date_add_business_days(mon, 3), b), "2026-11-27");
    cr_assert(date_is_federal_holiday(date_from_ymd(2026, 11, 26)));
    cr_assert(date_is_federal_holiday(date_from_ymd(2027, 7, 5)), "July 4 2027 is a Sunday: observed Monday");
    cr_assert(date_is_federal_holiday(date_from_ymd(2027, 12, 31)), "Jan 1 2028 is a Saturday: observed Friday");
    cr_assert_not(date_is_business_day(date_from_ymd(2026, 11, 28)), "Saturday");
    cr_assert_eq(date_business_days_between(mon, date_from_ymd(2026, 12, 1)), 5,
                 "Tue, Wed, Fri, Mon, Tue = 5");
}

Test(reg, reading_commands_never_create_a_register)
{
    char *dir = th_tmpdir(), *out, *err;
    cr_assert_eq(rq(dir, NULL, "list", &out, &err), 1);
    cr_assert(strstr(err, "reg.db: there is no register here"), "%s", err);
    free(out); free(err);
    char p[400];
    snprintf(p, sizeof p, "%s/reg.db", dir);
    cr_assert_eq(file_size(p), -1, "a mistyped --register leaves nothing behind");
    th_rmtree(dir);
    free(dir);
}
