/* fuzz_common — what the libFuzzer harnesses share: where the repository's
 * price tables and templates are (RQ_FUZZ_ROOT is set by mk/fuzz.mk to the
 * absolute repository path, so a harness works from any folder), and a
 * price table loaded once per process.
 *
 * Memory: fuzz_tables() returns a table owned by this module, loaded on the
 * first call and kept for the life of the process (libFuzzer never calls
 * exit handlers between inputs, so it is deliberately not freed). */
#ifndef RQ_FUZZ_COMMON_H
#define RQ_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "price_table.h"

#ifndef RQ_FUZZ_ROOT
#define RQ_FUZZ_ROOT "."
#endif

#define FUZZ_PRICES RQ_FUZZ_ROOT "/pricing"
#define FUZZ_TEMPLATES RQ_FUZZ_ROOT "/templates"

/* The shipped price tables (pricing/), loaded once; aborts if they do not
 * load, since every input would then be tested against nothing. */
static inline const struct price_table *fuzz_tables(void)
{
    static struct price_table pt;
    static int loaded;
    if (!loaded) {
        struct diag_list dl = { 0 };
        if (price_table_load(&pt, FUZZ_PRICES, &dl) != 0) {
            fprintf(stderr, "fuzz: cannot load %s\n", FUZZ_PRICES);
            abort();
        }
        diag_list_free(&dl);
        loaded = 1;
    }
    return &pt;
}

#endif
