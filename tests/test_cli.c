/* End to end: the regenquote binary as a user runs it — output, messages on
 * stderr, exit codes (0 ok, 1 bad data, 2 usage), files written or not. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"

#define FIXED "SOURCE_DATE_EPOCH=1795392000 " /* 2026-11-23 */

static int run(const char *args, char **out, char **err)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, FIXED "%s %s", th_bin(), args);
    return th_run(cmd, out, err);
}

static int lines_in(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(cli, help_and_version)
{
    char *out, *err;
    cr_assert_eq(run("--help", &out, &err), 0);
    cr_assert(strstr(out, "Usage: regenquote COMMAND"));
    cr_assert(strstr(out, "price") && strstr(out, "validate") && strstr(out, "catalog"));
    free(out); free(err);
    cr_assert_eq(run("--version", &out, &err), 0);
    cr_assert(strncmp(out, "regenquote ", 11) == 0, "%s", out);
    free(out); free(err);
    cr_assert_eq(run("price --help", &out, &err), 0);
    cr_assert(strstr(out, "--source ID") && strstr(out, "--add ID[:COUNT]") && strstr(out, "Exit status"));
    free(out); free(err);
    cr_assert_eq(run("validate --help", &out, &err), 0);
    cr_assert(strstr(out, "file:line:col: field.path: what is wrong"));
    free(out); free(err);
}

Test(cli, usage_errors_exit_2_with_one_line)
{
    char *out, *err;
    cr_assert_eq(run("", &out, &err), 2);
    free(out); free(err);
    cr_assert_eq(run("frobnicate", &out, &err), 2);
    cr_assert_str_eq(err, "regenquote: unknown command 'frobnicate'; see 'regenquote --help'\n");
    free(out); free(err);
    cr_assert_eq(run("price examples/adipose-two-knees.json --bogus", &out, &err), 2);
    cr_assert_str_eq(err, "regenquote price: unknown option '--bogus'; see 'regenquote price --help'\n");
    cr_assert_str_eq(out, "", "nothing on stdout on error");
    free(out); free(err);
    cr_assert_eq(run("price examples/adipose-two-knees.json --format xml", &out, &err), 2);
    cr_assert(strstr(err, "unknown format 'xml'; expected text, json or pdf"), "%s", err);
    free(out); free(err);
    cr_assert_eq(run("price --source", &out, &err), 2);
    cr_assert(strstr(err, "option '--source' needs a value"), "%s", err);
    free(out); free(err);
    cr_assert_eq(run("price", &out, &err), 2);
    cr_assert(strstr(err, "no plan given"), "%s", err);
    free(out); free(err);
    cr_assert_eq(run("price --source bone-marrow --area left-knee --sessions two", &out, &err), 2);
    cr_assert_str_eq(err, "regenquote: --sessions: 'two' is not a number of sessions; expected 1 or more\n");
    free(out); free(err);
}

Test(cli, price_json_has_the_fixed_fields)
{
    char *out, *err;
    cr_assert_eq(run("price examples/bone-marrow-one-ankle.json --format json", &out, &err), 0, "%s", err);
    cJSON *q = cJSON_Parse(out);
    cr_assert_not_null(q, "not JSON: %s", out);
    static const char *const keys[] = { "subtotal_cents", "discount_cents", "tax_cents", "total_cents",
                                        "deposit_cents" };
    for (size_t i = 0; i < 5; i++)
        cr_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(q, keys[i])), "%s", keys[i]);
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(q, "total_cents")->valuedouble, 805284);
    cJSON *lines = cJSON_GetObjectItemCaseSensitive(q, "lines");
    cr_assert_gt(cJSON_GetArraySize(lines), 5);
    double sum = 0;
    cJSON *l;
    cJSON_ArrayForEach(l, lines)
    {
        static const char *const lk[] = { "code", "description", "quantity", "unit_cents",
                                          "amount_cents", "coverage" };
        for (size_t i = 0; i < 6; i++)
            cr_assert_not_null(cJSON_GetObjectItemCaseSensitive(l, lk[i]), "line lacks %s", lk[i]);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "in_total")))
            sum += cJSON_GetObjectItemCaseSensitive(l, "amount_cents")->valuedouble;
    }
    cr_assert_eq(sum, 805284, "total = sum of the lines in it");
    cJSON *t = cJSON_GetObjectItemCaseSensitive(q, "price_table");
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(t, "version")->valuestring, "2026.11-1");
    /* the digest is checkable by hand: sha256 of clinic.json then catalog.json */
    char *sum_out;
    cr_assert_eq(th_run("cat pricing/clinic.json pricing/catalog.json | sha256sum | cut -c1-64", &sum_out, NULL), 0);
    sum_out[64] = '\0';
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(t, "sha256")->valuestring, sum_out);
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(q, "issued")->valuestring, "2026-11-23");
    free(sum_out);
    cJSON_Delete(q);
    free(out); free(err);
}

