/* Finance tools (regenquote prices …): the diff and its checks, the CSV
 * round trip, CSV mistakes with line and column, prices in force on a date
 * and the quotes priced with them.  `prices` is called in-process through
 * cmd_prices(), with stdout and stderr captured to files. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_csv.h"
#include "commands.h"
#include "helpers.h"
#include "price_diff.h"
#include "pricing.h"

/* ---- helpers ---------------------------------------------------------------- */

/* Run `regenquote prices ARGS…` in this process; capture output (malloc'd). */
static int run_prices(const char *dir, char **out, char **err, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"prices";
    va_list ap;
    va_start(ap, err);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 31)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    char o[400], e[400];
    snprintf(o, sizeof o, "%s/stdout.txt", dir);
    snprintf(e, sizeof e, "%s/stderr.txt", dir);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0600), fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(so >= 0 && se >= 0 && fo >= 0 && fe >= 0);
    dup2(fo, 1);
    dup2(fe, 2);
    int rc = cmd_prices(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    close(fo);
    close(fe);
    if (out)
        *out = th_read(o, NULL);
    if (err)
        *err = th_read(e, NULL);
    return rc;
}

/* Copy pricing/ into a new temp dir, then apply replacements (from, to, …,
 * NULL) to its catalog.json one after another; each must be found. */
static char *tables(const char *first, ...)
{
    char *dir = th_tmpdir();
    cr_assert_not_null(dir);
    cr_assert_eq(th_tables_with(dir, "catalog.json", NULL, NULL), 0);
    char path[300];
    snprintf(path, sizeof path, "%s/catalog.json", dir);
    va_list ap;
    va_start(ap, first);
    for (const char *from = first; from; from = va_arg(ap, const char *)) {
        const char *to = va_arg(ap, const char *);
        char *text = th_read(path, NULL);
        char *at = strstr(text, from);
        cr_assert_not_null(at, "seed '%s' not found", from);
        size_t pre = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
        char *nt = malloc(strlen(text) - fl + tl + 1);
        memcpy(nt, text, pre);
        memcpy(nt + pre, to, tl);
        strcpy(nt + pre + tl, at + fl);
        cr_assert_eq(th_write(path, nt), 0);
        free(text);
        free(nt);
    }
    va_end(ap);
    return dir;
}

static void done_dir(char *dir)
{
    th_rmtree(dir);
    free(dir);
}

/* Compute the diff of pricing/ against dir's catalog. */
static void diff_with(const char *dir, struct price_diff *d)
{
    struct price_table a, b;
    struct diag_list dl = { 0 };
    char path[300];
    snprintf(path, sizeof path, "%s/catalog.json", dir);
    cr_assert_eq(price_table_load_files(&a, NULL, "pricing/catalog.json", &dl), 0, "%s", th_diags(&dl));
    cr_assert_eq(price_table_load_files(&b, NULL, path, &dl), 0, "%s", th_diags(&dl));
    cr_assert_eq(price_diff_compute(d, &a, &b, &dl), 0);
    price_table_free(&a);
    price_table_free(&b);
    diag_list_free(&dl);
}

static const struct pd_entry *entry(const struct price_diff *d, enum pd_section s, const char *id,
                                    const char *field)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].section == s && d->v[i].id && !strcmp(d->v[i].id, id) &&
            (!field ? !d->v[i].field : d->v[i].field && !strcmp(d->v[i].field, field)))
            return &d->v[i];
    return NULL;
}

/* ---- diff --------------------------------------------------------------------- */

Test(prices_diff, same_tables_have_no_differences_and_exit_0)
{
    char *dir = th_tmpdir();
    char *out = NULL, *err = NULL;
    cr_assert_eq(run_prices(dir, &out, &err, "diff", "pricing", "pricing/catalog.json", NULL), 0, "%s", err);
    cr_assert(strstr(out, "No differences."), "%s", out);
    free(out);
    free(err);
    done_dir(dir);
}

Test(prices_diff, price_change_shows_old_new_amount_and_percent)
{
    char *dir = tables("\"price\": \"3200.00\"", "\"price\": \"3350.00\"",
                       "\"version\": \"2026.11-1\"", "\"version\": \"2026.12-1\"", NULL);
    struct price_diff d;
    diff_with(dir, &d);
    const struct pd_entry *e = entry(&d, PD_ITEM, "bmac", "price");
    cr_assert_not_null(e);
    cr_assert_eq(e->old_cents, 320000);
    cr_assert_eq(e->new_cents, 335000);
    cr_assert_eq(e->delta_cents, 15000);
    cr_assert_eq(e->percent_bp, 469, "4.6875 %% rounds half away from zero to 4.69 %%");
    cr_assert_eq(e->flags, 0, "a 4.69 %% rise is not suspicious");
    cr_assert_eq(d.n_flagged, 0);
    char *out = NULL;
    cr_assert_eq(run_prices(dir, &out, NULL, "diff", "pricing", dir, NULL), 0);
    cr_assert(strstr(out, "bmac"), "%s", out);
    cr_assert(strstr(out, "price $3,200.00 -> $3,350.00 (+$150.00, +4.69%)"), "%s", out);
    cr_assert(strstr(out, "version                      2026.11-1 -> 2026.12-1"), "%s", out);
    cr_assert_null(strstr(out, "CHECK"), "%s", out);
    free(out);
    price_diff_free(&d);
    done_dir(dir);
}

/* Who bills an item decides whose estimate it is in and whether the clinic
 * collects it (issue #15): a change is listed and flagged, so that an item
 * that loses its billed_by (by a hand edit) is noticed. */
