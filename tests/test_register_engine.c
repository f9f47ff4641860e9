/* The register's meaning, through its public API (register.h), against every
 * storage engine: numbering, refusals, reading and filtering, status rules,
 * the supersede chain, the history, the price tables, repair of the PDF
 * copies, concurrent issuers, migration.  What only the command line shows
 * (messages as printed, files' modes, crash safety under SIGKILL) is in
 * test_register.c and test_crash.c. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "outdir.h"
#include "register.h"
#include "register_engine.h"
#include "sha256.h"

/* The engines these tests run against: TH_ENGINES (helpers.c), where a new
 * engine is one line; ENGINE_TEST runs a test once per engine. */

/* ---- fixture ------------------------------------------------------------- */

static void expect_ok(int rc, struct diag_list *dl);

struct fx {
    char *dir;
    char locator[600];
    char out[700];                /* a folder for PDF copies, DIR/out */
    struct reg *r;
};

static struct reg *open_at(size_t e, const char *locator)
{
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    expect_ok(register_open(&r, locator, &dl), &dl);
    cr_assert_str_eq(register_engine_name(r), TH_ENGINES[e].name, "the locator selects its engine");
    diag_list_free(&dl);
    return r;
}

/* Create a register at locator (engine e), closed again. */
static void create_at(size_t e, const char *locator)
{
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    expect_ok(register_create(&r, locator, NULL, "tester", &dl), &dl);
    cr_assert_str_eq(register_engine_name(r), TH_ENGINES[e].name, "the locator selects its engine");
    register_close(r);
}

static void fx_open(struct fx *f, size_t e)
{
    f->dir = th_tmpdir();
    cr_assert_not_null(f->dir);
    th_engine_locator(e, f->dir, f->locator, sizeof f->locator);
    create_at(e, f->locator);
    f->r = open_at(e, f->locator);
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    cr_assert_eq(mkdir(f->out, 0700), 0);
}

static void fx_close(struct fx *f)
{
    register_close(f->r);
    th_rmtree(f->dir);
    free(f->dir);
}

/* ---- issuing ------------------------------------------------------------ */

/* A render callback: a small document naming the number it was given. */
struct render {
    bool fail;
    int calls;
    char last[96];
    unsigned char doc[256];
};

static int render_cb(void *ctx, const char *number, const unsigned char **pdf, size_t *len,
                     struct diag_list *dl)
{
    struct render *rd = ctx;
    rd->calls++;
    snprintf(rd->last, sizeof rd->last, "%s", number);
    if (rd->fail) {
        diag_error(dl, NULL, NULL, "the test render fails for %s", number);
        return -1;
    }
    int n = snprintf((char *)rd->doc, sizeof rd->doc, "%%PDF-1.4\n%% quote %s, render %d\n%%%%EOF\n",
                     number, rd->calls);
    *pdf = rd->doc;
    *len = (size_t)n;
    return 0;
}

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static rq_date ymd(int y, int m, int d)
{
    return date_from_ymd(y, m, d);
}

/* What most tests issue: valid 30 days, no procedure date. */
static struct reg_issue sample(rq_date issued)
{
    return (struct reg_issue){
        .request_json = "{\"source\":\"adipose\"}",
        .quote_json = "{\"lines\":[],\"total_cents\":123456}",
        .tables_sha256 = SHA_A,
        .tables_version = "2026.1",
        .clinic_json = "{\"clinic\":\"A\"}",
        .catalog_json = "{\"catalog\":\"A\"}",
        .patient_id = "P-1",
        .patient_name = "Ana Ruiz",
        .issued = issued,
        .valid_until = issued + 30,
        .total_cents = 123456,
        .language = "en",
        .actor = "tester",
    };
}

/* Issue in; on success return the number (malloc'd), else NULL with dl filled. */
static char *try_issue(struct reg *r, const struct reg_issue *in, struct render *rd, struct diag_list *dl)
{
    char *number = NULL;
    struct render local = { 0 };
    if (register_issue(r, in, render_cb, rd ? rd : &local, &number, dl) != 0) {
        cr_assert_null(number);
        return NULL;
    }
    cr_assert_not_null(number);
    return number;
}

static char *issue(struct reg *r, const struct reg_issue *in)
{
    struct diag_list dl = { 0 };
    char *number = try_issue(r, in, NULL, &dl), *d = th_diags(&dl);
    cr_assert_not_null(number, "%s", d);
    free(d);
    diag_list_free(&dl);
    return number;
}

static char *issue_on(struct reg *r, rq_date day)
{
    struct reg_issue in = sample(day);
    return issue(r, &in);
}

/* Expect a call to have failed with a diagnostic containing want. */
static void expect_diag(struct diag_list *dl, const char *want)
{
    char *d = th_diags(dl);
    cr_assert(dl->errors > 0, "an error was expected: %s", want);
    cr_assert(strstr(d, want), "expected '%s' in: %s", want, d);
    free(d);
    diag_list_free(dl);
}

static void expect_ok(int rc, struct diag_list *dl)
{
    char *d = th_diags(dl);
    cr_assert_eq(rc, 0, "%s", d);
    free(d);
    diag_list_free(dl);
}

static const char *stored_status(struct reg *r, const char *number)
{
    static char status[32];
    struct reg_entry e;
    struct diag_list dl = { 0 };
    cr_assert_eq(register_get(r, number, false, &e, &dl), 0);
    snprintf(status, sizeof status, "%s", e.status);
    reg_entry_free(&e);
    diag_list_free(&dl);
    return status;
}

static size_t count_events(struct reg *r, const char *number)
{
    struct reg_event *ev;
    size_t n;
    struct diag_list dl = { 0 };
    cr_assert_eq(register_history(r, number, &ev, &n, &dl), 0);
    reg_events_free(ev, n);
    diag_list_free(&dl);
    return n;
}

/* ---- opening and numbering ------------------------------------------------ */

ENGINE_TEST(reg_engine, a_new_register_is_empty_and_opens_again)
{
    struct fx f;
    fx_open(&f, eng->engine);
    char *pat = register_pattern(f.r);
    cr_assert_str_eq(pat, REGISTER_DEFAULT_PATTERN);
    free(pat);
    struct reg_filter all = { .today = ymd(2026, 11, 23) };
    struct reg_entry *v;
    size_t n;
    struct diag_list dl = { 0 };
    cr_assert_eq(register_list(f.r, &all, &v, &n, &dl), 0);
    cr_assert_eq(n, 0);
    free(v);
    struct reg_event *ev;
    size_t nev;
    expect_ok(register_history(f.r, "-", &ev, &nev, &dl), &dl);
    cr_assert_eq(nev, 1, "a new register records its creation, nothing else");
    cr_assert_str_eq(ev[0].action, "created");
    cr_assert_str_eq(ev[0].actor, "tester");
    char want[64];
    snprintf(want, sizeof want, "register %s", register_id(f.r));
    cr_assert_str_eq(ev[0].detail, want);
    reg_events_free(ev, nev);
    char id[33];
    cr_assert_eq(strlen(register_id(f.r)), 32);
    cr_assert_eq(strspn(register_id(f.r), "0123456789abcdef"), 32, "%s", register_id(f.r));
    snprintf(id, sizeof id, "%s", register_id(f.r));
    register_close(f.r);
    f.r = open_at(eng->engine, f.locator);
    free(issue_on(f.r, ymd(2026, 11, 23)));
    register_close(f.r);
    f.r = open_at(eng->engine, f.locator);
    cr_assert_str_eq(stored_status(f.r, "Q-2026-000001"), "issued", "a committed quote is still there");
    cr_assert_str_eq(register_id(f.r), id, "the id never changes");
    fx_close(&f);
}

