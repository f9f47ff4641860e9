/* Templates: the engine's words built into the program, placeholder
 * expansion from name/value pairs, and a document's date and money words. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "template.h"

Test(template, builtin_engine_words_are_the_files_in_templates)
{
    static const char *const langs[] = { "en", "es" };
    for (size_t k = 0; k < 2; k++) {
        struct template disk, built;
        struct diag_list dl = { 0 };
        cr_assert_eq(template_load(&disk, "templates", langs[k], "engine.txt", &dl), 0, "%s", th_diags(&dl));
        cr_assert_eq(template_load_builtin(&built, langs[k], "engine.txt", &dl), 0, "%s", th_diags(&dl));
        cr_assert_eq(built.n, disk.n, "rebuild after editing templates/%s/engine.txt", langs[k]);
        for (size_t i = 0; i < disk.n; i++)
            cr_assert_str_eq(template_get(&built, disk.v[i].key), disk.v[i].value, "%s", disk.v[i].key);
        char want[64];
        snprintf(want, sizeof want, "templates/%s/engine.txt (built in)", langs[k]);
        cr_assert_str_eq(built.file, want);
        template_free(&disk);
        template_free(&built);
        diag_list_free(&dl);
    }
}

Test(template, builtin_falls_back_to_english)
{
    struct template t;
    struct diag_list dl = { 0 };
    cr_assert_eq(template_load_builtin(&t, "fr", "engine.txt", &dl), 0, "%s", th_diags(&dl));
    cr_assert_str_eq(t.file, "templates/en/engine.txt (built in)");
    cr_assert_str_eq(template_get(&t, "visit.procedure"), "Procedure day");
    template_free(&t);
    cr_assert_neq(template_load_builtin(&t, "en", "no-such.txt", &dl), 0);
    cr_assert_eq(dl.errors, 1);
    template_free(&t);
    diag_list_free(&dl);
}

Test(template, expand_pairs_fills_placeholders_and_names_what_is_wrong)
{
    struct template t;
    struct diag_list dl = { 0 };
    cr_assert_eq(template_load_builtin(&t, "es", "engine.txt", &dl), 0);
    char *s = template_expand_pairs(&t, &dl, "discount.percent_capped", "name", "Militar", "percent", "10%",
                                    "base", "$2,000.00", "cap", "$150.00", NULL);
    cr_assert_str_eq(s, "Militar (10% de $2,000.00, con un máximo de $150.00)");
    free(s);
    cr_assert_null(template_expand_pairs(&t, &dl, "visit.repeat", "count", "2", NULL));
    cr_assert(strstr(dl.v[0].msg, "unknown placeholder '{session}'"), "%s", dl.v[0].msg);
    cr_assert_null(template_expand_pairs(&t, &dl, "no.such.key", NULL));
    cr_assert_eq(dl.errors, 2);
    template_free(&t);
    diag_list_free(&dl);
}

/* A template file LANG/doc.txt under a new temp dir with the given text. */
static char *template_dir(const char *text)
{
    char *dir = th_tmpdir(), path[300];
    snprintf(path, sizeof path, "%s/xx", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/xx/doc.txt", dir);
    cr_assert_eq(th_write(path, text), 0);
    return dir;
}

Test(template, words_read_months_and_money_once_for_a_document)
{
    char *dir = template_dir("date.months = jan , feb, mar, apr, may, jun, jul, aug, sep, oct, nov,\n"
                             "  dec\n"
                             "date.long = {day}. {month} {year}\n"
                             "money.symbol = EUR \n"
                             "money.decimal = ,\n"
                             "money.group = .\n"
                             "greeting = {who} owes {amount}\n");
    struct template t;
    struct template_words w;
    struct diag_list dl = { 0 };
    cr_assert_eq(template_load(&t, dir, "xx", "doc.txt", &dl), 0, "%s", th_diags(&dl));
    cr_assert_eq(template_words_init(&w, &t, &dl), 0, "%s", th_diags(&dl));
    cr_assert_str_eq(w.months[0], "jan", "names are trimmed");
    cr_assert_str_eq(template_words_date(&w, date_from_ymd(2027, 12, 3)), "3. dec 2027");
    cr_assert_str_eq(template_words_money(&w, 123456, true), "EUR1.234,56");
    cr_assert_str_eq(template_words_money(&w, -5, false), "-0,05");
    cr_assert_str_eq(template_words_expand(&w, "greeting", "who", "Ana", "amount", "x", NULL), "Ana owes x");
    cr_assert_str_eq(template_words_get(&w, "missing"), "");
    cr_assert_str_eq(template_words_expand(&w, "missing", NULL), "");
    cr_assert(w.failed, "a failed expansion is remembered");
    template_words_free(&w);
    template_free(&t);
    diag_list_free(&dl);
    th_rmtree(dir);
    free(dir);
}

Test(template, words_refuse_eleven_months_and_ambiguous_separators)
{
    static const char *const bad[] = {
        "date.months = a, b, c, d, e, f, g, h, i, j, k\nmoney.decimal = .\nmoney.group = ,\n",
        "date.months = a, b, c, d, e, f, g, h, i, j, k, l\nmoney.decimal = .\nmoney.group = .\n",
        "date.months = a, b, c, d, e, f, g, h, i, j, k, l\nmoney.decimal =\nmoney.group = ,\n",
    };
    static const char *const key[] = { "date.months", "money.decimal", "money.decimal" };
    for (size_t i = 0; i < 3; i++) {
        char *dir = template_dir(bad[i]);
        struct template t;
        struct template_words w;
        struct diag_list dl = { 0 };
        cr_assert_eq(template_load(&t, dir, "xx", "doc.txt", &dl), 0, "%s", th_diags(&dl));
        cr_assert_neq(template_words_init(&w, &t, &dl), 0, "%s", bad[i]);
        cr_assert_str_eq(dl.v[0].path, key[i]);
        cr_assert(strstr(dl.v[0].file, "xx/doc.txt"));
        template_words_free(&w);
        template_free(&t);
        diag_list_free(&dl);
        th_rmtree(dir);
        free(dir);
    }
}
