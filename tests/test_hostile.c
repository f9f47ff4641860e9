/* Hostile input: the real binary on every bad file in tests/corpus/ (and on
 * huge ones made here), on missing or unreadable price tables, fonts and
 * templates, on an output folder it may not write, and on a full disk.
 * Each must end with exit 1 or 2, exactly the expected one-line message per
 * problem on stderr, nothing on stdout, and no file in the output folder. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "register.h"

#define ENV "SOURCE_DATE_EPOCH=1795392000 REGENQUOTE_PRICES=pricing REGENQUOTE_TEMPLATES=templates "
#define C "tests/corpus/"

/* Files in dir (not . and ..), recursively; 0 if dir does not exist. */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_files(p);
        else
            n++;
    }
    closedir(d);
    return n;
}

/* Run `regenquote ARGS` from the repository root with the fixed date and
 * the shipped tables; prefix (may be "") goes before the environment (a
 * ulimit, a user switch). */
static int run_in(const char *prefix, const char *args, char **out, char **err)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s " ENV "%s %s", prefix, th_bin(), args);
    return th_run(cmd, out, err);
}

/* One bad request, through price (a DRAFT PDF) and through quote (the
 * register): same exit code, exactly the expected stderr, empty stdout,
 * an empty output folder. */
static void check_request(const char *file, int code, const char *expect_err)
{
    char *dir = th_tmpdir();
    char args[2048], outdir[600];
    char *out, *err;

    snprintf(outdir, sizeof outdir, "%s/out", dir);
    mkdir(outdir, 0700);
    snprintf(args, sizeof args, "price %s --format pdf -o %s/draft.pdf", file, outdir);
    cr_assert_eq(run_in("", args, &out, &err), code, "price %s: %s", file, err);
    cr_assert_str_eq(err, expect_err, "price %s", file);
    cr_assert_str_eq(out, "", "price %s: nothing on stdout", file);
    cr_assert_eq(count_files(outdir), 0, "price %s left a file behind", file);
    free(out);
    free(err);

    snprintf(args, sizeof args, "%s/register.db", dir);
    cr_assert_eq(th_init_register(args), 0);
    snprintf(args, sizeof args, "quote %s --out-dir %s --register %s/register.db", file, outdir, dir);
    cr_assert_eq(run_in("", args, &out, &err), code, "quote %s: %s", file, err);
    cr_assert_str_eq(err, expect_err, "quote %s", file);
    cr_assert_str_eq(out, "", "quote %s: nothing on stdout", file);
    cr_assert_eq(count_files(outdir), 0, "quote %s left a file behind", file);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

#define BAD(name, file, msg)                                                                  \
    Test(hostile, name)                                                                   \
    {                                                                                     \
        check_request(C file, 1, "regenquote: " C file msg "\n");                         \
    }

/* ---- the corpus ---------------------------------------------------------- */

BAD(empty_file, "empty.json", ": is empty; expected a JSON object")
BAD(blank_file, "blank.json", ": is empty; expected a JSON object")
BAD(not_json, "not-json.json", ":1:1: JSON syntax error: expected a value, ',' or a closing bracket here")
BAD(truncated, "truncated.json", ":1:43: JSON ends too early (a missing '}', ']' or '\"'?)")
BAD(trailing_garbage, "trailing-garbage.json",
    ":2:1: JSON syntax error: unexpected text after the end of the JSON value")
BAD(null_root, "null-root.json", ":1:1: expected a JSON object { … } describing the plan")
BAD(array_root, "array-root.json", ":1:1: expected a JSON object { … } describing the plan")
BAD(null_where_object, "null-patient.json", ":1:14: patient: expected an object { … }, found null")
BAD(null_in_list, "null-adjunct.json",
    ":1:71: adjuncts[0]: expected an adjunct id, or { \"id\": …, \"count\": … }")
BAD(number_1e400, "sessions-1e400.json", ":1:69: sessions: '1e400' is not a whole number")
BAD(amount_1e400, "amount-1e400.json",
    ":1:102: discounts[0].amount: '1e400' is not a plain decimal number such as \"1250.00\"")
BAD(minus_zero, "sessions-minus-zero.json", ":1:69: sessions: -0 is out of range; expected 1 to 1000000000")
BAD(int64_overflow, "sessions-2pow63.json",
    ":1:69: sessions: 9223372036854775808 is out of range; expected 1 to 1000000000")
BAD(three_decimals, "amount-three-decimals.json",
    ":1:102: discounts[0].amount: '10.001' has more than two decimals (amounts are exact to the cent)")
BAD(amount_over_limit, "amount-huge.json",
    ":1:102: discounts[0].amount: '92233720368547758.07' is over the $10,000,000,000.00 limit for amounts")
BAD(amount_negative, "amount-negative.json", ":1:102: discounts[0].amount: '-5.00' is negative; expected 0 or more")
BAD(count_negative, "count-negative.json", ":1:108: adjuncts[0].count: -3 is out of range; expected 1 to 1000")
BAD(count_zero, "count-zero.json", ":1:108: adjuncts[0].count: 0 is out of range; expected 1 to 1000")
BAD(count_over_max, "count-over-max.json",
    ":1:71: adjuncts[0]: 999 × 'physical-therapy' is more than the 24 the clinic schedules")
BAD(sessions_zero, "sessions-zero.json", ":1:69: sessions: 0 is out of range; expected 1 to 1000000000")
BAD(sessions_billion, "sessions-billion.json",
    ":1:69: sessions: 1000000000 is out of range; the clinic offers 1 to 4 MSC sessions")
BAD(deep_nesting, "deep-nesting.json", ":1:1001: JSON is nested more than 1000 levels deep")
BAD(duplicate_key, "duplicate-key.json", ":2:18: cell_source: duplicate key (first given at line 1)")
BAD(unknown_key, "unknown-key.json", ":2:14: sesions: unknown key; did you mean 'sessions'?")
BAD(keys_are_case_sensitive, "case-key.json", ":2:15: Sessions: unknown key; did you mean 'sessions'?")
BAD(invalid_utf8, "invalid-utf8.json", ":2:52: invalid UTF-8 byte 0xC3; save the file as UTF-8")
BAD(overlong_utf8, "overlong-utf8.json", ":1:71: invalid UTF-8 byte 0xC0; save the file as UTF-8")
BAD(nul_byte, "nul-byte.json", ":2:23: contains a NUL byte; expected UTF-8 text")
BAD(name_control_char, "name-control-char.json",
    ":1:24: patient.name: contains a control character; use plain text on one line")
BAD(name_newline, "name-newline.json",
    ":1:24: patient.name: contains a control character; use plain text on one line")
BAD(name_rtl_mark, "name-rtl-mark.json",
    ":1:24: patient.name: contains an invisible text-direction mark; retype it as plain text")
BAD(name_too_long, "name-too-long.json", ":1:24: patient.name: is too long; at most 200 characters")
BAD(name_empty, "name-empty.json", ":1:24: patient.name: is empty")
BAD(dob_not_a_date, "dob-not-a-date.json", ":1:33: patient.date_of_birth: is not a date; expected YYYY-MM-DD")
BAD(too_many_areas, "too-many-areas.json", ":1:429: areas[32]: too many entries; at most 32")
/* found by fuzzing: an empty id was accepted and its canonical form could
 * not be read back; ids with control characters reached messages */
BAD(adjunct_id_empty, "adjunct-id-empty.json", ":1:71: adjuncts[0]: is empty")
BAD(adjunct_id_escape, "adjunct-id-escape.json",
    ":1:71: adjuncts[0]: contains a control character; use plain text on one line")
BAD(discount_id_escape, "discount-id-escape.json",
    ":1:80: discounts[0].id: contains a control character; use plain text on one line")
BAD(too_many_codes, "too-many-icd10.json", ":1:355: icd10[32]: too many entries; at most 32")

Test(hostile, wrong_types_one_line_each)
{
    check_request(C "wrong-types.json", 1,
                  "regenquote: " C "wrong-types.json:1:12: areas: expected an array [ … ], found a string\n"
                  "regenquote: " C "wrong-types.json:1:40: cell_source: expected a string, found a number\n"
                  "regenquote: " C "wrong-types.json:1:55: sessions: expected a whole number, found a string\n");
}

Test(hostile, missing_request_file)
{
    check_request(C "no-such-file.json", 1,
                  "regenquote: " C "no-such-file.json: cannot open: No such file or directory\n");
}

Test(hostile, request_is_a_folder)
{
    check_request("tests/corpus", 1, "regenquote: tests/corpus: is a directory; expected a JSON file\n");
}

/* ---- accepted oddities ------------------------------------------------- */

Test(hostile, utf8_bom_is_accepted)
{
    char *with, *without, *err;
    cr_assert_eq(run_in("", "price " C "bom.json --format json", &with, &err), 0, "%s", err);
    free(err);
    cr_assert_eq(run_in("", "price --source bone-marrow --area left-knee --format json", &without, &err), 0,
                 "%s", err);
    free(err);
    cr_assert_str_eq(with, without, "a BOM changes nothing");
    free(with);
    free(without);
}

/* A name that looks like a path prints as a name and never becomes one. */
Test(hostile, path_in_name_prints_and_names_no_file)
{
    char *dir = th_tmpdir();
    char args[1024], p[600], *out, *err;
    snprintf(args, sizeof args, "quote " C "name-path.json --out-dir %s/a/b --register %s/a/b/r.db", dir, dir);
    snprintf(p, sizeof p, "%s/a", dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/a/b/r.db", dir);
    cr_assert_eq(th_init_register(p), 0);
    cr_assert_eq(run_in("", args, &out, &err), 0, "%s", err);
    cr_assert_str_eq(err, "");
    cr_assert(strstr(out, "Q-2026-000001"), "%s", out);
    free(out);
    free(err);
    /* exactly the PDF and the register; nothing up the tree */
    snprintf(p, sizeof p, "%s/a/b/Q-2026-000001.pdf", dir);
    cr_assert_eq(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/a/b", dir);
    DIR *d = opendir(p);
    struct dirent *e;
    while ((e = readdir(d)))
        cr_assert(e->d_name[0] == '.' || !strncmp(e->d_name, "Q-2026-000001.pdf", 18) ||
                      !strncmp(e->d_name, "r.db", 4),
                  "unexpected file %s", e->d_name);
    closedir(d);
    cr_assert_eq(count_files(dir), count_files(p), "nothing outside the output folder");
    snprintf(p, sizeof p, "%s/a/etc", dir);
    cr_assert_neq(access(p, F_OK), 0);
    snprintf(args, sizeof args, "pdftotext %s/a/b/Q-2026-000001.pdf -", dir);
    cr_assert_eq(th_run(args, &out, NULL), 0);
    cr_assert(strstr(out, "../../etc/passwd"), "the name prints as given");
    free(out);
    th_rmtree(dir);
    free(dir);
}

/* ---- huge inputs, made here ------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A request whose `key` holds a string of n bytes. */
static void write_long_string(const char *path, const char *key, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fprintf(f, "{ \"areas\": [\"left-knee\"], \"cell_source\": \"bone-marrow\",\n  \"%s\": \"", key);
    for (size_t i = 0; i < n; i++)
        fputc('a' + (int)(i % 26), f);
    fputs("\" }\n", f);
    cr_assert_eq(fclose(f), 0);
}

Test(hostile, one_megabyte_strings)
{
    char *dir = th_tmpdir();
    char path[600], expect[1200];
    snprintf(path, sizeof path, "%s/long.json", dir);
    write_long_string(path, "condition", 1u << 20);
    snprintf(expect, sizeof expect, "regenquote: %s:2:16: condition: is too long; at most 200 characters\n", path);
    check_request(path, 1, expect);

    /* a 1 MB key: reported, but the message stays one short line */
    char *out, *err, args[1024];
    FILE *f = fopen(path, "wb");
    fputs("{ \"areas\": [\"left-knee\"], \"cell_source\": \"bone-marrow\", \"", f);
    for (size_t i = 0; i < (1u << 20); i++)
        fputc('k', f);
    fputs("\": 1 }", f);
    fclose(f);
    snprintf(args, sizeof args, "price %s", path);
    cr_assert_eq(run_in("", args, &out, &err), 1);
    cr_assert(strstr(err, "unknown key"), "%s", err);
    cr_assert(strlen(err) < 400 && strchr(err, '\n') == err + strlen(err) - 1, "one short line: %.300s", err);
    cr_assert_str_eq(out, "");
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

Test(hostile, hundred_megabyte_file_is_refused_fast)
{
    char *dir = th_tmpdir();
    char path[600], expect[1200];
    snprintf(path, sizeof path, "%s/huge.json", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(fd >= 0);
    cr_assert_eq(ftruncate(fd, 100L * 1024 * 1024), 0, "sparse: no 100 MB written");
    close(fd);
    snprintf(expect, sizeof expect, "regenquote: %s: is larger than the 4 MiB limit for JSON files\n", path);
    double t0 = now_s();
    check_request(path, 1, expect);
    cr_assert_lt(now_s() - t0, 3.0, "refused by size, not by reading it");
    th_rmtree(dir);
    free(dir);
}

/* The limit is 4 MiB exactly: a valid request of that size is read, one
 * byte more is refused; an endless device is refused too. */
Test(hostile, size_limit_boundary)
{
    char *dir = th_tmpdir();
    char path[600], args[1024], expect[1200], *out, *err;
    const char *req = "{ \"areas\": [\"left-knee\"], \"cell_source\": \"bone-marrow\" }";
    snprintf(path, sizeof path, "%s/edge.json", dir);
    for (int extra = 0; extra <= 1; extra++) {
        FILE *f = fopen(path, "wb");
        fputs(req, f);
        for (size_t i = strlen(req); i < 4u * 1024 * 1024 + (size_t)extra; i++)
            fputc(i % 80 == 79 ? '\n' : ' ', f);
        fclose(f);
        snprintf(args, sizeof args, "price %s --format json", path);
        int rc = run_in("", args, &out, &err);
        if (!extra) {
            cr_assert_eq(rc, 0, "exactly 4 MiB is allowed: %s", err);
        } else {
            cr_assert_eq(rc, 1);
            snprintf(expect, sizeof expect, "regenquote: %s: is larger than the 4 MiB limit for JSON files\n", path);
            cr_assert_str_eq(err, expect);
            cr_assert_str_eq(out, "");
        }
        free(out);
        free(err);
    }
    cr_assert_eq(run_in("", "price /dev/zero", &out, &err), 1);
    cr_assert_str_eq(err, "regenquote: /dev/zero: is larger than the 4 MiB limit for JSON files\n");
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

/* ---- the files around a request ---------------------------------------- */

#define PLAN "--source bone-marrow --area left-knee"

/* Drop the lines a coverage build's runtime prints when it cannot save
 * its counters (as another user): "profiling:…". regenquote never does. */
static void strip_profiling(char *s)
{
    char *w = s;
    for (char *r = s; *r;) {
        char *nl = strchr(r, '\n');
        size_t n = nl ? (size_t)(nl - r) + 1 : strlen(r);
        if (strncmp(r, "profiling:", 10) != 0) {
            memmove(w, r, n);
            w += n;
        }
        r += n;
    }
    *w = '\0';
}

/* Run args against prices/templates in dir and expect exit 1 and stderr. */
static void check_env(const char *prefix, const char *args, const char *outdir, const char *expect)
{
    char *out, *err;
    cr_assert_eq(run_in(prefix, args, &out, &err), 1, "%s: %s", args, err);
    strip_profiling(err);
    cr_assert_str_eq(err, expect, "%s", args);
    cr_assert_str_eq(out, "", "%s: nothing on stdout", args);
    if (outdir)
        cr_assert_eq(count_files(outdir), 0, "%s left a file in %s", args, outdir);
    free(out);
    free(err);
}

Test(hostile, missing_price_tables)
{
    char *dir = th_tmpdir();
    char args[1024], expect[2048];
    snprintf(args, sizeof args, "price " PLAN " --prices %s/none --format pdf -o %s/x.pdf", dir, dir);
    snprintf(expect, sizeof expect,
             "regenquote: %s/none/catalog.json: cannot open: No such file or directory\n"
             "regenquote: %s/none/clinic.json: cannot open: No such file or directory\n"
             "regenquote: the price tables in '%s/none' have problems; run 'regenquote validate %s/none'\n",
             dir, dir, dir, dir);
    check_env("", args, dir, expect);

    /* only the clinic file is there */
    char p[600];
    snprintf(p, sizeof p, "%s/t", dir);
    mkdir(p, 0700);
    cr_assert_eq(th_tables_with(p, "clinic.json", NULL, NULL), 0);
    snprintf(p, sizeof p, "%s/t/catalog.json", dir);
    unlink(p);
    snprintf(args, sizeof args, "%s/r.db", dir);
    cr_assert_eq(th_init_register(args), 0);
    snprintf(args, sizeof args, "quote " PLAN " --prices %s/t --out-dir %s/out --register %s/r.db", dir, dir, dir);
    snprintf(expect, sizeof expect,
             "regenquote: %s/t/catalog.json: cannot open: No such file or directory\n"
             "regenquote: the price tables in '%s/t' have problems; run 'regenquote validate %s/t'\n",
             dir, dir, dir);
    snprintf(p, sizeof p, "%s/out", dir);
    check_env("", args, p, expect);

    /* a folder where the catalog should be */
    snprintf(p, sizeof p, "%s/t/catalog.json", dir);
    mkdir(p, 0700);
    snprintf(args, sizeof args, "price " PLAN " --prices %s/t", dir);
    snprintf(expect, sizeof expect,
             "regenquote: %s/t/catalog.json: is a directory; expected a JSON file\n"
             "regenquote: the price tables in '%s/t' have problems; run 'regenquote validate %s/t'\n",
             dir, dir, dir);
    check_env("", args, NULL, expect);
    th_rmtree(dir);
    free(dir);
}

/* Permission checks need an ordinary user: as root the test runs the
 * binary as nobody (setpriv).  nobody may not be able to reach the checkout
 * (it may sit in a private folder), so the binary, the price tables and the
 * templates are copied into dir (readable by all) and the test runs from
 * there; each test is its own process, so chdir and setenv stay in it. */
static const char *as_user(const char *dir)
{
    if (geteuid() != 0)
        return "env";
    char cmd[4096], bin[700];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/bin && cp '%s' %s/bin/regenquote && cp -r pricing templates %s/ && "
             "chmod -R a+rX %s/bin %s/pricing %s/templates && chmod a+rx %s",
             dir, th_bin(), dir, dir, dir, dir, dir, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    snprintf(bin, sizeof bin, "%s/bin/regenquote", dir);
    cr_assert_eq(setenv("REGENQUOTE_BIN", bin, 1), 0);
    cr_assert_eq(chdir(dir), 0);
    return "setpriv --reuid=nobody --regid=nogroup --clear-groups env";
}

/* A register open to others that this user cannot make private (another
 * owner's file): refused, with what its owner can do. */
Test(hostile, a_register_open_to_others_that_cannot_be_made_private)
{
    if (geteuid() != 0)
        cr_skip_test("needs root, to run as another user");
    char *dir = th_tmpdir();
    chmod(dir, 0777);
    char reg[700], args[1024], expect[2048];
    snprintf(reg, sizeof reg, "%s/r.db", dir);
    cr_assert_eq(th_init_register(reg), 0);
    chmod(reg, 0666);
    const char *user = as_user(dir);
    snprintf(args, sizeof args, "list --register %s", reg);
    snprintf(expect, sizeof expect,
             "regenquote: %s: is mode 0666, open to other users, and cannot be made private: Operation not permitted; "
             "its owner can run 'chmod 600 %s'\n", reg, reg);
    check_env(user, args, NULL, expect);
    th_rmtree(dir);
    free(dir);
}

Test(hostile, unreadable_price_table)
{
    char *dir = th_tmpdir();
    chmod(dir, 0755);
    cr_assert_eq(th_tables_with(dir, "clinic.json", NULL, NULL), 0);
    char p[600], args[1024], expect[2048];
    snprintf(p, sizeof p, "%s/clinic.json", dir);
    chmod(p, 0644);
    snprintf(p, sizeof p, "%s/catalog.json", dir);
    chmod(p, 0);
    const char *user = as_user(dir);
    snprintf(args, sizeof args, "price " PLAN " --prices %s", dir);
    snprintf(expect, sizeof expect,
             "regenquote: %s/catalog.json: cannot open: Permission denied\n"
             "regenquote: the price tables in '%s' have problems; run 'regenquote validate %s'\n",
             dir, dir, dir);
    check_env(user, args, NULL, expect);

    /* an unreadable template and font */
    char cmd[2000];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/tpl/fonts && cp -r templates/en %s/tpl/ && chmod -R a+rX %s/tpl && "
             "chmod 0 %s/tpl/en/quote.txt && cp templates/fonts/regenquote-sans.ttf %s/tpl/fonts/ && "
             "chmod 0 %s/tpl/fonts/regenquote-sans.ttf",
             dir, dir, dir, dir, dir, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(args, sizeof args, "price " PLAN " --format pdf --templates %s/tpl -o %s/x.pdf", dir, dir);
    snprintf(expect, sizeof expect, "regenquote: %s/tpl/en/quote.txt: cannot open template: Permission denied\n",
             dir);
    check_env(user, args, NULL, expect);
    snprintf(cmd, sizeof cmd, "chmod 0644 %s/tpl/en/quote.txt", dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(args, sizeof args,
             "price " PLAN " --patient-name 'Nguyễn Thị Hồng' --format pdf --templates %s/tpl -o %s/x.pdf", dir, dir);
    snprintf(expect, sizeof expect,
             "regenquote: patient.name: cannot print this text without the font '%s/tpl/fonts/regenquote-sans.ttf' "
             "(cannot open font: Permission denied; run 'make fonts')\n",
             dir);
    check_env(user, args, NULL, expect);
    th_rmtree(dir);
    free(dir);
}

Test(hostile, unwritable_output_folder)
{
    char *dir = th_tmpdir();
    chmod(dir, 0755);
    char ro[600], args[1024], expect[2048];
    snprintf(ro, sizeof ro, "%s/ro", dir);
    mkdir(ro, 0555);
    chmod(ro, 0555);
    const char *user = as_user(dir);
    snprintf(args, sizeof args, "price " PLAN " --format pdf -o %s/x.pdf", ro);
    snprintf(expect, sizeof expect, "regenquote: %s/x.pdf: cannot create: Permission denied\n", ro);
    check_env(user, args, ro, expect);
    snprintf(args, sizeof args, "price " PLAN " --format json -o %s/x.json", ro);
    snprintf(expect, sizeof expect, "regenquote: %s/x.json: cannot create: Permission denied\n", ro);
    check_env(user, args, ro, expect);

    /* an output folder that cannot exist: a file is in the way */
    char file[600];
    snprintf(file, sizeof file, "%s/file", dir);
    th_write(file, "x");
    snprintf(args, sizeof args, "%s/r.db", dir);
    cr_assert_eq(th_init_register(args), 0);
    snprintf(args, sizeof args, "quote " PLAN " --out-dir %s/sub --register %s/r.db", file, dir);
    snprintf(expect, sizeof expect, "regenquote: %s/sub: cannot create the folder: Not a directory\n", file);
    check_env("", args, NULL, expect);
    th_rmtree(dir);
    free(dir);
}

Test(hostile, missing_template_and_font)
{
    char *dir = th_tmpdir();
    char args[1024], expect[2048], out[600];
    snprintf(out, sizeof out, "%s/out", dir);
    mkdir(out, 0700);
    /* no template at all */
    snprintf(args, sizeof args, "price " PLAN " --format pdf --templates %s -o %s/x.pdf", dir, out);
    snprintf(expect, sizeof expect, "regenquote: %s/en/quote.txt: cannot open template: No such file or directory\n",
             dir);
    check_env("", args, out, expect);
    snprintf(args, sizeof args, "%s/r.db", dir);
    cr_assert_eq(th_init_register(args), 0);
    snprintf(args, sizeof args, "quote " PLAN " --templates %s --out-dir %s --register %s/r.db", dir, out, dir);
    check_env("", args, out, expect);

    /* the template but no font: Latin text needs none, Vietnamese does */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp -r templates/en %s/", dir);
    cr_assert_eq(system(cmd), 0);
    char *o, *e;
    snprintf(args, sizeof args, "price " PLAN " --format pdf --templates %s -o %s/ok.pdf", dir, dir);
    cr_assert_eq(run_in("", args, &o, &e), 0, "%s", e);
    free(o);
    free(e);
    snprintf(args, sizeof args,
             "price " PLAN " --patient-name 'Nguyễn Thị Hồng' --format pdf --templates %s -o %s/x.pdf", dir, out);
    snprintf(expect, sizeof expect,
             "regenquote: patient.name: cannot print this text without the font '%s/fonts/regenquote-sans.ttf' "
             "(cannot open font: No such file or directory; run 'make fonts')\n",
             dir);
    check_env("", args, out, expect);

    /* a font file that is not a font */
    snprintf(cmd, sizeof cmd, "mkdir -p %s/fonts && echo garbage > %s/fonts/regenquote-sans.ttf", dir, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(expect, sizeof expect,
             "regenquote: patient.name: cannot print this text without the font '%s/fonts/regenquote-sans.ttf' "
             "(not a TrueType font; run 'make fonts')\n",
             dir);
    check_env("", args, out, expect);
    th_rmtree(dir);
    free(dir);
}

/* The file-size limit; a coverage build's counters go nowhere instead of
 * being cut short by it (GCOV_PREFIX means nothing to other builds). */
#define FULL_DISK "ulimit -f 4; export GCOV_PREFIX=/nonexistent;"

/* A full disk, as a file-size limit: the write fails with EFBIG (SIGXFSZ is
 * ignored), the message says so, and no partial or temporary file stays. */
Test(hostile, full_disk)
{
    char *dir = th_tmpdir();
    char args[1024], expect[2048], out[600];
    snprintf(out, sizeof out, "%s/out", dir);
    mkdir(out, 0700);
    snprintf(args, sizeof args, "price " PLAN " --format pdf -o %s/x.pdf", out);
    snprintf(expect, sizeof expect, "regenquote: %s/x.pdf: cannot write PDF: File too large\n", out);
    check_env(FULL_DISK, args, out, expect);
    snprintf(args, sizeof args, "price " PLAN " --format json -o %s/x.json", out);
    snprintf(expect, sizeof expect, "regenquote: %s/x.json: cannot write the quote: File too large\n", out);
    check_env(FULL_DISK, args, out, expect);

    /* issuing: the register cannot grow, so nothing is issued at all */
    snprintf(args, sizeof args, "%s/r.db", dir);
    cr_assert_eq(th_init_register(args), 0);
    snprintf(args, sizeof args, "quote " PLAN " --out-dir %s --register %s/r.db", out, dir);
    snprintf(expect, sizeof expect, "regenquote: %s/r.db: register error: disk I/O error\n", dir);
    check_env(FULL_DISK, args, out, expect);
    /* and the number was not used */
    char *o, *e;
    cr_assert_eq(run_in("", args, &o, &e), 0, "%s", e);
    cr_assert(strstr(o, "Q-2026-000001"), "%s", o);
    free(o);
    free(e);

    /* a reprint on the full disk: refused in one line, no partial copy */
    snprintf(args, sizeof args, "reprint Q-2026-000001 --register %s/r.db -o %s/copy.pdf", dir, out);
    cr_assert_eq(run_in(FULL_DISK, args, &o, &e), 1);
    strip_profiling(e);
    cr_assert_str_eq(o, "");
    cr_assert_eq(strchr(e, '\n'), e + strlen(e) - 1, "one line: %s", e);
    free(o);
    free(e);
    cr_assert_eq(count_files(out), 2, "only the PDF issued before, and the folder's marker");
    th_rmtree(dir);
    free(dir);
}

/* ---- usage errors: exit 2, one line, nothing written ---------------------- */

Test(hostile, usage_errors)
{
    char *out, *err;
    cr_assert_eq(run_in("", "price " PLAN " --sessions 1e400", &out, &err), 2);
    cr_assert_str_eq(err, "regenquote: --sessions: '1e400' is not a number of sessions; expected 1 or more\n");
    cr_assert_str_eq(out, "");
    free(out);
    free(err);
    cr_assert_eq(run_in("", "price " PLAN " --add physical-therapy:-1", &out, &err), 2);
    cr_assert(strstr(err, "--add") && strchr(err, '\n') == err + strlen(err) - 1, "%s", err);
    free(out);
    free(err);
    cr_assert_eq(run_in("", "price " PLAN " --add \"$(printf '\\033[31mx')\"", &out, &err), 2);
    cr_assert_str_eq(err, "regenquote: --add: the id contains a control character; use plain text on one line\n");
    free(out);
    free(err);
    cr_assert_eq(run_in("", "price " PLAN " --discount courtesy=10.001:x", &out, &err), 2);
    cr_assert_str_eq(err, "regenquote: --discount: '10.001' has more than two decimals (amounts are exact to the cent)\n");
    free(out);
    free(err);
}

/* ---- batch: one bad line is one line on stderr; the rest go on ---------- */

Test(hostile, batch_bad_lines)
{
    char *dir = th_tmpdir();
    char in[600], args[1500], expect[4096], *out, *err;
    snprintf(in, sizeof in, "%s/reqs.jsonl", dir);
    FILE *f = fopen(in, "w");
    const char *ok = "{ \"areas\": [\"left-knee\"], \"cell_source\": \"bone-marrow\" }";
    fprintf(f, "%s\n{ \"areas\": [\n", ok);
    for (size_t i = 0; i < 1024 * 1024 + 10; i++)
        fputc('x', f);
    fprintf(f, "\n{ \"areas\": [\"left-knee\"], \"cell_source\": \"bone-marrow\", \"sessions\": -0 }\n%s\n", ok);
    fclose(f);
    snprintf(args, sizeof args, "batch %s --out-dir %s/out -q", in, dir);
    cr_assert_eq(run_in("", args, &out, &err), 1);
    snprintf(expect, sizeof expect,
             "regenquote: %s:2:13: JSON ends too early (a missing '}', ']' or '\"'?)\n"
             "regenquote: %s:3: the line is longer than the 1024 KiB limit for one request\n"
             "regenquote: %s:4:69: sessions: -0 is out of range; expected 1 to 1000000000\n",
             in, in, in);
    cr_assert(!strncmp(err, expect, strlen(expect)), "got:\n%s", err);
    cr_assert(strstr(err + strlen(expect), "5 requests, 2 priced, 3 failed"), "%s", err);
    cr_assert_str_eq(out, "");
    char p[700];
    snprintf(p, sizeof p, "%s/out", dir);
    cr_assert_eq(count_files(p), 2, "only the two good lines wrote a PDF");
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}

/* ---- templates edited by hand (templates/LANG/quote.txt) ------------------ */

/* Copy templates/en/quote.txt to dir/en/, replacing each from[i] by to[i]. */
static void write_template(const char *dir, const char *const *from, const char *const *to, size_t n)
{
    char p[700];
    snprintf(p, sizeof p, "%s/en", dir);
    mkdir(p, 0700);
    char *text = th_read("templates/en/quote.txt", NULL);
    cr_assert_not_null(text);
    for (size_t i = 0; i < n; i++) {
        char *at = strstr(text, from[i]);
        cr_assert_not_null(at, "template has no '%s'", from[i]);
        size_t pre = (size_t)(at - text), fl = strlen(from[i]), tl = strlen(to[i]);
        char *nt = malloc(strlen(text) - fl + tl + 1);
        memcpy(nt, text, pre);
        memcpy(nt + pre, to[i], tl);
        strcpy(nt + pre + tl, at + fl);
        free(text);
        text = nt;
    }
    snprintf(p, sizeof p, "%s/en/quote.txt", dir);
    cr_assert_eq(th_write(p, text), 0);
    free(text);
}

Test(hostile, broken_template_syntax)
{
    char *dir = th_tmpdir();
    char args[1500], expect[4096], out[700];
    snprintf(out, sizeof out, "%s/out", dir);
    mkdir(out, 0700);
    static const char *const from[] = { "money.symbol = $\n" };
    static const char *const to[] = { "money.symbol = $\nmoney.symbol = USD\nthis line has no equals sign\n" };
    write_template(dir, from, to, 1);
    snprintf(args, sizeof args, "price " PLAN " --format pdf --templates %s -o %s/x.pdf", dir, out);
    snprintf(expect, sizeof expect,
             "regenquote: %s/en/quote.txt:15:1: money.symbol: key is already set on line 14\n"
             "regenquote: %s/en/quote.txt:16:1: expected 'key = value' (keys use letters, digits, '.', '_' and '-')\n",
             dir, dir);
    check_env("", args, out, expect);
    th_rmtree(dir);
    free(dir);
}

Test(hostile, broken_template_keys_and_placeholders)
{
    char *dir = th_tmpdir();
    char args[1500], expect[4096], out[700];
    snprintf(out, sizeof out, "%s/out", dir);
    mkdir(out, 0700);
    static const char *const from[] = { "doc.running = Estimate for {patient}", "doc.page = Page {page} of {pages}\n",
                                        "doc.trace = Price table {version}", "money.symbol = $\n" };
    static const char *const to[] = { "doc.running = Estimate for {patient_name}", "",
                                      "doc.trace = Price table {version", "money.symbol = $\nbogus.key = x\n" };
    write_template(dir, from, to, 4);
    snprintf(args, sizeof args, "price " PLAN " --format pdf --templates %s -o %s/x.pdf", dir, out);
    snprintf(expect, sizeof expect,
             "regenquote: %s/en/quote.txt: doc.page: missing key 'doc.page'\n"
             "regenquote: %s/en/quote.txt:25:1: doc.running: unknown placeholder '{patient_name}'; this key knows patient\n"
             "regenquote: %s/en/quote.txt:26:1: doc.trace: '{' without a closing '}'\n"
             "regenquote: %s/en/quote.txt:15:1: warning: bogus.key: key is not used by the document\n",
             dir, dir, dir, dir);
    check_env("", args, out, expect);
    th_rmtree(dir);
    free(dir);
}

Test(hostile, template_not_utf8_or_too_large)
{
    char *dir = th_tmpdir();
    char args[1500], expect[4096], p[700];
    snprintf(p, sizeof p, "%s/en", dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/en/quote.txt", dir);
    th_write(p, "doc.title = Cost estimate \xff\n");
    snprintf(args, sizeof args, "price " PLAN " --format pdf --templates %s -o %s/x.pdf", dir, dir);
    snprintf(expect, sizeof expect, "regenquote: %s/en/quote.txt: template is not valid UTF-8\n", dir);
    check_env("", args, NULL, expect);
    FILE *f = fopen(p, "w");
    for (int i = 0; i < 1100 * 1024; i++)
        fputc(i % 64 == 63 ? '\n' : '#', f);
    fclose(f);
    snprintf(expect, sizeof expect, "regenquote: %s/en/quote.txt: template is larger than 1 MB\n", dir);
    check_env("", args, NULL, expect);
    snprintf(p, sizeof p, "%s/x.pdf", dir);
    cr_assert_neq(access(p, F_OK), 0, "no PDF");
    th_rmtree(dir);
    free(dir);
}

/* ---- the clinic's logo (clinic.logo): a bad file is a warning, never a crash */

static uint32_t crc32_png(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static size_t put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

static size_t chunk(unsigned char *p, const char *type, const unsigned char *data, uint32_t len)
{
    size_t o = put32(p, len);
    memcpy(p + o, type, 4);
    if (len)
        memcpy(p + o + 4, data, len);
    o += 4 + len;
    return o + put32(p + o, crc32_png(p + 4, len + 4));
}

/* A valid 4×4 red RGB PNG (an uncompressed deflate block); returns its size. */
static size_t make_png(unsigned char *png)
{
    unsigned char ihdr[13], raw[4 * 13], z[128];
    put32(ihdr, 4);
    put32(ihdr + 4, 4);
    ihdr[8] = 8, ihdr[9] = 2, ihdr[10] = ihdr[11] = ihdr[12] = 0;
    for (int r = 0; r < 4; r++) {
        raw[r * 13] = 0;
        for (int c = 0; c < 4; c++)
            raw[r * 13 + 1 + c * 3] = 0xFF, raw[r * 13 + 2 + c * 3] = 0, raw[r * 13 + 3 + c * 3] = 0;
    }
    size_t zl = 0;
    z[zl++] = 0x78, z[zl++] = 0x01, z[zl++] = 0x01;
    z[zl++] = sizeof raw, z[zl++] = 0, z[zl++] = (unsigned char)~sizeof raw, z[zl++] = 0xFF;
    memcpy(z + zl, raw, sizeof raw);
    zl += sizeof raw;
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < sizeof raw; i++)
        a = (a + raw[i]) % 65521, b = (b + a) % 65521;
    zl += put32(z + zl, (b << 16) | a);
    size_t n = 0;
    memcpy(png, "\x89PNG\r\n\x1a\n", 8);
    n = 8;
    n += chunk(png + n, "IHDR", ihdr, 13);
    n += chunk(png + n, "IDAT", z, (uint32_t)zl);
    n += chunk(png + n, "IEND", NULL, 0);
    return n;
}

Test(hostile, bad_logo_is_a_warning)
{
    char *dir = th_tmpdir();
    char t[700], logo[800], args[4000], pdf[800], cmd[4000], *out, *err;
    snprintf(t, sizeof t, "%s/t", dir);
    mkdir(t, 0700);
    cr_assert_eq(th_tables_with(t, "clinic.json", "\"name\":", "\"logo\": \"logo.png\", \"name\":"), 0);
    snprintf(logo, sizeof logo, "%s/logo.png", t);
    unsigned char png[512];
    size_t n = make_png(png);
    static const struct {
        const char *what, *warning;
    } cases[] = {
        { "good", NULL },
        { "missing", "cannot open logo" },
        { "text", "logo is not a PNG image" },
        { "signature then garbage", "logo PNG is cut short" }, /* libpng used to abort() here */
        { "one bit flipped", "logo PNG is damaged (checksum error)" },
        { "cut in the image data", "logo PNG is cut short" },
        { "no header", "logo PNG has no valid header" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unlink(logo);
        FILE *f = i == 1 ? NULL : fopen(logo, "wb");
        if (i == 0)
            fwrite(png, 1, n, f);
        else if (i == 2)
            fputs("not a picture\n", f);
        else if (i == 3)
            fwrite("\x89PNG\r\n\x1a\ngarbage", 1, 15, f);
        else if (i == 4) {
            png[40] ^= 1;
            fwrite(png, 1, n, f);
            png[40] ^= 1;
        } else if (i == 5)
            fwrite(png, 1, 50, f);
        else if (i == 6)
            fwrite(png, 1, 8, f), fwrite(png + 33, 1, n - 33, f); /* IHDR left out */
        if (f)
            fclose(f);
        snprintf(pdf, sizeof pdf, "%s/logo-%zu.pdf", dir, i);
        snprintf(args, sizeof args, "price " PLAN " --prices %s --format pdf -o %s", t, pdf);
        cr_assert_eq(run_in("", args, &out, &err), 0, "%s: %s", cases[i].what, err);
        if (cases[i].warning) {
            char expect[4000];
            snprintf(expect, sizeof expect,
                     "regenquote: %s: warning: clinic.logo: %s; the quote is printed without a logo\n", logo,
                     cases[i].warning);
            cr_assert_str_eq(err, expect, "%s", cases[i].what);
        } else {
            cr_assert_str_eq(err, "", "%s", cases[i].what);
        }
        free(out);
        free(err);
        snprintf(cmd, sizeof cmd, "qpdf --check %s >/dev/null && pdfimages -list %s | tail -n +3 | wc -l", pdf, pdf);
        cr_assert_eq(th_run(cmd, &out, NULL), 0, "%s: a whole PDF", cases[i].what);
        cr_assert_eq(atoi(out), i == 0 ? 1 : 0, "%s: %s images", cases[i].what, out);
        free(out);
    }
    th_rmtree(dir);
    free(dir);
}

/* ---- a register that is not one ------------------------------------------- */

Test(hostile, register_that_is_not_a_register)
{
    char *dir = th_tmpdir();
    char reg[700], out[700], args[2000], expect[2000];
    snprintf(out, sizeof out, "%s/out", dir);
    mkdir(out, 0700);
    snprintf(reg, sizeof reg, "%s/notes.txt", dir);
    const char *text = "this is not a database, only a file given by mistake\n";
    th_write(reg, text);
    snprintf(args, sizeof args, "quote " PLAN " --register %s --out-dir %s", reg, out);
    snprintf(expect, sizeof expect, "regenquote: %s: register error: file is not a database\n", reg);
    check_env("", args, out, expect);
    snprintf(args, sizeof args, "list --register %s", reg);
    check_env("", args, NULL, expect);
    char *now = th_read(reg, NULL);
    cr_assert_str_eq(now, text, "the file is left as it was");
    free(now);

    snprintf(args, sizeof args, "quote " PLAN " --register %s --out-dir %s", dir, out);
    snprintf(expect, sizeof expect, "regenquote: %s: cannot open the register: Is a directory\n", dir);
    check_env("", args, out, expect);

    /* written by a newer regenquote: refused, not changed */
    snprintf(reg, sizeof reg, "%s/new.db", dir);
    char cmd[2000], *o, *e;
    /* made by issuing one quote (its PDF goes elsewhere: `out` must stay empty) */
    cr_assert_eq(th_init_register(reg), 0);
    snprintf(args, sizeof args, "quote " PLAN " --register %s --out-dir %s", reg, dir);
    cr_assert_eq(run_in("", args, &o, &e), 0, "%s", e);
    free(o);
    free(e);
    snprintf(cmd, sizeof cmd, "sqlite3 %s 'PRAGMA user_version = 99'", reg);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0);
    snprintf(args, sizeof args, "quote " PLAN " --register %s --out-dir %s", reg, out);
    snprintf(expect, sizeof expect,
             "regenquote: %s: was written by a newer regenquote (schema 99; this one knows %d); upgrade regenquote\n",
             reg, REGISTER_SCHEMA_VERSION);
    check_env("", args, out, expect);
    snprintf(cmd, sizeof cmd, "sqlite3 %s 'PRAGMA user_version'", reg);
    cr_assert_eq(th_run(cmd, &o, NULL), 0);
    cr_assert_str_eq(o, "99\n");
    free(o);
    th_rmtree(dir);
    free(dir);
}

/* Found by fuzzing (fuzz/fuzz_fontcov.c): a font whose character map points
 * a subtable 4 GB away made the reader wrap around and crash. */
Test(hostile, damaged_font_is_refused)
{
    char *dir = th_tmpdir();
    char cmd[2000], args[2000], expect[2000], out[700];
    snprintf(out, sizeof out, "%s/out", dir);
    mkdir(out, 0700);
    snprintf(cmd, sizeof cmd,
             "cp -r templates/en %s/ && mkdir %s/fonts && "
             "cp tests/corpus/fuzz/fontcov/cmap-subtable-offset-wraps %s/fonts/regenquote-sans.ttf",
             dir, dir, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(args, sizeof args,
             "price " PLAN " --patient-name 'Nguyễn Thị Hồng' --format pdf --templates %s -o %s/x.pdf", dir, out);
    snprintf(expect, sizeof expect,
             "regenquote: patient.name: cannot print this text without the font '%s/fonts/regenquote-sans.ttf' "
             "(font has no Unicode character map; run 'make fonts')\n",
             dir);
    check_env("", args, out, expect);
    th_rmtree(dir);
    free(dir);
}

/* ---- batch: usage mistakes are exit 2 and one line; a terminal gets a bar -- */

Test(hostile, batch_usage_errors)
{
    static const struct {
        const char *args, *err;
    } cases[] = {
        { "--jobs 0 examples", "regenquote batch: --jobs takes a number from 1 to 64, not '0'" },
        { "--jobs 65 examples", "regenquote batch: --jobs takes a number from 1 to 64, not '65'" },
        { "-j 1e400 examples", "regenquote batch: --jobs takes a number from 1 to 64, not '1e400'" },
        { "examples -j", "regenquote batch: option '-j' needs a value" },
        { "--bogus examples", "regenquote batch: unknown option '--bogus'" },
        { "", "regenquote batch: give a JSON Lines file or a folder of requests" },
        { "examples --format xml", "regenquote batch: unknown format 'xml'; expected pdf, json or none" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[300], expect[400], *out, *err;
        snprintf(args, sizeof args, "batch %s", cases[i].args);
        snprintf(expect, sizeof expect, "%s; see 'regenquote batch --help'\n", cases[i].err);
        cr_assert_eq(run_in("", args, &out, &err), 2, "%s: %s", args, err);
        cr_assert_str_eq(err, expect);
        cr_assert_str_eq(out, "");
        free(out);
        free(err);
    }
    char *out, *err;
    cr_assert_eq(run_in("", "batch tests/corpus/no-such.jsonl", &out, &err), 1);
    cr_assert_str_eq(err, "regenquote: tests/corpus/no-such.jsonl: cannot open: No such file or directory\n");
    free(out);
    free(err);
}

Test(hostile, batch_progress_bar_only_on_a_terminal)
{
    char *dir = th_tmpdir();
    char cmd[2000], *out;
    /* script(1) gives the run a terminal */
    snprintf(cmd, sizeof cmd,
             "script -qec '" ENV "%s batch examples --format none --out-dir %s/b' /dev/null", th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    /* one request per file of examples/ */
    cr_assert(strstr(out, "] 7/7"), "a bar that ends at 7/7: %s", out);
    cr_assert(strstr(out, "7 requests, 7 priced, 0 failed"), "%s", out);
    free(out);
    th_rmtree(dir);
    free(dir);
}