Test(cli, routine_plan_from_flags_alone)
{
    char *out, *err;
    cr_assert_eq(run("price --source bone-marrow --method bmac --area left-ankle --sessions 2 --add prp-booster",
                     &out, &err), 0, "%s", err);
    /* 150 + 2,650 + 3,200 + 1,500 + 200 + banking 950 + PRP 850
     * + repeat: thaw 450 + 1,200 + 200 = 11,350.00 */
    cr_assert(strstr(out, "TOTAL YOU PAY (USD)    11,350.00"), "%s", out);
    cr_assert(strstr(out, "Repeat MSC session 2"));
    cr_assert(strstr(out, "0232T"), "PRP booster with its code");
    cr_assert(strstr(out, "Deposit: 2,270.00"), "%s", out);
    free(out); free(err);
}

/* Finding 5 of issue #15: the text's financing line did not add up
 * ("12 payments of 592.17 ... 7,106.00 in all": the last one is 592.13).
 * examples/cord-tissue-prp-booster.json: total 8,000.00, deposit 1,600.00,
 * the evaluation's 150.00 paid at its visit, so the examples finance
 * 8,000 - 150 - 1,600 = 6,250.00; at 0 %: 6,250.00 / 12 = 520.8333 ->
 * 520.83, and the last is 6,250.00 - 11 x 520.83 = 520.87. */
Test(cli, text_financing_shows_the_last_payment)
{
    char *out, *err;
    cr_assert_eq(run("price examples/cord-tissue-prp-booster.json", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "11 payments of 520.83 and a last one of 520.87 at 0% APR, 6,250.00 in all"), "%s", out);
    free(out); free(err);
}

/* Finding 6 of issue #15: JSON gains providers[], each with its lines and
 * their total (see test_pricing's providers test for the hand computation:
 * 7,695.00, 342.00 and 1,250.00, each line in exactly one group). */
