/* Fuzz the CSV importer (src/catalog_csv.h): any bytes as a spreadsheet
 * merged into the shipped catalog.  An import that succeeds must give a
 * catalog that exports again. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "catalog_csv.h"
#include "fuzz_common.h"

/* One input; returns 0 (libFuzzer's convention).  Aborts on a broken
 * invariant so the fuzzer and the regression test see a crash. */
int fuzz_catalog_csv_one(const uint8_t *data, size_t size);

int fuzz_catalog_csv_one(const uint8_t *data, size_t size)
{
    const struct price_table *pt = fuzz_tables();
    struct price_table np;
    struct diag_list dl = { 0 };
    char *text = NULL;
    size_t len = 0;
    if (catalog_csv_import(pt, "fuzz.csv", (const char *)data, size, &text, &len, &np, &dl) == 0) {
        FILE *devnull = fopen("/dev/null", "w");
        if (devnull) {
            catalog_csv_export(&np, true, devnull);
            fclose(devnull);
        }
    }
    char buf[512];
    for (size_t i = 0; i < dl.n; i++)
        diag_format(&dl.v[i], buf, sizeof buf);
    free(text);
    price_table_free(&np);
    diag_list_free(&dl);
    return 0;
}

#ifndef RQ_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_catalog_csv_one(data, size);
}
#endif
