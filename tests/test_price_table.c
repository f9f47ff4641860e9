/* Price tables: the sample is clean; every seeded mistake gets its own message
 * naming the file, line, column and field path. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

/* Seeds below list only the fields they need. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "price_table.h"

Test(price_table, sample_tables_load_without_errors_or_warnings)
{
    struct price_table pt;
    struct diag_list dl = { 0 };
    int rc = price_table_load(&pt, "pricing", &dl);
    char *all = th_diags(&dl);
    cr_assert_eq(rc, 0, "%s", all);
    cr_assert_eq(dl.errors + dl.warnings, 0, "%s", all);
    cr_assert_str_eq(pt.version, "2026.11-1");
    cr_assert_eq(strlen(pt.sha256), 64);
    const struct pt_item *it = pt_find_item(&pt, "ankle-brace");
    cr_assert_not_null(it);
    cr_assert_eq(it->price, 9500);
    cr_assert(it->taxable);
    cr_assert_null(pt_find_item(&pt, "Ankle-Brace"), "ids are case-sensitive");
    cr_assert_eq(pt.clinic.tax_percent, 825);
    cr_assert_eq(pt.clinic.deposit_minimum, 50000);
    const struct pt_package *pk = pt_find_package(&pt, "bone-marrow-one-area");
    cr_assert_eq(pk->a_la_carte, 265000 + 320000 + 150000 + 20000 + 85000);
    cr_assert_not_null(pt_find_source(&pt, "embryonic")->research_only);
    free(all);
    diag_list_free(&dl);
    price_table_free(&pt);
}

/* 1-based line of the first occurrence of needle in path. */
static int line_of(const char *path, const char *needle)
{
    char *text = th_read(path, NULL);
    cr_assert_not_null(text);
    char *at = strstr(text, needle);
    cr_assert_not_null(at, "'%s' not in %s", needle, path);
    int line = 1;
    for (char *p = text; p < at; p++)
        line += *p == '\n';
    free(text);
    return line;
}

struct seeded {
    const char *file, *from, *to;
    const char *expect; /* "path: message" part */
    bool warning;
    const char *line_at; /* text on the expected line, when not `to` */
};

/* Seed one mistake (replace `from` by `to` in file), load, and expect a
 * diagnostic on the line of `to` containing `expect`. */
static void check_seeded(const struct seeded *s)
{
    char *dir = th_tmpdir();
    cr_assert_eq(th_tables_with(dir, s->file, s->from, s->to), 0, "seed '%s' not found", s->from);
    struct price_table pt;
    struct diag_list dl = { 0 };
    int rc = price_table_load(&pt, dir, &dl);
    char *all = th_diags(&dl);
    char path[300], want[900];
    snprintf(path, sizeof path, "%s/%s", dir, s->file);
    snprintf(want, sizeof want, "%s:%d:", path, line_of(path, s->line_at ? s->line_at : s->to));
    cr_assert(strstr(all, want), "expected a diagnostic at '%s', got:\n%s", want, all);
    cr_assert(strstr(all, s->expect), "expected '%s', got:\n%s", s->expect, all);
    if (s->warning) {
        cr_assert_eq(rc, 0, "a warning alone must not fail: %s", all);
        cr_assert_gt(dl.warnings, 0);
    } else {
        cr_assert_eq(rc, -1, "%s", all);
    }
    free(all);
    diag_list_free(&dl);
    price_table_free(&pt);
    th_rmtree(dir);
    free(dir);
}

Test(price_table, three_decimal_price)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"price\": \"150.00\"", "\"price\": \"150.005\"",
                                   "items[1].price: '150.005' has more than two decimals", false });
}

Test(price_table, price_as_json_number_is_exact_or_refused)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"price\": \"150.00\"", "\"price\": 150.001",
                                   "items[1].price: '150.001' has more than two decimals", false });
}

Test(price_table, negative_price)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"price\": \"45.00\"", "\"price\": \"-45.00\"",
                                   "items[3].price: '-45.00' is negative", false });
}

Test(price_table, misspelt_key_gets_a_hint)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"unit\": \"review\"", "\"unti\": \"review\"",
                                   "items[1].unti: unknown key; did you mean 'unit'?", false });
}

Test(price_table, unknown_item_reference_gets_a_hint)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"items\": [\"bm-harvest\"]", "\"items\": [\"bm-harvst\"]",
                                   "cell_sources[0].items[0]: unknown item 'bm-harvst'; did you mean 'bm-harvest'?", false });
}

Test(price_table, bad_phase)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"phase\": \"after\"", "\"phase\": \"aftr\"",
                                   "'aftr' is not a phase; expected before, procedure, after, repeat or follow-up (did you mean 'after'?)", false });
}