Test(cli, price_json_groups_lines_by_provider)
{
    char *out, *err;
    cr_assert_eq(run("price examples/three-providers.json --format json", &out, &err), 0, "%s", err);
    cJSON *q = cJSON_Parse(out);
    cr_assert_not_null(q);
    cJSON *provs = cJSON_GetObjectItemCaseSensitive(q, "providers");
    cJSON *lines = cJSON_GetObjectItemCaseSensitive(q, "lines");
    cr_assert_eq(cJSON_GetArraySize(provs), 3);
    static const struct { const char *name, *npi; double total, threshold; bool collects; } want[] = {
        { "Lone Star Foot & Ankle Regenerative Center", "1295847317", 769500, 809500, true },
        { "Capitol Cell Processing Laboratory", "1963574029", 34200, 74200, true },
        { "Hill Country Surgery Center", "1842037511", 125000, 165000, false },
    };
    for (int i = 0; i < 3; i++) {
        cJSON *p = cJSON_GetArrayItem(provs, i);
        cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring, want[i].name);
        cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(p, "npi")->valuestring, want[i].npi);
        cr_assert_eq(cJSON_GetObjectItemCaseSensitive(p, "total_cents")->valuedouble, want[i].total);
        cr_assert_eq(cJSON_GetObjectItemCaseSensitive(p, "dispute_threshold_cents")->valuedouble, want[i].threshold);
        cr_assert_eq(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "clinic_collects")), want[i].collects);
        /* its lines' amounts, less their savings, plus tax, are its total */
        double sum = 0;
        cJSON *ix;
        cJSON_ArrayForEach(ix, cJSON_GetObjectItemCaseSensitive(p, "lines"))
        {
            cJSON *l = cJSON_GetArrayItem(lines, ix->valueint);
            cr_assert_eq(cJSON_GetObjectItemCaseSensitive(l, "provider")->valueint, i);
            sum += cJSON_GetObjectItemCaseSensitive(l, "amount_cents")->valuedouble;
            cJSON *sv = cJSON_GetObjectItemCaseSensitive(l, "savings_cents");
            if (sv)
                sum -= sv->valuedouble;
        }
        cr_assert_eq(sum, want[i].total, "provider %d", i);
    }
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(q, "total_cents")->valuedouble, 803700);
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(q, "direct_cents")->valuedouble, 125000);
    cJSON_Delete(q);
    free(out); free(err);
    /* the text names each group with its estimate and threshold */
    cr_assert_eq(run("price examples/three-providers.json", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Capitol Cell Processing Laboratory (facility, NPI 1963574029, TIN 74-6193058)"), "%s", out);
    cr_assert(strstr(out, "estimate 342.00; dispute process if billed 742.00 or more"), "%s", out);
    free(out); free(err);
}

Test(cli, options_apply_on_top_of_a_request)
{
    char *out, *err;
    cr_assert_eq(run("price examples/adipose-two-knees.json --area left-ankle --format json", &out, &err), 0,
                 "%s", err);
    cJSON *q = cJSON_Parse(out);
    /* three areas now: 150 + 2,900 + 3,600 + 3 x (1,500 + 200) */
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(q, "total_cents")->valuedouble, 15000 + 290000 + 360000 + 3 * 170000);
    cJSON_Delete(q);
    free(out); free(err);
}