Test(prices_diff, billed_by_change_is_flagged)
{
    char *dir = tables(", \"billed_by\": \"capitol-cell-lab\"", "", NULL);
    struct price_diff d;
    diff_with(dir, &d);
    const struct pd_entry *e = entry(&d, PD_ITEM, "cell-count", "billed_by");
    cr_assert_not_null(e);
    cr_assert_str_eq(e->old_value, "capitol-cell-lab");
    cr_assert_str_eq(e->new_value, "(the clinic)");
    cr_assert(e->flags & PD_FLAG_BILLER_CHANGED);
    price_diff_free(&d);
    done_dir(dir);
}

Test(prices_diff, exactly_ten_times_is_flagged)
{
    char *dir = tables("\"price\": \"1500.00\"", "\"price\": \"15000.00\"", NULL);
    struct price_diff d;
    diff_with(dir, &d);
    const struct pd_entry *e = entry(&d, PD_ITEM, "msc-injection", "price");
    cr_assert_not_null(e);
    cr_assert(e->flags & PD_FLAG_SCALE_UP);
    cr_assert_eq(e->scale, 10);
    cr_assert(e->scale_exact);
    cr_assert(strstr(e->check, "exactly 10 times"), "%s", e->check);
    /* and the version was not changed although a price was */
    bool version_flag = false;
    for (size_t i = 0; i < d.n; i++)
        version_flag |= (d.v[i].flags & PD_FLAG_VERSION_UNCHANGED) != 0;
    cr_assert(version_flag, "prices changed, version did not");
    price_diff_free(&d);
    done_dir(dir);
}

Test(prices_diff, nearly_ten_times_is_flagged_with_the_ratio)
{
    /* meant 3,350.00, typed 33,500.00: 10.47 times the old 3,200.00 */
    char *dir = tables("\"price\": \"3200.00\"", "\"price\": \"33500.00\"", NULL);
    char *out = NULL;
    cr_assert_eq(run_prices(dir, &out, NULL, "diff", "pricing", dir, NULL), 0);
    cr_assert(strstr(out, "CHECK: the new price is about 10 times the old one (×10.47)"), "%s", out);
    free(out);
    done_dir(dir);
}

Test(prices_diff, a_tenth_is_flagged)
{
    char *dir = tables("\"price\": \"2650.00\"", "\"price\": \"265.00\"", NULL);
    struct price_diff d;
    diff_with(dir, &d);
    const struct pd_entry *e = entry(&d, PD_ITEM, "bm-harvest", "price");
    cr_assert(e && (e->flags & PD_FLAG_SCALE_DOWN) && e->scale == 10 && e->scale_exact);
    cr_assert(strstr(e->check, "a tenth of"), "%s", e->check);
    price_diff_free(&d);
    done_dir(dir);
}

Test(prices_diff, over_fifty_percent_and_zero_and_code_moved)
{
    /* sedation 250 -> 400 (+60 %), imaging review 150 -> 0, and the two
     * guidance codes swapped between items */
    char *dir = tables("\"price\": \"250.00\", \"unit\": \"visit\"", "\"price\": \"400.00\", \"unit\": \"visit\"",
                       "\"price\": \"150.00\"", "\"price\": \"0.00\"",
                       "\"code\": \"76942\"", "\"code\": \"7700X\"",
                       "\"code\": \"77002\"", "\"code\": \"76942\"",
                       "\"code\": \"7700X\"", "\"code\": \"77002\"", NULL);
    struct price_diff d;
    diff_with(dir, &d);
    const struct pd_entry *e = entry(&d, PD_ITEM, "sedation", "price");
    cr_assert(e && e->flags == PD_FLAG_OVER_50 && e->percent_bp == 6000);
    e = entry(&d, PD_ITEM, "imaging-review", "price");
    cr_assert(e && e->flags == PD_FLAG_ZERO);
    e = entry(&d, PD_CODE, "76942", "moved");
    cr_assert(e && (e->flags & PD_FLAG_CODE_MOVED));
    cr_assert_str_eq(e->old_value, "item 'us-guidance'");
    cr_assert_str_eq(e->new_value, "item 'fluoro-guidance'");
    cr_assert_not_null(entry(&d, PD_CODE, "77002", "moved"));
    e = entry(&d, PD_ITEM, "us-guidance", "code");
    cr_assert(e && !strcmp(e->old_value, "76942") && !strcmp(e->new_value, "77002"));
    price_diff_free(&d);
    done_dir(dir);
}

Test(prices_diff, check_boundaries)
{
    int s;
    bool ex;
    cr_assert_eq(price_diff_check(10000, 80000, &s, &ex, NULL, 0), PD_FLAG_SCALE_UP, "8 times");
    cr_assert_eq(price_diff_check(10000, 79999, &s, &ex, NULL, 0), PD_FLAG_OVER_50, "just under 8 times");
    cr_assert_eq(price_diff_check(10000, 125000, &s, &ex, NULL, 0), PD_FLAG_SCALE_UP, "12.5 times");
    cr_assert_eq(price_diff_check(10000, 125001, &s, &ex, NULL, 0), PD_FLAG_OVER_50);
    cr_assert_eq(price_diff_check(10000, 1000000, &s, &ex, NULL, 0), PD_FLAG_SCALE_UP);
    cr_assert(s == 100 && ex, "two extra zeros");
    cr_assert_eq(price_diff_check(10000, 1250, &s, &ex, NULL, 0), PD_FLAG_SCALE_DOWN);
    cr_assert(s == 10 && !ex);
    cr_assert_eq(price_diff_check(10000, 15000, &s, &ex, NULL, 0), 0, "exactly +50 %% is not over 50 %%");
    cr_assert_eq(price_diff_check(10000, 15001, &s, &ex, NULL, 0), PD_FLAG_OVER_50);
    cr_assert_eq(price_diff_check(10000, 4999, &s, &ex, NULL, 0), PD_FLAG_OVER_50, "-50.01 %%");
    cr_assert_eq(price_diff_check(10000, 0, &s, &ex, NULL, 0), PD_FLAG_ZERO);
    cr_assert_eq(price_diff_check(0, 500, &s, &ex, NULL, 0), PD_FLAG_FROM_ZERO);
    cr_assert_eq(price_diff_check(0, 0, &s, &ex, NULL, 0), 0);
}

