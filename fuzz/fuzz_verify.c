/* Fuzz `regenquote verify`'s reader (src/core/pdf_verify.h): any bytes as a
 * PDF someone hands in.  It must answer, never crash or read out of bounds;
 * the seeds are issued PDFs (make fuzz builds them in build/fuzz/seeds-verify). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pdf_verify.h"

int fuzz_verify_one(const uint8_t *data, size_t size);

int fuzz_verify_one(const uint8_t *data, size_t size)
{
    struct pdf_verdict v;
    int n = pdf_verify(data, size, &v);
    if (n > 0 && v.n_problems == 0)
        abort(); /* problems counted are problems told */
    return 0;
}

#ifndef RQ_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_verify_one(data, size);
}
#endif
