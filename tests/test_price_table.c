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

Test(price_table, bad_billing_code)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"code\": \"M0076\"", "\"code\": \"m0076\"",
                                   "items[5].code: 'm0076' is not a CPT/HCPCS code; expected five characters such as 20610 or L3000, or nothing", false });
}

Test(price_table, bad_id)
{
    check_seeded(&(struct seeded){ "catalog.json", "{ \"id\": \"cbc\"", "{ \"id\": \"CBC\"",
                                   "items[3].id: 'CBC' is not a valid id; use lowercase letters, digits and '-' (at most 48)", false });
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

/* Finding 6 of issue #15: who bills an item.  validate checks the outside
 * providers' and facilities' NPIs (Luhn with the 80840 prefix) and TINs,
 * and that every item's billed_by names one that exists. */
Test(price_table, outside_provider_npi_check_digit)
{
    check_seeded(&(struct seeded){ "clinic.json", "\"npi\": \"1963574029\"", "\"npi\": \"1963574028\"",
                                   "clinic.outside[0].npi: '1963574028' is not a valid NPI", false });
}

Test(price_table, outside_provider_tin_format)
{
    check_seeded(&(struct seeded){ "clinic.json", "\"tin\": \"74-6193058\"", "\"tin\": \"74-619305\"",
                                   "clinic.outside[0].tin: '74-619305' is not a TIN; expected nine digits as NN-NNNNNNN",
                                   false });
    check_seeded(&(struct seeded){ "clinic.json", "\"tin\": \"74-6193058\"", "\"tin\": \"00-0000000\"",
                                   "clinic.outside[0].tin: '00-0000000' is not a TIN", false });
}

Test(price_table, outside_provider_says_who_collects)
{
    check_seeded(&(struct seeded){ "clinic.json", "\"tin\": \"74-6193058\",", "\"tin\": \"74-6193058\", \"kind_\": 1,",
                                   "clinic.outside[0].kind_: unknown key; did you mean 'kind'?", false });
    check_seeded(&(struct seeded){ "clinic.json", ", \"clinic_collects\": true }", " }",
                                   "clinic.outside[0].clinic_collects: is missing", false,
                                   "{ \"id\": \"capitol-cell-lab\"" });
}

Test(price_table, billed_by_must_name_a_provider_or_facility)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"billed_by\": \"capitol-cell-lab\"",
                                   "\"billed_by\": \"capitol-cel-lab\"",
                                   "items[26].billed_by: unknown provider or facility 'capitol-cel-lab'; did you mean "
                                   "'capitol-cell-lab'?", false });
    check_seeded(&(struct seeded){ "catalog.json", "\"billed_by\": \"capitol-cell-lab\"",
                                   "\"billed_by\": \"nobody\"",
                                   "items[26].billed_by: unknown provider or facility 'nobody'; it must be an id from "
                                   "clinic.providers or clinic.outside", false });
}

Test(price_table, billed_by_one_of_the_clinics_providers)
{
    char *dir = th_tmpdir();
    cr_assert_eq(th_tables_with(dir, "catalog.json", "\"billed_by\": \"capitol-cell-lab\"",
                                "\"billed_by\": \"dr-whitfield\""), 0);
    struct price_table pt;
    struct diag_list dl = { 0 };
    cr_assert_eq(price_table_load(&pt, dir, &dl), 0, "%s", th_diags(&dl));
    const struct pt_item *it = pt_find_item(&pt, "cell-count");
    cr_assert_not_null(it->billed_by_provider);
    cr_assert_str_eq(it->billed_by_provider->name, "James Whitfield, MD");
    cr_assert_null(it->billed_by_outside);
    cr_assert(!pt_item_billed_directly(it));
    cr_assert(pt_item_billed_directly(pt_find_item(&pt, "asc-facility-fee")));
    price_table_free(&pt);
    diag_list_free(&dl);
    th_rmtree(dir);
    free(dir);
}

Test(price_table, outside_id_must_differ_from_the_providers)
{
    check_seeded(&(struct seeded){ "clinic.json", "{ \"id\": \"capitol-cell-lab\"", "{ \"id\": \"dr-delgado\"",
                                   "clinic.outside[0].id: 'dr-delgado' is already the id of one of the clinic's providers",
                                   false, "{ \"id\": \"dr-delgado\", \"kind\"" });
}

/* What an outside biller that bills the patient directly rules out: the
 * clinic cannot take a package saving or a discount off charges it does
 * not collect (combinations that cannot both hold are refused). */