Test(cli, bad_request_names_file_line_and_field)
{
    char *dir = th_tmpdir(), path[300], cmd[600];
    snprintf(path, sizeof path, "%s/req.json", dir);
    th_write(path, "{\n  \"cell_source\": \"bone-marrow\",\n  \"areas\": [\"left-knee\", \"left-kne\"]\n}\n");
    char *out, *err;
    snprintf(cmd, sizeof cmd, "price %s", path);
    cr_assert_eq(run(cmd, &out, &err), 1);
    char want[400];
    snprintf(want, sizeof want,
             "regenquote: %s:3:26: areas[1]: unknown treatment area 'left-kne'; did you mean 'left-knee'?\n", path);
    cr_assert_str_eq(err, want);
    cr_assert_str_eq(out, "");
    free(out); free(err);

    th_write(path, "{ \"cell_source\": \"bone-marrow\", \"areas\": [\"left-knee\"], \"sesions\": 2 }");
    cr_assert_eq(run(cmd, &out, &err), 1);
    cr_assert(strstr(err, "req.json:1:68: sesions: unknown key; did you mean 'sessions'?"), "%s", err);
    free(out); free(err);

    th_write(path, "{ \"cell_source\": \"bone-marrow\", \"areas\": [\"left-knee\"] } trailing");
    cr_assert_eq(run(cmd, &out, &err), 1);
    cr_assert(strstr(err, "req.json:1:58: JSON syntax error"), "%s", err);
    cr_assert_eq(lines_in(err), 1, "one line: %s", err);
    free(out); free(err);

    snprintf(cmd, sizeof cmd, "price %s/missing.json", dir);
    cr_assert_eq(run(cmd, &out, &err), 1);
    cr_assert(strstr(err, "missing.json: cannot open: No such file or directory"), "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(cli, output_file_is_private_and_only_written_on_success)
{
    char *dir = th_tmpdir(), cmd[600], path[300];
    snprintf(path, sizeof path, "%s/q.json", dir);
    snprintf(cmd, sizeof cmd, "price examples/cord-tissue-prp-booster.json --format json -o %s", path);
    char *out, *err;
    cr_assert_eq(run(cmd, &out, &err), 0, "%s", err);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    free(out); free(err);
    snprintf(path, sizeof path, "%s/bad.json", dir);
    snprintf(cmd, sizeof cmd, "price --source embryonic --area left-knee -o %s", path);
    cr_assert_eq(run(cmd, &out, &err), 1);
    cr_assert_neq(stat(path, &st), 0, "no file is left after an error");
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    cr_assert_str_eq(out, "1\n", "no temporary files left behind");
    free(out);
    th_rmtree(dir);
    free(dir);
}

Test(cli, validate_sample_tables)
{
    char *out, *err;
    cr_assert_eq(run("validate", &out, &err), 0, "%s%s", out, err);
    cr_assert(strstr(out, "pricing: OK (version 2026.11-1"), "%s", out);
    free(out); free(err);
    cr_assert_eq(run("validate pricing/catalog.json", &out, &err), 0, "%s%s", out, err);
    free(out); free(err);
    cr_assert_eq(run("validate pricing/clinic.json", &out, &err), 0, "%s%s", out, err);
    free(out); free(err);
}

Test(cli, validate_lists_every_problem_with_file_line_and_field)
{
    char *dir = th_tmpdir();
    cr_assert_eq(th_tables_with(dir, "catalog.json", "\"price\": \"45.00\"", "\"prcie\": \"45.0001\""), 0);
    char p[300], text_path[300];
    snprintf(text_path, sizeof text_path, "%s/catalog.json", dir);
    char *text = th_read(text_path, NULL);
    /* a second mistake in the same file: an unknown phase */
    char *at = strstr(text, "\"phase\": \"after\"");
    memcpy(at, "\"phase\": \"later\"", 16);
    th_write(text_path, text);
    free(text);
    snprintf(p, sizeof p, "validate %s", dir);
    char *out, *err;
    cr_assert_eq(run(p, &out, &err), 1);
    cr_assert(strstr(out, "items[3].prcie: unknown key; did you mean 'price'?"), "%s", out);
    cr_assert(strstr(out, "items[3].price: is missing; it is required"), "%s", out);
    cr_assert(strstr(out, "items[20].phase: 'later' is not a phase"), "%s", out);
    /* every line is file:line:col: path: message */
    for (char *line = out; *line;) {
        char *nl = strchr(line, '\n');
        cr_assert(strncmp(line, dir, strlen(dir)) == 0, "line: %.*s", (int)(nl - line), line);
        int l, c;
        cr_assert_eq(sscanf(line + strlen(dir), "/catalog.json:%d:%d:", &l, &c), 2);
        line = nl + 1;
    }
    cr_assert(strstr(err, "3 errors, 0 warnings"), "%s", err);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(cli, catalog_lists_ids)
{
    char *out, *err;
    cr_assert_eq(run("catalog", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "left-plantar-fascia"));
    cr_assert(strstr(out, "embryonic") && strstr(out, "research only, never quoted"));
    cr_assert(strstr(out, "military") && strstr(out, "reason required"));
    free(out); free(err);
}

Test(cli, catalog_as_json_has_ids_prices_in_force_and_languages)
{
    char *out, *err;
    cr_assert_eq(run("catalog --format json", &out, &err), 0, "%s", err);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "not JSON: %s", out);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "price_table");
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(t, "prices_on")->valuestring, "2026-11-23");
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "today")->valuestring, "2026-11-23");
    bool area = false, research = false, reason = false;
    cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "areas"))
        area |= !strcmp(cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring, "left-plantar-fascia");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "sources"))
        if (!strcmp(cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring, "embryonic"))
            research = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "research_only"));
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "discounts"))
        if (!strcmp(cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring, "military"))
            reason = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "requires_reason"));
    cr_assert(area && research && reason, "%s", out);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "languages")), 2);
    cJSON_Delete(j);
    free(out); free(err);

    /* one document on one line; names in Spanish on request */
    cr_assert_eq(run("catalog --format json --lang es", &out, &err), 0, "%s", err);
    cr_assert_eq(lines_in(out), 1);
    cr_assert(strstr(out, "\"name\":\"Rodilla izquierda\""), "%s", out);
    free(out); free(err);

    /* prices in force on the day: after the scheduled change of 2027-03-01 */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=1804032000 %s catalog --format json", th_bin()); /* 2027-03-03 */
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    j = cJSON_Parse(out);
    cr_assert_not_null(j, "not JSON: %s", out);
    t = cJSON_GetObjectItemCaseSensitive(j, "price_table");
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(t, "version")->valuestring, "2027.03-1");
    double package = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "packages"))
        if (!strcmp(cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring, "bone-marrow-one-area"))
            package = cJSON_GetObjectItemCaseSensitive(e, "price_cents")->valuedouble;
    cr_assert_eq(package, 765000.0);
    cJSON_Delete(j);
    free(out); free(err);

    cr_assert_eq(run("catalog --format xml", &out, &err), 2);
    cr_assert(strstr(err, "unknown format 'xml'; expected text or json"), "%s", err);
    free(out); free(err);
    cr_assert_eq(run("catalog --lang fr", &out, &err), 2);
    free(out); free(err);
}