Test(prices_diff, packages_discounts_schedule_and_json)
{
    char *dir = tables("\"price\": \"7900.00\"", "\"price\": \"8900.00\"",
                       "\"percent\": \"10\", \"cap\": \"1500.00\"", "\"percent\": \"10\", \"cap\": \"15000.00\"",
                       "\"bmac\": \"3350.00\"", "\"bmac\": \"33500.00\"",
                       "\"version\": \"2026.11-1\"", "\"version\": \"2026.11-2\"", NULL);
    char *out = NULL, *err = NULL;
    cr_assert_eq(run_prices(dir, &out, &err, "diff", "--format", "json", "pricing", dir, NULL), 0, "%s", err);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "new"), "version")->valuestring,
                     "2026.11-2");
    bool pkg = false, saving = false, cap = false, sched = false;
    cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "changes")) {
        const char *sec = cJSON_GetObjectItemCaseSensitive(c, "section")->valuestring;
        cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id"), *field = cJSON_GetObjectItemCaseSensitive(c, "field");
        cJSON *flags = cJSON_GetObjectItemCaseSensitive(c, "flags");
        char *fl = cJSON_PrintUnformatted(flags);
        if (!strcmp(sec, "package") && !strcmp(id->valuestring, "cord-two-areas") &&
            !strcmp(field->valuestring, "price")) {
            pkg = cJSON_GetObjectItemCaseSensitive(c, "old_cents")->valuedouble == 790000 &&
                  cJSON_GetObjectItemCaseSensitive(c, "new_cents")->valuedouble == 890000;
        }
        if (!strcmp(sec, "package") && !strcmp(field->valuestring, "saving"))
            /* 8,650.00 of items for 8,900.00: the package no longer saves anything */
            saving = strstr(fl, "package_saves_nothing") != NULL;
        if (!strcmp(sec, "discount") && !strcmp(field->valuestring, "cap"))
            cap = strstr(fl, "times_10") != NULL;
        if (!strcmp(sec, "scheduled_change") && cJSON_IsString(id) && !strcmp(id->valuestring, "bmac"))
            sched = strstr(fl, "times_10") != NULL &&
                    !strcmp(cJSON_GetObjectItemCaseSensitive(c, "effective_date")->valuestring, "2027-03-01");
        free(fl);
    }
    cr_assert(pkg, "package price change with cents: %s", out);
    cr_assert(saving, "package saves nothing flagged: %s", out);
    cr_assert(cap, "discount cap ×10 flagged: %s", out);
    cr_assert(sched, "scheduled price ×10 flagged: %s", out);
    cr_assert_geq(cJSON_GetObjectItemCaseSensitive(j, "flagged")->valueint, 3);
    cJSON_Delete(j);
    free(out);
    free(err);
    done_dir(dir);
}

Test(prices_diff, json_keeps_text_exact_and_money_in_whole_cents)
{
    char *dir = tables("\"description\": \"New-patient evaluation",
                       "\"description\": \"New-patient \\\"full\\\"\\tevaluation\\nwith \\u00e9",
                       "\"price\": \"95.00\"", "\"price\": \"0\"", NULL);
    char *out = NULL, *err = NULL;
    cr_assert_eq(run_prices(dir, &out, &err, "diff", "--format", "json", "pricing", dir, NULL), 0, "%s", err);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(j, "differences")->valueint, 2, "%s", out);
    bool text = false, zero = false;
    cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "changes")) {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "id"));
        cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(c, "effective_date")), "%s", out);
        if (!id) /* the version-unchanged check names no id */
            continue;
        if (!strcmp(id, "consult"))
            text = !strcmp(cJSON_GetObjectItemCaseSensitive(c, "new")->valuestring,
                           "New-patient \"full\"\tevaluation\nwith \xC3\xA9 and treatment planning with the physician") &&
                   cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(c, "check"));
        if (!strcmp(id, "ankle-brace"))
            zero = cJSON_GetObjectItemCaseSensitive(c, "old_cents")->valuedouble == 9500 &&
                   cJSON_GetObjectItemCaseSensitive(c, "new_cents")->valuedouble == 0 &&
                   cJSON_GetObjectItemCaseSensitive(c, "delta_cents")->valuedouble == -9500 &&
                   cJSON_GetObjectItemCaseSensitive(c, "percent_bp")->valuedouble == -10000 &&
                   !strcmp(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "flags"), 0)->valuestring,
                           "set_to_zero");
    }
    cr_assert(text, "quotes, tab, newline and accents come back as written: %s", out);
    cr_assert(zero, "a price set to zero, in cents and flagged: %s", out);
    cr_assert_null(strstr(out, "e+"), "integers are written whole: %s", out);
    cJSON_Delete(j);
    free(out);
    free(err);
    done_dir(dir);
}