/* Issue #12: a mistyped --register must not start a new register. */
ENGINE_TEST(reg_engine, only_create_makes_a_register_and_never_twice)
{
    char *dir = th_tmpdir(), loc[600], other[600];
    th_engine_locator(eng->engine, dir, loc, sizeof loc);
    struct diag_list dl = { 0 };
    struct reg *r = NULL;
    cr_assert_eq(register_open(&r, loc, &dl), -1);
    cr_assert_null(r);
    char want[1400], shown[600];
    register_locator_display(loc, shown, sizeof shown);
    snprintf(want, sizeof want, "there is no register here; check --register and $REGENQUOTE_REGISTER, or create "
             "one with 'regenquote init --register %s'", shown);
    expect_diag(&dl, want);
    struct stat st;
    cr_assert_neq(stat(loc, &st), 0, "opening made nothing");
    cr_assert_eq(register_create(&r, loc, "Q-{seq}", "t", &dl), -1);
    expect_diag(&dl, "has no {year}");
    cr_assert_neq(stat(loc, &st), 0, "a refused create made nothing");
    expect_ok(register_create(&r, loc, "E-{year}-{seq:3}", "t", &dl), &dl);
    char *pat = register_pattern(r);
    cr_assert_str_eq(pat, "E-{year}-{seq:3}");
    free(pat);
    free(issue_on(r, ymd(2026, 11, 23)));
    register_close(r);
    cr_assert_eq(register_create(&r, loc, NULL, "t", &dl), -1);
    cr_assert_null(r);
    expect_diag(&dl, "is a register already; nothing was changed");
    r = open_at(eng->engine, loc);
    cr_assert_str_eq(stored_status(r, "E-2026-001"), "issued", "the refused create changed nothing");
    register_close(r);
    /* two registers never share an id */
    snprintf(other, sizeof other, "%s/other", dir);
    struct reg *r2 = NULL;
    char loc2[700];
    th_engine_locator(eng->engine, other, loc2, sizeof loc2);
    expect_ok(register_create(&r2, loc2, NULL, "t", &dl), &dl);
    r = open_at(eng->engine, loc);
    cr_assert_str_neq(register_id(r), register_id(r2));
    register_close(r);
    register_close(r2);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(reg_engine, numbers_follow_the_pattern_in_one_series_per_year)
{
    struct fx f;
    fx_open(&f, eng->engine);
    const struct { int y; const char *want; } steps[] = {
        { 2026, "Q-2026-000001" }, { 2026, "Q-2026-000002" }, { 2027, "Q-2027-000001" },
        { 2026, "Q-2026-000003" }, { 2027, "Q-2027-000002" },
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        char *n = issue_on(f.r, ymd(steps[i].y, 3, 2));
        cr_assert_str_eq(n, steps[i].want);
        free(n);
    }
    fx_close(&f);
}

ENGINE_TEST(reg_engine, a_new_pattern_is_used_from_the_next_quote_and_recorded)
{
    struct fx f;
    fx_open(&f, eng->engine);
    free(issue_on(f.r, ymd(2026, 11, 23)));
    struct diag_list dl = { 0 };
    expect_ok(register_set_pattern(f.r, "INV-{year}.{seq:3}", "boss", &dl), &dl);
    char *n = issue_on(f.r, ymd(2026, 11, 23));
    cr_assert_str_eq(n, "INV-2026.002", "the year's series goes on under the new pattern");
    free(n);
    expect_ok(register_set_pattern(f.r, "INV-{year}.{seq:3}", "boss", &dl), &dl);
    struct reg_event *ev;
    size_t nev;
    cr_assert_eq(register_history(f.r, "-", &ev, &nev, &dl), 0);
    cr_assert_eq(nev, 2, "created, then the pattern once: setting the same pattern again records nothing");
    cr_assert_str_eq(ev[1].action, "number pattern");
    cr_assert_str_eq(ev[1].detail, "INV-{year}.{seq:3}");
    cr_assert_str_eq(ev[1].actor, "boss");
    reg_events_free(ev, nev);
    const char *bad[] = { "Q-{year}", "Q {year}{seq}", "Q-{year}{seq:0}", ".Q{year}{seq}", "Q-{month}-{seq}", "",
                          "A-very-long-prefix-that-goes-{year}-{seq}" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(register_set_pattern(f.r, bad[i], "boss", &dl), -1, "%s", bad[i]);
        cr_assert_str_eq(dl.v[0].path, "--number-pattern");
        expect_diag(&dl, "is not a number pattern");
    }
    /* without the year, next year's numbers would repeat this year's */
    const char *yearless[] = { "Q-{seq:5}", "N{seq}" };
    for (size_t i = 0; i < sizeof yearless / sizeof yearless[0]; i++) {
        cr_assert_eq(register_set_pattern(f.r, yearless[i], "boss", &dl), -1, "%s", yearless[i]);
        cr_assert_not(register_pattern_ok(yearless[i]));
        expect_diag(&dl, "has no {year}: the counter starts again at 1 each year, so without the year numbers "
                         "would repeat; use a pattern such as Q-{year}-{seq:6}");
    }
    cr_assert_eq(count_events(f.r, "-"), 2, "a refused pattern records nothing");
    register_close(f.r);
    f.r = open_at(eng->engine, f.locator);
    char *pat = register_pattern(f.r);
    cr_assert_str_eq(pat, "INV-{year}.{seq:3}", "the pattern is kept in the register");
    free(pat);
    fx_close(&f);
}

ENGINE_TEST(reg_engine, a_pattern_that_repeats_a_number_is_refused_and_uses_up_nothing)
{
    struct fx f;
    fx_open(&f, eng->engine);
    struct diag_list dl = { 0 };
    /* two patterns that each have the year, but give one number twice:
     * Q{year}1{seq} for seq 1 and Q{year}{seq} for seq 11 are both Q202611 */
    expect_ok(register_set_pattern(f.r, "Q{year}1{seq}", NULL, &dl), &dl);
    char *n = issue_on(f.r, ymd(2026, 5, 1));
    cr_assert_str_eq(n, "Q202611");
    free(n);
    expect_ok(register_set_pattern(f.r, "Q{year}{seq}", NULL, &dl), &dl);
    for (int i = 2; i <= 10; i++)
        free(issue_on(f.r, ymd(2026, 5, 1)));
    struct reg_issue in = sample(ymd(2026, 5, 1));
    cr_assert_null(try_issue(f.r, &in, NULL, &dl));
    expect_diag(&dl, "the number pattern 'Q{year}{seq}' gives Q202611, which is already used; set a pattern that "
                     "cannot give an earlier number, such as Q-{year}-{seq:6}");
    expect_ok(register_set_pattern(f.r, "Q{year}-{seq}", NULL, &dl), &dl);
    n = issue(f.r, &in);
    cr_assert_str_eq(n, "Q2026-11", "the refused attempt took no number from the series");
    free(n);
    fx_close(&f);
}

ENGINE_TEST(reg_engine, a_failed_render_uses_no_number)
{
    struct fx f;
    fx_open(&f, eng->engine);
    struct diag_list dl = { 0 };
    struct render rd = { .fail = true };
    struct reg_issue in = sample(ymd(2026, 11, 23));
    in.tables_sha256 = SHA_B;
    cr_assert_null(try_issue(f.r, &in, &rd, &dl));
    expect_diag(&dl, "the test render fails for Q-2026-000001");
    cr_assert_str_eq(rd.last, "Q-2026-000001", "the render is given the number");
    struct reg_entry e;
    cr_assert_eq(register_get(f.r, "Q-2026-000001", false, &e, &dl), 1);
    diag_list_free(&dl);
    char *clinic, *catalog;
    cr_assert_eq(register_get_tables(f.r, SHA_B, &clinic, &catalog, &dl), -1, "nothing of it was stored");
    diag_list_free(&dl);
    cr_assert_eq(count_events(f.r, "Q-2026-000001"), 0);
    rd.fail = false;
    char *n = try_issue(f.r, &in, &rd, &dl);
    cr_assert_str_eq(n, "Q-2026-000001", "the next quote takes the number");
    free(n);
    n = issue_on(f.r, ymd(2026, 11, 23));
    cr_assert_str_eq(n, "Q-2026-000002", "and the series goes on without a gap");
    free(n);
    diag_list_free(&dl);
    fx_close(&f);
}

/* ---- what an entry keeps ---------------------------------------------------- */

ENGINE_TEST(reg_engine, an_entry_keeps_everything_it_was_issued_with)
{
    struct fx f;
    fx_open(&f, eng->engine);
    struct reg_issue in = sample(ymd(2026, 11, 23));
    in.has_scheduled = true;
    in.scheduled = ymd(2026, 12, 14);
    in.estimate_due = ymd(2026, 11, 27);
    in.language = "es";
    in.patient_name = "José Núñez";
    struct render rd = { 0 };
    struct diag_list dl = { 0 };
    char *number = try_issue(f.r, &in, &rd, &dl);
    cr_assert_str_eq(number, "Q-2026-000001");
    struct reg_entry e;
    expect_ok(register_get(f.r, number, true, &e, &dl), &dl);
    cr_assert_str_eq(e.number, number);
    cr_assert_str_eq(e.status, "issued");
    cr_assert_str_eq(e.patient_id, "P-1");
    cr_assert_str_eq(e.patient_name, "José Núñez");
    cr_assert_str_eq(e.issued, "2026-11-23");
    cr_assert_str_eq(e.valid_until, "2026-12-23");
    cr_assert_str_eq(e.scheduled, "2026-12-14");
    cr_assert_str_eq(e.estimate_due, "2026-11-27");
    cr_assert_eq(e.total_cents, 123456);
    cr_assert_str_eq(e.language, "es");
    cr_assert_str_eq(e.tables_version, "2026.1");
    cr_assert_str_eq(e.tables_sha256, SHA_A);
    cr_assert_null(e.supersedes);
    cr_assert_null(e.superseded_by);
    cr_assert_str_eq(e.request_json, in.request_json);
    cr_assert_str_eq(e.quote_json, in.quote_json);
    size_t len = strlen((const char *)rd.doc);
    cr_assert_eq(e.pdf_len, len);
    cr_assert(!memcmp(e.pdf, rd.doc, len), "the PDF, byte for byte");
    char sha[65];
    sha256_hex(rd.doc, len, sha);
    cr_assert_str_eq(e.pdf_sha256, sha);
    reg_entry_free(&e);
    expect_ok(register_get(f.r, number, false, &e, &dl), &dl);
    cr_assert_null(e.pdf, "no PDF unless asked");
    cr_assert_eq(e.pdf_len, 0);
    cr_assert_str_eq(e.pdf_sha256, sha);
    cr_assert_str_eq(e.request_json, in.request_json);
    reg_entry_free(&e);
    /* nothing optional given: nothing made up */
    struct reg_issue bare = sample(ymd(2026, 11, 23));
    bare.patient_id = bare.patient_name = NULL;
    char *n2 = issue(f.r, &bare);
    expect_ok(register_get(f.r, n2, false, &e, &dl), &dl);
    cr_assert_null(e.patient_id);
    cr_assert_null(e.patient_name);
    cr_assert_null(e.scheduled);
    cr_assert_null(e.estimate_due);
    reg_entry_free(&e);
    cr_assert_eq(register_get(f.r, "Q-1999-000001", true, &e, &dl), 1);
    expect_diag(&dl, "there is no quote 'Q-1999-000001' in the register");
    cr_assert_null(e.number);
    free(number);
    free(n2);
    fx_close(&f);
}

ENGINE_TEST(reg_engine, price_tables_are_kept_once_per_digest_as_first_stored)
{
    struct fx f;
    fx_open(&f, eng->engine);
    struct reg_issue in = sample(ymd(2026, 11, 23));
    free(issue(f.r, &in));
    in.clinic_json = "{\"clinic\":\"edited later\"}";
    free(issue(f.r, &in));
    in.tables_sha256 = SHA_B;
    in.tables_version = "2026.2";
    in.catalog_json = "{\"catalog\":\"B\"}";
    char *n3 = issue(f.r, &in);
    struct diag_list dl = { 0 };
    char *clinic, *catalog;
    expect_ok(register_get_tables(f.r, SHA_A, &clinic, &catalog, &dl), &dl);
    cr_assert_str_eq(clinic, "{\"clinic\":\"A\"}", "the text stored first stays");
    cr_assert_str_eq(catalog, "{\"catalog\":\"A\"}");
    free(clinic);
    free(catalog);
    expect_ok(register_get_tables(f.r, SHA_B, &clinic, &catalog, &dl), &dl);
    cr_assert_str_eq(clinic, "{\"clinic\":\"edited later\"}");
    cr_assert_str_eq(catalog, "{\"catalog\":\"B\"}");
    free(clinic);
    free(catalog);
    struct reg_entry e;
    expect_ok(register_get(f.r, n3, false, &e, &dl), &dl);
    cr_assert_str_eq(e.tables_version, "2026.2");
    reg_entry_free(&e);
    cr_assert_eq(register_get_tables(f.r, "cccc", &clinic, &catalog, &dl), -1);
    expect_diag(&dl, "the price tables cccc are missing from the register");
    cr_assert_null(clinic);
    cr_assert_null(catalog);
    free(n3);
    fx_close(&f);
}

/* ---- listing ---------------------------------------------------------------- */

/* list with f; the numbers found, space-separated, in order. */
static char *listed(struct reg *r, struct reg_filter f)
{
    struct reg_entry *v;
    size_t n;
    struct diag_list dl = { 0 };
    expect_ok(register_list(r, &f, &v, &n, &dl), &dl);
    char *s = calloc(1, n * 20 + 1);
    for (size_t i = 0; i < n; i++) {
        cr_assert_null(v[i].request_json, "a list has no JSON");
        cr_assert_null(v[i].pdf, "a list has no PDF");
        snprintf(s + strlen(s), 20, "%s%s", i ? " " : "", v[i].number + 7);
        reg_entry_free(&v[i]);
    }
    free(v);
    return s;
}

#define LISTS(want, ...)                                                      \
    do {                                                                      \
        char *got_ = listed(f.r, (struct reg_filter){ .today = today, __VA_ARGS__ }); \
        cr_assert_str_eq(got_, want, "filter %s", #__VA_ARGS__);              \
        free(got_);                                                           \
    } while (0)

ENGINE_TEST(reg_engine, list_filters_by_patient_name_dates_and_status_newest_first)
{
    struct fx f;
    fx_open(&f, eng->engine);
    rq_date today = ymd(2026, 11, 23);
    const struct { int m, d; const char *id, *name; } q[] = {
        { 1, 10, "P-1", "Ana Ruiz" },      /* 000001: expired by today */
        { 11, 1, "P-2", "Bob RUIZ-Diaz" }, /* 000002: issued */
        { 11, 20, "P-1", "Ana Ruiz" },     /* 000003: accepted */
        { 11, 20, "P-3", "Carla Mendez" }, /* 000004: void, same day as 000003 */
        { 11, 21, "P-4", "Dan Ng" },       /* 000005: superseded by 000006 */
        { 11, 22, "P-4", "Dan Ng" },       /* 000006: issued */
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        struct reg_issue in = sample(ymd(2026, q[i].m, q[i].d));
        in.patient_id = q[i].id;
        in.patient_name = q[i].name;
        in.supersedes = i == 5 ? "Q-2026-000005" : NULL;
        free(issue(f.r, &in));
    }
    struct diag_list dl = { 0 };
    expect_ok(register_set_status(f.r, "Q-2026-000003", "accepted", NULL, "t", today, &dl), &dl);
    expect_ok(register_set_status(f.r, "Q-2026-000004", "void", "duplicate", "t", today, &dl), &dl);

    LISTS("000006 000005 000004 000003 000002 000001", .patient_id = NULL);
    LISTS("000003 000001", .patient_id = "P-1");
    LISTS("", .patient_id = "p-1");
    LISTS("000003 000002 000001", .name = "ruiz");
    LISTS("000003 000002 000001", .name = "RUIZ");
    LISTS("000002", .name = "z-d");
    LISTS("000006 000005 000004 000003", .has_from = true, .from = ymd(2026, 11, 20));
    LISTS("000004 000003 000002 000001", .has_to = true, .to = ymd(2026, 11, 20));
    LISTS("000004 000003", .has_from = true, .from = ymd(2026, 11, 20), .has_to = true, .to = ymd(2026, 11, 20));
    LISTS("000006 000002", .status = "issued");
    LISTS("000001", .status = "expired");
    LISTS("000003", .status = "accepted");
    LISTS("000004", .status = "void");
    LISTS("000005", .status = "superseded");
    LISTS("", .status = "pending");
    LISTS("000001", .patient_id = "P-1", .status = "expired");
    LISTS("000003", .name = "ana", .has_from = true, .from = ymd(2026, 2, 1), .status = "accepted");
    /* the day after 000002's last valid day, it has expired too */
    today = ymd(2026, 12, 2);
    LISTS("000002 000001", .status = "expired");

    struct reg_entry *v;
    size_t n;
    struct reg_filter all = { .today = ymd(2026, 11, 23) };
    expect_ok(register_list(f.r, &all, &v, &n, &dl), &dl);
    cr_assert_eq(n, 6);
    cr_assert_str_eq(reg_entry_status(&v[5], all.today), "expired");
    cr_assert_str_eq(v[5].status, "issued", "expired is shown, not stored");
    cr_assert_str_eq(v[0].supersedes, "Q-2026-000005");
    cr_assert_str_eq(v[1].superseded_by, "Q-2026-000006");
    cr_assert_str_eq(v[0].tables_version, "2026.1");
    for (size_t i = 0; i < n; i++)
        reg_entry_free(&v[i]);
    free(v);
    fx_close(&f);
}

ENGINE_TEST(reg_engine, a_name_is_found_whatever_its_case_and_accents)
{
    struct fx f;
    fx_open(&f, eng->engine);
    rq_date today = ymd(2026, 11, 23);
    const char *names[] = { "José Müller-Ñúñez", "Zoë O'Brien-Łukasik", "JOSE PLAIN", "Nguyễn Thị Hồng" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct reg_issue in = sample(today);
        in.patient_name = names[i];
        free(issue(f.r, &in));
    }
    static const struct {
        const char *search, *found;
    } ways[] = {
        { "JOSE", "000003 000001" }, { "josé", "000003 000001" }, { "José", "000003 000001" },
        { "muller", "000001" }, { "MÜLLER-ÑÚÑEZ", "000001" }, { "nunez", "000001" },
        { "lukasik", "000002" }, { "ŁUKASIK", "000002" }, { "zoe o'b", "000002" },
        { "nguyen", "000004" }, { "jose  muller", "" },
    };
    for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
        char *got = listed(f.r, (struct reg_filter){ .today = today, .name = ways[i].search });
        cr_assert_str_eq(got, ways[i].found, "--name %s", ways[i].search);
        free(got);
    }
    fx_close(&f);
}

/* ---- status and the supersede chain ------------------------------------------ */

static void refused(struct reg *r, const char *number, const char *status, const char *reason,
                    rq_date today, const char *want)
{
    struct diag_list dl = { 0 };
    size_t before = count_events(r, number);
    cr_assert_eq(register_set_status(r, number, status, reason, "t", today, &dl), -1, "%s %s", status, number);
    expect_diag(&dl, want);
    cr_assert_eq(count_events(r, number), before, "a refused change records nothing");
}

ENGINE_TEST(reg_engine, status_changes_follow_the_rules)
{
    struct fx f;
    fx_open(&f, eng->engine);
    rq_date today = ymd(2026, 11, 23);
    char *a = issue_on(f.r, today);                 /* 000001 */
    char *old = issue_on(f.r, ymd(2026, 6, 1));     /* 000002, expired */
    char *b = issue_on(f.r, today);                 /* 000003 */
    struct reg_issue rev = sample(today);
    rev.supersedes = b;
    char *c = issue(f.r, &rev);                     /* 000004 */
    struct diag_list dl = { 0 };

    expect_ok(register_set_status(f.r, a, "accepted", NULL, "t", today, &dl), &dl);
    cr_assert_str_eq(stored_status(f.r, a), "accepted");
    refused(f.r, a, "accepted", NULL, today, "quote Q-2026-000001 is accepted; only an issued quote can be accepted");
    refused(f.r, a, "void", NULL, today, "voiding a quote needs a reason");
    refused(f.r, a, "void", "", today, "voiding a quote needs a reason");
    expect_ok(register_set_status(f.r, a, "void", "patient moved", "t", today, &dl), &dl);
    cr_assert_str_eq(stored_status(f.r, a), "void");
    refused(f.r, a, "void", "again", today, "quote Q-2026-000001 is void; it cannot be voided");
    refused(f.r, a, "accepted", NULL, today, "quote Q-2026-000001 is void; only an issued quote can be accepted");

    refused(f.r, old, "accepted", NULL, today,
            "quote Q-2026-000002 is expired; it has expired; revise it to issue a new estimate");
    expect_ok(register_set_status(f.r, old, "void", "too old", "t", today, &dl), &dl);

    refused(f.r, b, "void", "x", today, "quote Q-2026-000003 is superseded; it cannot be voided");
    refused(f.r, b, "accepted", NULL, today, "only an issued quote can be accepted");
    refused(f.r, "Q-2026-000099", "accepted", NULL, today, "there is no quote 'Q-2026-000099' in the register");
    cr_assert_str_eq(stored_status(f.r, c), "issued");
    free(a);
    free(old);
    free(b);
    free(c);
    fx_close(&f);
}

ENGINE_TEST(reg_engine, a_revision_supersedes_and_the_chain_is_kept)
{
    struct fx f;
    fx_open(&f, eng->engine);
    rq_date today = ymd(2026, 11, 23);
    struct diag_list dl = { 0 };
    char *a = issue_on(f.r, today);
    struct reg_issue in = sample(today);
    in.supersedes = a;
    in.actor = "rev";
    char *b = issue(f.r, &in);
    expect_ok(register_set_status(f.r, b, "accepted", NULL, "t", today, &dl), &dl);
    in.supersedes = b;
    char *c = issue(f.r, &in);
    cr_assert_str_eq(c, "Q-2026-000003");

    struct reg_entry e;
    expect_ok(register_get(f.r, a, false, &e, &dl), &dl);
    cr_assert_str_eq(e.status, "superseded");
    cr_assert_str_eq(e.superseded_by, b);
    cr_assert_null(e.supersedes);
    reg_entry_free(&e);
    expect_ok(register_get(f.r, b, false, &e, &dl), &dl);
    cr_assert_str_eq(e.status, "superseded", "an accepted quote can be revised");
    cr_assert_str_eq(e.supersedes, a);
    cr_assert_str_eq(e.superseded_by, c);
    reg_entry_free(&e);
    expect_ok(register_get(f.r, c, false, &e, &dl), &dl);
    cr_assert_str_eq(e.status, "issued");
    cr_assert_str_eq(e.supersedes, b);
    cr_assert_null(e.superseded_by);
    reg_entry_free(&e);

    struct reg_event *ev;
    size_t n;
    expect_ok(register_history(f.r, b, &ev, &n, &dl), &dl);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(ev[0].action, "issued");
    cr_assert_str_eq(ev[0].detail, "total $1,234.56; replaces Q-2026-000001");
    cr_assert_str_eq(ev[1].action, "accepted");
    cr_assert_str_eq(ev[2].action, "superseded");
    cr_assert_str_eq(ev[2].detail, "by Q-2026-000003");
    cr_assert_str_eq(ev[2].actor, "rev");
    reg_events_free(ev, n);

    /* what cannot be revised takes no number */
    in.supersedes = a;
    cr_assert_null(try_issue(f.r, &in, NULL, &dl));
    expect_diag(&dl, "quote Q-2026-000001 is superseded; only an issued or accepted quote can be revised");
    expect_ok(register_set_status(f.r, c, "void", "wrong plan", "t", today, &dl), &dl);
    in.supersedes = c;
    cr_assert_null(try_issue(f.r, &in, NULL, &dl));
    expect_diag(&dl, "quote Q-2026-000003 is void; only an issued or accepted quote can be revised");
    /* (the wording for a quote that does not exist is the engine's today:
     * SQLite's foreign key refuses the new row before the rule is checked) */
    in.supersedes = "Q-2026-000099";
    cr_assert_null(try_issue(f.r, &in, NULL, &dl));
    cr_assert(dl.errors > 0);
    diag_list_free(&dl);
    cr_assert_eq(count_events(f.r, a), 2, "issued, superseded: nothing from the refusals");
    char *d = issue_on(f.r, today);
    cr_assert_str_eq(d, "Q-2026-000004");
    free(a);
    free(b);
    free(c);
    free(d);
    fx_close(&f);
}

/* ---- the history ------------------------------------------------------------- */

static bool iso_utc(const char *s)
{
    int y, mo, d, h, mi, sec;
    char z;
    return s && strlen(s) == 20 && sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z) == 7 &&
           z == 'Z';
}

