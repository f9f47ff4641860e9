/* `regenquote register copy`: a whole register moved SQLite → PostgreSQL →
 * SQLite and reprinted byte for byte, with its staff accounts (who sign in
 * with their old passwords), final bills and explanations, signed
 * acceptances, deliveries and e-mail consents; re-runs and resumed runs
 * copy only what is missing; a target with other quotes, or with a record
 * that differs from the source's, is refused. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "accounts.h"
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

/* ---- everything else a register holds ------------------------------------ */

/* Run regenquote with the text of input on standard input. */
static void ok_in(const char *input, const char *args)
{
    char cmd[6000], *o, *e;
    snprintf(cmd, sizeof cmd, "printf '%%s\\n' '%s' | " DAY0 "%s %s", input, th_bin(), args);
    int st = th_run(cmd, &o, &e);
    cr_assert_eq(st, 0, "%s: %s", args, e);
    free(o);
    free(e);
}

/* A small PNG signature at path. */
static void make_png(const char *path)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import zlib,struct\n"
             "w,h=40,12\n"
             "raw=b''.join(b'\\\\x00'+b''.join((b'\\\\x10\\\\x10\\\\x60\\\\xff' if (x+y)%%7==0 else b'\\\\x00\\\\x00\\\\x00\\\\x00') for x in range(w)) for y in range(h))\n"
             "c=lambda t,d: struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)&0xffffffff)\n"
             "open('%s','wb').write(b'\\\\x89PNG\\\\r\\\\n\\\\x1a\\\\n'+c(b'IHDR',struct.pack('>IIBBBBB',w,h,8,6,0,0,0))+c(b'IDAT',zlib.compress(raw))+c(b'IEND',b''))\"",
             path);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0, "python3 png");
}

/* A register at reg (PDFs in out, files in dir) with all it can hold: five
 * quotes (a revision, a void), two accounts (max disabled), four bills (the
 * third corrects the first; the fourth, given for the revised quote,
 * attached to its revision), an explanation, a signed acceptance, two
 * deliveries and an e-mail consent. */
static void fill_all(const char *dir, const char *reg, const char *out)
{
    static const char *const examples[] = { "bone-marrow-one-ankle", "adipose-two-knees", "cord-tissue-prp-booster",
                                            "three-sessions-banked" };
    char args[2000], path[800];
    snprintf(args, sizeof args, "init --register '%s'", reg);
    ok(args, NULL);
    for (size_t i = 0; i < 4; i++) {
        snprintf(args, sizeof args, "quote examples/%s.json --register '%s' --out-dir %s", examples[i], reg, out);
        ok(args, NULL);
    }
    snprintf(args, sizeof args, "revise Q-2026-000001 --add prp-booster --register '%s' --out-dir %s", reg, out);
    ok(args, NULL);
    snprintf(args, sizeof args, "void Q-2026-000003 --reason 'Patient chose another clinic' --register '%s'", reg);
    ok(args, NULL);
    snprintf(args, sizeof args, "user add ana --role front-desk --register '%s'", reg);
    ok_in("ana-password-1", args);
    snprintf(args, sizeof args, "user add max --role manager --register '%s'", reg);
    ok_in("max-password-1", args);
    snprintf(args, sizeof args, "user disable max --register '%s'", reg);
    ok(args, NULL);
    snprintf(args, sizeof args, "bill add Q-2026-000002 examples/bills/adipose-two-knees.csv --register '%s'", reg);
    ok(args, NULL);
    snprintf(args, sizeof args, "bill add Q-2026-000004 examples/bills/three-sessions-banked.csv --register '%s'", reg);
    ok(args, NULL);
    snprintf(path, sizeof path, "%s/corrected.csv", dir);
    snprintf(args, sizeof args, "sed 's/,1,150.00$/,1,175.00/' examples/bills/adipose-two-knees.csv > %s", path);
    cr_assert_eq(th_run(args, NULL, NULL), 0);
    snprintf(args, sizeof args, "bill add Q-2026-000002 %s --corrects 1 --register '%s'", path, reg);
    ok(args, NULL);
    snprintf(args, sizeof args, "bill add Q-2026-000001 examples/bills/bone-marrow-one-ankle.json --register '%s'", reg);
    ok(args, NULL);
    snprintf(args, sizeof args, "bill explain Q-2026-000002 --line 2 --text 'The radiologist read two MRIs' --register '%s'",
             reg);
    ok(args, NULL);
    snprintf(path, sizeof path, "%s/sig.png", dir);
    make_png(path);
    snprintf(args, sizeof args, "accept Q-2026-000002 --signature %s --signer 'Zoë O'\"'\"'Brien' --register '%s'", path,
             reg);
    ok(args, NULL);
    snprintf(args, sizeof args, "deliver Q-2026-000002 --how paper --register '%s'", reg);
    ok(args, NULL);
    snprintf(args, sizeof args, "deliver Q-2026-000005 --how download --register '%s'", reg);
    ok(args, NULL);
    snprintf(args, sizeof args, "consent Q-2026-000002 --email zoe@example.org --register '%s'", reg);
    ok(args, NULL);
}

