/* Fuzzing regressions: every input kept in tests/corpus/fuzz/<harness>/
 * (crashes, leaks and hangs found by `make fuzz`, once fixed) replayed
 * through the same entry points the libFuzzer harnesses in fuzz/ use, plus
 * their seeds.  Under `make check-asan` a regression is an ASan/UBSan
 * report; here it is a crash, an abort or a wrong result. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RQ_FUZZ_NO_ENTRY
#define RQ_FUZZ_ROOT "."
#include "../fuzz/fuzz_bill.c"
#include "../fuzz/fuzz_catalog_csv.c"
#include "../fuzz/fuzz_fontcov.c"
#include "../fuzz/fuzz_signature.c"
#include "../fuzz/fuzz_price_table.c"
#include "../fuzz/fuzz_quote.c"
#include "../fuzz/fuzz_request.c"
#include "../fuzz/fuzz_verify.c"

#include "helpers.h"

typedef int (*fuzz_fn)(const uint8_t *, size_t);

/* Feed every regular file in dir to fn; returns how many. */
static int replay_dir(const char *dir, fuzz_fn fn)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        size_t len;
        char *buf = th_read(p, &len);
        if (!buf)
            continue;
        fn((const uint8_t *)buf, len);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

Test(fuzz_regress, request)
{
    replay_dir("tests/corpus/fuzz/request", fuzz_request_one);
    cr_assert_gt(replay_dir("examples", fuzz_request_one), 0);
    replay_dir("tests/corpus", fuzz_request_one);
}

Test(fuzz_regress, quote, .timeout = 120)
{
    replay_dir("tests/corpus/fuzz/quote", fuzz_quote_one);
    cr_assert_gt(replay_dir("examples", fuzz_quote_one), 0);
}

Test(fuzz_regress, price_table)
{
    replay_dir("tests/corpus/fuzz/price_table", fuzz_price_table_one);
    /* the seeds: shipped catalog (first byte 0) and clinic (first byte 1) */
    static const char *const files[] = { "pricing/catalog.json", "pricing/clinic.json" };
    for (int i = 0; i < 2; i++) {
        size_t len;
        char *text = th_read(files[i], &len);
        cr_assert_not_null(text);
        char *buf = malloc(len + 1);
        buf[0] = (char)i;
        memcpy(buf + 1, text, len);
        fuzz_price_table_one((const uint8_t *)buf, len + 1);
        free(buf);
        free(text);
    }
}

Test(fuzz_regress, catalog_csv)
{
    replay_dir("tests/corpus/fuzz/catalog_csv", fuzz_catalog_csv_one);
    cr_assert_gt(replay_dir("fuzz/seeds/catalog_csv", fuzz_catalog_csv_one), 0);
}

Test(fuzz_regress, fontcov)
{
    cr_assert_gt(replay_dir("tests/corpus/fuzz/fontcov", fuzz_fontcov_one), 0);
    size_t len;
    char *font = th_read("templates/fonts/regenquote-sans.ttf", &len);
    cr_assert_not_null(font, "make fonts");
    fuzz_fontcov_one((const uint8_t *)font, len);
    /* every prefix of the font's first tables: a file cut short anywhere */
    for (size_t n = 0; n < 4096 && n < len; n += 7)
        fuzz_fontcov_one((const uint8_t *)font, n);
    free(font);
}

Test(fuzz_regress, bill)
{
    replay_dir("tests/corpus/fuzz/bill", fuzz_bill_one);
    cr_assert_gt(replay_dir("examples/bills", fuzz_bill_one), 0);
}

Test(fuzz_regress, signature)
{
    cr_assert_gt(replay_dir("tests/corpus/fuzz/signature", fuzz_signature_one), 0);
}

/* verify's PDF reader: a file cut inside an object, read past its end by a
 * number parser that wanted a NUL (found by the verify harness) */
Test(fuzz_regress, verify)
{
    cr_assert_gt(replay_dir("tests/corpus/fuzz/verify", fuzz_verify_one), 0);
}