ENGINE_TEST(reg_engine, the_history_is_appended_never_rewritten)
{
    struct fx f;
    fx_open(&f, eng->engine);
    rq_date today = ymd(2026, 11, 23);
    struct diag_list dl = { 0 };
    struct reg_issue in = sample(today);
    in.actor = "alice";
    char *a = issue(f.r, &in);
    expect_ok(register_set_status(f.r, a, "accepted", NULL, NULL, today, &dl), &dl);
    struct reg_event *first;
    size_t n1;
    expect_ok(register_history(f.r, a, &first, &n1, &dl), &dl);
    cr_assert_eq(n1, 2);
    cr_assert_str_eq(first[0].action, "issued");
    cr_assert_str_eq(first[0].actor, "alice");
    cr_assert_str_eq(first[0].detail, "total $1,234.56");
    cr_assert_str_eq(first[1].action, "accepted");
    cr_assert_str_eq(first[1].actor, "unknown", "no actor given: 'unknown'");
    cr_assert_null(first[1].detail);
    for (size_t i = 0; i < n1; i++)
        cr_assert(iso_utc(first[i].at), "%s", first[i].at);

    refused(f.r, a, "accepted", NULL, today, "only an issued quote can be accepted");
    free(issue_on(f.r, today));
    expect_ok(register_set_status(f.r, a, "void", "patient asked", "bob", today, &dl), &dl);

    struct reg_event *later;
    size_t n2;
    expect_ok(register_history(f.r, a, &later, &n2, &dl), &dl);
    cr_assert_eq(n2, 3);
    for (size_t i = 0; i < n1; i++) {
        cr_assert_str_eq(later[i].at, first[i].at, "event %zu is unchanged", i);
        cr_assert_str_eq(later[i].actor, first[i].actor);
        cr_assert_str_eq(later[i].action, first[i].action);
        cr_assert(!first[i].detail ? !later[i].detail : !strcmp(later[i].detail, first[i].detail));
    }
    cr_assert_str_eq(later[2].action, "voided");
    cr_assert_str_eq(later[2].actor, "bob");
    cr_assert_str_eq(later[2].detail, "patient asked");
    cr_assert(strcmp(later[2].at, later[0].at) >= 0, "oldest first");
    reg_events_free(first, n1);
    reg_events_free(later, n2);
    cr_assert_eq(count_events(f.r, "Q-2030-000001"), 0, "no history for an unknown number");
    free(a);
    fx_close(&f);
}