Test(price_table, nothing_discounted_that_the_clinic_does_not_collect)
{
    check_seeded(&(struct seeded){ "catalog.json", "{ \"item\": \"prp-booster\", \"quantity\": 1 }",
                                   "{ \"item\": \"asc-facility-fee\", \"quantity\": 1 }",
                                   "packages[0].includes: 'asc-facility-fee' is billed to the patient directly by "
                                   "'hill-country-surgery'; a package saving cannot come off charges the clinic does "
                                   "not collect", false, "\"includes\": [" });
    check_seeded(&(struct seeded){ "catalog.json", "\"applies_to\": [\"msc-injection\", \"msc-injection-repeat\"]",
                                   "\"applies_to\": [\"msc-injection\", \"asc-facility-fee\"]",
                                   "discounts[2].applies_to[1]: 'asc-facility-fee' is billed to the patient directly by "
                                   "'hill-country-surgery'; the clinic cannot discount charges it does not collect",
                                   false });
}

/* A package replaces the prices of what it includes by its own: it may
 * include only services the patient pays the clinic for. */
Test(price_table, package_includes_only_out_of_pocket_services)
{
    check_seeded(&(struct seeded){ "catalog.json", "{ \"item\": \"prp-booster\", \"quantity\": 1 }",
                                   "{ \"item\": \"cbc\", \"quantity\": 1 }",
                                   "packages[0].includes[4].item: 'cbc' may be billed to insurance; a package includes "
                                   "only services the patient pays the clinic for", false });
    check_seeded(&(struct seeded){ "catalog.json", "{ \"item\": \"prp-booster\", \"quantity\": 1 }",
                                   "{ \"item\": \"ankle-brace\", \"quantity\": 1 }",
                                   "packages[0].includes[4].item: 'ankle-brace' is taxable goods", false });
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

/* ---- billing rules and wording (each fires on a crafted table; the sample
 * is silent, see sample_tables_load_without_errors_or_warnings) ---------- */

/* check_seeded with a second replacement applied first. */
static void check_seeded2(const char *from2, const char *to2, const struct seeded *s)
{
    char *dir = th_tmpdir();
    cr_assert_eq(th_tables_with(dir, "catalog.json", from2, to2), 0, "seed '%s' not found", from2);
    /* apply the main seed on the copy */
    char path[300];
    snprintf(path, sizeof path, "%s/catalog.json", dir);
    char *text = th_read(path, NULL);
    char *at = strstr(text, s->from);
    cr_assert_not_null(at, "seed '%s' not found", s->from);
    size_t pre = (size_t)(at - text);
    char *nt = malloc(strlen(text) + strlen(s->to) + 1);
    memcpy(nt, text, pre);
    strcpy(nt + pre, s->to);
    strcat(nt, at + strlen(s->from));
    th_write(path, nt);
    free(nt);
    free(text);
    struct price_table pt;
    struct diag_list dl = { 0 };
    int rc = price_table_load(&pt, dir, &dl);
    char *all = th_diags(&dl);
    char want[900];
    snprintf(want, sizeof want, "%s:%d:", path, line_of(path, s->line_at ? s->line_at : s->to));
    cr_assert(strstr(all, want), "expected a diagnostic at '%s', got:\n%s", want, all);
    cr_assert(strstr(all, s->expect), "expected '%s', got:\n%s", s->expect, all);
    cr_assert_eq(rc, s->warning ? 0 : -1, "%s", all);
    free(all);
    diag_list_free(&dl);
    price_table_free(&pt);
    th_rmtree(dir);
    free(dir);
}

Test(price_table, sample_has_one_scheduled_change_in_the_future)
{
    struct price_table pt;
    struct diag_list dl = { 0 };
    cr_assert_eq(price_table_load(&pt, "pricing", &dl), 0);
    cr_assert_eq(pt.n_changes, 1);
    char d[16];
    cr_assert_str_eq(date_iso(pt.changes[0].effective_date, d), "2027-03-01");
    cr_assert_str_eq(pt.changes[0].version, "2027.03-1");
    /* loading leaves the prices of items[] in force */
    cr_assert_eq(pt_find_item(&pt, "bmac")->price, 320000);
    cr_assert_null(pt.change_in_force);
    diag_list_free(&dl);
    price_table_free(&pt);
}

Test(price_table, diagnostic_marrow_code_anywhere_is_a_warning)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"code\": \"85025\"", "\"code\": \"38220\"",
                                   "warning: items[3].code: 38220 is a diagnostic bone-marrow code", true });
}

