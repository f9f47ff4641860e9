/* regenquote prices sheet: the front desk's price list as a PDF. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 "

static char *sheet_text(const char *dir, const char *args, const char *name)
{
    char cmd[1200], *out, *err;
    snprintf(cmd, sizeof cmd, DAY0 "%s prices sheet -o %s/%s %s", th_bin(), dir, name, args);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "pdftotext -layout %s/%s - 2>/dev/null", dir, name);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    return out;
}

Test(sheet, lists_prices_in_force_packages_and_discounts)
{
    char *dir = th_tmpdir();
    char *t = sheet_text(dir, "", "en.pdf");
    cr_assert(strstr(t, "Price list"), "%s", t);
    cr_assert(strstr(t, "Prices in force on November 23, 2026"), "%s", t);
    cr_assert(strstr(t, "Same-day concentration of your bone marrow cells"), "%s", t);
    cr_assert(strstr(t, "$3,200.00"), "the BMAC price before the scheduled change: %s", t);
    cr_assert(strstr(t, "$45.00 *"), "may be billable is marked: %s", t);
    cr_assert(strstr(t, "the package saves $900.00"), "%s", t);
    cr_assert(strstr(t, "a reason is required"), "%s", t);
    cr_assert(strstr(t, "not covered by insurance"), "%s", t);
    cr_assert(strstr(t, "Page 1 of 2") && strstr(t, "Page 2 of 2"), "%s", t);
    free(t);
    /* the scheduled change of 2027-03-01 */
    t = sheet_text(dir, "--on 2027-03-01", "later.pdf");
    cr_assert(strstr(t, "$3,350.00"), "%s", t);
    cr_assert(strstr(t, "Price table 2027.03-1"), "%s", t);
    free(t);
    th_rmtree(dir);
    free(dir);
}

Test(sheet, in_spanish_and_reproducible)
{
    char *dir = th_tmpdir();
    char *t = sheet_text(dir, "--lang es", "a.pdf");
    cr_assert(strstr(t, "Lista de precios"), "%s", t);
    cr_assert(strstr(t, "Precios vigentes el 23 de noviembre de 2026"), "%s", t);
    cr_assert(strstr(t, "Concentración de sus células de médula ósea"), "%s", t);
    cr_assert(strstr(t, "Página 1 de 2"), "%s", t);
    free(t);
    free(sheet_text(dir, "--lang es", "b.pdf"));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cmp %s/a.pdf %s/b.pdf", dir, dir);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0, "same inputs, same bytes");
    th_rmtree(dir);
    free(dir);
}

Test(sheet, a_missing_template_is_named_and_nothing_is_written)
{
    char *dir = th_tmpdir(), cmd[1200], *out, *err;
    snprintf(cmd, sizeof cmd, "mkdir -p %s/t/en && " DAY0 "%s prices sheet --templates %s/t -o %s/x.pdf", dir,
             th_bin(), dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 1);
    cr_assert(strstr(err, "sheet.txt"), "%s", err);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "test -e %s/x.pdf", dir);
    cr_assert_neq(th_run(cmd, NULL, NULL), 0, "no file left");
    snprintf(cmd, sizeof cmd, DAY0 "%s prices sheet --lang fr", th_bin());
    cr_assert_eq(th_run(cmd, NULL, &err), 2);
    cr_assert(strstr(err, "'fr' is not a supported language"), "%s", err);
    free(err);
    th_rmtree(dir);
    free(dir);
}