ENGINE_TEST(reg_engine, the_storage_itself_refuses_to_rewrite_history_quotes_or_tables)
{
    struct fx f;
    fx_open(&f, eng->engine);
    rq_date today = ymd(2026, 11, 23);
    char *a = issue_on(f.r, today);
    struct diag_list dl = { 0 };
    expect_ok(register_consent_email(f.r, a, "patient@example.org", "2026-11-23T10:00:00Z", "tester", &dl), &dl);
    expect_ok(register_set_status(f.r, a, "void", "test", "t", today, &dl), &dl);
    static const struct { const char *sql, *why; } refused_sql[] = {
        { "DELETE FROM email_consents", "a consent record is never" },
        { "UPDATE email_consents SET address = 'someone@example.org'", "a consent record is never changed" },
        { "UPDATE events SET detail = 'rewritten'", "the history is append-only" },
        { "DELETE FROM events", "the history is append-only" },
        { "DELETE FROM quotes", "issued quotes are never deleted" },
        { "UPDATE quotes SET total_cents = 1", "an issued quote's content never changes" },
        { "UPDATE quotes SET patient_name = 'Someone Else'", "an issued quote's content never changes" },
        { "UPDATE quotes SET pdf_sha256 = 'x', pdf = pdf", "an issued quote's content never changes" },
        { "UPDATE quotes SET location = 'elsewhere'", "an issued quote's content never changes" },
        { "UPDATE quotes SET name_key = 'someone'", "an issued quote's content never changes" },
        { "UPDATE audit_links SET hash = 'x'", "the audit trail is append-only" },
        { "DELETE FROM audit_links", "the audit trail is append-only" },
        { "UPDATE price_tables SET clinic_json = '{}'", "stored price tables never change" },
        { "DELETE FROM price_tables", "stored price tables never change" },
    };
    for (size_t i = 0; i < sizeof refused_sql / sizeof refused_sql[0]; i++) {
        char *err = th_engine_sql(eng->engine, f.locator, refused_sql[i].sql);
        cr_assert_not_null(err, "%s: the storage let it through", refused_sql[i].sql);
        cr_assert(strstr(err, refused_sql[i].why), "%s: %s", refused_sql[i].sql, err);
        free(err);
    }
    if (!strcmp(TH_ENGINES[eng->engine].name, "postgresql")) {
        /* with the table whose foreign key names it, so that the trigger is what refuses */
        char *err = th_engine_sql(eng->engine, f.locator, "TRUNCATE events, audit_links");
        cr_assert(err && strstr(err, "the history is append-only"), "TRUNCATE: %s", err ? err : "done");
        free(err);
        err = th_engine_sql(eng->engine, f.locator, "TRUNCATE email_consents");
        cr_assert(err && strstr(err, "a consent record is never changed"), "TRUNCATE: %s", err ? err : "done");
        free(err);
    }
    /* only the status and what replaced a quote may change */
    char *err = th_engine_sql(eng->engine, f.locator, "UPDATE quotes SET status = 'accepted', superseded_by = NULL");
    cr_assert_null(err, "%s", err);
    cr_assert_eq(count_events(f.r, a), 3, "issued, consent to e-mail, voided: still there");
    struct reg_entry e;
    expect_ok(register_get(f.r, a, true, &e, &dl), &dl);
    cr_assert_eq(e.total_cents, 123456);
    reg_entry_free(&e);
    free(a);
    fx_close(&f);
}