/* What a person sees of reg beside the quotes: the accounts, the bills'
 * comparisons (text and JSON), the audit trail's verdict. */
static char *more_views(const char *reg)
{
    static const char *const cmds[] = { "user list --format json", "bill check Q-2026-000002",
                                        "bill check Q-2026-000002 --format json", "bill check Q-2026-000004",
                                        "bill check Q-2026-000005 --format json" };
    size_t cap = 1, len = 0;
    char *all = calloc(1, 1), args[2000];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char *o, *e;
        snprintf(args, sizeof args, "%s --register '%s'", cmds[i], reg);
        int st = rq(args, &o, &e);
        cr_assert(st == 0 || (st == 1 && !strncmp(cmds[i], "bill check", 10)), "%s: %d %s", args, st, e);
        size_t n = strlen(o);
        all = realloc(all, cap += n);
        memcpy(all + len, o, n + 1);
        len += n;
        free(o);
        free(e);
    }
    return all;
}

/* The accepted copy of Q-2026-000002 from reg, as bytes. */
static char *accepted_copy(const char *reg, const char *file, size_t *len)
{
    char args[2000];
    snprintf(args, sizeof args, "reprint Q-2026-000002 --accepted -o %s --register '%s'", file, reg);
    ok(args, NULL);
    char *b = th_read(file, len);
    cr_assert_not_null(b);
    return b;
}

/* Through the library: ana signs in with her old password, max (disabled)
 * and a wrong password do not; the deliveries and the consent are there. */