Test(price_table, bad_coverage)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"coverage\": \"may_be_billable\"", "\"coverage\": \"covered\"",
                                   "items[2].coverage: 'covered' is not a coverage status", false });
}

Test(price_table, method_fits_unknown_source)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"fits\": [\"adipose\"]", "\"fits\": [\"adipos\"]",
                                   "processing_methods[1].fits[0]: unknown cell source; did you mean 'adipose'?", false });
}

Test(price_table, duplicate_item_id)
{
    check_seeded(&(struct seeded){ "catalog.json", "{ \"id\": \"cmp\"", "{ \"id\": \"cbc\"",
                                   "items[4]: duplicate item id 'cbc'", false,
                                   "Blood chemistry before" });
}

Test(price_table, fda_approved_wording_is_refused)
{
    check_seeded(&(struct seeded){ "catalog.json", "Donated umbilical cord tissue product",
                                   "FDA approved umbilical cord tissue product",
                                   "items[10].description: says \"FDA-approved\"", false });
}

Test(price_table, diagnostic_marrow_code_on_a_harvest)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"code\": \"38232\"", "\"code\": \"38220\"",
                                   "cell_sources[0].items: item 'bm-harvest' has code 38220, a diagnostic bone-marrow code", false,
                                   "\"items\": [\"bm-harvest\"]" });
}

Test(price_table, ultrasound_guidance_with_an_injection_code_that_includes_it)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"code\": \"20999\", \"price\": \"1500.00\"",
                                   "\"code\": \"20611\", \"price\": \"1500.00\"",
                                   "procedure.injection_item: code 20611 already includes ultrasound guidance; 76942 must not be billed with it", false,
                                   "\"injection_item\": \"msc-injection\"" }) ;
}

Test(price_table, invalid_effective_date)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"effective_date\": \"2026-11-01\"",
                                   "\"effective_date\": \"2026-02-30\"",
                                   "effective_date: '2026-02-30' is not a date; expected YYYY-MM-DD", false });
}

Test(price_table, package_that_saves_nothing_is_a_warning)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"price\": \"7900.00\"", "\"price\": \"9900.00\"",
                                   "warning: packages[1].price: the package price is not below the separate prices",
                                   true });
}

Test(price_table, discount_type)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"type\": \"percent\",\n      \"percent\": \"5\"",
                                   "\"type\": \"pct\",\n      \"percent\": \"5\"",
                                   "discounts[0].type: 'pct' is not a discount type", false });
}

Test(price_table, provider_npi_check_digit)
{
    check_seeded(&(struct seeded){ "clinic.json", "\"npi\": \"1673529040\"", "\"npi\": \"1673529041\"",
                                   "clinic.providers[0].npi: '1673529041' is not a valid NPI", false });
}

Test(price_table, tin_format)
{
    check_seeded(&(struct seeded){ "clinic.json", "\"tin\": \"74-3125687\"", "\"tin\": \"743125687\"",
                                   "clinic.tin: '743125687' is not a TIN; expected nine digits as NN-NNNNNNN", false });
}

Test(price_table, deposit_percent_over_100)
{
    check_seeded(&(struct seeded){ "clinic.json", "\"percent\": \"20\"", "\"percent\": \"120\"",
                                   "deposit.percent: '120' is not a percentage from 0 to 100", false });
}

Test(price_table, wrong_type_for_validity)
{
    check_seeded(&(struct seeded){ "clinic.json", "\"quote_validity_days\": 30", "\"quote_validity_days\": \"30\"",
                                   "quote_validity_days: expected a whole number, found a string", false });
}

Test(price_table, missing_file_is_named)
{
    char *dir = th_tmpdir();
    th_tables_with(dir, "catalog.json", NULL, NULL);
    char p[300];
    snprintf(p, sizeof p, "%s/clinic.json", dir);
    remove(p);
    struct price_table pt;
    struct diag_list dl = { 0 };
    cr_assert_eq(price_table_load(&pt, dir, &dl), -1);
    char *all = th_diags(&dl);
    cr_assert(strstr(all, "clinic.json: cannot open: No such file or directory"), "%s", all);
    free(all);
    diag_list_free(&dl);
    price_table_free(&pt);
    th_rmtree(dir);
    free(dir);
}

Test(price_table, npi_check)
{
    cr_assert(npi_valid("1234567893"), "the CMS example NPI");
    cr_assert_not(npi_valid("1234567890"));
    cr_assert_not(npi_valid("123456789"));
    cr_assert_not(npi_valid("12345678a3"));
}