/* ---- repair of the PDF copies ------------------------------------------------- */

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp, "%s", path);
    cr_assert_eq(fwrite(b, 1, n, fp), n);
    fclose(fp);
}

/* Whether path holds exactly the PDF the register stores for number. */
static bool copy_is_whole(struct reg *r, const char *dir, const char *number)
{
    char path[800];
    snprintf(path, sizeof path, "%s/%s.pdf", dir, number);
    struct reg_entry e;
    struct diag_list dl = { 0 };
    expect_ok(register_get(r, number, true, &e, &dl), &dl);
    size_t len;
    char *got = th_read(path, &len);
    bool same = got && len == e.pdf_len && !memcmp(got, e.pdf, len);
    free(got);
    reg_entry_free(&e);
    return same;
}

/* register_repair(); returns the copies written, and the diagnostics
 * (warnings) joined in *said (malloc'd) when said is given. */
static int repair_said(struct reg *r, const char *dir, bool verify, int min_age, char **said)
{
    int fixed = -1;
    struct diag_list dl = { 0 };
    int rc = register_repair(r, dir, verify, min_age, &fixed, &dl);
    char *d = th_diags(&dl);
    cr_assert_eq(rc, 0, "%s", d);
    cr_assert_eq(dl.errors, 0, "%s", d);
    if (said)
        *said = d;
    else
        free(d);
    diag_list_free(&dl);
    return fixed;
}