static void accounts_and_patient_side_work(const char *reg)
{
    struct reg *r = NULL;
    struct diag_list dl = { 0 };
    cr_assert_eq(register_open(&r, reg, &dl), 0);
    struct login_outcome lo;
    cr_assert_eq(accounts_login(r, "ana", "ana-password-1", "test", (int64_t)time(NULL), &lo, &dl), 0);
    cr_assert_eq(lo.result, LOGIN_OK, "ana signs in on %s with the password she had", reg);
    cr_assert_eq(lo.role, ROLE_FRONT_DESK);
    cr_assert_eq(accounts_login(r, "ana", "not-her-password", "test", (int64_t)time(NULL), &lo, &dl), 0);
    cr_assert_eq(lo.result, LOGIN_REFUSED);
    cr_assert_eq(accounts_login(r, "max", "max-password-1", "test", (int64_t)time(NULL), &lo, &dl), 0);
    cr_assert_eq(lo.result, LOGIN_REFUSED, "max stays disabled");
    struct reg_delivery *d;
    size_t n;
    cr_assert_eq(register_deliveries(r, "Q-2026-000005", &d, &n, &dl), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(d[0].how, "download");
    reg_deliveries_free(d, n);
    cr_assert_eq(register_email_consent(r, "Q-2026-000002", "zoe@example.org", &dl), 0, "the consent is there");
    cr_assert_eq(register_email_consent(r, "Q-2026-000004", "zoe@example.org", &dl), 1);
    register_close(r);
    diag_list_free(&dl);
}

#define ALL_COPIED                                                                                             \
    "2 accounts (2 copied now), 4 bills (4), 1 bill explanations (1), 1 signed acceptances (1), 2 delivery "     \
    "records (2), 1 e-mail consents (1); sign-in sessions are not copied\n"
#define NOTHING_COPIED                                                                                         \
    "2 accounts (0 copied now), 4 bills (0), 1 bill explanations (0), 1 signed acceptances (0), 2 delivery "     \
    "records (0), 1 e-mail consents (0); sign-in sessions are not copied\n"

Test(reg_copy, accounts_bills_acceptances_deliveries_and_consents_go_there_and_back)
{
    char *dir = th_tmpdir(), a[700], b[700], out[700], re[700], pg[700], args[3000], f1[800], f2[800], *o, *e;
    snprintf(a, sizeof a, "%s/a.db", dir);
    snprintf(b, sizeof b, "%s/b.db", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(re, sizeof re, "%s/reprinted", dir);
    fresh_pg(pg, sizeof pg);
    fill_all(dir, a, out);
    cr_assert_eq(mkdir(re, 0700), 0);

    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, pg);
    ok(args, &o);
    cr_assert(strstr(o, "5 quotes (5 copied now, 0 already there)"), "%s", o);
    cr_assert(strstr(o, "\n" ALL_COPIED), "%s", o);
    free(o);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", pg, b);
    ok(args, &o);
    cr_assert(strstr(o, "\n" ALL_COPIED), "%s", o);
    free(o);

    /* every PDF, the bills' comparisons, the accounts, the accepted copy: the same */
    reprints_match(b, out, re, 5);
    char *va = more_views(a), *vp = more_views(pg), *vb = more_views(b);
    cr_assert(strstr(va, "\"max\"") && strstr(va, "\"disabled\":\ttrue"), "%s", va);
    cr_assert(strstr(va, "bill 3 dated 2026-10-20"), "%s", va);
    cr_assert_str_eq(vp, va, "PostgreSQL shows the accounts and bills SQLite showed");
    cr_assert_str_eq(vb, va, "and so does the SQLite copy of it");
    free(va);
    free(vp);
    free(vb);
    char *sa = views(a, 5), *sb = views(b, 5);
    cr_assert_str_eq(sb, sa, "every quote's history and status");
    free(sa);
    free(sb);
    size_t la, lb;
    snprintf(f1, sizeof f1, "%s/accepted-a.pdf", dir);
    snprintf(f2, sizeof f2, "%s/accepted-b.pdf", dir);
    char *pa = accepted_copy(a, f1, &la), *pb = accepted_copy(b, f2, &lb);
    cr_assert(la == lb && !memcmp(pa, pb, la), "the accepted copy comes back byte for byte");
    free(pa);
    free(pb);

    /* the copied history is a valid audit trail on both targets */
    snprintf(args, sizeof args, "audit verify --register '%s'", pg);
    ok(args, &o);
    cr_assert(strstr(o, "audit trail intact"), "%s", o);
    free(o);
    snprintf(args, sizeof args, "audit verify --register '%s'", b);
    ok(args, &o);
    cr_assert(strstr(o, "audit trail intact"), "%s", o);
    free(o);

    /* a re-run copies nothing more; what the source did since is appended */
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, pg);
    ok(args, &o);
    cr_assert(strstr(o, "5 quotes (0 copied now, 5 already there), 1 price tables, 0 history events added"), "%s", o);
    cr_assert(strstr(o, "\n" NOTHING_COPIED), "%s", o);
    free(o);
    snprintf(args, sizeof args, "deliver Q-2026-000004 --how paper --register '%s'", a);
    ok(args, NULL);
    snprintf(args, sizeof args, "bill explain Q-2026-000004 --line 1 --text 'As estimated' --register '%s'", a);
    ok(args, NULL);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, pg);
    ok(args, &o);
    cr_assert(strstr(o, "2 history events added"), "%s", o);
    cr_assert(strstr(o, "\n2 accounts (0 copied now), 4 bills (0), 2 bill explanations (1), 1 signed acceptances (0),"
                        " 3 delivery records (1), 1 e-mail consents (0);"), "%s", o);
    free(o);

    /* the people sign in on the copies with the passwords they had */
    accounts_and_patient_side_work(pg);
    accounts_and_patient_side_work(b);

    /* a record the target has and the source has not, or an account that
     * differs, is refused, naming it */
    snprintf(args, sizeof args, "deliver Q-2026-000003 --how paper --register '%s'", b);
    ok(args, NULL);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", pg, b);
    cr_assert_eq(rq(args, &o, &e), 1);
    cr_assert(strstr(e, "the history of quote Q-2026-000003 in the target register is not the source's"), "%s", e);
    free(o);
    free(e);
    /* behind the program's back: a record without its event */
    char *err = th_pg_sql(pg, "INSERT INTO deliveries(number, how, at, actor)"
                              " VALUES ('Q-2026-000003', 'paper', '2026-12-01T10:00:00Z', 'someone')");
    cr_assert_null(err, "%s", err);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, pg);
    cr_assert_eq(rq(args, &o, &e), 1);
    cr_assert(strstr(e, "quote Q-2026-000003 has 1 delivery records in the target register and 0 in the source;"
                        " nothing more was copied"), "%s", e);
    cr_assert_eq(strchr(e, '\n'), e + strlen(e) - 1, "one line: %s", e);
    free(o);
    free(e);
    /* the same place, another record: the source's Q-2026-000003 gets a delivery of its own */
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(a, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "INSERT INTO deliveries(number, how, at, actor) VALUES ('Q-2026-000003', 'email',"
                                  " '2026-12-01T10:00:00Z', 'someone')", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, pg);
    cr_assert_eq(rq(args, &o, &e), 1);
    cr_assert(strstr(e, "delivery record 1 of quote Q-2026-000003 is already in the target register and differs from"
                        " the source's (how it was delivered); nothing more was copied"), "%s", e);
    free(o);
    free(e);
    char c[700];
    snprintf(c, sizeof c, "%s/c.db", dir);
    snprintf(args, sizeof args, "init --register '%s'", c);
    ok(args, NULL);
    snprintf(args, sizeof args, "user add ana --role manager --register '%s'", c);
    ok_in("ana-password-1", args);
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, c);
    cr_assert_eq(rq(args, &o, &e), 1);
    cr_assert(strstr(e, "account 'ana' is already in the target register and differs from the source's (its password);"
                        " nothing was copied"), "%s", e);
    free(o);
    free(e);
    snprintf(args, sizeof args, "list --register '%s'", c);
    ok(args, &o);
    cr_assert_null(strstr(o, "Q-2026"), "no quote went into it: %s", o);
    free(o);
    th_rmtree(dir);
    free(dir);
}

