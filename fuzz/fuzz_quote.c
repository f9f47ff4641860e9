/* Fuzz the whole price-and-render path: any bytes as a request
 * (plan_load_text), priced with the shipped tables (pricing_compute),
 * written as JSON and text, and rendered as the patient's PDF
 * (render_pdf_mem) in the language the request asks for.  Aborts when the
 * visits' charges or the payments do not add up to the total. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "plan.h"
#include "pricing.h"
#include "quote.h"
#include "render_pdf.h"

/* One input; returns 0 (libFuzzer's convention).  Aborts on a broken
 * invariant so the fuzzer and the regression test see a crash. */
int fuzz_quote_one(const uint8_t *data, size_t size);

int fuzz_quote_one(const uint8_t *data, size_t size)
{
    const struct price_table *pt = fuzz_tables();
    struct plan p;
    struct diag_list dl = { 0 };
    plan_init(&p);
    if (plan_load_text(&p, "fuzz.json", (const char *)data, size, &dl) == 0) {
        struct quote q;
        /* 2026-11-23, the suite's fixed day. */
        if (pricing_compute(pt, &p, 20780, &q, &dl) == 0) {
            /* the money adds up visit by visit, payment by payment */
            int64_t charges = 0, paid = 0, due = q.deposit_cents;
            for (size_t i = 0; i < q.n_visits; i++) {
                charges += q.visits[i].charges_cents;
                due += q.visits[i].due_cents;
                if (q.visits[i].due_cents < 0)
                    abort();
            }
            for (size_t i = 0; i < q.n_payments; i++)
                paid += q.payments[i].cents;
            if (charges != q.total_cents || paid != q.total_cents ||
                (!q.in_full && due != q.total_cents))
                abort();
            FILE *devnull = fopen("/dev/null", "w");
            if (devnull) {
                quote_write_json(&q, devnull);
                quote_write_text(&q, devnull);
                fclose(devnull);
            }
            struct render_opts ro = { .templates_dir = FUZZ_TEMPLATES,
                                      .quote_number = (size & 1) ? "Q-2026-000001" : NULL,
                                      .a4 = (size & 2) != 0 };
            unsigned char *pdf = NULL;
            size_t len = 0;
            if (render_pdf_mem(&q, &ro, &pdf, &len, &dl) == 0 && (len < 5 || pdf == NULL))
                abort();
            free(pdf);
            quote_free(&q);
        }
    }
    char buf[512];
    for (size_t i = 0; i < dl.n; i++)
        diag_format(&dl.v[i], buf, sizeof buf);
    plan_free(&p);
    diag_list_free(&dl);
    return 0;
}

#ifndef RQ_FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_quote_one(data, size);
}
#endif