static int repair(struct reg *r, const char *dir, bool verify, int min_age)
{
    return repair_said(r, dir, verify, min_age, NULL);
}

/* register_reconcile(); its result, the report, and what it said in *said. */
static int reconcile(struct reg *r, const char *dir, bool verify, struct reg_repair_report *rep, char **said)
{
    struct diag_list dl = { 0 };
    int rc = register_reconcile(r, dir, verify, "fixer", rep, &dl);
    *said = th_diags(&dl);
    cr_assert_neq(rc, -1, "%s", *said);
    diag_list_free(&dl);
    return rc;
}

ENGINE_TEST(reg_engine, repair_writes_missing_copies_and_never_replaces_one)
{
    struct fx f;
    fx_open(&f, eng->engine);
    const char *out = f.out;
    char *num[3];
    for (int i = 0; i < 3; i++)
        num[i] = issue_on(f.r, ymd(2026, 11, 23));
    cr_assert_eq(repair(f.r, out, false, 0), 3, "no copy yet: all three are written");
    for (int i = 0; i < 3; i++)
        cr_assert(copy_is_whole(f.r, out, num[i]));
    cr_assert_eq(repair(f.r, out, true, 0), 0, "all whole: nothing to do");

    char path[3][800];
    for (int i = 0; i < 3; i++)
        snprintf(path[i], sizeof path[i], "%s/%s.pdf", out, num[i]);
    unlink(path[0]);                                   /* missing */
    write_bytes(path[1], "%PDF-1.4 cut", 12);          /* wrong size */
    size_t len;
    char *doc = th_read(path[2], &len);
    doc[len / 2] ^= 0x20;                              /* same size, other bytes */
    write_bytes(path[2], doc, len);

    cr_assert_eq(repair(f.r, out, false, 3600), 0, "quotes younger than min_age are left alone");
    cr_assert_eq(access(path[0], F_OK), -1);
    char *said;
    cr_assert_eq(repair_said(f.r, out, false, 0, &said), 1, "the missing copy is written");
    cr_assert(copy_is_whole(f.r, out, num[0]));
    cr_assert(strstr(said, "Q-2026-000002.pdf: warning: differs from quote Q-2026-000002 as issued; it is left as "
                           "it is: move it aside and run 'regenquote repair' to write the register's copy"), "%s", said);
    cr_assert_null(strstr(said, "Q-2026-000003"), "a same-size change needs verify: %s", said);
    free(said);
    size_t got;
    char *now = th_read(path[1], &got);
    cr_assert(got == 12 && !memcmp(now, "%PDF-1.4 cut", 12), "a copy that differs is never replaced");
    free(now);
    cr_assert_eq(repair_said(f.r, out, true, 0, &said), 0);
    cr_assert(strstr(said, "Q-2026-000002.pdf: warning: differs") && strstr(said, "Q-2026-000003.pdf: warning: differs"),
              "%s", said);
    free(said);
    now = th_read(path[2], &got);
    cr_assert(got == len && !memcmp(now, doc, len), "not even with verify");
    free(now);
    free(doc);

    /* the operator's repair says so, and fails, until they are moved aside */
    struct reg_repair_report rep;
    cr_assert_eq(reconcile(f.r, out, true, &rep, &said), 1, "%s", said);
    cr_assert_eq(rep.differing, 2);
    cr_assert_eq(rep.written, 0);
    cr_assert(strstr(said, "Q-2026-000002.pdf: differs from quote Q-2026-000002 as issued"), "%s", said);
    free(said);
    unlink(path[1]);
    unlink(path[2]);
    cr_assert_eq(reconcile(f.r, out, true, &rep, &said), 0, "%s", said);
    cr_assert_eq(rep.written, 2);
    cr_assert_str_eq(said, "");
    free(said);
    for (int i = 0; i < 3; i++)
        cr_assert(copy_is_whole(f.r, out, num[i]));

    /* temporary files of interrupted writes: removed after a minute */
    char stale[800], fresh[800], mark[800];
    snprintf(stale, sizeof stale, "%s/%s.pdf.tmpAAAAAA", out, num[0]);
    snprintf(fresh, sizeof fresh, "%s/%s.pdf.tmpBBBBBB", out, num[1]);
    snprintf(mark, sizeof mark, "%s/.regenquote-register.tmpCCCCCC", out);
    write_bytes(stale, "half", 4);
    write_bytes(fresh, "half", 4);
    write_bytes(mark, "{", 1);
    struct timeval old[2] = { { time(NULL) - 120, 0 }, { time(NULL) - 120, 0 } };
    cr_assert_eq(utimes(stale, old), 0);
    cr_assert_eq(utimes(mark, old), 0);
    cr_assert_eq(repair(f.r, out, false, 0), 0);
    cr_assert_eq(access(stale, F_OK), -1, "a stale temporary file goes");
    cr_assert_eq(access(mark, F_OK), -1, "the marker's too");
    cr_assert_eq(access(fresh, F_OK), 0, "a young one may still be written: it stays");
    for (int i = 0; i < 3; i++)
        free(num[i]);
    fx_close(&f);
}