Test(cli, bad_source_date_epoch_is_a_usage_error)
{
    char *out, *err, cmd[300];
    snprintf(cmd, sizeof cmd, "SOURCE_DATE_EPOCH=yesterday %s price examples/adipose-two-knees.json", th_bin());
    cr_assert_eq(th_run(cmd, &out, &err), 2);
    cr_assert(strstr(err, "SOURCE_DATE_EPOCH 'yesterday' is not a Unix time"), "%s", err);
    free(out); free(err);
}

Test(cli, every_example_prices)
{
    static const char *const ex[] = { "adipose-two-knees", "bone-marrow-one-ankle", "cord-tissue-prp-booster",
                                      "package-with-discount", "primers-booster-orthotics-pt",
                                      "three-sessions-banked" };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        char cmd[300], *out, *err;
        snprintf(cmd, sizeof cmd, "price examples/%s.json", ex[i]);
        cr_assert_eq(run(cmd, &out, &err), 0, "%s: %s", ex[i], err);
        cr_assert(strstr(out, "TOTAL YOU PAY"), "%s", ex[i]);
        free(out); free(err);
    }
}

Test(cli, a_spanish_quote_speaks_spanish_on_paper_and_english_on_screen)
{
    char *dir = th_tmpdir(), cmd[1200], *out, *err;
    snprintf(cmd, sizeof cmd, "price examples/cord-tissue-prp-booster.json --format pdf -o %s/q.pdf", dir);
    cr_assert_eq(run(cmd, &out, &err), 0, "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "pdftotext -layout %s/q.pdf - 2>/dev/null", dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    /* the price tables' Spanish texts and the engine's Spanish words */
    cr_assert(strstr(out, "Inyección del concentrado celular en una zona de tratamiento"), "%s", out);
    cr_assert(strstr(out, "Día del procedimiento"), "%s", out);
    cr_assert(strstr(out, "Tendón de Aquiles derecho"), "%s", out);
    cr_assert(strstr(out, "Refuerzo de PRP"), "%s", out);
    cr_assert_null(strstr(out, "Injection of the cell concentrate"), "no English item text left");
    cr_assert_null(strstr(out, "Procedure day"), "no English visit label left");
    free(out);
    cr_assert_eq(run("price examples/cord-tissue-prp-booster.json --format json", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "\"Descongelación y preparación del producto celular donado\""), "%s", out);
    free(out); free(err);
    /* staff read the screen table in English */
    cr_assert_eq(run("price examples/cord-tissue-prp-booster.json", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Thawing and preparation of the donated cell"), "%s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}
