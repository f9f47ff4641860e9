/* The quote register, end to end through the binary: numbers, files,
 * crash safety, reprints, revisions, status changes, filters, migration. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "register.h"
#include "settings.h"

#include <cjson/cJSON.h>

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 " /* 2026-11-23 */

/* Run regenquote with the test's register (th_reg(); dir/reg.db when the
 * test made none) and the output in dir. */
static int rq(const char *dir, const char *env, const char *args, char **out, char **err)
{
    char cmd[4096], reg[800];
    if (*th_reg())
        snprintf(reg, sizeof reg, "%s", th_reg());
    else
        snprintf(reg, sizeof reg, "%s/reg.db", dir);
    snprintf(cmd, sizeof cmd, "%s%s %s --register '%s' --out-dir %s", env ? env : DAY0, th_bin(), args, reg, dir);
    return th_run(cmd, out, err);
}

/* A fresh folder (malloc'd) for the PDF copies and a register of engine e
 * (th_reg()): on SQLite reg.db in that folder. */
static char *reg_dir_on(size_t e)
{
    char *dir = th_tmpdir();
    cr_assert_not_null(dir);
    th_use_register(e, dir);
    return dir;
}

/* The same on SQLite, for what is about the register's file. */
static char *reg_dir(void)
{
    return reg_dir_on(th_engine_index("sqlite"));
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

/* SQLite only: the register file's and the copies' modes. */
Test(reg, issue_prints_number_file_and_total_and_keeps_files_private)
{
    char *dir = reg_dir(), *out, *err;
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

ENGINE_TEST(reg, numbers_follow_the_pattern_and_restart_each_year)
{
    char *dir = reg_dir_on(eng->engine), *out, *err;
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
    /* issue #12: without {year} the numbers would repeat next year */
    cr_assert_eq(rq(dir, NULL, "quote --source adipose --area left-knee --number-pattern 'Q-{seq:5}'", &out, &err), 1);
    cr_assert_str_eq(err, "regenquote: --number-pattern: 'Q-{seq:5}' has no {year}: the counter starts again at 1 "
                          "each year, so without the year numbers would repeat; use a pattern such as Q-{year}-{seq:6}\n");
    cr_assert_str_eq(out, "");
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "quote --source adipose --area left-knee", &out, &err), 0, "%s", err);
    cr_assert(!strncmp(out, "EST2026-0003 ", 13), "the refusal changed nothing: %s", out);
    free(out); free(err);
    free(a);
    th_rmtree(dir);
    free(dir);
}

