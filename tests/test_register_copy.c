/* `regenquote register copy`: a whole register moved SQLite → PostgreSQL →
 * SQLite and reprinted byte for byte; re-runs and resumed runs copy only
 * what is missing; a target with other quotes is refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "register.h"

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 " /* 2026-11-23 */

/* Run regenquote with args; returns the exit status. */
static int rq(const char *args, char **out, char **err)
{
    char cmd[6000];
    snprintf(cmd, sizeof cmd, DAY0 "%s %s", th_bin(), args);
    return th_run(cmd, out, err);
}

static void ok(const char *args, char **out)
{
    char *o, *e;
    int st = rq(args, &o, &e);
    cr_assert_eq(st, 0, "%s: %s", args, e);
    free(e);
    if (out)
        *out = o;
    else
        free(o);
}

/* A PostgreSQL database for this test, or skip/fail (th_pg_missing). */
static void fresh_pg(char *loc, size_t size)
{
    if (!th_pg_available()) {
        if (!strcmp(th_pg_missing(), "fail"))
            cr_assert_fail("no PostgreSQL server for the tests: run them with 'make test'");
        criterion_skip_test("no PostgreSQL server (make test starts one with scripts/pg-test.sh)");
    }
    cr_assert_eq(th_pg_fresh(loc, size), 0);
}

/* Issue the examples (and a revision and a void) into reg, PDFs in out. */
static void fill(const char *reg, const char *out)
{
    static const char *const examples[] = { "bone-marrow-one-ankle", "adipose-two-knees", "cord-tissue-prp-booster",
                                            "three-sessions-banked" };
    char args[2000];
    snprintf(args, sizeof args, "init --register '%s'", reg);
    ok(args, NULL);
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++) {
        snprintf(args, sizeof args, "quote examples/%s.json --register '%s' --out-dir %s --desk desk-%zu",
                 examples[i], reg, out, i % 2);
        ok(args, NULL);
    }
    snprintf(args, sizeof args, "revise Q-2026-000001 --add prp-booster --register '%s' --out-dir %s", reg,
             out);
    ok(args, NULL);
    snprintf(args, sizeof args, "void Q-2026-000003 --reason 'Patient chose another clinic' --register '%s'", reg);
    ok(args, NULL);
    snprintf(args, sizeof args, "accept Q-2026-000004 --register '%s'", reg);
    ok(args, NULL);
}

/* `list --format json` and each quote's `show` of reg, as one text. */
static char *views(const char *reg, int n)
{
    char args[2000], *all, *o;
    snprintf(args, sizeof args, "list --format json --register '%s'", reg);
    ok(args, &all);
    for (int i = 1; i <= n; i++) {
        snprintf(args, sizeof args, "show Q-2026-%06d --register '%s'", i, reg);
        ok(args, &o);
        char *both = malloc(strlen(all) + strlen(o) + 1);
        strcpy(both, all);
        strcat(both, o);
        free(all);
        free(o);
        all = both;
    }
    return all;
}

/* Reprint every quote of reg into dir2 and compare with the first PDFs. */
static void reprints_match(const char *reg, const char *first, const char *dir2, int n)
{
    for (int i = 1; i <= n; i++) {
        char args[2000], a[800], b[800];
        snprintf(b, sizeof b, "%s/Q-2026-%06d.pdf", dir2, i);
        snprintf(a, sizeof a, "%s/Q-2026-%06d.pdf", first, i);
        snprintf(args, sizeof args, "reprint Q-2026-%06d -o %s --register '%s'", i, b, reg);
        ok(args, NULL);
        size_t la, lb;
        char *pa = th_read(a, &la), *pb = th_read(b, &lb);
        cr_assert(pa && pb);
        cr_assert(la == lb && !memcmp(pa, pb, la), "Q-2026-%06d reprints byte for byte after two copies", i);
        free(pa);
        free(pb);
    }
}

Test(reg_copy, sqlite_to_postgresql_to_sqlite_reprints_every_pdf_byte_for_byte, .timeout = 120)
{
    char *dir = th_tmpdir(), a[700], b[700], out[700], re[700], pg[700], args[3000], *o, *e;
    snprintf(a, sizeof a, "%s/a.db", dir);
    snprintf(b, sizeof b, "%s/b.db", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(re, sizeof re, "%s/reprinted", dir);
    fresh_pg(pg, sizeof pg);
    fill(a, out);
    cr_assert_eq(mkdir(re, 0700), 0);
    /* the history of the register itself goes along: a pattern change */
    snprintf(args, sizeof args, "quote examples/package-with-discount.json --register '%s' --out-dir %s"
             " --number-pattern 'Q-{year}-{seq:6}'", a, out);
    ok(args, NULL);
    enum { N = 6 };

    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, pg);
    ok(args, &o);
    cr_assert(strstr(o, "6 quotes (6 copied now, 0 already there)"), "%s", o);
    cr_assert(strstr(o, "6 PDFs verified by SHA-256"), "%s", o);
    free(o);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", pg, b);
    ok(args, &o);
    cr_assert(strstr(o, "6 quotes (6 copied now, 0 already there)"), "%s", o);
    free(o);

    reprints_match(b, out, re, N);
    reprints_match(pg, out, re, N);
    char *va = views(a, N), *vp = views(pg, N), *vb = views(b, N);
    cr_assert_str_eq(vp, va, "PostgreSQL shows what SQLite showed: statuses, history, location, desk");
    cr_assert_str_eq(vb, va, "and so does the SQLite copy of it");
    free(va);
    free(vp);
    free(vb);

    /* numbering goes on where the source stood, without a gap */
    snprintf(args, sizeof args, "quote examples/bone-marrow-one-ankle.json --register '%s' --out-dir %s", pg, re);
    ok(args, &o);
    cr_assert(!strncmp(o, "Q-2026-000007 ", 14), "%s", o);
    free(o);

    /* and the password of a locator is never repeated */
    snprintf(args, sizeof args, "register copy --from '%s' --to 'postgresql://rq:s3cret-pw@%s'", a, "/nowhere");
    cr_assert_eq(rq(args, &o, &e), 1);
    cr_assert_null(strstr(e, "s3cret-pw"), "%s", e);
    free(o);
    free(e);
    th_rmtree(dir);
    free(dir);
}