Test(prices_diff, usage_and_bad_input)
{
    char *dir = th_tmpdir();
    char *out = NULL, *err = NULL;
    cr_assert_eq(run_prices(dir, &out, &err, "diff", "--x", "pricing", "pricing", NULL), 2);
    cr_assert_str_eq(err, "regenquote prices diff: unknown option '--x'; see 'regenquote prices diff --help'\n");
    free(out);
    free(err);
    cr_assert_eq(run_prices(dir, &out, &err, "diff", "pricing", NULL), 2);
    cr_assert(strstr(err, "give two price tables"), "%s", err);
    free(out);
    free(err);
    cr_assert_eq(run_prices(dir, &out, &err, "diff", "pricing", "/nonexistent/x", NULL), 1);
    cr_assert(strstr(err, "/nonexistent/x: cannot open"), "%s", err);
    free(out);
    free(err);
    cr_assert_eq(run_prices(dir, &out, &err, "frobnicate", NULL), 2);
    cr_assert(strstr(err, "regenquote prices: unknown verb 'frobnicate'"), "%s", err);
    free(out);
    free(err);
    cr_assert_eq(run_prices(dir, &out, &err, "--help", NULL), 0);
    cr_assert(strstr(out, "diff") && strstr(out, "export") && strstr(out, "import") && strstr(out, "show"));
    free(out);
    free(err);
    cr_assert_eq(run_prices(dir, &out, &err, "diff", "--help", NULL), 0);
    cr_assert(strstr(out, "Usage: regenquote prices diff"), "%s", out);
    free(out);
    free(err);
    done_dir(dir);
}

/* ---- CSV ------------------------------------------------------------------------ */

static char *export_csv(const char *dir, const char *prices, const char *name)
{
    static char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *err = NULL;
    cr_assert_eq(run_prices(dir, NULL, &err, "export", "--csv", "--prices", prices, "-o", path, NULL), 0,
                 "%s", err);
    free(err);
    return path;
}

Test(prices_csv, export_import_unchanged_leaves_catalog_byte_identical)
{
    char *dir = tables(NULL);
    char *csv = export_csv(dir, dir, "items.csv");
    char *text = th_read(csv, NULL);
    const char *header = "id,code,price,description,unit,phase,coverage,coverage_reason,taxable,separate,"
                         "description_es,coverage_reason_es\r\n";
    cr_assert(!strncmp(text, header, strlen(header)), "%s", text);
    cr_assert(strstr(text, "\r\nbmac,,3200.00,Same-day concentration of your bone marrow cells in a centrifuge (BMAC),"
                           "preparation,procedure,not_covered,Investigational for orthopaedic use,no,no,"
                           "Concentración de sus células de médula ósea en centrífuga el mismo día (BMAC),"
                           "En investigación para uso ortopédico\r\n"), "%s", text);
    cr_assert(strstr(text, "\r\nankle-brace,L1906,95.00,"), "%s", text);
    char cat[400];
    snprintf(cat, sizeof cat, "%s/catalog.json", dir);
    char *before = th_read(cat, NULL);
    char *out = NULL, *err = NULL;
    cr_assert_eq(run_prices(dir, &out, &err, "import", csv, "--prices", dir, "--in-place", NULL), 0, "%s", err);
    cr_assert(strstr(out, "No changes"), "%s", out);
    char *after = th_read(cat, NULL);
    cr_assert_str_eq(before, after);
    free(text);
    free(before);
    free(after);
    free(out);
    free(err);
    done_dir(dir);
}

