/* Fuzz the final-bill reader (src/core/bill.h): any bytes as a bill file,
 * CSV or JSON.  A bill that is read must have lines, each with a quantity
 * from 1 to 9999, a negative amount only for DISCOUNT, and must turn into
 * the JSON the register stores, which must parse again. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bill.h"
#include "fuzz_common.h"

int fuzz_bill_one(const uint8_t *data, size_t size);

int fuzz_bill_one(const uint8_t *data, size_t size)
{
    struct bill b;
    struct diag_list dl = { 0 };
    if (bill_parse(&b, "fuzz.csv", (const char *)data, size, &dl) == 0) {
        if (!b.n || !b.bill_date)
            abort();
        for (size_t i = 0; i < b.n; i++) {
            const struct bill_line *l = &b.lines[i];
            if (l->quantity < 1 || l->quantity > 9999)
                abort();
            if (l->amount_cents < 0 && strcasecmp(l->code, "DISCOUNT") != 0)
                abort();
        }
        char *json = bill_lines_json(&b);
        cJSON *again = json ? cJSON_Parse(json) : NULL;
        if (json && !again)
            abort();
        cJSON_Delete(again);
        free(json);
        bill_free(&b);
    }
    char buf[512];
    for (size_t i = 0; i < dl.n; i++)
        diag_format(&dl.v[i], buf, sizeof buf);
    diag_list_free(&dl);
    return 0;
}

#ifndef RQ_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_bill_one(data, size);
}
#endif