ENGINE_TEST(reg_engine, repair_for_one_desk_rewrites_only_that_desks_copies)
{
    struct fx f;
    fx_open(&f, eng->engine);
    const char *out = f.out;
    const char *desks[] = { "north-1", "south-1", NULL };
    for (int i = 0; i < 3; i++) {
        struct reg_issue in = sample(ymd(2026, 11, 23));
        in.desk = desks[i];
        free(issue(f.r, &in));
    }
    int fixed = -1;
    struct diag_list dl = { 0 };
    expect_ok(register_repair_desk(f.r, out, "north-1", false, 0, &fixed, &dl), &dl);
    cr_assert_eq(fixed, 1, "a chain's register: only this desk's quote goes to its folder");
    char path[800];
    snprintf(path, sizeof path, "%s/Q-2026-000001.pdf", out);
    cr_assert_eq(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/Q-2026-000002.pdf", out);
    cr_assert_eq(access(path, F_OK), -1, "not another desk's");
    cr_assert_eq(repair(f.r, out, false, 0), 2, "without a desk, every quote");
    fx_close(&f);
}

/* ---- the folder remembers: numbers only go up (issue #12) ------------------------ */

/* Issue into the folder out (its marker checked and raised); the number,
 * or NULL with dl filled. */
static char *issue_into(struct reg *r, const char *out, struct diag_list *dl)
{
    struct reg_issue in = sample(ymd(2026, 11, 23));
    in.out_dir = out;
    return try_issue(r, &in, NULL, dl);
}

ENGINE_TEST(reg_engine, a_register_behind_its_folder_gives_no_number_again)
{
    struct fx f;
    fx_open(&f, eng->engine);
    const char *out = f.out;
    struct diag_list dl = { 0 };
    char *n = issue_into(f.r, out, &dl);
    cr_assert_str_eq(n, "Q-2026-000001");
    free(n);
    struct outdir_mark m;
    expect_ok(outdir_mark_read(out, &m, &dl), &dl);
    cr_assert_str_eq(m.register_id, register_id(f.r), "the marker names the register");
    cr_assert_eq(outdir_mark_seq(&m, 2026), 1, "and how far it went");
    outdir_mark_free(&m);
    /* numbers up to 7 were given out from this folder by a later state of
     * this register, then lost with a restore */
    struct outdir_year seven = { 2026, 7 };
    expect_ok(outdir_mark_raise(out, register_id(f.r), &seven, 1, false, &dl), &dl);
    cr_assert_null(issue_into(f.r, out, &dl));
    char want[1200];
    snprintf(want, sizeof want, "%s: has quotes of 2026 up to number 7, but the register would issue Q-2026-000002: "
             "it is behind them (restored from a backup?); run 'regenquote repair' to carry its numbers on after them",
             out);
    expect_diag(&dl, want);
    struct reg_issue plain = sample(ymd(2026, 11, 23));
    n = issue(f.r, &plain);
    cr_assert_str_eq(n, "Q-2026-000002", "the refusal used up no number (and a register without a folder issues)");
    free(n);
    /* a file of the next number in the folder, without the marker knowing */
    char file[800];
    snprintf(file, sizeof file, "%s/Q-2026-000008.pdf", out);
    write_bytes(file, "%PDF-1.4 given out", 18);
    struct reg_repair_report rep;
    char *said;
    cr_assert_eq(reconcile(f.r, out, false, &rep, &said), 0, "%s", said);
    cr_assert_eq(rep.advanced, 1);
    cr_assert_eq(rep.orphans, 1);
    cr_assert(strstr(said, "its numbers of 2026 now carry on after 8, not 2"), "%s", said);
    cr_assert(strstr(said, "Q-2026-000008.pdf: warning: is quote Q-2026-000008, which the register does not have"),
              "%s", said);
    free(said);
    n = issue_into(f.r, out, &dl);
    cr_assert_str_eq(n, "Q-2026-000009", "past every number given out from the folder");
    free(n);
    struct reg_event *ev;
    size_t nev;
    expect_ok(register_history(f.r, "-", &ev, &nev, &dl), &dl);
    cr_assert_str_eq(ev[nev - 1].action, "series moved on");
    cr_assert_str_eq(ev[nev - 1].actor, "fixer");
    snprintf(want, sizeof want, "2026: from 2 to 8, past the quotes given out from '%s'", out);
    cr_assert_str_eq(ev[nev - 1].detail, want);
    reg_events_free(ev, nev);
    cr_assert_eq(reconcile(f.r, out, true, &rep, &said), 1, "an orphan fails verify");
    cr_assert(strstr(said, "keep it, it is an issued estimate: move it to a folder of its own"), "%s", said);
    free(said);
    unlink(file);
    cr_assert_eq(reconcile(f.r, out, true, &rep, &said), 0, "%s", said);
    free(said);
    fx_close(&f);
}

ENGINE_TEST(reg_engine, another_registers_folder_is_refused_until_adopted)
{
    struct fx a, b;
    fx_open(&a, eng->engine);
    fx_open(&b, eng->engine);
    const char *out = a.out;
    struct diag_list dl = { 0 };
    for (int i = 0; i < 3; i++)
        free(issue_into(a.r, out, &dl));
    cr_assert_eq(repair(a.r, out, false, 0), 3);
    cr_assert_null(issue_into(b.r, out, &dl), "register b would give a's numbers again");
    char want[1200];
    snprintf(want, sizeof want, "holds the quotes of another register (id %.8s…), whose numbers this one (%.8s…) "
             "would give again; give this register its own --out-dir, or, if it replaces that one, run "
             "'regenquote repair' to carry on after its numbers", register_id(a.r), register_id(b.r));
    expect_diag(&dl, want);
    cr_assert_eq(repair(b.r, out, false, 0), 0, "issuing runs leave another register's folder alone");
    struct reg_repair_report rep;
    char *said;
    cr_assert_eq(reconcile(b.r, out, false, &rep, &said), 0, "%s", said);
    cr_assert(rep.adopted);
    cr_assert_eq(rep.orphans, 3, "a's quotes, by number");
    free(said);
    char *n = issue_into(b.r, out, &dl);
    cr_assert_str_eq(n, "Q-2026-000004", "b carries on after a's numbers");
    free(n);
    cr_assert_null(issue_into(a.r, out, &dl), "and now a is the stranger");
    expect_diag(&dl, "holds the quotes of another register");
    fx_close(&a);
    fx_close(&b);
}

/* ---- concurrency and schema ---------------------------------------------------- */

ENGINE_TEST(reg_engine, concurrent_issuers_get_distinct_consecutive_numbers, .timeout = 120)
{
    enum { WORKERS = 6, EACH = 3 };
    struct fx f;
    fx_open(&f, eng->engine);
    register_close(f.r);
    pid_t pid[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        pid[w] = fork();
        cr_assert_neq(pid[w], -1);
        if (pid[w] == 0) {
            struct reg *r = NULL;
            struct diag_list dl = { 0 };
            int bad = register_open(&r, f.locator, &dl) != 0;
            for (int i = 0; !bad && i < EACH; i++) {
                struct reg_issue in = sample(ymd(2026, 11, 23));
                struct render rd = { 0 };
                char *number = NULL;
                bad = register_issue(r, &in, render_cb, &rd, &number, &dl) != 0 ||
                      strcmp(rd.last, number) != 0;
                free(number);
            }
            register_close(r);
            diag_list_free(&dl);
            _exit(bad);
        }
    }
    for (int w = 0; w < WORKERS; w++) {
        int st;
        cr_assert_eq(waitpid(pid[w], &st, 0), pid[w]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d failed", w);
    }
    f.r = open_at(eng->engine, f.locator);
    struct reg_filter all = { .today = ymd(2026, 11, 23) };
    struct reg_entry *v;
    size_t n;
    struct diag_list dl = { 0 };
    expect_ok(register_list(f.r, &all, &v, &n, &dl), &dl);
    cr_assert_eq(n, WORKERS * EACH);
    for (size_t i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof want, "Q-2026-%06zu", n - i);
        cr_assert_str_eq(v[i].number, want, "every number once, none skipped");
        cr_assert_eq(count_events(f.r, v[i].number), 1);
        reg_entry_free(&v[i]);
    }
    free(v);
    fx_close(&f);
}

ENGINE_TEST(reg_engine, an_older_register_is_brought_up_to_date_from_every_earlier_schema)
{
    /* schema 0 is no register yet: opening it is refused (register_open) */
    for (int from = 1; from < REGISTER_SCHEMA_VERSION; from++) {
        char *dir = th_tmpdir(), loc[600];
        struct diag_list dl = { 0 };
        th_engine_locator(eng->engine, dir, loc, sizeof loc);
        expect_ok(register_create_at_version(loc, from, &dl), &dl);
        struct reg *r = open_at(eng->engine, loc);
        struct reg_event *ev;
        size_t n;
        expect_ok(register_history(r, "-", &ev, &n, &dl), &dl);
        cr_assert_eq(n, 2, "from schema %d", from);
        char want[64];
        snprintf(want, sizeof want, "schema %d to %d", from, REGISTER_SCHEMA_VERSION);
        cr_assert_str_eq(ev[0].action, "migrated");
        cr_assert_str_eq(ev[0].actor, "regenquote");
        cr_assert_str_eq(ev[0].detail, want);
        cr_assert_str_eq(ev[1].action, "register id", "an older register gets its id");
        cr_assert_str_eq(ev[1].detail, register_id(r));
        reg_events_free(ev, n);
        char *pat = register_pattern(r);
        cr_assert_str_eq(pat, REGISTER_DEFAULT_PATTERN);
        free(pat);
        /* what the latest schema keeps works on a migrated register */
        struct reg_issue in = sample(ymd(2026, 11, 23));
        in.location = "westlake";
        in.desk = "desk-2";
        char *num = issue(r, &in);
        struct reg_entry e;
        expect_ok(register_get(r, num, false, &e, &dl), &dl);
        cr_assert_str_eq(e.location, "westlake");
        cr_assert_str_eq(e.desk, "desk-2");
        reg_entry_free(&e);
        free(num);
        char *id = strdup(register_id(r));
        register_close(r);
        r = open_at(eng->engine, loc);
        cr_assert_eq(count_events(r, "-"), 2, "an up-to-date register is not migrated again");
        cr_assert_str_eq(register_id(r), id);
        free(id);
        register_close(r);
        th_rmtree(dir);
        free(dir);
    }
    char *dir = th_tmpdir(), loc[600], want[64];
    struct diag_list dl = { 0 };
    th_engine_locator(eng->engine, dir, loc, sizeof loc);
    cr_assert_eq(register_create_at_version(loc, REGISTER_SCHEMA_VERSION + 1, &dl), -1);
    snprintf(want, sizeof want, "there is no register schema %d", REGISTER_SCHEMA_VERSION + 1);
    expect_diag(&dl, want);
    th_rmtree(dir);
    free(dir);
}

ENGINE_TEST(reg_engine, location_and_desk_are_kept_and_filter_the_list)
{
    struct fx f;
    fx_open(&f, eng->engine);
    rq_date today = ymd(2026, 11, 23);
    const char *loc[] = { "westlake", "downtown", NULL, "westlake" };
    for (size_t i = 0; i < 4; i++) {
        struct reg_issue in = sample(today);
        in.location = loc[i];
        in.desk = i == 1 ? "downtown-1" : NULL;
        free(issue(f.r, &in));
    }
    LISTS("000004 000001", .location = "westlake");
    LISTS("000002", .location = "downtown");
    LISTS("", .location = "WESTLAKE");
    LISTS("000004 000003 000002 000001", .location = NULL);
    struct reg_entry e;
    struct diag_list dl = { 0 };
    expect_ok(register_get(f.r, "Q-2026-000002", false, &e, &dl), &dl);
    cr_assert_str_eq(e.location, "downtown");
    cr_assert_str_eq(e.desk, "downtown-1");
    cr_assert_eq(e.year, 2026);
    cr_assert_eq(e.seq, 2);
    cr_assert(e.created_unix > 1700000000);
    reg_entry_free(&e);
    expect_ok(register_get(f.r, "Q-2026-000003", false, &e, &dl), &dl);
    cr_assert_null(e.location);
    cr_assert_null(e.desk);
    reg_entry_free(&e);
    fx_close(&f);
}

/* ---- what copying a register needs of an engine -------------------------------- */

/* Store a bill of number under id (0: the next); its id, or -1 after dl. */
static long long put_bill_as(const struct reg_engine *eng, struct reg_store *s, const char *number, long long id,
                             struct diag_list *dl)
{
    struct reg_new_bill b = {
        .number = number, .bill_date = "2026-12-01", .format = "csv", .bytes = (const unsigned char *)"x,1\n",
        .len = 4, .sha256 = SHA_B, .lines_json = "[]", .added_by = "tester", .added_at = "2026-12-01T10:00:00Z",
        .id = id,
    };
    long long got = -1;
    if (eng->begin(s, dl) != 0)
        return -1;
    if (eng->put_bill(s, &b, &got, dl) != 0 || eng->commit(s, dl) != 0) {
        eng->rollback(s);
        return -1;
    }
    return got;
}

ENGINE_TEST(reg_engine, a_bill_keeps_a_given_id_and_consents_are_listed_as_recorded)
{
    struct fx f;
    fx_open(&f, eng->engine);
    char *one = issue_on(f.r, ymd(2026, 11, 23)), *two = issue_on(f.r, ymd(2026, 11, 23));
    struct reg_store *s;
    const struct reg_engine *ops = register_engine_of(f.r, &s);
    struct diag_list dl = { 0 };
    /* a copied bill keeps its id, whatever the order; the next one goes above them all */
    cr_assert_eq(put_bill_as(ops, s, two, 7, &dl), 7, "a given id is kept");
    cr_assert_eq(put_bill_as(ops, s, one, 3, &dl), 3, "a lower given id too");
    cr_assert_eq(put_bill_as(ops, s, one, 0, &dl), 8, "then the next id is above every stored one");
    cr_assert_eq(put_bill_as(ops, s, two, 3, &dl), -1, "a taken id is refused");
    cr_assert_gt(dl.errors, 0);
    diag_list_free(&dl);
    struct reg_bill *bills;
    size_t nb;
    expect_ok(ops->bills(s, one, &bills, &nb, &dl), &dl);
    cr_assert_eq(nb, 2);
    cr_assert_eq(bills[0].id, 3);
    cr_assert_eq(bills[1].id, 8);
    reg_bills_free(bills, nb);

    /* consents: every address of one quote, in the order recorded */
    const char *rec[][2] = { { one, "b@example.org" }, { two, "c@example.org" }, { one, "a@example.org" } };
    expect_ok(ops->begin(s, &dl), &dl);
    for (size_t i = 0; i < 3; i++)
        expect_ok(ops->add_email_consent(s, rec[i][0], rec[i][1], "2026-12-01T10:00:00Z", "desk", &dl), &dl);
    expect_ok(ops->commit(s, &dl), &dl);
    struct reg_email_consent *c;
    size_t nc;
    expect_ok(ops->email_consents(s, one, &c, &nc, &dl), &dl);
    cr_assert_eq(nc, 2);
    cr_assert_str_eq(c[0].address, "b@example.org");
    cr_assert_str_eq(c[1].address, "a@example.org");
    cr_assert_str_eq(c[1].number, one);
    cr_assert_str_eq(c[1].at, "2026-12-01T10:00:00Z");
    cr_assert_str_eq(c[1].actor, "desk");
    reg_email_consents_free(c, nc);
    expect_ok(ops->email_consents(s, "Q-2026-000099", &c, &nc, &dl), &dl);
    cr_assert_eq(nc, 0, "a quote without consent has none");
    reg_email_consents_free(c, nc);
    free(one);
    free(two);
    fx_close(&f);
}

/* ---- idempotency keys ----------------------------------------------------------- */

ENGINE_TEST(reg_engine, an_idempotency_key_issues_its_request_once)
{
    struct fx f;
    fx_open(&f, eng->engine);
    struct diag_list dl = { 0 };
    struct reg_issue in = sample(ymd(2026, 11, 23));
    in.idempotency_key = "visit-17";
    char *first = issue(f.r, &in), *again = NULL, *found = NULL;
    struct render rd = { 0 };
    cr_assert_eq(register_issue(f.r, &in, render_cb, &rd, &again, &dl), 1, "the key is known");
    cr_assert_str_eq(again, first, "the quote that has it");
    cr_assert_eq(rd.calls, 0, "nothing rendered, no number used");
    cr_assert_eq(register_find_key(f.r, "visit-17", &found, &dl), 0);
    cr_assert_str_eq(found, first);
    free(found);
    cr_assert_eq(register_find_key(f.r, "visit-18", &found, &dl), 1);
    cr_assert_null(found);
    /* another key, or none: new quotes, numbered on without a gap */
    in.idempotency_key = "visit-18";
    char *second = issue(f.r, &in);
    in.idempotency_key = NULL;
    char *third = issue(f.r, &in);
    cr_assert_str_eq(second, "Q-2026-000002");
    cr_assert_str_eq(third, "Q-2026-000003");
    diag_list_free(&dl);
    free(first); free(again); free(second); free(third);
    fx_close(&f);
}

/* ---- choosing the engine -------------------------------------------------------- */

Test(reg_engine, a_locator_with_an_unknown_scheme_is_refused_clearly)
{
    struct reg *r = NULL;
    struct diag_list dl = { 0 };
    cr_assert_eq(register_open(&r, "mysql://clinic:s3cret@db.example/quotes", &dl), -1);
    cr_assert_null(r);
    char *d = th_diags(&dl);
    cr_assert_null(strstr(d, "s3cret"), "the locator may carry a password: not repeated: %s", d);
    free(d);
    expect_diag(&dl, "cannot open the register: no storage engine serves 'mysql://' locators; give a file path"
                     " or a postgresql:// locator");
    cr_assert_eq(register_create_at_version("mysql://db/quotes", 1, &dl), -1);
    expect_diag(&dl, "no storage engine serves 'mysql://' locators");
}
