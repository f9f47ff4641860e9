/* Crash safety after the fact: what a killed run leaves in the output
 * folder (temporary files, missing, truncated or altered copies) is put
 * right by `repair`, and only by it; a partial file never has a final name.
 * (scripts/kill-loop.sh does the killing itself: `make kill-loop`.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

#define ENV "SOURCE_DATE_EPOCH=1795392000 REGENQUOTE_PRICES=pricing REGENQUOTE_TEMPLATES=templates "

static int rq(const char *dir, const char *args, char **out, char **err)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, ENV "%s %s --register %s/r.db --out-dir %s/out", th_bin(), args, dir, dir);
    return th_run(cmd, out, err);
}

/* A fresh folder with a register, r.db (malloc'd). */
static char *reg_dir(void)
{
    char *dir = th_tmpdir(), p[700];
    snprintf(p, sizeof p, "%s/r.db", dir);
    cr_assert_eq(th_init_register(p), 0);
    return dir;
}

Test(crash, repair_puts_right_what_a_killed_run_left)
{
    char *dir = reg_dir();
    char *out, *err, p[700], cmd[2000];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(rq(dir, "quote examples/bone-marrow-one-ankle.json", &out, &err), 0, "%s", err);
        free(out);
        free(err);
    }
    char *orig1, *orig2, *orig3;
    size_t len1, len2, len3;
    snprintf(p, sizeof p, "%s/out/Q-2026-000001.pdf", dir);
    orig1 = th_read(p, &len1);
    snprintf(p, sizeof p, "%s/out/Q-2026-000002.pdf", dir);
    orig2 = th_read(p, &len2);
    snprintf(p, sizeof p, "%s/out/Q-2026-000003.pdf", dir);
    orig3 = th_read(p, &len3);
    cr_assert(orig1 && orig2 && orig3);

    /* 1: cut short; 2: one byte changed, same size; 3: gone;
     * plus an old and a fresh temporary file of interrupted writes */
    snprintf(cmd, sizeof cmd,
             "cd %s/out && truncate -s 1000 Q-2026-000001.pdf && "
             "printf X | dd of=Q-2026-000002.pdf bs=1 seek=200 conv=notrunc 2>/dev/null && "
             "rm Q-2026-000003.pdf && head -c 300 Q-2026-000002.pdf > Q-2026-000004.pdf.tmpAAAAAA && "
             "touch -d '-2 minutes' Q-2026-000004.pdf.tmpAAAAAA && "
             "head -c 300 Q-2026-000002.pdf > Q-2026-000005.pdf.tmpBBBBBB",
             dir);
    cr_assert_eq(system(cmd), 0);

    /* without --verify: sizes are checked, contents are not; the missing
     * copy is written, the cut one reported and left as it is (an issued
     * copy is never replaced, issue #12) */
    cr_assert_eq(rq(dir, "repair", &out, &err), 1, "%s", err);
    cr_assert_str_eq(out, "");
    char want[2000];
    snprintf(want, sizeof want, "regenquote: %s/out/Q-2026-000001.pdf: differs from quote Q-2026-000001 as issued; "
             "it is left as it is: move it aside and run 'regenquote repair' to write the register's copy\n", dir);
    cr_assert_str_eq(err, want);
    free(out);
    free(err);
    size_t n;
    char *now;
    snprintf(p, sizeof p, "%s/out/Q-2026-000001.pdf", dir);
    now = th_read(p, &n);
    cr_assert_eq(n, 1000, "the cut copy is left as it was found");
    free(now);
    snprintf(p, sizeof p, "%s/out/Q-2026-000002.pdf", dir);
    now = th_read(p, &n);
    cr_assert(n == len2 && memcmp(now, orig2, n) != 0, "same size: left for --verify");
    free(now);
    snprintf(p, sizeof p, "%s/out/Q-2026-000003.pdf", dir);
    now = th_read(p, &n);
    cr_assert(now && n == len3 && !memcmp(now, orig3, n), "the missing copy is back, byte for byte");
    free(now);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0, "the missing copy is back");
    cr_assert_eq(st.st_mode & 0777, 0600);
    snprintf(p, sizeof p, "%s/out/Q-2026-000004.pdf.tmpAAAAAA", dir);
    cr_assert_neq(access(p, F_OK), 0, "an old temporary file is removed");
    snprintf(p, sizeof p, "%s/out/Q-2026-000005.pdf.tmpBBBBBB", dir);
    cr_assert_eq(access(p, F_OK), 0, "a fresh one may belong to a running issuer: kept");

    /* --verify compares the bytes: both damaged copies are reported */
    cr_assert_eq(rq(dir, "repair --verify", &out, &err), 1, "%s", err);
    cr_assert(strstr(err, "Q-2026-000001.pdf: differs") && strstr(err, "Q-2026-000002.pdf: differs"), "%s", err);
    free(out);
    free(err);
    /* moved aside as the message says, they are written again */
    snprintf(cmd, sizeof cmd, "cd %s/out && mv Q-2026-000001.pdf Q1.damaged && mv Q-2026-000002.pdf Q2.damaged", dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(rq(dir, "repair --verify", &out, &err), 0, "%s", err);
    cr_assert_str_eq(out, "register OK; 2 PDF copies rewritten\n");
    free(out);
    free(err);
    snprintf(p, sizeof p, "%s/out/Q-2026-000001.pdf", dir);
    now = th_read(p, &n);
    cr_assert(n == len1 && !memcmp(now, orig1, n), "the register's copy, byte for byte");
    free(now);
    snprintf(p, sizeof p, "%s/out/Q-2026-000002.pdf", dir);
    now = th_read(p, &n);
    cr_assert(n == len2 && !memcmp(now, orig2, n), "the register's copy, byte for byte");
    free(now);

    /* nothing left to do */
    cr_assert_eq(rq(dir, "repair --verify", &out, &err), 0, "%s", err);
    cr_assert_str_eq(out, "register OK; 0 PDF copies rewritten\n");
    free(out);
    free(err);
    free(orig1);
    free(orig2);
    free(orig3);
    th_rmtree(dir);
    free(dir);
}

/* A quote killed after its commit (the fault hook) keeps its number; the
 * next issuing run writes the missing copy once it is a minute old, and
 * `repair` does it at once. */
Test(crash, killed_after_commit_then_repaired)
{
    char *dir = reg_dir();
    char *out, *err, cmd[2000], p[700];
    snprintf(cmd, sizeof cmd,
             ENV "REGENQUOTE_FAULT=after-commit %s quote examples/adipose-two-knees.json --register %s/r.db "
                 "--out-dir %s/out",
             th_bin(), dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 137, "killed: %s", err);
    free(out);
    free(err);
    snprintf(p, sizeof p, "%s/out/Q-2026-000001.pdf", dir);
    cr_assert_neq(access(p, F_OK), 0, "no copy yet");
    cr_assert_eq(rq(dir, "quote examples/adipose-two-knees.json", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Q-2026-000002"), "the killed quote kept its number: %s", out);
    free(out);
    free(err);
    cr_assert_eq(rq(dir, "repair", &out, &err), 0, "%s", err);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "qpdf --check %s >/dev/null", p);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0, "a whole PDF");
    cr_assert_eq(rq(dir, "show Q-2026-000001", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "issued"), "%s", out);
    free(out);
    free(err);
    th_rmtree(dir);
    free(dir);
}
