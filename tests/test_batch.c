/* batch: many requests in one run, failures reported by line, the rest go on. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"

#define DAY0 "SOURCE_DATE_EPOCH=1795392000 "

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* Write a JSONL file of n copies of the example requests (scheduled dates
 * dropped), plus extra raw lines. */
static void write_jsonl(const char *path, int n, const char *extra)
{
    static const char *const ex[] = { "bone-marrow-one-ankle", "adipose-two-knees", "package-with-discount" };
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < n; i++) {
        char p[128];
        snprintf(p, sizeof p, "examples/%s.json", ex[i % 3]);
        char *t = th_read(p, NULL);
        for (char *c = t; *c; c++)
            if (*c == '\n')
                *c = ' ';
        fprintf(f, "%s\n", t);
        free(t);
    }
    if (extra)
        fputs(extra, f);
    fclose(f);
}

Test(batch, prices_every_line_and_writes_private_pdfs)
{
    char *dir = th_tmpdir(), in[300], cmd[1200], *out, *err;
    snprintf(in, sizeof in, "%s/reqs.jsonl", dir);
    write_jsonl(in, 6, NULL);
    snprintf(cmd, sizeof cmd, DAY0 "%s batch %s --out-dir %s", th_bin(), in, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert_eq(count(out, "$8,052.84"), 2, "%s", out);
    cr_assert_eq(count(out, "$10,050.00"), 2, "%s", out);
    cr_assert_eq(count(out, "$7,167.50"), 2, "%s", out);
    cr_assert(strstr(err, "6 requests, 6 priced, 0 failed"), "%s", err);
    cr_assert_null(strchr(err, '\r'), "no progress bar when stderr is not a terminal");
    char p[400];
    struct stat st;
    snprintf(p, sizeof p, "%s/estimate-000006.pdf", dir);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(batch, a_failed_line_is_reported_with_its_number_and_the_rest_go_on)
{
    char *dir = th_tmpdir(), in[300], cmd[1200], *out, *err;
    snprintf(in, sizeof in, "%s/reqs.jsonl", dir);
    write_jsonl(in, 2,
                "# a comment line\n"
                "\n"
                "{\"cell_source\": \"bone-marrow\", \"areas\": [\"left-kne\"]}\n"
                "{\"cell_source\": \"adipose\", \"areas\": [\"left-knee\"]\n"
                "{\"cell_source\": \"embryonic\", \"areas\": [\"left-knee\"]}\n"
                "{\"cell_source\": \"adipose\", \"areas\": [\"left-knee\"]}\n");
    snprintf(cmd, sizeof cmd, DAY0 "%s batch %s --format none", th_bin(), in);
    cr_assert_eq(th_run(cmd, &out, &err), 1, "exit 1 when any failed");
    char want[600];
    snprintf(want, sizeof want, "regenquote: %s:5:42: areas[0]: unknown treatment area 'left-kne'", in);
    cr_assert(strstr(err, want), "want %s in\n%s", want, err);
    snprintf(want, sizeof want, "regenquote: %s:6:", in);
    cr_assert(strstr(err, want) && strstr(err, "JSON ends too early"), "%s", err);
    snprintf(want, sizeof want, "regenquote: %s:7:", in);
    cr_assert(strstr(err, want) && strstr(err, "research"), "%s", err);
    cr_assert(strstr(err, "5 requests, 2 priced, 3 failed") == NULL, "%s", err);
    cr_assert(strstr(err, "6 requests, 3 priced, 3 failed"), "%s", err);
    cr_assert(strstr(out, "$8,350.00"), "the last line still priced: %s", out);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}

Test(batch, issues_into_the_register_with_two_workers, .timeout = 60)
{
    char *dir = th_tmpdir(), in[300], cmd[2000], *out, *err;
    snprintf(in, sizeof in, "%s/reqs.jsonl", dir);
    write_jsonl(in, 12, NULL);
    snprintf(cmd, sizeof cmd, "%s/reg.db", dir);
    cr_assert_eq(th_init_register(cmd), 0);
    /* the same request twice is issued once (its idempotency key): twelve
     * keys for twelve quotes */
    snprintf(cmd, sizeof cmd, "awk '{ sub(/^[{]/, \"{ \\\"idempotency_key\\\": \\\"line-\" NR \"\\\",\"); print }' "
             "%s > %s.k && mv %s.k %s", in, in, in, in);
    cr_assert_eq(th_run(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, DAY0 "%s batch %s --issue --jobs 2 --register %s/reg.db --out-dir %s", th_bin(), in,
             dir, dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    cr_assert(strstr(err, "12 requests, 12 issued, 0 failed"), "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "ls %s/Q-2026-*.pdf | wc -l", dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    cr_assert_str_eq(out, "12\n");
    free(out);
    snprintf(cmd, sizeof cmd, DAY0 "%s list --register %s/reg.db --format csv | cut -d, -f1 | sort -u | wc -l",
             th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    cr_assert_str_eq(out, "13\n", "12 distinct numbers and the header");
    free(out);
    th_rmtree(dir);
    free(dir);
}

Test(batch, a_folder_of_requests)
{
    char *dir = th_tmpdir(), cmd[1200], *out, *err;
    snprintf(cmd, sizeof cmd, DAY0 "%s batch examples --format json --out-dir %s", th_bin(), dir);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    /* one request per file of examples/ */
    cr_assert(strstr(err, "7 requests, 7 priced, 0 failed"), "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "ls %s/estimate-*.json | wc -l", dir);
    cr_assert_eq(th_run(cmd, &out, NULL), 0);
    cr_assert_str_eq(out, "7\n");
    free(out);
    th_rmtree(dir);
    free(dir);
}

Test(batch, usage_errors)
{
    char cmd[600], *out, *err;
    snprintf(cmd, sizeof cmd, "%s batch examples --jobs 0", th_bin());
    cr_assert_eq(th_run(cmd, &out, &err), 2);
    cr_assert(strstr(err, "--jobs takes a number from 1 to 64"), "%s", err);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "%s batch", th_bin());
    cr_assert_eq(th_run(cmd, &out, &err), 2);
    free(out); free(err);
    snprintf(cmd, sizeof cmd, "%s batch /nonexistent.jsonl --format none", th_bin());
    cr_assert_eq(th_run(cmd, &out, &err), 1);
    cr_assert(strstr(err, "/nonexistent.jsonl: cannot open"), "%s", err);
    free(out); free(err);
}

Test(batch, uncompressed_pdfs_are_larger_and_still_valid)
{
    char *dir = th_tmpdir(), cmd[1600], *out, *err;
    snprintf(cmd, sizeof cmd,
             DAY0 "%s batch examples --out-dir %s/a -q && " DAY0 "%s batch examples --out-dir %s/b -q --uncompressed"
             " && stat -c %%s %s/a/estimate-000002.pdf %s/b/estimate-000002.pdf"
             " && qpdf --check %s/b/estimate-000002.pdf >/dev/null && pdftotext %s/b/estimate-000002.pdf - | grep -c 'Total'",
             th_bin(), dir, th_bin(), dir, dir, dir, dir, dir);
    snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "%s", "");
    char mk[700];
    snprintf(mk, sizeof mk, "mkdir -p %s/a %s/b", dir, dir);
    cr_assert_eq(th_run(mk, NULL, NULL), 0);
    cr_assert_eq(th_run(cmd, &out, &err), 0, "%s", err);
    long a = 0, b = 0;
    cr_assert_eq(sscanf(out, "%ld %ld", &a, &b), 2, "%s", out);
    cr_assert_gt(b, 2 * a, "uncompressed %ld vs %ld", b, a);
    free(out); free(err);
    th_rmtree(dir);
    free(dir);
}