Test(reg_copy, an_interrupted_copy_resumes_where_it_stopped)
{
    char *dir = th_tmpdir(), a[700], out[700], pg[700], args[3000], *o, *e;
    snprintf(a, sizeof a, "%s/a.db", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    fresh_pg(pg, sizeof pg);
    fill_all(dir, a, out);
    /* killed (SIGKILL) once the accounts and the first quote are in */
    char cmd[4000];
    snprintf(cmd, sizeof cmd, DAY0 "REGENQUOTE_FAULT=copy-after-quote %s register copy --from '%s' --to '%s'", th_bin(),
             a, pg);
    cr_assert_neq(th_run(cmd, &o, &e), 0, "the copy was killed");
    free(o);
    free(e);
    snprintf(args, sizeof args, "list --register '%s'", pg);
    ok(args, &o);
    cr_assert(strstr(o, "Q-2026-000001") && !strstr(o, "Q-2026-000002"), "one quote went in: %s", o);
    free(o);
    snprintf(args, sizeof args, "user list --register '%s'", pg);
    ok(args, &o);
    cr_assert(strstr(o, "2 accounts"), "the accounts went first: %s", o);
    free(o);
    /* run again: the rest, nothing twice */
    snprintf(args, sizeof args, "register copy --from '%s' --to '%s'", a, pg);
    ok(args, &o);
    cr_assert(strstr(o, "5 quotes (4 copied now, 1 already there)"), "%s", o);
    cr_assert(strstr(o, "\n2 accounts (0 copied now), 4 bills (4), 1 bill explanations (1), 1 signed acceptances (1), "
                        "2 delivery records (2), 1 e-mail consents (1);"), "%s", o);
    free(o);
    snprintf(args, sizeof args, "audit verify --register '%s'", pg);
    ok(args, NULL);
    char *va = more_views(a), *vp = more_views(pg);
    cr_assert_str_eq(vp, va);
    free(va);
    free(vp);
    th_rmtree(dir);
    free(dir);
}