Test(prices_csv, round_trip_with_commas_quotes_newlines_accents_and_a_new_item)
{
    char *dir = tables(NULL);
    char *csv = export_csv(dir, dir, "items.csv");
    char *text = th_read(csv, NULL);
    /* edit as a spreadsheet would: a price, a tricky description, a new row */
    const char *from = "Freezing and storing your extra cells for repeat treatments (up to 12 months)";
    const char *to = "\"Freezing, \"\"storing\"\" and\nthawing: José Müller-Ñúñez\"";
    char *at = strstr(text, from);
    cr_assert_not_null(at);
    size_t n = strlen(text) + 4096;
    char *edited = malloc(n);
    snprintf(edited, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    char *p = strstr(edited, "bmac,,3200.00");
    cr_assert_not_null(p);
    memcpy(p, "bmac,,3300.00", 13);
    strcat(edited, "knee-brace,L1833,120.00,\"Knee brace, hinged\",brace,procedure,not_covered,"
                   "Supplied with an investigational treatment,yes,no,,\r\n");
    char ecsv[400], newcat[400];
    snprintf(ecsv, sizeof ecsv, "%s/edited.csv", dir);
    snprintf(newcat, sizeof newcat, "%s/new/catalog.json", dir);
    cr_assert_eq(th_write(ecsv, edited), 0);
    char nd[400];
    snprintf(nd, sizeof nd, "%s/new", dir);
    mkdir(nd, 0700);
    char *out = NULL, *err = NULL;
    cr_assert_eq(run_prices(dir, &out, &err, "import", ecsv, "--prices", dir, "-o", newcat, NULL), 0, "%s", err);
    cr_assert(strstr(out, "price $3,200.00 -> $3,300.00"), "%s", out);
    cr_assert(strstr(out, "knee-brace"), "%s", out);
    free(out);
    free(err);
    /* the new catalog is private, validates, and re-exports byte for byte */
    struct stat st;
    cr_assert_eq(stat(newcat, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    struct price_table pt;
    struct diag_list dl = { 0 };
    cr_assert_eq(price_table_load_files(&pt, NULL, newcat, &dl), 0, "%s", th_diags(&dl));
    cr_assert_eq(dl.warnings, 0, "%s", th_diags(&dl));
    cr_assert_str_eq(pt_find_item(&pt, "cell-banking")->description,
                     "Freezing, \"storing\" and\nthawing: José Müller-Ñúñez");
    cr_assert_eq(pt_find_item(&pt, "knee-brace")->price, 12000);
    cr_assert(pt_find_item(&pt, "knee-brace")->taxable);
    price_table_free(&pt);
    diag_list_free(&dl);
    char *again = th_read(export_csv(dir, nd, "again.csv"), NULL);
    cr_assert_str_eq(again, edited, "export -> edit -> import -> export must be byte-identical");
    /* everything outside items[] is untouched; only the two edited items
     * changed and one was added */
    char *old_cat = th_read("pricing/catalog.json", NULL), *new_cat = th_read(newcat, NULL);
    const char *tail_old = strstr(old_cat, "\n  ],\n\n  \"areas\"");
    const char *tail_new = strstr(new_cat, "\n  ],\n\n  \"areas\"");
    cr_assert(tail_old && tail_new);
    cr_assert_str_eq(tail_old, tail_new);
    const char *items_at = strstr(old_cat, "\"items\": [");
    cr_assert_eq(strncmp(old_cat, new_cat, (size_t)(items_at - old_cat)), 0, "head of the file unchanged");
    cr_assert(strstr(new_cat, "    { \"id\": \"consult\", \"description\": \"New-patient evaluation"),
              "unchanged items keep their text");
    free(old_cat);
    free(new_cat);
    free(again);
    free(edited);
    free(text);
    done_dir(dir);
}

/* Who bills an item (items[].billed_by) is not a column of the CSV, so an
 * import keeps it: an item whose row is edited is rewritten with its
 * billed_by, and `prices diff` shows the edit and nothing else. */
Test(prices_csv, import_keeps_who_bills_an_edited_item)
{
    char *dir = tables(NULL);
    char *csv = export_csv(dir, dir, "items.csv");
    char *text = th_read(csv, NULL);
    /* the unchanged round trip: no difference at all */
    char nd[400], newcat[400], *out = NULL, *err = NULL;
    snprintf(nd, sizeof nd, "%s/new", dir);
    snprintf(newcat, sizeof newcat, "%s/new/catalog.json", dir);
    mkdir(nd, 0700);
    cr_assert_eq(run_prices(dir, &out, &err, "import", csv, "--prices", dir, "-o", newcat, NULL), 0, "%s", err);
    cr_assert(strstr(out, "No changes"), "%s", out);
    free(out);
    free(err);
    /* the outside biller's two items edited as a spreadsheet would */
    char *p = strstr(text, "\r\nasc-facility-fee,,1250.00,");
    cr_assert_not_null(p, "%s", text);
    memcpy(p + 2, "asc-facility-fee,,1275.00,", 26);
    p = strstr(text, "\r\ncell-count,86367,380.00,");
    cr_assert_not_null(p, "%s", text);
    memcpy(p + 2, "cell-count,86367,390.00,", 24);
    char ecsv[400];
    snprintf(ecsv, sizeof ecsv, "%s/edited.csv", dir);
    cr_assert_eq(th_write(ecsv, text), 0);
    cr_assert_eq(run_prices(dir, &out, &err, "import", ecsv, "--prices", dir, "-o", newcat, NULL), 0, "%s", err);
    cr_assert(strstr(out, "price $1,250.00 -> $1,275.00"), "%s", out);
    cr_assert(!strstr(out, "billed_by"), "the import must not change who bills an item:\n%s", out);
    free(out);
    free(err);
    cr_assert_eq(run_prices(dir, &out, &err, "diff", "pricing", newcat, NULL), 0, "%s", err);
    cr_assert(strstr(out, "1,275.00") && !strstr(out, "billed_by"), "%s", out);
    free(out);
    free(err);
    struct price_table pt;
    struct diag_list dl = { 0 };
    cr_assert_eq(price_table_load_files(&pt, "pricing/clinic.json", newcat, &dl), 0, "%s", th_diags(&dl));
    cr_assert_str_eq(pt_find_item(&pt, "asc-facility-fee")->billed_by, "hill-country-surgery");
    cr_assert_str_eq(pt_find_item(&pt, "cell-count")->billed_by, "capitol-cell-lab");
    cr_assert_eq(pt_find_item(&pt, "cell-count")->list_price, 39000);
    price_table_free(&pt);
    diag_list_free(&dl);
    /* and the diff lists the two prices, nothing about who bills them */
    struct price_diff d;
    diff_with(nd, &d);
    cr_assert_not_null(entry(&d, PD_ITEM, "asc-facility-fee", "price"));
    cr_assert_null(entry(&d, PD_ITEM, "asc-facility-fee", "billed_by"));
    cr_assert_not_null(entry(&d, PD_ITEM, "cell-count", "price"));
    for (size_t i = 0; i < d.n; i++)
        cr_assert(!(d.v[i].flags & PD_FLAG_BILLER_CHANGED) && !(d.v[i].field && !strcmp(d.v[i].field, "billed_by")),
                  "entry %zu: %s %s", i, d.v[i].id, d.v[i].field ? d.v[i].field : "");
    price_diff_free(&d);
    free(text);
    done_dir(dir);
}

Test(prices_csv, bom_lf_and_a_subset_of_columns)
{
    char *dir = tables(NULL);
    char csv[400], cat[400];
    snprintf(csv, sizeof csv, "%s/prices.csv", dir);
    snprintf(cat, sizeof cat, "%s/catalog.json", dir);
    /* a spreadsheet's BOM, LF line ends, only id and price: other fields stay */
    char *full = th_read(export_csv(dir, dir, "full.csv"), NULL);
    char *buf = malloc(strlen(full) + 16);
    strcpy(buf, "\xEF\xBB\xBF" "ID,Price\n");
    for (char *line = strstr(full, "\r\n") + 2; *line;) {
        char *eol = strstr(line, "\r\n");
        char *c1 = strchr(line, ','), *c2 = strchr(c1 + 1, ','), *c3 = strchr(c2 + 1, ',');
        strncat(buf, line, (size_t)(c1 - line));
        strcat(buf, ",");
        strncat(buf, c2 + 1, (size_t)(c3 - c2 - 1));
        strcat(buf, "\n");
        line = eol + 2;
    }
    char *p = strstr(buf, "sedation,250.00");
    cr_assert_not_null(p, "%s", buf);
    memcpy(p, "sedation,275   ", 15);
    cr_assert_eq(th_write(csv, buf), 0);
    char *out = NULL, *err = NULL;
    cr_assert_eq(run_prices(dir, &out, &err, "import", csv, "--prices", dir, "--in-place", NULL), 0, "%s", err);
    struct price_table pt;
    struct diag_list dl = { 0 };
    cr_assert_eq(price_table_load_files(&pt, NULL, cat, &dl), 0, "%s", th_diags(&dl));
    const struct pt_item *it = pt_find_item(&pt, "sedation");
    cr_assert_eq(it->price, 27500);
    cr_assert_str_eq(it->description, "Light oral sedation for comfort on the procedure day");
    cr_assert_eq(pt.n_changes, 1, "scheduled_changes kept");
    price_table_free(&pt);
    diag_list_free(&dl);
    free(out);
    free(err);
    free(buf);
    free(full);
    done_dir(dir);
}

/* Import text as a CSV file into the sample; expect exit 1 and `expect` in
 * stderr; the catalog stays as it was. */
static void import_fails(const char *csv_text, const char *expect)
{
    char *dir = tables(NULL);
    char csv[400], cat[400];
    snprintf(csv, sizeof csv, "%s/items.csv", dir);
    snprintf(cat, sizeof cat, "%s/catalog.json", dir);
    cr_assert_eq(th_write(csv, csv_text), 0);
    char *before = th_read(cat, NULL);
    char *out = NULL, *err = NULL;
    int rc = run_prices(dir, &out, &err, "import", csv, "--prices", dir, "--in-place", NULL);
    cr_assert_eq(rc, 1, "%s", err);
    char want[600];
    snprintf(want, sizeof want, "%s/%s", dir, expect);
    cr_assert(strstr(err, expect[0] == ':' ? expect + 1 : want), "expected '%s' in:\n%s", want, err);
    char *after = th_read(cat, NULL);
    cr_assert_str_eq(before, after, "nothing written on error");
    free(before);
    free(after);
    free(out);
    free(err);
    done_dir(dir);
}

/* The sample export with row `row` (1 = header) given field `col` = value. */
static char *sample_with(int row, int col, const char *value)
{
    char *dir = tables(NULL);
    char *text = th_read(export_csv(dir, dir, "s.csv"), NULL);
    done_dir(dir);
    size_t n = strlen(text) + strlen(value) + 16;
    char *out = malloc(n);
    char *line = text;
    for (int r = 1; r < row; r++)
        line = strstr(line, "\r\n") + 2;
    char *f = line;
    for (int c = 1; c < col; c++)
        f = strchr(f, ',') + 1;
    char *fend = f + strcspn(f, ",\r");
    snprintf(out, n, "%.*s%s%s", (int)(f - text), text, value, fend);
    free(text);
    return out;
}

Test(prices_csv, three_decimal_price_names_line_and_column)
{
    char *csv = sample_with(14, 3, "12.345");
    import_fails(csv, "items.csv:14:3: price: '12.345' has more than two decimals");
    free(csv);
}

Test(prices_csv, price_with_dollar_and_comma)
{
    char *csv = sample_with(9, 3, "\"$3,200.00\"");
    import_fails(csv, "items.csv:9:3: price: '$3,200.00' is not a plain amount; write it as 1250.00");
    free(csv);
}

Test(prices_csv, bad_phase_code_id_and_yes_no)
{
    char *csv = sample_with(4, 6, "befor");
    import_fails(csv, "items.csv:4:6: phase: 'befor' is not a phase; expected before, procedure, after, repeat or follow-up (did you mean 'before'?)");
    free(csv);
    csv = sample_with(7, 2, "m0076");
    /* the same message as for catalog.json (price_code_valid) */
    import_fails(csv, "items.csv:7:2: code: 'm0076' is not a CPT/HCPCS code; expected five characters such as 20610 or L3000, or nothing");
    free(csv);
    csv = sample_with(5, 1, "CBC");
    import_fails(csv, "items.csv:5:1: id: 'CBC' is not a valid id; use lowercase letters, digits and '-' (at most 48)");
    free(csv);
    csv = sample_with(2, 9, "maybe");
    import_fails(csv, "items.csv:2:9: taxable: 'maybe' is not yes or no");
    free(csv);
    /* the same message as for catalog.json (coverage_parse) */
    csv = sample_with(3, 7, "covered");
    import_fails(csv, "items.csv:3:7: coverage: 'covered' is not a coverage status; expected \"not_covered\" or \"may_be_billable\"");
    free(csv);
}

Test(prices_csv, structural_mistakes)
{
    import_fails("id,price\r\nbmac,\"3200.00\r\n", "items.csv:2:2: a quoted field is never closed");
    import_fails("id,price\r\nbmac,32\"00\r\n", "items.csv:2:2: a '\"' in a field that is not quoted");
    import_fails("id,prcie\r\nbmac,3200.00\r\n",
                 "items.csv:1:2: 'prcie' is not a column of items; expected id, code, price, description, unit, phase, coverage, coverage_reason, taxable or separate (did you mean 'price'?)");
    import_fails("id,price\r\nbmac,3200.00,x\r\n", "items.csv:2:1: has 3 fields but the header has 2");
    import_fails("id,price\r\nbmac,3200.00\r\nbmac,3300.00\r\n", "items.csv:3:1: id: item 'bmac' is already on line 2");
    import_fails("id,price\r\nbmac,3200.00\r\n", ":items[0]: item 'consult' is not in");
    import_fails("", "items.csv:1:1: is empty");
}

Test(prices_csv, new_item_needs_every_column_and_no_fda_claims)
{
    char *full = sample_with(1, 1, "id");
    size_t n = strlen(full) + 400;
    char *csv = malloc(n);
    snprintf(csv, n, "%sknee-brace,L1833,120.00,\"FDA-cleared knee brace\",brace,procedure,not_covered,Supplied,no,no,,\r\n", full);
    /* the header, the sample's 29 items, then the new row */
    import_fails(csv, "items.csv:31:4: description: says \"FDA-cleared\"");
    free(csv);
    free(full);
    import_fails("id,price\r\nnew-thing,10.00\r\n", "items.csv:2:1: description: item 'new-thing' is new, so the CSV needs a 'description' column");
}

Test(prices_csv, merged_catalog_is_checked_and_reported_on_the_csv)
{
    /* a code that makes the harvest a diagnostic marrow code: caught by the
     * full check of the catalog the import would write */
    char *csv = sample_with(8, 2, "38220");
    import_fails(csv, ":cell_sources[0].items: item 'bm-harvest' has code 38220");
    free(csv);
}

Test(prices_csv, export_usage)
{
    char *dir = th_tmpdir();
    char *out = NULL, *err = NULL;
    cr_assert_eq(run_prices(dir, &out, &err, "export", NULL), 2);
    cr_assert(strstr(err, "regenquote prices export: give the format: --csv; see 'regenquote prices export --help'"), "%s", err);
    free(out);
    free(err);
    cr_assert_eq(run_prices(dir, &out, &err, "import", "a.csv", "--in-place", "-o", "x", NULL), 2);
    free(out);
    free(err);
    cr_assert_eq(run_prices(dir, &out, &err, "export", "--csv", "--bom", NULL), 0);
    cr_assert(!strncmp(out, "\xEF\xBB\xBFid,code,price,", 17));
    free(out);
    free(err);
    done_dir(dir);
}

/* ---- prices in force on a date ---------------------------------------------------- */

/* One bone-marrow ankle (no adjuncts added) priced as of `issued`. */
static int64_t bone_marrow_total(struct price_table *pt, rq_date issued, int64_t *bmac_unit)
{
    struct plan plan;
    struct quote q;
    struct diag_list dl = { 0 };
    plan_init(&plan);
    cr_assert_eq(price_table_use_date(pt, issued, &dl), 0, "%s", th_diags(&dl));
    cr_assert_eq(plan_apply_option(&plan, "source", "bone-marrow", &dl), 0);
    cr_assert_eq(plan_apply_option(&plan, "area", "left-ankle", &dl), 0);
    cr_assert_eq(pricing_compute(pt, &plan, issued, &q, &dl), 0, "%s", th_diags(&dl));
    *bmac_unit = -1;
    for (size_t i = 0; i < q.n_lines; i++)
        if (q.lines[i].item_id && !strcmp(q.lines[i].item_id, "bmac"))
            *bmac_unit = q.lines[i].unit_cents;
    int64_t total = q.total_cents;
    cr_assert_eq(total, th_sum_lines(&q));
    quote_free(&q);
    plan_free(&plan);
    diag_list_free(&dl);
    return total;
}

Test(prices_dates, quote_before_and_after_a_scheduled_change)
{
    struct price_table pt;
    struct diag_list dl = { 0 };
    cr_assert_eq(price_table_load(&pt, "pricing", &dl), 0, "%s", th_diags(&dl));
    int64_t bmac;
    /* imaging review 150 + harvest 2,650 + BMAC 3,200 + injection 1,500 +
     * ultrasound 200 = 7,700.00 (blood work may be billed to insurance) */
    cr_assert_eq(bone_marrow_total(&pt, date_from_ymd(2026, 11, 23), &bmac), 770000);
    cr_assert_eq(bmac, 320000);
    cr_assert_str_eq(price_table_prices_version(&pt), "2026.11-1");
    cr_assert_null(pt.change_in_force);
    cr_assert_eq(bone_marrow_total(&pt, date_from_ymd(2027, 2, 28), &bmac), 770000, "the day before");
    /* from 2027-03-01: BMAC 3,350 and injection 1,550: 7,900.00 */
    cr_assert_eq(bone_marrow_total(&pt, date_from_ymd(2027, 3, 1), &bmac), 790000, "the day it starts");
    cr_assert_eq(bmac, 335000);
    cr_assert_str_eq(price_table_prices_version(&pt), "2027.03-1");
    cr_assert_not_null(pt.change_in_force);
    /* packages follow: price 7,650.00, separate prices 8,600.00 */
    const struct pt_package *pk = pt_find_package(&pt, "bone-marrow-one-area");
    cr_assert_eq(pk->price, 765000);
    cr_assert_eq(pk->a_la_carte, 265000 + 335000 + 155000 + 20000 + 85000);
    /* and back again: the function can be called with any date */
    cr_assert_eq(bone_marrow_total(&pt, date_from_ymd(2026, 12, 1), &bmac), 770000);
    cr_assert_eq(pk->price, 750000);
    cr_assert_eq(pk->a_la_carte, 840000);
    price_table_free(&pt);
    diag_list_free(&dl);
}

Test(prices_dates, date_before_the_table_is_a_warning)
{
    struct price_table pt;
    struct diag_list dl = { 0 };
    cr_assert_eq(price_table_load(&pt, "pricing", &dl), 0);
    cr_assert_eq(price_table_use_date(&pt, date_from_ymd(2026, 10, 1), &dl), 0);
    cr_assert_eq(dl.warnings, 1);
    char *all = th_diags(&dl);
    cr_assert(strstr(all, "the price table takes effect on 2026-11-01, after 2026-10-01"), "%s", all);
    cr_assert_eq(pt_find_item(&pt, "bmac")->price, 320000);
    free(all);
    price_table_free(&pt);
    diag_list_free(&dl);
}

Test(prices_dates, show_lists_prices_in_force)
{
    char *dir = th_tmpdir();
    char *out = NULL, *err = NULL;
    cr_assert_eq(run_prices(dir, &out, &err, "show", "--on", "2027-03-15", "--prices", "pricing", NULL), 0, "%s", err);
    cr_assert(strstr(out, "Prices in force on 2027-03-15: version 2027.03-1"), "%s", out);
    cr_assert(strstr(out, "bmac                                $3,350.00  change of 2027-03-01 (items[] has $3,200.00)"), "%s", out);
    cr_assert(strstr(out, "2027-03-01  2027.03-1    in force"), "%s", out);
    free(out);
    free(err);
    cr_assert_eq(run_prices(dir, &out, &err, "show", "--on", "2027-02-28", NULL), 0, "%s", err);
    cr_assert(strstr(out, "version 2026.11-1"), "%s", out);
    cr_assert(strstr(out, "bmac                                $3,200.00  items[]"), "%s", out);
    cr_assert(strstr(out, "not yet"), "%s", out);
    free(out);
    free(err);
    cr_assert_eq(run_prices(dir, &out, &err, "show", "--on", "2027-02-30", NULL), 2);
    cr_assert(strstr(err, "'2027-02-30' is not a date"), "%s", err);
    free(out);
    free(err);
    done_dir(dir);
}

/* ---- scheduled_changes validation ---------------------------------------------- */

static void schedule_diag(const char *from, const char *to, const char *expect, bool warning)
{
    char *dir = tables(from, to, NULL);
    struct price_table pt;
    struct diag_list dl = { 0 };
    int rc = price_table_load(&pt, dir, &dl);
    char *all = th_diags(&dl);
    cr_assert(strstr(all, expect), "expected '%s', got:\n%s", expect, all);
    if (warning)
        cr_assert_eq(rc, 0, "%s", all);
    else
        cr_assert_eq(rc, -1, "%s", all);
    free(all);
    price_table_free(&pt);
    diag_list_free(&dl);
    done_dir(dir);
}

Test(prices_schedule, mistakes_in_scheduled_changes)
{
    schedule_diag("\"effective_date\": \"2027-03-01\"", "\"effective_date\": \"2026-10-01\"",
                  "scheduled_changes[0].effective_date: 2026-10-01 is not after the table's effective_date 2026-11-01", false);
    schedule_diag("\"effective_date\": \"2027-03-01\"", "\"effective_date\": \"2027-02-30\"",
                  "scheduled_changes[0].effective_date: '2027-02-30' is not a date", false);
    schedule_diag("\"bmac\": \"3350.00\"", "\"bmca\": \"3350.00\"",
                  "scheduled_changes[0].prices.bmca: unknown item 'bmca'; did you mean 'bmac'?", false);
    schedule_diag("\"bmac\": \"3350.00\"", "\"bmac\": \"3350.005\"",
                  "scheduled_changes[0].prices.bmac: '3350.005' has more than two decimals", false);
    schedule_diag("\"bmac\": \"3350.00\"", "\"bmac\": \"3350.00\", \"bmac\": \"3360.00\"",
                  "scheduled_changes[0].prices.bmac: duplicate key", false);
    schedule_diag("\"version\": \"2027.03-1\"", "\"version\": \"2026.11-1\"",
                  "scheduled_changes[0].version: '2026.11-1' is the table's own version", false);
    schedule_diag("\"note\": \"Spring", "\"nots\": \"Spring",
                  "scheduled_changes[0].nots: unknown key; did you mean 'note'?", false);
    schedule_diag("\"bmac\": \"3350.00\"", "\"bmac\": \"3200.00\"",
                  "warning: scheduled_changes[0].prices.bmac: is the price already in force before 2027-03-01", true);
    schedule_diag("\"bone-marrow-one-area\": \"7650.00\"", "\"bone-marrow-one-area\": \"8600.00\"",
                  "warning: scheduled_changes[0]: from 2027-03-01 package 'bone-marrow-one-area' costs $8,600.00, not below the $8,600.00", true);
}

Test(prices_schedule, changes_must_be_in_date_order)
{
    char *dir = tables("\"package_prices\": { \"bone-marrow-one-area\": \"7650.00\" } }",
                       "\"package_prices\": { \"bone-marrow-one-area\": \"7650.00\" } },\n"
                       "    { \"effective_date\": \"2027-02-01\", \"version\": \"2027.02-1\", \"prices\": { \"sedation\": \"260.00\" } }",
                       NULL);
    struct price_table pt;
    struct diag_list dl = { 0 };
    cr_assert_eq(price_table_load(&pt, dir, &dl), -1);
    char *all = th_diags(&dl);
    cr_assert(strstr(all, "scheduled_changes[1].effective_date: 2027-02-01 is not after the change before it (2027-03-01)"), "%s", all);
    free(all);
    price_table_free(&pt);
    diag_list_free(&dl);
    done_dir(dir);
}

Test(prices_csv, a_nul_byte_is_placed_at_its_line_and_column)
{
    char *dir = tables(NULL);
    char csv[400];
    snprintf(csv, sizeof csv, "%s/nul.csv", dir);
    FILE *f = fopen(csv, "wb");
    cr_assert_not_null(f);
    fwrite("id,price\nconsult,1\0\n", 1, 21, f);
    fclose(f);
    char *out = NULL, *err = NULL;
    cr_assert_eq(run_prices(dir, &out, &err, "import", csv, "--prices", dir, "--in-place", NULL), 1);
    cr_assert(strstr(err, "nul.csv:2:2: contains a NUL byte"), "%s", err);
    free(out);
    free(err);
    done_dir(dir);
}