Test(price_table, package_billing_76942_with_prp_on_the_same_visit)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"start_week\": 6, \"window_weeks\": 2",
                                   "\"start_week\": 0, \"window_weeks\": 2",
                                   "packages[0].includes[4]: the package bills 0232T (item 'prp-booster') and ultrasound guidance 76942 (item 'us-guidance') at the same visit (the procedure day); 0232T already includes ultrasound guidance",
                                   false, "{ \"item\": \"prp-booster\", \"quantity\": 1 }" });
}

Test(price_table, optional_adjunct_billing_an_injection_code_on_the_procedure_day_is_a_warning)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"price\": \"250.00\", \"unit\": \"visit\"",
                                   "\"code\": \"20611\", \"price\": \"250.00\", \"unit\": \"visit\"",
                                   "warning: adjuncts[6]: a plan with this adjunct bills 20611 (item 'sedation') on the procedure day, with ultrasound guidance 76942 (item 'us-guidance')",
                                   true, "\"item\": \"sedation\"" });
}

Test(price_table, standard_plan_billing_76942_with_an_injection_code_is_an_error)
{
    check_seeded2("\"item\": \"sedation\",\n      \"default_count\": 1",
                  "\"item\": \"sedation\", \"included\": true,\n      \"default_count\": 1",
                  &(struct seeded){ "catalog.json", "\"price\": \"250.00\", \"unit\": \"visit\"",
                                    "\"code\": \"20611\", \"price\": \"250.00\", \"unit\": \"visit\"",
                                    "adjuncts[6]: is in every plan and bills 20611 (item 'sedation') on the procedure day, with ultrasound guidance 76942 (item 'us-guidance')",
                                    false, "\"item\": \"sedation\"" });
}

Test(price_table, repeat_injection_coded_20611_with_ultrasound_guidance)
{
    check_seeded(&(struct seeded){ "catalog.json", "\"code\": \"20999\", \"price\": \"1200.00\"",
                                   "\"code\": \"20611\", \"price\": \"1200.00\"",
                                   "repeats.injection_item: code 20611 already includes ultrasound guidance; 76942 must not be billed with it",
                                   false, "\"injection_item\": \"msc-injection-repeat\"" });
}

Test(price_table, fda_cleared_and_unicode_hyphen_are_refused)
{
    check_seeded(&(struct seeded){ "catalog.json", "Donated umbilical cord tissue product",
                                   "FDA-cleared umbilical cord tissue product",
                                   "items[10].description: says \"FDA-cleared\"", false });
    check_seeded(&(struct seeded){ "catalog.json", "Donated umbilical cord tissue product",
                                   "Fda\u2010Approved umbilical cord tissue product",
                                   "items[10].description: says \"FDA-approved\"", false });
}

Test(price_table, fda_wording_variants)
{
    static const char *const claims[] = {
        "FDA-approved", "FDA approved", "fda  approved", "FDA\u2011approved", "FDA\u2013approved",
        "an FDA-Approved therapy", "approved by the FDA", "Approved by FDA.", "FDA cleared",
        "FDA-cleared device", "cleared by the FDA", "tratamiento aprobado por la FDA",
        "(FDA approved)",
    };
    static const char *const fine[] = {
        "not FDA-approved", "These treatments are not FDA approved.", "never FDA-approved",
        "no está aprobado por la FDA", "FDA", "approved", "FDA registered tissue bank",
        "pre-approved financing", "FDAapproved-ish",
    };
    for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++)
        cr_assert(pt_text_claims_fda(claims[i], NULL), "'%s' should be refused", claims[i]);
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        cr_assert_not(pt_text_claims_fda(fine[i], NULL), "'%s' should be allowed", fine[i]);
}

Test(price_table, medicare_excluded_code_marked_billable_is_a_warning)
{
    check_seeded(&(struct seeded){ "catalog.json",
                                   "\"coverage\": \"not_covered\", \"coverage_reason\": \"Prolotherapy is excluded",
                                   "\"coverage\": \"may_be_billable\", \"coverage_reason\": \"Prolotherapy is excluded",
                                   "warning: items[5].coverage: code M0076 (prolotherapy) is excluded from Medicare coverage",
                                   true });
}

Test(price_table, msc_item_marked_billable_is_a_warning)
{
    /* adipose processing: in no package (a package may include only items
     * the patient pays the clinic for, so marking bmac, which a package
     * includes, would be an error of its own) */
    check_seeded(&(struct seeded){ "catalog.json",
                                   "\"coverage\": \"not_covered\", \"coverage_reason\": \"Investigational (Category III code)\"",
                                   "\"coverage\": \"may_be_billable\", \"coverage_reason\": \"Investigational (Category III code)\"",
                                   "warning: items[9].coverage: item 'adipose-processing' is part of the MSC treatment, which is investigational for all major payers",
                                   true });
}