/* SQLite only: processes on one file (every engine: reg_engine's concurrent_issuers_…, make load-test-pg). */
Test(reg, twenty_concurrent_issuers_get_twenty_distinct_numbers, .timeout = 120)
{
    char *dir = reg_dir(), cmd[4096], *out, *err;
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

/* SQLite only here: a kill on PostgreSQL is make kill-loop-pg's (and test_register_pg.c's lost connections). */
Test(reg, a_kill_before_commit_leaves_no_quote)
{
    char *dir = reg_dir(), *out, *err;
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
    cr_assert_str_eq(out, ".regenquote-register Q-2026-000001.pdf Q-2026-000002.pdf ",
                     "no partial files (the folder's marker, the copies): %s", out);
    free(out);
    free(first);
    free(next);
    th_rmtree(dir);
    free(dir);
}

/* Not about the register's storage: the product binary. */
Test(reg, the_product_has_no_fault_points)
{
    char *dir = reg_dir(), *out, *err, cmd[1200];
    /* the product issues on today's date only (no SOURCE_DATE_EPOCH) */
    snprintf(cmd, sizeof cmd, "REGENQUOTE_FAULT=after-number %s quote --source adipose --area left-knee "
             "--register %s/reg.db --out-dir %s", th_product_bin(), dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "the product binary ignores REGENQUOTE_FAULT: %s", err);
    cr_assert(strstr(out, "-000001"), "%s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(reg, a_kill_after_commit_is_repaired_by_the_next_run)
{
    char *dir = reg_dir_on(eng->engine), *out, *err, p[400];
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
    /* a damaged copy of the same size is found by --verify, and reported:
     * an issued copy is never replaced (issue #12) */
    FILE *f = fopen(p, "r+b");
    fseek(f, 100, SEEK_SET);
    fputc('#', f);
    fclose(f);
    cr_assert_eq(rq(dir, NULL, "repair", &out, &err), 0, "without --verify sizes are compared: %s", err);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "repair --verify", &out, &err), 1);
    char want[800];
    snprintf(want, sizeof want, "regenquote: %s: differs from quote Q-2026-000001 as issued; it is left as it is: "
             "move it aside and run 'regenquote repair' to write the register's copy\n", p);
    cr_assert_str_eq(err, want);
    cr_assert_str_eq(out, "");
    free(out); free(err);
    char aside[450];
    snprintf(aside, sizeof aside, "%s.damaged", p);
    cr_assert_eq(rename(p, aside), 0);
    cr_assert_eq(rq(dir, NULL, "repair --verify", &out, &err), 0, "%s", err);
    cr_assert_str_eq(out, "register OK; 1 PDF copy rewritten\n");
    free(out); free(err);
    free(n2);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(reg, reprint_is_byte_identical_after_the_prices_change)
{
    char *dir = reg_dir_on(eng->engine), *out, *err, cmd[2048];
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

ENGINE_TEST(reg, revise_chain_and_superseded_quotes)
{
    char *dir = reg_dir_on(eng->engine), *out, *err;
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

ENGINE_TEST(reg, void_and_accept)
{
    char *dir = reg_dir_on(eng->engine), *out, *err;
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

ENGINE_TEST(reg, list_filters_and_formats)
{
    char *dir = reg_dir_on(eng->engine), *out, *err;
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
    /* case and accents do not matter (issue #12) */
    static const char *const ways[] = { "JOSÉ", "JOSE", "josé", "José", "muller", "nunez" };
    for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
        char args[100];
        snprintf(args, sizeof args, "list --name '%s' --format csv", ways[i]);
        cr_assert_eq(rq(dir, NULL, args, &out, &err), 0, "%s", err);
        cr_assert(strstr(out, "José Müller-Ñúñez") && count_lines(out) == 2, "--name %s: %s", ways[i], out);
        free(out); free(err);
    }
    cr_assert_eq(rq(dir, NULL, "list --name lukasik --format csv", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Zoë O'Brien-Łukasik") && count_lines(out) == 2, "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "list --status pending", &out, &err), 2);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "list --from yesterday", &out, &err), 2);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(reg, history_is_append_only)
{
    char *dir = reg_dir_on(eng->engine);
    free(issue(dir, "--source adipose --area left-knee"));
    static const char *const refused[] = { "UPDATE events SET actor = 'mallory'", "DELETE FROM events",
                                           "DELETE FROM quotes" };
    for (size_t i = 0; i < 3; i++) {
        char *err = th_engine_sql(eng->engine, th_reg(), refused[i]);
        cr_assert_not_null(err, "the register let it through: %s", refused[i]);
        free(err);
    }
    th_rmtree(dir);
    free(dir);
}

/* The SHA-256 of the 4-byte "PDF" (%PDF) the old rows below keep. */
#define PDF4_SHA "315d429b7714cedb6ad04ac31240145257692630457f3c88253c5beceac76027"

ENGINE_TEST(reg, an_older_register_is_migrated)
{
    char *dir = th_tmpdir(), p[800], *out, *err, sql[3000];
    th_engine_locator(eng->engine, dir, p, sizeof p);
    struct diag_list dl = { 0 };
    cr_assert_eq(register_create_at_version(p, 1, &dl), 0);
    th_set_reg(eng->engine, p);
    /* a quote as version 1 stored it: no estimate due date, no actor */
    const char *pdf4 = th_engine_is(eng->engine, "postgresql") ? "'\\x25504446'::bytea" : "x'25504446'";
    snprintf(sql, sizeof sql,
             "INSERT INTO price_tables VALUES ('abc', '2025.1', '{}', '{}');"
             "INSERT INTO series VALUES (2025, 7);"
             "INSERT INTO quotes(number, year, seq, status, patient_id, patient_name, issued,"
             " valid_until, total_cents, language, tables_sha256, request_json, quote_json, pdf,"
             " pdf_sha256) VALUES ('Q-2025-000007', 2025, 7, 'issued', 'P-7', 'Old Patient',"
             " '2025-06-01', '2025-07-01', 123456, 'en', 'abc', '{}', '{}', %s,"
             " '" PDF4_SHA "');"
             "INSERT INTO events(number, at, action, detail) VALUES"
             " ('Q-2025-000007', '2025-06-01T10:00:00Z', 'issued', 'total $1,234.56');"
             "INSERT INTO quotes(number, year, seq, status, patient_id, patient_name, issued,"
             " valid_until, total_cents, language, tables_sha256, request_json, quote_json, pdf,"
             " pdf_sha256) VALUES ('Q-2025-000006', 2025, 6, 'void', 'P-6', 'Zoë Łukasik',"
             " '2025-05-01', '2025-06-01', 100, 'en', 'abc', '{}', '{}', %s,"
             " '" PDF4_SHA "');",
             pdf4, pdf4);
    char *e = th_engine_sql(eng->engine, p, sql);
    cr_assert_null(e, "%s", e);
    cr_assert_eq(rq(dir, NULL, "list --format csv", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2025-000007,2025-06-01,2025-07-01,expired,P-7,Old Patient,1234.56"), "%s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "show Q-2025-000007", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "issued      unknown      total $1,234.56"), "old events get actor 'unknown': %s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "list --name LUKASIK --format csv", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2025-000006,") && !strstr(out, "Q-2025-000007"), "stored names get their search key: %s",
              out);
    free(out); free(err);
    char *v = th_engine_value(eng->engine, p, th_engine_is(eng->engine, "postgresql")
                                                  ? "SELECT version FROM schema_version"
                                                  : "PRAGMA user_version");
    cr_assert_eq(atoi(v), REGISTER_SCHEMA_VERSION);
    free(v);
    /* new quotes continue in the new year's series */
    free(issue(dir, "--source adipose --area left-knee"));
    diag_list_free(&dl);
    th_rmtree(dir);
    free(dir);
}

/* Not about the register's storage: date arithmetic. */
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

/* SQLite only: no file is left behind (every engine: reg_engine's only_create_makes_a_register_…). */
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

/* ---- issue #12: the record cannot be reused, overwritten or back-dated ---- */

/* Run the shell command line made from fmt; it must succeed. */
static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* regenquote ARGS with dir's register and folder must exit with status
 * `status`; on failure, print nothing and, when want is given, exactly
 * that on stderr. */
static void expect(const char *dir, const char *args, int status, const char *want)
{
    char *out, *err;
    cr_assert_eq(rq(dir, NULL, args, &out, &err), status, "%s: %s", args, err);
    if (status)
        cr_assert_str_eq(out, "", "%s", args);
    if (want)
        cr_assert_str_eq(err, want, "%s", args);
    free(out);
    free(err);
}

/* Finding 1: a mistyped --register used to start a new, empty register
 * (numbers from 1 again).  Now only `init` creates one. */
/* SQLite only: files and folders init makes (every engine: reg_engine's only_create_makes_a_register_…). */
Test(reg, issuing_into_a_register_that_does_not_exist_is_refused_and_init_makes_one)
{
    char *dir = th_tmpdir(), *out, *err, p[400], want[1200], cmd[1400];
    snprintf(p, sizeof p, "%s/reg.db", dir);
    snprintf(want, sizeof want,
             "regenquote: %s: there is no register here; check --register and $REGENQUOTE_REGISTER, "
             "or create one with 'regenquote init --register %s'\n", p, p);
    expect(dir, "quote examples/bone-marrow-one-ankle.json", 1, want);
    expect(dir, "revise Q-2026-000001 --add prp-booster", 1, want);
    snprintf(cmd, sizeof cmd, DAY0 "%s batch examples --issue -q --register %s --out-dir %s", th_bin(), p, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1);
    cr_assert(strstr(err, want), "batch --issue: %s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "ls -A %s", dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    cr_assert_str_eq(out, "", "nothing was created");
    free(out);

    snprintf(cmd, sizeof cmd, "%s init --register %s", th_bin(), p);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    snprintf(want, sizeof want, "created the register %s (id ", p);
    cr_assert(!strncmp(out, want, strlen(want)), "%s", out);
    cr_assert(strstr(out, ", numbers Q-{year}-{seq:6})\n"), "%s", out);
    cr_assert_eq(strspn(out + strlen(want), "0123456789abcdef"), 32, "a 128-bit random id in hex: %s", out);
    free(out); free(err);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    char *before = th_read(p, NULL);
    cr_assert_eq(th_run(cmd, &out, &err), 1, "init never changes a register");
    snprintf(want, sizeof want, "regenquote: %s: is a register already; nothing was changed\n", p);
    cr_assert_str_eq(err, want);
    free(out); free(err);
    char *after = th_read(p, NULL);
    cr_assert(before && after && !strcmp(before, after));
    free(before); free(after);
    char *n = issue(dir, "examples/bone-marrow-one-ankle.json");
    cr_assert_str_eq(n, "Q-2026-000001");
    free(n);
    expect(dir, "show Q-2026-000001", 0, NULL);

    /* init takes the number pattern, checked as everywhere */
    snprintf(cmd, sizeof cmd, "%s init --register %s/inv/r.db --number-pattern 'INV-{seq:4}'", th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1);
    cr_assert(strstr(err, "'INV-{seq:4}' has no {year}"), "%s", err);
    free(out); free(err);
    snprintf(p, sizeof p, "%s/inv", dir);
    cr_assert_eq(file_size(p), -1, "a refused init makes nothing, not even the folder");
    sh("%s init --register %s/inv/r.db --number-pattern 'INV-{year}-{seq:4}' >/dev/null && " DAY0
       "%s quote examples/adipose-two-knees.json --register %s/inv/r.db --out-dir %s/inv | grep -q '^INV-2026-0001 '",
       th_bin(), dir, th_bin(), dir, dir);
    th_rmtree(dir);
    free(dir);
}

/* Finding 7: the documented backup was world-readable, and a register
 * restored with loose modes was used without a word. */
/* SQLite only: backup writes an SQLite file (PostgreSQL: backup_of_a_postgresql_register_points_to_pg_dump). */
Test(reg, a_backup_is_private_whole_and_never_the_register_itself)
{
    char *dir = reg_dir(), *out, *err, cmd[2000], bak[400], want[1200];
    free(issue(dir, "examples/bone-marrow-one-ankle.json"));
    free(issue(dir, "examples/adipose-two-knees.json"));
    snprintf(bak, sizeof bak, "%s/nightly.db", dir);
    cr_assert_eq(th_write(bak, "last night's backup"), 0);
    chmod(bak, 0644);
    snprintf(cmd, sizeof cmd, "umask 000; %s backup %s --register %s/reg.db", th_bin(), bak, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    snprintf(want, sizeof want, "backed up %s/reg.db to %s\n", dir, bak);
    cr_assert_str_eq(out, want);
    cr_assert_str_eq(err, "");
    free(out); free(err);
    struct stat st;
    cr_assert_eq(stat(bak, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "the backup is private whatever the umask or the old file's mode");
    snprintf(cmd, sizeof cmd, "ls -A %s | grep -c tmp", dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 1, "no temporary file is left: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, DAY0 "%s list --register %s --format csv | cut -d, -f1", th_bin(), bak);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert_str_eq(out, "number\nQ-2026-000002\nQ-2026-000001\n", "the backup is a register, whole");
    free(out); free(err);
    /* (rq adds --out-dir, which backup does not take: run it plainly) */
    snprintf(cmd, sizeof cmd, "%s backup %s/reg.db --register %s/reg.db", th_bin(), dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1);
    snprintf(want, sizeof want, "regenquote: %s/reg.db: is the register's own file; give another file for the backup\n",
             dir);
    cr_assert_str_eq(err, want);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "%s backup %s --register %s/reg.db", th_bin(), dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1, "a folder is not a backup file");
    cr_assert(strstr(err, "cannot write the backup: Is a directory"), "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "%s backup --register %s/reg.db", th_bin(), dir);
    cr_assert_eq(th_run(cmd, NULL, NULL), 2);
    expect(dir, "show Q-2026-000002", 0, NULL);
    th_rmtree(dir);
    free(dir);
}

/* SQLite only: the modes of the register's files. */
Test(reg, a_register_open_to_others_is_made_private_with_a_warning)
{
    char *dir = reg_dir(), *out, *err, want[2000];
    free(issue(dir, "examples/bone-marrow-one-ankle.json"));
    /* as a restore with cp, tar or a USB stick leaves it */
    sh("cd %s && chmod 644 reg.db && touch reg.db-wal reg.db-shm && chmod 640 reg.db-wal && chmod 604 reg.db-shm",
       dir);
    cr_assert_eq(rq(dir, NULL, "list --format csv", &out, &err), 0, "%s", err);
    snprintf(want, sizeof want,
             "regenquote: %s/reg.db: warning: was mode 0644, open to other users; changed to 0600 (owner only)\n"
             "regenquote: %s/reg.db-wal: warning: was mode 0640, open to other users; changed to 0600 (owner only)\n"
             "regenquote: %s/reg.db-shm: warning: was mode 0604, open to other users; changed to 0600 (owner only)\n",
             dir, dir, dir);
    cr_assert_str_eq(err, want);
    cr_assert(strstr(out, "Q-2026-000001,"), "%s", out);
    free(out); free(err);
    static const char *const files[] = { "reg.db", "reg.db-wal", "reg.db-shm" };
    for (size_t i = 0; i < 3; i++) {
        char p[400];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        if (stat(p, &st) == 0)
            cr_assert_eq(st.st_mode & 0777, 0600, "%s", files[i]);
    }
    expect(dir, "list", 0, "");
    th_rmtree(dir);
    free(dir);
}

/* Finding 2: restoring a backup re-issued numbers and overwrote the PDF
 * copies.  Now the folder remembers how far it went. */
/* SQLite only: a backup file restored (PostgreSQL is restored with pg_restore). */
Test(reg, a_restored_backup_gives_no_number_again_and_overwrites_no_copy)
{
    char *dir = reg_dir(), *out, *err, want[2000], p[400];
    free(issue(dir, "examples/bone-marrow-one-ankle.json"));
    sh("%s backup %s/monday.db --register %s/reg.db >/dev/null", th_bin(), dir, dir);
    free(issue(dir, "examples/adipose-two-knees.json"));
    free(issue(dir, "examples/cord-tissue-prp-booster.json"));
    snprintf(p, sizeof p, "%s/Q-2026-000002.pdf", dir);
    char *q2 = th_read(p, NULL);
    /* the disk fails; Monday's backup is put back with a plain cp, the old
     * -wal and -shm gone */
    sh("cd %s && rm -f reg.db-wal reg.db-shm && cp monday.db reg.db", dir);
    snprintf(want, sizeof want, "regenquote: %s: has quotes of 2026 up to number 3, but the register would issue "
             "Q-2026-000002: it is behind them (restored from a backup?); run 'regenquote repair' to carry its "
             "numbers on after them\n", dir);
    expect(dir, "quote examples/three-sessions-banked.json", 1, want);
    char *now = th_read(p, NULL);
    cr_assert(q2 && now && !strcmp(q2, now), "the copy given to the patient is untouched");
    free(now);
    /* repair carries the numbers on and names the quotes the backup lacks */
    cr_assert_eq(rq(dir, NULL, "repair", &out, &err), 0, "%s", err);
    cr_assert_str_eq(out, "register OK; 0 PDF copies rewritten\n");
    snprintf(want, sizeof want, "regenquote: %s: warning: the register was behind the quotes given out from here "
             "(restored from a backup?): its numbers of 2026 now carry on after 3, not 1\n", dir);
    cr_assert(strstr(err, want), "%s", err);
    for (int i = 2; i <= 3; i++) {
        snprintf(want, sizeof want, "regenquote: %s/Q-2026-00000%d.pdf: warning: is quote Q-2026-00000%d, which the "
                 "register does not have (issued after the backup it was restored from?); keep it, it is an issued "
                 "estimate: move it to a folder of its own\n", dir, i, i);
        cr_assert(strstr(err, want), "%s", err);
    }
    free(out); free(err);
    char *n = issue(dir, "examples/three-sessions-banked.json");
    cr_assert_str_eq(n, "Q-2026-000004", "numbers only go up");
    free(n);
    now = th_read(p, NULL);
    cr_assert(!strcmp(q2, now), "still untouched");
    free(now);
    free(q2);
    char cmd[1000];
    snprintf(cmd, sizeof cmd, "sqlite3 %s/reg.db \"SELECT detail FROM events WHERE action = 'series moved on'\"", dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    snprintf(want, sizeof want, "2026: from 1 to 3, past the quotes given out from '%s'\n", dir);
    cr_assert_str_eq(out, want, "the repair is in the history");
    free(out);
    /* --verify fails until the quotes the register lacks are kept elsewhere */
    cr_assert_eq(rq(dir, NULL, "repair --verify", &out, &err), 1);
    cr_assert(strstr(err, "Q-2026-000002.pdf: is quote Q-2026-000002, which the register does not have"), "%s", err);
    free(out); free(err);
    sh("mkdir %s/lost && mv %s/Q-2026-000002.pdf %s/Q-2026-000003.pdf %s/lost/", dir, dir, dir, dir);
    cr_assert_eq(rq(dir, NULL, "repair --verify", &out, &err), 0, "%s", err);
    cr_assert_str_eq(err, "");
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

/* Without the folder's marker (deleted, or a folder older than it), a file
 * of the next number still stops the register, and repair moves past it;
 * a second register is refused in the folder of the first. */
ENGINE_TEST(reg, a_copy_of_the_next_number_or_another_register_stops_issuing)
{
    char *dir = reg_dir_on(eng->engine), want[2000], cmd[2000], other[800], sub[600], *out, *err;
    free(issue(dir, "examples/bone-marrow-one-ankle.json"));
    sh("cd %s && cp Q-2026-000001.pdf Q-2026-000002.pdf && rm .regenquote-register", dir);
    snprintf(want, sizeof want, "regenquote: %s/Q-2026-000002.pdf: already exists, but the register has no quote "
             "Q-2026-000002: it is behind the quotes in '%s' (restored from a backup?); run 'regenquote repair' to "
             "carry its numbers on after them\n", dir, dir);
    expect(dir, "quote examples/adipose-two-knees.json", 1, want);
    expect(dir, "repair", 0, NULL);
    char *n = issue(dir, "examples/adipose-two-knees.json");
    cr_assert_str_eq(n, "Q-2026-000003");
    free(n);

    snprintf(sub, sizeof sub, "%s/other", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    th_engine_locator(eng->engine, sub, other, sizeof other);
    cr_assert_eq(th_init_register(other), 0);
    snprintf(cmd, sizeof cmd, DAY0 "%s quote examples/adipose-two-knees.json --register '%s' --out-dir %s",
             th_bin(), other, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1);
    cr_assert(strstr(err, ": holds the quotes of another register (id ") &&
              strstr(err, "give this register its own --out-dir, or, if it replaces that one, run 'regenquote "
                          "repair' to carry on after its numbers\n"), "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(reg, reprint_never_writes_over_a_different_copy)
{
    char *dir = reg_dir_on(eng->engine), p[400], want[1200];
    free(issue(dir, "examples/bone-marrow-one-ankle.json"));
    snprintf(p, sizeof p, "%s/Q-2026-000001.pdf", dir);
    snprintf(want, sizeof want, "%s\n", p);
    char *out, *err;
    cr_assert_eq(rq(dir, NULL, "reprint Q-2026-000001", &out, &err), 0, "the same bytes are there: %s", err);
    cr_assert_str_eq(out, want);
    free(out); free(err);
    cr_assert_eq(th_write(p, "a different file"), 0);
    snprintf(want, sizeof want, "regenquote: %s: differs from quote Q-2026-000001 as issued; it is left as it is: "
             "move it aside and reprint again, or give -o FILE\n", p);
    expect(dir, "reprint Q-2026-000001", 1, want);
    char *now = th_read(p, NULL);
    cr_assert_str_eq(now, "a different file");
    free(now);
    th_rmtree(dir);
    free(dir);
}

/* Finding 3: repair --verify never checked the database itself.  (SQLite:
 * the file damaged; PostgreSQL, whose storage a file cannot damage the
 * same way: repair_verify_reads_every_stored_pdf_back.) */
Test(reg, repair_verify_finds_a_damaged_register)
{
    char *dir = reg_dir(), *out, *err, p[400];
    for (int i = 0; i < 6; i++)
        free(issue(dir, i % 2 ? "examples/adipose-two-knees.json" : "examples/bone-marrow-one-ankle.json"));
    expect(dir, "repair --verify", 0, "");
    snprintf(p, sizeof p, "%s/reg.db", dir);
    long size = file_size(p);
    cr_assert_gt(size, 20000);
    /* 3,000 bytes of garbage written into the middle of the file */
    sh("head -c 3000 /dev/urandom | dd of=%s bs=1 seek=%ld conv=notrunc 2>/dev/null", p, size / 2);
    cr_assert_eq(rq(dir, NULL, "repair --verify", &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "damaged"), "%s", err);
    cr_assert(strstr(err, "restore the latest backup") && strstr(err, "Restoring a backup"), "what to do: %s", err);
    cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "one line: %s", err);
    cr_assert_str_eq(out, "");
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

/* On PostgreSQL, repair --verify asks the server to read every stored PDF
 * back and compare it with its recorded SHA-256: a PDF changed behind the
 * program's back (by a superuser, the triggers switched off) is named. */
ENGINE_TEST(reg, repair_verify_reads_every_stored_pdf_back)
{
    if (!th_engine_is(eng->engine, "postgresql")) {
        cr_skip_test("the SQLite file's damage: repair_verify_finds_a_damaged_register");
        return;
    }
    char *dir = reg_dir_on(eng->engine), *out, *err;
    for (int i = 0; i < 3; i++)
        free(issue(dir, i % 2 ? "examples/adipose-two-knees.json" : "examples/bone-marrow-one-ankle.json"));
    expect(dir, "repair --verify", 0, "");
    char *e = th_engine_sql_unlocked(eng->engine, th_reg(),
                                     "UPDATE quotes SET pdf = overlay(pdf placing '\\x23'::bytea from 100)"
                                     " WHERE number = 'Q-2026-000002'");
    cr_assert_null(e, "%s", e);
    cr_assert_eq(rq(dir, NULL, "repair --verify", &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "the stored PDF of Q-2026-000002 does not match its digest"), "%s", err);
    cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "one line: %s", err);
    cr_assert_str_eq(out, "");
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

/* `backup` writes an SQLite file; a PostgreSQL register is backed up with
 * pg_dump, and the refusal says so (docs/deploy.md). */
ENGINE_TEST(reg, backup_of_a_postgresql_register_points_to_pg_dump)
{
    if (!th_engine_is(eng->engine, "postgresql")) {
        cr_skip_test("SQLite: a_backup_is_private_whole_and_never_the_register_itself");
        return;
    }
    char *dir = reg_dir_on(eng->engine), *out, *err, cmd[2000], bak[600];
    free(issue(dir, "examples/bone-marrow-one-ankle.json"));
    snprintf(bak, sizeof bak, "%s/nightly.db", dir);
    snprintf(cmd, sizeof cmd, "%s backup %s --register '%s'", th_bin(), bak, th_reg());
    cr_assert_eq(th_run(cmd, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "cannot write a backup of a PostgreSQL register to a file; use pg_dump"), "%s", err);
    cr_assert(strstr(err, "docs/deploy.md"), "%s", err);
    cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "one line: %s", err);
    cr_assert_str_eq(out, "");
    cr_assert_eq(file_size(bak), -1, "no file was written");
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

/* repair --verify on PostgreSQL also reads every signed acceptance's
 * accepted copy back against its digest, and finds a table of the
 * patient's side (schema 7) that is gone. */
ENGINE_TEST(reg, repair_verify_reads_accepted_copies_back_and_finds_every_table)
{
    if (!th_engine_is(eng->engine, "postgresql")) {
        cr_skip_test("the SQLite file's damage: repair_verify_finds_a_damaged_register");
        return;
    }
    char *dir = reg_dir_on(eng->engine), *out, *err;
    free(issue(dir, "examples/bone-marrow-one-ankle.json"));
    /* a 1x1 PNG, as the front desk's page sends it */
    sh("echo iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg== "
       "| base64 -d > %s/sig.png", dir);
    /* (rq adds --out-dir, which accept does not take: run it plainly) */
    sh(DAY0 "%s accept Q-2026-000001 --signature %s/sig.png --signer 'Ana Ruiz' --register '%s' >/dev/null", th_bin(),
       dir, th_reg());
    expect(dir, "repair --verify", 0, "");
    char *e = th_engine_sql_unlocked(eng->engine, th_reg(),
                                     "UPDATE acceptances SET accepted_pdf = overlay(accepted_pdf placing"
                                     " '\\x23'::bytea from 100)");
    cr_assert_null(e, "%s", e);
    cr_assert_eq(rq(dir, NULL, "repair --verify", &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "the accepted copy of Q-2026-000001 does not match its digest"), "%s", err);
    cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "one line: %s", err);
    free(out); free(err);
    e = th_engine_sql(eng->engine, th_reg(), "DROP TABLE email_consents");
    cr_assert_null(e, "%s", e);
    cr_assert_eq(rq(dir, NULL, "repair --verify", &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "tables of the register are missing: email_consents"), "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

/* Each quote keeps the clinic location and the front desk it came from
 * (issue #14), and the list filters by location, on every engine. */
ENGINE_TEST(reg, a_quote_keeps_its_location_and_desk)
{
    char *dir = reg_dir_on(eng->engine), *out, *err;
    free(issue(dir, "--source adipose --area left-knee --location westlake --desk front-2"));
    cr_assert_eq(rq(dir, "REGENQUOTE_DESK=lobby " DAY0,
                    "quote --source adipose --area right-knee --location round-rock", &out, &err), 0, "%s", err);
    free(out); free(err);
    free(issue(dir, "--source adipose --area left-ankle --location round-rock"));
    cr_assert_eq(rq(dir, NULL, "list --format csv", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, ",location,desk\n"), "%s", out);
    cr_assert(strstr(out, "Q-2026-000001,") && strstr(out, ",westlake,front-2\n"), "%s", out);
    cr_assert(strstr(out, ",round-rock,lobby\n"), "the desk from $REGENQUOTE_DESK: %s", out);
    free(out); free(err);
    cr_assert_eq(rq(dir, NULL, "list --location westlake --format json", &out, &err), 0, "%s", err);
    cJSON *list = cJSON_Parse(out);
    cr_assert(cJSON_IsArray(list) && cJSON_GetArraySize(list) == 1, "%s", out);
    cJSON *q = cJSON_GetArrayItem(list, 0);
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(q, "number")->valuestring, "Q-2026-000001");
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(q, "location")->valuestring, "westlake");
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(q, "desk")->valuestring, "front-2");
    cJSON_Delete(list);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}
