/* Fuzz the price-table loader.  The first byte picks the file the rest
 * replaces: even — catalog.json (price_table_load_catalog_text, checked
 * alone); odd — clinic.json, written to a temporary file and loaded with
 * the shipped catalog by price_table_load_files (cross-file checks on).
 * A table that loads is also moved to a few dates (price_table_use_date). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "price_table.h"

static char clinic_tmp[64];

static void remove_tmp(void)
{
    if (clinic_tmp[0])
        unlink(clinic_tmp);
}

static const char *write_tmp(const uint8_t *data, size_t size)
{
    if (!clinic_tmp[0]) {
        snprintf(clinic_tmp, sizeof clinic_tmp, "/tmp/rq-fuzz-clinic-%ld.json", (long)getpid());
        atexit(remove_tmp);
    }
    FILE *f = fopen(clinic_tmp, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();
    return clinic_tmp;
}

/* One input; returns 0 (libFuzzer's convention).  Aborts on a broken
 * invariant so the fuzzer and the regression test see a crash. */
int fuzz_price_table_one(const uint8_t *data, size_t size);

int fuzz_price_table_one(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct price_table pt;
    struct diag_list dl = { 0 };
    int rc;
    if ((data[0] & 1) == 0)
        rc = price_table_load_catalog_text(&pt, "catalog.json", (const char *)data + 1, size - 1,
                                           &dl);
    else
        rc = price_table_load_files(&pt, write_tmp(data + 1, size - 1),
                                    FUZZ_PRICES "/catalog.json", &dl);
    if (rc == 0) {
        static const rq_date dates[] = { 0, 20000, 21000, 40000 };
        for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
            price_table_use_date(&pt, dates[i], &dl);
        (void)price_table_prices_version(&pt);
    }
    char buf[512];
    for (size_t i = 0; i < dl.n; i++)
        diag_format(&dl.v[i], buf, sizeof buf);
    price_table_free(&pt);
    diag_list_free(&dl);
    return 0;
}

#ifndef RQ_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_price_table_one(data, size);
}
#endif