Test(reg_copy, a_rerun_or_a_resumed_copy_adds_only_what_is_missing, .timeout = 120)
{
    char *dir = th_tmpdir(), a[700], out[700], pg[700], args[3000], *o, *e;
    snprintf(a, sizeof a, "%s/a.db", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    fresh_pg(pg, sizeof pg);
    fill(a, out);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, pg);
    ok(args, NULL);
    ok(args, &o);
    cr_assert(strstr(o, "5 quotes (0 copied now, 5 already there), 1 price tables, 0 history events added"), "%s", o);
    free(o);
    /* the source goes on: a new quote, a void of a copied one */
    snprintf(args, sizeof args, "quote examples/adipose-two-knees.json --register '%s' --out-dir %s", a, out);
    ok(args, NULL);
    snprintf(args, sizeof args, "void Q-2026-000004 --reason 'changed mind' --register '%s'", a);
    ok(args, NULL);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, pg);
    ok(args, &o);
    cr_assert(strstr(o, "6 quotes (1 copied now, 5 already there)"), "%s", o);
    cr_assert(strstr(o, "2 history events added"), "the void and the new quote's issue: %s", o);
    free(o);
    snprintf(args, sizeof args, "show Q-2026-000004 --register '%s'", pg);
    ok(args, &o);
    cr_assert(strstr(o, "Status        void"), "%s", o);
    free(o);

    /* a register with other quotes is not a target */
    char other[700];
    snprintf(other, sizeof other, "%s/other.db", dir);
    snprintf(args, sizeof args, "init --register '%s'", other);
    ok(args, NULL);
    snprintf(args, sizeof args, "quote examples/adipose-two-knees.json --register '%s' --out-dir %s/o2", other, dir);
    ok(args, NULL);
    snprintf(args, sizeof args, "quote examples/adipose-two-knees.json --register '%s' --out-dir %s/o2", other, dir);
    ok(args, NULL);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", pg, other);
    cr_assert_eq(rq(args, &o, &e), 1);
    cr_assert(strstr(e, "quote Q-2026-000001 is already in the target register and differs from the source's"), "%s", e);
    free(o);
    free(e);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", other, pg);
    cr_assert_eq(rq(args, &o, &e), 1);
    cr_assert(strstr(e, "already holds quote Q-2026-000003, which the source does not"), "%s", e);
    free(o);
    free(e);
    char empty[700];
    snprintf(empty, sizeof empty, "%s/empty.db", dir);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", empty, pg);
    cr_assert_eq(rq(args, &o, &e), 1);
    cr_assert(strstr(e, "there is no register here; check --from"), "%s", e);
    free(o);
    free(e);
    snprintf(args, sizeof args, "register copy --from '%s'", a);
    cr_assert_eq(rq(args, &o, &e), 2);
    cr_assert(strstr(e, "give both registers: --from FROM --to TO"), "%s", e);
    free(o);
    free(e);
    th_rmtree(dir);
    free(dir);
}

Test(reg_copy, a_target_with_quotes_the_source_lacks_is_refused)
{
    char *dir = th_tmpdir(), a[700], b[700], args[3000], *o, *e;
    snprintf(a, sizeof a, "%s/a.db", dir);
    snprintf(b, sizeof b, "%s/b.db", dir);
    snprintf(args, sizeof args, "init --register '%s'", a);
    ok(args, NULL);
    snprintf(args, sizeof args, "init --register '%s'", b);
    ok(args, NULL);
    snprintf(args, sizeof args, "quote examples/adipose-two-knees.json --register '%s' --out-dir %s/o1", a, dir);
    ok(args, NULL);
    snprintf(args, sizeof args, "quote examples/adipose-two-knees.json --register '%s' --out-dir %s/o2", b, dir);
    ok(args, NULL);
    ok(args, NULL);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, b);
    cr_assert_eq(rq(args, &o, &e), 1);
    char want[1200];
    snprintf(want, sizeof want,
             "regenquote: %s: the target register already holds quote Q-2026-000002, which the source does not;"
             " copy into an empty register\n", b);
    cr_assert_str_eq(e, want);
    free(o);
    free(e);
    th_rmtree(dir);
    free(dir);
}
